//! `golivec fmt`: formatting is idempotent and does not change what a plan means (the JSON view
//! of a sound plan, the diagnostic codes of a plan with errors, the comments), on every example,
//! fixture and documentation block and on perturbed synthetic plans; snapshots of messy inputs;
//! the command line's exit codes, diffs, standard input and in-place writes.

use crate::support::{files, golivec, root, stderr, stdout, Rng};
use golivec::source::FileId;
use std::path::{Path, PathBuf};

#[path = "../../bench/synth.rs"]
#[allow(dead_code, unreachable_pub)]
pub(crate) mod synth;

/// The formatted text, or `None` when `text` has syntax errors.
fn format(text: &str) -> Option<String> {
    let (ast, diagnostics) = golivec::syntax::parse(FileId::default(), text);
    if diagnostics.iter().any(golivec::diag::Diagnostic::is_error) {
        return None;
    }
    Some(golivec::format::format(&ast, text))
}

/// What a plan means: its JSON view when it is sound, else its diagnostics (code and message),
/// and its comments either way.
fn meaning(text: &str) -> (String, Vec<String>) {
    let (_, checked) = golivec::check_source("plan.golive", text);
    let comments = checked.ast.comments.iter().map(|comment| comment.text.clone()).collect();
    let summary = match (&checked.model, &checked.analysis) {
        (Some(model), Some(analysis)) if !checked.has_errors() => {
            golivec::emit::render(golivec::emit::Target::Json, model, analysis).expect("the JSON view renders").text
        }
        _ => checked
            .diagnostics
            .iter()
            .map(|diagnostic| format!("{} {}\n", diagnostic.code.as_str(), diagnostic.message))
            .collect(),
    };
    (summary, comments)
}

/// Where each comment is: its text, the token before it (`;` and line breaks aside), the
/// token after it, and whether code precedes it on its line. A comment that moved elsewhere
/// changes its neighbours.
fn comment_places(text: &str) -> Vec<(String, String, String, bool)> {
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    let token = |mut chars: Box<dyn Iterator<Item = char> + '_>| -> String {
        match chars.next() {
            Some(first) if is_word(first) => std::iter::once(first).chain(chars.take_while(|&c| is_word(c))).collect(),
            Some(first) => first.to_string(),
            None => String::new(),
        }
    };
    let (ast, _) = golivec::syntax::parse(FileId::default(), text);
    ast.comments
        .iter()
        .map(|comment| {
            let before = text[..comment.span.start as usize]
                .trim_end_matches(|c: char| c.is_whitespace() || c == ';' || c == '\u{feff}');
            let after = text[comment.span.end as usize..].trim_start();
            let previous: String = token(Box::new(before.chars().rev())).chars().rev().collect();
            let line_start = text[..comment.span.start as usize].rfind('\n').map_or(0, |at| at + 1);
            let trailing =
                !text[line_start..comment.span.start as usize].trim_start_matches('\u{feff}').trim().is_empty();
            (comment.text.clone(), previous, token(Box::new(after.chars())), trailing)
        })
        .collect()
}

/// Formats `text` (which must parse) and checks idempotence and meaning; returns the result.
fn assert_formats_faithfully(name: &str, text: &str) -> String {
    let formatted = format(text).unwrap_or_else(|| panic!("{name}: has syntax errors"));
    let again =
        format(&formatted).unwrap_or_else(|| panic!("{name}: the formatted text has syntax errors:\n{formatted}"));
    assert_eq!(again, formatted, "{name}: formatting twice changes the text");
    let (before, comments_before) = meaning(text);
    let (after, comments_after) = meaning(&formatted);
    assert_eq!(after, before, "{name}: formatting changes the meaning; formatted:\n{formatted}");
    assert_eq!(comments_after, comments_before, "{name}: formatting changes the comments");
    assert_eq!(comment_places(&formatted), comment_places(text), "{name}: formatting moves comments:\n{formatted}");
    formatted
}

fn golive_files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = files(dir, "golive");
    let mut subdirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", dir.display()))
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.is_dir())
        .collect();
    subdirs.sort();
    for subdir in subdirs {
        found.extend(golive_files_under(&subdir));
    }
    found
}

#[test]
fn examples_format_faithfully() {
    let examples = files(&root().join("examples"), "golive");
    assert!(examples.len() >= 3);
    for path in examples {
        let text = std::fs::read_to_string(&path).expect("example is UTF-8");
        assert_formats_faithfully(&path.display().to_string(), &text);
    }
}

#[test]
fn fixtures_format_faithfully() {
    let mut formatted = 0;
    for path in golive_files_under(&root().join("tests/fixtures")) {
        let text = std::fs::read_to_string(&path).expect("fixture is UTF-8");
        if format(&text).is_some() {
            assert_formats_faithfully(&path.display().to_string(), &text);
            formatted += 1;
        }
    }
    assert!(formatted >= 100, "only {formatted} fixtures were formatted");
}

#[test]
fn documentation_blocks_format_faithfully() {
    let mut documents = vec![root().join("README.md"), root().join("docs/language.md")];
    documents.extend(files(&root().join("docs/codes"), "md"));
    let mut blocks = 0;
    for document in documents {
        let markdown = std::fs::read_to_string(&document).expect("docs are UTF-8");
        let mut lines = markdown.lines().enumerate();
        while let Some((number, line)) = lines.next() {
            if !line.trim_start().starts_with("```golive") {
                continue;
            }
            let body: String = lines
                .by_ref()
                .map(|(_, line)| line)
                .take_while(|line| !line.trim_start().starts_with("```"))
                .map(|line| format!("{line}\n"))
                .collect();
            if format(&body).is_some() {
                assert_formats_faithfully(&format!("{}:{}", document.display(), number + 1), &body);
                blocks += 1;
            }
        }
    }
    assert!(blocks >= 50, "only {blocks} documentation blocks were formatted");
}

// ---------------------------------------------------------------- perturbed synthetic plans

/// Whether a line may be followed by `;` instead of its line break: it ends a statement (not a
/// list, a condition or a comment) and is not inside a triple-quoted string.
fn ends_statement(line: &str) -> bool {
    let trimmed = line.trim_end();
    !(trimmed.is_empty()
        || line.contains('#')
        || line.contains("\"\"\"")
        || trimmed.ends_with(',')
        || trimmed.ends_with('(')
        || trimmed.ends_with(" and")
        || trimmed.ends_with(" or"))
}

/// Widens some spaces outside strings and comments (to several spaces or a tab), and breaks
/// some lines where the grammar allows it: after `,` in lists and after `and` and `or`.
fn relay_spaces(text: &str, rng: &mut Rng) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    let (mut in_string, mut escaped, mut in_comment) = (false, false, false);
    for character in text.chars() {
        match character {
            '\n' => in_comment = false,
            '#' if !in_string => in_comment = true,
            '"' if !in_comment && !escaped => in_string = !in_string,
            ' ' if !in_string && !in_comment => {
                let breakable = out.ends_with(',') || out.ends_with(" and") || out.ends_with(" or");
                let space = if breakable && rng.below(2) == 0 {
                    "\n        "
                } else {
                    ["  ", "\t", "   ", " "].get(rng.below(4)).copied().unwrap_or(" ")
                };
                out.push_str(space);
                continue;
            }
            _ => {}
        }
        escaped = in_string && character == '\\' && !escaped;
        out.push(character);
    }
    out
}

/// Joins some statements with `;`: the layout changes, the formatted text must not.
fn join_statements(text: &str, rng: &mut Rng) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = String::new();
    for (index, line) in lines.iter().enumerate() {
        out.push_str(line);
        let next_is_code = lines.get(index + 1).is_some_and(|next| ends_statement(next) || next.trim() == "}");
        out.push_str(if ends_statement(line) && next_is_code && rng.below(3) == 0 { "; " } else { "\n" });
    }
    out
}

/// Adds blank lines and own-line comments between statements: kept, at their place.
fn add_blank_lines_and_comments(text: &str, rng: &mut Rng) -> String {
    let mut out = String::new();
    let mut previous_ends_statement = true;
    for (index, line) in text.lines().enumerate() {
        if previous_ends_statement {
            match rng.below(8) {
                0 => out.push('\n'),
                1 => out.push_str(&format!("# note {index}\n")),
                2 => out.push_str(&format!("\n\n  # note {index}, after blank lines\n")),
                _ => {}
            }
        }
        out.push_str(line);
        if ends_statement(line) && rng.below(10) == 0 {
            out.push_str(&format!(" # trailing {index}"));
        }
        out.push('\n');
        previous_ends_statement = ends_statement(line) || line.contains('#') || line.trim().is_empty();
    }
    out
}

#[test]
fn perturbed_synthetic_plans_format_faithfully() {
    let mut rng = Rng(0x5EED_F0F7);
    for case in 0..12 {
        let nodes = 5 + rng.below(60);
        let plan = synth::plan(nodes, case);
        let canonical = assert_formats_faithfully(&format!("synthetic plan {case}"), &plan);
        // Spaces, line breaks inside statements and `;` are layout only: the formatted text is
        // the same.
        let relaid = join_statements(&relay_spaces(&plan, &mut rng), &mut rng);
        let formatted = assert_formats_faithfully(&format!("synthetic plan {case}, relaid"), &relaid);
        assert_eq!(formatted, canonical, "case {case}: relaying out changes the formatted text; input:\n{relaid}");
        // Blank lines and comments are kept: the text differs, the meaning does not.
        let annotated = add_blank_lines_and_comments(&relaid, &mut rng);
        assert_formats_faithfully(&format!("synthetic plan {case}, annotated"), &annotated);
    }
}

// ---------------------------------------------------------------- snapshots of messy inputs

#[test]
fn messy_inputs_snapshots() {
    let inputs = files(&root().join("tests/fixtures/fmt"), "golive");
    assert!(!inputs.is_empty(), "no inputs in tests/fixtures/fmt");
    for path in inputs {
        let text = std::fs::read_to_string(&path).expect("input is UTF-8");
        let formatted = assert_formats_faithfully(&path.display().to_string(), &text);
        let name = path.file_stem().expect("stem").to_string_lossy().into_owned();
        insta::assert_snapshot!(format!("fmt_{name}"), formatted);
    }
}

// ---------------------------------------------------------------- the command line

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("golivec-fmt-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temporary directory");
    dir
}

const UNFORMATTED: &str = "plan p {title \"P\" ; owner lead}\nrole   lead\n";
const FORMATTED: &str = "plan p {\n  title \"P\"\n  owner lead\n}\nrole lead\n";

#[test]
fn examples_stdlib_and_starters_are_formatted() {
    let mut args = vec!["fmt".to_string(), "--check".to_string()];
    for dir in ["examples", "stdlib", "src/cli/starters"] {
        args.extend(files(&root().join(dir), "golive").iter().map(|path| path.display().to_string()));
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = golivec(&args, None);
    assert_eq!(
        output.status.code(),
        Some(0),
        "run `golivec fmt examples/*.golive stdlib/*.golive src/cli/starters/*.golive`:\n{}",
        stdout(&output)
    );
    assert!(stdout(&output).is_empty());
}

#[test]
fn stdlib_modules_and_starters_format_faithfully() {
    let mut count = 0;
    for dir in ["stdlib", "src/cli/starters"] {
        for path in files(&root().join(dir), "golive") {
            let text = std::fs::read_to_string(&path).expect("UTF-8");
            assert_formats_faithfully(&path.display().to_string(), &text);
            count += 1;
        }
    }
    assert!(count >= 12, "only {count} modules and starters");
}

#[test]
fn check_reports_a_diff_and_writes_nothing() {
    let dir = scratch("check");
    let path = dir.join("plan.golive");
    std::fs::write(&path, UNFORMATTED).expect("write");
    let name = path.display().to_string();
    let output = golivec(&["fmt", "--check", &name], None);
    assert_eq!(output.status.code(), Some(1));
    let diff = stdout(&output);
    assert!(diff.contains(&format!("--- {name}")), "{diff}");
    assert!(diff.contains(&format!("+++ {name} (formatted)")), "{diff}");
    assert!(diff.contains("-plan p {title \"P\" ; owner lead}") && diff.contains("+  owner lead"), "{diff}");
    assert!(stderr(&output).contains("not formatted"));
    assert_eq!(std::fs::read_to_string(&path).expect("read"), UNFORMATTED, "--check wrote the file");
    std::fs::write(&path, FORMATTED).expect("write");
    let output = golivec(&["fmt", "--check", &name], None);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert!(stdout(&output).is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn formats_in_place_and_leaves_formatted_files_alone() {
    let dir = scratch("in-place");
    let messy = dir.join("messy.golive");
    let tidy = dir.join("tidy.golive");
    std::fs::write(&messy, UNFORMATTED).expect("write");
    std::fs::write(&tidy, FORMATTED).expect("write");
    // An old modification time: a rewrite, even within the same second, would change it.
    let old = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000_000);
    for path in [&messy, &tidy] {
        std::fs::File::options().write(true).open(path).and_then(|file| file.set_modified(old)).expect("set mtime");
    }
    let output = golivec(&["fmt", &messy.display().to_string(), &tidy.display().to_string()], None);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stdout(&output).is_empty());
    assert_eq!(std::fs::read_to_string(&messy).expect("read"), FORMATTED);
    assert_eq!(std::fs::read_to_string(&tidy).expect("read"), FORMATTED);
    let modified = |path: &Path| std::fs::metadata(path).and_then(|metadata| metadata.modified()).expect("mtime");
    assert_ne!(modified(&messy), old, "the changed file was not rewritten");
    assert_eq!(modified(&tidy), old, "a formatted file was rewritten");
    let leftovers: Vec<_> =
        std::fs::read_dir(&dir).expect("dir").filter_map(Result::ok).map(|entry| entry.file_name()).collect();
    assert_eq!(leftovers.len(), 2, "temporary files left behind: {leftovers:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn standard_input_is_formatted_to_standard_output() {
    let output = golivec(&["fmt", "-"], Some(UNFORMATTED.as_bytes()));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output), FORMATTED);
    let output = golivec(&["fmt", "--check", "-"], Some(UNFORMATTED.as_bytes()));
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).contains("--- <stdin>"), "{}", stdout(&output));
    let output = golivec(&["fmt", "--check", "-"], Some(FORMATTED.as_bytes()));
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn syntax_errors_are_reported_not_formatted() {
    let dir = scratch("syntax");
    let path = dir.join("broken.golive");
    let broken = "plan p {\n  titel \"P\"\n}\n";
    std::fs::write(&path, broken).expect("write");
    let output = golivec(&["fmt", "--color", "never", &path.display().to_string()], None);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("E0100"), "{}", stderr(&output));
    assert_eq!(std::fs::read_to_string(&path).expect("read"), broken);
    let output = golivec(&["fmt", "-"], Some(broken.as_bytes()));
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).is_empty(), "a broken plan is not printed");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_missing_file_is_a_usage_error() {
    let output = golivec(&["fmt", "does-not-exist.golive"], None);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("does not exist"));
}

#[test]
fn long_inputs_do_not_overflow_the_stack() {
    let plan = "plan p {}\nmetric up : bool { probe sh \"true\" }\n";
    let inputs = [
        format!("{plan}watch w every 1m for 1h {{ up{} }}\n", " or up".repeat(100_000)),
        format!("{plan}watch w every 1m for 1h {{ up{} }}\n", " and # why\n up".repeat(50_000)),
        format!("{plan}phase p{} {{ wait 1m }}\n", " at T0".repeat(100_000)),
        format!("{plan}phase p {{ run sh \"x\"{} }}\n", " timeout 1m".repeat(100_000)),
        format!("{plan}{}", "role r\n# a comment\n\n".repeat(50_000)),
    ];
    for input in inputs {
        let output = golivec(&["fmt", "-"], Some(input.as_bytes()));
        let start = &input[..input.len().min(120)];
        assert_eq!(output.status.code(), Some(0), "{start}...: {}", stderr(&output));
        assert!(output.stdout.len() > input.len() / 2, "{start}...: the output is cut");
    }
}
