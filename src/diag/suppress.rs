//! Silencing warnings in the plan with `# golivec: allow(W0901)` (several codes may be
//! listed, comma separated). The comment covers its own line and the next one; right above a
//! declaration (`phase`, `rollback`, ...), it covers the whole declaration. Errors cannot be
//! silenced.

use super::{Code, Diagnostic, Severity};
use crate::ast::{Comment, File};
use crate::source::Span;

/// The `allow` comments of one file.
pub struct InlineAllows {
    /// (line index of the comment, codes, span of the declaration it precedes).
    allows: Vec<(usize, Vec<Code>, Option<Span>)>,
    /// Entries that silence nothing: unknown codes and errors.
    pub problems: Vec<Diagnostic>,
    /// The offset of every line break, when there is an `allow` comment (else empty).
    breaks: Vec<usize>,
}

/// The offsets of the line breaks of `text`.
fn line_breaks(text: &str) -> Vec<usize> {
    crate::syntax::scan::offsets_of(text.as_bytes(), b'\n')
}

/// The 0-based line of `offset`, by a search in `breaks` (counting the breaks before it for each
/// comment, declaration and diagnostic made this a fifth of the time of checking a plan).
fn line_of(breaks: &[usize], offset: usize) -> usize {
    breaks.partition_point(|&at| at < offset)
}

/// The entries of an `allow(...)` comment, with where each one is written.
fn entries(comment: &Comment) -> Option<Vec<(&str, Span)>> {
    let rest = comment.text.trim_start().strip_prefix("golivec:")?;
    let list_start = rest.find("allow(")? + "allow(".len();
    let list = rest[list_start..].split(')').next()?;
    // Offsets inside the comment's text, which starts one byte after `#`.
    let base = comment.span.start as usize + 1 + (comment.text.len() - rest.len()) + list_start;
    let mut found = Vec::new();
    let mut offset = 0;
    for entry in list.split(',') {
        let trimmed = entry.trim();
        let start = base + offset + (entry.len() - entry.trim_start().len());
        found.push((trimmed, Span::new(comment.span.file, start, start + trimmed.len())));
        offset += entry.len() + 1;
    }
    Some(found)
}

/// Collects the `# golivec: allow(...)` comments of `file`.
pub fn inline_allows(file: &File, text: &str) -> InlineAllows {
    let mut allows = Vec::new();
    let mut problems = Vec::new();
    let mut breaks = Vec::new();
    for comment in &file.comments {
        let Some(entries) = entries(comment) else { continue };
        if breaks.is_empty() {
            breaks = line_breaks(text);
        }
        let mut codes = Vec::new();
        for (entry, span) in entries {
            match entry.parse::<Code>() {
                Ok(code) if code.severity() != Severity::Error => codes.push(code),
                Ok(code) => problems.push(
                    Diagnostic::new(Code::BadAllowComment, span, format!("{code} is an error and cannot be allowed"))
                        .label("errors always reach the user")
                        .help("fix what the error is about; only warnings (W...) can be allowed"),
                ),
                Err(()) => {
                    let suggestion =
                        crate::sema::closest(&entry.to_ascii_uppercase(), Code::ALL.iter().map(|code| code.as_str()));
                    problems.push(
                        Diagnostic::new(Code::BadAllowComment, span, format!("`{entry}` is not a diagnostic code"))
                            .label("silences nothing")
                            .help(match suggestion {
                                Some(code) => format!("did you mean `{code}`?"),
                                None => "write a warning code such as W0901; `golivec explain CODE` describes one"
                                    .to_string(),
                            }),
                    );
                }
            }
        }
        let line = line_of(&breaks, comment.span.start as usize);
        // The declarations are in source order: the first one starting after this line.
        let next_line = breaks.get(line).map_or(text.len(), |at| at + 1);
        let first = file.items.partition_point(|item| (item_span(item).start as usize) < next_line);
        let declaration =
            file.items.get(first).map(item_span).filter(|span| line_of(&breaks, span.start as usize) == line + 1);
        allows.push((line, codes, declaration));
    }
    InlineAllows { allows, problems, breaks }
}

/// The span of a whole declaration.
pub fn item_span(item: &crate::ast::Item) -> Span {
    use crate::ast::Item;
    match item {
        Item::Plan(decl) => decl.span,
        Item::Role(decl) => decl.span,
        Item::Env(decl) => decl.span,
        Item::Secret(decl) => decl.span,
        Item::Var(decl) => decl.span,
        Item::Metric(decl) => decl.span,
        Item::Node(decl) => decl.span,
        Item::Rollback(decl) => decl.span,
        Item::Alert(decl) => decl.span,
        Item::Window(decl) => decl.span,
        Item::Freeze(decl) => decl.span,
        Item::Prometheus(decl) => decl.span,
        Item::Use(decl) => decl.span,
        Item::Template(decl) => decl.span,
        Item::Variant(decl) => decl.span,
    }
}

impl InlineAllows {
    pub fn allows(&self, diagnostic: &Diagnostic, _text: &str) -> bool {
        if self.allows.is_empty() {
            return false;
        }
        let span = diagnostic.primary_span();
        let line = line_of(&self.breaks, span.start as usize);
        self.allows.iter().any(|(at, codes, declaration)| {
            codes.contains(&diagnostic.code)
                && (*at == line
                    || *at + 1 == line
                    || declaration.is_some_and(|item| item.start <= span.start && span.end <= item.end))
        })
    }
}
