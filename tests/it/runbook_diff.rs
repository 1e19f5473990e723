//! The runbook carries out the simulated run: every scenario fixture the harness can replay is
//! run by the real generated runbook, against stub commands that replay the scenario's world
//! (`tests/fixtures/runbook/stub.sh`) on the runbook's own clock sped up (`GOLIVE_TIME_SCALE`),
//! and its trace (`STATE/trace`), reduced to the decisions, must equal `golivec simulate`'s.
//!
//! Reduced trace: nodes started and how they ended, command and answer steps and how they
//! ended, breaches, trees entered, levels chosen and what they came to, and the end. Times may
//! differ by at most a tolerance of the plan's time (`scenario_replay`, which has the reducers
//! and writes the world the stubs read): the runbook's clock is real, and a process started
//! late by the machine samples late, multiplied by the speed-up.
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

use crate::scenario_replay::{
    assert_agree, checked, differences, link_stubs, reduce_runbook, reduce_simulated, scenario_cases, write_world,
    Answers,
};
use crate::support::{require_tool, root};
use golivec::run::{self, world::World};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How much faster than real time the runbook's clock runs.
const SCALE: i64 = 300;

/// Scenarios on which the runbook does not carry out the semantics yet, with the rule.
const KNOWN_DIFFERENCES: &[(&str, &str)] = &[];

/// Why the harness cannot replay this scenario to a runbook yet, if it cannot: it replays every
/// kind of scenario today.
fn unsupported(_scenario: &golivec::run::world::Scenario) -> Option<&'static str> {
    None
}

/// Something the harness does to a running runbook at a moment of the plan's time, as the
/// scenario's people would.
enum Act {
    /// Send the signal to the runbook (its own process).
    Signal(&'static str),
    /// Run the runbook again (after a signal stopped it).
    Resume,
    /// A person declares a trigger: `--declare TEXT --by NAME` beside the run.
    Declare(usize),
    /// An operator enters a tree by hand: `--rollback TREE --by NAME` beside the run.
    Rollback(usize),
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("golivec-diff-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("world")).expect("temp dir");
    dir
}

/// Runs the runbook of `plan` in `world`; returns its trace.
pub(crate) fn run_runbook(
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
    link_stubs(&dir);
    let t0 = world.t0.as_ref().expect("scenario plans have a launch");
    let t0_ms = t0.timestamp().as_millisecond();
    let (start, finish) = (analysis.schedule.start_ms, analysis.schedule.finish_ms);
    let Answers { now: answers, mut later } = write_world(&dir, model, analysis, world);
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
    for (index, declaration) in world.declarations.iter().enumerate() {
        acts.push((real(declaration.at), Act::Declare(index)));
    }
    for (index, rollback) in world.rollbacks.iter().enumerate() {
        acts.push((real(rollback.at), Act::Rollback(index)));
    }
    acts.sort_by_key(|(at, _)| *at);
    // The scenario's inputs; a healthy world presumes each given (its value decides nothing).
    let inputs: Vec<String> = model
        .vars
        .iter()
        .filter_map(|var| {
            let value = match (world.inputs.get(var.name.as_str()), var.input?) {
                (Some(value), _) => value.clone(),
                (None, golivec::model::InputType::Bool) => "false".to_string(),
                (None, golivec::model::InputType::String) => String::new(),
            };
            Some(format!("{}={value}", var.name))
        })
        .collect();
    let spawn = || {
        // Signals at their defaults, whatever the test was started with (a shell's background
        // job ignores SIGINT, and bash cannot trap a signal ignored when it started).
        Command::new(require_tool("setsid"))
            .args(["env", "--default-signal"])
            .arg(&script)
            .args(["--t0", &t0_text, "--approvals", "answers"])
            .args(inputs.iter().flat_map(|input| ["--input", input.as_str()]))
            .current_dir(&dir)
            .env("GOLIVE_TIME_SCALE", SCALE.to_string())
            .env("GOLIVE_CLOCK_ORIGIN", &clock)
            .env("USER", &world.operator)
            .env_remove("GOLIVE_CLOCK_START")
            .env_remove("GOLIVE_NOTIFY_COMMAND")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the runbook runs")
    };
    // A person's command beside the run (a declaration, an operator's rollback), on its clock.
    let beside = |args: &[&str]| {
        let output = Command::new(&script)
            .args(args)
            .current_dir(&dir)
            .env("GOLIVE_TIME_SCALE", SCALE.to_string())
            .env("GOLIVE_CLOCK_ORIGIN", &clock)
            .env_remove("GOLIVE_CLOCK_START")
            .stdin(Stdio::null())
            .output()
            .expect("the runbook runs beside the run");
        assert_eq!(
            output.status.code(),
            Some(0),
            "{name}: {args:?} beside the run: {}",
            String::from_utf8_lossy(&output.stderr)
        );
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
                    Some(Act::Declare(index)) => {
                        let declaration = &world.declarations[index];
                        beside(&["--declare", &declaration.text, "--by", &declaration.by]);
                    }
                    Some(Act::Rollback(index)) => {
                        let rollback = &world.rollbacks[index];
                        let tree = model.rollbacks[rollback.tree.0].name.to_string();
                        beside(&["--rollback", &tree, "--by", &rollback.by]);
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
    let _real_time = crate::support::real_time();
    // For work on one scenario: GOLIVEC_DIFF_ONLY=signal runs those whose name has it.
    let (cases, skipped) = scenario_cases("GOLIVEC_DIFF_ONLY", unsupported);
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
    assert_agree("runbook", results, KNOWN_DIFFERENCES, &skipped);
}

/// Random worlds too: metric changes (healthy, degraded, critical, no data) and steps that fail,
/// time out or take minutes, on the scenario plans, through the real runbook and the simulator.
/// Changes fall half-way between samples (`:30`), so that a sample taken a few seconds late
/// reads what the simulated one read. Three worlds in the test suite (a fixed seed);
/// `GOLIVEC_DIFF_RANDOM=N` runs N, `GOLIVEC_DIFF_SEED` another seed (`scripts/diff-random.sh`
/// records a longer run's figures).
#[test]
fn random_worlds_agree() {
    use golivec::run::measure::{NoData, Sample};
    use golivec::run::world::{Outcome, StepPlan};
    let _real_time = crate::support::real_time();
    let count: usize = std::env::var("GOLIVEC_DIFF_RANDOM").ok().and_then(|n| n.parse().ok()).unwrap_or(3);
    let seed: u64 =
        std::env::var("GOLIVEC_DIFF_SEED").ok().and_then(|n| n.parse().ok()).unwrap_or(0x0d1f_f5ee_d000_0001);
    let mut rng = crate::support::Rng(seed);
    // Every scenario plan with a launch in turn, so that a new plan's shapes (a tree entered
    // again, a recheck, a review) meet random worlds too.
    let plans: Vec<_> = crate::support::files(&root().join("tests/fixtures/scenarios"), "golive")
        .into_iter()
        .filter(|plan| checked(plan).1.schedule.t0.is_some())
        .collect();
    let mut cases = Vec::new();
    for index in 0..count {
        let plan = plans[index % plans.len()].clone();
        let (model, analysis) = checked(&plan);
        let t0 = analysis.schedule.t0.as_deref().and_then(|t0| t0.parse::<jiff::Zoned>().ok());
        let mut world = World::healthy(&model, t0);
        let (start, finish) = (analysis.schedule.start_ms, analysis.schedule.finish_ms);
        let minutes = usize::try_from((finish - start) / 60_000).unwrap_or(1).max(1);
        let mut said = Vec::new();
        let metric_changes = if model.metrics.is_empty() { 0 } else { 1 + rng.below(3) };
        for _ in 0..metric_changes {
            let metric = rng.below(model.metrics.len());
            let at = start + (rng.below(minutes) as i64) * 60_000 + 30_000;
            // A bool metric is a probe's exit status: true or false (a scenario file can give
            // nothing else either).
            let is_bool = model.metrics[metric].ty == golivec::model::MetricType::Bool;
            let sample = match rng.below(4) {
                0 => Sample::NoData(NoData::TimedOut),
                1 if is_bool => Sample::Value(1.0),
                _ if is_bool => Sample::Value(0.0),
                1 => Sample::Value(3.0),
                2 => Sample::Value(9.0),
                _ => Sample::Value(0.2),
            };
            said.push(format!("{} at {at} ms: {sample:?}", model.metrics[metric].name));
            world.change(metric, at, sample);
        }
        let commands: Vec<String> = model
            .nodes
            .iter()
            .flat_map(|node| {
                golivec::model::flatten_steps(&node.items)
                    .into_iter()
                    .enumerate()
                    .filter(|(_, step)| matches!(step.kind, golivec::model::StepKind::Run { .. }))
                    .map(|(position, _)| format!("{}.{}", node.name, position + 1))
                    .collect::<Vec<_>>()
            })
            .collect();
        // No command, one, or several: a run may enter its trees more than once.
        let changed = if commands.is_empty() { 0 } else { [0, 1, 1, 3][rng.below(4)] };
        for _ in 0..changed {
            let id = commands[rng.below(commands.len())].clone();
            let outcome = [Outcome::Fails, Outcome::TimesOut, Outcome::Succeeds][rng.below(3)];
            let takes = (rng.below(3) as u64) * 60_000 + 30_000;
            said.push(format!("{id}: {outcome:?} after {takes} ms"));
            world.set_step(id, StepPlan { outcome: Some(outcome), takes_ms: Some(takes), failures: 0, answers: None });
        }
        cases.push((format!("random-{index}"), plan, model, analysis, world, said));
    }
    let results: Vec<(String, Vec<String>)> = std::thread::scope(|scope| {
        let mut results = Vec::new();
        for chunk in cases.chunks(3) {
            let handles: Vec<_> = chunk
                .iter()
                .map(|(name, plan, model, analysis, world, said)| {
                    scope.spawn(move || {
                        let simulated = reduce_simulated(&run::engine::simulate(model, &analysis.order, world));
                        let real = reduce_runbook(&run_runbook(name, plan, model, analysis, world));
                        (format!("{name} ({}; {})", plan.display(), said.join(", ")), differences(&simulated, &real))
                    })
                })
                .collect();
            results.extend(handles.into_iter().map(|handle| handle.join().expect("a world thread")));
        }
        results
    });
    let failures: Vec<String> = results
        .iter()
        .filter(|(_, differ)| !differ.is_empty())
        .map(|(name, differ)| format!("{name}:\n{}", differ.join("\n")))
        .collect();
    eprintln!("runbook and simulator agree on {} of {count} random worlds", count - failures.len());
    assert!(failures.is_empty(), "seed {seed:#x}:\n{}", failures.join("\n\n"));
}
