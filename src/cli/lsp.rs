//! `golivec lsp`: the language server on standard input and output.

use super::{EXIT_ERRORS, EXIT_OK};

pub(super) fn run() -> i32 {
    let (connection, io_threads) = lsp_server::Connection::stdio();
    let served = crate::lsp::run(&connection);
    // The writer thread ends when the last sender is gone: drop it before waiting.
    drop(connection);
    let transport = io_threads.join();
    match (served, transport) {
        (Ok(()), Ok(())) => EXIT_OK,
        (Err(problem), _) => {
            eprintln!("golivec lsp: {problem}");
            EXIT_ERRORS
        }
        (Ok(()), Err(problem)) => {
            eprintln!("golivec lsp: {problem}");
            EXIT_ERRORS
        }
    }
}
