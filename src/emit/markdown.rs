//! The go-live checklist as Markdown (`--target markdown`): what teams write by hand, generated
//! from the plan. Rust decides what is shown and in which order and formats times; the template
//! (`templates/checklist.md.j2`) lays it out; every plan string is quoted by [`super::filters`].

use super::filters;
use super::view::{
    ActionView, AlertView, ConditionView, ItemView, NodeView, PlanInfo, PlanView, RoleView, StepView, TimesView,
    TreeView,
};
use super::workflow::MadeEnvironment;
use crate::analysis::{format_duration, format_offset};
use crate::model::DEFAULT_SAMPLING_MS;
use minijinja::Value;
use serde::Serialize;
use std::borrow::Cow;
use std::collections::BTreeSet;
use std::sync::Arc;

const CHECKLIST: &str = include_str!("templates/checklist.md.j2");
const ITEMS: &str = include_str!("templates/items.md.j2");

/// GitHub's limit on an environment's wait timer: 30 days, in minutes.
const MAX_WAIT_TIMER_MINUTES: u64 = 43_200;

#[derive(Serialize)]
struct Checklist<'v> {
    generator: &'v str,
    plan: &'v PlanInfo,
    title: &'v str,
    owner: Option<&'v RoleView>,
    roles: &'v [RoleView],
    /// What to configure before the launch: in the runner's environment, and in GitHub.
    secrets: &'v [super::view::SecretView],
    vars: &'v [super::view::VarView],
    inputs: &'v [super::view::InputView],
    signoff: Vec<&'v RoleView>,
    // `timeline`, `nodes` and `watches`, as long as the plan, are not here: [`Rows`] makes
    // them one row at a time as the template reaches it.
    trees: Vec<TreeSection<'v>>,
    alerts: Vec<AlertSection<'v>>,
    /// The Prometheus rule file the alerts' rules are in (`--target alerts`).
    rules_file: &'v str,
    schedule: ScheduleSection,
    /// The nominal schedule as a Mermaid `gantt` chart.
    gantt: Gantt,
    environments: Vec<EnvironmentSettings<'v>>,
}

/// A node's times, relative to T0 and, when T0 is known, absolute: the latest ones (every step
/// taking its whole limit) and the nominal ones (every step taking its expected time), as
/// `golivec plan` shows them.
#[derive(Serialize)]
struct Times<'v> {
    start: String,
    finish: String,
    start_at: Option<&'v str>,
    finish_at: Option<&'v str>,
    nominal_start: String,
    nominal_finish: String,
    nominal_start_at: Option<String>,
    nominal_finish_at: Option<String>,
    critical: bool,
}

/// The nominal schedule as a Mermaid `gantt`: one bar per node, in plan order, its start and
/// end in Unix milliseconds (`dateFormat x`), from T0 when it is known, else from an arbitrary
/// midnight standing for T0 (the axis then shows times of day from T0).
#[derive(Serialize)]
struct Gantt {
    axis: &'static str,
    bars: Vec<GanttBar>,
}

#[derive(Serialize)]
struct GanttBar {
    /// The node's kind and name: identifiers, never a Mermaid keyword first.
    label: String,
    start: i64,
    end: i64,
    /// A node that takes no time (a gate without conditions): a milestone.
    milestone: bool,
}

#[derive(Serialize)]
struct TimelineRow<'v> {
    name: &'v str,
    kind: &'v str,
    times: Times<'v>,
}

#[derive(Serialize)]
struct NodeSection<'v> {
    node: &'v NodeView,
    times: Times<'v>,
    entries: Vec<Entry<'v>>,
    /// How often the node's conditions are sampled.
    sampling: String,
    stages: Vec<StageRow>,
    /// A watch's conditions, each with its own cadence when it has one (`every 10m`).
    watch_conditions: Vec<WatchCondition<'v>>,
    /// Markdown, its names quoted.
    on_fail: Option<String>,
    on_breach: Option<String>,
}

/// A step or a group of the checklist, in plan order.
#[derive(Serialize)]
struct Entry<'v> {
    step: Option<&'v StepView>,
    /// The group's title or the step's, never blank: an empty title would leave an empty
    /// checkbox or a `****` rule.
    title: &'v str,
    entries: Vec<Entry<'v>>,
    /// The entry before this one ends with a fenced block, which must be followed by a blank
    /// line (the list stays valid; markdownlint asks for it).
    blank_before: bool,
}

impl Entry<'_> {
    fn ends_with_block(&self) -> bool {
        match self.step {
            Some(step) => step.command.is_some(),
            None => ends_with_block(&self.entries),
        }
    }
}

fn ends_with_block(entries: &[Entry<'_>]) -> bool {
    entries.last().is_some_and(Entry::ends_with_block)
}

#[derive(Serialize)]
struct StageRow {
    weight: String,
    at: Option<String>,
    hold: Option<String>,
    sampling: String,
}

#[derive(Serialize)]
struct WatchCondition<'v> {
    text: &'v str,
    every: Option<String>,
}

#[derive(Serialize)]
struct WatchRow<'v> {
    name: &'v str,
    times: Times<'v>,
    every: String,
    duration: String,
}

#[derive(Serialize)]
struct TreeSection<'v> {
    name: &'v str,
    levels: Vec<LevelSection<'v>>,
}

#[derive(Serialize)]
struct LevelSection<'v> {
    name: &'v str,
    when: &'v ConditionView,
    entries: Vec<Entry<'v>>,
    /// The level before this one ends with a fenced block (see [`Entry::blank_before`]).
    blank_before: bool,
}

#[derive(Serialize)]
struct AlertSection<'v> {
    alert: &'v AlertView,
    /// Its Prometheus rule's name, when it has one (`--target alerts`).
    rule: Option<&'v str>,
    entries: Vec<Entry<'v>>,
    /// The alert before this one ends with a fenced block (see [`Entry::blank_before`]).
    blank_before: bool,
}

#[derive(Serialize)]
struct ScheduleSection {
    critical_path: Vec<String>,
    length: String,
    start: String,
    finish: String,
    nominal_length: String,
    nominal_start: String,
    nominal_finish: String,
    stages: Vec<StageTimesRow>,
}

#[derive(Serialize)]
struct StageTimesRow {
    rollout: String,
    weight: String,
    start: String,
    detect: String,
    rollback: Option<String>,
}

/// What a GitHub environment needs so that the plan's `approval` on an env, or a gate's
/// `approve` steps, are enforced.
#[derive(Serialize)]
struct EnvironmentSettings<'v> {
    name: Cow<'v, str>,
    description: Option<Cow<'v, str>>,
    reviewers: Cow<'v, [String]>,
    wait_timer_minutes: Option<u64>,
}

fn times<'v>(times: Option<&'v TimesView>, t0: Option<&jiff::Zoned>) -> Times<'v> {
    // The schedule knows every node of a sound plan; `-` if it ever does not.
    let Some(times) = times else {
        return Times {
            start: "-".into(),
            finish: "-".into(),
            start_at: None,
            finish_at: None,
            nominal_start: "-".into(),
            nominal_finish: "-".into(),
            nominal_start_at: None,
            nominal_finish_at: None,
            critical: false,
        };
    };
    let at = |offset: i64| t0.and_then(|t0| crate::analysis::timeline::wall_clock(t0, offset));
    Times {
        start: format_offset(times.latest_start_ms),
        finish: format_offset(times.latest_finish_ms),
        start_at: times.start.as_deref(),
        finish_at: times.finish.as_deref(),
        nominal_start: format_offset(times.nominal_start_ms),
        nominal_finish: format_offset(times.nominal_finish_ms),
        nominal_start_at: at(times.nominal_start_ms),
        nominal_finish_at: at(times.nominal_finish_ms),
        critical: times.critical,
    }
}

/// T0 of the view, when known.
fn t0(view: &PlanView) -> Option<jiff::Zoned> {
    view.plan.t0.as_deref().and_then(|t0| t0.parse().ok())
}

/// Midnight UTC of 2000-01-01, in Unix milliseconds: T0 on the chart of a plan without one.
const GANTT_EPOCH_MS: i64 = 946_684_800_000;

fn gantt(view: &PlanView, t0: Option<&jiff::Zoned>) -> Gantt {
    let base = t0.map_or(GANTT_EPOCH_MS, |t0| t0.timestamp().as_millisecond());
    let bars = view
        .nodes
        .iter()
        .filter_map(|node| {
            let times = node.times.as_ref()?;
            let start = base.saturating_add(times.nominal_start_ms);
            let end = base.saturating_add(times.nominal_finish_ms);
            Some(GanttBar { label: format!("{} {}", node.kind, node.name), start, end, milestone: end <= start })
        })
        .collect();
    // A plan longer than a day needs the day on the axis.
    let long = view.schedule.nominal_finish_ms.saturating_sub(view.schedule.start_ms) > 86_400_000;
    let axis = match (t0.is_some(), long) {
        (true, true) => "%m-%d %H:%M",
        (true, false) => "%H:%M",
        (false, true) => "day %j %H:%M",
        (false, false) => "%H:%M",
    };
    Gantt { axis, bars }
}

/// Weights as written: `5`, `0.5`.
fn weight(weight: f64) -> String {
    format!("{weight}%")
}

fn entries(items: &[ItemView]) -> Vec<Entry<'_>> {
    let mut out: Vec<Entry<'_>> = Vec::with_capacity(items.len());
    for item in items {
        let blank_before = ends_with_block(&out);
        out.push(match item {
            ItemView::Step(step) => Entry {
                step: Some(step),
                title: non_blank(&step.title, "(untitled step)"),
                entries: Vec::new(),
                blank_before,
            },
            ItemView::Group { title, items } => {
                Entry { step: None, title: non_blank(title, "(untitled group)"), entries: entries(items), blank_before }
            }
        });
    }
    out
}

fn non_blank<'t>(text: &'t str, fallback: &'static str) -> &'t str {
    if text.trim().is_empty() {
        fallback
    } else {
        text
    }
}

/// What an `on fail` or `on breach` does, as Markdown.
fn action_text(action: &ActionView) -> String {
    match action {
        ActionView::Abort => "abort the go-live".to_string(),
        ActionView::Continue => "carry on".to_string(),
        ActionView::Rollback { tree } => format!("roll back with {}", filters::md_code(tree)),
        ActionView::Pause { wait_ms, then: None } => format!("pause {}", format_duration(*wait_ms)),
        ActionView::Pause { wait_ms, then: Some(then) } => {
            format!("pause {}, then {}", format_duration(*wait_ms), action_text(then))
        }
    }
}

fn sampling(every_ms: Option<u64>) -> String {
    format_duration(every_ms.unwrap_or(DEFAULT_SAMPLING_MS))
}

fn node_section<'v>(node: &'v NodeView, t0: Option<&jiff::Zoned>) -> NodeSection<'v> {
    NodeSection {
        node,
        times: times(node.times.as_ref(), t0),
        entries: entries(&node.items),
        sampling: sampling(node.every_ms),
        stages: node
            .stages
            .iter()
            .map(|stage| StageRow {
                weight: weight(stage.weight),
                at: stage.at_ms.map(format_offset),
                hold: stage.hold_ms.map(format_duration),
                sampling: sampling(stage.every_ms.or(node.every_ms)),
            })
            .collect(),
        watch_conditions: {
            let plain = node.conditions.len().saturating_sub(node.cadences_ms.len());
            node.conditions
                .iter()
                .enumerate()
                .map(|(position, condition)| WatchCondition {
                    text: &condition.text,
                    every: position
                        .checked_sub(plain)
                        .and_then(|k| node.cadences_ms.get(k))
                        .map(|ms| format_duration(*ms)),
                })
                .collect()
        },
        on_fail: node.on_fail.as_ref().map(action_text),
        on_breach: node.on_breach.as_ref().map(action_text),
    }
}

fn watch_row<'v>(node: &'v NodeView, t0: Option<&jiff::Zoned>) -> WatchRow<'v> {
    WatchRow {
        name: &node.name,
        times: times(node.times.as_ref(), t0),
        // The watch's `every`, then its conditions' own cadences: `1m; 2m, 10m for some conditions`.
        every: {
            let mut own: Vec<u64> = node.cadences_ms.clone();
            own.sort_unstable();
            own.dedup();
            let own: Vec<String> = own.into_iter().map(format_duration).collect();
            if own.is_empty() {
                sampling(node.every_ms)
            } else {
                format!("{}; {} for some conditions", sampling(node.every_ms), own.join(", "))
            }
        },
        duration: node.for_ms.map_or_else(|| "-".to_string(), format_duration),
    }
}

fn all_steps<'v>(items: &'v [ItemView], out: &mut Vec<&'v StepView>) {
    for item in items {
        match item {
            ItemView::Step(step) => out.push(step),
            ItemView::Group { items, .. } => all_steps(items, out),
        }
    }
}

/// Every role that approves anywhere (an `approve` step, an env's `approval`), in declaration
/// order.
fn signoff(view: &PlanView) -> Vec<&RoleView> {
    let mut steps = Vec::new();
    view.nodes.iter().for_each(|node| all_steps(&node.items, &mut steps));
    view.rollbacks.iter().flat_map(|tree| &tree.levels).for_each(|level| all_steps(&level.items, &mut steps));
    view.alerts.iter().for_each(|alert| all_steps(&alert.items, &mut steps));
    let mut approvers: BTreeSet<&str> = steps
        .iter()
        .filter(|step| step.kind == "approve")
        .flat_map(|step| step.roles.iter().map(String::as_str))
        .collect();
    approvers.extend(view.envs.iter().flat_map(|env| env.approvals.iter().map(String::as_str)));
    view.roles.iter().filter(|role| approvers.contains(role.name.as_str())).collect()
}

/// The wait timer an env can enforce: GitHub holds every job on the env that long, so it is the
/// shortest `wait` that every node on the env opens with; none when one does not.
fn wait_timer_minutes(view: &PlanView, env: &str) -> Option<u64> {
    let leading_waits = view.nodes.iter().filter(|node| node.env.as_deref() == Some(env)).map(|node| {
        let mut steps = Vec::new();
        all_steps(&node.items, &mut steps);
        steps.iter().take_while(|step| step.kind == "wait").filter_map(|step| step.wait_ms).sum::<u64>()
    });
    let shortest = leading_waits.min().filter(|ms| *ms >= 60_000)?;
    // Rounded down: a timer longer than the plan's wait would hold the job past its time.
    Some((shortest / 60_000).min(MAX_WAIT_TIMER_MINUTES))
}

fn environments<'v>(view: &'v PlanView, made: &'v [MadeEnvironment]) -> Vec<EnvironmentSettings<'v>> {
    let envs = view.envs.iter().filter(|env| !env.approvals.is_empty()).map(|env| EnvironmentSettings {
        name: Cow::Borrowed(env.name.as_str()),
        reviewers: Cow::Borrowed(env.approvals.as_slice()),
        wait_timer_minutes: wait_timer_minutes(view, &env.name),
        description: env.description.as_deref().map(Cow::Borrowed),
    });
    let made = made.iter().map(|made| EnvironmentSettings {
        description: Some(Cow::Borrowed(made.description.as_str())),
        name: Cow::Borrowed(made.name.as_str()),
        reviewers: Cow::Borrowed(made.reviewers.as_slice()),
        wait_timer_minutes: None,
    });
    envs.chain(made).collect()
}

fn tree_section(tree: &TreeView) -> TreeSection<'_> {
    let mut levels: Vec<LevelSection<'_>> = Vec::with_capacity(tree.levels.len());
    for level in &tree.levels {
        let blank_before = levels.last().is_some_and(|before| ends_with_block(&before.entries));
        levels.push(LevelSection {
            name: &level.name,
            when: &level.when,
            entries: entries(&level.items),
            blank_before,
        });
    }
    TreeSection { name: &tree.name, levels }
}

fn alert_sections<'v>(alerts: &'v [AlertView], rules: &'v [Option<String>]) -> Vec<AlertSection<'v>> {
    let mut sections: Vec<AlertSection<'_>> = Vec::with_capacity(alerts.len());
    for (index, alert) in alerts.iter().enumerate() {
        let blank_before = sections.last().is_some_and(|before| ends_with_block(&before.entries));
        let rule = rules.get(index).and_then(Option::as_deref);
        sections.push(AlertSection { alert, rule, entries: entries(&alert.items), blank_before });
    }
    sections
}

fn schedule_section(view: &PlanView) -> ScheduleSection {
    let schedule = &view.schedule;
    let nominal_start =
        view.nodes.iter().filter_map(|node| node.times.as_ref()).map(|times| times.nominal_start_ms).min().unwrap_or(0);
    ScheduleSection {
        critical_path: schedule.critical_path.clone(),
        length: format_duration(schedule.length_ms),
        start: format_offset(schedule.start_ms),
        finish: format_offset(schedule.finish_ms),
        nominal_length: format_duration(schedule.nominal_finish_ms.saturating_sub(nominal_start).max(0).unsigned_abs()),
        nominal_start: format_offset(nominal_start),
        nominal_finish: format_offset(schedule.nominal_finish_ms),
        stages: schedule
            .stages
            .iter()
            .map(|stage| StageTimesRow {
                rollout: stage.rollout.clone(),
                weight: weight(stage.weight),
                start: format_offset(stage.start_ms),
                detect: format_duration(stage.detect_ms),
                rollback: stage.rollback_ms.map(format_duration),
            })
            .collect(),
    }
}

fn checklist<'v>(
    view: &'v PlanView,
    made: &'v [MadeEnvironment],
    rules: &'v [Option<String>],
    rules_file: &'v str,
) -> Checklist<'v> {
    let t0 = t0(view);
    let t0 = t0.as_ref();
    Checklist {
        generator: &view.generator,
        plan: &view.plan,
        title: view.plan.title.as_deref().filter(|title| !title.trim().is_empty()).unwrap_or(&view.plan.name),
        owner: view.plan.owner.as_ref().and_then(|owner| view.roles.iter().find(|role| &role.name == owner)),
        roles: &view.roles,
        secrets: &view.secrets,
        vars: &view.vars,
        inputs: &view.inputs,
        signoff: signoff(view),
        trees: view.rollbacks.iter().map(tree_section).collect(),
        alerts: alert_sections(&view.alerts, rules),
        rules_file,
        schedule: schedule_section(view),
        gantt: gantt(view, t0),
        environments: environments(view, made),
    }
}

fn environment() -> Result<minijinja::Environment<'static>, String> {
    let mut environment = minijinja::Environment::new();
    environment.set_trim_blocks(true);
    environment.set_lstrip_blocks(true);
    environment.set_keep_trailing_newline(true);
    // A misspelt field is a broken template, not an empty string in someone's checklist.
    environment.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    environment.add_filter("md_inline", |text: &str| filters::md_inline(text));
    environment.add_filter("md_cell", |text: &str| filters::md_cell(text));
    environment.add_filter("md_code", |text: &str| filters::md_code(text));
    environment.add_filter("code_block", |text: &str, language: &str| filters::code_block(text, language));
    environment.add_filter("mermaid_label", |text: &str| filters::mermaid_label(text));
    environment.add_filter("duration", format_duration);
    environment.add_filter("offset", format_offset);
    environment.add_filter("names", names);
    environment.add_filter("items", items);
    for (name, source) in [("checklist.md", CHECKLIST), ("items.md", ITEMS)] {
        environment.add_template(name, source).map_err(|error| format!("the template {name} is broken: {error}"))?;
    }
    Ok(environment)
}

/// Names as code spans, separated by commas.
fn names(names: Vec<String>) -> String {
    names.iter().map(|name| filters::md_code(name)).collect::<Vec<_>>().join(", ")
}

/// A list of steps and groups laid out by `items.md.j2`, each line indented by `pad` (the list
/// may be nested in another). Without its last newline: the caller's line ends it.
fn items(state: &minijinja::State, entries: minijinja::Value, pad: &str) -> Result<String, minijinja::Error> {
    let text = state.env().get_template("items.md")?.render(minijinja::context! { entries, pad })?;
    Ok(text.strip_suffix('\n').unwrap_or(&text).to_string())
}

/// The checklist of a sound plan; `made` are the environments the workflow makes for gates and
/// quorums ([`super::workflow::made_environments`]), whose set-up it lists.
/// `rules` holds each alert's Prometheus rule name, if any, in `rules_file`.
pub fn render(
    view: PlanView,
    made: &[MadeEnvironment],
    rules: &[Option<String>],
    rules_file: &str,
) -> Result<String, String> {
    let environment = environment()?;
    let template = environment.get_template("checklist.md").map_err(|error| error.to_string())?;
    let context = minijinja::Value::from_serialize(checklist(&view, made, rules, rules_file));
    let t0 = t0(&view);
    let view = Arc::new(view);
    let watches = view.nodes.iter().enumerate().filter(|(_, node)| node.kind == "watch").map(|(at, _)| at).collect();
    let rows = |list: List, nodes: Option<Vec<usize>>| {
        Value::from_object(Rows { view: Arc::clone(&view), t0: t0.clone(), list, nodes })
    };
    template
        .render(minijinja::context! {
            timeline => rows(List::Timeline, None),
            nodes => rows(List::Nodes, None),
            watches => rows(List::Watches, Some(watches)),
            ..context
        })
        .map_err(|error| format!("cannot render the checklist: {error:#}"))
}

/// Which of the lists as long as the plan a [`Rows`] is.
#[derive(Clone, Copy, Debug)]
enum List {
    Timeline,
    Nodes,
    Watches,
}

/// One of the checklist's lists with a row per node (or per watch), as a sequence the template
/// loops over: each row becomes a template value when the loop reaches it and is dropped after.
/// Made whole, the three lists were most of the memory of a long plan's checklist (715 MB for
/// 100,000 nodes), the same values one at a time.
struct Rows {
    view: Arc<PlanView>,
    /// The plan's T0, for the rows' wall-clock times.
    t0: Option<jiff::Zoned>,
    list: List,
    /// The nodes listed, by index; all of them when `None`.
    nodes: Option<Vec<usize>>,
}

impl std::fmt::Debug for Rows {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("Rows").field("list", &self.list).field("len", &self.len()).finish()
    }
}

impl Rows {
    fn len(&self) -> usize {
        self.nodes.as_ref().map_or(self.view.nodes.len(), Vec::len)
    }
}

impl minijinja::value::Object for Rows {
    fn repr(self: &Arc<Self>) -> minijinja::value::ObjectRepr {
        minijinja::value::ObjectRepr::Seq
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let at = key.as_usize()?;
        let at = match &self.nodes {
            Some(nodes) => *nodes.get(at)?,
            None => at,
        };
        let node = self.view.nodes.get(at)?;
        let t0 = self.t0.as_ref();
        Some(match self.list {
            List::Timeline => Value::from_serialize(TimelineRow {
                name: &node.name,
                kind: &node.kind,
                times: times(node.times.as_ref(), t0),
            }),
            List::Nodes => Value::from_serialize(node_section(node, t0)),
            List::Watches => Value::from_serialize(watch_row(node, t0)),
        })
    }

    fn enumerate(self: &Arc<Self>) -> minijinja::value::Enumerator {
        minijinja::value::Enumerator::Seq(self.len())
    }
}
