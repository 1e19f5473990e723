//! Variants: `variant NAME { ... }` is the plan again with its own settings, some nodes skipped
//! and some approvals changed (a hotfix: the same process, a later T0, a shorter approval,
//! fewer gates).
//!
//! Runs after [`super::expand`], on its list of declarations: [`base`] takes the variants out
//! of the plan (and refuses a plan or a variant in an imported file, E0412), and [`apply`] makes
//! the declarations of one variant. `sema` and the analysis never see a variant: each one is
//! checked and analysed as a plan of its own (`check_with` runs them all), and only what a
//! variant changed is copied.

use super::{Declaration, Program};
use crate::ast::{self, GroupItem, HeaderClause, Ident, Item, NodeItem, PlanField, StepKind, VariantDecl, VariantItem};
use crate::diag::{Code, Diagnostic};
use crate::source::Span;
use rustc_hash::{FxHashMap, FxHashSet};

/// The plan's declarations without its variants, and the variants, when the program has any
/// variant or an imported file declares a plan; `None` (nothing to do) otherwise.
pub struct Base<'p> {
    pub declarations: Vec<Declaration>,
    pub variants: Vec<&'p VariantDecl>,
}

/// Takes the variants out of the expanded declarations (`None` from `expand` is the root file's
/// items in order). A plan or a variant declared by an imported file is E0412 and left out, so a
/// shared file that declares a plan is reported once, as what it is.
pub fn base<'p>(
    program: &'p Program,
    expanded: Option<Vec<Declaration>>,
) -> (Option<Base<'p>>, Option<Vec<Declaration>>, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let mut variants: Vec<&'p VariantDecl> = Vec::new();
    let mut imported_plan = false;
    for (index, module) in program.modules.iter().enumerate() {
        for item in &module.ast.items {
            match item {
                Item::Variant(decl) if index == 0 => variants.push(decl),
                Item::Plan(_) | Item::Variant(_) if index != 0 => {
                    imported_plan = true;
                    diagnostics.push(imported(item, program, index));
                }
                _ => {}
            }
        }
    }
    if variants.is_empty() && !imported_plan {
        return (None, expanded, diagnostics);
    }
    let declarations: Vec<Declaration> = match expanded {
        Some(declarations) => declarations,
        None => (0..program.modules.first().map_or(0, |root| root.ast.items.len()))
            .map(|position| Declaration::Written { module: 0, position })
            .collect(),
    };
    let declarations = declarations
        .into_iter()
        .filter(|declaration| match declaration {
            Declaration::Written { module, .. } => match declaration.get(program) {
                Some(Item::Variant(_)) => false,
                Some(Item::Plan(_)) => *module == 0,
                _ => true,
            },
            Declaration::Pasted(item) => !matches!(**item, Item::Variant(_)),
        })
        .collect();
    let mut seen: FxHashMap<&str, &Ident> = FxHashMap::default();
    for variant in &variants {
        if let Some(first) = seen.insert(variant.name.name.as_str(), &variant.name) {
            diagnostics.push(
                Diagnostic::new(
                    Code::DuplicateDefinition,
                    variant.name.span,
                    format!("the variant `{}` is declared twice", variant.name.name),
                )
                .label("declared again here")
                .with(first.span, "first declared here")
                .help("give each variant its own name, or merge the two"),
            );
        }
    }
    (Some(Base { declarations, variants }), None, diagnostics)
}

fn imported(item: &Item, program: &Program, module: usize) -> Diagnostic {
    let name = item.name();
    let what = match item {
        Item::Plan(_) => format!("this imported file declares the plan `{}`", name.name),
        _ => format!("this imported file declares the variant `{}`", name.name),
    };
    let mut diagnostic =
        Diagnostic::new(Code::ImportedPlan, name.span, what).label("a plan declared in an imported file");
    // Point at every `use` that brought the file in.
    for importer in &program.modules {
        for (known, _) in importer.imports.iter().filter(|(_, index)| *index == module) {
            let uses = importer.ast.items.iter().filter_map(|item| match item {
                Item::Use(decl) if decl.name.name == known.as_str() => Some(decl.span),
                _ => None,
            });
            for span in uses {
                diagnostic = diagnostic.with(span, "imported here");
            }
        }
    }
    diagnostic.help(
        "a shared file holds declarations only (roles, envs, metrics, nodes, trees, templates): move the plan \
         into a file of its own, and write another plan's differences as a `variant` of it",
    )
}

/// The declarations of `variant`: the plan's, with the variant's settings, its skipped nodes
/// left out (what ran after one runs after what it ran after) and its approvals in place of
/// the nodes' own. Also the diagnostics about the variant itself.
pub fn apply(program: &Program, base: &[Declaration], variant: &VariantDecl) -> (Vec<Declaration>, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    if variant.items.is_empty() {
        diagnostics.push(
            Diagnostic::new(
                Code::EmptyVariant,
                variant.name.span,
                format!("the variant `{}` changes nothing", variant.name.name),
            )
            .label("the same plan as the one it varies")
            .help(
                "give it a `launch`, `skip` some nodes or change an approval with `in GATE approve ...`; or remove it",
            ),
        );
    }
    // The plan's nodes: name → (header clauses, has `at`).
    let mut nodes: FxHashMap<&str, &ast::NodeDecl> = FxHashMap::default();
    let mut other_names: FxHashMap<&str, &'static str> = FxHashMap::default();
    for item in base.iter().filter_map(|declaration| declaration.get(program)) {
        match item {
            Item::Node(node) => {
                nodes.entry(node.name.name.as_str()).or_insert(node);
            }
            Item::Plan(_) => {}
            other => {
                other_names.entry(other.name().name.as_str()).or_insert(other.kind_name());
            }
        }
    }
    let unknown = |name: &Ident, what: &str| -> Diagnostic {
        let message = match other_names.get(name.name.as_str()) {
            Some(kind) => format!("`{}` is a {kind}, not a node: a variant can only {what} a node", name.name),
            None => format!("the plan has no node `{}` to {what}", name.name),
        };
        let suggestion = crate::sema::closest(&name.name, nodes.keys().copied());
        Diagnostic::new(Code::VariantUnknownNode, name.span, message).label("not a node of the plan").help(
            match suggestion {
                Some(close) => format!("did you mean `{close}`?"),
                None => "name a phase, gate, rollout or watch of the plan (or of a file it imports)".to_string(),
            },
        )
    };
    let mut settings: Vec<(&PlanField, Span)> = Vec::new();
    let mut skipped: FxHashSet<&str> = FxHashSet::default();
    let mut approvals: FxHashMap<&str, &ast::Step> = FxHashMap::default();
    for variant_item in &variant.items {
        match variant_item {
            VariantItem::Setting(field, span) => {
                if let Some((_, first)) = settings.iter().find(|(other, _)| same_setting(other, field)) {
                    diagnostics.push(
                        Diagnostic::new(
                            Code::DuplicateField,
                            *span,
                            format!(
                                "`{}` is given twice in the variant `{}`",
                                setting_keyword(field),
                                variant.name.name
                            ),
                        )
                        .label("given again here")
                        .with(*first, "first given here")
                        .help("keep one of them"),
                    );
                    continue;
                }
                settings.push((field, *span));
            }
            VariantItem::Skip(names, _) => {
                for name in names {
                    if nodes.contains_key(name.name.as_str()) {
                        skipped.insert(name.name.as_str());
                    } else {
                        diagnostics.push(unknown(name, "skip"));
                    }
                }
            }
            VariantItem::Approve { node, step, .. } => {
                let Some(decl) = nodes.get(node.name.as_str()) else {
                    diagnostics.push(unknown(node, "change"));
                    continue;
                };
                if approvals.insert(node.name.as_str(), step).is_some() {
                    diagnostics.push(
                        Diagnostic::new(
                            Code::DuplicateField,
                            node.span,
                            format!("the approvals of `{}` are changed twice in this variant", node.name),
                        )
                        .label("changed again here")
                        .help("keep one `in ... approve` line for each node"),
                    );
                    continue;
                }
                if !has_approval(&decl.body) {
                    diagnostics.push(
                        Diagnostic::new(
                            Code::VariantNoApproval,
                            node.span,
                            format!("`{}` asks no approval for this variant to change", node.name),
                        )
                        .label("no `approve` step in this node")
                        .with(decl.name.span, "declared here")
                        .help(
                            "a variant replaces a node's approvals; to ask a new one, add it to the node in the plan",
                        ),
                    );
                }
            }
        }
    }
    for variant_item in &variant.items {
        if let VariantItem::Approve { node, .. } = variant_item {
            if skipped.contains(node.name.as_str()) {
                diagnostics.push(
                    Diagnostic::new(
                        Code::VariantNoApproval,
                        node.span,
                        format!(
                            "the variant `{}` both skips `{}` and changes its approvals",
                            variant.name.name, node.name
                        ),
                    )
                    .label("this node is skipped")
                    .help("remove the `in ... approve` line, or stop skipping the node"),
                );
            }
        }
    }
    let replacements = replacements(&nodes, &skipped);
    let mut declarations = Vec::with_capacity(base.len());
    for declaration in base {
        let Some(item) = declaration.get(program) else { continue };
        match item {
            Item::Plan(plan) => {
                declarations.push(Declaration::Pasted(Box::new(Item::Plan(plan_of(plan, variant, &settings)))))
            }
            Item::Node(node) if skipped.contains(node.name.name.as_str()) => {}
            Item::Node(node) => {
                let header = rewire(node, &replacements, &skipped, variant, &mut diagnostics);
                let approval = approvals.get(node.name.name.as_str()).copied();
                if header.is_none() && approval.is_none() {
                    declarations.push(copy(declaration));
                    continue;
                }
                let mut changed = node.clone();
                if let Some(header) = header {
                    changed.header = header;
                }
                if let Some(step) = approval {
                    let mut replaced = false;
                    changed.body = replace_approvals(std::mem::take(&mut changed.body), step, &mut replaced);
                }
                declarations.push(Declaration::Pasted(Box::new(Item::Node(changed))));
            }
            _ => declarations.push(copy(declaration)),
        }
    }
    (declarations, diagnostics)
}

pub fn copy(declaration: &Declaration) -> Declaration {
    match declaration {
        Declaration::Written { module, position } => Declaration::Written { module: *module, position: *position },
        Declaration::Pasted(item) => Declaration::Pasted(item.clone()),
    }
}

fn same_setting(a: &PlanField, b: &PlanField) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b)
}

fn setting_keyword(field: &PlanField) -> &'static str {
    match field {
        PlanField::Title(_) => "title",
        PlanField::Launch(_) => "launch",
        PlanField::Owner(_) => "owner",
        PlanField::Description(_) => "description",
        PlanField::Deadline(_) => "within",
        // A variant sets no trigger (the grammar has none in a variant): the plan's stay.
        PlanField::Trigger(_) => "on",
    }
}

/// The plan as the variant has it: its own name (`PLAN_VARIANT`, so that the runbook's state,
/// the workflow and the rules of two variants never mix) and the variant's settings in place of
/// the plan's.
fn plan_of(plan: &ast::PlanDecl, variant: &VariantDecl, settings: &[(&PlanField, Span)]) -> ast::PlanDecl {
    let mut changed = plan.clone();
    changed.name.name = format!("{}_{}", plan.name.name, variant.name.name).into();
    for (setting, _) in settings {
        match changed.fields.iter_mut().find(|field| same_setting(field, setting)) {
            Some(field) => *field = (*setting).clone(),
            None => changed.fields.push((*setting).clone()),
        }
    }
    changed
}

/// The node's header with skipped nodes in `after` replaced by what they ran after, or `None`
/// when it names no skipped node.
fn rewire(
    node: &ast::NodeDecl,
    replacements: &FxHashMap<&str, Vec<&str>>,
    skipped: &FxHashSet<&str>,
    variant: &VariantDecl,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Vec<HeaderClause>> {
    let names_skipped = node.header.iter().any(|clause| match clause {
        HeaderClause::After(names) => names.iter().any(|name| skipped.contains(name.name.as_str())),
        _ => false,
    });
    if !names_skipped {
        return None;
    }
    let mut header = Vec::with_capacity(node.header.len());
    let mut kept: FxHashSet<&str> = FxHashSet::default();
    let mut lost: Vec<&Ident> = Vec::new();
    for clause in &node.header {
        let HeaderClause::After(names) = clause else {
            header.push(clause.clone());
            continue;
        };
        let mut after: Vec<Ident> = Vec::new();
        for name in names {
            if !skipped.contains(name.name.as_str()) {
                if kept.insert(name.name.as_str()) {
                    after.push(name.clone());
                }
                continue;
            }
            lost.push(name);
            for predecessor in replacements.get(name.name.as_str()).into_iter().flatten() {
                if kept.insert(predecessor) {
                    // Written where the skipped node stood, so a later error about the edge
                    // points at the dependent's own `after`.
                    after.push(Ident { name: (*predecessor).into(), span: name.span });
                }
            }
        }
        if !after.is_empty() {
            header.push(HeaderClause::After(after));
        }
    }
    let has_at = header.iter().any(|clause| matches!(clause, HeaderClause::At(_)));
    let has_after = header.iter().any(|clause| matches!(clause, HeaderClause::After(_)));
    if !has_at && !has_after {
        let names: Vec<String> = lost.iter().map(|name| format!("`{}`", name.name)).collect();
        let mut diagnostic = Diagnostic::new(
            Code::VariantLosesOrder,
            node.name.span,
            format!(
                "in the variant `{}`, `{}` waits for nothing and starts at T0: it ran after {}, which the variant skips",
                variant.name.name,
                node.name.name,
                names.join(", ")
            ),
        )
        .label("no `at` and nothing left to run after");
        for variant_item in &variant.items {
            if let VariantItem::Skip(skips, _) = variant_item {
                for skip in skips.iter().filter(|skip| lost.iter().any(|name| name.name == skip.name)) {
                    diagnostic = diagnostic.with(skip.span, "skipped here");
                }
            }
        }
        diagnostics.push(diagnostic.help(format!(
            "give `{}` its own `at` in the plan (such as `at T0`) so that every variant starts it when it should",
            node.name.name
        )));
    }
    Some(header)
}

/// For each skipped node, the kept nodes it ran after, directly or through a chain of skipped
/// nodes, in order and each once. Depth first without recursion (a chain may be long), each
/// skipped node resolved once; a node on a cycle of skipped nodes (E0501 in the plan) sees
/// what was resolved so far.
fn replacements<'a>(
    nodes: &FxHashMap<&'a str, &'a ast::NodeDecl>,
    skipped: &FxHashSet<&'a str>,
) -> FxHashMap<&'a str, Vec<&'a str>> {
    let predecessors = |name: &str| -> Vec<&'a str> {
        nodes
            .get(name)
            .into_iter()
            .flat_map(|decl| decl.header.iter())
            .filter_map(|clause| match clause {
                HeaderClause::After(names) => Some(names),
                _ => None,
            })
            .flatten()
            .map(|ident| ident.name.as_str())
            .collect()
    };
    let mut resolved: FxHashMap<&'a str, Vec<&'a str>> = FxHashMap::default();
    let mut started: FxHashSet<&'a str> = FxHashSet::default();
    let mut order: Vec<&'a str> = skipped.iter().copied().collect();
    order.sort_unstable();
    for start in order {
        let mut stack: Vec<(&'a str, bool)> = vec![(start, false)];
        while let Some((current, ready)) = stack.pop() {
            if resolved.contains_key(current) {
                continue;
            }
            if !ready {
                if started.insert(current) {
                    stack.push((current, true));
                    for predecessor in predecessors(current) {
                        if skipped.contains(predecessor) && !started.contains(predecessor) {
                            stack.push((predecessor, false));
                        }
                    }
                }
                continue;
            }
            let mut list: Vec<&'a str> = Vec::new();
            let mut seen: FxHashSet<&'a str> = FxHashSet::default();
            for predecessor in predecessors(current) {
                if skipped.contains(predecessor) {
                    for inherited in resolved.get(predecessor).into_iter().flatten() {
                        if seen.insert(inherited) {
                            list.push(inherited);
                        }
                    }
                } else if seen.insert(predecessor) {
                    list.push(predecessor);
                }
            }
            resolved.insert(current, list);
        }
    }
    resolved
}

fn has_approval(items: &[NodeItem]) -> bool {
    items.iter().any(|item| match item {
        NodeItem::Step(step) => matches!(step.kind, StepKind::Approve(_)),
        NodeItem::Group(group) => group_has_approval(&group.items),
        _ => false,
    })
}

fn group_has_approval(items: &[GroupItem]) -> bool {
    items.iter().any(|item| match item {
        GroupItem::Step(step) => matches!(step.kind, StepKind::Approve(_)),
        GroupItem::Group(group) => group_has_approval(&group.items),
        _ => false,
    })
}

/// The body with its first `approve` step replaced by `step` and every other one removed.
fn replace_approvals(items: Vec<NodeItem>, step: &ast::Step, replaced: &mut bool) -> Vec<NodeItem> {
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        match item {
            NodeItem::Step(found) if matches!(found.kind, StepKind::Approve(_)) => {
                if !*replaced {
                    *replaced = true;
                    out.push(NodeItem::Step(step.clone()));
                }
            }
            NodeItem::Group(mut group) => {
                group.items = replace_group_approvals(std::mem::take(&mut group.items), step, replaced);
                out.push(NodeItem::Group(group));
            }
            other => out.push(other),
        }
    }
    out
}

fn replace_group_approvals(items: Vec<GroupItem>, step: &ast::Step, replaced: &mut bool) -> Vec<GroupItem> {
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        match item {
            GroupItem::Step(found) if matches!(found.kind, StepKind::Approve(_)) => {
                if !*replaced {
                    *replaced = true;
                    out.push(GroupItem::Step(step.clone()));
                }
            }
            GroupItem::Group(mut group) => {
                group.items = replace_group_approvals(std::mem::take(&mut group.items), step, replaced);
                out.push(GroupItem::Group(group));
            }
            other => out.push(other),
        }
    }
    out
}
