//! The command line through the binary: formats, exit codes, I/O errors.

use crate::support::{golivec, root, stderr, stdout};

const CLEAN: &str = "tests/fixtures/ok/clean-launch.golive";
const BROKEN: &str = "tests/fixtures/errors/E0201-unknown-role.golive";

#[test]
fn clean_plan_exits_zero_silently() {
    let output = golivec(&["check", CLEAN], None);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output), "");
    assert_eq!(stderr(&output), "");
}

#[test]
fn plan_with_errors_exits_one_with_a_report() {
    let output = golivec(&["check", "--color", "never", BROKEN], None);
    assert_eq!(output.status.code(), Some(1));
    let report = stderr(&output);
    assert!(report.contains("E0201"), "{report}");
    assert!(report.contains("check failed: 1 error"), "{report}");
}

#[test]
fn every_file_is_checked_and_all_errors_reported() {
    let output = golivec(
        &["check", "--format", "json", CLEAN, BROKEN, "tests/fixtures/errors/E0301-percent-vs-duration.golive"],
        None,
    );
    assert_eq!(output.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("valid JSON");
    let files: Vec<&str> = report["diagnostics"]
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|diagnostic| diagnostic["file"].as_str())
        .collect();
    assert!(files.contains(&BROKEN) && files.iter().any(|file| file.contains("E0301")), "{files:?}");
}

#[test]
fn json_format_has_one_based_ranges_and_labels() {
    let source = "plan p {\n  owner nobody\n}\n";
    let output = golivec(&["check", "--format", "json", "-"], Some(source.as_bytes()));
    assert_eq!(output.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("valid JSON");
    let diagnostic = &report["diagnostics"][0];
    assert_eq!(diagnostic["code"], "E0201");
    assert_eq!(diagnostic["severity"], "error");
    assert_eq!(diagnostic["file"], "<stdin>");
    assert_eq!(diagnostic["range"]["start"]["line"], 2);
    assert_eq!(diagnostic["range"]["start"]["column"], 9);
    assert_eq!(diagnostic["range"]["end"]["column"], 15);
    assert_eq!(diagnostic["labels"][0]["primary"], true);
    assert_eq!(report["errors"], 1);
    assert_eq!(report["warnings"], 0);
}

#[test]
fn json_columns_count_characters_not_bytes() {
    let source = "plan p {\n  title \"é—ü\"; owner nobody\n}\n";
    let output = golivec(&["check", "--format", "json", "-"], Some(source.as_bytes()));
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("valid JSON");
    // `nobody` is the 22nd character of its line but starts at byte 26 (é, — and ü are
    // multi-byte in UTF-8).
    assert_eq!(report["diagnostics"][0]["range"]["start"]["column"], 22);
}

#[test]
fn github_format_is_a_workflow_command_with_escaping() {
    let source = "plan p {\n  owner nobody\n}\n";
    let output = golivec(&["check", "--format", "github", "-"], Some(source.as_bytes()));
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert!(
        text.starts_with("::error file=<stdin>,line=2,col=9,endLine=2,endColumn=15,title=E0201::unknown role `nobody`"),
        "{text}"
    );
    // The help text follows on an escaped line break, never a raw one.
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.contains("%0Ahelp: "), "{text}");
}

#[test]
fn github_format_escapes_properties() {
    let dir = std::env::temp_dir().join(format!("golivec-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("a,b:c%.golive");
    std::fs::write(&path, "plan p { owner nobody }\n").expect("write");
    let output = golivec(&["check", "--format", "github", &path.to_string_lossy()], None);
    let text = stdout(&output);
    assert!(text.contains("a%2Cb%3Ac%25.golive,line=1"), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn color_is_chosen_by_flag() {
    let colored = golivec(&["check", "--color", "always", BROKEN], None);
    assert!(stderr(&colored).contains("\u{1b}["), "always: no ANSI codes");
    let plain = golivec(&["check", "--color", "never", BROKEN], None);
    assert!(!stderr(&plain).contains("\u{1b}["), "never: ANSI codes");
    let auto = golivec(&["check", BROKEN], None);
    assert!(!stderr(&auto).contains("\u{1b}["), "auto, not a terminal: ANSI codes");
}

#[test]
fn missing_file_exits_two_with_a_message() {
    let output = golivec(&["check", "does/not/exist.golive"], None);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("`does/not/exist.golive` does not exist"), "{}", stderr(&output));
}

#[test]
fn directory_exits_two_with_a_message() {
    let output = golivec(&["check", "examples"], None);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("is a directory"), "{}", stderr(&output));
}

#[test]
fn invalid_utf8_exits_two_with_a_message() {
    let output = golivec(&["check", "-"], Some(b"plan p { title \"\xff\xfe\" }\n"));
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("not valid UTF-8"), "{}", stderr(&output));
}

#[test]
fn usage_errors_exit_two() {
    assert_eq!(golivec(&["check"], None).status.code(), Some(2));
    assert_eq!(golivec(&["check", "--format", "xml", CLEAN], None).status.code(), Some(2));
    assert_eq!(golivec(&["frobnicate"], None).status.code(), Some(2));
    assert_eq!(golivec(&["--help"], None).status.code(), Some(0));
}

/// `golivec COMMAND --help` opens with the summary that `golivec --help` lists for the command.
/// The commands' arguments are built only when one is used (clap's `defer`), after its summary:
/// a doc comment on a struct of shared options once took the place of six commands' summaries.
#[test]
fn each_command_help_opens_with_its_summary_in_the_command_list() {
    let words = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
    let listing = stdout(&golivec(&["--help"], None));
    // Each command on a line indented by two spaces; a summary may wrap onto lines indented more.
    let mut commands: Vec<(String, String)> = Vec::new();
    for line in listing.lines().skip_while(|line| *line != "Commands:").skip(1).take_while(|line| !line.is_empty()) {
        match (line.strip_prefix("  ").filter(|rest| !rest.starts_with(' ')), commands.last_mut()) {
            (Some(entry), _) => {
                let (name, summary) = entry.split_once(' ').unwrap_or((entry, ""));
                commands.push((name.to_string(), summary.to_string()));
            }
            (None, Some((_, summary))) => summary.push_str(line),
            (None, None) => panic!("a summary before any command: {listing}"),
        }
    }
    commands.retain(|(name, _)| name != "help");
    assert!(commands.len() >= 12, "{listing}");
    for (name, summary) in commands {
        let help = stdout(&golivec(&[&name, "--help"], None));
        let first_paragraph = help.split("\n\n").next().unwrap_or_default();
        assert_eq!(words(first_paragraph), words(&summary), "golivec {name} --help");
    }
}

#[test]
fn explain_prints_the_code_documentation() {
    let output = golivec(&["explain", "E0201"], None);
    assert_eq!(output.status.code(), Some(0));
    let expected = std::fs::read_to_string(root().join("docs/codes/E0201.md")).expect("doc");
    assert_eq!(stdout(&output), expected);
    assert_eq!(golivec(&["explain", "e0201"], None).status.code(), Some(0));
}

#[test]
fn explain_unknown_code_suggests_one() {
    let output = golivec(&["explain", "E0299"], None);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("did you mean"), "{}", stderr(&output));
}

#[test]
fn sarif_paths_are_relative_to_the_working_directory() {
    // An absolute path under the working directory is written relative to it.
    let absolute = root().join(BROKEN);
    let output = golivec(&["lint", "--format", "sarif", &absolute.to_string_lossy()], None);
    let log: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("SARIF is JSON");
    assert_eq!(log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], BROKEN);
}

#[test]
fn sarif_format_validates_against_the_sarif_schema() {
    let validator = crate::support::require_tool("check-jsonschema");
    let dir = std::env::temp_dir().join(format!("golivec-sarif-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let cases: [&[&str]; 3] = [
        &[CLEAN],
        &[BROKEN, "tests/fixtures/errors/E0301-percent-vs-duration.golive"],
        &["tests/fixtures/errors/W0901-curl-without-fail.golive"],
    ];
    for (index, files) in cases.iter().enumerate() {
        let mut args = vec!["lint", "--format", "sarif"];
        args.extend_from_slice(files);
        let output = golivec(&args, None);
        let log: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("SARIF is JSON");
        let results = log["runs"][0]["results"].as_array().expect("results").clone();
        match index {
            0 => assert!(results.is_empty(), "{results:?}"),
            1 => {
                assert_eq!(output.status.code(), Some(1));
                let first = &results[0];
                assert_eq!(first["ruleId"], "E0201");
                assert_eq!(first["level"], "error");
                assert_eq!(first["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], BROKEN);
                assert!(first["locations"][0]["physicalLocation"]["region"]["startColumn"].as_u64() >= Some(1));
                let rule =
                    &log["runs"][0]["tool"]["driver"]["rules"][first["ruleIndex"].as_u64().expect("index") as usize];
                assert_eq!(rule["id"], "E0201");
                assert!(results
                    .iter()
                    .any(|result| result["ruleId"] == "E0301" && result["relatedLocations"].is_array()));
            }
            _ => assert_eq!(results[0]["level"], "warning"),
        }
        let path = dir.join(format!("case-{index}.sarif"));
        std::fs::write(&path, stdout(&output)).expect("write");
        let checked = std::process::Command::new(&validator)
            .args(["--schemafile", &root().join("schemas/sarif-2.1.0.json").to_string_lossy(), &path.to_string_lossy()])
            .output()
            .expect("check-jsonschema runs");
        assert!(checked.status.success(), "case {index}: {}", String::from_utf8_lossy(&checked.stdout));
    }
    let _ = std::fs::remove_dir_all(&dir);
}
