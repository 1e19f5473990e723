//! What a target cannot carry out exactly, as diagnostics (W10xx): reported for the targets
//! named with `--target` by `golivec lint`, `golivec check`, `golivec build` and the language
//! server, never otherwise.

use super::timeline::Schedule;
use crate::diag::{Code, Diagnostic};
use crate::model::{Model, NodeId};

/// The targets whose limits the analysis reports.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Targets {
    /// The bash runbook (`--target shell`).
    pub runbook: bool,
    /// The GitHub Actions workflow (`--target workflow`), which runs the runbook.
    pub workflow: bool,
    /// The Prometheus rule file and its tests (`--target alerts`, `--target alerts-test`).
    pub alerts: bool,
}

impl Targets {
    pub fn any(self) -> bool {
        self.runbook || self.workflow || self.alerts
    }
}

/// W1001: alerts watch the whole launch beside it. The runbook watches them when it runs the
/// whole plan; the workflow runs it one node per job (`--only`), where no alert is watched.
fn alerts(model: &Model, diagnostics: &mut Vec<Diagnostic>) {
    for alert in &model.alerts {
        diagnostics.push(
            Diagnostic::new(
                Code::AlertNotRun,
                alert.name_span,
                format!("alert `{}` is not run by the workflow", alert.name),
            )
            .label("nothing watches its condition while the plan runs")
            .help("route it to your monitoring (the checklist lists it), or watch its condition in a `watch` node"),
        );
    }
}

/// W1006: an alert whose condition Prometheus cannot evaluate is left out of the rule file.
fn alert_rules(model: &Model, diagnostics: &mut Vec<Diagnostic>) {
    use super::alert_rules::Unsupported;
    for (alert, rule) in model.alerts.iter().zip(super::alert_rules::rules(model)) {
        let Err(problems) = rule else { continue };
        let mut diagnostic = Diagnostic::new(
            Code::AlertNotARule,
            alert.name_span,
            format!("alert `{}` cannot be a Prometheus rule and is left out of the rule file", alert.name),
        )
        .label("no rule watches it in Prometheus");
        let mut helps = Vec::new();
        for problem in &problems {
            let (label, help) = match problem {
                Unsupported::Declared { .. } => (
                    "a person declares this: Prometheus cannot see it".to_string(),
                    "Prometheus never hears of a declaration: give what it can watch an alert of its own, \
                     without `declared`"
                        .to_string(),
                ),
                Unsupported::Baseline { .. } => (
                    "the baseline is measured by the runbook during the run".to_string(),
                    "compare the metric with an absolute value (`> 100/s`) in the alert".to_string(),
                ),
                Unsupported::NestedFor { .. } => (
                    "a `for` inside the condition".to_string(),
                    "put the `for` over the whole condition (`(A and B) for 5m`), or split the alert in two"
                        .to_string(),
                ),
                Unsupported::NotQueried { metric, .. } => {
                    let name = &model.metrics[metric.0].name;
                    (
                        format!("`{name}` has no Prometheus query"),
                        format!("give the metric `{name}` a `prometheus \"QUERY\"` source (and a `unit`)"),
                    )
                }
                Unsupported::NodataOfNothing { .. } => (
                    "`nodata` alone reads the metrics of its condition, and this one reads none".to_string(),
                    "name the metric: `nodata error_rate`".to_string(),
                ),
            };
            diagnostic = diagnostic.with(problem.span(), label);
            if !helps.contains(&help) {
                helps.push(help);
            }
        }
        diagnostics.push(diagnostic.help(helps.join("; ")));
    }
}

/// The limits of `targets` this plan runs into. `order` holds every node.
pub(super) fn check(model: &Model, order: &[NodeId], schedule: &Schedule, targets: Targets) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    if targets.workflow {
        alerts(model, &mut diagnostics);
        diagnostics.extend(super::workflow::check(model, order, schedule));
    }
    if targets.alerts {
        alert_rules(model, &mut diagnostics);
    }
    diagnostics
}
