//! `golivec lsp`: the language server on standard input and output.

use super::{EXIT_ERRORS, EXIT_OK};

#[derive(clap::Args, Debug)]
pub(super) struct LspArgs {
    /// Also report what these targets cannot carry out, as `golivec lint --target` does (set it
    /// in the editor's command for a workspace that builds them); repeat or separate with commas.
    #[arg(long, value_enum, value_delimiter = ',', value_name = "TARGET")]
    target: Vec<crate::emit::Target>,
}

pub(super) fn run(args: &LspArgs) -> i32 {
    let (connection, io_threads) = lsp_server::Connection::stdio();
    // Plans open in the editor import files from the disk, as `golivec check` does.
    let served = crate::lsp::run_with_targets(
        &connection,
        || crate::source::SourceMap::with_loader(super::FileSystem::default()),
        super::targets(&args.target),
    );
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
