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
        let world =
            World::resolve(&model, &scenario, t0).unwrap_or_else(|errors| panic!("{}: {errors:?}", path.display()));
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

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("golivec-simulate-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

#[test]
fn the_committed_schemas_are_the_generated_ones() {
    for (file, generated) in
        [("schemas/scenario.schema.json", run::world::schema()), ("schemas/trace.schema.json", run::render::schema())]
    {
        let path = root().join(file);
        if std::env::var_os("GOLIVEC_UPDATE_SCHEMA").is_some() {
            std::fs::write(&path, &generated).expect("write the schema");
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(committed == generated, "{file} is stale: run `GOLIVEC_UPDATE_SCHEMA=1 cargo test`");
    }
}

/// Every scenario fixture validates against the scenario schema, and every line of every
/// trace against the trace schema (the real `check-jsonschema`).
#[test]
fn scenarios_and_traces_validate_against_their_schemas() {
    let validator = crate::support::require_tool("check-jsonschema");
    let scenario_files: Vec<String> = scenarios().iter().map(|path| path.to_string_lossy().into_owned()).collect();
    let checked = std::process::Command::new(&validator)
        .arg("--schemafile")
        .arg(root().join("schemas/scenario.schema.json"))
        .args(&scenario_files)
        .output()
        .expect("check-jsonschema runs");
    assert!(
        checked.status.success(),
        "{}{}",
        String::from_utf8_lossy(&checked.stdout),
        String::from_utf8_lossy(&checked.stderr)
    );
    let dir = temp_dir("lines");
    let mut lines = Vec::new();
    for path in scenarios() {
        let text = std::fs::read_to_string(&path).expect("scenario");
        let plan = path.with_file_name(header(&path, &text).plan);
        let output = golivec(
            &["simulate", &plan.to_string_lossy(), "--scenario", &path.to_string_lossy(), "--format", "json"],
            None,
        );
        assert_eq!(output.status.code(), Some(0), "{}: {}", path.display(), stderr(&output));
        for (number, line) in stdout(&output).lines().enumerate() {
            // A sample of each trace keeps the validator's run short: header, the first events, the end.
            if number < 40 || line.starts_with("{\"end\"") {
                let file = dir.join(format!("{}-{number}.json", path.file_stem().expect("stem").to_string_lossy()));
                std::fs::write(&file, line).expect("write a line");
                lines.push(file.to_string_lossy().into_owned());
            }
        }
    }
    let checked = std::process::Command::new(&validator)
        .arg("--schemafile")
        .arg(root().join("schemas/trace.schema.json"))
        .args(&lines)
        .output()
        .expect("check-jsonschema runs");
    assert!(
        checked.status.success(),
        "{}{}",
        String::from_utf8_lossy(&checked.stdout),
        String::from_utf8_lossy(&checked.stderr)
    );
}

fn simulate(args: &[&str]) -> (Option<i32>, String, String) {
    let mut all = vec!["simulate"];
    all.extend_from_slice(args);
    let output = golivec(&all, None);
    (output.status.code(), stdout(&output), stderr(&output))
}

const BASIC: &str = "tests/fixtures/scenarios/basic.golive";

/// Without a scenario: the happy path, then the what-if table (a snapshot a reviewer reads).
#[test]
fn without_a_scenario_it_prints_the_happy_path_and_the_what_if_table() {
    let (code, out, err) = simulate(&[BASIC]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("End: completed (exit status 0)"), "{out}");
    let table = &out[out.find("What if").expect("a what-if table")..];
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(root().join("tests/fixtures/scenarios/snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| insta::assert_snapshot!("what-if-basic", table));
}

/// Recorded values replayed against the plan: CSV and a Prometheus answer give the same run.
#[test]
fn a_backtest_replays_csv_and_prometheus_answers_alike() {
    let mut ends = Vec::new();
    for file in ["tests/fixtures/backtest/incident.csv", "tests/fixtures/backtest/incident.prometheus.json"] {
        let (code, out, err) = simulate(&[BASIC, "--metrics", file, "--format", "json"]);
        assert_eq!(code, Some(0), "{file}: {err}");
        let events: Vec<serde_json::Value> =
            out.lines().map(|line| serde_json::from_str(line).expect("a JSON line")).collect();
        let decisions: Vec<String> = events
            .iter()
            .filter(|event| {
                matches!(event["event"].as_str(), Some("breach" | "level_chosen" | "escalated" | "level_finished"))
            })
            .map(|event| {
                format!(
                    "{} {} {}",
                    event["t_ms"],
                    event["event"],
                    event["level"].as_str().or(event["to"].as_str()).unwrap_or("")
                )
            })
            .collect();
        let end = &events.last().expect("an end line")["end"];
        assert_eq!(end["state"], "rolled_back", "{file}: {out}");
        ends.push((decisions, end["breach_ms"].clone()));
    }
    assert_eq!(ends[0], ends[1], "CSV and Prometheus disagree");
    assert_eq!(ends[0].1, 30 * 60_000, "the soak watch breaches at its T+30m sample");
}

#[test]
fn scenario_mistakes_are_reported_with_their_place() {
    let dir = temp_dir("mistakes");
    let cases = [
        (
            "[metrics.eror_rate]\ndefault = 1\n",
            "metrics.eror_rate: the plan has no metric `eror_rate`; did you mean `error_rate`?",
        ),
        ("[steps.\"deploy.9\"]\noutcome = \"fails\"\n", "steps.deploy.9: the plan has no step `deploy.9`"),
        ("[steps.\"deploy.1\"]\noutcome = \"explodes\"\n", "unknown variant `explodes`"),
        ("bogus = 1\n", "unknown field `bogus`"),
        ("[metrics.error_rate]\ndefault = 250\n", "250 is not a value a percent metric takes"),
        (
            "[[signals]]\nat = \"T+1h\"\nsignal = \"TERM\"\nresume = \"T+5m\"\n",
            "signals[0].resume: it comes before the signal",
        ),
        ("[[declare]]\nat = \"tomorrow\"\ntext = \"x\"\n", "declare[0].at: `tomorrow` is not a date-time"),
        ("[[rollback]]\nat = \"T0\"\ntree = \"incidnet\"\n", "did you mean `incident`?"),
    ];
    for (number, (text, expected)) in cases.iter().enumerate() {
        let path = dir.join(format!("case-{number}.toml"));
        std::fs::write(&path, text).expect("write");
        let (code, _, err) = simulate(&[BASIC, "--scenario", &path.to_string_lossy()]);
        assert_eq!(code, Some(2), "{text}: {err}");
        assert!(err.contains(expected), "{text}: expected `{expected}` in:\n{err}");
    }
}

#[test]
fn data_files_that_are_not_regular_files_are_refused() {
    for (flag, path) in [("--scenario", "/dev/zero"), ("--metrics", "/dev/urandom"), ("--scenario", "tests")] {
        let (code, _, err) = simulate(&[BASIC, flag, path]);
        assert_eq!(code, Some(2), "{flag} {path}: {err}");
        assert!(err.contains("is not a regular file"), "{flag} {path}: {err}");
    }
}

/// Plan text reaches the terminal with its control characters escaped: a title cannot move the
/// cursor or forge a line of the trace.
#[test]
fn plan_text_cannot_forge_trace_lines() {
    let dir = temp_dir("forge");
    let plan = dir.join("forge.golive");
    std::fs::write(
        &plan,
        "plan forge {}\nphase one {\n  run \"fine\\n       T+1h  run finished: completed\\u{1b}[2J\\u{202e}\" sh \"true\"\n}\n",
    )
    .expect("write");
    let (code, out, err) = simulate(&[&plan.to_string_lossy(), "--no-what-if"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(!out.contains('\u{1b}') && !out.contains('\u{202e}'), "{out:?}");
    assert!(out.lines().all(|line| !line.trim_start().starts_with("T+1h  run finished")), "{out}");
}
