//! The timeline: when each node can start and finish relative to T0, the critical path, the
//! worst-case time to detect a breach and roll back, and the launch against windows and freezes.

use super::graph::Dependencies;
use crate::diag::{Code, Diagnostic};
use crate::model::{self, Model, NodeId, NodeKind, DEFAULT_COMMAND_TIMEOUT_MS, DEFAULT_SAMPLING_MS};
use crate::units::{Duration, Offset};
use serde::Serialize;

/// Times of one node, in milliseconds from T0.
#[derive(Clone, Debug, Serialize)]
pub struct NodeTimes {
    pub node: NodeId,
    pub name: crate::ast::CompactString,
    /// The earliest it can start: its `at`, or when its dependencies can first be done.
    pub earliest_start_ms: i64,
    pub earliest_finish_ms: i64,
    /// The latest it may start and finish when every step takes its whole timeout.
    pub latest_start_ms: i64,
    pub latest_finish_ms: i64,
    /// When it starts and finishes if every step takes its expected time (`typically`, or the
    /// documented defaults of `model::Step::nominal_ms`): the schedule people read.
    pub nominal_start_ms: i64,
    pub nominal_finish_ms: i64,
    pub critical: bool,
    /// The same times as date-times, when T0 is known.
    pub start: Option<String>,
    pub finish: Option<String>,
}

/// Worst-case reaction times of one rollout stage.
#[derive(Clone, Debug, Serialize)]
pub struct StageTimes {
    pub rollout: NodeId,
    pub weight: f64,
    /// When the stage starts at the latest, from T0.
    pub start_ms: i64,
    /// From a breach to the decision: one sampling interval plus the longest `for`.
    pub detect_ms: u64,
    /// From a breach to the end of the slowest rollback level (detection included).
    pub rollback_ms: Option<u64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Schedule {
    /// T0 as a date-time with its zone, when known.
    pub t0: Option<String>,
    /// By `NodeId`.
    pub nodes: Vec<NodeTimes>,
    pub critical_path: Vec<NodeId>,
    pub start_ms: i64,
    pub finish_ms: i64,
    /// When the last node finishes in the nominal schedule.
    pub nominal_finish_ms: i64,
    pub stages: Vec<StageTimes>,
}

impl Schedule {
    pub fn empty(t0: Option<&jiff::Zoned>) -> Schedule {
        Schedule {
            t0: t0.map(|zoned| zoned.to_string()),
            nodes: Vec::new(),
            critical_path: Vec::new(),
            start_ms: 0,
            finish_ms: 0,
            nominal_finish_ms: 0,
            stages: Vec::new(),
        }
    }

    /// The total length of the plan, in milliseconds.
    pub fn length_ms(&self) -> u64 {
        self.finish_ms.saturating_sub(self.start_ms).max(0).unsigned_abs()
    }

    /// Computes every node's times in dependency order (`order` must hold every node).
    pub fn compute(model: &Model, order: &[NodeId], t0: Option<&jiff::Zoned>) -> Schedule {
        // The four times of each node first, by `NodeId` (a node's own lines, with their
        // strings, are made once, in place, below: a list of optional lines as large as the
        // result was half the peak of the analysis).
        let mut times: Vec<Option<Times>> = vec![None; model.nodes.len()];
        // For each node, the dependency that decided its latest start (for the critical path).
        let mut decided_by: Vec<Option<NodeId>> = vec![None; model.nodes.len()];
        for &id in order {
            let node = &model.nodes[id.0];
            let mut earliest_start = node.at_ms;
            let mut latest_start = node.at_ms;
            for dependency in &node.after {
                let Some(before) = &times[dependency.0] else { continue };
                earliest_start =
                    Some(earliest_start.map_or(before.earliest_finish, |at| at.max(before.earliest_finish)));
                if latest_start.is_none_or(|at| before.latest_finish > at) {
                    latest_start = Some(before.latest_finish);
                    decided_by[id.0] = Some(*dependency);
                }
            }
            let earliest_start = earliest_start.unwrap_or(0);
            let latest_start = latest_start.unwrap_or(0);
            let (best, worst) = durations(node, earliest_start, latest_start);
            times[id.0] = Some(Times {
                earliest_start,
                earliest_finish: earliest_start.saturating_add(best),
                latest_start,
                latest_finish: latest_start.saturating_add(worst),
            });
        }
        let nominal = nominal_times(model, order);
        let mut nodes: Vec<NodeTimes> = Vec::with_capacity(times.iter().flatten().count());
        for (index, times) in times.iter().enumerate() {
            let Some(times) = times else { continue };
            let (nominal_start_ms, nominal_finish_ms) = nominal.get(index).copied().flatten().unwrap_or_default();
            nodes.push(NodeTimes {
                node: NodeId(index),
                name: model.nodes[index].name.clone(),
                earliest_start_ms: times.earliest_start,
                earliest_finish_ms: times.earliest_finish,
                latest_start_ms: times.latest_start,
                latest_finish_ms: times.latest_finish,
                nominal_start_ms,
                nominal_finish_ms,
                critical: false,
                start: absolute(t0, times.latest_start),
                finish: absolute(t0, times.latest_finish),
            });
        }
        drop(times);
        let start_ms = nodes.iter().map(|times| times.earliest_start_ms).min().unwrap_or(0);
        let finish_ms = nodes.iter().map(|times| times.latest_finish_ms).max().unwrap_or(0);
        let nominal_finish_ms = nodes.iter().map(|times| times.nominal_finish_ms).max().unwrap_or(0);
        let mut critical_path = Vec::new();
        let mut current =
            nodes.iter().filter(|times| times.latest_finish_ms == finish_ms).map(|times| times.node).next();
        while let Some(id) = current {
            critical_path.push(id);
            nodes[id.0].critical = true;
            current = decided_by[id.0];
        }
        critical_path.reverse();
        let stages = stage_times(model, &nodes);
        Schedule {
            t0: t0.map(|zoned| zoned.to_string()),
            nodes,
            critical_path,
            start_ms,
            finish_ms,
            nominal_finish_ms,
            stages,
        }
    }
}

/// A node's times in milliseconds from T0, while the schedule is computed.
#[derive(Clone, Copy)]
struct Times {
    earliest_start: i64,
    earliest_finish: i64,
    latest_start: i64,
    latest_finish: i64,
}

/// The wall-clock time of an offset from launch, as `strftime("%Y-%m-%d %H:%M %Z")` writes it.
/// Written field by field: `strftime` interprets its format on every call, and every node
/// needs two of these.
/// The zone is looked up once per call (a `Zoned` sum looks it up, and the abbreviation again).
fn absolute(t0: Option<&jiff::Zoned>, offset_ms: i64) -> Option<String> {
    let t0 = t0?;
    // What `Zoned::checked_add` does with a `SignedDuration`: the sum is in absolute time.
    let timestamp = t0.timestamp().checked_add(jiff::SignedDuration::from_millis(offset_ms)).ok()?;
    let zone = t0.time_zone().to_offset_info(timestamp);
    let time = zone.offset().to_datetime(timestamp);
    if time.year() < 0 {
        // `%Y` pads negative years its own way; no plan launches before year 0, so do not copy it.
        let zoned = timestamp.to_zoned(t0.time_zone().clone());
        return Some(zoned.strftime("%Y-%m-%d %H:%M %Z").to_string());
    }
    let mut text = String::with_capacity(24);
    // Years 0 to 9999: four digits, as `%Y` pads them.
    push_digits(&mut text, time.year().unsigned_abs().into(), 4);
    text.push('-');
    push_digits(&mut text, time.month().unsigned_abs().into(), 2);
    text.push('-');
    push_digits(&mut text, time.day().unsigned_abs().into(), 2);
    text.push(' ');
    push_digits(&mut text, time.hour().unsigned_abs().into(), 2);
    text.push(':');
    push_digits(&mut text, time.minute().unsigned_abs().into(), 2);
    text.push(' ');
    // `%Z` writes the abbreviation in upper case.
    text.extend(zone.abbreviation().chars().map(|c| c.to_ascii_uppercase()));
    Some(text)
}

/// The wall-clock time of an offset from T0, as the schedule writes its `start` and `finish`
/// (for the nominal times, which the schedule does not keep as text).
pub fn wall_clock(t0: &jiff::Zoned, offset_ms: i64) -> Option<String> {
    absolute(Some(t0), offset_ms)
}

/// The last `width` decimal digits of `value`, zero-padded (cheaper than `format!("{:02}")`).
fn push_digits(text: &mut String, value: u32, width: u32) {
    for place in (0..width).rev() {
        let digit = value / 10u32.pow(place) % 10;
        text.push(char::from(b'0' + digit as u8));
    }
}

/// The shortest and longest time a node takes once started, in milliseconds.
fn durations(node: &model::Node, earliest_start: i64, latest_start: i64) -> (i64, i64) {
    let (best_steps, worst_steps) = super::steps(&node.items).fold((0u64, 0u64), |(best, worst), step| {
        (best.saturating_add(step.best_case_ms()), worst.saturating_add(step.worst_case_ms()))
    });
    let hold = node.requires.iter().map(model::Condition::longest_hold_ms).max().unwrap_or(0);
    let sampling = node.every_ms.unwrap_or(DEFAULT_SAMPLING_MS);
    let (best, worst) = match node.kind {
        NodeKind::Phase => (best_steps, worst_steps),
        NodeKind::Gate if node.requires.is_empty() => (best_steps, worst_steps),
        // How long a gate waits for its conditions is the run's rule (`run::rules`).
        NodeKind::Gate => (
            best_steps + hold,
            worst_steps.saturating_add(crate::run::rules::require_deadline_ms(hold, sampling, node.tolerance)),
        ),
        NodeKind::Watch => {
            let window = node.for_ms().unwrap_or(0);
            (best_steps + window, worst_steps + window)
        }
        NodeKind::Rollout => {
            let best = stage_starts(node, earliest_start + best_steps as i64, 0).1 - earliest_start;
            let worst =
                stage_starts(node, latest_start + worst_steps as i64, DEFAULT_COMMAND_TIMEOUT_MS).1 - latest_start;
            return (best.max(0), worst.max(0));
        }
    };
    (best.min(i64::MAX as u64) as i64, worst.min(i64::MAX as u64) as i64)
}

/// The nominal schedule: each node's start and finish, by `NodeId`, when every step takes its
/// expected time (`model::Step::nominal_ms`), a gate's conditions hold at once (their `for`), a
/// watch lasts its window and a rollout's `set` takes no time. Between the earliest schedule
/// (the happy path) and the latest; a run whose steps each take their expected time follows it.
pub fn nominal_times(model: &Model, order: &[NodeId]) -> Vec<Option<(i64, i64)>> {
    let mut times: Vec<Option<(i64, i64)>> = vec![None; model.nodes.len()];
    for &id in order {
        let node = &model.nodes[id.0];
        let mut start = node.at_ms;
        for dependency in &node.after {
            let Some((_, finish)) = times[dependency.0] else { continue };
            start = Some(start.map_or(finish, |at| at.max(finish)));
        }
        let start = start.unwrap_or(0);
        times[id.0] = Some((start, start.saturating_add(nominal_duration(node, start))));
    }
    times
}

/// How long a node takes in the nominal schedule once started at `start`.
fn nominal_duration(node: &model::Node, start: i64) -> i64 {
    let steps = super::steps(&node.items).map(model::Step::nominal_ms).fold(0u64, u64::saturating_add);
    let hold = node.requires.iter().map(model::Condition::longest_hold_ms).max().unwrap_or(0);
    let total = match node.kind {
        NodeKind::Phase => steps,
        NodeKind::Gate => steps.saturating_add(hold),
        NodeKind::Watch => steps.saturating_add(node.for_ms().unwrap_or(0)),
        NodeKind::Rollout => {
            let begin = start.saturating_add(steps.min(i64::MAX as u64) as i64);
            // Setting a weight is a flag or a load balancer's weight: at once, as on the happy path.
            let end = stage_starts(node, begin, 0).1;
            return end.saturating_sub(start).max(0);
        }
    };
    total.min(i64::MAX as u64) as i64
}

/// When each stage of a rollout starts and when the last one ends, given when the stages begin
/// and what setting a weight costs: a stage waits for its `at`, then sets and holds.
fn stage_starts(node: &model::Node, mut time: i64, set_cost: u64) -> (Vec<i64>, i64) {
    let mut starts = Vec::with_capacity(node.stages().len());
    for stage in node.stages() {
        if let Some(at) = stage.at_ms {
            time = time.max(at);
        }
        starts.push(time);
        time = time.saturating_add((set_cost + stage.hold_ms.unwrap_or(0)) as i64);
    }
    (starts, time)
}

/// The longest a rollback tree can take: a level's own steps, plus, when it ends in
/// `recheck`, the slowest of the more severe levels it may escalate to.
fn slowest_level_ms(tree: &model::RollbackTree) -> u64 {
    let mut worst: Vec<u64> = Vec::with_capacity(tree.levels.len());
    for level in &tree.levels {
        let own: u64 = super::steps(&level.items).map(|step| step.worst_case_ms()).fold(0, u64::saturating_add);
        let escalates = super::steps(&level.items).any(|step| step.may_escalate());
        let above = if escalates { worst.iter().copied().max().unwrap_or(0) } else { 0 };
        worst.push(own.saturating_add(above));
    }
    worst.into_iter().max().unwrap_or(0)
}

fn stage_times(model: &Model, nodes: &[NodeTimes]) -> Vec<StageTimes> {
    let mut stages = Vec::new();
    for (index, node) in model.nodes.iter().enumerate() {
        if node.kind != NodeKind::Rollout {
            continue;
        }
        let hold = node.requires.iter().map(model::Condition::longest_hold_ms).max().unwrap_or(0);
        let tree_time = node.on_fail.as_ref().and_then(|action| {
            let tree = action.rollback_tree()?;
            let pause = match action {
                model::Action::Pause { wait_ms, .. } => *wait_ms,
                _ => 0,
            };
            Some(pause + slowest_level_ms(&model.rollbacks[tree.0]))
        });
        let (starts, _) = stage_starts(node, nodes[index].latest_start_ms, DEFAULT_COMMAND_TIMEOUT_MS);
        for (stage, start_ms) in node.stages().iter().zip(starts) {
            let sampling = stage.every_ms.or(node.every_ms).unwrap_or(DEFAULT_SAMPLING_MS);
            let detect = sampling + hold;
            stages.push(StageTimes {
                rollout: NodeId(index),
                weight: stage.weight,
                start_ms,
                detect_ms: detect,
                rollback_ms: tree_time.map(|tree| detect + tree),
            });
        }
    }
    stages
}

/// Timing errors: starting before a dependency can finish, steps and gate windows longer than
/// the time before the next node, gaps between consecutive watches.
pub fn check(model: &Model, dependencies: &Dependencies, schedule: &Schedule) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    let times = &schedule.nodes;
    // Watches whose gap after a watch they follow is reported (E0507), by `NodeId`.
    let mut gap_reported: Vec<bool> = vec![false; model.nodes.len()];
    for (index, node) in model.nodes.iter().enumerate() {
        if let (Some(at), Some(at_span)) = (node.at_ms, node.at_span.as_deref().copied()) {
            for (dependency, span) in node.after.iter().zip(&node.after_spans) {
                let before = &model.nodes[dependency.0];
                let finish = times[dependency.0].earliest_finish_ms;
                // A gate that holds its conditions too long is reported by E0504, which says why.
                let gate_window = before.kind == NodeKind::Gate
                    && before.requires.iter().any(|condition| {
                        condition.longest_hold_ms() as i64 > at - times[dependency.0].earliest_start_ms
                    });
                if at < finish && !gate_window {
                    diagnostics.push(
                        Diagnostic::new(
                            Code::StartsBeforeDependency,
                            at_span,
                            format!(
                                "`{}` is scheduled at {}, before `{}` can finish ({} at the earliest)",
                                node.name,
                                Offset(at),
                                before.name,
                                Offset(finish)
                            ),
                        )
                        .label(format!("starts at {}", Offset(at)))
                        .with(*span, format!("runs after `{}`", before.name))
                        .help(format!(
                            "move `{}` to {} or later, or drop the `after`",
                            node.name,
                            Offset(finish)
                        )),
                    );
                } else if node.kind == NodeKind::Watch && before.kind == NodeKind::Watch && at > finish {
                    gap_reported[index] = true;
                    diagnostics.push(
                        watch_gap(node, before, at_span, at, finish)
                            .help(format!("start `{}` when `{}` ends: drop its `at`", node.name, before.name)),
                    );
                }
            }
        }
        // The time this node has before the nodes that follow it are due to start.
        let start = times[index].earliest_start_ms;
        let deadline = dependencies
            .successors(index)
            .iter()
            .filter_map(|successor| model.nodes[successor.0].at_ms.map(|at| (at, *successor)))
            .min_by_key(|(at, _)| *at);
        let Some((deadline, successor)) = deadline else { continue };
        // A successor due before this node can even finish is E0502's finding (or E0504's,
        // below, for a gate), not a step's.
        let due_before_finish = deadline < times[index].earliest_finish_ms;
        let window = deadline.saturating_sub(start).max(0).unsigned_abs();
        let next = &model.nodes[successor.0];
        // The steps run one after the other: what they state together must fit as well.
        let mut total: u64 = 0;
        let mut reported = false;
        for step in super::steps(&node.items).filter(|_| !due_before_finish && node.kind != NodeKind::Watch) {
            let Some(worst) = step.stated_limit_ms() else { continue };
            total = total.saturating_add(worst);
            if worst <= window && total > window && !reported {
                reported = true;
                diagnostics.push(
                    Diagnostic::new(
                        Code::TimeoutExceedsWindow,
                        step.span,
                        format!(
                            "the steps of `{}` up to this one may take {} together, but `{}` starts {} after `{}` begins",
                            node.name,
                            Duration(total),
                            next.name,
                            Duration(window),
                            node.name
                        ),
                    )
                    .label(format!("ends {} after `{}` begins, at the latest", Duration(total), node.name))
                    .with(next.name_span, format!("due at {}", Offset(deadline)))
                    .help("shorten the steps' timeouts, split the node, or schedule the next node later"),
                );
            }
            if worst > window {
                reported = true;
                diagnostics.push(
                    Diagnostic::new(
                        Code::TimeoutExceedsWindow,
                        step.span,
                        format!(
                            "this step may take {}, but `{}` starts {} after `{}` begins",
                            Duration(worst),
                            next.name,
                            Duration(window),
                            node.name
                        ),
                    )
                    .label(match &step.kind {
                        model::StepKind::Wait { .. } => format!("waits {}", Duration(worst)),
                        model::StepKind::Run { retries, .. } | model::StepKind::Expect { retries, .. }
                            if *retries > 0 =>
                        {
                            format!("up to {} ({} attempts)", Duration(worst), retries + 1)
                        }
                        _ => format!("up to {} by its timeout", Duration(worst)),
                    })
                    .with(next.name_span, format!("due at {}", Offset(deadline)))
                    .help("shorten the step's timeout, or schedule the next node later"),
                );
            }
        }
        if node.kind == NodeKind::Gate {
            for condition in &node.requires {
                let hold = condition.longest_hold_ms();
                if hold > window {
                    diagnostics.push(
                        Diagnostic::new(
                            Code::GateWindowTooLong,
                            condition.span,
                            format!(
                                "`{}` holds this for {}, but `{}` starts {} after the gate opens",
                                node.name,
                                Duration(hold),
                                next.name,
                                Duration(window)
                            ),
                        )
                        .label(format!("held for {}", Duration(hold)))
                        .with(next.name_span, format!("due at {}", Offset(deadline)))
                        .help("shorten the `for`, or open the gate earlier"),
                    );
                }
            }
        }
    }
    watch_gaps(model, times, &gap_reported, &mut diagnostics);
    concurrent_changes(model, times, &mut diagnostics);
    diagnostics
}

/// W0804: two nodes that change the same env (a `run` step, or a rollout's weights) and may run
/// at the same time. A node that runs after another starts, at the latest, when that one has
/// finished at the latest, so windows `latest_start..latest_finish` that overlap belong to nodes
/// that do not wait for each other. A sweep per env over the nodes by latest start.
fn concurrent_changes(model: &Model, times: &[NodeTimes], diagnostics: &mut Vec<Diagnostic>) {
    let mut by_env: Vec<(usize, usize)> = model
        .nodes
        .iter()
        .enumerate()
        .filter_map(|(index, node)| {
            let changes = node.kind == NodeKind::Rollout
                || super::steps(&node.items).any(|step| matches!(step.kind, model::StepKind::Run { .. }));
            node.env.filter(|_| changes).map(|env| (env.0, index))
        })
        .collect();
    by_env.sort_by_key(|&(env, index)| (env, times[index].latest_start_ms, index));
    // The node of the current env that finishes last among those seen, and its finish.
    let mut reach: Option<(usize, usize, i64)> = None;
    for (env, index) in by_env {
        let start = times[index].latest_start_ms;
        let finish = times[index].latest_finish_ms;
        match reach {
            Some((reach_env, other, reached)) if reach_env == env && start < reached => {
                let (first, second) = (&model.nodes[other], &model.nodes[index]);
                let (first_name, second_name) = (first.name.as_str(), second.name.as_str());
                let env_name = model.envs[env].name.as_str();
                // Written piece by piece: a large plan has hundreds of these, and `format!` was
                // most of their cost. The text is that of
                // "`{first}` and `{second}` may change `{env}` at the same time" and so on.
                let mut label = concat(&["may start at "]);
                crate::units::push_offset(&mut label, start);
                label.push_str(", while `");
                label.push_str(first_name);
                label.push_str("` runs");
                let mut until = concat(&["runs until "]);
                crate::units::push_offset(&mut until, reached);
                until.push_str(" at the latest");
                diagnostics.push(
                    Diagnostic::new(
                        Code::ConcurrentChanges,
                        second.name_span,
                        concat(&[
                            "`",
                            first_name,
                            "` and `",
                            second_name,
                            "` may change `",
                            env_name,
                            "` at the same time",
                        ]),
                    )
                    .label(label)
                    .with(first.name_span, until)
                    .help(concat(&[
                        "run one after the other: `after ",
                        first_name,
                        "` on `",
                        second_name,
                        "`, unless they touch separate parts of `",
                        env_name,
                        "`",
                    ])),
                );
                if finish > reached {
                    reach = Some((env, index, finish));
                }
            }
            Some((reach_env, _, reached)) if reach_env == env && finish <= reached => {}
            _ => reach = Some((env, index, finish)),
        }
    }
}

/// The pieces one after the other, in a string of the right size.
fn concat(pieces: &[&str]) -> String {
    let mut out = String::with_capacity(pieces.iter().map(|piece| piece.len()).sum::<usize>() + 16);
    for piece in pieces {
        out.push_str(piece);
    }
    out
}

/// E0507 between watches that do not follow each other: from the first watch's start to the
/// last one's end, a watch with an `at` that starts after every earlier watch has ended leaves
/// a time when nothing is watched. A sweep over the watches by start.
/// E0507: nothing is watched between `before`'s end (`finish`) and `node`'s start (`start`).
fn watch_gap(
    node: &model::Node,
    before: &model::Node,
    at_span: crate::source::Span,
    start: i64,
    finish: i64,
) -> Diagnostic {
    Diagnostic::new(
        Code::WatchGap,
        at_span,
        format!(
            "nothing is watched for {} between `{}` and `{}`",
            Duration((start - finish).unsigned_abs()),
            before.name,
            node.name
        ),
    )
    .label(format!("starts at {}", Offset(start)))
    .with(before.name_span, format!("ends at {}", Offset(finish)))
}

fn watch_gaps(model: &Model, times: &[NodeTimes], gap_reported: &[bool], diagnostics: &mut Vec<Diagnostic>) {
    let mut watches: Vec<usize> =
        (0..model.nodes.len()).filter(|&index| model.nodes[index].kind == NodeKind::Watch).collect();
    watches.sort_by_key(|&index| (times[index].earliest_start_ms, index));
    // The watch that ends last among those started so far, and its end.
    let mut reach: Option<(usize, i64)> = None;
    for index in watches {
        let node = &model.nodes[index];
        let start = times[index].earliest_start_ms;
        if let (Some((before, finish)), Some(at_span)) = (reach, node.at_span.as_deref().copied()) {
            if start > finish && !gap_reported[index] {
                let before = &model.nodes[before];
                diagnostics.push(watch_gap(node, before, at_span, start, finish).help(format!(
                    "start `{}` when `{}` ends (`after {}` instead of its `at`), or make `{}` last longer",
                    node.name, before.name, before.name, before.name
                )));
            }
        }
        let finish = times[index].earliest_finish_ms;
        if reach.is_none_or(|(_, reached)| finish > reached) {
            reach = Some((index, finish));
        }
    }
}

/// The launch against the plan's windows and freezes.
pub fn check_launch(model: &Model, t0: Option<&jiff::Zoned>, from_command_line: bool) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    let Some(t0) = t0 else { return diagnostics };
    let span = if from_command_line { model.plan.span } else { model.plan.launch_span.unwrap_or(model.plan.span) };
    let source = if from_command_line { "the launch given with --t0" } else { "the launch" };
    // Only the launch windows: `applies changes` windows bound the changes, and soft windows
    // warn (`windows::check`).
    let launch_windows = || {
        model.windows.iter().filter(|window| {
            window.mode == crate::ast::WindowMode::Applies && window.scope == crate::ast::WindowScope::Launch
        })
    };
    if launch_windows().next().is_some() {
        let inside = launch_windows().any(|window| {
            let Some(zone) = crate::zones::get(&window.zone) else { return false };
            let local = t0.with_time_zone(zone);
            let weekday = local.weekday().to_monday_one_offset() as u8;
            let minute = u32::from(local.hour().unsigned_abs()) * 60 + u32::from(local.minute().unsigned_abs());
            window.days.contains(&weekday) && minute >= window.from_minute && minute < window.to_minute
        });
        if !inside {
            let mut diagnostic = Diagnostic::new(
                Code::LaunchOutsideWindow,
                span,
                format!("{source}, {}, is outside every launch window", t0.strftime("%a %Y-%m-%d %H:%M %Z (%:z)")),
            )
            .label("T0");
            for window in launch_windows() {
                let local = t0.with_time_zone(crate::zones::get(&window.zone).unwrap_or(jiff::tz::TimeZone::UTC));
                diagnostic = diagnostic.with(
                    window.name_span,
                    format!(
                        "`{}`: {} {:02}:{:02}-{:02}:{:02} {} (T0 is {} there)",
                        window.name,
                        days(&window.days),
                        window.from_minute / 60,
                        window.from_minute % 60,
                        window.to_minute / 60,
                        window.to_minute % 60,
                        window.zone,
                        local.strftime("%a %H:%M")
                    ),
                );
            }
            diagnostics.push(diagnostic.help("move the launch into a window, or pass another T0 with --t0"));
        }
    }
    for freeze in &model.freezes {
        for period in &freeze.periods {
            if t0.timestamp() >= period.from && t0.timestamp() < period.until {
                diagnostics.push(
                    Diagnostic::new(
                        Code::LaunchInFreeze,
                        span,
                        format!(
                            "{source}, {}, falls in the freeze `{}`",
                            t0.strftime("%Y-%m-%d %H:%M %Z"),
                            freeze.name
                        ),
                    )
                    .label("T0")
                    .with(
                        period.span,
                        format!(
                            "`{}` runs from {} until {}",
                            freeze.name,
                            period.from.to_zoned(t0.time_zone().clone()).strftime("%Y-%m-%d %H:%M %Z"),
                            period.until.to_zoned(t0.time_zone().clone()).strftime("%Y-%m-%d %H:%M %Z")
                        ),
                    )
                    .help("launch before or after the freeze"),
                );
            }
        }
    }
    diagnostics
}

fn days(days: &[u8]) -> String {
    const NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    days.iter().filter_map(|day| NAMES.get(usize::from(*day).saturating_sub(1))).copied().collect::<Vec<_>>().join(",")
}
