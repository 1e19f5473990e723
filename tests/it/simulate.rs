//! `golivec simulate`: the run-time semantics (`docs/semantics.md`) through the public API and
//! the binary. Scenario fixtures (`tests/fixtures/scenarios/NAME.golive` + `NAME.toml`) are data:
//! each has its trace as an insta snapshot and names the end it must reach.

use crate::support::{files, golivec, root, stderr, stdout};
use golivec::run::{self, trace::EventKind, world::World};

fn checked(path: &std::path::Path) -> (golivec::model::Model, golivec::analysis::Analysis) {
    let text = std::fs::read_to_string(path).expect("plan is UTF-8");
    let mut sources =
        golivec::source::SourceMap::with_loader(golivec::cli::FileSystem::in_dir(path.parent().expect("dir")));
    let file = sources.add(path.to_string_lossy(), text);
    let checked = golivec::check(&mut sources, file);
    assert!(!checked.has_errors(), "{} has errors", path.display());
    (checked.model.expect("model"), checked.analysis.expect("analysis"))
}

fn plans() -> Vec<std::path::PathBuf> {
    let mut plans = files(&root().join("examples"), "golive");
    plans.extend(files(&root().join("tests/fixtures/ok"), "golive"));
    plans
}

/// `golivec plan` and the run agree: on the happy path (every step at once, every answer at
/// once, every metric healthy) each node starts and finishes at its earliest time.
#[test]
fn the_happy_path_runs_on_the_earliest_schedule() {
    let mut failures = Vec::new();
    for path in plans() {
        let (model, analysis) = checked(&path);
        let t0 = analysis.schedule.t0.as_deref().and_then(|t0| t0.parse::<jiff::Zoned>().ok());
        let trace = run::engine::simulate(&model, &analysis.order, &World::healthy(&model, t0));
        for times in &analysis.schedule.nodes {
            let name = times.name.as_str();
            let started = trace.events.iter().find_map(|event| match &event.kind {
                EventKind::NodeStarted { node, .. } if node == name => Some(event.t_ms),
                _ => None,
            });
            let finished = trace.events.iter().find_map(|event| match &event.kind {
                EventKind::NodeFinished { node, .. } if node == name => Some(event.t_ms),
                _ => None,
            });
            if started != Some(times.earliest_start_ms) || finished != Some(times.earliest_finish_ms) {
                failures.push(format!(
                    "{}: {name}: run {started:?}..{finished:?}, plan {}..{}",
                    path.display(),
                    times.earliest_start_ms,
                    times.earliest_finish_ms
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
