//! A scan of brackets before parsing.
//!
//! An unclosed `{` would otherwise make the rest of the file a cascade of errors, and thousands
//! of nested brackets would overflow the recursive-descent parser's stack. Like rustc's lexer,
//! this pass finds both first; when it finds one, the file is not parsed further.

use crate::diag::{Code, Diagnostic};
use crate::source::{FileId, Span};

/// The deepest nesting of `{`, `(` and `[` a plan may use.
pub const MAX_DEPTH: usize = 48;

pub(super) fn check(file: FileId, source: &str) -> Vec<Diagnostic> {
    let bytes = source.as_bytes();
    let mut open: Vec<(u8, usize)> = Vec::new();
    let mut diagnostics = Vec::new();
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'#' => {
                while index < bytes.len() && bytes[index] != b'\n' {
                    index += 1;
                }
                continue;
            }
            b'"' if bytes[index..].starts_with(b"\"\"\"") => {
                index += 3;
                while index < bytes.len() && !bytes[index..].starts_with(b"\"\"\"") {
                    index += 1;
                }
                index += 3;
                continue;
            }
            b'"' => {
                index += 1;
                while index < bytes.len() && bytes[index] != b'"' && bytes[index] != b'\n' {
                    index += if bytes[index] == b'\\' { 2 } else { 1 };
                }
            }
            opener @ (b'{' | b'(' | b'[') => {
                open.push((opener, index));
                if open.len() > MAX_DEPTH {
                    let span = Span::new(file, index, index + 1);
                    diagnostics.push(
                        Diagnostic::new(Code::NestingTooDeep, span, format!("nesting deeper than {MAX_DEPTH} levels"))
                            .label("this bracket is too deep")
                            .help("split the block or the condition into named parts"),
                    );
                    return diagnostics;
                }
            }
            closer @ (b'}' | b')' | b']') => {
                let expected = match closer {
                    b'}' => b'{',
                    b')' => b'(',
                    _ => b'[',
                };
                match open.last() {
                    Some(&(opener, _)) if opener == expected => {
                        open.pop();
                    }
                    Some(&(opener, at)) => {
                        let span = Span::new(file, index, index + 1);
                        diagnostics.push(
                            Diagnostic::new(
                                Code::UnbalancedDelimiter,
                                span,
                                format!("`{}` closes a `{}`", closer as char, opener as char),
                            )
                            .label("this does not match")
                            .with(Span::new(file, at, at + 1), format!("the `{}` opened here", opener as char)),
                        );
                        return diagnostics;
                    }
                    None => {
                        let span = Span::new(file, index, index + 1);
                        diagnostics.push(
                            Diagnostic::new(Code::UnbalancedDelimiter, span, format!("unmatched `{}`", closer as char))
                                .label("nothing to close here"),
                        );
                        return diagnostics;
                    }
                }
            }
            _ => {}
        }
        index += 1;
    }
    if let Some(&(opener, at)) = open.last() {
        let span = Span::new(file, at, at + 1);
        diagnostics.push(
            Diagnostic::new(
                Code::UnbalancedDelimiter,
                span,
                format!("this `{}` is never closed: the file ends first", opener as char),
            )
            .label("opened here")
            .help(format!(
                "add the closing `{}` where the block ends",
                match opener {
                    b'{' => '}',
                    b'(' => ')',
                    _ => ']',
                }
            )),
        );
    }
    diagnostics
}
