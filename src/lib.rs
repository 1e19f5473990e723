//! golivec: a compiler for go-live plans.
//!
//! The pipeline, one module per stage:
//! [`syntax`] (text → [`ast`]) → [`sema`] (names, types → [`model`]) → analysis and emitters
//! (later issues). Diagnostics are data ([`diag`]) from every stage; [`cli`] is a thin shell.

#![forbid(unsafe_code)]

pub mod analysis;
pub mod ast;
pub mod cli;
pub mod diag;
pub mod emit;
pub mod format;
pub mod lsp;
pub mod model;
pub mod modules;
pub mod run;
pub mod sema;
pub mod source;
pub mod syntax;
pub mod units;
mod zones;

use diag::{Code, Diagnostic};
use source::{FileId, SourceMap};

/// The outcome of checking one file.
#[derive(Debug)]
pub struct Checked {
    pub file: FileId,
    /// The file's syntax tree; empty when [`Options::discard_tree`] asked to free it early.
    pub ast: ast::File,
    /// The resolved plan; `None` when the file did not parse or resolve.
    pub model: Option<model::Model>,
    /// Graph, schedule and the like; `None` when there is no model.
    pub analysis: Option<analysis::Analysis>,
    /// Every diagnostic, sorted by position.
    pub diagnostics: Vec<Diagnostic>,
}

impl Checked {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// What a run may be told from outside the plan.
#[derive(Clone, Debug, Default)]
pub struct Options {
    pub analysis: analysis::Options,
    /// Warning codes not to report (`--allow`).
    pub allow: Vec<diag::Code>,
    /// Report warnings as errors (`--deny warnings`).
    pub deny_warnings: bool,
    /// Free the syntax trees as soon as the model is built, before the analysis, and return an
    /// empty [`Checked::ast`]: for callers that want only diagnostics and the model (the
    /// command line), so that tree, model and analysis never occupy memory all at once.
    pub discard_tree: bool,
    /// The variant of the plan to build (`--variant NAME`); the plan itself when `None`. Every
    /// variant is checked and analysed whichever is chosen; the model is the chosen one's.
    pub variant: Option<String>,
}

/// Parses, checks and analyses one file of `sources` with default options.
pub fn check(sources: &mut SourceMap, file: FileId) -> Checked {
    check_with(sources, file, &Options::default())
}

/// Parses, checks and analyses one file of `sources`, with the modules it imports (read by the
/// source map's loader, and added to it).
pub fn check_with(sources: &mut SourceMap, file: FileId, options: &Options) -> Checked {
    let (root_ast, mut diagnostics) = syntax::parse(file, &sources.get(file).text);
    let (mut program, loading) = modules::load(sources, file, root_ast);
    diagnostics.extend(loading);
    let (expanded, expanding) = modules::expand(sources, &program);
    diagnostics.extend(expanding);
    // Variants: each one is checked and analysed as a plan of its own (before the chosen one,
    // which may move the declarations out of the program); their findings join the chosen
    // one's, once each.
    let (base, expanded, varying) = modules::variant::base(&program, expanded);
    diagnostics.extend(varying);
    let mut from_variants: Vec<(String, Diagnostic)> = Vec::new();
    let expanded = match &base {
        None => {
            if let Some(wanted) = &options.variant {
                diagnostics.push(unknown_variant(sources, file, wanted, &[]));
            }
            expanded
        }
        Some(base) => {
            let chosen = match &options.variant {
                None => None,
                Some(wanted) => match base.variants.iter().find(|variant| variant.name.name == wanted.as_str()) {
                    Some(variant) => Some(*variant),
                    None => {
                        diagnostics.push(unknown_variant(sources, file, wanted, &base.variants));
                        None
                    }
                },
            };
            let checkable = !diagnostics.iter().any(Diagnostic::is_error);
            let mut chosen_declarations = None;
            let others = std::iter::once(None).chain(base.variants.iter().map(|variant| Some(*variant)));
            for variant in others {
                let declarations = match variant {
                    Some(variant) => {
                        let (declarations, found) = modules::variant::apply(&program, &base.declarations, variant);
                        diagnostics.extend(found);
                        declarations
                    }
                    None => base.declarations.iter().map(modules::variant::copy).collect(),
                };
                let is_chosen = variant.map(|variant| &variant.name) == chosen.map(|variant| &variant.name);
                if is_chosen {
                    chosen_declarations = Some(declarations);
                } else if checkable {
                    let name = variant.map_or_else(String::new, |variant| variant.name.name.to_string());
                    let found = check_variant(sources, &program, &declarations, root_span(&program), options);
                    from_variants.extend(found.into_iter().map(|diagnostic| (name.clone(), diagnostic)));
                }
            }
            chosen_declarations
        }
    };
    let Some(root) = program.modules.first() else {
        // `load` always returns the root first; an empty program cannot happen.
        return Checked { file, ast: ast::File::default(), model: None, analysis: None, diagnostics };
    };
    let file_span = root.ast.span;
    let text = &sources.get(file).text;
    // `# golivec: allow(...)` comments silence warnings in their own file.
    let allowed: Vec<(FileId, diag::suppress::InlineAllows)> = program
        .modules
        .iter()
        .map(|module| (module.file, diag::suppress::inline_allows(&module.ast, &sources.get(module.file).text)))
        .collect();
    let unreadable: Vec<&str> = root.ast.unreadable.iter().filter_map(|span| text.get(span.range())).collect();
    let syntax_failed = diagnostics.iter().any(Diagnostic::is_error);
    let syntax_errors: Vec<source::Span> = diagnostics.iter().map(Diagnostic::primary_span).collect();
    // The declarations' spans, for telling a missing setting from one lost to a syntax error
    // once the tree is gone (only needed when there was a syntax error).
    let declaration_spans: Vec<source::Span> = if syntax_failed {
        borrowed_declarations(&program, expanded.as_deref()).into_iter().map(diag::suppress::item_span).collect()
    } else {
        Vec::new()
    };
    let (model, semantic) = if options.discard_tree {
        // Moved into sema, which frees each declaration once lowered: the tree and the model
        // are never both whole in memory.
        sema::check(take_declarations(&mut program, expanded), file_span, sources)
    } else {
        sema::check(borrowed_declarations(&program, expanded.as_deref()), file_span, sources)
    };
    let model = if syntax_failed { None } else { model };
    // A declaration lost to a syntax error is not "undefined": withhold name errors that an
    // unreadable line may explain, and report every other finding.
    let explained_by_unreadable = |diagnostic: &Diagnostic| match diagnostic.code {
        diag::Code::UndefinedName => {
            let span = diagnostic.primary_span();
            let name = sources.get(span.file).text.get(span.range()).unwrap_or_default();
            unreadable.iter().any(|line| contains_word(line, name))
        }
        diag::Code::MissingPlan => unreadable.iter().any(|line| contains_word(line, "plan")),
        // A setting lost to a syntax error in the same declaration is not "missing".
        diag::Code::MissingField => {
            let at = diagnostic.primary_span();
            declaration_spans.iter().any(|item| {
                item.file == at.file
                    && item.start <= at.start
                    && at.end <= item.end
                    && syntax_errors
                        .iter()
                        .any(|error| error.file == item.file && item.start <= error.start && error.end <= item.end)
            })
        }
        _ => false,
    };
    diagnostics.extend(semantic.into_iter().filter(|diagnostic| !explained_by_unreadable(diagnostic)));
    let ast = match program.modules.into_iter().next() {
        Some(root) if !options.discard_tree => root.ast,
        _ => ast::File { span: file_span, ..ast::File::default() },
    };
    let analysis = model.as_ref().map(|model| {
        let (analysis, found) = analysis::analyze(model, &options.analysis);
        diagnostics.extend(found);
        analysis
    });
    merge_variants(&mut diagnostics, from_variants, options.variant.as_deref());
    for (_, allows) in &allowed {
        diagnostics.extend(allows.problems.iter().cloned());
    }
    diagnostics.retain(|diagnostic| {
        let at = diagnostic.primary_span().file;
        diagnostic.is_error()
            || !(options.allow.contains(&diagnostic.code)
                || allowed.iter().any(|(id, allows)| *id == at && allows.allows(diagnostic, &sources.get(at).text)))
    });
    if options.deny_warnings {
        for diagnostic in &mut diagnostics {
            diagnostic.severity = diag::Severity::Error;
        }
    }
    for diagnostic in &mut diagnostics {
        label_expansions(sources, diagnostic);
    }
    diag::sort(&mut diagnostics);
    let model = if diagnostics.iter().any(Diagnostic::is_error) { None } else { model };
    Checked { file, ast, model, analysis, diagnostics }
}

/// The span of the root file.
fn root_span(program: &modules::Program) -> source::Span {
    program.modules.first().map(|root| root.ast.span).unwrap_or_default()
}

/// E0413: `--variant NAME` names no variant of the plan.
fn unknown_variant(sources: &SourceMap, file: FileId, wanted: &str, variants: &[&ast::VariantDecl]) -> Diagnostic {
    let names: Vec<&str> = variants.iter().map(|variant| variant.name.name.as_str()).collect();
    let help = match sema::closest(wanted, names.iter().copied()) {
        Some(close) => format!("did you mean `{close}`?"),
        None if names.is_empty() => {
            "the plan declares no `variant`; build the plan itself without `--variant`".to_string()
        }
        None => format!(
            "the plan's variants are {}",
            names.iter().map(|name| format!("`{name}`")).collect::<Vec<_>>().join(", ")
        ),
    };
    let name = &sources.get(file).name;
    Diagnostic::new(
        Code::UnknownVariant,
        source::Span::new(file, 0, 0),
        format!("`{name}` declares no variant `{wanted}`"),
    )
    .label("the variant asked for with `--variant`")
    .help(help)
}

/// The findings of one variant that is not the one chosen: its names and types as the plan
/// has them, then the analysis of its own schedule.
fn check_variant(
    sources: &SourceMap,
    program: &modules::Program,
    declarations: &[modules::Declaration],
    file_span: source::Span,
    options: &Options,
) -> Vec<Diagnostic> {
    let (model, mut found) = sema::check(borrowed_declarations(program, Some(declarations)), file_span, sources);
    if let Some(model) = model {
        if !found.iter().any(Diagnostic::is_error) {
            let (_, analysed) = analysis::analyze(&model, &options.analysis);
            found.extend(analysed);
        }
    }
    found
}

/// Adds what the other variants found and the chosen one did not: a finding the same in every
/// variant (most of them) is reported once; one of a variant only says which.
fn merge_variants(diagnostics: &mut Vec<Diagnostic>, from_variants: Vec<(String, Diagnostic)>, chosen: Option<&str>) {
    let mut seen: rustc_hash::FxHashSet<(diag::Code, source::Span, String)> = diagnostics
        .iter()
        .map(|diagnostic| (diagnostic.code, diagnostic.primary_span(), diagnostic.message.clone()))
        .collect();
    for (variant, mut diagnostic) in from_variants {
        if !seen.insert((diagnostic.code, diagnostic.primary_span(), diagnostic.message.clone())) {
            continue;
        }
        let which =
            if variant.is_empty() { "in the plan itself".to_string() } else { format!("in the variant `{variant}`") };
        let chosen = match chosen {
            Some(chosen) => format!(" (building the variant `{chosen}`)"),
            None => String::new(),
        };
        diagnostic.message = format!("{which}: {}{chosen}", diagnostic.message);
        diagnostics.push(diagnostic);
    }
}

/// The expanded plan's declarations, borrowed from the program.
fn borrowed_declarations<'p>(
    program: &'p modules::Program,
    expanded: Option<&'p [modules::Declaration]>,
) -> Vec<&'p ast::Item> {
    match expanded {
        Some(declarations) => declarations.iter().filter_map(|declaration| declaration.get(program)).collect(),
        None => program.modules.first().map(|root| root.ast.items.iter().collect()).unwrap_or_default(),
    }
}

/// The expanded plan's declarations, moved out of the program's trees (templates and `use`
/// stay behind, and go with the program).
fn take_declarations(program: &mut modules::Program, expanded: Option<Vec<modules::Declaration>>) -> Vec<ast::Item> {
    let Some(declarations) = expanded else {
        return program.modules.first_mut().map(|root| std::mem::take(&mut root.ast.items)).unwrap_or_default();
    };
    let mut written: Vec<Vec<Option<ast::Item>>> = program
        .modules
        .iter_mut()
        .map(|module| std::mem::take(&mut module.ast.items).into_iter().map(Some).collect())
        .collect();
    let mut items = Vec::with_capacity(declarations.len());
    items.extend(declarations.into_iter().filter_map(|declaration| match declaration {
        modules::Declaration::Written { module, position } => written.get_mut(module)?.get_mut(position)?.take(),
        modules::Declaration::Pasted(item) => Some(*item),
    }));
    items
}

/// A diagnostic about text pasted by a template call also points at the call, and at the
/// call that pasted that call, and so on.
fn label_expansions(sources: &SourceMap, diagnostic: &mut Diagnostic) {
    let mut via = diagnostic.primary_span().via;
    // Each call was recorded before the calls it pasted, so the chain ends; the bound is a guard.
    for _ in 0..64 {
        let Some(expansion) = sources.expansion(via) else { break };
        diagnostic.labels.push(diag::Label {
            span: expansion.call,
            message: Some(format!("pasted by this call of `{}`", expansion.template)),
            primary: false,
        });
        via = expansion.call.via;
    }
}

/// Checks source text given directly: a convenience for tests and tools.
pub fn check_source(name: &str, text: &str) -> (SourceMap, Checked) {
    check_source_with(name, text, &Options::default())
}

/// Checks source text given directly, with options.
pub fn check_source_with(name: &str, text: &str, options: &Options) -> (SourceMap, Checked) {
    let mut sources = SourceMap::new();
    let file = sources.add(name, text);
    let checked = check_with(&mut sources, file, options);
    (sources, checked)
}

/// Whether `word` appears in `text` as a whole identifier.
fn contains_word(text: &str, word: &str) -> bool {
    !word.is_empty()
        && text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).any(|candidate| candidate == word)
}
