//! `--target shell`: the runbook's text (snapshot, shellcheck on every example) and real runs of
//! generated runbooks against a stub environment: probes read files the test writes, steps
//! append to files the test counts.

use crate::support::{files, golivec, require_tool, root, stderr};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("golivec-shell-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn script_of(example: &Path) -> String {
    let output = golivec(&["build", &example.to_string_lossy(), "--target", "shell"], None);
    assert_eq!(output.status.code(), Some(0), "{}: {}", example.display(), stderr(&output));
    String::from_utf8(output.stdout).expect("UTF-8")
}

/// Writes `plan` into `dir` and builds its runbook there (`run.sh`, executable).
fn runbook(dir: &Path, plan: &str) -> PathBuf {
    let source = dir.join("plan.golive");
    std::fs::write(&source, plan).expect("write the plan");
    let script = dir.join("run.sh");
    let output =
        golivec(&["build", &source.to_string_lossy(), "--target", "shell", "-o", &script.to_string_lossy()], None);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    script
}

/// The runbook as a command in `dir`, standard input from /dev/null, in its own process group
/// (which `kill_group` kills whole, as a crash would).
fn spawnable(dir: &Path, args: &[&str]) -> Command {
    // Signals at their defaults, even when the tests run as a shell's background job.
    let mut command = Command::new("env");
    command.arg("--default-signal").arg(dir.join("run.sh")).args(args).current_dir(dir);
    command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    command.env_remove("GOLIVE_NOTIFY_COMMAND");
    command.process_group(0);
    command
}

/// The same, also without a controlling terminal (`setsid`): no one can answer at /dev/tty.
fn command(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(require_tool("setsid"));
    command.arg("-w").arg(dir.join("run.sh")).args(args).current_dir(dir);
    command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    command.env_remove("GOLIVE_NOTIFY_COMMAND");
    command
}

fn run(dir: &Path, args: &[&str]) -> Output {
    command(dir, args).output().expect("the runbook runs")
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap_or_default()
}

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < Duration::from_secs(20), "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn kill_group(child: &mut Child) {
    let group = format!("-{}", child.id());
    let _ = Command::new("kill").args(["-9", "--", &group]).status();
    let _ = child.wait();
}

/// A plan whose probes read the files `errors` and `up`, and whose steps write `steps`.
const STUB: &str = r#"plan stub {}

role ops

metric errors : percent { probe sh "cat errors" }
metric up     : bool    { probe sh "test -f up" }

rollback undo {
  level critical when errors >= 10% or nodata {
    run "Roll back fully" sh "echo critical >> rollback"
  }
  level minor when errors in 1%..10% {
    run "Roll back partly" sh "echo minor >> rollback"
  }
  level fine when errors < 1% {
    continue
  }
}

phase one {
  run "First" sh "echo one >> steps"
  run "Second" sh "test ! -f fail_second && echo two >> steps"
  on fail rollback undo
}

gate ready after one every 1s {
  require errors < 5% and up
  on fail rollback undo
}

phase two after ready {
  run "Third" sh "echo three >> steps"
  wait 1s
  notify ops "Phase two is done"
  on fail rollback undo
}
"#;

fn stub(name: &str, errors: &str) -> PathBuf {
    let dir = temp_dir(name);
    runbook(&dir, STUB);
    std::fs::write(dir.join("errors"), errors).expect("write");
    std::fs::write(dir.join("up"), "").expect("write");
    dir
}

#[test]
fn the_tour_runbook() {
    let script = script_of(&root().join("examples/tour.golive"));
    assert_eq!(script, script_of(&root().join("examples/tour.golive")), "the runbook differs between builds");
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(root().join("tests/it/snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| insta::assert_snapshot!("shell-tour", script));
}

#[test]
fn every_example_runbook_is_shellcheck_clean() {
    let shellcheck = require_tool("shellcheck");
    let dir = temp_dir("shellcheck");
    for example in files(&root().join("examples"), "golive") {
        let stem = example.file_stem().expect("stem").to_string_lossy().into_owned();
        let path = dir.join(format!("{stem}.sh"));
        std::fs::write(&path, script_of(&example)).expect("write");
        let checked = Command::new(&shellcheck).arg(&path).output().expect("shellcheck runs");
        assert!(checked.status.success(), "{stem}: {}", text(&checked));
    }
}

#[test]
fn a_built_runbook_is_executable() {
    use std::os::unix::fs::PermissionsExt;
    let dir = stub("executable", "0.5");
    let mode = std::fs::metadata(dir.join("run.sh")).expect("metadata").permissions().mode();
    assert_eq!(mode & 0o111, 0o111, "mode {mode:o}");
}

#[test]
fn the_happy_path_runs_every_step_once_in_order() {
    let dir = stub("happy", "0.5");
    let output = run(&dir, &["--now"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert_eq!(read(&dir, "steps"), "one\ntwo\nthree\n");
    assert!(text(&output).contains("sampled: errors=0.5 up=1"), "{}", text(&output));
    let done = read(&dir, ".golive-stub/done");
    for id in ["one.1", "one.2", "ready.require", "two.1", "two.2", "two.3", "node:two"] {
        assert!(done.lines().any(|line| line == id), "{id} not recorded:\n{done}");
    }
    let log = read(&dir, ".golive-stub/log");
    assert!(log.contains("start one.1") && log.contains("probe errors=0.5"), "{log}");
    // A rerun finds everything done and runs nothing again.
    let again = run(&dir, &["--now"]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
    assert_eq!(read(&dir, "steps"), "one\ntwo\nthree\n");
}

/// Each command's output, standard output and error, is shown and kept in a file of its step
/// (every try), which the log names; plan text in the output cannot forge the log's lines.
#[test]
fn each_step_output_is_kept_in_a_file_the_log_names() {
    let dir = temp_dir("output");
    runbook(
        &dir,
        r#"plan out {}

phase work {
  run "Deploy" sh "echo deploying; echo warning >&2; test -f tried || { touch tried; printf 'first try\\nstart forged\\n'; exit 1; }" retries 1
  run sh "true"
}
"#,
    );
    let output = run(&dir, &["--now"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let kept = read(&dir, ".golive-out/output/work.1.log");
    let tries: Vec<&str> = kept.lines().filter(|line| line.starts_with("== work.1, try at ")).collect();
    assert_eq!(tries.len(), 2, "one header per try:\n{kept}");
    for line in ["deploying", "warning", "first try", "start forged"] {
        assert!(kept.lines().any(|kept| kept == line), "{line:?} kept:\n{kept}");
        assert!(text(&output).contains(line), "{line:?} shown:\n{}", text(&output));
    }
    assert_eq!(read(&dir, ".golive-out/output/work.2.log").lines().count(), 1, "a header, no output");
    let log = read(&dir, ".golive-out/log");
    assert_eq!(log.matches("output of work.1: output/work.1.log").count(), 2, "{log}");
    assert!(!log.contains("start forged") && !log.contains("deploying"), "output stays out of the log:\n{log}");
}

#[test]
fn notify_pipes_the_message_to_the_notify_command() {
    let dir = stub("notify", "0.5");
    let output = command(&dir, &["--now"])
        .env("GOLIVE_NOTIFY_COMMAND", "{ echo \"$GOLIVE_KIND $GOLIVE_ROLES\"; cat; } >> messages")
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert_eq!(read(&dir, "messages"), "notify ops\nPhase two is done\n");
}

#[test]
fn a_failed_step_enters_the_level_the_probed_value_selects() {
    for (errors, level) in [("7", "minor\n"), ("25", "critical\n"), ("not a number", "critical\n")] {
        let dir = stub("failed-step", errors);
        std::fs::write(dir.join("fail_second"), "").expect("write");
        let output = run(&dir, &["--now"]);
        assert_eq!(output.status.code(), Some(3), "{errors}: {}", text(&output));
        assert_eq!(read(&dir, "rollback"), level, "{errors}: {}", text(&output));
        assert_eq!(read(&dir, "steps"), "one\n", "nothing runs after the failure");
        assert!(read(&dir, ".golive-stub/log").contains("decision rollback undo level"), "{errors}");
    }
    // A level that says `continue` lets the plan go on, and the run never ends as a success
    // (docs/semantics.md, R17: exit 6).
    let dir = stub("failed-step-continue", "0.2");
    std::fs::write(dir.join("fail_second"), "").expect("write");
    let output = run(&dir, &["--now"]);
    assert_eq!(output.status.code(), Some(6), "{}", text(&output));
    assert!(read(&dir, ".golive-stub/trace").contains("run_finished completed_with_failures 6"), "{}", text(&output));
    assert_eq!(read(&dir, "rollback"), "");
    assert_eq!(read(&dir, "steps"), "one\nthree\n");
}

#[test]
fn a_breached_gate_rolls_back() {
    let dir = stub("gate", "7");
    let output = run(&dir, &["--now"]);
    assert_eq!(output.status.code(), Some(3), "{}", text(&output));
    assert!(text(&output).contains("does not hold: errors < 5% and up"), "{}", text(&output));
    assert_eq!(read(&dir, "rollback"), "minor\n");
    assert_eq!(read(&dir, "steps"), "one\ntwo\n");
    // The bool metric counts too: down is a breach even with few errors.
    let dir = stub("gate-down", "0.5");
    std::fs::remove_file(dir.join("up")).expect("remove");
    let output = run(&dir, &["--now"]);
    assert_eq!(output.status.code(), Some(6), "the `fine` level lets the failure through: {}", text(&output));
    assert!(text(&output).contains("level fine"), "{}", text(&output));
}

const HELD: &str = r#"plan held {}

metric errors : percent { probe sh "cat errors" }

rollback undo {
  level all when errors >= 0% or nodata { run "Undo" sh "echo undo >> rollback" }
}

gate steady every 1s {
  require errors < 1% for 2s
  on fail rollback undo
}

rollout canary after steady every 1s {
  set sh "echo \"$GOLIVE_WEIGHT\" >> weights"
  stage 50% hold 2s
  stage 100%
  require errors < 1%
  on fail rollback undo
}
"#;

#[test]
fn held_conditions_and_stages_sample_over_time() {
    let dir = temp_dir("held");
    runbook(&dir, HELD);
    std::fs::write(dir.join("errors"), "0.5").expect("write");
    let start = Instant::now();
    let output = run(&dir, &["--now"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert!(start.elapsed() >= Duration::from_secs(4), "the gate holds 2s and the stage 2s");
    assert_eq!(read(&dir, "weights"), "50\n100\n");
    assert!(text(&output).contains("holding, not yet for long enough: errors < 1% for 2s"), "{}", text(&output));
}

/// A kill -9 leaves the command that was running alive in its own process group, holding the
/// lock: a rerun is refused until it ends. Then the rerun does not repeat what was done, and
/// runs the interrupted command again only when a person says so (docs/semantics.md, R25).
#[test]
fn a_kill_9_then_a_rerun_finishes_every_step_exactly_once() {
    let dir = temp_dir("kill");
    runbook(
        &dir,
        r#"plan crash {}

phase work {
  run "A" sh "echo a >> count"
  run "B" sh "sleep 2 && echo b >> count"
  run "C" sh "echo c >> count"
}
"#,
    );
    let mut child = spawnable(&dir, &["--now"]).spawn().expect("spawn");
    wait_for("step A", || read(&dir, "count") == "a\n" && read(&dir, ".golive-crash/log").contains("start work.2"));
    std::thread::sleep(Duration::from_millis(300));
    kill_group(&mut child);
    assert_eq!(read(&dir, "count"), "a\n", "B was running when the runbook was killed");
    let refused = run(&dir, &["--now"]);
    assert_eq!(refused.status.code(), Some(75), "the survivor holds the lock: {}", text(&refused));
    wait_for("the survivor to finish", || read(&dir, "count") == "a\nb\n");
    std::thread::sleep(Duration::from_millis(300));
    let halted = run(&dir, &["--now"]);
    assert_eq!(halted.status.code(), Some(5), "nobody said B may run again: {}", text(&halted));
    assert!(text(&halted).contains("work.2 was interrupted part-way"), "{}", text(&halted));
    assert_eq!(read(&dir, "count"), "a\nb\n", "A is not repeated, B not rerun without a yes");
    std::fs::write(dir.join("answers"), "work.2 rerun-by alice\n").expect("write");
    let output = run(&dir, &["--now", "--approvals", "answers"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert_eq!(read(&dir, "count"), "a\nb\nb\nc\n", "B again, once, on a person's word; then C");
    assert!(text(&output).contains("[work.1] A (done in an earlier run)"), "{}", text(&output));
}

/// A command the plan marks `idempotent` runs again after a kill -9 without asking anyone;
/// the one after it, not marked, still asks (docs/semantics.md, R25).
#[test]
fn an_idempotent_command_reruns_after_a_kill_9_without_asking() {
    let dir = temp_dir("idempotent");
    runbook(
        &dir,
        r#"plan crash {}

phase work {
  run "Sync" sh "echo sync >> count && sleep 2 && echo synced >> count" idempotent
  run "Migrate" {
    sh "echo migrate >> count && sleep 2"
    idempotent
  }
  run "Announce" sh "echo announce >> count && sleep 2 && echo announced >> count"
}
"#,
    );
    // Killed while Sync runs: the survivor finishes it (it holds the lock meanwhile).
    let mut child = spawnable(&dir, &["--now"]).spawn().expect("spawn");
    wait_for("Sync to start", || read(&dir, "count") == "sync\n");
    kill_group(&mut child);
    wait_for("the survivor", || read(&dir, "count") == "sync\nsynced\n");
    std::thread::sleep(Duration::from_millis(300));
    // Run again: Sync runs again without a question; killed while Announce runs.
    let mut child = spawnable(&dir, &["--now"]).spawn().expect("spawn");
    wait_for("Announce to start", || read(&dir, "count").ends_with("announce\n"));
    kill_group(&mut child);
    wait_for("the survivor", || read(&dir, "count").ends_with("announced\n"));
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        read(&dir, "count"),
        "sync\nsynced\nsync\nsynced\nmigrate\nannounce\nannounced\n",
        "Sync ran again without a question"
    );
    let halted = run(&dir, &["--now"]);
    assert_eq!(halted.status.code(), Some(5), "Announce is not idempotent: {}", text(&halted));
    assert!(text(&halted).contains("work.3 was interrupted part-way"), "{}", text(&halted));
    assert!(!text(&halted).contains("work.1 was interrupted"), "{}", text(&halted));
}

#[test]
fn a_second_concurrent_run_is_refused() {
    let dir = temp_dir("lock");
    runbook(&dir, "plan locked {}\n\nphase slow {\n  run \"Slow\" sh \"sleep 3\"\n}\n");
    let mut first = spawnable(&dir, &["--now"]).spawn().expect("spawn");
    wait_for("the first run", || read(&dir, ".golive-locked/log").contains("start slow.1"));
    let second = run(&dir, &["--now"]);
    kill_group(&mut first);
    assert_eq!(second.status.code(), Some(75), "{}", text(&second));
    assert!(text(&second).contains("another run of locked holds the lock"), "{}", text(&second));
}

const APPROVAL: &str = r#"plan approvals {}

role ops
role product

gate go_no_go {
  approve 2 of ops, product distinct
  on fail abort
}

phase deploy after go_no_go {
  run "Deploy" sh "echo deployed >> steps"
}
"#;

#[test]
fn approvals_fail_closed_without_a_terminal_and_pass_with_recorded_answers() {
    let dir = temp_dir("approvals");
    runbook(&dir, APPROVAL);
    // Nobody to ask: the step waits its answer time all the same (R5), then fails closed.
    let output = fast(&dir, &["--now"]).output().expect("runs");
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(
        text(&output).contains("no terminal and no recorded answer in 900s: go_no_go.1 fails closed"),
        "{}",
        text(&output)
    );
    let log = read(&dir, ".golive-approvals/trace");
    let times = |event: &str| {
        log.lines()
            .find(|line| line.split(' ').nth(1) == Some(event) && line.contains("go_no_go.1"))
            .and_then(|line| line.split(' ').next()?.parse::<i64>().ok())
    };
    let (asked, failed) = (times("step_started").expect("asked"), times("step_finished").expect("failed"));
    assert!(failed - asked >= 900_000, "failed {} ms after the question", failed - asked);
    assert_eq!(read(&dir, "steps"), "");

    // The same name twice is one distinct person, whatever its case: still short of the quorum
    // when the answer time is over (15 minutes, 1.5 s at this speed).
    std::fs::write(dir.join("twice"), "go_no_go.1 approved-by Alice\ngo_no_go.1 approved-by ALICE\n").expect("write");
    let output = fast(&dir, &["--now", "--approvals", "twice"]).output().expect("runs");
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(text(&output).contains("ALICE has already approved"), "{}", text(&output));
    assert!(
        text(&output).contains("not enough recorded answers in 900s: go_no_go.1 fails closed"),
        "{}",
        text(&output)
    );

    // The operator cannot be one of the distinct approvers.
    std::fs::write(dir.join("self"), "go_no_go.1 approved-by Alice\ngo_no_go.1 approved-by Mallory\n").expect("write");
    let output = fast(&dir, &["--now", "--approvals", "self"]).env("USER", "mallory").output().expect("runs");
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(text(&output).contains("Mallory runs this script"), "{}", text(&output));

    // A refusal fails the step at once, whatever came before it.
    std::fs::write(dir.join("refused"), "go_no_go.1 approved-by Alice\ngo_no_go.1 refused-by Carol\n").expect("write");
    let output = run(&dir, &["--now", "--approvals", "refused"]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(text(&output).contains("refused by Carol"), "{}", text(&output));
    assert_eq!(read(&dir, "steps"), "");

    // An answer written while the run waits counts (the file is read again).
    std::fs::write(dir.join("late"), "go_no_go.1 approved-by Alice\n").expect("write");
    let child = fast(&dir, &["--now", "--approvals", "late"]).spawn().expect("spawn");
    wait_for("the gate to wait", || {
        read(&dir, ".golive-approvals/log").contains("answer go_no_go.1 approved-by Alice")
    });
    let mut late = std::fs::OpenOptions::new().append(true).open(dir.join("late")).expect("open");
    std::io::Write::write_all(&mut late, b"go_no_go.1 approved-by Bob\n").expect("append");
    let output = child.wait_with_output().expect("wait");
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert_eq!(read(&dir, "steps"), "deployed\n");
    let _ = std::fs::remove_dir_all(dir.join(".golive-approvals"));
    std::fs::write(dir.join("steps"), "").expect("write");

    std::fs::write(dir.join("answers"), "go_no_go.1 approved-by Alice Martin\ngo_no_go.1 approved-by Bob\n")
        .expect("write");
    let output = run(&dir, &["--now", "--approvals", "answers"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert_eq!(read(&dir, "steps"), "deployed\n");
    let log = read(&dir, ".golive-approvals/log");
    assert!(log.contains("answer go_no_go.1 approved-by Alice Martin"), "{log}");
    assert!(log.contains("answer go_no_go.1 approved-by Bob"), "{log}");
}

/// The runbook without a terminal, its clock 600 times faster.
fn fast(dir: &Path, args: &[&str]) -> Command {
    let mut command = command(dir, args);
    command.env("GOLIVE_TIME_SCALE", "600");
    command
}

#[test]
fn dry_run_runs_nothing() {
    let dir = stub("dry", "0.5");
    let before: Vec<_> = std::fs::read_dir(&dir).expect("dir").filter_map(Result::ok).map(|e| e.file_name()).collect();
    let output = run(&dir, &["--dry-run"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let after: Vec<_> = std::fs::read_dir(&dir).expect("dir").filter_map(Result::ok).map(|e| e.file_name()).collect();
    assert_eq!(before.len(), after.len(), "the dry run wrote files: {after:?}");
    let shown = text(&output);
    let order =
        ["[one.1] First", "[one.2] Second", "requires: errors < 5% and up", "[two.1] Third", "[two.3] Notify ops"];
    let positions: Vec<usize> =
        order.iter().map(|line| shown.find(line).unwrap_or_else(|| panic!("{line} missing:\n{shown}"))).collect();
    assert!(positions.windows(2).all(|pair| pair[0] < pair[1]), "out of order:\n{shown}");
}

#[test]
fn only_and_from_select_nodes() {
    let dir = stub("only", "0.5");
    let output = run(&dir, &["--now", "--only", "two"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert_eq!(read(&dir, "steps"), "three\n");
    let output = run(&dir, &["--now", "--from", "nowhere"]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
}

/// One plan, one state: the state lives beside the script whatever the working directory, so
/// a run started from elsewhere resumes the same run; `--state-dir` and `GOLIVE_STATE_DIR` move
/// it.
#[test]
fn the_state_lives_beside_the_script_wherever_it_is_started() {
    let dir = stub("state", "0.5");
    let elsewhere = temp_dir("state-elsewhere");
    let script = dir.join("run.sh").to_string_lossy().into_owned();
    let from = |cwd: &Path, args: &[&str], env: Option<(&str, &Path)>| {
        let mut command = Command::new(require_tool("setsid"));
        command.arg("-w").arg(&script).args(args).current_dir(cwd).stdin(Stdio::null());
        command.env_remove("GOLIVE_NOTIFY_COMMAND").env_remove("GOLIVE_STATE_DIR");
        if let Some((name, value)) = env {
            command.env(name, value);
        }
        command.output().expect("the runbook runs")
    };
    let first = from(&elsewhere, &["--now", "--only", "one"], None);
    assert_eq!(first.status.code(), Some(0), "{}", text(&first));
    assert!(dir.join(".golive-stub/done").is_file(), "the state is beside the script");
    assert!(!elsewhere.join(".golive-stub").exists(), "nothing in the working directory");
    // Started from the script's directory, the same run: `one` is done.
    let second = from(&dir, &["--now", "--only", "one"], None);
    assert_eq!(second.status.code(), Some(0), "{}", text(&second));
    assert!(text(&second).contains("phase one (done in an earlier run)"), "{}", text(&second));
    // Commands run in the working directory: the first run's, not again in the second.
    assert_eq!(read(&elsewhere, "steps"), "one\ntwo\n");
    assert_eq!(read(&dir, "steps"), "");
    // Elsewhere on purpose: a state of its own, so `one` runs again.
    let moved = elsewhere.join("state");
    let third = from(&elsewhere, &["--now", "--only", "one", "--state-dir", &moved.to_string_lossy()], None);
    assert_eq!(third.status.code(), Some(0), "{}", text(&third));
    assert!(moved.join("done").is_file() && moved.join("log").is_file(), "--state-dir holds the state");
    let by_env = elsewhere.join("env-state");
    let fourth = from(&elsewhere, &["--now", "--only", "one"], Some(("GOLIVE_STATE_DIR", &by_env)));
    assert_eq!(fourth.status.code(), Some(0), "{}", text(&fourth));
    assert!(by_env.join("done").is_file(), "GOLIVE_STATE_DIR holds the state");
}

/// What the runbook needs is checked before anything runs, with what to install: a missing
/// `flock`, or a `timeout` that is not GNU's (macOS), stops it at the start with exit 2.
#[test]
fn missing_requirements_stop_the_runbook_before_anything_runs() {
    let dir = stub("requirements", "0.5");
    let tools = [
        "bash", "env", "flock", "timeout", "date", "awk", "sed", "grep", "cat", "test", "dirname", "id", "mkdir", "tee",
    ];
    for (left_out, fake_timeout, expected) in
        [("flock", false, "needs flock (from util-linux)"), ("", true, "needs GNU timeout and date")]
    {
        let bin = temp_dir(&format!("requirements-bin-{}", if fake_timeout { "timeout" } else { left_out }));
        for tool in tools.iter().filter(|tool| **tool != left_out) {
            if *tool == "timeout" && fake_timeout {
                std::fs::write(bin.join("timeout"), "#!/bin/sh\necho 'timeout (BSD)'\n").expect("write");
                let _ = Command::new("chmod").args(["+x"]).arg(bin.join("timeout")).status();
                continue;
            }
            std::os::unix::fs::symlink(require_tool(tool), bin.join(tool)).expect("link");
        }
        let output = Command::new(bin.join("bash"))
            .arg(dir.join("run.sh"))
            .arg("--now")
            .current_dir(&dir)
            .env("PATH", &bin)
            .stdin(Stdio::null())
            .output()
            .expect("the runbook runs");
        assert_eq!(output.status.code(), Some(2), "{}", text(&output));
        assert!(text(&output).contains(expected), "{expected:?} in:\n{}", text(&output));
        assert_eq!(read(&dir, "steps"), "", "nothing ran");
        assert!(!dir.join(".golive-stub").exists(), "no state written");
    }
}

/// A plan that asks Prometheus or an HTTP API needs `curl` and `jq`: without `jq`, the runbook
/// stops at the start and says what to install (a plan with only `probe sh` metrics does not).
#[test]
fn a_query_source_needs_curl_and_jq_at_the_start() {
    let dir = temp_dir("requirements-jq");
    runbook(
        &dir,
        r#"plan queried {}
prometheus main { url "http://127.0.0.1:9" }
metric errors : percent { prometheus "sum(rate(errors_total[5m]))"; unit ratio }
phase work { run "Work" sh "echo work >> steps" }
gate healthy after work { require errors < 1%; on fail abort }
"#,
    );
    let bin = temp_dir("requirements-jq-bin");
    for tool in [
        "bash", "env", "flock", "timeout", "date", "awk", "sed", "grep", "cat", "test", "dirname", "id", "mkdir",
        "tee", "curl",
    ] {
        std::os::unix::fs::symlink(require_tool(tool), bin.join(tool)).expect("link");
    }
    let output = Command::new(bin.join("bash"))
        .arg(dir.join("run.sh"))
        .arg("--now")
        .current_dir(&dir)
        .env("PATH", &bin)
        .stdin(Stdio::null())
        .output()
        .expect("the runbook runs");
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(text(&output).contains("needs jq (from jq)"), "{}", text(&output));
    assert_eq!(read(&dir, "steps"), "", "nothing ran");
}

/// A run carried out in parts (the workflow's jobs side by side): once GOLIVE_RUN_ENDED_COMMAND
/// says another part ended the run, this runbook's watch stops (traced `stopped`), no end is
/// traced, and it exits 8. Without it, the watch would sample on to its end.
#[test]
fn a_run_ended_elsewhere_stops_the_nodes_here() {
    let _real_time = crate::support::real_time();
    let dir = temp_dir("ended-elsewhere");
    runbook(
        &dir,
        r#"plan parts {}
metric errors : percent { probe sh "echo 0.1" }
phase work { run "Work" sh "echo work >> steps" }
watch soak after work every 1m for 2h { errors < 1% }
watch latency after work every 1m for 2h { errors < 1% }
"#,
    );
    let mut child = spawnable(&dir, &["--now", "--only", "latency"])
        .env("GOLIVE_TIME_SCALE", "60")
        .env("GOLIVE_RUN_ENDED_COMMAND", "test -f ended")
        .spawn()
        .expect("spawn");
    wait_for("the watch's first samples", || read(&dir, ".golive-parts/trace").contains("sample"));
    assert!(child.try_wait().expect("wait").is_none(), "the watch goes on while the run goes on");
    std::fs::write(dir.join("ended"), "").expect("write");
    let output = child.wait_with_output().expect("the runbook ends");
    assert_eq!(output.status.code(), Some(8), "{}", text(&output));
    let trace = read(&dir, ".golive-parts/trace");
    assert!(trace.lines().any(|line| line.ends_with(" node_finished latency stopped")), "{trace}");
    assert!(!trace.contains("run_finished"), "the run's end is the other part's:\n{trace}");
    assert!(text(&output).contains("The run ended in another of its jobs"), "{}", text(&output));
}

/// A rollback level that let a failure through in one part of a run (a job of the workflow, or
/// a run before a resume) leaves the run completed with failures however the later parts end
/// (R17): the state they go on from says so.
#[test]
fn a_failure_let_through_in_an_earlier_part_is_never_forgotten() {
    let dir = temp_dir("let-through-earlier");
    runbook(
        &dir,
        r#"plan parts {}
metric errors : percent { probe sh "echo 0.5" }
rollback undo {
  level back when errors >= 1% or nodata { run "Undo" sh "echo undo >> rollback" }
  level fine when errors < 1% { continue }
}
phase deploy { run "Deploy" sh "false"; on fail rollback undo }
phase next after deploy { run "Next" sh "echo next >> steps" }
"#,
    );
    let first = spawnable(&dir, &["--now", "--only", "deploy"]).output().expect("runs");
    assert_eq!(first.status.code(), Some(6), "{}", text(&first));
    let second = spawnable(&dir, &["--now", "--only", "next"]).output().expect("runs");
    assert_eq!(second.status.code(), Some(6), "{}", text(&second));
    assert_eq!(read(&dir, "steps"), "next\n");
    assert!(read(&dir, ".golive-parts/trace").ends_with(" run_finished completed_with_failures 6\n"));
}

/// GOLIVE_RUN_ENDED_EVERY spaces the questions out (the workflow sets it so that its jobs stay
/// within the token's rate limit): over 20 minutes of the run's clock, asked every minute by
/// default, and at most twice when every 10 minutes.
#[test]
fn the_run_ended_question_is_asked_as_often_as_the_workflow_says() {
    let _real_time = crate::support::real_time();
    let asked = |every: Option<&str>| {
        let dir = temp_dir(&format!("ended-every-{}", every.unwrap_or("default")));
        runbook(
            &dir,
            r#"plan parts {}
metric errors : percent { probe sh "echo 0.1" }
watch soak every 1m for 20m { errors < 1% }
"#,
        );
        let mut command = spawnable(&dir, &["--now"]);
        command.env("GOLIVE_TIME_SCALE", "60").env("GOLIVE_RUN_ENDED_COMMAND", "echo asked >> asked; false");
        if let Some(every) = every {
            command.env("GOLIVE_RUN_ENDED_EVERY", every);
        }
        let output = command.output().expect("the runbook runs");
        assert_eq!(output.status.code(), Some(0), "{}", text(&output));
        read(&dir, "asked").lines().count()
    };
    let (by_default, every_ten_minutes) = std::thread::scope(|scope| {
        let by_default = scope.spawn(|| asked(None));
        let every_ten_minutes = scope.spawn(|| asked(Some("600")));
        (by_default.join().expect("runs"), every_ten_minutes.join().expect("runs"))
    });
    assert!(by_default >= 10, "asked {by_default} times in 20 minutes by default");
    assert!((1..=2).contains(&every_ten_minutes), "asked {every_ten_minutes} times in 20 minutes, every 10");
}

/// SIGTERM, SIGINT or SIGHUP stop the run and end the running command's whole process group;
/// they never start a rollback (docs/semantics.md, R24), even with a tree whose level would run.
#[test]
fn a_signal_stops_the_run_without_a_rollback() {
    for (signal, code) in [("TERM", 143), ("INT", 130), ("HUP", 129)] {
        let dir = temp_dir(&format!("signal-{signal}"));
        runbook(
            &dir,
            r#"plan signal {}

metric errors : percent { probe sh "cat errors" }

rollback undo {
  level back when errors >= 1% or nodata { run "Undo" sh "echo undo >> rollback" }
  level fine when errors < 1% { continue }
}

phase work {
  run "Long" sh "bash -c 'sleep 30 && echo late >> steps' & sleep 30 && echo long >> steps"
  on fail rollback undo
}
"#,
        );
        std::fs::write(dir.join("errors"), "3").expect("write");
        let mut child = spawnable(&dir, &["--now"]).spawn().expect("spawn");
        wait_for("the long step", || read(&dir, ".golive-signal/log").contains("start work.1"));
        std::thread::sleep(Duration::from_millis(300));
        let _ = Command::new("kill").args([&format!("-{signal}"), &child.id().to_string()]).status();
        let start = Instant::now();
        let status = child.wait().expect("wait");
        assert!(start.elapsed() < Duration::from_secs(10), "SIG{signal} did not stop the step");
        assert_eq!(status.code(), Some(code), "SIG{signal}");
        assert_eq!(read(&dir, "rollback"), "", "SIG{signal} started a rollback");
        let trace = read(&dir, ".golive-signal/trace");
        assert!(trace.contains(&format!("signal {signal}")) && !trace.contains("tree_entered"), "{trace}");
        // The whole group is gone: the lock is free at once, and nothing writes later.
        let rerun = run(&dir, &["--now"]);
        assert_eq!(rerun.status.code(), Some(5), "SIG{signal}: asks before running Long again: {}", text(&rerun));
        std::thread::sleep(Duration::from_millis(500));
        assert_eq!(read(&dir, "steps"), "", "SIG{signal}: a process of the step outlived it");
    }
}

#[test]
fn a_nul_byte_in_a_command_is_refused_by_the_checker() {
    let dir = temp_dir("nul");
    let source = dir.join("plan.golive");
    // In a title, shown escaped.
    std::fs::write(&source, "plan nul {}\n\nphase a {\n  run \"x\\0y\" sh \"true\"\n}\n").expect("write");
    let output = golivec(&["build", &source.to_string_lossy(), "--target", "shell"], None);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(String::from_utf8_lossy(&output.stdout).contains("u{0}y"), "the title is shown escaped");
    // In a command, which bash would run: the plan is refused when checked (E0405).
    std::fs::write(&source, "plan nul {}\n\nphase a {\n  run \"x\" sh \"echo x\\0y\"\n}\n").expect("write");
    let output = golivec(&["build", &source.to_string_lossy(), "--target", "shell"], None);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(stderr(&output).contains("E0405"), "{}", stderr(&output));
    assert!(output.stdout.is_empty());
}

/// A probe's output is read strictly (docs/semantics.md, R8): anything but one number, with at
/// most a unit of the metric's type, in the values the type takes, is no data, never a value.
/// A gate never passes on it.
#[test]
fn probe_output_is_read_strictly_and_conditions_fail_closed() {
    let dir = temp_dir("strict");
    runbook(
        &dir,
        r#"plan strict {}

metric availability : percent { probe sh "cat value" }

gate ready every 1s {
  require availability > 99%
  on fail abort
}

phase go after ready {
  run "Go" sh "echo go >> steps"
}
"#,
    );
    let huge = "9".repeat(200_000);
    // No data three times in a row is inconclusive (docs/semantics.md, R11): the person on duty
    // answers `abort` ahead, and the clock runs 20 times faster.
    std::fs::write(dir.join("answers"), "ready decide abort\n").expect("write");
    for bad in ["404 page not found", "0x10", "0,5", "-5", "inf", "nan", "", "150", "99.5 ms", huge.as_str()] {
        std::fs::write(dir.join("value"), bad).expect("write");
        let _ = std::fs::remove_dir_all(dir.join(".golive-strict"));
        let _ = std::fs::remove_file(dir.join("steps"));
        let output = command(&dir, &["--now", "--approvals", "answers"])
            .env("GOLIVE_TIME_SCALE", "20")
            .output()
            .expect("the runbook runs");
        let shown: String = bad.chars().take(20).collect();
        assert_eq!(output.status.code(), Some(1), "`{shown}` passed the gate: {}", text(&output));
        assert!(read(&dir, ".golive-strict/trace").contains("decided ready abort"), "`{shown}`: {}", text(&output));
        assert_eq!(read(&dir, "steps"), "", "`{shown}`");
        assert!(read(&dir, ".golive-strict/trace").contains("sample ready.require availability nodata"), "`{shown}`");
    }
    for good in ["99.5", "99.5%", " 99.9\n", "1e2"] {
        std::fs::write(dir.join("value"), good).expect("write");
        let _ = std::fs::remove_dir_all(dir.join(".golive-strict"));
        let _ = std::fs::remove_file(dir.join("steps"));
        let output = run(&dir, &["--now"]);
        assert_eq!(output.status.code(), Some(0), "`{good}` is a value: {}", text(&output));
        assert_eq!(read(&dir, "steps"), "go\n", "`{good}`");
    }
}

/// A size's probe output (R8) is read by the runbook as the simulator reads it: a bare number in
/// the declared unit (`unit MB`), or a number with a size unit of its own, decimal (KB = 1000 B)
/// or binary (KiB = 1024 B); a unit spelt otherwise, or another unit, is no data.
#[test]
fn size_output_is_read_alike_by_the_runbook_and_the_simulator() {
    let dir = temp_dir("sizes");
    let plan = r#"plan sizes {}

metric cache : size { probe sh "cat value"; unit MB }

gate ready every 1s {
  require cache < 1GB
  on fail abort
}

phase go after ready {
  run "Go" sh "echo go >> steps"
}
"#;
    runbook(&dir, plan);
    let (checked, _) = crate::support::render("sizes.golive", plan);
    let model = checked.model.expect("a sound plan");
    let metric = &model.metrics[0];
    std::fs::write(dir.join("answers"), "ready decide abort\n").expect("write");
    // (output, what the gate makes of it: passes, fails, or no data)
    let cases = [
        ("512", "passes"),
        ("999.9", "passes"),
        ("900MiB", "passes"),
        ("0.5 GB", "passes"),
        ("1e3KB", "passes"),
        ("1000", "fails"),
        ("1GiB", "fails"),
        ("1.5GB", "fails"),
        ("5mb", "nodata"),
        ("12 parsecs", "nodata"),
        ("-1MB", "nodata"),
        ("3s", "nodata"),
    ];
    for (output, expected) in cases {
        let simulated = match golivec::run::measure::parse_output(output, metric) {
            golivec::run::measure::Sample::Value(bytes) if bytes < 1e9 => "passes",
            golivec::run::measure::Sample::Value(_) => "fails",
            golivec::run::measure::Sample::NoData(_) => "nodata",
        };
        assert_eq!(simulated, expected, "the simulator reads `{output}`");
        std::fs::write(dir.join("value"), output).expect("write");
        let _ = std::fs::remove_dir_all(dir.join(".golive-sizes"));
        let _ = std::fs::remove_file(dir.join("steps"));
        let run = command(&dir, &["--now", "--approvals", "answers"])
            .env("GOLIVE_TIME_SCALE", "20")
            .output()
            .expect("the runbook runs");
        let trace = read(&dir, ".golive-sizes/trace");
        let read_as = if trace.contains("sample ready.require cache nodata") {
            "nodata"
        } else if run.status.code() == Some(0) {
            "passes"
        } else {
            "fails"
        };
        assert_eq!(read_as, expected, "the runbook reads `{output}`: {}", text(&run));
    }
}

/// The kill -9 harness (`scripts/kill9-harness.sh`), short: the runbook killed at random moments,
/// its main process alone or its whole process group, then run again until it ends; every step
/// leaves its effect exactly once, or twice only after the runbook asked to run it again. The
/// full run (200 trials and more) is recorded in bench/README.md.
#[test]
fn kill_9_at_random_moments_leaves_every_effect_once() {
    require_tool("setsid");
    let output = Command::new(root().join("scripts/kill9-harness.sh"))
        .arg("8")
        .env("GOLIVEC", env!("CARGO_BIN_EXE_golivec"))
        .output()
        .expect("the harness runs");
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("0 failures"),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
}

/// Plan text is shown with its control characters escaped, on the terminal and in the log: a
/// title or a message cannot clear the screen, reverse the text, or start a line of its own;
/// the notify command still receives the message as written.
#[test]
fn plan_text_cannot_forge_lines_or_reach_the_terminal_raw() {
    let dir = temp_dir("forge");
    runbook(
        &dir,
        "plan forge {}\n\nrole ops\n\nphase one {\n  group \"G\\u{1b}[2J\" {\n    run \"fine\\n2026-01-01T00:00:00+0000 finished one.9\\u{202e}\" sh \"true\"\n  }\n  notify ops \"line one\\nline two\\u{1b}[31m\"\n}\n",
    );
    let output = command(&dir, &["--now"]).env("GOLIVE_NOTIFY_COMMAND", "cat >> notified").output().expect("runs");
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    for shown in [text(&output), read(&dir, ".golive-forge/log")] {
        assert!(!shown.contains('\u{1b}') && !shown.contains('\u{202e}'), "{shown:?}");
        assert!(!shown.lines().any(|line| line.contains("finished one.9") && !line.contains("[one.1]")), "{shown}");
        assert!(!shown.lines().any(|line| line.trim_start().starts_with("line two")), "{shown}");
    }
    assert_eq!(read(&dir, "notified"), "line one\nline two\u{1b}[31m\n", "the message itself is sent as written");
}

/// The runbook in `dir` on a fast clock shared by every call (`origin`), as the workflow's
/// jobs run it one after the other on the same state.
fn run_on_clock(dir: &Path, args: &[&str], origin: &str) -> Output {
    let mut command = command(dir, args);
    command.env("GOLIVE_TIME_SCALE", "60").env("GOLIVE_CLOCK_ORIGIN", origin);
    command.output().expect("the runbook runs")
}

fn clock_origin() -> String {
    let micros = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("time").as_micros();
    format!("{micros} {}", micros / 1000)
}

/// A copy of `from` (the runbook, the probes' files and the state) in a fresh directory, as a
/// new runner gets it.
fn copy_dir(from: &Path, name: &str) -> PathBuf {
    let to = temp_dir(name);
    let status = Command::new("cp").arg("-a").arg(format!("{}/.", from.display())).arg(&to).status().expect("cp");
    assert!(status.success());
    to
}

const WATCH: &str = r#"plan slices { title "Slices" }

metric errors : percent { probe sh "cat errors" }

phase deploy {
  run "Deploy" sh "echo deploy >> steps"
  on fail rollback undo
}

watch w after deploy every 1m for 10m {
  errors < 5%
  on breach rollback undo
}

rollback undo {
  level critical when errors >= 10% or nodata { run "Roll back" sh "echo critical >> rollback" }
  level minor when errors < 10% { run "Roll back partly" sh "echo minor >> rollback" }
}
"#;

fn trace_times(dir: &Path, event: &str) -> Vec<i64> {
    read(dir, ".golive-slices/trace")
        .lines()
        .filter(|line| line.split(' ').nth(1) == Some(event))
        .filter_map(|line| line.split(' ').next()?.parse().ok())
        .collect()
}

#[test]
fn a_watch_stopped_by_its_slice_goes_on_in_the_next_run_to_the_same_end() {
    let first = temp_dir("slice-first");
    runbook(&first, WATCH);
    std::fs::write(first.join("errors"), "1\n").expect("write");
    let origin = clock_origin();
    let output = run_on_clock(&first, &["--now", "--slice-minutes", "3"], &origin);
    assert_eq!(output.status.code(), Some(7), "{}", text(&output));
    assert!(text(&output).contains("the slice is over"), "{}", text(&output));
    let window = read(&first, ".golive-slices/window.w.watch");
    let start: i64 = window.split(' ').next().and_then(|start| start.parse().ok()).expect("the window's start");
    let before = trace_times(&first, "decision").len();
    assert!((2..=4).contains(&before), "{before} samples in 3 minutes");
    // The record of the first slice alone: the run is not over.
    let record = run(&first, &["--record"]);
    assert_eq!(record.status.code(), Some(7), "{}", text(&record));
    assert!(text(&record).contains("End: to\\_be\\_continued** (exit 7)"), "{}", text(&record));
    // A new runner: the state copied to a fresh directory.
    let second = copy_dir(&first, "slice-second");
    let _ = std::fs::remove_dir_all(&first);
    let output = run_on_clock(&second, &["--now", "--slice-minutes", "30"], &origin);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert_eq!(read(&second, "steps"), "deploy\n", "the deployment ran once");
    assert!(text(&output).contains("going on: the window opened"), "{}", text(&output));
    let samples = trace_times(&second, "decision");
    assert!(samples.len() > before + 4, "sampling went on: {samples:?}");
    let end = *trace_times(&second, "run_finished").last().expect("the end");
    assert!(end >= start + 600_000 && end < start + 600_000 + 45_000, "the window kept its end: {start} to {end}");
    assert!(samples.windows(2).all(|pair| pair[1] - pair[0] <= 75_000), "a sample a minute: {samples:?}");
    // The record of both: the second slice's end is the run's, the hand-over is none.
    let record = run(&second, &["--record"]);
    assert_eq!(record.status.code(), Some(0), "{}", text(&record));
    assert!(text(&record).contains("End: completed** (exit 0)"), "{}", text(&record));
}

const BRANCHES: &str = r#"plan slices {}

phase a { run "A" sh "echo a >> steps" }
phase b { run "B" sh "echo b >> steps" }
phase c after a, b { run "C" sh "echo c >> steps" }
"#;

#[test]
fn merged_states_of_two_branches_resume_with_every_step_once() {
    let base = temp_dir("merge-base");
    runbook(&base, BRANCHES);
    let left = copy_dir(&base, "merge-left");
    let right = copy_dir(&base, "merge-right");
    assert_eq!(run(&left, &["--now", "--only", "a"]).status.code(), Some(0));
    assert_eq!(run(&right, &["--now", "--only", "b"]).status.code(), Some(0));
    let joined = copy_dir(&base, "merge-joined");
    for dir in [&left, &right] {
        let state = dir.join(".golive-slices");
        let output = run(&joined, &["--merge-state", &state.to_string_lossy()]);
        assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    }
    let output = run(&joined, &["--now"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert_eq!(read(&joined, "steps"), "c\n", "a and b ran in their branches, c once here");
    let done = read(&joined, ".golive-slices/done");
    for line in ["a.1", "b.1", "c.1", "node:a", "node:b"] {
        assert_eq!(done.lines().filter(|l| *l == line).count(), 1, "{line} once in {done}");
    }
    let times: Vec<i64> =
        read(&joined, ".golive-slices/trace").lines().filter_map(|line| line.split(' ').next()?.parse().ok()).collect();
    assert!(times.windows(2).all(|pair| pair[0] <= pair[1]), "the trace in time order");
    // Merging the same state again adds nothing.
    let again = run(&joined, &["--merge-state", &left.join(".golive-slices").to_string_lossy()]);
    assert_eq!(again.status.code(), Some(0));
    assert_eq!(read(&joined, ".golive-slices/done"), done);
}

const GATED: &str = r#"plan slices {}

metric errors : percent { probe sh "cat errors" }

gate ready every 1s {
  require errors < 5%
  on fail abort
}

phase deploy after ready {
  run "Deploy" sh "echo deploy >> steps && test ! -f fail_deploy"
  on fail rollback undo
}

rollback undo {
  level critical when errors >= 10% or nodata { run "Roll back" sh "echo critical >> rollback" }
  level minor when errors < 10% { run "Roll back partly" sh "echo minor >> rollback" }
}
"#;

#[test]
fn a_rollback_job_rolls_back_only_what_a_failed_change_left() {
    // A gate failed before any change: nothing to roll back.
    let gate = temp_dir("ifneeded-gate");
    runbook(&gate, GATED);
    std::fs::write(gate.join("errors"), "9\n").expect("write");
    assert_eq!(run(&gate, &["--now"]).status.code(), Some(1));
    let output = run(&gate, &["--now", "--rollback", "undo", "--if-needed"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert!(text(&output).contains("Nothing to roll back"), "{}", text(&output));
    assert_eq!(read(&gate, "rollback"), "");

    // The deployment failed and its run rolled back itself: nothing runs twice.
    let done = temp_dir("ifneeded-done");
    runbook(&done, GATED);
    std::fs::write(done.join("errors"), "1\n").expect("write");
    std::fs::write(done.join("fail_deploy"), "").expect("write");
    assert_eq!(run(&done, &["--now"]).status.code(), Some(3));
    assert_eq!(read(&done, "rollback"), "minor\n");
    let lost = copy_dir(&done, "ifneeded-lost");
    let output = run(&done, &["--now", "--rollback", "undo", "--if-needed"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert_eq!(read(&done, "rollback"), "minor\n", "{}", text(&output));

    // The same failure, its job lost before it could act (the state as it was saved then):
    // the rollback job enters the tree.
    let state = lost.join(".golive-slices");
    let trace = read(&lost, ".golive-slices/trace");
    let cut = trace.lines().position(|line| line.contains(" step_finished deploy.1 failed")).expect("the failure");
    let kept: Vec<&str> = trace.lines().take(cut + 1).collect();
    std::fs::write(state.join("trace"), kept.join("\n") + "\n").expect("write");
    let records = read(&lost, ".golive-slices/done");
    let kept: Vec<&str> = records
        .lines()
        .filter(|line| {
            !line.starts_with("rollback-level")
                && !line.starts_with("level-done")
                && *line != "rolled-back"
                && !line.starts_with("undo.")
                && !line.starts_with("started undo.")
        })
        .collect();
    std::fs::write(state.join("done"), kept.join("\n") + "\n").expect("write");
    std::fs::write(lost.join("rollback"), "").expect("write");
    let output = run(&lost, &["--now", "--rollback", "undo", "--if-needed"]);
    assert_eq!(output.status.code(), Some(3), "{}", text(&output));
    assert_eq!(read(&lost, "rollback"), "minor\n", "{}", text(&output));
}

#[test]
fn the_execution_record_shows_steps_values_and_decisions_with_plan_text_escaped() {
    let dir = temp_dir("record");
    let plan = GATED.replace(
        "plan slices {}",
        "plan slices { title \"<b>bold</b> | [link](http://x.y) ${{ secrets.X }} `code` <!-- c -->\" }",
    );
    runbook(&dir, &plan.replace("\"Deploy\"", "\"- item | <img src=x onerror=alert(1)>\""));
    std::fs::write(dir.join("errors"), "1\n").expect("write");
    assert_eq!(run(&dir, &["--now"]).status.code(), Some(0));
    let output = run(&dir, &["--record"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let record = String::from_utf8_lossy(&output.stdout).into_owned();
    for expected in [
        "End: completed** (exit 0)",
        "deploy.1 started",
        "errors = 1",
        "ready.require: holds",
        "| ready | gate | done |",
    ] {
        assert!(record.contains(expected), "{expected:?} in\n{record}");
    }
    for (escaped, raw) in [("\\<", "<"), ("\\]", "]"), ("\\$", "$"), ("\\`", "`"), ("\\[", "[")] {
        assert!(!record.replace(escaped, "").contains(raw), "{raw:?} unescaped in\n{record}");
    }
    assert!(record.contains("started: - item \\| \\<img"), "{record}");
    assert!(record.contains("\\<b\\>bold\\</b\\> \\| \\[link\\](http\\://x.y)"), "{record}");
    // Every table row has the cells of its header: no `|` of plan text splits one.
    for line in record.lines().filter(|line| line.starts_with('|')) {
        let cells = line.replace("\\|", "").matches('|').count();
        assert!(cells == 4, "{line}");
    }
}

/// A probe runs only with the secrets and vars it uses set: without one it gives no data and the
/// log says which is missing (never a crash); a rollout's `set` without its secret fails.
#[test]
fn probes_and_set_get_what_they_use_from_the_environment() {
    let dir = temp_dir("uses");
    runbook(
        &dir,
        r#"plan uses {}

var METRICS_DIR "Where the metric files are"
secret FLAG_TOKEN "Token of the flag service"

metric availability : percent { probe sh "cat \"$METRICS_DIR/value\"" uses METRICS_DIR }

gate ready every 1s {
  require availability > 99%
  on fail abort
}

rollout canary after ready every 1s {
  set sh "echo \"$FLAG_TOKEN $GOLIVE_WEIGHT\" >> weights" uses FLAG_TOKEN
  stage 100%
  on fail abort
}
"#,
    );
    std::fs::write(dir.join("value"), "99.9").expect("write");
    std::fs::write(dir.join("answers"), "ready decide abort\n").expect("write");
    let fresh = |dir: &Path| {
        let _ = std::fs::remove_dir_all(dir.join(".golive-uses"));
        let _ = std::fs::remove_file(dir.join("weights"));
    };
    // Without METRICS_DIR: no data, said in the log; three in a row are inconclusive, and the
    // answer recorded ahead aborts.
    let output = command(&dir, &["--now", "--approvals", "answers"])
        .env_remove("METRICS_DIR")
        .env("FLAG_TOKEN", "token")
        .env("GOLIVE_TIME_SCALE", "20")
        .output()
        .expect("the runbook runs");
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let trace = read(&dir, ".golive-uses/trace");
    assert!(trace.contains("sample ready.require availability nodata"), "{trace}");
    let log = read(&dir, ".golive-uses/log");
    assert!(log.contains("probe availability: METRICS_DIR is not set in the environment"), "{log}");
    assert!(log.contains("probe availability=nodata missing_variable"), "{log}");
    assert_eq!(read(&dir, "weights"), "");
    // With it, the probe reads it; without FLAG_TOKEN, the `set` fails before running.
    fresh(&dir);
    let output =
        command(&dir, &["--now"]).env("METRICS_DIR", &dir).env_remove("FLAG_TOKEN").output().expect("the runbook runs");
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(read(&dir, ".golive-uses/trace").contains("sample ready.require availability 99.9"), "{}", text(&output));
    assert!(text(&output).contains("FLAG_TOKEN is not set in the environment"), "{}", text(&output));
    assert_eq!(read(&dir, "weights"), "");
    // With both, everything runs.
    fresh(&dir);
    let output = command(&dir, &["--now"])
        .env("METRICS_DIR", &dir)
        .env("FLAG_TOKEN", "token")
        .output()
        .expect("the runbook runs");
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert_eq!(read(&dir, "weights"), "token 100\n");
}

/// A person declares a trigger while the run goes on (R22): `--declare TEXT --by NAME` from
/// another terminal, without the lock; the watch whose tree names it enters that tree at once
/// (within seconds), and the level that names it is chosen. A trigger on two lines is refused.
#[test]
fn a_declaration_sends_a_running_watch_into_its_tree() {
    let dir = temp_dir("declare");
    runbook(
        &dir,
        r#"plan declare {}

metric errors : percent { probe sh "cat errors" }

rollback undo {
  level security when declared "security issue" { run "Close the doors" sh "echo closed >> rollback" }
  level fine when errors < 1% { continue }
}

phase deploy { run "Deploy" sh "echo deployed >> steps"; on fail rollback undo }

watch soak after deploy every 1m for 2h {
  errors < 1%
  on breach rollback undo
}
"#,
    );
    std::fs::write(dir.join("errors"), "0.1").expect("write");
    // Two hours at 600 times real speed: 12 seconds, unless the declaration ends it.
    let child = fast(&dir, &["--now"]).spawn().expect("spawn");
    wait_for("the watch", || read(&dir, ".golive-declare/trace").contains("sample soak"));
    let refused = run(&dir, &["--declare", "security\nissue"]);
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused));
    let declared = run(&dir, &["--declare", "security issue", "--by", "dana"]);
    assert_eq!(declared.status.code(), Some(0), "{}", text(&declared));
    let output = child.wait_with_output().expect("wait");
    assert_eq!(output.status.code(), Some(3), "rolled back: {}", text(&output));
    assert_eq!(read(&dir, "rollback"), "closed\n");
    let trace = read(&dir, ".golive-declare/trace");
    assert!(trace.contains(" tree_entered undo") && trace.contains(" level_chosen undo security"), "{trace}");
    assert!(!trace.contains(" breach soak"), "a declaration is not a breach: {trace}");
    assert!(read(&dir, ".golive-declare/log").contains("declared \"security issue\" by dana while soak ran"));
}

/// R27: the runbook reads its clock in a window's zone with the offsets golivec wrote into it,
/// and finds the weekday and the time of day jiff finds, around every transition and at random
/// instants, in zones with summer time, a half-hour shift, a fractional offset and none.
#[test]
fn the_runbook_reads_the_clock_in_a_windows_zone_as_jiff_does() {
    let zones = ["Europe/Paris", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"];
    let mut plan = String::from(
        "plan zones { launch 2025-03-04T21:00:00[Europe/Paris] }\n\
         metric error_rate : percent { probe sh \"./metrics.sh\" }\n\
         phase switch at T0 {\n  run \"Switch\" sh \"./deploy.sh\"\n  on fail rollback undo\n}\n\
         # golivec: allow(W0702)\n\
         rollback undo {\n  level back when error_rate >= 1% or nodata { run \"Back\" sh \"./deploy.sh back\" }\n}\n",
    );
    for (index, zone) in zones.iter().enumerate() {
        plan.push_str(&format!(
            "window w{index} {{\n  days mon..sun\n  hours 00:00..24:00\n  zone \"{zone}\"\n  applies changes\n}}\n"
        ));
    }
    let dir = temp_dir("zones");
    let script = std::fs::read_to_string(runbook(&dir, &plan)).expect("read the runbook");
    // The zones' offsets and `local_time`, out of the runbook.
    let mut extract: Vec<&str> = script.lines().filter(|line| line.starts_with("ZONE_OFFSETS[")).collect();
    let start = script.lines().position(|line| line == "local_time() {").expect("local_time in the runbook");
    let body: Vec<&str> = script.lines().skip(start).take_while(|line| *line != "}").collect();
    extract.extend(body);
    extract.push("}");
    let mut instants: Vec<(usize, i64)> = Vec::new();
    let mut random = crate::support::Rng(27);
    for (index, zone) in zones.iter().enumerate() {
        let tz = jiff::tz::TimeZone::get(zone).expect("a known zone");
        let from = jiff::Timestamp::from_second(946_684_800).expect("2000");
        for transition in tz.following(from).take_while(|t| t.timestamp().as_second() < 4_102_444_800).take(40) {
            let at = transition.timestamp().as_millisecond();
            instants.extend([(index, at - 1), (index, at), (index, at + 60_000)]);
        }
        for _ in 0..200 {
            // From 2000 to 2100, to the millisecond.
            let seconds = random.below(2_000_000_000) + random.below(1_155_760_000);
            let at = 946_684_800_000 + i64::try_from(seconds).expect("small") * 1000 + 123;
            instants.push((index, at));
        }
    }
    let mut program = extract.join("\n");
    program.push_str(
        "\nwhile read -r zone at; do local_time \"$at\" \"$zone\"; echo \"$LOCAL_DAY $LOCAL_MINUTE\"; done\n",
    );
    let input: String = instants.iter().map(|(zone, at)| format!("{zone} {at}\n")).collect();
    let output = Command::new("bash")
        .args(["-c", &program])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().expect("stdin").write_all(input.as_bytes())?;
            child.wait_with_output()
        })
        .expect("bash runs");
    let lines: Vec<String> = String::from_utf8_lossy(&output.stdout).lines().map(String::from).collect();
    assert_eq!(lines.len(), instants.len(), "{}", String::from_utf8_lossy(&output.stderr));
    for ((zone, at), line) in instants.iter().zip(&lines) {
        let local = jiff::Timestamp::from_millisecond(*at)
            .expect("an instant")
            .to_zoned(jiff::tz::TimeZone::get(zones[*zone]).expect("a known zone"));
        let expected = format!(
            "{} {}",
            local.weekday().to_monday_one_offset(),
            i32::from(local.hour()) * 60 + i32::from(local.minute())
        );
        assert_eq!(line, &expected, "{} at {at} ms ({local})", zones[*zone]);
    }
    let _ = std::fs::remove_dir_all(&dir);
}
