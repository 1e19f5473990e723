//! The dependency graph (petgraph): nodes are phases, gates, rollouts, watches and rollback
//! levels; edges come from `after`, `on fail`, `on breach` and `recheck`.

use crate::diag::{Code, Diagnostic};
use crate::model::{Model, NodeId, StepKind, TreeId};
use petgraph::graph::{DiGraph, NodeIndex};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// A vertex of the graph.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Vertex {
    Node(NodeId),
    Level(TreeId, usize),
}

/// Why one vertex leads to another.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Edge {
    /// The target runs after the source.
    After,
    OnFail,
    OnBreach,
    Recheck,
}

pub struct Graph {
    pub graph: DiGraph<Vertex, Edge>,
    /// The vertex of each node, by `NodeId`.
    node_vertices: Vec<NodeIndex>,
    /// The nodes that run after each node (reverse of `after`), by `NodeId`.
    pub successors: Vec<Vec<NodeId>>,
}

impl Graph {
    pub fn new(model: &Model) -> Graph {
        let mut graph = DiGraph::new();
        let node_vertices: Vec<NodeIndex> =
            (0..model.nodes.len()).map(|index| graph.add_node(Vertex::Node(NodeId(index)))).collect();
        let level_vertices: Vec<Vec<NodeIndex>> = model
            .rollbacks
            .iter()
            .enumerate()
            .map(|(tree, rollback)| {
                (0..rollback.levels.len()).map(|level| graph.add_node(Vertex::Level(TreeId(tree), level))).collect()
            })
            .collect();
        let mut successors = vec![Vec::new(); model.nodes.len()];
        for (index, node) in model.nodes.iter().enumerate() {
            for dependency in &node.after {
                graph.add_edge(node_vertices[dependency.0], node_vertices[index], Edge::After);
                successors[dependency.0].push(NodeId(index));
            }
            for (action, edge) in [(&node.on_fail, Edge::OnFail), (&node.on_breach, Edge::OnBreach)] {
                if let Some(tree) = action.as_ref().and_then(|action| action.rollback_tree()) {
                    for &level in &level_vertices[tree.0] {
                        graph.add_edge(node_vertices[index], level, edge);
                    }
                }
            }
        }
        for (tree, rollback) in model.rollbacks.iter().enumerate() {
            for (level, definition) in rollback.levels.iter().enumerate() {
                let rechecks = crate::model::flatten_steps(&definition.items)
                    .iter()
                    .any(|step| matches!(step.kind, StepKind::Recheck));
                if rechecks {
                    // `recheck` may only escalate: to the levels listed before this one.
                    for &more_severe in &level_vertices[tree][..level] {
                        graph.add_edge(level_vertices[tree][level], more_severe, Edge::Recheck);
                    }
                }
            }
        }
        Graph { graph, node_vertices, successors }
    }

    /// Nodes in dependency order, ties in source order (Kahn's algorithm with a min-heap).
    /// Nodes on a cycle are left out.
    pub fn order(&self) -> Vec<NodeId> {
        let count = self.node_vertices.len();
        let mut waiting: Vec<usize> = vec![0; count];
        for successors in &self.successors {
            for successor in successors {
                waiting[successor.0] += 1;
            }
        }
        let mut ready: BinaryHeap<Reverse<usize>> =
            (0..count).filter(|&index| waiting[index] == 0).map(Reverse).collect();
        let mut order = Vec::with_capacity(count);
        while let Some(Reverse(index)) = ready.pop() {
            order.push(NodeId(index));
            for successor in &self.successors[index] {
                waiting[successor.0] -= 1;
                if waiting[successor.0] == 0 {
                    ready.push(Reverse(successor.0));
                }
            }
        }
        order
    }

    /// One error per cycle of `after` edges, naming every node and edge on it.
    pub fn cycles(&self, model: &Model) -> Vec<Diagnostic> {
        let mut diagnostics = Vec::new();
        for component in petgraph::algo::tarjan_scc(&self.graph) {
            let mut nodes: Vec<NodeId> = component
                .iter()
                .filter_map(|&vertex| match self.graph[vertex] {
                    Vertex::Node(node) => Some(node),
                    Vertex::Level(..) => None,
                })
                .collect();
            let self_loop =
                nodes.len() == 1 && model.nodes[nodes[0].0].after.iter().any(|dependency| *dependency == nodes[0]);
            if nodes.len() < 2 && !self_loop {
                continue;
            }
            nodes.sort_unstable();
            let names: Vec<String> = nodes.iter().map(|node| format!("`{}`", model.nodes[node.0].name)).collect();
            let first = &model.nodes[nodes[0].0];
            let message = if self_loop {
                format!("{} waits for itself", names[0])
            } else {
                format!("{} wait for each other in a cycle", join_words(&names))
            };
            let mut diagnostic = Diagnostic::new(Code::DependencyCycle, first.name_span, message)
                .label("on the cycle")
                .help("a plan runs in order; remove one of these `after` references");
            for node in &nodes {
                let waiting = &model.nodes[node.0];
                for (dependency, span) in waiting.after.iter().zip(&waiting.after_spans) {
                    if nodes.contains(dependency) {
                        diagnostic = diagnostic
                            .with(*span, format!("`{}` waits for `{}`", waiting.name, model.nodes[dependency.0].name));
                    }
                }
            }
            diagnostics.push(diagnostic);
        }
        diagnostics.sort_by_key(|diagnostic| diagnostic.primary_span());
        diagnostics
    }

    /// A warning for each rollback tree that no `on fail` or `on breach` enters.
    pub fn unused_trees(&self, model: &Model) -> Vec<Diagnostic> {
        let mut diagnostics = Vec::new();
        for (tree, rollback) in model.rollbacks.iter().enumerate() {
            let entered = model.nodes.iter().any(|node| {
                [&node.on_fail, &node.on_breach]
                    .into_iter()
                    .flatten()
                    .any(|action| action.rollback_tree() == Some(TreeId(tree)))
            });
            if !entered {
                diagnostics.push(
                    Diagnostic::new(
                        Code::UnusedRollbackTree,
                        rollback.name_span,
                        format!("rollback tree `{}` is never entered", rollback.name),
                    )
                    .label("no `on fail` or `on breach` leads here")
                    .help(format!("add `on fail rollback {}` to the nodes it protects", rollback.name)),
                );
            }
        }
        diagnostics
    }
}

/// `a`, `a and b`, `a, b and c`.
pub fn join_words(words: &[String]) -> String {
    match words {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}
