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
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, start: usize, end: usize) -> Span {
        // Files larger than 4 GiB are refused when they are loaded, so offsets fit.
        let clamp = |offset: usize| u32::try_from(offset).unwrap_or(u32::MAX);
        Span { file, start: clamp(start), end: clamp(end.max(start)) }
    }

    pub fn len(&self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span { file: self.file, start: self.start.min(other.start), end: self.end.max(other.end) }
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
    line_index: LineIndex,
}

impl SourceFile {
    /// The 1-based line and character column of a byte offset.
    pub fn line_col(&self, offset: u32) -> LineCol {
        let offset = offset.min(self.text.len() as u32);
        // Snap to a char boundary: spans from the parser always are, but be safe on any input.
        let mut offset = offset as usize;
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let utf8 = self.line_index.line_col(TextSize::new(offset as u32));
        let column = self.line_index.to_wide(WideEncoding::Utf32, utf8).map_or(utf8.col, |wide| wide.col);
        LineCol { line: utf8.line + 1, column: column + 1 }
    }
}

/// All files of one compilation.
#[derive(Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    pub fn new() -> SourceMap {
        SourceMap::default()
    }

    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> FileId {
        let text = text.into();
        let line_index = LineIndex::new(&text);
        let id = FileId(self.files.len() as u32);
        self.files.push(SourceFile { name: name.into(), text, line_index });
        id
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    pub fn files(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files.iter().enumerate().map(|(index, file)| (FileId(index as u32), file))
    }
}
