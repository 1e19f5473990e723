//! Rollback trees: per metric, the levels' ranges must not overlap and should cover every
//! value; a level handles failed probes; `recheck` can escalate; every level does something.
//!
//! Levels are tried in source order, most severe first: the first whose condition holds runs.

use super::conditions::{atom, domain, Bound, Interval};
use crate::diag::{Code, Diagnostic};
use crate::model::{Condition, ConditionKind, MetricId, Model, NodeKind, Outcome, RollbackTree, StepKind};
use std::collections::BTreeMap;

pub(super) fn check(model: &Model) -> Vec<Diagnostic> {
    // The first node whose `on fail` enters each tree: one pass over the nodes.
    let mut entered_on_fail: Vec<Option<&str>> = vec![None; model.rollbacks.len()];
    for node in &model.nodes {
        if let Some(entry) = node
            .on_fail
            .as_ref()
            .and_then(|action| action.rollback_tree())
            .and_then(|tree| entered_on_fail.get_mut(tree.0))
        {
            entry.get_or_insert(node.name.as_str());
        }
    }
    // The first phase or gate whose `on fail` enters each tree: its failure is a step that did
    // not run or a gate that said no, which no better metric undoes.
    let mut entered_by_failed_step: Vec<Option<(&str, &str)>> = vec![None; model.rollbacks.len()];
    for node in model.nodes.iter().filter(|node| matches!(node.kind, NodeKind::Phase | NodeKind::Gate)) {
        if let Some(entry) = node
            .on_fail
            .as_ref()
            .and_then(|action| action.rollback_tree())
            .and_then(|tree| entered_by_failed_step.get_mut(tree.0))
        {
            entry.get_or_insert((node.kind.name(), node.name.as_str()));
        }
    }
    let mut diagnostics = Vec::new();
    for ((tree, entered_on_fail), failed_step) in
        model.rollbacks.iter().zip(entered_on_fail).zip(entered_by_failed_step)
    {
        check_levels(tree, &mut diagnostics);
        check_rechecks(tree, failed_step, &mut diagnostics);
        check_ranges(model, tree, entered_on_fail, &mut diagnostics);
    }
    diagnostics
}

/// The `recheck`s with an outcome (R20): what each outcome can mean where it is.
fn check_rechecks(tree: &RollbackTree, failed_step: Option<(&str, &str)>, diagnostics: &mut Vec<Diagnostic>) {
    for (index, level) in tree.levels.iter().enumerate() {
        let steps: Vec<&crate::model::Step> = super::steps(&level.items).collect();
        for (position, step) in steps.iter().enumerate() {
            let StepKind::Recheck { after_ms, outcome: Some(outcome) } = &step.kind else { continue };
            let otherwise_span = outcome.otherwise_span.unwrap_or(step.span);
            if let Some(held) =
                outcome.condition.walk().into_iter().find(|part| matches!(part.kind, ConditionKind::Held { .. }))
            {
                let wait = if *after_ms > 0 {
                    format!("after {}", crate::units::format_duration(*after_ms))
                } else {
                    "after 5m".to_string()
                };
                diagnostics.push(
                    Diagnostic::new(
                        Code::RecheckHoldNotSampled,
                        held.span,
                        "a `recheck` decides on one sample: this `for` is never measured",
                    )
                    .label("held for a time nothing samples")
                    .help(format!(
                        "say how long to wait with `recheck {wait}` and test the value then, without `for`; to act only once values last, sample them in a watch"
                    )),
                );
            }
            if outcome.otherwise == Some(Outcome::Resume) {
                diagnostics.push(
                    Diagnostic::new(
                        Code::ResumeOnNoData,
                        otherwise_span,
                        "`otherwise resume` goes back to the run when the probe gives no data",
                    )
                    .label("no data is not an improvement")
                    .help(format!(
                        "write the condition of the improvement and resume when it holds: `resume when ... otherwise {}`",
                        if outcome.then == Outcome::Resume { "stay" } else { outcome.then.keyword() }
                    )),
                );
            }
            if let Some((kind, node)) = failed_step {
                let resume_spans =
                    [(Some(outcome.then), Some(outcome.then_span)), (outcome.otherwise, outcome.otherwise_span)];
                for (_, span) in resume_spans.iter().filter(|(outcome, _)| *outcome == Some(Outcome::Resume)) {
                    diagnostics.push(
                        Diagnostic::new(
                            Code::ResumeAfterFailedStep,
                            span.unwrap_or(step.span),
                            format!("`resume` would go on with the plan after {kind} `{node}` failed"),
                        )
                        .label(format!("`{node}` enters `{}` when it fails", tree.name))
                        .help(format!(
                            "a better metric does not undo a failed {}: `stay` or `escalate` here, or give the breaches of a watch or rollout a tree of their own that may resume",
                            if kind == "gate" { "gate" } else { "step" }
                        )),
                    );
                }
            }
            if index == 0 && outcome.outcomes().contains(&Some(Outcome::Escalate)) {
                let span = if outcome.then == Outcome::Escalate { outcome.then_span } else { otherwise_span };
                diagnostics.push(
                    Diagnostic::new(
                        Code::RecheckCannotEscalate,
                        span,
                        format!("`escalate` in `{}`, the most severe level, has nowhere to go", level.name),
                    )
                    .label("nothing more severe to escalate to")
                    .help("levels are listed from the most severe; say `stay`, or move the level down"),
                );
            }
            if outcome.otherwise == Some(outcome.then) {
                diagnostics.push(
                    Diagnostic::new(
                        Code::RecheckDecidesNothing,
                        otherwise_span,
                        format!("both outcomes are `{}`: the condition decides nothing", outcome.then.keyword()),
                    )
                    .label("the same as when it holds")
                    .help(format!(
                        "remove `otherwise {}`, or say what happens when the condition does not hold",
                        outcome.then.keyword()
                    )),
                );
            }
            let never_stays = outcome.outcomes().iter().all(|outcome| {
                matches!(outcome, Some(Outcome::Resume) | Some(Outcome::Escalate))
                    && !(index == 0 && *outcome == Some(Outcome::Escalate))
            });
            if let Some(next) = steps.get(position + 1).filter(|_| never_stays) {
                diagnostics.push(
                    Diagnostic::new(
                        Code::StepsAfterRecheckNeverRun,
                        next.span,
                        format!("this step of `{}` is never run", level.name),
                    )
                    .label("after a `recheck` that always leaves the level")
                    .with(step.span, "resumes or escalates, whatever it finds")
                    .help("move the step before the `recheck`, or say `stay` for one of its outcomes"),
                );
            }
        }
    }
}

fn check_levels(tree: &RollbackTree, diagnostics: &mut Vec<Diagnostic>) {
    if tree.levels.is_empty() {
        diagnostics.push(
            Diagnostic::new(Code::EmptyLevel, tree.name_span, format!("rollback tree `{}` has no level", tree.name))
                .label("nothing to run when it is entered")
                .help("add levels, most severe first: `level critical when ... { ... }`"),
        );
    }
    let mut handles_no_data = false;
    for (index, level) in tree.levels.iter().enumerate() {
        handles_no_data |=
            level.when.walk().iter().any(|condition| matches!(condition.kind, ConditionKind::NoData { .. }));
        let steps = || super::steps(&level.items);
        if steps().next().is_none() {
            diagnostics.push(
                Diagnostic::new(Code::EmptyLevel, level.name_span, format!("level `{}` has no step", level.name))
                    .label("does nothing")
                    .help("give it a procedure, or write `continue` if this range needs no action"),
            );
        }
        if index == 0 {
            for step in steps().filter(|step| matches!(step.kind, StepKind::Recheck { outcome: None, .. })) {
                diagnostics.push(
                    Diagnostic::new(
                        Code::RecheckCannotEscalate,
                        step.span,
                        format!("`recheck` in `{}`, the most severe level, can only find itself again", level.name),
                    )
                    .label("nothing more severe to escalate to")
                    .help("levels are listed from the most severe; move the level down or remove `recheck`"),
                );
            }
        }
    }
    if !handles_no_data && !tree.levels.is_empty() {
        diagnostics.push(
            Diagnostic::new(
                Code::NoDataLevelMissing,
                tree.name_span,
                format!("no level of `{}` handles a failed probe", tree.name),
            )
            .label("no `nodata` condition")
            .help(format!(
                "add `nodata` to a level's condition, as in `level critical when ... or nodata`; without one a failed probe runs `{}`, the most severe level",
                tree.levels[0].name
            )),
        );
    }
}

/// What the levels of a tree say about one metric's values.
#[derive(Default)]
struct Coverage {
    /// A level, an interval it matches, and whether its comparison has a `for`: one entry per
    /// comparison or range that a level's condition joins with `or`.
    exact: Vec<(usize, Interval, bool)>,
    /// At most the values that the other levels testing the metric may match (under `and`,
    /// `not`, or against a baseline): they can neither be said to overlap nor to leave a gap.
    loose: Vec<Interval>,
    /// Such a level may match any value.
    loose_everywhere: bool,
}

/// What each level says about each metric it compares: exactly for the comparisons and ranges a
/// level joins with `or`, at most for the others, so that one level written with `and` leaves
/// the other levels checked.
fn coverage_by_metric(tree: &RollbackTree) -> BTreeMap<MetricId, Coverage> {
    let mut by_metric: BTreeMap<MetricId, Coverage> = BTreeMap::new();
    for (index, level) in tree.levels.iter().enumerate() {
        let operands: Vec<&Condition> = match &level.when.kind {
            ConditionKind::Or { operands } => operands.iter().collect(),
            _ => vec![&level.when],
        };
        for operand in operands {
            if let Some((metric, intervals)) = atom(operand) {
                let held = matches!(operand.kind, ConditionKind::Held { .. });
                let coverage = by_metric.entry(metric).or_default();
                coverage.exact.extend(intervals.into_iter().map(|interval| (index, interval, held)));
                continue;
            }
            let mut metrics: Vec<MetricId> = Vec::new();
            for inner in operand.walk() {
                if let ConditionKind::Compare { metric, .. } | ConditionKind::InRange { metric, .. } = &inner.kind {
                    if !metrics.contains(metric) {
                        metrics.push(*metric);
                    }
                }
            }
            for metric in metrics {
                let coverage = by_metric.entry(metric).or_default();
                match reach(operand, metric) {
                    Some(intervals) => coverage.loose.extend(intervals),
                    None => coverage.loose_everywhere = true,
                }
            }
        }
    }
    by_metric
}

/// The values of `metric` for which `condition` may hold, at most, when nothing is declared and
/// every probe answers; `None` when that may be any value.
fn reach(condition: &Condition, metric: MetricId) -> Option<Vec<Interval>> {
    if let Some((compared, intervals)) = atom(condition) {
        return (compared == metric).then_some(intervals);
    }
    match &condition.kind {
        ConditionKind::And { operands } => {
            let mut result: Option<Vec<Interval>> = None;
            for operand in operands {
                let Some(intervals) = reach(operand, metric) else { continue };
                result = Some(match result {
                    None => intervals,
                    Some(so_far) => so_far
                        .iter()
                        .flat_map(|a| intervals.iter().map(move |b| a.intersect(b)))
                        .filter(|interval| !interval.is_empty())
                        .collect(),
                });
            }
            result
        }
        ConditionKind::Or { operands } => {
            let mut all = Vec::new();
            for operand in operands {
                all.extend(reach(operand, metric)?);
            }
            Some(all)
        }
        ConditionKind::Held { operand, .. } => reach(operand, metric),
        ConditionKind::Declared { .. } | ConditionKind::NoData { .. } => Some(Vec::new()),
        _ => None,
    }
}

/// The parts of `interval` outside `other`.
fn subtract(interval: &Interval, other: &Interval) -> Vec<Interval> {
    let mut parts = Vec::new();
    if let Some(low) = other.low {
        parts.push(
            interval
                .intersect(&Interval { low: None, high: Some(Bound { value: low.value, inclusive: !low.inclusive }) }),
        );
    }
    if let Some(high) = other.high {
        parts.push(
            interval.intersect(&Interval {
                low: Some(Bound { value: high.value, inclusive: !high.inclusive }),
                high: None,
            }),
        );
    }
    parts.retain(|part| !part.is_empty());
    parts
}

fn sort_key(interval: &Interval) -> (f64, bool) {
    match interval.low {
        None => (f64::NEG_INFINITY, false),
        Some(bound) => (bound.value, !bound.inclusive),
    }
}

/// `entered_on_fail`: a node whose `on fail` enters the tree, if any.
fn check_ranges(model: &Model, tree: &RollbackTree, entered_on_fail: Option<&str>, diagnostics: &mut Vec<Diagnostic>) {
    for (metric, coverage) in coverage_by_metric(tree) {
        let metric = &model.metrics[metric.0];
        let domain = domain(metric.ty);
        let mut entries: Vec<(usize, Interval, bool)> = coverage
            .exact
            .into_iter()
            .map(|(level, interval, held)| (level, interval.intersect(&domain), held))
            .filter(|(_, interval, _)| !interval.is_empty())
            .collect();
        // A last level that matches every value is a deliberate catch-all ("otherwise"): it
        // neither overlaps the levels above it nor leaves a gap.
        let last = tree.levels.len().saturating_sub(1);
        let catch_all = entries.iter().any(|(level, interval, _)| *level == last && interval.contains(&domain));
        if catch_all {
            entries.retain(|(level, _, _)| *level != last);
        }
        entries.sort_by(|a, b| sort_key(&a.1).partial_cmp(&sort_key(&b.1)).unwrap_or(std::cmp::Ordering::Equal));

        // Overlaps: a sweep keeping the interval that reaches furthest so far.
        let mut reported: Vec<(usize, usize)> = Vec::new();
        let mut reach: Option<(usize, Interval, bool)> = None;
        for &(level, interval, held) in &entries {
            if let Some((other, reaching, other_held)) = reach {
                let overlap = interval.intersect(&reaching);
                let pair = (other.min(level), other.max(level));
                if other != level && !overlap.is_empty() && !reported.contains(&pair) {
                    reported.push(pair);
                    let (first, second) = (&tree.levels[pair.0], &tree.levels[pair.1]);
                    let diagnostic = Diagnostic::new(
                        Code::OverlappingLevels,
                        second.name_span,
                        format!(
                            "`{}` {} matches both `{}` and `{}`",
                            metric.name,
                            overlap.describe(metric.ty),
                            first.name,
                            second.name
                        ),
                    )
                    .with(first.name_span, format!("`{}` matches first", first.name));
                    diagnostics.push(if held || other_held {
                        // Ranges that differ only by `for` are the same range to a tree.
                        diagnostic
                            .label(format!("`{}` is never chosen for these values", second.name))
                            .help(format!(
                                "a tree decides on one sample, so a `for` in a level does not set it apart; to act first and escalate when the values last, give `{}` its own range and end it with `wait` and `recheck`",
                                second.name
                            ))
                    } else {
                        diagnostic
                            .label(format!("`{}` also matches here", second.name))
                            .help("make the ranges meet without overlapping: `a..b` excludes b, `a..=b` includes it")
                    });
                }
            }
            let reaches_further = match reach {
                None => true,
                Some((_, reaching, _)) => match (interval.high, reaching.high) {
                    (None, _) => true,
                    (Some(_), None) => false,
                    (Some(a), Some(b)) => a.value > b.value || (a.value == b.value && a.inclusive && !b.inclusive),
                },
            };
            if reaches_further {
                reach = Some((level, interval, held));
            }
        }

        // A metric that only levels written with `and` (or `not`, or a baseline) test is not one
        // the levels divide into ranges: no gap to find.
        if catch_all || coverage.loose_everywhere || entries.is_empty() {
            continue;
        }
        // Gaps: walk the union from the bottom of the domain.
        let mut gaps: Vec<Interval> = Vec::new();
        // Everything below `cursor` is covered; `cursor` itself is covered when `covered`.
        let mut cursor: Option<Bound> = domain.low.map(|low| Bound { value: low.value, inclusive: !low.inclusive });
        let mut done = false;
        for (_, interval, _) in &entries {
            let starts_after = match (interval.low, cursor) {
                (None, _) | (_, None) => false,
                (Some(low), Some(at)) => {
                    low.value > at.value || (low.value == at.value && !at.inclusive && !low.inclusive)
                }
            };
            if starts_after {
                if let (Some(at), Some(low)) = (cursor, interval.low) {
                    gaps.push(Interval {
                        low: Some(Bound { value: at.value, inclusive: !at.inclusive }),
                        high: Some(Bound { value: low.value, inclusive: !low.inclusive }),
                    });
                }
            }
            match interval.high {
                None => {
                    done = true;
                    break;
                }
                Some(high) => {
                    let further =
                        cursor.is_none_or(|at| high.value > at.value || (high.value == at.value && high.inclusive));
                    if further {
                        cursor = Some(high);
                    }
                }
            }
        }
        if !done {
            if let Some(at) = cursor {
                let tail =
                    Interval { low: Some(Bound { value: at.value, inclusive: !at.inclusive }), high: domain.high };
                if !tail.is_empty() {
                    gaps.push(tail);
                }
            }
        }
        // What a level written with `and` may match is not a certain gap.
        for loose in &coverage.loose {
            gaps = gaps.iter().flat_map(|gap| subtract(gap, loose)).collect();
        }
        for gap in gaps.into_iter().filter(|gap| !gap.is_empty()) {
            let condition = condition_for(&metric.name, &gap, metric.ty);
            let most_severe = &tree.levels[0].name;
            let help = match entered_on_fail {
                // `continue` here would let the launch go on after the failure.
                Some(node) => {
                    let written = format!("{} {condition}", metric.name);
                    let written = if written.contains(" and ") { format!("({written})") } else { written };
                    format!(
                        "`{node}` enters this tree when it fails, and then these values run `{most_severe}`, the most severe level; if that is meant, say so with `or {written}` in its condition (not with `continue`, which would let the launch go on after the failure)"
                    )
                }
                None => format!(
                    "say what it means: a level such as `level normal when {} {condition} {{ continue }}`",
                    metric.name
                ),
            };
            diagnostics.push(
                Diagnostic::new(
                    Code::UncoveredRange,
                    tree.name_span,
                    format!("`{}` {} matches no level of `{}`", metric.name, gap.describe(metric.ty), tree.name),
                )
                .label("no level for these values")
                .help(help),
            );
        }
    }
}

/// A condition that matches exactly `interval`, to suggest in help.
fn condition_for(metric: &str, interval: &Interval, ty: crate::model::MetricType) -> String {
    let show = |value: f64| super::conditions::format_value(value, ty);
    match (interval.low, interval.high) {
        (Some(low), Some(high)) if low.value == high.value => format!("== {}", show(low.value)),
        (Some(low), Some(high)) if low.inclusive && domain(ty).low == Some(low) => {
            format!("{} {}", if high.inclusive { "<=" } else { "<" }, show(high.value))
        }
        (Some(low), Some(high)) if low.inclusive => {
            format!("in {}{}{}", show(low.value), if high.inclusive { "..=" } else { ".." }, show(high.value))
        }
        (Some(low), None) => format!("{} {}", if low.inclusive { ">=" } else { ">" }, show(low.value)),
        (None, Some(high)) => format!("{} {}", if high.inclusive { "<=" } else { "<" }, show(high.value)),
        (Some(low), Some(high)) => format!(
            "> {} and {metric} {} {}",
            show(low.value),
            if high.inclusive { "<=" } else { "<" },
            show(high.value)
        ),
        _ => interval.describe(ty),
    }
}
