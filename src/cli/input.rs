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
        let metadata = std::fs::metadata(path).map_err(|error| describe_io(path, &error))?;
        if metadata.is_dir() {
            return Err(format!("`{path}` is a directory, not a plan file"));
        }
        if metadata.len() > MAX_FILE_BYTES {
            return Err(format!("`{path}` is larger than {} MiB", MAX_FILE_BYTES / 1024 / 1024));
        }
        std::fs::read(path).map_err(|error| describe_io(path, &error))?
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

fn describe_io(path: &str, error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => format!("`{path}` does not exist"),
        std::io::ErrorKind::PermissionDenied => format!("`{path}` cannot be read: permission denied"),
        _ => format!("cannot read `{path}`: {error}"),
    }
}
