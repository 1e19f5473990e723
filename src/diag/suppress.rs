//! Silencing warnings in the plan: `# golivec: allow(W0901)` (or several codes, comma
//! separated) on the line of the finding or on the line just above it. Errors cannot be
//! silenced.

use super::{Code, Diagnostic};
use crate::ast::Comment;

/// The inline `allow` comments of one file, by line.
pub struct InlineAllows {
    /// (line index, codes), sorted by line.
    lines: Vec<(usize, Vec<Code>)>,
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())].iter().filter(|&&byte| byte == b'\n').count()
}

/// Collects `# golivec: allow(...)` comments.
pub fn inline_allows(comments: &[Comment], text: &str) -> InlineAllows {
    let mut lines = Vec::new();
    for comment in comments {
        let Some(rest) = comment.text.trim().strip_prefix("golivec:") else { continue };
        let Some(list) = rest.trim().strip_prefix("allow(").and_then(|list| list.strip_suffix(')')) else { continue };
        let codes: Vec<Code> = list.split(',').filter_map(|code| code.trim().parse().ok()).collect();
        lines.push((line_of(text, comment.span.start as usize), codes));
    }
    InlineAllows { lines }
}

impl InlineAllows {
    pub fn allows(&self, diagnostic: &Diagnostic, text: &str) -> bool {
        if self.lines.is_empty() {
            return false;
        }
        let line = line_of(text, diagnostic.primary_span().start as usize);
        self.lines.iter().any(|(at, codes)| (*at == line || *at + 1 == line) && codes.contains(&diagnostic.code))
    }
}
