//! Completion: at the start of a statement, the keywords of the enclosing block (as the
//! grammar has them) and the templates that can be called there; elsewhere, the names the
//! plan declares and the modules it imports. The editor filters by what is typed.

use crate::ast::{File, Item, NodeItem, UseDecl, UseTarget};
use crate::diag::suppress::item_span;
use crate::syntax::{statement_keywords, Block};
use lsp_types::{CompletionItem, CompletionItemKind};

/// What to offer at byte `offset` of `text`, whose tree is `file`. `imported` gives the text
/// of the file a `use "path"` imports, when it was read.
pub(crate) fn items<'a>(
    file: &File,
    text: &str,
    offset: u32,
    imported: impl Fn(&UseDecl) -> Option<&'a str>,
) -> Vec<CompletionItem> {
    let before = text.get(..offset as usize).unwrap_or_default();
    let line = before.rsplit(['\n', ';', '{']).next().unwrap_or_default();
    let typed = line.trim_start();
    let at_statement_start = typed.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
    let block = block_at(file, offset);
    let mut items = Vec::new();
    if let Some(words) = metric_words(file, typed, offset) {
        return words
            .iter()
            .map(|word| CompletionItem {
                label: (*word).to_string(),
                kind: Some(CompletionItemKind::TYPE_PARAMETER),
                ..Default::default()
            })
            .collect();
    }
    if block == Block::Steps {
        if let Some((words, names_too)) = recheck_words(typed) {
            items.extend(words.iter().map(|keyword| CompletionItem {
                label: (*keyword).to_string(),
                kind: Some(CompletionItemKind::KEYWORD),
                ..Default::default()
            }));
            if !names_too {
                return items;
            }
        }
    }
    if at_statement_start {
        items.extend(statement_keywords(block).iter().map(|keyword| CompletionItem {
            label: (*keyword).to_string(),
            kind: Some(CompletionItemKind::KEYWORD),
            ..Default::default()
        }));
        if matches!(block, Block::Node | Block::Steps) {
            items.extend(templates(file, imported));
        }
        return items;
    }
    // The names this file declares, then those of the files it imports (parsed here: an
    // imported file is small, and completion is asked for one position at a time).
    let mut imported_trees = Vec::new();
    for item in &file.items {
        if let Item::Use(decl @ UseDecl { target: UseTarget::File(_), .. }) = item {
            if let Some(text) = imported(decl) {
                imported_trees.push(crate::syntax::parse(crate::source::FileId::default(), text).0);
            }
        }
    }
    let shared = imported_trees.iter().flat_map(|tree| tree.items.iter()).filter(|item| !matches!(item, Item::Use(_)));
    for item in file.items.iter().chain(shared) {
        let kind = match item {
            Item::Plan(_) | Item::Template(_) | Item::Variant(_) => continue,
            Item::Role(_) | Item::Secret(_) | Item::Var(_) => CompletionItemKind::VARIABLE,
            Item::Env(_) | Item::Window(_) | Item::Freeze(_) | Item::Prometheus(_) => CompletionItemKind::CONSTANT,
            Item::Metric(_) => CompletionItemKind::FIELD,
            Item::Node(_) | Item::Rollback(_) | Item::Alert(_) => CompletionItemKind::FUNCTION,
            Item::Use(_) => CompletionItemKind::MODULE,
        };
        items.push(CompletionItem {
            label: item.name().name.to_string(),
            kind: Some(kind),
            detail: Some(item.kind_name().to_string()),
            ..Default::default()
        });
    }
    items
}

/// The words that may come next in a `recheck` statement (`recheck [after D] [OUTCOME when C
/// [otherwise OUTCOME]]`), from what is typed of it before the word under the cursor, and
/// whether the plan's names may come too (in the condition, after `when`); `None` outside one.
fn recheck_words(typed: &str) -> Option<(&'static [&'static str], bool)> {
    const OUTCOMES: &[&str] = &["resume", "stay", "escalate"];
    let mut words = typed.split_whitespace();
    if words.next()? != "recheck" {
        return None;
    }
    // The words before the one being typed: a trailing space means the last one is complete.
    let mut done: Vec<&str> = words.collect();
    if !typed.ends_with(char::is_whitespace) {
        done.pop();
    }
    let is_outcome = |word: &str| OUTCOMES.contains(&word);
    Some(match done.last().copied() {
        None => (&["after", "resume", "stay", "escalate"], false),
        Some("otherwise") => (OUTCOMES, false),
        Some(word) if is_outcome(word) && done.contains(&"otherwise") => (&[], false),
        Some(word) if is_outcome(word) => (&["when"], false),
        Some(_) if done.contains(&"when") => (&["otherwise", "and", "or", "not"], true),
        Some(_) if done.first() == Some(&"after") && done.len() == 2 => (OUTCOMES, false),
        Some(_) => (&[], false),
    })
}

/// The templates this file can call: its own by name, an imported module's (standard or a
/// file already read by the check) as `alias.name`, with their signature.
fn templates<'a>(file: &File, imported: impl Fn(&UseDecl) -> Option<&'a str>) -> Vec<CompletionItem> {
    let mut items = Vec::new();
    for item in &file.items {
        match item {
            Item::Template(template) => items.push(CompletionItem {
                label: template.name.name.to_string(),
                kind: Some(CompletionItemKind::SNIPPET),
                detail: Some("template".to_string()),
                ..Default::default()
            }),
            Item::Use(decl) => {
                let module = match &decl.target {
                    UseTarget::Std(path) => path
                        .last()
                        .and_then(|last| crate::modules::stdlib::find(&last.name))
                        .map(crate::modules::stdlib::templates),
                    UseTarget::File(_) => imported(decl).map(crate::modules::stdlib::templates_in),
                };
                items.extend(module.unwrap_or_default().into_iter().map(|template| CompletionItem {
                    label: format!("{}.{}", decl.name.name, template.name),
                    kind: Some(CompletionItemKind::SNIPPET),
                    detail: Some(template.signature(&decl.name.name)),
                    documentation: Some(lsp_types::Documentation::String(template.doc)),
                    ..Default::default()
                }));
            }
            _ => {}
        }
    }
    items
}

/// After `metric NAME :`, the metric types; after `unit` in a metric, the units of its type.
fn metric_words(file: &File, typed: &str, offset: u32) -> Option<Vec<&'static str>> {
    use crate::model::MetricType;
    let partial = |rest: &str| rest.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if let Some(rest) = typed.strip_prefix("metric ") {
        let (_, after_colon) = rest.split_once(':')?;
        return partial(after_colon.trim_start()).then(|| MetricType::ALL.iter().map(|(name, _)| *name).collect());
    }
    let rest = typed.strip_prefix("unit ")?;
    if !partial(rest.trim_start()) {
        return None;
    }
    let inside = |span: crate::source::Span| span.start < offset && offset < span.end;
    file.items.iter().find_map(|item| match item {
        Item::Metric(decl) if inside(item_span(item)) => {
            MetricType::ALL.iter().find(|(name, _)| *name == decl.ty.name).map(|(_, ty)| ty.units().to_vec())
        }
        _ => None,
    })
}

/// The innermost block around `offset`.
fn block_at(file: &File, offset: u32) -> Block {
    let inside = |span: crate::source::Span| span.start < offset && offset < span.end;
    let Some(item) = file.items.iter().find(|item| inside(item_span(item))) else { return Block::TopLevel };
    match item {
        Item::Plan(_) => Block::Plan,
        Item::Role(_) => Block::Role,
        Item::Env(_) => Block::Env,
        Item::Metric(_) => Block::Metric,
        Item::Window(_) => Block::Window,
        Item::Freeze(_) => Block::Freeze,
        Item::Prometheus(_) => Block::Prometheus,
        Item::Secret(_) | Item::Var(_) | Item::Use(_) => Block::TopLevel,
        Item::Alert(_) => Block::Steps,
        Item::Rollback(rollback) => match rollback.levels.iter().any(|level| inside(level.span)) {
            true => Block::Steps,
            false => Block::Rollback,
        },
        Item::Node(node) => node_block(&node.body, offset),
        Item::Template(template) => node_block(&template.body, offset),
        Item::Variant(_) => Block::Variant,
    }
}

fn node_block(body: &[NodeItem], offset: u32) -> Block {
    let in_group = body.iter().any(|item| match item {
        NodeItem::Group(group) => group.span.start < offset && offset < group.span.end,
        _ => false,
    });
    if in_group {
        Block::Steps
    } else {
        Block::Node
    }
}
