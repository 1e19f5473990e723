//! The GitHub Actions workflow target: a thin orchestrator over the runbook.
//!
//! The jobs, their environments and who answers a node's checks and approvals are decided in
//! [`crate::analysis::workflow`] and [`crate::analysis::attendance`], where the diagnostics about
//! the workflow's limits are made from the same decisions: jobs exist only where a boundary
//! needs one (a node on another environment, a gate with approvals, a branch of the graph), and
//! a chain of nodes on the same environment stays in one job. Each job runs the runbook
//! built from the same plan (`--only NODE`), so the workflow and the script decide gates,
//! watches and rollback trees the same way. Rollback jobs run `if: failure()` after the jobs
//! whose nodes roll back into their tree.
//!
//! No plan text reaches the file at all: names are the plan's identifiers, scripts hold node
//! names, step ids and fixed text, and `${{ }}` only ever reads inputs, `github.actor`, and the
//! secrets and vars the plan declares: each job gets in `env:` exactly those its commands use
//! ([`crate::analysis::inputs`]). Titles and messages are shown by the checklist (in the job
//! summary) and by the runbook's output. (A workflow's own `name:` is a static field where
//! GitHub allows no expression, so `${{` in a title could not even be neutralised there.)

use super::view::{ActionView, ItemView, NodeView, PlanView};
use crate::analysis::attendance::{attended, Place, Runner};
use crate::analysis::workflow::{Environment, MAX_JOB_MINUTES};
use crate::analysis::Analysis;
use crate::model::Model;
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};

/// Where the runbook and the checklist live in the repository, beside each other.
pub const DIRECTORY: &str = "golive";

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
    /// `secrets.NAME` and `vars.NAME` given to the job's environment.
    secrets: BTreeSet<String>,
    vars: BTreeSet<String>,
    steps: Vec<JobStep>,
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

/// Adds what `inputs` names to the job's `secrets` and `vars`.
fn give(job: &mut Job, model: &Model, inputs: &crate::analysis::inputs::Inputs) {
    let (secrets, vars) = inputs.names(model);
    job.secrets.extend(secrets);
    job.vars.extend(vars);
}

fn rollback_tree(action: Option<&ActionView>) -> Option<&str> {
    match action? {
        ActionView::Rollback { tree } => Some(tree),
        ActionView::Pause { then, .. } => rollback_tree(then.as_deref()),
        _ => None,
    }
}

/// The environment the workflow makes for a gate with approvals and no env.
pub struct GateEnvironment {
    pub name: String,
    pub gate: String,
    pub reviewers: Vec<String>,
}

/// The environments the workflow makes for gates with approvals and no env, each with its
/// reviewers: the roles the gate's `approve` steps name, by name. The checklist lists their
/// settings beside the plan's envs: an environment GitHub creates on first use has no reviewers.
pub fn gate_environments(model: &Model, analysis: &Analysis) -> Vec<GateEnvironment> {
    analysis
        .order
        .iter()
        .filter_map(|&id| match crate::analysis::workflow::environment(model, id) {
            Some(environment @ Environment::Gate(_)) => Some(GateEnvironment {
                name: environment.name(model),
                gate: model.nodes[id.0].name.to_string(),
                reviewers: environment
                    .reviewers(model)
                    .iter()
                    .map(|role| model.roles[role.0].name.to_string())
                    .collect(),
            }),
            _ => None,
        })
        .collect()
}

/// The workflow. Its jobs come from [`crate::analysis::workflow::jobs`], the approvals each
/// job records from [`attended`].
pub fn render(model: &Model, analysis: &Analysis, view: &PlanView, stem: &str) -> Result<String, String> {
    let views: HashMap<&str, &NodeView> = view.nodes.iter().map(|node| (node.name.as_str(), node)).collect();
    let mut jobs: Vec<Job> = Vec::new();
    // Which job runs each node, by index into `jobs` (a search per dependency would make the
    // target quadratic in the plan's size).
    let mut job_of_node: HashMap<&str, usize> = HashMap::new();
    for planned in crate::analysis::workflow::jobs(model, &analysis.order, &analysis.schedule) {
        let Some(first) = planned.nodes.first().map(|id| &model.nodes[id.0]) else { continue };
        let needs: BTreeSet<String> = first
            .after
            .iter()
            .filter_map(|dependency| job_of_node.get(model.nodes[dependency.0].name.as_str()))
            .filter_map(|&job| jobs.get(job).map(|job| job.id.clone()))
            .collect();
        let mut job = Job {
            id: first.name.to_string(),
            name: format!("{} {}", first.kind.name(), first.name),
            // At least 5 minutes; a longer job is stopped by GitHub at 6 hours (W1002).
            timeout_minutes: planned.minutes.clamp(5, MAX_JOB_MINUTES),
            needs: needs.into_iter().collect(),
            condition: None,
            environment: planned.environment.map(|environment| environment.name(model)),
            outputs: Vec::new(),
            secrets: BTreeSet::new(),
            vars: BTreeSet::new(),
            steps: Vec::new(),
        };
        for &id in &planned.nodes {
            let Some(node) = views.get(model.nodes[id.0].name.as_str()) else { continue };
            let mut approvals = Vec::new();
            if attended(model, Place::Node(id), Runner::Workflow) {
                steps_of(&node.items, &["approve", "check"], &mut approvals);
            }
            give(&mut job, model, &crate::analysis::inputs::node(model, id));
            job.outputs.push(format!("steps.{}.outputs.rolled_back", node.name));
            job.steps.push(JobStep {
                id: Some(node.name.clone()),
                name: format!("{} {}", node.kind, node.name),
                group: format!("{} {}", node.kind, node.name),
                selector: format!("--only {}", node.name),
                approvals,
            });
            job_of_node.insert(&node.name, jobs.len());
        }
        jobs.push(job);
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
    for (index, tree) in model.rollbacks.iter().enumerate() {
        let Some(needs) = needs_of_tree.remove(tree.name.as_str()) else { continue };
        let (secrets, vars) = crate::analysis::inputs::tree(model, crate::model::TreeId(index)).names(model);
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
            vars,
            steps: vec![JobStep {
                id: None,
                name: format!("rollback {}", tree.name),
                group: format!("rollback {}", tree.name),
                selector: format!("--rollback {}", tree.name),
                approvals: Vec::new(),
            }],
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
    Ok(text)
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
