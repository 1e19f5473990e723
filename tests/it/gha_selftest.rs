//! Self-tests of the workflow executor (`tests/it/gha`): each runs a small workflow of
//! `tests/fixtures/gha/` whose behaviour GitHub's documentation states (cited in the fixture
//! and here), and asserts on the results, so the executor is checked against the documented
//! behaviour before it is trusted with golivec's workflows.

use crate::gha::{self, Conclusion, Report, Review, RunOptions};
use crate::support::{golivec, root, stderr};
use std::path::PathBuf;
use Conclusion::{Cancelled, Failure, Skipped, Success};

/// A "repository" for `actions/checkout`: a fresh directory with one file.
fn repository(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("golivec-gha-repo-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("repository dir");
    std::fs::write(dir.join("README.md"), "test repository\n").expect("write");
    dir
}

fn run(fixture: &str, configure: impl FnOnce(&mut RunOptions)) -> Report {
    let workflow = gha::parse_file(&root().join("tests/fixtures/gha").join(fixture)).expect("the fixture parses");
    let mut options = RunOptions::new(&repository(fixture));
    options.time_scale = 300.0;
    configure(&mut options);
    gha::run(&workflow, &options).expect("the executor runs the workflow")
}

#[track_caller]
fn assert_results(report: &Report, expected: &[(&str, Conclusion)]) {
    for (job, result) in expected {
        assert_eq!(report.result(job), *result, "job `{job}`\n{}", report.logs());
    }
    assert_eq!(report.jobs.len(), expected.len(), "{:?}\n{}", report.results(), report.logs());
}

/// "Workflow syntax", `jobs.<job_id>.needs`, and "Evaluate expressions", status check
/// functions: skips propagate through `needs`; `failure()` sees any failed ancestor;
/// `always()` runs after a failure and a skip; outputs reach dependent jobs.
#[test]
fn gha_needs_skips_status_functions_and_outputs() {
    let report = run("needs.yml", |_| {});
    assert_results(
        &report,
        &[
            ("ok", Success),
            ("fails", Failure),
            ("after_fail", Skipped),
            ("after_skip", Skipped),
            ("grand_failure", Success),
            ("always", Success),
            ("reads_outputs", Success),
            ("false_if", Skipped),
        ],
    );
    let ok = report.job("ok");
    assert_eq!(ok.outputs.get("word").map(String::as_str), Some("hello"));
    assert_eq!(ok.outputs.get("multi").map(String::as_str), Some("line one\nline two"));
    let fails = report.job("fails");
    let outcomes: Vec<_> = fails.steps.iter().map(|s| (s.name.as_str(), s.conclusion)).collect();
    assert_eq!(outcomes, [("fail", Failure), ("not reached", Skipped), ("on failure", Success)], "{}", report.logs());
    assert!(fails.step("on failure").log.contains("the failure() step ran"));
    assert!(fails.step("fail").log.contains("Process completed with exit code 3"), "{}", report.logs());
    let always = report.job("always");
    // The order of `needs.*` is not documented; both results are there.
    let seen = always.outputs.get("seen").map(String::as_str).unwrap_or_default();
    assert!(seen == "failure,skipped" || seen == "skipped,failure", "{seen}\n{}", report.logs());
    assert!(always.log().contains("fails=failure after_skip=skipped"), "{}", report.logs());
}

/// actions/upload-artifact@v4 and actions/download-artifact@v4 (READMEs): hidden files left out
/// by default (v4.4+), a second upload of a name fails unless `overwrite: true`,
/// `merge-multiple`, one directory per artifact for a pattern, a missing name fails; and a
/// fresh workspace per job.
#[test]
fn gha_artifacts_and_fresh_workspaces() {
    let report = run("artifacts.yml", |_| {});
    assert_results(&report, &[("make", Success), ("use", Success)]);
    let make = report.job("make");
    let again = make.step("again");
    assert_eq!((again.outcome, again.conclusion), (Failure, Success), "{}", report.logs());
    assert!(again.log.contains("already exists"), "{}", again.log);
    assert_eq!(make.step("none").outcome, Failure, "{}", report.logs());
    let store = &report.artifacts;
    assert!(store.join("default-hidden/a.txt").is_file() && store.join("default-hidden/sub/b.txt").is_file());
    assert!(!store.join("default-hidden/.secret").exists() && !store.join("default-hidden/.hidden").exists());
    assert!(store.join("with-hidden/.secret").is_file() && store.join("with-hidden/.hidden/h.txt").is_file());
    assert!(store.join("replaced/a.txt").is_file() && !store.join("replaced/b.txt").exists());
    assert!(!store.join("empty").exists());
    let used = report.job("use");
    assert_eq!(used.step("fresh workspace").conclusion, Success, "{}", report.logs());
    assert_eq!(used.step("check").conclusion, Success, "{}", report.logs());
    let missing = used.step("missing");
    assert_eq!((missing.outcome, missing.conclusion), (Failure, Success), "{}", report.logs());
    assert!(missing.log.contains("Artifact 'no-such-artifact' not found"), "{}", missing.log);
    // The first job's own file is in its workspace, not in the second one's.
    let workspace = |job: &str| report.job(job).workspace.clone().expect("a workspace");
    assert!(workspace("make").join("job-local.txt").is_file());
    assert!(!workspace("use").join("job-local.txt").exists());
}

/// "Workflow commands" (GITHUB_ENV, GITHUB_OUTPUT, GITHUB_PATH, GITHUB_STEP_SUMMARY),
/// "Contexts reference" (`inputs` booleans are booleans, `github.event.inputs` strings), the
/// default shells of "Workflow syntax" (`bash -e {0}`; `shell: bash` adds pipefail) and masked
/// secrets.
#[test]
fn gha_inputs_env_files_shells_and_masking() {
    let report = run("env_files.yml", |options| {
        options.secrets.insert("TOKEN".into(), "s3cr3t-value".into());
    });
    assert_results(&report, &[("env", Success)]);
    let job = report.job("env");
    let output = |name: &str| job.outputs.get(name).map(String::as_str);
    assert_eq!(output("flag_is_bool"), Some("true"), "{}", report.logs());
    assert_eq!(output("event_flag"), Some("true"));
    assert_eq!(output("json"), Some("\"dflt\""));
    assert_eq!(output("step_env"), Some("set by step 1"));
    assert!(job.summary.contains("# Summary title"), "{}", report.logs());
    let first = job.step("first");
    assert!(first.log.contains("secret is ***") && !first.log.contains("s3cr3t"), "{}", first.log);
    let pipefail = job.step("pipefail");
    assert_eq!((pipefail.outcome, pipefail.conclusion), (Failure, Success), "{}", report.logs());
    assert_eq!(job.step("default shell has no pipefail").conclusion, Success);

    // A given input replaces the default.
    let report = run("env_files.yml", |options| {
        options.inputs.insert("word".into(), "other".into());
    });
    assert_eq!(report.result("env"), Failure, "the fixture checks the default word:\n{}", report.logs());
    assert_eq!(report.job("env").step("second").conclusion, Failure);
}

/// Step and job `timeout-minutes`: a step past its timeout fails (actions/runner StepsRunner);
/// a job past its timeout is cancelled: its running step gets SIGINT, its `always()` steps
/// still run, and dependent jobs see `cancelled`, for which `failure()` is false.
#[test]
fn gha_timeouts() {
    let _real_time = crate::support::real_time();
    // One minute is one second here: the scripts install their traps well within it, even on a
    // loaded machine.
    let report = run("timeout.yml", |options| options.time_scale = 60.0);
    assert_results(
        &report,
        &[("slow_step", Failure), ("slow_job", Cancelled), ("after_timeout", Skipped), ("reads_result", Success)],
    );
    let slow_step = report.job("slow_step");
    assert!(slow_step.step("sleepy").log.contains("has timed out after 1 minutes"), "{}", report.logs());
    assert_eq!(slow_step.step("after").conclusion, Success);
    let slow_job = report.job("slow_job");
    let steps: Vec<_> = slow_job.steps.iter().map(|s| (s.name.as_str(), s.conclusion)).collect();
    assert_eq!(steps, [("slow", Cancelled), ("not run", Skipped), ("always runs", Success)], "{}", report.logs());
    assert!(slow_job.step("slow").log.contains("got SIGINT"), "{}", report.logs());
    assert!(slow_job.notes.contains("exceeded the maximum execution time"), "{}", report.logs());
}

/// "Workflow cancellation reference": running steps get SIGINT (then SIGTERM 7500 ms later,
/// scaled); a queued job is cancelled; `always()` and `cancelled()` jobs run; a job waiting
/// for a review is cancelled.
#[test]
fn gha_cancellation() {
    let _real_time = crate::support::real_time();
    let report = run("cancel.yml", |options| {
        options.time_scale = 60.0;
        options.cancel_after_minutes = Some(1.0);
        options.reviews.insert("nobody-reviews".into(), Review::Never);
    });
    assert_results(
        &report,
        &[
            ("long", Cancelled),
            ("ignores_int", Cancelled),
            ("waits_for_review", Cancelled),
            ("queued", Cancelled),
            ("cleanup", Success),
            ("on_cancel", Success),
        ],
    );
    let long = report.job("long");
    let steps: Vec<_> = long.steps.iter().map(|s| (s.name.as_str(), s.conclusion)).collect();
    assert_eq!(steps, [("wait", Cancelled), ("after cancel", Skipped), ("cleanup step", Success)], "{}", report.logs());
    assert!(long.step("wait").log.contains("started\ngot SIGINT"), "{}", report.logs());
    assert!(report.job("ignores_int").log().contains("got SIGTERM"), "{}", report.logs());
    assert_eq!(report.job("cleanup").outputs.get("long").map(String::as_str), Some("cancelled"));
    assert!(report.job("queued").steps.is_empty());
    assert!(report.job("waits_for_review").steps.is_empty());
}

/// Environments with required reviewers: an approved job runs, a rejected one fails without
/// running, an unprotected one runs at once; the stub `gh` serves the review history.
#[test]
fn gha_environments_and_the_approvals_stub() {
    let report = run("environments.yml", |options| {
        options.reviews.insert("production".into(), Review::approve("alice", 1.0));
        options.reviews.insert("staging".into(), Review::reject("bob", 0.5));
    });
    assert_results(
        &report,
        &[("approved", Success), ("unprotected", Success), ("rejected", Failure), ("after_rejected", Success)],
    );
    assert!(report.job("rejected").steps.is_empty(), "{}", report.logs());
    assert!(report.job("approved").notes.contains("alice approved the deployment to production"));
    let reviews = report.reviews.as_array().expect("an array");
    assert_eq!(reviews.len(), 2, "{}", report.reviews);
    assert_eq!(reviews[0]["environments"][0]["name"], "production");
    assert_eq!(reviews[0]["state"], "approved");
    assert_eq!(reviews[0]["user"]["login"], "alice");
    assert_eq!(reviews[1]["state"], "rejected");
    assert!(report.job("approved").log().contains("\"login\": \"alice\""), "{}", report.logs());
}

/// What the executor does not implement is refused, not ignored.
#[test]
fn gha_refuses_what_it_does_not_implement() {
    let refused = |yaml: &str, expected: &str| {
        let error = gha::parse(yaml).expect_err(yaml);
        assert!(error.contains(expected), "{error}");
    };
    let job = |body: &str| format!("on: workflow_dispatch\njobs:\n  j:\n    runs-on: ubuntu-latest\n{body}");
    refused(&job("    strategy: {}\n    steps: [{run: x}]\n"), "`strategy` is not implemented");
    refused(&job("    steps: [{uses: actions/cache@v4}]\n"), "action `actions/cache`");
    refused(&job("    steps: [{uses: actions/upload-artifact@v3, with: {path: x}}]\n"), "only v4");
    refused(
        &job("    steps: [{uses: actions/upload-artifact@v4, with: {path: x, archive: false}}]\n"),
        "input `archive`",
    );
    refused(&job("    steps: [{run: x, if: secrets.A == 'b'}]\n"), "unrecognized named-value `secrets`");
    refused(&job("    if: env.A == 'b'\n    steps: [{run: x}]\n"), "unrecognized named-value `env`");
    refused(&job("    steps: [{run: 'echo ${{ hashFiles(''x'') }}'}]\n"), "hashFiles");
    refused(&job("    steps: [{run: x, shell: pwsh}]\n"), "shell `pwsh`");
    refused("on: push\njobs: {}\n", "`push` is not implemented");
    refused("on: workflow_dispatch\njobs:\n  j:\n    steps: [{run: x}]\n", "no `runs-on`");
    assert!(gha::parse(&job("    steps: [{run: x}]\n")).is_ok());
}

/// A golivec-built workflow of `examples/tour.golive`, dry run: every job succeeds, and the
/// rollback job is skipped (nothing failed).
#[test]
fn gha_tour_example_dry_run() {
    let repository = repository("tour");
    let out = repository.join("golive");
    let output = golivec(
        &["build", "examples/tour.golive", "--target", "shell,markdown,workflow", "-o", &out.to_string_lossy()],
        None,
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let workflow = gha::parse_file(&out.join("tour.yml")).expect("the generated workflow parses");
    let mut options = RunOptions::new(&repository);
    options.time_scale = 300.0;
    options.env.insert("GOLIVE_TIME_SCALE".into(), "300".into());
    options.secrets.insert("AZURE_CREDENTIALS".into(), "azure-secret".into());
    for environment in ["tour-ready", "tour-go_no_go", "tour-go_no_go-2", "production"] {
        options.reviews.insert(environment.into(), Review::approve("alice", 0.1));
    }
    let report = gha::run(&workflow, &options).expect("runs");
    assert_eq!(report.jobs.len(), workflow.jobs.len());
    for job in &report.jobs {
        // A dry run waits for nothing: the first slice of a job does it all, the others skip.
        // An approval job of a quorum (`NODE-approval-K`) runs: its environment is approved.
        let later_slice = job.id.contains('-') && !job.id.contains("-approval-");
        let expected = if job.id.starts_with("rollback_") || later_slice { Skipped } else { Success };
        assert_eq!(job.result, expected, "job `{}`\n{}", job.id, report.logs());
    }
    assert!(report.job("checklist").summary.contains("tour"), "{}", report.logs());
}
