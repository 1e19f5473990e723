//! `golivec build FILE --target T [-o PATH] [--check]`

use super::{check, AnalysisArgs, EXIT_ERRORS, EXIT_OK, EXIT_USAGE};
use crate::emit::Target;
use std::path::{Path, PathBuf};

#[derive(clap::Args, Debug)]
pub(super) struct BuildArgs {
    /// The plan file; `-` reads standard input.
    #[arg(value_name = "FILE")]
    file: String,
    /// What to build; repeat or separate with commas for several (then `-o` is a directory).
    #[arg(long, short, value_enum, value_delimiter = ',', required = true)]
    target: Vec<Target>,
    /// Where to write: a file for one target, a directory for several; `-` or nothing prints
    /// one target to standard output.
    #[arg(long, short, value_name = "PATH")]
    output: Option<PathBuf>,
    /// Write nothing; exit 1 and show a diff when the files at `-o` differ from what the plan
    /// compiles to (a drift check for CI).
    #[arg(long)]
    check: bool,
    #[command(flatten)]
    analysis: AnalysisArgs,
}

pub(super) fn run(args: &BuildArgs) -> i32 {
    // `--target json,shell,json` builds each target once, in the order first named.
    let mut targets = args.target.clone();
    let mut named = std::collections::HashSet::new();
    targets.retain(|target| named.insert(*target));
    let to_stdout = args.output.as_deref().is_none_or(|path| path == Path::new("-"));
    if to_stdout && targets.len() > 1 {
        eprintln!("error: several targets need `-o DIRECTORY`");
        return EXIT_USAGE;
    }
    if to_stdout && args.check {
        eprintln!("error: `--check` compares with files: give `-o PATH`");
        return EXIT_USAGE;
    }
    // What the targets cannot carry out is reported with the plan's diagnostics (W10xx).
    let (model, analysis) = match check::sound_plan(&args.file, &args.analysis, &targets) {
        Ok(plan) => plan,
        Err(code) => return code,
    };
    let mut outputs = Vec::new();
    for target in &targets {
        match crate::emit::render(*target, &model, &analysis) {
            Ok(rendered) => outputs.push((*target, rendered.text)),
            Err(message) => {
                eprintln!("error: cannot build the {} target: {message}", target.name());
                return EXIT_ERRORS;
            }
        }
    }
    let Some(output) = args.output.as_deref().filter(|_| !to_stdout) else {
        super::write_stdout(outputs.first().map_or("", |(_, text)| text.as_str()));
        return EXIT_OK;
    };
    let paths: Vec<(PathBuf, &str)> = if targets.len() == 1 && !output.is_dir() {
        vec![(output.to_path_buf(), outputs[0].1.as_str())]
    } else {
        // Named after the plan (an identifier), so the workflow finds the runbook beside it.
        let stem = model.plan.name.clone();
        outputs.iter().map(|(target, text)| (output.join(target.file_name(&stem)), text.as_str())).collect()
    };
    if args.check {
        return drift(&paths);
    }
    if targets.len() > 1 {
        if let Err(error) = std::fs::create_dir_all(output) {
            eprintln!("error: cannot create `{}`: {error}", output.display());
            return EXIT_USAGE;
        }
    }
    for (path, text) in &paths {
        if let Err(error) = super::output::write_atomically(path, text.as_bytes()) {
            eprintln!("error: cannot write `{}`: {error}", path.display());
            return EXIT_USAGE;
        }
    }
    EXIT_OK
}

/// Compares the committed files with what the plan compiles to.
fn drift(paths: &[(PathBuf, &str)]) -> i32 {
    let mut drifted = false;
    for (path, expected) in paths {
        let actual = std::fs::read_to_string(path).unwrap_or_default();
        if actual != *expected {
            drifted = true;
            let name = path.display().to_string();
            let diff = similar::TextDiff::from_lines(actual.as_str(), expected);
            super::write_stdout(
                diff.unified_diff().context_radius(3).header(&name, &format!("{name} (from the plan)")).to_string(),
            );
        }
    }
    if drifted {
        eprintln!("error: the outputs differ from what the plan compiles to; run `golivec build` without `--check`");
        EXIT_ERRORS
    } else {
        EXIT_OK
    }
}
