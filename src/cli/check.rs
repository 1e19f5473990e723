//! `golivec check FILE...`

use super::{input, AnalysisArgs, ColorChoice, Format, EXIT_ERRORS, EXIT_OK, EXIT_USAGE};
use crate::diag::{render, Diagnostic, Severity};
use crate::source::SourceMap;
use std::io::Write;

#[derive(clap::Args, Debug)]
pub(super) struct CheckArgs {
    /// Plan files to check; `-` reads standard input.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<String>,
    /// How to print diagnostics.
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
    /// When to color human output (NO_COLOR is honoured by `auto`).
    #[arg(long, value_enum, default_value = "auto")]
    color: ColorChoice,
    /// Also report what these targets cannot carry out (W10xx, and W0905 for `workflow`), as
    /// `golivec build --target` does; repeat or separate with commas.
    #[arg(long, value_enum, value_delimiter = ',', value_name = "TARGET")]
    target: Vec<crate::emit::Target>,
    #[command(flatten)]
    analysis: AnalysisArgs,
}

pub(super) fn run(args: &CheckArgs, lints: bool) -> i32 {
    let options = match args.analysis.options(lints, &args.target) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("error: {message}");
            return EXIT_USAGE;
        }
    };
    let mut sources = SourceMap::with_loader(input::FileSystem::default());
    let mut diagnostics: Vec<Diagnostic> = Vec::new();
    let mut io_failed = false;
    for (index, path) in args.files.iter().enumerate() {
        match input::load(&mut sources, path) {
            Ok(file) => {
                let mut checked = crate::check_with(&mut sources, file, &options);
                diagnostics.append(&mut checked.diagnostics);
                if index + 1 == args.files.len() {
                    // The process exits after printing: freeing the last file's tree, model and
                    // analysis one allocation at a time would cost a sixth of all the work
                    // after parsing, for memory the exit returns anyway.
                    std::mem::forget(checked);
                }
            }
            Err(input::LoadFailure::Io(message)) => {
                io_failed = true;
                eprintln!("error: {message}");
            }
            Err(input::LoadFailure::Refused(diagnostic)) => {
                io_failed = true;
                diagnostics.push(diagnostic);
            }
        }
    }
    print(&sources, &diagnostics, args.format, args.color);
    if io_failed {
        EXIT_USAGE
    } else if diagnostics.iter().any(Diagnostic::is_error) {
        EXIT_ERRORS
    } else {
        EXIT_OK
    }
}

/// Prints diagnostics in the chosen format. Output errors (a closed pipe) are ignored: the exit
/// code still tells the outcome.
pub(super) fn print(sources: &SourceMap, diagnostics: &[Diagnostic], format: Format, color: ColorChoice) {
    match format {
        Format::Human => {
            let options = render::HumanOptions { color: color.enabled(), ..render::HumanOptions::default() };
            let mut stderr = std::io::stderr().lock();
            for diagnostic in diagnostics {
                let _ = write!(stderr, "{}", render::human(sources, diagnostic, options));
            }
            let errors = diagnostics.iter().filter(|diagnostic| diagnostic.severity == Severity::Error).count();
            let warnings = diagnostics.iter().filter(|diagnostic| diagnostic.severity == Severity::Warning).count();
            if errors + warnings > 0 {
                let _ = writeln!(stderr, "{}", summary(errors, warnings));
            }
        }
        Format::Json => super::write_stdout(render::json(sources, diagnostics)),
        Format::Sarif => {
            let base = std::env::current_dir().ok().map(|dir| dir.to_string_lossy().into_owned());
            super::write_stdout(render::sarif_relative_to(sources, diagnostics, base.as_deref()));
        }
        Format::Github => {
            let mut stdout = std::io::stdout().lock();
            for diagnostic in diagnostics {
                let _ = write!(stdout, "{}", render::github(sources, diagnostic));
            }
        }
    }
}

fn summary(errors: usize, warnings: usize) -> String {
    let plural = |count: usize, word: &str| format!("{count} {word}{}", if count == 1 { "" } else { "s" });
    match (errors, warnings) {
        (0, warnings) => format!("{} found", plural(warnings, "warning")),
        (errors, 0) => format!("check failed: {}", plural(errors, "error")),
        (errors, warnings) => format!("check failed: {}, {}", plural(errors, "error"), plural(warnings, "warning")),
    }
}

/// Loads, checks and analyses one plan for the commands that need a sound one (`graph`,
/// `plan`, `build`): prints its diagnostics, with the limits of `targets` (what `build` makes),
/// and returns it only when it has no error. `Err` carries the exit code.
pub(super) fn sound_plan(
    path: &str,
    analysis: &AnalysisArgs,
    targets: &[crate::emit::Target],
) -> Result<(crate::model::Model, crate::analysis::Analysis), i32> {
    let options = analysis.options(false, targets).map_err(|message| {
        eprintln!("error: {message}");
        EXIT_USAGE
    })?;
    let mut sources = SourceMap::with_loader(input::FileSystem::default());
    let file = input::load(&mut sources, path).map_err(|failure| {
        failure.print(&sources);
        EXIT_USAGE
    })?;
    let checked = crate::check_with(&mut sources, file, &options);
    print(&sources, &checked.diagnostics, Format::Human, ColorChoice::Auto);
    match (checked.model, checked.analysis) {
        (Some(model), Some(analysis)) if !checked.diagnostics.iter().any(Diagnostic::is_error) => Ok((model, analysis)),
        _ => Err(EXIT_ERRORS),
    }
}
