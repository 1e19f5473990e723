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
            let (started, finished) = node_times(&trace, name);
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

/// The nominal schedule is a run too: when every command takes its expected time (`typically`,
/// or the documented default) and every person answers after theirs, each node starts and
/// finishes at its nominal time.
#[test]
fn a_run_at_the_expected_times_follows_the_nominal_schedule() {
    use golivec::model::{Item, StepKind};
    use golivec::run::world::{AnswerPlan, StepPlan};
    fn ids<'m>(owner: &str, items: &'m [Item], counter: &mut usize, out: &mut Vec<(String, &'m golivec::model::Step)>) {
        for item in items {
            match item {
                Item::Step(step) => {
                    *counter += 1;
                    out.push((format!("{owner}.{counter}"), step));
                }
                Item::Group { items, .. } => ids(owner, items, counter, out),
            }
        }
    }
    let mut failures = Vec::new();
    let mut with_typical = 0;
    for path in plans() {
        let (model, analysis) = checked(&path);
        let t0 = analysis.schedule.t0.as_deref().and_then(|t0| t0.parse::<jiff::Zoned>().ok());
        let mut world = World::healthy(&model, t0);
        for node in &model.nodes {
            let mut steps = Vec::new();
            ids(&node.name, &node.items, &mut 0, &mut steps);
            for (id, step) in steps {
                with_typical += usize::from(step.typical_ms.is_some());
                let nominal = step.nominal_ms();
                let person = |index: usize, role| AnswerPlan {
                    by: format!("person{index}"),
                    role,
                    after_ms: nominal,
                    refuses: false,
                };
                let plan = match &step.kind {
                    StepKind::Run { .. } | StepKind::Expect { .. } => {
                        StepPlan { outcome: None, takes_ms: Some(nominal), failures: 0, answers: None }
                    }
                    StepKind::Check { by, .. } => StepPlan {
                        outcome: None,
                        takes_ms: None,
                        failures: 0,
                        answers: Some(vec![person(0, by.first().copied())]),
                    },
                    StepKind::Approve { quorum, roles, .. } => StepPlan {
                        outcome: None,
                        takes_ms: None,
                        failures: 0,
                        answers: Some(
                            (0..(*quorum).max(1)).map(|index| person(index, roles.get(index).copied())).collect(),
                        ),
                    },
                    _ => continue,
                };
                world.set_step(id, plan);
            }
        }
        let trace = run::engine::simulate(&model, &analysis.order, &world);
        for times in &analysis.schedule.nodes {
            let name = times.name.as_str();
            let (started, finished) = node_times(&trace, name);
            if started != Some(times.nominal_start_ms) || finished != Some(times.nominal_finish_ms) {
                failures.push(format!(
                    "{}: {name}: run {started:?}..{finished:?}, nominal {}..{}",
                    path.display(),
                    times.nominal_start_ms,
                    times.nominal_finish_ms
                ));
            }
        }
    }
    assert!(with_typical > 0, "some plan states a `typically`");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// When `name` first started and first finished in `trace`.
fn node_times(trace: &run::trace::Trace, name: &str) -> (Option<i64>, Option<i64>) {
    let first = |started: bool| {
        trace.events.iter().find_map(|event| match &event.kind {
            EventKind::NodeStarted { node, .. } if started && node == name => Some(event.t_ms),
            EventKind::NodeFinished { node, .. } if !started && node == name => Some(event.t_ms),
            _ => None,
        })
    };
    (first(true), first(false))
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

/// Runs the real `check-jsonschema` on `files` against the schema at `schema` (from the root).
fn validate(validator: &std::path::Path, schema: &str, files: &[String]) {
    let checked = std::process::Command::new(validator)
        .arg("--schemafile")
        .arg(root().join(schema))
        .args(files)
        .output()
        .expect("check-jsonschema runs");
    assert!(
        checked.status.success(),
        "{schema}: {}{}",
        String::from_utf8_lossy(&checked.stdout),
        String::from_utf8_lossy(&checked.stderr)
    );
}

/// Every scenario fixture validates against the scenario schema, and every line of every
/// trace against the trace schema (the real `check-jsonschema`).
#[test]
fn scenarios_and_traces_validate_against_their_schemas() {
    let validator = crate::support::require_tool("check-jsonschema");
    let scenario_files: Vec<String> = scenarios().iter().map(|path| path.to_string_lossy().into_owned()).collect();
    validate(&validator, "schemas/scenario.schema.json", &scenario_files);
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
    validate(&validator, "schemas/trace.schema.json", &lines);
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

/// Random worlds (metric changes, failing steps, answers, declarations, signals, operators'
/// rollbacks) on every scenario plan and example: no panic, one end, events in time order, every
/// node started and finished at most once, and no rollback step done twice.
#[test]
fn random_worlds_end_once_and_never_repeat_a_rollback_step() {
    use golivec::run::measure::{NoData, Sample};
    use golivec::run::trace::{Signal, StepOutcome};
    use golivec::run::world::{Answer, Decision, Declaration, OperatorRollback, Outcome, SignalAt, StepPlan};
    let mut rng = crate::support::Rng(0x5eed_cafe_f00d_1234);
    let mut plans = files(&root().join("tests/fixtures/scenarios"), "golive");
    plans.extend(files(&root().join("examples"), "golive"));
    let mut runs = 0;
    for path in &plans {
        let (model, analysis) = checked(path);
        let t0 = analysis.schedule.t0.as_deref().and_then(|t0| t0.parse::<jiff::Zoned>().ok());
        let span = analysis.schedule.finish_ms.saturating_sub(analysis.schedule.start_ms).max(60_000);
        let start = analysis.schedule.start_ms;
        let mut ids: Vec<String> = Vec::new();
        for node in &model.nodes {
            for position in 0..golivec::model::flatten_steps(&node.items).len() {
                ids.push(format!("{}.{}", node.name, position + 1));
            }
            for position in 0..node.stages().len() {
                ids.push(format!("{}.stage.{}", node.name, position + 1));
            }
        }
        for tree in &model.rollbacks {
            for level in &tree.levels {
                for position in 0..golivec::model::flatten_steps(&level.items).len() {
                    ids.push(format!("{}.{}.{}", tree.name, level.name, position + 1));
                }
            }
        }
        for _ in 0..40 {
            runs += 1;
            let mut world = World::healthy(&model, t0.clone());
            let at = |rng: &mut crate::support::Rng| start + (rng.below(usize::try_from(span).unwrap_or(1)) as i64);
            for _ in 0..rng.below(6) {
                let metric = rng.below(model.metrics.len());
                if metric >= model.metrics.len() {
                    break;
                }
                let sample = match rng.below(4) {
                    0 => Sample::NoData(NoData::TimedOut),
                    1 => Sample::Value(rng.below(101) as f64),
                    2 => Sample::Value(rng.below(2) as f64),
                    _ => Sample::Value(rng.below(2000) as f64 / 100.0),
                };
                let when = at(&mut rng);
                world.change(metric, when, sample);
            }
            for _ in 0..rng.below(4) {
                if ids.is_empty() {
                    break;
                }
                let id = ids[rng.below(ids.len())].clone();
                let outcome = [Outcome::Succeeds, Outcome::Fails, Outcome::TimesOut][rng.below(3)];
                let answers = (rng.below(3) == 0).then(|| {
                    vec![golivec::run::world::AnswerPlan {
                        by: "someone".into(),
                        role: None,
                        after_ms: rng.below(20) as u64 * 60_000,
                        refuses: rng.below(2) == 0,
                    }]
                });
                world.set_step(
                    id,
                    StepPlan {
                        outcome: Some(outcome),
                        takes_ms: Some(rng.below(30) as u64 * 60_000),
                        failures: rng.below(3) as u32,
                        answers,
                    },
                );
            }
            if rng.below(3) == 0 {
                let when = at(&mut rng);
                let resume = (rng.below(2) == 0).then(|| when + rng.below(3_600_000) as i64);
                let signal = [Signal::Hup, Signal::Int, Signal::Term][rng.below(3)];
                world.signals.push(SignalAt { at: when, signal, resume });
            }
            if rng.below(4) == 0 && !model.rollbacks.is_empty() {
                let when = at(&mut rng);
                let tree = golivec::model::TreeId(rng.below(model.rollbacks.len()));
                world.rollbacks.push(OperatorRollback { at: when, tree, by: "op".into() });
            }
            if rng.below(4) == 0 {
                let when = at(&mut rng);
                world.declarations.push(Declaration { at: when, text: "security issue".into(), by: "someone".into() });
            }
            for node in &model.nodes {
                if rng.below(3) == 0 {
                    let answer = [Answer::Continue, Answer::Rollback, Answer::Abort][rng.below(3)];
                    let decision = Decision { answer, after_ms: rng.below(20) as u64 * 60_000, by: "oncall".into() };
                    world.decisions.insert(node.name.to_string(), decision);
                }
            }
            let trace = run::engine::simulate(&model, &analysis.order, &world);
            let context = format!("{} (run {runs})", path.display());
            let finished: Vec<_> =
                trace.events.iter().filter(|event| matches!(event.kind, EventKind::RunFinished { .. })).collect();
            assert_eq!(finished.len(), 1, "{context}: one end");
            assert!(trace.events.windows(2).all(|pair| pair[0].t_ms <= pair[1].t_ms), "{context}: time order");
            assert_eq!(
                trace.end.exit_status,
                trace.end.state.exit_status(trace.events.iter().find_map(|event| match &event.kind {
                    EventKind::Signal { signal, .. } => Some(*signal),
                    _ => None,
                })),
                "{context}: exit status"
            );
            let mut started = std::collections::HashSet::new();
            let mut ended = std::collections::HashSet::new();
            let mut rolled = std::collections::HashSet::new();
            for event in &trace.events {
                match &event.kind {
                    EventKind::NodeStarted { node, .. } => {
                        assert!(started.insert(node.clone()), "{context}: {node} started twice")
                    }
                    EventKind::NodeFinished { node, .. } => {
                        assert!(ended.insert(node.clone()), "{context}: {node} finished twice")
                    }
                    EventKind::StepFinished { step, outcome: StepOutcome::Succeeded, .. }
                        if model.rollbacks.iter().any(|tree| step.starts_with(&format!("{}.", tree.name))) =>
                    {
                        assert!(rolled.insert(step.clone()), "{context}: rollback step {step} done twice");
                    }
                    _ => {}
                }
            }
        }
    }
    assert!(runs >= 200, "only {runs} random runs");
}
