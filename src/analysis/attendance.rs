//! Who answers a `check` or an `approve` step: decided here, once, for `golivec lint` (W0905),
//! the language server and the workflow target, which records approvals exactly where
//! [`attended`] says a person answers.
//!
//! The rule, per runner:
//! - the runbook (`--target shell`) is run by a person at a terminal: every `check` and
//!   `approve` is asked there, so every step is attended;
//! - the workflow (`--target workflow`) runs each node in a job on a runner with no terminal.
//!   A person answers only by approving the job's environment, and GitHub asks for that only
//!   when the environment has required reviewers: the job of a node on an env with `approval`
//!   (its roles are the reviewers), or of a gate with an `approve` step and no env (the
//!   workflow gives it an environment of its own, whose reviewers are the roles its `approve`
//!   steps name). Every other node, and every rollback level (run by a rollback job, or by a
//!   node's job after its own steps, with nobody asked), runs unattended: its checks and
//!   approvals get no answer and fail closed.
//!
//! A gate is not attended by being a gate, nor a node by having an `approve` step: without
//! required reviewers, that `approve` is itself unanswered.

use super::workflow::environment;
use crate::diag::{Code, Diagnostic};
use crate::model::{Condition, ConditionKind, Model, Node, NodeId, NodeKind, Step, StepKind, TreeId};

/// What carries a plan out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Runner {
    /// The bash runbook, run by a person at a terminal.
    Runbook,
    /// The GitHub Actions workflow, job by job.
    Workflow,
}

/// Where steps stand.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    Node(NodeId),
    /// The levels of a rollback tree.
    Rollback(TreeId),
}

/// Whether a person can answer the `check` and `approve` steps at `place` when `runner` carries
/// the plan out (see the module's documentation for the rule).
pub fn attended(model: &Model, place: Place, runner: Runner) -> bool {
    match (runner, place) {
        (Runner::Runbook, _) => true,
        (Runner::Workflow, Place::Node(node)) => {
            environment(model, node).is_some_and(|environment| environment.has_reviewers(model))
        }
        (Runner::Workflow, Place::Rollback(_)) => false,
    }
}

/// How to get a person to answer in an unattended node.
fn help(model: &Model, node: &Node) -> String {
    match node.env {
        Some(env) => format!(
            "add `approval` to env `{}`: its required reviewers then sign off the node's checks and approvals",
            model.envs[env.0].name
        ),
        None if node.kind == NodeKind::Gate => {
            "add an `approve` step: the workflow then gives the gate an environment whose reviewers sign off its checks"
                .to_string()
        }
        None => {
            "move it into a gate with an `approve` step before this node, or run the node on an env with `approval`"
                .to_string()
        }
    }
}

fn unattended(step: &Step, place: &str, help: impl Fn() -> String) -> Option<Diagnostic> {
    let (what, label) = match step.kind {
        StepKind::Check { .. } => ("a manual check", "no one is asked to confirm it in the workflow: it fails closed"),
        StepKind::Approve { .. } => ("an approval", "no reviewer is asked for it in the workflow: it fails closed"),
        _ => return None,
    };
    Some(
        Diagnostic::new(Code::ManualCheckUnattended, step.span, format!("{what} in {place}, which runs unattended"))
            .label(label)
            .help(help()),
    )
}

/// Whether `condition` is false whenever nothing is declared: `Some(false)` when it surely is,
/// `None` when it depends on what is measured.
fn without_declarations(condition: &Condition) -> Option<bool> {
    match &condition.kind {
        ConditionKind::Declared { .. } => Some(false),
        ConditionKind::Not { operand } => without_declarations(operand).map(|value| !value),
        ConditionKind::Held { operand, .. } => without_declarations(operand),
        ConditionKind::And { operands } => {
            let values: Vec<Option<bool>> = operands.iter().map(without_declarations).collect();
            if values.contains(&Some(false)) {
                Some(false)
            } else if values.iter().all(|value| *value == Some(true)) {
                Some(true)
            } else {
                None
            }
        }
        ConditionKind::Or { operands } => {
            let values: Vec<Option<bool>> = operands.iter().map(without_declarations).collect();
            if values.contains(&Some(true)) {
                Some(true)
            } else if values.iter().all(|value| *value == Some(false)) {
                Some(false)
            } else {
                None
            }
        }
        _ => None,
    }
}

/// W0908: a gate or rollout whose `require` cannot hold until a person declares a trigger. In
/// the workflow no one can declare one (only the runbook takes `--declare`), so it never passes.
fn declarations_required(model: &Model, diagnostics: &mut Vec<Diagnostic>) {
    for node in &model.nodes {
        for condition in node.requires.iter() {
            if without_declarations(condition) != Some(false) {
                continue;
            }
            let declared = condition.walk().into_iter().find_map(|part| match &part.kind {
                ConditionKind::Declared { text } => Some(text.to_string()),
                _ => None,
            });
            let trigger = declared.map_or_else(String::new, |text| format!(" \"{text}\""));
            diagnostics.push(
                Diagnostic::new(
                    Code::DeclarationRequired,
                    condition.span,
                    format!("`{}` cannot pass until someone declares{trigger}", node.name),
                )
                .label("false until a person declares it")
                .help(format!(
                    "no one can declare a trigger in the workflow, so `{}` fails there; ask a person with an `approve` step (or a `check`) instead, and keep `declared` for rollback trees and alerts",
                    node.name
                )),
            );
        }
    }
}

/// W0905: every `check` and `approve` step that no one can answer in the workflow, the one
/// runner where a node can run with nobody there; W0908: requirements only a declaration meets.
pub(super) fn check(model: &Model) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    declarations_required(model, &mut diagnostics);
    for (index, node) in model.nodes.iter().enumerate() {
        if attended(model, Place::Node(NodeId(index)), Runner::Workflow) {
            continue;
        }
        let place = format!("`{}`", node.name);
        diagnostics.extend(super::steps(&node.items).filter_map(|step| unattended(step, &place, || help(model, node))));
    }
    for (index, tree) in model.rollbacks.iter().enumerate() {
        if attended(model, Place::Rollback(TreeId(index)), Runner::Workflow) {
            continue;
        }
        let place = format!("rollback tree `{}`", tree.name);
        for level in &tree.levels {
            diagnostics.extend(super::steps(&level.items).filter_map(|step| {
                unattended(step, &place, || {
                    "a rollback runs with no one asked in the workflow: check with `expect`, or `page` a person"
                        .to_string()
                })
            }));
        }
    }
    diagnostics
}
