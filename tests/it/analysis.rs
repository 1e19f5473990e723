//! The analysis commands through the binary: `lint`, `graph`, `plan`, and the switches that
//! shape what is reported (`--allow`, `--deny warnings`, `--t0`, inline `allow` comments).

use crate::support::{golivec, stderr, stdout};

const TOUR: &str = "examples/tour.golive";
const CLEAN: &str = "tests/fixtures/ok/clean-launch.golive";

/// A plan with one lint finding (`curl` without `-f`) and nothing else.
const CURL: &str = r#"plan p { title "Curl"; launch 2025-03-04T09:30:00Z }
role ops "Ops"
phase deploy at T0 {
  run "Health" sh "curl https://example.com/health"
  on fail rollback incident
}
rollback incident {
  level critical when declared "broken" or nodata { page ops "rolled back" }
}
"#;

fn snapshot(name: &str, text: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(crate::support::root().join("tests/it/snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| insta::assert_snapshot!(name, text));
}

#[test]
fn plan_prints_the_schedule() {
    let output = golivec(&["plan", TOUR], None);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    snapshot("plan-tour", &stdout(&output));
}

#[test]
fn plan_as_json_is_the_schedule() {
    let output = golivec(&["plan", "--format", "json", CLEAN], None);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let schedule: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("JSON");
    assert_eq!(schedule["critical_path"], serde_json::json!([1, 2]));
    assert_eq!(schedule["nodes"][1]["latest_start_ms"], 0);
    assert_eq!(schedule["nodes"][1]["latest_finish_ms"], 15 * 60_000);
    assert_eq!(schedule["t0"], "2025-03-04T09:30:00+01:00[Europe/Paris]");
}

#[test]
fn t0_on_the_command_line_moves_the_schedule_and_is_checked_against_windows() {
    let moved = golivec(&["plan", "--t0", "2024-02-07T10:00:00[Europe/Paris]", TOUR], None);
    assert_eq!(moved.status.code(), Some(0), "{}", stderr(&moved));
    assert!(stdout(&moved).contains("2024-02-07 10:00 CET"), "{}", stdout(&moved));
    let saturday = golivec(&["check", "--color", "never", "--t0", "2024-02-10T10:00:00[Europe/Paris]", TOUR], None);
    assert_eq!(saturday.status.code(), Some(1));
    assert!(stderr(&saturday).contains("E0505"), "{}", stderr(&saturday));
    let christmas = golivec(&["check", "--color", "never", "--t0", "2024-12-24T10:00:00[Europe/Paris]", TOUR], None);
    assert!(stderr(&christmas).contains("E0506"), "{}", stderr(&christmas));
    let bad = golivec(&["check", "--t0", "tomorrow", TOUR], None);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("--t0"), "{}", stderr(&bad));
}

#[test]
fn graph_as_mermaid_and_dot() {
    let mermaid = golivec(&["graph", TOUR], None);
    assert_eq!(mermaid.status.code(), Some(0), "{}", stderr(&mermaid));
    snapshot("graph-tour-mermaid", &stdout(&mermaid));
    let dot = golivec(&["graph", "--format", "dot", TOUR], None);
    assert_eq!(dot.status.code(), Some(0), "{}", stderr(&dot));
    snapshot("graph-tour-dot", &stdout(&dot));
}

#[test]
fn graph_and_plan_refuse_a_plan_with_errors() {
    let broken = "tests/fixtures/errors/E0201-unknown-role.golive";
    for command in ["graph", "plan"] {
        let output = golivec(&[command, broken], None);
        assert_eq!(output.status.code(), Some(1), "{command}");
        assert_eq!(stdout(&output), "", "{command} printed output for a broken plan");
        assert!(stderr(&output).contains("E0201"), "{command}: {}", stderr(&output));
    }
}

#[test]
fn lints_only_in_lint() {
    let check = golivec(&["check", "--format", "json", "-"], Some(CURL.as_bytes()));
    assert_eq!(check.status.code(), Some(0), "{}", stdout(&check));
    assert!(!stdout(&check).contains("W0901"), "{}", stdout(&check));
    let lint = golivec(&["lint", "--format", "json", "-"], Some(CURL.as_bytes()));
    assert_eq!(lint.status.code(), Some(0), "warnings do not fail: {}", stdout(&lint));
    assert!(stdout(&lint).contains("W0901"), "{}", stdout(&lint));
}

#[test]
fn deny_warnings_fails_and_allow_silences() {
    let denied = golivec(&["lint", "--deny", "warnings", "--format", "json", "-"], Some(CURL.as_bytes()));
    assert_eq!(denied.status.code(), Some(1));
    assert!(stdout(&denied).contains("\"severity\": \"error\""), "{}", stdout(&denied));
    let allowed =
        golivec(&["lint", "--deny", "warnings", "--allow", "W0901", "--format", "json", "-"], Some(CURL.as_bytes()));
    assert_eq!(allowed.status.code(), Some(0), "{}", stdout(&allowed));
    assert!(!stdout(&allowed).contains("W0901"), "{}", stdout(&allowed));
}

#[test]
fn errors_cannot_be_allowed() {
    let output = golivec(&["lint", "--allow", "E0201", CLEAN], None);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("only warnings can be allowed"), "{}", stderr(&output));
    let unknown = golivec(&["lint", "--allow", "W9999", CLEAN], None);
    assert_eq!(unknown.status.code(), Some(2));
}

#[test]
fn inline_allow_comments_silence_a_line_or_a_declaration() {
    let on_the_line = CURL.replace(
        "  run \"Health\"",
        "  # golivec: allow(W0901) the health page returns 200 even when degraded\n  run \"Health\"",
    );
    let output = golivec(&["lint", "--deny", "warnings", "-"], Some(on_the_line.as_bytes()));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let on_the_declaration = CURL.replace("phase deploy", "# golivec: allow(W0901)\nphase deploy");
    let output = golivec(&["lint", "--deny", "warnings", "-"], Some(on_the_declaration.as_bytes()));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let elsewhere = CURL.replace("rollback incident", "# golivec: allow(W0901)\nrollback incident");
    let output = golivec(&["lint", "--deny", "warnings", "-"], Some(elsewhere.as_bytes()));
    assert_eq!(output.status.code(), Some(1), "an allow on another declaration silenced the finding");
}
