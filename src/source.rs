//! Source files, byte spans and line/column conversion.
//!
//! Every AST node and every diagnostic label carries a [`Span`]: a file and a byte range.
//! Line and column numbers are computed once per file, only when a diagnostic is printed.

use line_index::{LineIndex, TextSize, WideEncoding};
use serde::Serialize;

/// Index of a file in a [`SourceMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize)]
pub struct FileId(pub u32);

/// A byte range in one file. `start..end`, end exclusive.
///
/// Text pasted from a template by a call keeps the span of the template's text, and `via`
/// says which call pasted it, so a diagnostic can point at both.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
    /// The template call that pasted this text: 0 when it was written here, else the 1-based
    /// index of an [`Expansion`] in the [`SourceMap`].
    #[serde(skip)]
    pub via: u32,
}

impl Span {
    pub fn new(file: FileId, start: usize, end: usize) -> Span {
        // Files larger than 4 GiB are refused when they are loaded, so offsets fit.
        let clamp = |offset: usize| u32::try_from(offset).unwrap_or(u32::MAX);
        Span { file, start: clamp(start), end: clamp(end.max(start)), via: 0 }
    }

    pub fn len(&self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span { start: self.start.min(other.start), end: self.end.max(other.end), ..self }
    }

    pub fn range(&self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// A 1-based line and column; the column counts Unicode scalar values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct LineCol {
    pub line: u32,
    pub column: u32,
}

/// One loaded file.
#[derive(Debug)]
pub struct SourceFile {
    /// The name shown to users: the path as given on the command line, or `<stdin>`.
    pub name: String,
    pub text: String,
    /// Built when a position is first asked for: most runs report nothing and never need it.
    line_index: std::sync::OnceLock<LineIndex>,
    /// Whether a carriage return stands alone somewhere (a line break to miette, not to the
    /// line index); found when first asked.
    lone_carriage_return: std::sync::OnceLock<bool>,
}

impl SourceFile {
    /// The start of the line `lines_back` lines above the one holding `offset` (the first line
    /// if there are fewer), and its 0-based line number, in O(log n) through the line index.
    /// `None` when a carriage return stands alone in the file: lines are then counted another
    /// way by the renderer, which must scan.
    pub fn line_start_above(&self, offset: usize, lines_back: usize) -> Option<(usize, usize)> {
        let lone = *self.lone_carriage_return.get_or_init(|| {
            let bytes = self.text.as_bytes();
            bytes.iter().enumerate().any(|(index, byte)| *byte == b'\r' && bytes.get(index + 1) != Some(&b'\n'))
        });
        if lone || offset > self.text.len() {
            return None;
        }
        let line_index = self.line_index.get_or_init(|| LineIndex::new(&self.text));
        let line = line_index.try_line_col(TextSize::new(u32::try_from(offset).ok()?))?.line;
        let wanted = line.saturating_sub(u32::try_from(lines_back).unwrap_or(u32::MAX));
        let start = line_index.offset(line_index::LineCol { line: wanted, col: 0 })?;
        Some((u32::from(start) as usize, wanted as usize))
    }

    /// The 1-based line and character column of a byte offset.
    pub fn line_col(&self, offset: u32) -> LineCol {
        let offset = offset.min(self.text.len() as u32);
        // Snap to a char boundary: spans from the parser always are, but be safe on any input.
        let mut offset = offset as usize;
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line_index = self.line_index.get_or_init(|| LineIndex::new(&self.text));
        let utf8 = line_index.line_col(TextSize::new(offset as u32));
        let column = line_index.to_wide(WideEncoding::Utf32, utf8).map_or(utf8.col, |wide| wide.col);
        LineCol { line: utf8.line + 1, column: column + 1 }
    }
}

/// Reads the files a plan imports with `use "path"`. The library never touches the file
/// system itself: the command line gives it one (`cli::FileSystem`), tests may give another.
pub trait Loader {
    /// The text of the file at `path` (a path joined from the importing file's name), or why
    /// it cannot be read.
    fn load(&self, path: &str) -> Result<String, LoadError>;
}

/// Why a file cannot be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LoadError {
    /// It is not there, cannot be opened, or is not UTF-8 (E0208 for an import); in words.
    Unreadable(String),
    /// It is not a regular file (a directory, a device, a FIFO) or is larger than a plan may
    /// be: refused before reading, so that it can neither block nor grow without end (E0110).
    NotAPlanFile(String),
}

impl LoadError {
    /// The reason, in words.
    pub fn reason(&self) -> &str {
        match self {
            LoadError::Unreadable(reason) | LoadError::NotAPlanFile(reason) => reason,
        }
    }
}

/// A loader for text that has no files around it.
struct NoFiles;

impl Loader for NoFiles {
    fn load(&self, path: &str) -> Result<String, LoadError> {
        Err(LoadError::Unreadable(format!(
            "`{path}` cannot be read: this plan was given as text, without files around it"
        )))
    }
}

/// One template call, pasted: where the call is, and what it pasted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expansion {
    /// The call (itself pasted by another call when its `via` is not 0).
    pub call: Span,
    /// The template's name as the call wrote it (`canary.stages`).
    pub template: String,
    /// The template's declaration.
    pub definition: Span,
}

/// All files of one compilation.
pub struct SourceMap {
    files: Vec<SourceFile>,
    loader: Box<dyn Loader>,
    expansions: Vec<Expansion>,
}

impl Default for SourceMap {
    fn default() -> SourceMap {
        SourceMap { files: Vec::new(), loader: Box::new(NoFiles), expansions: Vec::new() }
    }
}

impl std::fmt::Debug for SourceMap {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("SourceMap").field("files", &self.files).field("expansions", &self.expansions).finish()
    }
}

impl SourceMap {
    pub fn new() -> SourceMap {
        SourceMap::default()
    }

    /// A source map whose plans may import files, read by `loader`.
    pub fn with_loader(loader: impl Loader + 'static) -> SourceMap {
        SourceMap { loader: Box::new(loader), ..SourceMap::default() }
    }

    pub fn loader(&self) -> &dyn Loader {
        self.loader.as_ref()
    }

    /// Records a template call; returns the `via` for the text it pastes.
    pub fn add_expansion(&mut self, expansion: Expansion) -> u32 {
        self.expansions.push(expansion);
        self.expansions.len() as u32
    }

    /// The call that pasted text with this `via`, if any.
    pub fn expansion(&self, via: u32) -> Option<&Expansion> {
        self.expansions.get((via as usize).checked_sub(1)?)
    }

    /// The file registered under `name`, if it was loaded already.
    pub fn find(&self, name: &str) -> Option<FileId> {
        self.files.iter().position(|file| file.name == name).map(|index| FileId(index as u32))
    }

    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> FileId {
        let text = text.into();
        let id = FileId(self.files.len() as u32);
        self.files.push(SourceFile {
            name: name.into(),
            text,
            line_index: std::sync::OnceLock::new(),
            lone_carriage_return: std::sync::OnceLock::new(),
        });
        id
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    pub fn files(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files.iter().enumerate().map(|(index, file)| (FileId(index as u32), file))
    }
}
