//! The dependency graph. [`Dependencies`] holds the `after` edges that the analysis walks
//! (order, cycles, deadlines), as one flat list; [`Graph`] (petgraph) adds the rollback levels
//! and the `on fail`, `on breach` and `recheck` edges, for drawing.

use crate::diag::{Code, Diagnostic};
use crate::model::{Model, NodeId, TreeId};
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
}

impl Graph {
    pub fn new(model: &Model) -> Graph {
        // The index of each tree's first level vertex: a tree's levels are added one after
        // the other, after every node.
        let mut first_level = Vec::with_capacity(model.rollbacks.len());
        let mut vertices = model.nodes.len();
        for rollback in &model.rollbacks {
            first_level.push(vertices);
            vertices += rollback.levels.len();
        }
        let levels_of = |tree: TreeId| {
            let first = first_level.get(tree.0).copied().unwrap_or(vertices);
            let count = model.rollbacks.get(tree.0).map_or(0, |rollback| rollback.levels.len());
            (first..first + count).map(NodeIndex::new)
        };
        // Whether each level ends in `recheck`, by tree, found once.
        let rechecks: Vec<Vec<bool>> = model
            .rollbacks
            .iter()
            .map(|rollback| {
                rollback.levels.iter().map(|level| super::steps(&level.items).any(|step| step.may_escalate())).collect()
            })
            .collect();
        // Exact sizes: doubling would leave up to half of each list unused.
        let mut edges = 0;
        for node in &model.nodes {
            edges += node.after.len();
            for action in [node.on_fail.as_ref(), node.on_breach()].into_iter().flatten() {
                edges += action.rollback_tree().map_or(0, |tree| levels_of(tree).len());
            }
        }
        edges += rechecks
            .iter()
            .flat_map(|levels| levels.iter().enumerate().filter(|(_, recheck)| **recheck).map(|(level, _)| level))
            .sum::<usize>();
        let mut graph = DiGraph::with_capacity(vertices, edges);
        for index in 0..model.nodes.len() {
            graph.add_node(Vertex::Node(NodeId(index)));
        }
        for (tree, rollback) in model.rollbacks.iter().enumerate() {
            for level in 0..rollback.levels.len() {
                graph.add_node(Vertex::Level(TreeId(tree), level));
            }
        }
        for (index, node) in model.nodes.iter().enumerate() {
            for dependency in &node.after {
                graph.add_edge(NodeIndex::new(dependency.0), NodeIndex::new(index), Edge::After);
            }
            for (action, edge) in [(node.on_fail.as_ref(), Edge::OnFail), (node.on_breach(), Edge::OnBreach)] {
                if let Some(tree) = action.and_then(|action| action.rollback_tree()) {
                    for level in levels_of(tree) {
                        graph.add_edge(NodeIndex::new(index), level, edge);
                    }
                }
            }
        }
        for (tree, levels) in rechecks.iter().enumerate() {
            let vertices: Vec<NodeIndex> = levels_of(TreeId(tree)).collect();
            for (level, _) in levels.iter().enumerate().filter(|(_, recheck)| **recheck) {
                // `recheck` may only escalate: to the levels listed before this one.
                for &more_severe in &vertices[..level] {
                    graph.add_edge(vertices[level], more_severe, Edge::Recheck);
                }
            }
        }
        Graph { graph }
    }
}

/// The `after` edges, from each node to the nodes that run after it, in one list: the
/// successors of node `i` are `targets[starts[i]..starts[i + 1]]`, in source order. Two
/// allocations for the whole plan, where a list per node cost one each.
pub struct Dependencies {
    starts: Vec<usize>,
    targets: Vec<NodeId>,
}

impl Dependencies {
    pub fn new(model: &Model) -> Dependencies {
        let count = model.nodes.len();
        // Counted first, then placed: each node's successors end up in source order.
        let mut starts = vec![0; count + 1];
        for node in &model.nodes {
            for dependency in &node.after {
                starts[dependency.0 + 1] += 1;
            }
        }
        for index in 0..count {
            starts[index + 1] += starts[index];
        }
        let mut next = starts.clone();
        let mut targets = vec![NodeId(0); starts[count]];
        for (index, node) in model.nodes.iter().enumerate() {
            for dependency in &node.after {
                targets[next[dependency.0]] = NodeId(index);
                next[dependency.0] += 1;
            }
        }
        Dependencies { starts, targets }
    }

    /// The nodes that run after node `index` (that name it in `after`), in source order.
    pub fn successors(&self, index: usize) -> &[NodeId] {
        let start = self.starts.get(index).copied().unwrap_or(0);
        let end = self.starts.get(index + 1).copied().unwrap_or(start);
        self.targets.get(start..end).unwrap_or_default()
    }

    fn len(&self) -> usize {
        self.starts.len().saturating_sub(1)
    }

    /// Nodes in dependency order, ties in source order (Kahn's algorithm with a min-heap).
    /// Nodes on a cycle, and after one, are left out.
    pub fn order(&self) -> Vec<NodeId> {
        let count = self.len();
        let mut waiting: Vec<usize> = vec![0; count];
        for successor in &self.targets {
            waiting[successor.0] += 1;
        }
        let mut ready: BinaryHeap<Reverse<usize>> =
            (0..count).filter(|&index| waiting[index] == 0).map(Reverse).collect();
        let mut order = Vec::with_capacity(count);
        while let Some(Reverse(index)) = ready.pop() {
            order.push(NodeId(index));
            for successor in self.successors(index) {
                waiting[successor.0] -= 1;
                if waiting[successor.0] == 0 {
                    ready.push(Reverse(successor.0));
                }
            }
        }
        order
    }

    /// One error per cycle of `after` edges, naming every node and edge on it. `order` is
    /// [`Dependencies::order`]: when it holds every node there is no cycle to look for.
    pub fn cycles(&self, model: &Model, order: &[NodeId]) -> Vec<Diagnostic> {
        let mut diagnostics = Vec::new();
        if order.len() == self.len() {
            return diagnostics;
        }
        for mut nodes in self.strongly_connected() {
            let self_loop =
                nodes.len() == 1 && model.nodes[nodes[0].0].after.iter().any(|dependency| *dependency == nodes[0]);
            if nodes.len() < 2 && !self_loop {
                continue;
            }
            nodes.sort_unstable();
            // A long cycle is named by its first nodes; the labels still mark every edge.
            const NAMED: usize = 12;
            let mut names: Vec<String> =
                nodes.iter().take(NAMED).map(|node| format!("`{}`", model.nodes[node.0].name)).collect();
            if nodes.len() > NAMED {
                names.push(format!("{} other nodes", nodes.len() - NAMED));
            }
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
                    // `nodes` is sorted: a search, not a scan (a scan per edge made a
                    // 50,000-node ring take seconds).
                    if nodes.binary_search(dependency).is_ok() {
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

    /// The strongly connected components (Tarjan's algorithm, with an explicit stack so a
    /// long chain of nodes cannot overflow the call stack).
    fn strongly_connected(&self) -> Vec<Vec<NodeId>> {
        const UNSEEN: usize = usize::MAX;
        let count = self.len();
        let mut index = vec![UNSEEN; count];
        let mut lowlink = vec![0; count];
        let mut on_stack = vec![false; count];
        let mut stack: Vec<usize> = Vec::new();
        // The nodes being visited, innermost last, with how many successors each has had.
        let mut visiting: Vec<(usize, usize)> = Vec::new();
        let mut next_index = 0;
        let mut components = Vec::new();
        for root in 0..count {
            if index[root] != UNSEEN {
                continue;
            }
            index[root] = next_index;
            lowlink[root] = next_index;
            next_index += 1;
            stack.push(root);
            on_stack[root] = true;
            visiting.push((root, 0));
            while let Some(&mut (node, ref mut seen)) = visiting.last_mut() {
                if let Some(successor) = self.successors(node).get(*seen) {
                    *seen += 1;
                    let successor = successor.0;
                    if index[successor] == UNSEEN {
                        index[successor] = next_index;
                        lowlink[successor] = next_index;
                        next_index += 1;
                        stack.push(successor);
                        on_stack[successor] = true;
                        visiting.push((successor, 0));
                    } else if on_stack[successor] {
                        lowlink[node] = lowlink[node].min(index[successor]);
                    }
                    continue;
                }
                visiting.pop();
                if let Some(&(parent, _)) = visiting.last() {
                    lowlink[parent] = lowlink[parent].min(lowlink[node]);
                }
                if lowlink[node] == index[node] {
                    let mut component = Vec::new();
                    while let Some(member) = stack.pop() {
                        on_stack[member] = false;
                        component.push(NodeId(member));
                        if member == node {
                            break;
                        }
                    }
                    components.push(component);
                }
            }
        }
        components
    }
}

/// A warning for each rollback tree that no `on fail` or `on breach` enters.
pub fn unused_trees(model: &Model) -> Vec<Diagnostic> {
    // One pass over the nodes, marking the trees they enter (not one pass per tree).
    let mut entered = vec![false; model.rollbacks.len()];
    for node in &model.nodes {
        for action in [node.on_fail.as_ref(), node.on_breach()].into_iter().flatten() {
            if let Some(tree) = action.rollback_tree().and_then(|tree| entered.get_mut(tree.0)) {
                *tree = true;
            }
        }
    }
    let mut diagnostics = Vec::new();
    for (rollback, entered) in model.rollbacks.iter().zip(entered) {
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

/// `a`, `a and b`, `a, b and c`.
pub fn join_words(words: &[String]) -> String {
    match words {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}
