//! `golivec explain CODE`

use super::{EXIT_OK, EXIT_USAGE};
use crate::diag::Code;

#[derive(clap::Args, Debug)]
pub(super) struct ExplainArgs {
    /// A diagnostic code such as E0201.
    code: String,
}

pub(super) fn run(args: &ExplainArgs) -> i32 {
    match args.code.parse::<Code>() {
        Ok(code) => {
            super::write_stdout(code.explanation());
            EXIT_OK
        }
        Err(()) => {
            let suggestion =
                crate::sema::closest(&args.code.to_ascii_uppercase(), Code::ALL.iter().map(|code| code.as_str()));
            eprintln!("error: `{}` is not a golivec diagnostic code", args.code);
            if let Some(suggestion) = suggestion {
                eprintln!("help: did you mean `{suggestion}`?");
            }
            eprintln!(
                "help: the codes are {}",
                Code::ALL.iter().map(|code| code.as_str()).collect::<Vec<_>>().join(", ")
            );
            EXIT_USAGE
        }
    }
}
