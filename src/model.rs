//! The resolved plan: what `sema` produces and what analysis and emitters consume.
//!
//! Names are resolved to indices, literals to numbers in one canonical unit per type
//! (milliseconds, percent points, events per second, bytes), and every element keeps the span of its
//! declaration for later diagnostics. It is only built for a plan that checked without errors,
//! so consumers can presume every reference is valid.

use crate::source::Span;
use compact_str::CompactString;
use serde::Serialize;
use std::num::NonZeroU64;

macro_rules! id {
    ($($name:ident),*) => {$(
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        pub struct $name(pub usize);
    )*};
}

id!(RoleId, EnvId, SecretId, VarId, MetricId, NodeId, TreeId);

/// How long a `run` or `expect` without `timeout` may take. The runners enforce the same limit.
pub const DEFAULT_COMMAND_TIMEOUT_MS: u64 = 10 * 60_000;
/// How long a `check` or `approve` waits for an answer before it fails closed.
pub const DEFAULT_ANSWER_TIMEOUT_MS: u64 = 15 * 60_000;
/// How long a `check` takes in the nominal schedule when it says nothing (`typically`), never
/// more than its `timeout`: a person ticks a box.
pub const NOMINAL_CHECK_MS: u64 = 2 * 60_000;
/// How long an `approve` takes in the nominal schedule when it says nothing (`typically`), never
/// more than its `timeout`: people are asked and sign off.
pub const NOMINAL_APPROVAL_MS: u64 = 5 * 60_000;
/// How long a command (`run`, `expect`) takes in the nominal schedule when it
/// says nothing (`typically`), never more than its `timeout`.
pub const NOMINAL_COMMAND_MS: u64 = 60_000;
/// How long sending a `notify` or `page` may take.
pub const DEFAULT_MESSAGE_TIMEOUT_MS: u64 = 60_000;
/// How often conditions are sampled when no `every` is given.
pub const DEFAULT_SAMPLING_MS: u64 = 60_000;
/// How long a metric's probe may take before its sample is no data: well under an interval,
/// so that a probe that hangs does not push the samples after it off their grid.
pub const PROBE_TIMEOUT_MS: u64 = 10_000;
/// Consecutive samples that do not hold which a gate, stage or watch accepts before it fails or
/// is breached, when the plan says nothing (`tolerate N failures`).
pub const DEFAULT_FAILURE_TOLERANCE: u16 = 0;
/// Consecutive samples without data which a gate, stage or watch accepts before its outcome is
/// inconclusive, when the plan says nothing (`tolerate N nodata`).
pub const DEFAULT_NODATA_TOLERANCE: u16 = 2;
/// The most samples in a row that `tolerate` may accept.
pub const MAX_TOLERANCE: u16 = 1000;

#[derive(Clone, Debug, Serialize)]
pub struct Model {
    pub plan: PlanInfo,
    pub roles: Vec<Role>,
    pub envs: Vec<Env>,
    pub secrets: Vec<Secret>,
    /// Configuration variables (`var`): given to commands like secrets, but not secret.
    pub vars: Vec<Var>,
    pub metrics: Vec<Metric>,
    pub nodes: Vec<Node>,
    pub rollbacks: Vec<RollbackTree>,
    pub alerts: Vec<Alert>,
    pub windows: Vec<Window>,
    pub freezes: Vec<Freeze>,
    /// The Prometheus servers that `prometheus` metrics ask.
    pub prometheus: Vec<PrometheusServer>,
}

/// `prometheus NAME { url "..." }`.
#[derive(Clone, Debug, Serialize)]
pub struct PrometheusServer {
    pub name: CompactString,
    pub title: Option<CompactString>,
    /// The base URL, without `/api/v1/...`.
    pub url: CompactString,
    pub headers: Vec<HttpHeader>,
    /// The secrets and vars its headers read.
    pub uses: Uses,
    #[serde(skip)]
    pub span: Span,
}

/// An HTTP header whose value is a secret or var, read from the environment when the request
/// is made (never written into an artifact).
#[derive(Clone, Debug, Serialize)]
pub struct HttpHeader {
    pub name: CompactString,
    /// The environment variable (a declared secret or var) that holds the value.
    pub from: CompactString,
}

/// Where a metric's value comes from.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MetricSource {
    /// `probe sh "..."`: the command's output (or, for a bool, its exit status); see `probe`.
    Command,
    /// `prometheus "QUERY"`: an instant query of the server's HTTP API, one series.
    Prometheus { server: usize, query: CompactString },
    /// `http "URL" json "/pointer"`: one value of a JSON answer, by an RFC 6901 JSON pointer.
    Http { url: CompactString, pointer: CompactString, headers: Vec<HttpHeader> },
}

#[derive(Clone, Debug, Serialize)]
pub struct PlanInfo {
    pub name: CompactString,
    #[serde(skip)]
    pub name_span: Span,
    pub title: Option<CompactString>,
    pub description: Option<CompactString>,
    /// T0 in RFC 9557 form (`2024-02-03T09:30:00+01:00[+01:00]`).
    #[serde(serialize_with = "serialize_zoned")]
    pub launch: Option<jiff::Zoned>,
    #[serde(skip)]
    pub launch_span: Option<Span>,
    pub owner: Option<RoleId>,
    /// `within` and `typically within`: the plan's length, from its first start to its last end.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub deadlines: Vec<Deadline>,
    /// What starts the workflow besides a person (`on push ...`, `on release`, `on schedule`).
    pub triggers: Vec<Trigger>,
    /// The first trigger's field.
    #[serde(skip)]
    pub trigger_span: Option<Span>,
    #[serde(skip)]
    pub span: Span,
}

/// `within D` (a hard deadline, held against the worst case: E0520) or `typically within D`
/// (a budget, held against the nominal schedule: W0523).
#[derive(Clone, Debug, Serialize)]
pub struct Deadline {
    pub within_ms: u64,
    /// A budget (`typically within`) rather than a hard deadline.
    pub typical: bool,
    /// On a node: measured from this node's start instead of its own.
    pub from: Option<NodeId>,
    #[serde(skip)]
    pub span: Span,
}

/// What starts the workflow besides a person. Such a run has no fixed T0: its T0 is the time
/// it starts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "on", content = "pattern")]
pub enum Trigger {
    /// A push to a branch matching this filter pattern.
    Branch(CompactString),
    /// A push of a tag matching this filter pattern.
    Tag(CompactString),
    /// A release published.
    Release,
    /// Five cron fields, in UTC.
    Schedule(CompactString),
}

fn serialize_zoned<S: serde::Serializer>(zoned: &Option<jiff::Zoned>, serializer: S) -> Result<S::Ok, S::Error> {
    match zoned {
        Some(zoned) => serializer.serialize_some(&zoned.to_string()),
        None => serializer.serialize_none(),
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Role {
    pub name: CompactString,
    pub title: Option<CompactString>,
    pub contacts: Vec<CompactString>,
    pub description: Option<CompactString>,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Clone, Debug, Serialize)]
pub struct Env {
    pub name: CompactString,
    pub title: Option<CompactString>,
    pub description: Option<CompactString>,
    pub url: Option<CompactString>,
    pub approvals: Vec<RoleId>,
    /// Where the `approval` roles are written, when they are.
    #[serde(skip)]
    pub approval_span: Option<Span>,
    pub tier: Option<CompactString>,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Clone, Debug, Serialize)]
pub struct Secret {
    pub name: CompactString,
    pub description: Option<CompactString>,
    #[serde(skip)]
    pub span: Span,
}

/// A configuration variable (`var NAME`): not a secret. The runbook reads it from the
/// operator's environment, the workflow from the repository's configuration variables.
/// An input (`input NAME : TYPE`) is a var whose value is given when the run starts: the runbook
/// takes it from `--input NAME=VALUE` or the environment, or asks; the workflow from its
/// `workflow_dispatch` inputs.
#[derive(Clone, Debug, Serialize)]
pub struct Var {
    pub name: CompactString,
    /// `Some` for an input, with its type.
    pub input: Option<InputType>,
    pub description: Option<CompactString>,
    #[serde(skip)]
    pub span: Span,
}

/// The type of an input's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum InputType {
    /// Any text (one line or several).
    String,
    /// `true` or `false`.
    Bool,
}

impl InputType {
    /// The types by the name a plan writes.
    pub const ALL: [(&'static str, InputType); 2] = [("string", InputType::String), ("bool", InputType::Bool)];

    /// Its name in a plan.
    pub fn name(self) -> &'static str {
        match self {
            InputType::String => "string",
            InputType::Bool => "bool",
        }
    }

    /// Its type as a `workflow_dispatch` input.
    pub fn github(self) -> &'static str {
        match self {
            InputType::String => "string",
            InputType::Bool => "boolean",
        }
    }
}

/// The secrets and vars a command reads from its environment (`uses`), each once.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Uses {
    pub secrets: Box<[SecretId]>,
    pub vars: Box<[VarId]>,
}

impl Uses {
    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty() && self.vars.is_empty()
    }
}

/// The unit type of a metric.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MetricType {
    Percent,
    Duration,
    Count,
    Rate,
    Number,
    /// Bytes: a cache, a queue's memory, a disk (`512MB`, `1GiB`).
    Size,
    Bool,
}

impl MetricType {
    pub const ALL: [(&'static str, MetricType); 7] = [
        ("percent", MetricType::Percent),
        ("duration", MetricType::Duration),
        ("count", MetricType::Count),
        ("rate", MetricType::Rate),
        ("number", MetricType::Number),
        ("size", MetricType::Size),
        ("bool", MetricType::Bool),
    ];

    pub fn name(self) -> &'static str {
        MetricType::ALL.iter().find(|(_, ty)| *ty == self).map_or("number", |(name, _)| name)
    }

    /// The probe units this type accepts; the first is the default.
    pub fn units(self) -> &'static [&'static str] {
        match self {
            MetricType::Percent => &["percent", "ratio"],
            MetricType::Duration => &["ms", "s", "m", "h"],
            MetricType::Rate => &["per_s", "per_min", "per_h"],
            MetricType::Size => crate::units::SIZE_UNIT_NAMES,
            MetricType::Count | MetricType::Number | MetricType::Bool => &[],
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Metric {
    pub name: CompactString,
    #[serde(rename = "type")]
    pub ty: MetricType,
    pub title: Option<CompactString>,
    /// Where the value comes from.
    pub source: MetricSource,
    /// A command whose output is the value (or, for a bool, whose exit status is); empty
    /// unless the source is `Command`.
    pub probe: CompactString,
    #[serde(skip)]
    pub probe_span: Span,
    /// What the probe reads from its environment (for a query, its headers' secrets and vars).
    pub probe_uses: Uses,
    /// How to read the probe's output (`ms`, `ratio`, ...), when the type has units.
    pub unit: Option<CompactString>,
    pub baseline: Option<Baseline>,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Clone, Debug, Serialize)]
pub struct Baseline {
    pub at_ms: i64,
    pub window_ms: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NodeKind {
    Phase,
    Gate,
    Rollout,
    Watch,
}

impl NodeKind {
    /// The keyword that declares this kind of node.
    pub fn name(self) -> &'static str {
        match self {
            NodeKind::Phase => "phase",
            NodeKind::Gate => "gate",
            NodeKind::Rollout => "rollout",
            NodeKind::Watch => "watch",
        }
    }
}

/// A node of the plan. Sized for memory (a plan holds thousands): what only a rollout or only
/// a watch has lives in a boxed part, and lists that never grow after sema are boxed slices.
/// Serializes with the same fields as when they were all inline (see `impl Serialize`).
#[derive(Clone, Debug)]
pub struct Node {
    pub name: CompactString,
    pub kind: NodeKind,
    pub name_span: Span,
    /// Offset from T0 in milliseconds, when the node has one.
    pub at_ms: Option<i64>,
    pub after: Box<[NodeId]>,
    /// Where each `after` reference is written, parallel to `after`.
    pub after_spans: Box<[Span]>,
    /// Boxed, like `point_of_no_return_span`: few nodes have one, and inline it would cost
    /// 20 bytes in every node.
    pub at_span: Option<Box<Span>>,
    pub env: Option<EnvId>,
    /// Sampling interval (gates, rollouts, watches).
    pub every_ms: Option<u64>,
    pub point_of_no_return: bool,
    pub point_of_no_return_span: Option<Box<Span>>,
    /// How many unfavourable samples it accepts (gates, rollouts, watches).
    pub tolerance: Tolerance,
    pub items: Box<[Item]>,
    pub requires: Box<[Condition]>,
    pub on_fail: Option<Action>,
    /// `within` and `typically within`: from this node's start (or `from`'s) to its end.
    pub deadlines: Box<[Deadline]>,
    /// `Some` exactly for a rollout.
    pub rollout: Option<Box<Rollout>>,
    /// `Some` exactly for a watch.
    pub watch: Option<Box<Watch>>,
    pub span: Span,
}

/// How many unfavourable samples in a row a gate, rollout or watch accepts (`tolerate`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Tolerance {
    /// Samples in a row that do not hold before it fails or is breached; `None` when the plan
    /// does not say ([`DEFAULT_FAILURE_TOLERANCE`]).
    pub failures: Option<u16>,
    /// Samples in a row without data before the outcome is inconclusive; `None` when the plan
    /// does not say ([`DEFAULT_NODATA_TOLERANCE`]).
    pub nodata: Option<u16>,
}

impl Tolerance {
    pub fn failures(self) -> u16 {
        self.failures.unwrap_or(DEFAULT_FAILURE_TOLERANCE)
    }

    pub fn nodata(self) -> u16 {
        self.nodata.unwrap_or(DEFAULT_NODATA_TOLERANCE)
    }
}

/// What only a rollout has.
#[derive(Clone, Debug)]
pub struct Rollout {
    /// The weight command.
    pub set_command: CompactString,
    pub set_span: Span,
    /// What the weight command reads from its environment.
    pub set_uses: Uses,
    pub stages: Box<[Stage]>,
}

/// What only a watch has.
#[derive(Clone, Debug)]
pub struct Watch {
    /// All must hold at every sample: first those on the watch's `every`, then, one for each of
    /// `cadences`, those on a cadence of their own (`memory < 1GB every 10m`).
    pub conditions: Box<[Condition]>,
    /// The cadences of the last `cadences.len()` conditions, in order.
    pub cadences: Box<[Cadence]>,
    /// Length of the watch's window.
    pub for_ms: Option<u64>,
    pub on_breach: Option<Action>,
}

/// A watch condition's own sampling interval (`every` after the condition).
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Cadence {
    pub every_ms: u64,
    /// The `every ...` clause.
    #[serde(skip)]
    pub span: Span,
}

/// One group of a watch's conditions sampled together: on the watch's `every` (the conditions
/// without a cadence of their own), or one condition on its own cadence. Each group counts its
/// unfavourable samples against the watch's tolerance by itself.
#[derive(Clone, Copy, Debug)]
pub struct ConditionGroup<'m> {
    /// The group's position among the watch's conditions (the first condition's index).
    pub first: usize,
    pub conditions: &'m [Condition],
    pub every_ms: u64,
    /// `false` for the group on the watch's own `every`.
    pub own_cadence: bool,
}

impl Node {
    /// A watch's cadences of its own; empty for other kinds and for a watch without them.
    pub fn cadences(&self) -> &[Cadence] {
        self.watch.as_ref().map_or(&[], |watch| &watch.cadences)
    }

    /// A watch's conditions in the groups they are sampled in: those on the watch's `every`
    /// (`default_every_ms` when it has none), when there are any, then each condition with a
    /// cadence of its own.
    pub fn condition_groups(&self, default_every_ms: u64) -> Vec<ConditionGroup<'_>> {
        let conditions = self.conditions();
        let cadences = self.cadences();
        let plain = conditions.len().saturating_sub(cadences.len());
        let mut groups = Vec::with_capacity(cadences.len() + 1);
        if plain > 0 {
            groups.push(ConditionGroup {
                first: 0,
                conditions: conditions.get(..plain).unwrap_or_default(),
                every_ms: self.every_ms.unwrap_or(default_every_ms),
                own_cadence: false,
            });
        }
        for (offset, cadence) in cadences.iter().enumerate() {
            let first = plain + offset;
            groups.push(ConditionGroup {
                first,
                conditions: conditions.get(first..=first).unwrap_or_default(),
                every_ms: cadence.every_ms,
                own_cadence: true,
            });
        }
        groups
    }

    /// A watch's conditions; empty for other kinds.
    pub fn conditions(&self) -> &[Condition] {
        self.watch.as_ref().map_or(&[], |watch| &watch.conditions)
    }

    /// Length of a watch's window.
    pub fn for_ms(&self) -> Option<u64> {
        self.watch.as_ref().and_then(|watch| watch.for_ms)
    }

    pub fn on_breach(&self) -> Option<&Action> {
        self.watch.as_ref().and_then(|watch| watch.on_breach.as_ref())
    }

    /// A rollout's weight command.
    pub fn set_command(&self) -> Option<&CompactString> {
        self.rollout.as_ref().map(|rollout| &rollout.set_command)
    }

    /// What a rollout's weight command reads from its environment.
    pub fn set_uses(&self) -> Option<&Uses> {
        self.rollout.as_ref().map(|rollout| &rollout.set_uses)
    }

    /// A rollout's stages; empty for other kinds.
    pub fn stages(&self) -> &[Stage] {
        self.rollout.as_ref().map_or(&[], |rollout| &rollout.stages)
    }

    /// Whether windows and freezes for changes bound this node (docs/semantics.md, R27): a node
    /// that can change something as R26 reads it (the point of no return, a rollout, a node
    /// whose failure enters a rollback tree), except a watch, which changes nothing itself (the
    /// rollback it may enter is never held back by a window).
    pub fn changes_something(&self) -> bool {
        self.kind != NodeKind::Watch
            && (self.point_of_no_return
                || self.kind == NodeKind::Rollout
                || self.on_fail.as_ref().and_then(Action::rollback_tree).is_some())
    }
}

impl Serialize for Node {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut node = serializer.serialize_struct("Node", 18)?;
        node.serialize_field("name", &self.name)?;
        node.serialize_field("kind", &self.kind)?;
        node.serialize_field("at_ms", &self.at_ms)?;
        node.serialize_field("after", &self.after)?;
        node.serialize_field("env", &self.env)?;
        node.serialize_field("every_ms", &self.every_ms)?;
        node.serialize_field("for_ms", &self.for_ms())?;
        node.serialize_field("point_of_no_return", &self.point_of_no_return)?;
        node.serialize_field("tolerance", &self.tolerance)?;
        node.serialize_field("items", &self.items)?;
        node.serialize_field("requires", &self.requires)?;
        node.serialize_field("conditions", self.conditions())?;
        if self.cadences().is_empty() {
            node.skip_field("cadences")?;
        } else {
            node.serialize_field("cadences", self.cadences())?;
        }
        node.serialize_field("set_command", &self.set_command())?;
        node.serialize_field("set_uses", &self.set_uses())?;
        node.serialize_field("stages", self.stages())?;
        node.serialize_field("on_fail", &self.on_fail)?;
        node.serialize_field("on_breach", &self.on_breach())?;
        node.end()
    }
}

impl Step {
    /// The longest this step may take, retries included, with the runners' default limits.
    pub fn worst_case_ms(&self) -> u64 {
        match &self.kind {
            // A condition held `for` longer than the default limit is given the time to hold.
            StepKind::Expect { check, timeout_ms: None, retries, .. }
                if matches!(&**check, Expectation::Condition { .. }) =>
            {
                let hold = match &**check {
                    Expectation::Condition { condition } => condition.longest_hold_ms(),
                    _ => 0,
                };
                DEFAULT_COMMAND_TIMEOUT_MS
                    .max(hold.saturating_add(DEFAULT_SAMPLING_MS))
                    .saturating_mul(u64::from(*retries) + 1)
            }
            StepKind::Run { timeout_ms, retries, .. } | StepKind::Expect { timeout_ms, retries, .. } => {
                timeout_ms.map_or(DEFAULT_COMMAND_TIMEOUT_MS, NonZeroU64::get).saturating_mul(u64::from(*retries) + 1)
            }
            StepKind::Check { .. } | StepKind::Approve { .. } => self.answer_timeout_ms(),
            StepKind::Notify { .. } | StepKind::Page { .. } => DEFAULT_MESSAGE_TIMEOUT_MS,
            StepKind::Wait { duration_ms } | StepKind::Recheck { after_ms: duration_ms, .. } => *duration_ms,
            StepKind::Continue => 0,
        }
    }

    /// A `recheck` that may move to a more severe level: a bare one, one that says `escalate`,
    /// or one without `otherwise` (which then decides as a bare one).
    pub fn may_escalate(&self) -> bool {
        match &self.kind {
            StepKind::Recheck { outcome: None, .. } => true,
            StepKind::Recheck { outcome: Some(outcome), .. } => {
                outcome.outcomes().iter().any(|outcome| matches!(outcome, None | Some(Outcome::Escalate)))
            }
            _ => false,
        }
    }

    /// How long a `check` or `approve` waits for its answer before it fails closed: its
    /// `timeout`, or [`DEFAULT_ANSWER_TIMEOUT_MS`] (docs/semantics.md, R5).
    pub fn answer_timeout_ms(&self) -> u64 {
        match &self.kind {
            StepKind::Check { timeout_ms, .. } | StepKind::Approve { timeout_ms, .. } => {
                timeout_ms.map_or(DEFAULT_ANSWER_TIMEOUT_MS, NonZeroU64::get)
            }
            _ => DEFAULT_ANSWER_TIMEOUT_MS,
        }
    }

    /// The limit of one try of this step, which `typically` may not exceed: a command's or a
    /// person's `timeout` or its default, a condition's time to hold. `None` for the steps that
    /// take no `typically`.
    pub fn try_limit_ms(&self) -> Option<u64> {
        match &self.kind {
            StepKind::Expect { check, timeout_ms: None, .. } if matches!(&**check, Expectation::Condition { .. }) => {
                let hold = match &**check {
                    Expectation::Condition { condition } => condition.longest_hold_ms(),
                    _ => 0,
                };
                Some(DEFAULT_COMMAND_TIMEOUT_MS.max(hold.saturating_add(DEFAULT_SAMPLING_MS)))
            }
            StepKind::Run { timeout_ms, .. } | StepKind::Expect { timeout_ms, .. } => {
                Some(timeout_ms.map_or(DEFAULT_COMMAND_TIMEOUT_MS, NonZeroU64::get))
            }
            StepKind::Check { .. } | StepKind::Approve { .. } => Some(self.answer_timeout_ms()),
            _ => None,
        }
    }

    /// How long this step takes in the nominal schedule: its `typically`, else a command
    /// [`NOMINAL_COMMAND_MS`], a check [`NOMINAL_CHECK_MS`], an approval [`NOMINAL_APPROVAL_MS`]
    /// (none more than the step's limit), a condition its longest `for`, a `wait` its length, a message nothing.
    pub fn nominal_ms(&self) -> u64 {
        if let Some(typical) = self.typical_ms {
            return typical.get();
        }
        match &self.kind {
            StepKind::Expect { check, .. } if matches!(&**check, Expectation::Condition { .. }) => self.best_case_ms(),
            StepKind::Run { .. } | StepKind::Expect { .. } => {
                NOMINAL_COMMAND_MS.min(self.try_limit_ms().unwrap_or(NOMINAL_COMMAND_MS))
            }
            StepKind::Check { .. } => NOMINAL_CHECK_MS.min(self.answer_timeout_ms()),
            StepKind::Approve { .. } => NOMINAL_APPROVAL_MS.min(self.answer_timeout_ms()),
            StepKind::Wait { duration_ms } | StepKind::Recheck { after_ms: duration_ms, .. } => *duration_ms,
            StepKind::Notify { .. } | StepKind::Page { .. } | StepKind::Continue => 0,
        }
    }

    /// The longest this step may take by what the plan says: an explicit `timeout` (retries
    /// included) or a `wait`. `None` when the plan gives no bound.
    pub fn stated_limit_ms(&self) -> Option<u64> {
        match &self.kind {
            StepKind::Run { timeout_ms: Some(timeout), retries, .. }
            | StepKind::Expect { timeout_ms: Some(timeout), retries, .. } => {
                Some(timeout.get().saturating_mul(u64::from(*retries) + 1))
            }
            StepKind::Wait { duration_ms } => Some(*duration_ms),
            StepKind::Recheck { after_ms, .. } if *after_ms > 0 => Some(*after_ms),
            _ => None,
        }
    }

    /// The shortest this step can take: only waits (a `recheck`'s `after` too), and conditions
    /// held `for` a while, take time for sure.
    pub fn best_case_ms(&self) -> u64 {
        match &self.kind {
            StepKind::Wait { duration_ms } | StepKind::Recheck { after_ms: duration_ms, .. } => *duration_ms,
            StepKind::Expect { check, .. } => match &**check {
                Expectation::Condition { condition } => condition.longest_hold_ms(),
                _ => 0,
            },
            _ => 0,
        }
    }

    /// The command this step runs, if any.
    pub fn command(&self) -> Option<&str> {
        match &self.kind {
            StepKind::Run { command, .. } => Some(command),
            StepKind::Expect { check, .. } => match &**check {
                Expectation::Command { command } => Some(command),
                _ => None,
            },
            _ => None,
        }
    }

    /// Whether an interrupted try of this step may run again without a person's word: a step
    /// that runs nothing, or a command marked `idempotent` (docs/semantics.md, R25).
    pub fn reruns_without_asking(&self) -> bool {
        match &self.kind {
            StepKind::Run { idempotent, .. } | StepKind::Expect { idempotent, .. } => *idempotent,
            _ => true,
        }
    }
}

impl Condition {
    /// The longest `for` in this condition: how long it must hold before it is decided.
    pub fn longest_hold_ms(&self) -> u64 {
        let mut longest = 0;
        let mut stack = vec![self];
        while let Some(condition) = stack.pop() {
            match &condition.kind {
                ConditionKind::Or { operands } | ConditionKind::And { operands } => stack.extend(operands),
                ConditionKind::Not { operand } => stack.push(operand),
                ConditionKind::Held { operand, duration_ms } => {
                    longest = longest.max(*duration_ms);
                    stack.push(operand);
                }
                _ => {}
            }
        }
        longest
    }

    /// Every condition in this one, itself included, depth first.
    pub fn walk(&self) -> Vec<&Condition> {
        let mut found = Vec::new();
        let mut stack = vec![self];
        while let Some(condition) = stack.pop() {
            found.push(condition);
            match &condition.kind {
                ConditionKind::Or { operands } | ConditionKind::And { operands } => stack.extend(operands.iter().rev()),
                ConditionKind::Not { operand } | ConditionKind::Held { operand, .. } => stack.push(operand),
                _ => {}
            }
        }
        found
    }
}

impl Comparison {
    /// The comparison that holds exactly when this one does not.
    pub fn negated(self) -> Comparison {
        match self {
            Comparison::Lt => Comparison::Ge,
            Comparison::Le => Comparison::Gt,
            Comparison::Gt => Comparison::Le,
            Comparison::Ge => Comparison::Lt,
            Comparison::Eq => Comparison::Ne,
            Comparison::Ne => Comparison::Eq,
        }
    }
}

impl Condition {
    /// The conditions in this one that are not `and`, `or`, `not` or `for`, each with whether
    /// it counts as written (`true`) or negated by the `not`s around it (`false`).
    pub fn signed_atoms(&self) -> Vec<(&Condition, bool)> {
        let mut found = Vec::new();
        let mut stack = vec![(self, true)];
        while let Some((condition, positive)) = stack.pop() {
            match &condition.kind {
                ConditionKind::Or { operands } | ConditionKind::And { operands } => {
                    stack.extend(operands.iter().rev().map(|operand| (operand, positive)));
                }
                ConditionKind::Not { operand } => stack.push((operand, !positive)),
                ConditionKind::Held { operand, .. } => stack.push((operand, positive)),
                _ => found.push((condition, positive)),
            }
        }
        found
    }
}

impl Action {
    /// The rollback tree this action ends in, if any (through `pause ... then`).
    pub fn rollback_tree(&self) -> Option<TreeId> {
        match self {
            Action::Rollback { tree } => Some(*tree),
            Action::Pause { then: Some(then), .. } => then.rollback_tree(),
            _ => None,
        }
    }
}

impl Node {
    /// The steps of this node in order, groups flattened.
    pub fn steps(&self) -> Vec<&Step> {
        flatten_steps(&self.items)
    }
}

/// The steps of `items` in order, groups flattened.
pub fn flatten_steps(items: &[Item]) -> Vec<&Step> {
    let mut steps = Vec::new();
    let mut stack: Vec<std::slice::Iter<'_, Item>> = vec![items.iter()];
    while let Some(top) = stack.last_mut() {
        match top.next() {
            Some(Item::Step(step)) => steps.push(step),
            Some(Item::Group { items, .. }) => stack.push(items.iter()),
            None => {
                stack.pop();
            }
        }
    }
    steps
}

/// A step or a titled group of items, in source order.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "item", rename_all = "snake_case")]
pub enum Item {
    Step(Step),
    Group { title: CompactString, items: Vec<Item> },
}

#[derive(Clone, Debug, Serialize)]
pub struct Stage {
    /// Traffic weight in percent points.
    pub weight: f64,
    #[serde(skip)]
    pub span: Span,
    pub at_ms: Option<i64>,
    pub hold_ms: Option<u64>,
    pub every_ms: Option<u64>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    Abort,
    Continue,
    Rollback { tree: TreeId },
    Pause { wait_ms: u64, then: Option<Box<Action>> },
}

#[derive(Clone, Debug, Serialize)]
pub struct Step {
    pub kind: StepKind,
    /// `typically D`: how long it is expected to take, for the nominal schedule.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub typical_ms: Option<NonZeroU64>,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Clone, Debug, Serialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum StepKind {
    // Sized for memory (a plan holds many steps): a timeout is never zero (sema rejects `0s`),
    // so `NonZeroU64` keeps its `Option` in one word; lists that never grow are boxed slices;
    // the large `Expectation` is boxed so the other steps do not pay for it.
    Run {
        title: Option<CompactString>,
        command: CompactString,
        timeout_ms: Option<NonZeroU64>,
        retries: u32,
        secrets: Box<[SecretId]>,
        vars: Box<[VarId]>,
        /// Runs again after an interruption without asking (`idempotent`).
        idempotent: bool,
    },
    Expect {
        title: Option<CompactString>,
        check: Box<Expectation>,
        timeout_ms: Option<NonZeroU64>,
        retries: u32,
        secrets: Box<[SecretId]>,
        vars: Box<[VarId]>,
        idempotent: bool,
    },
    Check {
        text: CompactString,
        by: Vec<RoleId>,
        /// How long to wait for an answer (`timeout`); [`DEFAULT_ANSWER_TIMEOUT_MS`] when absent.
        #[serde(skip_serializing_if = "Option::is_none")]
        timeout_ms: Option<NonZeroU64>,
    },
    Approve {
        title: Option<CompactString>,
        /// How many of `roles` must approve.
        quorum: usize,
        roles: Vec<RoleId>,
        distinct: bool,
        /// How long to wait for the approvals (`timeout`); [`DEFAULT_ANSWER_TIMEOUT_MS`] when absent.
        #[serde(skip_serializing_if = "Option::is_none")]
        timeout_ms: Option<NonZeroU64>,
    },
    Notify {
        roles: Vec<RoleId>,
        message: CompactString,
    },
    Page {
        roles: Vec<RoleId>,
        message: Option<CompactString>,
    },
    Wait {
        duration_ms: u64,
    },
    /// Evaluates the tree again (R20), after `after_ms`; with an outcome, its condition decides.
    Recheck {
        after_ms: u64,
        outcome: Option<Box<RecheckOutcome>>,
    },
    /// In a rollback level: nothing to do for this range.
    Continue,
}

pub use crate::ast::Outcome;

/// `OUTCOME when CONDITION [otherwise OUTCOME]` of a `recheck` (R20).
#[derive(Clone, Debug, Serialize)]
pub struct RecheckOutcome {
    /// When the condition holds.
    pub then: Outcome,
    #[serde(skip)]
    pub then_span: Span,
    pub condition: Condition,
    /// When it does not hold or has no data; `None`: a bare `recheck`'s decision.
    pub otherwise: Option<Outcome>,
    #[serde(skip)]
    pub otherwise_span: Option<Span>,
}

impl RecheckOutcome {
    /// Every outcome it may come to; `None` stands for a bare `recheck`'s decision.
    pub fn outcomes(&self) -> [Option<Outcome>; 2] {
        [Some(self.then), self.otherwise]
    }
}

#[derive(Clone, Debug, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Expectation {
    Http { url: CompactString, status: Option<u16>, within_ms: Option<u64> },
    Command { command: CompactString },
    Condition { condition: Condition },
}

#[derive(Clone, Debug, Serialize)]
pub struct RollbackTree {
    pub name: CompactString,
    #[serde(skip)]
    pub name_span: Span,
    /// In source order: the first level whose condition holds is the one that runs.
    pub levels: Vec<Level>,
    /// `within` and `typically within`: from a breach to resolved, on every path through it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub deadlines: Vec<Deadline>,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Clone, Debug, Serialize)]
pub struct Level {
    pub name: CompactString,
    #[serde(skip)]
    pub name_span: Span,
    pub when: Condition,
    pub items: Vec<Item>,
    #[serde(skip)]
    pub span: Span,
}

impl Level {
    /// Whether the level does something: one that only says `continue` marks where all is well,
    /// so its condition describes health, not trouble.
    pub fn acts(&self) -> bool {
        flatten_steps(&self.items).iter().any(|step| !matches!(step.kind, StepKind::Continue))
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Alert {
    pub name: CompactString,
    #[serde(skip)]
    pub name_span: Span,
    pub title: Option<CompactString>,
    pub severity: CompactString,
    pub when: Condition,
    pub items: Vec<Item>,
    #[serde(skip)]
    pub span: Span,
}

impl Model {
    /// The windows that bound the nodes that can change something (`applies changes`).
    pub fn change_windows(&self) -> impl Iterator<Item = &Window> + Clone {
        self.windows.iter().filter(|window| {
            window.mode == crate::ast::WindowMode::Applies && window.scope == crate::ast::WindowScope::Changes
        })
    }

    /// Whether the run checks the clock when `node` starts (docs/semantics.md, R27): it can
    /// change something, and the plan has a window for changes or a freeze.
    pub fn held_by_windows(&self, node: &Node) -> bool {
        node.changes_something() && (!self.freezes.is_empty() || self.change_windows().next().is_some())
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Window {
    pub name: CompactString,
    #[serde(skip)]
    pub name_span: Span,
    pub title: Option<CompactString>,
    /// ISO weekday numbers, Monday = 1.
    pub days: Vec<u8>,
    /// Minutes since midnight, `[from, to)`.
    pub from_minute: u32,
    pub to_minute: u32,
    pub zone: CompactString,
    /// `applies` (the default), `prefer` or `avoid`.
    pub mode: crate::ast::WindowMode,
    /// `launch` (the default: T0 only) or `changes` (every node that can change something).
    pub scope: crate::ast::WindowScope,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Clone, Debug, Serialize)]
pub struct Freeze {
    pub name: CompactString,
    #[serde(skip)]
    pub name_span: Span,
    pub title: Option<CompactString>,
    pub periods: Vec<FreezePeriod>,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Clone, Debug, Serialize)]
pub struct FreezePeriod {
    #[serde(skip)]
    pub span: Span,
    #[serde(serialize_with = "serialize_timestamp")]
    pub from: jiff::Timestamp,
    #[serde(serialize_with = "serialize_timestamp")]
    pub until: jiff::Timestamp,
}

fn serialize_timestamp<S: serde::Serializer>(timestamp: &jiff::Timestamp, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&timestamp.to_string())
}

/// A resolved condition. Values are in the metric's canonical unit: milliseconds for
/// durations, percent points for percentages, events per second for rates, bytes for sizes.
#[derive(Clone, Debug, Serialize)]
pub struct Condition {
    #[serde(flatten)]
    pub kind: ConditionKind,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Clone, Debug, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum ConditionKind {
    Or { operands: Vec<Condition> },
    And { operands: Vec<Condition> },
    Not { operand: Box<Condition> },
    Held { operand: Box<Condition>, duration_ms: u64 },
    Compare { metric: MetricId, comparison: Comparison, threshold: Threshold },
    InRange { metric: MetricId, negated: bool, low: f64, high: f64, inclusive: bool },
    Test { metric: MetricId },
    Declared { text: CompactString },
    NoData { metric: Option<MetricId> },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Comparison {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

impl Comparison {
    /// The operator as a plan, PromQL and people write it: `<`, `<=`, `>`, `>=`, `==`, `!=`.
    pub fn symbol(self) -> &'static str {
        match self {
            Comparison::Lt => "<",
            Comparison::Le => "<=",
            Comparison::Gt => ">",
            Comparison::Ge => ">=",
            Comparison::Eq => "==",
            Comparison::Ne => "!=",
        }
    }
}

#[derive(Clone, Debug, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Threshold {
    Absolute {
        value: f64,
    },
    /// A fraction of the metric's baseline, in percent points (70 for `70% of baseline`).
    OfBaseline {
        percent: f64,
    },
}
