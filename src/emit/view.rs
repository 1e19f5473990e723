//! The serializable view of a sound plan: what `--target json` prints and what every template
//! renders. It is a boundary: plain data (names instead of indices, milliseconds, strings as
//! written in the plan), versioned by `schema_version`, described by `schemas/plan.schema.json`.
//!
//! Ordering and naming are decided here, in Rust: nodes come in dependency order, every step
//! has a stable id (`node.3`) that the runbook's state file and the workflow's step ids share.

use crate::analysis::{format_value, Analysis};
use crate::model::{self, Model};
use schemars::JsonSchema;
use serde::Serialize;
use std::num::NonZeroU64;

/// Bumped when a field changes meaning or disappears; adding a field keeps the version.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct PlanView {
    pub schema_version: u32,
    /// `golivec <version>`.
    pub generator: String,
    pub plan: PlanInfo,
    pub roles: Vec<RoleView>,
    pub envs: Vec<EnvView>,
    pub secrets: Vec<SecretView>,
    /// Configuration variables (`var`): read from the environment like secrets, not secret.
    pub vars: Vec<VarView>,
    /// Inputs (`input`): values given when the run starts, read by commands like vars.
    pub inputs: Vec<InputView>,
    pub metrics: Vec<MetricView>,
    pub windows: Vec<WindowView>,
    pub freezes: Vec<FreezeView>,
    /// Every node, dependencies first.
    pub nodes: Vec<NodeView>,
    pub rollbacks: Vec<TreeView>,
    pub alerts: Vec<AlertView>,
    pub schedule: ScheduleView,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct PlanInfo {
    pub name: String,
    pub title: Option<String>,
    pub description: Option<String>,
    pub owner: Option<String>,
    /// T0 in RFC 9557 form, when known.
    pub t0: Option<String>,
    /// T0 as an RFC 3339 date-time with its offset, as `date -d` reads it.
    pub t0_rfc3339: Option<String>,
    /// What starts the workflow besides a person; a run it starts has its start as T0.
    pub triggers: TriggersView,
}

/// The plan's triggers (`on push branch`, `on push tag`, `on release`, `on schedule`), each
/// once, in the order written.
#[derive(Clone, Debug, Default, Serialize, JsonSchema)]
pub struct TriggersView {
    /// Filter patterns of the branches whose pushes start a run.
    pub branches: Vec<String>,
    /// Filter patterns of the tags whose pushes start a run.
    pub tags: Vec<String>,
    /// A release published starts a run.
    pub release: bool,
    /// Cron schedules (five fields, UTC) that start a run.
    pub schedules: Vec<String>,
}

impl TriggersView {
    /// Whether anything but a person starts the workflow.
    pub fn any(&self) -> bool {
        !self.branches.is_empty() || !self.tags.is_empty() || self.release || !self.schedules.is_empty()
    }
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct RoleView {
    pub name: String,
    pub title: Option<String>,
    pub contacts: Vec<String>,
    /// What the role is responsible for.
    pub description: Option<String>,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct EnvView {
    pub name: String,
    pub title: Option<String>,
    pub description: Option<String>,
    pub url: Option<String>,
    pub tier: Option<String>,
    /// Roles whose approval the environment requires.
    pub approvals: Vec<String>,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct SecretView {
    pub name: String,
    pub description: Option<String>,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct VarView {
    pub name: String,
    pub description: Option<String>,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct InputView {
    pub name: String,
    /// `string` or `bool`.
    #[serde(rename = "type")]
    pub ty: String,
    /// Its type as a `workflow_dispatch` input: `string` or `boolean`.
    pub github_type: String,
    pub description: Option<String>,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct MetricView {
    pub name: String,
    /// percent, duration, count, rate, number or bool.
    #[serde(rename = "type")]
    pub ty: String,
    pub title: Option<String>,
    /// Where the value comes from.
    pub source: MetricSourceView,
    /// The command of a `probe sh` (empty for another source: the runbook's command for it is
    /// made from `source`).
    pub probe: String,
    /// The secrets and the vars the probe reads from its environment (`uses`, or a query's
    /// headers).
    pub probe_secrets: Vec<String>,
    pub probe_vars: Vec<String>,
    /// How the probe's output is read (`ms`, `ratio`, `per_s`...).
    pub unit: Option<String>,
    pub baseline: Option<BaselineView>,
}

/// Where a metric's value comes from.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MetricSourceView {
    /// `probe sh "..."`: the command's output, or for a bool its exit status.
    Command,
    /// `prometheus "QUERY"`: an instant query of `url` (the server's base URL); one series.
    Prometheus { server: String, url: String, query: String, headers: Vec<HeaderView> },
    /// `http "URL" json "/pointer"`: the value at an RFC 6901 JSON pointer of the answer.
    Http { url: String, pointer: String, headers: Vec<HeaderView> },
}

/// An HTTP header whose value is read from the environment variable `from` (a secret or var).
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct HeaderView {
    pub name: String,
    pub from: String,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct BaselineView {
    pub at_ms: i64,
    pub window_ms: u64,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct WindowView {
    pub name: String,
    pub title: Option<String>,
    /// ISO weekday numbers, Monday = 1.
    pub days: Vec<u8>,
    /// `HH:MM`, the window is `[from, to)` in `zone`.
    pub from: String,
    pub to: String,
    pub zone: String,
    /// `applies` (inside, or an error), `prefer` or `avoid` (warnings only).
    pub mode: String,
    /// `launch` (T0) or `changes` (every node that can change something, R27).
    pub scope: String,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct FreezeView {
    pub name: String,
    pub title: Option<String>,
    /// `[from, until)` instants in RFC 3339.
    pub periods: Vec<(String, String)>,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct NodeView {
    pub name: String,
    /// phase, gate, rollout or watch.
    pub kind: String,
    pub after: Vec<String>,
    pub env: Option<String>,
    pub at_ms: Option<i64>,
    pub point_of_no_return: bool,
    pub every_ms: Option<u64>,
    pub for_ms: Option<u64>,
    /// How many unfavourable samples in a row a gate, rollout or watch accepts, defaults
    /// applied; null for a phase, which samples nothing.
    pub tolerance: Option<ToleranceView>,
    pub times: Option<TimesView>,
    pub items: Vec<ItemView>,
    /// A gate's or rollout's conditions; all must hold.
    pub requires: Vec<ConditionView>,
    /// A watch's conditions; all must hold at every sample.
    pub conditions: Vec<ConditionView>,
    /// The cadences of a watch's last conditions, in order: those sampled on an `every` of
    /// their own (`memory < 1GB every 10m`) instead of the watch's. Empty for other kinds.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cadences_ms: Vec<u64>,
    pub set_command: Option<String>,
    /// The secrets and the vars a rollout's `set` command reads (`uses`).
    pub set_secrets: Vec<String>,
    pub set_vars: Vec<String>,
    pub stages: Vec<StageView>,
    pub on_fail: Option<ActionView>,
    pub on_breach: Option<ActionView>,
    /// The run checks its clock against the windows for changes and the freezes when this node
    /// starts, and halts instead of starting it outside them (R27). Left out when false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub held_by_windows: bool,
}

/// The effective tolerance of a gate, rollout or watch (`tolerate`, or the defaults).
#[derive(Clone, Copy, Debug, Serialize, JsonSchema)]
pub struct ToleranceView {
    /// Samples in a row whose conditions do not hold that are accepted; one more fails the
    /// node (breaches a watch). 0 when the plan does not say.
    #[schemars(range(max = model::MAX_TOLERANCE))]
    pub failures: u16,
    /// Samples in a row without data that are accepted; one more makes the outcome
    /// inconclusive. 2 when the plan does not say.
    #[schemars(range(max = model::MAX_TOLERANCE))]
    pub nodata: u16,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct TimesView {
    pub earliest_start_ms: i64,
    pub latest_start_ms: i64,
    pub latest_finish_ms: i64,
    /// Every step taking its expected time (`typically`, or the documented defaults).
    pub nominal_start_ms: i64,
    pub nominal_finish_ms: i64,
    pub critical: bool,
    /// Local date-times, when T0 is known.
    pub start: Option<String>,
    pub finish: Option<String>,
}

/// A step or a titled group, in plan order.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(tag = "item", rename_all = "snake_case")]
// Built once per build and serialized; boxing the step would only add noise.
#[allow(clippy::large_enum_variant)]
pub enum ItemView {
    Step(StepView),
    Group { title: String, items: Vec<ItemView> },
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct StepView {
    /// Stable id: `<node or tree.level>.<position>`; the runbook's state file and the
    /// workflow's step ids use it.
    pub id: String,
    /// run, expect, check, approve, notify, page, wait, recheck or continue.
    pub kind: String,
    /// What a person reads: the title, or the check's text, or a summary.
    pub title: String,
    pub explicit_title: bool,
    pub command: Option<String>,
    pub timeout_ms: Option<u64>,
    /// `typically`: how long the step is expected to take.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub typical_ms: Option<u64>,
    pub retries: u32,
    pub secrets: Vec<String>,
    pub vars: Vec<String>,
    /// A command that may run again after an interruption without asking a person.
    pub idempotent: bool,
    pub http: Option<HttpView>,
    pub condition: Option<ConditionView>,
    pub roles: Vec<String>,
    pub quorum: Option<usize>,
    pub distinct: bool,
    pub message: Option<String>,
    /// A `wait`'s duration, or how long a `recheck` waits before it samples again.
    pub wait_ms: Option<u64>,
    /// A `recheck`'s outcome when its condition (in `condition`) holds: resume, stay or escalate.
    pub outcome: Option<String>,
    /// A `recheck`'s outcome when its condition does not hold or has no data; absent, it
    /// decides as a bare `recheck`.
    pub otherwise: Option<String>,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct HttpView {
    pub url: String,
    pub status: Option<u16>,
    pub within_ms: Option<u64>,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct StageView {
    pub weight: f64,
    pub at_ms: Option<i64>,
    pub hold_ms: Option<u64>,
    pub every_ms: Option<u64>,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum ActionView {
    Abort,
    Continue,
    Rollback { tree: String },
    Pause { wait_ms: u64, then: Option<Box<ActionView>> },
}

/// A condition, both structured (for evaluation) and as text (for people).
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct ConditionView {
    pub text: String,
    #[serde(flatten)]
    pub kind: ConditionKindView,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum ConditionKindView {
    Or {
        operands: Vec<ConditionView>,
    },
    And {
        operands: Vec<ConditionView>,
    },
    Not {
        operand: Box<ConditionView>,
    },
    Held {
        operand: Box<ConditionView>,
        duration_ms: u64,
    },
    /// `metric <comparison> value`, value in the metric's canonical unit (ms, percent points,
    /// events per second); `of_baseline` makes it a percentage of the baseline.
    Compare {
        metric: String,
        comparison: String,
        value: f64,
        of_baseline: bool,
    },
    /// `low <= metric < high` (`<=` when `inclusive`), negated for `not in`.
    InRange {
        metric: String,
        negated: bool,
        low: f64,
        high: f64,
        inclusive: bool,
    },
    Test {
        metric: String,
    },
    /// A manual trigger: a person declares it.
    Declared {
        trigger: String,
    },
    NoData {
        metric: Option<String>,
    },
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct TreeView {
    pub name: String,
    /// Most severe first; the first level whose condition holds runs, the first one when none
    /// does.
    pub levels: Vec<LevelView>,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct LevelView {
    pub name: String,
    pub when: ConditionView,
    pub items: Vec<ItemView>,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct AlertView {
    pub name: String,
    pub title: Option<String>,
    pub severity: String,
    pub when: ConditionView,
    pub items: Vec<ItemView>,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct ScheduleView {
    pub critical_path: Vec<String>,
    pub start_ms: i64,
    pub finish_ms: i64,
    pub length_ms: u64,
    /// When the last node finishes in the nominal schedule.
    pub nominal_finish_ms: i64,
    pub stages: Vec<StageTimesView>,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct StageTimesView {
    pub rollout: String,
    pub weight: f64,
    pub start_ms: i64,
    pub detect_ms: u64,
    pub rollback_ms: Option<u64>,
}

struct Builder<'m> {
    model: &'m Model,
}

impl Builder<'_> {
    fn role(&self, id: model::RoleId) -> String {
        self.model.roles[id.0].name.to_string()
    }

    fn roles(&self, ids: &[model::RoleId]) -> Vec<String> {
        ids.iter().map(|id| self.role(*id)).collect()
    }

    fn metric(&self, id: model::MetricId) -> &model::Metric {
        &self.model.metrics[id.0]
    }

    fn action(&self, action: &model::Action) -> ActionView {
        match action {
            model::Action::Abort => ActionView::Abort,
            model::Action::Continue => ActionView::Continue,
            model::Action::Rollback { tree } => {
                ActionView::Rollback { tree: self.model.rollbacks[tree.0].name.to_string() }
            }
            model::Action::Pause { wait_ms, then } => {
                ActionView::Pause { wait_ms: *wait_ms, then: then.as_ref().map(|then| Box::new(self.action(then))) }
            }
        }
    }

    fn condition(&self, condition: &model::Condition) -> ConditionView {
        let (kind, text) = match &condition.kind {
            model::ConditionKind::Or { operands } | model::ConditionKind::And { operands } => {
                let views: Vec<ConditionView> = operands.iter().map(|operand| self.condition(operand)).collect();
                let is_or = matches!(condition.kind, model::ConditionKind::Or { .. });
                let joiner = if is_or { " or " } else { " and " };
                let text = views
                    .iter()
                    .map(|view| match view.kind {
                        ConditionKindView::Or { .. } | ConditionKindView::And { .. } => format!("({})", view.text),
                        _ => view.text.clone(),
                    })
                    .collect::<Vec<_>>()
                    .join(joiner);
                let kind = if is_or {
                    ConditionKindView::Or { operands: views }
                } else {
                    ConditionKindView::And { operands: views }
                };
                (kind, text)
            }
            model::ConditionKind::Not { operand } => {
                let view = self.condition(operand);
                let text = match view.kind {
                    ConditionKindView::Test { .. }
                    | ConditionKindView::Declared { .. }
                    | ConditionKindView::NoData { .. } => {
                        format!("not {}", view.text)
                    }
                    _ => format!("not ({})", view.text),
                };
                (ConditionKindView::Not { operand: Box::new(view) }, text)
            }
            model::ConditionKind::Held { operand, duration_ms } => {
                let view = self.condition(operand);
                let inner = match view.kind {
                    ConditionKindView::Or { .. } | ConditionKindView::And { .. } => format!("({})", view.text),
                    _ => view.text.clone(),
                };
                let text = format!("{inner} for {}", crate::analysis::format_duration(*duration_ms));
                (ConditionKindView::Held { operand: Box::new(view), duration_ms: *duration_ms }, text)
            }
            model::ConditionKind::Compare { metric, comparison, threshold } => {
                let metric = self.metric(*metric);
                let symbol = comparison.symbol();
                let (value, of_baseline, shown) = match threshold {
                    model::Threshold::Absolute { value } => (*value, false, format_value(*value, metric.ty)),
                    model::Threshold::OfBaseline { percent } => (*percent, true, format!("{percent}% of baseline")),
                };
                let kind = ConditionKindView::Compare {
                    metric: metric.name.to_string(),
                    comparison: symbol.to_string(),
                    value,
                    of_baseline,
                };
                (kind, format!("{} {symbol} {shown}", metric.name))
            }
            model::ConditionKind::InRange { metric, negated, low, high, inclusive } => {
                let metric = self.metric(*metric);
                let text = format!(
                    "{}{} in {}{}{}",
                    metric.name,
                    if *negated { " not" } else { "" },
                    format_value(*low, metric.ty),
                    if *inclusive { "..=" } else { ".." },
                    format_value(*high, metric.ty)
                );
                let kind = ConditionKindView::InRange {
                    metric: metric.name.to_string(),
                    negated: *negated,
                    low: *low,
                    high: *high,
                    inclusive: *inclusive,
                };
                (kind, text)
            }
            model::ConditionKind::Test { metric } => {
                let name = self.metric(*metric).name.to_string();
                (ConditionKindView::Test { metric: name.clone() }, name)
            }
            model::ConditionKind::Declared { text } => {
                (ConditionKindView::Declared { trigger: text.to_string() }, format!("declared {text:?}"))
            }
            model::ConditionKind::NoData { metric } => {
                let name = metric.map(|metric| self.metric(metric).name.to_string());
                let text = name.as_ref().map_or("nodata".to_string(), |name| format!("nodata {name}"));
                (ConditionKindView::NoData { metric: name }, text)
            }
        };
        ConditionView { text, kind }
    }

    fn items(&self, owner: &str, items: &[model::Item], counter: &mut usize) -> Vec<ItemView> {
        items
            .iter()
            .map(|item| match item {
                model::Item::Step(step) => {
                    *counter += 1;
                    ItemView::Step(self.step(format!("{owner}.{counter}"), step))
                }
                model::Item::Group { title, items } => {
                    ItemView::Group { title: title.to_string(), items: self.items(owner, items, counter) }
                }
            })
            .collect()
    }

    fn step(&self, id: String, step: &model::Step) -> StepView {
        let mut view = StepView {
            id,
            kind: String::new(),
            title: String::new(),
            explicit_title: false,
            command: None,
            timeout_ms: None,
            typical_ms: step.typical_ms.map(NonZeroU64::get),
            retries: 0,
            idempotent: false,
            secrets: Vec::new(),
            vars: Vec::new(),
            http: None,
            condition: None,
            roles: Vec::new(),
            quorum: None,
            distinct: false,
            message: None,
            wait_ms: None,
            outcome: None,
            otherwise: None,
        };
        let secret_names = |ids: &[model::SecretId]| secret_names(self.model, ids);
        let var_names = |ids: &[model::VarId]| var_names(self.model, ids);
        match &step.kind {
            model::StepKind::Run { title, command, timeout_ms, retries, secrets, vars, idempotent } => {
                view.idempotent = *idempotent;
                view.kind = "run".into();
                view.explicit_title = title.is_some();
                view.title = title
                    .clone()
                    .unwrap_or_else(|| command.lines().next().unwrap_or_default().to_string().into())
                    .to_string();
                view.command = Some(command.to_string());
                view.timeout_ms = timeout_ms.map(NonZeroU64::get);
                view.retries = *retries;
                view.secrets = secret_names(secrets);
                view.vars = var_names(vars);
            }
            model::StepKind::Expect { title, check, timeout_ms, retries, secrets, vars, idempotent } => {
                view.idempotent = *idempotent;
                view.kind = "expect".into();
                view.explicit_title = title.is_some();
                view.timeout_ms = timeout_ms.map(NonZeroU64::get);
                view.retries = *retries;
                view.secrets = secret_names(secrets);
                view.vars = var_names(vars);
                let summary = match &**check {
                    model::Expectation::Http { url, status, within_ms } => {
                        view.http = Some(HttpView { url: url.to_string(), status: *status, within_ms: *within_ms });
                        format!(
                            "{url} answers {}",
                            status.map_or("successfully".to_string(), |status| status.to_string())
                        )
                    }
                    model::Expectation::Command { command } => {
                        view.command = Some(command.to_string());
                        command.lines().next().unwrap_or_default().to_string()
                    }
                    model::Expectation::Condition { condition } => {
                        let condition = self.condition(condition);
                        let text = condition.text.clone();
                        view.condition = Some(condition);
                        text
                    }
                };
                view.title = title.clone().unwrap_or(summary.into()).to_string();
            }
            model::StepKind::Check { text, by, timeout_ms } => {
                view.kind = "check".into();
                view.timeout_ms = timeout_ms.map(NonZeroU64::get);
                view.title = text.to_string();
                view.explicit_title = true;
                view.roles = self.roles(by);
            }
            model::StepKind::Approve { title, quorum, roles, distinct, timeout_ms } => {
                view.kind = "approve".into();
                view.timeout_ms = timeout_ms.map(NonZeroU64::get);
                view.explicit_title = title.is_some();
                let names = self.roles(roles);
                view.title = title
                    .clone()
                    .unwrap_or_else(|| {
                        if *quorum == names.len() {
                            format!("Approval by {}", names.join(", ")).into()
                        } else {
                            format!("Approval by {quorum} of {}", names.join(", ")).into()
                        }
                    })
                    .to_string();
                view.roles = names;
                view.quorum = Some(*quorum);
                view.distinct = *distinct;
            }
            model::StepKind::Notify { roles, message } => {
                view.kind = "notify".into();
                view.roles = self.roles(roles);
                view.title = format!("Notify {}", view.roles.join(", "));
                view.message = Some(message.to_string());
            }
            model::StepKind::Page { roles, message } => {
                view.kind = "page".into();
                view.roles = self.roles(roles);
                view.title = format!("Page {}", view.roles.join(", "));
                view.message = message.as_deref().map(String::from);
            }
            model::StepKind::Wait { duration_ms } => {
                view.kind = "wait".into();
                view.title = format!("Wait {}", crate::analysis::format_duration(*duration_ms));
                view.wait_ms = Some(*duration_ms);
            }
            model::StepKind::Recheck { after_ms, outcome } => {
                view.kind = "recheck".into();
                view.title = crate::run::engine::recheck_title(self.model, *after_ms, outcome.as_deref());
                view.wait_ms = (*after_ms > 0).then_some(*after_ms);
                if let Some(outcome) = outcome {
                    view.condition = Some(self.condition(&outcome.condition));
                    view.outcome = Some(outcome.then.keyword().into());
                    view.otherwise = outcome.otherwise.map(|otherwise| otherwise.keyword().into());
                }
            }
            model::StepKind::Continue => {
                view.kind = "continue".into();
                view.title = "No action needed".into();
            }
        }
        view
    }
}

/// A condition as people read it (`error_rate < 1% for 5m`), as every artifact writes it.
pub fn condition_text(model: &Model, condition: &model::Condition) -> String {
    Builder { model }.condition(condition).text
}

/// Builds the view of a sound plan.
pub fn build(model: &Model, analysis: &Analysis) -> PlanView {
    let builder = Builder { model };
    let schedule = &analysis.schedule;
    let nodes = analysis
        .order
        .iter()
        .map(|id| {
            let node = &model.nodes[id.0];
            let mut counter = 0;
            NodeView {
                name: node.name.to_string(),
                kind: node.kind.name().to_string(),
                after: node.after.iter().map(|dependency| model.nodes[dependency.0].name.to_string()).collect(),
                env: node.env.map(|env| model.envs[env.0].name.to_string()),
                at_ms: node.at_ms,
                point_of_no_return: node.point_of_no_return,
                every_ms: node.every_ms,
                for_ms: node.for_ms(),
                tolerance: (node.kind != model::NodeKind::Phase)
                    .then(|| ToleranceView { failures: node.tolerance.failures(), nodata: node.tolerance.nodata() }),
                times: schedule.nodes.get(id.0).map(|times| TimesView {
                    earliest_start_ms: times.earliest_start_ms,
                    latest_start_ms: times.latest_start_ms,
                    latest_finish_ms: times.latest_finish_ms,
                    nominal_start_ms: times.nominal_start_ms,
                    nominal_finish_ms: times.nominal_finish_ms,
                    critical: times.critical,
                    start: times.start.clone(),
                    finish: times.finish.clone(),
                }),
                items: builder.items(&node.name, &node.items, &mut counter),
                requires: node.requires.iter().map(|condition| builder.condition(condition)).collect(),
                conditions: node.conditions().iter().map(|condition| builder.condition(condition)).collect(),
                cadences_ms: node.cadences().iter().map(|cadence| cadence.every_ms).collect(),
                set_command: node.set_command().map(|command| String::from(command.as_str())),
                set_secrets: node.set_uses().map(|uses| secret_names(model, &uses.secrets)).unwrap_or_default(),
                set_vars: node.set_uses().map(|uses| var_names(model, &uses.vars)).unwrap_or_default(),
                stages: node
                    .stages()
                    .iter()
                    .map(|stage| StageView {
                        weight: stage.weight,
                        at_ms: stage.at_ms,
                        hold_ms: stage.hold_ms,
                        every_ms: stage.every_ms,
                    })
                    .collect(),
                on_fail: node.on_fail.as_ref().map(|action| builder.action(action)),
                on_breach: node.on_breach().map(|action| builder.action(action)),
                held_by_windows: model.held_by_windows(node),
            }
        })
        .collect();
    PlanView {
        schema_version: SCHEMA_VERSION,
        generator: format!("golivec {}", env!("CARGO_PKG_VERSION")),
        plan: PlanInfo {
            name: model.plan.name.to_string(),
            title: model.plan.title.as_deref().map(String::from),
            description: model.plan.description.as_deref().map(String::from),
            owner: model.plan.owner.map(|owner| builder.role(owner)),
            t0: schedule.t0.clone(),
            t0_rfc3339: schedule
                .t0
                .as_ref()
                .and_then(|t0| crate::zones::parse_zoned(t0))
                .map(|t0| t0.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string()),
            triggers: {
                let mut triggers = TriggersView::default();
                for trigger in &model.plan.triggers {
                    match trigger {
                        model::Trigger::Branch(pattern) => triggers.branches.push(pattern.to_string()),
                        model::Trigger::Tag(pattern) => triggers.tags.push(pattern.to_string()),
                        model::Trigger::Release => triggers.release = true,
                        model::Trigger::Schedule(cron) => triggers.schedules.push(cron.to_string()),
                    }
                }
                triggers
            },
        },
        roles: model
            .roles
            .iter()
            .map(|role| RoleView {
                name: role.name.to_string(),
                title: role.title.as_deref().map(String::from),
                contacts: role.contacts.iter().map(ToString::to_string).collect(),
                description: role.description.as_deref().map(String::from),
            })
            .collect(),
        envs: model
            .envs
            .iter()
            .map(|env| EnvView {
                name: env.name.to_string(),
                title: env.title.as_deref().map(String::from),
                description: env.description.as_deref().map(String::from),
                url: env.url.as_deref().map(String::from),
                tier: env.tier.as_deref().map(String::from),
                approvals: builder.roles(&env.approvals),
            })
            .collect(),
        secrets: model
            .secrets
            .iter()
            .map(|secret| SecretView {
                name: secret.name.to_string(),
                description: secret.description.as_deref().map(String::from),
            })
            .collect(),
        vars: model
            .vars
            .iter()
            .filter(|var| var.input.is_none())
            .map(|var| VarView {
                name: var.name.to_string(),
                description: var.description.as_deref().map(String::from),
            })
            .collect(),
        inputs: model
            .vars
            .iter()
            .filter_map(|var| {
                var.input.map(|ty| InputView {
                    name: var.name.to_string(),
                    ty: ty.name().to_string(),
                    github_type: ty.github().to_string(),
                    description: var.description.as_deref().map(String::from),
                })
            })
            .collect(),
        metrics: model
            .metrics
            .iter()
            .map(|metric| MetricView {
                name: metric.name.to_string(),
                ty: metric.ty.name().to_string(),
                title: metric.title.as_deref().map(String::from),
                source: source_view(model, &metric.source),
                probe: metric.probe.to_string(),
                probe_secrets: secret_names(model, &metric.probe_uses.secrets),
                probe_vars: var_names(model, &metric.probe_uses.vars),
                unit: metric.unit.as_deref().map(String::from),
                baseline: metric
                    .baseline
                    .as_ref()
                    .map(|baseline| BaselineView { at_ms: baseline.at_ms, window_ms: baseline.window_ms }),
            })
            .collect(),
        windows: model
            .windows
            .iter()
            .map(|window| WindowView {
                name: window.name.to_string(),
                title: window.title.as_deref().map(String::from),
                days: window.days.clone(),
                from: format!("{:02}:{:02}", window.from_minute / 60, window.from_minute % 60),
                to: format!("{:02}:{:02}", window.to_minute / 60, window.to_minute % 60),
                zone: window.zone.to_string(),
                mode: window.mode.keyword().to_string(),
                scope: window.scope.keyword().to_string(),
            })
            .collect(),
        freezes: model
            .freezes
            .iter()
            .map(|freeze| FreezeView {
                name: freeze.name.to_string(),
                title: freeze.title.as_deref().map(String::from),
                periods: freeze
                    .periods
                    .iter()
                    .map(|period| (period.from.to_string(), period.until.to_string()))
                    .collect(),
            })
            .collect(),
        nodes,
        rollbacks: model
            .rollbacks
            .iter()
            .map(|tree| TreeView {
                name: tree.name.to_string(),
                levels: tree
                    .levels
                    .iter()
                    .map(|level| {
                        let mut counter = 0;
                        LevelView {
                            name: level.name.to_string(),
                            when: builder.condition(&level.when),
                            items: builder.items(&format!("{}.{}", tree.name, level.name), &level.items, &mut counter),
                        }
                    })
                    .collect(),
            })
            .collect(),
        alerts: model
            .alerts
            .iter()
            .map(|alert| {
                let mut counter = 0;
                AlertView {
                    name: alert.name.to_string(),
                    title: alert.title.as_deref().map(String::from),
                    severity: alert.severity.to_string(),
                    when: builder.condition(&alert.when),
                    items: builder.items(&alert.name, &alert.items, &mut counter),
                }
            })
            .collect(),
        schedule: ScheduleView {
            critical_path: schedule.critical_path.iter().map(|id| model.nodes[id.0].name.to_string()).collect(),
            start_ms: schedule.start_ms,
            finish_ms: schedule.finish_ms,
            length_ms: schedule.length_ms(),
            nominal_finish_ms: schedule.nominal_finish_ms,
            stages: schedule
                .stages
                .iter()
                .map(|stage| StageTimesView {
                    rollout: model.nodes[stage.rollout.0].name.to_string(),
                    weight: stage.weight,
                    start_ms: stage.start_ms,
                    detect_ms: stage.detect_ms,
                    rollback_ms: stage.rollback_ms,
                })
                .collect(),
        },
    }
}

/// The JSON Schema of the view (written to `schemas/plan.schema.json`).
pub fn schema() -> String {
    let schema = schemars::schema_for!(PlanView);
    serde_json::to_string_pretty(&schema).unwrap_or_default() + "\n"
}

/// The view as pretty JSON.
pub fn to_json(view: &PlanView) -> String {
    serde_json::to_string_pretty(view).unwrap_or_default() + "\n"
}

fn secret_names(model: &model::Model, ids: &[model::SecretId]) -> Vec<String> {
    ids.iter().map(|id| model.secrets[id.0].name.to_string()).collect()
}

fn var_names(model: &model::Model, ids: &[model::VarId]) -> Vec<String> {
    ids.iter().map(|id| model.vars[id.0].name.to_string()).collect()
}

fn headers_view(headers: &[model::HttpHeader]) -> Vec<HeaderView> {
    headers.iter().map(|header| HeaderView { name: header.name.to_string(), from: header.from.to_string() }).collect()
}

fn source_view(model: &Model, source: &model::MetricSource) -> MetricSourceView {
    match source {
        model::MetricSource::Command => MetricSourceView::Command,
        model::MetricSource::Prometheus { server, query } => {
            let server = model.prometheus.get(*server);
            MetricSourceView::Prometheus {
                server: server.map(|server| server.name.to_string()).unwrap_or_default(),
                url: server.map(|server| server.url.to_string()).unwrap_or_default(),
                query: query.to_string(),
                headers: server.map(|server| headers_view(&server.headers)).unwrap_or_default(),
            }
        }
        model::MetricSource::Http { url, pointer, headers } => MetricSourceView::Http {
            url: url.to_string(),
            pointer: pointer.to_string(),
            headers: headers_view(headers),
        },
    }
}
