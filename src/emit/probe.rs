//! The shell command that samples a metric, for every kind of source: the runbook (and the
//! workflow, which runs it) only ever runs a probe command and reads its output strictly
//! (`docs/semantics.md`, R8). A `prometheus` or `http` source becomes `curl` piped into `jq`.
//!
//! Plan text reaches the command only through [`sh_quote`]; the `jq` programs are constants and
//! take the JSON pointer as an argument. Header values are read from the environment and given
//! to `curl` on its standard input (`-H @-`), so a secret never appears in a process's
//! arguments.

use super::shell::sh_quote;
use super::view::{HeaderView, MetricSourceView, MetricView, PlanView};

/// The answer of `/api/v1/query`: the value of one series (or a scalar); anything else (an
/// error, no series, several series) prints nothing, which the runbook reads as no data.
const PROMETHEUS_VALUE: &str = r#".data as $d | if .status != "success" then empty elif $d.resultType == "scalar" then $d.result[1] elif $d.resultType == "vector" and ($d.result | length) == 1 then $d.result[0].value[1] else empty end"#;

/// The value at a JSON pointer, given as the list of its tokens in `$p` (RFC 6901: a token
/// indexes an array only when it is a decimal index). A number or a string prints; anything else
/// prints nothing (no data).
const JSON_POINTER_VALUE: &str = r#"reduce $p[] as $k (.; if type == "array" then (if ($k | test("^(0|[1-9][0-9]*)$")) then .[$k | tonumber] else null end) elif type == "object" then .[$k] else null end) | if type == "boolean" then (if . then 1 else 0 end) elif type == "number" or type == "string" then . else empty end"#;

/// A bool metric read from a query: 1 when the value is a number other than 0 (NaN is no data).
const AS_BOOL: &str = r#" | (tonumber? // empty) | select(. == .) | if . == 0 then 0 else 1 end"#;

/// `curl`'s own limit, under the runbook's probe limit (R8), so that a slow server is reported
/// by `curl` rather than killed.
const CURL_MAX_TIME_S: u64 = crate::model::PROBE_TIMEOUT_MS / 1000 - 1;

/// The instant a query asks about: the run's clock (`GOLIVE_NOW_MS`, which the runbook gives
/// every command; the real time in production, a past incident's time when a test replays one),
/// or now when the command is run by hand.
const QUERY_TIME: &str = r#"--data-urlencode "time=$(( ${GOLIVE_NOW_MS:-$(date +%s%3N)} / 1000 ))""#;

/// The command the runbook runs to sample `metric`.
pub fn command(metric: &MetricView) -> Result<String, String> {
    let as_bool = if metric.ty == "bool" { AS_BOOL } else { "" };
    match &metric.source {
        MetricSourceView::Command => Ok(metric.probe.clone()),
        MetricSourceView::Prometheus { url, query, headers, .. } => Ok(format!(
            "set -o pipefail; {}curl -fsS --max-time {CURL_MAX_TIME_S} {}--get --data-urlencode {} {QUERY_TIME} -- {} | jq -r {}",
            headers_in(headers),
            headers_flag(headers),
            sh_quote(&format!("query={query}"))?,
            sh_quote(&format!("{url}/api/v1/query"))?,
            sh_quote(&format!("{PROMETHEUS_VALUE}{as_bool}"))?,
        )),
        MetricSourceView::Http { url, pointer, headers } => {
            let tokens = serde_json::to_string(&pointer_tokens(pointer)).map_err(|error| error.to_string())?;
            Ok(format!(
                "set -o pipefail; {}curl -fsS --max-time {CURL_MAX_TIME_S} {}-- {} | jq -r --argjson p {} {}",
                headers_in(headers),
                headers_flag(headers),
                sh_quote(url)?,
                sh_quote(&tokens)?,
                sh_quote(&format!("{JSON_POINTER_VALUE}{as_bool}"))?,
            ))
        }
    }
}

/// Whether the runbook reads `metric`'s value from the command's exit status (a bool probe
/// command) rather than from its output.
pub fn reads_exit_status(metric: &MetricView) -> bool {
    metric.ty == "bool" && matches!(metric.source, MetricSourceView::Command)
}

/// The commands (`name:package`) that sampling needs beyond what every runbook needs.
pub fn requirements(view: &PlanView) -> Vec<&'static str> {
    if view.metrics.iter().any(|metric| !matches!(metric.source, MetricSourceView::Command)) {
        vec!["curl:curl", "jq:jq"]
    } else {
        Vec::new()
    }
}

/// RFC 6901 tokens: split at `/`, then `~1` is `/` and `~0` is `~` (in that order).
fn pointer_tokens(pointer: &str) -> Vec<String> {
    pointer.split('/').skip(1).map(|token| token.replace("~1", "/").replace("~0", "~")).collect()
}

/// `printf 'Name: %s\n' "$VAR" | `: the header lines on `curl`'s standard input, line breaks
/// removed from the values so that one cannot add a header.
fn headers_in(headers: &[HeaderView]) -> String {
    if headers.is_empty() {
        return String::new();
    }
    let format: String = headers.iter().map(|header| format!("{}: %s\\n", header.name)).collect();
    let values: Vec<String> = headers.iter().map(|header| format!("\"${{{}//[$'\\r\\n']/}}\"", header.from)).collect();
    format!("printf '{format}' {} | ", values.join(" "))
}

fn headers_flag(headers: &[HeaderView]) -> &'static str {
    if headers.is_empty() {
        ""
    } else {
        "-H @- "
    }
}
