//! The command line: clap definitions and dispatch. Each subcommand lives in its own file and
//! calls into the library; exit codes are decided here.
//!
//! Exit codes: 0 clean (warnings allowed), 1 the plan has errors, 2 usage or I/O problems.

mod check;
mod explain;
mod input;

use clap::{Parser, Subcommand, ValueEnum};

pub const EXIT_OK: i32 = 0;
pub const EXIT_ERRORS: i32 = 1;
pub const EXIT_USAGE: i32 = 2;

#[derive(Parser, Debug)]
#[command(name = "golivec", version, about = "Compile go-live plans (.golive) into runbooks, workflows and checklists")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Parse and type-check plans; report every problem found.
    Check(check::CheckArgs),
    /// Print the long explanation of a diagnostic code, such as E0201.
    Explain(explain::ExplainArgs),
}

/// How diagnostics are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Graphical reports for people, on standard error.
    Human,
    /// One JSON document on standard output, with 1-based lines and columns.
    Json,
    /// GitHub Actions workflow commands (`::error file=...`) on standard output.
    Github,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// Whether to color output written to standard error.
    fn enabled(self) -> bool {
        use std::io::IsTerminal;
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty()) && std::io::stderr().is_terminal()
            }
        }
    }
}

/// Runs the command line and returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let code = if error.use_stderr() { EXIT_USAGE } else { EXIT_OK };
            // Printing help or a usage error can only fail if the terminal is gone.
            let _ = error.print();
            return code;
        }
    };
    match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Explain(args) => explain::run(&args),
    }
}
