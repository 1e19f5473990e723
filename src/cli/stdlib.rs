//! `golivec stdlib [MODULE]`: the modules of the standard library and their templates.

use super::{EXIT_OK, EXIT_USAGE};
use crate::modules::stdlib;

#[derive(clap::Args, Debug)]
pub(super) struct StdlibArgs {
    /// A module (`canary` or `std.canary`): print its documentation page.
    module: Option<String>,
    /// Print the module's source instead of its documentation.
    #[arg(long, requires = "module")]
    source: bool,
}

pub(super) fn run(args: &StdlibArgs) -> i32 {
    let Some(wanted) = &args.module else {
        let mut out = String::from("The standard library: `use std.NAME`, then call `NAME.template(...)`.\n");
        for module in stdlib::MODULES {
            out.push_str(&format!("\nstd.{}: {}\n", module.name, module.summary()));
            for template in stdlib::templates(module) {
                out.push_str(&format!("  {}\n", template.signature(module.name)));
            }
        }
        out.push_str("\n`golivec stdlib NAME` prints a module's documentation; `--source` its source.\n");
        super::write_stdout(out);
        return EXIT_OK;
    };
    let name = wanted.strip_prefix("std.").unwrap_or(wanted);
    match stdlib::find(name) {
        Some(module) if args.source => super::write_stdout(module.source),
        Some(module) => super::write_stdout(stdlib::page(module)),
        None => {
            eprintln!("error: the standard library has no module `{wanted}`");
            if let Some(close) = crate::sema::closest(name, stdlib::MODULES.iter().map(|module| module.name)) {
                eprintln!("help: did you mean `{close}`?");
            }
            eprintln!("help: `golivec stdlib` lists the modules");
            return EXIT_USAGE;
        }
    }
    EXIT_OK
}
