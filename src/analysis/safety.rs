//! Safety: nothing crosses the point of no return or touches production without a gate or an
//! approval before it; after the point of no return every node can roll back; a plan has a
//! rollback tree.

use crate::diag::{Code, Diagnostic};
use crate::model::{Model, Node, NodeId, NodeKind, StepKind};

/// Whether a node runs against a production environment.
fn on_production(model: &Model, node: &Node) -> bool {
    node.env.is_some_and(|env| {
        let env = &model.envs[env.0];
        match &env.tier {
            Some(tier) => tier == "production",
            None => matches!(env.name.as_str(), "production" | "prod"),
        }
    })
}

/// Whether a node can fail in a way that calls for a rollback: a gate, rollout or watch that
/// decides on conditions or approvals, or a command. An unconfirmed manual check in a phase
/// stops the plan; it is no reason to roll a release back.
fn can_fail(node: &Node) -> bool {
    let decides = match node.kind {
        NodeKind::Watch => !node.conditions().is_empty(),
        NodeKind::Gate => {
            !node.requires.is_empty()
                || super::steps(&node.items).any(|step| matches!(step.kind, StepKind::Approve { .. }))
        }
        NodeKind::Rollout => true,
        NodeKind::Phase => false,
    };
    decides || super::steps(&node.items).any(|step| matches!(step.kind, StepKind::Run { .. } | StepKind::Expect { .. }))
}

pub(super) fn check(model: &Model, order: &[NodeId]) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    // Computed in dependency order: a node is guarded when a gate or an approval runs before it.
    let mut guarded_after = vec![false; model.nodes.len()];
    // The node that crossed the point of no return on some path to this one.
    let mut past_point: Vec<Option<NodeId>> = vec![None; model.nodes.len()];
    // The production change this node is or runs after, if any (for W0805).
    let mut after_change: Vec<Option<NodeId>> = vec![None; model.nodes.len()];
    // The first node after a production change that enters each tree.
    let mut guards: Vec<Option<NodeId>> = vec![None; model.rollbacks.len()];
    for &id in order {
        let node = &model.nodes[id.0];
        let env_approval = node.env.is_some_and(|env| !model.envs[env.0].approvals.is_empty());
        let guarded_before = env_approval || node.after.iter().any(|dependency| guarded_after[dependency.0]);
        let steps = || super::steps(&node.items);
        let approves = steps().any(|step| matches!(step.kind, StepKind::Approve { .. }));
        let first_action = steps().position(|step| matches!(step.kind, StepKind::Run { .. } | StepKind::Expect { .. }));
        let approves_first = steps()
            .position(|step| matches!(step.kind, StepKind::Approve { .. }))
            .is_some_and(|approval| first_action.is_none_or(|action| approval < action));
        let changes_production =
            on_production(model, node) && (first_action.is_some() || node.kind == NodeKind::Rollout);
        after_change[id.0] = if changes_production {
            Some(id)
        } else {
            node.after.iter().find_map(|dependency| after_change[dependency.0])
        };
        if after_change[id.0].is_some() {
            for action in [node.on_fail.as_ref(), node.on_breach()].into_iter().flatten() {
                if let Some(entry) = action.rollback_tree().and_then(|tree| guards.get_mut(tree.0)) {
                    entry.get_or_insert(id);
                }
            }
        }
        let needs_guard = node.point_of_no_return || changes_production;
        if needs_guard && !guarded_before && !approves_first && node.kind != NodeKind::Gate {
            let (span, what) = match node.point_of_no_return_span.as_deref().copied() {
                Some(span) => (span, format!("`{}` crosses the point of no return", node.name)),
                None => (node.name_span, format!("`{}` runs on production", node.name)),
            };
            diagnostics.push(
                Diagnostic::new(Code::UnguardedProduction, span, format!("{what} with no gate or approval before it"))
                    .label("nothing stops this if the plan is not ready")
                    .help(
                        "add a gate before it (`gate go_no_go { approve ... }` and `after go_no_go`), an `approve` step first, or `approval ...` on its env",
                    ),
            );
        }
        // A gate guards only when it decides something: an approval or a condition.
        let real_gate = node.kind == NodeKind::Gate && (approves || !node.requires.is_empty());
        guarded_after[id.0] = guarded_before || approves || real_gate;

        let crossed = if node.point_of_no_return {
            Some(id)
        } else {
            node.after.iter().find_map(|dependency| past_point[dependency.0])
        };
        past_point[id.0] = crossed;
        if let Some(point) = crossed {
            let action = if node.kind == NodeKind::Watch { node.on_breach() } else { node.on_fail.as_ref() };
            let rolls_back = action.and_then(|action| action.rollback_tree()).is_some();
            if !rolls_back && can_fail(node) {
                let clause = if node.kind == NodeKind::Watch { "on breach" } else { "on fail" };
                let first_tree = model.rollbacks.first().map_or("TREE", |tree| tree.name.as_str());
                let crossing = &model.nodes[point.0];
                let message = if point == id {
                    format!("`{}` crosses the point of no return but cannot roll back", node.name)
                } else {
                    format!(
                        "`{}` runs after the point of no return (in `{}`) but cannot roll back",
                        node.name, crossing.name
                    )
                };
                let diagnostic = Diagnostic::new(Code::NoRollbackAfterPointOfNoReturn, node.name_span, message)
                    .label(format!("no `{clause} rollback ...`"))
                    .help(format!("add `{clause} rollback {first_tree}`"));
                diagnostics.push(diagnostic);
            }
        }
    }
    for (tree, guard) in model.rollbacks.iter().zip(guards) {
        let Some(guard) = guard else { continue };
        let undoes = tree
            .levels
            .iter()
            .any(|level| super::steps(&level.items).any(|step| matches!(step.kind, StepKind::Run { .. })));
        if undoes || tree.levels.is_empty() {
            continue;
        }
        let entering = &model.nodes[guard.0];
        let change = after_change[guard.0].map_or(guard, |change| change);
        let change = &model.nodes[change.0];
        let why = if change.name == entering.name {
            format!("changes production and enters `{}` when it fails", tree.name)
        } else {
            format!("changes production; `{}` enters `{}` after it", entering.name, tree.name)
        };
        diagnostics.push(
            Diagnostic::new(
                Code::RollbackUndoesNothing,
                tree.name_span,
                format!("rollback tree `{}` guards a production change but never undoes anything", tree.name),
            )
            .label("its levels only notify, page, check or wait")
            .with(change.name_span, why)
            .help(format!(
                "give its most severe level, `{}`, a step that undoes the change, as in `run \"Roll back\" sh \"./deploy.sh rollback\"`",
                tree.levels[0].name
            )),
        );
    }
    if model.rollbacks.is_empty() && !model.nodes.is_empty() {
        diagnostics.push(
            Diagnostic::new(Code::NoRollbackTree, model.plan.name_span, "this plan has no rollback tree")
                .label("what happens when the launch goes wrong?")
                .help("add `rollback incident { level critical when ... { ... } }` and `on fail rollback incident`"),
        );
    }
    diagnostics
}
