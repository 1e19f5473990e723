//! golivec: a compiler for go-live plans.
//!
//! The pipeline, one module per stage:
//! [`syntax`] (text → [`ast`]) → [`sema`] (names, types → [`model`]) → analysis and emitters
//! (later issues). Diagnostics are data ([`diag`]) from every stage; [`cli`] is a thin shell.

pub mod analysis;
pub mod ast;
pub mod cli;
pub mod diag;
pub mod emit;
pub mod format;
pub mod model;
pub mod sema;
pub mod source;
pub mod syntax;
pub mod units;

use diag::Diagnostic;
use source::{FileId, SourceMap};

/// The outcome of checking one file.
#[derive(Debug)]
pub struct Checked {
    pub file: FileId,
    pub ast: ast::File,
    /// The resolved plan; `None` when the file did not parse or resolve.
    pub model: Option<model::Model>,
    /// Graph, schedule and the like; `None` when there is no model.
    pub analysis: Option<analysis::Analysis>,
    /// Every diagnostic, sorted by position.
    pub diagnostics: Vec<Diagnostic>,
}

impl Checked {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// What a run may be told from outside the plan.
#[derive(Clone, Debug, Default)]
pub struct Options {
    pub analysis: analysis::Options,
    /// Warning codes not to report (`--allow`).
    pub allow: Vec<diag::Code>,
    /// Report warnings as errors (`--deny warnings`).
    pub deny_warnings: bool,
}

/// Parses, checks and analyses one file of `sources` with default options.
pub fn check(sources: &SourceMap, file: FileId) -> Checked {
    check_with(sources, file, &Options::default())
}

/// Parses, checks and analyses one file of `sources`.
pub fn check_with(sources: &SourceMap, file: FileId, options: &Options) -> Checked {
    let text = &sources.get(file).text;
    let (ast, mut diagnostics) = syntax::parse(file, text);
    let (model, semantic) = sema::check(&ast);
    let syntax_failed = diagnostics.iter().any(Diagnostic::is_error);
    let syntax_errors: Vec<source::Span> = diagnostics.iter().map(Diagnostic::primary_span).collect();
    let model = if syntax_failed { None } else { model };
    // A declaration lost to a syntax error is not "undefined": withhold name errors that an
    // unreadable line may explain, and report every other finding.
    let unreadable: Vec<&str> = ast.unreadable.iter().filter_map(|span| text.get(span.range())).collect();
    let explained_by_unreadable = |diagnostic: &Diagnostic| match diagnostic.code {
        diag::Code::UndefinedName => {
            let name = text.get(diagnostic.primary_span().range()).unwrap_or_default();
            unreadable.iter().any(|line| contains_word(line, name))
        }
        diag::Code::MissingPlan => unreadable.iter().any(|line| contains_word(line, "plan")),
        // A setting lost to a syntax error in the same declaration is not "missing".
        diag::Code::MissingField => {
            let at = diagnostic.primary_span();
            ast.items.iter().map(diag::suppress::item_span).any(|item| {
                item.start <= at.start
                    && at.end <= item.end
                    && syntax_errors.iter().any(|error| item.start <= error.start && error.end <= item.end)
            })
        }
        _ => false,
    };
    diagnostics.extend(semantic.into_iter().filter(|diagnostic| !explained_by_unreadable(diagnostic)));
    let analysis = model.as_ref().map(|model| {
        let (analysis, found) = analysis::analyze(model, &options.analysis);
        diagnostics.extend(found);
        analysis
    });
    let allowed = diag::suppress::inline_allows(&ast, text);
    diagnostics.extend(allowed.problems.iter().cloned());
    diagnostics.retain(|diagnostic| {
        diagnostic.is_error() || !(options.allow.contains(&diagnostic.code) || allowed.allows(diagnostic, text))
    });
    if options.deny_warnings {
        for diagnostic in &mut diagnostics {
            diagnostic.severity = diag::Severity::Error;
        }
    }
    diag::sort(&mut diagnostics);
    let model = if diagnostics.iter().any(Diagnostic::is_error) { None } else { model };
    Checked { file, ast, model, analysis, diagnostics }
}

/// Checks source text given directly: a convenience for tests and tools.
pub fn check_source(name: &str, text: &str) -> (SourceMap, Checked) {
    check_source_with(name, text, &Options::default())
}

/// Checks source text given directly, with options.
pub fn check_source_with(name: &str, text: &str, options: &Options) -> (SourceMap, Checked) {
    let mut sources = SourceMap::new();
    let file = sources.add(name, text);
    let checked = check_with(&sources, file, options);
    (sources, checked)
}

/// Whether `word` appears in `text` as a whole identifier.
fn contains_word(text: &str, word: &str) -> bool {
    !word.is_empty()
        && text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).any(|candidate| candidate == word)
}
