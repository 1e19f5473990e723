//! A test-only executor of the GitHub Actions workflows golivec emits. It is never part of the
//! product: it runs a workflow on this machine the way GitHub runs it, so a test can check what
//! a generated workflow does (which jobs run, skip, fail, wait, time out), not only what it says.
//!
//! `wrkflw` (0.8) runs workflows locally but fills no `workflow_dispatch` input defaults and
//! cannot parse `needs.*`; this executor covers the subset golivec emits, written from GitHub's
//! documentation, each rule next to the page it comes from:
//!
//! - "Workflow syntax for GitHub Actions"
//!   <https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax>:
//!   the keys parsed in [`parse`];
//! - "Evaluate expressions in workflows and actions"
//!   <https://docs.github.com/en/actions/reference/workflows-and-actions/expressions>:
//!   [`expr`];
//! - "Contexts reference" <https://docs.github.com/en/actions/reference/workflows-and-actions/contexts>:
//!   the contexts of each key and their values ([`run`]);
//! - "Workflow commands" <https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands>:
//!   `GITHUB_OUTPUT`, `GITHUB_ENV`, `GITHUB_STEP_SUMMARY`, `GITHUB_PATH` ([`run`]);
//! - "Store and share data with workflow artifacts"
//!   <https://docs.github.com/en/actions/tutorials/store-and-share-data> and the v4 READMEs and
//!   sources of actions/upload-artifact and actions/download-artifact ([`artifacts`]);
//! - "Workflow cancellation reference" (formerly "Canceling a workflow")
//!   <https://docs.github.com/en/actions/reference/workflow-cancellation-reference>
//!   and actions/runner's `src/Runner.Sdk/ProcessInvoker.cs` ([`run`]);
//! - "Managing environments for deployment" / "Using environments for deployment"
//!   <https://docs.github.com/en/actions/reference/workflows-and-actions/deployments-and-environments>
//!   and the REST page "Get the review history for a workflow run"
//!   <https://docs.github.com/en/rest/actions/workflow-runs#get-the-review-history-for-a-workflow-run>
//!   ([`run`]: scripted reviews and a stub `gh`).
//!
//! What it implements: `on.workflow_dispatch.inputs`, and a push (`on.push` with `branches` and
//! `tags` filters of `*` and `**`; "Events that trigger workflows", push, and "Workflow syntax",
//! filter patterns); `on.release` and `on.schedule` are parsed, never run; top-level, job and step `env`; jobs with
//! `name`, `needs`, `if`, `environment`, `outputs`, `timeout-minutes`, `steps`; steps with
//! `name`, `id`, `if`, `run`, `uses`, `with`, `env`, `shell` (bash, sh), `continue-on-error`,
//! `timeout-minutes`; the actions `actions/checkout`, `actions/upload-artifact` and
//! `actions/download-artifact`. `permissions`, `concurrency` and `runs-on` are read and ignored
//! (one run, one kind of machine: this one).
//!
//! What it refuses, with an error rather than silently: any other key, trigger, action,
//! `with:` input or shell; expressions reading a context that a key cannot read; functions it
//! does not implement (`hashFiles`, ...). A test therefore cannot pass on a construct that was
//! not executed.
//!
//! Each job runs in a fresh directory (`actions/checkout` copies the test's "repository"
//! directory into it), with a fresh `RUNNER_TEMP`, on its own thread as soon as its `needs`
//! have finished; `run` steps are bash processes in their own process group.

pub(crate) mod artifacts;
pub(crate) mod expr;
pub(crate) mod run;

#[allow(unused_imports)] // The report's parts, for tests that name them.
pub(crate) use run::{run, Conclusion, Event, JobReport, Report, Review, RunOptions, StepReport};

use serde_json::Value;
use serde_yaml_ng::Value as Yaml;
use std::path::Path;

/// A parsed workflow: only what the executor implements.
#[derive(Clone, Debug)]
pub(crate) struct Workflow {
    pub(crate) name: String,
    pub(crate) inputs: Vec<Input>,
    /// `on.push.branches` and `on.push.tags`: filter patterns (`None` when `on.push` is absent).
    pub(crate) push: Option<(Vec<String>, Vec<String>)>,
    pub(crate) env: Vec<(String, String)>,
    /// In the order written, which is the order ready jobs start in.
    pub(crate) jobs: Vec<Job>,
}

#[derive(Clone, Debug)]
pub(crate) struct Input {
    pub(crate) name: String,
    pub(crate) kind: InputKind,
    pub(crate) required: bool,
    pub(crate) default: Option<String>,
    pub(crate) options: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum InputKind {
    String,
    Boolean,
    Number,
    Choice,
    Environment,
}

#[derive(Clone, Debug)]
pub(crate) struct Job {
    pub(crate) id: String,
    pub(crate) name: Option<String>,
    pub(crate) needs: Vec<String>,
    pub(crate) condition: Option<String>,
    pub(crate) environment: Option<String>,
    pub(crate) outputs: Vec<(String, String)>,
    pub(crate) timeout_minutes: f64,
    pub(crate) env: Vec<(String, String)>,
    pub(crate) steps: Vec<Step>,
}

#[derive(Clone, Debug)]
pub(crate) struct Step {
    pub(crate) name: Option<String>,
    pub(crate) id: Option<String>,
    pub(crate) condition: Option<String>,
    pub(crate) action: Action,
    pub(crate) env: Vec<(String, String)>,
    pub(crate) continue_on_error: bool,
    pub(crate) timeout_minutes: Option<f64>,
}

#[derive(Clone, Debug)]
pub(crate) enum Action {
    /// A script and the shell command line around `{0}`.
    Run {
        script: String,
        shell: Vec<String>,
    },
    Checkout {
        with: Vec<(String, String)>,
    },
    Upload {
        with: Vec<(String, String)>,
    },
    Download {
        with: Vec<(String, String)>,
    },
}

impl Step {
    /// The name GitHub shows: `name`, else `Run <first line>` or `Run <action>`.
    pub(crate) fn display_name(&self) -> String {
        if let Some(name) = &self.name {
            return name.clone();
        }
        match &self.action {
            Action::Run { script, .. } => format!("Run {}", script.lines().next().unwrap_or_default()),
            Action::Checkout { .. } => "Run actions/checkout".into(),
            Action::Upload { .. } => "Run actions/upload-artifact".into(),
            Action::Download { .. } => "Run actions/download-artifact".into(),
        }
    }
}

// The contexts each key may read: the "Context availability" table of "Contexts reference"
// (strategy and matrix left out: no matrix is implemented).
pub(crate) const WORKFLOW_ENV: &[&str] = &["github", "secrets", "inputs", "vars"];
pub(crate) const JOB_IF: &[&str] = &["github", "needs", "vars", "inputs"];
pub(crate) const JOB_NAME: &[&str] = &["github", "needs", "vars", "inputs"];
pub(crate) const JOB_ENVIRONMENT: &[&str] = &["github", "needs", "vars", "inputs"];
pub(crate) const JOB_ENV: &[&str] = &["github", "needs", "vars", "secrets", "inputs"];
pub(crate) const JOB_OUTPUTS: &[&str] =
    &["github", "needs", "job", "runner", "env", "vars", "secrets", "steps", "inputs"];
pub(crate) const STEP_IF: &[&str] = &["github", "needs", "job", "runner", "env", "vars", "steps", "inputs"];
pub(crate) const STEP: &[&str] = &["github", "needs", "job", "runner", "env", "vars", "secrets", "steps", "inputs"];

/// Reads and parses a workflow file.
pub(crate) fn parse_file(path: &Path) -> Result<Workflow, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    parse(&text).map_err(|e| format!("{}: {e}", path.display()))
}

fn mapping<'a>(value: &'a Yaml, what: &str) -> Result<Vec<(String, &'a Yaml)>, String> {
    match value {
        Yaml::Mapping(map) => map
            .iter()
            .map(|(k, v)| match k {
                Yaml::String(key) => Ok((key.clone(), v)),
                other => Err(format!("{what}: key {other:?} is not a string")),
            })
            .collect(),
        Yaml::Null => Ok(Vec::new()),
        other => Err(format!("{what} must be a mapping, not {other:?}")),
    }
}

fn check_keys(entries: &[(String, &Yaml)], allowed: &[&str], what: &str) -> Result<(), String> {
    for (key, _) in entries {
        if !allowed.contains(&key.as_str()) {
            return Err(format!(
                "{what}: `{key}` is not implemented by the test executor (it takes {})",
                allowed.join(", ")
            ));
        }
    }
    Ok(())
}

fn get<'a>(entries: &'a [(String, &'a Yaml)], key: &str) -> Option<&'a Yaml> {
    entries.iter().find(|(k, _)| k == key).map(|(_, v)| *v)
}

/// A scalar as the string GitHub sees (YAML booleans and numbers as written).
fn scalar(value: &Yaml, what: &str) -> Result<String, String> {
    match value {
        Yaml::String(s) => Ok(s.clone()),
        Yaml::Bool(b) => Ok(b.to_string()),
        Yaml::Number(n) => Ok(n.to_string()),
        Yaml::Null => Ok(String::new()),
        other => Err(format!("{what} must be a scalar, not {other:?}")),
    }
}

fn number(value: &Yaml, what: &str) -> Result<f64, String> {
    match value {
        Yaml::Number(n) => n.as_f64().ok_or_else(|| format!("{what}: bad number")),
        other => Err(format!("{what} must be a number (expressions are not implemented here), not {other:?}")),
    }
}

fn boolean(value: &Yaml, what: &str) -> Result<bool, String> {
    match value {
        Yaml::Bool(b) => Ok(*b),
        other => Err(format!("{what} must be true or false (expressions are not implemented here), not {other:?}")),
    }
}

fn string_map(value: &Yaml, what: &str, contexts: &[&str]) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for (key, value) in mapping(value, what)? {
        let text = scalar(value, &format!("{what}.{key}"))?;
        check_template(&text, contexts).map_err(|e| format!("{what}.{key}: {e}"))?;
        out.push((key, text));
    }
    Ok(out)
}

/// Parses every `${{ }}` of `text`, refusing contexts not in `contexts`.
fn check_template(text: &str, contexts: &[&str]) -> Result<(), String> {
    for (_, expression) in expr::split_template(text)? {
        if let Some(expression) = expression {
            expr::parse(&expression, contexts)?;
        }
    }
    Ok(())
}

/// The expression of an `if:`, which may be written with or without `${{ }}` ("jobs.<job_id>.if":
/// "you can omit the expression syntax"). A value that mixes text and `${{ }}` is a string
/// after interpolation, which is true when not empty.
pub(crate) enum Condition {
    Expression(expr::Expr),
    Template(String),
}

pub(crate) fn condition(text: &str, contexts: &[&str]) -> Result<Condition, String> {
    let trimmed = text.trim();
    let parts = expr::split_template(trimmed)?;
    match parts.as_slice() {
        [(before, None)] => Ok(Condition::Expression(expr::parse(before, contexts)?)),
        [(before, Some(inner)), (after, None)] if before.is_empty() && after.is_empty() => {
            Ok(Condition::Expression(expr::parse(inner, contexts)?))
        }
        _ => {
            check_template(trimmed, contexts)?;
            Ok(Condition::Template(trimmed.to_string()))
        }
    }
}

/// Parses a workflow, refusing what the executor does not implement.
pub(crate) fn parse(text: &str) -> Result<Workflow, String> {
    let root: Yaml = serde_yaml_ng::from_str(text).map_err(|e| format!("YAML: {e}"))?;
    let top = mapping(&root, "workflow")?;
    check_keys(&top, &["name", "on", "permissions", "concurrency", "env", "jobs"], "workflow")?;
    let name = get(&top, "name").map(|v| scalar(v, "name")).transpose()?.unwrap_or_default();
    let on = match get(&top, "on").ok_or("workflow: no `on`")? {
        Yaml::String(event) if event == "workflow_dispatch" => Vec::new(),
        Yaml::String(event) => {
            return Err(format!("on: `{event}` is not implemented (only workflow_dispatch runs here)"))
        }
        other => mapping(other, "on")?,
    };
    // `push` runs here (see [`run::Event`]); `release` and `schedule` are read and checked, so a
    // workflow that declares them parses, but never run.
    check_keys(&on, &["workflow_dispatch", "push", "release", "schedule"], "on (workflow_dispatch and push run here)")?;
    let mut push = None;
    if let Some(spec) = get(&on, "push") {
        let spec = mapping(spec, "push")?;
        check_keys(&spec, &["branches", "tags"], "push (only branches and tags filters)")?;
        let patterns = |key: &str| -> Result<Vec<String>, String> {
            match get(&spec, key) {
                None => Ok(Vec::new()),
                Some(Yaml::Sequence(items)) => items.iter().map(|item| scalar(item, key)).collect(),
                Some(other) => Err(format!("push.{key}: {other:?}")),
            }
        };
        push = Some((patterns("branches")?, patterns("tags")?));
    }
    if let Some(spec) = get(&on, "release") {
        let spec = mapping(spec, "release")?;
        check_keys(&spec, &["types"], "release")?;
    }
    if let Some(spec) = get(&on, "schedule") {
        let Yaml::Sequence(items) = spec else { return Err(format!("schedule: {spec:?}")) };
        for item in items {
            let item = mapping(item, "schedule")?;
            check_keys(&item, &["cron"], "schedule")?;
        }
    }
    let mut inputs = Vec::new();
    if let Some(dispatch) = get(&on, "workflow_dispatch") {
        let dispatch = mapping(dispatch, "workflow_dispatch")?;
        check_keys(&dispatch, &["inputs"], "workflow_dispatch")?;
        if let Some(declared) = get(&dispatch, "inputs") {
            for (input_name, spec) in mapping(declared, "inputs")? {
                let what = format!("inputs.{input_name}");
                let spec = mapping(spec, &what)?;
                check_keys(&spec, &["description", "type", "required", "default", "options"], &what)?;
                let kind = match get(&spec, "type").map(|v| scalar(v, &what)).transpose()?.as_deref() {
                    None | Some("string") => InputKind::String,
                    Some("boolean") => InputKind::Boolean,
                    Some("number") => InputKind::Number,
                    Some("choice") => InputKind::Choice,
                    Some("environment") => InputKind::Environment,
                    Some(other) => return Err(format!("{what}: type `{other}`")),
                };
                let options = match get(&spec, "options") {
                    Some(Yaml::Sequence(items)) => items.iter().map(|v| scalar(v, &what)).collect::<Result<_, _>>()?,
                    None => Vec::new(),
                    Some(other) => return Err(format!("{what}.options: {other:?}")),
                };
                inputs.push(Input {
                    name: input_name,
                    kind,
                    required: get(&spec, "required").map(|v| boolean(v, &what)).transpose()?.unwrap_or(false),
                    default: get(&spec, "default").map(|v| scalar(v, &what)).transpose()?,
                    options,
                });
            }
        }
    }
    let env = get(&top, "env").map(|v| string_map(v, "env", WORKFLOW_ENV)).transpose()?.unwrap_or_default();
    let mut jobs = Vec::new();
    for (id, spec) in mapping(get(&top, "jobs").ok_or("workflow: no `jobs`")?, "jobs")? {
        jobs.push(parse_job(id, spec)?);
    }
    for job in &jobs {
        for need in &job.needs {
            if !jobs.iter().any(|other| &other.id == need) {
                return Err(format!("job `{}` needs `{need}`, which does not exist", job.id));
            }
        }
    }
    Ok(Workflow { name, inputs, push, env, jobs })
}

fn parse_job(id: String, spec: &Yaml) -> Result<Job, String> {
    let what = format!("jobs.{id}");
    let spec = mapping(spec, &what)?;
    check_keys(
        &spec,
        &[
            "name",
            "runs-on",
            "needs",
            "if",
            "environment",
            "outputs",
            "timeout-minutes",
            "env",
            "steps",
            "permissions",
            "concurrency",
        ],
        &what,
    )?;
    if get(&spec, "runs-on").is_none() {
        return Err(format!("{what}: no `runs-on`"));
    }
    let name = get(&spec, "name").map(|v| scalar(v, &what)).transpose()?;
    if let Some(name) = &name {
        check_template(name, JOB_NAME).map_err(|e| format!("{what}.name: {e}"))?;
    }
    let needs = match get(&spec, "needs") {
        None => Vec::new(),
        Some(Yaml::Sequence(items)) => items.iter().map(|v| scalar(v, &what)).collect::<Result<_, _>>()?,
        Some(single) => vec![scalar(single, &what)?],
    };
    let condition = get(&spec, "if").map(|v| scalar(v, &what)).transpose()?;
    if let Some(text) = &condition {
        condition_check(text, JOB_IF).map_err(|e| format!("{what}.if: {e}"))?;
    }
    let environment = match get(&spec, "environment") {
        None => None,
        Some(Yaml::Mapping(_)) => {
            let env = mapping(get(&spec, "environment").ok_or("environment")?, &what)?;
            check_keys(&env, &["name"], &format!("{what}.environment"))?;
            Some(scalar(get(&env, "name").ok_or_else(|| format!("{what}.environment: no name"))?, &what)?)
        }
        Some(other) => Some(scalar(other, &what)?),
    };
    if let Some(environment) = &environment {
        check_template(environment, JOB_ENVIRONMENT).map_err(|e| format!("{what}.environment: {e}"))?;
    }
    let outputs = get(&spec, "outputs")
        .map(|v| string_map(v, &format!("{what}.outputs"), JOB_OUTPUTS))
        .transpose()?
        .unwrap_or_default();
    // "jobs.<job_id>.timeout-minutes": "The maximum number of minutes to let a job run before
    // GitHub automatically cancels it. Default: 360".
    let timeout_minutes = get(&spec, "timeout-minutes").map(|v| number(v, &what)).transpose()?.unwrap_or(360.0);
    let env =
        get(&spec, "env").map(|v| string_map(v, &format!("{what}.env"), JOB_ENV)).transpose()?.unwrap_or_default();
    let mut steps = Vec::new();
    match get(&spec, "steps") {
        Some(Yaml::Sequence(items)) => {
            for (index, item) in items.iter().enumerate() {
                steps.push(parse_step(item, &format!("{what}.steps[{index}]"))?);
            }
        }
        _ => return Err(format!("{what}: `steps` must be a list (reusable workflows are not implemented)")),
    }
    Ok(Job { id, name, needs, condition, environment, outputs, timeout_minutes, env, steps })
}

fn condition_check(text: &str, contexts: &[&str]) -> Result<(), String> {
    condition(text, contexts).map(|_| ())
}

/// `owner/name@ref` → `(owner/name, ref)`.
fn split_uses(uses: &str) -> Result<(&str, &str), String> {
    uses.split_once('@').ok_or_else(|| format!("`uses: {uses}` has no @ref"))
}

/// Checks an action's ref: a tag of the major version this executor implements, or a full
/// commit SHA (whose version cannot be checked here: the workflow's `# vN` comment is gone after
/// YAML parsing, so a test relies on the pin being the v4 the comment says).
fn check_ref(action: &str, reference: &str, majors: &[&str]) -> Result<(), String> {
    let is_sha = reference.len() == 40 && reference.chars().all(|c| c.is_ascii_hexdigit());
    let is_major = majors.iter().any(|major| reference == *major || reference.starts_with(&format!("{major}.")));
    if is_sha || is_major {
        Ok(())
    } else {
        Err(format!("`{action}@{reference}`: only {} (or a commit SHA) is implemented", majors.join(", ")))
    }
}

fn parse_step(spec: &Yaml, what: &str) -> Result<Step, String> {
    let spec = mapping(spec, what)?;
    check_keys(
        &spec,
        &["name", "id", "if", "run", "uses", "with", "env", "shell", "continue-on-error", "timeout-minutes"],
        what,
    )?;
    let name = get(&spec, "name").map(|v| scalar(v, what)).transpose()?;
    if let Some(name) = &name {
        check_template(name, STEP).map_err(|e| format!("{what}.name: {e}"))?;
    }
    let id = get(&spec, "id").map(|v| scalar(v, what)).transpose()?;
    let condition = get(&spec, "if").map(|v| scalar(v, what)).transpose()?;
    if let Some(text) = &condition {
        condition_check(text, STEP_IF).map_err(|e| format!("{what}.if: {e}"))?;
    }
    let env = get(&spec, "env").map(|v| string_map(v, &format!("{what}.env"), STEP)).transpose()?.unwrap_or_default();
    let with = get(&spec, "with").map(|v| string_map(v, &format!("{what}.with"), STEP)).transpose()?;
    let shell = get(&spec, "shell").map(|v| scalar(v, what)).transpose()?;
    let action = match (get(&spec, "run"), get(&spec, "uses")) {
        (Some(script), None) => {
            if with.is_some() {
                return Err(format!("{what}: `with` on a `run` step"));
            }
            let script = scalar(script, what)?;
            check_template(&script, STEP).map_err(|e| format!("{what}.run: {e}"))?;
            // "jobs.<job_id>.steps[*].shell": unspecified on Linux is `bash -e {0}`; `bash` is
            // `bash --noprofile --norc -eo pipefail {0}`; `sh` is `sh -e {0}`.
            let shell: Vec<&str> = match shell.as_deref() {
                None => vec!["bash", "-e", "{0}"],
                Some("bash") => vec!["bash", "--noprofile", "--norc", "-eo", "pipefail", "{0}"],
                Some("sh") => vec!["sh", "-e", "{0}"],
                Some(other) => return Err(format!("{what}: shell `{other}` is not implemented")),
            };
            Action::Run { script, shell: shell.into_iter().map(String::from).collect() }
        }
        (None, Some(uses)) => {
            if shell.is_some() {
                return Err(format!("{what}: `shell` on a `uses` step"));
            }
            let uses = scalar(uses, what)?;
            let (action, reference) = split_uses(&uses)?;
            let with = with.unwrap_or_default();
            let allow = |keys: &[&str]| -> Result<(), String> {
                for (key, _) in &with {
                    if !keys.contains(&key.as_str()) {
                        return Err(format!(
                            "{what}: `{action}` input `{key}` is not implemented (it takes {})",
                            keys.join(", ")
                        ));
                    }
                }
                Ok(())
            };
            match action {
                "actions/checkout" => {
                    check_ref(action, reference, &["v4", "v5"])?;
                    allow(&["persist-credentials", "fetch-depth"])?;
                    Action::Checkout { with }
                }
                "actions/upload-artifact" => {
                    check_ref(action, reference, &["v4"])?;
                    allow(&[
                        "name",
                        "path",
                        "if-no-files-found",
                        "retention-days",
                        "compression-level",
                        "overwrite",
                        "include-hidden-files",
                    ])?;
                    Action::Upload { with }
                }
                "actions/download-artifact" => {
                    check_ref(action, reference, &["v4"])?;
                    allow(&["name", "pattern", "path", "merge-multiple"])?;
                    Action::Download { with }
                }
                other => return Err(format!("{what}: action `{other}` is not implemented by the test executor")),
            }
        }
        _ => return Err(format!("{what}: a step has exactly one of `run` and `uses`")),
    };
    Ok(Step {
        name,
        id,
        condition,
        action,
        env,
        continue_on_error: get(&spec, "continue-on-error").map(|v| boolean(v, what)).transpose()?.unwrap_or(false),
        timeout_minutes: get(&spec, "timeout-minutes").map(|v| number(v, what)).transpose()?,
    })
}

/// Whether the filter pattern `pattern` matches `name` ("Workflow syntax", "Filter pattern cheat
/// sheet": `*` matches zero or more characters but not `/`, `**` zero or more of any character).
/// The other special characters (`?`, `+`, `[`, `]`, `!`) are refused: not implemented.
pub(crate) fn filter_matches(pattern: &str, name: &str) -> Result<bool, String> {
    if pattern.contains(['?', '+', '[', ']', '!']) {
        return Err(format!("filter pattern `{pattern}`: only `*` and `**` are implemented"));
    }
    fn matches(pattern: &[u8], name: &[u8]) -> bool {
        match pattern {
            [] => name.is_empty(),
            [b'*', b'*', rest @ ..] => (0..=name.len()).any(|skip| matches(rest, &name[skip..])),
            [b'*', rest @ ..] => {
                let stop = name.iter().position(|&byte| byte == b'/').unwrap_or(name.len());
                (0..=stop).any(|skip| matches(rest, &name[skip..]))
            }
            [first, rest @ ..] => name.first() == Some(first) && matches(rest, &name[1..]),
        }
    }
    Ok(matches(pattern.as_bytes(), name.as_bytes()))
}

/// The `inputs` context of a `workflow_dispatch` run: the given values, else the defaults;
/// "boolean" inputs are booleans and "number" inputs numbers ("inputs context": "the values
/// ... are preserved as Boolean"; "Workflow syntax": `on.workflow_dispatch.inputs.<input_id>.type`).
/// An input without a default that is not given is the empty string, or false for a boolean.
pub(crate) fn input_values(
    workflow: &Workflow,
    given: &std::collections::BTreeMap<String, String>,
) -> Result<serde_json::Map<String, Value>, String> {
    for name in given.keys() {
        if !workflow.inputs.iter().any(|input| &input.name == name) {
            return Err(format!("input `{name}` is not declared"));
        }
    }
    let mut values = serde_json::Map::new();
    for input in &workflow.inputs {
        let text = given.get(&input.name).cloned().or_else(|| input.default.clone());
        if input.required && text.as_deref().is_none_or(str::is_empty) {
            return Err(format!("input `{}` is required", input.name));
        }
        let value = match (input.kind, text) {
            (InputKind::Boolean, None) => Value::Bool(false),
            (InputKind::Boolean, Some(text)) => match text.as_str() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                other => return Err(format!("input `{}`: `{other}` is not a boolean", input.name)),
            },
            (InputKind::Number, Some(text)) => expr::number(
                expr::parse_number(&text).ok_or_else(|| format!("input `{}`: `{text}` is not a number", input.name))?,
            ),
            (InputKind::Choice, Some(text)) if !input.options.contains(&text) => {
                return Err(format!("input `{}`: `{text}` is not one of its options", input.name));
            }
            (_, text) => Value::String(text.unwrap_or_default()),
        };
        values.insert(input.name.clone(), value);
    }
    Ok(values)
}
