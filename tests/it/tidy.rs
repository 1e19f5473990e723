//! Ties diagnostic codes, their explanations and their fixtures together.

use crate::support::{files, root};
use golivec::diag::Code;

#[test]
fn every_code_has_an_explanation_that_is_its_own() {
    for code in Code::ALL {
        let explanation = code.explanation();
        let first_line = explanation.lines().next().unwrap_or_default();
        assert!(
            first_line.starts_with(&format!("# {code}:")),
            "docs/codes/{code}.md must start with `# {code}: <title>`, found `{first_line}`"
        );
        assert!(explanation.contains("```golive"), "docs/codes/{code}.md has no `golive` example");
        for other in Code::ALL.iter().filter(|other| *other != code) {
            assert!(
                !explanation.contains(&format!("# {other}:")),
                "docs/codes/{code}.md contains the heading of {other}"
            );
        }
    }
}

#[test]
fn every_explanation_file_is_a_known_code() {
    for path in files(&root().join("docs/codes"), "md") {
        let stem = path.file_stem().expect("stem").to_string_lossy().into_owned();
        assert!(stem.parse::<Code>().is_ok(), "docs/codes/{stem}.md is not a known code");
    }
}

#[test]
fn every_code_has_a_fixture_and_every_fixture_a_code() {
    let fixtures: Vec<String> = files(&root().join("tests/fixtures/errors"), "golive")
        .iter()
        .map(|path| path.file_stem().expect("stem").to_string_lossy().into_owned())
        .collect();
    for code in Code::ALL {
        assert!(
            fixtures.iter().any(|name| name.starts_with(&format!("{code}-"))),
            "no fixture tests/fixtures/errors/{code}-*.golive"
        );
    }
    for name in &fixtures {
        let code = name.split('-').next().unwrap_or_default();
        assert!(code.parse::<Code>().is_ok(), "fixture {name} does not start with a known code");
    }
}

#[test]
fn codes_are_unique_and_sorted() {
    // Sorted by number; the letter says the severity (E error, W warning).
    let names: Vec<&str> = Code::ALL.iter().map(|code| code.as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort_unstable_by_key(|name| name[1..].to_string());
    sorted.dedup_by_key(|name| name[1..].to_string());
    assert_eq!(names, sorted);
    for code in Code::ALL {
        let letter = if code.severity() == golivec::diag::Severity::Error { 'E' } else { 'W' };
        assert!(code.as_str().starts_with(letter), "{code} has the wrong letter for its severity");
    }
}

#[test]
fn no_shortcuts_in_the_sources() {
    let mut offenders = Vec::new();
    let mut stack = vec![root().join("src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("src is readable") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                let text = std::fs::read_to_string(&path).expect("UTF-8 source");
                // Spelled in pieces so that this file does not match itself.
                for needle in [
                    concat!("dbg", "!("),
                    concat!("todo", "!("),
                    concat!("unimplemented", "!("),
                    concat!(".unwrap", "()"),
                ] {
                    if text.contains(needle) {
                        offenders.push(format!("{}: {needle}", path.display()));
                    }
                }
            }
        }
    }
    assert!(offenders.is_empty(), "shortcuts in src/:\n{}", offenders.join("\n"));
}
