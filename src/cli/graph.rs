//! `golivec graph FILE --format mermaid|dot`

use super::{check, AnalysisArgs, EXIT_OK};
use clap::ValueEnum;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(super) enum GraphFormat {
    Mermaid,
    Dot,
}

#[derive(clap::Args, Debug)]
pub(super) struct GraphArgs {
    /// The plan file; `-` reads standard input.
    #[arg(value_name = "FILE")]
    file: String,
    #[arg(long, value_enum, default_value = "mermaid")]
    format: GraphFormat,
    #[command(flatten)]
    analysis: AnalysisArgs,
}

pub(super) fn run(args: &GraphArgs) -> i32 {
    let (model, analysis) = match check::sound_plan(&args.file, &args.analysis, &[]) {
        Ok(plan) => plan,
        Err(code) => return code,
    };
    let (model, analysis) = (&model, &analysis);
    let text = match args.format {
        GraphFormat::Mermaid => crate::emit::graph::mermaid(model, analysis),
        GraphFormat::Dot => crate::emit::graph::dot(model, analysis),
    };
    super::write_stdout(text);
    EXIT_OK
}
