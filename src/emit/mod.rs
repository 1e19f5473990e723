//! Emitters: text produced from a sound plan and its analysis. Ordering and naming are decided
//! in Rust ([`view`]); templates loop and format.

pub mod alerts;
pub mod filters;
pub mod graph;
pub mod markdown;
pub mod probe;
pub mod schedule;
pub mod shell;
pub mod view;
pub mod workflow;

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
    /// A bash runbook that runs the plan (`<stem>.sh`).
    Shell,
    /// A GitHub Actions workflow that runs the runbook job by job (`<stem>.yml`).
    Workflow,
    /// The go-live checklist as Markdown (`<stem>.md`).
    Markdown,
    /// The plan's alerts as Prometheus rules (`<stem>.rules.yml`).
    Alerts,
    /// A `promtool test rules` file for the alerts' rules (`<stem>.rules.test.yml`).
    AlertsTest,
}

impl Target {
    /// Every target, for callers that build them all (benchmarks, fuzzing, tests).
    pub const ALL: [Target; 8] = [
        Target::Json,
        Target::Mermaid,
        Target::Dot,
        Target::Shell,
        Target::Workflow,
        Target::Markdown,
        Target::Alerts,
        Target::AlertsTest,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Target::Json => "json",
            Target::Mermaid => "mermaid",
            Target::Dot => "dot",
            Target::Shell => "shell",
            Target::Workflow => "workflow",
            Target::Markdown => "markdown",
            Target::Alerts => "alerts",
            Target::AlertsTest => "alerts-test",
        }
    }

    /// The file name of this target's output when several are written into a directory.
    pub fn file_name(self, stem: &str) -> String {
        match self {
            Target::Json => format!("{stem}.json"),
            Target::Mermaid => format!("{stem}.mmd"),
            Target::Dot => format!("{stem}.dot"),
            Target::Shell => format!("{stem}.sh"),
            Target::Workflow => format!("{stem}.yml"),
            Target::Markdown => format!("{stem}.md"),
            Target::Alerts => alerts::rules_file(stem),
            Target::AlertsTest => format!("{stem}.rules.test.yml"),
        }
    }
}

/// One rendered artifact. What a target cannot carry out exactly is not said here: the
/// analysis reports it as diagnostics (W10xx) for the targets it is told of.
#[derive(Debug)]
pub struct Rendered {
    pub text: String,
}

/// Renders one target, or says why this plan cannot be expressed in it.
pub fn render(target: Target, model: &Model, analysis: &Analysis) -> Result<Rendered, String> {
    let text = match target {
        Target::Json => view::to_json(&view::build(model, analysis)),
        Target::Mermaid => graph::mermaid(model, analysis),
        Target::Dot => graph::dot(model, analysis),
        Target::Shell => shell::render(&view::build(model, analysis))?,
        Target::Workflow => workflow::render(model, analysis, &view::build(model, analysis), &model.plan.name)?,
        Target::Markdown => markdown::render(
            view::build(model, analysis),
            &workflow::made_environments(model, analysis),
            &alerts::rule_names(model),
            &alerts::rules_file(&model.plan.name),
        )?,
        Target::Alerts => alerts::render(model, &view::build(model, analysis))?,
        Target::AlertsTest => alerts::render_tests(model, &view::build(model, analysis), &model.plan.name)?,
    };
    Ok(Rendered { text })
}
