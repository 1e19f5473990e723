//! Rollback trees: per metric, the levels' ranges must not overlap and should cover every
//! value; a level handles failed probes; `recheck` can escalate; every level does something.
//!
//! Levels are tried in source order, most severe first: the first whose condition holds runs.

use super::conditions::{atom, domain, Bound, Interval};
use crate::diag::{Code, Diagnostic};
use crate::model::{ConditionKind, MetricId, Model, RollbackTree, StepKind};
use std::collections::BTreeMap;

pub(super) fn check(model: &Model) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    for tree in &model.rollbacks {
        check_levels(tree, &mut diagnostics);
        check_ranges(model, tree, &mut diagnostics);
    }
    diagnostics
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
            for step in steps().filter(|step| matches!(step.kind, StepKind::Recheck)) {
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

/// The intervals each level gives each metric, or `None` for a metric that some level tests in
/// a way intervals cannot describe (`and`, `not`, relative thresholds): that metric is skipped.
fn intervals_by_metric(tree: &RollbackTree) -> BTreeMap<MetricId, Option<Vec<(usize, Interval)>>> {
    let mut by_metric: BTreeMap<MetricId, Option<Vec<(usize, Interval)>>> = BTreeMap::new();
    for (index, level) in tree.levels.iter().enumerate() {
        let operands: Vec<&crate::model::Condition> = match &level.when.kind {
            ConditionKind::Or { operands } => operands.iter().collect(),
            _ => vec![&level.when],
        };
        for operand in operands {
            if let Some((metric, intervals)) = atom(operand) {
                // A metric already marked as not describable stays skipped.
                if let Some(entries) = by_metric.entry(metric).or_insert_with(|| Some(Vec::new())) {
                    entries.extend(intervals.into_iter().map(|interval| (index, interval)));
                }
                continue;
            }
            for inner in operand.walk() {
                let metric = match &inner.kind {
                    ConditionKind::Compare { metric, .. } | ConditionKind::InRange { metric, .. } => *metric,
                    _ => continue,
                };
                by_metric.insert(metric, None);
            }
        }
    }
    by_metric
}

fn sort_key(interval: &Interval) -> (f64, bool) {
    match interval.low {
        None => (f64::NEG_INFINITY, false),
        Some(bound) => (bound.value, !bound.inclusive),
    }
}

fn check_ranges(model: &Model, tree: &RollbackTree, diagnostics: &mut Vec<Diagnostic>) {
    for (metric, entries) in intervals_by_metric(tree) {
        let Some(entries) = entries else { continue };
        let metric = &model.metrics[metric.0];
        let domain = domain(metric.ty);
        let mut entries: Vec<(usize, Interval)> = entries
            .into_iter()
            .map(|(level, interval)| (level, interval.intersect(&domain)))
            .filter(|(_, interval)| !interval.is_empty())
            .collect();
        // A last level that matches every value is a deliberate catch-all ("otherwise"): it
        // neither overlaps the levels above it nor leaves a gap.
        let last = tree.levels.len().saturating_sub(1);
        let catch_all = entries.iter().any(|(level, interval)| *level == last && interval.contains(&domain));
        if catch_all {
            entries.retain(|(level, _)| *level != last);
        }
        entries.sort_by(|a, b| sort_key(&a.1).partial_cmp(&sort_key(&b.1)).unwrap_or(std::cmp::Ordering::Equal));

        // Overlaps: a sweep keeping the interval that reaches furthest so far.
        let mut reported: Vec<(usize, usize)> = Vec::new();
        let mut reach: Option<(usize, Interval)> = None;
        for &(level, interval) in &entries {
            if let Some((other, reaching)) = reach {
                let overlap = interval.intersect(&reaching);
                let pair = (other.min(level), other.max(level));
                if other != level && !overlap.is_empty() && !reported.contains(&pair) {
                    reported.push(pair);
                    let (first, second) = (&tree.levels[pair.0], &tree.levels[pair.1]);
                    diagnostics.push(
                        Diagnostic::new(
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
                        .label(format!("`{}` also matches here", second.name))
                        .with(first.name_span, format!("`{}` matches first", first.name))
                        .help("make the ranges meet without overlapping: `a..b` excludes b, `a..=b` includes it"),
                    );
                }
            }
            let reaches_further = match reach {
                None => true,
                Some((_, reaching)) => match (interval.high, reaching.high) {
                    (None, _) => true,
                    (Some(_), None) => false,
                    (Some(a), Some(b)) => a.value > b.value || (a.value == b.value && a.inclusive && !b.inclusive),
                },
            };
            if reaches_further {
                reach = Some((level, interval));
            }
        }

        // Gaps: walk the union from the bottom of the domain.
        let mut gaps: Vec<Interval> = Vec::new();
        // Everything below `cursor` is covered; `cursor` itself is covered when `covered`.
        let mut cursor: Option<Bound> = domain.low.map(|low| Bound { value: low.value, inclusive: !low.inclusive });
        let mut done = false;
        for (_, interval) in &entries {
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
        for gap in gaps.into_iter().filter(|gap| !gap.is_empty() && !catch_all) {
            diagnostics.push(
                Diagnostic::new(
                    Code::UncoveredRange,
                    tree.name_span,
                    format!("`{}` {} matches no level of `{}`", metric.name, gap.describe(metric.ty), tree.name),
                )
                .label("no level for these values")
                .help(format!(
                    "say what it means: a level such as `level normal when {} {} {{ continue }}`",
                    metric.name,
                    condition_for(&metric.name, &gap, metric.ty)
                )),
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
