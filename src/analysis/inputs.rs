//! What a runner must give each part of the plan from its environment: the secrets and vars
//! that the commands it may run name in `uses`.
//!
//! The workflow gives each job exactly these (`secrets.NAME`, `vars.NAME`) and nothing more, so
//! this follows what the runbook run by that job (`--only NODE` with `--now`, or `--rollback
//! TREE`) may run:
//! - a node: its steps, a rollout's `set`, the probes of the metrics its conditions sample
//!   (`require`, a watch's conditions, `expect` conditions), the probes of every metric with a
//!   baseline (each node's process measures the baselines with `--now`), and the rollback
//!   trees its `on fail` or `on breach` enters, which run in the same process;
//! - a rollback tree: its levels' steps and the probes of the metrics its levels sample.
//!
//! Alerts are watched only by a runbook that runs the whole plan, never with `--only` (W1001),
//! so no job needs what their steps and probes use.

use crate::model::{Action, Condition, Expectation, Item, Model, NodeId, SecretId, StepKind, TreeId, Uses, VarId};
use std::collections::BTreeSet;

/// Secrets and vars, each once, in declaration order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Inputs {
    pub secrets: BTreeSet<SecretId>,
    pub vars: BTreeSet<VarId>,
}

impl Inputs {
    /// Adds what `other` uses (a job running several nodes uses what each uses).
    pub fn extend(&mut self, other: Inputs) {
        self.secrets.extend(other.secrets);
        self.vars.extend(other.vars);
    }

    fn add(&mut self, secrets: &[SecretId], vars: &[VarId]) {
        self.secrets.extend(secrets.iter().copied());
        self.vars.extend(vars.iter().copied());
    }

    fn uses(&mut self, uses: &Uses) {
        self.add(&uses.secrets, &uses.vars);
    }

    fn conditions<'c>(&mut self, model: &Model, conditions: impl IntoIterator<Item = &'c Condition>) {
        for metric in crate::run::measure::metrics_of(conditions) {
            if let Some(metric) = model.metrics.get(metric) {
                self.uses(&metric.probe_uses);
            }
        }
    }

    fn items(&mut self, model: &Model, items: &[Item]) {
        for item in items {
            match item {
                Item::Group { items, .. } => self.items(model, items),
                Item::Step(step) => match &step.kind {
                    StepKind::Run { secrets, vars, .. } => self.add(secrets, vars),
                    StepKind::Expect { check, secrets, vars, .. } => {
                        self.add(secrets, vars);
                        if let Expectation::Condition { condition } = &**check {
                            self.conditions(model, [condition]);
                        }
                    }
                    _ => {}
                },
            }
        }
    }

    /// The names of the secrets, then of the vars that are not `input`s (a run's inputs are
    /// given to every job of it, from the workflow's inputs).
    pub fn names(&self, model: &Model) -> (BTreeSet<String>, BTreeSet<String>) {
        (
            self.secrets.iter().map(|id| model.secrets[id.0].name.to_string()).collect(),
            self.vars
                .iter()
                .map(|id| &model.vars[id.0])
                .filter(|var| var.input.is_none())
                .map(|var| var.name.to_string())
                .collect(),
        )
    }
}

/// What running the rollback tree `id` reads.
pub fn tree(model: &Model, id: TreeId) -> Inputs {
    let mut inputs = Inputs::default();
    if let Some(tree) = model.rollbacks.get(id.0) {
        for level in &tree.levels {
            inputs.conditions(model, [&level.when]);
            inputs.items(model, &level.items);
        }
    }
    inputs
}

/// What running the node `id` alone (`--only`) reads, the trees it may enter included.
pub fn node(model: &Model, id: NodeId) -> Inputs {
    let mut inputs = Inputs::default();
    let Some(node) = model.nodes.get(id.0) else { return inputs };
    inputs.items(model, &node.items);
    inputs.conditions(model, node.requires.iter().chain(node.conditions()));
    if let Some(uses) = node.set_uses() {
        inputs.uses(uses);
    }
    for metric in model.metrics.iter().filter(|metric| metric.baseline.is_some()) {
        inputs.uses(&metric.probe_uses);
    }
    for action in [node.on_fail.as_ref(), node.on_breach()].into_iter().flatten() {
        if let Some(tree) = Action::rollback_tree(action) {
            let entered = self::tree(model, tree);
            inputs.secrets.extend(entered.secrets);
            inputs.vars.extend(entered.vars);
        }
    }
    inputs
}
