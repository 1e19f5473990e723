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
    plans.extend(files(&root().join("tests/fixtures/scenarios"), "golive"));
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

/// A scenario fixture's header: the plan it runs, the rules it shows, the end it must reach.
struct Header {
    plan: String,
    rules: Vec<String>,
    expect: String,
}

fn header(path: &std::path::Path, text: &str) -> Header {
    let field = |name: &str| {
        text.lines()
            .find_map(|line| line.strip_prefix(&format!("# {name}:")))
            .map(|value| value.trim().to_string())
            .unwrap_or_else(|| panic!("{}: no `# {name}:` line", path.display()))
    };
    Header {
        plan: field("plan"),
        rules: field("rules").split(',').map(|rule| rule.trim().to_string()).collect(),
        expect: field("expect"),
    }
}

fn scenarios() -> Vec<std::path::PathBuf> {
    files(&root().join("tests/fixtures/scenarios"), "toml")
}

/// Every scenario fixture reaches the end it names, and its trace is its snapshot.
#[test]
fn scenario_fixtures_reach_their_end() {
    let mut failures = Vec::new();
    for path in scenarios() {
        let text = std::fs::read_to_string(&path).expect("scenario is UTF-8");
        let header = header(&path, &text);
        let (model, analysis) = checked(&path.with_file_name(&header.plan));
        let t0 = analysis.schedule.t0.as_deref().and_then(|t0| t0.parse::<jiff::Zoned>().ok());
        let scenario = run::world::parse_scenario(&text).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
        let world = World::resolve(&model, &scenario, t0).unwrap_or_else(|errors| panic!("{}: {errors:?}", path.display()));
        let trace = run::engine::simulate(&model, &analysis.order, &world);
        let state = serde_json::to_value(trace.end.state).expect("state serializes");
        if state != header.expect.as_str() {
            failures.push(format!("{}: ends {state}, expected {}", path.display(), header.expect));
        }
        let stem = path.file_stem().expect("stem").to_string_lossy().into_owned();
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(root().join("tests/fixtures/scenarios/snapshots"));
        settings.set_prepend_module_to_snapshot(false);
        settings.set_omit_expression(true);
        settings.bind(|| {
            insta::assert_snapshot!(stem.clone(), run::render::human(&model, &trace, &stem));
        });
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every rule of `docs/semantics.md` is shown by a scenario fixture, and every rule a fixture
/// names exists.
#[test]
fn every_rule_of_the_semantics_has_a_scenario() {
    let page = std::fs::read_to_string(root().join("docs/semantics.md")).expect("docs/semantics.md");
    let rules: Vec<String> = page
        .lines()
        .filter_map(|line| line.trim_start().strip_prefix("- **R"))
        .filter_map(|rest| rest.split_whitespace().next())
        .map(|number| format!("R{number}"))
        .collect();
    assert!(rules.len() >= 20, "the rules of docs/semantics.md were not found: {rules:?}");
    let mut shown: Vec<String> = Vec::new();
    for path in scenarios() {
        let text = std::fs::read_to_string(&path).expect("scenario is UTF-8");
        for rule in header(&path, &text).rules {
            assert!(rules.contains(&rule), "{}: names {rule}, which docs/semantics.md does not define", path.display());
            shown.push(rule);
        }
    }
    let missing: Vec<&String> = rules.iter().filter(|rule| !shown.contains(rule)).collect();
    assert!(missing.is_empty(), "rules without a scenario fixture: {missing:?}");
}
