//! Gates, rollouts and watches: weights, holds against sampling, failure actions, windows.

use crate::diag::{Code, Diagnostic};
use crate::model::{Model, NodeKind, DEFAULT_SAMPLING_MS};

pub(super) fn check(model: &Model) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    for node in &model.nodes {
        match node.kind {
            NodeKind::Rollout => {
                for pair in node.stages.windows(2) {
                    let (previous, stage) = (&pair[0], &pair[1]);
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
                if let Some(last) = node.stages.last() {
                    if last.weight != 100.0 {
                        diagnostics.push(
                            Diagnostic::new(
                                Code::WeightsNotComplete,
                                last.span,
                                format!("rollout `{}` ends at {}%, not 100%", node.name, last.weight),
                            )
                            .label("the last stage")
                            .help("end with `stage 100%`, or the new version never takes all the traffic"),
                        );
                    }
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
