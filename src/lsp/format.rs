//! `textDocument/formatting`: the same layout as `golivec fmt`.

/// The formatted text, or `None` when there is nothing to change or the text cannot be
/// formatted (a file with syntax errors is left as it is, as `golivec fmt` leaves it).
pub(crate) fn format(text: &str) -> Option<String> {
    let (ast, diagnostics) = crate::syntax::parse(crate::source::FileId::default(), text);
    if diagnostics.iter().any(crate::diag::Diagnostic::is_error) {
        return None;
    }
    let formatted = crate::format::format(&ast, text);
    (formatted != text).then_some(formatted)
}
