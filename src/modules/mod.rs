//! Modules and templates: `use` loads other files and standard-library modules, and every
//! template call is pasted into the plan before it is checked.
//!
//! Runs between parsing and `sema`: [`load`] follows the imports from the root file (each
//! file parsed once; a cycle is reported with its chain), then [`expand`] checks each template
//! call against the template's typed parameters and pastes its statements. `sema` and the
//! analysis see one expanded plan; every pasted span keeps the template's position and says,
//! through `Span::via`, which call pasted it.

mod expand;
pub mod stdlib;
pub mod variant;

pub use expand::{expand, Declaration, ParamType};

use crate::ast::{self, Item, UseTarget};
use crate::diag::{Code, Diagnostic};
use crate::source::{FileId, SourceMap, Span};

/// Imports deeper than this are refused: no real plan nests so deep, and it bounds recursion.
const MAX_IMPORT_DEPTH: usize = 64;

/// One parsed file of the program.
#[derive(Debug)]
pub struct Module {
    pub file: FileId,
    pub ast: ast::File,
    /// The modules this file imports: the name it knows each by, and its index in `modules`.
    pub imports: Vec<(String, usize)>,
}

/// The root file and every module it imports, directly or not.
#[derive(Debug)]
pub struct Program {
    /// `modules[0]` is the root.
    pub modules: Vec<Module>,
    /// Module indices, each after the modules it imports; the root comes last.
    pub order: Vec<usize>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Visit {
    Started,
    Done,
}

struct Loader<'s> {
    sources: &'s mut SourceMap,
    modules: Vec<Module>,
    visits: Vec<Option<Visit>>,
    order: Vec<usize>,
    diagnostics: Vec<Diagnostic>,
}

/// Loads every module the root imports, parsing each once. Returns the program and the
/// diagnostics of loading and of parsing the imported files.
pub fn load(sources: &mut SourceMap, root: FileId, root_ast: ast::File) -> (Program, Vec<Diagnostic>) {
    let mut loader = Loader {
        sources,
        modules: vec![Module { file: root, ast: root_ast, imports: Vec::new() }],
        visits: vec![None],
        order: Vec::new(),
        diagnostics: Vec::new(),
    };
    let mut stack = Vec::new();
    loader.visit(0, &mut stack);
    (Program { modules: loader.modules, order: loader.order }, loader.diagnostics)
}

impl Loader<'_> {
    /// Loads the imports of `module`, depth first. `stack` holds the modules being loaded, each
    /// with the `use` that led to the next one.
    fn visit(&mut self, module: usize, stack: &mut Vec<(usize, Span)>) {
        self.visits[module] = Some(Visit::Started);
        let uses: Vec<ast::UseDecl> = self.modules[module]
            .ast
            .items
            .iter()
            .filter_map(|item| match item {
                Item::Use(decl) => Some(decl.clone()),
                _ => None,
            })
            .collect();
        let mut names: Vec<(String, Span)> = Vec::new();
        for decl in &uses {
            if let Some((_, first)) = names.iter().find(|(name, _)| *name == decl.name.name) {
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::DuplicateDefinition,
                        decl.name.span,
                        format!("two modules are known as `{}` in this file", decl.name.name),
                    )
                    .label("imported again under this name")
                    .with(*first, "first imported here")
                    .help(format!("give one of them another name: `use ... as {}_2`", decl.name.name)),
                );
                continue;
            }
            names.push((decl.name.name.to_string(), decl.name.span));
            let Some(imported) = self.resolve(module, decl, stack.len()) else { continue };
            match self.visits[imported] {
                Some(Visit::Started) => {
                    self.report_cycle(module, imported, decl, stack);
                    continue;
                }
                Some(Visit::Done) => {}
                None => {
                    stack.push((module, decl.span));
                    self.visit(imported, stack);
                    stack.pop();
                }
            }
            self.modules[module].imports.push((decl.name.name.to_string(), imported));
        }
        self.visits[module] = Some(Visit::Done);
        self.order.push(module);
    }

    /// The module a `use` names, loaded and parsed on first sight.
    fn resolve(&mut self, module: usize, decl: &ast::UseDecl, depth: usize) -> Option<usize> {
        let (name, embedded) = match &decl.target {
            UseTarget::Std(path) => {
                let written: Vec<&str> = path.iter().map(|part| part.name.as_str()).collect();
                let found = match written.as_slice() {
                    ["std", name] => stdlib::find(name),
                    _ => None,
                };
                let Some(found) = found else {
                    let wanted = written.last().copied().unwrap_or_default();
                    let suggestion = crate::sema::closest(wanted, stdlib::MODULES.iter().map(|module| module.name));
                    let span = path
                        .first()
                        .map_or(decl.span, |first| first.span.to(path.last().map_or(first.span, |last| last.span)));
                    self.diagnostics.push(
                        Diagnostic::new(
                            Code::UnknownModule,
                            span,
                            format!("`{}` is not a module of the standard library", written.join(".")),
                        )
                        .label("no such module")
                        .help(match suggestion {
                            Some(name) => format!("did you mean `std.{name}`? `golivec stdlib` lists the modules"),
                            None => "standard modules are written `std.NAME`; `golivec stdlib` lists them".to_string(),
                        }),
                    );
                    return None;
                };
                (stdlib::file_name(found.name), Some(found.source))
            }
            UseTarget::File(path) => {
                let importer = self.sources.get(self.modules[module].file).name.clone();
                (resolve_path(&importer, &path.value), None)
            }
        };
        // A file already in the source map (this plan's own module, or a file an earlier check
        // of the same run read) is reused, not read again.
        let known = self.sources.find(&name);
        if let Some(index) = known.and_then(|file| self.modules.iter().position(|module| module.file == file)) {
            return Some(index);
        }
        if depth >= MAX_IMPORT_DEPTH {
            self.diagnostics.push(
                Diagnostic::new(
                    Code::ImportCycle,
                    decl.span,
                    format!("imports nest more than {MAX_IMPORT_DEPTH} modules deep"),
                )
                .label("one import too many")
                .help("import the shared modules from the plan itself instead of through a chain"),
            );
            return None;
        }
        let file = match (known, embedded) {
            (Some(file), _) => file,
            (None, Some(source)) => self.sources.add(name, source),
            (None, None) => match self.sources.loader().load(&name) {
                Ok(text) => self.sources.add(name, text),
                Err(crate::source::LoadError::Unreadable(reason)) => {
                    self.diagnostics.push(
                        Diagnostic::new(Code::UnknownModule, decl.span, format!("cannot import `{name}`"))
                            .label(reason)
                            .help("a path in `use \"...\"` is relative to the file that imports it"),
                    );
                    return None;
                }
                Err(crate::source::LoadError::NotAPlanFile(reason)) => {
                    self.diagnostics.push(
                        Diagnostic::new(Code::NotAPlanFile, decl.span, format!("cannot import `{name}`"))
                            .label(reason)
                            .help("import a plan file: a regular file of UTF-8 text"),
                    );
                    return None;
                }
            },
        };
        let (ast, diagnostics) = crate::syntax::parse(file, &self.sources.get(file).text);
        self.diagnostics.extend(diagnostics);
        self.modules.push(Module { file, ast, imports: Vec::new() });
        self.visits.push(None);
        Some(self.modules.len() - 1)
    }

    fn report_cycle(&mut self, current: usize, imported: usize, decl: &ast::UseDecl, stack: &[(usize, Span)]) {
        let start = stack.iter().position(|(module, _)| *module == imported).unwrap_or(stack.len());
        let mut chain: Vec<usize> = stack[start..].iter().map(|(module, _)| *module).collect();
        chain.push(current);
        chain.push(imported);
        let names: Vec<String> =
            chain.iter().map(|module| self.sources.get(self.modules[*module].file).name.clone()).collect();
        let mut diagnostic = Diagnostic::new(
            Code::ImportCycle,
            decl.span,
            format!("modules import each other in a cycle: {}", names.join(" → ")),
        )
        .label("this import closes the cycle");
        for (_, span) in &stack[start..] {
            diagnostic = diagnostic.with(*span, "imported here");
        }
        self.diagnostics.push(diagnostic.help("move what both modules need into a third module that imports neither"));
    }
}

/// The path of `relative` seen from the file named `importer`, with `.` and `..` resolved
/// lexically (so the same file reached two ways is loaded once).
pub fn resolve_path(importer: &str, relative: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    let absolute = relative.starts_with('/') || (importer.starts_with('/') && !relative.is_empty());
    if !relative.starts_with('/') {
        let directory = importer.rsplit_once('/').map_or("", |(directory, _)| directory);
        parts.extend(directory.split('/').filter(|part| !part.is_empty() && *part != "."));
    }
    for part in relative.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|last| *last != "..") {
                    parts.pop();
                } else if !absolute {
                    parts.push("..");
                }
            }
            _ => parts.push(part),
        }
    }
    let joined = parts.join("/");
    if absolute {
        format!("/{joined}")
    } else {
        joined
    }
}
