//! One open document: its text, the result of checking it, and conversions between byte
//! offsets and LSP positions in the negotiated encoding.

use crate::diag;
use crate::source::{SourceMap, Span};
use line_index::{LineCol, LineIndex, TextSize, WideEncoding, WideLineCol};
use lsp_types::{
    DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString, Position, PublishDiagnosticsParams,
    Range, TextDocumentContentChangeEvent, Uri,
};

/// How the client counts columns: LSP positions are in UTF-16 code units unless the client
/// offers UTF-8 at initialization.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Encoding {
    Utf8,
    Utf16,
}

/// How documents are checked: the source map each check starts from (its loader reads the
/// files a plan imports), and the targets whose limits are reported (`golivec lsp --target`).
#[derive(Clone, Copy)]
pub(crate) struct Checking {
    pub(crate) new_sources: fn() -> SourceMap,
    pub(crate) targets: crate::analysis::Targets,
}

pub(crate) struct Document {
    pub(crate) uri: Uri,
    pub(crate) version: i32,
    pub(crate) text: String,
    index: LineIndex,
    /// The plan checked as `golivec lint` checks it (with the server's `--target`); recomputed on
    /// every change.
    pub(crate) checked: crate::Checked,
    /// Kept with `checked`, whose spans point into it.
    pub(crate) sources: SourceMap,
    /// The diagnostics last published (`None` before the first publication).
    published: Option<Vec<lsp_types::Diagnostic>>,
}

/// A document's previous check, kept only until it is dropped.
pub(crate) struct Retired {
    checked: crate::Checked,
    sources: SourceMap,
}

/// Drops the checks that changes replaced on a thread of its own: freeing a large plan's tree
/// and model one allocation at a time costs a tenth of a re-check, which the next message need
/// not wait for (the source map, a few buffers and a loader that stays on this thread, is
/// dropped here). Drops in place when no thread can be started. Dropping the dropper waits
/// for its thread.
#[derive(Default)]
pub(crate) struct Dropper {
    sender: Option<std::sync::mpsc::Sender<crate::Checked>>,
    thread: Option<std::thread::JoinHandle<()>>,
    failed: bool,
}

impl Dropper {
    pub(crate) fn drop_later(&mut self, retired: Retired) {
        let Retired { checked, sources } = retired;
        drop(sources);
        if self.sender.is_none() && !self.failed {
            let (sender, receiver) = std::sync::mpsc::channel::<crate::Checked>();
            let spawned = std::thread::Builder::new().name("golivec-lsp-drop".to_string()).spawn(move || {
                for checked in receiver {
                    drop(checked);
                }
            });
            match spawned {
                Ok(thread) => {
                    self.sender = Some(sender);
                    self.thread = Some(thread);
                }
                Err(_) => self.failed = true,
            }
        }
        if let Some(sender) = &self.sender {
            // A send fails only when the thread is gone (it panicked): the value comes back.
            if let Err(returned) = sender.send(checked) {
                self.sender = None;
                self.failed = true;
                drop(returned.0);
            }
        } else {
            drop(checked);
        }
    }
}

impl Drop for Dropper {
    fn drop(&mut self) {
        self.sender = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Document {
    pub(crate) fn new(uri: Uri, version: i32, text: String, checking: Checking) -> Document {
        let (sources, checked) = check(&uri, &text, checking);
        let index = LineIndex::new(&text);
        Document { uri, version, text, index, checked, sources, published: None }
    }

    /// Replaces the text and checks it again. Returns the previous check, for the caller to
    /// drop once the new diagnostics are out: freeing a large plan's tree and model one
    /// allocation at a time is a tenth of a re-check, which the editor need not wait for.
    #[must_use]
    pub(crate) fn set_text(&mut self, version: i32, text: String, checking: Checking) -> Retired {
        let (sources, checked) = check(&self.uri, &text, checking);
        self.index = LineIndex::new(&text);
        self.version = version;
        self.text = text;
        Retired {
            checked: std::mem::replace(&mut self.checked, checked),
            sources: std::mem::replace(&mut self.sources, sources),
        }
    }

    pub(crate) fn position(&self, offset: u32, encoding: Encoding) -> Position {
        position(&self.text, &self.index, offset, encoding)
    }

    pub(crate) fn range(&self, span: Span, encoding: Encoding) -> Range {
        Range { start: self.position(span.start, encoding), end: self.position(span.end, encoding) }
    }

    pub(crate) fn offset(&self, position: Position, encoding: Encoding) -> u32 {
        offset(&self.text, &self.index, position, encoding)
    }

    /// Where `name` is declared in a file this document imports, directly or not.
    pub(crate) fn imported_declaration(&self, name: &str, encoding: Encoding) -> Option<Location> {
        for (id, file) in self.sources.files() {
            if id == self.checked.file {
                continue;
            }
            let (tree, _) = crate::syntax::parse(id, &file.text);
            if let Some(item) = super::navigation::declaration(&tree, name) {
                return Some(Location {
                    uri: file_uri(&file.name)?,
                    range: range_in(&file.text, item.name().span, encoding),
                });
            }
        }
        None
    }

    /// The hover text of `name` when a file this document imports declares it, with the file.
    pub(crate) fn imported_hover(&self, name: &str) -> Option<String> {
        for (id, file) in self.sources.files() {
            if id == self.checked.file {
                continue;
            }
            let (tree, _) = crate::syntax::parse(id, &file.text);
            if let Some(item) = super::navigation::declaration(&tree, name) {
                let text = super::navigation::hover(item, &file.text, &self.checked);
                return Some(format!("{text}\n\ndeclared in `{}`", file.name));
            }
        }
        None
    }

    /// The span of the `use` that imports `imported` directly, else of the first `use`.
    fn use_of(&self, imported: crate::source::FileId) -> Option<Span> {
        let uses: Vec<&crate::ast::UseDecl> = self.uses().collect();
        let direct = uses.iter().find(|decl| self.imported_by(decl).is_some_and(|(file, _)| file == imported));
        direct.or(uses.first()).map(|decl| decl.span)
    }

    /// The document's `use` declarations.
    fn uses(&self) -> impl Iterator<Item = &crate::ast::UseDecl> {
        self.checked.ast.items.iter().filter_map(|item| match item {
            crate::ast::Item::Use(decl) => Some(decl),
            _ => None,
        })
    }

    /// The file a `use` imports, with its name, when it was loaded.
    fn imported_by(&self, decl: &crate::ast::UseDecl) -> Option<(crate::source::FileId, String)> {
        let name = match &decl.target {
            crate::ast::UseTarget::File(path) => {
                crate::modules::resolve_path(&self.sources.get(self.checked.file).name, &path.value)
            }
            crate::ast::UseTarget::Std(path) => crate::modules::stdlib::file_name(&path.last()?.name),
        };
        Some((self.sources.find(&name)?, name))
    }

    /// The text of the file a `use` imports, when the check read it.
    pub(crate) fn imported_text(&self, decl: &crate::ast::UseDecl) -> Option<&str> {
        let (file, _) = self.imported_by(decl)?;
        Some(self.sources.get(file).text.as_str())
    }

    /// The file a `use "path"` at `offset` imports, at its start.
    pub(crate) fn imported_file_at(&self, offset: u32) -> Option<Location> {
        let decl = self.uses().find(|decl| decl.span.start <= offset && offset <= decl.span.end)?;
        if !matches!(decl.target, crate::ast::UseTarget::File(_)) {
            return None;
        }
        let (_, path) = self.imported_by(decl)?;
        Some(Location { uri: file_uri(&path)?, range: Range::default() })
    }

    /// The diagnostics of the last check, as LSP diagnostics.
    pub(crate) fn diagnostics(&self, encoding: Encoding) -> Vec<lsp_types::Diagnostic> {
        let file = self.checked.file;
        self.anchored()
            .map(|(diagnostic, anchor)| {
                let mut shown = self.diagnostic(diagnostic, anchor, encoding);
                let primary = diagnostic.primary_span();
                if primary.file != file {
                    let other = self.sources.get(primary.file);
                    let at = other.line_col(primary.start);
                    shown.message = format!("in {}:{}:{}: {}", other.name, at.line, at.column, shown.message);
                }
                shown
            })
            .collect()
    }

    /// The diagnostics of the last check shown in this document, each with the span it is
    /// shown at.
    fn anchored(&self) -> impl Iterator<Item = (&diag::Diagnostic, Span)> {
        let file = self.checked.file;
        self.checked.diagnostics.iter().filter_map(move |diagnostic| {
            // About text pasted from another file: shown at the call in this document
            // (the outermost call is the last label).
            let primary = diagnostic.primary_span();
            let anchor = if primary.file == file {
                primary
            } else if let Some(label) = diagnostic.labels.iter().rev().find(|label| label.span.file == file) {
                label.span
            } else {
                // A finding inside an imported file that no call here pasted (a syntax
                // error there, say): shown at the `use` that imports it, or the first `use`.
                self.use_of(primary.file)?
            };
            Some((diagnostic, anchor))
        })
    }

    /// The `publishDiagnostics` parameters of the last check, or `None` when they are those
    /// published last for this document (the same diagnostics at the same places): the client
    /// still shows them, and sending a large plan's again after each keystroke would cost the
    /// server and the editor more than the check. The comparison makes no LSP diagnostic.
    pub(crate) fn publish(&mut self, encoding: Encoding) -> Option<serde_json::Value> {
        if let Some(published) = &self.published {
            let mut before = published.iter();
            let same = self.anchored().all(|(diagnostic, anchor)| {
                before.next().is_some_and(|shown| self.shows(shown, diagnostic, anchor, encoding))
            });
            if same && before.next().is_none() {
                return None;
            }
        }
        let shown = self.diagnostics(encoding);
        let params =
            PublishDiagnosticsParams { uri: self.uri.clone(), diagnostics: shown, version: Some(self.version) };
        let json = serde_json::to_value(&params).unwrap_or_default();
        self.published = Some(params.diagnostics);
        Some(json)
    }

    /// Whether `shown` is what [`Document::diagnostics`] makes of `diagnostic` shown at
    /// `anchor`, told without making it. A finding in another file is never the same: its
    /// message says where it is there, and that file may have changed.
    fn shows(
        &self,
        shown: &lsp_types::Diagnostic,
        diagnostic: &diag::Diagnostic,
        anchor: Span,
        encoding: Encoding,
    ) -> bool {
        if diagnostic.primary_span().file != self.checked.file {
            return false;
        }
        let message = match &diagnostic.help {
            None => shown.message == diagnostic.message,
            Some(help) => shown
                .message
                .strip_prefix(diagnostic.message.as_str())
                .and_then(|rest| rest.strip_prefix("\nhelp: "))
                .is_some_and(|rest| rest == help),
        };
        let code = matches!(&shown.code, Some(NumberOrString::String(code)) if code == diagnostic.code.as_str());
        let related = match &shown.related_information {
            None => self.related(diagnostic, anchor).next().is_none(),
            Some(before) if before.is_empty() => false,
            Some(before) => {
                let mut labels = self.related(diagnostic, anchor);
                before.iter().all(|before| {
                    labels.next().is_some_and(|label| {
                        before.location.uri == self.uri
                            && before.location.range == self.range(label.span, encoding)
                            && before.message == label.message.as_deref().unwrap_or_default()
                    })
                }) && labels.next().is_none()
            }
        };
        message
            && code
            && related
            && shown.range == self.range(anchor, encoding)
            && shown.severity == Some(severity(diagnostic))
            && shown.source.as_deref() == Some("golivec")
            && shown.code_description.is_none()
            && shown.tags.is_none()
            && shown.data.is_none()
    }

    /// The labels of `diagnostic` shown as related places: the secondary ones in this document,
    /// but the one it is shown at.
    fn related<'a>(&'a self, diagnostic: &'a diag::Diagnostic, anchor: Span) -> impl Iterator<Item = &'a diag::Label> {
        let file = self.checked.file;
        diagnostic.labels.iter().filter(move |label| !label.primary && label.span.file == file && label.span != anchor)
    }

    fn diagnostic(&self, diagnostic: &diag::Diagnostic, anchor: Span, encoding: Encoding) -> lsp_types::Diagnostic {
        // The same text as the SARIF and GitHub renderings: the message, then the help.
        let mut message = diagnostic.message.clone();
        if let Some(help) = &diagnostic.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        let related: Vec<DiagnosticRelatedInformation> = self
            .related(diagnostic, anchor)
            .map(|label| DiagnosticRelatedInformation {
                location: Location { uri: self.uri.clone(), range: self.range(label.span, encoding) },
                message: label.message.clone().unwrap_or_default(),
            })
            .collect();
        lsp_types::Diagnostic {
            range: self.range(anchor, encoding),
            severity: Some(severity(diagnostic)),
            code: Some(NumberOrString::String(diagnostic.code.as_str().to_string())),
            code_description: None,
            source: Some("golivec".to_string()),
            message,
            related_information: if related.is_empty() { None } else { Some(related) },
            tags: None,
            data: None,
        }
    }
}

fn severity(diagnostic: &diag::Diagnostic) -> DiagnosticSeverity {
    match diagnostic.severity {
        diag::Severity::Error => DiagnosticSeverity::ERROR,
        diag::Severity::Warning => DiagnosticSeverity::WARNING,
        diag::Severity::Advice => DiagnosticSeverity::INFORMATION,
    }
}

impl Document {
    /// Applies the changes of a `didChange`, in order: each replaces a range of the text left by
    /// the one before, or the whole text when it has no range. Returns the new text, taken from
    /// the document (which [`Document::set_text`] then gets back). The first range is found with
    /// the document's line index; a later one needs an index of the text the one before left.
    pub(crate) fn apply_changes(&mut self, changes: Vec<TextDocumentContentChangeEvent>, encoding: Encoding) -> String {
        let mut text = std::mem::take(&mut self.text);
        let mut current = true;
        for change in changes {
            match change.range {
                Some(range) => {
                    let rebuilt;
                    let index = if current {
                        &self.index
                    } else {
                        rebuilt = LineIndex::new(&text);
                        &rebuilt
                    };
                    let start = offset(&text, index, range.start, encoding) as usize;
                    let end = (offset(&text, index, range.end, encoding) as usize).max(start);
                    text.replace_range(start..end, &change.text);
                }
                None => text = change.text,
            }
            current = false;
        }
        text
    }
}

/// The LSP position of a byte offset; offsets past the end or inside a character snap back.
/// A span of another file's `text` as an LSP range.
fn range_in(text: &str, span: Span, encoding: Encoding) -> Range {
    let index = LineIndex::new(text);
    Range { start: position(text, &index, span.start, encoding), end: position(text, &index, span.end, encoding) }
}

/// The `file:` URI of an absolute path; `None` for a path that is not absolute (text given
/// without a file) or that a URI cannot hold as written.
fn file_uri(path: &str) -> Option<Uri> {
    if !path.starts_with('/') {
        return None;
    }
    let encoded: String = path
        .chars()
        .map(|c| match c {
            ' ' => "%20".to_string(),
            '%' => "%25".to_string(),
            '#' => "%23".to_string(),
            '?' => "%3F".to_string(),
            other => other.to_string(),
        })
        .collect();
    std::str::FromStr::from_str(&format!("file://{encoded}")).ok()
}

fn position(text: &str, index: &LineIndex, offset: u32, encoding: Encoding) -> Position {
    let mut offset = (offset as usize).min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let utf8 = index.try_line_col(TextSize::new(offset as u32)).unwrap_or(LineCol { line: 0, col: 0 });
    let character = match encoding {
        Encoding::Utf8 => utf8.col,
        Encoding::Utf16 => index.to_wide(WideEncoding::Utf16, utf8).map_or(utf8.col, |wide| wide.col),
    };
    Position { line: utf8.line, character }
}

/// The byte offset of an LSP position. As the protocol asks, a column past the end of its line
/// means the end of the line, and a line past the end means the end of the text.
fn offset(text: &str, index: &LineIndex, position: Position, encoding: Encoding) -> u32 {
    let Some(line) = index.line(position.line) else {
        return text.len() as u32;
    };
    let (start, mut end) = (usize::from(line.start()), usize::from(line.end()));
    let line_text = text.get(start..end).unwrap_or_default();
    end -= line_text.len() - line_text.trim_end_matches(['\n', '\r']).len();
    let column = match encoding {
        Encoding::Utf8 => Some(position.character),
        Encoding::Utf16 => index
            .to_utf8(WideEncoding::Utf16, WideLineCol { line: position.line, col: position.character })
            .map(|utf8| utf8.col),
    };
    let mut offset = column.map_or(end, |column| start.saturating_add(column as usize).min(end));
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset as u32
}

/// Checks `text` as `golivec lint --target ...` does, under the document's path when it is a file.
fn check(uri: &Uri, text: &str, checking: Checking) -> (SourceMap, crate::Checked) {
    let mut sources = (checking.new_sources)();
    let options = crate::Options {
        analysis: crate::analysis::Options { lints: true, targets: checking.targets, ..Default::default() },
        ..Default::default()
    };
    let file = sources.add(source_name(uri), text);
    let checked = crate::check_with(&mut sources, file, &options);
    (sources, checked)
}

/// The path of a `file:` URI, percent-decoded; any other URI as written.
pub(crate) fn source_name(uri: &Uri) -> String {
    let is_file = uri.scheme().is_some_and(|scheme| scheme.as_str().eq_ignore_ascii_case("file"));
    if is_file {
        if let Ok(path) = uri.path().as_estr().decode().into_string() {
            return path.into_owned();
        }
    }
    uri.as_str().to_string()
}
