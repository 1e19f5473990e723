//! Reading plan files from paths or standard input, with clear messages for I/O problems.

use crate::source::{FileId, SourceMap};
use std::io::Read;

/// Plans larger than this are refused before reading: no plan is this big, and it keeps every
/// byte offset within `u32`.
const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// Loads `path` (`-` for standard input) into `sources`, or explains why it cannot.
pub(super) fn load(sources: &mut SourceMap, path: &str) -> Result<FileId, String> {
    let bytes = if path == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|error| format!("cannot read standard input: {error}"))?;
        bytes
    } else {
        read_bytes(path)?
    };
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(format!("the input is larger than {} MiB", MAX_FILE_BYTES / 1024 / 1024));
    }
    let name = if path == "-" { "<stdin>" } else { path };
    let text = String::from_utf8(bytes).map_err(|error| {
        let offset = error.utf8_error().valid_up_to();
        format!("`{name}` is not valid UTF-8 (the first bad byte is at offset {offset}); plans are UTF-8 text")
    })?;
    Ok(sources.add(name, text))
}

fn read_bytes(path: &str) -> Result<Vec<u8>, String> {
    read_bytes_named(path, path)
}

/// Reads `path`; messages name the file `name` (an imported file by its path as imported).
fn read_bytes_named(path: &str, name: &str) -> Result<Vec<u8>, String> {
    let metadata = std::fs::metadata(path).map_err(|error| describe_io(name, &error))?;
    if metadata.is_dir() {
        return Err(format!("`{name}` is a directory, not a plan file"));
    }
    if metadata.len() > MAX_FILE_BYTES {
        return Err(format!("`{name}` is larger than {} MiB", MAX_FILE_BYTES / 1024 / 1024));
    }
    std::fs::read(path).map_err(|error| describe_io(name, &error))
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
    fn load(&self, path: &str) -> Result<String, String> {
        let full = match &self.base {
            Some(base) => base.join(path).to_string_lossy().into_owned(),
            None => path.to_string(),
        };
        let bytes = read_bytes_named(&full, path)?;
        String::from_utf8(bytes).map_err(|error| {
            let offset = error.utf8_error().valid_up_to();
            format!("`{path}` is not valid UTF-8 (the first bad byte is at offset {offset})")
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
