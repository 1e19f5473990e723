//! `golivec fmt [--check] FILE...`

use super::{check, input, ColorChoice, Format, EXIT_ERRORS, EXIT_OK, EXIT_USAGE};
use crate::diag::Diagnostic;
use crate::source::{FileId, SourceMap};
use std::path::Path;

#[derive(clap::Args, Debug)]
pub(super) struct FmtArgs {
    /// Plan files to format in place; `-` reads standard input and prints the result.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<String>,
    /// Write nothing; exit 1 and show a diff for each file that is not formatted (for CI).
    #[arg(long)]
    check: bool,
    /// When to color diagnostics (NO_COLOR is honoured by `auto`).
    #[arg(long, value_enum, default_value = "auto")]
    color: ColorChoice,
}

/// What happened to one file.
enum Outcome {
    Formatted,
    Changed,
    /// Syntax errors, or a formatter bug caught before writing.
    Refused,
    Io,
}

pub(super) fn run(args: &FmtArgs) -> i32 {
    let mut sources = SourceMap::new();
    let mut outcomes = Vec::new();
    for path in &args.files {
        let outcome = match input::load(&mut sources, path) {
            Ok(file) => format_one(&sources, file, path, args),
            Err(failure) => {
                failure.print(&sources);
                Outcome::Io
            }
        };
        outcomes.push(outcome);
    }
    if outcomes.iter().any(|outcome| matches!(outcome, Outcome::Io)) {
        EXIT_USAGE
    } else if outcomes.iter().any(|outcome| matches!(outcome, Outcome::Refused)) {
        EXIT_ERRORS
    } else if args.check && outcomes.iter().any(|outcome| matches!(outcome, Outcome::Changed)) {
        eprintln!("error: some plans are not formatted; run `golivec fmt` on them");
        EXIT_ERRORS
    } else {
        EXIT_OK
    }
}

fn format_one(sources: &SourceMap, file: FileId, path: &str, args: &FmtArgs) -> Outcome {
    let text = sources.get(file).text.as_str();
    let (ast, diagnostics) = crate::syntax::parse(file, text);
    if diagnostics.iter().any(Diagnostic::is_error) {
        check::print(sources, &diagnostics, Format::Human, args.color);
        return Outcome::Refused;
    }
    let formatted = crate::format::format(&ast, text);
    if let Err(problem) = same_meaning(&ast, &formatted) {
        eprintln!(
            "error: `{path}` was left unchanged: formatting it would {problem} (a bug in golivec; please report it)"
        );
        return Outcome::Refused;
    }
    let changed = formatted != text;
    if args.check {
        if changed {
            let name = if path == "-" { "<stdin>" } else { path };
            let diff = similar::TextDiff::from_lines(text, formatted.as_str());
            super::write_stdout(
                diff.unified_diff().context_radius(3).header(name, &format!("{name} (formatted)")).to_string(),
            );
        }
    } else if path == "-" {
        super::write_stdout(&formatted);
    } else if changed {
        // Unchanged files are not rewritten: their modification time tells build tools nothing
        // happened.
        if let Err(error) = super::output::write_atomically(Path::new(path), formatted.as_bytes()) {
            eprintln!("error: cannot write `{path}`: {error}");
            return Outcome::Io;
        }
    }
    if changed {
        Outcome::Changed
    } else {
        Outcome::Formatted
    }
}

/// A last guard before writing: the formatted text parses without error, with the same
/// comments and the same declarations.
fn same_meaning(before: &crate::ast::File, formatted: &str) -> Result<(), &'static str> {
    let (after, diagnostics) = crate::syntax::parse(FileId::default(), formatted);
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err("introduce a syntax error");
    }
    let texts = |file: &crate::ast::File| file.comments.iter().map(|comment| comment.text.clone()).collect::<Vec<_>>();
    if texts(before) != texts(&after) {
        return Err("move or lose a comment");
    }
    let names = |file: &crate::ast::File| file.items.iter().map(|item| item.name().name.clone()).collect::<Vec<_>>();
    if names(before) != names(&after) {
        return Err("change the declarations");
    }
    Ok(())
}
