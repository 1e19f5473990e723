//! Names in the syntax tree: which declaration a name refers to, what to show when hovering
//! over it, and the outline of a plan.
//!
//! Works on the tree, not the model, so that it still answers while the plan has errors; the
//! analysis adds timing when the plan got that far.

use crate::ast::{
    ActionKind, Argument, Condition, ConditionKind, EnvField, ExpectCheck, File, GroupItem, HeaderClause, Ident, Item,
    MetricField, NodeDecl, NodeItem, Outcome, PlanField, PrometheusField, RecheckOutcome, RunOption, Step, StepKind,
    TriggerKind, Value, ValueKind, VariantItem, WindowField,
};
use crate::source::Span;
use crate::units::{format_duration, format_offset};

/// Every name written in the file: declarations, references, and names given as template
/// arguments (`ask(by = lead)`), each with its span.
pub(crate) struct Names<'a> {
    pub(crate) declarations: Vec<&'a Ident>,
    pub(crate) references: Vec<&'a Ident>,
    pub(crate) arguments: Vec<Written<'a>>,
}

/// A name as written somewhere in the file.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Written<'a> {
    pub(crate) name: &'a str,
    pub(crate) span: Span,
}

impl<'a> From<&'a Ident> for Written<'a> {
    fn from(ident: &'a Ident) -> Self {
        Written { name: &ident.name, span: ident.span }
    }
}

/// What the `*_references` walkers collect.
#[derive(Default)]
struct Found<'a> {
    idents: Vec<&'a Ident>,
    arguments: Vec<Written<'a>>,
}

impl<'a> Found<'a> {
    fn push(&mut self, ident: &'a Ident) {
        self.idents.push(ident);
    }

    fn extend(&mut self, idents: impl IntoIterator<Item = &'a Ident>) {
        self.idents.extend(idents);
    }
}

impl<'a> Names<'a> {
    pub(crate) fn new(file: &'a File) -> Names<'a> {
        let declarations = file.items.iter().map(Item::name).collect();
        let mut found = Found::default();
        for item in &file.items {
            item_references(item, &mut found);
        }
        Names { declarations, references: found.idents, arguments: found.arguments }
    }

    /// Every name, in no particular order.
    fn all(&self) -> impl Iterator<Item = Written<'a>> + '_ {
        self.declarations
            .iter()
            .chain(&self.references)
            .map(|ident| Written::from(*ident))
            .chain(self.arguments.iter().copied())
    }

    /// The name written at `offset` (touching it counts, so a cursor just after a name finds it).
    pub(crate) fn at(&self, offset: u32) -> Option<Written<'a>> {
        self.all().find(|written| written.span.start <= offset && offset <= written.span.end)
    }
}

/// Every place where `name` is written as a name of this file (its declaration and every
/// reference), in order, except inside a template with a parameter of that name: there the
/// name is the parameter's.
pub(crate) fn occurrences(file: &File, name: &str) -> Vec<Span> {
    let shadowing: Vec<Span> = file
        .items
        .iter()
        .filter_map(|item| match item {
            Item::Template(template) if template.params.iter().any(|param| param.name.name == name) => {
                Some(template.span)
            }
            _ => None,
        })
        .collect();
    let mut found: Vec<Span> = Names::new(file)
        .all()
        .filter(|written| written.name == name && written.span.via == 0)
        .map(|written| written.span)
        .filter(|span| !shadowing.iter().any(|template| template.start <= span.start && span.end <= template.end))
        .collect();
    found.sort_by_key(|span| span.start);
    found.dedup_by_key(|span| span.start);
    found
}

/// Where `name` is declared.
///
/// One namespace per file for now. When `use` brings in other modules, this is where an
/// imported name resolves: look in the file's own items first, then in the imported modules
/// (returning their document with the span).
pub(crate) fn declaration<'a>(file: &'a File, name: &str) -> Option<&'a Item> {
    file.items.iter().find(|item| item.name().name == name)
}

fn item_references<'a>(item: &'a Item, out: &mut Found<'a>) {
    match item {
        Item::Plan(decl) => {
            for field in &decl.fields {
                if let PlanField::Owner(owner) = field {
                    out.push(owner);
                }
            }
        }
        Item::Env(decl) => {
            for field in &decl.fields {
                if let EnvField::Approval(roles) = field {
                    out.extend(roles);
                }
            }
        }
        Item::Node(decl) => {
            for clause in &decl.header {
                match clause {
                    HeaderClause::After(nodes) => out.extend(nodes),
                    HeaderClause::On(env) => out.push(env),
                    HeaderClause::At(_) | HeaderClause::Every(_) | HeaderClause::For(_) => {}
                }
            }
            node_items_references(&decl.body, out);
        }
        Item::Template(decl) => node_items_references(&decl.body, out),
        Item::Rollback(decl) => {
            for level in &decl.levels {
                condition_references(&level.when, out);
                group_references(&level.items, out);
            }
        }
        Item::Alert(decl) => {
            condition_references(&decl.when, out);
            group_references(&decl.items, out);
        }
        Item::Metric(decl) => {
            for field in &decl.fields {
                match field {
                    MetricField::Probe(_, uses) => out.extend(uses),
                    MetricField::Query { server: Some(server), .. } => out.push(server),
                    MetricField::Http { headers, .. } => out.extend(headers.iter().map(|header| &header.secret)),
                    _ => {}
                }
            }
        }
        Item::Prometheus(decl) => {
            for field in &decl.fields {
                if let PrometheusField::Header(header) = field {
                    out.push(&header.secret);
                }
            }
        }
        Item::Variant(decl) => {
            for variant_item in &decl.items {
                match variant_item {
                    VariantItem::Setting(PlanField::Owner(owner), _) => out.push(owner),
                    VariantItem::Setting(..) => {}
                    VariantItem::Skip(nodes, _) => out.extend(nodes),
                    VariantItem::Approve { node, step, .. } => {
                        out.push(node);
                        step_references(step, out);
                    }
                }
            }
        }
        Item::Role(_) | Item::Secret(_) | Item::Var(_) | Item::Window(_) | Item::Freeze(_) | Item::Use(_) => {}
    }
}

fn node_items_references<'a>(items: &'a [NodeItem], out: &mut Found<'a>) {
    for node_item in items {
        match node_item {
            NodeItem::Step(step) => step_references(step, out),
            NodeItem::Group(group) => group_references(&group.items, out),
            NodeItem::OnFail(action) | NodeItem::OnBreach(action) => action_references(&action.kind, out),
            NodeItem::Require(condition, _) | NodeItem::Condition(condition) | NodeItem::Cadenced(condition, _, _) => {
                condition_references(condition, out)
            }
            NodeItem::Call(call) => call_references(call, out),
            NodeItem::Set(_, uses, _) => out.extend(uses),
            NodeItem::Deadline(deadline) => out.extend(&deadline.from),
            NodeItem::PointOfNoReturn(_) | NodeItem::Stage(_) | NodeItem::Every(_) | NodeItem::Tolerate(_) => {}
        }
    }
}

/// A call names its module (which leads to the `use`) or, unqualified, a template of the file.
fn call_references<'a>(call: &'a crate::ast::Call, out: &mut Found<'a>) {
    match &call.module {
        Some(module) => out.push(module),
        None => out.push(&call.name),
    }
    for arg in &call.args {
        if let Argument::Value(Value { kind: ValueKind::Name(name), span }) = &arg.value {
            out.arguments.push(Written { name, span: *span });
        }
    }
}

fn group_references<'a>(items: &'a [GroupItem], out: &mut Found<'a>) {
    for item in items {
        match item {
            GroupItem::Step(step) => step_references(step, out),
            GroupItem::Group(group) => group_references(&group.items, out),
            GroupItem::Call(call) => call_references(call, out),
            GroupItem::Tolerate(_) => {}
        }
    }
}

fn step_references<'a>(step: &'a Step, out: &mut Found<'a>) {
    let uses = |options: &'a [RunOption], out: &mut Found<'a>| {
        for option in options {
            if let RunOption::Uses(secrets) = option {
                out.extend(secrets);
            }
        }
    };
    match &step.kind {
        StepKind::Run(run) => uses(&run.options, out),
        StepKind::Expect(expect) => {
            if let ExpectCheck::Condition(condition) = &expect.check {
                condition_references(condition, out);
            }
            uses(&expect.options, out);
        }
        StepKind::Check { by: roles, .. } | StepKind::Notify { roles, .. } | StepKind::Page { roles, .. } => {
            out.extend(roles)
        }
        StepKind::Approve(approve) => out.extend(&approve.roles),
        StepKind::Recheck(recheck) => {
            if let Some(outcome) = &recheck.outcome {
                condition_references(&outcome.condition, out);
            }
        }
        StepKind::Wait(_) | StepKind::Continue => {}
    }
}

fn action_references<'a>(action: &'a ActionKind, out: &mut Found<'a>) {
    match action {
        ActionKind::Rollback(tree) => out.push(tree),
        ActionKind::Pause { then: Some(then), .. } => action_references(&then.kind, out),
        ActionKind::Pause { then: None, .. } | ActionKind::Abort | ActionKind::Continue => {}
    }
}

fn condition_references<'a>(condition: &'a Condition, out: &mut Found<'a>) {
    // Iterative: conditions nest as deeply as the parser allows.
    let mut stack = vec![condition];
    while let Some(condition) = stack.pop() {
        match &condition.kind {
            ConditionKind::Or(operands) | ConditionKind::And(operands) => stack.extend(operands),
            ConditionKind::Not(operand) | ConditionKind::Held { condition: operand, .. } => stack.push(operand),
            ConditionKind::Compare { metric, .. } | ConditionKind::InRange { metric, .. } => out.push(metric),
            ConditionKind::Test(metric) | ConditionKind::NoData(Some(metric)) => out.push(metric),
            ConditionKind::Declared(_) | ConditionKind::NoData(None) => {}
        }
    }
}

/// The hover text for the declaration `item`, in Markdown.
pub(crate) fn hover(item: &Item, text: &str, checked: &crate::Checked) -> String {
    let source = |span: Span| text.get(span.range()).unwrap_or_default().trim().to_string();
    let quoted = |value: &str| format!("\"{value}\"");
    let mut lines = Vec::new();
    let mut header = format!("**{}** `{}`", item.kind_name(), item.name().name);
    match item {
        Item::Plan(decl) => {
            for field in &decl.fields {
                match field {
                    PlanField::Title(title) => header.push_str(&format!(" {}", quoted(&title.value))),
                    PlanField::Launch(launch) => lines.push(format!("launch: `{}`", launch.text)),
                    PlanField::Owner(owner) => lines.push(format!("owner: `{}`", owner.name)),
                    PlanField::Description(description) => lines.push(description.value.to_string()),
                    PlanField::Deadline(deadline) => lines.push(format!("`{}`", source(deadline.span))),
                    PlanField::Trigger(trigger) => lines.push(match &trigger.kind {
                        TriggerKind::Branch(pattern) => format!("started by a push to a branch `{}`", pattern.value),
                        TriggerKind::Tag(pattern) => format!("started by a push of a tag `{}`", pattern.value),
                        TriggerKind::Release => "started by a release published".to_string(),
                        TriggerKind::Schedule(cron) => format!("started on the schedule `{}` (UTC)", cron.value),
                    }),
                }
            }
        }
        Item::Role(decl) => {
            if let Some(title) = &decl.title {
                header.push_str(&format!(" {}", quoted(&title.value)));
            }
            if !decl.contacts.is_empty() {
                let contacts: Vec<&str> = decl.contacts.iter().map(|contact| contact.value.as_str()).collect();
                lines.push(format!("contacts: {}", contacts.join(", ")));
            }
            lines.extend(decl.description.iter().map(|description| description.value.to_string()));
        }
        Item::Env(decl) => {
            if let Some(title) = &decl.title {
                header.push_str(&format!(" {}", quoted(&title.value)));
            }
            for field in &decl.fields {
                match field {
                    EnvField::Url(url) => lines.push(format!("url: {}", url.value)),
                    EnvField::Approval(roles) => lines.push(format!("approval: {}", names(roles))),
                    EnvField::Tier(tier) => lines.push(format!("tier: `{}`", tier.name)),
                    EnvField::Description(description) => lines.push(description.value.to_string()),
                }
            }
        }
        Item::Secret(decl) => {
            if let Some(description) = &decl.description {
                header.push_str(&format!(" {}", quoted(&description.value)));
            }
            lines.push(format!("given to steps as `${}`", decl.name.name));
        }
        Item::Var(decl) => {
            if let Some(ty) = &decl.input {
                header.push_str(&format!(" : `{}`", ty.name));
            }
            if let Some(description) = &decl.description {
                header.push_str(&format!(" {}", quoted(&description.value)));
            }
            lines.push(match decl.input {
                Some(_) => format!(
                    "an input, given when the run starts (`--input {0}=VALUE`), and to commands that use it as `${0}`",
                    decl.name.name
                ),
                None => format!("a configuration variable, given to commands as `${}`", decl.name.name),
            });
        }
        Item::Metric(decl) => {
            header.push_str(&format!(" : `{}`", decl.ty.name));
            if let Some(title) = &decl.title {
                header.push_str(&format!(" {}", quoted(&title.value)));
            }
            for field in &decl.fields {
                match field {
                    MetricField::Probe(command, _) => lines.push(format!("probe: `{}`", command.script.value)),
                    MetricField::Unit(unit) => lines.push(format!("unit: `{}`", unit.name)),
                    MetricField::Baseline { span, .. } => lines.push(format!("`{}`", source(*span))),
                    MetricField::Description(description) => lines.push(description.value.to_string()),
                    MetricField::Query { query, server, .. } => {
                        let server = server.as_ref().map(|server| format!(" (from `{}`)", server.name));
                        lines.push(format!("Prometheus query{}: `{}`", server.unwrap_or_default(), query.value));
                    }
                    MetricField::Http { url, pointer, .. } => {
                        lines.push(format!("HTTP: `{}` at JSON pointer `{}`", url.value, pointer.value))
                    }
                }
            }
        }
        Item::Prometheus(decl) => {
            if let Some(title) = &decl.title {
                header.push_str(&format!(" {}", quoted(&title.value)));
            }
            for field in &decl.fields {
                match field {
                    PrometheusField::Url(url) => lines.push(format!("url: {}", url.value)),
                    PrometheusField::Header(header) => {
                        lines.push(format!("header `{}` from secret `{}`", header.name.value, header.secret.name))
                    }
                    PrometheusField::Description(description) => lines.push(description.value.to_string()),
                }
            }
        }
        Item::Node(decl) => node_hover(decl, &source, checked, &mut lines),
        Item::Rollback(decl) => {
            for deadline in &decl.deadlines {
                lines.push(format!("from a breach to resolved: `{}`", source(deadline.span)));
            }
            for level in &decl.levels {
                lines.push(format!("level `{}` when `{}`", level.name.name, source(level.when.span)));
                let mut rechecks = Vec::new();
                rechecks_in(&level.items, &mut rechecks);
                for (span, outcome) in rechecks {
                    lines.push(format!("- `{}`: {}", source(span), recheck_meaning(outcome)));
                }
            }
        }
        Item::Alert(decl) => {
            if let Some(title) = &decl.title {
                header.push_str(&format!(" {}", quoted(&title.value)));
            }
            if let Some(severity) = &decl.severity {
                lines.push(format!("severity: `{}`", severity.name));
            }
            lines.push(format!("when `{}`", source(decl.when.span)));
        }
        Item::Window(decl) => {
            if let Some(title) = &decl.title {
                header.push_str(&format!(" {}", quoted(&title.value)));
            }
            for field in &decl.fields {
                let span = match field {
                    WindowField::Days(_, span)
                    | WindowField::Hours { span, .. }
                    | WindowField::Applies { span, .. } => *span,
                    WindowField::Zone(zone) => zone.span,
                };
                let prefix = if matches!(field, WindowField::Zone(_)) { "zone " } else { "" };
                match field {
                    WindowField::Applies { mode, scope, .. } => {
                        lines.push(format!("`{prefix}{}`: {}", source(span), window_use(*mode, *scope)))
                    }
                    _ => lines.push(format!("`{prefix}{}`", source(span))),
                }
            }
        }
        Item::Freeze(decl) => {
            if let Some(title) = &decl.title {
                header.push_str(&format!(" {}", quoted(&title.value)));
            }
            for period in &decl.periods {
                lines.push(format!("from `{}` until `{}`", period.from.text, period.until.text));
            }
        }
        Item::Use(decl) => match &decl.target {
            crate::ast::UseTarget::Std(path) => {
                let module_name = path.last().map_or("", |part| part.name.as_str());
                if let Some(module) = crate::modules::stdlib::find(module_name) {
                    lines.push(format!("`std.{}`: {}", module.name, module.summary()));
                    for template in crate::modules::stdlib::templates(module) {
                        lines.push(format!("`{}`", template.signature(&decl.name.name)));
                    }
                }
            }
            crate::ast::UseTarget::File(path) => lines.push(format!("the file `{}`", path.value)),
        },
        Item::Template(decl) => lines.push(format!("`{}{}`", decl.name.name, source(decl.params_span))),
        Item::Variant(decl) => {
            lines.push("the plan again, checked as a plan of its own; `--variant NAME` builds it".to_string());
            lines.extend(decl.items.iter().map(|variant_item| format!("`{}`", source(variant_item.span()))));
        }
    }
    let mut out = header;
    for line in lines {
        out.push_str("\n\n");
        out.push_str(&line);
    }
    out
}

/// The `recheck` steps of a level, groups included, each with its outcome if it has one.
fn rechecks_in<'a>(items: &'a [GroupItem], out: &mut Vec<(Span, Option<&'a RecheckOutcome>)>) {
    for item in items {
        match item {
            GroupItem::Step(Step { kind: StepKind::Recheck(recheck), span }) => {
                out.push((*span, recheck.outcome.as_ref()));
            }
            GroupItem::Group(group) => rechecks_in(&group.items, out),
            _ => {}
        }
    }
}

/// What a `recheck` does, in a sentence (docs/semantics.md, R20).
fn recheck_meaning(outcome: Option<&RecheckOutcome>) -> String {
    let say = |outcome: Outcome| match outcome {
        Outcome::Resume => "resumes the run (the failure let through)",
        Outcome::Stay => "stays in the level",
        Outcome::Escalate => "escalates to a more severe level",
    };
    let bare = "escalates to the first more severe level that holds, else stays";
    match outcome {
        None => format!("samples again and {bare}"),
        Some(outcome) => format!(
            "when the condition holds, {}; otherwise (or with no data), {}",
            say(outcome.then),
            outcome.otherwise.map_or(bare, |(otherwise, _)| say(otherwise))
        ),
    }
}

fn node_hover(decl: &NodeDecl, source: &dyn Fn(Span) -> String, checked: &crate::Checked, lines: &mut Vec<String>) {
    for clause in &decl.header {
        match clause {
            HeaderClause::At(value) => lines.push(format!("at `{}`", source(value.span))),
            HeaderClause::After(nodes) => lines.push(format!("after {}", names(nodes))),
            HeaderClause::On(env) => lines.push(format!("on `{}`", env.name)),
            HeaderClause::Every(value) => lines.push(format!("every `{}`", source(value.span))),
            HeaderClause::For(value) => lines.push(format!("for `{}`", source(value.span))),
        }
    }
    // A watch's conditions on cadences of their own.
    for node_item in &decl.body {
        if let NodeItem::Cadenced(condition, every, _) = node_item {
            lines.push(format!("`{}` sampled every `{}`", source(condition.span), source(every.span)));
        }
    }
    let times = checked
        .analysis
        .as_ref()
        .and_then(|analysis| analysis.schedule.nodes.iter().find(|times| times.name == decl.name.name));
    match times {
        Some(times) => {
            let window = |earliest: i64, latest: i64| {
                format!("{} at the earliest, {} at the latest", format_offset(earliest), format_offset(latest))
            };
            lines.push(format!("starts {}", window(times.earliest_start_ms, times.latest_start_ms)));
            lines.push(format!("finishes {}", window(times.earliest_finish_ms, times.latest_finish_ms)));
            if let (Some(start), Some(finish)) = (&times.start, &times.finish) {
                lines.push(format!("at the latest: starts {start}, finishes {finish}"));
            }
            lines.push(format!(
                "nominally: starts {}, finishes {}",
                format_offset(times.nominal_start_ms),
                format_offset(times.nominal_finish_ms)
            ));
            let worst = times.latest_finish_ms.saturating_sub(times.latest_start_ms).max(0).unsigned_abs();
            let critical = if times.critical { ", on the critical path" } else { "" };
            lines.push(format!("takes at most {}{critical}", format_duration(worst)));
        }
        None => lines.push("timing: not known until the plan checks without errors".to_string()),
    }
    for node_item in &decl.body {
        if let NodeItem::Deadline(deadline) = node_item {
            lines.push(format!("`{}`", source(deadline.span)));
        }
        let (when, action) = match node_item {
            NodeItem::OnFail(action) => ("on fail", action),
            NodeItem::OnBreach(action) => ("on breach", action),
            _ => continue,
        };
        if let Some(tree) = rollback_tree(&action.kind) {
            lines.push(format!("{when} rollback `{}`", tree.name));
        }
    }
}

/// The tree an action ends in, through `pause ... then`.
fn rollback_tree(action: &ActionKind) -> Option<&Ident> {
    match action {
        ActionKind::Rollback(tree) => Some(tree),
        ActionKind::Pause { then: Some(then), .. } => rollback_tree(&then.kind),
        _ => None,
    }
}

fn names(idents: &[Ident]) -> String {
    idents.iter().map(|ident| format!("`{}`", ident.name)).collect::<Vec<_>>().join(", ")
}

/// One entry of the outline: a declaration, or a level, group or step inside one.
pub(crate) struct Symbol {
    pub(crate) name: String,
    pub(crate) detail: Option<String>,
    pub(crate) kind: lsp_types::SymbolKind,
    pub(crate) span: Span,
    pub(crate) selection: Span,
    pub(crate) children: Vec<Symbol>,
}

/// The plan's outline, in source order.
pub(crate) fn outline(file: &File) -> Vec<Symbol> {
    use lsp_types::SymbolKind;
    file.items
        .iter()
        .map(|item| {
            let (kind, detail, children) = match item {
                Item::Plan(decl) => {
                    let title = decl.fields.iter().find_map(|field| match field {
                        PlanField::Title(title) => Some(title),
                        _ => None,
                    });
                    (SymbolKind::MODULE, title, Vec::new())
                }
                Item::Role(decl) => (SymbolKind::OBJECT, decl.title.as_ref(), Vec::new()),
                Item::Env(decl) => (SymbolKind::NAMESPACE, decl.title.as_ref(), Vec::new()),
                Item::Secret(decl) => (SymbolKind::KEY, decl.description.as_ref(), Vec::new()),
                Item::Var(decl) => (SymbolKind::KEY, decl.description.as_ref(), Vec::new()),
                Item::Prometheus(decl) => (SymbolKind::NAMESPACE, decl.title.as_ref(), Vec::new()),
                Item::Metric(decl) => (SymbolKind::VARIABLE, decl.title.as_ref(), Vec::new()),
                Item::Node(decl) => (SymbolKind::FUNCTION, None, node_children(decl)),
                Item::Rollback(decl) => {
                    let levels = decl
                        .levels
                        .iter()
                        .map(|level| Symbol {
                            name: level.name.name.to_string(),
                            detail: Some("level".to_string()),
                            kind: SymbolKind::ENUM_MEMBER,
                            span: level.span,
                            selection: level.name.span,
                            children: group_children(&level.items),
                        })
                        .collect();
                    (SymbolKind::ENUM, None, levels)
                }
                Item::Alert(decl) => (SymbolKind::EVENT, decl.title.as_ref(), group_children(&decl.items)),
                Item::Window(decl) => (SymbolKind::STRUCT, decl.title.as_ref(), Vec::new()),
                Item::Freeze(decl) => (SymbolKind::STRUCT, decl.title.as_ref(), Vec::new()),
                Item::Use(_) => (SymbolKind::MODULE, None, Vec::new()),
                Item::Template(_) => (SymbolKind::FUNCTION, None, Vec::new()),
                Item::Variant(_) => (SymbolKind::MODULE, None, Vec::new()),
            };
            let name = item.name();
            // The kind as written, then the title: `role "Tech lead"`, `metric : percent`.
            let mut detail_text = item.kind_name().to_string();
            if let Item::Metric(decl) = item {
                detail_text.push_str(&format!(" : {}", decl.ty.name));
            }
            if let Some(title) = detail {
                detail_text.push_str(&format!(" \"{}\"", title.value));
            }
            Symbol {
                name: name.name.to_string(),
                detail: Some(detail_text),
                kind,
                span: declaration_span(item),
                selection: name.span,
                children,
            }
        })
        .collect()
}

fn declaration_span(item: &Item) -> Span {
    crate::diag::suppress::item_span(item)
}

fn node_children(decl: &NodeDecl) -> Vec<Symbol> {
    decl.body
        .iter()
        .filter_map(|node_item| match node_item {
            NodeItem::Step(step) => Some(step_symbol(step)),
            NodeItem::Group(group) => Some(group_symbol(group)),
            _ => None,
        })
        .collect()
}

fn group_children(items: &[GroupItem]) -> Vec<Symbol> {
    items
        .iter()
        .filter_map(|item| match item {
            GroupItem::Step(step) => Some(step_symbol(step)),
            GroupItem::Group(group) => Some(group_symbol(group)),
            GroupItem::Call(_) | GroupItem::Tolerate(_) => None,
        })
        .collect()
}

fn group_symbol(group: &crate::ast::Group) -> Symbol {
    Symbol {
        name: group.title.value.to_string(),
        detail: Some("group".to_string()),
        kind: lsp_types::SymbolKind::NAMESPACE,
        span: group.span,
        selection: group.title.span,
        children: group_children(&group.items),
    }
}

fn step_symbol(step: &Step) -> Symbol {
    let title = match &step.kind {
        StepKind::Run(run) => run.title.as_ref(),
        StepKind::Expect(expect) => expect.title.as_ref(),
        StepKind::Approve(approve) => approve.title.as_ref(),
        StepKind::Check { text, .. } | StepKind::Notify { message: text, .. } => Some(text),
        StepKind::Page { message, .. } => message.as_ref(),
        StepKind::Wait(_) | StepKind::Recheck(_) | StepKind::Continue => None,
    };
    let keyword = step.kind.keyword();
    Symbol {
        name: title.map_or_else(|| keyword.to_string(), |title| title.value.to_string()),
        detail: Some(keyword.to_string()),
        kind: lsp_types::SymbolKind::FIELD,
        span: step.span,
        selection: step.span,
        children: Vec::new(),
    }
}

/// What `applies`, `prefer` or `avoid` with `launch` or `changes` means, for hover.
fn window_use(mode: crate::ast::WindowMode, scope: crate::ast::WindowScope) -> &'static str {
    use crate::ast::{WindowMode, WindowScope};
    match (mode, scope) {
        (WindowMode::Applies, WindowScope::Launch) => "T0 must fall inside a launch window (E0505)",
        (WindowMode::Applies, WindowScope::Changes) => {
            "every node that can change something starts and finishes inside such a window (E0530), checked again when it starts (R27)"
        }
        (WindowMode::Prefer, WindowScope::Launch) => "a warning when T0 is outside every preferred window (W0530)",
        (WindowMode::Prefer, WindowScope::Changes) => {
            "a warning when a node that can change something may run outside every preferred window (W0530)"
        }
        (WindowMode::Avoid, WindowScope::Launch) => "a warning when T0 falls inside this window (W0531)",
        (WindowMode::Avoid, WindowScope::Changes) => {
            "a warning when a node that can change something may run inside this window (W0531)"
        }
    }
}
