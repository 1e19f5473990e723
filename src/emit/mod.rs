//! Emitters: text produced from a sound plan and its analysis. Ordering and naming are decided
//! in Rust ([`view`]); templates loop and format.

pub mod graph;
pub mod schedule;
pub mod view;

use crate::analysis::Analysis;
use crate::model::Model;

/// The artifacts `golivec build` can produce.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Target {
    /// The resolved plan as JSON (`schemas/plan.schema.json`).
    Json,
    /// The dependency graph as a Mermaid flowchart.
    Mermaid,
    /// The dependency graph as Graphviz DOT.
    Dot,
}

impl Target {
    pub fn name(self) -> &'static str {
        match self {
            Target::Json => "json",
            Target::Mermaid => "mermaid",
            Target::Dot => "dot",
        }
    }

    /// The file name of this target's output when several are written into a directory.
    pub fn file_name(self, stem: &str) -> String {
        match self {
            Target::Json => format!("{stem}.json"),
            Target::Mermaid => format!("{stem}.mmd"),
            Target::Dot => format!("{stem}.dot"),
        }
    }
}

/// Renders one target, or says why this plan cannot be expressed in it.
pub fn render(target: Target, model: &Model, analysis: &Analysis) -> Result<String, String> {
    Ok(match target {
        Target::Json => view::to_json(&view::build(model, analysis)),
        Target::Mermaid => graph::mermaid(model, analysis),
        Target::Dot => graph::dot(model, analysis),
    })
}
