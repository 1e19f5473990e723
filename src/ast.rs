//! The typed syntax tree of one `.golive` file.
//!
//! Owned, with a [`Span`] on every node. It says what was written, in the order it was written;
//! names are not resolved and units are not checked here (that is `sema`'s job), so the tree
//! can also serve a formatter and a language server. Comments are kept in [`File::comments`].

// Sizes matter: a plan's tree is several times its text, and a `Vec` of an enum is as wide as
// its largest variant. Rare or large payloads are boxed so that the common statements (steps,
// header clauses, values) stay small; the heap peak of `check` is mostly this tree.

use crate::source::Span;
pub use compact_str::CompactString;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct File {
    pub items: Vec<Item>,
    pub comments: Vec<Comment>,
    /// Top-level lines that could not be parsed (a syntax error was reported for each). A name
    /// declared there is unknown to the tree, so "undefined name" errors about it are withheld.
    pub unreadable: Vec<Span>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Comment {
    /// The text after `#`, without the line break.
    pub text: String,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Ident {
    pub name: CompactString,
    pub span: Span,
}

/// A string literal after escapes are resolved (and triple-quoted text dedented).
#[derive(Clone, Debug, PartialEq)]
pub struct Text {
    pub value: CompactString,
    pub span: Span,
    /// True when the source bytes between the quotes are exactly `value`, so a byte range
    /// inside `value` maps to `span.start + 1 + range` (used to point inside a string).
    pub verbatim: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    Plan(PlanDecl),
    Role(Box<RoleDecl>),
    Env(Box<EnvDecl>),
    Secret(SecretDecl),
    Var(VarDecl),
    Metric(Box<MetricDecl>),
    Node(NodeDecl),
    Rollback(RollbackDecl),
    Alert(Box<AlertDecl>),
    Window(Box<WindowDecl>),
    Freeze(Box<FreezeDecl>),
    Prometheus(Box<PrometheusDecl>),
    Use(UseDecl),
    Template(TemplateDecl),
    Variant(Box<VariantDecl>),
}

impl Item {
    /// The declared name, its kind in words, and the span of the whole declaration.
    pub fn name(&self) -> &Ident {
        match self {
            Item::Plan(decl) => &decl.name,
            Item::Role(decl) => &decl.name,
            Item::Env(decl) => &decl.name,
            Item::Secret(decl) => &decl.name,
            Item::Var(decl) => &decl.name,
            Item::Metric(decl) => &decl.name,
            Item::Node(decl) => &decl.name,
            Item::Rollback(decl) => &decl.name,
            Item::Alert(decl) => &decl.name,
            Item::Window(decl) => &decl.name,
            Item::Freeze(decl) => &decl.name,
            Item::Prometheus(decl) => &decl.name,
            Item::Use(decl) => &decl.name,
            Item::Template(decl) => &decl.name,
            Item::Variant(decl) => &decl.name,
        }
    }

    pub fn kind_name(&self) -> &'static str {
        match self {
            Item::Plan(_) => "plan",
            Item::Role(_) => "role",
            Item::Env(_) => "env",
            Item::Secret(_) => "secret",
            Item::Var(decl) if decl.input.is_some() => "input",
            Item::Var(_) => "var",
            Item::Metric(_) => "metric",
            Item::Node(decl) => decl.kind.keyword(),
            Item::Rollback(_) => "rollback tree",
            Item::Alert(_) => "alert",
            Item::Window(_) => "window",
            Item::Freeze(_) => "freeze",
            Item::Prometheus(_) => "prometheus server",
            Item::Use(_) => "module",
            Item::Template(_) => "template",
            Item::Variant(_) => "variant",
        }
    }
}

/// `use std.canary` or `use "./shared.golive"`, optionally `as NAME`.
#[derive(Clone, Debug, PartialEq)]
pub struct UseDecl {
    pub target: UseTarget,
    /// The name the module is known by in this file: the alias, else the last part of the
    /// module path or the file's stem (its span is the path's when there is no alias).
    pub name: Ident,
    pub alias: bool,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum UseTarget {
    /// `std.canary`: a module of the standard library, embedded in the compiler.
    Std(Vec<Ident>),
    /// A path relative to the importing file.
    File(Text),
}

/// `variant NAME { ... }`: the plan again, with its own settings, some nodes skipped and some
/// approvals changed. Checked and analysed as a plan of its own (`modules::variant`).
#[derive(Clone, Debug, PartialEq)]
pub struct VariantDecl {
    pub name: Ident,
    pub items: Vec<VariantItem>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum VariantItem {
    /// `title`, `launch`, `owner` or `description`: replaces the plan's.
    Setting(PlanField, Span),
    /// `skip A, B`: these nodes are left out; what ran after them runs after what they ran after.
    Skip(Vec<Ident>, Span),
    /// `in GATE approve ...`: this approval replaces the node's approvals.
    Approve { node: Ident, step: Step, span: Span },
}

impl VariantItem {
    pub fn span(&self) -> Span {
        match self {
            VariantItem::Setting(_, span) | VariantItem::Skip(_, span) | VariantItem::Approve { span, .. } => *span,
        }
    }
}

/// `template NAME(param: type = default, ...) { ... }`.
#[derive(Clone, Debug, PartialEq)]
pub struct TemplateDecl {
    pub name: Ident,
    pub params: Vec<Param>,
    pub body: Vec<NodeItem>,
    /// The span of `(...)`.
    pub params_span: Span,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    pub name: Ident,
    pub ty: Ident,
    pub default: Option<Argument>,
    pub span: Span,
}

/// `module.template(name = value, ...)`, or `template(...)` for one of the same file.
#[derive(Clone, Debug, PartialEq)]
pub struct Call {
    pub module: Option<Ident>,
    pub name: Ident,
    pub args: Vec<Arg>,
    /// The span of `(...)`.
    pub args_span: Span,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Arg {
    pub name: Ident,
    pub value: Argument,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Argument {
    Text(Text),
    /// A literal, or a name (`ValueKind::Name`).
    Value(Value),
}

impl Argument {
    pub fn span(&self) -> Span {
        match self {
            Argument::Text(text) => text.span,
            Argument::Value(value) => value.span,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct PlanDecl {
    pub name: Ident,
    pub fields: Vec<PlanField>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum PlanField {
    Title(Text),
    Launch(DateTimeLit),
    Owner(Ident),
    Description(Text),
    /// `within D` or `typically within D`: the whole plan's length.
    Deadline(Deadline),
    /// `on push branch "..."`, `on push tag "..."`, `on release`, `on schedule "CRON"`.
    Trigger(Trigger),
}

/// What starts the workflow besides a person, with the span of the whole `on ...` field.
#[derive(Clone, Debug, PartialEq)]
pub struct Trigger {
    pub kind: TriggerKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum TriggerKind {
    /// A push to a branch whose name matches the pattern (GitHub's filter patterns).
    Branch(Text),
    /// A push of a tag whose name matches the pattern.
    Tag(Text),
    /// A release published.
    Release,
    /// A schedule: five cron fields, in UTC.
    Schedule(Text),
}

/// `within D` (a hard deadline, held against the worst case) or `typically within D` (a budget,
/// held against the nominal schedule), with `from NODE` on a node.
#[derive(Clone, Debug, PartialEq)]
pub struct Deadline {
    /// The span of `typically` when the deadline is a budget.
    pub typical: Option<Span>,
    pub duration: Value,
    pub from: Option<Ident>,
    /// The span of the whole statement.
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RoleDecl {
    pub name: Ident,
    pub title: Option<Text>,
    pub contacts: Vec<Text>,
    pub description: Option<Text>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct EnvDecl {
    pub name: Ident,
    pub title: Option<Text>,
    pub fields: Vec<EnvField>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum EnvField {
    Url(Text),
    /// Roles whose approval is required before a node runs on this env.
    Approval(Vec<Ident>),
    /// `production`, `staging`, ...: what kind of environment this is.
    Tier(Ident),
    Description(Text),
}

#[derive(Clone, Debug, PartialEq)]
pub struct SecretDecl {
    pub name: Ident,
    pub description: Option<Text>,
    pub span: Span,
}

/// `var NAME ["description"]`: a configuration variable (not a secret) that commands read from
/// their environment.
#[derive(Clone, Debug, PartialEq)]
pub struct VarDecl {
    pub name: Ident,
    /// `input NAME : TYPE`: a value given when the run starts, of this type as written
    /// (`string`, `bool`; checked by `sema`); `None` for a `var`.
    pub input: Option<Ident>,
    pub description: Option<Text>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct MetricDecl {
    pub name: Ident,
    /// The unit type as written (`percent`, `duration`, ...); checked by `sema`.
    pub ty: Ident,
    pub title: Option<Text>,
    pub fields: Vec<MetricField>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum MetricField {
    /// The probe's command and the secrets and vars it reads (`uses`, empty when absent).
    Probe(Command, Vec<Ident>),
    Unit(Ident),
    /// `baseline at T-1h for 30m`: measured before launch, for relative thresholds.
    Baseline {
        at: Value,
        window: Value,
        span: Span,
    },
    Description(Text),
    /// `prometheus "PromQL" from SERVER`: an instant query when a run samples.
    Query {
        query: Text,
        server: Option<Ident>,
        span: Span,
    },
    /// `http "URL" json "/pointer" header "Name" SECRET`: one value of a JSON answer.
    Http {
        url: Text,
        pointer: Text,
        headers: Vec<Header>,
        span: Span,
    },
}

/// `header "Name" SECRET`: an HTTP header whose value is a declared secret.
#[derive(Clone, Debug, PartialEq)]
pub struct Header {
    pub name: Text,
    pub secret: Ident,
    pub span: Span,
}

/// `prometheus NAME { url "..." header "Authorization" SECRET }`: a server that metrics query.
#[derive(Clone, Debug, PartialEq)]
pub struct PrometheusDecl {
    pub name: Ident,
    pub title: Option<Text>,
    pub fields: Vec<PrometheusField>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum PrometheusField {
    Url(Text),
    Header(Header),
    Description(Text),
}

#[derive(Clone, Debug, PartialEq)]
pub struct WindowDecl {
    pub name: Ident,
    pub title: Option<Text>,
    pub fields: Vec<WindowField>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum WindowField {
    Days(Vec<DaySpec>, Span),
    Hours {
        from: Value,
        to: Value,
        span: Span,
    },
    Zone(Text),
    /// `applies changes`, `prefer launch`, `avoid changes`, ...
    Applies {
        mode: WindowMode,
        scope: WindowScope,
        span: Span,
    },
}

/// What a window says about the times it covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WindowMode {
    /// `applies`: inside a window of this kind, or an error.
    Applies,
    /// `prefer`: inside a window of this kind, or a warning.
    Prefer,
    /// `avoid`: outside every window of this kind, or a warning.
    Avoid,
}

impl WindowMode {
    pub fn keyword(self) -> &'static str {
        match self {
            WindowMode::Applies => "applies",
            WindowMode::Prefer => "prefer",
            WindowMode::Avoid => "avoid",
        }
    }
}

/// What a window is about: the launch (T0) or every node that can change something.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WindowScope {
    Launch,
    Changes,
}

impl WindowScope {
    pub fn keyword(self) -> &'static str {
        match self {
            WindowScope::Launch => "launch",
            WindowScope::Changes => "changes",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Weekday {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DaySpec {
    pub first: Weekday,
    /// `tue..thu`: the last day, inclusive.
    pub last: Option<Weekday>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FreezeDecl {
    pub name: Ident,
    pub title: Option<Text>,
    pub periods: Vec<Period>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Period {
    pub from: DateTimeLit,
    pub until: DateTimeLit,
    pub span: Span,
}

/// Phases, gates, rollouts and watches: the nodes of the plan's graph.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NodeKind {
    Phase,
    Gate,
    Rollout,
    Watch,
}

impl NodeKind {
    pub fn keyword(self) -> &'static str {
        match self {
            NodeKind::Phase => "phase",
            NodeKind::Gate => "gate",
            NodeKind::Rollout => "rollout",
            NodeKind::Watch => "watch",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct NodeDecl {
    pub kind: NodeKind,
    pub name: Ident,
    pub header: Vec<HeaderClause>,
    pub body: Vec<NodeItem>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum HeaderClause {
    At(Value),
    After(Vec<Ident>),
    On(Ident),
    Every(Value),
    For(Value),
}

impl HeaderClause {
    pub fn keyword(&self) -> &'static str {
        match self {
            HeaderClause::At(_) => "at",
            HeaderClause::After(_) => "after",
            HeaderClause::On(_) => "on",
            HeaderClause::Every(_) => "every",
            HeaderClause::For(_) => "for",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum NodeItem {
    Step(Step),
    Group(Group),
    OnFail(Action),
    OnBreach(Action),
    PointOfNoReturn(Span),
    /// `require CONDITION`, with the span of the whole statement.
    Require(Box<Condition>, Span),
    /// A rollout's command that sets the traffic weight (`$GOLIVE_WEIGHT`), the secrets and vars
    /// it reads (`uses`, empty when absent), with the span of the whole statement.
    Set(Command, Vec<Ident>, Span),
    Stage(Stage),
    /// A sampling interval: how often conditions are evaluated.
    Every(Value),
    /// `tolerate N failures` or `tolerate N nodata`.
    Tolerate(Tolerate),
    /// `within D` or `typically within D` (`from NODE`): this node's, or a chain's, deadline.
    Deadline(Box<Deadline>),
    /// A bare condition, as in a watch: `error_rate < 0.1%`.
    Condition(Box<Condition>),
    /// A watch's condition on a cadence of its own: `memory < 1GB every 10m`, with the span of
    /// the whole statement.
    Cadenced(Box<Condition>, Value, Span),
    /// A template's statements, pasted here before checking.
    Call(Box<Call>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Group {
    pub title: Text,
    pub items: Vec<GroupItem>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum GroupItem {
    Step(Step),
    Group(Group),
    /// A template's steps, pasted here before checking.
    Call(Box<Call>),
    /// Read here only to be reported: tolerance belongs to gates, rollouts and watches.
    Tolerate(Tolerate),
}

/// `tolerate 1 failure`, `tolerate 3 nodata`: how many unfavourable samples in a row a gate,
/// a rollout or a watch accepts before it acts.
#[derive(Clone, Debug, PartialEq)]
pub struct Tolerate {
    /// How many samples in a row, as written (a whole number once checked).
    pub count: Value,
    pub what: Tolerated,
    /// The span of the whole statement.
    pub span: Span,
}

/// What a `tolerate` statement accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tolerated {
    /// `failures`, or `failure` (not `plural`): samples at which a condition does not hold.
    Failures { plural: bool },
    /// `nodata`: samples without data.
    NoData,
}

impl Tolerated {
    /// The word after the count, as written.
    pub fn word(self) -> &'static str {
        match self {
            Tolerated::Failures { plural: true } => "failures",
            Tolerated::Failures { plural: false } => "failure",
            Tolerated::NoData => "nodata",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Stage {
    pub weight: Value,
    pub clauses: Vec<StageClause>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum StageClause {
    At(Value),
    Hold(Value),
    Every(Value),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Action {
    pub kind: ActionKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ActionKind {
    Abort,
    Continue,
    Rollback(Ident),
    /// Wait, decide again, and if it still fails do `then` (abort when absent).
    Pause {
        wait: Value,
        then: Option<Box<Action>>,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Command {
    pub script: Text,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub kind: StepKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum StepKind {
    Run(RunStep),
    Expect(Box<ExpectStep>),
    /// A manual confirmation, optionally by given roles.
    Check {
        text: Text,
        by: Vec<Ident>,
        /// `timeout` and `typically`, the only options a person's step takes.
        options: Vec<RunOption>,
    },
    Approve(Box<ApproveStep>),
    Notify {
        roles: Vec<Ident>,
        message: Text,
    },
    Page {
        roles: Vec<Ident>,
        message: Option<Text>,
    },
    Wait(Value),
    Recheck(Box<RecheckStep>),
    /// In a rollback level: no action is needed for this range; the launch goes on.
    Continue,
}

impl StepKind {
    pub fn keyword(&self) -> &'static str {
        match self {
            StepKind::Run(_) => "run",
            StepKind::Expect(_) => "expect",
            StepKind::Check { .. } => "check",
            StepKind::Approve(_) => "approve",
            StepKind::Notify { .. } => "notify",
            StepKind::Page { .. } => "page",
            StepKind::Wait(_) => "wait",
            StepKind::Recheck(_) => "recheck",
            StepKind::Continue => "continue",
        }
    }
}

/// `recheck [after D] [OUTCOME when CONDITION [otherwise OUTCOME]]`; a bare `recheck` has neither.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct RecheckStep {
    /// How long to wait before sampling again.
    pub after: Option<Value>,
    pub outcome: Option<RecheckOutcome>,
}

/// `OUTCOME when CONDITION [otherwise OUTCOME]`.
#[derive(Clone, Debug, PartialEq)]
pub struct RecheckOutcome {
    /// What happens when the condition holds.
    pub then: Outcome,
    pub then_span: Span,
    pub condition: Condition,
    /// What happens when it does not (or has no data); `None` is a bare `recheck`'s decision.
    pub otherwise: Option<(Outcome, Span)>,
}

/// What a `recheck` with an outcome comes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Back to the run, as a level that says `continue`.
    Resume,
    /// The level goes on with its next step.
    Stay,
    /// To a more severe level.
    Escalate,
}

impl Outcome {
    pub fn keyword(self) -> &'static str {
        match self {
            Outcome::Resume => "resume",
            Outcome::Stay => "stay",
            Outcome::Escalate => "escalate",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct RunStep {
    pub title: Option<Text>,
    pub options: Vec<RunOption>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum RunOption {
    Command(Command),
    Timeout(Value),
    /// `typically D`: how long the step is expected to take (the nominal schedule).
    Typically(Value),
    Retries(Value),
    Uses(Vec<Ident>),
    /// `idempotent`: the command may run again after an interruption without asking.
    Idempotent(Span),
}

#[derive(Clone, Debug, PartialEq)]
pub struct ExpectStep {
    pub title: Option<Text>,
    pub check: ExpectCheck,
    pub options: Vec<RunOption>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExpectCheck {
    Http {
        url: Text,
        status: Option<Value>,
        within: Option<Value>,
        /// `status` or `within` given a second time, with where.
        repeated: Vec<(&'static str, Span)>,
        span: Span,
    },
    Command(Command),
    Condition(Condition),
}

#[derive(Clone, Debug, PartialEq)]
pub struct ApproveStep {
    pub title: Option<Text>,
    /// `approve 2 of a, b, c`: how many of the roles must approve (all when absent).
    pub quorum: Option<Value>,
    pub roles: Vec<Ident>,
    /// Approvers must be distinct people, none of them the one who runs the plan.
    pub distinct: bool,
    /// `timeout` and `typically`, the only options a person's step takes.
    pub options: Vec<RunOption>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RollbackDecl {
    pub name: Ident,
    /// `within D` and `typically within D` after the name: from a breach to resolved.
    pub deadlines: Vec<Deadline>,
    pub levels: Vec<Level>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Level {
    pub name: Ident,
    pub when: Condition,
    pub items: Vec<GroupItem>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AlertDecl {
    pub name: Ident,
    pub title: Option<Text>,
    pub severity: Option<Ident>,
    pub when: Condition,
    pub items: Vec<GroupItem>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Condition {
    pub kind: ConditionKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ConditionKind {
    Or(Vec<Condition>),
    And(Vec<Condition>),
    Not(Box<Condition>),
    /// `cond for 5m`: the condition has held for the whole duration.
    Held {
        condition: Box<Condition>,
        duration: Value,
    },
    Compare {
        metric: Ident,
        op: CompareOp,
        threshold: Threshold,
    },
    InRange {
        metric: Ident,
        negated: bool,
        range: Box<Range>,
    },
    /// A bool metric used as a condition: `up`.
    Test(Ident),
    /// A manual trigger: a person declares it (`declared "security issue"`).
    Declared(Text),
    /// The probe of this metric (of any metric when absent) failed or returned nothing.
    NoData(Option<Ident>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompareOp {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

impl CompareOp {
    pub fn symbol(self) -> &'static str {
        match self {
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
            CompareOp::Eq => "==",
            CompareOp::Ne => "!=",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Threshold {
    Absolute(Value),
    /// `70% of baseline`: a fraction of the metric's baseline.
    OfBaseline {
        fraction: Value,
        span: Span,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Range {
    pub low: Value,
    pub high: Value,
    /// `..=` includes `high`; `..` does not.
    pub inclusive: bool,
    pub span: Span,
}

/// A literal with its unit, as written.
#[derive(Clone, Debug, PartialEq)]
pub struct Value {
    pub kind: ValueKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ValueKind {
    /// Milliseconds.
    Duration(u64),
    /// Milliseconds from launch (T0), negative before it.
    Offset(i64),
    Percent(f64),
    Number(f64),
    /// Events per second.
    Rate(f64),
    /// Bytes.
    Size(f64),
    Bool(bool),
    DateTime(Box<DateTimeLit>),
    /// Minutes since midnight.
    TimeOfDay(u32),
    /// A name where a value stands: a template parameter in a template's body, or a declared
    /// name (a role, a metric, ...) given as an argument.
    Name(CompactString),
    /// A literal the parser could not read; a diagnostic was already reported.
    Invalid,
}

impl ValueKind {
    /// The kind of literal, in words, for messages ("a duration").
    pub fn describe(&self) -> &'static str {
        match self {
            ValueKind::Duration(_) => "a duration",
            ValueKind::Offset(_) => "an offset from launch",
            ValueKind::Percent(_) => "a percentage",
            ValueKind::Number(_) => "a number",
            ValueKind::Rate(_) => "a rate",
            ValueKind::Size(_) => "a size",
            ValueKind::Bool(_) => "a boolean",
            ValueKind::DateTime(_) => "a date-time",
            ValueKind::TimeOfDay(_) => "a time of day",
            ValueKind::Name(_) => "a name",
            ValueKind::Invalid => "an invalid literal",
        }
    }
}

/// A date-time with its zone, kept as written and as an instant when it could be read.
#[derive(Clone, Debug, PartialEq)]
pub struct DateTimeLit {
    pub text: String,
    pub zoned: Option<jiff::Zoned>,
    pub span: Span,
}
