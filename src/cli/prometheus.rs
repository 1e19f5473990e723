//! Asks a plan's Prometheus for the recorded values of its metrics, for a backtest
//! (`golivec simulate --from-prometheus`). The request is made with `curl`, as the runbook
//! samples (the same headers from the same environment variables, on `curl`'s standard input so
//! that no secret is in a process's arguments); the answer is read by `run::backtest`.

use crate::model::{MetricSource, Model};
use std::io::Write;
use std::process::{Command, Stdio};

/// Prometheus refuses a range query of more than 11,000 points.
const MAX_POINTS: i64 = 10_000;
/// The finest step asked: Prometheus's usual scrape interval.
const MIN_STEP_S: i64 = 15;
/// How long one range query may take.
const QUERY_TIMEOUT_S: u64 = 60;

/// The `query_range` answer (JSON) for each metric that has a Prometheus query, by metric index,
/// between two instants in Unix milliseconds.
pub(super) fn fetch(model: &Model, from_ms: i64, until_ms: i64) -> Result<Vec<(usize, String)>, String> {
    let (start_s, end_s) = (from_ms.div_euclid(1000), until_ms.div_euclid(1000).max(from_ms.div_euclid(1000) + 1));
    let step_s = ((end_s - start_s) / MAX_POINTS + 1).max(MIN_STEP_S);
    let mut answers = Vec::new();
    for (index, metric) in model.metrics.iter().enumerate() {
        let MetricSource::Prometheus { server, query } = &metric.source else { continue };
        let Some(server) = model.prometheus.get(*server) else { continue };
        let mut headers = String::new();
        for header in &server.headers {
            let value = std::env::var(header.from.as_str()).map_err(|_| {
                format!(
                    "{} is not set in the environment (the `{}` header of Prometheus `{}`)",
                    header.from, header.name, server.name
                )
            })?;
            headers.push_str(&format!("{}: {}\n", header.name, value.replace(['\r', '\n'], "")));
        }
        let mut child = Command::new("curl")
            .args(["-fsS", "--max-time", &QUERY_TIMEOUT_S.to_string(), "-H", "@-", "--get"])
            .args(["--data-urlencode", &format!("query={query}")])
            .args(["--data-urlencode", &format!("start={start_s}")])
            .args(["--data-urlencode", &format!("end={end_s}")])
            .args(["--data-urlencode", &format!("step={step_s}")])
            .arg("--")
            .arg(format!("{}/api/v1/query_range", server.url))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|error| format!("cannot run curl to ask Prometheus `{}`: {error}", server.name))?;
        if let Some(mut stdin) = child.stdin.take() {
            // An empty list of headers is fine: curl reads none.
            let _ = stdin.write_all(headers.as_bytes());
        }
        let output = child.wait_with_output().map_err(|error| format!("curl: {error}"))?;
        if !output.status.success() {
            return Err(format!(
                "Prometheus `{}` ({}) did not answer the query of `{}`: {}",
                server.name,
                server.url,
                metric.name,
                String::from_utf8_lossy(&output.stderr).trim()
            ));
        }
        let text = String::from_utf8(output.stdout)
            .map_err(|_| format!("Prometheus `{}` answered something that is not UTF-8", server.name))?;
        answers.push((index, text));
    }
    if answers.is_empty() {
        return Err("no metric of the plan has a `prometheus` query to replay".to_string());
    }
    Ok(answers)
}
