//! The interpreter: a plan's model run over a virtual clock against a [`World`]. Every rule it
//! follows is written down in `docs/semantics.md`, in the same order as here.
//!
//! Nodes, rollback trees and alerts are processes, each with the time it next wakes up. The
//! loop wakes the earliest (ties: outside events first, then trees, nodes in dependency order,
//! alerts), lets it act, and repeats until nothing is left to wake.

use crate::model::{
    self, Action, Condition, ConditionKind, Model, Node, NodeId, NodeKind, Outcome, Step, StepKind, TreeId,
    DEFAULT_ANSWER_TIMEOUT_MS, DEFAULT_SAMPLING_MS,
};
use crate::run::measure::{self, Holds, NoData, Readings, Sample};
use crate::run::rules;
use crate::run::trace::{End, EndState, Event, EventKind, Judged, NodeOutcome, Signal, StepOutcome, Trace, Verdict};
use crate::run::world::{Answer, World};
use rustc_hash::FxHashMap;

/// Runs the plan in `world`. `order` is every node in dependency order (the analysis's).
pub fn simulate(model: &Model, order: &[NodeId], world: &World) -> Trace {
    let mut run = Run::new(model, order, world, true);
    run.run();
    run.finish()
}

/// The same run with a brief trace: no samples, and only the decisions that did not hold.
/// The what-if table needs the decisions, not every reading of a week-long watch.
pub fn simulate_brief(model: &Model, order: &[NodeId], world: &World) -> Trace {
    let mut run = Run::new(model, order, world, false);
    run.run();
    run.finish()
}

// ---------------------------------------------------------------------------------------------
// Samplers: counting unfavourable samples against a tolerance.

/// One group of a watch's conditions on its own grid: its count of unfavourable samples and
/// its next sample (`None` once the end of the window is sampled).
#[derive(Default)]
struct GroupRun {
    sampler: Sampler,
    next: Option<i64>,
}

/// The name a group of a watch's conditions decides by: `NODE.watch` for those on the watch's
/// `every`, `NODE.watch.N` for its N-th condition on a cadence of its own.
fn group_by(node: &Node, group: &model::ConditionGroup<'_>) -> String {
    if group.own_cadence {
        format!("{}.watch.{}", node.name, group.first + 1)
    } else {
        format!("{}.watch", node.name)
    }
}

/// What a decision that held says it does next: samples again (with the tolerance's note), or
/// `over` when the stage or window is done.
fn samples_again_or(next: Option<i64>, note: &str, over: impl FnOnce() -> String) -> String {
    match (next, note.is_empty()) {
        (Some(_), true) => "holds; samples again".to_string(),
        (Some(_), false) => format!("{note}; samples again"),
        (None, _) => over(),
    }
}

/// How a watch that held to its end says so.
fn held_for(node: &Node) -> String {
    format!("held for {}", crate::units::format_duration(node.for_ms().unwrap_or(0)))
}

/// What one sample means for a gate, stage or watch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Judgement {
    Fine,
    /// Unfavourable, but within the tolerance.
    Tolerated,
    Breach,
    Inconclusive,
}

#[derive(Default)]
struct Sampler {
    holds: Holds,
    failures: u16,
    nodata: u16,
}

impl Sampler {
    fn reset(&mut self) {
        self.holds.clear();
        self.failures = 0;
        self.nodata = 0;
    }

    fn judge(&mut self, verdict: Verdict, tolerance: model::Tolerance) -> (Judgement, String) {
        match verdict {
            Verdict::Holds | Verdict::Pending => {
                self.failures = 0;
                self.nodata = 0;
                (Judgement::Fine, String::new())
            }
            Verdict::DoesNotHold => {
                self.nodata = 0;
                self.failures = self.failures.saturating_add(1);
                if self.failures > tolerance.failures() {
                    (Judgement::Breach, String::new())
                } else {
                    (
                        Judgement::Tolerated,
                        format!(
                            "{} sample(s) in a row that do not hold, {} tolerated",
                            self.failures,
                            tolerance.failures()
                        ),
                    )
                }
            }
            Verdict::NoData => {
                self.nodata = self.nodata.saturating_add(1);
                if self.nodata > tolerance.nodata() {
                    (Judgement::Inconclusive, String::new())
                } else {
                    (
                        Judgement::Tolerated,
                        format!("{} sample(s) in a row without data, {} tolerated", self.nodata, tolerance.nodata()),
                    )
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Step lists: the steps of a node, a rollback level or an alert, one at a time.

enum Poll {
    /// Wake again at this time.
    Wake(i64),
    /// Every step is done.
    Done,
    /// A step failed; the list stops there.
    Failed { step: String, outcome: StepOutcome },
    /// An `expect` condition had no data for too long.
    Inconclusive { step: String },
    /// A `recheck` step: the tree decides, then polls again.
    Recheck,
}

struct Current {
    attempt: u32,
    state: CurrentState,
}

enum CurrentState {
    /// Ends at `at` with `outcome`.
    Until { at: i64, outcome: StepOutcome, detail: Option<String> },
    /// An `expect` condition, sampled until it holds or its deadline.
    Sampling { deadline: i64, every_ms: u64, sampler: Sampler, last: Verdict },
    /// Interrupted by a signal: runs again from its start at `at` (after a person says so, for
    /// a command).
    Restart { at: i64, ask: bool },
}

struct StepList<'m> {
    /// Step ids are `{owner}.{position}`.
    owner: String,
    /// How often `expect` conditions sample.
    every_ms: u64,
    steps: Vec<&'m Step>,
    cursor: usize,
    current: Option<Current>,
    saw_continue: bool,
    /// Command steps that ran and succeeded.
    commands_done: usize,
}

impl<'m> StepList<'m> {
    fn new(owner: String, items: &'m [model::Item], every_ms: u64) -> StepList<'m> {
        StepList {
            owner,
            every_ms,
            steps: model::flatten_steps(items),
            cursor: 0,
            current: None,
            saw_continue: false,
            commands_done: 0,
        }
    }

    fn id(&self, index: usize) -> String {
        format!("{}.{}", self.owner, index + 1)
    }

    /// The ids and titles of the steps not run yet, the current one included.
    fn left(&self, model: &Model) -> Vec<String> {
        (self.cursor..self.steps.len())
            .map(|index| format!("{} {}", self.id(index), title(model, self.steps[index])))
            .collect()
    }

    /// The step running now, if any.
    fn running(&self) -> Option<String> {
        self.current.as_ref().map(|_| self.id(self.cursor))
    }

    /// The step before the cursor: the `recheck` that just returned `Poll::Recheck`.
    fn previous(&self) -> Option<&'m Step> {
        self.cursor.checked_sub(1).and_then(|index| self.steps.get(index)).copied()
    }

    /// Starts a failed step again (after a pause).
    fn retry_current(&mut self) {
        self.current = None;
    }

    /// Leaves the current step behind as settled (a person judged it), and goes on.
    fn skip_current(&mut self) {
        self.current = None;
        self.cursor += 1;
    }

    fn poll(&mut self, ctx: &mut Ctx<'m, '_>) -> Poll {
        loop {
            let Some(step) = self.steps.get(self.cursor).copied() else { return Poll::Done };
            let id = self.id(self.cursor);
            let Some(current) = self.current.as_mut() else {
                match &step.kind {
                    StepKind::Recheck { after_ms: 0, .. } => {
                        ctx.emit(EventKind::StepStarted {
                            step: id.clone(),
                            kind: "recheck".into(),
                            title: title(ctx.model, step),
                            attempt: 1,
                        });
                        ctx.emit(EventKind::StepFinished { step: id, outcome: StepOutcome::Succeeded, detail: None });
                        self.cursor += 1;
                        return Poll::Recheck;
                    }
                    StepKind::Continue => {
                        ctx.emit(EventKind::StepStarted {
                            step: id.clone(),
                            kind: "continue".into(),
                            title: title(ctx.model, step),
                            attempt: 1,
                        });
                        ctx.emit(EventKind::StepFinished { step: id, outcome: StepOutcome::Succeeded, detail: None });
                        self.saw_continue = true;
                        self.cursor += 1;
                        continue;
                    }
                    _ => {}
                }
                self.current = Some(start_step(ctx, step, &id, 1, self.every_ms));
                continue;
            };
            match &mut current.state {
                CurrentState::Restart { at, ask } => {
                    if ctx.now < *at {
                        return Poll::Wake(*at);
                    }
                    if *ask {
                        // Asked once: the answer is read by the run before it restarts anything.
                        *ask = false;
                    }
                    let attempt = current.attempt;
                    self.current = Some(start_step(ctx, step, &id, attempt, self.every_ms));
                    continue;
                }
                CurrentState::Until { at, outcome, detail } => {
                    if ctx.now < *at {
                        return Poll::Wake(*at);
                    }
                    let (outcome, detail, attempt) = (*outcome, detail.take(), current.attempt);
                    let tries = retries(step) + 1;
                    if outcome == StepOutcome::Succeeded {
                        ctx.emit(EventKind::StepFinished { step: id, outcome, detail });
                        if matches!(step.kind, StepKind::Recheck { .. }) {
                            // Waited `after`: now the tree decides.
                            self.current = None;
                            self.cursor += 1;
                            return Poll::Recheck;
                        }
                        if step.command().is_some() || matches!(step.kind, StepKind::Expect { .. }) {
                            self.commands_done += 1;
                        }
                        self.current = None;
                        self.cursor += 1;
                        continue;
                    }
                    let retryable = matches!(outcome, StepOutcome::Failed | StepOutcome::TimedOut);
                    if retryable && attempt < tries {
                        let detail = Some(format!(
                            "try {attempt} of {tries}{}",
                            detail.map(|d| format!(": {d}")).unwrap_or_default()
                        ));
                        ctx.emit(EventKind::StepFinished { step: id.clone(), outcome, detail });
                        self.current = Some(start_step(ctx, step, &id, attempt + 1, self.every_ms));
                        continue;
                    }
                    ctx.emit(EventKind::StepFinished { step: id.clone(), outcome, detail });
                    return Poll::Failed { step: id, outcome };
                }
                CurrentState::Sampling { deadline, every_ms, sampler, last } => {
                    let StepKind::Expect { check, .. } = &step.kind else { return Poll::Done };
                    let model::Expectation::Condition { condition } = &**check else { return Poll::Done };
                    let conditions = std::slice::from_ref(condition);
                    let (verdict, judged) = ctx.evaluate(&id, conditions, &mut sampler.holds);
                    *last = verdict;
                    let (judgement, note) = sampler.judge(verdict, model::Tolerance::default());
                    let deadline = *deadline;
                    let next = if ctx.now >= deadline {
                        None
                    } else {
                        Some(next_sample_with_hold(ctx.now, *every_ms, deadline, conditions, &sampler.holds))
                    };
                    match (verdict, judgement, next) {
                        (Verdict::Holds, _, _) => {
                            ctx.decision(&id, verdict, judged, "passes".into());
                            ctx.emit(EventKind::StepFinished {
                                step: id,
                                outcome: StepOutcome::Succeeded,
                                detail: None,
                            });
                            self.commands_done += 1;
                            self.current = None;
                            self.cursor += 1;
                            continue;
                        }
                        (_, Judgement::Inconclusive, _) | (Verdict::NoData, _, None) => {
                            ctx.decision(&id, verdict, judged, "inconclusive: a person decides".into());
                            self.current = None;
                            return Poll::Inconclusive { step: id };
                        }
                        (_, Judgement::Breach, _) | (_, _, None) => {
                            let then = if judgement == Judgement::Breach {
                                "fails".to_string()
                            } else {
                                "fails: it did not hold in time".to_string()
                            };
                            ctx.decision(&id, verdict, judged, then);
                            ctx.emit(EventKind::StepFinished {
                                step: id.clone(),
                                outcome: StepOutcome::Failed,
                                detail: None,
                            });
                            return Poll::Failed { step: id, outcome: StepOutcome::Failed };
                        }
                        (_, _, Some(next)) => {
                            let then = if note.is_empty() {
                                "samples again".to_string()
                            } else {
                                format!("{note}; samples again")
                            };
                            ctx.decision(&id, verdict, judged, then);
                            if ctx.now < next {
                                // Stays in `Sampling`; woken at `next`.
                                return Poll::Wake(next);
                            }
                            return Poll::Wake(ctx.now + 1);
                        }
                    }
                }
            }
        }
    }

    /// A signal stopped the run: the step running starts again at `resume`.
    fn interrupt(&mut self, resume: i64) {
        let Some(step) = self.steps.get(self.cursor).copied() else { return };
        let Some(current) = self.current.as_mut() else { return };
        match &mut current.state {
            CurrentState::Until { at, .. } if matches!(step.kind, StepKind::Wait { .. } | StepKind::Recheck { .. }) => {
                // A wait goes on counting: it ends when it would have, or at the resume.
                *at = (*at).max(resume);
            }
            CurrentState::Sampling { .. } => {
                current.state = CurrentState::Restart { at: resume, ask: false };
            }
            CurrentState::Until { .. } | CurrentState::Restart { .. } => {
                let ask = !step.reruns_without_asking();
                current.state = CurrentState::Restart { at: resume, ask };
            }
        }
    }

    /// Whether the step running was interrupted part-way and is a command: a person is asked
    /// before it runs again.
    fn needs_confirmation(&self) -> Option<String> {
        match &self.current {
            Some(Current { state: CurrentState::Restart { ask: true, .. }, .. }) => Some(self.id(self.cursor)),
            _ => None,
        }
    }

    fn confirmed(&mut self) {
        if let Some(Current { state: CurrentState::Restart { ask, .. }, .. }) = &mut self.current {
            *ask = false;
        }
    }
}

fn retries(step: &Step) -> u32 {
    match &step.kind {
        StepKind::Run { retries, .. } | StepKind::Expect { retries, .. } => *retries,
        _ => 0,
    }
}

/// The next sample time: the next interval, or the moment a `for` that is holding completes,
/// whichever comes first, and never past `deadline`.
/// The earlier of two optional times.
fn earliest(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn next_sample_with_hold(now: i64, every_ms: u64, deadline: i64, conditions: &[Condition], holds: &Holds) -> i64 {
    let mut next = now.saturating_add(i64::try_from(every_ms.max(1)).unwrap_or(i64::MAX));
    for condition in conditions {
        for part in condition.walk() {
            if let ConditionKind::Held { duration_ms, .. } = &part.kind {
                if let Some(since) = holds.since(part) {
                    let done = since.saturating_add(i64::try_from(*duration_ms).unwrap_or(i64::MAX));
                    if done > now {
                        next = next.min(done);
                    }
                }
            }
        }
    }
    next.min(deadline).max(now + 1)
}

/// Starts one try of a step: how it ends is decided by the world now, and takes effect when
/// its time comes.
fn start_step<'m>(ctx: &mut Ctx<'m, '_>, step: &'m Step, id: &str, attempt: u32, every_ms: u64) -> Current {
    let model = ctx.model;
    ctx.emit(EventKind::StepStarted {
        step: id.to_string(),
        kind: kind_name(step).into(),
        title: title(model, step),
        attempt,
    });
    let now = ctx.now;
    let script = ctx.world.step(id);
    let state = match &step.kind {
        StepKind::Run { .. } | StepKind::Expect { .. } if !is_expect_condition(step) => {
            let timeout = rules::command_timeout_ms(step);
            let outcome = script.and_then(|script| script.outcome).unwrap_or(crate::run::world::Outcome::Succeeds);
            let failures = script.map_or(0, |script| script.failures);
            let takes = script.and_then(|script| script.takes_ms).unwrap_or(0);
            let (outcome, took, detail) = match outcome {
                crate::run::world::Outcome::TimesOut => (
                    StepOutcome::TimedOut,
                    timeout,
                    Some(format!("no answer within {}", crate::units::format_duration(timeout))),
                ),
                _ if takes > timeout => (
                    StepOutcome::TimedOut,
                    timeout,
                    Some(format!("still running after {}", crate::units::format_duration(timeout))),
                ),
                crate::run::world::Outcome::Fails => (StepOutcome::Failed, takes, Some("exit status 1".into())),
                crate::run::world::Outcome::Succeeds if attempt <= failures => {
                    (StepOutcome::Failed, takes, Some("exit status 1".into()))
                }
                crate::run::world::Outcome::Succeeds => (StepOutcome::Succeeded, takes, None),
            };
            CurrentState::Until { at: now.saturating_add(as_i64(took)), outcome, detail }
        }
        StepKind::Run { .. } | StepKind::Expect { .. } => {
            let deadline = match &step.kind {
                StepKind::Expect { check, .. } => match &**check {
                    model::Expectation::Condition { condition } => rules::expect_deadline_ms(step, condition, every_ms),
                    _ => 0,
                },
                _ => 0,
            };
            CurrentState::Sampling {
                deadline: now.saturating_add(as_i64(deadline)),
                every_ms,
                sampler: Sampler::default(),
                last: Verdict::Pending,
            }
        }
        StepKind::Check { by, .. } => answers(ctx, id, 1, by, false, rules::answer_timeout_ms(step)),
        StepKind::Approve { quorum, roles, distinct, .. } => {
            answers(ctx, id, *quorum, roles, *distinct, rules::answer_timeout_ms(step))
        }
        StepKind::Notify { .. } | StepKind::Page { .. } => {
            CurrentState::Until { at: now, outcome: StepOutcome::Succeeded, detail: None }
        }
        StepKind::Wait { duration_ms } => CurrentState::Until {
            at: now.saturating_add(as_i64(*duration_ms)),
            outcome: StepOutcome::Succeeded,
            detail: None,
        },
        StepKind::Recheck { after_ms, .. } => CurrentState::Until {
            at: now.saturating_add(as_i64(*after_ms)),
            outcome: StepOutcome::Succeeded,
            detail: None,
        },
        StepKind::Continue => CurrentState::Until { at: now, outcome: StepOutcome::Succeeded, detail: None },
    };
    Current { attempt, state }
}

fn is_expect_condition(step: &Step) -> bool {
    matches!(&step.kind, StepKind::Expect { check, .. } if matches!(&**check, model::Expectation::Condition { .. }))
}

/// Works out when a `check` or `approve` is answered, from the scenario's answers (or, when it
/// gives none, one person per role answering at once), and records the answers. Answers given
/// after `timeout_ms` (the step's `timeout`, R5) do not count: the step fails closed then.
fn answers(
    ctx: &mut Ctx<'_, '_>,
    id: &str,
    quorum: usize,
    roles: &[model::RoleId],
    distinct: bool,
    timeout_ms: u64,
) -> CurrentState {
    let model = ctx.model;
    let now = ctx.now;
    let given = ctx.world.step(id).and_then(|script| script.answers.clone());
    let answers = given.unwrap_or_else(|| {
        let defaults: Vec<crate::run::world::AnswerPlan> = if roles.is_empty() {
            vec![crate::run::world::AnswerPlan {
                by: ctx.world.operator.clone(),
                role: None,
                after_ms: 0,
                refuses: false,
            }]
        } else {
            roles
                .iter()
                .take(quorum.max(1))
                .map(|role| crate::run::world::AnswerPlan {
                    by: model.roles[role.0].name.to_string(),
                    role: Some(*role),
                    after_ms: 0,
                    refuses: false,
                })
                .collect()
        };
        defaults
    });
    let mut ordered: Vec<&crate::run::world::AnswerPlan> = answers.iter().collect();
    ordered.sort_by_key(|answer| answer.after_ms);
    let mut approvers: Vec<String> = Vec::new();
    let mut filled: Vec<model::RoleId> = Vec::new();
    for answer in ordered {
        if answer.after_ms > timeout_ms {
            break;
        }
        let at = now.saturating_add(as_i64(answer.after_ms));
        let role = answer.role.or_else(|| roles.iter().copied().find(|role| !filled.contains(role)));
        let role_name = role.map(|role| model.roles[role.0].name.to_string());
        ctx.emit_at(
            at,
            EventKind::Answered {
                step: id.to_string(),
                by: answer.by.clone(),
                role: role_name.clone(),
                approved: !answer.refuses,
            },
        );
        if answer.refuses {
            return CurrentState::Until {
                at,
                outcome: StepOutcome::Refused,
                detail: Some(format!("refused by {}", answer.by)),
            };
        }
        if !roles.is_empty() && role.is_none_or(|role| !roles.contains(&role)) {
            continue;
        }
        let name = answer.by.to_lowercase();
        if distinct && (approvers.contains(&name) || name == ctx.world.operator.to_lowercase()) {
            // `distinct`: the same person twice, or the operator, counts once or not at all.
            continue;
        }
        approvers.push(name);
        if let Some(role) = role {
            if !filled.contains(&role) {
                filled.push(role);
            }
        }
        if approvers.len() >= quorum.max(1) {
            let by: Vec<&str> = answers.iter().filter(|a| !a.refuses).map(|a| a.by.as_str()).collect();
            return CurrentState::Until {
                at,
                outcome: StepOutcome::Succeeded,
                detail: Some(format!("by {}", by.join(", "))),
            };
        }
    }
    CurrentState::Until {
        at: now.saturating_add(as_i64(timeout_ms)),
        outcome: StepOutcome::Unanswered,
        detail: Some(format!(
            "{} of {} answer(s) within {}: it fails closed",
            approvers.len(),
            quorum.max(1),
            crate::units::format_duration(timeout_ms)
        )),
    }
}

fn as_i64(ms: u64) -> i64 {
    i64::try_from(ms).unwrap_or(i64::MAX)
}

fn kind_name(step: &Step) -> &'static str {
    match &step.kind {
        StepKind::Run { .. } => "run",
        StepKind::Expect { .. } => "expect",
        StepKind::Check { .. } => "check",
        StepKind::Approve { .. } => "approve",
        StepKind::Notify { .. } => "notify",
        StepKind::Page { .. } => "page",
        StepKind::Wait { .. } => "wait",
        StepKind::Recheck { .. } => "recheck",
        StepKind::Continue => "continue",
    }
}

/// What a `recheck` does, in words: the same title in the simulator and the view.
pub fn recheck_title(model: &Model, after_ms: u64, outcome: Option<&model::RecheckOutcome>) -> String {
    let mut title = String::from("Evaluate the rollback tree again");
    if after_ms > 0 {
        title = format!("{title} after {}", crate::units::format_duration(after_ms));
    }
    if let Some(outcome) = outcome {
        title = format!(
            "{title}: {} when {}",
            outcome.then.keyword(),
            crate::emit::view::condition_text(model, &outcome.condition)
        );
        if let Some(otherwise) = outcome.otherwise {
            title = format!("{title}, otherwise {}", otherwise.keyword());
        }
    }
    title
}

/// What a person reads for a step: its title, its text, or what it does.
fn title(model: &Model, step: &Step) -> String {
    let roles = |roles: &[model::RoleId]| {
        roles.iter().map(|role| model.roles[role.0].name.as_str()).collect::<Vec<_>>().join(", ")
    };
    match &step.kind {
        StepKind::Run { title: Some(title), .. } | StepKind::Expect { title: Some(title), .. } => title.to_string(),
        StepKind::Run { command, .. } => command.lines().next().unwrap_or_default().to_string(),
        StepKind::Expect { check, .. } => match &**check {
            model::Expectation::Http { url, .. } => format!("GET {url}"),
            model::Expectation::Command { command } => command.lines().next().unwrap_or_default().to_string(),
            model::Expectation::Condition { condition } => crate::emit::view::condition_text(model, condition),
        },
        StepKind::Check { text, .. } => text.to_string(),
        StepKind::Approve { title: Some(title), .. } => title.to_string(),
        StepKind::Approve { quorum, roles: named, .. } => format!("Approval: {quorum} of {}", roles(named)),
        StepKind::Notify { roles: named, .. } => format!("Notify {}", roles(named)),
        StepKind::Page { roles: named, .. } => format!("Page {}", roles(named)),
        StepKind::Wait { duration_ms } => format!("Wait {}", crate::units::format_duration(*duration_ms)),
        StepKind::Recheck { after_ms, outcome } => recheck_title(model, *after_ms, outcome.as_deref()),
        StepKind::Continue => "No action needed".into(),
    }
}

// ---------------------------------------------------------------------------------------------
// The context every process acts through: the clock, the world, the trace.

struct Ctx<'m, 'w> {
    model: &'m Model,
    world: &'w World,
    now: i64,
    events: Vec<Event>,
    declared: Vec<String>,
    baselines: FxHashMap<usize, Sample>,
    /// Every sample and decision in the trace (else only the decisions that did not hold).
    detail: bool,
    /// Conditions as people read them, by address: made once, shown at every sample.
    texts: FxHashMap<usize, String>,
    /// The metrics each list of conditions reads, by the list's address.
    metrics: FxHashMap<usize, Vec<usize>>,
    /// In a brief trace, the samplers whose first decision is recorded.
    deciders: rustc_hash::FxHashSet<String>,
}

impl Ctx<'_, '_> {
    fn emit(&mut self, kind: EventKind) {
        if !self.detail {
            match &kind {
                EventKind::Sample { .. } => return,
                // The first decision of each gate, stage or watch stays: it says when it began.
                EventKind::Decision { verdict: Verdict::Holds | Verdict::Pending, by, .. }
                    if !self.deciders.insert(by.clone()) =>
                {
                    return;
                }
                _ => {}
            }
        }
        self.events.push(Event { t_ms: self.now, kind });
    }

    /// The first time after now when anything `metrics` give, a baseline or a declaration may
    /// change; `None` when nothing will. Used to skip samples that would decide the same.
    fn quiet_until(&self, metrics: &[usize]) -> Option<i64> {
        let mut next: Option<i64> = None;
        let mut consider = |time: Option<i64>| {
            if let Some(time) = time.filter(|time| *time > self.now) {
                next = Some(next.map_or(time, |next| next.min(time)));
            }
        };
        for &metric in metrics {
            consider(self.world.next_change_after(metric, self.now));
            if let Some(baseline) = &self.model.metrics[metric].baseline {
                if !self.baselines.contains_key(&metric) {
                    consider(Some(baseline.at_ms.saturating_add(as_i64(baseline.window_ms))));
                }
            }
        }
        for declaration in &self.world.declarations {
            consider(Some(declaration.at));
        }
        next
    }

    /// In a brief run, the next sample of a window whose conditions hold and whose readings
    /// do not change before a later grid point: that point (or the window's end). A full
    /// trace takes every sample.
    fn skip_quiet(
        &mut self,
        next: Option<i64>,
        (start, end, every_ms): (i64, i64, u64),
        verdict: Verdict,
        sampler: &Sampler,
        conditions: &[Condition],
    ) -> Option<i64> {
        let next = next?;
        if self.detail || verdict != Verdict::Holds || sampler.failures != 0 || sampler.nodata != 0 {
            return Some(next);
        }
        let metrics = self.metrics_of(conditions);
        match self.quiet_until(&metrics) {
            Some(quiet) if quiet > next => {
                Some(rules::next_sample(start, end, every_ms, quiet - 1).unwrap_or(end).max(next))
            }
            Some(_) => Some(next),
            None => Some(end.max(next)),
        }
    }

    fn text(&mut self, condition: &Condition) -> String {
        let model = self.model;
        self.texts
            .entry(std::ptr::from_ref(condition) as usize)
            .or_insert_with(|| crate::emit::view::condition_text(model, condition))
            .clone()
    }

    fn metrics_of(&mut self, conditions: &[Condition]) -> Vec<usize> {
        self.metrics.entry(conditions.as_ptr() as usize).or_insert_with(|| measure::metrics_of(conditions)).clone()
    }

    fn emit_at(&mut self, t_ms: i64, kind: EventKind) {
        self.events.push(Event { t_ms, kind });
    }

    fn decision(&mut self, by: &str, verdict: Verdict, conditions: Vec<Judged>, then: String) {
        self.emit(EventKind::Decision { by: by.to_string(), verdict, conditions, then });
    }

    /// Takes one sample of each metric the conditions read, and measures the baselines they
    /// need.
    fn sample(&mut self, by: &str, metrics: &[usize]) -> Vec<(usize, Sample)> {
        let mut samples = Vec::with_capacity(metrics.len());
        for &metric in metrics {
            let sample = self.world.sample(metric, self.now);
            samples.push((metric, sample));
            self.baseline(metric);
            if !self.detail {
                continue;
            }
            self.emit(EventKind::Sample {
                by: by.to_string(),
                metric: self.model.metrics[metric].name.to_string(),
                value: sample.value(),
                nodata: match sample {
                    Sample::NoData(reason) => Some(reason.name().to_string()),
                    Sample::Value(_) => None,
                },
            });
        }
        samples
    }

    /// A metric's baseline: the mean of its samples, one a minute, over its window; measured
    /// once the window has passed, no data before.
    fn baseline(&mut self, metric: usize) {
        if self.baselines.contains_key(&metric) {
            return;
        }
        let Some(baseline) = &self.model.metrics[metric].baseline else { return };
        let end = baseline.at_ms.saturating_add(as_i64(baseline.window_ms));
        if self.now < end {
            return;
        }
        let count = baseline.window_ms / DEFAULT_SAMPLING_MS + 1;
        let values: Vec<f64> = (0..count)
            .filter_map(|k| {
                self.world.sample(metric, baseline.at_ms.saturating_add(as_i64(k * DEFAULT_SAMPLING_MS))).value()
            })
            .collect();
        let value = if values.is_empty() { None } else { Some(values.iter().sum::<f64>() / values.len() as f64) };
        self.emit_at(
            end,
            EventKind::Baseline {
                metric: self.model.metrics[metric].name.to_string(),
                value,
                samples: u32::try_from(values.len()).unwrap_or(u32::MAX),
            },
        );
        self.baselines.insert(metric, value.map_or(Sample::NoData(NoData::NotMeasured), Sample::Value));
    }

    /// Samples and evaluates `conditions` (all must hold), each judged for the trace.
    fn evaluate(&mut self, by: &str, conditions: &[Condition], holds: &mut Holds) -> (Verdict, Vec<Judged>) {
        let metrics = self.metrics_of(conditions);
        let samples = self.sample(by, &metrics);
        self.judge(conditions, &samples, holds)
    }

    fn judge(
        &mut self,
        conditions: &[Condition],
        samples: &[(usize, Sample)],
        holds: &mut Holds,
    ) -> (Verdict, Vec<Judged>) {
        let readings = Readings { samples, baselines: &self.baselines, declared: &self.declared };
        let mut all = Verdict::Holds;
        let mut judged: Vec<(&Condition, Verdict)> = Vec::with_capacity(conditions.len());
        for condition in conditions {
            let verdict = measure::evaluate(condition, &readings, holds, self.now);
            judged.push((condition, verdict));
            all = match (all, verdict) {
                (_, Verdict::DoesNotHold) | (Verdict::DoesNotHold, _) => Verdict::DoesNotHold,
                (_, Verdict::NoData) | (Verdict::NoData, _) => Verdict::NoData,
                (_, Verdict::Pending) | (Verdict::Pending, _) => Verdict::Pending,
                _ => Verdict::Holds,
            };
        }
        let judged = judged
            .into_iter()
            .map(|(condition, verdict)| Judged { condition: self.text(condition), verdict })
            .collect();
        (all, judged)
    }
}

// ---------------------------------------------------------------------------------------------
// Nodes.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    Waiting,
    Running,
    Finished(NodeOutcome),
}

/// Where a node is.
enum Phase {
    Steps,
    /// A gate's `require`.
    Require {
        deadline: i64,
    },
    /// A rollout stage's weight being set (the step `NODE.stage.N`), ending at `until`.
    StageSet {
        stage: usize,
        until: Option<(i64, StepOutcome)>,
    },
    /// A rollout stage's hold `[start, end]`.
    StageHold {
        stage: usize,
        start: i64,
        end: i64,
    },
    /// A watch's window `[start, end]`.
    Window {
        start: i64,
        end: i64,
    },
    /// `pause D`: waits, then decides again.
    Paused {
        until: i64,
        resume: Resume,
    },
    /// A rollback tree runs on its behalf.
    InTree {
        resume: Resume,
    },
    /// Asks a person what an inconclusive measurement means.
    Asking {
        deadline: i64,
        resume: Resume,
    },
    Over,
}

/// What a node goes back to when its failure is let through or decided again.
#[derive(Clone, Copy, Debug)]
enum Resume {
    /// The failed step (tried again after a pause), or the end of the node after `continue`.
    Step,
    /// The gate's `require`, from the start.
    Require,
    StageHold {
        stage: usize,
        start: i64,
        end: i64,
    },
    Window {
        start: i64,
        end: i64,
    },
}

struct NodeRun<'m> {
    node: &'m Node,
    status: Status,
    wake: Option<i64>,
    phase: Phase,
    steps: StepList<'m>,
    sampler: Sampler,
    /// A watch with conditions on cadences of their own: one sampler and next sample per group
    /// of `Node::condition_groups` (empty otherwise: the watch samples with `sampler`).
    groups: Vec<GroupRun>,
    /// The action that handles the next failure: the node's own, or a pause's `then`.
    action: Option<&'m Action>,
    /// A pause is deciding again: the next failure takes `action` without pausing.
    after_pause: bool,
}

impl NodeRun<'_> {
    /// The node's step under way, if its steps are what it is doing: a step that failed stays
    /// the list's current one (a pause tries it again), but while the node waits out the pause,
    /// is in its tree or is over, nothing of it is running for a signal to interrupt (R25).
    fn step_running(&self) -> Option<String> {
        match (&self.status, &self.phase) {
            (Status::Running, Phase::Steps) => self.steps.running(),
            _ => None,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Rollback trees and alerts.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TreeResult {
    Continue,
    RolledBack,
    NotifiedOnly,
    Incomplete,
}

struct TreeRun<'m> {
    tree: &'m model::RollbackTree,
    running: bool,
    wake: Option<i64>,
    level: usize,
    steps: Option<StepList<'m>>,
    /// Nodes waiting for the tree to decide.
    waiters: Vec<usize>,
    /// What each level's steps came to, once they ran: a level runs at most once in a run.
    results: Vec<Option<TreeResult>>,
    /// The failure was let through by a `recheck` that resumed, not by a `continue` level.
    resumed: bool,
}

struct AlertRun<'m> {
    alert: &'m model::Alert,
    metrics: Vec<usize>,
    wake: Option<i64>,
    holds: Holds,
    firing: bool,
    steps: Option<StepList<'m>>,
    steps_wake: Option<i64>,
}

// ---------------------------------------------------------------------------------------------

struct Run<'m, 'w> {
    ctx: Ctx<'m, 'w>,
    nodes: Vec<NodeRun<'m>>,
    /// Node indices in dependency order.
    order: Vec<usize>,
    trees: Vec<TreeRun<'m>>,
    alerts: Vec<AlertRun<'m>>,
    started_at: i64,
    /// Set when the run must end; the run ends once no rollback is in progress.
    ending: Option<EndState>,
    ended: Option<EndState>,
    signal: Option<Signal>,
    /// The failures, each with how many times in a row it came.
    failures: Vec<(String, u32)>,
    continued_by_level: bool,
    first_breach: Option<i64>,
    rollback_done: Option<i64>,
    changed: bool,
    next_declaration: usize,
    next_signal: usize,
    next_rollback: usize,
    /// Suspended by a signal until this time.
    suspended_until: Option<i64>,
    /// A tree decided again with a level that already ran: the same decision as before.
    repeated: bool,
}

impl<'m, 'w> Run<'m, 'w> {
    fn new(model: &'m Model, order: &[NodeId], world: &'w World, detail: bool) -> Run<'m, 'w> {
        let nodes: Vec<NodeRun<'m>> = model
            .nodes
            .iter()
            .map(|node| NodeRun {
                node,
                status: Status::Waiting,
                wake: None,
                phase: Phase::Steps,
                steps: StepList::new(node.name.to_string(), &node.items, rules::sampling_ms(node)),
                sampler: Sampler::default(),
                groups: Vec::new(),
                action: node_action(node),
                after_pause: false,
            })
            .collect();
        let trees = model
            .rollbacks
            .iter()
            .map(|tree| TreeRun {
                tree,
                running: false,
                wake: None,
                level: 0,
                steps: None,
                waiters: Vec::new(),
                results: vec![None; tree.levels.len()],
                resumed: false,
            })
            .collect();
        let alerts = model
            .alerts
            .iter()
            .map(|alert| AlertRun {
                alert,
                metrics: measure::metrics_of([&alert.when]),
                wake: None,
                holds: Holds::default(),
                firing: false,
                steps: None,
                steps_wake: None,
            })
            .collect();
        Run {
            ctx: Ctx {
                model,
                world,
                now: 0,
                events: Vec::new(),
                declared: Vec::new(),
                baselines: FxHashMap::default(),
                detail,
                texts: FxHashMap::default(),
                metrics: FxHashMap::default(),
                deciders: rustc_hash::FxHashSet::default(),
            },
            nodes,
            order: order.iter().map(|id| id.0).collect(),
            trees,
            alerts,
            started_at: 0,
            ending: None,
            ended: None,
            signal: None,
            failures: Vec::new(),
            continued_by_level: false,
            first_breach: None,
            rollback_done: None,
            changed: false,
            next_declaration: 0,
            next_signal: 0,
            next_rollback: 0,
            suspended_until: None,
            repeated: false,
        }
    }

    fn model(&self) -> &'m Model {
        self.ctx.model
    }

    fn run(&mut self) {
        // The run starts when its first node can, or when a baseline's window opens.
        let model = self.model();
        let start = self
            .nodes
            .iter()
            .filter(|run| run.node.after.is_empty())
            .map(|run| run.node.at_ms.unwrap_or(0))
            .chain(model.metrics.iter().filter_map(|metric| metric.baseline.as_ref().map(|baseline| baseline.at_ms)))
            .min()
            .unwrap_or(0);
        self.started_at = start;
        self.ctx.now = start;
        let operator = self.ctx.world.operator.clone();
        self.ctx.emit(EventKind::RunStarted { operator });
        for alert in &mut self.alerts {
            alert.wake = Some(start);
        }
        self.schedule_ready();
        // A bound on the loop: every iteration moves a process on; this only stops a defect.
        let mut budget: u64 = 50_000_000;
        while self.ended.is_none() && budget > 0 {
            budget -= 1;
            let Some(next) = self.next_wake() else {
                self.conclude();
                break;
            };
            self.ctx.now = self.ctx.now.max(next.0);
            match next.1 {
                Wake::Outside => self.outside_events(),
                Wake::Resume => self.resume(),
                Wake::Tree(index) => self.advance_tree(index),
                Wake::Node(index) => self.advance_node(index),
                Wake::Alert(index) => self.advance_alert(index),
            }
            if self.ending.is_some() && !self.trees.iter().any(|tree| tree.running) {
                self.conclude();
            }
        }
        if self.ended.is_none() {
            self.conclude();
        }
    }

    /// The earliest process to wake, with the tie order of the module's documentation.
    fn next_wake(&self) -> Option<(i64, Wake)> {
        if let Some(until) = self.suspended_until {
            return Some((until, Wake::Resume));
        }
        fn consider(best: &mut Option<(i64, Wake)>, time: Option<i64>, wake: Wake) {
            if let Some(time) = time {
                if best.as_ref().is_none_or(|(best_time, _)| time < *best_time) {
                    *best = Some((time, wake));
                }
            }
        }
        let mut best: Option<(i64, Wake)> = None;
        if self.ending.is_none() {
            consider(&mut best, self.next_outside(), Wake::Outside);
        }
        for (index, tree) in self.trees.iter().enumerate() {
            consider(&mut best, tree.wake, Wake::Tree(index));
        }
        for &index in &self.order {
            consider(&mut best, self.nodes[index].wake, Wake::Node(index));
        }
        // Alerts only while something else is still to happen: they do not keep a run alive.
        if best.is_some() {
            for (index, alert) in self.alerts.iter().enumerate() {
                let wake = match (alert.wake, alert.steps_wake) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
                consider(&mut best, wake, Wake::Alert(index));
            }
        }
        best
    }

    fn next_outside(&self) -> Option<i64> {
        let world = self.ctx.world;
        [
            world.declarations.get(self.next_declaration).map(|d| d.at),
            world.signals.get(self.next_signal).map(|s| s.at),
            world.rollbacks.get(self.next_rollback).map(|r| r.at),
        ]
        .into_iter()
        .flatten()
        .min()
        .map(|at| at.max(self.started_at))
    }

    // ------------------------------------------------------------------ outside events

    fn outside_events(&mut self) {
        let now = self.ctx.now;
        let world = self.ctx.world;
        if let Some(signal) = world.signals.get(self.next_signal).filter(|s| s.at.max(self.started_at) <= now).copied()
        {
            self.next_signal += 1;
            self.interrupt(signal.signal, signal.resume);
            return;
        }
        if let Some(declaration) =
            world.declarations.get(self.next_declaration).filter(|d| d.at.max(self.started_at) <= now)
        {
            self.next_declaration += 1;
            self.declare(declaration.text.clone(), declaration.by.clone());
            return;
        }
        if let Some(rollback) = world.rollbacks.get(self.next_rollback).filter(|r| r.at.max(self.started_at) <= now) {
            self.next_rollback += 1;
            let reason = format!("{} entered it by hand (--rollback)", rollback.by);
            self.enter_tree(rollback.tree, reason, None);
        }
    }

    /// A person declares a trigger: the nodes running whose rollback tree has a level for it
    /// enter that tree; alerts see it at their next sample.
    fn declare(&mut self, text: String, by: String) {
        self.ctx.emit(EventKind::Declared { text: text.clone(), by });
        self.ctx.declared.push(text.clone());
        let model = self.model();
        let mut entering: Vec<(usize, TreeId)> = Vec::new();
        for &index in &self.order {
            let run = &self.nodes[index];
            if run.status != Status::Running || matches!(run.phase, Phase::InTree { .. }) {
                continue;
            }
            let Some(tree) = run.node.on_fail.as_ref().or(run.node.on_breach()).and_then(Action::rollback_tree) else {
                continue;
            };
            let mentions = model.rollbacks[tree.0].levels.iter().any(|level| {
                level
                    .when
                    .walk()
                    .iter()
                    .any(|part| matches!(&part.kind, ConditionKind::Declared { text: said } if *said == text))
            });
            if mentions {
                entering.push((index, tree));
            }
        }
        for (index, tree) in entering {
            let resume = self.resume_point(index);
            self.nodes[index].phase = Phase::InTree { resume };
            self.nodes[index].wake = None;
            self.note_breach();
            self.enter_tree(
                tree,
                format!("declared \"{text}\" while {} ran", self.nodes[index].node.name),
                Some(index),
            );
        }
    }

    /// A signal stops the run where it is. It never starts a rollback; with `resume`, the run
    /// goes on from there later.
    fn interrupt(&mut self, signal: Signal, resume: Option<i64>) {
        let mut running = Vec::new();
        for &index in &self.order {
            if let Some(step) = self.nodes[index].step_running() {
                running.push(step);
            }
        }
        for tree in &self.trees {
            if let Some(step) = tree.steps.as_ref().and_then(StepList::running) {
                running.push(step);
            }
        }
        self.ctx.emit(EventKind::Signal { signal, running });
        self.signal = Some(signal);
        let Some(resume) = resume else {
            self.stop_everything();
            self.ended = Some(EndState::Interrupted);
            return;
        };
        for &index in &self.order {
            let run = &mut self.nodes[index];
            if run.step_running().is_some() {
                run.steps.interrupt(resume);
            }
            if let Some(wake) = run.wake {
                run.wake = Some(wake.max(resume));
            }
        }
        for tree in &mut self.trees {
            if let Some(steps) = &mut tree.steps {
                steps.interrupt(resume);
            }
            if let Some(wake) = tree.wake {
                tree.wake = Some(wake.max(resume));
            }
        }
        for alert in &mut self.alerts {
            alert.wake = alert.wake.map(|wake| wake.max(resume));
            alert.steps_wake = alert.steps_wake.map(|wake| wake.max(resume));
        }
        self.suspended_until = Some(resume);
    }

    /// The run starts again after a signal. A command that was interrupted part-way runs again
    /// only when a person says so.
    fn resume(&mut self) {
        self.suspended_until = None;
        self.ctx.emit(EventKind::Resumed {});
        let mut asked: Vec<String> = Vec::new();
        for &index in &self.order {
            if let Some(step) = self.nodes[index].steps.needs_confirmation() {
                asked.push(step);
            }
        }
        for tree in &self.trees {
            if let Some(step) = tree.steps.as_ref().and_then(StepList::needs_confirmation) {
                asked.push(step);
            }
        }
        for step in asked {
            self.ctx.emit(EventKind::Question {
                id: step.clone(),
                question: format!("{step} was interrupted part-way: run it again?"),
            });
            match self.ctx.world.decisions.get(&step) {
                Some(decision) if decision.answer == Answer::Continue => {
                    let at = self.ctx.now.saturating_add(as_i64(decision.after_ms));
                    self.ctx.emit_at(
                        at,
                        EventKind::Decided {
                            id: step.clone(),
                            answer: "continue".into(),
                            by: Some(decision.by.clone()),
                        },
                    );
                    for run in &mut self.nodes {
                        if run.steps.needs_confirmation().as_deref() == Some(step.as_str()) {
                            run.steps.confirmed();
                            run.wake = run.wake.map(|wake| wake.max(at));
                        }
                    }
                    for tree in &mut self.trees {
                        if let Some(steps) = &mut tree.steps {
                            if steps.needs_confirmation().as_deref() == Some(step.as_str()) {
                                steps.confirmed();
                                tree.wake = tree.wake.map(|wake| wake.max(at));
                            }
                        }
                    }
                }
                Some(decision) => {
                    let at = self.ctx.now.saturating_add(as_i64(decision.after_ms));
                    self.ctx.emit_at(
                        at,
                        EventKind::Decided {
                            id: step.clone(),
                            answer: decision.answer.name().into(),
                            by: Some(decision.by.clone()),
                        },
                    );
                    self.ctx.now = at;
                    self.stop_everything();
                    self.ended = Some(EndState::Halted);
                    return;
                }
                None => {
                    self.ctx.now = self.ctx.now.saturating_add(as_i64(DEFAULT_ANSWER_TIMEOUT_MS));
                    self.ctx.emit(EventKind::Decided { id: step, answer: "unanswered".into(), by: None });
                    self.stop_everything();
                    self.ended = Some(EndState::Halted);
                    return;
                }
            }
        }
    }

    // ------------------------------------------------------------------ nodes

    /// Gives every waiting node whose dependencies are done its start time.
    fn schedule_ready(&mut self) {
        if self.ending.is_some() {
            return;
        }
        let now = self.ctx.now;
        for &index in &self.order {
            let run = &self.nodes[index];
            if run.status != Status::Waiting || run.wake.is_some() {
                continue;
            }
            let ready = run.node.after.iter().all(|dependency| {
                matches!(self.nodes[dependency.0].status, Status::Finished(NodeOutcome::Done | NodeOutcome::Continued))
            });
            if ready {
                // A node with neither `at` nor `after` starts at T0 (R2).
                let at = run.node.at_ms.or(if run.node.after.is_empty() { Some(0) } else { None });
                let start = at.map_or(now, |at| at.max(now));
                self.nodes[index].wake = Some(start);
            }
        }
    }

    fn advance_node(&mut self, index: usize) {
        let now = self.ctx.now;
        let run = &mut self.nodes[index];
        run.wake = None;
        if run.status == Status::Waiting {
            let node = run.node;
            if let Some(reason) = self.held(node) {
                // R27: the node does not start; the run halts, and a rerun in the window resumes.
                let name = node.name.to_string();
                self.ctx.emit(EventKind::NodeHeld { node: name.clone(), reason: reason.clone() });
                self.note_failure(format!("{name} did not start: {reason}"));
                self.end_run(EndState::Halted);
                return;
            }
            let run = &mut self.nodes[index];
            run.status = Status::Running;
            self.ctx.emit(EventKind::NodeStarted { node: node.name.to_string(), kind: node.kind.name().into() });
            if node.point_of_no_return
                || node.kind == NodeKind::Rollout
                || node_action(node).and_then(Action::rollback_tree).is_some()
            {
                self.changed = true;
            }
        }
        loop {
            let run = &mut self.nodes[index];
            let node = run.node;
            match run.phase {
                Phase::Steps => match run.steps.poll(&mut self.ctx) {
                    Poll::Wake(at) => {
                        run.wake = Some(at);
                        return;
                    }
                    Poll::Done => {
                        run.after_pause = false;
                        run.action = node_action(node);
                        run.phase = match node.kind {
                            NodeKind::Gate if !node.requires.is_empty() => {
                                run.sampler.reset();
                                let hold = rules::hold_ms(&node.requires);
                                let deadline =
                                    rules::require_deadline_ms(hold, rules::sampling_ms(node), node.tolerance);
                                Phase::Require { deadline: now.saturating_add(as_i64(deadline)) }
                            }
                            NodeKind::Rollout if !node.stages().is_empty() => Phase::StageSet { stage: 0, until: None },
                            NodeKind::Watch => {
                                run.sampler.reset();
                                run.groups.clear();
                                if !node.cadences().is_empty() {
                                    // Every group samples at the start of the window.
                                    let count = node.condition_groups(DEFAULT_SAMPLING_MS).len();
                                    run.groups.extend(
                                        (0..count).map(|_| GroupRun { next: Some(now), ..GroupRun::default() }),
                                    );
                                }
                                let end = now.saturating_add(as_i64(node.for_ms().unwrap_or(0)));
                                Phase::Window { start: now, end }
                            }
                            _ => Phase::Over,
                        };
                    }
                    Poll::Failed { step, outcome } => {
                        let reason = format!("step {step} {}", outcome_text(outcome));
                        self.fail(index, reason, Resume::Step);
                        return;
                    }
                    Poll::Inconclusive { step } => {
                        self.inconclusive(index, format!("{step} had no data"), Resume::Step);
                        return;
                    }
                    Poll::Recheck => {}
                },
                Phase::Require { deadline } => {
                    let by = format!("{}.require", node.name);
                    let (verdict, judged) = self.ctx.evaluate(&by, &node.requires, &mut run.sampler.holds);
                    let (judgement, note) = run.sampler.judge(verdict, node.tolerance);
                    let every = rules::sampling_ms(node);
                    let next = if now >= deadline {
                        None
                    } else {
                        Some(next_sample_with_hold(now, every, deadline, &node.requires, &run.sampler.holds))
                    };
                    match (verdict, judgement, next) {
                        (Verdict::Holds, _, _) => {
                            self.ctx.decision(&by, verdict, judged, "the gate passes".into());
                            run.phase = Phase::Over;
                        }
                        (_, Judgement::Inconclusive, _) | (Verdict::NoData, _, None) => {
                            self.ctx.decision(&by, verdict, judged, "inconclusive: a person decides".into());
                            self.inconclusive(index, "its conditions had no data".into(), Resume::Require);
                            return;
                        }
                        (_, Judgement::Breach, _) | (_, _, None) => {
                            let then = if judgement == Judgement::Breach {
                                "the gate fails"
                            } else {
                                "the gate fails: its conditions did not hold in time"
                            };
                            self.ctx.decision(&by, verdict, judged.clone(), then.into());
                            let failed = failing(&judged);
                            self.fail(index, format!("gate {}: {}", node.name, failed.join(", ")), Resume::Require);
                            return;
                        }
                        (_, _, Some(next)) => {
                            let then =
                                if note.is_empty() { "samples again".into() } else { format!("{note}; samples again") };
                            self.ctx.decision(&by, verdict, judged, then);
                            run.wake = Some(next);
                            return;
                        }
                    }
                }
                Phase::StageSet { stage, until } => {
                    let Some(spec) = node.stages().get(stage) else {
                        run.phase = Phase::Over;
                        continue;
                    };
                    let id = format!("{}.stage.{}", node.name, stage + 1);
                    let (at, outcome) = match until {
                        Some(until) => until,
                        None => {
                            if let Some(at) = spec.at_ms {
                                if now < at {
                                    run.wake = Some(at);
                                    return;
                                }
                            }
                            let until = stage_set_start(&mut self.ctx, node, stage, &id);
                            run.phase = Phase::StageSet { stage, until: Some(until) };
                            until
                        }
                    };
                    if now < at {
                        run.wake = Some(at);
                        return;
                    }
                    self.ctx.emit(EventKind::StepFinished { step: id.clone(), outcome, detail: None });
                    if outcome != StepOutcome::Succeeded {
                        let reason = format!("step {id} {}", outcome_text(outcome));
                        // Setting the weight failed: deciding again sets it again.
                        self.fail(index, reason, Resume::StageHold { stage, start: now, end: now });
                        return;
                    }
                    let run = &mut self.nodes[index];
                    run.sampler.reset();
                    let end = now.saturating_add(as_i64(spec.hold_ms.unwrap_or(0)));
                    run.phase = Phase::StageHold { stage, start: now, end };
                }
                Phase::StageHold { stage, start, end } => {
                    let every = node
                        .stages()
                        .get(stage)
                        .and_then(|spec| spec.every_ms)
                        .unwrap_or_else(|| rules::sampling_ms(node));
                    if node.requires.is_empty() {
                        if now < end {
                            run.wake = Some(end);
                            return;
                        }
                    } else {
                        let by = format!("{}.stage.{}", node.name, stage + 1);
                        let (verdict, judged) = self.ctx.evaluate(&by, &node.requires, &mut run.sampler.holds);
                        let (judgement, note) = run.sampler.judge(verdict, node.tolerance);
                        match judgement {
                            Judgement::Breach | Judgement::Inconclusive => {
                                let resume = Resume::StageHold { stage, start, end };
                                self.judged_against(index, &by, (verdict, judged), judgement, resume);
                                return;
                            }
                            Judgement::Fine | Judgement::Tolerated => {
                                let next = self.ctx.skip_quiet(
                                    rules::next_sample(start, end, every, now),
                                    (start, end, every),
                                    verdict,
                                    &run.sampler,
                                    &node.requires,
                                );
                                let then = samples_again_or(next, &note, || "the stage is done".to_string());
                                self.ctx.decision(&by, verdict, judged, then);
                                if let Some(next) = next {
                                    run.wake = Some(next);
                                    return;
                                }
                            }
                        }
                    }
                    run.phase = if stage + 1 < node.stages().len() {
                        Phase::StageSet { stage: stage + 1, until: None }
                    } else {
                        Phase::Over
                    };
                }
                Phase::Window { start, end } if !run.groups.is_empty() => {
                    // Each group of conditions on its own grid (R15): those due now are sampled,
                    // in order; the first breach or inconclusive group decides.
                    let mut wake: Option<i64> = None;
                    for (position, group) in node.condition_groups(DEFAULT_SAMPLING_MS).iter().enumerate() {
                        let Some(state) = self.nodes[index].groups.get_mut(position) else { continue };
                        match state.next {
                            Some(next) if next <= now => {}
                            other => {
                                wake = earliest(wake, other);
                                continue;
                            }
                        }
                        let by = group_by(node, group);
                        let (verdict, judged) = self.ctx.evaluate(&by, group.conditions, &mut state.sampler.holds);
                        let (judgement, note) = state.sampler.judge(verdict, node.tolerance);
                        let nodata = state.sampler.nodata;
                        match judgement {
                            Judgement::Breach | Judgement::Inconclusive => {
                                if judgement == Judgement::Inconclusive {
                                    // The node's count of samples without data is its group's.
                                    self.nodes[index].sampler.nodata = nodata;
                                }
                                let resume = Resume::Window { start, end };
                                self.judged_against(index, &by, (verdict, judged), judgement, resume);
                                return;
                            }
                            Judgement::Fine | Judgement::Tolerated => {
                                let next = rules::next_sample(start, end, group.every_ms, now);
                                state.next = next;
                                let then = samples_again_or(next, &note, || held_for(node));
                                self.ctx.decision(&by, verdict, judged, then);
                                wake = earliest(wake, next);
                            }
                        }
                    }
                    let run = &mut self.nodes[index];
                    match wake {
                        Some(wake) => {
                            run.wake = Some(wake);
                            return;
                        }
                        None => run.phase = Phase::Over,
                    }
                }
                Phase::Window { start, end } => {
                    let conditions = node.conditions();
                    if conditions.is_empty() {
                        if now < end {
                            run.wake = Some(end);
                            return;
                        }
                        run.phase = Phase::Over;
                        continue;
                    }
                    let by = format!("{}.watch", node.name);
                    let (verdict, judged) = self.ctx.evaluate(&by, conditions, &mut run.sampler.holds);
                    let (judgement, note) = run.sampler.judge(verdict, node.tolerance);
                    match judgement {
                        Judgement::Breach | Judgement::Inconclusive => {
                            let resume = Resume::Window { start, end };
                            self.judged_against(index, &by, (verdict, judged), judgement, resume);
                            return;
                        }
                        Judgement::Fine | Judgement::Tolerated => {
                            let next = self.ctx.skip_quiet(
                                rules::next_sample(start, end, rules::sampling_ms(node), now),
                                (start, end, rules::sampling_ms(node)),
                                verdict,
                                &run.sampler,
                                conditions,
                            );
                            let then = samples_again_or(next, &note, || held_for(node));
                            self.ctx.decision(&by, verdict, judged, then);
                            match next {
                                Some(next) => {
                                    run.wake = Some(next);
                                    return;
                                }
                                None => run.phase = Phase::Over,
                            }
                        }
                    }
                }
                Phase::Paused { until, resume } => {
                    if now < until {
                        run.wake = Some(until);
                        return;
                    }
                    self.decide_again(index, resume);
                    if self.nodes[index].wake.is_some() || self.nodes[index].status != Status::Running {
                        return;
                    }
                }
                Phase::InTree { .. } => return,
                Phase::Asking { deadline, resume } => {
                    if now < deadline {
                        run.wake = Some(deadline);
                        return;
                    }
                    self.answer_inconclusive(index, resume);
                    if self.nodes[index].wake.is_some() || self.nodes[index].status != Status::Running {
                        return;
                    }
                }
                Phase::Over => {
                    self.finish_node(index, NodeOutcome::Done);
                    return;
                }
            }
        }
    }

    /// Why a node that can change something may not start now (R27): the clock, T0 plus the
    /// run's time, inside a freeze or outside every window for changes. Never without T0.
    fn held(&self, node: &Node) -> Option<String> {
        if !self.model().held_by_windows(node) {
            return None;
        }
        let t0 = self.ctx.world.t0.as_ref()?;
        let at = t0.timestamp().checked_add(jiff::SignedDuration::from_millis(self.ctx.now)).ok()?;
        let model = self.model();
        let shown = |zone: &str| {
            let zone = crate::zones::get(zone).unwrap_or(jiff::tz::TimeZone::UTC);
            at.to_zoned(zone).strftime("%a %Y-%m-%d %H:%M %Z").to_string()
        };
        for freeze in &model.freezes {
            if freeze.periods.iter().any(|period| period.from <= at && at < period.until) {
                let zone = t0.time_zone().iana_name().unwrap_or("UTC");
                return Some(format!("{} is in the freeze {}", shown(zone), freeze.name));
            }
        }
        let mut windows = model.change_windows();
        let first = windows.clone().next()?;
        if windows.any(|window| crate::analysis::windows::inside(window, at)) {
            return None;
        }
        Some(format!("{} is outside every window for changes", shown(&first.zone)))
    }

    fn finish_node(&mut self, index: usize, outcome: NodeOutcome) {
        let run = &mut self.nodes[index];
        run.status = Status::Finished(outcome);
        run.phase = Phase::Over;
        run.wake = None;
        let name = run.node.name.to_string();
        self.ctx.emit(EventKind::NodeFinished { node: name, outcome });
        self.schedule_ready();
    }

    /// Where a node goes back to when its failure is let through.
    fn resume_point(&self, index: usize) -> Resume {
        match self.nodes[index].phase {
            Phase::Require { .. } => Resume::Require,
            Phase::StageHold { stage, start, end } => Resume::StageHold { stage, start, end },
            Phase::Window { start, end } => Resume::Window { start, end },
            Phase::Paused { resume, .. } | Phase::InTree { resume } | Phase::Asking { resume, .. } => resume,
            _ => Resume::Step,
        }
    }

    /// A sample of a stage or a watch that went against the node: a breach hands it to its
    /// `on breach` (R9), no data past its tolerance to a person (R10); deciding again resumes
    /// at `resume`.
    fn judged_against(
        &mut self,
        index: usize,
        by: &str,
        (verdict, judged): (Verdict, Vec<Judged>),
        judgement: Judgement,
        resume: Resume,
    ) {
        if judgement == Judgement::Breach {
            self.ctx.decision(by, verdict, judged.clone(), "breached".into());
            self.breach(index, &judged, resume);
        } else {
            self.ctx.decision(by, verdict, judged, "inconclusive: a person decides".into());
            self.inconclusive(index, "its conditions had no data".into(), resume);
        }
    }

    fn breach(&mut self, index: usize, judged: &[Judged], resume: Resume) {
        let node = self.nodes[index].node;
        let failed = failing(judged);
        self.ctx.emit(EventKind::Breach { node: node.name.to_string(), conditions: failed.clone() });
        self.fail(index, format!("{} breached: {}", node.name, failed.join(", ")), resume);
    }

    /// A node failed or was breached: its action decides what follows.
    fn fail(&mut self, index: usize, reason: String, resume: Resume) {
        let run = &mut self.nodes[index];
        let name = run.node.name.to_string();
        let action = run.action;
        let after_pause = run.after_pause;
        match action {
            Some(Action::Pause { wait_ms, then }) if !after_pause => {
                self.ctx.emit(EventKind::Action {
                    node: name,
                    action: format!("pause {}, then decide again", crate::units::format_duration(*wait_ms)),
                });
                let run = &mut self.nodes[index];
                run.action = then.as_deref();
                run.after_pause = true;
                let until = self.ctx.now.saturating_add(as_i64(*wait_ms));
                run.phase = Phase::Paused { until, resume };
                run.wake = Some(until);
            }
            Some(Action::Continue) => {
                self.ctx.emit(EventKind::Action { node: name.clone(), action: "continue (on fail continue)".into() });
                self.note_failure(format!("{reason} (the plan says continue)"));
                self.let_through(index, resume);
            }
            Some(Action::Rollback { tree }) => {
                let tree_name = self.model().rollbacks[tree.0].name.to_string();
                self.ctx.emit(EventKind::Action { node: name, action: format!("rollback {tree_name}") });
                self.note_breach();
                self.note_failure(reason.clone());
                let run = &mut self.nodes[index];
                run.phase = Phase::InTree { resume };
                run.wake = None;
                self.enter_tree(*tree, reason, Some(index));
            }
            Some(Action::Abort) | Some(Action::Pause { .. }) | None => {
                self.ctx.emit(EventKind::Action { node: name, action: "abort".into() });
                self.note_failure(reason);
                self.nodes[index].status = Status::Finished(NodeOutcome::Failed);
                let node = self.nodes[index].node.name.to_string();
                self.ctx.emit(EventKind::NodeFinished { node, outcome: NodeOutcome::Failed });
                self.end_run(EndState::Aborted);
            }
        }
    }

    /// After a pause, the node decides again: the failed step once more, the gate's conditions
    /// from the start, or one more sample of a stage's or watch's conditions.
    fn decide_again(&mut self, index: usize, resume: Resume) {
        let run = &mut self.nodes[index];
        match resume {
            Resume::Step => {
                run.steps.retry_current();
                run.phase = Phase::Steps;
            }
            Resume::Require => {
                let node = run.node;
                run.sampler.reset();
                let hold = rules::hold_ms(&node.requires);
                let deadline = rules::require_deadline_ms(hold, rules::sampling_ms(node), node.tolerance);
                run.phase = Phase::Require { deadline: self.ctx.now.saturating_add(as_i64(deadline)) };
            }
            Resume::StageHold { stage, start, end } if start == end => {
                // Setting the weight failed: set it again.
                run.steps.retry_current();
                run.phase = Phase::StageSet { stage, until: None };
            }
            Resume::StageHold { .. } | Resume::Window { .. } => {
                let node = run.node;
                let conditions: &[Condition] =
                    if node.kind == NodeKind::Watch { node.conditions() } else { &node.requires };
                let by = format!("{}.decide_again", node.name);
                run.sampler.reset();
                let (verdict, judged) = self.ctx.evaluate(&by, conditions, &mut run.sampler.holds);
                if matches!(verdict, Verdict::Holds | Verdict::Pending) {
                    self.ctx.decision(&by, verdict, judged, "holds again: it goes on".into());
                    let run = &mut self.nodes[index];
                    run.after_pause = false;
                    run.action = node_action(node);
                    self.go_back(index, resume);
                } else {
                    self.ctx.decision(&by, verdict, judged.clone(), "still failing".into());
                    let reason =
                        format!("{} still failing after the pause: {}", node.name, failing(&judged).join(", "));
                    self.fail(index, reason, resume);
                }
            }
        }
    }

    /// Goes back to sampling a stage or a watch where it was; the window keeps its end.
    fn go_back(&mut self, index: usize, resume: Resume) {
        let now = self.ctx.now;
        let run = &mut self.nodes[index];
        run.sampler.reset();
        match resume {
            Resume::StageHold { stage, start, end } => {
                run.phase = Phase::StageHold { stage, start, end };
                match rules::next_sample(start, end, rules::sampling_ms(run.node), now) {
                    Some(next) => run.wake = Some(next),
                    None => {
                        run.phase = if stage + 1 < run.node.stages().len() {
                            Phase::StageSet { stage: stage + 1, until: None }
                        } else {
                            Phase::Over
                        }
                    }
                }
            }
            Resume::Window { start, end } if !run.groups.is_empty() => {
                // Each group goes on on its own grid, its counts started again.
                run.phase = Phase::Window { start, end };
                let mut wake = None;
                for (state, group) in run.groups.iter_mut().zip(run.node.condition_groups(DEFAULT_SAMPLING_MS)) {
                    state.sampler.reset();
                    state.next = rules::next_sample(start, end, group.every_ms, now);
                    wake = earliest(wake, state.next);
                }
                match wake {
                    Some(wake) => run.wake = Some(wake),
                    None => run.phase = Phase::Over,
                }
            }
            Resume::Window { start, end } => {
                run.phase = Phase::Window { start, end };
                let mut next = rules::next_sample(start, end, rules::sampling_ms(run.node), now);
                if self.repeated && !self.ctx.detail {
                    // A brief run: let through again by a level that already ran, with nothing
                    // read changing before `quiet`, every sample until then would do the same.
                    let metrics = self.ctx.metrics_of(run.node.conditions());
                    next = match (next, self.ctx.quiet_until(&metrics)) {
                        (Some(next), Some(quiet)) if quiet > next => {
                            Some(rules::next_sample(start, end, rules::sampling_ms(run.node), quiet - 1).unwrap_or(end))
                        }
                        (Some(_), None) => Some(end),
                        (next, _) => next,
                    };
                }
                match next {
                    Some(next) => run.wake = Some(next),
                    None => run.phase = Phase::Over,
                }
            }
            Resume::Step | Resume::Require => {
                run.phase = Phase::Over;
            }
        }
        if self.nodes[index].wake.is_none() {
            self.nodes[index].wake = Some(now);
        }
    }

    /// The plan goes on after a failure: a stage or a watch resumes where it was; a phase or a
    /// gate is over, with the failure noted.
    fn let_through(&mut self, index: usize, resume: Resume) {
        match resume {
            Resume::StageHold { .. } | Resume::Window { .. } => self.go_back(index, resume),
            Resume::Step | Resume::Require => self.finish_node(index, NodeOutcome::Continued),
        }
    }

    /// Too many samples without data: the run asks a person instead of guessing.
    fn inconclusive(&mut self, index: usize, reason: String, resume: Resume) {
        let now = self.ctx.now;
        let run = &mut self.nodes[index];
        let node = run.node.name.to_string();
        let nodata_samples = u32::from(run.sampler.nodata);
        self.ctx.emit(EventKind::Inconclusive { node: node.clone(), nodata_samples });
        self.ctx.emit(EventKind::Question {
            id: node.clone(),
            question: format!("{node}: {reason}; continue, rollback or abort?"),
        });
        let deadline = match self.ctx.world.decisions.get(&node) {
            Some(decision) => now.saturating_add(as_i64(decision.after_ms.min(DEFAULT_ANSWER_TIMEOUT_MS))),
            None => now.saturating_add(as_i64(DEFAULT_ANSWER_TIMEOUT_MS)),
        };
        let run = &mut self.nodes[index];
        run.phase = Phase::Asking { deadline, resume };
        run.wake = Some(deadline);
    }

    fn answer_inconclusive(&mut self, index: usize, resume: Resume) {
        let node = self.nodes[index].node;
        let name = node.name.to_string();
        match self.ctx.world.decisions.get(&name) {
            Some(decision) if decision.after_ms <= DEFAULT_ANSWER_TIMEOUT_MS => {
                self.ctx.emit(EventKind::Decided {
                    id: name.clone(),
                    answer: decision.answer.name().into(),
                    by: Some(decision.by.clone()),
                });
                match decision.answer {
                    Answer::Continue => {
                        let run = &mut self.nodes[index];
                        run.sampler.reset();
                        match resume {
                            Resume::Require => self.finish_node(index, NodeOutcome::Done),
                            Resume::Step => {
                                let run = &mut self.nodes[index];
                                run.steps.skip_current();
                                run.phase = Phase::Steps;
                                run.wake = Some(self.ctx.now);
                            }
                            _ => self.go_back(index, resume),
                        }
                    }
                    Answer::Rollback => {
                        let reason = format!("{name}: inconclusive, {} chose to roll back", decision.by);
                        match node_action(node).and_then(Action::rollback_tree) {
                            Some(tree) => {
                                self.note_breach();
                                self.note_failure(reason.clone());
                                self.nodes[index].phase = Phase::InTree { resume };
                                self.nodes[index].wake = None;
                                self.ctx.emit(EventKind::Action {
                                    node: name,
                                    action: format!("rollback {}", self.model().rollbacks[tree.0].name),
                                });
                                self.enter_tree(tree, reason, Some(index));
                            }
                            None => {
                                self.ctx.emit(EventKind::Action { node: name.clone(), action: "abort".into() });
                                self.note_failure(format!("{reason}, but it has no rollback tree"));
                                self.nodes[index].status = Status::Finished(NodeOutcome::Failed);
                                self.ctx.emit(EventKind::NodeFinished { node: name, outcome: NodeOutcome::Failed });
                                self.end_run(EndState::Aborted);
                            }
                        }
                    }
                    Answer::Abort => {
                        self.ctx.emit(EventKind::Action { node: name.clone(), action: "abort".into() });
                        self.note_failure(format!("{name}: inconclusive, {} chose to abort", decision.by));
                        self.nodes[index].status = Status::Finished(NodeOutcome::Failed);
                        self.ctx.emit(EventKind::NodeFinished { node: name, outcome: NodeOutcome::Failed });
                        self.end_run(EndState::Aborted);
                    }
                }
            }
            _ => {
                self.ctx.emit(EventKind::Decided { id: name.clone(), answer: "unanswered".into(), by: None });
                self.note_failure(format!("{name}: inconclusive and nobody decided"));
                self.nodes[index].status = Status::Finished(NodeOutcome::Failed);
                self.ctx.emit(EventKind::NodeFinished { node: name, outcome: NodeOutcome::Failed });
                self.end_run(EndState::Halted);
            }
        }
    }

    /// Records a failure the run went on after or ended with; the same failure again in a row
    /// is counted, not repeated.
    fn note_failure(&mut self, reason: String) {
        match self.failures.last_mut() {
            Some((last, count)) if *last == reason => *count += 1,
            _ => self.failures.push((reason, 1)),
        }
    }

    fn note_breach(&mut self) {
        if self.first_breach.is_none() {
            self.first_breach = Some(self.ctx.now);
        }
    }

    // ------------------------------------------------------------------ trees

    fn enter_tree(&mut self, tree_id: TreeId, reason: String, waiter: Option<usize>) {
        let model = self.model();
        let tree = &mut self.trees[tree_id.0];
        let name = tree.tree.name.to_string();
        self.ctx.emit(EventKind::TreeEntered { tree: name.clone(), reason });
        if let Some(waiter) = waiter {
            tree.waiters.push(waiter);
        }
        if tree.running {
            // Already deciding: this node waits for the same decision.
            return;
        }
        let level = self.choose_level(tree_id, tree_levels(model, tree_id));
        let tree = &mut self.trees[tree_id.0];
        if let Some(result) = tree.results[level] {
            let level_name = tree.tree.levels[level].name.to_string();
            self.ctx.emit(EventKind::LevelFinished {
                tree: name,
                level: level_name,
                result: format!("{} (it ran before; a level runs once)", result_name(result)),
                left: Vec::new(),
            });
            self.repeated = true;
            self.tree_decided(tree_id, result);
            self.repeated = false;
            return;
        }
        self.start_level(tree_id, level);
    }

    /// The first level whose condition holds on a fresh sample; the most severe when none does,
    /// or when a probe gives no data and no level says what that means.
    fn choose_level(&mut self, tree_id: TreeId, limit: usize) -> usize {
        let tree = self.trees[tree_id.0].tree;
        let conditions: Vec<&Condition> = tree.levels.iter().take(limit).map(|level| &level.when).collect();
        let metrics = measure::metrics_of(conditions.iter().copied());
        let samples = self.ctx.sample(&tree.name, &metrics);
        let mut judged = Vec::new();
        let mut chosen = None;
        let mut holds = Holds::default();
        for (position, level) in tree.levels.iter().take(limit).enumerate() {
            // A tree decides on one sample: a `for` in a level is read as its condition.
            let verdict = {
                let readings =
                    Readings { samples: &samples, baselines: &self.ctx.baselines, declared: &self.ctx.declared };
                let verdict = measure::evaluate(&level.when, &readings, &mut holds, self.ctx.now);
                if verdict == Verdict::Pending {
                    Verdict::Holds
                } else {
                    verdict
                }
            };
            judged.push(Judged {
                condition: format!("{}: {}", level.name, crate::emit::view::condition_text(self.model(), &level.when)),
                verdict,
            });
            if verdict == Verdict::Holds && chosen.is_none() {
                chosen = Some(position);
            }
        }
        let missing = samples.iter().any(|(_, sample)| sample.value().is_none());
        let has_nodata = tree
            .levels
            .iter()
            .any(|level| level.when.walk().iter().any(|part| matches!(part.kind, ConditionKind::NoData { .. })));
        let (level, why) = if missing && !has_nodata {
            (0, "a probe gave no data and no level says what that means: the most severe level".to_string())
        } else {
            match chosen {
                Some(level) => (level, "the first level whose condition holds".to_string()),
                None => (0, "no level's condition holds: the most severe level".to_string()),
            }
        };
        let level_name = tree.levels.get(level).map(|level| level.name.to_string()).unwrap_or_default();
        self.ctx.emit(EventKind::LevelChosen {
            tree: tree.name.to_string(),
            level: level_name,
            why,
            conditions: judged,
        });
        level
    }

    fn start_level(&mut self, tree_id: TreeId, level: usize) {
        let now = self.ctx.now;
        let tree = &mut self.trees[tree_id.0];
        let Some(spec) = tree.tree.levels.get(level) else { return };
        tree.running = true;
        tree.level = level;
        tree.steps = Some(StepList::new(format!("{}.{}", tree.tree.name, spec.name), &spec.items, DEFAULT_SAMPLING_MS));
        tree.wake = Some(now);
    }

    /// The steps of the tree's current level not run yet: what a level that stops early leaves.
    fn level_steps_left(&self, tree_id: usize) -> Vec<String> {
        self.trees[tree_id].steps.as_ref().map(|steps| steps.left(self.model())).unwrap_or_default()
    }

    fn advance_tree(&mut self, tree_id: usize) {
        let id = TreeId(tree_id);
        loop {
            let tree = &mut self.trees[tree_id];
            tree.wake = None;
            let Some(steps) = tree.steps.as_mut() else { return };
            let tree_name = tree.tree.name.to_string();
            match steps.poll(&mut self.ctx) {
                Poll::Wake(at) => {
                    self.trees[tree_id].wake = Some(at);
                    return;
                }
                Poll::Recheck => {
                    let level = self.trees[tree_id].level;
                    let from = self.trees[tree_id].tree.levels[level].name.to_string();
                    let step = self.trees[tree_id].steps.as_ref().and_then(StepList::previous);
                    let outcome = match step.map(|step| &step.kind) {
                        Some(StepKind::Recheck { outcome: Some(outcome), .. }) => {
                            self.recheck_outcome(id, level, outcome)
                        }
                        _ => None,
                    };
                    let chosen = match outcome {
                        Some(Outcome::Stay) => continue,
                        Some(Outcome::Resume) => {
                            let left = self.level_steps_left(tree_id);
                            self.ctx.emit(EventKind::LevelFinished {
                                tree: tree_name,
                                level: from,
                                result: "resumed".into(),
                                left,
                            });
                            // Chosen again later, it stands on this: the failure let through.
                            self.trees[tree_id].results[level] = Some(TreeResult::Continue);
                            self.trees[tree_id].resumed = true;
                            self.tree_decided(id, TreeResult::Continue);
                            return;
                        }
                        // The first more severe level that holds, else the one just above.
                        Some(Outcome::Escalate) => self.recheck(id, level).or(level.checked_sub(1)),
                        // Only the more severe levels, above this one.
                        None => self.recheck(id, level),
                    };
                    match chosen {
                        Some(higher) => {
                            let to = self.trees[tree_id].tree.levels[higher].name.to_string();
                            self.ctx.emit(EventKind::Escalated {
                                tree: tree_name.clone(),
                                from: from.clone(),
                                to: Some(to.clone()),
                            });
                            let left = self.level_steps_left(tree_id);
                            self.trees[tree_id].results[level] = Some(TreeResult::NotifiedOnly);
                            self.ctx.emit(EventKind::LevelFinished {
                                tree: tree_name,
                                level: from,
                                result: format!("escalated to {to}"),
                                left,
                            });
                            self.start_level(id, higher);
                        }
                        None => {
                            self.ctx.emit(EventKind::Escalated { tree: tree_name, from, to: None });
                        }
                    }
                }
                Poll::Done => {
                    let tree = &self.trees[tree_id];
                    let level = tree.level;
                    let steps = tree.steps.as_ref();
                    let result = match steps {
                        Some(steps) if steps.saw_continue => TreeResult::Continue,
                        Some(steps) if steps.commands_done > 0 => TreeResult::RolledBack,
                        _ => TreeResult::NotifiedOnly,
                    };
                    let level_name = tree.tree.levels[level].name.to_string();
                    self.ctx.emit(EventKind::LevelFinished {
                        tree: tree_name,
                        level: level_name,
                        result: result_name(result).into(),
                        left: Vec::new(),
                    });
                    self.trees[tree_id].results[level] = Some(result);
                    self.tree_decided(id, result);
                    return;
                }
                Poll::Failed { .. } | Poll::Inconclusive { .. } => {
                    let left = self.level_steps_left(tree_id);
                    let tree = &self.trees[tree_id];
                    let level = tree.level;
                    let level_name = tree.tree.levels[level].name.to_string();
                    self.ctx.emit(EventKind::LevelFinished {
                        tree: tree_name,
                        level: level_name,
                        result: "incomplete".into(),
                        left,
                    });
                    self.trees[tree_id].results[level] = Some(TreeResult::Incomplete);
                    self.tree_decided(id, TreeResult::Incomplete);
                    return;
                }
            }
        }
    }

    /// A `recheck`'s outcome: its condition on one sample (a `for` read as its condition, as a
    /// tree decides); no data is not an improvement, so it is `otherwise`'s. `None`: what a bare
    /// `recheck` decides.
    fn recheck_outcome(&mut self, tree_id: TreeId, level: usize, outcome: &model::RecheckOutcome) -> Option<Outcome> {
        let tree = self.trees[tree_id.0].tree;
        let metrics = measure::metrics_of(std::iter::once(&outcome.condition));
        let samples = self.ctx.sample(&tree.name, &metrics);
        let readings = Readings { samples: &samples, baselines: &self.ctx.baselines, declared: &self.ctx.declared };
        let mut holds = Holds::default();
        let verdict = match measure::evaluate(&outcome.condition, &readings, &mut holds, self.ctx.now) {
            Verdict::Pending => Verdict::Holds,
            verdict => verdict,
        };
        let decided = if verdict == Verdict::Holds { Some(outcome.then) } else { outcome.otherwise };
        let text = self.ctx.text(&outcome.condition);
        self.ctx.emit(EventKind::Rechecked {
            tree: tree.name.to_string(),
            level: tree.levels.get(level).map(|level| level.name.to_string()).unwrap_or_default(),
            condition: Judged { condition: text, verdict },
            outcome: decided.map_or("recheck", Outcome::keyword).to_string(),
        });
        decided
    }

    fn recheck(&mut self, tree_id: TreeId, level: usize) -> Option<usize> {
        if level == 0 {
            return None;
        }
        let tree = self.trees[tree_id.0].tree;
        let conditions: Vec<&Condition> = tree.levels.iter().take(level).map(|level| &level.when).collect();
        let metrics = measure::metrics_of(conditions.iter().copied());
        let samples = self.ctx.sample(&tree.name, &metrics);
        let readings = Readings { samples: &samples, baselines: &self.ctx.baselines, declared: &self.ctx.declared };
        let mut holds = Holds::default();
        tree.levels.iter().take(level).position(|level| {
            matches!(
                measure::evaluate(&level.when, &readings, &mut holds, self.ctx.now),
                Verdict::Holds | Verdict::Pending
            )
        })
    }

    /// A tree's level is done: the nodes that waited go on, or the run ends.
    fn tree_decided(&mut self, tree_id: TreeId, result: TreeResult) {
        let tree = &mut self.trees[tree_id.0];
        tree.running = false;
        tree.steps = None;
        tree.wake = None;
        let waiters = std::mem::take(&mut tree.waiters);
        let why = if std::mem::take(&mut tree.resumed) {
            "continue (the recheck resumes the run)"
        } else {
            "continue (the level says continue)"
        };
        match result {
            TreeResult::Continue => {
                self.continued_by_level = true;
                for index in waiters {
                    if self.nodes[index].status != Status::Running {
                        continue;
                    }
                    let resume = self.resume_point(index);
                    let run = &mut self.nodes[index];
                    run.after_pause = false;
                    run.action = node_action(run.node);
                    let name = run.node.name.to_string();
                    self.ctx.emit(EventKind::Action { node: name, action: why.into() });
                    self.let_through(index, resume);
                }
            }
            TreeResult::RolledBack | TreeResult::NotifiedOnly | TreeResult::Incomplete => {
                // The nodes that entered the tree failed; the others stop with the run.
                for index in waiters {
                    let run = &mut self.nodes[index];
                    if run.status == Status::Running {
                        run.status = Status::Finished(NodeOutcome::Failed);
                        run.wake = None;
                        let node = run.node.name.to_string();
                        self.ctx.emit(EventKind::NodeFinished { node, outcome: NodeOutcome::Failed });
                    }
                }
                let state = match result {
                    TreeResult::RolledBack => {
                        self.rollback_done = Some(self.ctx.now);
                        EndState::RolledBack
                    }
                    TreeResult::NotifiedOnly => EndState::Halted,
                    _ => EndState::RollbackIncomplete,
                };
                self.end_run(state);
            }
        }
    }

    // ------------------------------------------------------------------ alerts

    fn advance_alert(&mut self, index: usize) {
        let now = self.ctx.now;
        let alert = &mut self.alerts[index];
        if alert.steps_wake.is_some_and(|wake| wake <= now) {
            alert.steps_wake = None;
            if let Some(mut steps) = alert.steps.take() {
                // An alert's steps tell people; whatever they come to, the run goes on.
                if let Poll::Wake(at) = steps.poll(&mut self.ctx) {
                    let alert = &mut self.alerts[index];
                    alert.steps = Some(steps);
                    alert.steps_wake = Some(at);
                }
            }
        }
        let alert = &mut self.alerts[index];
        if alert.wake.is_none_or(|wake| wake > now) {
            return;
        }
        let metrics = alert.metrics.clone();
        let mut samples = Vec::with_capacity(metrics.len());
        for &metric in &metrics {
            samples.push((metric, self.ctx.world.sample(metric, now)));
            self.ctx.baseline(metric);
        }
        let alert = &mut self.alerts[index];
        let readings = Readings { samples: &samples, baselines: &self.ctx.baselines, declared: &self.ctx.declared };
        let verdict = measure::evaluate(&alert.alert.when, &readings, &mut alert.holds, now);
        let firing = verdict == Verdict::Holds;
        let name = alert.alert.name.to_string();
        if firing && !alert.firing {
            alert.firing = true;
            let severity = alert.alert.severity.to_string();
            let items = &alert.alert.items;
            self.ctx.emit(EventKind::AlertFired { alert: name.clone(), severity });
            let mut steps = StepList::new(name.clone(), items, DEFAULT_SAMPLING_MS);
            if let Poll::Wake(at) = steps.poll(&mut self.ctx) {
                let alert = &mut self.alerts[index];
                alert.steps = Some(steps);
                alert.steps_wake = Some(at);
            }
        } else if !firing && alert.firing {
            alert.firing = false;
            self.ctx.emit(EventKind::AlertResolved { alert: name });
        }
        let mut next = now.saturating_add(as_i64(DEFAULT_SAMPLING_MS));
        if verdict != Verdict::Pending {
            // Nothing the alert reads changes before `quiet`: it would decide the same.
            if let Some(quiet) = self.ctx.quiet_until(&metrics) {
                if quiet > next {
                    let steps = (quiet - now - 1) / as_i64(DEFAULT_SAMPLING_MS) + 1;
                    next = now.saturating_add(steps.saturating_mul(as_i64(DEFAULT_SAMPLING_MS)));
                }
            } else {
                next = i64::MAX;
            }
        }
        self.alerts[index].wake = (next != i64::MAX).then_some(next);
    }

    // ------------------------------------------------------------------ the end

    /// The run must end: nodes stop now; a rollback in progress finishes first.
    fn end_run(&mut self, state: EndState) {
        let state = match self.ending {
            // The most telling end wins: a rollback's outcome over the abort that led to it.
            Some(earlier) if rank(earlier) >= rank(state) => earlier,
            _ => state,
        };
        self.ending = Some(state);
        for &index in &self.order.clone() {
            let run = &mut self.nodes[index];
            match run.status {
                Status::Running
                    if !matches!(run.phase, Phase::InTree { .. }) || !self.trees.iter().any(|t| t.running) =>
                {
                    run.status = Status::Finished(NodeOutcome::Stopped);
                    run.wake = None;
                    let node = run.node.name.to_string();
                    self.ctx.emit(EventKind::NodeFinished { node, outcome: NodeOutcome::Stopped });
                }
                _ => {}
            }
        }
    }

    fn stop_everything(&mut self) {
        for &index in &self.order.clone() {
            let run = &mut self.nodes[index];
            if run.status == Status::Running {
                run.status = Status::Finished(NodeOutcome::Stopped);
                run.wake = None;
                let node = run.node.name.to_string();
                self.ctx.emit(EventKind::NodeFinished { node, outcome: NodeOutcome::Stopped });
            }
        }
        for tree in &mut self.trees {
            tree.wake = None;
        }
        for alert in &mut self.alerts {
            alert.wake = None;
            alert.steps_wake = None;
        }
    }

    /// Nothing is left to wake: the run is over.
    fn conclude(&mut self) {
        if self.ended.is_some() {
            return;
        }
        let state = match self.ending {
            Some(state) => state,
            None if self.nodes.iter().any(|run| run.status == Status::Running) => EndState::Halted,
            None if self.continued_by_level => EndState::CompletedWithFailures,
            None => EndState::Completed,
        };
        for &index in &self.order.clone() {
            let run = &mut self.nodes[index];
            if run.status == Status::Running {
                run.status = Status::Finished(NodeOutcome::Stopped);
                let node = run.node.name.to_string();
                self.ctx.emit(EventKind::NodeFinished { node, outcome: NodeOutcome::Stopped });
            }
        }
        self.ended = Some(state);
    }

    fn finish(mut self) -> Trace {
        let state = self.ended.unwrap_or(EndState::Halted);
        for &index in &self.order {
            if self.nodes[index].status == Status::Waiting {
                let node = self.nodes[index].node.name.to_string();
                self.ctx.emit(EventKind::NodeSkipped { node });
            }
        }
        let exit_status = state.exit_status(self.signal);
        self.ctx.emit(EventKind::RunFinished { state, exit_status });
        let safe = match state {
            EndState::Completed | EndState::RolledBack => true,
            EndState::Aborted | EndState::Halted => !self.changed,
            EndState::CompletedWithFailures | EndState::RollbackIncomplete | EndState::Interrupted => false,
        };
        let breach_to_rollback_ms = match (self.first_breach, self.rollback_done) {
            (Some(breach), Some(done)) if state == EndState::RolledBack => {
                Some(done.saturating_sub(breach).max(0).unsigned_abs())
            }
            _ => None,
        };
        let t_ms = self.ctx.now;
        let failures: Vec<String> = self
            .failures
            .iter()
            .map(|(reason, count)| if *count > 1 { format!("{reason} (×{count})") } else { reason.clone() })
            .collect();
        let summary = summary(state, &failures, breach_to_rollback_ms, self.changed);
        let mut events = std::mem::take(&mut self.ctx.events);
        // Answers and baselines are recorded with their own times: keep the trace in time order.
        events.sort_by_key(|event| event.t_ms);
        let model = self.model();
        Trace {
            plan: model.plan.name.to_string(),
            t0: self.ctx.world.t0.as_ref().map(ToString::to_string),
            events,
            end: End {
                state,
                exit_status,
                t_ms,
                breach_ms: self.first_breach,
                breach_to_rollback_ms,
                safe,
                failures,
                summary,
            },
        }
    }
}

#[derive(Clone, Copy, Debug)]
enum Wake {
    Outside,
    Resume,
    Tree(usize),
    Node(usize),
    Alert(usize),
}

/// Which end says more when two are reached: what a rollback came to outranks an abort.
fn rank(state: EndState) -> u8 {
    match state {
        EndState::Completed | EndState::CompletedWithFailures => 0,
        EndState::Halted => 1,
        EndState::Aborted => 2,
        EndState::Interrupted => 3,
        EndState::RolledBack => 4,
        EndState::RollbackIncomplete => 5,
    }
}

fn summary(state: EndState, failures: &[String], breach_to_rollback_ms: Option<u64>, changed: bool) -> String {
    let first = failures.first().map(String::as_str).unwrap_or("nothing failed");
    match state {
        EndState::Completed if failures.is_empty() => "Every node is done and every condition held.".into(),
        EndState::Completed => format!("Every node is done; the plan went on after: {}.", failures.join("; ")),
        EndState::CompletedWithFailures => {
            format!(
                "Every node is done, but a rollback level let a failure through after: {}. Not a success.",
                failures.join("; ")
            )
        }
        EndState::Aborted if changed => format!("Aborted after a change, without rolling back: {first}."),
        EndState::Aborted => format!("Aborted before anything changed: {first}."),
        EndState::RolledBack => format!(
            "Rolled back after: {first}{}.",
            breach_to_rollback_ms
                .map(|ms| format!(
                    " ({} from the failure to the end of the rollback)",
                    crate::units::format_duration(ms)
                ))
                .unwrap_or_default()
        ),
        EndState::RollbackIncomplete => {
            format!("The rollback did not finish: finish it by hand. It began after: {first}.")
        }
        EndState::Halted => format!("Halted: a person must decide; nothing was rolled back. After: {first}."),
        EndState::Interrupted => "Interrupted by a signal; run the runbook again to resume where it stopped.".into(),
    }
}

fn result_name(result: TreeResult) -> &'static str {
    match result {
        TreeResult::Continue => "continue",
        TreeResult::RolledBack => "rolled_back",
        TreeResult::NotifiedOnly => "notified_only",
        TreeResult::Incomplete => "incomplete",
    }
}

fn tree_levels(model: &Model, tree: TreeId) -> usize {
    model.rollbacks[tree.0].levels.len()
}

/// The action for a node's failure: `on fail`, or `on breach` for a watch.
fn node_action(node: &Node) -> Option<&Action> {
    node.on_fail.as_ref().or(node.on_breach())
}

fn failing(judged: &[Judged]) -> Vec<String> {
    judged
        .iter()
        .filter(|judged| judged.verdict != Verdict::Holds && judged.verdict != Verdict::Pending)
        .map(|judged| judged.condition.clone())
        .collect()
}

fn outcome_text(outcome: StepOutcome) -> &'static str {
    match outcome {
        StepOutcome::Succeeded => "succeeded",
        StepOutcome::Failed => "failed",
        StepOutcome::TimedOut => "timed out",
        StepOutcome::Refused => "was refused",
        StepOutcome::Unanswered => "was not answered in time",
    }
}

/// Starts setting a rollout stage's weight (a command step with the stage's id): when it ends
/// and how.
fn stage_set_start(ctx: &mut Ctx<'_, '_>, node: &Node, stage: usize, id: &str) -> (i64, StepOutcome) {
    let weight = node.stages().get(stage).map_or(0.0, |spec| spec.weight);
    let script = ctx.world.step(id);
    let outcome = script.and_then(|script| script.outcome).unwrap_or(crate::run::world::Outcome::Succeeds);
    let takes = script.and_then(|script| script.takes_ms).unwrap_or(0);
    ctx.emit(EventKind::StepStarted {
        step: id.to_string(),
        kind: "set".into(),
        title: format!("Set the weight to {weight}%"),
        attempt: 1,
    });
    let timeout = model::DEFAULT_COMMAND_TIMEOUT_MS;
    let (outcome, took) = match outcome {
        crate::run::world::Outcome::TimesOut => (StepOutcome::TimedOut, timeout),
        _ if takes > timeout => (StepOutcome::TimedOut, timeout),
        crate::run::world::Outcome::Fails => (StepOutcome::Failed, takes),
        crate::run::world::Outcome::Succeeds => (StepOutcome::Succeeded, takes),
    };
    (ctx.now.saturating_add(as_i64(took)), outcome)
}
