//! The dependency graph as Mermaid or DOT, with the critical path marked. Names in a plan are
//! identifiers (`[A-Za-z_][A-Za-z0-9_]*`), so they are safe as graph ids and labels as they are.

use crate::analysis::graph::{Edge, Graph, Vertex};
use crate::analysis::{format_offset, Analysis};
use crate::model::Model;
use crate::model::NodeId;
use std::collections::HashSet;
use std::fmt::Write;

fn node_label(model: &Model, analysis: &Analysis, index: usize, line_break: &str) -> String {
    let node = &model.nodes[index];
    let mut label = format!("{} {}", node.kind.name(), node.name);
    if let Some(times) = analysis.schedule.nodes.get(index) {
        // The nominal times (every step taking its expected time), then the latest.
        label.push_str(&format!(
            "{line_break}nominal {} → {}{line_break}latest {} → {}",
            format_offset(times.nominal_start_ms),
            format_offset(times.nominal_finish_ms),
            format_offset(times.latest_start_ms),
            format_offset(times.latest_finish_ms)
        ));
    }
    label
}

fn vertex_id(vertex: Vertex) -> String {
    match vertex {
        Vertex::Node(node) => format!("n{}", node.0),
        Vertex::Level(tree, level) => format!("t{}_l{}", tree.0, level),
    }
}

/// The consecutive pairs of the critical path, looked up once per edge (a scan of the path per
/// edge would make drawing quadratic in the plan's size).
struct CriticalEdges(HashSet<(NodeId, NodeId)>);

impl CriticalEdges {
    fn new(analysis: &Analysis) -> Self {
        CriticalEdges(analysis.schedule.critical_path.windows(2).map(|pair| (pair[0], pair[1])).collect())
    }

    fn contains(&self, from: Vertex, to: Vertex) -> bool {
        match (from, to) {
            (Vertex::Node(a), Vertex::Node(b)) => self.0.contains(&(a, b)),
            _ => false,
        }
    }
}

/// The edges to draw: `on fail` and `on breach` lead to a tree as a whole, drawn once (the
/// graph itself links them to every level, since any level may be the one that runs).
fn drawn_edges(graph: &Graph) -> Vec<(Vertex, Vertex, Edge)> {
    let mut drawn: Vec<(Vertex, Vertex, Edge)> = Vec::new();
    let mut seen = HashSet::new();
    for edge in graph.graph.edge_indices() {
        let Some((from, to)) = graph.graph.edge_endpoints(edge) else { continue };
        let (from, to, kind) = (graph.graph[from], graph.graph[to], graph.graph[edge]);
        let to = match (kind, to) {
            (Edge::OnFail | Edge::OnBreach, Vertex::Level(tree, _)) => Vertex::Level(tree, 0),
            _ => to,
        };
        if seen.insert((from, to, kind)) {
            drawn.push((from, to, kind));
        }
    }
    drawn
}

fn edge_label(edge: Edge) -> Option<&'static str> {
    match edge {
        Edge::After => None,
        Edge::OnFail => Some("on fail"),
        Edge::OnBreach => Some("on breach"),
        Edge::Recheck => Some("recheck"),
    }
}

/// A Mermaid flowchart.
pub fn mermaid(model: &Model, analysis: &Analysis) -> String {
    let graph = Graph::new(model);
    let critical = CriticalEdges::new(analysis);
    let mut out = String::from("flowchart TD\n");
    for index in 0..model.nodes.len() {
        let _ = writeln!(out, "  n{index}[\"{}\"]", node_label(model, analysis, index, "<br/>"));
    }
    for (tree, rollback) in model.rollbacks.iter().enumerate() {
        let _ = writeln!(out, "  subgraph t{tree}[\"rollback {}\"]", rollback.name);
        for (level, definition) in rollback.levels.iter().enumerate() {
            let _ = writeln!(out, "    t{tree}_l{level}[\"level {}\"]", definition.name);
        }
        out.push_str("  end\n");
    }
    for (from, to, kind) in drawn_edges(&graph) {
        let arrow = match (edge_label(kind), critical.contains(from, to)) {
            (None, true) => "==>".to_string(),
            (None, false) => "-->".to_string(),
            (Some(label), _) => format!("-. {label} .->"),
        };
        let target = match (kind, to) {
            (Edge::OnFail | Edge::OnBreach, Vertex::Level(tree, _)) => format!("t{}", tree.0),
            _ => vertex_id(to),
        };
        let _ = writeln!(out, "  {} {arrow} {target}", vertex_id(from));
    }
    if !analysis.schedule.critical_path.is_empty() {
        out.push_str("  classDef critical stroke:#c00,stroke-width:3px\n");
        let ids: Vec<String> = analysis.schedule.critical_path.iter().map(|node| format!("n{}", node.0)).collect();
        let _ = writeln!(out, "  class {} critical", ids.join(","));
    }
    out
}

/// A Graphviz DOT digraph.
pub fn dot(model: &Model, analysis: &Analysis) -> String {
    let graph = Graph::new(model);
    let critical_edges = CriticalEdges::new(analysis);
    let mut out = format!("digraph \"{}\" {{\n  rankdir=TB;\n  compound=true;\n  node [shape=box];\n", model.plan.name);
    for index in 0..model.nodes.len() {
        let critical = analysis.schedule.nodes.get(index).is_some_and(|times| times.critical);
        let style = if critical { ", color=\"#cc0000\", penwidth=3" } else { "" };
        let _ = writeln!(out, "  n{index} [label=\"{}\"{style}];", node_label(model, analysis, index, "\\n"));
    }
    for (tree, rollback) in model.rollbacks.iter().enumerate() {
        let _ = writeln!(out, "  subgraph cluster_t{tree} {{\n    label=\"rollback {}\";", rollback.name);
        for (level, definition) in rollback.levels.iter().enumerate() {
            let _ = writeln!(out, "    t{tree}_l{level} [label=\"level {}\", shape=ellipse];", definition.name);
        }
        out.push_str("  }\n");
    }
    for (from, to, kind) in drawn_edges(&graph) {
        let mut attributes = Vec::new();
        if let Some(label) = edge_label(kind) {
            attributes.push(format!("label=\"{label}\", style=dashed"));
        }
        if let (Edge::OnFail | Edge::OnBreach, Vertex::Level(tree, _)) = (kind, to) {
            attributes.push(format!("lhead=cluster_t{}", tree.0));
        }
        if critical_edges.contains(from, to) {
            attributes.push("color=\"#cc0000\", penwidth=3".to_string());
        }
        let attributes = if attributes.is_empty() { String::new() } else { format!(" [{}]", attributes.join(", ")) };
        let _ = writeln!(out, "  {} -> {}{attributes};", vertex_id(from), vertex_id(to));
    }
    out.push_str("}\n");
    out
}
