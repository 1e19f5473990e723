//! Reading plan files from paths or standard input, with clear messages for I/O problems.

use crate::diag::{Code, Diagnostic};
use crate::source::{FileId, LoadError, SourceMap, Span};
use std::io::Read;

/// Plans larger than this are refused before reading: no plan is this big, and it keeps every
/// byte offset within `u32`.
const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// Why the plan named on the command line was not loaded.
pub(super) enum LoadFailure {
    /// It cannot be read (missing, not UTF-8): a message for standard error.
    Io(String),
    /// It is not a plan file (E0110): a diagnostic on the name, its file empty in the source map.
    Refused(Diagnostic),
}

impl LoadFailure {
    /// Prints the failure as people read it.
    pub(super) fn print(&self, sources: &SourceMap) {
        match self {
            LoadFailure::Io(message) => eprintln!("error: {message}"),
            LoadFailure::Refused(diagnostic) => super::check::print(
                sources,
                std::slice::from_ref(diagnostic),
                super::Format::Human,
                super::ColorChoice::Auto,
            ),
        }
    }
}

/// Loads `path` (`-` for standard input) into `sources`, or explains why it cannot.
pub(super) fn load(sources: &mut SourceMap, path: &str) -> Result<FileId, LoadFailure> {
    let name = if path == "-" { "<stdin>" } else { path };
    let bytes = if path == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|error| LoadFailure::Io(format!("cannot read standard input: {error}")))?;
        if bytes.len() as u64 > MAX_FILE_BYTES {
            return Err(refused(sources, name, too_large(name)));
        }
        bytes
    } else {
        match read_bytes_named(path, path) {
            Ok(bytes) => bytes,
            Err(LoadError::Unreadable(message)) => return Err(LoadFailure::Io(message)),
            Err(LoadError::NotAPlanFile(reason)) => return Err(refused(sources, name, reason)),
        }
    };
    let text = String::from_utf8(bytes).map_err(|error| {
        let offset = error.utf8_error().valid_up_to();
        LoadFailure::Io(format!(
            "`{name}` is not valid UTF-8 (the first bad byte is at offset {offset}); plans are UTF-8 text"
        ))
    })?;
    Ok(sources.add(name, text))
}

/// The E0110 diagnostic for `name`, which is added to `sources` as an empty file to carry it.
fn refused(sources: &mut SourceMap, name: &str, reason: String) -> LoadFailure {
    let file = sources.add(name, String::new());
    LoadFailure::Refused(
        Diagnostic::new(Code::NotAPlanFile, Span::new(file, 0, 0), reason)
            .help("give a plan file: a regular file of UTF-8 text, or `-` for standard input"),
    )
}

fn too_large(name: &str) -> String {
    format!("`{name}` is larger than {} MiB, more than any plan", MAX_FILE_BYTES / 1024 / 1024)
}

/// Reads `path`; messages name the file `name` (an imported file by its path as imported).
/// Only a regular file is read, and never more than [`MAX_FILE_BYTES`] of it: a device, a FIFO
/// or a file that grows while it is read can neither block nor exhaust memory.
fn read_bytes_named(path: &str, name: &str) -> Result<Vec<u8>, LoadError> {
    let unreadable = |error: std::io::Error| LoadError::Unreadable(describe_io(name, &error));
    let metadata = std::fs::metadata(path).map_err(unreadable)?;
    if metadata.is_dir() {
        return Err(LoadError::Unreadable(format!("`{name}` is a directory, not a plan file")));
    }
    if !metadata.is_file() {
        return Err(LoadError::NotAPlanFile(format!(
            "`{name}` is not a regular file (a device, a FIFO or a socket), so it is not read"
        )));
    }
    if metadata.len() > MAX_FILE_BYTES {
        return Err(LoadError::NotAPlanFile(too_large(name)));
    }
    // Room for the whole file and one byte more: read in one call, and the next finds the end
    // (from an empty buffer, `read_to_end` grows it from 32 bytes: 11 reads for 21 KB).
    let mut bytes = Vec::with_capacity(usize::try_from(metadata.len()).map_or(0, |len| len + 1));
    std::fs::File::open(path)
        .and_then(|file| file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes))
        .map_err(unreadable)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(LoadError::NotAPlanFile(too_large(name)));
    }
    Ok(bytes)
}

/// Reads imported plan files from disk, relative to the working directory (or to `base`).
#[derive(Clone, Debug, Default)]
pub struct FileSystem {
    base: Option<std::path::PathBuf>,
}

impl FileSystem {
    /// Reads relative paths from `base` instead of the working directory.
    pub fn in_dir(base: impl Into<std::path::PathBuf>) -> FileSystem {
        FileSystem { base: Some(base.into()) }
    }
}

impl crate::source::Loader for FileSystem {
    fn load(&self, path: &str) -> Result<String, LoadError> {
        let full = match &self.base {
            Some(base) => base.join(path).to_string_lossy().into_owned(),
            None => path.to_string(),
        };
        let bytes = read_bytes_named(&full, path)?;
        String::from_utf8(bytes).map_err(|error| {
            let offset = error.utf8_error().valid_up_to();
            LoadError::Unreadable(format!("`{path}` is not valid UTF-8 (the first bad byte is at offset {offset})"))
        })
    }
}

fn describe_io(path: &str, error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => format!("`{path}` does not exist"),
        std::io::ErrorKind::PermissionDenied => format!("`{path}` cannot be read: permission denied"),
        _ => format!("cannot read `{path}`: {error}"),
    }
}

/// Reads a data file given on the command line (a scenario, recorded metrics): a regular file
/// of at most `max_bytes`, UTF-8. A FIFO or a device is refused before it can block or grow.
pub(super) fn read_data_file(path: &str, what: &str, max_bytes: u64) -> Result<String, String> {
    let metadata = std::fs::metadata(path).map_err(|error| describe_io(path, &error))?;
    if !metadata.is_file() {
        return Err(format!("`{path}` is not a regular file; give a {what} file"));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|file| file.take(max_bytes + 1).read_to_end(&mut bytes))
        .map_err(|error| describe_io(path, &error))?;
    if bytes.len() as u64 > max_bytes {
        return Err(format!("`{path}` is larger than {} MiB; a {what} file is smaller", max_bytes / 1024 / 1024));
    }
    String::from_utf8(bytes).map_err(|error| {
        let offset = error.utf8_error().valid_up_to();
        format!("`{path}` is not valid UTF-8 (the first bad byte is at offset {offset})")
    })
}
