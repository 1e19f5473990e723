//! The runbook carries out the simulated run: every scenario fixture the harness can replay is
//! run by the real generated runbook, against stub commands that replay the scenario's world
//! (`tests/fixtures/runbook/stub.sh`) on the runbook's own clock sped up (`GOLIVE_TIME_SCALE`),
//! and its trace (`STATE/trace`), reduced to the decisions, must equal `golivec simulate`'s.
//!
//! Reduced trace: nodes started and how they ended, command and answer steps and how they
//! ended, breaches, trees entered, levels chosen and what they came to, and the end. Times may
//! differ by at most `TOLERANCE_MS` of the plan's time: the runbook's clock is real, and a
//! process started late by the machine samples late, multiplied by the speed-up.
//!
//! People and operators are replayed too: answers that come late or refuse are written into the
//! approvals file when the runbook's trace shows the question, `after` later (the runbook reads
//! it again while it waits), and so are decisions about inconclusive nodes; signals are sent to
//! the runbook's process at their moment, and a `resume` runs it again on the same clock and
//! state, with the scenario's word on rerunning an interrupted command in the approvals file.
//!
//! Scenarios the harness cannot replay yet are listed with the reason; scenarios where the
//! runbook still differs are listed in `KNOWN_DIFFERENCES` with the rule it does not carry out
//! yet, and the test fails when one of them starts to agree, so that the list only shrinks.

use crate::support::{files, require_tool, root};
use golivec::run::{self, measure::Sample, trace::EventKind, world::World};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How much faster than real time the runbook's clock runs.
const SCALE: i64 = 300;
/// How far apart the same event may be in the two traces, in the plan's time: 90 seconds, and
/// 5% of the time since the run began, since every real step and probe takes a few
/// milliseconds that the speed-up turns into seconds, and they add up.
const TOLERANCE_MS: i64 = 90_000;
const TOLERANCE_DRIFT_PERCENT: i64 = 5;

/// Scenarios on which the runbook does not carry out the semantics yet, with the rule.
const KNOWN_DIFFERENCES: &[(&str, &str)] = &[];

/// One decision of a reduced trace.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Decision {
    t_ms: i64,
    what: String,
}

fn reduce_simulated(trace: &run::trace::Trace) -> Vec<Decision> {
    let mut out = Vec::new();
    for event in &trace.events {
        let what = match &event.kind {
            EventKind::NodeStarted { node, .. } => format!("node_started {node}"),
            EventKind::NodeFinished { node, outcome } => {
                format!(
                    "node_finished {node} {}",
                    serde_json::to_value(outcome).expect("outcome").as_str().unwrap_or("")
                )
            }
            // A try that failed with more tries to come is not the step's outcome.
            EventKind::StepFinished { detail: Some(detail), .. } if detail.starts_with("try ") => continue,
            EventKind::StepFinished { step, outcome, .. } if !step.contains(".stage.") => {
                format!(
                    "step_finished {step} {}",
                    serde_json::to_value(outcome).expect("outcome").as_str().unwrap_or("")
                )
            }
            EventKind::Breach { node, .. } => format!("breach {node}"),
            EventKind::TreeEntered { tree, .. } => format!("tree_entered {tree}"),
            EventKind::LevelChosen { tree, level, .. } => format!("level_chosen {tree} {level}"),
            EventKind::LevelFinished { tree, level, result, .. } => {
                format!("level_finished {tree} {level} {}", result.split_whitespace().next().unwrap_or(""))
            }
            EventKind::RunFinished { state, exit_status } => {
                format!(
                    "run_finished {} {exit_status}",
                    serde_json::to_value(state).expect("state").as_str().unwrap_or("")
                )
            }
            _ => continue,
        };
        out.push(Decision { t_ms: event.t_ms, what });
    }
    out
}

fn reduce_runbook(trace: &str) -> Vec<Decision> {
    let mut out = Vec::new();
    for line in trace.lines() {
        let mut words = line.split(' ');
        let (Some(t_ms), Some(event)) = (words.next().and_then(|t| t.parse::<i64>().ok()), words.next()) else {
            continue;
        };
        let rest: Vec<&str> = words.collect();
        let keep = match event {
            "node_started" | "node_finished" | "breach" | "tree_entered" | "level_chosen" | "level_finished"
            | "run_finished" => true,
            // Stages, and a gate's or a watch's sampling, are not steps of the plan.
            "step_finished" => !rest
                .first()
                .is_some_and(|step| step.contains(".stage.") || step.ends_with(".require") || step.ends_with(".watch")),
            _ => false,
        };
        if keep {
            out.push(Decision { t_ms, what: format!("{event} {}", rest.join(" ")) });
        }
    }
    out
}

/// Matches each decision of one trace with the same decision of the other, close in time.
fn differences(simulated: &[Decision], real: &[Decision]) -> Vec<String> {
    let mut unmatched: Vec<&Decision> = real.iter().collect();
    let mut missing = Vec::new();
    let start = simulated.first().map_or(0, |first| first.t_ms);
    for decision in simulated {
        let tolerance = TOLERANCE_MS + (decision.t_ms - start).abs() * TOLERANCE_DRIFT_PERCENT / 100;
        let found = unmatched
            .iter()
            .position(|other| other.what == decision.what && (other.t_ms - decision.t_ms).abs() <= tolerance);
        match found {
            Some(index) => {
                unmatched.remove(index);
            }
            None => missing.push(format!("  simulated, not run: {} {}", decision.t_ms, decision.what)),
        }
    }
    missing
        .extend(unmatched.iter().map(|decision| format!("  run, not simulated: {} {}", decision.t_ms, decision.what)));
    missing
}

fn checked(path: &Path) -> (golivec::model::Model, golivec::analysis::Analysis) {
    let text = std::fs::read_to_string(path).expect("plan is UTF-8");
    let mut sources =
        golivec::source::SourceMap::with_loader(golivec::cli::FileSystem::in_dir(path.parent().expect("dir")));
    let file = sources.add(path.to_string_lossy(), text);
    let checked = golivec::check(&mut sources, file);
    (checked.model.expect("model"), checked.analysis.expect("analysis"))
}

/// Why the harness cannot replay this scenario to a runbook yet, if it cannot.
fn unsupported(scenario: &golivec::run::world::Scenario) -> Option<&'static str> {
    if !scenario.declare.is_empty() {
        return Some("declarations while the run goes on (R22): the runbook asks about them only when a tree decides");
    }
    if !scenario.rollback.is_empty() {
        return Some("an operator's --rollback while a run holds the lock (R18): the runbook refuses it (exit 75)");
    }
    None
}

/// Something the harness does to a running runbook at a moment of the plan's time, as the
/// scenario's people would.
enum Act {
    /// Send the signal to the runbook (its own process).
    Signal(&'static str),
    /// Run the runbook again (after a signal stopped it).
    Resume,
}

/// An answer the harness writes into the approvals file once the runbook's trace shows the
/// question (a step started, or a node inconclusive), `after_ms` of the plan's time later.
struct Answer {
    /// The trace line's event and id that asks: `step_started ID` or `inconclusive NODE`.
    asked_by: String,
    after_ms: i64,
    line: String,
    written: bool,
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("golivec-diff-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("world")).expect("temp dir");
    dir
}

/// Runs the runbook of `plan` in `world`; returns its trace.
fn run_runbook(
    name: &str,
    plan: &Path,
    model: &golivec::model::Model,
    analysis: &golivec::analysis::Analysis,
    world: &World,
) -> String {
    let dir = temp_dir(name);
    let script = dir.join("run.sh");
    let output = crate::support::golivec(
        &["build", &plan.to_string_lossy(), "--target", "shell", "-o", &script.to_string_lossy()],
        None,
    );
    assert_eq!(output.status.code(), Some(0), "{name}: {}", String::from_utf8_lossy(&output.stderr));
    let stub = root().join("tests/fixtures/runbook/stub.sh");
    for command in ["metrics.sh", "deploy.sh", "cache.sh", "backup.sh", "canary.sh"] {
        std::os::unix::fs::symlink(&stub, dir.join(command)).expect("link a stub");
    }
    let t0 = world.t0.as_ref().expect("scenario plans have a launch");
    let t0_ms = t0.timestamp().as_millisecond();
    std::fs::write(dir.join("world/t0_ms"), t0_ms.to_string()).expect("write");
    let (start, finish) = (analysis.schedule.start_ms, analysis.schedule.finish_ms);
    for (index, metric) in model.metrics.iter().enumerate() {
        let mut lines = String::new();
        for (at, sample) in world.steps_of(index, start - 3_600_000, finish + 86_400_000, 60_000) {
            let value = match sample {
                Sample::Value(value) if metric.ty == golivec::model::MetricType::Bool => {
                    format!("bool:{}", value as i64)
                }
                Sample::Value(value) => format!("{value}"),
                Sample::NoData(reason) => format!("nodata:{}", reason.name()),
            };
            lines.push_str(&format!("{at} {value}\n"));
        }
        std::fs::write(dir.join(format!("world/metric.{}", metric.name)), lines).expect("write");
    }
    let mut answers = String::new();
    let mut later: Vec<Answer> = Vec::new();
    let mut add_answers = |owner: &str, items: &[golivec::model::Item]| {
        for (position, step) in golivec::model::flatten_steps(items).into_iter().enumerate() {
            let id = format!("{owner}.{}", position + 1);
            let scripted = world.step(&id).and_then(|plan| plan.answers.as_ref());
            match (&step.kind, scripted) {
                // People answering as the scenario says: when asked, `after` later.
                (golivec::model::StepKind::Check { .. } | golivec::model::StepKind::Approve { .. }, Some(scripted)) => {
                    for answer in scripted {
                        let word = if answer.refuses { "refused-by" } else { "approved-by" };
                        later.push(Answer {
                            asked_by: format!("step_started {id}"),
                            after_ms: i64::try_from(answer.after_ms).unwrap_or(i64::MAX),
                            line: format!("{id} {word} {}\n", answer.by),
                            written: false,
                        });
                    }
                }
                (golivec::model::StepKind::Check { .. }, None) => {
                    answers.push_str(&format!("{id} approved-by operator\n"))
                }
                (golivec::model::StepKind::Approve { quorum, roles, .. }, None) => {
                    for role in roles.iter().take(*quorum) {
                        answers.push_str(&format!("{id} approved-by {}\n", model.roles[role.0].name));
                    }
                }
                _ => {}
            }
            if let Some(plan) = world.step(&id) {
                let outcome = match plan.outcome {
                    Some(golivec::run::world::Outcome::Fails) => "fails",
                    Some(golivec::run::world::Outcome::TimesOut) => "times_out",
                    _ => "succeeds",
                };
                let line = format!("{outcome} {} {}\n", plan.takes_ms.unwrap_or(0), plan.failures);
                std::fs::write(dir.join(format!("world/step.{id}")), line).expect("write");
            }
        }
    };
    for node in &model.nodes {
        add_answers(&node.name, &node.items);
    }
    for tree in &model.rollbacks {
        for level in &tree.levels {
            add_answers(&format!("{}.{}", tree.name, level.name), &level.items);
        }
    }
    for node in &model.nodes {
        for position in 0..node.stages().len() {
            let id = format!("{}.stage.{}", node.name, position + 1);
            if let Some(plan) = world.step(&id) {
                let outcome =
                    if plan.outcome == Some(golivec::run::world::Outcome::Fails) { "fails" } else { "succeeds" };
                std::fs::write(
                    dir.join(format!("world/step.{id}")),
                    format!("{outcome} {} 0\n", plan.takes_ms.unwrap_or(0)),
                )
                .expect("write");
            }
        }
    }
    // Answers to the run's questions: a rerun of an interrupted command is answered ahead (the
    // runbook reads the file when it resumes); what an inconclusive node means, once asked.
    for (id, decision) in &world.decisions {
        let answer = match decision.answer {
            golivec::run::world::Answer::Continue => "continue",
            golivec::run::world::Answer::Rollback => "rollback",
            golivec::run::world::Answer::Abort => "abort",
        };
        if model.nodes.iter().any(|node| node.name == id.as_str()) {
            later.push(Answer {
                asked_by: format!("inconclusive {id}"),
                after_ms: i64::try_from(decision.after_ms).unwrap_or(i64::MAX),
                line: format!("{id} decide {answer}\n"),
                written: false,
            });
        } else if answer == "continue" {
            answers.push_str(&format!("{id} rerun-by {}\n", decision.by));
        }
    }
    std::fs::write(dir.join("answers"), answers).expect("write");
    let t0_text = t0.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string();
    // The run starts where the simulated one does (its first node, or a baseline's window).
    let start = start.min(
        model.metrics.iter().filter_map(|metric| metric.baseline.as_ref().map(|b| b.at_ms)).min().unwrap_or(start),
    );
    // One clock for every invocation, as for one operator re-running the runbook: real
    // microseconds at the start, and the plan's time then (ms since the epoch).
    let origin = Instant::now();
    let origin_micros =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("after 1970").as_micros();
    let clock = format!("{origin_micros} {}", t0_ms + start);
    let real =
        |plan_ms: i64| Duration::from_micros(u64::try_from((plan_ms - start).max(0) * 1000 / SCALE).unwrap_or(0));
    let mut acts: Vec<(Duration, Act)> = Vec::new();
    for signal in &world.signals {
        let name = match signal.signal {
            golivec::run::trace::Signal::Hup => "HUP",
            golivec::run::trace::Signal::Int => "INT",
            golivec::run::trace::Signal::Term => "TERM",
        };
        acts.push((real(signal.at), Act::Signal(name)));
        if let Some(resume) = signal.resume {
            acts.push((real(resume), Act::Resume));
        }
    }
    acts.sort_by_key(|(at, _)| *at);
    let spawn = || {
        Command::new(require_tool("setsid"))
            .arg(&script)
            .args(["--t0", &t0_text, "--approvals", "answers"])
            .current_dir(&dir)
            .env("GOLIVE_TIME_SCALE", SCALE.to_string())
            .env("GOLIVE_CLOCK_ORIGIN", &clock)
            .env_remove("GOLIVE_CLOCK_START")
            .env_remove("GOLIVE_NOTIFY_COMMAND")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the runbook runs")
    };
    let trace_path = dir.join(format!(".golive-{}/trace", model.plan.name));
    // setsid runs the runbook in place (the child is no group leader), so the child is it.
    let mut child = Some(spawn());
    let mut acts = acts.into_iter().peekable();
    // The whole plan, sped up, plus room for a slow machine.
    let limit = Duration::from_millis(u64::try_from((finish - start).max(0) / SCALE).unwrap_or(0) + 60_000);
    loop {
        assert!(origin.elapsed() < limit, "{name}: the runbook did not finish in {limit:?}");
        if let Some((at, _)) = acts.peek() {
            if origin.elapsed() >= *at {
                match acts.next().map(|(_, act)| act) {
                    Some(Act::Signal(signal)) => {
                        if let Some(running) = &mut child {
                            let _ = Command::new("kill").args(["-s", signal, &running.id().to_string()]).status();
                            let _ = running.wait();
                        }
                    }
                    Some(Act::Resume) => {
                        if let Some(mut running) = child.take() {
                            let _ = running.wait();
                        }
                        child = Some(spawn());
                    }
                    None => {}
                }
                continue;
            }
        }
        if !later.iter().all(|answer| answer.written) {
            let trace = std::fs::read_to_string(&trace_path).unwrap_or_default();
            for answer in later.iter_mut().filter(|answer| !answer.written) {
                let asked = trace.lines().find_map(|line| {
                    let (t_ms, rest) = line.split_once(' ')?;
                    (rest == answer.asked_by).then(|| t_ms.parse::<i64>().ok()).flatten()
                });
                if let Some(asked) = asked {
                    if origin.elapsed() >= real(asked + answer.after_ms) {
                        let mut file =
                            std::fs::OpenOptions::new().append(true).open(dir.join("answers")).expect("answers");
                        std::io::Write::write_all(&mut file, answer.line.as_bytes()).expect("append");
                        answer.written = true;
                    }
                }
            }
        }
        let exited = child.as_mut().is_none_or(|running| running.try_wait().expect("wait").is_some());
        if exited && acts.peek().is_none() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let trace = std::fs::read_to_string(dir.join(format!(".golive-{}/trace", model.plan.name))).unwrap_or_default();
    if std::env::var_os("GOLIVEC_KEEP_RUNS").is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    trace
}

#[test]
fn the_runbook_carries_out_the_simulated_run() {
    let mut cases = Vec::new();
    let mut skipped = Vec::new();
    for path in files(&root().join("tests/fixtures/scenarios"), "toml") {
        let name = path.file_stem().expect("stem").to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).expect("scenario");
        let plan_name = text.lines().find_map(|line| line.strip_prefix("# plan:")).expect("a plan").trim().to_string();
        let scenario = run::world::parse_scenario(&text).expect("scenario parses");
        match unsupported(&scenario) {
            Some(reason) => skipped.push(format!("{name}: {reason}")),
            None => cases.push((name, path.with_file_name(plan_name), scenario)),
        }
    }
    // A few at a time: each mostly sleeps, at the runbook's sped-up clock.
    let results: Vec<(String, Vec<String>)> = std::thread::scope(|scope| {
        let mut results = Vec::new();
        for chunk in cases.chunks(3) {
            let handles: Vec<_> = chunk
                .iter()
                .map(|(name, plan, scenario)| {
                    scope.spawn(move || {
                        let (model, analysis) = checked(plan);
                        let t0 = analysis.schedule.t0.as_deref().and_then(|t0| t0.parse::<jiff::Zoned>().ok());
                        let world = World::resolve(&model, scenario, t0).expect("scenario resolves");
                        let simulated = reduce_simulated(&run::engine::simulate(&model, &analysis.order, &world));
                        let real = reduce_runbook(&run_runbook(name, plan, &model, &analysis, &world));
                        (name.clone(), differences(&simulated, &real))
                    })
                })
                .collect();
            results.extend(handles.into_iter().map(|handle| handle.join().expect("a scenario thread")));
        }
        results
    });
    let mut failures = Vec::new();
    let mut agreed = 0;
    for (name, differ) in results {
        let known = KNOWN_DIFFERENCES.iter().find(|(known, _)| *known == name);
        match (differ.is_empty(), known) {
            (true, None) => agreed += 1,
            (true, Some((_, rule))) => {
                failures.push(format!("{name} now agrees: take it off KNOWN_DIFFERENCES ({rule})"))
            }
            (false, Some(_)) => {}
            (false, None) => failures.push(format!("{name}:\n{}", differ.join("\n"))),
        }
    }
    eprintln!("runbook and simulator agree on {agreed} scenarios; not replayed: {skipped:#?}");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(agreed > 0, "no scenario agreed");
}
