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
    let options = match args.analysis.options(false) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("error: {message}");
            return super::EXIT_USAGE;
        }
    };
    let (_, checked) = match check::sound_plan(&args.file, &options) {
        Ok(plan) => plan,
        Err(code) => return code,
    };
    let (Some(model), Some(analysis)) = (&checked.model, &checked.analysis) else { return super::EXIT_ERRORS };
    let text = match args.format {
        GraphFormat::Mermaid => crate::emit::graph::mermaid(model, analysis),
        GraphFormat::Dot => crate::emit::graph::dot(model, analysis),
    };
    print!("{text}");
    EXIT_OK
}
