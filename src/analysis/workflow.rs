//! What the workflow target makes of a plan, decided on the model, once, for the emitter and
//! for the diagnostics about it: the GitHub environment each node's job runs in, the jobs, and
//! the limits of GitHub Actions the plan runs into (W1002 to W1005, W1007).

use super::timeline::Schedule;
use super::{format_duration, format_offset};
use crate::diag::{Code, Diagnostic};
use crate::model::{EnvId, Model, NodeId, NodeKind, RoleId, StepKind};

/// GitHub stops a job after six hours.
pub const MAX_JOB_MINUTES: u64 = 360;
/// GitHub cancels a workflow run after 35 days.
pub const MAX_RUN_MS: u64 = 35 * 24 * 3_600_000;
/// A GitHub environment takes at most six required reviewers.
pub const MAX_REVIEWERS: usize = 6;
/// Added to each job's time: setting up the runner, and the runbook's own rollback.
pub const JOB_SETUP_MINUTES: u64 = 15;
/// The longest a slice of a job runs before the runbook stops at a safe point (exit 7) and the
/// next job in the chain goes on: 5h30m, leaving the rest of GitHub's 6 hours to set up, move
/// the state and finish a command that was running.
pub const SLICE_MINUTES: u64 = 330;
/// The most slices a job is given: 35 days of 5h30m slices, GitHub's limit of a workflow run
/// (W1003 reports a longer plan).
pub const MAX_SLICES: u64 = MAX_RUN_MS.div_ceil(SLICE_MINUTES * 60_000);

/// The GitHub environment a job runs in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Environment {
    /// The node's env.
    Env(EnvId),
    /// A gate's own environment: made for a gate with an `approve` step and no env, its
    /// reviewers are the roles its `approve` steps name.
    Gate(NodeId),
}

impl Environment {
    /// Its name in the workflow and in the checklist's set-up commands.
    pub fn name(self, model: &Model) -> String {
        match self {
            Environment::Env(env) => model.envs[env.0].name.to_string(),
            Environment::Gate(node) => format!("{}-{}", model.plan.name, model.nodes[node.0].name),
        }
    }

    /// Its required reviewers: the env's `approval` roles in order, or the roles a gate's
    /// `approve` steps name, by name; each once.
    pub fn reviewers(self, model: &Model) -> Vec<RoleId> {
        let mut roles: Vec<RoleId> = match self {
            Environment::Env(env) => model.envs[env.0].approvals.clone(),
            Environment::Gate(node) => {
                let mut roles: Vec<RoleId> = super::steps(&model.nodes[node.0].items)
                    .filter_map(|step| match &step.kind {
                        StepKind::Approve { roles, .. } => Some(roles.iter().copied()),
                        _ => None,
                    })
                    .flatten()
                    .collect();
                roles.sort_by(|a, b| model.roles[a.0].name.cmp(&model.roles[b.0].name));
                roles
            }
        };
        let mut seen = std::collections::HashSet::new();
        roles.retain(|role| seen.insert(*role));
        roles
    }

    /// Whether GitHub holds its jobs until a reviewer approves.
    pub fn has_reviewers(self, model: &Model) -> bool {
        match self {
            Environment::Env(env) => !model.envs[env.0].approvals.is_empty(),
            // Made only for a gate with an `approve` step, which names at least one role.
            Environment::Gate(_) => true,
        }
    }
}

/// The environment a node's job runs in: its env, or a gate's own environment for a gate with
/// an `approve` step and no env; none otherwise.
pub fn environment(model: &Model, node: NodeId) -> Option<Environment> {
    let declared = &model.nodes[node.0];
    match declared.env {
        Some(env) => Some(Environment::Env(env)),
        None if declared.kind == NodeKind::Gate
            && super::steps(&declared.items).any(|step| matches!(step.kind, StepKind::Approve { .. })) =>
        {
            Some(Environment::Gate(node))
        }
        None => None,
    }
}

/// An environment made only to gather one more approval of a job: GitHub asks one reviewer
/// per environment, so a job whose `approve` needs N approvals waits for its own environment
/// and N - 1 of these, each the environment of a job that only waits for its review.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuorumEnvironment {
    /// `PLAN-NODE-K` (K from 2), NODE the job's first node: one set per job.
    pub name: String,
    /// Which approval it gathers (2, 3, ...) of how many.
    pub number: usize,
    pub of: usize,
    /// The job's environment's reviewers, and every role its `approve` steps name, by name;
    /// each once.
    pub reviewers: Vec<RoleId>,
}

/// One job of the workflow.
#[derive(Clone, Debug)]
pub struct Job {
    /// Its nodes, in order; the job is named after the first.
    pub nodes: Vec<NodeId>,
    pub environment: Option<Environment>,
    /// The more environments its first slice waits for, one more approval each (see
    /// [`QuorumEnvironment`]); empty when one approval is enough.
    pub quorum: Vec<QuorumEnvironment>,
    /// The longest it may run, in minutes: its nodes' latest durations ([`on_a_runner_ms`]), plus
    /// [`JOB_SETUP_MINUTES`]. Not capped: the workflow caps it at [`MAX_JOB_MINUTES`].
    pub minutes: u64,
    /// The longest the job can last once it starts, in minutes: from the earliest it can start
    /// (when the jobs it needs can first be done, or the run's start: its first node, or a
    /// baseline's window) to its nodes' latest
    /// finish, waits for their `at` included, plus [`JOB_SETUP_MINUTES`].
    pub span_minutes: u64,
    /// How many chained jobs (slices of at most `slice_minutes`) carry it out; at least 1, at
    /// most [`MAX_SLICES`].
    pub slices: u64,
    /// When the runbook stops at a safe point in each slice (`--slice-minutes`): at most
    /// [`SLICE_MINUTES`], less when a command or a pause of the job can run longer than the margin.
    pub slice_minutes: u64,
    /// The longest its runner only waits for a node's `at` (on the earliest schedule), in
    /// minutes, and the node it waits for: time billed for nothing (W1002).
    pub longest_wait: Option<(u64, NodeId)>,
    /// When it can run, in the plan's time: from the earliest it can start to its nodes' latest
    /// finish (see [`Job::span_minutes`]).
    pub window_ms: (i64, i64),
    /// How long it lasts on the happy path, every step done at once, in minutes: longer than a
    /// slice, its later slices run whatever happens (a long watch, a wait).
    pub happy_minutes: u64,
}

impl Job {
    /// The `timeout-minutes` of each of its slices: the whole span when one job carries it,
    /// else GitHub's 6 hours, which a slice stays under.
    pub fn timeout_minutes(&self) -> u64 {
        if self.slices > 1 {
            MAX_JOB_MINUTES
        } else {
            self.span_minutes.max(self.minutes).clamp(5, MAX_JOB_MINUTES)
        }
    }
}

/// The longest a node runs without a point where the runbook can stop a slice: a command with
/// its retries or a person's answer time (gates, watches, stages and waits stop between
/// samples), or a `pause D` of its action, which waits D and then tries the failed step once
/// more, a command too.
fn longest_unstoppable_ms(model: &Model, node: NodeId) -> u64 {
    let node = &model.nodes[node.0];
    let command = super::steps(&node.items)
        .filter(|step| {
            matches!(
                step.kind,
                StepKind::Run { .. } | StepKind::Expect { .. } | StepKind::Check { .. } | StepKind::Approve { .. }
            )
        })
        .map(|step| step.worst_case_ms())
        .max()
        .unwrap_or(0);
    let pause = [node.on_fail.as_ref(), node.on_breach()]
        .into_iter()
        .flatten()
        .filter_map(|action| match action {
            crate::model::Action::Pause { wait_ms, .. } => Some(*wait_ms),
            _ => None,
        })
        .max();
    pause.map_or(command, |pause| pause.saturating_add(command))
}

/// The slices of each job, from the schedule (see [`Job::slices`]).
fn slice(model: &Model, schedule: &Schedule, job: &mut Job) {
    let times = |id: &NodeId| schedule.nodes.get(id.0);
    let Some(first) = job.nodes.first() else { return };
    // A job that needs none starts with the run: at its first node, or when a baseline's
    // window opens, whose samples the job's runbook takes before its first node.
    let run_start = model
        .metrics
        .iter()
        .filter_map(|metric| metric.baseline.as_ref().map(|baseline| baseline.at_ms))
        .fold(schedule.start_ms, i64::min);
    let start = model.nodes[first.0]
        .after
        .iter()
        .filter_map(|dependency| times(dependency).map(|times| times.earliest_finish_ms))
        .max()
        .unwrap_or(run_start);
    // Each node of the chain starts when the one before it is over, not before its earliest
    // start (its `at`), and runs its latest time on a runner.
    let mut longest_wait: Option<(u64, NodeId)> = None;
    let end = job.nodes.iter().fold(start, |at, id| {
        let earliest = times(id).map_or(at, |times| times.earliest_start_ms);
        let waits = minutes(earliest.saturating_sub(at).max(0));
        if waits > longest_wait.map_or(0, |(minutes, _)| minutes) {
            longest_wait = Some((waits, *id));
        }
        at.max(earliest).saturating_add(on_a_runner_ms(*id, schedule))
    });
    job.longest_wait = longest_wait;
    job.window_ms = (start, end);
    // On the happy path (every step done at once): the job's last node's earliest finish.
    let happy_end = job.nodes.last().and_then(times).map_or(start, |times| times.earliest_finish_ms);
    job.happy_minutes = minutes(happy_end.saturating_sub(start));
    job.span_minutes = minutes(end.saturating_sub(start)) + JOB_SETUP_MINUTES;
    let longest = minutes(
        i64::try_from(job.nodes.iter().map(|id| longest_unstoppable_ms(model, *id)).max().unwrap_or(0))
            .unwrap_or(i64::MAX),
    );
    job.slice_minutes = SLICE_MINUTES.min(MAX_JOB_MINUTES.saturating_sub(JOB_SETUP_MINUTES + longest)).max(30);
    job.slices = if job.span_minutes <= MAX_JOB_MINUTES {
        1
    } else {
        job.span_minutes.saturating_sub(JOB_SETUP_MINUTES).div_ceil(job.slice_minutes).clamp(1, MAX_SLICES)
    };
}

/// The longest a node runs in a job: its latest times in the schedule. A `check` or an
/// `approve` keeps its whole time to answer (its `timeout`): the runbook takes the answers the job recorded
/// and, short of them, waits that time for more (R5) before it fails closed. (The wait for an
/// environment's reviewers comes before the job starts, and GitHub does not count it.)
fn on_a_runner_ms(node: NodeId, schedule: &Schedule) -> i64 {
    schedule.nodes.get(node.0).map_or(0, |times| times.latest_finish_ms.saturating_sub(times.latest_start_ms))
}

fn minutes(ms: i64) -> u64 {
    ms.max(0).unsigned_abs().div_ceil(60_000)
}

/// The workflow's jobs, nodes in `order`. A job exists only where a boundary needs one: a node
/// on another environment, a gate with its own environment, or a branch of the graph (a node
/// that does not come right after the last node of the job before it, alone). A chain of
/// nodes on one environment stays in one job.
pub fn jobs(model: &Model, order: &[NodeId], schedule: &Schedule) -> Vec<Job> {
    let mut jobs: Vec<Job> = Vec::new();
    for &id in order {
        let node = &model.nodes[id.0];
        let environment = environment(model, id);
        let duration = minutes(on_a_runner_ms(id, schedule));
        let joins = jobs.last().is_some_and(|job| {
            node.after.len() == 1
                && job.nodes.last() == node.after.first()
                && job.environment == environment
                && !matches!(environment, Some(Environment::Gate(_)))
                // Reviewers approve a job when it starts: a node they answer for starts a job
                // of its own, so they are asked when it comes, never hours before.
                && !asks_reviewers(model, id)
        });
        match jobs.last_mut() {
            Some(job) if joins => {
                job.nodes.push(id);
                job.minutes += duration;
            }
            _ => jobs.push(Job {
                nodes: vec![id],
                environment,
                quorum: Vec::new(),
                minutes: JOB_SETUP_MINUTES + duration,
                span_minutes: 0,
                slices: 1,
                slice_minutes: SLICE_MINUTES,
                longest_wait: None,
                window_ms: (0, 0),
                happy_minutes: 0,
            }),
        }
    }
    for job in &mut jobs {
        slice(model, schedule, job);
        job.quorum = quorum_environments(model, job);
    }
    jobs
}

/// Whether a node's `check` and `approve` steps are answered by the reviewers of its job's
/// environment (see [`super::attendance`]).
fn asks_reviewers(model: &Model, node: NodeId) -> bool {
    environment(model, node).is_some_and(|environment| environment.has_reviewers(model))
        && super::steps(&model.nodes[node.0].items)
            .any(|step| matches!(step.kind, StepKind::Check { .. } | StepKind::Approve { .. }))
}

/// The approvals a job's reviewers give: one per environment, so a quorum of N needs N - 1
/// more environments beside the job's own.
fn quorum_environments(model: &Model, job: &Job) -> Vec<QuorumEnvironment> {
    let Some(own) = job.environment.filter(|environment| environment.has_reviewers(model)) else {
        return Vec::new();
    };
    let approvals =
        job.nodes.iter().flat_map(|id| super::steps(&model.nodes[id.0].items)).filter_map(|step| match &step.kind {
            StepKind::Approve { quorum, roles, .. } => Some((*quorum, roles)),
            _ => None,
        });
    let mut needed = 1;
    let mut reviewers = own.reviewers(model);
    for (quorum, roles) in approvals {
        needed = needed.max(quorum);
        reviewers.extend(roles.iter().copied());
    }
    reviewers.sort_by(|a, b| model.roles[a.0].name.cmp(&model.roles[b.0].name));
    reviewers.dedup();
    let Some(first) = job.nodes.first() else { return Vec::new() };
    (2..=needed)
        .map(|number| QuorumEnvironment {
            name: format!("{}-{}-{number}", model.plan.name, model.nodes[first.0].name),
            number,
            of: needed,
            reviewers: reviewers.clone(),
        })
        .collect()
}

/// Whether jobs of the workflow can run at the same time: the jobs are not one chain, each after
/// the one before. Then a run can end in one job (a failure, a rollback) while another goes on,
/// so each node job asks GitHub whether another job of the run failed or was cancelled, and its
/// nodes stop when one did, as a runbook's nodes stop when one of them ends the run (R2).
pub fn runs_side_by_side(model: &Model, jobs: &[Job]) -> bool {
    jobs.windows(2).any(|pair| {
        let (Some(before), Some(first)) = (pair[0].nodes.last(), pair[1].nodes.first()) else { return true };
        model.nodes[first.0].after[..] != [*before]
    })
}

/// What a `GITHUB_TOKEN` may ask of the REST API: 1,000 requests an hour per repository
/// ("Rate limits for the REST API", GitHub Actions).
pub const TOKEN_REQUESTS_PER_HOUR: u64 = 1_000;
/// The share of it the jobs of a run spend asking whether the run ended in another job: the
/// rest is left to the other requests of the run (reviews) and of the repository's other
/// workflows.
pub const RUN_ENDED_REQUESTS_PER_HOUR: u64 = 600;
/// The most often a job asks: once a minute.
pub const RUN_ENDED_EVERY_S: u64 = 60;

/// How often each job that runs side by side asks GitHub whether the run ended elsewhere, in
/// seconds: once a minute, less often when so many jobs can run at once that they would ask
/// more than [`RUN_ENDED_REQUESTS_PER_HOUR`] together (a job stops up to that long after the
/// run ended).
pub fn run_ended_every_s(jobs: &[Job]) -> u64 {
    let at_once = most_at_once(jobs) as u64;
    RUN_ENDED_EVERY_S.max((at_once * 3_600).div_ceil(RUN_ENDED_REQUESTS_PER_HOUR))
}

/// The most jobs that can run at the same time, by their windows: a sweep over their starts
/// and ends (an end before a start at the same instant).
pub fn most_at_once(jobs: &[Job]) -> usize {
    let mut events: Vec<(i64, i8)> =
        jobs.iter().flat_map(|job| [(job.window_ms.0, 1), (job.window_ms.1.max(job.window_ms.0), -1)]).collect();
    events.sort_unstable();
    let (mut running, mut most) = (0i64, 0i64);
    for (_, change) in events {
        running += i64::from(change);
        most = most.max(running);
    }
    usize::try_from(most).unwrap_or(0)
}

fn hours(minutes: u64) -> String {
    format!("{}h{:02}m", minutes / 60, minutes % 60)
}

/// W1002: a job whose runner waits hours for a node's time. The workflow carries any job in
/// slices of at most 6 hours, so a long watch is fine; a runner that only waits is billed for
/// nothing, and a wait longer than a slice is the plan asking for a later start.
fn long_waits(model: &Model, jobs: &[Job], diagnostics: &mut Vec<Diagnostic>) {
    for job in jobs {
        let Some((waits, node)) = job.longest_wait.filter(|(waits, _)| *waits > MAX_JOB_MINUTES) else { continue };
        let waiting = &model.nodes[node.0];
        let slices = waits.div_ceil(job.slice_minutes.max(1));
        diagnostics.push(
            Diagnostic::new(
                Code::JobTooLong,
                waiting.name_span,
                format!(
                    "in the workflow, a runner waits {} for `{}` to start: {slices} chained jobs billed for waiting",
                    hours(waits),
                    waiting.name
                ),
            )
            .label(format!("this node's time comes {} after the job could start", hours(waits)))
            .help("start the workflow nearer this node's time (the `t0` input and the runbook's `--from`), or carry out the earlier nodes from the runbook"),
        );
    }
}

/// W1003: a plan longer than a workflow run's 35 days.
fn long_run(model: &Model, order: &[NodeId], schedule: &Schedule, diagnostics: &mut Vec<Diagnostic>) {
    if schedule.length_ms() <= MAX_RUN_MS {
        return;
    }
    let cancelled_at = schedule.start_ms.saturating_add_unsigned(MAX_RUN_MS);
    let times = |id: &NodeId| schedule.nodes.get(id.0);
    let Some(cut) = order.iter().find(|id| times(id).is_some_and(|times| times.latest_finish_ms > cancelled_at)) else {
        return;
    };
    let first = order.iter().find(|id| times(id).is_some_and(|times| times.earliest_start_ms == schedule.start_ms));
    let mut diagnostic = Diagnostic::new(
        Code::RunTooLong,
        model.nodes[cut.0].name_span,
        format!(
            "the plan runs {} (from {} to {}), longer than the 35 days GitHub gives a workflow run",
            format_duration(schedule.length_ms()),
            format_offset(schedule.start_ms),
            format_offset(schedule.finish_ms)
        ),
    )
    .label(format!("GitHub cancels the run at {}, before this node can finish", format_offset(cancelled_at)))
    .help("start the workflow later and carry out the earliest nodes from the runbook, or make the plan shorter");
    if let Some(first) = first.filter(|first| *first != cut) {
        diagnostic = diagnostic.with(
            model.nodes[first.0].name_span,
            format!("the run starts with this node, at {}", format_offset(schedule.start_ms)),
        );
    }
    diagnostics.push(diagnostic);
}

/// W1004: an `approve` naming a role that reviews none of its job's environments: GitHub asks
/// the environments' reviewers only, so that role is never asked in the workflow.
fn roles_not_asked(model: &Model, jobs: &[Job], diagnostics: &mut Vec<Diagnostic>) {
    for job in jobs {
        let Some(environment) = job.environment.filter(|environment| environment.has_reviewers(model)) else {
            continue;
        };
        let mut asked = environment.reviewers(model);
        asked.extend(job.quorum.iter().flat_map(|extra| extra.reviewers.iter().copied()));
        for step in job.nodes.iter().flat_map(|id| super::steps(&model.nodes[id.0].items)) {
            let StepKind::Approve { roles, .. } = &step.kind else { continue };
            let missing: Vec<&str> = roles
                .iter()
                .filter(|role| !asked.contains(role))
                .map(|role| model.roles[role.0].name.as_str())
                .collect();
            if missing.is_empty() {
                continue;
            }
            let reviewers: Vec<&str> =
                environment.reviewers(model).iter().map(|role| model.roles[role.0].name.as_str()).collect();
            diagnostics.push(
                Diagnostic::new(
                    Code::RoleNotAsked,
                    step.span,
                    format!(
                        "in the workflow, `{}` is never asked for this approval: environment `{}` is reviewed by {}",
                        missing.join("`, `"),
                        environment.name(model),
                        reviewers.join(", ")
                    ),
                )
                .label("GitHub asks only an environment's required reviewers, and they answer for this step")
                .help(match environment {
                    Environment::Env(env) => format!(
                        "add `{}` to the `approval` of env `{}`, or ask for the approval in a gate before this node",
                        missing.join("`, `"),
                        model.envs[env.0].name
                    ),
                    Environment::Gate(_) => "name the role in the gate's `approve`".to_string(),
                }),
            );
        }
    }
}

/// W1005: an environment with more required reviewers than GitHub takes.
fn reviewers(model: &Model, jobs: &[Job], diagnostics: &mut Vec<Diagnostic>) {
    let environments = (0..model.envs.len()).map(|index| Environment::Env(EnvId(index))).chain(
        (0..model.nodes.len()).filter_map(|index| match environment(model, NodeId(index)) {
            Some(gate @ Environment::Gate(_)) => Some(gate),
            _ => None,
        }),
    );
    for environment in environments {
        let count = environment.reviewers(model).len();
        if count <= MAX_REVIEWERS {
            continue;
        }
        let (span, label) = match environment {
            Environment::Env(env) => (
                model.envs[env.0].approval_span.unwrap_or(model.envs[env.0].span),
                "the roles of its `approval`, each a required reviewer",
            ),
            Environment::Gate(node) => {
                (model.nodes[node.0].name_span, "its `approve` steps name these roles, each a required reviewer")
            }
        };
        diagnostics.push(
            Diagnostic::new(
                Code::TooManyReviewers,
                span,
                format!(
                    "environment `{}` needs {count} required reviewers, more than the {MAX_REVIEWERS} GitHub takes",
                    environment.name(model)
                ),
            )
            .label(label)
            .help("name fewer roles: a role that stands for a GitHub team counts as one reviewer"),
        );
    }
    // The environments that gather a quorum: the job's reviewers and the roles its `approve`
    // steps name. Reported once, when the job's own environment is within the limit.
    for job in jobs {
        let (Some(extra), Some(own)) = (job.quorum.first(), job.environment) else { continue };
        if extra.reviewers.len() <= MAX_REVIEWERS || own.reviewers(model).len() > MAX_REVIEWERS {
            continue;
        }
        let step = job
            .nodes
            .iter()
            .flat_map(|id| super::steps(&model.nodes[id.0].items))
            .find(|step| matches!(step.kind, StepKind::Approve { .. }));
        let Some(step) = step else { continue };
        diagnostics.push(
            Diagnostic::new(
                Code::TooManyReviewers,
                step.span,
                format!(
                    "environment `{}` gathers approval {} of {}: it needs {} required reviewers, more than the {MAX_REVIEWERS} GitHub takes",
                    extra.name,
                    extra.number,
                    extra.of,
                    extra.reviewers.len()
                ),
            )
            .label("each approval of the quorum is asked of the job's reviewers and of the roles its approvals name")
            .help("name fewer roles: a role that stands for a GitHub team counts as one reviewer"),
        );
    }
}

/// W1007: a job in slices on an environment with reviewers reads secrets or vars. Its later
/// slices run without the environment (the reviewers are asked once, not every 5h30m), so what
/// they read must be the repository's or the organization's: an environment's own secrets and
/// vars are not there.
fn later_slices_without_environment(model: &Model, jobs: &[Job], diagnostics: &mut Vec<Diagnostic>) {
    for job in jobs {
        // A gate's own environment holds no secrets: golivec makes it for its reviewers only.
        let Some(environment @ Environment::Env(_)) =
            job.environment.filter(|environment| environment.has_reviewers(model))
        else {
            continue;
        };
        let Some(first) = job.nodes.first() else { continue };
        // Only a job whose later slices run on the happy path: one that is long only when its
        // steps take their whole time (a check waiting 15 minutes for an answer it was given)
        // ends in its first slice.
        if job.slices < 2 || job.happy_minutes <= job.slice_minutes {
            continue;
        }
        let mut inputs = super::inputs::Inputs::default();
        for id in &job.nodes {
            inputs.extend(super::inputs::node(model, *id));
        }
        let (secrets, vars) = inputs.names(model);
        if secrets.is_empty() && vars.is_empty() {
            continue;
        }
        let names: Vec<String> = secrets.iter().chain(&vars).map(|name| format!("`{name}`")).collect();
        diagnostics.push(
            Diagnostic::new(
                Code::EnvironmentLeftBySlices,
                model.nodes[first.0].name_span,
                format!(
                    "in the workflow, this job runs in up to {} slices and only the first is on environment `{}`: {} must be the repository's or the organization's",
                    job.slices,
                    environment.name(model),
                    names.join(", ")
                ),
            )
            .label("its reviewers approve the first slice; the later ones run without the environment and its secrets")
            .help("keep what the job reads in the repository's or the organization's secrets and variables, or ask for the sign-off in a gate before a node that needs no reviewers"),
        );
    }
}

/// The limits of GitHub Actions this plan runs into (`order` holds every node).
pub(super) fn check(model: &Model, order: &[NodeId], schedule: &Schedule) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    let jobs = jobs(model, order, schedule);
    long_waits(model, &jobs, &mut diagnostics);
    long_run(model, order, schedule, &mut diagnostics);
    roles_not_asked(model, &jobs, &mut diagnostics);
    reviewers(model, &jobs, &mut diagnostics);
    later_slices_without_environment(model, &jobs, &mut diagnostics);
    diagnostics
}
