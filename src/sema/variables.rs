//! Which environment variables a shell command reads, and which it sets itself (E0211).
//!
//! A deliberately small reading of bash, not a parser. One pass over the bytes, so it is linear
//! in the command and never panics: every delimiter it looks for is ASCII, so the ranges it
//! returns fall on UTF-8 boundaries, and text is only taken with `get`.
//!
//! Read:
//! - `$NAME`, `${NAME}`, `${NAME...}` (`${NAME:-default}`, `${NAME#prefix}`, `${NAME[@]}`, ...),
//!   `${#NAME}` and `${!NAME}`; inside double quotes too. A default does not make a reference
//!   optional: whatever the command reads must come from somewhere.
//! - Not: anything in single quotes or in `$'...'`, a `\$`, a comment (`#` at the start of a
//!   word), the special parameters (`$1`, `$@`, `$#`, `$?`, `$$`, `$!`, `$-`, `$*`, `$0`), and
//!   names without `$` in arithmetic (`$((n + 1))`).
//!
//! Set by the command itself, anywhere in it (the order is not considered):
//! - a word `NAME=...` or `NAME+=...` (an assignment, also after `export`, `local`, `env`);
//! - the name after `for` or `select`;
//! - the plain names after `read`, `local`, `declare`, `typeset`, `readonly`, `export`,
//!   `mapfile` or `readarray` where a command starts (at the start, after `;`, `&`, `|`, `(`,
//!   `)`, a backquote or a line break, after `{`, `!`, `do`, `then`, `else`, `if`, `while`,
//!   `until`, or after assignments), up to the end of that simple command.
//!
//! Single-quoted text is never read, so `sh -c '... $X'` or an `awk '{ print $1 }'` program
//! counts for nothing; a here-document is read like the rest of the command.

use std::ops::Range;

/// What one command reads and sets.
#[derive(Debug, Default, PartialEq)]
pub struct Scan<'c> {
    /// Each reference, in order: the name and the byte range of the reference (`$NAME`, or
    /// `${NAME` up to the name's end, with the `}` when it follows at once).
    pub reads: Vec<(&'c str, Range<usize>)>,
    /// The names the command sets itself.
    pub sets: Vec<&'c str>,
}

impl Scan<'_> {
    /// Whether the command sets `name` itself.
    pub fn sets(&self, name: &str) -> bool {
        self.sets.contains(&name)
    }
}

/// Words after which plain names are variables being set, up to the end of the command.
const DECLARERS: &[&str] = &["read", "local", "declare", "typeset", "readonly", "export", "mapfile", "readarray"];

fn is_name_start(byte: u8) -> bool {
    byte.is_ascii_alphabetic() || byte == b'_'
}

fn is_name_char(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

/// Ends a simple command: what follows starts a new one.
fn ends_command(byte: u8) -> bool {
    matches!(byte, b'\n' | b';' | b'&' | b'|' | b'(' | b')' | b'`')
}

/// The end of the name that starts at `start` (`start` itself when there is none).
fn name_end(bytes: &[u8], start: usize) -> usize {
    match bytes.get(start) {
        Some(&byte) if is_name_start(byte) => {
            let mut end = start + 1;
            while bytes.get(end).is_some_and(|&byte| is_name_char(byte)) {
                end += 1;
            }
            end
        }
        _ => start,
    }
}

/// The position after the `'` that closes a quote opened before `from`; with `escapes` (in
/// `$'...'`), `\'` does not close it.
fn after_quote(bytes: &[u8], mut from: usize, escapes: bool) -> usize {
    while let Some(&byte) = bytes.get(from) {
        match byte {
            b'\\' if escapes => from += 2,
            b'\'' => return from + 1,
            _ => from += 1,
        }
    }
    bytes.len()
}

/// Reads `command`: the variables it reads and those it sets itself (see the module's rules).
pub fn scan(command: &str) -> Scan<'_> {
    let bytes = command.as_bytes();
    let mut scan = Scan::default();
    let mut index = 0;
    let mut in_double = false;
    // At the start of a word, outside double quotes.
    let mut word_start = true;
    // After a declarer (`read`, `local`, ...): plain names are set, up to the command's end.
    let mut declaring = false;
    // After `for` or `select`: the next word is set.
    let mut loop_variable = false;
    // The next word is a command's name.
    let mut command_word = true;
    while let Some(&byte) = bytes.get(index) {
        match byte {
            b'\\' => {
                index += 2;
                word_start = false;
                command_word = false;
            }
            b'\'' if !in_double => {
                index = after_quote(bytes, index + 1, false);
                word_start = false;
            }
            b'"' => {
                in_double = !in_double;
                index += 1;
                word_start = false;
            }
            b'$' => {
                index = reference(command, index, &mut scan);
                word_start = false;
                command_word = false;
            }
            b'#' if word_start && !in_double => {
                while bytes.get(index).is_some_and(|&byte| byte != b'\n') {
                    index += 1;
                }
            }
            b' ' | b'\t' | b'\r' if !in_double => {
                index += 1;
                word_start = true;
            }
            _ if !in_double && ends_command(byte) => {
                index += 1;
                word_start = true;
                declaring = false;
                loop_variable = false;
                command_word = true;
            }
            _ if word_start && !in_double && is_name_start(byte) => {
                let end = name_end(bytes, index);
                let name = command.get(index..end).unwrap_or_default();
                let next = bytes.get(end).copied();
                let plain = next.is_none_or(|byte| matches!(byte, b' ' | b'\t' | b'\r') || ends_command(byte));
                let was_command_word = command_word;
                command_word = false;
                if next == Some(b'=') || (next == Some(b'+') && bytes.get(end + 1) == Some(&b'=')) {
                    scan.sets.push(name);
                    // `A=1 read B`: the command's name comes after its assignments.
                    command_word = was_command_word;
                } else if plain && (declaring || loop_variable) {
                    scan.sets.push(name);
                    loop_variable = false;
                } else if plain && was_command_word {
                    if DECLARERS.contains(&name) {
                        declaring = true;
                    } else if matches!(name, "for" | "select") {
                        loop_variable = true;
                    } else if matches!(name, "do" | "then" | "else" | "elif" | "if" | "while" | "until" | "time") {
                        command_word = true;
                    }
                }
                index = end;
                word_start = false;
            }
            _ => {
                // `{` and `!` before a command leave the next word a command's name.
                if !(word_start && matches!(byte, b'{' | b'!')) {
                    command_word = false;
                }
                index += 1;
                word_start = false;
            }
        }
    }
    scan
}

/// The reference at `dollar` (a `$`), if it is one; returns where reading goes on.
fn reference<'c>(command: &'c str, dollar: usize, scan: &mut Scan<'c>) -> usize {
    let bytes = command.as_bytes();
    match bytes.get(dollar + 1) {
        Some(b'{') => {
            let mut start = dollar + 2;
            if matches!(bytes.get(start), Some(b'#' | b'!')) {
                start += 1;
            }
            let end = name_end(bytes, start);
            if end > start {
                let close = usize::from(bytes.get(end) == Some(&b'}'));
                scan.reads.push((command.get(start..end).unwrap_or_default(), dollar..end + close));
                end + close
            } else {
                // `${1}`, `${@}`, `${#}`: special; what follows may still read variables.
                dollar + 2
            }
        }
        // `$'...'`: ANSI-C quoting, with escapes, never a reference.
        Some(b'\'') => after_quote(bytes, dollar + 2, true),
        Some(&byte) if is_name_start(byte) => {
            let end = name_end(bytes, dollar + 1);
            scan.reads.push((command.get(dollar + 1..end).unwrap_or_default(), dollar..end));
            end
        }
        // `$(`, `$((`, `$1`, `$@`, a lone `$`: nothing read here; go on after the `$`.
        _ => dollar + 1,
    }
}

/// Environment variables every shell has, which no plan needs to declare: `BASH*` and these.
pub const STANDARD: &[&str] = &[
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "PWD",
    "OLDPWD",
    "TMPDIR",
    "LANG",
    "LC_ALL",
    "SHELL",
    "HOSTNAME",
    "RANDOM",
    "SECONDS",
    "LINENO",
    "IFS",
    "UID",
    "EUID",
    "PPID",
    "REPLY",
    "OPTARG",
    "OPTIND",
    "PIPESTATUS",
    "EPOCHSECONDS",
    "EPOCHREALTIME",
];

/// Whether the shell or the runbook gives `name` to a command without any declaration:
/// [`STANDARD`], `BASH*`, and the runbook's `GOLIVE_*` (`GOLIVE_WEIGHT` only to a `set`).
pub fn provided(name: &str, is_set: bool) -> bool {
    if name == "GOLIVE_WEIGHT" {
        return is_set;
    }
    name.starts_with("GOLIVE_") || name.starts_with("BASH") || STANDARD.contains(&name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reads(command: &str) -> Vec<&str> {
        scan(command).reads.into_iter().map(|(name, _)| name).collect()
    }

    #[test]
    fn finds_the_three_forms() {
        assert_eq!(reads("curl \"$URL/x\" ${TOKEN} ${REGION:-eu} ${#LIST[@]}"), ["URL", "TOKEN", "REGION", "LIST"]);
        let found = scan("a ${B}c $D");
        assert_eq!(found.reads, [("B", 2..6), ("D", 8..10)]);
    }

    #[test]
    fn ignores_quotes_escapes_comments_and_specials() {
        assert_eq!(
            reads("awk '{ print $1, $X }' \\$Y $1 $@ $# $? $$ $! $- $* ${1} $((2 + 3)) # $Z"),
            Vec::<&str>::new()
        );
        assert_eq!(reads("echo \"it's $A\" $'\\'$B' $C"), ["A", "C"]);
        assert_eq!(reads("echo a#$B"), ["B"]);
        assert_eq!(reads("echo $(cat \"$F\") `echo $G`"), ["F", "G"]);
        assert_eq!(reads("${1:-$DEFAULT}"), ["DEFAULT"]);
    }

    #[test]
    fn finds_what_the_command_sets() {
        let found = scan("X=1; export Y=2 Z; local W; for I in 1 2; do echo $I; done; read -r A B <f; N+=1 cmd");
        assert_eq!(found.sets, ["X", "Y", "Z", "W", "I", "A", "B", "N"]);
        assert_eq!(scan("echo read X").sets, Vec::<&str>::new());
        assert_eq!(scan("read X | grep Y").sets, ["X"]);
    }

    #[test]
    fn never_panics_and_keeps_utf8_boundaries() {
        for command in ["$", "${", "${#", "\\", "'", "$'", "\"$", "é$É${é}$é\\é'é", "x=$", "$\u{1F680}A", "${A"] {
            let found = scan(command);
            for (name, range) in found.reads {
                assert!(command.get(range.clone()).is_some(), "{command:?} {range:?}");
                assert!(name.bytes().all(is_name_char));
            }
        }
    }

    #[test]
    fn provided_names() {
        assert!(provided("PATH", false) && provided("BASH_REMATCH", false) && provided("GOLIVE_STEP", false));
        assert!(provided("GOLIVE_WEIGHT", true) && !provided("GOLIVE_WEIGHT", false));
        assert!(!provided("METRICS_URL", false));
    }
}
