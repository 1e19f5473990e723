//! Writing output files atomically: a temporary file in the same directory, flushed to disk,
//! then renamed over the target. A failed build leaves earlier outputs untouched, and a reader
//! never sees half a file.

use std::io::Write;
use std::path::Path;

/// A temporary file's path in the directory of `path` (a rename within one file system is atomic).
fn temporary_beside(path: &Path, suffix: &str) -> std::path::PathBuf {
    let directory = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let name = path.file_name().map_or("output".into(), |name| name.to_string_lossy().into_owned());
    directory.join(format!(".{name}.{}.{suffix}", std::process::id()))
}

pub(super) fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let temporary = temporary_beside(path, "tmp");
    let result = (|| {
        let mut file = std::fs::File::create(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        // Keep the permissions of the file being replaced (an executable runbook stays so).
        if let Ok(metadata) = std::fs::metadata(path) {
            std::fs::set_permissions(&temporary, metadata.permissions())?;
        } else if bytes.starts_with(b"#!") {
            // A script (the shell runbook) is written executable.
            make_executable(&temporary)?;
        }
        std::fs::rename(&temporary, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result
}

#[cfg(unix)]
fn make_executable(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mut permissions = std::fs::metadata(path)?.permissions();
    permissions.set_mode(permissions.mode() | ((permissions.mode() & 0o444) >> 2));
    std::fs::set_permissions(path, permissions)
}

#[cfg(not(unix))]
fn make_executable(_path: &Path) -> std::io::Result<()> {
    Ok(())
}

/// Writes a new file atomically, refusing to replace one that exists: the temporary file is
/// linked to `path`, which fails when `path` exists, even if it appears in the meantime.
pub(super) fn create_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let temporary = temporary_beside(path, "new.tmp");
    let result = (|| {
        let mut file = std::fs::File::create(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::hard_link(&temporary, path)
    })();
    let _ = std::fs::remove_file(&temporary);
    result
}
