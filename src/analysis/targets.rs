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
}

impl Targets {
    pub fn any(self) -> bool {
        self.runbook || self.workflow
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

/// The limits of `targets` this plan runs into. `order` holds every node.
pub(super) fn check(model: &Model, order: &[NodeId], schedule: &Schedule, targets: Targets) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    if targets.workflow {
        alerts(model, &mut diagnostics);
        diagnostics.extend(super::workflow::check(model, order, schedule));
    }
    diagnostics
}
