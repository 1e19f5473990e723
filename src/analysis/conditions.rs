//! What a condition can say about a metric's values: intervals on the metric's domain, and
//! the conditions that can never be true or are always true.

use crate::diag::{Code, Diagnostic};
use crate::model::{Comparison, Condition, ConditionKind, MetricId, MetricType, Model, Threshold};

/// One end of an interval; `None` is infinite.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Bound {
    pub(super) value: f64,
    pub(super) inclusive: bool,
}

/// A set of values `low..high` with open or closed ends.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Interval {
    pub(super) low: Option<Bound>,
    pub(super) high: Option<Bound>,
}

impl Interval {
    fn closed(low: f64, high: f64) -> Interval {
        Interval {
            low: Some(Bound { value: low, inclusive: true }),
            high: Some(Bound { value: high, inclusive: true }),
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        match (self.low, self.high) {
            (Some(low), Some(high)) => {
                low.value > high.value || (low.value == high.value && !(low.inclusive && high.inclusive))
            }
            _ => false,
        }
    }

    pub(super) fn intersect(&self, other: &Interval) -> Interval {
        let low = match (self.low, other.low) {
            (Some(a), Some(b)) => Some(if a.value > b.value || (a.value == b.value && !a.inclusive) { a } else { b }),
            (a, b) => a.or(b),
        };
        let high = match (self.high, other.high) {
            (Some(a), Some(b)) => Some(if a.value < b.value || (a.value == b.value && !a.inclusive) { a } else { b }),
            (a, b) => a.or(b),
        };
        Interval { low, high }
    }

    /// Whether `self` covers all of `other`.
    pub(super) fn contains(&self, other: &Interval) -> bool {
        let low_ok = match (self.low, other.low) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(a), Some(b)) => a.value < b.value || (a.value == b.value && (a.inclusive || !b.inclusive)),
        };
        let high_ok = match (self.high, other.high) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(a), Some(b)) => a.value > b.value || (a.value == b.value && (a.inclusive || !b.inclusive)),
        };
        low_ok && high_ok
    }

    /// A range as written in a plan, with its unit: `1%..=3%`, `> 10%`.
    pub(super) fn describe(&self, ty: MetricType) -> String {
        let show = |value: f64| format_value(value, ty);
        match (self.low, self.high) {
            (None, None) => "any value".to_string(),
            (Some(low), None) => format!("{} {}", if low.inclusive { ">=" } else { ">" }, show(low.value)),
            (None, Some(high)) => format!("{} {}", if high.inclusive { "<=" } else { "<" }, show(high.value)),
            (Some(low), Some(high)) if low.value == high.value => show(low.value),
            (Some(low), Some(high)) if low.inclusive => {
                format!("{}{}{}", show(low.value), if high.inclusive { "..=" } else { ".." }, show(high.value))
            }
            (Some(low), Some(high)) => {
                format!("> {} and {} {}", show(low.value), if high.inclusive { "<=" } else { "<" }, show(high.value))
            }
        }
    }
}

/// A value of a metric in its unit, as a user writes it.
pub(crate) fn format_value(value: f64, ty: MetricType) -> String {
    match ty {
        MetricType::Percent => format!("{value}%"),
        MetricType::Duration if value >= 0.0 => super::format_duration(value as u64),
        MetricType::Rate => {
            // The first unit that gives a whole number reads best: 10/min, not 0.1666/s.
            let whole = [(1.0, "s"), (60.0, "min"), (3600.0, "h")]
                .into_iter()
                .find(|(scale, _)| ((value * scale).round() - value * scale).abs() < 1e-6);
            match whole {
                Some((scale, unit)) => format!("{}/{unit}", (value * scale).round()),
                None => format!("{value:.3}/s"),
            }
        }
        MetricType::Size => crate::units::format_size(value),
        _ => format!("{value}"),
    }
}

/// The values a metric of this type can take.
pub(super) fn domain(ty: MetricType) -> Interval {
    match ty {
        MetricType::Percent => Interval::closed(0.0, 100.0),
        MetricType::Duration | MetricType::Count | MetricType::Rate | MetricType::Size => {
            Interval { low: Some(Bound { value: 0.0, inclusive: true }), high: None }
        }
        MetricType::Number | MetricType::Bool => Interval { low: None, high: None },
    }
}

/// The metric and the values for which a comparison or range is true, when it has a fixed
/// threshold (relative thresholds depend on the baseline and say nothing here).
pub(super) fn atom(condition: &Condition) -> Option<(MetricId, Vec<Interval>)> {
    let open = |value: f64| Some(Bound { value, inclusive: false });
    let closed = |value: f64| Some(Bound { value, inclusive: true });
    match &condition.kind {
        ConditionKind::Compare { metric, comparison, threshold: Threshold::Absolute { value } } => {
            let value = *value;
            let intervals = match comparison {
                Comparison::Lt => vec![Interval { low: None, high: open(value) }],
                Comparison::Le => vec![Interval { low: None, high: closed(value) }],
                Comparison::Gt => vec![Interval { low: open(value), high: None }],
                Comparison::Ge => vec![Interval { low: closed(value), high: None }],
                Comparison::Eq => vec![Interval::closed(value, value)],
                Comparison::Ne => {
                    vec![Interval { low: None, high: open(value) }, Interval { low: open(value), high: None }]
                }
            };
            Some((*metric, intervals))
        }
        ConditionKind::InRange { metric, negated, low, high, inclusive } => {
            let inside = Interval { low: closed(*low), high: if *inclusive { closed(*high) } else { open(*high) } };
            let intervals = if *negated {
                vec![
                    Interval { low: None, high: open(*low) },
                    Interval { low: if *inclusive { open(*high) } else { closed(*high) }, high: None },
                ]
            } else {
                vec![inside]
            };
            Some((*metric, intervals))
        }
        ConditionKind::Held { operand, .. } => atom(operand),
        _ => None,
    }
}

/// Conditions (comparisons and ranges) that no value of their metric can satisfy, or that
/// every value satisfies.
pub(super) fn check(model: &Model) -> Vec<Diagnostic> {
    let mut roots: Vec<&Condition> = Vec::new();
    for node in &model.nodes {
        roots.extend(&node.requires);
        roots.extend(node.conditions());
        for step in super::steps(&node.items) {
            if let crate::model::StepKind::Expect { check, .. } = &step.kind {
                if let crate::model::Expectation::Condition { condition } = &**check {
                    roots.push(condition);
                }
            }
        }
    }
    // The last level of a tree may be a deliberate catch-all (`error_rate <= 100% { continue }`):
    // only "never true" is checked there.
    let mut catch_alls: Vec<&Condition> = Vec::new();
    for tree in &model.rollbacks {
        let count = tree.levels.len();
        for (index, level) in tree.levels.iter().enumerate() {
            if index + 1 == count {
                catch_alls.push(&level.when);
            }
            roots.push(&level.when);
            for step in super::steps(&level.items) {
                if let crate::model::StepKind::Recheck { outcome: Some(outcome), .. } = &step.kind {
                    roots.push(&outcome.condition);
                }
            }
        }
    }
    roots.extend(model.alerts.iter().map(|alert| &alert.when));
    let mut diagnostics = Vec::new();
    // Each root's conditions, depth first, in the order of `Condition::walk`, through one
    // stack for all of them (`walk` makes a list per root).
    let mut stack: Vec<&Condition> = Vec::new();
    for root in roots {
        let catch_all = catch_alls.iter().any(|candidate| std::ptr::eq(*candidate, root));
        stack.push(root);
        while let Some(condition) = stack.pop() {
            match &condition.kind {
                ConditionKind::Or { operands } | ConditionKind::And { operands } => stack.extend(operands.iter().rev()),
                ConditionKind::Not { operand } | ConditionKind::Held { operand, .. } => stack.push(operand),
                _ => {}
            }
            if matches!(condition.kind, ConditionKind::Held { .. }) {
                continue;
            }
            let Some((metric, intervals)) = atom(condition) else { continue };
            let metric = &model.metrics[metric.0];
            let domain = domain(metric.ty);
            let possible: Vec<Interval> = intervals
                .iter()
                .map(|interval| interval.intersect(&domain))
                .filter(|interval| !interval.is_empty())
                .collect();
            if possible.is_empty() {
                diagnostics.push(
                    Diagnostic::new(Code::ConditionNeverPasses, condition.span, "this condition can never be true")
                        .label(format!("`{}` is always {}", metric.name, domain.describe(metric.ty)))
                        .help(format!("a {} metric is always {}", metric.ty.name(), domain.describe(metric.ty))),
                );
            } else if !catch_all && possible.iter().any(|interval| interval.contains(&domain)) {
                diagnostics.push(
                    Diagnostic::new(Code::ConditionAlwaysPasses, condition.span, "this condition is always true")
                        .label(format!("every value of `{}` satisfies it", metric.name))
                        .help(format!(
                            "a {} metric is always {}; compare with a tighter threshold",
                            metric.ty.name(),
                            domain.describe(metric.ty)
                        )),
                );
            }
        }
    }
    diagnostics
}
