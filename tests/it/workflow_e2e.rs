//! The workflow carries out the simulated run: every scenario fixture the workflow can replay,
//! and every example in its healthy world, is run through the generated GitHub Actions workflow
//! by the test executor (`tests/it/gha`) the way GitHub runs it: each job in a fresh checkout
//! of a "repository" holding the runbook, the checklist and the workflow golivec built, the
//! stub commands of `runbook_diff` and the scenario's world; `needs`, `if` with status
//! functions, job outputs, state artifacts, environments approved by scripted reviewers,
//! timeouts and cancellation. Every job's runbook shares one clock, sped up
//! (`GOLIVE_TIME_SCALE`, `GOLIVE_CLOCK_ORIGIN`), and the trace the last job merges from every
//! job's state, reduced to the decisions, must equal `golivec simulate`'s, within the tolerance
//! of `runbook_diff` (`scenario_replay`).
//!
//! People are who the workflow asks: each environment is approved at once by a reviewer of its
//! own ([`reviewer`]), and a job records each review of its environments (its own and those
//! that gather its quorum) as one answer to the `check` and `approve` steps its run step lists;
//! every other check and approval, and every decision about an inconclusive node, gets no
//! answer and fails closed. The simulator is given that world: the scenario with those answers.
//!
//! Scenarios the workflow cannot replay are listed with the reason; scenarios where it differs
//! are in `KNOWN_DIFFERENCES` with the reason, and the test fails when one starts to agree.

use crate::gha::{self, Conclusion, Report, Review, RunOptions};
use crate::scenario_replay::{
    assert_agree, checked, differences, link_stubs, reduce_simulated, scenario_cases, write_world, Decision,
};
use crate::support::{files, root};
use golivec::run::{self, world::Scenario, world::World};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// How much faster than real time the runbooks' clock and the executor's run.
const SCALE: i64 = 300;
/// The speed-up of the run that samples a real Prometheus.
const PROMETHEUS_SCALE: i64 = 60;
/// How many runs at once: each mostly sleeps, at the sped-up clock.
const PARALLEL: usize = 4;
/// How long before the run's start the workflow is started, in the plan's time.
const LEAD_MS: i64 = 5 * 60_000;
/// Who starts the workflow (`github.actor`), whose name the jobs record for their approvals.
const ACTOR: &str = "octocat";

/// Scenarios on which the workflow does not carry out the simulated run, with the reason.
const KNOWN_DIFFERENCES: &[(&str, &str)] = &[];

/// Why the workflow cannot replay this scenario, if it cannot.
fn unsupported(scenario: &Scenario) -> Option<&'static str> {
    if !scenario.signals.is_empty() {
        return Some("a signal to the runbook and a resume: a workflow run is cancelled, not resumed (see the cancellation test)");
    }
    if !scenario.declare.is_empty() {
        return Some("declarations while the run goes on (R22): nobody answers on a runner");
    }
    if !scenario.rollback.is_empty() {
        return Some("an operator's --rollback while the run goes on: a workflow run takes no command");
    }
    if !scenario.decisions.is_empty() {
        return Some("an operator's decision while the run goes on: nobody writes to a job's runner");
    }
    if scenario.steps.values().any(|step| step.answers.is_some()) {
        return Some("answers scripted per person: in the workflow, the reviewers of the environments answer");
    }
    None
}

/// Who reviews an environment in these runs: one person per environment, so a quorum gathered
/// from several environments has as many distinct approvers.
fn reviewer(environment: &str) -> String {
    format!("reviewer-of-{environment}")
}

/// A finished workflow run.
struct Replay {
    report: Report,
    /// The trace of the state the last job merged.
    trace: String,
    /// The `check` and `approve` steps the jobs record answers for, and the environments
    /// whose reviews answer each.
    recorded: BTreeMap<String, Vec<String>>,
    repository: PathBuf,
}

impl Replay {
    fn clean(self) {
        if std::env::var_os("GOLIVEC_KEEP_RUNS").is_none() {
            let _ = std::fs::remove_dir_all(&self.repository);
            let _ = std::fs::remove_dir_all(&self.report.run_dir);
        }
    }
}

/// The step ids a workflow's jobs record answers for, each with the environments whose reviews
/// answer it: the ids of the run step's `for id in ID...; do printf '%s %s %s\n' "$id"
/// "$answer" "$login" ...` (each review of the environments of its `jq -r --arg envs "ENV..."`).
fn recorded_approvals(workflow: &gha::Workflow) -> BTreeMap<String, Vec<String>> {
    let mut recorded = BTreeMap::new();
    for job in &workflow.jobs {
        for step in &job.steps {
            let gha::Action::Run { script, .. } = &step.action else { continue };
            let environments: Vec<String> = script
                .lines()
                .find_map(|line| line.trim().strip_prefix("jq -r --arg envs \""))
                .and_then(|rest| rest.split_once('"'))
                .map(|(names, _)| names.split_whitespace().map(str::to_string).collect())
                .unwrap_or_default();
            for line in script.lines() {
                let Some(rest) = line.trim().strip_prefix("for id in ") else { continue };
                let Some((ids, body)) = rest.split_once("; do ") else { continue };
                if body.starts_with(r#"printf '%s %s %s\n' "$id" "$answer" "$login""#) {
                    for id in ids.split_whitespace() {
                        recorded.insert(id.to_string(), environments.clone());
                    }
                }
            }
        }
    }
    recorded
}

/// The scenario as the workflow plays it: each `check` and `approve` answered at once, where a
/// job records it, by the reviewer of each environment whose reviews answer it, and by nobody
/// elsewhere.
fn as_the_workflow_asks(
    model: &golivec::model::Model,
    scenario: &Scenario,
    recorded: &BTreeMap<String, Vec<String>>,
) -> Scenario {
    let mut scenario = scenario.clone();
    let mut answer = |owner: &str, items: &[golivec::model::Item]| {
        for (position, step) in golivec::model::flatten_steps(items).into_iter().enumerate() {
            if !matches!(step.kind, golivec::model::StepKind::Check { .. } | golivec::model::StepKind::Approve { .. }) {
                continue;
            }
            let id = format!("{owner}.{}", position + 1);
            let answers = recorded
                .get(&id)
                .into_iter()
                .flatten()
                .map(|environment| run::world::AnswerScript {
                    by: reviewer(environment),
                    role: None,
                    after: None,
                    refuses: false,
                })
                .collect();
            scenario.steps.entry(id).or_default().answers = Some(answers);
        }
    };
    for node in &model.nodes {
        answer(&node.name, &node.items);
    }
    for tree in &model.rollbacks {
        for level in &tree.levels {
            answer(&format!("{}.{}", tree.name, level.name), &level.items);
        }
    }
    scenario
}

/// Builds the "repository" of `plan` (the runbook, the checklist and the workflow in `golive/`,
/// the stubs and the world at the root, where the jobs run) and runs its workflow.
fn run_workflow(
    name: &str,
    plan: &Path,
    model: &golivec::model::Model,
    analysis: &golivec::analysis::Analysis,
    world: &World,
    configure: impl FnOnce(&mut RunOptions),
) -> Replay {
    let repository = std::env::temp_dir().join(format!("golivec-e2e-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&repository);
    std::fs::create_dir_all(&repository).expect("repository");
    let out = repository.join("golive");
    let output = crate::support::golivec(
        &["build", &plan.to_string_lossy(), "--target", "shell,markdown,workflow", "-o", &out.to_string_lossy()],
        None,
    );
    assert_eq!(output.status.code(), Some(0), "{name}: {}", String::from_utf8_lossy(&output.stderr));
    link_stubs(&repository);
    write_world(&repository, model, analysis, world);
    let yml = files(&out, "yml").pop().expect("a workflow");
    let workflow = gha::parse_file(&yml).unwrap_or_else(|error| panic!("{name}: {error}"));
    let t0 = world.t0.as_ref().expect("a T0");
    let t0_ms = t0.timestamp().as_millisecond();
    // The run starts where the simulated one does (its first node, or a baseline's window).
    let start = analysis.schedule.start_ms.min(
        model
            .metrics
            .iter()
            .filter_map(|metric| metric.baseline.as_ref().map(|b| b.at_ms))
            .min()
            .unwrap_or(analysis.schedule.start_ms),
    );
    let mut options = RunOptions::new(&repository);
    options.inputs.insert("t0".into(), t0.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string());
    options.inputs.insert("dry_run".into(), "false".into());
    options.time_scale = SCALE as f64;
    options.actor = ACTOR.into();
    options.env.insert("GOLIVE_TIME_SCALE".into(), SCALE.to_string());
    options.env.insert("USER".into(), world.operator.clone());
    for environment in workflow.jobs.iter().filter_map(|job| job.environment.as_deref()) {
        options.reviews.insert(environment.into(), Review::approve(&reviewer(environment), 0.0));
    }
    configure(&mut options);
    // One clock for every job: real microseconds now, and the plan's time then, `LEAD_MS` before
    // the run's start, as someone starts the workflow a little early (its first jobs wait for
    // their nodes' time): a job's checkout and setup take real time, which the speed-up makes long.
    let micros = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("after 1970").as_micros();
    options.env.insert("GOLIVE_CLOCK_ORIGIN".into(), format!("{micros} {}", t0_ms + start - LEAD_MS));
    let report = gha::run(&workflow, &options).unwrap_or_else(|error| panic!("{name}: {error}"));
    let trace = report
        .jobs
        .iter()
        .find(|job| job.id == "checklist")
        .and_then(|job| job.workspace.as_ref())
        .map(|workspace| workspace.join(format!("golive/.golive-{}/trace", model.plan.name)))
        .and_then(|path| std::fs::read_to_string(path).ok())
        .unwrap_or_default();
    Replay { report, trace, recorded: recorded_approvals(&workflow), repository }
}

/// The workflow's trace: every job's runbook traces its own invocation (`run_started`, its
/// nodes, `run_finished`), merged in time order. The run's end is the one the execution record
/// gives (`--record`): the worst end of its jobs (a slice handing over to the next is none), when
/// the last of them ended.
fn reduce_workflow(trace: &str) -> Vec<Decision> {
    // The runbook's `end_rank`, from the least to the worst.
    const RANKS: [&str; 7] = [
        "completed",
        "completed_with_failures",
        "interrupted",
        "halted",
        "aborted",
        "rolled_back",
        "rollback_incomplete",
    ];
    let rank = |what: &str| what.split(' ').nth(1).and_then(|end| RANKS.iter().position(|r| *r == end));
    let mut decisions = crate::scenario_replay::reduce_runbook(
        &trace.lines().filter(|line| !line.contains(" run_finished ")).collect::<Vec<_>>().join("\n"),
    );
    let ends: Vec<Decision> = trace
        .lines()
        .filter_map(|line| {
            let (t_ms, what) = line.split_once(' ')?;
            Some(Decision { t_ms: t_ms.parse().ok()?, what: what.to_string() })
        })
        .filter(|decision| decision.what.starts_with("run_finished ") && rank(&decision.what).is_some())
        .collect();
    if let (Some(worst), Some(last)) =
        (ends.iter().max_by_key(|end| rank(&end.what)), ends.iter().map(|end| end.t_ms).max())
    {
        decisions.push(Decision { t_ms: last, what: worst.what.clone() });
    }
    decisions
}

/// The alerts of `plan` the workflow does not watch (W1001 names them, with `--target
/// workflow`): their steps are not expected of it.
fn alerts_not_run(plan: &Path) -> Vec<String> {
    let check =
        crate::support::golivec(&["check", "--target", "workflow", "--format", "json", &plan.to_string_lossy()], None);
    let report: serde_json::Value = serde_json::from_slice(&check.stdout).expect("JSON diagnostics");
    report["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|diagnostic| diagnostic["code"] == "W1001")
        .filter_map(|diagnostic| diagnostic["message"].as_str()?.split('`').nth(1).map(str::to_string))
        .collect()
}

/// The simulated decisions the workflow carries out: the steps of the alerts it does not watch
/// (`ALERT.N`) left out.
fn run_by_the_workflow(simulated: Vec<Decision>, alerts: &[String]) -> Vec<Decision> {
    simulated
        .into_iter()
        .filter(|decision| {
            let step = decision.what.strip_prefix("step_finished ").and_then(|rest| rest.split(' ').next());
            !step.is_some_and(|step| alerts.iter().any(|alert| step.starts_with(&format!("{alert}."))))
        })
        .collect()
}

/// Whether the execution record the last job wrote to its summary (`**End: STATE** (exit N)`)
/// gives the simulated run's end; if not, what differs.
fn record_differs(report: &Report, simulated: &[Decision]) -> Option<String> {
    let expected = simulated
        .iter()
        .rev()
        .find_map(|decision| decision.what.strip_prefix("run_finished "))
        .map(|end| end.replacen(' ', " (exit ", 1) + ")")
        .unwrap_or_default();
    let summary = &report.job("checklist").summary;
    let recorded = summary
        .lines()
        .find_map(|line| line.strip_prefix("**End: "))
        .map(|end| end.replace("\\_", "_").replacen("** ", " ", 1))
        .unwrap_or_default();
    (recorded != expected).then(|| format!("the record says the run ended {recorded:?}, the simulator {expected:?}"))
}

/// Runs `cases` a few at a time.
fn in_parallel<T: Sync, R: Send>(cases: &[T], each: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let results = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..PARALLEL.min(cases.len()) {
            scope.spawn(|| loop {
                let index = next.fetch_add(1, Ordering::SeqCst);
                let Some(case) = cases.get(index) else { break };
                let result = each(case);
                results.lock().expect("results").push((index, result));
            });
        }
    });
    let mut results = results.into_inner().expect("results");
    results.sort_by_key(|(index, _)| *index);
    results.into_iter().map(|(_, result)| result).collect()
}

#[test]
fn the_workflow_carries_out_the_simulated_run() {
    let _real_time = crate::support::real_time();
    // For work on one scenario: GOLIVEC_E2E_ONLY=canary runs those whose name has it.
    let (cases, skipped) = scenario_cases("GOLIVEC_E2E_ONLY", unsupported);
    let results = in_parallel(&cases, |(name, plan, scenario)| {
        let (model, analysis) = checked(plan);
        let t0 = analysis.schedule.t0.as_deref().and_then(|t0| t0.parse::<jiff::Zoned>().ok());
        let world = World::resolve(&model, scenario, t0.clone()).expect("scenario resolves");
        let replay = run_workflow(name, plan, &model, &analysis, &world, |_| {});
        let asked = as_the_workflow_asks(&model, scenario, &replay.recorded);
        let world = World::resolve(&model, &asked, t0).expect("scenario resolves");
        let simulated = run_by_the_workflow(
            reduce_simulated(&run::engine::simulate(&model, &analysis.order, &world)),
            &alerts_not_run(plan),
        );
        let mut differ = differences(&simulated, &reduce_workflow(&replay.trace));
        differ.extend(record_differs(&replay.report, &simulated));
        let logs = if differ.is_empty() { String::new() } else { replay.report.logs() };
        if std::env::var_os("GOLIVEC_E2E_VERBOSE").is_some() {
            eprintln!("=== {name}\n{:#?}\n{}\n{logs}", replay.report.results(), replay.trace);
        }
        replay.clean();
        (name.clone(), differ)
    });
    assert_agree("workflow", results, KNOWN_DIFFERENCES, &skipped);
}

/// A workflow whose metrics are Prometheus queries samples the real server (on the incident's
/// clock) in every job, and decides as the backtest of what the server recorded.
#[test]
fn the_workflow_samples_prometheus_as_the_backtest() {
    let _real_time = crate::support::real_time();
    let (url, dir) = crate::prometheus::start_prometheus("workflow");
    let plan = crate::prometheus::plan_for(&url, &dir);
    let (model, analysis) = checked(&plan);
    let t0 = analysis.schedule.t0.as_deref().and_then(|t0| t0.parse::<jiff::Zoned>().ok()).expect("a launch");
    let healthy = World::healthy(&model, Some(t0.clone()));
    // Slower than the scenarios: the incident's error rate climbs half a point a minute, and a
    // job's start (checkout, state), sped up 300 times, moves a watch's samples minutes away.
    let replay = run_workflow("prometheus", &plan, &model, &analysis, &healthy, |options| {
        options.time_scale = PROMETHEUS_SCALE as f64;
        options.env.insert("GOLIVE_TIME_SCALE".into(), PROMETHEUS_SCALE.to_string());
    });
    let asked = as_the_workflow_asks(&model, &Scenario::default(), &replay.recorded);
    let mut world = World::resolve(&model, &asked, Some(t0.clone())).expect("the scenario resolves");
    for (name, answer) in crate::prometheus::recorded(&url, &model, &t0) {
        run::backtest::load(&model, &mut world, &answer, Some(&name), &t0).expect("the answer loads");
    }
    // The alerts the workflow says it does not run (W1001) are not expected of it.
    let not_run = alerts_not_run(&plan);
    assert!(!not_run.is_empty(), "the plan's alert is reported as not run by the workflow");
    let simulated =
        run_by_the_workflow(reduce_simulated(&run::engine::simulate(&model, &analysis.order, &world)), &not_run);
    for what in ["breach soak", "tree_entered incident", "node_finished latency stopped"] {
        assert!(simulated.iter().any(|decision| decision.what == what), "no `{what}` in {simulated:#?}");
    }
    let differ = differences(&simulated, &reduce_workflow(&replay.trace));
    let logs = if differ.is_empty() { String::new() } else { replay.report.logs() };
    replay.clean();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(differ.is_empty(), "the workflow decided otherwise:\n{}\n{logs}", differ.join("\n"));
}

/// A run cancelled in the middle of a watch stops there: the watch's job is cancelled, the
/// rollback job never runs on a cancel (`failure() && !cancelled()`), no tree is entered, and
/// the record says the run was interrupted: the run step passes the runner's signal on to the
/// runbook, which GitHub never signals itself (the signal goes to the step's shell only).
#[test]
fn a_cancelled_run_stops_mid_watch_and_rolls_nothing_back() {
    let _real_time = crate::support::real_time();
    let plan = root().join("tests/fixtures/scenarios/tolerant.golive");
    let (model, analysis) = checked(&plan);
    let t0 = analysis.schedule.t0.as_deref().and_then(|t0| t0.parse::<jiff::Zoned>().ok());
    let world = World::healthy(&model, t0);
    // The workflow starts 5 minutes before the deploy at T0; the watch runs from T0 to T+30m.
    let replay = run_workflow("cancel", &plan, &model, &analysis, &world, |options| {
        options.cancel_after_minutes = Some(5.0 + 15.0);
        // The runbook stops in real time, as on GitHub, which gives it 7.5 s after the SIGINT.
        options.scale_signal_delays = false;
    });
    let report = &replay.report;
    let logs = report.logs();
    // deploy and soak are one job (a chain on one environment).
    assert_eq!(report.result("deploy"), Conclusion::Cancelled, "{logs}");
    assert_eq!(report.result("rollback_undo"), Conclusion::Cancelled, "{logs}");
    assert!(report.job("rollback_undo").steps.is_empty(), "{logs}");
    // The record job writes the record, then fails with the run's end (interrupted, 143).
    assert_eq!(report.result("checklist"), Conclusion::Failure, "{logs}");
    let trace = &replay.trace;
    assert!(trace.contains(" node_started soak"), "{trace}");
    assert!(!trace.contains(" tree_entered ") && !trace.contains(" level_chosen "), "{trace}");
    assert!(!trace.contains(" node_finished soak done"), "{trace}");
    // The watch stopped half way: its samples end at the cancel.
    let last_sample = trace
        .lines()
        .filter(|line| line.contains(" sample soak"))
        .filter_map(|line| line.split(' ').next()?.parse::<i64>().ok())
        .max()
        .expect("the watch sampled");
    assert!((10 * 60_000..20 * 60_000).contains(&last_sample), "{last_sample}\n{trace}");
    let record = &report.job("checklist").summary;
    assert!(record.contains("interrupted"), "{record}\n{logs}");
    replay.clean();
}

/// Each example's workflow, started as a dry run (`dry_run: true`, the input's default), runs on
/// the test executor the way GitHub runs it: every environment approved by its reviewer (the
/// approval jobs of each quorum included), every node job's runbook says what it would do and
/// ends `done`, so each job after it runs; later slices, which only a real run needs, and
/// rollback jobs are skipped; the record job runs last. A wrong `needs`, `if` or output name
/// would skip a job here.
#[test]
fn every_example_runs_through_its_workflow_as_a_dry_run() {
    let examples = files(&root().join("examples"), "golive");
    let results = in_parallel(&examples, |example| {
        let name = example.file_stem().expect("stem").to_string_lossy().into_owned();
        let repository = std::env::temp_dir().join(format!("golivec-e2e-dry-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&repository);
        std::fs::create_dir_all(&repository).expect("repository");
        let out = repository.join("golive");
        let output = crate::support::golivec(
            &["build", &example.to_string_lossy(), "--target", "shell,markdown,workflow", "-o", &out.to_string_lossy()],
            None,
        );
        assert_eq!(output.status.code(), Some(0), "{name}: {}", String::from_utf8_lossy(&output.stderr));
        let yml = files(&out, "yml").pop().expect("a workflow");
        let workflow = gha::parse_file(&yml).unwrap_or_else(|error| panic!("{name}: {error}"));
        let mut options = RunOptions::new(&repository);
        options.inputs.insert("t0".into(), "2025-03-04T09:30:00+00:00".into());
        // The plan's own inputs, required: a value of each one's type.
        for input in workflow.inputs.iter().filter(|input| input.required && input.name != "t0") {
            let value = if input.kind == gha::InputKind::Boolean { "true" } else { "new_checkout" };
            options.inputs.insert(input.name.clone(), value.into());
        }
        options.time_scale = SCALE as f64;
        for environment in workflow.jobs.iter().filter_map(|job| job.environment.as_deref()) {
            options.reviews.insert(environment.into(), Review::approve(&reviewer(environment), 0.0));
        }
        let report = gha::run(&workflow, &options).unwrap_or_else(|error| panic!("{name}: {error}"));
        let mut wrong = Vec::new();
        for (id, result) in report.results() {
            let later_slice = id.rsplit_once('-').is_some_and(|(_, n)| n.parse::<u32>().is_ok_and(|n| n >= 2))
                && !id.contains("-approval-");
            let expected =
                if later_slice || id.starts_with("rollback_") { Conclusion::Skipped } else { Conclusion::Success };
            if result != expected {
                wrong.push(format!("{id}: {} (expected {})", result.as_str(), expected.as_str()));
            }
            let runs_the_runbook = !id.contains("-approval-") && id != "checklist";
            if result == Conclusion::Success
                && runs_the_runbook
                && !report.job(&id).log().contains("(dry run: nothing runs)")
            {
                wrong.push(format!("{id}: its runbook did not say what it would do"));
            }
        }
        let approvals = report.results().iter().filter(|(id, _)| id.contains("-approval-")).count();
        let logs = if wrong.is_empty() { String::new() } else { report.logs() };
        let _ = std::fs::remove_dir_all(&repository);
        let _ = std::fs::remove_dir_all(&report.run_dir);
        (name, wrong, approvals, logs)
    });
    let mut approvals = 0;
    for (name, wrong, approval_jobs, logs) in results {
        assert!(wrong.is_empty(), "{name}:\n{}\n{logs}", wrong.join("\n"));
        approvals += approval_jobs;
    }
    // memolib's sign-offs by three and by four, aidrive's four of six, onelog's two, the tour's two.
    assert!(approvals >= 9, "{approvals} approval jobs in the examples");
}

/// The tools the examples' commands and probes run (curl against `$METRICS_URL`, az, gh, psql,
/// kubectl...), installed on the runner image as the stub (`tests/fixtures/runbook/stub.sh`): a
/// probe gives its metric's value in the world, a command ends as the world says. A tool missing
/// here is not found on the runner, and the step that runs it fails: the replay then differs.
const RUNNER_TOOLS: &[&str] = &[
    "az",
    "aws",
    "curl",
    "dig",
    "docker",
    "docker-compose",
    "gh",
    "git",
    "kubectl",
    "nslookup",
    "pg_dump",
    "pg_restore",
    "psql",
    "redis-cli",
    "slack-notify",
    "supabase",
    "vercel",
    "watch",
];

/// The scripts of its own repository that a plan runs (`./NAME.sh`, `./scripts/NAME.sh`, as
/// its source writes them), each the stub too.
fn repository_scripts(source: &str) -> std::collections::BTreeSet<String> {
    let mut scripts = std::collections::BTreeSet::new();
    for (at, _) in source.match_indices("./") {
        let path: String = source[at + 2..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '/' | '.'))
            .collect();
        if path.ends_with(".sh") && !path.contains("..") {
            scripts.insert(path);
        }
    }
    scripts
}

/// The examples whose real run the workflow cannot carry out, with the reason.
const EXAMPLES_NOT_RUN: &[(&str, &str)] =
    &[("onelog-blue-green", "its plan spans 44 days, longer than a workflow run's 35 days (W1003)")];

/// Runs `example`'s workflow for real (`dry_run: false`) in its healthy world, every job's
/// runbook on a clock `scale` times faster than real time, and returns what differs from the
/// simulated run of the same world, answered as the workflow asks.
fn example_through_its_workflow(example: &Path, scale: i64) -> Vec<String> {
    let name = example.file_stem().expect("stem").to_string_lossy().into_owned();
    let (model, analysis) = checked(example);
    let t0 = analysis
        .schedule
        .t0
        .as_deref()
        .and_then(|t0| t0.parse::<jiff::Zoned>().ok())
        .unwrap_or_else(|| "2025-03-04T09:30:00+00:00[UTC]".parse().expect("a time"));
    let world = World::healthy(&model, Some(t0.clone()));
    let tools = std::env::temp_dir().join(format!("golivec-e2e-tools-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tools);
    std::fs::create_dir_all(&tools).expect("tools");
    let stub = root().join("tests/fixtures/runbook/stub.sh");
    for tool in RUNNER_TOOLS {
        std::os::unix::fs::symlink(&stub, tools.join(tool)).expect("a runner tool");
    }
    let mut inputs = BTreeMap::new();
    let replay = run_workflow(&format!("example-{name}"), example, &model, &analysis, &world, |options| {
        options.time_scale = scale as f64;
        options.env.insert("GOLIVE_TIME_SCALE".into(), scale.to_string());
        options.runner_tools.push(tools.clone());
        // The record job turns days of samples into Markdown: seconds of real time.
        options.least_job_timeout = std::time::Duration::from_secs(120);
        let source = std::fs::read_to_string(example).expect("the example");
        for script in repository_scripts(&source) {
            let path = options.repository.join(script);
            if path.exists() {
                continue;
            }
            std::fs::create_dir_all(path.parent().expect("a folder")).expect("scripts");
            std::os::unix::fs::symlink(&stub, path).expect("a script");
        }
        for secret in &model.secrets {
            options.secrets.insert(secret.name.to_string(), format!("stand-in-for-{}", secret.name));
        }
        for var in &model.vars {
            options.vars.insert(var.name.to_string(), format!("https://{}.example.com", var.name.to_lowercase()));
        }
        let yml = files(&options.repository.join("golive"), "yml").pop().expect("a workflow");
        let workflow = gha::parse_file(&yml).expect("the workflow parses");
        // The plan's own inputs, as someone starting the run types them.
        for input in workflow.inputs.iter().filter(|input| input.required && input.name != "t0") {
            let value = match input.kind {
                gha::InputKind::Boolean => run::world::InputScript::Bool(true),
                _ => run::world::InputScript::Text("new_checkout".into()),
            };
            let typed = match &value {
                run::world::InputScript::Bool(value) => value.to_string(),
                run::world::InputScript::Text(text) => text.clone(),
            };
            options.inputs.insert(input.name.clone(), typed);
            inputs.insert(input.name.clone(), value);
        }
    });
    let scenario = Scenario { inputs, ..Scenario::default() };
    let asked = as_the_workflow_asks(&model, &scenario, &replay.recorded);
    let asked_world = World::resolve(&model, &asked, Some(t0)).expect("the scenario resolves");
    let simulated = run_by_the_workflow(
        reduce_simulated(&run::engine::simulate(&model, &analysis.order, &asked_world)),
        &alerts_not_run(example),
    );
    let mut differ = differences(&simulated, &reduce_workflow(&replay.trace));
    differ.extend(record_differs(&replay.report, &simulated));
    if !differ.is_empty() || std::env::var_os("GOLIVEC_E2E_VERBOSE").is_some() {
        eprintln!("=== {name}\n{:#?}\n{}\n{}", replay.report.results(), replay.trace, replay.report.logs());
    }
    replay.clean();
    let _ = std::fs::remove_dir_all(&tools);
    differ
}

/// The shortest example, for real, through its workflow: the kill switch's flag turned off and
/// watched for eight hours in two slices, with its inputs and secrets, at twice the speed-up of
/// the others (fifty seconds); they run in `every_example_runs_through_its_workflow`
/// (`scripts/examples-e2e.sh`), which takes longer.
#[test]
fn the_kill_switch_example_runs_through_its_workflow() {
    let _real_time = crate::support::real_time();
    let differ = example_through_its_workflow(&root().join("examples/flag-kill-switch.golive"), 2 * SCALE);
    assert!(differ.is_empty(), "the workflow decided otherwise:\n{}", differ.join("\n"));
}

/// Every example, for real, through its workflow, in its healthy world: days of the plans' time,
/// so about twenty minutes at this speed-up, run by `scripts/examples-e2e.sh` rather than the
/// test command (`cargo test --test it -- --ignored every_example_runs_through_its_workflow`).
/// GOLIVEC_E2E_ONLY=memolib runs the examples whose name has it.
#[test]
#[ignore = "about twenty minutes: scripts/examples-e2e.sh runs it"]
fn every_example_runs_through_its_workflow() {
    let mut examples = Vec::new();
    for example in files(&root().join("examples"), "golive") {
        let name = example.file_stem().expect("stem").to_string_lossy().into_owned();
        if let Some((_, why)) = EXAMPLES_NOT_RUN.iter().find(|(not_run, _)| *not_run == name) {
            eprintln!("{name}: not run: {why}");
            continue;
        }
        if std::env::var("GOLIVEC_E2E_ONLY").is_ok_and(|only| !name.contains(&only)) {
            continue;
        }
        examples.push(example);
    }
    let results = in_parallel(&examples, |example| {
        let started = std::time::Instant::now();
        let differ = example_through_its_workflow(example, SCALE);
        let name = example.file_stem().expect("stem").to_string_lossy().into_owned();
        eprintln!("{name}: {:.0} s, {} differences", started.elapsed().as_secs_f64(), differ.len());
        (name, differ)
    });
    let failed: Vec<String> = results
        .into_iter()
        .filter(|(_, differ)| !differ.is_empty())
        .map(|(name, differ)| format!("{name}:\n{}", differ.join("\n")))
        .collect();
    assert!(failed.is_empty(), "the workflow decided otherwise:\n{}", failed.join("\n"));
}

/// The examples the workflow does not run for real are those with a reason: each spans more than
/// a workflow run's 35 days (what W1003 reports, acknowledged in the example).
#[test]
fn the_examples_not_run_through_the_workflow_are_beyond_a_run() {
    const RUN_LIMIT_MS: i64 = 35 * 86_400_000;
    for (name, _) in EXAMPLES_NOT_RUN {
        let (_, analysis) = checked(&root().join(format!("examples/{name}.golive")));
        let span = analysis.schedule.finish_ms - analysis.schedule.start_ms;
        assert!(span > RUN_LIMIT_MS, "{name} spans {span} ms: run it through its workflow");
    }
}
