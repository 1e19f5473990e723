//! Gates, rollouts and watches: weights, holds against sampling, failure actions, windows.

use crate::diag::{Code, Diagnostic};
use crate::model::{Model, Node, NodeId, NodeKind, DEFAULT_SAMPLING_MS};

/// The rollout this one continues: the nearest rollout it runs after, through gates and
/// phases, on the same env.
fn previous_rollout<'m>(model: &'m Model, node: &Node) -> Option<&'m Node> {
    let mut seen = vec![false; model.nodes.len()];
    let mut stack: Vec<NodeId> = node.after.clone();
    while let Some(id) = stack.pop() {
        if std::mem::replace(&mut seen[id.0], true) {
            continue;
        }
        let candidate = &model.nodes[id.0];
        if candidate.kind == NodeKind::Rollout {
            if candidate.env == node.env {
                return Some(candidate);
            }
            continue;
        }
        stack.extend(&candidate.after);
    }
    None
}

pub(super) fn check(model: &Model) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    for node in &model.nodes {
        match node.kind {
            NodeKind::Rollout => {
                // A rollout may continue an earlier one (split around a checkpoint gate): the
                // weights rise across the chain, and only its last rollout must reach 100%.
                let previous_stage = previous_rollout(model, node).and_then(|previous| previous.stages.last());
                let stages: Vec<&crate::model::Stage> = previous_stage.into_iter().chain(&node.stages).collect();
                for pair in stages.windows(2) {
                    let (previous, stage) = (pair[0], pair[1]);
                    if stage.weight <= previous.weight {
                        diagnostics.push(
                            Diagnostic::new(
                                Code::WeightsNotRising,
                                stage.span,
                                format!(
                                    "the weight goes from {}% to {}%; each stage must send more traffic",
                                    previous.weight, stage.weight
                                ),
                            )
                            .label("not above the previous stage")
                            .with(previous.span, "previous stage")
                            .help("order the stages by rising weight; to step back, roll back"),
                        );
                    }
                }
                let continued = model.nodes.iter().any(|later| {
                    later.kind == NodeKind::Rollout
                        && previous_rollout(model, later).is_some_and(|previous| std::ptr::eq(previous, node))
                });
                if let Some(last) = node.stages.last().filter(|last| last.weight != 100.0 && !continued) {
                    diagnostics.push(
                        Diagnostic::new(
                            Code::WeightsNotComplete,
                            last.span,
                            format!("rollout `{}` ends at {}%, not 100%", node.name, last.weight),
                        )
                        .label("the last stage")
                        .help("end with `stage 100%`, or continue in a later rollout, or the new version never takes all the traffic"),
                    );
                }
                for stage in &node.stages {
                    let sampling = stage.every_ms.or(node.every_ms).unwrap_or(DEFAULT_SAMPLING_MS);
                    if let Some(hold) = stage.hold_ms {
                        if hold < sampling {
                            diagnostics.push(
                                Diagnostic::new(
                                    Code::HoldShorterThanSampling,
                                    stage.span,
                                    format!(
                                        "this stage holds {} but conditions are sampled every {}",
                                        super::format_duration(hold),
                                        super::format_duration(sampling)
                                    ),
                                )
                                .label("the stage ends before its first sample")
                                .help("hold at least one sampling interval, or sample more often with `every`"),
                            );
                        }
                    }
                }
            }
            NodeKind::Gate if node.on_fail.is_none() => {
                diagnostics.push(
                    Diagnostic::new(Code::GateWithoutFailureAction, node.name_span, format!("gate `{}` has no `on fail`", node.name))
                        .label("what happens when it fails?")
                        .help("say it: `on fail abort`, `on fail rollback TREE` or `on fail pause 30m then abort`; without it the plan aborts"),
                );
            }
            NodeKind::Watch => {
                if let (Some(every), Some(window)) = (node.every_ms, node.for_ms) {
                    if every > window {
                        diagnostics.push(
                            Diagnostic::new(
                                Code::EveryExceedsFor,
                                node.name_span,
                                format!(
                                    "watch `{}` samples every {} but lasts {}",
                                    node.name,
                                    super::format_duration(every),
                                    super::format_duration(window)
                                ),
                            )
                            .label("never sampled within its window")
                            .help("`every` must not be longer than `for`"),
                        );
                    }
                }
            }
            _ => {}
        }
    }
    diagnostics
}
