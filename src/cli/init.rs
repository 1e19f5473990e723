//! `golivec init [FILE] [--template NAME]`: a starter plan that checks clean and builds to
//! every target.

use super::{output, EXIT_OK, EXIT_USAGE};
use clap::ValueEnum;
use std::path::Path;

#[derive(clap::Args, Debug)]
pub(super) struct InitArgs {
    /// The plan file to write; it must not exist.
    #[arg(default_value = "launch.golive", value_name = "FILE")]
    file: String,
    /// Which starter to write.
    #[arg(long, short, value_enum, default_value = "basic")]
    template: Starter,
}

/// The starter plans, embedded in the binary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(super) enum Starter {
    /// A gate, a deployment with its point of no return, a watch and a rollback tree.
    Basic,
    /// A feature-flag canary at 5%, 25% and 100%, with monitoring windows (uses the stdlib).
    Canary,
    /// A blue-green switch with a swap back as the rollback (uses the stdlib).
    BlueGreen,
}

impl Starter {
    fn source(self) -> &'static str {
        match self {
            Starter::Basic => include_str!("starters/basic.golive"),
            Starter::Canary => include_str!("starters/canary.golive"),
            Starter::BlueGreen => include_str!("starters/blue-green.golive"),
        }
    }
}

pub(super) fn run(args: &InitArgs) -> i32 {
    let path = Path::new(&args.file);
    match output::create_atomically(path, args.template.source().as_bytes()) {
        Ok(()) => {
            eprintln!(
                "wrote {}: check it with `golivec lint {}`, see its checklist with `golivec build {} --target markdown`",
                args.file, args.file, args.file
            );
            EXIT_OK
        }
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
            eprintln!("error: `{}` already exists; golivec init never overwrites a file", args.file);
            eprintln!("help: give another name: `golivec init other.golive`");
            EXIT_USAGE
        }
        Err(error) => {
            eprintln!("error: cannot write `{}`: {error}", args.file);
            EXIT_USAGE
        }
    }
}
