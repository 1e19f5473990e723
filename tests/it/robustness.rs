//! Hostile input through the binary: a clear diagnostic and exit code 1 or 2, never a panic
//! (exit 101) or a crash by signal (no exit code at all).

use crate::support::{golivec, stderr};

/// The start of a long report, cut at a character boundary.
fn shorten(report: &str, bytes: usize) -> &str {
    let mut end = report.len().min(bytes);
    while !report.is_char_boundary(end) {
        end -= 1;
    }
    &report[..end]
}

fn check_stdin(input: &[u8]) -> (Option<i32>, String) {
    let output = golivec(&["check", "--color", "never", "-"], Some(input));
    (output.status.code(), stderr(&output))
}

fn assert_handled(name: &str, input: &[u8], expected_code: i32, expected_text: &str) {
    let (code, report) = check_stdin(input);
    assert_eq!(code, Some(expected_code), "{name}: exit {code:?}\n{}", shorten(&report, 2000));
    assert!(report.contains(expected_text), "{name}: no `{expected_text}` in\n{}", shorten(&report, 2000));
}

#[test]
fn empty_file_has_no_plan() {
    assert_handled("empty", b"", 1, "E0204");
}

#[test]
fn only_comments_has_no_plan() {
    assert_handled("comments", b"# nothing here\n   # still nothing\n", 1, "E0204");
}

#[test]
fn binary_garbage_is_refused() {
    let garbage: Vec<u8> = (0..4096u32).map(|index| (index.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    assert_handled("garbage", &garbage, 2, "not valid UTF-8");
}

#[test]
fn utf8_garbage_is_a_syntax_error() {
    let garbage: String = (0..3000u32).filter_map(|index| char::from_u32(index.wrapping_mul(7919) % 0x2FFF)).collect();
    let (code, _) = check_stdin(garbage.as_bytes());
    assert_eq!(code, Some(1));
}

#[test]
fn byte_order_mark_is_accepted() {
    let (code, report) = check_stdin("\u{feff}plan p { title \"x\" }\n".as_bytes());
    assert_eq!(code, Some(0), "{report}");
}

#[test]
fn crlf_line_ends_are_accepted() {
    let plan =
        std::fs::read_to_string(crate::support::root().join("tests/fixtures/ok/minimal.golive")).expect("fixture");
    let crlf = plan.replace('\n', "\r\n");
    let (code, report) = check_stdin(crlf.as_bytes());
    assert_eq!(code, Some(0), "{report}");
    assert_eq!(report, check_stdin(plan.as_bytes()).1, "CRLF and LF give different reports");
}

#[test]
fn a_one_megabyte_line() {
    let mut plan = String::from("plan p { title \"");
    plan.push_str(&"a".repeat(1 << 20));
    plan.push_str("\" }\n");
    let (code, report) = check_stdin(plan.as_bytes());
    assert_eq!(code, Some(0), "{}", shorten(&report, 500));
    let junk = format!("plan p {{}}\n{}\n", "x ".repeat(1 << 19));
    assert_handled("junk line", junk.as_bytes(), 1, "E0100");
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let braces = format!("plan p {{}}\nphase a {{ {} }}\n", "group \"g\" {".repeat(100_000) + &"}".repeat(100_000));
    assert_handled("braces", braces.as_bytes(), 1, "E0104");
    let parens = format!(
        "plan p {{}}\nmetric up : bool {{ probe sh \"true\" }}\nwatch w every 1m for 1h {{ {}up{} }}\n",
        "(".repeat(100_000),
        ")".repeat(100_000)
    );
    assert_handled("parens", parens.as_bytes(), 1, "E0104");
}

#[test]
fn long_chains_do_not_overflow() {
    let nots = format!(
        "plan p {{}}\nmetric up : bool {{ probe sh \"true\" }}\nwatch w every 1m for 1h {{ {}up }}\n",
        "not ".repeat(100_000)
    );
    let (code, report) = check_stdin(nots.as_bytes());
    assert_eq!(code, Some(0), "{}", shorten(&report, 500));
    let ors = format!(
        "plan p {{}}\nmetric up : bool {{ probe sh \"true\" }}\nwatch w every 1m for 1h {{ up{} }}\n",
        " or up".repeat(100_000)
    );
    let (code, report) = check_stdin(ors.as_bytes());
    assert_eq!(code, Some(0), "{}", shorten(&report, 500));
}

#[test]
fn unbalanced_braces_are_reported_once() {
    assert_handled("unclosed", b"plan p {\n  title \"x\"\n", 1, "never closed");
    assert_handled("unmatched", b"plan p { }\n}\n", 1, "unmatched");
}

#[test]
fn very_long_names() {
    let name = "n".repeat(100_000);
    let plan = format!("plan p {{ owner {name} }}\n");
    assert_handled("long name", plan.as_bytes(), 1, "E0201");
}

#[test]
fn a_closed_output_pipe_is_not_a_panic() {
    // Outputs larger than a pipe's buffer, read by nobody: `golivec ... | head` must not panic.
    let commands: [&[&str]; 6] = [
        &["build", "examples/aidrive-staged-rollout.golive", "--target", "shell"],
        &["build", "examples/onelog-blue-green.golive", "--target", "json"],
        &["lint", "--format", "sarif", "examples/memolib-go-live.golive"],
        &["plan", "examples/memolib-go-live.golive"],
        &["explain", "E0201"],
        &["completions", "zsh"],
    ];
    for args in commands {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_golivec"))
            .args(args)
            .current_dir(crate::support::root())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("golivec runs");
        drop(child.stdout.take());
        let status = child.wait().expect("golivec finishes");
        assert_ne!(status.code(), Some(101), "{args:?} panicked on a closed pipe");
        assert!(status.code().is_some(), "{args:?} was killed by a signal");
    }
}

#[test]
fn completions_are_valid_bash() {
    let output = crate::support::golivec(&["completions", "bash"], None);
    assert_eq!(output.status.code(), Some(0));
    let script = String::from_utf8_lossy(&output.stdout).into_owned();
    for command in ["check", "lint", "build", "plan", "graph", "explain"] {
        assert!(script.contains(command), "no completion for `{command}`");
    }
    let syntax = std::process::Command::new("bash").args(["-n", "-c", &script]).output().expect("bash runs");
    assert!(syntax.status.success(), "{}", String::from_utf8_lossy(&syntax.stderr));
}

/// The run ended with exit code 0, 1 or 2, and without a panic.
fn assert_survived(what: &str, output: &std::process::Output) {
    let report = stderr(output);
    let shown = shorten(&report, 2000);
    assert!(matches!(output.status.code(), Some(0..=2)), "{what}: exit {:?}\n{shown}", output.status.code());
    assert!(!report.contains("panicked") && !report.contains("RUST_BACKTRACE"), "{what}: {shown}");
}

/// Inputs the fuzzers (`fuzz/`) found crashing or hanging, kept as regression fixtures: through
/// `lint` and every build target, each ends with exit code 0, 1 or 2 and never a panic.
#[test]
fn fuzzer_findings_stay_fixed() {
    let directory = crate::support::root().join("tests/fixtures/fuzz");
    let mut fixtures = crate::support::files(&directory, "golive");
    fixtures.extend(crate::support::files(&directory, "bin"));
    assert!(!fixtures.is_empty(), "no fuzz fixtures in {}", directory.display());
    let targets = ["json", "mermaid", "dot", "shell", "workflow", "markdown"];
    for path in &fixtures {
        let path = path.to_string_lossy();
        let mut runs: Vec<Vec<&str>> = vec![vec!["lint", "--color", "never", &path]];
        runs.extend(targets.iter().map(|target| vec!["build", &path, "--target", target]));
        for args in runs {
            assert_survived(&format!("{args:?}"), &golivec(&args, None));
        }
    }
}

/// The hostile inputs above, each through every command that reads a plan (the checks above
/// only run `check`): the formatter, every report format, every target, the plan and the graph.
#[test]
fn every_command_survives_every_hostile_input() {
    let minimal =
        std::fs::read_to_string(crate::support::root().join("tests/fixtures/ok/minimal.golive")).expect("fixture");
    let bool_watch = "plan p {}\nmetric up : bool { probe sh \"true\" }\nwatch w every 1m for 1h {";
    let inputs: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("comments", b"# nothing here\n".to_vec()),
        ("garbage", (0..4096u32).map(|index| (index.wrapping_mul(2_654_435_761) >> 13) as u8).collect()),
        ("bom", "\u{feff}plan p { title \"x\" }\n".as_bytes().to_vec()),
        ("crlf", minimal.replace('\n', "\r\n").into_bytes()),
        ("megabyte line", format!("plan p {{ title \"{}\" }}\n", "a".repeat(1 << 20)).into_bytes()),
        (
            "deep braces",
            format!("plan p {{}}\nphase a {{ {}{} }}\n", "group \"g\" {".repeat(100_000), "}".repeat(100_000))
                .into_bytes(),
        ),
        ("deep parens", format!("{bool_watch} {}up{} }}\n", "(".repeat(100_000), ")".repeat(100_000)).into_bytes()),
        ("long not chain", format!("{bool_watch} {}up }}\n", "not ".repeat(100_000)).into_bytes()),
        ("long or chain", format!("{bool_watch} up{} }}\n", " or up".repeat(100_000)).into_bytes()),
        ("long name", format!("plan p {{ owner {} }}\n", "n".repeat(100_000)).into_bytes()),
    ];
    let mut commands: Vec<Vec<&str>> = vec![
        vec!["check", "--color", "never", "-"],
        vec!["lint", "--format", "json", "-"],
        vec!["lint", "--format", "sarif", "-"],
        vec!["lint", "--format", "github", "-"],
        vec!["fmt", "-"],
        vec!["plan", "-"],
        vec!["graph", "-"],
    ];
    commands.extend(golivec::emit::Target::ALL.iter().map(|target| vec!["build", "-", "--target", target.name()]));
    for (name, input) in &inputs {
        for args in &commands {
            assert_survived(&format!("{name}, {args:?}"), &golivec(args, Some(input)));
        }
    }
}

/// A scratch directory of its own for one test.
fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("golivec-robust-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    dir
}

/// Devices and FIFOs never end or block: as the plan or as an import, each is refused (E0110)
/// before a byte is read; `/dev/zero` used to grow memory by 800 MB/s until killed.
#[test]
fn devices_and_fifos_are_refused_not_read() {
    for device in ["/dev/zero", "/dev/urandom"] {
        let output = crate::support::golivec_guarded(&["check", "--color", "never", device], None);
        let report = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{device}: {}", shorten(&report, 2000));
        assert!(report.contains("E0110") && report.contains("not a regular file"), "{device}: {report}");
        let plan = format!("use \"{device}\"\nplan p {{ title \"x\" }}\n");
        let output = crate::support::golivec_guarded(&["check", "--color", "never", "-"], Some(plan.as_bytes()));
        let report = stderr(&output);
        assert_eq!(output.status.code(), Some(1), "use {device}: {}", shorten(&report, 2000));
        assert!(report.contains("E0110"), "use {device}: {report}");
    }
    let dir = scratch("fifo");
    let fifo = dir.join("plan.golive");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().expect("mkfifo runs");
    assert!(made.success(), "mkfifo failed");
    let fifo = fifo.to_string_lossy().into_owned();
    for args in [vec!["check", "--color", "never", &fifo], vec!["fmt", "--check", &fifo], vec!["plan", &fifo]] {
        let output = crate::support::golivec_guarded(&args, None);
        let report = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {report}");
        assert!(report.contains("E0110"), "{args:?}: {report}");
    }
    let json = crate::support::golivec_guarded(&["check", "--format", "json", &fifo], None);
    assert!(crate::support::stdout(&json).contains("\"E0110\""), "the refusal is a diagnostic in JSON too");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A file larger than any plan (256 MiB) is refused by its size, unread: as the plan and as an
/// import. The file is sparse, so the test writes nothing.
#[test]
fn a_file_larger_than_any_plan_is_refused() {
    let dir = scratch("large");
    let large = dir.join("large.golive");
    std::fs::File::create(&large).and_then(|file| file.set_len((256 << 20) + 1)).expect("a sparse file");
    let plan = dir.join("plan.golive");
    std::fs::write(&plan, "use \"large.golive\"\nplan p { title \"x\" }\n").expect("a plan");
    let large = large.to_string_lossy().into_owned();
    let output = crate::support::golivec_guarded(&["check", "--color", "never", &large], None);
    let report = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{report}");
    assert!(report.contains("E0110") && report.contains("larger than 256 MiB"), "{report}");
    let plan = plan.to_string_lossy().into_owned();
    let output = crate::support::golivec_guarded(&["check", "--color", "never", &plan], None);
    let report = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{report}");
    assert!(report.contains("E0110") && report.contains("larger than 256 MiB"), "{report}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `levels` templates, each calling the one before twice, and a phase calling the last: it
/// would paste 2^levels steps.
fn doubling_templates(levels: usize) -> String {
    let mut plan = String::from("plan p { title \"x\" }\ntemplate t0() { run \"x\" sh \"./x.sh\" timeout 1m }\n");
    for level in 1..levels {
        plan.push_str(&format!("template t{level}() {{ t{}(); t{}() }}\n", level - 1, level - 1));
    }
    plan.push_str(&format!("phase a {{ t{}() }}\n", levels - 1));
    plan
}

/// Template expansion is bounded (E0406): 22 doubling levels took 8.4 s and 1.3 GB, 40 levels
/// exhausted memory; a chain 40 calls deep is refused by its depth.
#[test]
fn template_expansion_is_bounded() {
    for levels in [22, 40, 64] {
        let plan = doubling_templates(levels);
        let output = crate::support::golivec_guarded(&["check", "--color", "never", "-"], Some(plan.as_bytes()));
        let report = stderr(&output);
        assert_eq!(output.status.code(), Some(1), "{levels} levels: {}", shorten(&report, 2000));
        assert!(report.contains("E0406"), "{levels} levels: {}", shorten(&report, 2000));
    }
    let mut chain = String::from("plan p { title \"x\" }\ntemplate t0() { run \"x\" sh \"./x.sh\" timeout 1m }\n");
    for level in 1..40 {
        chain.push_str(&format!("template t{level}() {{ t{}() }}\n", level - 1));
    }
    chain.push_str("phase a { t39() }\n");
    let output = crate::support::golivec_guarded(&["check", "--color", "never", "-"], Some(chain.as_bytes()));
    let report = stderr(&output);
    assert!(report.contains("E0406") && report.contains("nest more than 32 deep"), "{}", shorten(&report, 2000));
    // Below the limits, pasting works: 2^12 steps.
    let output =
        crate::support::golivec_guarded(&["check", "--color", "never", "-"], Some(doubling_templates(13).as_bytes()));
    assert!(!stderr(&output).contains("E0406"), "{}", shorten(&stderr(&output), 2000));
}

/// Rendering diagnostics for people is linear in their number: 8,000 duplicate declarations
/// took 14 s (miette counted lines from the start of the file for each), against 0.05 s for
/// `--format json`. 15,000 would take minutes that way; every one is rendered, with its line.
#[test]
fn many_diagnostics_render_in_linear_time() {
    let count = 15_000;
    let mut plan = String::from("plan p {\n  title \"x\"\n}\n");
    for _ in 0..count {
        plan.push_str("phase a { run \"x\" sh \"./x.sh\" timeout 1m }\n");
    }
    let output = crate::support::golivec_guarded(&["check", "--color", "never", "-"], Some(plan.as_bytes()));
    let report = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{}", shorten(&report, 2000));
    assert!(report.contains(&format!("check failed: {} errors", count - 1)), "{}", shorten(&report, 2000));
    assert_eq!(report.matches("E0202").count(), count - 1);
    let last = count + 3;
    assert!(report.contains(&format!("[<stdin>:{last}:7]")), "the last duplicate is shown on its line {last}");
}

/// A cycle through 50,000 nodes is named in linear time: it took over 20 s (a scan of the cycle
/// for each edge, then miette re-reading its snippet for each label). The message names the
/// first nodes, the report shows the first places, and JSON keeps every edge.
#[test]
fn a_long_cycle_is_named_quickly() {
    let count = 50_000;
    let mut plan = String::from("plan p {\n  title \"x\"\n}\n");
    for index in 0..count {
        let before = (index + count - 1) % count;
        plan.push_str(&format!("phase a{index} after a{before} {{ run \"x\" sh \"./x.sh\" timeout 1m }}\n"));
    }
    let output = crate::support::golivec_guarded(&["check", "--color", "never", "-"], Some(plan.as_bytes()));
    let report = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{}", shorten(&report, 2000));
    assert!(report.contains("E0501") && report.contains("and 49988 other nodes"), "{}", shorten(&report, 2000));
    assert!(report.contains("more places are not shown"), "{}", shorten(&report, 2000));
    assert!(report.len() < 100_000, "the report for people stays short: {} bytes", report.len());
    let output = crate::support::golivec_guarded(&["check", "--format", "json", "-"], Some(plan.as_bytes()));
    let json = crate::support::stdout(&output);
    assert_eq!(json.matches("waits for").count(), count, "JSON labels every edge of the cycle");
}

/// "Did you mean" compares only names of at most 128 bytes: comparing costs the product of the
/// lengths, and a 400 KB time zone name took 16 s (23 s in a date-time; a 400 KB misspelled
/// name against a 400 KB declared one, minutes). They are still reported, without a guess.
#[test]
fn did_you_mean_skips_huge_names() {
    let zone = "Europe/Parisx".repeat(31_000);
    let long = "o".repeat(400_000);
    let plans = [
        (
            "window zone",
            "E0107",
            format!(
                "plan p {{ title \"x\" }}\nwindow w {{\n  days mon..fri\n  hours 09:00..12:00\n  zone \"{zone}\"\n}}\n"
            ),
        ),
        ("date-time zone", "E0107", format!("plan p {{\n  title \"x\"\n  launch 2025-03-04T09:00:00[{zone}]\n}}\n")),
        ("name", "E0201", format!("plan p {{\n  title \"x\"\n  owner {long}\n}}\nrole {long}p \"x\"\n")),
    ];
    for (what, code, plan) in plans {
        let output = crate::support::golivec_guarded(&["check", "--color", "never", "-"], Some(plan.as_bytes()));
        let report = stderr(&output);
        assert_eq!(output.status.code(), Some(1), "{what}: {}", shorten(&report, 2000));
        assert!(report.contains(code) && !report.contains("did you mean"), "{what}: {}", shorten(&report, 2000));
    }
    // A short misspelling still gets its guess.
    let plan =
        "plan p { title \"x\" }\nwindow w {\n  days mon..fri\n  hours 09:00..12:00\n  zone \"Europe/Pariss\"\n}\n";
    let report = stderr(&crate::support::golivec_guarded(&["check", "--color", "never", "-"], Some(plan.as_bytes())));
    assert!(report.contains("did you mean `Europe/Paris`"), "{report}");
}

/// `fmt --check` shows a huge change as one hunk instead of a minimal diff, whose cost is the
/// lines times the differences: 100,000 `or` terms, each put on its own line, took 16 s.
/// Applying the hunk to the input gives the formatted text.
#[test]
fn fmt_check_of_a_huge_change_is_one_hunk() {
    let plan = format!(
        "plan p {{}}\nmetric up : bool {{ probe sh \"true\" }}\nwatch w every 1m for 1h {{ up{} }}\n",
        " or up".repeat(100_000)
    );
    let output = crate::support::golivec_guarded(&["fmt", "--check", "-"], Some(plan.as_bytes()));
    assert_eq!(output.status.code(), Some(1), "{}", shorten(&stderr(&output), 2000));
    let diff = crate::support::stdout(&output);
    let formatted = crate::support::stdout(&crate::support::golivec_guarded(&["fmt", "-"], Some(plan.as_bytes())));
    let mut lines = diff.lines();
    assert_eq!(lines.next(), Some("--- <stdin>"));
    assert_eq!(lines.next(), Some("+++ <stdin> (formatted)"));
    let new_count = formatted.lines().count();
    assert_eq!(lines.next(), Some(format!("@@ -1,3 +1,{new_count} @@").as_str()));
    let mut patched = String::new();
    for line in lines {
        match line.split_at_checked(1) {
            Some((" " | "+", text)) => {
                patched.push_str(text);
                patched.push('\n');
            }
            Some(("-", _)) => {}
            other => panic!("not a diff line: {other:?}"),
        }
    }
    assert!(patched == formatted, "the hunk does not turn the input into the formatted text");
}

/// Long `after` chains build through every target: the shell script looked each `after` name
/// up by a scan of all nodes (50,000 chained nodes: 31 s, 100,000: 96 s; now 1.4 s and 3.8 s
/// in a release build, see `bench/README.md`). This checks the outcome at a size a debug build
/// makes quickly.
#[test]
fn long_after_chains_build() {
    let count = 10_000;
    let mut plan =
        String::from("plan p {\n  title \"x\"\n  launch 2025-03-04T09:00:00+00:00\n  owner ops\n}\nrole ops \"Ops\"\n");
    plan.push_str("phase a0 at T0 { run \"x\" sh \"./x.sh\" timeout 1m }\n");
    for index in 1..count {
        plan.push_str(&format!("phase a{index} after a{} {{ run \"x\" sh \"./x.sh\" timeout 1m }}\n", index - 1));
    }
    for target in ["shell", "markdown"] {
        let output = crate::support::golivec_guarded(&["build", "-", "--target", target], Some(plan.as_bytes()));
        assert_eq!(output.status.code(), Some(0), "{target}: {}", shorten(&stderr(&output), 2000));
        let built = crate::support::stdout(&output);
        assert!(built.contains(&format!("a{}", count - 1)), "{target}: the last node is missing");
    }
}
