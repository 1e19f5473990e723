//! The documentation compiles: every ```golive block in the docs checks without error, and a
//! block tagged ```golive expect=E0201 reports that code. In `docs/codes/<CODE>.md`, the plain
//! blocks (the fixes) must not report `<CODE>` either. A `target=workflow` word in the info
//! string checks the block as `golivec lint --target workflow` does.

use crate::support::{render_for, root, targets};

/// The fenced `golive` blocks of a Markdown text: line number, info string, body.
pub(crate) fn blocks(markdown: &str) -> Vec<(usize, String, String)> {
    let mut found = Vec::new();
    let mut lines = markdown.lines().enumerate();
    while let Some((number, line)) = lines.next() {
        let Some(info) = line.trim_start().strip_prefix("```golive") else { continue };
        let mut body = String::new();
        for (_, line) in lines.by_ref() {
            if line.trim_start().starts_with("```") {
                break;
            }
            body.push_str(line);
            body.push('\n');
        }
        found.push((number + 1, info.trim().to_string(), body));
    }
    found
}

fn check_markdown(relative: &str) -> usize {
    check_markdown_without(relative, None)
}

fn check_markdown_without(relative: &str, forbidden: Option<&str>) -> usize {
    let text = std::fs::read_to_string(root().join(relative)).unwrap_or_else(|error| panic!("{relative}: {error}"));
    let mut count = 0;
    for (line, info, body) in blocks(&text) {
        count += 1;
        let words: Vec<&str> = info.split_whitespace().collect();
        let word = |key: &str| words.iter().find_map(|word| word.strip_prefix(key));
        let targets = word("target=").map(targets).unwrap_or_default();
        let (checked, rendered) = render_for(&root(), &format!("{relative}:{line}"), &body, targets);
        match word("expect=") {
            Some(code) => assert!(
                checked.diagnostics.iter().any(|diagnostic| diagnostic.code.as_str() == code),
                "{relative}:{line}: the block should report {code}, got:\n{rendered}"
            ),
            None => {
                assert!(!checked.has_errors(), "{relative}:{line}: the block has errors:\n{rendered}");
                if let Some(code) = forbidden {
                    assert!(
                        !checked.diagnostics.iter().any(|diagnostic| diagnostic.code.as_str() == code),
                        "{relative}:{line}: the fixed example still reports {code}:\n{rendered}"
                    );
                }
            }
        }
    }
    count
}

#[test]
fn language_reference_blocks_compile() {
    assert!(check_markdown("docs/language.md") >= 20, "the language reference shows every construct");
}

#[test]
fn readme_blocks_compile() {
    check_markdown("README.md");
}

#[test]
fn code_explanations_blocks_compile() {
    for code in golivec::diag::Code::ALL {
        check_markdown_without(&format!("docs/codes/{code}.md"), Some(code.as_str()));
    }
}
