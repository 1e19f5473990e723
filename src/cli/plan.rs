//! `golivec plan FILE`: the computed schedule.

use super::{check, AnalysisArgs, EXIT_OK};
use clap::ValueEnum;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(super) enum PlanFormat {
    /// An aligned table for people.
    Text,
    /// The schedule as JSON.
    Json,
}

#[derive(clap::Args, Debug)]
pub(super) struct PlanArgs {
    /// The plan file; `-` reads standard input.
    #[arg(value_name = "FILE")]
    file: String,
    #[arg(long, value_enum, default_value = "text")]
    format: PlanFormat,
    #[command(flatten)]
    analysis: AnalysisArgs,
}

pub(super) fn run(args: &PlanArgs) -> i32 {
    let (model, analysis) = match check::sound_plan(&args.file, &args.analysis, &[]) {
        Ok(plan) => plan,
        Err(code) => return code,
    };
    let (model, analysis) = (&model, &analysis);
    match args.format {
        PlanFormat::Text => super::write_stdout(crate::emit::schedule::table(model, analysis)),
        PlanFormat::Json => {
            // The schedule is plain data: serializing it cannot fail.
            super::write_stdout(serde_json::to_string_pretty(&analysis.schedule).unwrap_or_default() + "\n");
        }
    }
    EXIT_OK
}
