//! Gates, rollouts and watches: weights, holds against sampling, failure actions, windows.

use crate::diag::{Code, Diagnostic};
use crate::model::{Model, NodeId, NodeKind, DEFAULT_SAMPLING_MS};

/// For each node, the rollout it continues (nodes that are not rollouts: the rollout their
/// successors would continue). A rollout that stops short of 100% stays open downstream,
/// through gates and phases, until a rollout on the same env continues it; one that reaches
/// 100% closes. One pass in dependency order.
fn open_rollouts(model: &Model, order: &[NodeId]) -> Vec<Option<NodeId>> {
    let mut open: Vec<Option<NodeId>> = vec![None; model.nodes.len()];
    let mut continues: Vec<Option<NodeId>> = vec![None; model.nodes.len()];
    for &id in order {
        let node = &model.nodes[id.0];
        // The closest open rollout upstream: the latest declared among the dependencies'.
        let upstream = node.after.iter().filter_map(|dependency| open[dependency.0]).max();
        if node.kind == NodeKind::Rollout {
            continues[id.0] = upstream.filter(|previous| model.nodes[previous.0].env == node.env);
            let incomplete = node.stages().last().is_some_and(|stage| stage.weight < 100.0);
            open[id.0] = incomplete.then_some(id);
        } else {
            open[id.0] = upstream;
        }
    }
    continues
}

pub(super) fn check(model: &Model, order: &[NodeId]) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    let continues = open_rollouts(model, order);
    let mut continued = vec![false; model.nodes.len()];
    for previous in continues.iter().flatten() {
        continued[previous.0] = true;
    }
    for (index, node) in model.nodes.iter().enumerate() {
        match node.kind {
            NodeKind::Rollout => {
                // A rollout may continue an earlier one (split around a checkpoint gate): the
                // weights rise across the chain, and only its last rollout must reach 100%.
                let previous_stage = continues[index].and_then(|previous| model.nodes[previous.0].stages().last());
                let stages: Vec<&crate::model::Stage> = previous_stage.into_iter().chain(node.stages()).collect();
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
                            .with(
                                previous.span,
                                match continues[index]
                                    .filter(|_| std::ptr::eq(previous, stages[0]) && previous_stage.is_some())
                                {
                                    Some(rollout) => format!(
                                        "the last stage of `{}`, which this rollout continues",
                                        model.nodes[rollout.0].name
                                    ),
                                    None => "previous stage".to_string(),
                                },
                            )
                            .help("order the stages by rising weight; to step back, roll back"),
                        );
                    }
                }

                if let Some(last) = node.stages().last().filter(|last| last.weight != 100.0 && !continued[index]) {
                    diagnostics.push(
                        Diagnostic::new(
                            Code::WeightsNotComplete,
                            last.span,
                            format!("rollout `{}` ends at {}%, not 100%", node.name, last.weight),
                        )
                        .label("the last stage")
                        .help("end with `stage 100%`, or continue in a later rollout: otherwise the new version never takes all the traffic"),
                    );
                }
                for stage in node.stages() {
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
                        } else if let Some(condition) = node
                            .requires
                            .iter()
                            .filter(|condition| condition.longest_hold_ms() > hold)
                            .max_by_key(|condition| condition.longest_hold_ms())
                        {
                            // The stage moves on with the `for` still holding: never shown to hold.
                            let needed = condition.longest_hold_ms();
                            diagnostics.push(
                                Diagnostic::new(
                                    Code::StageShorterThanFor,
                                    stage.span,
                                    format!(
                                        "this stage holds {}, but its condition must hold for {}",
                                        super::format_duration(hold),
                                        super::format_duration(needed)
                                    ),
                                )
                                .label("the next stage starts before the condition is shown to hold")
                                .with(condition.span, format!("held for {}", super::format_duration(needed)))
                                .help(format!(
                                    "hold the stage for {} or more, or shorten the condition's `for`",
                                    super::format_duration(needed)
                                )),
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
                if let (Some(every), Some(window)) = (node.every_ms, node.for_ms()) {
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
                            .label("at most one sample in its window")
                            .help("`every` must not be longer than `for`"),
                        );
                    }
                }
                for (condition, cadence) in node.conditions().iter().rev().zip(node.cadences().iter().rev()) {
                    let every = super::format_duration(cadence.every_ms);
                    if let Some(window) = node.for_ms().filter(|window| cadence.every_ms > *window) {
                        diagnostics.push(
                            Diagnostic::new(
                                Code::CadenceExceedsWindow,
                                cadence.span,
                                format!(
                                    "this condition is sampled every {every}, but watch `{}` lasts {}",
                                    node.name,
                                    super::format_duration(window)
                                ),
                            )
                            .label("sampled at the window's start and end only")
                            .help("sample it at least once within the window: an `every` no longer than the watch's `for`"),
                        );
                    }
                    let hold = condition.longest_hold_ms();
                    if hold > 0 && hold < cadence.every_ms {
                        diagnostics.push(
                            Diagnostic::new(
                                Code::HoldShorterThanCadence,
                                cadence.span,
                                format!(
                                    "this condition must hold for {} but is sampled every {every}",
                                    super::format_duration(hold)
                                ),
                            )
                            .label(format!("two samples {every} apart"))
                            .with(condition.span, "the condition with its `for`")
                            .help(format!(
                                "a `for` counts from the first sample that holds, so it is met {every} later at the earliest: sample it at least every {}, or say `for {every}`",
                                super::format_duration(hold)
                            )),
                        );
                    }
                }
            }
            _ => {}
        }
    }
    diagnostics
}
