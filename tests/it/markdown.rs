//! `golivec build --target markdown` through the binary: the checklist of every example
//! (snapshotted, linted by the real `markdownlint-cli2` with zero findings, its rollback diagrams
//! parsed by the real `mermaid`), and a plan made of hostile strings, which must each show
//! literally where they were put (checked in the Markdown and in the HTML that `markdown-it`
//! renders from it).

use crate::support::{files, golivec, require_tool, root, stderr, stdout};
use std::path::{Path, PathBuf};
use std::process::Command;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("golivec-markdown-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn snapshot(name: &str, text: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(root().join("tests/it/snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| insta::assert_snapshot!(name, text));
}

fn checklist(plan: &Path) -> String {
    let output = golivec(&["build", &plan.to_string_lossy(), "--target", "markdown"], None);
    assert_eq!(output.status.code(), Some(0), "{}: {}", plan.display(), stderr(&output));
    stdout(&output)
}

/// Lints `files` with the repository's markdownlint settings; panics with the findings.
fn markdownlint(files: &[PathBuf]) {
    let linter = require_tool("markdownlint-cli2");
    let config = root().join(".markdownlint-cli2.jsonc");
    // `:` makes each argument a literal path rather than a glob.
    let paths: Vec<String> = files.iter().map(|file| format!(":{}", file.display())).collect();
    let output = Command::new(linter)
        .arg("--config")
        .arg(&config)
        .args(&paths)
        .current_dir(root())
        .output()
        .expect("markdownlint-cli2 runs");
    assert!(
        output.status.success(),
        "markdownlint-cli2 found problems:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Parses every ```` ```mermaid ```` block of `files` with the `mermaid` package.
fn mermaid_parse(files: &[PathBuf]) {
    let node = require_tool("node");
    let parsed =
        Command::new(node).arg(root().join("scripts/mermaid-parse.mjs")).args(files).output().expect("node runs");
    assert!(parsed.status.success(), "{}", String::from_utf8_lossy(&parsed.stderr));
}

/// The HTML that a CommonMark renderer (with raw HTML and bare links enabled) makes of `file`.
fn html_of(file: &Path) -> String {
    let renderer = require_tool("markdown-it");
    let output = Command::new(renderer).arg("--linkify").arg(file).output().expect("markdown-it runs");
    assert!(output.status.success(), "markdown-it: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[test]
fn the_checklist_of_every_example_is_snapshotted_and_lints_clean() {
    let dir = temp_dir("examples");
    let mut written = Vec::new();
    for example in files(&root().join("examples"), "golive") {
        let stem = example.file_stem().expect("stem").to_string_lossy().into_owned();
        let text = checklist(&example);
        snapshot(&format!("markdown-{stem}"), &text);
        let path = dir.join(format!("{stem}.md"));
        std::fs::write(&path, &text).expect("write the checklist");
        written.push(path);
    }
    assert!(written.len() >= 4, "every example has a checklist");
    markdownlint(&written);
    mermaid_parse(&written);
}

#[test]
fn the_checklist_is_deterministic_and_named_after_the_plan() {
    let first = checklist(&root().join("examples/aidrive-staged-rollout.golive"));
    let second = checklist(&root().join("examples/aidrive-staged-rollout.golive"));
    assert_eq!(first, second, "the checklist differs between runs");
    let dir = temp_dir("named");
    let output =
        golivec(&["build", "examples/tour.golive", "--target", "json,markdown", "-o", &dir.to_string_lossy()], None);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(dir.join("tour.md").is_file(), "tour.md was not written");
}

/// A sound plan whose strings try every way out of their place.
const HOSTILE: &str = r##"plan hostile {
  title       "Pipes | comments <!-- x --> fences ``` *bold* $(rm -rf /) ${{ secrets.X }}\nsecond line: Déploiement 🚀"
  description "# not a heading\n- not a list\n<!-- hidden --> [link](https://example.com)"
  owner       ops
  launch      2024-02-06T09:30:00+01:00[Europe/Paris]
}

role ops "Ops | *team*" { contact "ops@example.com <!-- x -->" }

env production { approval ops }

phase deploy at T0 on production {
  wait 10m
  group "``` group | <!-- y" {
    run "Run *this* | now" sh "echo '```' && rm -rf \"$(rm -rf /)\" ${{ secrets.X }}\n````\necho done"
  }
  notify ops "Message | pipe <!-- z --> ``` *bold*\n- a list?"
  check "1. ${{ secrets.X }}"
  on fail rollback undo
}

rollback undo {
  level all when declared "say \"hi\" | <!-- x --> `tick`" or nodata {
    run "Undo | `it`" sh "./undo.sh"
  }
}

alert loud "Alert `tick` | pipe" severity critical when declared "x" { page ops "Page *now* <!--" }
"##;

/// The plan's strings as the checklist must show them: each on one line, as written.
const SHOWN: &[&str] = &[
    "Pipes | comments <!-- x --> fences ``` *bold* $(rm -rf /) ${{ secrets.X }} second line: Déploiement 🚀",
    "# not a heading - not a list <!-- hidden --> [link](https://example.com)",
    "Ops | *team*",
    "ops@example.com <!-- x -->",
    "``` group | <!-- y",
    "Run *this* | now",
    "Message | pipe <!-- z --> ``` *bold* - a list?",
    "1. ${{ secrets.X }}",
    "Undo | `it`",
    "Alert `tick` | pipe",
    "Page *now* <!--",
];

const COMMAND: &str = "echo '```' && rm -rf \"$(rm -rf /)\" ${{ secrets.X }}\n````\necho done";

#[test]
fn hostile_strings_render_literally_and_lint_clean() {
    let dir = temp_dir("hostile");
    let plan = dir.join("hostile.golive");
    std::fs::write(&plan, HOSTILE).expect("write the plan");
    let text = checklist(&plan);
    let path = dir.join("hostile.md");
    std::fs::write(&path, &text).expect("write the checklist");
    markdownlint(std::slice::from_ref(&path));
    mermaid_parse(std::slice::from_ref(&path));

    // In the Markdown: escaped where they are text, exact where they are code.
    let title = r"# Pipes \| comments \<!-- x --\> fences \`\`\` \*bold\* \$(rm -rf /) \${{ secrets.X }} second line: Déploiement 🚀";
    assert!(text.starts_with(&format!("{title}\n")), "{text}");
    assert_eq!(text.lines().filter(|line| line.starts_with("# ")).count(), 1, "one H1 only:\n{text}");
    assert!(text.contains(r"- [ ] Notify `ops`: Message \| pipe \<!-- z --\> \`\`\` \*bold\* - a list?"), "{text}");
    assert!(text.contains(r"- [ ] 1\. \${{ secrets.X }}"), "{text}");
    assert!(text.contains("| ops (Ops \\| \\*team\\*) | | | |"), "{text}");
    let fenced: String = COMMAND.lines().map(|line| format!("    {line}\n")).collect();
    assert!(text.contains(&format!("    `````sh\n{fenced}    `````\n")), "{text}");
    assert!(text.contains(
        r#"tree -->|"declared #quot;say \#quot;hi\#quot; #124; #lt;!-- x --#gt; #96;tick#96;#quot; or nodata"|"#
    ));

    // In the HTML: every string shown as text, the command whole in its block, and nothing
    // turned into a comment, a tag or a link.
    let html = html_of(&path);
    for shown in SHOWN {
        assert!(html.contains(&html_escape(shown)), "`{shown}` is not shown literally:\n{html}");
    }
    assert!(html.contains(&format!("<code class=\"language-sh\">{}\n</code>", html_escape(COMMAND))), "{html}");
    assert!(!html.contains("<!--"), "a plan string became an HTML comment:\n{html}");
    assert!(!html.contains("<a "), "a plan string became a link:\n{html}");
    assert!(!html.contains("<em>") && !html.contains("<strong>Ops"), "a plan string became emphasis:\n{html}");
}
