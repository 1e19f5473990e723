//! `--target workflow` through the binary, checked by the real tools: actionlint (which runs
//! shellcheck on every `run:` script when shellcheck is on PATH) and check-jsonschema's
//! built-in GitHub workflow schema.

use crate::support::{files, golivec, require_tool, root, stderr, stdout};
use std::process::Command;

fn build(plan: &str) -> String {
    let output = golivec(&["build", plan, "--target", "workflow"], None);
    assert_eq!(output.status.code(), Some(0), "{plan}: {}", stderr(&output));
    stdout(&output)
}

fn temp_file(name: &str, text: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("golivec-workflow-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    path
}

fn assert_valid(name: &str, workflow: &str) {
    require_tool("shellcheck");
    let path = temp_file(&format!("{name}.yml"), workflow);
    let actionlint = Command::new(require_tool("actionlint")).arg(&path).output().expect("actionlint runs");
    assert!(
        actionlint.status.success(),
        "actionlint on {name}:\n{}{}",
        String::from_utf8_lossy(&actionlint.stdout),
        String::from_utf8_lossy(&actionlint.stderr)
    );
    let schema = Command::new(require_tool("check-jsonschema"))
        .args(["--builtin-schema", "vendor.github-workflows"])
        .arg(&path)
        .output()
        .expect("check-jsonschema runs");
    assert!(schema.status.success(), "schema on {name}:\n{}", String::from_utf8_lossy(&schema.stdout));
}

#[test]
fn every_example_builds_a_valid_workflow() {
    for example in files(&root().join("examples"), "golive") {
        let name = example.file_stem().expect("stem").to_string_lossy().into_owned();
        assert_valid(&name, &build(&example.to_string_lossy()));
    }
}

#[test]
fn tour_workflow_snapshot() {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(root().join("tests/it/snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| insta::assert_snapshot!("workflow-tour", build("examples/tour.golive")));
}

/// Every `${{ ... }}` expression in a workflow, trimmed.
fn expressions(workflow: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = workflow;
    while let Some(start) = rest.find("${{") {
        let after = &rest[start + 3..];
        let Some(end) = after.find("}}") else { break };
        found.push(after[..end].trim().to_string());
        rest = &after[end + 2..];
    }
    found
}

#[derive(Default)]
struct Declared {
    secrets: Vec<String>,
    vars: Vec<String>,
    inputs: Vec<String>,
}

/// The only expressions a generated workflow may hold: its inputs (`t0`, `dry_run` and the
/// plan's declared inputs), the actor, a declared secret or var, the run step's `done` and `more` outputs, the literal `'${{'`, or a job
/// condition made of status functions, `!inputs.dry_run` and the `done`/`more` outputs of
/// needed jobs.
fn allowed(expression: &str, declared: &Declared) -> bool {
    matches!(
        expression,
        "inputs.t0"
            | "inputs.dry_run"
            | "github.actor"
            | "github.token"
            | "'${{'"
            | "steps.run.outputs.done"
            | "steps.run.outputs.more"
            // A triggered plan's T0: decided once by the golive-t0 job, read by every job.
            | "steps.t0.outputs.t0"
            | "needs.golive-t0.outputs.t0"
    ) || expression.strip_prefix("secrets.").is_some_and(|name| declared.secrets.iter().any(|secret| secret == name))
        || expression.strip_prefix("vars.").is_some_and(|name| declared.vars.iter().any(|var| var == name))
        || expression.strip_prefix("inputs.").is_some_and(|name| declared.inputs.iter().any(|input| input == name))
        || expression.split(|c: char| c.is_whitespace() || c == '(' || c == ')').filter(|word| !word.is_empty()).all(
            |word| {
                matches!(
                    word,
                    "!cancelled"
                        | "failure"
                        | "always"
                        | "!inputs.dry_run"
                        | "&&"
                        | "||"
                        | "=="
                        | "'true'"
                        | "contains"
                        | "needs.*.result,"
                        | "'cancelled'"
                ) || word.strip_prefix("needs.").and_then(|rest| rest.rsplit_once(".outputs.")).is_some_and(
                    |(job, output)| matches!(output, "done" | "more") && job.split('-').all(|part| !part.is_empty()),
                )
            },
        )
}

/// The secrets and the vars a plan declares, read from its JSON view.
fn declared(plan: &str) -> Declared {
    let output = golivec(&["build", plan, "--target", "json"], None);
    assert_eq!(output.status.code(), Some(0), "{plan}: {}", stderr(&output));
    let view: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("JSON");
    let names = |key: &str| -> Vec<String> {
        view[key]
            .as_array()
            .map(|list| list.iter().filter_map(|item| item["name"].as_str().map(String::from)).collect())
            .unwrap_or_default()
    };
    Declared { secrets: names("secrets"), vars: names("vars"), inputs: names("inputs") }
}

#[test]
fn expressions_only_read_inputs_the_actor_and_declared_secrets_and_vars() {
    let mut seen_vars = 0;
    for example in files(&root().join("examples"), "golive") {
        let plan = example.to_string_lossy();
        let workflow = build(&plan);
        let declared = declared(&plan);
        for expression in expressions(&workflow) {
            assert!(
                allowed(&expression, &declared),
                "{}: unexpected expression `${{{{ {expression} }}}}`",
                example.display()
            );
            seen_vars += usize::from(expression.starts_with("vars."));
        }
    }
    assert!(seen_vars > 0, "the examples' probes read configuration variables");
}

/// Each job gets in `env:` exactly the secrets and vars that what it runs uses: its steps, a
/// rollout's `set`, the probes its conditions sample, and the trees it may roll back into.
#[test]
fn each_job_gets_exactly_the_secrets_and_vars_it_uses() {
    let plan = r#"plan inputs { title "Inputs"; launch 2025-03-04T09:30:00Z }
role ops "Ops"
env staging { url "https://staging.example.com" }
env production { url "https://example.com"; approval ops }
var HEALTH_URL
var METRICS_URL
secret METRICS_TOKEN
var FLAG_API
secret FLAG_TOKEN
secret DEPLOY_TOKEN
var UNUSED_VAR
secret UNUSED_SECRET
metric up : bool { probe sh "curl -fsS $HEALTH_URL" uses HEALTH_URL }
metric errors : percent { probe sh "curl -fsS -H 'Authorization: '$METRICS_TOKEN $METRICS_URL" uses METRICS_URL, METRICS_TOKEN }
gate go at T-1h { approve ops; require up; on fail abort }
phase deploy after go on production {
  run "Deploy" sh "./deploy.sh $DEPLOY_TOKEN" uses DEPLOY_TOKEN
  on fail rollback incident
}
rollout canary after deploy on staging every 1m {
  set sh "curl -fsS -H 'Authorization: '$FLAG_TOKEN $FLAG_API/$GOLIVE_WEIGHT" uses FLAG_API, FLAG_TOKEN
  stage 50% hold 10m
  stage 100%
  require errors < 1%
  on fail abort
}
rollback incident {
  level undo when errors >= 1% or nodata { run "Flag off" sh "curl -fsS -H 'Authorization: '$FLAG_TOKEN $FLAG_API/0" uses FLAG_API, FLAG_TOKEN }
  level fine when errors < 1% { continue }
}
"#;
    let path = temp_file("inputs.golive", plan);
    let workflow = build(&path.to_string_lossy());
    assert_valid("inputs", &workflow);
    let parsed: serde_yaml_ng::Value = serde_yaml_ng::from_str(&workflow).expect("YAML");
    let given = |job: &str| -> Vec<String> {
        let env = parsed["jobs"][job]["env"].as_mapping().cloned().unwrap_or_default();
        let mut found: Vec<String> = env
            .iter()
            .filter_map(|(_, value)| value.as_str())
            .filter(|value| value.contains("secrets.") || value.contains("vars."))
            .map(|value| value.trim_start_matches("${{").trim_end_matches("}}").trim().to_string())
            .collect();
        found.sort();
        found
    };
    let expected = [
        ("go", vec!["vars.HEALTH_URL"]),
        (
            "deploy",
            vec![
                "secrets.DEPLOY_TOKEN",
                "secrets.FLAG_TOKEN",
                "secrets.METRICS_TOKEN",
                "vars.FLAG_API",
                "vars.METRICS_URL",
            ],
        ),
        ("canary", vec!["secrets.FLAG_TOKEN", "secrets.METRICS_TOKEN", "vars.FLAG_API", "vars.METRICS_URL"]),
        ("rollback_incident", vec!["secrets.FLAG_TOKEN", "secrets.METRICS_TOKEN", "vars.FLAG_API", "vars.METRICS_URL"]),
        ("checklist", vec![]),
    ];
    for (job, names) in expected {
        assert!(parsed["jobs"][job].is_mapping(), "no job {job}:\n{workflow}");
        assert_eq!(given(job), names, "job {job}:\n{workflow}");
    }
    // Each name is given under its own name, and nothing unused is given at all.
    assert!(workflow.contains("      FLAG_API: ${{ vars.FLAG_API }}"), "{workflow}");
    assert!(!workflow.contains("UNUSED"), "{workflow}");
}

#[test]
fn hostile_plan_text_never_becomes_an_expression_or_a_script() {
    for text in crate::injection::hostile_strings(60) {
        let plan = crate::injection::plan_with(&text);
        let output = golivec(&["build", "-", "--target", "workflow"], Some(plan.as_bytes()));
        assert_eq!(output.status.code(), Some(0), "{text:?}: {}", stderr(&output));
        let workflow = stdout(&output);
        for expression in expressions(&workflow) {
            assert!(allowed(&expression, &Declared::default()), "{text:?}: unexpected expression {expression:?}");
        }
        // No plan text reaches the workflow: the checklist and the runbook show it.
        let fragment = text.trim_start_matches('a');
        if fragment.len() > 3 && !fragment.chars().all(|c| c.is_ascii_alphanumeric() || c == ' ') {
            assert!(!workflow.contains(fragment), "{text:?} reached the workflow");
        }
    }
    let path = temp_file(
        "hostile.yml",
        &stdout(&golivec(
            &["build", "-", "--target", "workflow"],
            Some(crate::injection::plan_with("$(id) `x` ${{ secrets.X }} \" '\n|").as_bytes()),
        )),
    );
    assert_valid("hostile", &std::fs::read_to_string(path).expect("read"));
}

#[test]
fn github_limits_are_reported() {
    let plan = r#"plan long_watch { title "Long watch"; launch 2025-03-04T09:30:00Z }
role ops "Ops"
role a "A"
role b "B"
role c "C"
role d "D"
role e "E"
role f "F"
env production { tier production; approval ops }
metric up : bool { probe sh "true" }
gate sign_off at T-12h { approve 2 of ops, a, b, c, d, e, f; on fail abort }
phase deploy at T0 after sign_off on production { approve a; run "Deploy" sh "./deploy.sh" timeout 10m; on fail rollback incident }
watch two_days after deploy every 1h for 48h { up; on breach rollback incident }
rollback incident { level critical when not up or nodata { run "Roll back" sh "./rollback.sh" timeout 10m } }
"#;
    let output = golivec(&["build", "-", "--target", "workflow"], Some(plan.as_bytes()));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let warnings = stderr(&output);
    for code in ["W1002", "W1004", "W1005"] {
        assert!(warnings.lines().any(|line| line == code), "no {code}:\n{warnings}");
    }
    assert!(warnings.contains("a runner waits 12h00m for `deploy` to start"), "{warnings}");
    assert!(warnings.contains("`a` is never asked for this approval"), "{warnings}");
    assert!(warnings.contains("needs 7 required reviewers, more than the 6 GitHub takes"), "{warnings}");
    assert!(stdout(&output).contains("timeout-minutes: 360"), "{}", stdout(&output));
    // As real diagnostics: silenced by `--allow`, and errors with `--deny warnings`.
    let allowed = golivec(
        &["build", "-", "--target", "workflow", "--allow", "W1002", "--allow", "W1004", "--allow", "W1005"],
        Some(plan.as_bytes()),
    );
    assert_eq!((allowed.status.code(), stderr(&allowed)), (Some(0), String::new()));
    let denied = golivec(&["build", "-", "--target", "workflow", "--deny", "warnings"], Some(plan.as_bytes()));
    assert_eq!(denied.status.code(), Some(1), "{}", stderr(&denied));
    assert!(stdout(&denied).is_empty(), "a plan with errors builds nothing");
    // Only the targets named: the runbook has none of these limits.
    let shell = golivec(&["build", "-", "--target", "shell"], Some(plan.as_bytes()));
    assert_eq!((shell.status.code(), stderr(&shell)), (Some(0), String::new()));
}

/// A plan's `# golivec: allow(...)` comments made inert: every finding shows.
fn without_allows(text: &str) -> String {
    text.replace("golivec: allow(", "golivec: inert(")
}

/// The lints that only `golivec lint` reports (W0905 aside, which the workflow reports too).
const LINTS_ONLY: [&str; 8] = ["--allow", "W0901", "--allow", "W0902", "--allow", "W0903", "--allow", "W0904"];

/// One decision: `golivec build --target workflow` prints exactly what
/// `golivec lint --target workflow` prints about the plan, lints on commands aside (W0901 to
/// W0904, which `build` does not run), on every example as written (nothing) and with its
/// `allow` comments made inert (every finding). The README's first command prints nothing.
#[test]
fn build_reports_what_lint_reports_about_the_target() {
    let dir = std::env::temp_dir().join(format!("golivec-build-lint-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let out = dir.join("plan.yml");
    let out = out.to_string_lossy();
    let mut limits = 0;
    for example in files(&root().join("examples"), "golive") {
        let path = example.to_string_lossy().into_owned();
        let built = golivec(&["build", &path, "--target", "workflow", "-o", &out], None);
        assert_eq!((built.status.code(), stderr(&built)), (Some(0), String::new()), "{path} prints warnings");
        let text = std::fs::read_to_string(&example).expect("example");
        for (name, text) in [("as written", text.clone()), ("without allows", without_allows(&text))] {
            let mut lint_args = vec!["lint", "--target", "workflow", "--color", "never", "-"];
            lint_args.extend(LINTS_ONLY);
            let lint = golivec(&lint_args, Some(text.as_bytes()));
            // `build` has no `--color`: its standard error is not a terminal here, so it has none.
            let build = golivec(&["build", "-", "--target", "workflow", "-o", &out], Some(text.as_bytes()));
            assert_eq!(build.status.code(), Some(0), "{path} {name}: {}", stderr(&build));
            assert_eq!(stderr(&build), stderr(&lint), "{path} {name}: build and lint differ");
            limits += stderr(&build).lines().filter(|line| line.starts_with("W10")).count();
        }
    }
    assert!(limits > 0, "no example runs into a limit of the workflow: the test proves nothing");
}

/// The step ids of each `approved-by` record in a workflow.
fn recorded_approvals(workflow: &str) -> Vec<String> {
    workflow
        .lines()
        .filter_map(|line| line.trim_start().strip_prefix("for id in "))
        .filter_map(|rest| rest.split_once(r#"; do printf '%s %s %s\n' "$id" "$answer" "$login""#))
        .flat_map(|(ids, _)| ids.split_whitespace().map(String::from).collect::<Vec<_>>())
        .collect()
}

/// The ids of the `check` and `approve` steps of a list of items of the JSON view.
fn answered_steps(items: &serde_json::Value, found: &mut Vec<String>) {
    for item in items.as_array().into_iter().flatten() {
        match item["item"].as_str() {
            Some("group") => answered_steps(&item["items"], found),
            _ if matches!(item["kind"].as_str(), Some("check" | "approve")) => {
                found.push(item["id"].as_str().unwrap_or_default().to_string());
            }
            _ => {}
        }
    }
}

/// One decision: for every node of every example and near-miss fixture, either the workflow
/// records an answer for each of its checks and approvals (its job waits for reviewers) and
/// `golivec lint` reports no W0905 in it, or the workflow records none and lint reports W0905 on
/// each; and lint reports W0905 on each check and approval of a rollback level, for which the
/// workflow records nothing.
#[test]
fn lint_and_the_workflow_agree_on_who_answers() {
    let mut plans = files(&root().join("examples"), "golive");
    plans.extend(files(&root().join("tests/fixtures/ok"), "golive"));
    let (mut attended, mut unattended) = (0, 0);
    for plan in &plans {
        let dir = plan.parent().expect("directory").to_string_lossy().into_owned();
        let text = without_allows(&std::fs::read_to_string(plan).expect("plan"));
        let run = |args: &[&str]| {
            let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_golivec"));
            command.args(args).arg("-").current_dir(&dir);
            command.stdin(std::process::Stdio::piped()).stdout(std::process::Stdio::piped());
            command.stderr(std::process::Stdio::piped());
            let mut child = command.spawn().expect("golivec runs");
            use std::io::Write;
            let _ = child.stdin.take().expect("stdin").write_all(text.as_bytes());
            let output = child.wait_with_output().expect("golivec finishes");
            assert!(output.status.success(), "{}: {args:?}: {}", plan.display(), stderr(&output));
            stdout(&output)
        };
        let view: serde_json::Value = serde_json::from_str(&run(&["build", "--target", "json"])).expect("JSON view");
        let recorded = recorded_approvals(&run(&["build", "--target", "workflow"]));
        let lint: serde_json::Value = serde_json::from_str(&run(&["lint", "--format", "json"])).expect("JSON report");
        let w0905: Vec<String> = lint["diagnostics"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|diagnostic| diagnostic["code"] == "W0905")
            .map(|diagnostic| diagnostic["message"].as_str().unwrap_or_default().to_string())
            .collect();
        let reported = |place: &str| w0905.iter().filter(|message| message.contains(&format!(" in {place},"))).count();
        for node in view["nodes"].as_array().into_iter().flatten() {
            let name = node["name"].as_str().unwrap_or_default();
            let mut steps = Vec::new();
            answered_steps(&node["items"], &mut steps);
            let answered = steps.iter().filter(|id| recorded.contains(id)).count();
            let place = format!("`{name}`");
            let expected = if answered == 0 { steps.len() } else { 0 };
            assert!(answered == 0 || answered == steps.len(), "{}: `{name}` records some answers", plan.display());
            assert_eq!(reported(&place), expected, "{}: W0905 in `{name}` disagrees with the workflow", plan.display());
            attended += answered;
            unattended += expected;
        }
        for tree in view["rollbacks"].as_array().into_iter().flatten() {
            let name = tree["name"].as_str().unwrap_or_default();
            let mut steps = Vec::new();
            for level in tree["levels"].as_array().into_iter().flatten() {
                answered_steps(&level["items"], &mut steps);
            }
            assert!(
                !steps.iter().any(|id| recorded.contains(id)),
                "{}: the workflow records rollback answers",
                plan.display()
            );
            let place = format!("rollback tree `{name}`");
            assert_eq!(reported(&place), steps.len(), "{}: W0905 in `{name}` disagrees", plan.display());
            unattended += steps.len();
        }
    }
    assert!(attended > 0 && unattended > 0, "both cases must occur: {attended} attended, {unattended} unattended");
}

#[test]
fn the_documented_ci_job_passes_actionlint() {
    let guide = std::fs::read_to_string(root().join("docs/ci.md")).expect("docs/ci.md");
    let start = guide.find("```yaml\nname:").expect("the job in docs/ci.md") + "```yaml\n".len();
    let end = start + guide[start..].find("```").expect("the end of the block");
    assert_valid("documented-ci", &guide[start..end]);
}

/// The environment of each job that records approvals for the runbook (`approved-by`).
fn environments_recording_approvals(workflow: &str) -> Vec<String> {
    // `jq -r --arg envs "ENV..." ...`: the environments whose reviews a job records as answers.
    workflow
        .lines()
        .filter_map(|line| line.trim_start().strip_prefix("jq -r --arg envs \""))
        .filter_map(|rest| rest.split_once('"').map(|(names, _)| names))
        .flat_map(|names| names.split_whitespace().map(str::to_string).collect::<Vec<_>>())
        .collect()
}

/// A job records approvals in someone's name only from environments whose passing took a
/// reviewer: the checklist sets each up with required reviewers. (An environment GitHub creates
/// on first use has none, so its job would run at once.)
#[test]
fn approvals_are_recorded_only_behind_required_reviewers() {
    let mut plans = files(&root().join("examples"), "golive");
    plans.extend(files(&root().join("tests/fixtures/ok"), "golive"));
    let mut recorded = 0;
    for plan in &plans {
        let plan = plan.to_string_lossy();
        let workflow = golivec(&["build", &plan, "--target", "workflow"], None);
        if workflow.status.code() != Some(0) {
            continue;
        }
        let checklist = stdout(&golivec(&["build", &plan, "--target", "markdown"], None));
        for environment in environments_recording_approvals(&stdout(&workflow)) {
            recorded += 1;
            let heading = format!("### Environment `{environment}`");
            let section = checklist.split(&heading).nth(1).unwrap_or_else(|| {
                panic!("{plan}: `{environment}` records approvals but the checklist does not set it up")
            });
            let reviewers = section.lines().find(|line| line.starts_with("Required reviewers: ")).unwrap_or_default();
            assert!(reviewers.contains('`'), "{plan}: `{environment}` has no required reviewers: {reviewers:?}");
        }
    }
    assert!(recorded > 0, "no plan records approvals: the test proves nothing");
}

#[test]
fn an_env_without_approval_signs_off_nothing() {
    let plan = "plan p {}\nenv staging\nphase deploy on staging {\n  check \"Smoke test passed\"\n  run \"Deploy\" sh \"./deploy.sh\"\n}\n";
    let output = golivec(&["build", "-", "--target", "workflow"], Some(plan.as_bytes()));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stdout(&output).contains("environment: staging"), "{}", stdout(&output));
    assert!(
        !stdout(&output).contains("approved-by"),
        "the check was approved in the actor's name:\n{}",
        stdout(&output)
    );
    assert!(
        stderr(&output).lines().any(|line| line == "W0905")
            && stderr(&output).contains("a manual check in `deploy`, which runs unattended"),
        "{}",
        stderr(&output)
    );
}

/// The jobs of a workflow, by id, each with its text.
fn jobs_of(workflow: &str) -> Vec<(String, String)> {
    let body = workflow.split("\njobs:\n").nth(1).expect("jobs");
    let mut jobs: Vec<(String, String)> = Vec::new();
    for line in body.lines() {
        if let Some(id) = line.strip_prefix("  ").and_then(|rest| rest.strip_suffix(':')) {
            if !id.starts_with(' ') {
                jobs.push((id.to_string(), String::new()));
                continue;
            }
        }
        if let Some((_, text)) = jobs.last_mut() {
            text.push_str(line);
            text.push('\n');
        }
    }
    jobs
}

#[test]
fn memolib_watches_get_enough_slices_for_48_hours() {
    let workflow = build("examples/memolib-go-live.golive");
    let jobs = jobs_of(&workflow);
    // red, orange and yellow watch 6h, 18h and 24h one after the other, each in a job of its own
    // (each asks the tech lead to confirm its checks), the status updates 48 hours: each in
    // slices of at most 6 hours that add up to its time.
    for (watch, hours) in
        [("red", 6), ("orange", 18), ("yellow", 24), ("leadership_updates", 48), ("all_hands_updates", 48)]
    {
        let slices: Vec<&(String, String)> =
            jobs.iter().filter(|(id, _)| id == watch || id.starts_with(&format!("{watch}-"))).collect();
        let minutes: u64 = slices
            .iter()
            .map(|(_, text)| {
                let at = text.find("--slice-minutes ").expect("a slice") + "--slice-minutes ".len();
                text[at..]
                    .split(|c: char| !c.is_ascii_digit())
                    .next()
                    .and_then(|digits| digits.parse::<u64>().ok())
                    .expect("minutes")
            })
            .sum();
        assert!(minutes >= hours * 60, "{watch}: {} slices give {minutes} minutes", slices.len());
        for (index, (id, text)) in slices.iter().enumerate().skip(1) {
            let previous = &slices[index - 1].0;
            assert!(text.contains(&format!("needs: [{previous}]")), "{id} runs after {previous}");
            assert!(text.contains(&format!("needs.{previous}.outputs.more == 'true'")), "{id}: {text}");
            assert!(text.contains("timeout-minutes: 360"), "{id}");
        }
        assert!(text_of(&jobs, watch).contains("name: golive-state-"), "{watch} carries its state");
    }
    // A job after a sliced one runs when it ended well in whichever slice.
    let success = text_of(&jobs, "success");
    assert!(
        success.contains("needs.yellow.outputs.done == 'true' || needs.yellow-2.outputs.done == 'true'"),
        "{success}"
    );
}

fn text_of<'j>(jobs: &'j [(String, String)], id: &str) -> &'j str {
    &jobs.iter().find(|(job, _)| job == id).unwrap_or_else(|| panic!("no job {id}")).1
}

#[test]
fn no_job_runs_the_runbook_with_now_and_rollback_jobs_never_run_on_cancel() {
    for example in files(&root().join("examples"), "golive") {
        let workflow = build(&example.to_string_lossy());
        assert!(!workflow.contains("--now"), "{}: a job runs with --now", example.display());
        for (id, text) in jobs_of(&workflow) {
            if id.starts_with("rollback_") {
                assert!(
                    text.contains("if: ${{ !cancelled() && (failure() || contains(needs.*.result, 'cancelled')) }}"),
                    "{id}: {text}"
                );
                assert!(text.contains("--if-needed"), "{id}: the runbook decides");
            } else if id.contains("-approval-") {
                // Only waits for one more review of a quorum: runs no runbook.
                assert!(!text.contains("GOLIVE_RUNBOOK\""), "{id}: {text}");
            } else if id != "checklist" && id != "workflow_dispatch" {
                assert!(text.contains("--slice-minutes"), "{id}");
            }
        }
        for action in ["actions/upload-artifact@", "actions/download-artifact@"] {
            for line in workflow.lines().filter(|line| line.contains(action)) {
                let pinned = line.split('@').nth(1).unwrap_or("");
                let (sha, comment) = pinned.split_once(" # v4.").expect("a SHA and its version");
                assert!(sha.len() == 40 && sha.chars().all(|c| c.is_ascii_hexdigit()), "{line}");
                assert!(!comment.is_empty(), "{line}");
            }
        }
    }
}

#[test]
fn a_plan_without_launch_requires_the_t0_input() {
    let plan = temp_file("no-launch.golive", "plan p {}\n\nphase one {\n  run \"One\" sh \"true\"\n}\n");
    let workflow = build(&plan.to_string_lossy());
    let t0 = workflow.split("t0:").nth(1).expect("t0 input").split("dry_run:").next().expect("the t0 input");
    assert!(t0.contains("required: true"), "{t0}");
    assert_valid("no-launch", &workflow);
}

/// A "repository" for the test executor: `plan` written as `STEM.golive` at its root, and the
/// runbook, the checklist and the workflow golivec builds from it in `golive/` (`extra` are more
/// arguments to `build`). Returns the repository and the parsed workflow.
fn executor_repository(
    name: &str,
    stem: &str,
    plan: &str,
    extra: &[&str],
) -> (std::path::PathBuf, crate::gha::Workflow) {
    let repository = std::env::temp_dir().join(format!("golivec-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&repository);
    std::fs::create_dir_all(repository.join("golive")).expect("repository");
    let source = repository.join(format!("{stem}.golive"));
    std::fs::write(&source, plan).expect("write");
    let out = repository.join("golive");
    let mut args = vec!["build", &*source.to_string_lossy(), "--target", "shell,markdown,workflow", "-o"]
        .into_iter()
        .map(str::to_string)
        .collect::<Vec<_>>();
    args.push(out.to_string_lossy().into_owned());
    args.extend(extra.iter().map(|arg| arg.to_string()));
    let output = golivec(&args.iter().map(String::as_str).collect::<Vec<_>>(), None);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let workflow = crate::gha::parse_file(&out.join(format!("{stem}.yml"))).expect("parses");
    (repository, workflow)
}

/// A gate's approval comes from the reviewer who approved its environment, read from the run's
/// reviews (the REST API, `gh api .../approvals`), never from who started the run: run through
/// the test executor of GitHub Actions, the gate passes on a reviewer's approval, and a
/// `distinct` approval by the person who started the run is refused (no self-review).
#[test]
fn approvals_come_from_the_reviewers_of_the_environment() {
    use crate::gha::{self, Conclusion, Review, RunOptions};
    let plan = r#"plan review { title "Review"; launch 2025-03-04T09:30:00Z }
role ops "Ops"
gate sign_off { approve "Go" 1 of ops distinct; on fail abort }
phase deploy after sign_off { run "Deploy" sh "echo deployed >> deployed" }
"#;
    for (reviewer, expected) in [("carol", Conclusion::Success), ("alice", Conclusion::Failure)] {
        let (repository, workflow) = executor_repository(&format!("review-{reviewer}"), "review", plan, &[]);
        let mut options = RunOptions::new(&repository);
        options.inputs.insert("dry_run".into(), "false".into());
        options.actor = "alice".into();
        // A refused approval waits its 15 minutes for another answer: 3 seconds here.
        options.time_scale = 300.0;
        options.env.insert("GOLIVE_TIME_SCALE".into(), "300".into());
        options.reviews.insert("review-sign_off".into(), Review::approve(reviewer, 0.1));
        let report = gha::run(&workflow, &options).expect("runs");
        assert_eq!(report.result("sign_off"), expected, "reviewed by {reviewer}\n{}", report.logs());
        let log = report.job("sign_off").log();
        if expected == Conclusion::Success {
            assert!(log.contains("approval by carol (recorded in"), "{log}");
            assert_eq!(report.result("deploy"), Conclusion::Success, "{}", report.logs());
        } else {
            assert!(log.contains("alice runs this script"), "{log}");
            assert_eq!(report.result("deploy"), Conclusion::Skipped, "{}", report.logs());
        }
    }
}

/// A quorum is gathered from as many environments, each approved once: `approve 2 of ...
/// distinct` passes on two reviewers, fails closed when one person approved both environments,
/// and is refused at once when the second environment's review is a rejection (R5), in the
/// gate's job, which runs and records the refusal.
#[test]
fn a_quorum_is_gathered_from_as_many_environments() {
    use crate::gha::{self, Conclusion, Review, RunOptions};
    let plan = r#"plan quorum { title "Quorum"; launch 2025-03-04T09:30:00Z }
role ops "Ops"
role product "Product"
gate sign_off { approve "Go" 2 of ops, product distinct; on fail abort }
phase deploy after sign_off { run "Deploy" sh "echo deployed >> deployed" }
"#;
    let cases = [
        (
            "two-people",
            Review::approve("carol", 0.1),
            Review::approve("dave", 0.1),
            Conclusion::Success,
            "approval by dave",
        ),
        (
            "one-person",
            Review::approve("carol", 0.1),
            Review::approve("carol", 0.1),
            Conclusion::Failure,
            "carol has already approved sign_off.1",
        ),
        (
            "rejected",
            Review::approve("carol", 0.1),
            Review::reject("dave", 0.1),
            Conclusion::Failure,
            "refused by dave",
        ),
    ];
    for (name, first, second, expected, said) in cases {
        let (repository, workflow) = executor_repository(&format!("quorum-{name}"), "quorum", plan, &[]);
        let checklist = std::fs::read_to_string(repository.join("golive/quorum.md")).expect("checklist");
        assert!(checklist.contains("environments/quorum-sign_off-2\""), "{checklist}");
        let mut options = RunOptions::new(&repository);
        options.inputs.insert("dry_run".into(), "false".into());
        options.actor = "alice".into();
        // An approval short of its quorum waits its 15 minutes for more: 3 seconds here.
        options.time_scale = 300.0;
        options.env.insert("GOLIVE_TIME_SCALE".into(), "300".into());
        options.reviews.insert("quorum-sign_off".into(), first);
        options.reviews.insert("quorum-sign_off-2".into(), second);
        let report = gha::run(&workflow, &options).expect("runs");
        let logs = report.logs();
        assert_eq!(report.result("sign_off"), expected, "{name}\n{logs}");
        assert!(report.job("sign_off").log().contains(said), "{name}: no `{said}`\n{logs}");
        let deployed = expected == Conclusion::Success;
        assert_eq!(report.result("deploy") == Conclusion::Success, deployed, "{name}\n{logs}");
        let _ = std::fs::remove_dir_all(&repository);
        let _ = std::fs::remove_dir_all(&report.run_dir);
    }
}

/// Jobs side by side ask GitHub whether the run ended once a minute, and less often when so many
/// run at once that together they would pass the share of the token's 1,000 requests an hour
/// they may spend (600): 20 watches side by side ask every two minutes.
#[test]
fn jobs_side_by_side_stay_within_the_tokens_rate_limit() {
    let every = |watches: usize| {
        let mut plan = String::from(
            "plan many { launch 2025-03-04T09:30:00Z }\nmetric up : bool { probe sh \"true\" }\nphase deploy { run \"Deploy\" sh \"true\" }\n",
        );
        for index in 0..watches {
            plan.push_str(&format!("watch w{index} after deploy every 10m for 2h {{ up }}\n"));
        }
        let output = golivec(&["build", "-", "--target", "workflow"], Some(plan.as_bytes()));
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        let workflow = stdout(&output);
        let values: std::collections::BTreeSet<String> = workflow
            .lines()
            .filter_map(|line| line.trim().strip_prefix("export GOLIVE_RUN_ENDED_EVERY=").map(str::to_string))
            .collect();
        assert_eq!(values.len(), 1, "{workflow}");
        values.into_iter().next().unwrap_or_default()
    };
    assert_eq!(every(2), "60");
    assert_eq!(every(10), "60");
    assert_eq!(every(20), "120");
    assert_eq!(every(100), "600");
}

/// A gate that waits hours for its time runs its steps in a later slice of its job, which runs
/// without the environment its reviewer approved when the job started: that slice reads the
/// review from the run's reviews, and the gate passes on it.
#[test]
fn a_gate_answered_in_a_later_slice_passes_on_its_review() {
    use crate::gha::{self, Conclusion, Review, RunOptions};
    let _real_time = crate::support::real_time();
    let plan = r#"plan later { title "Later"; launch 2025-03-04T09:30:00Z }
role ops "Ops"
phase prepare at T-7h { run "Prepare" sh "echo prepared >> steps" }
gate ready at T-30m after prepare { approve "Go" ops; on fail abort }
phase deploy at T0 after ready { run "Deploy" sh "echo deployed >> steps" }
"#;
    let (repository, workflow) = executor_repository("later-slice", "later", plan, &["--allow", "W1002"]);
    assert!(workflow.jobs.iter().any(|job| job.id == "ready-2"), "the gate's job has a second slice");
    let mut options = RunOptions::new(&repository);
    options.inputs.insert("dry_run".into(), "false".into());
    options.inputs.insert("t0".into(), "2025-03-04T09:30:00+00:00".into());
    options.actor = "alice".into();
    options.time_scale = 300.0;
    options.env.insert("GOLIVE_TIME_SCALE".into(), "300".into());
    // The run's clock: the workflow starts at T-7h05m.
    let micros = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("after 1970").as_micros();
    let t0_ms: i64 = 1_741_080_600_000;
    options.env.insert("GOLIVE_CLOCK_ORIGIN".into(), format!("{micros} {}", t0_ms - (7 * 60 + 5) * 60_000));
    options.reviews.insert("later-ready".into(), Review::approve("carol", 0.0));
    let report = gha::run(&workflow, &options).expect("runs");
    let logs = report.logs();
    assert_eq!(report.result("ready"), Conclusion::Success, "{logs}");
    assert_eq!(report.result("ready-2"), Conclusion::Success, "{logs}");
    assert!(report.job("ready-2").log().contains("approval by carol (recorded in"), "{logs}");
    assert_eq!(report.result("deploy"), Conclusion::Success, "{logs}");
    let _ = std::fs::remove_dir_all(&repository);
    let _ = std::fs::remove_dir_all(&report.run_dir);
}

/// A slice stops only between steps, samples and waits: a `pause` of a node's action, and the
/// step it then tries again, run to their end. The slice is shortened so that they end within
/// GitHub's 6 hours: 360 minutes, less 15 to set up, less the hour's pause and the 20-minute
/// command tried again.
#[test]
fn a_pause_fits_in_the_slice_it_starts_in() {
    let plan = r#"plan paused { launch 2025-03-04T09:30:00Z }
metric up : bool { probe sh "true" }
phase deploy { run "Deploy" sh "./deploy.sh" timeout 20m; on fail pause 1h then abort }
watch soak after deploy every 10m for 8h { up; on breach abort }
"#;
    let output = golivec(&["build", "-", "--target", "workflow"], Some(plan.as_bytes()));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let workflow = stdout(&output);
    assert!(workflow.contains("args+=(--slice-minutes 265)"), "{workflow}");
    let without_pause = plan.replace("on fail pause 1h then abort", "on fail abort");
    let output = golivec(&["build", "-", "--target", "workflow"], Some(without_pause.as_bytes()));
    assert!(stdout(&output).contains("args+=(--slice-minutes 325)"), "{}", stdout(&output));
}

/// A job that needs none starts with the run, which starts when a baseline's window opens when
/// that comes before the first node: its `timeout-minutes` counts the window. canary measures
/// its baseline from T-1h, 50 minutes before its first job's first node (warm, at T-10m): the
/// job was cancelled 85 minutes after T-1h, while verify was still checking.
#[test]
fn the_first_job_times_out_after_the_baselines_window() {
    let workflow = build("tests/fixtures/scenarios/canary.golive");
    let warm = workflow.split("\n  warm:\n").nth(1).expect("a warm job");
    let timeout: u64 = warm
        .lines()
        .find_map(|line| line.trim().strip_prefix("timeout-minutes: "))
        .and_then(|minutes| minutes.parse().ok())
        .expect("a timeout");
    assert_eq!(timeout, 85 + 50, "{workflow}");
}

/// Runs the record job's step (the execution record and the checklist into the job summary)
/// with a runbook whose record is `record_bytes` long: returns the step's exit status, the job
/// summary and the record kept whole for the artifact.
fn record_step(record_bytes: usize, name: &str) -> (Option<i32>, String, usize) {
    let yaml = build(&root().join("tests/fixtures/ok/minimal.golive").to_string_lossy());
    let workflow = crate::gha::parse(&yaml).expect("the workflow parses");
    let job = workflow.jobs.iter().find(|job| job.id == "checklist").expect("the record job");
    let script = job
        .steps
        .iter()
        .find_map(|step| match &step.action {
            crate::gha::Action::Run { script, .. } if step.name.as_deref().is_some_and(|n| n.contains("record")) => {
                Some(script.clone())
            }
            _ => None,
        })
        .expect("the record step");
    let dir = std::env::temp_dir().join(format!("golivec-record-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    // A runbook whose record is long, and whose run rolled back (exit 3).
    std::fs::write(
        dir.join("runbook.sh"),
        format!(
            "if [ \"$1\" = --record ]; then head -c {record_bytes} /dev/zero | tr '\\0' 'x' | fold -w 100; echo; exit 3; fi\n"
        ),
    )
    .expect("write");
    std::fs::write(dir.join("checklist.md"), "# Checklist\n").expect("write");
    let output = Command::new("bash")
        .args(["-c", &script])
        .current_dir(&dir)
        .env("GOLIVE_RUNBOOK", dir.join("runbook.sh"))
        .env("GOLIVE_CHECKLIST", dir.join("checklist.md"))
        .env("GITHUB_STEP_SUMMARY", dir.join("summary.md"))
        .output()
        .expect("bash runs");
    let summary = std::fs::read_to_string(dir.join("summary.md")).unwrap_or_default();
    let kept = std::fs::metadata(dir.join("golive-record.md")).map_or(0, |meta| meta.len() as usize);
    let _ = std::fs::remove_dir_all(&dir);
    (output.status.code(), summary, kept)
}

/// A job summary holds 1 MiB (GitHub refuses a longer one): a long record is cut at a line with
/// a note, kept whole for the `golive-record` artifact, and the job still ends with the run's end.
#[test]
fn a_record_longer_than_a_job_summary_is_cut_and_kept_whole() {
    let (status, summary, kept) = record_step(3_000_000, "long");
    assert_eq!(status, Some(3), "the run's end is the job's");
    assert!(summary.len() <= 1_048_576, "the summary holds {} bytes", summary.len());
    assert!(summary.contains("The record is cut here"), "no note in the summary");
    assert!(kept > 3_000_000, "the whole record is kept ({kept} bytes)");
    let (status, summary, kept) = record_step(2_000, "short");
    assert_eq!(status, Some(3));
    assert!(!summary.contains("cut here") && summary.ends_with("# Checklist\n"), "{summary}");
    assert_eq!(summary.len(), kept, "a short record is the summary, whole");
    let workflow = build(&root().join("tests/fixtures/ok/minimal.golive").to_string_lossy());
    assert!(workflow.contains("name: golive-record"), "the whole record is uploaded");
}

/// A plan's inputs are `workflow_dispatch` inputs of their type, required, and reach every job
/// only through its `env:`; run on the test executor, a hostile value reaches the plan's command
/// verbatim, as one environment variable, and is never run.
#[test]
fn inputs_are_typed_workflow_inputs_that_reach_commands_through_env() {
    use crate::gha::{self, Conclusion, RunOptions};
    let plan = r#"plan inputs { title "Inputs"; launch 2025-03-04T09:30:00Z }
env staging
env canary
input FLAG : string "The feature flag to turn off"
input FORCE : bool
phase prepare on staging { run "Show the flag" sh "printf 'flag=[%s] force=[%s]\n' \"$FLAG\" \"$FORCE\"" uses FLAG, FORCE }
phase deploy after prepare on canary { run "Show it again" sh "printf 'again=[%s]\n' \"$FLAG\"" uses FLAG }
"#;
    let (repository, _) = executor_repository("workflow-inputs", "inputs", plan, &[]);
    let text = std::fs::read_to_string(repository.join("golive/inputs.yml")).expect("the workflow");
    assert_valid("inputs-typed", &text);
    let parsed: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text).expect("YAML");
    let declared = &parsed["on"]["workflow_dispatch"]["inputs"];
    assert_eq!(declared["FLAG"]["type"].as_str(), Some("string"), "{text}");
    assert_eq!(declared["FLAG"]["description"].as_str(), Some("The feature flag to turn off"));
    assert_eq!(declared["FORCE"]["type"].as_str(), Some("boolean"), "{text}");
    for input in ["FLAG", "FORCE"] {
        assert_eq!(declared[input]["required"].as_bool(), Some(true), "{text}");
        for job in ["prepare", "deploy"] {
            assert_eq!(
                parsed["jobs"][job]["env"][input].as_str(),
                Some(format!("${{{{ inputs.{input} }}}}").as_str()),
                "{job}: {text}"
            );
        }
    }
    // Nowhere else: a run script never holds `inputs.` of the plan's.
    assert_eq!(text.matches("inputs.FLAG").count(), 2, "{text}");
    let pwned = std::path::Path::new("/tmp/golivec-pwned");
    let _ = std::fs::remove_file(pwned);
    let hostile = "$(touch /tmp/golivec-pwned)`id`${{ secrets.GITHUB_TOKEN }}'\"; rm -rf / ${HOME}";
    let workflow = gha::parse_file(&repository.join("golive/inputs.yml")).expect("parses");
    let mut options = RunOptions::new(&repository);
    options.inputs.insert("dry_run".into(), "false".into());
    options.inputs.insert("FLAG".into(), hostile.into());
    options.inputs.insert("FORCE".into(), "true".into());
    let report = gha::run(&workflow, &options).expect("runs");
    assert_eq!(report.result("prepare"), Conclusion::Success, "{}", report.logs());
    assert_eq!(report.result("deploy"), Conclusion::Success, "{}", report.logs());
    let log = report.job("prepare").log();
    assert!(log.contains(&format!("flag=[{hostile}] force=[true]")), "{log}");
    let log = report.job("deploy").log();
    assert!(log.contains(&format!("again=[{hostile}]")), "{log}");
    assert!(!pwned.exists(), "an input's value was executed");
    let _ = std::fs::remove_dir_all(&repository);
}

/// A plan started by a push: the workflow has the push, release and schedule triggers, passes
/// actionlint and GitHub's schema, and its audit allows only the T0 job's output besides the
/// usual expressions. Run on the test executor as a push to `main`: no inputs, so a real run
/// (not a dry run), whose T0 is the time the run starts, which the golive-t0 job decides once and
/// every job reads. A push of another branch does not start it.
#[test]
fn a_push_starts_a_plan_without_launch_whose_t0_is_the_runs_start() {
    use crate::gha::{self, Conclusion, Event, RunOptions};
    let plan = r#"plan staging {
  title "Staging deploy"
  on push branch "main"
  on push branch "release/**"
  on push tag "v*"
  on release
  on schedule "0 6 * * 1-5"
}
env staging
env review
phase deploy on staging { run "Deploy" sh "echo \"deployed at $(date -u +%s)\"" }
phase smoke after deploy on review { run "Smoke" sh "echo smoked" }
"#;
    let (repository, _) = executor_repository("workflow-push", "staging", plan, &[]);
    let text = std::fs::read_to_string(repository.join("golive/staging.yml")).expect("the workflow");
    assert_valid("push", &text);
    let parsed: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text).expect("YAML");
    let on = &parsed["on"];
    assert_eq!(on["push"]["branches"][1].as_str(), Some("release/**"), "{text}");
    assert_eq!(on["push"]["tags"][0].as_str(), Some("v*"), "{text}");
    assert_eq!(on["release"]["types"][0].as_str(), Some("published"), "{text}");
    assert_eq!(on["schedule"][0]["cron"].as_str(), Some("0 6 * * 1-5"), "{text}");
    assert_eq!(on["workflow_dispatch"]["inputs"]["t0"]["required"].as_bool(), Some(false), "{text}");
    for job in ["deploy", "smoke"] {
        assert_eq!(parsed["jobs"][job]["env"]["GOLIVE_T0"].as_str(), Some("${{ needs.golive-t0.outputs.t0 }}"));
        assert_eq!(parsed["jobs"][job]["needs"][0].as_str(), Some("golive-t0"), "{job}: {text}");
    }
    for expression in expressions(&text) {
        assert!(allowed(&expression, &Declared::default()), "unexpected expression `{expression}`");
    }
    assert_eq!(text.matches("outputs.t0 }}").count(), 3, "{text}");
    let workflow = gha::parse_file(&repository.join("golive/staging.yml")).expect("parses");
    let mut options = RunOptions::new(&repository);
    options.event = Event::Push("refs/heads/release/2.4".into());
    let before = jiff::Timestamp::now().as_second();
    let report = gha::run(&workflow, &options).expect("runs");
    let after = jiff::Timestamp::now().as_second();
    for job in ["golive-t0", "deploy", "smoke", "checklist"] {
        assert_eq!(report.result(job), Conclusion::Success, "{job}\n{}", report.logs());
    }
    let t0_log = report.job("golive-t0").log();
    let t0 = t0_log.split("T0 is ").nth(1).and_then(|rest| rest.lines().next()).expect("T0 printed").trim();
    let t0 = t0.parse::<jiff::Timestamp>().expect("an RFC 3339 time").as_second();
    assert!(before - 1 <= t0 && t0 <= after, "T0 {t0} is not the run's start ({before}..{after})");
    // Not a dry run: the commands ran, each job from the same T0.
    let deploy = report.job("deploy").log();
    assert!(deploy.contains("deployed at "), "{deploy}");
    assert!(report.job("smoke").log().contains("smoked"), "{}", report.logs());
    // A branch no filter matches starts nothing; a push gives no inputs.
    options.event = Event::Push("refs/heads/feature/x".into());
    assert!(gha::run(&workflow, &options).is_err());
    options.event = Event::Push("refs/tags/v2.4.0".into());
    options.inputs.insert("t0".into(), "2025-03-04T09:30:00Z".into());
    assert!(gha::run(&workflow, &options).is_err());
    let _ = std::fs::remove_dir_all(&repository);
}

#[test]
fn filter_patterns_match_as_github_documents() {
    use crate::gha::filter_matches;
    for (pattern, name, expected) in [
        ("main", "main", true),
        ("main", "main2", false),
        ("release/*", "release/2.4", true),
        ("release/*", "release/2.4/hotfix", false),
        ("release/**", "release/2.4/hotfix", true),
        ("v*", "v2.4.0", true),
        ("*", "feature/x", false),
        ("**", "feature/x", true),
        ("feature/*-ui", "feature/new-ui", true),
    ] {
        assert_eq!(filter_matches(pattern, name), Ok(expected), "{pattern} {name}");
    }
    assert!(filter_matches("v[12]*", "v1").is_err());
}
