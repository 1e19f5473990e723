//! Template calls, checked and pasted.
//!
//! A call binds each parameter to an argument or its default and checks the argument's type;
//! then the template's statements are copied with every parameter replaced: a name where a
//! name stands, a literal where a value stands, and `{param}` inside strings (quoted for the
//! shell inside `sh` commands, so an argument is always one word there). Every span copied from
//! the template gets the call's `via`; the arguments keep their own spans, so a later error
//! about an argument points at the call.

use super::{Module, Program};
use crate::ast::{self, Argument, GroupItem, Ident, Item, NodeItem, Text, Value, ValueKind};
use crate::diag::{Code, Diagnostic};
use crate::source::{Expansion, SourceMap, Span};
use rustc_hash::FxHashMap;

/// Calls nested deeper than this are refused (a template calling itself is reported first).
const MAX_CALL_DEPTH: usize = 32;

/// Calls that would paste more statements than this in all are refused: no plan is so long,
/// and templates that each call the previous one twice double with every level (22 levels
/// took 8.4 s and 1.3 GB, 40 exhausted memory). Each statement a call pastes counts, a call
/// inside a template once more for what it pastes in turn.
const MAX_PASTED: usize = 100_000;

/// The type of a template parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamType {
    String,
    /// A shell command, pasted into `sh "..."` as written (a `string` is quoted there).
    Command,
    Duration,
    Offset,
    Percent,
    Number,
    Rate,
    Size,
    Bool,
    Role,
    Env,
    Secret,
    Metric,
    Node,
    Rollback,
}

impl ParamType {
    pub const ALL: &'static [ParamType] = &[
        ParamType::String,
        ParamType::Command,
        ParamType::Duration,
        ParamType::Offset,
        ParamType::Percent,
        ParamType::Number,
        ParamType::Rate,
        ParamType::Size,
        ParamType::Bool,
        ParamType::Role,
        ParamType::Env,
        ParamType::Secret,
        ParamType::Metric,
        ParamType::Node,
        ParamType::Rollback,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ParamType::String => "string",
            ParamType::Command => "command",
            ParamType::Duration => "duration",
            ParamType::Offset => "offset",
            ParamType::Percent => "percent",
            ParamType::Number => "number",
            ParamType::Rate => "rate",
            ParamType::Size => "size",
            ParamType::Bool => "bool",
            ParamType::Role => "role",
            ParamType::Env => "env",
            ParamType::Secret => "secret",
            ParamType::Metric => "metric",
            ParamType::Node => "node",
            ParamType::Rollback => "rollback",
        }
    }

    pub fn parse(name: &str) -> Option<ParamType> {
        ParamType::ALL.iter().copied().find(|ty| ty.name() == name)
    }

    /// Whether arguments of this type are names of declarations.
    fn is_name(self) -> bool {
        matches!(
            self,
            ParamType::Role
                | ParamType::Env
                | ParamType::Secret
                | ParamType::Metric
                | ParamType::Node
                | ParamType::Rollback
        )
    }

    /// Whether `argument` can be given for this type (an unreadable literal was reported
    /// already, so it fits anything).
    fn accepts(self, argument: &Argument) -> bool {
        match argument {
            Argument::Text(_) => matches!(self, ParamType::String | ParamType::Command),
            Argument::Value(value) => {
                matches!(
                    (self, &value.kind),
                    (_, ValueKind::Invalid)
                        | (ParamType::Duration, ValueKind::Duration(_))
                        | (ParamType::Offset, ValueKind::Offset(_))
                        | (ParamType::Percent, ValueKind::Percent(_))
                        | (ParamType::Number, ValueKind::Number(_))
                        | (ParamType::Rate, ValueKind::Rate(_))
                        | (ParamType::Size, ValueKind::Size(_))
                        | (ParamType::Bool, ValueKind::Bool(_))
                ) || (self.is_name() && matches!(value.kind, ValueKind::Name(_)))
            }
        }
    }

    /// An example argument, for help texts.
    fn example(self) -> &'static str {
        match self {
            ParamType::String => "\"text\"",
            ParamType::Command => "\"./deploy.sh production\"",
            ParamType::Duration => "10m",
            ParamType::Offset => "T+1h",
            ParamType::Percent => "5%",
            ParamType::Number => "3",
            ParamType::Rate => "10/s",
            ParamType::Size => "512MB",
            ParamType::Bool => "true",
            ParamType::Role => "tech_lead",
            ParamType::Env => "production",
            ParamType::Secret => "API_TOKEN",
            ParamType::Metric => "error_rate",
            ParamType::Node => "deploy",
            ParamType::Rollback => "incident",
        }
    }
}

fn describe(argument: &Argument) -> &'static str {
    match argument {
        Argument::Text(_) => "a string",
        Argument::Value(value) => value.kind.describe(),
    }
}

/// A template and the module that declares it.
struct Template<'p> {
    decl: &'p ast::TemplateDecl,
    /// Parameter types, `None` where the type name was wrong (reported once, at the template).
    types: Vec<Option<ParamType>>,
}

/// Pastes every template call of the program; returns the plan's declarations in order and
/// the diagnostics of the templates and calls. A declaration without calls is named by its
/// place in its module, not copied, so only what a call changed exists twice. `None` when
/// there is nothing to paste: the root file alone is the plan (the common case).
pub fn expand(sources: &mut SourceMap, program: &Program) -> (Option<Vec<Declaration>>, Vec<Diagnostic>) {
    let root = &program.modules[0].ast;
    let simple = program.modules.len() == 1
        && root.items.iter().all(|item| !matches!(item, Item::Use(_) | Item::Template(_)) && !item_has_call(item));
    if simple {
        return (None, Vec::new());
    }
    let mut expander = Expander {
        sources,
        diagnostics: Vec::new(),
        templates: Vec::new(),
        stack: Vec::new(),
        used: Vec::new(),
        pasted: 0,
        exhausted: false,
    };
    for module in &program.modules {
        let templates = expander.declare_templates(module);
        expander.templates.push(templates);
    }
    let mut items = Vec::with_capacity(program.modules.iter().map(|module| module.ast.items.len()).sum());
    for &index in &program.order {
        for (position, item) in program.modules[index].ast.items.iter().enumerate() {
            if let Some(item) = expander.item(program, index, position, item) {
                items.push(item);
            }
        }
    }
    expander.report_unused_imports(program);
    (Some(items), expander.diagnostics)
}

/// A declaration of the expanded plan: the one written in its module (by position, so the
/// caller may borrow it or move it out of the program), or a copy with calls pasted.
#[derive(Debug)]
pub enum Declaration {
    Written { module: usize, position: usize },
    Pasted(Box<Item>),
}

impl Declaration {
    /// The declaration, read from `program` when it is the written one.
    pub fn get<'a>(&'a self, program: &'a Program) -> Option<&'a Item> {
        match self {
            Declaration::Written { module, position } => program.modules.get(*module)?.ast.items.get(*position),
            Declaration::Pasted(item) => Some(item),
        }
    }
}

fn item_has_call(item: &Item) -> bool {
    match item {
        Item::Node(decl) => decl.body.iter().any(node_item_has_call),
        Item::Rollback(decl) => decl.levels.iter().any(|level| level.items.iter().any(group_item_has_call)),
        Item::Alert(decl) => decl.items.iter().any(group_item_has_call),
        _ => false,
    }
}

fn node_item_has_call(item: &NodeItem) -> bool {
    match item {
        NodeItem::Call(_) => true,
        NodeItem::Group(group) => group.items.iter().any(group_item_has_call),
        _ => false,
    }
}

fn group_item_has_call(item: &GroupItem) -> bool {
    match item {
        GroupItem::Call(_) => true,
        GroupItem::Group(group) => group.items.iter().any(group_item_has_call),
        GroupItem::Step(_) | GroupItem::Tolerate(_) => false,
    }
}

struct Expander<'s, 'p> {
    sources: &'s mut SourceMap,
    diagnostics: Vec<Diagnostic>,
    /// By module: the templates it declares, by name (Fx hashing: the keys are names from the
    /// plan's own files, not input that could be chosen to collide).
    templates: Vec<FxHashMap<&'p str, Template<'p>>>,
    /// The calls being pasted, innermost last: (module, template name), for recursion.
    stack: Vec<(usize, &'p str)>,
    /// The imports some call went through: (importing module, imported module).
    used: Vec<(usize, usize)>,
    /// The statements pasted so far, at most [`MAX_PASTED`].
    pasted: usize,
    /// A call went past [`MAX_CALL_DEPTH`] or [`MAX_PASTED`] (reported once): no call pastes
    /// anything more.
    exhausted: bool,
}

impl<'p> Expander<'_, 'p> {
    /// Collects a module's templates and checks their parameters once.
    fn declare_templates(&mut self, module: &'p Module) -> FxHashMap<&'p str, Template<'p>> {
        let mut templates: FxHashMap<&'p str, Template<'p>> = FxHashMap::default();
        for item in &module.ast.items {
            let Item::Template(decl) = item else { continue };
            if let Some(first) = templates.get(decl.name.name.as_str()) {
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::DuplicateDefinition,
                        decl.name.span,
                        format!("template `{}` is declared twice", decl.name.name),
                    )
                    .label("declared again here")
                    .with(first.decl.name.span, "first declared here")
                    .help("every template of a file needs its own name"),
                );
                continue;
            }
            let mut types = Vec::new();
            let mut seen: Vec<&Ident> = Vec::new();
            for param in &decl.params {
                if let Some(first) = seen.iter().find(|seen| seen.name == param.name.name) {
                    self.diagnostics.push(
                        Diagnostic::new(
                            Code::DuplicateDefinition,
                            param.name.span,
                            format!("parameter `{}` is declared twice", param.name.name),
                        )
                        .label("declared again here")
                        .with(first.span, "first declared here")
                        .help("every parameter of a template needs its own name"),
                    );
                }
                seen.push(&param.name);
                let ty = ParamType::parse(&param.ty.name);
                if ty.is_none() {
                    let suggestion = crate::sema::closest(&param.ty.name, ParamType::ALL.iter().map(|ty| ty.name()));
                    let known: Vec<&str> = ParamType::ALL.iter().map(|ty| ty.name()).collect();
                    self.diagnostics.push(
                        Diagnostic::new(
                            Code::UnknownParameterType,
                            param.ty.span,
                            format!("`{}` is not a parameter type", param.ty.name),
                        )
                        .label("unknown type")
                        .help(match suggestion {
                            Some(name) => format!("did you mean `{name}`?"),
                            None => format!("a parameter is one of: {}", known.join(", ")),
                        }),
                    );
                }
                if let (Some(ty), Some(default)) = (ty, &param.default) {
                    if !ty.accepts(default) {
                        self.diagnostics.push(
                            Diagnostic::new(
                                Code::ArgumentTypeMismatch,
                                default.span(),
                                format!(
                                    "the default of `{}` is {}, but the parameter is a {}",
                                    param.name.name,
                                    describe(default),
                                    ty.name()
                                ),
                            )
                            .label(describe(default))
                            .with(param.ty.span, format!("declared as `{}` here", ty.name()))
                            .help(format!(
                                "give a {} such as `{}`",
                                ty.name(),
                                ty.example()
                            )),
                        );
                    }
                }
                types.push(ty);
            }
            templates.insert(&decl.name.name, Template { decl, types });
        }
        templates
    }

    /// A `use` of a module that only holds templates, none of which is called, does nothing.
    /// (A module that declares roles, metrics or nodes adds them to the plan: it is used.)
    fn report_unused_imports(&mut self, program: &Program) {
        for (index, module) in program.modules.iter().enumerate() {
            for item in &module.ast.items {
                let Item::Use(decl) = item else { continue };
                let Some((_, imported)) = module.imports.iter().find(|(name, _)| *name == decl.name.name) else {
                    continue;
                };
                let only_templates = program.modules[*imported]
                    .ast
                    .items
                    .iter()
                    .all(|item| matches!(item, Item::Template(_) | Item::Use(_)));
                if only_templates && !self.used.contains(&(index, *imported)) {
                    self.diagnostics.push(
                        Diagnostic::new(
                            Code::UnusedImport,
                            decl.span,
                            format!("`{}` is imported, but none of its templates is called", decl.name.name),
                        )
                        .label("unused import")
                        .help(format!("remove it, or call one of its templates: `{}.NAME(...)`", decl.name.name)),
                    );
                }
            }
        }
    }

    /// A declaration with its calls pasted (named by its place when it has none); `None` for
    /// `use` and `template`, which are gone once the plan is expanded.
    fn item(&mut self, program: &'p Program, module: usize, position: usize, item: &'p Item) -> Option<Declaration> {
        if matches!(item, Item::Use(_) | Item::Template(_)) {
            return None;
        }
        if !item_has_call(item) {
            return Some(Declaration::Written { module, position });
        }
        Some(Declaration::Pasted(Box::new(match item {
            Item::Node(decl) => {
                let mut decl = decl.clone();
                decl.body = self.node_items(program, module, std::mem::take(&mut decl.body));
                Item::Node(decl)
            }
            Item::Rollback(decl) => {
                let mut decl = decl.clone();
                for level in &mut decl.levels {
                    level.items =
                        self.group_items(program, module, std::mem::take(&mut level.items), "a rollback level");
                }
                Item::Rollback(decl)
            }
            Item::Alert(decl) => {
                let mut decl = decl.clone();
                decl.items = self.group_items(program, module, std::mem::take(&mut decl.items), "an alert");
                Item::Alert(decl)
            }
            other => other.clone(),
        })))
    }

    fn node_items(&mut self, program: &'p Program, module: usize, items: Vec<NodeItem>) -> Vec<NodeItem> {
        // Nothing to paste (a template's body usually): the list is kept, not rebuilt.
        if !items.iter().any(node_item_has_call) {
            return items;
        }
        let mut pasted = Vec::with_capacity(items.len());
        for item in items {
            match item {
                NodeItem::Call(call) => pasted.extend(self.call(program, module, &call)),
                NodeItem::Group(mut group) => {
                    group.items = self.group_items(program, module, std::mem::take(&mut group.items), "a group");
                    pasted.push(NodeItem::Group(group));
                }
                other => pasted.push(other),
            }
        }
        // A call pastes more than one statement, so the list outgrew its first size; the
        // slack would stay allocated for as long as the plan.
        pasted.shrink_to_fit();
        pasted
    }

    /// Items of a group, a level or an alert: a call there may paste steps and groups only.
    fn group_items(
        &mut self,
        program: &'p Program,
        module: usize,
        items: Vec<GroupItem>,
        place: &str,
    ) -> Vec<GroupItem> {
        if !items.iter().any(group_item_has_call) {
            return items;
        }
        let mut pasted = Vec::with_capacity(items.len());
        for item in items {
            match item {
                GroupItem::Call(call) => {
                    for item in self.call(program, module, &call) {
                        match item {
                            NodeItem::Step(step) => pasted.push(GroupItem::Step(step)),
                            NodeItem::Group(group) => pasted.push(GroupItem::Group(group)),
                            other => {
                                let (what, span) = describe_node_item(&other);
                                self.diagnostics.push(
                                    Diagnostic::new(
                                        Code::NotAllowedHere,
                                        call.span,
                                        format!("this call pastes {what} into {place}, where only steps may go"),
                                    )
                                    .label(format!("pastes {what}"))
                                    .with(span, format!("{what} in the template"))
                                    .help("call this template inside a phase, gate, rollout or watch"),
                                );
                            }
                        }
                    }
                }
                GroupItem::Group(mut group) => {
                    group.items = self.group_items(program, module, std::mem::take(&mut group.items), "a group");
                    pasted.push(GroupItem::Group(group));
                }
                other => pasted.push(other),
            }
        }
        pasted.shrink_to_fit();
        pasted
    }

    /// The statements a call pastes, or none when the call is wrong (reported).
    fn call(&mut self, program: &'p Program, module: usize, call: &ast::Call) -> Vec<NodeItem> {
        let Some((template_module, name)) = self.resolve(program, module, call) else { return Vec::new() };
        let Some(template) = self.templates.get(template_module).and_then(|templates| templates.get(name)) else {
            return Vec::new();
        };
        let decl = template.decl;
        let written = match &call.module {
            Some(alias) => format!("{}.{}", alias.name, call.name.name),
            None => call.name.name.to_string(),
        };
        if self.exhausted {
            return Vec::new();
        }
        if self.stack.iter().any(|(module, called)| *module == template_module && *called == name) {
            let mut chain: Vec<&str> = self.stack.iter().map(|(_, called)| *called).collect();
            chain.push(name);
            self.diagnostics.push(
                Diagnostic::new(
                    Code::RecursiveTemplate,
                    call.span,
                    format!("template `{written}` calls itself: {}", chain.join(" → ")),
                )
                .label("this call starts the template again")
                .with(decl.name.span, "the template")
                .help("a template is pasted before checking, so it cannot call itself, directly or not"),
            );
            return Vec::new();
        }
        let too_deep = self.stack.len() >= MAX_CALL_DEPTH;
        if too_deep || self.pasted + decl.body.len() > MAX_PASTED {
            self.exhausted = true;
            let mut chain: Vec<&str> = self.stack.iter().map(|(_, called)| *called).collect();
            chain.push(name);
            let (message, label, help) = if too_deep {
                (
                    format!("template calls nest more than {MAX_CALL_DEPTH} deep: {}", chain.join(" → ")),
                    "one call too deep",
                    "a deep chain is not a recursion, only too long: call the inner templates side by side instead of each from the one before",
                )
            } else {
                (
                    format!("template calls paste more than {MAX_PASTED} statements in all"),
                    "this call pastes past the limit",
                    "templates that call others several times multiply what they paste; write fewer, larger phases instead",
                )
            };
            self.diagnostics.push(
                Diagnostic::new(Code::ExpansionTooLarge, call.span, message)
                    .label(label)
                    .with(decl.name.span, "the template")
                    .help(help),
            );
            return Vec::new();
        }
        self.pasted += decl.body.len();
        // The diagnostics alone are borrowed mutably, so the parameter types need no copy.
        let Some(bindings) = bind(&mut self.diagnostics, call, decl, &template.types, &written) else {
            return Vec::new();
        };
        let via =
            self.sources.add_expansion(Expansion { call: call.span, template: written, definition: decl.name.span });
        let mut body = decl.body.clone();
        let mut paster =
            Paster { sources: &*self.sources, bindings: &bindings, via, diagnostics: Vec::new(), template: decl };
        for item in &mut body {
            paster.node_item(item);
        }
        let found = paster.diagnostics;
        self.diagnostics.extend(found);
        self.stack.push((template_module, name));
        let body = self.node_items(program, template_module, body);
        self.stack.pop();
        body
    }

    /// The module and name of the template a call names, or a reported error.
    fn resolve(&mut self, program: &'p Program, module: usize, call: &ast::Call) -> Option<(usize, &'p str)> {
        let template_module = match &call.module {
            None => module,
            Some(alias) => {
                let imports = &program.modules[module].imports;
                match imports.iter().find(|(name, _)| *name == alias.name) {
                    Some((_, imported)) => {
                        if !self.used.contains(&(module, *imported)) {
                            self.used.push((module, *imported));
                        }
                        *imported
                    }
                    None => {
                        let suggestion =
                            crate::sema::closest(&alias.name, imports.iter().map(|(name, _)| name.as_str()));
                        let is_std = super::stdlib::find(&alias.name).is_some();
                        self.diagnostics.push(
                            Diagnostic::new(
                                Code::UndefinedName,
                                alias.span,
                                format!("no module named `{}` is imported in this file", alias.name),
                            )
                            .label("unknown module")
                            .help(match (suggestion, is_std) {
                                (Some(name), _) => format!("did you mean `{name}`?"),
                                (None, true) => format!("import it first: `use std.{}`", alias.name),
                                (None, false) => {
                                    "import the module with `use` before calling its templates".to_string()
                                }
                            }),
                        );
                        return None;
                    }
                }
            }
        };
        let templates = self.templates.get(template_module)?;
        if let Some((name, _)) = templates.get_key_value(call.name.name.as_str()) {
            return Some((template_module, *name));
        }
        let suggestion = crate::sema::closest(&call.name.name, templates.keys().copied());
        let place = match &call.module {
            Some(alias) => format!("module `{}`", alias.name),
            None => "this file".to_string(),
        };
        self.diagnostics.push(
            Diagnostic::new(
                Code::UndefinedName,
                call.name.span,
                format!("{place} has no template named `{}`", call.name.name),
            )
            .label("unknown template")
            .help(match suggestion {
                Some(name) => format!("did you mean `{name}`?"),
                None if call.module.is_some() => {
                    "`golivec stdlib` lists the templates of each standard module".to_string()
                }
                None => {
                    "declare it: `template NAME(param: string) { ... }`, or call one of a module: `module.NAME(...)`"
                        .to_string()
                }
            }),
        );
        None
    }
}

/// Each parameter's argument (or default), checked; `None` when the call is wrong (reported
/// in `diagnostics`). The bindings borrow the call's arguments and the template's defaults.
fn bind<'c>(
    diagnostics: &mut Vec<Diagnostic>,
    call: &'c ast::Call,
    decl: &'c ast::TemplateDecl,
    types: &[Option<ParamType>],
    written: &str,
) -> Option<Bindings<'c>> {
    let before = diagnostics.len();
    // Sized for every parameter: no rehashing while binding.
    let mut bindings: Bindings<'c> = FxHashMap::with_capacity_and_hasher(decl.params.len(), Default::default());
    let mut given: Vec<&Ident> = Vec::new();
    for arg in &call.args {
        if let Some(first) = given.iter().find(|seen| seen.name == arg.name.name) {
            diagnostics.push(
                Diagnostic::new(Code::DuplicateField, arg.name.span, format!("`{}` is given twice", arg.name.name))
                    .label("given again here")
                    .with(first.span, "first given here")
                    .help(format!("keep one `{}`", arg.name.name)),
            );
            continue;
        }
        given.push(&arg.name);
        let Some(position) = decl.params.iter().position(|param| param.name.name == arg.name.name) else {
            let suggestion =
                crate::sema::closest(&arg.name.name, decl.params.iter().map(|param| param.name.name.as_str()));
            let names: Vec<String> = decl.params.iter().map(|param| format!("`{}`", param.name.name)).collect();
            diagnostics.push(
                Diagnostic::new(
                    Code::BadCallArguments,
                    arg.name.span,
                    format!("template `{written}` has no parameter `{}`", arg.name.name),
                )
                .label("unknown argument")
                .with(decl.params_span, "the template's parameters")
                .help(match suggestion {
                    Some(name) => format!("did you mean `{name}`?"),
                    None if names.is_empty() => "this template takes no arguments".to_string(),
                    None => format!("it takes {}", names.join(", ")),
                }),
            );
            continue;
        };
        let param = &decl.params[position];
        if let Some(Some(ty)) = types.get(position) {
            if !ty.accepts(&arg.value) {
                diagnostics.push(
                    Diagnostic::new(
                        Code::ArgumentTypeMismatch,
                        arg.value.span(),
                        format!(
                            "`{}` of `{written}` is a {}, but this is {}",
                            param.name.name,
                            ty.name(),
                            describe(&arg.value)
                        ),
                    )
                    .label(describe(&arg.value))
                    .with(param.ty.span, format!("declared as `{}` here", ty.name()))
                    .help(format!("give a {} such as `{}`", ty.name(), ty.example())),
                );
                continue;
            }
        }
        let ty = types.get(position).copied().flatten();
        bindings.insert(&param.name.name, Bound { argument: &arg.value, ty });
    }
    let missing: Vec<&ast::Param> = decl
        .params
        .iter()
        .filter(|param| param.default.is_none() && !given.iter().any(|arg| arg.name == param.name.name))
        .collect();
    if !missing.is_empty() {
        let names: Vec<String> = missing.iter().map(|param| format!("`{}`", param.name.name)).collect();
        let example: Vec<String> = missing
            .iter()
            .map(|param| {
                let example = ParamType::parse(&param.ty.name).map_or("...", ParamType::example);
                format!("{} = {example}", param.name.name)
            })
            .collect();
        let mut diagnostic = Diagnostic::new(
            Code::BadCallArguments,
            call.args_span,
            format!(
                "template `{written}` needs {} {}",
                if missing.len() == 1 { "argument" } else { "arguments" },
                names.join(", ")
            ),
        )
        .label("missing here");
        for param in &missing {
            diagnostic = diagnostic.with(param.span, "declared without a default here");
        }
        diagnostics.push(diagnostic.help(format!("add {}", example.join(", "))));
    }
    for (position, param) in decl.params.iter().enumerate() {
        if let (None, Some(default)) = (bindings.get(param.name.name.as_str()), &param.default) {
            if !given.iter().any(|arg| arg.name == param.name.name) {
                let ty = types.get(position).copied().flatten();
                bindings.insert(&param.name.name, Bound { argument: default, ty });
            }
        }
    }
    (diagnostics.len() == before).then_some(bindings)
}

/// What a node statement is, in words, and where.
fn describe_node_item(item: &NodeItem) -> (&'static str, Span) {
    match item {
        NodeItem::Step(step) => ("a step", step.span),
        NodeItem::Group(group) => ("a group", group.span),
        NodeItem::OnFail(action) => ("`on fail`", action.span),
        NodeItem::OnBreach(action) => ("`on breach`", action.span),
        NodeItem::PointOfNoReturn(span) => ("`point_of_no_return`", *span),
        NodeItem::Require(_, span) => ("`require`", *span),
        NodeItem::Set(_, _, span) => ("`set`", *span),
        NodeItem::Stage(stage) => ("`stage`", stage.span),
        NodeItem::Every(value) => ("`every`", value.span),
        NodeItem::Tolerate(tolerate) => ("`tolerate`", tolerate.span),
        NodeItem::Deadline(deadline) => ("`within`", deadline.span),
        NodeItem::Condition(condition) => ("a condition", condition.span),
        NodeItem::Cadenced(_, _, span) => ("a condition", *span),
        NodeItem::Call(call) => ("a call", call.span),
    }
}

/// A parameter's argument (or default) and the parameter's type.
struct Bound<'c> {
    argument: &'c Argument,
    ty: Option<ParamType>,
}

/// A call's bound parameters, by name.
type Bindings<'c> = FxHashMap<&'c str, Bound<'c>>;

/// Copies a template's statements into a call's place.
struct Paster<'a> {
    sources: &'a SourceMap,
    bindings: &'a Bindings<'a>,
    via: u32,
    diagnostics: Vec<Diagnostic>,
    template: &'a ast::TemplateDecl,
}

impl Paster<'_> {
    fn span(&self, span: &mut Span) {
        span.via = self.via;
    }

    fn node_item(&mut self, item: &mut NodeItem) {
        match item {
            NodeItem::Step(step) => self.step(step),
            NodeItem::Group(group) => self.group(group),
            NodeItem::OnFail(action) | NodeItem::OnBreach(action) => self.action(action),
            NodeItem::PointOfNoReturn(span) => self.span(span),
            NodeItem::Require(condition, span) => {
                self.condition(condition);
                self.span(span);
            }
            NodeItem::Set(command, uses, span) => {
                self.command(command);
                uses.iter_mut().for_each(|name| self.name(name));
                self.span(span);
            }
            NodeItem::Stage(stage) => {
                self.value(&mut stage.weight);
                for clause in &mut stage.clauses {
                    match clause {
                        ast::StageClause::At(value)
                        | ast::StageClause::Hold(value)
                        | ast::StageClause::Every(value) => self.value(value),
                    }
                }
                self.span(&mut stage.span);
            }
            NodeItem::Every(value) => self.value(value),
            NodeItem::Tolerate(tolerate) => self.tolerate(tolerate),
            NodeItem::Deadline(deadline) => {
                if let Some(typical) = &mut deadline.typical {
                    self.span(typical);
                }
                self.value(&mut deadline.duration);
                if let Some(from) = &mut deadline.from {
                    self.name(from);
                }
                self.span(&mut deadline.span);
            }
            NodeItem::Condition(condition) => self.condition(condition),
            NodeItem::Cadenced(condition, every, span) => {
                self.condition(condition);
                self.value(every);
                self.span(span);
            }
            NodeItem::Call(call) => self.call(call),
        }
    }

    /// A nested call: its arguments may use this template's parameters; a bare name that is
    /// not one of them is a declared name given on (a role, a metric, ...).
    fn call(&mut self, call: &mut ast::Call) {
        for arg in &mut call.args {
            match &mut arg.value {
                Argument::Text(text) => self.text(text, false),
                Argument::Value(value) => {
                    if let ValueKind::Name(name) = &value.kind {
                        if let Some(bound) = self.bindings.get(name.as_str()) {
                            arg.value = bound.argument.clone();
                            continue;
                        }
                        self.span(&mut value.span);
                    } else {
                        self.value(value);
                    }
                }
            }
            self.span(&mut arg.name.span);
            self.span(&mut arg.span);
        }
        if let Some(module) = &mut call.module {
            self.span(&mut module.span);
        }
        self.span(&mut call.name.span);
        self.span(&mut call.args_span);
        self.span(&mut call.span);
    }

    fn group(&mut self, group: &mut ast::Group) {
        self.text(&mut group.title, false);
        for item in &mut group.items {
            self.group_item(item);
        }
        self.span(&mut group.span);
    }

    fn group_item(&mut self, item: &mut GroupItem) {
        match item {
            GroupItem::Step(step) => self.step(step),
            GroupItem::Group(group) => self.group(group),
            GroupItem::Call(call) => self.call(call),
            GroupItem::Tolerate(tolerate) => self.tolerate(tolerate),
        }
    }

    fn tolerate(&mut self, tolerate: &mut ast::Tolerate) {
        self.value(&mut tolerate.count);
        self.span(&mut tolerate.span);
    }

    fn action(&mut self, action: &mut ast::Action) {
        match &mut action.kind {
            ast::ActionKind::Abort | ast::ActionKind::Continue => {}
            ast::ActionKind::Rollback(tree) => self.name(tree),
            ast::ActionKind::Pause { wait, then } => {
                self.value(wait);
                if let Some(then) = then {
                    self.action(then);
                }
            }
        }
        self.span(&mut action.span);
    }

    fn command(&mut self, command: &mut ast::Command) {
        self.text(&mut command.script, true);
        self.span(&mut command.span);
    }

    fn step(&mut self, step: &mut ast::Step) {
        match &mut step.kind {
            ast::StepKind::Run(run) => {
                if let Some(title) = &mut run.title {
                    self.text(title, false);
                }
                self.run_options(&mut run.options);
            }
            ast::StepKind::Expect(expect) => {
                if let Some(title) = &mut expect.title {
                    self.text(title, false);
                }
                match &mut expect.check {
                    ast::ExpectCheck::Http { url, status, within, repeated, span } => {
                        self.text(url, false);
                        for value in [status, within].into_iter().flatten() {
                            self.value(value);
                        }
                        for (_, span) in repeated {
                            self.span(span);
                        }
                        self.span(span);
                    }
                    ast::ExpectCheck::Command(command) => self.command(command),
                    ast::ExpectCheck::Condition(condition) => self.condition(condition),
                }
                self.run_options(&mut expect.options);
            }
            ast::StepKind::Check { text, by, options } => {
                self.text(text, false);
                by.iter_mut().for_each(|name| self.name(name));
                self.run_options(options);
            }
            ast::StepKind::Approve(approve) => {
                if let Some(title) = &mut approve.title {
                    self.text(title, false);
                }
                if let Some(quorum) = &mut approve.quorum {
                    self.value(quorum);
                }
                approve.roles.iter_mut().for_each(|name| self.name(name));
                self.run_options(&mut approve.options);
            }
            ast::StepKind::Notify { roles, message } => {
                roles.iter_mut().for_each(|name| self.name(name));
                self.text(message, false);
            }
            ast::StepKind::Page { roles, message } => {
                roles.iter_mut().for_each(|name| self.name(name));
                if let Some(message) = message {
                    self.text(message, false);
                }
            }
            ast::StepKind::Wait(value) => self.value(value),
            ast::StepKind::Recheck(recheck) => {
                if let Some(after) = &mut recheck.after {
                    self.value(after);
                }
                if let Some(outcome) = &mut recheck.outcome {
                    self.span(&mut outcome.then_span);
                    self.condition(&mut outcome.condition);
                    if let Some((_, span)) = &mut outcome.otherwise {
                        self.span(span);
                    }
                }
            }
            ast::StepKind::Continue => {}
        }
        self.span(&mut step.span);
    }

    fn run_options(&mut self, options: &mut [ast::RunOption]) {
        for option in options {
            match option {
                ast::RunOption::Command(command) => self.command(command),
                ast::RunOption::Timeout(value) | ast::RunOption::Typically(value) | ast::RunOption::Retries(value) => {
                    self.value(value)
                }
                ast::RunOption::Uses(names) => names.iter_mut().for_each(|name| self.name(name)),
                ast::RunOption::Idempotent(span) => self.span(span),
            }
        }
    }

    fn condition(&mut self, condition: &mut ast::Condition) {
        match &mut condition.kind {
            ast::ConditionKind::Or(parts) | ast::ConditionKind::And(parts) => {
                parts.iter_mut().for_each(|part| self.condition(part))
            }
            ast::ConditionKind::Not(inner) => self.condition(inner),
            ast::ConditionKind::Held { condition, duration } => {
                self.condition(condition);
                self.value(duration);
            }
            ast::ConditionKind::Compare { metric, threshold, .. } => {
                self.name(metric);
                match threshold {
                    ast::Threshold::Absolute(value) => self.value(value),
                    ast::Threshold::OfBaseline { fraction, span } => {
                        self.value(fraction);
                        self.span(span);
                    }
                }
            }
            ast::ConditionKind::InRange { metric, range, .. } => {
                self.name(metric);
                self.value(&mut range.low);
                self.value(&mut range.high);
                self.span(&mut range.span);
            }
            ast::ConditionKind::Test(metric) => self.name(metric),
            ast::ConditionKind::Declared(text) => self.text(text, false),
            ast::ConditionKind::NoData(metric) => {
                if let Some(metric) = metric {
                    self.name(metric);
                }
            }
        }
        self.span(&mut condition.span);
    }

    /// A name: replaced by the argument when it is a parameter.
    fn name(&mut self, ident: &mut Ident) {
        match self.bindings.get(ident.name.as_str()).map(|bound| bound.argument) {
            Some(Argument::Value(Value { kind: ValueKind::Name(name), span })) => {
                *ident = Ident { name: name.clone(), span: *span };
            }
            Some(argument) => {
                let mut at = ident.span;
                self.span(&mut at);
                let argument = describe(argument);
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::ArgumentTypeMismatch,
                        at,
                        format!("parameter `{}` is {argument}, but a name is expected here", ident.name),
                    )
                    .label("a name is expected here")
                    .with(self.template.params_span, "the template's parameters")
                    .help("declare the parameter with a name type: role, env, secret, metric, node or rollback"),
                );
                self.span(&mut ident.span);
            }
            None => self.span(&mut ident.span),
        }
    }

    /// A value: replaced by the argument when it names a parameter.
    fn value(&mut self, value: &mut Value) {
        let ValueKind::Name(name) = &value.kind else {
            self.span(&mut value.span);
            return;
        };
        match self.bindings.get(name.as_str()).map(|bound| bound.argument) {
            Some(Argument::Value(argument)) => *value = argument.clone(),
            Some(Argument::Text(_)) => {
                let mut at = value.span;
                self.span(&mut at);
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::ArgumentTypeMismatch,
                        at,
                        format!("parameter `{name}` is a string, but a value is expected here"),
                    )
                    .label("a value is expected here")
                    .with(self.template.params_span, "the template's parameters")
                    .help("declare the parameter with a value type: duration, offset, percent, number, rate or bool"),
                );
                self.span(&mut value.span);
            }
            None => {
                let suggestion =
                    crate::sema::closest(name, self.template.params.iter().map(|param| param.name.name.as_str()));
                let mut at = value.span;
                self.span(&mut at);
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::UndefinedName,
                        at,
                        format!("template `{}` has no parameter `{name}`", self.template.name.name),
                    )
                    .label("not a parameter")
                    .with(self.template.params_span, "the template's parameters")
                    .help(match suggestion {
                        Some(close) => format!("did you mean `{close}`?"),
                        None => "declare it in the template's parameters, or write a value such as `10m`".to_string(),
                    }),
                );
                value.kind = ValueKind::Invalid;
                self.span(&mut value.span);
            }
        }
    }

    /// A string: `{param}` replaced by the argument's text; inside a shell command, quoted so
    /// that it stays one word whatever it holds.
    fn text(&mut self, text: &mut Text, shell: bool) {
        self.span(&mut text.span);
        if !text.value.contains('{') {
            return;
        }
        let mut out = String::with_capacity(text.value.len());
        let mut rest = text.value.as_str();
        let mut changed = false;
        while let Some(open) = rest.find('{') {
            let after = &rest[open + 1..];
            let name_len = after.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(after.len());
            let name = &after[..name_len];
            match (after[name_len..].starts_with('}'), self.bindings.get(name)) {
                (true, Some(bound)) if !name.is_empty() => {
                    out.push_str(&rest[..open]);
                    let replacement = self.argument_text(bound.argument);
                    if shell && bound.ty != Some(ParamType::Command) {
                        push_shell_word(&mut out, replacement);
                    } else {
                        out.push_str(replacement);
                    }
                    rest = &after[name_len + 1..];
                    changed = true;
                }
                _ => {
                    out.push_str(&rest[..=open]);
                    rest = after;
                }
            }
        }
        if changed {
            out.push_str(rest);
            text.value = out.into();
            text.verbatim = false;
        }
    }

    /// An argument as text: a string's value, a name, or a literal as written.
    /// Borrowed: it is copied once, into the pasted string.
    fn argument_text<'t>(&'t self, argument: &'t Argument) -> &'t str {
        match argument {
            Argument::Text(text) => &text.value,
            Argument::Value(Value { kind: ValueKind::Name(name), .. }) => name,
            Argument::Value(value) => {
                let file = self.sources.get(value.span.file);
                file.text.get(value.span.range()).unwrap_or_default()
            }
        }
    }
}

/// Appends `text` to `out` as one shell word: unchanged when it holds only safe characters,
/// else in single quotes (a `'` inside becomes `'\''`).
fn push_shell_word(out: &mut String, text: &str) {
    let safe = !text.is_empty()
        && text.chars().all(|c| {
            c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/' | ':' | '=' | '@' | '%' | '+' | ',')
        });
    if safe {
        out.push_str(text);
    } else {
        out.push('\'');
        for (index, part) in text.split('\'').enumerate() {
            if index > 0 {
                out.push_str("'\\''");
            }
            out.push_str(part);
        }
        out.push('\'');
    }
}
