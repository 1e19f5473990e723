//! What the Prometheus rule file (`--target alerts`) makes of each alert: a rule, or the
//! reasons it cannot be one. Decided here, once: the emitter renders the rules, the checklist
//! names them, and `targets` reports the alerts left out (W1006).
//!
//! A rule reads each metric through two recording rules (see [`recorded`] and [`sample`]): the
//! metric's query, then its value as the runbook reads it (one series, or no data). A condition
//! becomes a PromQL expression that has a series exactly when the condition holds: `not` is
//! pushed down to the comparisons (De Morgan), so no data never fires an alert, as in the
//! runbook (docs/semantics.md, R23); a `for` over the whole condition is the rule's `for`.

use crate::model::{Comparison, Condition, ConditionKind, MetricId, MetricSource, Model, Threshold};
use crate::source::Span;

/// An alert as a Prometheus alerting rule.
#[derive(Clone, Debug, PartialEq)]
pub struct AlertRule {
    /// The rule's `alert:` name (Prometheus's `alertname` label): the plan's alert name.
    pub name: String,
    /// The `for` over the whole condition (nested ones add up), in milliseconds.
    pub for_ms: u64,
    pub expr: Expr,
}

/// A condition as PromQL, thresholds in the unit of the metric's query.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    /// The metric's value compares so with `value`.
    Compare {
        metric: MetricId,
        comparison: Comparison,
        value: f64,
    },
    /// The value is in (or, `negated`, outside) `low..high` (`..=` when `inclusive`).
    InRange {
        metric: MetricId,
        low: f64,
        high: f64,
        inclusive: bool,
        negated: bool,
    },
    /// A bool metric is true (`truth`) or false.
    Test {
        metric: MetricId,
        truth: bool,
    },
    /// At least one of the metrics has no value (`nodata`).
    Absent {
        metrics: Vec<MetricId>,
    },
    /// Every one of the metrics has a value (`not nodata`).
    Present {
        metrics: Vec<MetricId>,
    },
    And(Vec<Expr>),
    Or(Vec<Expr>),
}

/// Why part of an alert's condition cannot be a Prometheus rule.
#[derive(Clone, Debug, PartialEq)]
pub enum Unsupported {
    /// `declared "..."`: a person declares it; Prometheus cannot see it.
    Declared { span: Span },
    /// `P% of baseline`: the baseline is measured by the runbook during the run.
    Baseline { span: Span },
    /// A `for` that is not over the whole condition.
    NestedFor { span: Span },
    /// A metric without a `prometheus` query (a `probe sh` or an `http` source).
    NotQueried { metric: MetricId, span: Span },
    /// `nodata` alone in a condition that reads no metric.
    NodataOfNothing { span: Span },
}

impl Unsupported {
    pub fn span(&self) -> Span {
        match self {
            Unsupported::Declared { span }
            | Unsupported::Baseline { span }
            | Unsupported::NestedFor { span }
            | Unsupported::NotQueried { span, .. }
            | Unsupported::NodataOfNothing { span } => *span,
        }
    }
}

/// The name a metric's query is recorded under: `golive:PLAN:METRIC`. Names are identifiers
/// (`[A-Za-z_][A-Za-z0-9_]*`), so this is a valid Prometheus metric name.
pub fn recorded(model: &Model, metric: MetricId) -> String {
    format!("golive:{}:{}", model.plan.name, model.metrics[metric.0].name)
}

/// The name of the metric's value as the runbook reads it: the recorded query when it has
/// exactly one series (its labels dropped) with a value the metric's type can take, nothing
/// otherwise.
pub fn sample(model: &Model, metric: MetricId) -> String {
    format!("{}:sample", recorded(model, metric))
}

/// Every alert in order: its rule, or why it has none (each reason once, in the condition's
/// order).
pub fn rules(model: &Model) -> Vec<Result<AlertRule, Vec<Unsupported>>> {
    model.alerts.iter().map(|alert| rule(model, &alert.name, &alert.when)).collect()
}

/// The metrics the rule of an alert reads, in order of first mention.
pub fn metrics_of(rule: &AlertRule) -> Vec<MetricId> {
    let mut found = Vec::new();
    let mut stack = vec![&rule.expr];
    while let Some(expr) = stack.pop() {
        match expr {
            Expr::Compare { metric, .. } | Expr::InRange { metric, .. } | Expr::Test { metric, .. } => {
                if !found.contains(metric) {
                    found.push(*metric);
                }
            }
            Expr::Absent { metrics } | Expr::Present { metrics } => {
                for metric in metrics {
                    if !found.contains(metric) {
                        found.push(*metric);
                    }
                }
            }
            Expr::And(operands) | Expr::Or(operands) => stack.extend(operands.iter().rev()),
        }
    }
    found
}

fn rule(model: &Model, name: &str, when: &Condition) -> Result<AlertRule, Vec<Unsupported>> {
    // `C for D` over the whole condition; `(C for D1) for D2` holds once C held D1 + D2.
    let mut for_ms = 0u64;
    let mut body = when;
    while let ConditionKind::Held { operand, duration_ms } = &body.kind {
        for_ms = for_ms.saturating_add(*duration_ms);
        body = operand;
    }
    let mut translator = Translator { model, all: crate::run::measure::metrics_of([when]), problems: Vec::new() };
    let expr = translator.expr(body, true);
    if translator.problems.is_empty() {
        Ok(AlertRule { name: name.to_string(), for_ms, expr })
    } else {
        Err(translator.problems)
    }
}

struct Translator<'m> {
    model: &'m Model,
    /// The metrics the alert reads (what `nodata` alone is about).
    all: Vec<usize>,
    problems: Vec<Unsupported>,
}

impl Translator<'_> {
    fn problem(&mut self, problem: Unsupported) {
        if !self.problems.contains(&problem) {
            self.problems.push(problem);
        }
    }

    /// The metric's query unit factor (canonical = query × factor), or a problem when it has
    /// no query.
    fn queried(&mut self, metric: MetricId, span: Span) -> f64 {
        let model_metric = &self.model.metrics[metric.0];
        if !matches!(model_metric.source, MetricSource::Prometheus { .. })
            && !self.problems.iter().any(|p| matches!(p, Unsupported::NotQueried { metric: m, .. } if *m == metric))
        {
            self.problems.push(Unsupported::NotQueried { metric, span });
        }
        crate::run::measure::declared_scale(model_metric)
    }

    /// The expression that has a series exactly when `condition` holds (`positive`) or when it
    /// does not hold with data (`!positive`).
    fn expr(&mut self, condition: &Condition, positive: bool) -> Expr {
        match &condition.kind {
            ConditionKind::And { operands } | ConditionKind::Or { operands } => {
                let operands: Vec<Expr> = operands.iter().map(|operand| self.expr(operand, positive)).collect();
                // De Morgan: `not (a and b)` is `not a or not b`, also in three values.
                if matches!(condition.kind, ConditionKind::And { .. }) == positive {
                    Expr::And(operands)
                } else {
                    Expr::Or(operands)
                }
            }
            ConditionKind::Not { operand } => self.expr(operand, !positive),
            ConditionKind::Held { operand, .. } => {
                self.problem(Unsupported::NestedFor { span: condition.span });
                self.expr(operand, positive)
            }
            ConditionKind::Compare { metric, comparison, threshold } => {
                let factor = self.queried(*metric, condition.span);
                let value = match threshold {
                    Threshold::Absolute { value } => *value,
                    Threshold::OfBaseline { .. } => {
                        self.problem(Unsupported::Baseline { span: condition.span });
                        0.0
                    }
                };
                let comparison = if positive { *comparison } else { comparison.negated() };
                Expr::Compare { metric: *metric, comparison, value: value / factor }
            }
            ConditionKind::InRange { metric, negated, low, high, inclusive } => {
                let factor = self.queried(*metric, condition.span);
                Expr::InRange {
                    metric: *metric,
                    low: low / factor,
                    high: high / factor,
                    inclusive: *inclusive,
                    negated: *negated == positive,
                }
            }
            ConditionKind::Test { metric } => {
                self.queried(*metric, condition.span);
                Expr::Test { metric: *metric, truth: positive }
            }
            ConditionKind::Declared { .. } => {
                self.problem(Unsupported::Declared { span: condition.span });
                Expr::And(Vec::new())
            }
            ConditionKind::NoData { metric } => {
                let metrics: Vec<MetricId> = match metric {
                    Some(metric) => vec![*metric],
                    None => self.all.iter().map(|index| MetricId(*index)).collect(),
                };
                if metrics.is_empty() {
                    self.problem(Unsupported::NodataOfNothing { span: condition.span });
                }
                for metric in &metrics {
                    self.queried(*metric, condition.span);
                }
                if positive {
                    Expr::Absent { metrics }
                } else {
                    Expr::Present { metrics }
                }
            }
        }
    }
}
