//! The GitHub Actions workflow target: a thin orchestrator over the runbook.
//!
//! The jobs, their environments and who answers a node's checks and approvals are decided in
//! [`crate::analysis::workflow`] and [`crate::analysis::attendance`], where the diagnostics about
//! the workflow's limits are made from the same decisions: jobs exist only where a boundary
//! needs one (a node on another environment, a gate with approvals, a branch of the graph), and
//! a chain of nodes on the same environment stays in one job. Each job runs the runbook
//! built from the same plan (`--only NODE`), so the workflow and the script decide gates,
//! watches and rollback trees the same way, at their times relative to the `t0` input. A job
//! longer than a slice is carried out by chained jobs (`J`, `J-2`, ...), the runbook stopping at
//! a safe point (`--slice-minutes`, exit 7) and the next job going on from the state, which
//! every job carries to the next as an artifact. Rollback jobs run after the jobs whose nodes
//! roll back into their tree when one failed or timed out, never in a cancelled run, and the runbook decides
//! whether there is anything to roll back (`--if-needed`). The last job writes the execution
//! record (`--record`) to the job summary.
//!
//! No plan text reaches the file at all: names are the plan's identifiers, scripts hold node
//! names, step ids and fixed text, and `${{ }}` only ever reads inputs, `github.actor`, and the
//! secrets and vars the plan declares: each job gets in `env:` exactly those its commands use
//! ([`crate::analysis::inputs`]). Titles and messages are shown by the checklist (in the job
//! summary) and by the runbook's output. (A workflow's own `name:` is a static field where
//! GitHub allows no expression, so `${{` in a title could not even be neutralised there.)

use super::view::{ActionView, ItemView, NodeView, PlanView};
use crate::analysis::attendance::{attended, Place, Runner};
use crate::analysis::workflow::{Environment, QuorumEnvironment};
use crate::analysis::Analysis;
use crate::model::{Model, RoleId};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};

/// The job that decides a run's T0 when the plan has triggers (a node's name holds no `-`).
pub const T0_JOB: &str = "golive-t0";

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
    /// Node jobs report how the runbook ended: `done` (exit 0) or `more` (exit 7, the slice
    /// ended and the next one goes on).
    outputs: bool,
    /// `secrets.NAME` and `vars.NAME` given to the job's environment.
    secrets: BTreeSet<String>,
    vars: BTreeSet<String>,
    /// The state artifacts it merges before it runs (the planned jobs it needs), and its own,
    /// which it also downloads to resume (required after the first slice).
    downloads: Vec<String>,
    state: String,
    own_state_required: bool,
    /// Rollback jobs merge what there is: a job lost before it saved its state leaves none.
    downloads_optional: bool,
    step: JobStep,
}

/// A `workflow_dispatch` input of the plan's: its name (an identifier), type, and description
/// as a YAML string.
#[derive(Serialize)]
struct Input {
    name: String,
    github_type: String,
    description: String,
}

#[derive(Serialize)]
struct JobStep {
    /// `::group::` title: a kind and a name, both plain words.
    group: String,
    /// `--only NODE ...` or `--rollback TREE --if-needed`.
    selector: String,
    /// `--slice-minutes N` for node jobs.
    slice_minutes: Option<u64>,
    /// The last slice of its job: a runbook that still has work to do fails it.
    last_slice: bool,
    /// Ids of the approve and check steps that the environments' reviewers stand for.
    approvals: Vec<String>,
    /// The environments whose reviews answer them: the job's own, then those of its quorum.
    reviewed: Vec<String>,
    /// Asks GitHub whether another job of the run failed or was cancelled, and stops the
    /// runbook's nodes when one did (`runs_side_by_side`).
    watches_run: bool,
    /// How often it asks, in seconds (`run_ended_every_s`: the run's jobs together stay within
    /// the token's rate limit).
    run_ended_every_s: u64,
}

/// The id of slice `index` (from 0) of the job `id`: `id`, then `id-2`, `id-3`... (a node's name
/// never holds `-`).
fn slice_id(id: &str, index: u64) -> String {
    if index == 0 {
        id.to_string()
    } else {
        format!("{id}-{}", index + 1)
    }
}

/// The condition of a job that needs the planned jobs `needs` (id and slices): each ended well
/// in one of its slices (`done`), whichever. Explicit for every job with needs: GitHub's
/// implicit `success()` is false when any ancestor was skipped, and the later slices of a job
/// are skipped whenever the first one did all of it (actions/runner#491).
fn needs_done(needs: &[(String, u64)]) -> Option<String> {
    if needs.is_empty() {
        return None;
    }
    let all: Vec<String> = needs
        .iter()
        .map(|(id, slices)| {
            let any: Vec<String> =
                (0..*slices).map(|index| format!("needs.{}.outputs.done == 'true'", slice_id(id, index))).collect();
            if any.len() == 1 {
                any.join("")
            } else {
                format!("({})", any.join(" || "))
            }
        })
        .collect();
    Some(format!("${{{{ !cancelled() && {} }}}}", all.join(" && ")))
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

fn rollback_tree(action: Option<&ActionView>) -> Option<&str> {
    match action? {
        ActionView::Rollback { tree } => Some(tree),
        ActionView::Pause { then, .. } => rollback_tree(then.as_deref()),
        _ => None,
    }
}

/// An environment the workflow makes: a gate's own, for a gate with approvals and no env, or
/// one that gathers one more approval of a quorum ([`QuorumEnvironment`]).
pub struct MadeEnvironment {
    pub name: String,
    /// What it stands for, in words, for the checklist.
    pub description: String,
    /// Its required reviewers: roles, by name.
    pub reviewers: Vec<String>,
}

/// The environments the workflow makes, each with its reviewers. The checklist lists their
/// settings beside the plan's envs: an environment GitHub creates on first use has no
/// reviewers.
pub fn made_environments(model: &Model, analysis: &Analysis) -> Vec<MadeEnvironment> {
    let names = |roles: &[RoleId]| roles.iter().map(|role| model.roles[role.0].name.to_string()).collect();
    let mut made = Vec::new();
    for job in crate::analysis::workflow::jobs(model, &analysis.order, &analysis.schedule) {
        let Some(first) = job.nodes.first().map(|id| &model.nodes[id.0]) else { continue };
        if let Some(environment @ Environment::Gate(_)) = job.environment {
            made.push(MadeEnvironment {
                name: environment.name(model),
                description: format!("The sign-off of the gate {}: its approvals and checks.", first.name),
                reviewers: names(&environment.reviewers(model)),
            });
        }
        for extra in &job.quorum {
            made.push(MadeEnvironment {
                name: extra.name.clone(),
                description: format!(
                    "Approval {} of {} of the {} {}: GitHub asks one reviewer per environment.",
                    extra.number,
                    extra.of,
                    first.kind.name(),
                    first.name
                ),
                reviewers: names(&extra.reviewers),
            });
        }
    }
    made
}

/// A job that only waits for the review of one more environment of a quorum, before the job
/// whose approvals it gathers.
#[derive(Serialize)]
struct ApprovalJob {
    id: String,
    name: String,
    needs: Vec<String>,
    condition: Option<String>,
    environment: String,
}

/// The workflow. Its jobs come from [`crate::analysis::workflow::jobs`], the approvals each
/// job records from [`attended`].
pub fn render(model: &Model, analysis: &Analysis, view: &PlanView, stem: &str) -> Result<String, String> {
    let views: HashMap<&str, &NodeView> = view.nodes.iter().map(|node| (node.name.as_str(), node)).collect();
    let mut jobs: Vec<Job> = Vec::new();
    let mut approval_jobs: Vec<ApprovalJob> = Vec::new();
    // Which planned job (id and slices) runs each node, by node name (a search per dependency
    // would make the target quadratic in the plan's size).
    let mut planned_of_node: HashMap<&str, (String, u64)> = HashMap::new();
    let planned_jobs = crate::analysis::workflow::jobs(model, &analysis.order, &analysis.schedule);
    let side_by_side = crate::analysis::workflow::runs_side_by_side(model, &planned_jobs);
    let run_ended_every_s = crate::analysis::workflow::run_ended_every_s(&planned_jobs);
    for planned in planned_jobs {
        let Some(first) = planned.nodes.first().map(|id| &model.nodes[id.0]) else { continue };
        let needs: std::collections::BTreeMap<String, u64> = first
            .after
            .iter()
            .filter_map(|dependency| planned_of_node.get(model.nodes[dependency.0].name.as_str()))
            .cloned()
            .collect();
        let needs: Vec<(String, u64)> = needs.into_iter().collect();
        let id = first.name.to_string();
        let mut approvals = Vec::new();
        let mut inputs = crate::analysis::inputs::Inputs::default();
        let mut only = Vec::new();
        for &node_id in &planned.nodes {
            let Some(node) = views.get(model.nodes[node_id.0].name.as_str()) else { continue };
            if attended(model, Place::Node(node_id), Runner::Workflow) {
                steps_of(&node.items, &["approve", "check"], &mut approvals);
            }
            inputs.extend(crate::analysis::inputs::node(model, node_id));
            only.push(format!("--only {}", node.name));
            planned_of_node.insert(&node.name, (id.clone(), planned.slices));
        }
        let (secrets, vars) = inputs.names(model);
        // The quorum's environments, each reviewed in a job of its own that the first slice
        // needs: it starts when they are all reviewed, approved or rejected (a rejection is
        // the answer `refused-by`, which fails the step, R5).
        let quorum: Vec<ApprovalJob> = planned
            .quorum
            .iter()
            .map(|extra: &QuorumEnvironment| ApprovalJob {
                id: format!("{id}-approval-{}", extra.number),
                name: format!("approval {} of {} for {} {}", extra.number, extra.of, first.kind.name(), first.name),
                needs: needs.iter().flat_map(|(id, slices)| (0..*slices).map(|index| slice_id(id, index))).collect(),
                condition: needs_done(&needs),
                environment: extra.name.clone(),
            })
            .collect();
        for index in 0..planned.slices {
            let first_slice = index == 0;
            // A later slice goes on with what the first one was approved for: on an environment
            // with reviewers it would wait for them again, so it runs without it, and reads the
            // reviews of the first from the run's reviews.
            let reviewed = planned.environment.is_some_and(|environment| environment.has_reviewers(model));
            let environment = planned.environment.filter(|_| first_slice || !reviewed);
            jobs.push(Job {
                id: slice_id(&id, index),
                name: if first_slice {
                    format!("{} {}", first.kind.name(), first.name)
                } else {
                    format!("{} {} ({}/{})", first.kind.name(), first.name, index + 1, planned.slices)
                },
                timeout_minutes: planned.timeout_minutes(),
                needs: if first_slice {
                    needs
                        .iter()
                        .flat_map(|(id, slices)| (0..*slices).map(|index| slice_id(id, index)))
                        .chain(quorum.iter().map(|approval| approval.id.clone()))
                        .collect()
                } else {
                    vec![slice_id(&id, index - 1)]
                },
                condition: if first_slice {
                    // Explicit even without needs: GitHub's implicit `success()` would skip the
                    // job when an approval of its quorum was rejected.
                    needs_done(&needs).or_else(|| (!quorum.is_empty()).then(|| "${{ !cancelled() }}".to_string()))
                } else {
                    Some(format!(
                        "${{{{ !cancelled() && needs.{}.outputs.more == 'true' }}}}",
                        slice_id(&id, index - 1)
                    ))
                },
                environment: environment.map(|environment| environment.name(model)),
                outputs: true,
                secrets: secrets.clone(),
                vars: vars.clone(),
                downloads: if first_slice { needs.iter().map(|(id, _)| id.clone()).collect() } else { Vec::new() },
                state: id.clone(),
                own_state_required: !first_slice,
                downloads_optional: false,
                step: JobStep {
                    group: format!("{} {}", first.kind.name(), first.name),
                    selector: only.join(" "),
                    slice_minutes: Some(planned.slice_minutes),
                    last_slice: index + 1 == planned.slices,
                    // Every slice records the reviews of the job's environments, from the run's
                    // reviews: a node that waits for its time starts in a later slice, which
                    // runs without the environment its reviewers approved in the first.
                    approvals: if planned.environment.is_some() { approvals.clone() } else { Vec::new() },
                    reviewed: match planned.environment {
                        Some(environment) => std::iter::once(environment.name(model))
                            .chain(planned.quorum.iter().map(|extra| extra.name.clone()))
                            .collect(),
                        None => Vec::new(),
                    },
                    watches_run: side_by_side,
                    run_ended_every_s,
                },
            });
        }
        approval_jobs.extend(quorum);
    }
    let node_jobs: Vec<String> = jobs.iter().map(|job| job.id.clone()).collect();
    // The planned jobs whose nodes roll back into each tree, in one pass over the nodes.
    let mut needs_of_tree: HashMap<&str, std::collections::BTreeMap<String, u64>> = HashMap::new();
    for node in &view.nodes {
        let Some((job, slices)) = planned_of_node.get(node.name.as_str()) else { continue };
        for tree in [rollback_tree(node.on_fail.as_ref()), rollback_tree(node.on_breach.as_ref())].into_iter().flatten()
        {
            needs_of_tree.entry(tree).or_default().insert(job.clone(), *slices);
        }
    }
    let mut rollback_jobs = Vec::new();
    for (index, tree) in model.rollbacks.iter().enumerate() {
        let Some(needs) = needs_of_tree.remove(tree.name.as_str()) else { continue };
        let (secrets, vars) = crate::analysis::inputs::tree(model, crate::model::TreeId(index)).names(model);
        let id = format!("rollback_{}", tree.name);
        rollback_jobs.push(id.clone());
        jobs.push(Job {
            name: format!("rollback {}", tree.name),
            timeout_minutes: 60,
            needs: needs.iter().flat_map(|(id, slices)| (0..*slices).map(|index| slice_id(id, index))).collect(),
            // The runbook decides on the merged state whether there is anything to roll back
            // (`--if-needed`); a cancelled run never rolls back. A job past its
            // `timeout-minutes` ends `cancelled` without cancelling the run, and `failure()`
            // stays false: that job could not roll back itself either.
            condition: Some("${{ !cancelled() && (failure() || contains(needs.*.result, 'cancelled')) }}".to_string()),
            environment: None,
            outputs: false,
            secrets,
            vars,
            downloads: needs.keys().cloned().collect(),
            state: id.clone(),
            own_state_required: false,
            downloads_optional: true,
            step: JobStep {
                group: format!("rollback {}", tree.name),
                selector: format!("--rollback {} --if-needed", tree.name),
                slice_minutes: None,
                last_slice: true,
                approvals: Vec::new(),
                reviewed: Vec::new(),
                watches_run: false,
                run_ended_every_s,
            },
            id,
        });
    }
    // A run a trigger starts has no inputs, so no `t0`: job golive-t0 decides its T0 (the time it
    // starts), and every job reads it there, so it needs that job.
    let triggers = &view.plan.triggers;
    if triggers.any() {
        for job in &mut jobs {
            job.needs.insert(0, T0_JOB.to_string());
        }
    }
    // Every job gets every input: the runbook asks for the plan's inputs before it runs anything.
    let inputs: Vec<Input> = view
        .inputs
        .iter()
        .map(|input| Input {
            name: input.name.clone(),
            github_type: input.github_type.clone(),
            description: yaml_string(input.description.as_deref().unwrap_or(&input.name)),
        })
        .collect();
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
            state_dir => yaml_string(&format!("{DIRECTORY}/.golive-{}", view.plan.name)),
            t0_required => view.plan.t0_rfc3339.is_none(),
            inputs => inputs,
            triggered => triggers.any(),
            branches => triggers.branches.iter().map(|pattern| yaml_string(pattern)).collect::<Vec<_>>(),
            tags => triggers.tags.iter().map(|pattern| yaml_string(pattern)).collect::<Vec<_>>(),
            release => triggers.release,
            schedules => triggers.schedules.iter().map(|cron| yaml_string(cron)).collect::<Vec<_>>(),
            jobs => jobs,
            approval_jobs => approval_jobs,
            all_jobs => node_jobs.iter().chain(&rollback_jobs).collect::<Vec<_>>(),
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
