//! `--target shell`: a bash runbook that runs the plan.
//!
//! Rust decides the order and the names: nodes in dependency order, bash function names by
//! position (`node_3`, `cond_12`, `tree_1_level_0`), conditions flattened into a list where each
//! operand is its own function. The template (`templates/runbook.sh.j2`) loops and formats.
//! Every string that comes from the plan reaches the script through the `sh_quote` filter: a
//! title, a message or a URL is data; a command (`sh "..."`) is code that the plan's author
//! wrote, which the script keeps in a quoted variable and runs with `bash -c`.

use super::view::{ActionView, ConditionKindView, ConditionView, ItemView, PlanView, StepView};
use crate::model::{
    DEFAULT_ANSWER_TIMEOUT_MS, DEFAULT_COMMAND_TIMEOUT_MS, DEFAULT_MESSAGE_TIMEOUT_MS, DEFAULT_SAMPLING_MS,
};
use rustc_hash::FxHashMap;
use serde::Serialize;
use std::collections::BTreeSet;

const TEMPLATE: &str = include_str!("templates/runbook.sh.j2");

/// Quotes `text` as one bash word, literally. A NUL byte cannot be held by a bash string: that
/// is an error.
///
/// shlex's single quotes are exact, but shellcheck reads `'$(...)'` as a likely mistake
/// (SC2016); text holding `$` or a backtick is written in ANSI-C quotes (`$'...'`) instead,
/// where `$` and backticks are just as literal and only `\` and `'` need escaping.
pub fn sh_quote(text: &str) -> Result<String, String> {
    let quoted = shlex::try_quote(text).map(|quoted| quoted.into_owned()).map_err(|_| {
        let shown: String = text.chars().take(40).map(|c| if c == '\0' { '␀' } else { c }).collect();
        format!("the string {shown:?} contains a NUL byte, which a bash script cannot hold")
    })?;
    if !text.contains(['$', '`']) {
        return Ok(quoted);
    }
    let mut out = String::from("$'");
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() && c.is_ascii() => out.push_str(&format!("\\x{:02x}", c as u32)),
            // A control character beyond ASCII is one character, not one byte.
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('\'');
    Ok(out)
}

#[derive(Serialize)]
struct Context<'v> {
    /// `command:package` pairs the runbook checks at start besides its own needs (curl, jq).
    requirements: String,
    plan: String,
    title: Option<String>,
    generator: String,
    t0_ms: Option<i64>,
    t0_text: Option<String>,
    needs_t0: bool,
    /// The plan's inputs, given when the run starts.
    inputs: &'v [super::view::InputView],
    metrics: Vec<Metric>,
    conds: Vec<Cond>,
    trees: Vec<Tree>,
    alerts: Vec<Alert>,
    nodes: Vec<Node>,
    /// The bash functions of the nodes, then of the rollback levels, with their steps.
    functions: Vec<Function>,
    answer_timeout_ms: u64,
    probe_timeout_ms: u64,
    message_timeout_ms: u64,
    /// Every step's id and title, for the execution record (`--record`).
    step_titles: Vec<StepTitle>,
    /// The steps that change something: a node's `run` and a rollout's stages (`--if-needed`).
    changing_steps: Vec<String>,
    /// R27: the windows for changes, their zones, the freezes' periods (empty when no node is
    /// held by them).
    change_windows: Vec<ChangeWindow>,
    zones: Vec<Zone>,
    freeze_periods: Vec<FreezePeriod>,
    /// The years the runbook knows the zones' offsets for, as people read them.
    zone_years: String,
}

#[derive(Serialize)]
struct StepTitle {
    id: String,
    title: String,
}

#[derive(Serialize)]
struct Metric {
    index: usize,
    name: String,
    /// percent, duration, count, rate, number, size or bool: which units a probe may write.
    ty: String,
    probe: String,
    /// The secrets and vars the probe uses, space-separated: checked before each sample.
    uses: String,
    is_bool: bool,
    /// The probe's number is multiplied by `mul` and divided by `div` into the canonical unit.
    mul: u64,
    div: u64,
    baseline_at_ms: Option<i64>,
    baseline_window_ms: u64,
}

#[derive(Serialize)]
struct Cond {
    index: usize,
    op: &'static str,
    text: String,
    metric: Option<usize>,
    comparison: String,
    value: String,
    of_baseline: bool,
    low: String,
    high: String,
    inclusive: bool,
    negated: bool,
    operands: Vec<usize>,
    duration_ms: u64,
    declared: String,
    /// For `nodata`: the metrics whose failed probe makes it hold.
    nodata_metrics: Vec<usize>,
}

/// A set of conditions evaluated together on one sample of their metrics.
#[derive(Serialize, Default)]
struct Check {
    conds: Vec<usize>,
    metrics: Vec<usize>,
    /// The longest `for` among the conditions.
    hold_ms: u64,
}

#[derive(Serialize)]
struct Tree {
    index: usize,
    name: String,
    levels: Vec<Level>,
    metrics: Vec<usize>,
    has_nodata: bool,
    /// The triggers its levels name (`declared "..."`): a person declaring one while a node
    /// that rolls back into this tree runs sends that node into it (R22).
    declared: Vec<String>,
}

/// An alert, watched by the runbook beside the nodes (docs/semantics.md, R23).
#[derive(Serialize)]
struct Alert {
    index: usize,
    name: String,
    severity: String,
    check: Check,
}

#[derive(Serialize)]
struct Level {
    index: usize,
    name: String,
    cond: usize,
}

#[derive(Serialize)]
struct Function {
    name: String,
    comment: String,
    /// The node this function runs, whose checks come after its steps.
    node: Option<usize>,
    lines: Vec<Line>,
    /// What a failed step does: a node stops, a rollback level notes it and goes on.
    fail: &'static str,
}

#[derive(Serialize)]
struct Node {
    index: usize,
    name: String,
    kind: String,
    /// The positions of the nodes it runs after.
    after: Vec<usize>,
    at_ms: Option<i64>,
    every_ms: u64,
    for_ms: u64,
    /// A gate's or rollout's `require`, or a watch's conditions.
    check: Check,
    /// A watch with conditions on cadences of their own: its groups of conditions, each
    /// sampled on its own grid (`Node::condition_groups`); empty otherwise.
    groups: Vec<Group>,
    /// Samples in a row that may not hold, or have no data (`tolerate`, or the defaults).
    tolerate_failures: u16,
    tolerate_nodata: u16,
    /// How long a gate waits for its conditions (`run::rules`).
    deadline_ms: u64,
    set_command: Option<String>,
    /// The secrets and vars the `set` command uses, space-separated.
    set_uses: String,
    stages: Vec<Stage>,
    action: Action,
    /// Checked against the windows for changes and the freezes when it starts (R27).
    held_by_windows: bool,
}

/// A window for changes (`applies changes`), read in its zone (R27).
#[derive(Serialize)]
struct ChangeWindow {
    name: String,
    /// ISO weekday numbers, space-separated.
    days: String,
    from_minute: u32,
    to_minute: u32,
    /// Its position in `zones`.
    zone: usize,
}

/// A zone the windows for changes are read in: its offsets, `FROM_MS:OFFSET_S` pairs.
#[derive(Serialize)]
struct Zone {
    name: String,
    offsets: String,
}

/// One period of a freeze, in ms since the epoch.
#[derive(Serialize)]
struct FreezePeriod {
    name: String,
    from_ms: i64,
    until_ms: i64,
}

/// The runbook knows each zone's offsets over these years (R27): outside them, it reads the
/// clock with the last offset it knows.
const ZONE_YEARS: (i16, i16) = (2000, 2100);

/// `HH:MM` as minutes since midnight (`24:00` is 1440).
fn minutes(text: &str) -> u32 {
    let (hours, minutes) = text.split_once(':').unwrap_or((text, "0"));
    hours.parse::<u32>().unwrap_or(0) * 60 + minutes.parse::<u32>().unwrap_or(0)
}

/// The windows for changes, their zones and the freezes' periods, when a node is held by them.
fn windows(view: &PlanView) -> (Vec<ChangeWindow>, Vec<Zone>, Vec<FreezePeriod>) {
    if !view.nodes.iter().any(|node| node.held_by_windows) {
        return (Vec::new(), Vec::new(), Vec::new());
    }
    let year =
        |year: i16| jiff::civil::date(year, 1, 1).to_zoned(jiff::tz::TimeZone::UTC).map(|zoned| zoned.timestamp());
    let (Ok(from), Ok(until)) = (year(ZONE_YEARS.0), year(ZONE_YEARS.1)) else {
        return (Vec::new(), Vec::new(), Vec::new());
    };
    let mut zones: Vec<Zone> = Vec::new();
    let mut windows = Vec::new();
    for window in view.windows.iter().filter(|window| window.mode == "applies" && window.scope == "changes") {
        let zone = match zones.iter().position(|zone| zone.name == window.zone) {
            Some(position) => position,
            None => {
                let offsets = crate::zones::offsets(&window.zone, from, until)
                    .iter()
                    .map(|(at, offset)| format!("{at}:{offset}"))
                    .collect::<Vec<_>>()
                    .join(" ");
                zones.push(Zone { name: window.zone.clone(), offsets });
                zones.len() - 1
            }
        };
        windows.push(ChangeWindow {
            name: window.name.clone(),
            days: window.days.iter().map(u8::to_string).collect::<Vec<_>>().join(" "),
            from_minute: minutes(&window.from),
            to_minute: minutes(&window.to),
            zone,
        });
    }
    let mut freezes = Vec::new();
    for freeze in &view.freezes {
        for (from, until) in &freeze.periods {
            if let (Ok(from), Ok(until)) = (from.parse::<jiff::Timestamp>(), until.parse::<jiff::Timestamp>()) {
                freezes.push(FreezePeriod {
                    name: freeze.name.clone(),
                    from_ms: from.as_millisecond(),
                    until_ms: until.as_millisecond(),
                });
            }
        }
    }
    (windows, zones, freezes)
}

/// A group of a watch's conditions on one cadence, as one argument: `EVERY_MS|METRICS|CONDS`.
#[derive(Serialize)]
struct Group {
    spec: String,
    every_ms: u64,
}

#[derive(Serialize)]
struct Stage {
    id: String,
    weight: String,
    at_ms: Option<i64>,
    hold_ms: u64,
    every_ms: u64,
}

#[derive(Serialize)]
struct Action {
    kind: &'static str,
    tree: Option<usize>,
    pause_ms: u64,
    then_kind: &'static str,
    then_tree: Option<usize>,
}

#[derive(Serialize)]
struct Line {
    heading: Option<String>,
    depth: usize,
    step: Option<Step>,
}

#[derive(Serialize)]
struct Step {
    id: String,
    kind: String,
    title: String,
    command: Option<String>,
    timeout_ms: u64,
    retries: u32,
    /// The secrets and vars the command uses, space-separated: checked before it runs.
    secrets: String,
    /// How `step_begin` treats a try an earlier run started: `command` asks before running it
    /// again, `idempotent` runs it again (docs/semantics.md, R25).
    rerun: &'static str,
    url: Option<String>,
    status: String,
    within_ms: String,
    check: Option<Check>,
    every_ms: u64,
    /// How long an `expect` condition may take to hold (`run::rules`).
    deadline_ms: u64,
    roles: String,
    quorum: usize,
    distinct: bool,
    message: String,
    /// The message as the terminal and the log show it.
    shown_message: String,
    wait_ms: u64,
    /// A `recheck`'s outcomes (R20): when its condition (`check`) holds, and otherwise (empty:
    /// a bare `recheck`'s decision); both empty for a bare `recheck`.
    outcome: String,
    otherwise: String,
    /// A `recheck`'s condition (its index in `conds`, or -1) and the metrics it samples.
    recheck_cond: i64,
    recheck_metrics: String,
}

fn number(value: f64) -> String {
    if value.is_finite() {
        format!("{value}")
    } else {
        "0".to_string()
    }
}

struct Builder<'v> {
    conds: Vec<Cond>,
    /// Indices by name, so that a plan of many metrics, trees or nodes is not searched once per
    /// reference (looking each `after` up by a scan made 50,000 chained nodes take 31 s).
    metrics: FxHashMap<&'v str, usize>,
    trees: FxHashMap<&'v str, usize>,
    nodes: FxHashMap<&'v str, usize>,
}

/// Each name's first index.
fn index_by_name<'v>(names: impl Iterator<Item = &'v str>) -> FxHashMap<&'v str, usize> {
    let mut map = FxHashMap::default();
    for (index, name) in names.enumerate() {
        map.entry(name).or_insert(index);
    }
    map
}

impl Builder<'_> {
    fn metric_index(&self, name: &str) -> Option<usize> {
        self.metrics.get(name).copied()
    }

    fn tree_index(&self, name: &str) -> Option<usize> {
        self.trees.get(name).copied()
    }

    /// The metrics a condition reads.
    fn metrics_of(&self, condition: &ConditionView, found: &mut BTreeSet<usize>) {
        match &condition.kind {
            ConditionKindView::Or { operands } | ConditionKindView::And { operands } => {
                operands.iter().for_each(|operand| self.metrics_of(operand, found));
            }
            ConditionKindView::Not { operand } | ConditionKindView::Held { operand, .. } => {
                self.metrics_of(operand, found);
            }
            ConditionKindView::Compare { metric, .. }
            | ConditionKindView::InRange { metric, .. }
            | ConditionKindView::Test { metric } => found.extend(self.metric_index(metric)),
            ConditionKindView::NoData { metric } => {
                found.extend(metric.as_deref().and_then(|metric| self.metric_index(metric)));
            }
            ConditionKindView::Declared { .. } => {}
        }
    }

    fn declared(condition: &ConditionView, found: &mut Vec<String>) {
        match &condition.kind {
            ConditionKindView::Or { operands } | ConditionKindView::And { operands } => {
                operands.iter().for_each(|operand| Self::declared(operand, found))
            }
            ConditionKindView::Not { operand } | ConditionKindView::Held { operand, .. } => {
                Self::declared(operand, found)
            }
            ConditionKindView::Declared { trigger } if !found.contains(trigger) => found.push(trigger.clone()),
            _ => {}
        }
    }

    fn has_nodata(condition: &ConditionView) -> bool {
        match &condition.kind {
            ConditionKindView::Or { operands } | ConditionKindView::And { operands } => {
                operands.iter().any(Self::has_nodata)
            }
            ConditionKindView::Not { operand } | ConditionKindView::Held { operand, .. } => Self::has_nodata(operand),
            ConditionKindView::NoData { .. } => true,
            _ => false,
        }
    }

    fn hold_of(condition: &ConditionView) -> u64 {
        match &condition.kind {
            ConditionKindView::Or { operands } | ConditionKindView::And { operands } => {
                operands.iter().map(Self::hold_of).max().unwrap_or(0)
            }
            ConditionKindView::Not { operand } => Self::hold_of(operand),
            ConditionKindView::Held { operand, duration_ms } => (*duration_ms).max(Self::hold_of(operand)),
            _ => 0,
        }
    }

    /// Flattens a condition into `self.conds`; `scope` is what a bare `nodata` watches.
    fn cond(&mut self, condition: &ConditionView, scope: &[usize]) -> usize {
        let mut cond = Cond {
            index: 0,
            op: "",
            text: condition.text.clone(),
            metric: None,
            comparison: String::new(),
            value: String::new(),
            of_baseline: false,
            low: String::new(),
            high: String::new(),
            inclusive: false,
            negated: false,
            operands: Vec::new(),
            duration_ms: 0,
            declared: String::new(),
            nodata_metrics: Vec::new(),
        };
        match &condition.kind {
            ConditionKindView::Or { operands } | ConditionKindView::And { operands } => {
                cond.op = if matches!(condition.kind, ConditionKindView::Or { .. }) { "or" } else { "and" };
                cond.operands = operands.iter().map(|operand| self.cond(operand, scope)).collect();
            }
            ConditionKindView::Not { operand } => {
                cond.op = "not";
                cond.operands = vec![self.cond(operand, scope)];
            }
            ConditionKindView::Held { operand, duration_ms } => {
                cond.op = "held";
                cond.operands = vec![self.cond(operand, scope)];
                cond.duration_ms = *duration_ms;
            }
            ConditionKindView::Compare { metric, comparison, value, of_baseline } => {
                cond.op = "compare";
                cond.metric = self.metric_index(metric);
                cond.comparison = comparison.clone();
                cond.value = number(*value);
                cond.of_baseline = *of_baseline;
            }
            ConditionKindView::InRange { metric, negated, low, high, inclusive } => {
                cond.op = "in_range";
                cond.metric = self.metric_index(metric);
                cond.negated = *negated;
                cond.low = number(*low);
                cond.high = number(*high);
                cond.inclusive = *inclusive;
            }
            ConditionKindView::Test { metric } => {
                cond.op = "test";
                cond.metric = self.metric_index(metric);
            }
            ConditionKindView::Declared { trigger } => {
                cond.op = "declared";
                cond.declared = trigger.clone();
            }
            ConditionKindView::NoData { metric } => {
                cond.op = "nodata";
                cond.nodata_metrics = match metric.as_deref().and_then(|metric| self.metric_index(metric)) {
                    Some(index) => vec![index],
                    None => scope.to_vec(),
                };
            }
        }
        cond.index = self.conds.len();
        self.conds.push(cond);
        self.conds.len() - 1
    }

    fn check(&mut self, conditions: &[ConditionView]) -> Check {
        let mut check = Check::default();
        for condition in conditions {
            let mut metrics = BTreeSet::new();
            self.metrics_of(condition, &mut metrics);
            let scope: Vec<usize> = metrics.iter().copied().collect();
            check.conds.push(self.cond(condition, &scope));
            check.hold_ms = check.hold_ms.max(Self::hold_of(condition));
            for metric in scope {
                if !check.metrics.contains(&metric) {
                    check.metrics.push(metric);
                }
            }
        }
        check.metrics.sort_unstable();
        check
    }

    fn action(&self, action: Option<&ActionView>, default: &'static str) -> Action {
        let simple = |action: &ActionView| -> (&'static str, Option<usize>) {
            match action {
                ActionView::Abort | ActionView::Pause { .. } => ("abort", None),
                ActionView::Continue => ("continue", None),
                ActionView::Rollback { tree } => ("rollback", self.tree_index(tree)),
            }
        };
        match action {
            None => Action { kind: default, tree: None, pause_ms: 0, then_kind: "abort", then_tree: None },
            Some(ActionView::Pause { wait_ms, then }) => {
                let (then_kind, then_tree) = then.as_deref().map_or(("abort", None), simple);
                Action { kind: "pause", tree: None, pause_ms: *wait_ms, then_kind, then_tree }
            }
            Some(action) => {
                let (kind, tree) = simple(action);
                Action { kind, tree, pause_ms: 0, then_kind: "abort", then_tree: None }
            }
        }
    }

    fn lines(&mut self, items: &[ItemView], depth: usize, every_ms: u64, out: &mut Vec<Line>) {
        for item in items {
            match item {
                ItemView::Group { title, items } => {
                    out.push(Line { heading: Some(crate::run::render::visible(title)), depth, step: None });
                    self.lines(items, depth + 1, every_ms, out);
                }
                ItemView::Step(step) => {
                    let step = self.step(step, every_ms);
                    out.push(Line { heading: None, depth, step: Some(step) });
                }
            }
        }
    }

    fn step(&mut self, step: &StepView, every_ms: u64) -> Step {
        let check = step.condition.as_ref().map(|condition| self.check(std::slice::from_ref(condition)));
        let kind = match step.kind.as_str() {
            "expect" if step.http.is_some() => "expect_http".to_string(),
            "expect" if check.is_some() => "expect_condition".to_string(),
            other => other.to_string(),
        };
        let recheck = check.as_ref().filter(|_| step.kind == "recheck");
        let recheck_cond =
            recheck.and_then(|check| check.conds.first()).and_then(|&cond| i64::try_from(cond).ok()).unwrap_or(-1);
        let recheck_metrics = recheck
            .map(|check| check.metrics.iter().map(usize::to_string).collect::<Vec<_>>().join(" "))
            .unwrap_or_default();
        let default_timeout = match step.kind.as_str() {
            "check" | "approve" => DEFAULT_ANSWER_TIMEOUT_MS,
            "notify" | "page" => DEFAULT_MESSAGE_TIMEOUT_MS,
            _ => DEFAULT_COMMAND_TIMEOUT_MS,
        };
        Step {
            id: step.id.clone(),
            kind,
            // What the terminal and the log show: control characters escaped, so that no title
            // moves the cursor or starts a line of its own.
            title: crate::run::render::visible(&step.title),
            command: step.command.clone(),
            timeout_ms: step.timeout_ms.unwrap_or(default_timeout),
            retries: step.retries,
            secrets: step.secrets.iter().chain(&step.vars).cloned().collect::<Vec<_>>().join(" "),
            rerun: if step.idempotent { "idempotent" } else { "command" },
            url: step.http.as_ref().map(|http| http.url.clone()),
            status: step.http.as_ref().and_then(|http| http.status).map_or(String::new(), |status| status.to_string()),
            within_ms: step
                .http
                .as_ref()
                .and_then(|http| http.within_ms)
                .map_or(String::new(), |within| within.to_string()),
            deadline_ms: crate::run::rules::expect_deadline(
                step.timeout_ms,
                check.as_ref().map_or(0, |check| check.hold_ms),
                every_ms,
            ),
            check,
            every_ms,
            roles: step.roles.join(", "),
            quorum: step.quorum.unwrap_or(1),
            distinct: step.distinct,
            message: step.message.clone().unwrap_or_else(|| step.title.clone()),
            shown_message: crate::run::render::visible(step.message.as_deref().unwrap_or(&step.title)),
            wait_ms: step.wait_ms.unwrap_or(0),
            outcome: step.outcome.clone().unwrap_or_default(),
            otherwise: step.otherwise.clone().unwrap_or_default(),
            recheck_cond,
            recheck_metrics,
        }
    }
}

/// A node's tolerance as the view gives it (none for a phase).
struct Tolerated<'v>(Option<&'v super::view::ToleranceView>);

impl Tolerated<'_> {
    fn failures(&self) -> Option<u16> {
        self.0.map(|tolerance| tolerance.failures)
    }

    fn nodata(&self) -> Option<u16> {
        self.0.map(|tolerance| tolerance.nodata)
    }

    fn model(&self) -> crate::model::Tolerance {
        crate::model::Tolerance { failures: self.failures(), nodata: self.nodata() }
    }
}

/// How a probe's number converts to the metric's canonical unit: `(mul, div)`.
fn scale(unit: Option<&str>) -> (u64, u64) {
    // A size's units are whole numbers of bytes, below 2^53 (TiB is 2^40).
    if let Some(factor) = unit.and_then(crate::units::size_factor) {
        return (factor as u64, 1);
    }
    match unit {
        Some("ratio") => (100, 1),
        Some("s") => (1_000, 1),
        Some("m") => (60_000, 1),
        Some("h") => (3_600_000, 1),
        Some("per_min") => (1, 60),
        Some("per_h") => (1, 3_600),
        _ => (1, 1),
    }
}

fn context(view: &PlanView) -> Result<Context<'_>, String> {
    let mut builder = Builder {
        conds: Vec::new(),
        metrics: index_by_name(view.metrics.iter().map(|metric| metric.name.as_str())),
        trees: index_by_name(view.rollbacks.iter().map(|tree| tree.name.as_str())),
        nodes: index_by_name(view.nodes.iter().map(|node| node.name.as_str())),
    };
    let metrics = view
        .metrics
        .iter()
        .enumerate()
        .map(|(index, metric)| {
            let (mul, div) = scale(metric.unit.as_deref());
            Ok(Metric {
                index,
                name: metric.name.clone(),
                ty: metric.ty.clone(),
                probe: super::probe::command(metric)?,
                uses: metric.probe_secrets.iter().chain(&metric.probe_vars).cloned().collect::<Vec<_>>().join(" "),
                is_bool: super::probe::reads_exit_status(metric),
                mul,
                div,
                baseline_at_ms: metric.baseline.as_ref().map(|baseline| baseline.at_ms),
                baseline_window_ms: metric.baseline.as_ref().map_or(0, |baseline| baseline.window_ms),
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let mut functions = Vec::new();
    let trees = view
        .rollbacks
        .iter()
        .enumerate()
        .map(|(index, tree)| {
            let mut found = BTreeSet::new();
            tree.levels.iter().for_each(|level| builder.metrics_of(&level.when, &mut found));
            let scope: Vec<usize> = found.into_iter().collect();
            let levels = tree
                .levels
                .iter()
                .enumerate()
                .map(|(position, level)| {
                    let cond = builder.cond(&level.when, &scope);
                    let mut lines = Vec::new();
                    builder.lines(&level.items, 0, DEFAULT_SAMPLING_MS, &mut lines);
                    functions.push(Function {
                        name: format!("tree_{index}_level_{position}"),
                        comment: format!("rollback {}, level {}", tree.name, level.name),
                        node: None,
                        lines,
                        fail: "{ ROLLBACK_FAILED=1; return 1; }",
                    });
                    Level { index: position, name: level.name.clone(), cond }
                })
                .collect();
            Tree {
                index,
                name: tree.name.clone(),
                levels,
                metrics: scope,
                has_nodata: tree.levels.iter().any(|level| Builder::has_nodata(&level.when)),
                declared: {
                    let mut found = Vec::new();
                    tree.levels.iter().for_each(|level| Builder::declared(&level.when, &mut found));
                    found
                },
            }
        })
        .collect();
    let alerts = view
        .alerts
        .iter()
        .enumerate()
        .map(|(index, alert)| {
            let check = builder.check(std::slice::from_ref(&alert.when));
            let mut lines = Vec::new();
            builder.lines(&alert.items, 0, DEFAULT_SAMPLING_MS, &mut lines);
            functions.push(Function {
                name: format!("alert_{index}"),
                comment: format!("alert {}", alert.name),
                node: None,
                lines,
                fail: "return 1",
            });
            Alert { index, name: alert.name.clone(), severity: alert.severity.clone(), check }
        })
        .collect();
    let mut node_functions = Vec::new();
    let nodes = view
        .nodes
        .iter()
        .enumerate()
        .map(|(index, node)| {
            let every_ms = node.every_ms.unwrap_or(DEFAULT_SAMPLING_MS);
            let mut lines = Vec::new();
            builder.lines(&node.items, 0, every_ms, &mut lines);
            let conditions = if node.kind == "watch" { &node.conditions } else { &node.requires };
            let check = builder.check(conditions);
            let groups = if node.cadences_ms.is_empty() {
                Vec::new()
            } else {
                // The conditions on the watch's `every` first, then each on its own cadence, as
                // `model::Node::condition_groups` has them; `check.conds` has one per condition.
                let plain = conditions.len().saturating_sub(node.cadences_ms.len());
                let mut bounds: Vec<(usize, usize, u64)> = Vec::new();
                if plain > 0 {
                    bounds.push((0, plain, every_ms));
                }
                bounds.extend(node.cadences_ms.iter().enumerate().map(|(k, every)| (plain + k, plain + k + 1, *every)));
                bounds
                    .into_iter()
                    .map(|(from, to, every)| {
                        let mut metrics = BTreeSet::new();
                        conditions
                            .get(from..to)
                            .unwrap_or_default()
                            .iter()
                            .for_each(|c| builder.metrics_of(c, &mut metrics));
                        let join = |list: Vec<String>| list.join(" ");
                        let conds =
                            check.conds.get(from..to).unwrap_or_default().iter().map(usize::to_string).collect();
                        let metrics = metrics.iter().map(usize::to_string).collect();
                        Group { spec: format!("{every}|{}|{}", join(metrics), join(conds)), every_ms: every }
                    })
                    .collect()
            };
            let tolerance = Tolerated(node.tolerance.as_ref());
            let action = if node.kind == "watch" { node.on_breach.as_ref() } else { node.on_fail.as_ref() };
            node_functions.push(Function {
                name: format!("node_{index}"),
                comment: format!("{} {}", node.kind, node.name),
                node: Some(index),
                lines,
                fail: "return 1",
            });
            Node {
                index,
                name: node.name.clone(),
                kind: node.kind.clone(),
                after: node.after.iter().filter_map(|name| builder.nodes.get(name.as_str()).copied()).collect(),
                // A node with neither `at` nor `after` starts at T0.
                at_ms: node.at_ms.or(if node.after.is_empty() { Some(0) } else { None }),
                every_ms,
                for_ms: node.for_ms.unwrap_or(0),
                tolerate_failures: tolerance.failures().unwrap_or(0),
                tolerate_nodata: tolerance.nodata().unwrap_or(0),
                deadline_ms: crate::run::rules::require_deadline_ms(check.hold_ms, every_ms, tolerance.model()),
                check,
                groups,
                set_command: node.set_command.clone(),
                set_uses: node.set_secrets.iter().chain(&node.set_vars).cloned().collect::<Vec<_>>().join(" "),
                stages: node
                    .stages
                    .iter()
                    .enumerate()
                    .map(|(position, stage)| Stage {
                        id: format!("{}.stage.{}", node.name, position + 1),
                        weight: number(stage.weight),
                        at_ms: stage.at_ms,
                        hold_ms: stage.hold_ms.unwrap_or(0),
                        every_ms: stage.every_ms.unwrap_or(every_ms),
                    })
                    .collect(),
                action: builder.action(action, "abort"),
                held_by_windows: node.held_by_windows,
            }
        })
        .collect::<Vec<_>>();
    let mut changing_steps = Vec::new();
    let mut step_titles = Vec::new();
    for function in &node_functions {
        for step in function.lines.iter().filter_map(|line| line.step.as_ref()) {
            if step.kind == "run" {
                changing_steps.push(step.id.clone());
            }
        }
    }
    changing_steps.extend(nodes.iter().flat_map(|node| node.stages.iter().map(|stage| stage.id.clone())));
    node_functions.append(&mut functions);
    for function in &node_functions {
        for step in function.lines.iter().filter_map(|line| line.step.as_ref()) {
            step_titles.push(StepTitle { id: step.id.clone(), title: step.title.clone() });
        }
    }
    let t0_ms = view.plan.t0.as_deref().and_then(crate::zones::parse_zoned).map(|t0| t0.timestamp().as_millisecond());
    let needs_t0 =
        nodes.iter().any(|node| node.at_ms.is_some() || node.stages.iter().any(|stage| stage.at_ms.is_some()))
            || metrics.iter().any(|metric| metric.baseline_at_ms.is_some());
    let (change_windows, zones, freeze_periods) = windows(view);
    Ok(Context {
        change_windows,
        zones,
        freeze_periods,
        zone_years: format!("{} to {}", ZONE_YEARS.0, ZONE_YEARS.1),
        requirements: super::probe::requirements(view).join(" "),
        plan: view.plan.name.clone(),
        title: view.plan.title.as_deref().map(crate::run::render::visible),
        generator: view.generator.clone(),
        t0_ms,
        t0_text: view.plan.t0.clone(),
        needs_t0,
        inputs: &view.inputs,
        metrics,
        conds: builder.conds,
        trees,
        alerts,
        nodes,
        functions: node_functions,
        answer_timeout_ms: DEFAULT_ANSWER_TIMEOUT_MS,
        probe_timeout_ms: crate::model::PROBE_TIMEOUT_MS,
        message_timeout_ms: DEFAULT_MESSAGE_TIMEOUT_MS,
        step_titles,
        changing_steps,
    })
}

/// Renders the runbook of a sound plan.
pub fn render(view: &PlanView) -> Result<String, String> {
    let mut env = minijinja::Environment::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.set_keep_trailing_newline(true);
    env.add_filter("sh_quote", |text: String| -> Result<String, minijinja::Error> {
        sh_quote(&text).map_err(|message| minijinja::Error::new(minijinja::ErrorKind::InvalidOperation, message))
    });
    env.add_template("runbook.sh", TEMPLATE).map_err(|error| format!("the runbook template: {error}"))?;
    let template = env.get_template("runbook.sh").map_err(|error| error.to_string())?;
    template.render(context(view)?).map_err(|error| match error.detail() {
        Some(detail) => detail.to_string(),
        None => error.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::sh_quote;
    use std::process::Command;

    /// What bash makes of the quoted word.
    fn through_bash(text: &str) -> String {
        let quoted = sh_quote(text).expect("quotable");
        let output = Command::new("bash").args(["-c", &format!("printf '%s' {quoted}")]).output().expect("bash runs");
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    #[test]
    fn quoted_strings_are_data() {
        for text in [
            "plain",
            "it's \"quoted\"",
            "$(touch /tmp/golivec-pwned)",
            "`touch /tmp/golivec-pwned`",
            "${HOME} $HOME \\ \\n",
            "two\nlines\r\n",
            "unicode: é ✓ 日本 🚀",
            "",
            "-n",
            "; rm -rf / #",
            "!event ~user *glob* [x] {a,b}",
        ] {
            assert_eq!(through_bash(text), text, "{text:?}");
        }
    }

    #[test]
    fn expansions_are_written_in_ansi_c_quotes() {
        // Single quotes would be exact too, but shellcheck reads '$(...)' as a mistake (SC2016).
        assert!(sh_quote("$(id) `id`").expect("quotable").starts_with("$'"));
        assert!(sh_quote("plain words").expect("quotable").starts_with('\''));
        for text in ["$'\\x41'", "tab\tand $x", "c1 control \u{85} $y", "bell \u{7} `z`"] {
            assert_eq!(through_bash(text), text, "{text:?}");
        }
    }

    #[test]
    fn the_empty_string_is_a_word() {
        assert_eq!(sh_quote("").expect("quotable"), "''");
    }

    #[test]
    fn a_nul_byte_is_refused() {
        let error = sh_quote("a\0b").expect_err("NUL is refused");
        assert!(error.contains("NUL"), "{error}");
    }
}
