//! Resolution and type checking: AST → [`Model`], and the diagnostics that prove it sound.
//!
//! One pass collects every declaration (one namespace for the whole plan), a second lowers each
//! declaration into the resolved model while checking names, units, ranges, required and
//! repeated settings, and where each statement may appear. Every problem is reported; the
//! model is returned only when there was no error, so later passes can presume it is valid.

mod credentials;
pub mod variables;

use crate::ast::{self, CompactString, Ident, NodeItem, Text, Value, ValueKind};
use crate::diag::{Code, Diagnostic};
use crate::model::{self, MetricType, Model};
use crate::source::{SourceMap, Span};
use rustc_hash::{FxHashMap, FxHashSet};
use std::borrow::Borrow;
use std::num::NonZeroU64;

/// Names longer than this get no suggestion and are never suggested: comparing two names costs
/// the product of their lengths (a 400 KB time zone name took 16 s), and no misspelling of a
/// name that long is helped by a guess.
pub const MAX_SUGGESTED_LEN: usize = 128;

/// Why a schedule is not five cron fields GitHub reads (minute, hour, day of month, month, day
/// of week: digits, `*`, `,`, `-`, `/`), if it is not.
fn cron_problem(cron: &str) -> Option<(String, &'static str)> {
    let fields: Vec<&str> = cron.split_ascii_whitespace().collect();
    let help =
        "write five fields, minute hour day-of-month month day-of-week, in UTC: \"30 6 * * 1-5\" is 06:30 on weekdays";
    if fields.len() != 5 {
        return Some((format!("a schedule has five cron fields, this one has {}", fields.len()), help));
    }
    let bad = fields.iter().find(|field| {
        field.is_empty()
            || !field.bytes().all(|byte| byte.is_ascii_digit() || matches!(byte, b'*' | b',' | b'-' | b'/'))
    })?;
    Some((format!("`{bad}` is not a cron field: digits, `*`, `,`, `-` and `/` only"), help))
}

/// Why a branch or tag filter pattern cannot be given to GitHub, if it cannot: empty, or with a
/// character no Git ref name holds (a space, a control character, `~`, `^`, `:` or `\\`).
fn pattern_problem(pattern: &str) -> Option<(String, &'static str)> {
    let help = "a branch or tag name, or a pattern with `*`, `**`, `?`, `[...]`: \"main\", \"release/**\", \"v*\"";
    if pattern.is_empty() {
        return Some(("an empty pattern matches nothing".to_string(), help));
    }
    let bad = pattern.chars().find(|c| c.is_whitespace() || c.is_control() || matches!(c, '~' | '^' | ':' | '\\'))?;
    Some((format!("{bad:?} is in no branch or tag name"), help))
}

/// The closest candidate to a misspelled name, if one is close enough to suggest.
pub fn closest<'c>(name: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    if name.len() > MAX_SUGGESTED_LEN {
        return None;
    }
    candidates
        .into_iter()
        .filter(|candidate| *candidate != name && candidate.len() <= MAX_SUGGESTED_LEN)
        .map(|candidate| (strsim::jaro_winkler(name, candidate), candidate))
        .filter(|(score, candidate)| *score >= 0.8 || strsim::levenshtein(name, candidate) <= 1)
        // Highest score first; on a tie, the alphabetically first, so answers never vary.
        .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.1.cmp(a.1)))
        .map(|(_, candidate)| candidate)
}

/// Checks a plan: its declarations in order (expanded: no `use`, `template` or call) and the
/// span of its file; `sources` holds the text of its files, read only to point inside a string.
/// Returns the model when there is no error, and every diagnostic.
///
/// The declarations may be borrowed (`&ast::Item`) or owned (`ast::Item`): owned ones are freed
/// one by one as they are lowered, so a large tree and its model are never both whole in memory.
pub fn check<I: Borrow<ast::Item>>(
    items: Vec<I>,
    file_span: Span,
    sources: &SourceMap,
) -> (Option<Model>, Vec<Diagnostic>) {
    // Sized for every declaration up front: no rehashing while collecting.
    let symbols = FxHashMap::with_capacity_and_hasher(items.len(), Default::default());
    let mut checker = Checker { symbols, diagnostics: Vec::new(), metric_types: Vec::new(), sources };
    checker.collect(items.iter().map(Borrow::borrow), file_span);
    let model = checker.lower(items, file_span);
    let has_errors = checker.diagnostics.iter().any(Diagnostic::is_error);
    (model.filter(|_| !has_errors), checker.diagnostics)
}

/// What a name is declared as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Plan,
    Role,
    Env,
    Secret,
    Var,
    Metric,
    Node(ast::NodeKind),
    Tree,
    Alert,
    Window,
    Freeze,
    Prometheus,
}

impl Kind {
    fn describe(self) -> &'static str {
        match self {
            Kind::Plan => "the plan",
            Kind::Role => "a role",
            Kind::Env => "an env",
            Kind::Secret => "a secret",
            Kind::Var => "a var",
            Kind::Prometheus => "a prometheus server",
            Kind::Metric => "a metric",
            Kind::Node(ast::NodeKind::Phase) => "a phase",
            Kind::Node(ast::NodeKind::Gate) => "a gate",
            Kind::Node(ast::NodeKind::Rollout) => "a rollout",
            Kind::Node(ast::NodeKind::Watch) => "a watch",
            Kind::Tree => "a rollback tree",
            Kind::Alert => "an alert",
            Kind::Window => "a window",
            Kind::Freeze => "a freeze",
        }
    }
}

/// What a reference must name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Want {
    Role,
    Env,
    /// What `uses` names: a secret or a var.
    Input,
    Metric,
    Node,
    Tree,
    Prometheus,
}

impl Want {
    fn accepts(self, kind: Kind) -> bool {
        matches!(
            (self, kind),
            (Want::Role, Kind::Role)
                | (Want::Env, Kind::Env)
                | (Want::Input, Kind::Secret | Kind::Var)
                | (Want::Metric, Kind::Metric)
                | (Want::Node, Kind::Node(_))
                | (Want::Tree, Kind::Tree)
                | (Want::Prometheus, Kind::Prometheus)
        )
    }

    /// The noun with its article: "a role", "an env".
    fn a_noun(self) -> String {
        let noun = self.noun();
        let article = if noun.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" };
        format!("{article} {noun}")
    }

    fn noun(self) -> &'static str {
        match self {
            Want::Role => "role",
            Want::Env => "env",
            Want::Input => "secret or var",
            Want::Metric => "metric",
            Want::Node => "phase, gate, rollout or watch",
            Want::Tree => "rollback tree",
            Want::Prometheus => "prometheus server",
        }
    }

    fn declare_hint(self, name: &str) -> String {
        match self {
            Want::Role => format!("declare it: `role {name} \"Who this is\"`"),
            Want::Env => format!("declare it: `env {name} {{ url \"https://...\" }}`"),
            Want::Input => format!("declare it: `secret {name}`, or `var {name}` when it is not a secret"),
            Want::Metric => format!("declare it: `metric {name} : percent {{ probe sh \"...\" }}`"),
            Want::Node => format!("declare it: `phase {name} {{ ... }}`"),
            Want::Tree => format!("declare it: `rollback {name} {{ level ... }}`"),
            Want::Prometheus => format!("declare it: `prometheus {name} {{ url \"http://prometheus:9090\" }}`"),
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Symbol {
    kind: Kind,
    /// Index among the declarations of its kind (nodes share one index space).
    index: usize,
    span: Span,
}

struct Checker<'s> {
    /// Fx hashing: the keys are the plan's own names, and SipHash's flood resistance buys
    /// nothing for one local file (it cost about 5% of a check). Owned keys (inline up to 24
    /// bytes), so the declarations they name can be freed while lowering.
    symbols: FxHashMap<CompactString, Symbol>,
    diagnostics: Vec<Diagnostic>,
    /// The declared type of each metric (None when the type name was wrong), by metric index.
    metric_types: Vec<(Option<MetricType>, Span, bool)>,
    sources: &'s SourceMap,
}

/// Tracks settings that may be given once per block. A block has at most ten distinct
/// keywords (a node's), kept inline: one allocation per block was one per 250 bytes of plan.
struct Once<'k> {
    inline: [(&'k str, Span); ONCE_INLINE],
    len: usize,
    /// Keywords past the inline ones (none in the language today).
    more: Vec<(&'k str, Span)>,
}

const ONCE_INLINE: usize = 10;

impl<'k> Once<'k> {
    fn new() -> Once<'k> {
        Once { inline: [("", Span::default()); ONCE_INLINE], len: 0, more: Vec::new() }
    }

    /// Records `keyword` at `span`; reports it when it was already given.
    fn note(&mut self, keyword: &'k str, span: Span, diagnostics: &mut Vec<Diagnostic>) {
        let seen = self.inline.get(..self.len).unwrap_or_default().iter().chain(&self.more);
        if let Some(&(_, first)) = seen.into_iter().find(|(seen, _)| *seen == keyword) {
            diagnostics.push(
                Diagnostic::new(Code::DuplicateField, span, format!("`{keyword}` is given twice"))
                    .label("given again here")
                    .with(first, "first given here")
                    .help(format!("keep one `{keyword}`")),
            );
        } else if let Some(slot) = self.inline.get_mut(self.len) {
            *slot = (keyword, span);
            self.len += 1;
        } else {
            self.more.push((keyword, span));
        }
    }
}

/// Where a step appears, for the rules about what may appear where.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Context {
    Node(ast::NodeKind),
    Level,
    Alert,
}

impl Context {
    /// The place in words: "a phase", "a rollback level".
    fn place(self) -> &'static str {
        match self {
            Context::Node(kind) => a_node(kind),
            Context::Level => "a rollback level",
            Context::Alert => "an alert",
        }
    }
}

impl Checker<'_> {
    fn error(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    // ------------------------------------------------------------------ declarations

    fn collect<'i>(&mut self, items: impl Iterator<Item = &'i ast::Item>, file_span: Span) {
        // Declarations counted by family (plan, role, env, secret, metric, node, tree, alert,
        // window, freeze, var): nodes share one index space.
        let mut counts = [0usize; 12];
        let mut plans: Vec<Span> = Vec::new();
        for item in items {
            // Metric types first: conditions anywhere in the file need them.
            if let ast::Item::Metric(metric) = item {
                let ty = self.metric_type(&metric.ty);
                let has_baseline = metric.fields.iter().any(|field| matches!(field, ast::MetricField::Baseline { .. }));
                self.metric_types.push((ty, metric.ty.span, has_baseline));
            }
            let (kind, family) = match item {
                ast::Item::Plan(_) => (Kind::Plan, 0),
                ast::Item::Role(_) => (Kind::Role, 1),
                ast::Item::Env(_) => (Kind::Env, 2),
                ast::Item::Secret(_) => (Kind::Secret, 3),
                ast::Item::Metric(_) => (Kind::Metric, 4),
                ast::Item::Node(node) => (Kind::Node(node.kind), 5),
                ast::Item::Rollback(_) => (Kind::Tree, 6),
                ast::Item::Alert(_) => (Kind::Alert, 7),
                ast::Item::Window(_) => (Kind::Window, 8),
                ast::Item::Freeze(_) => (Kind::Freeze, 9),
                ast::Item::Var(_) => (Kind::Var, 10),
                ast::Item::Prometheus(_) => (Kind::Prometheus, 11),
                // Gone once the plan is expanded (`modules::expand`).
                ast::Item::Use(_) | ast::Item::Template(_) | ast::Item::Variant(_) => continue,
            };
            let Some(counter) = counts.get_mut(family) else { continue };
            let index = *counter;
            *counter += 1;
            let name = item.name();
            if let ast::Item::Plan(plan) = item {
                if let Some(&first) = plans.first() {
                    self.error(
                        Diagnostic::new(Code::DuplicatePlan, plan.name.span, "a file may declare only one plan")
                            .label("a second plan")
                            .with(first, "the plan is declared here")
                            .help("split the plans into separate files"),
                    );
                }
                plans.push(plan.name.span);
                // The plan's own name does not take part in references.
                continue;
            }
            match self.symbols.get(name.name.as_str()) {
                Some(existing) => {
                    let existing = *existing;
                    self.error(
                        Diagnostic::new(
                            Code::DuplicateDefinition,
                            name.span,
                            format!("`{}` is declared twice", name.name),
                        )
                        .label(format!("declared again here, as {}", kind.describe()))
                        .with(existing.span, format!("first declared here, as {}", existing.kind.describe()))
                        .help(
                            "every role, env, secret, var, metric, node, tree, alert, window, freeze and prometheus server needs its own name",
                        ),
                    );
                }
                None => {
                    self.symbols.insert(name.name.clone(), Symbol { kind, index, span: name.span });
                }
            }
        }
        if plans.is_empty() {
            let start = Span { end: file_span.start, ..file_span };
            self.error(
                Diagnostic::new(Code::MissingPlan, start, "this file has no `plan` declaration")
                    .label("expected `plan NAME { ... }` in this file")
                    .help("start the file with `plan my_launch { title \"...\"; launch 2025-01-01T09:00:00+00:00 }`; a file of shared declarations is checked through a plan that imports it (`use \"./shared.golive\"`)"),
            );
        }
    }

    fn resolve(&mut self, ident: &Ident, want: Want) -> Option<usize> {
        match self.symbols.get(ident.name.as_str()).copied() {
            Some(symbol) if want.accepts(symbol.kind) => Some(symbol.index),
            Some(symbol) => {
                self.error(
                    Diagnostic::new(
                        Code::WrongKindOfName,
                        ident.span,
                        format!("`{}` is {}, but {} is expected here", ident.name, symbol.kind.describe(), want.noun()),
                    )
                    .label(format!("expected {}", want.a_noun()))
                    .with(symbol.span, format!("`{}` is declared here", ident.name)),
                );
                None
            }
            None => {
                let candidates: Vec<&str> = self
                    .symbols
                    .iter()
                    .filter(|(_, symbol)| want.accepts(symbol.kind))
                    .map(|(name, _)| name.as_str())
                    .collect();
                let mut sorted = candidates.clone();
                sorted.sort_unstable();
                let help = match closest(&ident.name, sorted.iter().copied()) {
                    Some(suggestion) => format!("did you mean `{suggestion}`?"),
                    None => want.declare_hint(&ident.name),
                };
                self.error(
                    Diagnostic::new(
                        Code::UndefinedName,
                        ident.span,
                        format!("unknown {} `{}`", want.noun(), ident.name),
                    )
                    .label(format!("no {} has this name", want.noun()))
                    .help(help),
                );
                None
            }
        }
    }

    fn resolve_all(&mut self, idents: &[Ident], want: Want) -> Vec<usize> {
        // Exact capacity: the list is kept in the model (as ids, in place).
        let mut found = Vec::with_capacity(idents.len());
        for ident in idents {
            found.extend(self.resolve(ident, want));
        }
        found
    }

    // ------------------------------------------------------------------ lowering

    /// Lowers the declarations in order; owned ones are dropped as soon as they are lowered.
    fn lower<I: Borrow<ast::Item>>(&mut self, items: Vec<I>, file_span: Span) -> Option<Model> {
        let mut plan = None;
        let mut model = Model {
            plan: model::PlanInfo {
                name: CompactString::default(),
                name_span: file_span,
                title: None,
                description: None,
                launch: None,
                launch_span: None,
                owner: None,
                deadlines: Vec::new(),
                triggers: Vec::new(),
                trigger_span: None,
                span: file_span,
            },
            roles: Vec::new(),
            envs: Vec::new(),
            secrets: Vec::new(),
            vars: Vec::new(),
            metrics: Vec::new(),
            // Exact: a node is 232 bytes, and doubling would leave up to half unused.
            nodes: Vec::with_capacity(
                items.iter().map(Borrow::borrow).filter(|item: &&ast::Item| matches!(item, ast::Item::Node(_))).count(),
            ),
            rollbacks: Vec::new(),
            alerts: Vec::new(),
            windows: Vec::new(),
            freezes: Vec::new(),
            prometheus: Vec::new(),
        };
        for item in items {
            match item.borrow() {
                ast::Item::Plan(decl) => {
                    let info = self.plan(decl);
                    plan.get_or_insert(info);
                }
                ast::Item::Role(decl) => {
                    let role = model::Role {
                        name: decl.name.name.clone(),
                        title: decl.title.as_ref().map(|text| self.text(text)),
                        contacts: decl.contacts.iter().map(|text| self.text(text)).collect(),
                        description: decl.description.as_ref().map(|text| self.text(text)),
                        span: decl.span,
                    };
                    model.roles.push(role);
                }
                ast::Item::Env(decl) => model.envs.push(self.env(decl)),
                ast::Item::Secret(decl) => model.secrets.push(model::Secret {
                    name: decl.name.name.clone(),
                    description: decl.description.as_ref().map(|text| self.text(text)),
                    span: decl.span,
                }),
                ast::Item::Var(decl) => {
                    let input = decl.input.as_ref().and_then(|ty| self.input(&decl.name, ty));
                    model.vars.push(model::Var {
                        name: decl.name.name.clone(),
                        input,
                        description: decl.description.as_ref().map(|text| self.text(text)),
                        span: decl.span,
                    })
                }
                ast::Item::Metric(decl) => model.metrics.push(self.metric(decl)),
                ast::Item::Node(decl) => model.nodes.push(self.node(decl)),
                ast::Item::Rollback(decl) => model.rollbacks.push(self.tree(decl)),
                ast::Item::Alert(decl) => model.alerts.push(self.alert(decl)),
                ast::Item::Window(decl) => model.windows.push(self.window(decl)),
                ast::Item::Freeze(decl) => model.freezes.push(self.freeze(decl)),
                ast::Item::Prometheus(decl) => model.prometheus.push(self.prometheus(decl)),
                ast::Item::Use(_) | ast::Item::Template(_) | ast::Item::Variant(_) => {}
            }
        }
        // A query reads what its server's headers read.
        for metric in &mut model.metrics {
            if let model::MetricSource::Prometheus { server, .. } = metric.source {
                if let Some(server) = model.prometheus.get(server) {
                    metric.probe_uses = server.uses.clone();
                }
            }
        }
        model.plan = plan?;
        // A push, a release or a schedule gives a workflow no inputs: nobody would give these.
        if let Some(trigger) = model.plan.trigger_span {
            for var in model.vars.iter().filter(|var| var.input.is_some()) {
                self.error(
                    Diagnostic::new(
                        Code::InputWithTrigger,
                        var.span,
                        format!("input `{}` has no value in a run that a push, a release or a schedule starts", var.name),
                    )
                    .label("only a person who starts a run gives inputs")
                    .with(trigger, "the plan is started by this trigger too")
                    .help("make it a `var` (the repository's configuration variables give it), or remove the trigger and start the workflow by hand"),
                );
            }
        }
        Some(model)
    }

    /// A string of the plan, checked for credentials on its way into the model.
    fn text(&mut self, text: &Text) -> CompactString {
        if let Some((what, range)) = credentials::find(&text.value) {
            let span = if text.verbatim {
                Span {
                    start: text.span.start + 1 + range.start as u32,
                    end: text.span.start + 1 + range.end as u32,
                    ..text.span
                }
            } else {
                text.span
            };
            self.error(
                Diagnostic::new(Code::CredentialInPlan, span, format!("this looks like {what} written into the plan"))
                    .label(what)
                    .help("declare it with `secret NAME`, add `uses NAME` to the step, and write `$NAME` in the command; the runner reads it from the environment"),
            );
        }
        text.value.clone()
    }

    fn plan(&mut self, decl: &ast::PlanDecl) -> model::PlanInfo {
        let mut once = Once::new();
        let mut info = model::PlanInfo {
            name: decl.name.name.clone(),
            name_span: decl.name.span,
            title: None,
            description: None,
            launch: None,
            launch_span: None,
            owner: None,
            deadlines: Vec::new(),
            triggers: Vec::new(),
            trigger_span: None,
            span: decl.span,
        };
        let mut first_trigger: Option<Span> = None;
        for field in &decl.fields {
            match field {
                ast::PlanField::Title(text) => {
                    once.note("title", text.span, &mut self.diagnostics);
                    info.title = Some(self.text(text));
                }
                ast::PlanField::Description(text) => {
                    once.note("description", text.span, &mut self.diagnostics);
                    info.description = Some(self.text(text));
                }
                ast::PlanField::Launch(datetime) => {
                    once.note("launch", datetime.span, &mut self.diagnostics);
                    self.check_datetime_zone(datetime);
                    info.launch = datetime.zoned.clone();
                    info.launch_span = Some(datetime.span);
                }
                ast::PlanField::Owner(role) => {
                    once.note("owner", role.span, &mut self.diagnostics);
                    info.owner = self.resolve(role, Want::Role).map(model::RoleId);
                }
                ast::PlanField::Deadline(deadline) => {
                    info.deadlines.extend(self.deadline(deadline, "a plan"));
                }
                ast::PlanField::Trigger(trigger) => {
                    first_trigger.get_or_insert(trigger.span);
                    if let Some(found) = self.trigger(trigger) {
                        if !info.triggers.contains(&found) {
                            info.triggers.push(found);
                        }
                    }
                }
            }
        }
        if let (Some(trigger), Some(launch)) = (first_trigger, info.launch_span) {
            self.error(
                Diagnostic::new(
                    Code::TriggerWithLaunch,
                    trigger,
                    "a plan started by a push, a release or a schedule has no fixed launch time",
                )
                .label("a run this starts has its start as T0")
                .with(launch, "but the plan fixes T0 here")
                .help("remove `launch` (each run's T0 is then the time it starts), or remove the trigger and start the workflow by hand at the launch"),
            );
        }
        info.trigger_span = first_trigger;
        info
    }

    /// One trigger: a non-empty filter pattern, or a cron of five fields (E0224).
    fn trigger(&mut self, trigger: &ast::Trigger) -> Option<model::Trigger> {
        let (text, found) = match &trigger.kind {
            ast::TriggerKind::Release => return Some(model::Trigger::Release),
            ast::TriggerKind::Branch(text) => (text, model::Trigger::Branch(self.text(text))),
            ast::TriggerKind::Tag(text) => (text, model::Trigger::Tag(self.text(text))),
            ast::TriggerKind::Schedule(text) => (text, model::Trigger::Schedule(self.text(text))),
        };
        let problem = match &found {
            model::Trigger::Schedule(cron) => cron_problem(cron),
            model::Trigger::Branch(pattern) | model::Trigger::Tag(pattern) => pattern_problem(pattern),
            model::Trigger::Release => None,
        };
        match problem {
            None => Some(found),
            Some((message, help)) => {
                self.error(Diagnostic::new(Code::BadTrigger, text.span, message).label("not valid here").help(help));
                None
            }
        }
    }

    fn env(&mut self, decl: &ast::EnvDecl) -> model::Env {
        let mut once = Once::new();
        let mut env = model::Env {
            name: decl.name.name.clone(),
            title: decl.title.as_ref().map(|text| self.text(text)),
            description: None,
            url: None,
            approvals: Vec::new(),
            approval_span: None,
            tier: None,
            span: decl.span,
        };
        for field in &decl.fields {
            match field {
                ast::EnvField::Url(text) => {
                    once.note("url", text.span, &mut self.diagnostics);
                    env.url = Some(self.text(text));
                }
                ast::EnvField::Approval(roles) => {
                    let span = roles.first().map_or(decl.span, |role| role.span);
                    once.note("approval", span, &mut self.diagnostics);
                    env.approval_span = roles.first().zip(roles.last()).map(|(first, last)| first.span.to(last.span));
                    env.approvals = self.resolve_all(roles, Want::Role).into_iter().map(model::RoleId).collect();
                }
                ast::EnvField::Tier(tier) => {
                    once.note("tier", tier.span, &mut self.diagnostics);
                    env.tier = Some(tier.name.clone());
                }
                ast::EnvField::Description(text) => {
                    once.note("description", text.span, &mut self.diagnostics);
                    env.description = Some(self.text(text));
                }
            }
        }
        env
    }

    fn metric_type(&mut self, ty: &Ident) -> Option<MetricType> {
        if let Some((_, found)) = MetricType::ALL.iter().find(|(name, _)| *name == ty.name) {
            return Some(*found);
        }
        let help = match (ty.name.as_str(), closest(&ty.name, MetricType::ALL.iter().map(|(name, _)| *name))) {
            ("ratio" | "fraction", _) => {
                "a ratio is a percent metric whose probe prints 0 to 1: `metric NAME : percent { probe sh \"...\"; unit ratio }`, compared with percentages (`< 2%`)".to_string()
            }
            ("bytes" | "memory" | "bytesize", _) => "a number of bytes is a `size` metric, compared with sizes such as `512MB`".to_string(),
            (_, Some(suggestion)) => format!("did you mean `{suggestion}`?"),
            (_, None) => "the types are percent, duration, count, rate, number, size and bool".to_string(),
        };
        self.error(
            Diagnostic::new(Code::UnknownMetricType, ty.span, format!("unknown metric type `{}`", ty.name))
                .label("not a metric type")
                .help(help),
        );
        None
    }

    /// An input's type (E0220), and its name, which must not be one the runbook, the shell or the
    /// workflow already gives a meaning (E0221).
    fn input(&mut self, name: &Ident, ty: &Ident) -> Option<model::InputType> {
        let workflow_own = ["t0", "dry_run"].iter().any(|own| own.eq_ignore_ascii_case(&name.name));
        if workflow_own || variables::provided(&name.name, true) {
            let why = if workflow_own {
                "the workflow's own input of that name (its T0 or its dry run)"
            } else if name.name.starts_with("GOLIVE_") {
                "the runbook gives commands its own `GOLIVE_*` variables"
            } else {
                "the shell gives this variable its own value"
            };
            self.error(
                Diagnostic::new(
                    Code::ReservedInputName,
                    name.span,
                    format!("an input cannot be called `{}`", name.name),
                )
                .label(why)
                .help("give the input another name, such as `FLAG_NAME` or `RELEASE_VERSION`"),
            );
        }
        if let Some((_, found)) = model::InputType::ALL.iter().find(|(written, _)| *written == ty.name) {
            return Some(*found);
        }
        let help = match closest(&ty.name, model::InputType::ALL.iter().map(|(written, _)| *written)) {
            Some(suggestion) => format!("did you mean `{suggestion}`?"),
            None => "an input is a `string` or a `bool`".to_string(),
        };
        self.error(
            Diagnostic::new(Code::UnknownInputType, ty.span, format!("unknown input type `{}`", ty.name))
                .label("not an input type")
                .help(help),
        );
        None
    }

    fn metric(&mut self, decl: &ast::MetricDecl) -> model::Metric {
        let index = self.symbols.get(decl.name.name.as_str()).map_or(usize::MAX, |symbol| symbol.index);
        let ty = self.metric_types.get(index).and_then(|(ty, _, _)| *ty);
        let mut once = Once::new();
        let mut metric = model::Metric {
            name: decl.name.name.clone(),
            ty: ty.unwrap_or(MetricType::Number),
            title: decl.title.as_ref().map(|text| self.text(text)),
            source: model::MetricSource::Command,
            probe: CompactString::default(),
            probe_span: decl.name.span,
            probe_uses: model::Uses::default(),
            unit: None,
            baseline: None,
            span: decl.span,
        };
        let mut source_span: Option<Span> = None;
        let mut unit_written = false;
        for field in &decl.fields {
            if let Some(span) = source_of(field) {
                if let Some(first) = source_span {
                    self.error(
                        Diagnostic::new(Code::DuplicateField, span, "a metric has one source")
                            .label("a second source")
                            .with(first, "the metric's source")
                            .help("keep one of `probe`, `prometheus` and `http`"),
                    );
                    continue;
                }
                source_span = Some(span);
            }
            match field {
                ast::MetricField::Query { query, server, span } => {
                    let server = self.prometheus_server(server.as_ref(), *span);
                    metric.probe_span = query.span;
                    let query = self.text(query);
                    if let Some(server) = server {
                        metric.source = model::MetricSource::Prometheus { server, query };
                    }
                }
                ast::MetricField::Http { url, pointer, headers, .. } => {
                    self.check_url(url, "an `http` metric");
                    if let Err(problem) = check_json_pointer(&pointer.value) {
                        self.error(
                            Diagnostic::new(Code::WrongValueKind, pointer.span, "not a JSON pointer")
                                .label(problem)
                                .help("write an RFC 6901 JSON pointer: `/data/p99` reads `{\"data\": {\"p99\": ...}}`, `/items/0/value` the first item's value, `~1` a `/` in a key, `~0` a `~`"),
                        );
                    }
                    metric.probe_span = url.span;
                    let mut uses = UsesBuilder::default();
                    let headers = self.headers(headers, &mut uses);
                    metric.probe_uses = uses.finish();
                    metric.source =
                        model::MetricSource::Http { url: self.text(url), pointer: self.text(pointer), headers };
                }
                ast::MetricField::Probe(command, uses) => {
                    metric.probe = self.text(&command.script);
                    metric.probe_span = command.span;
                    metric.probe_uses = self.uses(uses).finish();
                    self.check_reads(&command.script, uses.iter(), "probe", false);
                }
                ast::MetricField::Unit(unit) => {
                    once.note("unit", unit.span, &mut self.diagnostics);
                    unit_written = true;
                    if let Some(ty) = ty {
                        if ty.units().contains(&unit.name.as_str()) {
                            metric.unit = Some(unit.name.clone());
                        } else {
                            let (message, help) = if ty.units().is_empty() {
                                (format!("a {} metric has no unit", ty.name()), "remove `unit`".to_string())
                            } else {
                                (
                                    format!("`{}` is not a unit for a {} metric", unit.name, ty.name()),
                                    format!("the units for {} are {}", ty.name(), ty.units().join(", ")),
                                )
                            };
                            self.error(
                                Diagnostic::new(Code::InvalidMetricUnit, unit.span, message)
                                    .label("this unit")
                                    .with(decl.ty.span, format!("the metric is a {}", ty.name()))
                                    .help(help),
                            );
                        }
                    }
                }
                ast::MetricField::Baseline { at, window, span } => {
                    once.note("baseline", *span, &mut self.diagnostics);
                    let at_ms = self.offset(at, "`baseline at`");
                    if at_ms.is_some_and(|at_ms| at_ms >= 0) {
                        self.error(
                            Diagnostic::new(Code::ValueOutOfRange, at.span, "a baseline is measured before launch")
                                .label("at or after T0")
                                .help(
                                    "measure it before the new version takes traffic, as in `baseline at T-1h for 30m`",
                                ),
                        );
                    }
                    let window_ms = self.duration(window, "`baseline ... for`");
                    if ty == Some(MetricType::Bool) {
                        self.error(
                            Diagnostic::new(Code::NotACondition, *span, "a bool metric has no baseline")
                                .label("a baseline needs a measured quantity")
                                .with(decl.ty.span, "the metric is a bool"),
                        );
                    }
                    if let (Some(at_ms), Some(window_ms)) = (at_ms, window_ms) {
                        metric.baseline = Some(model::Baseline { at_ms, window_ms });
                    }
                }
                ast::MetricField::Description(text) => {
                    once.note("description", text.span, &mut self.diagnostics);
                    self.text(text);
                }
            }
        }
        // A query's answer is a bare number: its unit is never guessed (0.01 read as 0.01% would
        // be a silent 100× mistake).
        if let (Some(ty), Some(span), false) = (ty, source_span, unit_written) {
            if !matches!(metric.source, model::MetricSource::Command) && !ty.units().is_empty() {
                let example = match ty {
                    MetricType::Percent => {
                        "`unit ratio` when the query answers 0.01 for 1%, `unit percent` when it answers 1"
                    }
                    MetricType::Duration => {
                        "`unit s` when the query answers seconds (Prometheus's convention), `unit ms` for milliseconds"
                    }
                    MetricType::Size => {
                        "`unit B` when the query answers bytes (Prometheus's convention), `unit MiB` for mebibytes"
                    }
                    _ => "`unit per_s` when the query answers a per-second rate (as `rate()` does)",
                };
                self.error(
                    Diagnostic::new(
                        Code::QueryUnitMissing,
                        span,
                        format!("the unit of `{}`'s value is not declared", decl.name.name),
                    )
                    .label("answers a bare number")
                    .with(decl.ty.span, format!("the metric is a {}", ty.name()))
                    .help(format!("say what the number means: {example}")),
                );
            }
        }
        if ty.is_some() && metric.unit.is_none() {
            metric.unit = metric.ty.units().first().map(|unit| CompactString::from(*unit));
        }
        if source_span.is_none() {
            self.error(
                Diagnostic::new(
                    Code::MissingField,
                    decl.name.span,
                    format!("metric `{}` has no probe", decl.name.name),
                )
                .label("declared without `probe`, `prometheus` or `http`")
                .help("add `probe sh \"command that prints the value\"`, `prometheus \"QUERY\"` or `http \"URL\" json \"/pointer\"` inside `{ }`"),
            );
        }
        metric
    }

    /// The server a `prometheus` query asks: the one named by `from`, or the plan's only one.
    fn prometheus_server(&mut self, named: Option<&Ident>, span: Span) -> Option<usize> {
        if let Some(name) = named {
            return self.resolve(name, Want::Prometheus);
        }
        let mut servers = self.symbols.values().filter(|symbol| symbol.kind == Kind::Prometheus);
        match (servers.next(), servers.next()) {
            (Some(only), None) => Some(only.index),
            (None, _) => {
                self.error(
                    Diagnostic::new(Code::NoPrometheusServer, span, "no Prometheus server to ask")
                        .label("a query without a server")
                        .help("declare one: `prometheus main { url \"http://prometheus:9090\" }`"),
                );
                None
            }
            (Some(_), Some(_)) => {
                let mut names: Vec<&str> = self
                    .symbols
                    .iter()
                    .filter(|(_, symbol)| symbol.kind == Kind::Prometheus)
                    .map(|(name, _)| name.as_str())
                    .collect();
                names.sort_unstable();
                let names = names.join(", ");
                self.error(
                    Diagnostic::new(Code::NoPrometheusServer, span, "which Prometheus server does this query ask?")
                        .label("the plan declares several")
                        .help(format!("add `from NAME`, one of {names}")),
                );
                None
            }
        }
    }

    /// `header "Name" SECRET` clauses: the secrets and vars go into `uses`.
    fn headers(&mut self, headers: &[ast::Header], uses: &mut UsesBuilder) -> Vec<model::HttpHeader> {
        let mut lowered = Vec::with_capacity(headers.len());
        for header in headers {
            let valid = !header.name.value.is_empty()
                && header.name.value.bytes().all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_');
            if !valid {
                self.error(
                    Diagnostic::new(Code::WrongValueKind, header.name.span, "not an HTTP header name")
                        .label("letters, digits and `-` only")
                        .help("write a header name such as `Authorization` or `X-Api-Key`"),
                );
            }
            self.uses_into(std::slice::from_ref(&header.secret), uses);
            lowered.push(model::HttpHeader { name: self.text(&header.name), from: header.secret.name.clone() });
        }
        lowered
    }

    /// An `http://` or `https://` URL with a host.
    fn check_url(&mut self, url: &Text, what: &str) {
        let rest = url.value.strip_prefix("https://").or_else(|| url.value.strip_prefix("http://"));
        let host_ok = rest.is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/'));
        if !host_ok || url.value.chars().any(|c| c.is_whitespace() || c.is_control()) {
            self.error(
                Diagnostic::new(Code::WrongValueKind, url.span, format!("{what} needs an http:// or https:// URL"))
                    .label("not a URL")
                    .help("write the whole URL, such as `http://prometheus.internal:9090`"),
            );
        }
    }

    fn prometheus(&mut self, decl: &ast::PrometheusDecl) -> model::PrometheusServer {
        let mut once = Once::new();
        let mut server = model::PrometheusServer {
            name: decl.name.name.clone(),
            title: decl.title.as_ref().map(|text| self.text(text)),
            url: CompactString::default(),
            headers: Vec::new(),
            uses: model::Uses::default(),
            span: decl.span,
        };
        let mut has_url = false;
        let mut headers = Vec::new();
        for field in &decl.fields {
            match field {
                ast::PrometheusField::Url(text) => {
                    once.note("url", text.span, &mut self.diagnostics);
                    self.check_url(text, "a Prometheus server");
                    server.url = self.text(text).trim_end_matches('/').into();
                    has_url = true;
                }
                ast::PrometheusField::Header(header) => headers.push(header.clone()),
                ast::PrometheusField::Description(text) => {
                    once.note("description", text.span, &mut self.diagnostics);
                    self.text(text);
                }
            }
        }
        let mut uses = UsesBuilder::default();
        server.headers = self.headers(&headers, &mut uses);
        server.uses = uses.finish();
        if !has_url {
            self.error(
                Diagnostic::new(
                    Code::MissingField,
                    decl.name.span,
                    format!("prometheus `{}` has no url", decl.name.name),
                )
                .label("declared without `url`")
                .help("add `url \"http://prometheus:9090\"` inside `{ }`"),
            );
        }
        server
    }

    fn window(&mut self, decl: &ast::WindowDecl) -> model::Window {
        let mut once = Once::new();
        let mut window = model::Window {
            name: decl.name.name.clone(),
            name_span: decl.name.span,
            title: decl.title.as_ref().map(|text| self.text(text)),
            days: Vec::new(),
            from_minute: 0,
            to_minute: 0,
            zone: CompactString::default(),
            mode: ast::WindowMode::Applies,
            scope: ast::WindowScope::Launch,
            span: decl.span,
        };
        let (mut has_days, mut has_hours, mut has_zone) = (false, false, false);
        let mut applies_span: Option<crate::source::Span> = None;
        for field in &decl.fields {
            match field {
                ast::WindowField::Days(specs, span) => {
                    once.note("days", *span, &mut self.diagnostics);
                    has_days = true;
                    for spec in specs {
                        let first = spec.first as u8 + 1;
                        let last = spec.last.map_or(first, |day| day as u8 + 1);
                        if last < first {
                            self.error(
                                Diagnostic::new(Code::EmptyRange, spec.span, "this range of days runs backwards")
                                    .label("the first day comes after the last")
                                    .help("write days from Monday towards Sunday, as in `tue..thu`, or list them"),
                            );
                        }
                        for day in first..=last {
                            if !window.days.contains(&day) {
                                window.days.push(day);
                            }
                        }
                    }
                    window.days.sort_unstable();
                }
                ast::WindowField::Hours { from, to, span } => {
                    once.note("hours", *span, &mut self.diagnostics);
                    has_hours = true;
                    let from_minute = self.time_of_day(from);
                    let to_minute = self.time_of_day(to);
                    if let (Some(from_minute), Some(to_minute)) = (from_minute, to_minute) {
                        if from_minute >= to_minute {
                            self.error(
                                Diagnostic::new(Code::EmptyRange, *span, "the window closes before it opens")
                                    .label("the start is not before the end")
                                    .help("a window is within one day, as in `hours 09:00..12:00`"),
                            );
                        }
                        window.from_minute = from_minute;
                        window.to_minute = to_minute;
                    }
                }
                ast::WindowField::Applies { mode, scope, span } => {
                    if let Some(first) = applies_span {
                        self.error(
                            Diagnostic::new(
                                Code::DuplicateField,
                                *span,
                                format!("window `{}` says twice what it applies to", decl.name.name),
                            )
                            .label("given again here")
                            .with(first, "first given here")
                            .help("keep one of `applies`, `prefer` or `avoid`; declare another window for the other"),
                        );
                    }
                    applies_span = Some(*span);
                    window.mode = *mode;
                    window.scope = *scope;
                }
                ast::WindowField::Zone(text) => {
                    once.note("zone", text.span, &mut self.diagnostics);
                    has_zone = true;
                    window.zone = self.text(text);
                    if let Some(seconds) = crate::zones::reversed_sign_offset(&window.zone) {
                        let span = self.span_in(text, 0..text.value.len());
                        self.reversed_zone_sign(&window.zone, seconds, span, None);
                    }
                    if crate::zones::get(&window.zone).is_none() {
                        self.error(
                            Diagnostic::new(
                                Code::UnknownTimeZone,
                                text.span,
                                format!("unknown time zone `{}`", window.zone),
                            )
                            .label("not in the time zone database")
                            .maybe_help(crate::syntax::suggest_zone(&window.zone)),
                        );
                    }
                }
            }
        }
        for (present, keyword, example) in [
            (has_days, "days", "days tue..thu"),
            (has_hours, "hours", "hours 09:00..12:00"),
            (has_zone, "zone", "zone \"Europe/Paris\""),
        ] {
            if !present {
                self.error(
                    Diagnostic::new(
                        Code::MissingField,
                        decl.name.span,
                        format!("window `{}` has no `{keyword}`", decl.name.name),
                    )
                    .label(format!("declared without `{keyword}`"))
                    .help(format!("add `{example}`")),
                );
            }
        }
        window
    }

    fn freeze(&mut self, decl: &ast::FreezeDecl) -> model::Freeze {
        let mut periods = Vec::new();
        for period in &decl.periods {
            self.check_datetime_zone(&period.from);
            self.check_datetime_zone(&period.until);
            if let (Some(from), Some(until)) = (&period.from.zoned, &period.until.zoned) {
                if from.timestamp() >= until.timestamp() {
                    self.error(
                        Diagnostic::new(Code::EmptyRange, period.span, "this freeze ends before it starts")
                            .label("`from` is not before `until`"),
                    );
                }
                periods.push(model::FreezePeriod {
                    span: period.span,
                    from: from.timestamp(),
                    until: until.timestamp(),
                });
            }
        }
        if decl.periods.is_empty() {
            self.error(
                Diagnostic::new(
                    Code::MissingField,
                    decl.name.span,
                    format!("freeze `{}` has no period", decl.name.name),
                )
                .label("declared without `from ... until ...`")
                .help("add `from 2025-12-24T00:00:00+00:00 until 2025-12-26T00:00:00+00:00`"),
            );
        }
        model::Freeze {
            name: decl.name.name.clone(),
            name_span: decl.name.span,
            title: decl.title.as_ref().map(|text| self.text(text)),
            periods,
            span: decl.span,
        }
    }

    // ------------------------------------------------------------------ nodes

    fn node(&mut self, decl: &ast::NodeDecl) -> model::Node {
        let kind = decl.kind;
        let mut node = model::Node {
            name: decl.name.name.clone(),
            kind: match kind {
                ast::NodeKind::Phase => model::NodeKind::Phase,
                ast::NodeKind::Gate => model::NodeKind::Gate,
                ast::NodeKind::Rollout => model::NodeKind::Rollout,
                ast::NodeKind::Watch => model::NodeKind::Watch,
            },
            name_span: decl.name.span,
            at_ms: None,
            at_span: None,
            after: Box::default(),
            after_spans: Box::default(),
            env: None,
            every_ms: None,
            point_of_no_return: false,
            point_of_no_return_span: None,
            tolerance: model::Tolerance::default(),
            items: Box::default(),
            requires: Box::default(),
            on_fail: None,
            deadlines: Box::default(),
            rollout: None,
            watch: None,
            span: decl.span,
        };
        // Gathered here, then boxed into the node (exact size, no growth slack kept).
        // Exact: most statements of a body are steps, and doubling would leave up to half unused.
        let mut items = Vec::with_capacity(
            decl.body.iter().filter(|item| matches!(item, NodeItem::Step(_) | NodeItem::Group(_))).count(),
        );
        let (mut after, mut after_spans) = (Vec::new(), Vec::new());
        let (mut requires, mut conditions, mut stages) = (Vec::new(), Vec::new(), Vec::new());
        let mut cadenced: Vec<(model::Condition, model::Cadence)> = Vec::new();
        let (mut for_ms, mut on_breach, mut set) = (None, None, None);
        let mut once = Once::new();
        for clause in &decl.header {
            let keyword = clause.keyword();
            match clause {
                ast::HeaderClause::At(value) => {
                    once.note(keyword, value.span, &mut self.diagnostics);
                    node.at_ms = self.offset(value, "`at`");
                    node.at_span = Some(Box::new(value.span));
                }
                ast::HeaderClause::After(names) => {
                    // Exact: the lists stay in the model, and most nodes wait for one node.
                    after.reserve_exact(names.len());
                    after_spans.reserve_exact(names.len());
                    for name in names {
                        if let Some(index) = self.resolve(name, Want::Node) {
                            if !after.contains(&model::NodeId(index)) {
                                after.push(model::NodeId(index));
                                after_spans.push(name.span);
                            }
                        }
                    }
                }
                ast::HeaderClause::On(env) => {
                    once.note(keyword, env.span, &mut self.diagnostics);
                    node.env = self.resolve(env, Want::Env).map(model::EnvId);
                }
                ast::HeaderClause::Every(value) => {
                    once.note(keyword, value.span, &mut self.diagnostics);
                    if kind == ast::NodeKind::Phase {
                        self.not_here(
                            value.span,
                            "`every`",
                            "a phase",
                            "sampling belongs to gates, rollouts and watches",
                        );
                    }
                    node.every_ms = self.duration(value, "`every`");
                }
                ast::HeaderClause::For(value) => {
                    once.note(keyword, value.span, &mut self.diagnostics);
                    if kind != ast::NodeKind::Watch {
                        self.not_here(value.span, "`for`", a_node(decl.kind), "only a watch lasts `for` a duration; a gate holds its conditions with `require ... for 10m`");
                    }
                    for_ms = self.duration(value, "`for`");
                }
            }
        }
        let context = Context::Node(kind);
        let mut deadlines = Vec::new();
        for item in &decl.body {
            match item {
                NodeItem::Deadline(deadline) => deadlines.extend(self.deadline(deadline, "")),
                NodeItem::Step(step) => {
                    if let Some(step) = self.step(step, context) {
                        items.push(model::Item::Step(step));
                    }
                }
                NodeItem::Group(group) => {
                    if let Some(group) = self.group(group, context) {
                        items.push(group);
                    }
                }
                // Pasted before checking (`modules::expand`); a call left here was reported there.
                NodeItem::Call(_) => {}
                NodeItem::OnFail(action) => {
                    once.note("on fail", action.span, &mut self.diagnostics);
                    if kind == ast::NodeKind::Watch {
                        self.not_here(
                            action.span,
                            "`on fail`",
                            "a watch",
                            "a watch is breached, not failed: write `on breach ...`",
                        );
                    }
                    node.on_fail = self.action(action);
                }
                NodeItem::OnBreach(action) => {
                    once.note("on breach", action.span, &mut self.diagnostics);
                    if kind != ast::NodeKind::Watch {
                        self.not_here(
                            action.span,
                            "`on breach`",
                            a_node(decl.kind),
                            "only watches are breached; write `on fail ...`",
                        );
                    }
                    on_breach = self.action(action);
                }
                NodeItem::PointOfNoReturn(span) => {
                    once.note("point_of_no_return", *span, &mut self.diagnostics);
                    if kind != ast::NodeKind::Phase {
                        self.not_here(
                            *span,
                            "`point_of_no_return`",
                            a_node(decl.kind),
                            "mark the phase that crosses the point of no return",
                        );
                    }
                    node.point_of_no_return = true;
                    node.point_of_no_return_span = Some(Box::new(*span));
                }
                NodeItem::Require(condition, statement) => {
                    if matches!(kind, ast::NodeKind::Phase | ast::NodeKind::Watch) {
                        let hint = if kind == ast::NodeKind::Watch {
                            "in a watch, write the condition alone on its line"
                        } else {
                            "put conditions in a `gate` before the phase, or use `expect` for a check"
                        };
                        self.not_here(*statement, "`require`", a_node(decl.kind), hint);
                    }
                    if let Some(condition) = self.condition(condition) {
                        requires.push(condition);
                    }
                }
                NodeItem::Cadenced(condition, every, statement) => {
                    if kind != ast::NodeKind::Watch {
                        self.not_here(
                            *statement,
                            "a condition with its own `every`",
                            a_node(decl.kind),
                            "only a watch samples conditions on cadences of their own; a gate or rollout has one `every`",
                        );
                    }
                    let every_ms = self.duration(every, "`every`");
                    if let (Some(condition), Some(every_ms)) = (self.condition(condition), every_ms) {
                        let span = Span { start: every.span.start, ..*statement };
                        cadenced.push((condition, model::Cadence { every_ms, span }));
                    }
                }
                NodeItem::Condition(condition) => {
                    if kind != ast::NodeKind::Watch {
                        self.not_here(
                            condition.span,
                            "a bare condition",
                            a_node(decl.kind),
                            "write `require <condition>` in gates and rollouts, or `expect <condition>` as a step",
                        );
                    }
                    if let Some(condition) = self.condition(condition) {
                        conditions.push(condition);
                    }
                }
                NodeItem::Set(command, uses, statement) => {
                    once.note("set", *statement, &mut self.diagnostics);
                    if kind != ast::NodeKind::Rollout {
                        self.not_here(
                            command.span,
                            "`set`",
                            a_node(decl.kind),
                            "`set` gives a rollout the command that sets its traffic weight",
                        );
                    }
                    let set_uses = self.uses(uses).finish();
                    self.check_reads(&command.script, uses.iter(), "`set`", true);
                    set = Some((self.text(&command.script), *statement, set_uses));
                }
                NodeItem::Stage(stage) => {
                    if kind != ast::NodeKind::Rollout {
                        self.not_here(stage.span, "`stage`", a_node(decl.kind), "stages belong to a `rollout`");
                    }
                    if let Some(stage) = self.stage(stage) {
                        stages.push(stage);
                    }
                }
                NodeItem::Every(value) => {
                    once.note("every", value.span, &mut self.diagnostics);
                    if kind == ast::NodeKind::Phase {
                        self.not_here(
                            value.span,
                            "`every`",
                            "a phase",
                            "sampling belongs to gates, rollouts and watches",
                        );
                    }
                    node.every_ms = self.duration(value, "`every`");
                }
                NodeItem::Tolerate(tolerate) => {
                    let keyword = match tolerate.what {
                        ast::Tolerated::Failures { .. } => "tolerate N failures",
                        ast::Tolerated::NoData => "tolerate N nodata",
                    };
                    once.note(keyword, tolerate.span, &mut self.diagnostics);
                    if kind == ast::NodeKind::Phase {
                        self.not_here(tolerate.span, "`tolerate`", "a phase", TOLERANCE_HELP);
                    }
                    let count = self.tolerance(&tolerate.count);
                    match tolerate.what {
                        ast::Tolerated::Failures { .. } => node.tolerance.failures = count,
                        ast::Tolerated::NoData => node.tolerance.nodata = count,
                    }
                }
            }
        }
        match kind {
            ast::NodeKind::Watch => {
                for (present, keyword, example) in
                    [(node.every_ms.is_some(), "every", "every 10m"), (for_ms.is_some(), "for", "for 6h")]
                {
                    let written = decl.header.iter().any(|clause| clause.keyword() == keyword)
                        || decl.body.iter().any(|item| matches!(item, NodeItem::Every(_)) && keyword == "every");
                    if !present && !written {
                        self.missing(&decl.name, "watch", keyword, &format!("add `{example}` after the watch's name"));
                    }
                }
            }
            ast::NodeKind::Rollout => {
                if !decl.body.iter().any(|item| matches!(item, NodeItem::Set(..))) {
                    self.missing(
                        &decl.name,
                        "rollout",
                        "set",
                        "add `set sh \"./set-weight.sh \\\"$GOLIVE_WEIGHT\\\"\"`",
                    );
                }
                if !decl.body.iter().any(|item| matches!(item, NodeItem::Stage(_))) {
                    self.missing(
                        &decl.name,
                        "rollout",
                        "stage",
                        "add stages such as `stage 5% hold 10m` and `stage 100%`",
                    );
                }
            }
            _ => {}
        }
        node.items = items.into_boxed_slice();
        node.deadlines = deadlines.into_boxed_slice();
        node.after = after.into_boxed_slice();
        node.after_spans = after_spans.into_boxed_slice();
        node.requires = requires.into_boxed_slice();
        // Parts of other kinds were reported as misplaced above, and a rollout without `set`
        // as missing: such a plan has errors and its model is dropped.
        match (kind, set) {
            (ast::NodeKind::Rollout, Some((set_command, set_span, set_uses))) => {
                let stages = stages.into_boxed_slice();
                node.rollout = Some(Box::new(model::Rollout { set_command, set_span, set_uses, stages }));
            }
            (ast::NodeKind::Watch, _) => {
                // The conditions on the watch's `every` first, then each on its own cadence.
                let cadences = cadenced.iter().map(|(_, cadence)| *cadence).collect();
                conditions.extend(cadenced.into_iter().map(|(condition, _)| condition));
                let conditions = conditions.into_boxed_slice();
                node.watch = Some(Box::new(model::Watch { conditions, cadences, for_ms, on_breach }));
            }
            _ => {}
        }
        node
    }

    fn missing(&mut self, name: &Ident, what: &str, keyword: &str, help: &str) {
        self.error(
            Diagnostic::new(Code::MissingField, name.span, format!("{what} `{}` has no `{keyword}`", name.name))
                .label(format!("declared without `{keyword}`"))
                .help(help.to_string()),
        );
    }

    /// `what` is not allowed in `place` (a phrase such as "a phase").
    fn not_here(&mut self, span: Span, what: &str, place: &str, help: &str) {
        self.error(
            Diagnostic::new(Code::NotAllowedHere, span, format!("{what} is not allowed in {place}"))
                .label("not allowed here")
                .help(help.to_string()),
        );
    }

    /// The count of a `tolerate` statement: a whole number of samples, 0 to
    /// [`model::MAX_TOLERANCE`].
    fn tolerance(&mut self, value: &Value) -> Option<u16> {
        let count = self.integer(value, "`tolerate`")?;
        match u16::try_from(count) {
            Ok(count) if count <= model::MAX_TOLERANCE => Some(count),
            _ => {
                self.error(
                    Diagnostic::new(
                        Code::ValueOutOfRange,
                        value.span,
                        format!("a tolerance is between 0 and {} samples in a row", model::MAX_TOLERANCE),
                    )
                    .label("out of range")
                    .help(
                        "count the samples in a row to accept, as in `tolerate 2 failures`; to ride out a longer gap, sample less often with `every`",
                    ),
                );
                None
            }
        }
    }

    fn stage(&mut self, stage: &ast::Stage) -> Option<model::Stage> {
        let weight = self.percent(&stage.weight, "`stage`");
        if let Some(weight) = weight {
            if weight <= 0.0 || weight > 100.0 {
                self.error(
                    Diagnostic::new(
                        Code::ValueOutOfRange,
                        stage.weight.span,
                        "a stage's weight is more than 0% and at most 100%",
                    )
                    .label("must be above 0% and at most 100%")
                    .help("a stage sends this share of the traffic to the new version: weights rise to `100%`, as in `stage 5%`, `stage 50%`, `stage 100%`"),
                );
            }
        }
        let mut once = Once::new();
        let mut result = model::Stage {
            weight: weight.unwrap_or(0.0),
            span: stage.span,
            at_ms: None,
            hold_ms: None,
            every_ms: None,
        };
        for clause in &stage.clauses {
            match clause {
                ast::StageClause::At(value) => {
                    once.note("at", value.span, &mut self.diagnostics);
                    result.at_ms = self.offset(value, "`at`");
                }
                ast::StageClause::Hold(value) => {
                    once.note("hold", value.span, &mut self.diagnostics);
                    result.hold_ms = self.duration(value, "`hold`");
                }
                ast::StageClause::Every(value) => {
                    once.note("every", value.span, &mut self.diagnostics);
                    result.every_ms = self.duration(value, "`every`");
                }
            }
        }
        weight.map(|_| result)
    }

    fn action(&mut self, action: &ast::Action) -> Option<model::Action> {
        Some(match &action.kind {
            ast::ActionKind::Abort => model::Action::Abort,
            ast::ActionKind::Continue => model::Action::Continue,
            ast::ActionKind::Rollback(tree) => {
                model::Action::Rollback { tree: model::TreeId(self.resolve(tree, Want::Tree)?) }
            }
            ast::ActionKind::Pause { wait, then } => {
                let wait_ms = self.duration(wait, "`pause`");
                let then = match then {
                    Some(then) => Some(Box::new(self.action(then)?)),
                    None => None,
                };
                model::Action::Pause { wait_ms: wait_ms?, then }
            }
        })
    }

    fn tree(&mut self, decl: &ast::RollbackDecl) -> model::RollbackTree {
        let mut levels = Vec::with_capacity(decl.levels.len());
        let mut names: Vec<&Ident> = Vec::new();
        for level in &decl.levels {
            if let Some(first) = names.iter().find(|name| name.name == level.name.name) {
                self.error(
                    Diagnostic::new(
                        Code::DuplicateDefinition,
                        level.name.span,
                        format!("level `{}` is declared twice", level.name.name),
                    )
                    .label("declared again here")
                    .with(first.span, "first declared here"),
                );
            }
            names.push(&level.name);
            let when = self.condition(&level.when);
            let items = self.items(&level.items, Context::Level, "a rollback level");
            if let Some(when) = when {
                levels.push(model::Level {
                    name: level.name.name.clone(),
                    name_span: level.name.span,
                    when,
                    items,
                    span: level.span,
                });
            }
        }
        let deadlines =
            decl.deadlines.iter().filter_map(|deadline| self.deadline(deadline, "a rollback tree")).collect();
        model::RollbackTree {
            name: decl.name.name.clone(),
            name_span: decl.name.span,
            levels,
            deadlines,
            span: decl.span,
        }
    }

    /// A `within` or `typically within`; `place` names where `from` is not allowed (empty on a
    /// node, where it is).
    fn deadline(&mut self, deadline: &ast::Deadline, place: &str) -> Option<model::Deadline> {
        let within_ms = self.duration(&deadline.duration, "a deadline's `within`");
        let from = match &deadline.from {
            Some(from) if !place.is_empty() => {
                self.not_here(
                    from.span,
                    "`from`",
                    place,
                    "`from NODE` measures a chain of nodes: write it on the chain's last node",
                );
                None
            }
            Some(from) => Some(model::NodeId(self.resolve(from, Want::Node)?)),
            None => None,
        };
        Some(model::Deadline { within_ms: within_ms?, typical: deadline.typical.is_some(), from, span: deadline.span })
    }

    fn alert(&mut self, decl: &ast::AlertDecl) -> model::Alert {
        const SEVERITIES: [&str; 3] = ["critical", "warning", "info"];
        let severity = match &decl.severity {
            Some(severity) if SEVERITIES.contains(&severity.name.as_str()) => severity.name.clone(),
            Some(severity) => {
                let help = match closest(&severity.name, SEVERITIES) {
                    Some(suggestion) => format!("did you mean `{suggestion}`?"),
                    None => "the severities are critical, warning and info".to_string(),
                };
                self.error(
                    Diagnostic::new(
                        Code::UndefinedName,
                        severity.span,
                        format!("unknown severity `{}`", severity.name),
                    )
                    .label("not a severity")
                    .help(help),
                );
                severity.name.clone()
            }
            None => CompactString::const_new("warning"),
        };
        let when = self.condition(&decl.when);
        let items = self.items(&decl.items, Context::Alert, "an alert");
        model::Alert {
            name: decl.name.name.clone(),
            name_span: decl.name.span,
            title: decl.title.as_ref().map(|text| self.text(text)),
            severity,
            when: when.unwrap_or(model::Condition {
                kind: model::ConditionKind::And { operands: Vec::new() },
                span: decl.when.span,
            }),
            items,
            span: decl.span,
        }
    }

    /// The steps and groups of a rollback level, an alert or a group (`place`, in words).
    fn items(&mut self, items: &[ast::GroupItem], context: Context, place: &str) -> Vec<model::Item> {
        let mut result = Vec::with_capacity(items.len());
        for item in items {
            match item {
                ast::GroupItem::Step(step) => {
                    if let Some(step) = self.step(step, context) {
                        result.push(model::Item::Step(step));
                    }
                }
                ast::GroupItem::Group(group) => {
                    if let Some(group) = self.group(group, context) {
                        result.push(group);
                    }
                }
                ast::GroupItem::Call(_) => {}
                ast::GroupItem::Tolerate(tolerate) => {
                    let help = match context {
                        Context::Node(kind @ (ast::NodeKind::Gate | ast::NodeKind::Rollout | ast::NodeKind::Watch)) => {
                            format!("write it in the {} itself, outside the group", kind.keyword())
                        }
                        _ => TOLERANCE_HELP.to_string(),
                    };
                    self.not_here(tolerate.span, "`tolerate`", place, &help);
                }
            }
        }
        result
    }

    fn group(&mut self, group: &ast::Group, context: Context) -> Option<model::Item> {
        let title = self.text(&group.title);
        let items = self.items(&group.items, context, "a group");
        Some(model::Item::Group { title, items })
    }

    // ------------------------------------------------------------------ steps

    fn step(&mut self, step: &ast::Step, context: Context) -> Option<model::Step> {
        // `typically` and the value it was written as.
        let mut typical_ms: Option<(NonZeroU64, Span)> = None;
        let kind = match &step.kind {
            ast::StepKind::Run(run) => {
                let title = run.title.as_ref().map(|text| self.text(text));
                let options = self.run_options(&run.options);
                typical_ms = options.typical;
                let Some(command) = options.command else {
                    self.error(
                        Diagnostic::new(Code::MissingField, step.span, "this `run` has no command")
                            .label("no `sh \"...\"` in this step")
                            .help("add `sh \"the command\"`"),
                    );
                    return None;
                };
                model::StepKind::Run {
                    title,
                    command,
                    timeout_ms: options.timeout_ms,
                    retries: options.retries,
                    secrets: options.uses.secrets.into_boxed_slice(),
                    vars: options.uses.vars.into_boxed_slice(),
                    idempotent: options.idempotent,
                }
            }
            ast::StepKind::Expect(expect) => {
                let title = expect.title.as_ref().map(|text| self.text(text));
                let check = match &expect.check {
                    ast::ExpectCheck::Http { url, status, within, repeated, .. } => {
                        for (keyword, span) in repeated {
                            self.error(
                                Diagnostic::new(Code::DuplicateField, *span, format!("`{keyword}` is given twice"))
                                    .label("given again here")
                                    .help(format!("keep one `{keyword}`")),
                            );
                        }
                        let url = self.text(url);
                        let status = status.as_ref().and_then(|value| {
                            let code = self.integer(value, "`status`")?;
                            if !(100..=599).contains(&code) {
                                self.error(
                                    Diagnostic::new(
                                        Code::ValueOutOfRange,
                                        value.span,
                                        "an HTTP status is between 100 and 599",
                                    )
                                    .label("not an HTTP status")
                                    .help("write the status the URL must answer with, as in `status 200`"),
                                );
                                return None;
                            }
                            u16::try_from(code).ok()
                        });
                        let within_ms = within.as_ref().and_then(|value| self.duration(value, "`within`"));
                        model::Expectation::Http { url, status, within_ms }
                    }
                    ast::ExpectCheck::Command(command) => {
                        self.check_reads(&command.script, uses_of(&expect.options), "step", false);
                        model::Expectation::Command { command: self.text(&command.script) }
                    }
                    ast::ExpectCheck::Condition(condition) => {
                        model::Expectation::Condition { condition: self.condition(condition)? }
                    }
                };
                let options = self.run_options(&expect.options);
                typical_ms = options.typical;
                if let (Some((_, span)), model::Expectation::Condition { .. }) = (typical_ms, &check) {
                    self.not_here(
                        span,
                        "`typically`",
                        "an `expect` of a condition",
                        "a condition is expected to hold at once, for its `for`: give it `for D` instead",
                    );
                    typical_ms = None;
                }
                model::StepKind::Expect {
                    title,
                    check: Box::new(check),
                    timeout_ms: options.timeout_ms,
                    retries: options.retries,
                    secrets: options.uses.secrets.into_boxed_slice(),
                    vars: options.uses.vars.into_boxed_slice(),
                    idempotent: options.idempotent,
                }
            }
            ast::StepKind::Check { text, by, options } => {
                let options = self.run_options(options);
                typical_ms = options.typical;
                model::StepKind::Check {
                    text: self.text(text),
                    by: self.resolve_all(by, Want::Role).into_iter().map(model::RoleId).collect(),
                    timeout_ms: options.timeout_ms,
                }
            }
            ast::StepKind::Approve(approve) => {
                let title = approve.title.as_ref().map(|text| self.text(text));
                let mut listed: Vec<&Ident> = Vec::new();
                for role in &approve.roles {
                    if let Some(first) = listed.iter().find(|seen| seen.name == role.name) {
                        self.error(
                            Diagnostic::new(
                                Code::DuplicateField,
                                role.span,
                                format!("`{}` is listed twice", role.name),
                            )
                            .label("listed again here")
                            .with(first.span, "first listed here")
                            .help("name each role once; a quorum counts roles, not mentions"),
                        );
                    } else {
                        listed.push(role);
                    }
                }
                let roles: Vec<model::RoleId> =
                    self.resolve_all(&approve.roles, Want::Role).into_iter().map(model::RoleId).collect();
                let quorum = match &approve.quorum {
                    Some(value) => {
                        let quorum = self.integer(value, "an approval quorum")?;
                        if quorum < 1 {
                            self.error(
                                Diagnostic::new(
                                    Code::ValueOutOfRange,
                                    value.span,
                                    "a quorum needs at least one approver",
                                )
                                .label("zero approvers")
                                .help("ask for one approver or more, as in `approve 1 of lead, ops`; for no approval, remove the `approve`"),
                            );
                            return None;
                        }
                        if quorum as usize > listed.len() {
                            self.error(
                                Diagnostic::new(
                                    Code::QuorumTooLarge,
                                    value.span,
                                    format!("{quorum} approvals are asked of {} role(s)", listed.len()),
                                )
                                .label("more approvals than roles")
                                .help("name more roles, or lower the quorum"),
                            );
                        }
                        quorum as usize
                    }
                    None => approve.roles.len(),
                };
                let options = self.run_options(&approve.options);
                typical_ms = options.typical;
                model::StepKind::Approve {
                    title,
                    quorum,
                    roles,
                    distinct: approve.distinct,
                    timeout_ms: options.timeout_ms,
                }
            }
            ast::StepKind::Notify { roles, message } => model::StepKind::Notify {
                roles: self.resolve_all(roles, Want::Role).into_iter().map(model::RoleId).collect(),
                message: self.text(message),
            },
            ast::StepKind::Page { roles, message } => model::StepKind::Page {
                roles: self.resolve_all(roles, Want::Role).into_iter().map(model::RoleId).collect(),
                message: message.as_ref().map(|text| self.text(text)),
            },
            ast::StepKind::Wait(value) => model::StepKind::Wait { duration_ms: self.duration(value, "`wait`")? },
            ast::StepKind::Recheck(recheck) => {
                if context != Context::Level {
                    self.not_here(
                        step.span,
                        "`recheck`",
                        context.place(),
                        "`recheck` evaluates a rollback tree again; it belongs in a rollback level",
                    );
                    return None;
                }
                let after_ms = match &recheck.after {
                    Some(value) => self.duration(value, "`recheck after`")?,
                    None => 0,
                };
                let outcome = match &recheck.outcome {
                    Some(outcome) => Some(Box::new(model::RecheckOutcome {
                        then: outcome.then,
                        then_span: outcome.then_span,
                        condition: self.condition(&outcome.condition)?,
                        otherwise: outcome.otherwise.map(|(otherwise, _)| otherwise),
                        otherwise_span: outcome.otherwise.map(|(_, span)| span),
                    })),
                    None => None,
                };
                model::StepKind::Recheck { after_ms, outcome }
            }
            ast::StepKind::Continue => {
                if context != Context::Level {
                    self.not_here(
                        step.span,
                        "`continue`",
                        context.place(),
                        "`continue` says that a rollback level needs no action; to go on after a failure, write `on fail continue`",
                    );
                    return None;
                }
                model::StepKind::Continue
            }
        };
        let step = model::Step { kind, typical_ms: typical_ms.map(|(typical, _)| typical), span: step.span };
        if let (Some((typical, span)), Some(limit)) = (typical_ms, step.try_limit_ms()) {
            if typical.get() > limit {
                let stated = match &step.kind {
                    model::StepKind::Run { timeout_ms, .. }
                    | model::StepKind::Expect { timeout_ms, .. }
                    | model::StepKind::Check { timeout_ms, .. }
                    | model::StepKind::Approve { timeout_ms, .. } => timeout_ms.is_some(),
                    _ => true,
                };
                let limit_text = crate::units::format_duration(limit);
                self.error(
                    Diagnostic::new(
                        Code::TypicalExceedsLimit,
                        span,
                        format!(
                            "this step typically takes {}, longer than its limit of {limit_text}{}",
                            crate::units::format_duration(typical.get()),
                            if stated { "" } else { " (the default `timeout`)" }
                        ),
                    )
                    .label("longer than the step may take")
                    .help(if stated {
                        "`typically` is the expected time, within the limit: shorten it, or raise the `timeout`"
                    } else {
                        "`typically` is the expected time, within the limit: shorten it, or give the step a longer `timeout`"
                    }),
                );
            }
        }
        Some(step)
    }

    fn run_options(&mut self, options: &[ast::RunOption]) -> RunOptions {
        let mut once = Once::new();
        let mut result = RunOptions::default();
        for option in options {
            match option {
                ast::RunOption::Command(command) => {
                    once.note("sh", command.span, &mut self.diagnostics);
                    if result.command.is_some() {
                        continue;
                    }
                    result.command = Some(self.text(&command.script));
                    self.check_reads(&command.script, uses_of(options), "step", false);
                }
                ast::RunOption::Timeout(value) => {
                    once.note("timeout", value.span, &mut self.diagnostics);
                    // `duration` never gives zero, so nothing is lost.
                    result.timeout_ms = self.duration(value, "`timeout`").and_then(NonZeroU64::new);
                }
                ast::RunOption::Typically(value) => {
                    once.note("typically", value.span, &mut self.diagnostics);
                    result.typical = self
                        .duration(value, "`typically`")
                        .and_then(NonZeroU64::new)
                        .map(|typical| (typical, value.span));
                }
                ast::RunOption::Retries(value) => {
                    once.note("retries", value.span, &mut self.diagnostics);
                    if let Some(retries) = self.integer(value, "`retries`") {
                        if !(0..=100).contains(&retries) {
                            self.error(
                                Diagnostic::new(Code::ValueOutOfRange, value.span, "retries are between 0 and 100")
                                    .label("out of range")
                                    .help("a step that fails that often will not pass on the next try: a few retries, as in `retries 3`, are enough"),
                            );
                        }
                        result.retries = retries.clamp(0, 100) as u32;
                    }
                }
                ast::RunOption::Idempotent(span) => {
                    once.note("idempotent", *span, &mut self.diagnostics);
                    result.idempotent = true;
                }
                ast::RunOption::Uses(names) => self.uses_into(names, &mut result.uses),
            }
        }
        result
    }

    /// The secrets and vars that `uses` names.
    fn uses(&mut self, names: &[Ident]) -> UsesBuilder {
        let mut uses = UsesBuilder::default();
        self.uses_into(names, &mut uses);
        uses
    }

    fn uses_into(&mut self, names: &[Ident], uses: &mut UsesBuilder) {
        // Resolved one by one: no list of indices made and dropped per step.
        for name in names {
            let Some(index) = self.resolve(name, Want::Input) else { continue };
            match self.symbols.get(name.name.as_str()).map(|symbol| symbol.kind) {
                Some(Kind::Var) if !uses.vars.contains(&model::VarId(index)) => uses.vars.push(model::VarId(index)),
                Some(Kind::Secret) if !uses.secrets.contains(&model::SecretId(index)) => {
                    uses.secrets.push(model::SecretId(index))
                }
                _ => {}
            }
        }
    }

    /// W0108 for a date-time whose zone is `Etc/GMT+N` or `Etc/GMT-N`.
    fn check_datetime_zone(&mut self, datetime: &ast::DateTimeLit) {
        if datetime.zoned.is_none() {
            return;
        }
        let Some(open) = datetime.text.find('[') else { return };
        let name = datetime.text[open + 1..].trim_end_matches(']');
        let Some(seconds) = crate::zones::reversed_sign_offset(name) else { return };
        let start = datetime.span.start + open as u32 + 1;
        let span = Span { start, end: start + name.len() as u32, ..datetime.span };
        let civil =
            &datetime.text[..datetime.text[..open].rfind(['+', '-', 'Z', 'z']).filter(|&at| at > 10).unwrap_or(open)];
        self.reversed_zone_sign(name, seconds, span, Some(civil));
    }

    /// W0108: `Etc/GMT+1` is UTC−01:00, the opposite of what it reads. `civil`: the date and
    /// time written before the zone, for a date-time.
    fn reversed_zone_sign(&mut self, name: &str, seconds: i32, span: Span, civil: Option<&str>) {
        let offset = crate::zones::show_offset(seconds);
        let place = crate::zones::place_with_offset(seconds);
        let help = match (civil, &place) {
            (Some(civil), Some(place)) => {
                format!("write the offset itself, `{civil}{offset}`, or the zone of the place, such as `[{place}]`")
            }
            (Some(civil), None) => format!("write the offset itself: `{civil}{offset}`"),
            (None, Some(place)) => format!("write the zone of the place, such as `\"{place}\"`"),
            (None, None) => "write the zone of the place, as in `\"Europe/Paris\"`".to_string(),
        };
        self.diagnostics.push(
            Diagnostic::new(
                Code::ReversedZoneSign,
                span,
                format!("`{name}` is UTC{offset}: the sign of `Etc/GMT` names is reversed"),
            )
            .label(format!("UTC{offset}, not UTC{}", crate::zones::show_offset(-seconds)))
            .help(help),
        );
    }

    /// E0211: every variable that `script` reads is in its `uses`, set by the command itself, or
    /// given by the shell or the runbook (see [`variables`]). `what` names the command in
    /// messages; `is_set` for a rollout's `set`, which is given `GOLIVE_WEIGHT`.
    fn check_reads<'u>(
        &mut self,
        script: &Text,
        uses: impl Iterator<Item = &'u Ident> + Clone,
        what: &str,
        is_set: bool,
    ) {
        if let Some(at) = script.value.find('\0') {
            // E0405: bash cannot hold a NUL byte in a word, so no runbook could run this.
            let span = self.span_in(script, at..at + 1);
            self.error(
                Diagnostic::new(Code::NulInCommand, span, format!("this {what} contains a NUL character"))
                    .label("a NUL byte")
                    .help("a shell command cannot hold one; to print it, write `\\\\0` in the plan (`\\0` in the command) and let `printf` make it"),
            );
        }
        let found = variables::scan(&script.value);
        if found.reads.is_empty() {
            return;
        }
        let sets: FxHashSet<&str> = found.sets.iter().copied().collect();
        let listed: FxHashSet<&str> = uses.map(|name| name.name.as_str()).collect();
        let mut reported: FxHashSet<&str> = FxHashSet::default();
        for (name, range) in &found.reads {
            if sets.contains(name)
                || listed.contains(name)
                || variables::provided(name, is_set)
                || !reported.insert(name)
            {
                continue;
            }
            let span = self.span_in(script, range.clone());
            let declared = self.symbols.get(*name).filter(|symbol| matches!(symbol.kind, Kind::Secret | Kind::Var));
            let diagnostic = match declared {
                Some(symbol) => Diagnostic::new(
                    Code::UnprovidedVariable,
                    span,
                    format!("this {what} reads `${name}`, {}, but its `uses` does not name it", symbol.kind.describe()),
                )
                .label("read without `uses`")
                .with(symbol.span, format!("`{name}` is declared here"))
                .help(format!(
                    "add `uses {name}` to this {what}: the workflow gives a command only what its `uses` names"
                )),
                None => Diagnostic::new(
                    Code::UnprovidedVariable,
                    span,
                    format!("this {what} reads `${name}`, which nothing provides"),
                )
                .label("not in `uses`, not set by the command, not given by the runner")
                .help(format!("declare `secret {name}` or `var {name}` and add `uses {name}` to this {what}")),
            };
            self.error(diagnostic);
        }
    }

    /// The span of bytes `range` of a string's value, in the source when it can be found there
    /// (see [`crate::syntax::source_range`]); else the whole string.
    fn span_in(&self, text: &Text, range: std::ops::Range<usize>) -> Span {
        let at = |range: std::ops::Range<usize>| Span {
            start: text.span.start + range.start as u32,
            end: text.span.start + range.end as u32,
            ..text.span
        };
        if text.verbatim {
            return at(range.start + 1..range.end + 1);
        }
        let raw =
            self.sources.files().nth(text.span.file.0 as usize).and_then(|(_, file)| file.text.get(text.span.range()));
        match raw.and_then(|raw| crate::syntax::source_range(raw, &text.value, range)) {
            Some(inside) => at(inside),
            None => text.span,
        }
    }

    // ------------------------------------------------------------------ conditions

    fn condition(&mut self, condition: &ast::Condition) -> Option<model::Condition> {
        let kind = self.condition_kind(condition)?;
        Some(model::Condition { kind, span: condition.span })
    }

    fn condition_kind(&mut self, condition: &ast::Condition) -> Option<model::ConditionKind> {
        use ast::ConditionKind as K;
        Some(match &condition.kind {
            K::Or(operands) | K::And(operands) => {
                // Every operand is checked, so each reports its own errors, into one list.
                let mut lowered = Vec::with_capacity(operands.len());
                let mut complete = true;
                for operand in operands {
                    match self.condition(operand) {
                        Some(condition) => lowered.push(condition),
                        None => complete = false,
                    }
                }
                let operands = complete.then_some(lowered)?;
                if matches!(condition.kind, K::Or(_)) {
                    model::ConditionKind::Or { operands }
                } else {
                    model::ConditionKind::And { operands }
                }
            }
            K::Not(operand) => model::ConditionKind::Not { operand: Box::new(self.condition(operand)?) },
            K::Held { condition: operand, duration } => {
                let operand = self.condition(operand);
                let duration_ms = self.duration(duration, "a condition's `for`");
                model::ConditionKind::Held { operand: Box::new(operand?), duration_ms: duration_ms? }
            }
            K::Declared(text) => {
                if text.value.trim().is_empty() {
                    self.error(
                        Diagnostic::new(Code::ValueOutOfRange, text.span, "a declared trigger needs words")
                            .label("empty")
                            .help("say what a person declares, as in `declared \"security issue\"`"),
                    );
                }
                model::ConditionKind::Declared { text: self.text(text) }
            }
            K::NoData(metric) => model::ConditionKind::NoData {
                metric: match metric {
                    Some(metric) => Some(model::MetricId(self.resolve(metric, Want::Metric)?)),
                    None => None,
                },
            },
            K::Test(metric) => {
                let index = self.resolve(metric, Want::Metric)?;
                let (ty, ty_span, _) = self.metric_types.get(index).copied()?;
                let ty = ty?;
                if ty != MetricType::Bool {
                    self.error(
                        Diagnostic::new(
                            Code::NotACondition,
                            metric.span,
                            format!("`{}` is a {} metric, not a bool", metric.name, ty.name()),
                        )
                        .label("used alone, as if it were true or false")
                        .with(ty_span, format!("declared as {} here", ty.name()))
                        .help(format!(
                            "compare it with a threshold, as in `{} > {}`",
                            metric.name,
                            example_value(ty)
                        )),
                    );
                    return None;
                }
                model::ConditionKind::Test { metric: model::MetricId(index) }
            }
            K::Compare { metric, op, threshold } => {
                let index = self.resolve(metric, Want::Metric)?;
                let (ty, ty_span, has_baseline) = self.metric_types.get(index).copied()?;
                let ty = ty?;
                let comparison = match op {
                    ast::CompareOp::Lt => model::Comparison::Lt,
                    ast::CompareOp::Le => model::Comparison::Le,
                    ast::CompareOp::Gt => model::Comparison::Gt,
                    ast::CompareOp::Ge => model::Comparison::Ge,
                    ast::CompareOp::Eq => model::Comparison::Eq,
                    ast::CompareOp::Ne => model::Comparison::Ne,
                };
                let threshold = match threshold {
                    ast::Threshold::Absolute(value) => {
                        if ty == MetricType::Bool {
                            match (&value.kind, op) {
                                (ValueKind::Bool(expected), ast::CompareOp::Eq | ast::CompareOp::Ne) => {
                                    let is_true = *expected == (*op == ast::CompareOp::Eq);
                                    let test = model::ConditionKind::Test { metric: model::MetricId(index) };
                                    return Some(if is_true {
                                        test
                                    } else {
                                        model::ConditionKind::Not {
                                            operand: Box::new(model::Condition { kind: test, span: condition.span }),
                                        }
                                    });
                                }
                                (ValueKind::Invalid, _) => return None,
                                _ => {
                                    self.error(
                                        Diagnostic::new(
                                            Code::NotACondition,
                                            condition.span,
                                            format!("`{}` is a bool metric; it is true or false", metric.name),
                                        )
                                        .label("compared as if it were a number")
                                        .with(ty_span, "declared as bool here")
                                        .help(format!("write `{0}` or `not {0}`", metric.name)),
                                    );
                                    return None;
                                }
                            }
                        }
                        model::Threshold::Absolute { value: self.measure(value, ty, metric, ty_span)? }
                    }
                    ast::Threshold::OfBaseline { fraction, span } => {
                        let percent = self.percent(fraction, "`of baseline`")?;
                        if ty == MetricType::Bool {
                            self.error(
                                Diagnostic::new(
                                    Code::NotACondition,
                                    *span,
                                    format!("`{}` is a bool metric; it has no baseline", metric.name),
                                )
                                .label("relative threshold on a bool")
                                .with(ty_span, "declared as bool here"),
                            );
                            return None;
                        }
                        if !has_baseline {
                            self.error(
                                Diagnostic::new(
                                    Code::NoBaseline,
                                    *span,
                                    format!("metric `{}` has no baseline", metric.name),
                                )
                                .label("relative to a baseline that is never measured")
                                .with(
                                    self.symbols.get(metric.name.as_str()).map_or(metric.span, |symbol| symbol.span),
                                    "declared here without `baseline`",
                                )
                                .help("add `baseline at T-1h for 30m` to the metric: where and how long to measure it"),
                            );
                            return None;
                        }
                        model::Threshold::OfBaseline { percent }
                    }
                };
                model::ConditionKind::Compare { metric: model::MetricId(index), comparison, threshold }
            }
            K::InRange { metric, negated, range } => {
                let index = self.resolve(metric, Want::Metric)?;
                let (ty, ty_span, _) = self.metric_types.get(index).copied()?;
                let ty = ty?;
                if ty == MetricType::Bool {
                    self.error(
                        Diagnostic::new(
                            Code::NotACondition,
                            range.span,
                            format!("`{}` is a bool metric; it has no range", metric.name),
                        )
                        .label("a range of values")
                        .with(ty_span, "declared as bool here"),
                    );
                    return None;
                }
                let low = self.measure(&range.low, ty, metric, ty_span);
                let high = self.measure(&range.high, ty, metric, ty_span);
                let (low, high) = (low?, high?);
                if low > high || (low == high && !range.inclusive) {
                    self.error(
                        Diagnostic::new(Code::EmptyRange, range.span, "this range is empty")
                            .label("the low end is not below the high end")
                            .help(
                                "write the smaller value first, as in `1%..3%`; `a..a` is empty, `a..=a` is just `a`",
                            ),
                    );
                    return None;
                }
                model::ConditionKind::InRange {
                    metric: model::MetricId(index),
                    negated: *negated,
                    low,
                    high,
                    inclusive: range.inclusive,
                }
            }
        })
    }

    /// A threshold for a metric of type `ty`, in the type's canonical unit.
    fn measure(&mut self, value: &Value, ty: MetricType, metric: &Ident, ty_span: Span) -> Option<f64> {
        let measured = match (&value.kind, ty) {
            (ValueKind::Invalid, _) => return None,
            (ValueKind::Percent(percent), MetricType::Percent) => Some(*percent),
            (ValueKind::Duration(ms), MetricType::Duration) => Some(*ms as f64),
            (ValueKind::Rate(per_second), MetricType::Rate) => Some(*per_second),
            (ValueKind::Size(bytes), MetricType::Size) => Some(*bytes),
            (ValueKind::Number(number), MetricType::Count | MetricType::Number) => Some(*number),
            _ => None,
        };
        if measured.is_none() {
            let help = match (&value.kind, ty) {
                (ValueKind::Number(number), MetricType::Percent) if (0.0..=1.0).contains(number) => format!(
                    "write the ratio as a percentage: `{number}` is `{}%` (a probe with `unit ratio` prints {number} for it)",
                    (number * 100.0 * 1e9).round() / 1e9
                ),
                (ValueKind::Number(number), MetricType::Size) => {
                    format!("give the size its unit, as in `{number}B` or `{number}MB` (KB, MB, GB are 1000 apart; KiB, MiB, GiB 1024)")
                }
                _ => format!("compare it with {}, such as `{}`", type_article(ty), example_value(ty)),
            };
            self.error(
                Diagnostic::new(
                    Code::UnitMismatch,
                    value.span,
                    format!("`{}` is a {} metric, but this is {}", metric.name, ty.name(), value.kind.describe()),
                )
                .label(value.kind.describe())
                .with(ty_span, format!("`{}` is declared as {} here", metric.name, ty.name()))
                .help(help),
            );
        }
        measured
    }

    // ------------------------------------------------------------------ values

    fn wrong_kind(&mut self, value: &Value, place: &str, wanted: &str, example: &str) {
        let help = match (&value.kind, wanted) {
            (ValueKind::Duration(_), "an offset from launch") => {
                let text = match value.kind {
                    ValueKind::Duration(ms) => format!("T+{}", crate::units::format_duration(ms)),
                    _ => "T+15m".to_string(),
                };
                format!("an offset says when relative to launch: write `{text}` (after T0) or `T-...` (before)")
            }
            (ValueKind::Offset(_), "a duration") => {
                "a duration is a length of time such as `15m`, not a moment such as `T+15m`".to_string()
            }
            _ => format!("write {wanted} such as `{example}`"),
        };
        self.error(
            Diagnostic::new(
                Code::WrongValueKind,
                value.span,
                format!("{place} takes {wanted}, but this is {}", value.kind.describe()),
            )
            .label(value.kind.describe())
            .help(help),
        );
    }

    /// A positive duration in milliseconds.
    fn duration(&mut self, value: &Value, place: &str) -> Option<u64> {
        match value.kind {
            ValueKind::Duration(0) => {
                self.error(
                    Diagnostic::new(
                        Code::ValueOutOfRange,
                        value.span,
                        format!("{place} needs a duration longer than zero"),
                    )
                    .label("zero")
                    .help(zero_duration_help(place)),
                );
                None
            }
            ValueKind::Duration(ms) => Some(ms),
            ValueKind::Invalid => None,
            _ => {
                self.wrong_kind(value, place, "a duration", "15m");
                None
            }
        }
    }

    fn offset(&mut self, value: &Value, place: &str) -> Option<i64> {
        match value.kind {
            ValueKind::Offset(ms) => Some(ms),
            ValueKind::Invalid => None,
            _ => {
                self.wrong_kind(value, place, "an offset from launch", "T-1h");
                None
            }
        }
    }

    fn percent(&mut self, value: &Value, place: &str) -> Option<f64> {
        match value.kind {
            ValueKind::Percent(percent) => Some(percent),
            ValueKind::Invalid => None,
            _ => {
                self.wrong_kind(value, place, "a percentage", "25%");
                None
            }
        }
    }

    fn integer(&mut self, value: &Value, place: &str) -> Option<i64> {
        match value.kind {
            ValueKind::Number(number) if number.fract() == 0.0 => Some(number as i64),
            ValueKind::Invalid => None,
            ValueKind::Number(_) => {
                self.error(
                    Diagnostic::new(
                        Code::WrongValueKind,
                        value.span,
                        format!("{place} takes a whole number, but this is a fraction"),
                    )
                    .label("not a whole number")
                    .help("write a whole number such as `3`"),
                );
                None
            }
            _ => {
                self.wrong_kind(value, place, "a whole number", "3");
                None
            }
        }
    }

    fn time_of_day(&mut self, value: &Value) -> Option<u32> {
        match value.kind {
            ValueKind::TimeOfDay(minutes) => Some(minutes),
            ValueKind::Invalid => None,
            _ => {
                self.wrong_kind(value, "`hours`", "a time of day", "09:00");
                None
            }
        }
    }
}

#[derive(Default)]
struct RunOptions {
    command: Option<CompactString>,
    timeout_ms: Option<NonZeroU64>,
    /// `typically`, with the span of its value.
    typical: Option<(NonZeroU64, Span)>,
    retries: u32,
    uses: UsesBuilder,
    idempotent: bool,
}

/// The secrets and vars a command uses, while they are resolved.
#[derive(Default)]
struct UsesBuilder {
    secrets: Vec<model::SecretId>,
    vars: Vec<model::VarId>,
}

impl UsesBuilder {
    fn finish(self) -> model::Uses {
        model::Uses { secrets: self.secrets.into_boxed_slice(), vars: self.vars.into_boxed_slice() }
    }
}

/// The span of a field that gives a metric its value, if it is one.
fn source_of(field: &ast::MetricField) -> Option<Span> {
    match field {
        ast::MetricField::Probe(command, _) => Some(command.span),
        ast::MetricField::Query { span, .. } | ast::MetricField::Http { span, .. } => Some(*span),
        _ => None,
    }
}

/// RFC 6901: empty, or `/` followed by tokens in which `~` is always `~0` or `~1`.
fn check_json_pointer(pointer: &str) -> Result<(), &'static str> {
    if !pointer.is_empty() && !pointer.starts_with('/') {
        return Err("a JSON pointer starts with `/`");
    }
    let mut chars = pointer.chars();
    while let Some(c) = chars.next() {
        if c == '~' && !matches!(chars.next(), Some('0' | '1')) {
            return Err("`~` must be `~0` (a `~`) or `~1` (a `/`)");
        }
    }
    Ok(())
}

/// The names every `uses` of a step's options gives.
fn uses_of(options: &[ast::RunOption]) -> impl Iterator<Item = &Ident> + Clone {
    options.iter().flat_map(|option| match option {
        ast::RunOption::Uses(names) => names.as_slice(),
        _ => &[],
    })
}

/// Why `tolerate` is refused where nothing is sampled.
const TOLERANCE_HELP: &str = "tolerance applies to sampled conditions: gates, rollouts and watches";

fn a_node(kind: ast::NodeKind) -> &'static str {
    match kind {
        ast::NodeKind::Phase => "a phase",
        ast::NodeKind::Gate => "a gate",
        ast::NodeKind::Rollout => "a rollout",
        ast::NodeKind::Watch => "a watch",
    }
}

fn example_value(ty: MetricType) -> &'static str {
    match ty {
        MetricType::Percent => "1%",
        MetricType::Duration => "500ms",
        MetricType::Count | MetricType::Number => "10",
        MetricType::Rate => "100/s",
        MetricType::Size => "512MB",
        MetricType::Bool => "true",
    }
}

fn type_article(ty: MetricType) -> &'static str {
    match ty {
        MetricType::Percent => "a percentage",
        MetricType::Duration => "a duration",
        MetricType::Count | MetricType::Number => "a number",
        MetricType::Rate => "a rate",
        MetricType::Size => "a size",
        MetricType::Bool => "true or false",
    }
}

/// What to write instead of a zero duration, by the place that takes it.
fn zero_duration_help(place: &str) -> &'static str {
    match place {
        "a condition's `for`" => {
            "a condition without `for` needs one passing sample: leave `for 0s` out, or say how long it must hold, as in `for 10m`"
        }
        "`for`" => "say how long the watch lasts, as in `for 1h`",
        "`every`" => "say how long to wait between two samples, as in `every 30s`",
        "`baseline ... for`" => "measure the baseline over a stretch of time, as in `baseline at T-1h for 30m`",
        "`hold`" => "say how long the stage holds before the next one, as in `hold 10m`",
        "`timeout`" => "a step with no time at all would always fail: give it time, as in `timeout 15m`",
        "`wait`" => "remove the `wait` if no pause is needed, or give one, as in `wait 5m`",
        "`pause`" => "give people time to act, as in `on fail pause 10m then abort`, or act at once without `pause`",
        "`within`" => "give the answer time, as in `within 500ms`",
        "a deadline's `within`" => "a deadline of zero cannot be met: give the time allowed, as in `within 1h30m`",
        "`typically`" => "say how long the step usually takes, as in `typically 2m`, or leave `typically` out",
        _ => "write a duration such as `1m`",
    }
}
