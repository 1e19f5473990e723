//! Silencing warnings in the plan with `# golivec: allow(W0901)` (several codes may be
//! listed, comma separated). The comment covers its own line and the next one; right above a
//! declaration (`phase`, `rollback`, ...), it covers the whole declaration. Errors cannot be
//! silenced.

use super::{Code, Diagnostic};
use crate::ast::{Comment, File};
use crate::source::Span;

/// The `allow` comments of one file.
pub struct InlineAllows {
    /// (line index of the comment, codes, span of the declaration it precedes).
    allows: Vec<(usize, Vec<Code>, Option<Span>)>,
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())].iter().filter(|&&byte| byte == b'\n').count()
}

fn codes(comment: &Comment) -> Option<Vec<Code>> {
    let rest = comment.text.trim().strip_prefix("golivec:")?;
    let list = rest.trim().strip_prefix("allow(")?.split(')').next()?;
    Some(list.split(',').filter_map(|code| code.trim().parse().ok()).collect())
}

/// Collects the `# golivec: allow(...)` comments of `file`.
pub fn inline_allows(file: &File, text: &str) -> InlineAllows {
    let mut allows = Vec::new();
    for comment in &file.comments {
        let Some(codes) = codes(comment) else { continue };
        let line = line_of(text, comment.span.start as usize);
        let declaration = file.items.iter().map(item_span).find(|span| line_of(text, span.start as usize) == line + 1);
        allows.push((line, codes, declaration));
    }
    InlineAllows { allows }
}

/// The span of a whole declaration.
pub fn item_span(item: &crate::ast::Item) -> Span {
    use crate::ast::Item;
    match item {
        Item::Plan(decl) => decl.span,
        Item::Role(decl) => decl.span,
        Item::Env(decl) => decl.span,
        Item::Secret(decl) => decl.span,
        Item::Metric(decl) => decl.span,
        Item::Node(decl) => decl.span,
        Item::Rollback(decl) => decl.span,
        Item::Alert(decl) => decl.span,
        Item::Window(decl) => decl.span,
        Item::Freeze(decl) => decl.span,
    }
}

impl InlineAllows {
    pub fn allows(&self, diagnostic: &Diagnostic, text: &str) -> bool {
        if self.allows.is_empty() {
            return false;
        }
        let span = diagnostic.primary_span();
        let line = line_of(text, span.start as usize);
        self.allows.iter().any(|(at, codes, declaration)| {
            codes.contains(&diagnostic.code)
                && (*at == line
                    || *at + 1 == line
                    || declaration.is_some_and(|item| item.start <= span.start && span.end <= item.end))
        })
    }
}
