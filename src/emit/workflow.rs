//! The GitHub Actions workflow target: a thin orchestrator over the runbook.
//!
//! Jobs exist only where a boundary needs one: a node on another environment, a gate with
//! approvals (an environment whose required reviewers are the sign-off), or a branch of the
//! graph. A chain of nodes on the same environment stays in one job. Each job runs the runbook
//! built from the same plan (`--only NODE`), so the workflow and the script decide gates,
//! watches and rollback trees the same way. Rollback jobs run `if: failure()` after the jobs
//! whose nodes roll back into their tree.
//!
//! No plan text reaches the file at all: names are the plan's identifiers, scripts hold node
//! names, step ids and fixed text, and `${{ }}` only ever reads inputs, `github.actor` and the
//! secrets the plan declares. Titles and messages are shown by the checklist (in the job
//! summary) and by the runbook's output. (A workflow's own `name:` is a static field where
//! GitHub allows no expression, so `${{` in a title could not even be neutralised there.)

use super::view::{ActionView, ItemView, NodeView, PlanView};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};

/// Where the runbook and the checklist live in the repository, beside each other.
pub const DIRECTORY: &str = "golive";
/// GitHub stops a job after six hours.
const MAX_JOB_MINUTES: u64 = 360;
/// GitHub environments accept at most six required reviewers.
const MAX_REVIEWERS: usize = 6;

#[derive(Serialize)]
struct Job {
    id: String,
    name: String,
    timeout_minutes: u64,
    needs: Vec<String>,
    condition: Option<String>,
    environment: Option<String>,
    /// `steps.<id>.outputs.rolled_back` of each node step, for the job's `rolled_back` output.
    outputs: Vec<String>,
    secrets: BTreeSet<String>,
    steps: Vec<JobStep>,
    /// The nodes of this job, in order: a node after the last one may join it (not rendered).
    #[serde(skip)]
    nodes: Vec<String>,
}

#[derive(Serialize)]
struct JobStep {
    name: String,
    /// Set on node steps, whose rollback the job reports.
    id: Option<String>,
    /// `::group::` title: a kind and a name, both plain words.
    group: String,
    /// `--only NODE` or `--rollback TREE`.
    selector: String,
    /// Ids of the approve and check steps that the environment's reviewers stand for.
    approvals: Vec<String>,
}

/// Text as a YAML scalar: a JSON string (valid YAML), with `${{` turned into an expression that
/// prints it, so GitHub never evaluates plan text.
pub fn yaml_string(text: &str) -> String {
    let quoted = serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_string());
    quoted.replace("${{", "${{ '${{' }}")
}

fn steps_of(items: &[ItemView], kinds: &[&str], found: &mut Vec<String>) {
    for item in items {
        match item {
            ItemView::Step(step) if kinds.contains(&step.kind.as_str()) => found.push(step.id.clone()),
            ItemView::Step(_) => {}
            ItemView::Group { items, .. } => steps_of(items, kinds, found),
        }
    }
}

fn secrets_of(items: &[ItemView], found: &mut BTreeSet<String>) {
    for item in items {
        match item {
            ItemView::Step(step) => found.extend(step.secrets.iter().cloned()),
            ItemView::Group { items, .. } => secrets_of(items, found),
        }
    }
}

fn rollback_tree(action: Option<&ActionView>) -> Option<&str> {
    match action? {
        ActionView::Rollback { tree } => Some(tree),
        ActionView::Pause { then, .. } => rollback_tree(then.as_deref()),
        _ => None,
    }
}

/// The environment a node's job runs in: its env, or for a gate with approvals and no env, an
/// environment of its own whose required reviewers are the sign-off.
fn environment(view: &PlanView, node: &NodeView) -> Option<String> {
    let mut approvals = Vec::new();
    steps_of(&node.items, &["approve"], &mut approvals);
    match &node.env {
        Some(env) => Some(env.clone()),
        None if node.kind == "gate" && !approvals.is_empty() => Some(format!("{}-{}", view.plan.name, node.name)),
        None => None,
    }
}

/// Whether the node's job waits for required reviewers, so that passing its environment is the
/// sign-off of the node's `approve` and `check` steps: an env with `approval` (its roles are the
/// reviewers), or a gate's own environment (made only for a gate with `approve` steps, whose
/// roles are the reviewers). An env without `approval` has no reviewers: its job runs at once,
/// and recording approvals there would approve in nobody's name.
///
/// `environment` is the node's, as [`environment`] decides it.
fn reviewed(view: &PlanView, node: &NodeView, environment: Option<&str>) -> bool {
    match &node.env {
        Some(name) => view.envs.iter().any(|env| &env.name == name && !env.approvals.is_empty()),
        None => environment.is_some(),
    }
}

/// The environment the workflow makes for a gate with approvals and no env.
pub(super) struct GateEnvironment<'v> {
    pub(super) name: String,
    pub(super) gate: &'v str,
    pub(super) reviewers: Vec<String>,
}

/// The environments the workflow makes for gates with approvals and no env, each with its
/// reviewers: the roles the gate's `approve` steps name, in order. The checklist lists their
/// settings beside the plan's envs: an environment GitHub creates on first use has no reviewers.
pub(super) fn gate_environments(view: &PlanView) -> Vec<GateEnvironment<'_>> {
    let mut found = Vec::new();
    for node in view.nodes.iter().filter(|node| node.env.is_none()) {
        let Some(name) = environment(view, node) else { continue };
        let mut roles: Vec<String> = Vec::new();
        let mut stack: Vec<&ItemView> = node.items.iter().collect();
        while let Some(item) = stack.pop() {
            match item {
                ItemView::Group { items, .. } => stack.extend(items),
                ItemView::Step(step) if step.kind == "approve" => roles.extend(step.roles.iter().cloned()),
                ItemView::Step(_) => {}
            }
        }
        roles.sort();
        roles.dedup();
        found.push(GateEnvironment { name, gate: &node.name, reviewers: roles });
    }
    found
}

fn minutes(ms: i64) -> u64 {
    (ms.max(0).unsigned_abs()).div_ceil(60_000)
}

/// The workflow and the limits of GitHub Actions this plan runs into (as warnings).
pub fn render(view: &PlanView, stem: &str) -> Result<(String, Vec<String>), String> {
    let mut warnings = Vec::new();
    let mut jobs: Vec<Job> = Vec::new();
    // Which job runs each node, by index into `jobs` (a search per dependency would make the
    // target quadratic in the plan's size).
    let mut job_of_node: HashMap<&str, usize> = HashMap::new();
    for node in &view.nodes {
        let environment = environment(view, node);
        let duration = node.times.as_ref().map_or(0, |times| minutes(times.latest_finish_ms - times.latest_start_ms));
        let joins = jobs.last().is_some_and(|job| {
            node.after.len() == 1
                && job.nodes.last() == node.after.first()
                && job.environment == environment
                && !(node.kind == "gate" && environment.is_some() && node.env.is_none())
        });
        if !joins {
            let needs: BTreeSet<String> = node
                .after
                .iter()
                .filter_map(|dependency| job_of_node.get(dependency.as_str()))
                .filter_map(|&job| jobs.get(job).map(|job| job.id.clone()))
                .collect();
            jobs.push(Job {
                id: node.name.clone(),
                name: format!("{} {}", node.kind, node.name),
                timeout_minutes: 0,
                needs: needs.into_iter().collect(),
                condition: None,
                environment: environment.clone(),
                outputs: Vec::new(),
                secrets: BTreeSet::new(),
                steps: Vec::new(),
                nodes: Vec::new(),
            });
        }
        job_of_node.insert(&node.name, jobs.len().saturating_sub(1));
        let Some(job) = jobs.last_mut() else { continue };
        let mut approvals = Vec::new();
        let reviewed = reviewed(view, node, environment.as_deref());
        if reviewed {
            steps_of(&node.items, &["approve", "check"], &mut approvals);
        }
        secrets_of(&node.items, &mut job.secrets);
        job.timeout_minutes += duration;
        job.nodes.push(node.name.clone());
        job.outputs.push(format!("steps.{}.outputs.rolled_back", node.name));
        job.steps.push(JobStep {
            id: Some(node.name.clone()),
            name: format!("{} {}", node.kind, node.name),
            group: format!("{} {}", node.kind, node.name),
            selector: format!("--only {}", node.name),
            approvals,
        });
        check_approvals(view, node, reviewed, &mut warnings);
    }
    for job in &mut jobs {
        // Room for setting up the runner and for the runbook's own rollback.
        let minutes = job.timeout_minutes + 15;
        if minutes > MAX_JOB_MINUTES {
            warnings.push(format!(
                "job `{}` may run {}h{:02}m, over GitHub's 6h limit: it is stopped at 6h; split its watches into shorter ones and run the rest as follow-up runs",
                job.id,
                minutes / 60,
                minutes % 60
            ));
        }
        job.timeout_minutes = minutes.clamp(5, MAX_JOB_MINUTES);
    }
    let node_jobs: Vec<String> = jobs.iter().map(|job| job.id.clone()).collect();
    // The jobs whose nodes roll back into each tree, in one pass over the nodes.
    let mut needs_of_tree: HashMap<&str, BTreeSet<String>> = HashMap::new();
    for node in &view.nodes {
        let Some(job) = job_of_node.get(node.name.as_str()).and_then(|&job| jobs.get(job)) else { continue };
        for tree in [rollback_tree(node.on_fail.as_ref()), rollback_tree(node.on_breach.as_ref())].into_iter().flatten()
        {
            needs_of_tree.entry(tree).or_default().insert(job.id.clone());
        }
    }
    for tree in &view.rollbacks {
        let Some(needs) = needs_of_tree.remove(tree.name.as_str()) else { continue };
        let mut secrets = BTreeSet::new();
        for level in &tree.levels {
            secrets_of(&level.items, &mut secrets);
        }
        let id = format!("rollback_{}", tree.name);
        jobs.push(Job {
            name: format!("rollback {}", tree.name),
            timeout_minutes: 60,
            needs: needs.into_iter().collect(),
            // Only when no job rolled back itself: a runbook that failed mid-way already did.
            condition: Some("failure() && !contains(join(needs.*.outputs.rolled_back, ','), 'true')".to_string()),
            environment: None,
            outputs: Vec::new(),
            secrets,
            steps: vec![JobStep {
                id: None,
                name: format!("rollback {}", tree.name),
                group: format!("rollback {}", tree.name),
                selector: format!("--rollback {}", tree.name),
                approvals: Vec::new(),
            }],
            nodes: Vec::new(),
            id,
        });
    }
    let mut environment = minijinja::Environment::new();
    environment.set_keep_trailing_newline(true);
    environment
        .add_template("workflow.yml", include_str!("templates/workflow.yml.j2"))
        .map_err(|error| format!("the workflow template is broken: {error}"))?;
    let template = environment.get_template("workflow.yml").map_err(|error| error.to_string())?;
    let text = template
        .render(minijinja::context! {
            plan_name => view.plan.name,
            stem => stem,
            dir => DIRECTORY,
            workflow_name => yaml_string(&format!("Go-live: {}", view.plan.name)),
            t0 => yaml_string(&view.plan.t0_rfc3339.clone().unwrap_or_default()),
            concurrency => yaml_string(&format!("golive-{}", view.plan.name)),
            runbook => yaml_string(&format!("{DIRECTORY}/{stem}.sh")),
            checklist => yaml_string(&format!("{DIRECTORY}/{stem}.md")),
            jobs => jobs,
            all_jobs => node_jobs,
        })
        .map_err(|error| format!("cannot render the workflow: {error}"))?;
    Ok((text, warnings))
}

/// What GitHub environments cannot enforce about a node's approvals.
fn check_approvals(view: &PlanView, node: &NodeView, reviewed: bool, warnings: &mut Vec<String>) {
    let mut reviewers: BTreeSet<&str> = BTreeSet::new();
    if let Some(env) = node.env.as_ref().and_then(|name| view.envs.iter().find(|env| &env.name == name)) {
        reviewers.extend(env.approvals.iter().map(String::as_str));
    }
    let mut stack: Vec<&ItemView> = node.items.iter().rev().collect();
    let mut unattended = Vec::new();
    while let Some(item) = stack.pop() {
        match item {
            ItemView::Group { items, .. } => stack.extend(items.iter().rev()),
            ItemView::Step(step) if step.kind == "approve" => {
                reviewers.extend(step.roles.iter().map(String::as_str));
                if step.quorum.unwrap_or(1) > 1 {
                    warnings.push(format!(
                        "`{}` asks {} approvals, but a GitHub environment requires one reviewer's: the workflow enforces one",
                        step.id,
                        step.quorum.unwrap_or(1)
                    ));
                }
                if !reviewed {
                    unattended.push(format!("`{}`", step.id));
                }
            }
            ItemView::Step(step) if step.kind == "check" && !reviewed => unattended.push(format!("`{}`", step.id)),
            ItemView::Step(_) => {}
        }
    }
    if !unattended.is_empty() {
        warnings.push(format!(
            "`{}` runs unattended in the workflow: no one is asked to confirm {}, so they fail closed; run it on an env with `approval`",
            node.name,
            unattended.join(", ")
        ));
    }
    if reviewers.len() > MAX_REVIEWERS {
        warnings.push(format!(
            "`{}` needs {} reviewer roles, more than the {MAX_REVIEWERS} required reviewers a GitHub environment takes",
            node.name,
            reviewers.len()
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::yaml_string;

    #[test]
    fn yaml_strings_are_json_strings() {
        assert_eq!(yaml_string("plain"), "\"plain\"");
        assert_eq!(yaml_string("a: b # c"), "\"a: b # c\"");
        assert_eq!(yaml_string("line\nbreak \"quoted\" \\"), "\"line\\nbreak \\\"quoted\\\" \\\\\"");
        assert_eq!(yaml_string("é—ü🚀"), "\"é—ü🚀\"");
    }

    #[test]
    fn yaml_strings_never_open_an_expression() {
        assert_eq!(yaml_string("${{ secrets.X }}"), "\"${{ '${{' }} secrets.X }}\"");
        assert!(!yaml_string("a${{b").contains("${{b"));
    }
}
