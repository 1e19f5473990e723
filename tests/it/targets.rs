//! `golivec build` through the binary: the JSON target against its schema (validated by the
//! real `check-jsonschema`), output files, drift checks and determinism.

use crate::support::{files, golivec, require_tool, root, stderr, stdout};
use std::process::Command;

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("golivec-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

#[test]
fn the_committed_schema_is_the_generated_one() {
    let path = root().join("schemas/plan.schema.json");
    let generated = golivec::emit::view::schema();
    if std::env::var_os("GOLIVEC_UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &generated).expect("write the schema");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(committed == generated, "schemas/plan.schema.json is stale: run `GOLIVEC_UPDATE_SCHEMA=1 cargo test`");
}

#[test]
fn json_of_every_example_validates_against_the_schema() {
    let validator = require_tool("check-jsonschema");
    let dir = temp_dir("json");
    for example in files(&root().join("examples"), "golive") {
        let stem = example.file_stem().expect("stem").to_string_lossy().into_owned();
        let out = dir.join(format!("{stem}.json"));
        let output =
            golivec(&["build", &example.to_string_lossy(), "--target", "json", "-o", &out.to_string_lossy()], None);
        assert_eq!(output.status.code(), Some(0), "{stem}: {}", stderr(&output));
        let view: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&out).expect("output")).expect("valid JSON");
        assert_eq!(view["schema_version"], 1);
        let checked = Command::new(&validator)
            .args(["--schemafile", &root().join("schemas/plan.schema.json").to_string_lossy(), &out.to_string_lossy()])
            .output()
            .expect("check-jsonschema runs");
        assert!(
            checked.status.success(),
            "{stem}: {}{}",
            String::from_utf8_lossy(&checked.stdout),
            String::from_utf8_lossy(&checked.stderr)
        );
    }
}

#[test]
fn outputs_are_deterministic() {
    for target in ["json", "mermaid", "dot"] {
        let first = golivec(&["build", "examples/aidrive-staged-rollout.golive", "--target", target], None);
        let second = golivec(&["build", "examples/aidrive-staged-rollout.golive", "--target", target], None);
        assert_eq!(first.status.code(), Some(0), "{target}: {}", stderr(&first));
        assert_eq!(first.stdout, second.stdout, "{target} differs between runs");
    }
}

#[test]
fn several_targets_go_into_a_directory() {
    let dir = temp_dir("several");
    let output =
        golivec(&["build", "examples/tour.golive", "--target", "json,mermaid,dot", "-o", &dir.to_string_lossy()], None);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    for name in ["tour.json", "tour.mmd", "tour.dot"] {
        assert!(dir.join(name).is_file(), "{name} was not written");
    }
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .expect("dir")
        .filter_map(Result::ok)
        .filter(|entry| entry.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left behind");
    let to_stdout = golivec(&["build", "examples/tour.golive", "--target", "json,dot"], None);
    assert_eq!(to_stdout.status.code(), Some(2), "several targets on standard output must be refused");
}

#[test]
fn a_target_named_twice_is_built_once() {
    let dir = temp_dir("twice");
    let dir = dir.to_string_lossy();
    let plan = "tests/fixtures/errors/W1001-alert-in-a-workflow.golive";
    let once = golivec(&["build", plan, "--target", "workflow,json", "-o", &dir], None);
    let twice = golivec(&["build", plan, "--target", "workflow,json,workflow,shell", "-o", &dir], None);
    assert_eq!(once.status.code(), Some(0), "{}", stderr(&once));
    let reported = stderr(&once).lines().filter(|line| *line == "W1001").count();
    assert_eq!(reported, 1, "the alert is a limit of the workflow: {}", stderr(&once));
    assert_eq!(stderr(&once), stderr(&twice), "a limit is reported once, whatever the targets that share it");
}

#[test]
fn a_failed_build_leaves_earlier_outputs_untouched() {
    let dir = temp_dir("failed");
    let out = dir.join("plan.json");
    std::fs::write(&out, "earlier output\n").expect("write");
    let output = golivec(
        &["build", "tests/fixtures/errors/E0201-unknown-role.golive", "--target", "json", "-o", &out.to_string_lossy()],
        None,
    );
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(std::fs::read_to_string(&out).expect("read"), "earlier output\n");
}

#[test]
fn check_reports_drift_with_a_diff() {
    let dir = temp_dir("drift");
    let out = dir.join("tour.mmd");
    let path = out.to_string_lossy().into_owned();
    let built = golivec(&["build", "examples/tour.golive", "--target", "mermaid", "-o", &path], None);
    assert_eq!(built.status.code(), Some(0), "{}", stderr(&built));
    let clean = golivec(&["build", "examples/tour.golive", "--target", "mermaid", "-o", &path, "--check"], None);
    assert_eq!(clean.status.code(), Some(0), "{}", stdout(&clean));
    let edited = std::fs::read_to_string(&out).expect("read").replace("flowchart TD", "flowchart LR");
    std::fs::write(&out, &edited).expect("write");
    let drifted = golivec(&["build", "examples/tour.golive", "--target", "mermaid", "-o", &path, "--check"], None);
    assert_eq!(drifted.status.code(), Some(1));
    assert!(
        stdout(&drifted).contains("-flowchart LR") && stdout(&drifted).contains("+flowchart TD"),
        "{}",
        stdout(&drifted)
    );
    assert_eq!(std::fs::read_to_string(&out).expect("read"), edited, "--check must not write");
}

/// The targets that `--target` accepts, with the extension their snapshots use.
const TARGETS: &[&str] = &["json", "mermaid", "dot", "shell", "workflow", "markdown", "alerts", "alerts-test"];

#[test]
fn every_example_builds_to_every_target() {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(root().join("tests/it/snapshots/targets"));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| {
        for example in files(&root().join("examples"), "golive") {
            let stem = example.file_stem().expect("stem").to_string_lossy().into_owned();
            for target in TARGETS {
                let output = golivec(&["build", &example.to_string_lossy(), "--target", target], None);
                assert_eq!(output.status.code(), Some(0), "{stem} → {target}: {}", stderr(&output));
                insta::assert_snapshot!(format!("{stem}.{target}"), stdout(&output));
            }
        }
    });
}

#[test]
fn mermaid_graphs_parse_with_mermaid() {
    let node = require_tool("node");
    let dir = temp_dir("mermaid");
    let mut paths = Vec::new();
    for example in files(&root().join("examples"), "golive") {
        let stem = example.file_stem().expect("stem").to_string_lossy().into_owned();
        let path = dir.join(format!("{stem}.mmd"));
        let output =
            golivec(&["build", &example.to_string_lossy(), "--target", "mermaid", "-o", &path.to_string_lossy()], None);
        assert_eq!(output.status.code(), Some(0), "{stem}: {}", stderr(&output));
        paths.push(path);
    }
    let parsed =
        Command::new(node).arg(root().join("scripts/mermaid-parse.mjs")).args(&paths).output().expect("node runs");
    assert!(parsed.status.success(), "{}", String::from_utf8_lossy(&parsed.stderr));
}

/// What a target cannot carry out is a diagnostic of the targets being built (W1001 for an
/// alert, with the runbook and the workflow), which the plan may acknowledge (the tour does).
#[test]
fn what_a_target_cannot_run_is_said_at_build_time() {
    let tour = std::fs::read_to_string(root().join("examples/tour.golive")).expect("the tour");
    let unacknowledged = tour.replace("# golivec: allow(W1001)", "# (W1001)");
    assert_ne!(unacknowledged, tour, "the tour acknowledges its alert");
    // The runbook watches alerts beside the nodes (docs/semantics.md, R23); the workflow, which
    // runs it one node per job, does not.
    let runbook = golivec(&["build", "-", "--target", "shell"], Some(unacknowledged.as_bytes()));
    assert_eq!(runbook.status.code(), Some(0), "{}", stderr(&runbook));
    assert!(!stderr(&runbook).contains("W1001"), "the runbook runs alerts: {}", stderr(&runbook));
    let output = golivec(&["build", "-", "--target", "workflow"], Some(unacknowledged.as_bytes()));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stderr(&output).lines().any(|line| line == "W1001")
            && stderr(&output).contains("alert `high_errors` is not run by the workflow"),
        "workflow: {}",
        stderr(&output)
    );
    for target in ["shell", "workflow"] {
        let acknowledged = golivec(&["build", "examples/tour.golive", "--target", target], None);
        assert_eq!(stderr(&acknowledged), "", "{target}: the tour acknowledges what its targets cannot do");
    }
    let checklist = golivec(&["build", "-", "--target", "markdown"], Some(unacknowledged.as_bytes()));
    assert!(!stderr(&checklist).contains("high_errors"), "the checklist shows alerts: {}", stderr(&checklist));
    assert!(stdout(&checklist).contains("`high_errors` (Error rate above 5%)"), "the checklist lists the alert");
}

/// A TZif file (RFC 8536, version 2) for a zone fixed at UTC+09:00 (`JST`), no transitions.
fn tzif_fixed_at_plus_nine() -> Vec<u8> {
    let (seconds_east, abbreviation) = (9 * 3600i32, "JST");
    let mut data = Vec::new();
    // One local time type, its abbreviation, no transitions, leap seconds or indicators.
    data.extend(seconds_east.to_be_bytes());
    data.extend([0, 0]);
    data.extend(abbreviation.as_bytes());
    data.push(0);
    let counts = |out: &mut Vec<u8>| {
        for count in [0u32, 0, 0, 0, 1, abbreviation.len() as u32 + 1] {
            out.extend(count.to_be_bytes());
        }
    };
    let mut file = Vec::new();
    for _ in 0..2 {
        file.extend(b"TZif2");
        file.extend([0; 15]);
        counts(&mut file);
        file.extend(&data);
    }
    file.extend(format!("\n{abbreviation}-9\n").as_bytes());
    file
}

#[test]
fn zones_come_from_the_compiled_in_database_not_the_machine() {
    // A machine whose tzdata says Paris is at UTC+09:00 must not move the plan's instants.
    let tzdir = temp_dir("tzdir");
    std::fs::create_dir_all(tzdir.join("Europe")).expect("zone dir");
    std::fs::write(tzdir.join("Europe/Paris"), tzif_fixed_at_plus_nine()).expect("zone file");
    let build = |tzdir: Option<&std::path::Path>| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_golivec"));
        command.args(["build", "examples/tour.golive", "--target", "json"]).current_dir(root());
        if let Some(tzdir) = tzdir {
            command.env("TZDIR", tzdir);
        }
        command.output().expect("golivec runs")
    };
    let usual = build(None);
    let altered = build(Some(&tzdir));
    assert_eq!(usual.status.code(), Some(0), "{}", stderr(&usual));
    assert!(stdout(&usual).contains("+01:00"), "the tour's launch is at +01:00 in Paris");
    assert_eq!(stdout(&usual), stdout(&altered), "TZDIR changed what the plan means");
}
