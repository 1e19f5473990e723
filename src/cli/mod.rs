//! The command line: clap definitions and dispatch. Each subcommand lives in its own file and
//! calls into the library; exit codes are decided here.
//!
//! Exit codes: 0 clean (warnings allowed), 1 the plan has errors, 2 usage or I/O problems.

mod build;
mod check;
mod explain;
mod fmt;
mod graph;
mod init;
mod input;
mod lsp;
mod output;
mod plan;
mod prometheus;
mod simulate;
mod stdlib;

pub use input::FileSystem;

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

// `defer`: a subcommand's arguments are built only when that subcommand is parsed (or help or
// completions need them all), not at every start: building all twelve took a tenth of the
// instructions of `golivec check` on an example (bench/README.md, "Start-up").
#[derive(Subcommand, Debug)]
#[command(defer = true)]
enum Command {
    /// Parse, type-check and analyse plans; report every problem found.
    Check(check::CheckArgs),
    /// Everything `check` reports, plus lints on commands and steps.
    Lint(check::CheckArgs),
    /// Print the dependency graph, with the critical path marked.
    Graph(graph::GraphArgs),
    /// Print the computed schedule: when each node starts and finishes, the critical path, and
    /// the worst-case time to detect a breach and roll back.
    Plan(plan::PlanArgs),
    /// Run the plan on a virtual clock: what it does, decision by decision, for a scenario, a
    /// backtest of recorded metrics, or every failure in turn (the what-if table).
    Simulate(simulate::SimulateArgs),
    /// Compile a plan into artifacts: a bash runbook, a GitHub Actions workflow, a Markdown
    /// checklist, JSON, or the graph (`--target shell|workflow|markdown|json|mermaid|dot`).
    Build(build::BuildArgs),
    /// Format plans in place in the one canonical layout, comments kept (`--check` for CI).
    Fmt(fmt::FmtArgs),
    /// Print the long explanation of a diagnostic code, such as E0201.
    Explain(explain::ExplainArgs),
    /// Write a starter plan that checks clean and builds to every target (never overwrites).
    Init(init::InitArgs),
    /// List the standard library's modules and templates, or print one module's documentation.
    Stdlib(stdlib::StdlibArgs),
    /// Run the language server on standard input and output, for editors.
    Lsp(lsp::LspArgs),
    /// Print a shell completion script: `golivec completions bash > /etc/bash_completion.d/golivec`.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
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
    /// A SARIF 2.1.0 log on standard output, for GitHub code scanning.
    Sarif,
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

/// What `--deny` can turn into errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Deny {
    /// Every warning.
    Warnings,
}

// Options shared by the commands that analyse a plan. (Not a doc comment: clap would take it as
// the `about` of every command that flattens these, in place of the command's own, since
// `defer` above applies the arguments after the command's doc comment.)
#[derive(clap::Args, Debug, Clone)]
pub struct AnalysisArgs {
    /// T0 as a date-time with a zone (2025-03-04T09:30:00+01:00 or 2025-03-04T09:30[Europe/Paris]);
    /// overrides the plan's `launch`.
    #[arg(long, value_name = "DATE-TIME")]
    t0: Option<String>,
    /// Do not report this warning (repeatable), such as W0901.
    #[arg(long, value_name = "CODE")]
    allow: Vec<String>,
    /// Turn warnings into errors.
    #[arg(long, value_enum)]
    deny: Option<Deny>,
    /// Use this variant of the plan (`variant NAME { ... }`) instead of the plan itself. Every
    /// variant is checked either way.
    #[arg(long, value_name = "NAME")]
    variant: Option<String>,
}

/// The analysis's view of the targets named with `--target`: whose limits to report.
fn targets(named: &[crate::emit::Target]) -> crate::analysis::Targets {
    use crate::emit::Target;
    crate::analysis::Targets {
        // The workflow runs the runbook: what the runbook cannot do, the workflow cannot either.
        runbook: named.iter().any(|target| matches!(target, Target::Shell | Target::Workflow)),
        workflow: named.contains(&Target::Workflow),
        alerts: named.iter().any(|target| matches!(target, Target::Alerts | Target::AlertsTest)),
    }
}

impl AnalysisArgs {
    /// The library options, or a usage error; `targets` are those named with `--target`.
    fn options(&self, lints: bool, targets: &[crate::emit::Target]) -> Result<crate::Options, String> {
        let t0 = match &self.t0 {
            Some(text) => Some(crate::syntax::parse_datetime(text).map_err(|error| format!("--t0: {error}"))?),
            None => None,
        };
        let mut allow = Vec::new();
        for text in &self.allow {
            let code: crate::diag::Code =
                text.parse().map_err(|()| format!("--allow: `{text}` is not a diagnostic code"))?;
            if code.severity() == crate::diag::Severity::Error {
                return Err(format!("--allow: {code} is an error; only warnings can be allowed"));
            }
            allow.push(code);
        }
        Ok(crate::Options {
            analysis: crate::analysis::Options { t0, lints, targets: self::targets(targets) },
            allow,
            deny_warnings: self.deny == Some(Deny::Warnings),
            // No command reads the tree after checking: free it before the analysis.
            discard_tree: true,
            variant: self.variant.clone(),
        })
    }
}

/// The command line's definition, for tools that document it (the man page in `xtask`).
pub fn command() -> clap::Command {
    use clap::CommandFactory;
    Cli::command()
}

/// Writes to standard output. A closed pipe (`golivec ... | head`) means the reader has what it
/// wanted: not an error, and never a panic as `print!` would make it.
pub(crate) fn write_stdout(text: impl AsRef<[u8]>) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_ref()).and_then(|()| stdout.flush());
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
        Command::Check(args) => check::run(&args, false),
        Command::Lint(args) => check::run(&args, true),
        Command::Graph(args) => graph::run(&args),
        Command::Plan(args) => plan::run(&args),
        Command::Build(args) => build::run(&args),
        Command::Simulate(args) => simulate::run(&args),
        Command::Fmt(args) => fmt::run(&args),
        Command::Explain(args) => explain::run(&args),
        Command::Init(args) => init::run(&args),
        Command::Stdlib(args) => stdlib::run(&args),
        Command::Lsp(args) => lsp::run(&args),
        Command::Completions { shell } => {
            use clap::CommandFactory;
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "golivec", &mut script);
            write_stdout(script);
            EXIT_OK
        }
    }
}
