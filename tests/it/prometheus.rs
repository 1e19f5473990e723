//! A real Prometheus on loopback (`scripts/prometheus-fixture.sh`) serving a past incident
//! (`tests/fixtures/prometheus/incident.om`, backfilled with `promtool`): the backtest replays
//! it from the plan's own Prometheus, the runbook samples it on its clock set to the incident's
//! time, and both reach the decisions of the same incident replayed from a CSV file
//! (`tests/fixtures/backtest/`).

use crate::scenario_replay::{checked, differences, reduce_runbook, reduce_simulated, Decision};
use crate::support::{golivec, require_tool, root};
use golivec::run::trace::{Event, Trace};
use golivec::run::world::World;
use std::path::PathBuf;

/// Starts a Prometheus serving the incident; returns its URL. It stops with the test process.
pub(crate) fn start_prometheus(name: &str) -> (String, PathBuf) {
    require_tool("prometheus");
    require_tool("promtool");
    let dir = std::env::temp_dir().join(format!("golivec-prometheus-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let output = std::process::Command::new(root().join("scripts/prometheus-fixture.sh"))
        .arg(&dir)
        .arg(root().join("tests/fixtures/prometheus/incident.om"))
        .arg(std::process::id().to_string())
        .output()
        .expect("the fixture script runs");
    assert!(output.status.success(), "Prometheus did not start: {}", String::from_utf8_lossy(&output.stderr));
    (String::from_utf8_lossy(&output.stdout).trim().to_string(), dir)
}

/// The incident's plan, its metrics asked of the Prometheus at `url`.
pub(crate) fn plan_for(url: &str, dir: &std::path::Path) -> PathBuf {
    let text = std::fs::read_to_string(root().join("tests/fixtures/prometheus/basic.golive")).expect("fixture");
    assert!(text.contains("http://prometheus.invalid:9090"));
    let path = dir.join("basic.golive");
    std::fs::write(&path, text.replace("http://prometheus.invalid:9090", url)).expect("write the plan");
    path
}

/// `golivec simulate --format json` read back into a trace.
fn simulate(args: &[&str]) -> Trace {
    let output = golivec(&[&["simulate", "--format", "json"], args].concat(), None);
    assert_eq!(output.status.code(), Some(0), "simulate {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    let text = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<serde_json::Value> =
        text.lines().map(|line| serde_json::from_str(line).expect("a JSON line")).collect();
    let (Some(header), Some(end)) = (lines.first(), lines.last()) else { panic!("no trace") };
    Trace {
        plan: header["plan"].as_str().unwrap_or_default().to_string(),
        t0: header["t0"].as_str().map(String::from),
        events: lines[1..lines.len() - 1]
            .iter()
            .map(|line| serde_json::from_value::<Event>(line.clone()).expect("an event"))
            .collect(),
        end: serde_json::from_value(end["end"].clone()).expect("the end"),
    }
}

fn has(decisions: &[Decision], what: &str) -> bool {
    decisions.iter().any(|decision| decision.what == what)
}

/// The incident's decisions, replayed from the CSV file.
fn from_csv() -> Vec<Decision> {
    let csv = root().join("tests/fixtures/backtest/incident.csv");
    let plan = root().join("tests/fixtures/scenarios/basic.golive");
    reduce_simulated(&simulate(&[&plan.to_string_lossy(), "--metrics", &csv.to_string_lossy()]))
}

#[test]
fn a_backtest_replays_the_plans_own_prometheus() {
    let (url, dir) = start_prometheus("backtest");
    let plan = plan_for(&url, &dir);
    let replayed = reduce_simulated(&simulate(&[&plan.to_string_lossy(), "--from-prometheus"]));
    // What the incident must come to: the soak watch breaches, the tree rechecks, escalates.
    for what in [
        "breach soak",
        "tree_entered incident",
        "level_chosen incident degraded",
        "level_finished incident degraded escalated",
        "level_finished incident critical rolled_back",
    ] {
        assert!(has(&replayed, what), "no `{what}` in {replayed:#?}");
    }
    assert_eq!(replayed, from_csv(), "Prometheus and the CSV file lead to other decisions");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_unreachable_prometheus_is_a_clear_error() {
    let dir = std::env::temp_dir().join(format!("golivec-prometheus-down-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    // A port nothing listens on (the discard port, refused on loopback).
    let plan = plan_for("http://127.0.0.1:9", &dir);
    let output = golivec(&["simulate", &plan.to_string_lossy(), "--from-prometheus"], None);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("Prometheus `main` (http://127.0.0.1:9) did not answer"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_runbook_samples_prometheus_and_decides_as_the_backtest() {
    let _real_time = crate::support::real_time();
    require_tool("curl");
    require_tool("jq");
    let (url, dir) = start_prometheus("runbook");
    let plan = plan_for(&url, &dir);
    let (model, analysis) = checked(&plan);
    let t0 = analysis.schedule.t0.as_deref().and_then(|t0| t0.parse::<jiff::Zoned>().ok());
    // Commands and people as on a good day; the metrics come from Prometheus only.
    let world = World::healthy(&model, t0);
    let backtest = reduce_simulated(&simulate(&[&plan.to_string_lossy(), "--from-prometheus"]));
    let runbook = reduce_runbook(&crate::runbook_diff::run_runbook("prometheus", &plan, &model, &analysis, &world));
    let differences = differences(&backtest, &runbook);
    assert!(differences.is_empty(), "the runbook sampling Prometheus decided otherwise:\n{}", differences.join("\n"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// What the server recorded for each of the plan's metrics over the run (a `query_range`
/// answer, as `golivec simulate --from-prometheus` asks), by metric name.
pub(crate) fn recorded(url: &str, model: &golivec::model::Model, t0: &jiff::Zoned) -> Vec<(String, String)> {
    let t0_s = t0.timestamp().as_second();
    model
        .metrics
        .iter()
        .filter_map(|metric| match &metric.source {
            golivec::model::MetricSource::Prometheus { query, .. } => Some((metric.name.to_string(), query)),
            _ => None,
        })
        .map(|(name, query)| {
            let output = std::process::Command::new(require_tool("curl"))
                .args(["-fsS", "--get", "--data-urlencode", &format!("query={query}")])
                .args(["--data-urlencode", &format!("start={}", t0_s - 2 * 3600)])
                .args(["--data-urlencode", &format!("end={}", t0_s + 3 * 3600)])
                .args(["--data-urlencode", "step=15", &format!("{url}/api/v1/query_range")])
                .output()
                .expect("curl runs");
            assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
            (name, String::from_utf8_lossy(&output.stdout).into_owned())
        })
        .collect()
}
