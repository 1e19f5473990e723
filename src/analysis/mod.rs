//! Analysis of a resolved plan: what no runbook checks before launch day.
//!
//! Runs on a [`Model`] (so every reference is valid) and proves things about the plan as a
//! whole: the dependency graph ([`graph`]), the timeline relative to T0 ([`timeline`]), gates
//! and rollouts ([`rollouts`]), rollback trees ([`trees`]), safety ([`safety`]), command
//! lints ([`lints`]), who answers a manual step ([`attendance`]), and what a target cannot
//! carry out ([`targets`], [`workflow`]). Each check is linear or `n log n` in the size of the plan: sorts and sweeps,
//! never pairwise loops over all nodes.

pub mod alert_rules;
pub mod attendance;
mod conditions;
mod deadlines;
pub mod inputs;
pub(crate) use conditions::format_value;
pub mod graph;
mod lints;
mod rollouts;
mod safety;
mod targets;
pub mod timeline;
mod trees;
pub mod windows;
pub mod workflow;

pub use targets::Targets;

use crate::diag::Diagnostic;
use crate::model::{Item, Model, NodeId, Step};
use serde::Serialize;

/// What the analysis may take from outside the plan.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// T0 given on the command line; overrides the plan's `launch`.
    pub t0: Option<jiff::Zoned>,
    /// Also run the lints (`golivec lint`).
    pub lints: bool,
    /// Report the limits of these targets (`--target`).
    pub targets: Targets,
}

/// The computed facts about a plan that emitters and tools consume.
#[derive(Clone, Debug, Serialize)]
pub struct Analysis {
    /// Every node, dependencies first; ties keep source order.
    pub order: Vec<NodeId>,
    pub schedule: timeline::Schedule,
}

/// Analyses a plan. The schedule is empty when the graph has a cycle.
pub fn analyze(model: &Model, options: &Options) -> (Analysis, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let dependencies = graph::Dependencies::new(model);
    let order = dependencies.order();
    diagnostics.extend(dependencies.cycles(model, &order));
    diagnostics.extend(graph::unused_trees(model));
    let t0 = options.t0.clone().or_else(|| model.plan.launch.clone());
    let complete = order.len() == model.nodes.len();
    let schedule = if complete {
        let schedule = timeline::Schedule::compute(model, &order, t0.as_ref());
        diagnostics.extend(timeline::check(model, &dependencies, &schedule));
        diagnostics.extend(windows::check(model, &schedule, t0.as_ref(), options.t0.is_some()));
        diagnostics.extend(deadlines::check(model, &schedule));
        schedule
    } else {
        timeline::Schedule::empty(t0.as_ref())
    };
    // Not needed past the timeline: freed before the other passes allocate.
    drop(dependencies);
    diagnostics.extend(timeline::check_launch(model, t0.as_ref(), options.t0.is_some()));
    diagnostics.extend(conditions::check(model));
    diagnostics.extend(rollouts::check(model, &order));
    diagnostics.extend(trees::check(model));
    diagnostics.extend(safety::check(model, &order));
    if options.lints {
        diagnostics.extend(lints::check(model));
    }
    // W0905 is a lint, and a limit of the workflow: reported once for either.
    if options.lints || options.targets.workflow {
        diagnostics.extend(attendance::check(model));
    }
    if complete {
        diagnostics.extend(targets::check(model, &order, &schedule, options.targets));
    }
    (Analysis { order, schedule }, diagnostics)
}

pub use crate::units::{format_duration, format_offset};

/// The steps of `items` in order, groups flattened, one at a time: `model::flatten_steps`
/// makes a list on every call, and the passes ask for a node's steps several times.
pub(crate) fn steps(items: &[Item]) -> Steps<'_> {
    Steps { current: items.iter(), outer: Vec::new() }
}

pub(crate) struct Steps<'m> {
    current: std::slice::Iter<'m, Item>,
    /// The lists of the groups around the current one (allocated only for groups).
    outer: Vec<std::slice::Iter<'m, Item>>,
}

impl<'m> Iterator for Steps<'m> {
    type Item = &'m Step;

    fn next(&mut self) -> Option<&'m Step> {
        loop {
            match self.current.next() {
                Some(Item::Step(step)) => return Some(step),
                Some(Item::Group { items, .. }) => self.outer.push(std::mem::replace(&mut self.current, items.iter())),
                None => self.current = self.outer.pop()?,
            }
        }
    }
}
