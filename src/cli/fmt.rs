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
            super::write_stdout(unified_diff(name, text, &formatted));
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

/// Changed regions longer than this (in lines, old and new together) are shown as one hunk,
/// every old line removed and every new line added, instead of a minimal diff: Myers' diff
/// costs the lines times the differences, and 100,000 `or` terms put on their own lines took
/// 16 s to diff.
const MAX_DIFFED_LINES: usize = 5_000;

/// A unified diff from `old` to `new` (three lines of context), named `name`.
fn unified_diff(name: &str, old: &str, new: &str) -> String {
    let header = format!("{name} (formatted)");
    let old_lines: Vec<&str> = old.split_inclusive('\n').collect();
    let new_lines: Vec<&str> = new.split_inclusive('\n').collect();
    let prefix = old_lines.iter().zip(&new_lines).take_while(|(a, b)| a == b).count();
    let most = old_lines.len().min(new_lines.len()) - prefix;
    let suffix = old_lines.iter().rev().zip(new_lines.iter().rev()).take(most).take_while(|(a, b)| a == b).count();
    let (old_end, new_end) = (old_lines.len() - suffix, new_lines.len() - suffix);
    if (old_end - prefix) + (new_end - prefix) <= MAX_DIFFED_LINES {
        let diff = similar::TextDiff::from_lines(old, new);
        return diff.unified_diff().context_radius(3).header(name, &header).to_string();
    }
    let start = prefix - prefix.min(3);
    let after = suffix.min(3);
    let range = |end: usize| {
        let length = end + after - start;
        match length {
            0 => format!("{start},0"),
            1 => format!("{}", start + 1),
            _ => format!("{},{length}", start + 1),
        }
    };
    let mut out = format!("--- {name}\n+++ {header}\n@@ -{} +{} @@\n", range(old_end), range(new_end));
    let mut line = |mark: char, text: &str| {
        out.push(mark);
        out.push_str(text);
        if !text.ends_with('\n') {
            out.push_str("\n\\ No newline at end of file\n");
        }
    };
    old_lines[start..prefix].iter().for_each(|text| line(' ', text));
    old_lines[prefix..old_end].iter().for_each(|text| line('-', text));
    new_lines[prefix..new_end].iter().for_each(|text| line('+', text));
    old_lines[old_end..old_end + after].iter().for_each(|text| line(' ', text));
    out
}
