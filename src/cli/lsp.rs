//! `golivec lsp`: the language server on standard input and output.

use super::{EXIT_ERRORS, EXIT_OK};

pub(super) fn run() -> i32 {
    let (connection, io_threads) = lsp_server::Connection::stdio();
    // Plans open in the editor import files from the disk, as `golivec check` does.
    let served =
        crate::lsp::run_with(&connection, || crate::source::SourceMap::with_loader(super::FileSystem::default()));
    // The writer thread ends when the last sender is gone: drop it before waiting.
    drop(connection);
    let problem = match served {
        // After `exit` the reader has stopped and the writer has flushed: both can be awaited.
        Ok(()) => io_threads.join().err().map(|error| error.to_string()),
        // Otherwise the reader may still be blocked on an input nobody closes; exiting ends it.
        Err(problem) => Some(problem),
    };
    match problem {
        None => EXIT_OK,
        Some(problem) => {
            eprintln!("golivec lsp: {problem}");
            EXIT_ERRORS
        }
    }
}
