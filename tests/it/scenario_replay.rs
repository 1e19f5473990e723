//! Replaying a scenario's world to the real runbook, shared by `runbook_diff` (the runbook run
//! by hand) and `workflow_e2e` (the runbook run job by job by the generated workflow): the stub
//! commands and the files they read (`world/`), the answers people give, the traces reduced to
//! decisions and their comparison.

use golivec::run::{self, measure::Sample, trace::EventKind, world::World};
use std::path::Path;

/// How far apart the same event may be in the two traces, in the plan's time: two minutes, and
/// 5% of the time since the run began, since every real step and probe takes a few
/// milliseconds that the speed-up turns into seconds, and they add up (on a loaded two-core
/// machine, a canary's rollback was seen 1.5 to 3 minutes late; the samples stay on their
/// one-minute grid, so two minutes still tells one sample from the next but one).
pub(crate) const TOLERANCE_MS: i64 = 120_000;
pub(crate) const TOLERANCE_DRIFT_PERCENT: i64 = 5;
/// What each decision just before another adds to its tolerance (see [`differences`]).
pub(crate) const TOLERANCE_PER_DECISION_MS: i64 = 5_000;

/// One decision of a reduced trace.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Decision {
    pub(crate) t_ms: i64,
    pub(crate) what: String,
}

pub(crate) fn reduce_simulated(trace: &run::trace::Trace) -> Vec<Decision> {
    let mut out = Vec::new();
    for event in &trace.events {
        let what = match &event.kind {
            EventKind::NodeStarted { node, .. } => format!("node_started {node}"),
            EventKind::NodeHeld { node, .. } => format!("node_held {node}"),
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

/// The runbook's trace, over every invocation of a run: a signal ends one (the nodes running
/// stop, the run finishes interrupted) and a resume starts the next (`run_started`), which
/// starts the nodes again. Only the last invocation's end is the run's; a node starts once.
pub(crate) fn reduce_runbook(trace: &str) -> Vec<Decision> {
    let lines: Vec<&str> = trace.lines().collect();
    let last_start = lines.iter().rposition(|line| line.split(' ').nth(1) == Some("run_started")).unwrap_or(0);
    let mut started = std::collections::HashSet::new();
    let mut out = Vec::new();
    for (index, line) in lines.into_iter().enumerate() {
        let interrupted = index < last_start;
        if interrupted
            && (line.contains(" run_finished ") || (line.contains(" node_finished ") && line.ends_with(" stopped")))
        {
            continue;
        }
        if let Some(node) = line.split_once(" node_started ").map(|(_, node)| node) {
            if !started.insert(node.to_string()) {
                continue;
            }
        }
        let mut words = line.split(' ');
        let (Some(t_ms), Some(event)) = (words.next().and_then(|t| t.parse::<i64>().ok()), words.next()) else {
            continue;
        };
        let rest: Vec<&str> = words.collect();
        let keep = match event {
            "node_started" | "node_held" | "node_finished" | "breach" | "tree_entered" | "level_chosen"
            | "level_finished" | "run_finished" => true,
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
pub(crate) fn differences(simulated: &[Decision], real: &[Decision]) -> Vec<String> {
    let mut unmatched: Vec<&Decision> = real.iter().collect();
    let mut missing = Vec::new();
    let start = simulated.first().map_or(0, |first| first.t_ms);
    for (index, decision) in simulated.iter().enumerate() {
        // Steps the simulator takes no time for each take real milliseconds, which the speed-up
        // makes seconds: a run falls behind by as much for each decision of the ten minutes
        // before (a wait for a later time catches up).
        let before = simulated[..index].iter().filter(|earlier| decision.t_ms - earlier.t_ms <= 600_000).count();
        let tolerance = TOLERANCE_MS
            + (decision.t_ms - start).abs() * TOLERANCE_DRIFT_PERCENT / 100
            + i64::try_from(before).unwrap_or(i64::MAX).saturating_mul(TOLERANCE_PER_DECISION_MS);
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

pub(crate) fn checked(path: &Path) -> (golivec::model::Model, golivec::analysis::Analysis) {
    let text = std::fs::read_to_string(path).expect("plan is UTF-8");
    let mut sources =
        golivec::source::SourceMap::with_loader(golivec::cli::FileSystem::in_dir(path.parent().expect("dir")));
    let file = sources.add(path.to_string_lossy(), text);
    let checked = golivec::check(&mut sources, file);
    (checked.model.expect("model"), checked.analysis.expect("analysis"))
}

/// An answer the harness writes into the approvals file once the runbook's trace shows the
/// question (a step started, or a node inconclusive), `after_ms` of the plan's time later.
pub(crate) struct Answer {
    /// The trace line's event and id that asks: `step_started ID` or `inconclusive NODE`.
    pub(crate) asked_by: String,
    pub(crate) after_ms: i64,
    pub(crate) line: String,
    pub(crate) written: bool,
}

/// The commands a scenario plan runs, all the stub, linked into `dir`, where the plan's
/// `./NAME.sh` finds them.
pub(crate) fn link_stubs(dir: &Path) {
    let stub = crate::support::root().join("tests/fixtures/runbook/stub.sh");
    for command in ["metrics.sh", "deploy.sh", "cache.sh", "backup.sh", "canary.sh"] {
        std::os::unix::fs::symlink(&stub, dir.join(command)).expect("link a stub");
    }
}

/// What people answer: lines for the approvals file from the start, and answers written when
/// the question shows in the trace.
pub(crate) struct Answers {
    pub(crate) now: String,
    pub(crate) later: Vec<Answer>,
}

/// Writes the files the stub reads (`dir/world/`: T0, each metric's values, how each step
/// ends) and returns the answers of the scenario's people.
pub(crate) fn write_world(
    dir: &Path,
    model: &golivec::model::Model,
    analysis: &golivec::analysis::Analysis,
    world: &World,
) -> Answers {
    std::fs::create_dir_all(dir.join("world")).expect("world dir");
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
                // A bare number in the unit the metric declares (R8): `unit MB` reads 600 as 600MB.
                Sample::Value(value) => format!("{}", value / golivec::run::measure::declared_scale(metric)),
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
    Answers { now: answers, later }
}

/// A scenario fixture to replay: its name, its plan and its world.
pub(crate) type Case = (String, std::path::PathBuf, run::world::Scenario);

/// The scenario fixtures, split into those `unsupported` lets through and the others with the
/// reason. `only` names an environment variable: when set, only the scenarios whose name has
/// its value (for work on one scenario).
pub(crate) fn scenario_cases(
    only: &str,
    unsupported: impl Fn(&run::world::Scenario) -> Option<&'static str>,
) -> (Vec<Case>, Vec<String>) {
    let mut cases = Vec::new();
    let mut skipped = Vec::new();
    for path in crate::support::files(&crate::support::root().join("tests/fixtures/scenarios"), "toml") {
        let name = path.file_stem().expect("stem").to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).expect("scenario");
        let plan_name = text.lines().find_map(|line| line.strip_prefix("# plan:")).expect("a plan").trim().to_string();
        let scenario = run::world::parse_scenario(&text).expect("scenario parses");
        if std::env::var(only).is_ok_and(|only| !name.contains(&only)) {
            continue;
        }
        match unsupported(&scenario) {
            Some(reason) => skipped.push(format!("{name}: {reason}")),
            None => cases.push((name, path.with_file_name(plan_name), scenario)),
        }
    }
    (cases, skipped)
}

/// The verdict over every scenario's differences: each agrees, or is listed in `known` with
/// the reason (and fails when it starts to agree, so that the list only shrinks).
pub(crate) fn assert_agree(
    what: &str,
    results: Vec<(String, Vec<String>)>,
    known: &[(&str, &str)],
    skipped: &[String],
) {
    let mut failures = Vec::new();
    let mut agreed = Vec::new();
    for (name, differ) in results {
        let listed = known.iter().find(|(known, _)| *known == name);
        match (differ.is_empty(), listed) {
            (true, None) => agreed.push(name),
            (true, Some((_, reason))) => {
                failures.push(format!("{name} now agrees: take it off KNOWN_DIFFERENCES ({reason})"))
            }
            (false, Some(_)) => {}
            (false, None) => failures.push(format!("{name}:\n{}", differ.join("\n"))),
        }
    }
    eprintln!("{what} and simulator agree on {} scenarios {agreed:?}; not replayed: {skipped:#?}", agreed.len());
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(!agreed.is_empty(), "no scenario agreed");
}
