//! The fast parser (`golivec::syntax::fast`) against pest (`golivec::syntax::parse_reference`),
//! the definition of the language. Two properties:
//! 1. agreement: when the fast path gives a tree, pest gives the same tree and no diagnostic;
//! 2. coverage: when pest reports nothing, the fast path gives a tree (it declines only files
//!    with a problem, or it would not be a fast path).
//!
//! Checked on every plan in the repository, on synthetic plans, and on mutations of small plans
//! (every prefix, every one-byte deletion and duplication), where coverage is checked only when
//! pest finds the mutant clean.

use crate::support::root;
use golivec::source::FileId;
use golivec::syntax;
use std::path::{Path, PathBuf};

use crate::fmt::synth;

/// Why the two parsers disagree on `text`, if they do.
fn disagreement(text: &str, require_coverage: bool) -> Option<String> {
    let file = FileId(0);
    let fast = syntax::fast::parse(file, text);
    let (reference, diagnostics) = syntax::parse_reference(file, text);
    match fast {
        Some(_) if !diagnostics.is_empty() => {
            Some(format!("the fast path gave a tree, pest reported: {:?}", diagnostics.first().map(|d| &d.message)))
        }
        Some(tree_fast) if tree_fast != reference => {
            let diff = similar::TextDiff::from_lines(&format!("{reference:#?}"), &format!("{tree_fast:#?}"))
                .unified_diff()
                .context_radius(6)
                .header("pest", "fast")
                .to_string();
            Some(format!("the trees differ:\n{}", diff.lines().take(120).collect::<Vec<_>>().join("\n")))
        }
        None if require_coverage && diagnostics.is_empty() => {
            Some("pest reports nothing, but the fast path declined".to_string())
        }
        _ => None,
    }
}

fn golive_files(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if entry.file_type().is_ok_and(|kind| kind.is_dir()) {
            if !matches!(name.to_str(), Some("target" | "corpus" | "artifacts" | "node_modules" | ".git" | ".tools")) {
                golive_files(&path, found);
            }
        } else if path.extension().is_some_and(|ext| ext == "golive") {
            found.push(path);
        }
    }
}

/// Every plan in the repository, and every ```golive block of the docs.
fn corpus() -> Vec<(String, String)> {
    let root = root();
    let mut paths = Vec::new();
    for dir in ["examples", "tests/fixtures", "stdlib", "src", "editors", "docs", "fuzz"] {
        golive_files(&root.join(dir), &mut paths);
    }
    paths.sort();
    let mut plans: Vec<(String, String)> = paths
        .iter()
        .filter_map(|path| {
            let text = std::fs::read_to_string(path).ok()?;
            Some((path.strip_prefix(&root).unwrap_or(path).display().to_string(), text))
        })
        .collect();
    let mut markdown = Vec::new();
    collect_markdown(&root.join("docs"), &mut markdown);
    for path in markdown {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        for (line, _, body) in crate::docs::blocks(&text) {
            plans.push((format!("{}:{line}", path.display()), body));
        }
    }
    plans
}

fn collect_markdown(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if entry.file_type().is_ok_and(|kind| kind.is_dir()) {
            collect_markdown(&path, found);
        } else if path.extension().is_some_and(|ext| ext == "md") {
            found.push(path);
        }
    }
    found.sort();
}

#[test]
fn agrees_with_pest_on_every_plan_in_the_repository() {
    let plans = corpus();
    assert!(plans.len() > 200, "the corpus should hold the repository's plans, found {}", plans.len());
    let failures: Vec<String> = plans
        .iter()
        .filter_map(|(name, text)| {
            {
                if std::env::var("FAST_TRACE").is_ok() {
                    eprintln!("{name}");
                }
                disagreement(text, true)
            }
            .map(|why| format!("{name}: {why}"))
        })
        .collect();
    assert!(failures.is_empty(), "{} of {} plans:\n{}", failures.len(), plans.len(), failures.join("\n\n"));
}

#[test]
fn covers_clean_plans_and_the_corpus_has_some() {
    // Coverage would hold trivially if no plan were clean.
    let clean = corpus().iter().filter(|(_, text)| syntax::fast::parse(FileId(0), text).is_some()).count();
    assert!(clean > 100, "only {clean} plans take the fast path");
}

#[test]
fn agrees_with_pest_on_synthetic_plans() {
    for (nodes, seed) in [(60, 1), (120, 7), (200, 42)] {
        let text = synth::plan(nodes, seed);
        if let Some(why) = disagreement(&text, true) {
            panic!("synthetic plan ({nodes} nodes, seed {seed}): {why}");
        }
    }
}

/// Every prefix, every one-byte deletion and every one-byte duplication of `text`.
fn mutants(text: &str) -> impl Iterator<Item = String> + '_ {
    let bytes = text.as_bytes();
    let prefixes = (0..bytes.len()).map(move |end| bytes[..end].to_vec());
    let deletions = (0..bytes.len()).map(move |at| [&bytes[..at], &bytes[at + 1..]].concat());
    let duplications = (0..bytes.len()).map(move |at| [&bytes[..=at], &bytes[at..]].concat());
    prefixes.chain(deletions).chain(duplications).filter_map(|mutant| String::from_utf8(mutant).ok())
}

/// Checks every mutant of the plan at `relative`.
fn mutation_sweep(relative: &str) {
    let text = std::fs::read_to_string(root().join(relative)).unwrap_or_else(|error| panic!("{relative}: {error}"));
    let mut failures = Vec::new();
    let mut count = 0;
    for mutant in mutants(&text) {
        count += 1;
        if let Some(why) = disagreement(&mutant, true) {
            failures.push(format!("mutant:\n{mutant}\n{why}"));
        }
    }
    assert!(count > text.len(), "only {count} mutants");
    assert!(
        failures.is_empty(),
        "{relative}: {} of {count} mutants:\n{}",
        failures.len(),
        failures[..failures.len().min(3)].join("\n\n")
    );
}

#[test]
fn agrees_on_mutants_of_a_minimal_plan() {
    mutation_sweep("tests/fixtures/ok/minimal.golive");
}

#[test]
fn agrees_on_mutants_of_templates() {
    mutation_sweep("tests/fixtures/ok/templates-in-one-file.golive");
}

#[test]
fn agrees_on_mutants_of_modules_and_templates() {
    mutation_sweep("tests/fixtures/fast/modules-and-templates.golive");
}

#[test]
fn agrees_on_mutants_of_declarations() {
    mutation_sweep("tests/fixtures/fast/declarations.golive");
}

#[test]
fn agrees_on_mutants_of_steps() {
    mutation_sweep("tests/fixtures/fast/steps.golive");
}

#[test]
fn agrees_on_mutants_of_conditions_and_nodes() {
    mutation_sweep("tests/fixtures/fast/conditions-and-nodes.golive");
}

#[test]
fn the_syntax_corner_fixtures_are_clean_and_take_the_fast_path() {
    // The mutation sweeps start from them: they must be clean for coverage to mean anything.
    for path in crate::support::files(&root().join("tests/fixtures/fast"), "golive") {
        let text = std::fs::read_to_string(&path).expect("fixture");
        let (_, diagnostics) = syntax::parse_reference(FileId(0), &text);
        let messages: Vec<String> = diagnostics
            .iter()
            .map(|diagnostic| format!("{}: {:?}", diagnostic.message, diagnostic.labels.first()))
            .collect();
        assert!(messages.is_empty(), "{}: {messages:#?}", path.display());
        assert!(syntax::fast::parse(FileId(0), &text).is_some(), "{}", path.display());
    }
}

/// Lines where the grammar's ordered choice, keyword boundaries or implicit whitespace decide
/// what is read, each inside a node (or as given when it starts with a declaration keyword).
const TRICKY: &[&str] = &[
    "run",
    "run(x = 1)",
    "run . x ( )",
    "expect http",
    "expect http \"u\" status 200 status 201 within 1s",
    "expect up for 5m timeout 1s",
    "expect not up",
    "on",
    "on fail",
    "on failure abort",
    "on fail pause 1m then abort",
    "on fail pause 1m then",
    "on breach rollback r # c",
    "nodata < 5",
    "nodata x for 1m",
    "declared",
    "declared \"x\" and up",
    "x not in 1..2",
    "x not  in 1 ..= 2",
    "x in -1..-0.5",
    "not not not up",
    "not",
    "(up)",
    "( up # c\n or down\n )",
    "(up\n)",
    "up and\n\n down or\n left",
    "up and # c\n down",
    "x < 5 of baseline",
    "x < 5% of baseline for 1m",
    "x <= T0",
    "x == true",
    "x != false_",
    "x > T0x",
    "x > T+5",
    "x > T-1h30m",
    "x > T-30m1h",
    "x > 1.5",
    "x > 1.",
    "x > 1_000_000",
    "x > 1__0",
    "x > 10/min",
    "x > 10/mx",
    "x > 10/ms",
    "x > 5%",
    "x > 5m5",
    "x > 5min",
    "x > 1e5",
    "x > 2025-01-01T00:00Z",
    "x > 2025-01-01T00:00",
    "x > 2025-02-30T00:00Z",
    "x > 2025-01-01T00:00:00.5+01:00[Europe/Paris]",
    "x > 2025-01-01T00:00[Mars/Base]",
    "x > 09:30",
    "x > 24:00",
    "x > 24:01",
    "x > 09:30:00",
    "x > 1000:5",
    "x > \"s\"",
    "wait 5m",
    "wait",
    "recheck # c",
    "recheck after 5m",
    "recheck after 5m # c",
    "recheck after",
    "recheck after x",
    "recheck after 5m resume when x < 1% otherwise escalate",
    "recheck resume when x otherwise stay # c",
    "recheck stay when nodata otherwise escalate",
    "recheck stay when nodata x otherwise",
    "recheck escalate when x > 1 or\n  y otherwise stay",
    "recheck resume when (x) otherwise resume;recheck",
    "recheck resumes when x",
    "recheck after 5m stay",
    "recheck when x resume",
    "recheck otherwise stay",
    "recheck resume when x for 5m otherwise escalate",
    "recheck stay when x otherwisee stay",
    "recheck stay when x otherwise stay otherwise stay",
    "recheck after 5m after 5m",
    "recheck resume when x after 5m",
    "continue;continue",
    "point_of_no_return;",
    "point_of_no_returns",
    "stage 10% at T0 hold 1m every 1m at T0",
    "stage",
    "every 1m",
    "tolerate 1 failure",
    "tolerate 2 failures # c",
    "tolerate 0 nodata;tolerate 1 nodata",
    "tolerate 1 failuresx",
    "tolerate 1 nodata x",
    "tolerate 1",
    "tolerate failures",
    "tolerate n failures",
    "tolerate failures failures",
    "tolerate -1.5 nodata",
    "tolerate 5q failures",
    "tolerate < 5",
    "tolerate",
    "tolerate(n = 1)",
    "tolerates 1 failure",
    "group \"g\" { tolerate 1 failure }",
    "group \"g\" { tolerate 1 failure x }",
    "group \"g\" { tolerate }",
    "set",
    "require",
    "approve 2 of a, b distinct",
    "approve \"t\" a",
    "approve a of b",
    "approve 2x of a",
    "check \"x\" by a,\n\n b",
    "check \"x\" by",
    "notify a \"m\"",
    "page a, b",
    "group \"g\" { }",
    "group \"g\" {\n}",
    "group \"g\" { run sh \"x\" }",
    "group \"g\" { up }",
    "run \"t\" { sh \"x\"; timeout 1s\n uses a }",
    "run { }",
    "run sh \"x\" sh \"y\"",
    "run sh \"a\\q\"",
    "run sh \"a\\u{41}\\n\"",
    "run sh \"a\\u{110000}\"",
    "run sh \"\"\"\n   a\n     b\n   \"\"\"",
    "run sh \"\"\"x\"\"\"\"",
    "run sh \"\"\"",
    "run sh \"unterminated",
    "run sh \"é ☃\"",
    "m.t()",
    "m.t(a = 1, b = \"x\", c = name,)",
    "t(\n a = 1\n ,\n b = 2\n)",
    "t(a = 1 b = 2)",
    "and",
    "x",
    "x # c",
    "x\u{FEFF}",
    "é",
    "x\r\ny",
    "x\ry",
    "x # c\ry",
    "x # c\r(y)",
];

const TRICKY_TOP: &[&str] = &[
    "",
    "\n\n",
    "# only a comment",
    "\u{FEFF}plan p {}",
    " \u{FEFF}plan p {}",
    "plan p {} plan q {}",
    "plan p {};plan q {}",
    "plan p {\n title \"t\"; owner o }",
    "plan p { launch 2025-01-01T00:00Z }",
    "plan p { launch 2025-01-01 }",
    "planx p {}",
    "Plan p {}",
    "use std.http",
    "use std . http as h # c",
    "use std",
    "use \"a/b c.golive\"",
    "use \"9.golive\" as",
    "use std.http as and",
    "role r",
    "role r \"t\" # c",
    "role r { contact \"c\" contact \"d\" }",
    "role r { }",
    "env e { approval a,\n b\n tier t }",
    "secret s \"d\"",
    "secret and",
    "metric m : t",
    "metric m: t \"x\" { unit u; baseline at T-1h for 30m }",
    "metric m: t { probe sh \"x\" }",
    "window w { days mon..fri, sun\n hours 09:00..17:00; zone \"UTC\" }",
    "window w { days monday }",
    "window w",
    "freeze f { from 2025-01-01T00:00Z until 2025-01-02T00:00Z }",
    "freeze f { from 2025-01-01T00:00Z until 2025-01-02T00:00 }",
    "rollback r { level l when up { run sh \"x\" } }",
    "rollback r { level l when up {} ; level m when nodata {} }",
    "alert a \"t\" severity high when up for 1m { page p }",
    "alert a when up",
    "template t() {}",
    "template t(a: b = 1, c: d) { run sh \"x\" }",
    "template t(,) {}",
    "phase p at T0 after a, b on e every 1m for 1h {}",
    "phase p after a,\n b {}",
    "phase p on {}",
    "phase p {}}",
    "phase p {",
    "gate g { up }\n# trailing",
    "gate g { up } # trailing",
    "watch w {\n\n  up # c\n\n  # c\n}\n",
];

#[test]
fn agrees_with_pest_on_tricky_snippets() {
    let mut failures = Vec::new();
    let snippets = TRICKY
        .iter()
        .map(|line| format!("phase p {{\n  {line}\n}}\n"))
        .chain(TRICKY_TOP.iter().map(|text| text.to_string()));
    for text in snippets {
        for variant in [text.clone(), text.replace('\n', "\r\n"), text.trim_end().to_string()] {
            if let Some(why) = disagreement(&variant, true) {
                failures.push(format!("{variant:?}: {why}"));
            }
        }
    }
    assert!(failures.is_empty(), "{} snippets:\n{}", failures.len(), failures.join("\n\n"));
}
