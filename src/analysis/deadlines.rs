//! Deadlines and budgets (`within`, `typically within`) against the schedule: a hard deadline
//! must hold in the worst case (E0520), a budget in the nominal schedule (W0523).
//!
//! What is measured: on the plan, from the first node's start to the last node's end; on a node,
//! from its start (or the start of the node named by `from`, which must come before it: E0522)
//! to its end, both in the same schedule; on a rollback tree, from a breach to resolved: the
//! detection of the node that enters the tree, its `pause`, and the slowest path through the
//! tree's levels (a level ending in `recheck` may escalate to any more severe level).

use super::timeline::Schedule;
use super::{format_duration, format_offset};
use crate::diag::{Code, Diagnostic};
use crate::model::{self, Deadline, Model, NodeId, NodeKind, Step, DEFAULT_SAMPLING_MS};
use crate::source::Span;

/// Every deadline of the plan, its nodes and its rollback trees, against `schedule`.
pub(super) fn check(model: &Model, schedule: &Schedule) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    let times = &schedule.nodes;
    if times.len() != model.nodes.len() {
        return diagnostics;
    }
    if !model.plan.deadlines.is_empty() {
        let worst = schedule.length_ms();
        let nominal_start = times.iter().map(|times| times.nominal_start_ms).min().unwrap_or(0);
        let nominal = span_ms(nominal_start, schedule.nominal_finish_ms);
        for deadline in &model.plan.deadlines {
            let what = format!(
                "the plan, from {} to {},",
                format_offset(schedule.start_ms),
                format_offset(schedule.finish_ms)
            );
            let nominal_what = format!(
                "the plan, from {} to {},",
                format_offset(nominal_start),
                format_offset(schedule.nominal_finish_ms)
            );
            diagnostics.extend(judge(deadline, worst, nominal, &what, &nominal_what, model.plan.name_span));
        }
    }
    for (index, node) in model.nodes.iter().enumerate() {
        for deadline in node.deadlines.iter() {
            let from = deadline.from.unwrap_or(NodeId(index));
            if from.0 != index && !comes_before(model, from, NodeId(index)) {
                let first = &model.nodes[from.0];
                diagnostics.push(
                    Diagnostic::new(
                        Code::DeadlineFromNotBefore,
                        deadline.span,
                        format!("`{}` does not run before `{}`: there is no chain from it to measure", first.name, node.name),
                    )
                    .label(format!("measured from `{}`", first.name))
                    .with(first.name_span, "declared here")
                    .help(format!(
                        "name a node that `{}` runs after (through `after`), or put the deadline on `{}` without `from`",
                        node.name, node.name
                    )),
                );
                continue;
            }
            let (start, end) = (&times[from.0], &times[index]);
            let worst = span_ms(start.latest_start_ms, end.latest_finish_ms);
            let nominal = span_ms(start.nominal_start_ms, end.nominal_finish_ms);
            let what = chain(model, from, index, start.latest_start_ms, end.latest_finish_ms);
            let nominal_what = chain(model, from, index, start.nominal_start_ms, end.nominal_finish_ms);
            diagnostics.extend(judge(deadline, worst, nominal, &what, &nominal_what, node.name_span));
        }
    }
    for (tree_index, tree) in model.rollbacks.iter().enumerate() {
        if tree.deadlines.is_empty() {
            continue;
        }
        let worst_tree = slowest_path_ms(tree, Step::worst_case_ms);
        let nominal_tree = slowest_path_ms(tree, Step::nominal_ms);
        // The node whose breach takes longest to resolve through this tree.
        let entries = model.nodes.iter().filter_map(|node| {
            let action = [node.on_fail.as_ref(), node.on_breach()]
                .into_iter()
                .flatten()
                .find(|action| action.rollback_tree().is_some_and(|id| id.0 == tree_index))?;
            let pause = match action {
                model::Action::Pause { wait_ms, .. } => *wait_ms,
                _ => 0,
            };
            Some((node, detection_ms(node), pause))
        });
        let Some((node, detect, pause)) = entries.max_by_key(|(_, detect, pause)| detect.saturating_add(*pause)) else {
            continue;
        };
        let before = detect.saturating_add(pause);
        let pause_text = if pause > 0 { format!(", a pause of {}", format_duration(pause)) } else { String::new() };
        let worst = before.saturating_add(worst_tree);
        let nominal = before.saturating_add(nominal_tree);
        let what = format!(
            "a breach of `{}` resolved through `{}` ({} to detect{pause_text}, {} in the tree),",
            node.name,
            tree.name,
            format_duration(detect),
            format_duration(worst_tree)
        );
        let nominal_what = format!(
            "a breach of `{}` resolved through `{}` ({} to detect{pause_text}, {} in the tree),",
            node.name,
            tree.name,
            format_duration(detect),
            format_duration(nominal_tree)
        );
        diagnostics.extend(judge(&tree.deadlines[..], worst, nominal, &what, &nominal_what, node.name_span));
    }
    diagnostics
}

/// The diagnostics of one or more deadlines on one measured time.
fn judge<'d>(
    deadlines: impl Into<Deadlines<'d>>,
    worst: u64,
    nominal: u64,
    what: &str,
    nominal_what: &str,
    measured: Span,
) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    for deadline in deadlines.into().0 {
        let within = format_duration(deadline.within_ms);
        if deadline.typical && nominal > deadline.within_ms {
            diagnostics.push(
                Diagnostic::new(
                    Code::BudgetExceeded,
                    deadline.span,
                    format!("{nominal_what} typically takes {}, over its budget of {within}", format_duration(nominal)),
                )
                .label(format!("budget {within}"))
                .with(measured, format!("takes {} in the nominal schedule", format_duration(nominal)))
                .help("shorten the steps' `typically` times, run nodes side by side, or raise the budget"),
            );
        } else if !deadline.typical && worst > deadline.within_ms {
            diagnostics.push(
                Diagnostic::new(
                    Code::DeadlineExceeded,
                    deadline.span,
                    format!(
                        "{what} may take {} in the worst case, over its deadline of {within}",
                        format_duration(worst)
                    ),
                )
                .label(format!("deadline {within}"))
                .with(measured, format!("up to {} with every step taking its whole limit", format_duration(worst)))
                .help("tighten the steps' `timeout`s (and the `timeout` of `check` and `approve`), or allow more time; `typically within` is a budget checked against the nominal schedule"),
            );
        }
    }
    diagnostics
}

/// One deadline or a list of them.
struct Deadlines<'d>(&'d [Deadline]);

impl<'d> From<&'d Deadline> for Deadlines<'d> {
    fn from(deadline: &'d Deadline) -> Self {
        Deadlines(std::slice::from_ref(deadline))
    }
}

impl<'d> From<&'d [Deadline]> for Deadlines<'d> {
    fn from(deadlines: &'d [Deadline]) -> Self {
        Deadlines(deadlines)
    }
}

fn span_ms(start: i64, end: i64) -> u64 {
    end.saturating_sub(start).max(0).unsigned_abs()
}

/// "`a` to `b`, from T+5m to T+1h," or "`b`, from ... to ...,".
fn chain(model: &Model, from: NodeId, to: usize, start: i64, end: i64) -> String {
    let nodes = if from.0 == to {
        format!("`{}`", model.nodes[to].name)
    } else {
        format!("`{}` to `{}`", model.nodes[from.0].name, model.nodes[to].name)
    };
    format!("{nodes}, from {} to {},", format_offset(start), format_offset(end))
}

/// Whether `first` is reached from `last` by following `after` edges backwards.
fn comes_before(model: &Model, first: NodeId, last: NodeId) -> bool {
    let mut seen = vec![false; model.nodes.len()];
    let mut stack = vec![last];
    while let Some(id) = stack.pop() {
        for &before in model.nodes[id.0].after.iter() {
            if before == first {
                return true;
            }
            if let Some(slot) = seen.get_mut(before.0) {
                if !*slot {
                    *slot = true;
                    stack.push(before);
                }
            }
        }
    }
    false
}

/// From a breach (or failure) to the decision to roll back: for a watch or a rollout, its
/// longest `for`, plus one sampling interval, plus one more for each failing sample its
/// tolerance lets through; for a gate or a phase, nothing (the failure is the decision).
fn detection_ms(node: &model::Node) -> u64 {
    let conditions = match node.kind {
        NodeKind::Watch => node.conditions(),
        NodeKind::Rollout => &node.requires[..],
        NodeKind::Gate | NodeKind::Phase => return 0,
    };
    let hold = conditions.iter().map(model::Condition::longest_hold_ms).max().unwrap_or(0);
    let node_every = node.every_ms.unwrap_or(DEFAULT_SAMPLING_MS);
    let sampling = node.stages().iter().filter_map(|stage| stage.every_ms).fold(node_every, u64::max);
    let samples = 1 + u64::from(node.tolerance.failures());
    hold.saturating_add(sampling.saturating_mul(samples))
}

/// The slowest path through a tree with each step taking `cost`: a level's own steps, plus, when
/// it ends in `recheck`, the slowest of the more severe levels (those before it) it may
/// escalate to.
fn slowest_path_ms(tree: &model::RollbackTree, cost: fn(&Step) -> u64) -> u64 {
    let mut slowest: Vec<u64> = Vec::with_capacity(tree.levels.len());
    for level in &tree.levels {
        let own = super::steps(&level.items).map(cost).fold(0, u64::saturating_add);
        let escalates = super::steps(&level.items).any(|step| matches!(step.kind, model::StepKind::Recheck { .. }));
        let above = if escalates { slowest.iter().copied().max().unwrap_or(0) } else { 0 };
        slowest.push(own.saturating_add(above));
    }
    slowest.into_iter().max().unwrap_or(0)
}
