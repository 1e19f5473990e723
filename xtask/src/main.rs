//! Development tasks. `cargo run -p xtask -- man [DIR]` writes `golivec.1` and one page per
//! subcommand (`golivec-check.1`, ...) into DIR (default `target/man`).

use std::path::{Path, PathBuf};

fn main() {
    let mut args = std::env::args().skip(1);
    match args.next().as_deref() {
        Some("man") => {
            let directory = args.next().map_or_else(|| PathBuf::from("target/man"), PathBuf::from);
            match write_man_pages(&directory) {
                Ok(written) => {
                    for path in written {
                        println!("{}", path.display());
                    }
                }
                Err(error) => {
                    eprintln!("error: cannot write the man pages into {}: {error}", directory.display());
                    std::process::exit(1);
                }
            }
        }
        _ => {
            eprintln!("usage: cargo run -p xtask -- man [DIR]");
            std::process::exit(2);
        }
    }
}

/// The man page of `command` as roff, under `title`.
fn man_page(command: clap::Command, title: &str) -> std::io::Result<Vec<u8>> {
    let mut page = Vec::new();
    clap_mangen::Man::new(command).title(title.to_string()).render(&mut page)?;
    Ok(page)
}

fn write_man_pages(directory: &Path) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(directory)?;
    let command = golivec::cli::command();
    let mut written = Vec::new();
    let path = directory.join("golivec.1");
    std::fs::write(&path, man_page(command.clone(), "golivec")?)?;
    written.push(path);
    for subcommand in command.get_subcommands() {
        let name = format!("golivec-{}", subcommand.get_name());
        let path = directory.join(format!("{name}.1"));
        std::fs::write(&path, man_page(subcommand.clone(), &name)?)?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_man_pages_describe_every_command() {
        let directory = std::env::temp_dir().join(format!("golivec-man-{}", std::process::id()));
        let written = super::write_man_pages(&directory).expect("man pages are written");
        let main = std::fs::read_to_string(directory.join("golivec.1")).expect("golivec.1");
        assert!(main.contains(".TH golivec"), "{main}");
        for command in ["check", "lint", "build", "plan", "graph", "explain", "completions"] {
            assert!(main.contains(command), "golivec.1 does not mention `{command}`");
            let page =
                std::fs::read_to_string(directory.join(format!("golivec-{command}.1"))).expect("subcommand page");
            assert!(page.contains(".TH golivec-"), "{command}: {page}");
        }
        assert!(written.len() >= 8);
        let build = std::fs::read_to_string(directory.join("golivec-build.1")).expect("golivec-build.1");
        assert!(build.contains("\\-\\-target") || build.contains("--target"), "{build}");
        let _ = std::fs::remove_dir_all(&directory);
    }
}
