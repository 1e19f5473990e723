//! Editor highlighting (`editors/vscode`): the TextMate grammar knows every keyword of the
//! language, and its scope assertions (`editors/vscode/tests/*.golive`) hold under
//! `vscode-tmgrammar-test`, the engine VS Code uses.

use crate::support::{files, require_tool, root};
use std::process::Command;

/// The keywords of the language: the words of the `kw_*` rules of `grammar/golive.pest`.
fn grammar_keywords() -> Vec<String> {
    let grammar = std::fs::read_to_string(root().join("grammar/golive.pest")).expect("the grammar is readable");
    grammar
        .lines()
        .filter(|line| line.trim_start().starts_with("kw_"))
        .filter_map(|line| line.split('"').nth(1).map(str::to_string))
        .collect()
}

/// Every regular expression of a TextMate grammar (`match`, `begin`, `end`).
fn regexes(value: &serde_json::Value, found: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, value) in map {
                match (key.as_str(), value) {
                    ("match" | "begin" | "end", serde_json::Value::String(regex)) => found.push(regex.clone()),
                    _ => regexes(value, found),
                }
            }
        }
        serde_json::Value::Array(values) => values.iter().for_each(|value| regexes(value, found)),
        _ => {}
    }
}

fn tm_grammar() -> serde_json::Value {
    let path = root().join("editors/vscode/syntaxes/golive.tmLanguage.json");
    let text = std::fs::read_to_string(&path).expect("the TextMate grammar is readable");
    serde_json::from_str(&text).expect("the TextMate grammar is JSON")
}

#[test]
fn every_keyword_of_the_grammar_is_highlighted() {
    let keywords = grammar_keywords();
    assert!(keywords.len() >= 70, "found only {} kw_* rules in grammar/golive.pest", keywords.len());
    let mut found = Vec::new();
    regexes(&tm_grammar(), &mut found);
    let is_word_char = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mentions = |regex: &str, keyword: &str| {
        regex.match_indices(keyword).any(|(at, _)| {
            let before = regex[..at].chars().next_back();
            let after = regex[at + keyword.len()..].chars().next();
            // `\b` before a word ends in `b`: a backslash escape is a boundary, not a letter.
            let escaped = regex[..at].ends_with("\\b");
            (escaped || !before.is_some_and(is_word_char)) && !after.is_some_and(is_word_char)
        })
    };
    let missing: Vec<&String> =
        keywords.iter().filter(|keyword| !found.iter().any(|regex| mentions(regex, keyword))).collect();
    assert!(missing.is_empty(), "editors/vscode/syntaxes/golive.tmLanguage.json does not highlight: {missing:?}");
}

#[test]
fn the_extension_manifest_contributes_the_language_and_grammar() {
    let manifest = std::fs::read_to_string(root().join("editors/vscode/package.json")).expect("package.json");
    let manifest: serde_json::Value = serde_json::from_str(&manifest).expect("package.json is JSON");
    let contributes = &manifest["contributes"];
    assert_eq!(contributes["languages"][0]["extensions"][0], ".golive");
    assert_eq!(contributes["grammars"][0]["scopeName"], tm_grammar()["scopeName"]);
    for path in [&contributes["languages"][0]["configuration"], &contributes["grammars"][0]["path"]] {
        let path = path.as_str().expect("a path");
        assert!(root().join("editors/vscode").join(path).is_file(), "{path} does not exist");
    }
    let configuration =
        std::fs::read_to_string(root().join("editors/vscode/language-configuration.json")).expect("read");
    let configuration: serde_json::Value = serde_json::from_str(&configuration).expect("JSON");
    assert_eq!(configuration["comments"]["lineComment"], "#");
}

#[test]
fn scope_assertions_hold_under_vscode_tmgrammar_test() {
    let tool = require_tool("vscode-tmgrammar-test");
    let cases = files(&root().join("editors/vscode/tests"), "golive");
    assert!(cases.len() >= 2, "no scope tests in editors/vscode/tests");
    let output = Command::new(tool)
        .current_dir(root())
        .args(["--compact", "-g", "editors/vscode/syntaxes/golive.tmLanguage.json", "editors/vscode/tests/*.golive"])
        .output()
        .expect("vscode-tmgrammar-test runs");
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{report}{}", String::from_utf8_lossy(&output.stderr));
    for case in cases {
        let name = case.strip_prefix(root()).unwrap_or(&case).display().to_string();
        assert!(report.contains(&name), "{name} was not run:\n{report}");
    }
}
