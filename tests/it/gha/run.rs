//! Running a parsed [`Workflow`]: the scheduler, the jobs, the steps, the reviews and the
//! report. The rules and their sources:
//!
//! - Jobs start as soon as every job of their `needs` has finished and their `if` holds; a job
//!   `if` without a status function is `success() && (...)` ("Workflow syntax",
//!   `jobs.<job_id>.needs`: "If a job fails or is skipped, all jobs that need it are skipped
//!   unless the jobs use a conditional expression that causes the job to continue";
//!   "Evaluate expressions", "Status check functions"). For a job, `success()` holds when every
//!   ancestor (needs, transitively) succeeded and the run is not cancelled, `failure()` when any
//!   ancestor failed ("If you have a chain of dependent jobs, failure() returns true if any
//!   ancestor job fails"), `cancelled()` when the run was cancelled. The `needs` context holds
//!   the direct needs only ("Contexts reference", `needs` context).
//! - Steps: a step `if` without a status function is `success() && (...)`; `success()` is false
//!   once a step failed (its conclusion, after `continue-on-error`) or the job was cancelled;
//!   `outcome` is the result before `continue-on-error`, `conclusion` after ("Contexts
//!   reference", `steps` context).
//! - Timeouts: `timeout-minutes` of a job defaults to 360. A step past its own timeout fails
//!   (actions/runner `src/Runner.Worker/StepsRunner.cs`: "has timed out after N minutes",
//!   `TaskResult.Failed`). A job past its timeout is cancelled: its running step is stopped like
//!   on cancellation and the job's result is `cancelled`. The docs do not state the result of a
//!   timed-out job; `cancelled` is what GitHub reports (annotation "The job has exceeded the
//!   maximum execution time of ...", conclusion `cancelled`, seen in many public runs), and is
//!   what the runner does: the job's cancellation token fires, and StepsRunner marks the
//!   running step `Canceled`.
//! - Cancellation ("Workflow cancellation reference"): the `if` of running jobs is re-evaluated
//!   and a job whose `if` holds (`always()`) goes on; the others are cancelled: the running
//!   step's entry process (the shell) gets SIGINT, then SIGTERM if it has not exited within
//!   7500 ms, then the process tree is killed if it still runs 2500 ms later (the page, and
//!   actions/runner `src/Runner.Sdk/ProcessInvoker.cs`: `_sigintTimeout` 7500 ms,
//!   `_sigtermTimeout` 2500 ms, `kill(_proc.Id, signal)`: the signal goes to the process, not
//!   its group). Both waits are divided by the time scale (unless `scale_signal_delays` is
//!   false). The remaining steps of a cancelled
//!   job run only when their `if` holds (`always()`, `cancelled()`). Jobs not yet started are
//!   decided with `cancelled()` true: an `always()` or `cancelled()` job runs; the others end
//!   `cancelled` (how GitHub shows a queued job of a cancelled run is not stated on the page:
//!   an assumption).
//! - Environments ("Deployments and environments", "Required reviewers"): a job that
//!   references an environment with required reviewers waits for a review before it starts;
//!   a rejection fails the job ("If the job is rejected, the workflow will fail" is not spelled
//!   out per job; a rejected job is shown failed: an assumption, marked here). The executor's
//!   reviewers are scripted by the test ([`Review`]); an environment not scripted has no
//!   protection rule. A job waiting for a review does not count against its `timeout-minutes`
//!   (the job has not started on a runner).
//! - Each review is recorded and served by a stub `gh` on the job's PATH, for
//!   `gh api [/]repos/OWNER/REPO/actions/runs/RUN_ID/approvals`, with the documented response
//!   ("Get the review history for a workflow run": an array of `{environments: [{id, node_id,
//!   name, url, html_url, created_at, updated_at}], state, user: {login, ...}, comment}`).
//! - The stub `gh` also answers `gh api [/]repos/OWNER/REPO/actions/runs/RUN_ID/jobs` (a query
//!   string such as `?per_page=100` is ignored) with the run's jobs as "List jobs for a workflow
//!   run" documents them: `{total_count, jobs: [{id, name, status, conclusion}]}`, `status`
//!   `in_progress` (a job started, with `conclusion` null) or `completed`, updated as jobs start
//!   and end. Jobs not started yet are left out (GitHub lists them `queued`).
//! - Step processes ("Workflow commands", "Variables reference"): `CI=true`,
//!   `GITHUB_ACTIONS=true`, `GITHUB_WORKSPACE`, `RUNNER_TEMP` and the other default variables;
//!   fresh `GITHUB_OUTPUT`, `GITHUB_ENV`, `GITHUB_PATH` and `GITHUB_STEP_SUMMARY` files for each
//!   step, read after the step (`name=value` or `name<<DELIMITER` lines). Variables set through
//!   `GITHUB_ENV` take precedence over the workflow's and job's `env` and yield to the step's
//!   (actions/runner StepsRunner: global environment first, then the step's `env`).
//! - Secrets are replaced by `***` in the captured logs, as the runner masks them.

use super::artifacts::Store;
use super::expr::{self, Status};
use super::{Action, Condition, Job, Step, Workflow};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

/// The result of a job, or the outcome or conclusion of a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Conclusion {
    Success,
    Failure,
    Cancelled,
    Skipped,
}

impl Conclusion {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Conclusion::Success => "success",
            Conclusion::Failure => "failure",
            Conclusion::Cancelled => "cancelled",
            Conclusion::Skipped => "skipped",
        }
    }
}

/// What the reviewers of an environment do, scripted by the test.
#[derive(Clone, Debug)]
pub(crate) enum Review {
    /// `login` approves after `after_minutes` (scaled).
    Approve { login: String, after_minutes: f64 },
    /// `login` rejects after `after_minutes` (scaled).
    Reject { login: String, after_minutes: f64 },
    /// Nobody reviews: the job waits until the run is cancelled or the maximum wait passes.
    Never,
}

impl Review {
    pub(crate) fn approve(login: &str, after_minutes: f64) -> Review {
        Review::Approve { login: login.into(), after_minutes }
    }

    pub(crate) fn reject(login: &str, after_minutes: f64) -> Review {
        Review::Reject { login: login.into(), after_minutes }
    }
}

/// The event that starts the run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Event {
    /// "Run workflow" (`workflow_dispatch`), with [`RunOptions::inputs`].
    Dispatch,
    /// A push of this ref (`refs/heads/NAME` or `refs/tags/NAME`). "Events that trigger
    /// workflows", push <https://docs.github.com/en/actions/reference/workflows-and-actions/events-that-trigger-workflows#push>:
    /// it runs only when `on.push` has a `branches` (or `tags`) filter that matches the pushed
    /// branch (tag); `github.ref` is the pushed ref. "Contexts reference", `inputs` context: it is
    /// filled only for `workflow_dispatch` and reusable workflows, so here it is empty and
    /// `inputs.NAME` is null (the empty string in `env:`).
    Push(String),
}

/// How to run a workflow.
#[derive(Clone, Debug)]
pub(crate) struct RunOptions {
    pub(crate) event: Event,
    /// The "repository": what `actions/checkout` copies into each job's workspace.
    pub(crate) repository: PathBuf,
    /// `workflow_dispatch` inputs as typed in the form (booleans `true`/`false`).
    pub(crate) inputs: BTreeMap<String, String>,
    pub(crate) secrets: BTreeMap<String, String>,
    pub(crate) vars: BTreeMap<String, String>,
    /// Variables of the machine (lowest precedence), such as `GOLIVE_TIME_SCALE`.
    pub(crate) env: BTreeMap<String, String>,
    /// How many times faster than real time: 300 makes a minute 0.2 s. Applies to timeouts,
    /// review delays, the cancellation moment and the runner's signal delays.
    pub(crate) time_scale: f64,
    /// Reviewers per environment name.
    pub(crate) reviews: BTreeMap<String, Review>,
    /// Whether the runner's waits between the signals of a cancel (7500 ms, 2500 ms) are
    /// divided by `time_scale` too (the default). A test whose steps clean up at real speed,
    /// as on GitHub, sets it false.
    pub(crate) scale_signal_delays: bool,
    /// Cancel the run this many (scaled) minutes after it starts.
    pub(crate) cancel_after_minutes: Option<f64>,
    /// How long (scaled minutes) a job waits for a review that never comes before it fails.
    pub(crate) max_review_wait_minutes: f64,
    pub(crate) actor: String,
    /// `owner/name`.
    pub(crate) repository_name: String,
    pub(crate) run_id: u64,
    /// The least real time a job's scaled `timeout-minutes` gives it: a job's own work (the
    /// checkout, merging states, writing a long run's record) takes real time, which the
    /// speed-up does not shorten. None by default.
    pub(crate) least_job_timeout: Duration,
    /// Directories of tools installed on the runner image, first on every step's PATH (before
    /// the executor's stub `gh`, which such a directory's own `gh` must hand `gh api` to).
    pub(crate) runner_tools: Vec<PathBuf>,
}

impl RunOptions {
    fn event_name(&self) -> &'static str {
        match self.event {
            Event::Dispatch => "workflow_dispatch",
            Event::Push(_) => "push",
        }
    }

    /// `github.ref`, `github.ref_name` and `github.ref_type`: the pushed ref, or `main`.
    fn git_ref(&self) -> (String, String, &'static str) {
        match &self.event {
            Event::Push(git_ref) => match git_ref.strip_prefix("refs/tags/") {
                Some(tag) => (git_ref.clone(), tag.to_string(), "tag"),
                None => (git_ref.clone(), git_ref.trim_start_matches("refs/heads/").to_string(), "branch"),
            },
            Event::Dispatch => ("refs/heads/main".into(), "main".into(), "branch"),
        }
    }

    pub(crate) fn new(repository: &Path) -> RunOptions {
        RunOptions {
            event: Event::Dispatch,
            repository: repository.to_path_buf(),
            inputs: BTreeMap::new(),
            secrets: BTreeMap::new(),
            vars: BTreeMap::new(),
            env: BTreeMap::new(),
            time_scale: 1.0,
            reviews: BTreeMap::new(),
            scale_signal_delays: true,
            cancel_after_minutes: None,
            max_review_wait_minutes: 60.0,
            actor: "octocat".into(),
            repository_name: "octo-org/golive".into(),
            run_id: 4242,
            least_job_timeout: Duration::ZERO,
            runner_tools: Vec::new(),
        }
    }

    fn scaled(&self, minutes: f64) -> Duration {
        Duration::from_secs_f64((minutes * 60.0 / self.time_scale).max(0.0))
    }
}

#[derive(Clone, Debug)]
pub(crate) struct StepReport {
    pub(crate) name: String,
    pub(crate) id: Option<String>,
    pub(crate) outcome: Conclusion,
    pub(crate) conclusion: Conclusion,
    pub(crate) outputs: BTreeMap<String, String>,
    /// Standard output and error together, secrets masked, plus the executor's own notes.
    pub(crate) log: String,
}

#[derive(Clone, Debug)]
pub(crate) struct JobReport {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) result: Conclusion,
    pub(crate) outputs: BTreeMap<String, String>,
    pub(crate) steps: Vec<StepReport>,
    /// What the steps wrote to `GITHUB_STEP_SUMMARY`.
    pub(crate) summary: String,
    /// The executor's notes on the job (review, timeout, cancellation, why it was skipped).
    pub(crate) notes: String,
    pub(crate) workspace: Option<PathBuf>,
}

impl JobReport {
    pub(crate) fn step(&self, name_or_id: &str) -> &StepReport {
        self.steps
            .iter()
            .find(|s| s.id.as_deref() == Some(name_or_id) || s.name == name_or_id)
            .unwrap_or_else(|| panic!("job `{}` has no step `{name_or_id}`", self.id))
    }

    /// Every step's log, one after the other.
    pub(crate) fn log(&self) -> String {
        self.steps.iter().map(|s| s.log.as_str()).collect()
    }
}

#[derive(Debug)]
pub(crate) struct Report {
    /// In the order the jobs were decided (started, or skipped or cancelled before starting).
    pub(crate) jobs: Vec<JobReport>,
    pub(crate) artifacts: PathBuf,
    pub(crate) run_dir: PathBuf,
    /// The review history, as the stub `gh` serves it.
    pub(crate) reviews: Value,
}

impl Report {
    pub(crate) fn job(&self, id: &str) -> &JobReport {
        self.jobs.iter().find(|j| j.id == id).unwrap_or_else(|| panic!("no job `{id}` in the run:\n{}", self.logs()))
    }

    pub(crate) fn result(&self, id: &str) -> Conclusion {
        self.job(id).result
    }

    /// `(job id, result)` in report order.
    pub(crate) fn results(&self) -> Vec<(String, Conclusion)> {
        self.jobs.iter().map(|j| (j.id.clone(), j.result)).collect()
    }

    /// Everything, for a failing test's message.
    pub(crate) fn logs(&self) -> String {
        let mut out = format!("run directory: {}\n", self.run_dir.display());
        for job in &self.jobs {
            let _ = writeln!(out, "=== job {} ({}): {}", job.id, job.name, job.result.as_str());
            if !job.notes.is_empty() {
                let _ = write!(out, "{}", indent(&job.notes));
            }
            for (key, value) in &job.outputs {
                let _ = writeln!(out, "  output {key}={value:?}");
            }
            for step in &job.steps {
                let _ = writeln!(
                    out,
                    "--- step {}: outcome {}, conclusion {}",
                    step.name,
                    step.outcome.as_str(),
                    step.conclusion.as_str()
                );
                let _ = write!(out, "{}", indent(&step.log));
            }
            if !job.summary.is_empty() {
                let _ = writeln!(out, "--- summary");
                let _ = write!(out, "{}", indent(&job.summary));
            }
        }
        out
    }
}

fn indent(text: &str) -> String {
    text.lines().map(|line| format!("    {line}\n")).collect()
}

/// The state the scheduler and the job threads share.
struct Shared<'a> {
    workflow: &'a Workflow,
    options: &'a RunOptions,
    state: Mutex<State>,
    changed: Condvar,
    cancelled: AtomicBool,
    store: Store,
    run_dir: PathBuf,
    bin_dir: PathBuf,
    approvals_file: PathBuf,
    jobs_file: PathBuf,
    inputs: Map<String, Value>,
}

#[derive(Default)]
struct State {
    finished: BTreeMap<String, (Conclusion, BTreeMap<String, String>)>,
    reports: Vec<JobReport>,
    reviews: Vec<Value>,
}

static RUNS: AtomicU64 = AtomicU64::new(0);

/// Runs `workflow` as a `workflow_dispatch` run. An error means the executor could not run it
/// (bad inputs, a directory that cannot be made); what the jobs do is in the report.
pub(crate) fn run(workflow: &Workflow, options: &RunOptions) -> Result<Report, String> {
    let inputs = match &options.event {
        Event::Dispatch => super::input_values(workflow, &options.inputs)?,
        Event::Push(git_ref) => {
            if !options.inputs.is_empty() {
                return Err("a push gives no inputs".to_string());
            }
            let (branches, tags) =
                workflow.push.clone().ok_or("the workflow has no `on.push`: a push does not start it")?;
            let (patterns, name) = match (git_ref.strip_prefix("refs/heads/"), git_ref.strip_prefix("refs/tags/")) {
                (Some(branch), _) => (branches, branch),
                (_, Some(tag)) => (tags, tag),
                _ => return Err(format!("`{git_ref}` is neither a branch nor a tag")),
            };
            let mut matched = false;
            for pattern in &patterns {
                matched |= super::filter_matches(pattern, name)?;
            }
            if !matched {
                return Err(format!("a push of `{git_ref}` does not start the workflow (filters: {patterns:?})"));
            }
            Map::new()
        }
    };
    let run_dir = std::env::temp_dir().join(format!(
        "golivec-gha-{}-{}",
        std::process::id(),
        RUNS.fetch_add(1, Ordering::SeqCst)
    ));
    if run_dir.exists() {
        std::fs::remove_dir_all(&run_dir).map_err(|e| e.to_string())?;
    }
    let bin_dir = run_dir.join("bin");
    std::fs::create_dir_all(&bin_dir).map_err(|e| e.to_string())?;
    let approvals_file = run_dir.join("approvals.json");
    write_atomically(&approvals_file, "[]\n")?;
    let jobs_file = run_dir.join("jobs.json");
    write_atomically(&jobs_file, "{\"total_count\": 0, \"jobs\": []}\n")?;
    write_gh_stub(&bin_dir, options, &approvals_file, &jobs_file)?;
    let store = Store::new(run_dir.join("artifacts")).map_err(|e| e.to_string())?;
    let shared = Shared {
        workflow,
        options,
        state: Mutex::new(State::default()),
        changed: Condvar::new(),
        cancelled: AtomicBool::new(false),
        store,
        run_dir: run_dir.clone(),
        bin_dir,
        approvals_file,
        jobs_file,
        inputs,
    };
    let start = Instant::now();
    let cancel_at = options.cancel_after_minutes.map(|m| options.scaled(m));
    std::thread::scope(|scope| {
        let mut pending: Vec<&Job> = workflow.jobs.iter().collect();
        let mut state = shared.state.lock().expect("state lock");
        loop {
            if cancel_at.is_some_and(|at| start.elapsed() >= at) && !shared.cancelled.swap(true, Ordering::SeqCst) {
                shared.changed.notify_all();
            }
            let cancelled = shared.cancelled.load(Ordering::SeqCst);
            let mut index = 0;
            while index < pending.len() {
                let job = pending[index];
                if !job.needs.iter().all(|need| state.finished.contains_key(need)) {
                    index += 1;
                    continue;
                }
                pending.remove(index);
                match shared.job_condition(job, &state.finished, cancelled) {
                    Ok(true) => {
                        let shared = &shared;
                        state.reports.push(JobReport {
                            id: job.id.clone(),
                            name: job.id.clone(),
                            result: Conclusion::Skipped,
                            outputs: BTreeMap::new(),
                            steps: Vec::new(),
                            summary: String::new(),
                            notes: "running\n".into(),
                            workspace: None,
                        });
                        shared.write_jobs(&state);
                        scope.spawn(move || {
                            let report = shared.run_job(job);
                            let mut state = shared.state.lock().expect("state lock");
                            state.finished.insert(job.id.clone(), (report.result, report.outputs.clone()));
                            if let Some(slot) = state.reports.iter_mut().find(|r| r.id == report.id) {
                                *slot = report;
                            }
                            shared.write_jobs(&state);
                            shared.changed.notify_all();
                        });
                    }
                    decided => {
                        let (result, notes) = match decided {
                            Ok(_) if cancelled => {
                                (Conclusion::Cancelled, "not started: the run was cancelled\n".to_string())
                            }
                            Ok(_) => (Conclusion::Skipped, "skipped: its `if` is false\n".to_string()),
                            Err(error) => (Conclusion::Failure, format!("its `if` could not be evaluated: {error}\n")),
                        };
                        state.finished.insert(job.id.clone(), (result, BTreeMap::new()));
                        state.reports.push(JobReport {
                            id: job.id.clone(),
                            name: job.name.clone().unwrap_or_else(|| job.id.clone()),
                            result,
                            outputs: BTreeMap::new(),
                            steps: Vec::new(),
                            summary: String::new(),
                            notes,
                            workspace: None,
                        });
                        shared.write_jobs(&state);
                    }
                }
            }
            if state.finished.len() == workflow.jobs.len() {
                break;
            }
            state = shared.changed.wait_timeout(state, Duration::from_millis(5)).expect("state lock").0;
        }
        drop(state);
    });
    let state = shared.state.into_inner().expect("state lock");
    Ok(Report {
        jobs: state.reports,
        artifacts: shared.store.dir.clone(),
        run_dir,
        reviews: Value::Array(state.reviews),
    })
}

/// Every job `job` needs, directly or not.
fn ancestors<'a>(workflow: &'a Workflow, job: &'a Job) -> Vec<&'a str> {
    let mut found: Vec<&str> = Vec::new();
    let mut queue: Vec<&str> = job.needs.iter().map(String::as_str).collect();
    while let Some(id) = queue.pop() {
        if !found.contains(&id) {
            found.push(id);
            if let Some(other) = workflow.jobs.iter().find(|j| j.id == id) {
                queue.extend(other.needs.iter().map(String::as_str));
            }
        }
    }
    found
}

/// Evaluates an `if:`: `None` holds (`success()`); without a status function the condition is
/// `success() && (...)`.
fn holds(
    condition: Option<&str>,
    contexts: &[&str],
    values: &Map<String, Value>,
    status: Status,
) -> Result<bool, String> {
    let Some(text) = condition else { return Ok(status.success) };
    match super::condition(text, contexts)? {
        Condition::Expression(expression) => {
            let value = expr::truthy(&expr::eval(&expression, values, status)?);
            Ok(if expr::has_status_function(&expression) { value } else { status.success && value })
        }
        Condition::Template(template) => {
            Ok(status.success && !interpolate(&template, contexts, values, status)?.is_empty())
        }
    }
}

/// `text` with each `${{ }}` replaced by its value as a string.
fn interpolate(text: &str, contexts: &[&str], values: &Map<String, Value>, status: Status) -> Result<String, String> {
    let mut out = String::new();
    for (literal, expression) in expr::split_template(text)? {
        out.push_str(&literal);
        if let Some(expression) = expression {
            out.push_str(&expr::to_text(&expr::eval(&expr::parse(&expression, contexts)?, values, status)?));
        }
    }
    Ok(out)
}

fn write_atomically(path: &Path, text: &str) -> Result<(), String> {
    let temp = path.with_extension("tmp");
    std::fs::write(&temp, text).map_err(|e| format!("{}: {e}", temp.display()))?;
    std::fs::rename(&temp, path).map_err(|e| format!("{}: {e}", path.display()))
}

fn write_gh_stub(bin_dir: &Path, options: &RunOptions, approvals: &Path, jobs: &Path) -> Result<(), String> {
    let run = format!("repos/{}/actions/runs/{}", options.repository_name, options.run_id);
    let script = format!(
        r#"#!/usr/bin/env bash
# A stub of the GitHub CLI written by the workflow test executor (tests/it/gha/run.rs). It
# answers two requests: `gh api [/]{run}/approvals` with the run's review history (REST "Get the
# review history for a workflow run") and `gh api [/]{run}/jobs` with its jobs (REST "List jobs
# for a workflow run"), as plain JSON; anything else fails.
set -euo pipefail
if [ "${{1:-}}" != api ]; then echo "gh (test stub): only 'gh api' is implemented: $*" >&2; exit 2; fi
shift
path=""
while [ $# -gt 0 ]; do
  case "$1" in
    -H|--header) shift 2 ;;
    -X|--method)
      if [ "${{2:-}}" != GET ]; then echo "gh (test stub): only GET is implemented" >&2; exit 2; fi
      shift 2 ;;
    -*) echo "gh (test stub): option $1 is not implemented" >&2; exit 2 ;;
    *)
      if [ -n "$path" ]; then echo "gh (test stub): one endpoint only" >&2; exit 2; fi
      path="$1"; shift ;;
  esac
done
path="${{path#/}}"
case "${{path%%\?*}}" in
  '{run}/approvals') cat '{approvals}' ;;
  '{run}/jobs') cat '{jobs}' ;;
  *) echo "gh (test stub): no answer for '$path'" >&2; echo '{{"message":"Not Found","status":"404"}}'; exit 1 ;;
esac
"#,
        approvals = approvals.display(),
        jobs = jobs.display()
    );
    let path = bin_dir.join("gh");
    std::fs::write(&path, script).map_err(|e| e.to_string())?;
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).map_err(|e| e.to_string())
}

/// How a step's process ended.
enum Ended {
    Exited(i32),
    /// Past the step's own `timeout-minutes`.
    TimedOut,
    /// The job was cancelled (run cancelled, or the job's timeout) while it ran.
    Cancelled,
}

/// Why a job is being cancelled.
#[derive(Clone, Copy, PartialEq)]
enum Stop {
    RunCancelled,
    JobTimedOut,
}

struct JobRun<'a> {
    shared: &'a Shared<'a>,
    job: &'a Job,
    deadline: Instant,
    /// The job's `if` still holds once the run is cancelled (`always()`): it goes on.
    survives_cancel: bool,
    stopped: Option<Stop>,
    stopped_at: Option<Instant>,
    failed: bool,
    notes: String,
    pgids: Vec<u32>,
}

impl JobRun<'_> {
    /// Whether the job is cancelled now (and records why, once).
    fn check_stop(&mut self) -> bool {
        if self.stopped.is_none() {
            if Instant::now() >= self.deadline {
                self.stopped = Some(Stop::JobTimedOut);
                let _ = writeln!(
                    self.notes,
                    "The job has exceeded the maximum execution time of {}m",
                    self.job.timeout_minutes
                );
            } else if self.shared.cancelled.load(Ordering::SeqCst) && !self.survives_cancel {
                self.stopped = Some(Stop::RunCancelled);
                let _ = writeln!(self.notes, "The run was cancelled");
            }
            if self.stopped.is_some() {
                self.stopped_at = Some(Instant::now());
            }
        }
        self.stopped.is_some()
    }

    fn status(&self) -> Status {
        let cancelled = self.stopped.is_some();
        Status { success: !self.failed && !cancelled, failure: self.failed, cancelled }
    }
}

impl Shared<'_> {
    fn github(&self, job: &Job, workspace: &Path) -> Value {
        let o = self.options;
        let owner = o.repository_name.split('/').next().unwrap_or_default();
        let event_inputs: Map<String, Value> =
            self.inputs.iter().map(|(k, v)| (k.clone(), Value::String(expr::to_text(v)))).collect();
        let (git_ref, ref_name, ref_type) = o.git_ref();
        json!({
            "actor": o.actor, "triggering_actor": o.actor,
            "repository": o.repository_name, "repository_owner": owner,
            "run_id": o.run_id.to_string(), "run_number": "1", "run_attempt": "1",
            "event_name": o.event_name(),
            // "github.event.inputs": the inputs as strings (booleans too).
            "event": {"inputs": event_inputs},
            "ref": git_ref, "ref_name": ref_name, "ref_type": ref_type,
            "sha": "0000000000000000000000000000000000000000",
            "workflow": self.workflow.name, "job": job.id,
            "workspace": workspace.to_string_lossy(),
            "server_url": "https://github.com", "api_url": "https://api.github.com",
            "retention_days": "90",
        })
    }

    fn base_values(
        &self,
        job: &Job,
        workspace: &Path,
        finished: &BTreeMap<String, (Conclusion, BTreeMap<String, String>)>,
    ) -> Map<String, Value> {
        let mut needs = Map::new();
        for need in &job.needs {
            let (result, outputs) = finished.get(need).cloned().unwrap_or((Conclusion::Skipped, BTreeMap::new()));
            needs.insert(need.clone(), json!({"result": result.as_str(), "outputs": outputs}));
        }
        let mut values = Map::new();
        values.insert("github".into(), self.github(job, workspace));
        values.insert("inputs".into(), Value::Object(self.inputs.clone()));
        values.insert("vars".into(), json!(self.options.vars));
        values.insert("secrets".into(), json!(self.options.secrets));
        values.insert("needs".into(), Value::Object(needs));
        values
    }

    /// The job's `if`, given its ancestors' results.
    fn job_condition(
        &self,
        job: &Job,
        finished: &BTreeMap<String, (Conclusion, BTreeMap<String, String>)>,
        cancelled: bool,
    ) -> Result<bool, String> {
        let results: Vec<Conclusion> = ancestors(self.workflow, job)
            .iter()
            .map(|id| finished.get(*id).map_or(Conclusion::Skipped, |(result, _)| *result))
            .collect();
        let status = Status {
            success: !cancelled && results.iter().all(|r| *r == Conclusion::Success),
            failure: results.contains(&Conclusion::Failure),
            cancelled,
        };
        let values = self.base_values(job, Path::new(""), finished);
        holds(job.condition.as_deref(), super::JOB_IF, &values, status)
    }

    fn record_review(&self, environment: &str, state: &str, login: &str) -> Result<(), String> {
        let o = self.options;
        let mut shared = self.state.lock().expect("state lock");
        let id = 1000 + shared.reviews.len();
        shared.reviews.push(json!({
            "environments": [{
                "id": id, "node_id": format!("EN_{id}"), "name": environment,
                "url": format!("https://api.github.com/repos/{}/environments/{environment}", o.repository_name),
                "html_url": format!("https://github.com/{}/deployments/activity_log?environments_filter={environment}", o.repository_name),
                "created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-01T00:00:00Z",
            }],
            "state": state,
            "user": {"login": login, "id": 1, "type": "User", "site_admin": false},
            "comment": "",
        }));
        let text = serde_json::to_string_pretty(&shared.reviews).map_err(|e| e.to_string())?;
        write_atomically(&self.approvals_file, &(text + "\n"))
    }

    /// Waits for the scripted review of `environment`: `Ok(None)` approved (or unprotected),
    /// `Ok(Some(result))` the job ends with `result` without running.
    fn await_review(&self, environment: &str, notes: &mut String) -> Result<Option<Conclusion>, String> {
        let Some(review) = self.options.reviews.get(environment) else { return Ok(None) };
        let _ = writeln!(notes, "Waiting for a review to deploy to {environment}");
        let start = Instant::now();
        let (decision, at) = match review {
            Review::Approve { login, after_minutes } => {
                (Some(("approved", login.as_str())), self.options.scaled(*after_minutes))
            }
            Review::Reject { login, after_minutes } => {
                (Some(("rejected", login.as_str())), self.options.scaled(*after_minutes))
            }
            Review::Never => (None, self.options.scaled(self.options.max_review_wait_minutes)),
        };
        while start.elapsed() < at {
            if self.cancelled.load(Ordering::SeqCst) {
                let _ = writeln!(notes, "The run was cancelled while the job waited for a review");
                return Ok(Some(Conclusion::Cancelled));
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        match decision {
            Some((state, login)) => {
                self.record_review(environment, state, login)?;
                let _ = writeln!(notes, "{login} {state} the deployment to {environment}");
                Ok(if state == "approved" { None } else { Some(Conclusion::Failure) })
            }
            None => {
                let _ = writeln!(notes, "Nobody reviewed the deployment to {environment}: gave up");
                Ok(Some(Conclusion::Failure))
            }
        }
    }

    /// The run's jobs as the REST API lists them, for the stub `gh`: started jobs, `completed`
    /// with their conclusion once finished.
    fn write_jobs(&self, state: &State) {
        let jobs: Vec<Value> = state
            .reports
            .iter()
            .enumerate()
            .map(|(index, report)| match state.finished.get(&report.id) {
                Some((conclusion, _)) => json!({
                    "id": index + 1, "name": report.name, "status": "completed", "conclusion": conclusion.as_str(),
                }),
                None => json!({ "id": index + 1, "name": report.name, "status": "in_progress", "conclusion": null }),
            })
            .collect();
        let text = json!({ "total_count": jobs.len(), "jobs": jobs }).to_string();
        // A failed write leaves the last list, which the stub serves: never a torn file.
        let _ = write_atomically(&self.jobs_file, &(text + "\n"));
    }

    fn run_job(&self, job: &Job) -> JobReport {
        let job_dir = self.run_dir.join("jobs").join(&job.id);
        let workspace = job_dir.join("workspace");
        let mut report = JobReport {
            id: job.id.clone(),
            name: job.id.clone(),
            result: Conclusion::Failure,
            outputs: BTreeMap::new(),
            steps: Vec::new(),
            summary: String::new(),
            notes: String::new(),
            workspace: Some(workspace.clone()),
        };
        if let Err(error) = self.run_job_inner(job, &job_dir, &workspace, &mut report) {
            let _ = writeln!(report.notes, "executor error: {error}");
            report.result = Conclusion::Failure;
        }
        report
    }

    fn run_job_inner(&self, job: &Job, job_dir: &Path, workspace: &Path, report: &mut JobReport) -> Result<(), String> {
        let finished = self.state.lock().expect("state lock").finished.clone();
        let mut values = self.base_values(job, workspace, &finished);
        let plain = Status { success: true, failure: false, cancelled: false };
        if let Some(name) = &job.name {
            report.name = interpolate(name, super::JOB_NAME, &values, plain)?;
        }
        // The job's `if`, once the run is cancelled: does the job go on?
        let status_if_cancelled = {
            let results: Vec<Conclusion> = ancestors(self.workflow, job)
                .iter()
                .map(|id| finished.get(*id).map_or(Conclusion::Skipped, |(r, _)| *r))
                .collect();
            Status { success: false, failure: results.contains(&Conclusion::Failure), cancelled: true }
        };
        let survives_cancel = holds(job.condition.as_deref(), super::JOB_IF, &values, status_if_cancelled)?;
        if let Some(environment) = &job.environment {
            let environment = interpolate(environment, super::JOB_ENVIRONMENT, &values, plain)?;
            if let Some(result) = self.await_review(&environment, &mut report.notes)? {
                report.result = result;
                return Ok(());
            }
        }
        let temp = job_dir.join("temp");
        let files = job_dir.join("files");
        for dir in [workspace, &temp, &files, &job_dir.join("home")] {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        // The env context: the workflow's, then the job's (each interpolated where it is).
        let mut env: BTreeMap<String, String> = BTreeMap::new();
        for (key, value) in &self.workflow.env {
            env.insert(key.clone(), interpolate(value, super::WORKFLOW_ENV, &values, plain)?);
        }
        for (key, value) in &job.env {
            env.insert(key.clone(), interpolate(value, super::JOB_ENV, &values, plain)?);
        }
        values.insert("job".into(), json!({"status": "success"}));
        values.insert(
            "runner".into(),
            json!({"os": "Linux", "arch": "X64", "temp": temp.to_string_lossy(), "name": "golivec-test"}),
        );
        let mut run = JobRun {
            shared: self,
            job,
            deadline: Instant::now() + self.options.scaled(job.timeout_minutes).max(self.options.least_job_timeout),
            survives_cancel,
            stopped: None,
            stopped_at: None,
            failed: false,
            notes: String::new(),
            pgids: Vec::new(),
        };
        let mut steps_context = Map::new();
        let mut extra_path: Vec<String> = Vec::new();
        for (index, step) in job.steps.iter().enumerate() {
            run.check_stop();
            let mut step_env = env.clone();
            let mut step_values = values.clone();
            step_values.insert("steps".into(), Value::Object(steps_context.clone()));
            step_values.insert("env".into(), json!(step_env));
            let status = run.status();
            step_values.insert("job".into(), json!({"status": if status.cancelled { "cancelled" } else if status.failure { "failure" } else { "success" }}));
            let mut step_report = StepReport {
                name: step.display_name(),
                id: step.id.clone(),
                outcome: Conclusion::Skipped,
                conclusion: Conclusion::Skipped,
                outputs: BTreeMap::new(),
                log: String::new(),
            };
            let runs = match holds(step.condition.as_deref(), super::STEP_IF, &step_values, status) {
                Ok(runs) => runs,
                Err(error) => {
                    step_report.log = format!("The step's `if` could not be evaluated: {error}\n");
                    step_report.outcome = Conclusion::Failure;
                    step_report.conclusion = Conclusion::Failure;
                    run.failed = true;
                    report.steps.push(step_report);
                    continue;
                }
            };
            if runs {
                if let Some(name) = &step.name {
                    step_report.name =
                        interpolate(name, super::STEP, &step_values, status).unwrap_or_else(|_| name.clone());
                }
                // actions/runner StepsRunner: on the job's cancellation the running step's `if`
                // is evaluated again, and a step whose `if` still holds (`always()`) is not
                // cancelled; steps started after it run when their `if` holds.
                let survives = holds(
                    step.condition.as_deref(),
                    super::STEP_IF,
                    &step_values,
                    Status { success: false, failure: run.failed, cancelled: true },
                )
                .unwrap_or(false);
                let outcome = self.run_step(
                    &mut run,
                    survives,
                    step,
                    index,
                    &mut step_values,
                    &mut step_env,
                    &mut env,
                    &mut extra_path,
                    &temp,
                    &files,
                    workspace,
                    &mut step_report,
                    report,
                );
                step_report.outcome = outcome;
                step_report.conclusion = if outcome == Conclusion::Failure && step.continue_on_error {
                    Conclusion::Success
                } else {
                    outcome
                };
                if step_report.conclusion == Conclusion::Failure {
                    run.failed = true;
                }
                step_report.log = self.mask(&step_report.log);
            }
            if let Some(id) = &step.id {
                steps_context.insert(
                    id.clone(),
                    json!({"outputs": step_report.outputs, "outcome": step_report.outcome.as_str(), "conclusion": step_report.conclusion.as_str()}),
                );
            }
            report.steps.push(step_report);
        }
        for pgid in &run.pgids {
            // The runner ends a job's leftover processes when the job ends.
            signal(&format!("-{pgid}"), "KILL");
        }
        report.result = if run.stopped.is_some() {
            Conclusion::Cancelled
        } else if run.failed {
            Conclusion::Failure
        } else {
            Conclusion::Success
        };
        report.notes.push_str(&run.notes);
        // Job outputs are evaluated at the end of the job ("jobs.<job_id>.outputs").
        values.insert("steps".into(), Value::Object(steps_context));
        values.insert("env".into(), json!(env));
        for (key, template) in &job.outputs {
            match interpolate(template, super::JOB_OUTPUTS, &values, run.status()) {
                Ok(value) => {
                    report.outputs.insert(key.clone(), value);
                }
                Err(error) => {
                    let _ = writeln!(report.notes, "output {key}: {error}");
                    report.result = Conclusion::Failure;
                }
            }
        }
        Ok(())
    }

    fn mask(&self, text: &str) -> String {
        let mut text = text.to_string();
        for secret in self.options.secrets.values().filter(|s| !s.is_empty()) {
            text = text.replace(secret.as_str(), "***");
        }
        text
    }

    /// Runs one step whose `if` held; returns its outcome.
    #[allow(clippy::too_many_arguments)]
    fn run_step(
        &self,
        run: &mut JobRun<'_>,
        survives: bool,
        step: &Step,
        index: usize,
        values: &mut Map<String, Value>,
        step_env: &mut BTreeMap<String, String>,
        job_env: &mut BTreeMap<String, String>,
        extra_path: &mut Vec<String>,
        temp: &Path,
        files: &Path,
        workspace: &Path,
        out: &mut StepReport,
        report: &mut JobReport,
    ) -> Conclusion {
        let status = run.status();
        // The step's own env, evaluated with the env context so far, then visible to the rest.
        for (key, value) in &step.env {
            match interpolate(value, super::STEP, values, status) {
                Ok(value) => {
                    step_env.insert(key.clone(), value);
                }
                Err(error) => {
                    out.log.push_str(&format!("{error}\n"));
                    return Conclusion::Failure;
                }
            }
        }
        values.insert("env".into(), json!(step_env));
        let with = |with: &Vec<(String, String)>| -> Result<BTreeMap<String, String>, String> {
            with.iter().map(|(k, v)| Ok((k.clone(), interpolate(v, super::STEP, values, status)?))).collect()
        };
        let result = match &step.action {
            Action::Checkout { with: inputs } => {
                with(inputs).and_then(|_| checkout(&self.options.repository, workspace)).map(|log| (log, Vec::new()))
            }
            Action::Upload { with: inputs } => with(inputs)
                .and_then(|inputs| self.store.upload(workspace, &inputs))
                .map(|done| (done.log, done.outputs)),
            Action::Download { with: inputs } => with(inputs)
                .and_then(|inputs| self.store.download(workspace, &inputs))
                .map(|done| (done.log, done.outputs)),
            Action::Run { script, shell } => {
                return match interpolate(script, super::STEP, values, status) {
                    Ok(script) => self.run_script(
                        run, survives, step, index, &script, shell, step_env, job_env, extra_path, temp, files,
                        workspace, out, report,
                    ),
                    Err(error) => {
                        out.log.push_str(&format!("{error}\n"));
                        Conclusion::Failure
                    }
                };
            }
        };
        match result {
            Ok((log, outputs)) => {
                out.log.push_str(&log);
                out.outputs.extend(outputs);
                Conclusion::Success
            }
            Err(error) => {
                out.log.push_str(&format!("Error: {error}\n"));
                Conclusion::Failure
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn run_script(
        &self,
        run: &mut JobRun<'_>,
        survives: bool,
        step: &Step,
        index: usize,
        script: &str,
        shell: &[String],
        step_env: &BTreeMap<String, String>,
        job_env: &mut BTreeMap<String, String>,
        extra_path: &mut Vec<String>,
        temp: &Path,
        files: &Path,
        workspace: &Path,
        out: &mut StepReport,
        report: &mut JobReport,
    ) -> Conclusion {
        let script_path = temp.join(format!("step-{index}.sh"));
        let file = |name: &str| files.join(format!("{name}_{index}"));
        let (output_file, env_file, path_file, summary_file) =
            (file("output"), file("env"), file("path"), file("step_summary"));
        let log_path = files.join(format!("log_{index}"));
        let prepared = (|| -> std::io::Result<(std::fs::File, std::fs::File)> {
            std::fs::write(&script_path, script)?;
            for f in [&output_file, &env_file, &path_file, &summary_file] {
                std::fs::write(f, "")?;
            }
            let log = std::fs::File::create(&log_path)?;
            let err = log.try_clone()?;
            Ok((log, err))
        })();
        let (stdout, stderr) = match prepared {
            Ok(pair) => pair,
            Err(error) => {
                out.log.push_str(&format!("executor: {error}\n"));
                return Conclusion::Failure;
            }
        };
        let o = self.options;
        let inherited = std::env::var("PATH").unwrap_or_else(|_| "/usr/local/bin:/usr/bin:/bin".into());
        let mut path: Vec<String> =
            self.options.runner_tools.iter().map(|tools| tools.to_string_lossy().into_owned()).collect();
        path.push(self.bin_dir.to_string_lossy().into_owned());
        path.extend(extra_path.iter().rev().cloned());
        path.push(inherited);
        // Signals at their defaults, as on a runner: a test process started as a shell's
        // background job ignores SIGINT, and a step's bash could not trap it.
        let mut command = Command::new("env");
        command.arg("--default-signal").arg(&shell[0]);
        let script_arg = script_path.to_string_lossy().into_owned();
        command.args(shell[1..].iter().map(|a| if a == "{0}" { script_arg.clone() } else { a.clone() }));
        command.current_dir(workspace).env_clear().stdin(Stdio::null()).stdout(stdout).stderr(stderr);
        use std::os::unix::process::CommandExt;
        command.process_group(0);
        command.env("PATH", path.join(":")).env("HOME", temp.parent().unwrap_or(temp).join("home"));
        if let Ok(lang) = std::env::var("LANG") {
            command.env("LANG", lang);
        }
        command.envs(&o.env);
        // "Variables reference", default environment variables.
        let owner = o.repository_name.split('/').next().unwrap_or_default();
        let defaults = [
            ("CI", "true".to_string()),
            ("GITHUB_ACTIONS", "true".into()),
            ("GITHUB_WORKSPACE", workspace.to_string_lossy().into_owned()),
            ("GITHUB_ACTOR", o.actor.clone()),
            ("GITHUB_TRIGGERING_ACTOR", o.actor.clone()),
            ("GITHUB_REPOSITORY", o.repository_name.clone()),
            ("GITHUB_REPOSITORY_OWNER", owner.to_string()),
            ("GITHUB_RUN_ID", o.run_id.to_string()),
            ("GITHUB_RUN_NUMBER", "1".into()),
            ("GITHUB_RUN_ATTEMPT", "1".into()),
            ("GITHUB_EVENT_NAME", o.event_name().into()),
            ("GITHUB_REF", o.git_ref().0),
            ("GITHUB_REF_NAME", o.git_ref().1),
            ("GITHUB_SHA", "0000000000000000000000000000000000000000".into()),
            ("GITHUB_JOB", run.job.id.clone()),
            ("GITHUB_WORKFLOW", self.workflow.name.clone()),
            ("GITHUB_ACTION", step.id.clone().unwrap_or_else(|| format!("__run_{index}"))),
            ("GITHUB_SERVER_URL", "https://github.com".into()),
            ("GITHUB_API_URL", "https://api.github.com".into()),
            ("RUNNER_OS", "Linux".into()),
            ("RUNNER_ARCH", "X64".into()),
            ("RUNNER_TEMP", temp.to_string_lossy().into_owned()),
            ("GITHUB_OUTPUT", output_file.to_string_lossy().into_owned()),
            ("GITHUB_ENV", env_file.to_string_lossy().into_owned()),
            ("GITHUB_PATH", path_file.to_string_lossy().into_owned()),
            ("GITHUB_STEP_SUMMARY", summary_file.to_string_lossy().into_owned()),
        ];
        command.envs(defaults);
        command.envs(step_env);
        let child = match command.spawn() {
            Ok(child) => child,
            Err(error) => {
                out.log.push_str(&format!("executor: cannot start {}: {error}\n", shell[0]));
                return Conclusion::Failure;
            }
        };
        run.pgids.push(child.id());
        let step_deadline = step.timeout_minutes.map(|m| Instant::now() + o.scaled(m));
        let ended = self.supervise(run, survives, child, step_deadline);
        out.log.push_str(&std::fs::read_to_string(&log_path).unwrap_or_default());
        // File commands are processed after the step, whatever its result.
        let mut outcome = match ended {
            Ended::Exited(0) => Conclusion::Success,
            Ended::Exited(code) => {
                out.log.push_str(&format!("Error: Process completed with exit code {code}.\n"));
                Conclusion::Failure
            }
            Ended::TimedOut => {
                out.log.push_str(&format!(
                    "Error: The action '{}' has timed out after {} minutes.\n",
                    step.display_name(),
                    step.timeout_minutes.unwrap_or_default()
                ));
                Conclusion::Failure
            }
            Ended::Cancelled => {
                out.log.push_str("Error: The operation was canceled.\n");
                Conclusion::Cancelled
            }
        };
        match read_commands(&output_file) {
            Ok(pairs) => out.outputs.extend(pairs),
            Err(error) => {
                out.log.push_str(&format!("Error: GITHUB_OUTPUT: {error}\n"));
                outcome = Conclusion::Failure;
            }
        }
        match read_commands(&env_file) {
            Ok(pairs) => job_env.extend(pairs),
            Err(error) => {
                out.log.push_str(&format!("Error: GITHUB_ENV: {error}\n"));
                outcome = Conclusion::Failure;
            }
        }
        let added = std::fs::read_to_string(&path_file).unwrap_or_default();
        extra_path.extend(added.lines().filter(|l| !l.trim().is_empty()).map(str::to_string));
        report.summary.push_str(&std::fs::read_to_string(&summary_file).unwrap_or_default());
        outcome
    }

    /// Waits for the step's process, stopping it on the step's timeout or the job's
    /// cancellation the way the runner does.
    /// A step whose `if` holds once the job is cancelled (`survives`) goes on, until the
    /// server's "5 minute cancellation timeout period" ("Workflow cancellation reference").
    fn supervise(
        &self,
        run: &mut JobRun<'_>,
        survives: bool,
        mut child: Child,
        step_deadline: Option<Instant>,
    ) -> Ended {
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                use std::os::unix::process::ExitStatusExt;
                return Ended::Exited(status.code().unwrap_or_else(|| 128 + status.signal().unwrap_or(0)));
            }
            if step_deadline.is_some_and(|d| Instant::now() >= d) {
                self.cancel_process(&mut child);
                return Ended::TimedOut;
            }
            let forced = run.stopped_at.is_some_and(|at| at.elapsed() >= self.options.scaled(5.0));
            if run.check_stop() && (!survives || forced) {
                self.cancel_process(&mut child);
                return Ended::Cancelled;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// actions/runner `ProcessInvoker.CancelAndKillProcessTree`: SIGINT to the process, 7500 ms,
    /// SIGTERM, 2500 ms, then kill the tree (here: the step's process group), the waits scaled
    /// unless `scale_signal_delays` is false.
    fn cancel_process(&self, child: &mut Child) {
        let pid = child.id().to_string();
        for (signal_name, wait_ms) in [("INT", 7500.0), ("TERM", 2500.0)] {
            signal(&pid, signal_name);
            let scale = if self.options.scale_signal_delays { self.options.time_scale } else { 1.0 };
            let until = Instant::now() + Duration::from_secs_f64(wait_ms / 1000.0 / scale);
            while Instant::now() < until {
                if let Ok(Some(_)) = child.try_wait() {
                    signal(&format!("-{pid}"), "KILL");
                    return;
                }
                std::thread::sleep(Duration::from_millis(1));
            }
        }
        signal(&format!("-{pid}"), "KILL");
        let _ = child.wait();
    }
}

/// Sends a signal with kill(1): `target` is a pid, or `-pgid` for a process group.
fn signal(target: &str, name: &str) {
    let _ = Command::new("kill").args(["-s", name, "--", target]).stdout(Stdio::null()).stderr(Stdio::null()).status();
}

/// `actions/checkout`: the repository's files in the job's fresh workspace.
fn checkout(repository: &Path, workspace: &Path) -> Result<String, String> {
    fn copy(from: &Path, to: &Path) -> std::io::Result<usize> {
        let mut count = 0;
        std::fs::create_dir_all(to)?;
        for entry in std::fs::read_dir(from)? {
            let entry = entry?;
            let target = to.join(entry.file_name());
            if entry.file_type()?.is_dir() {
                count += copy(&entry.path(), &target)?;
            } else {
                std::fs::copy(entry.path(), &target)?;
                count += 1;
            }
        }
        Ok(count)
    }
    let count = copy(repository, workspace).map_err(|e| format!("checkout of {}: {e}", repository.display()))?;
    Ok(format!("Checked out {count} file(s) from {} into {}\n", repository.display(), workspace.display()))
}

/// The `name=value` and `name<<DELIMITER` lines of a `GITHUB_OUTPUT` or `GITHUB_ENV` file
/// ("Workflow commands", "Multiline strings").
fn read_commands(path: &Path) -> Result<Vec<(String, String)>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let mut pairs = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if line.trim().is_empty() {
            continue;
        }
        let heredoc = line.find("<<");
        let equals = line.find('=');
        match (heredoc, equals) {
            (Some(h), e) if e.is_none_or(|e| h < e) => {
                let (name, delimiter) = (&line[..h], &line[h + 2..]);
                let mut value: Vec<&str> = Vec::new();
                loop {
                    match lines.next() {
                        Some(next) if next == delimiter => break,
                        Some(next) => value.push(next),
                        None => return Err(format!("Matching delimiter not found '{delimiter}'")),
                    }
                }
                pairs.push((name.to_string(), value.join("\n")));
            }
            (_, Some(e)) => pairs.push((line[..e].to_string(), line[e + 1..].to_string())),
            _ => return Err(format!("Invalid format '{line}'")),
        }
    }
    Ok(pairs)
}
