//! The standard library: `.golive` modules embedded in the compiler, so `use std.NAME` works
//! from any directory and offline. Each module's sources live in `stdlib/NAME.golive`; the
//! comment lines at the top of the file are its documentation.

/// One module of the standard library.
#[derive(Debug)]
pub struct StdModule {
    pub name: &'static str,
    pub source: &'static str,
}

impl StdModule {
    /// The module's documentation: the `#` lines at the top of its file, without the `#`.
    pub fn doc(&self) -> String {
        let lines: Vec<&str> = self
            .source
            .lines()
            .take_while(|line| line.starts_with('#'))
            .map(|line| line.strip_prefix("# ").unwrap_or(line.trim_start_matches('#')))
            .collect();
        lines.join("\n")
    }

    /// The first paragraph of the documentation, on one line.
    pub fn summary(&self) -> String {
        let doc = self.doc();
        let lines: Vec<&str> = doc.lines().take_while(|line| !line.trim().is_empty()).collect();
        lines.join(" ")
    }
}

macro_rules! modules {
    ($($name:literal),* $(,)?) => {
        /// Every module, in alphabetical order.
        pub const MODULES: &[StdModule] = &[
            $(StdModule { name: $name, source: include_str!(concat!("../../stdlib/", $name, ".golive")) },)*
        ];
    };
}

modules!["blue_green", "canary", "database", "dns", "http", "kubernetes", "monitoring", "notify", "prometheus"];

/// The name a module's source has in the source map, and so in diagnostics.
pub fn file_name(module: &str) -> String {
    format!("stdlib/{module}.golive")
}

/// Whether a source map's file is a module of the standard library (embedded, not on disk).
pub fn is_embedded(file_name: &str) -> bool {
    file_name
        .strip_prefix("stdlib/")
        .and_then(|rest| rest.strip_suffix(".golive"))
        .is_some_and(|name| find(name).is_some())
}

/// The module `std.NAME`.
pub fn find(name: &str) -> Option<&'static StdModule> {
    MODULES.iter().find(|module| module.name == name)
}

/// A template of a module, as its documentation shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateDoc {
    pub name: String,
    /// `name: type = default`, as written.
    pub params: Vec<String>,
    /// The comment lines right above the template, without `#`.
    pub doc: String,
    /// The template's source text.
    pub source: String,
}

impl TemplateDoc {
    /// `module.name(param: type, ...)`.
    pub fn signature(&self, module: &str) -> String {
        format!("{module}.{}({})", self.name, self.params.join(", "))
    }
}

/// The templates of a module, in source order, with their documentation.
pub fn templates(module: &StdModule) -> Vec<TemplateDoc> {
    templates_in(module.source)
}

/// The templates declared in the text of a module (standard or a file), in source order, with
/// their documentation.
pub fn templates_in(text: &str) -> Vec<TemplateDoc> {
    let (file, _) = crate::syntax::parse(crate::source::FileId(0), text);
    let slice = |span: crate::source::Span| text.get(span.range()).unwrap_or_default().to_string();
    file.items
        .iter()
        .filter_map(|item| match item {
            crate::ast::Item::Template(decl) => Some(decl),
            _ => None,
        })
        .map(|decl| {
            let start = decl.span.start as usize;
            let before = text.get(..start).unwrap_or_default();
            let mut doc_lines: Vec<&str> = before
                .lines()
                .rev()
                .take_while(|line| line.starts_with('#'))
                .map(|line| line.trim_start_matches('#').trim_start())
                .collect();
            doc_lines.reverse();
            TemplateDoc {
                name: decl.name.name.to_string(),
                params: decl.params.iter().map(|param| slice(param.span)).collect(),
                doc: doc_lines.join("\n"),
                source: slice(decl.span),
            }
        })
        .collect()
}

/// The module's documentation page (Markdown), made from its source: the header comment
/// (indented lines become a code block), then each template with its signature, its comment
/// and its source.
pub fn page(module: &StdModule) -> String {
    let mut out = format!("# std.{}\n\n", module.name);
    out.push_str("<!-- Generated from stdlib/");
    out.push_str(module.name);
    out.push_str(".golive by `golivec stdlib ");
    out.push_str(module.name);
    out.push_str("`; edit the module, not this page. -->\n\n");
    let mut in_code = false;
    let mut lines: Vec<String> = Vec::new();
    for line in module.doc().lines() {
        match (line.strip_prefix("    "), in_code) {
            (Some(code), false) => {
                if lines.last().is_some_and(|last| !last.is_empty()) {
                    lines.push(String::new());
                }
                lines.push("```golive".to_string());
                lines.push(code.to_string());
                in_code = true;
            }
            (Some(code), true) => lines.push(code.to_string()),
            (None, true) if line.is_empty() => lines.push(String::new()),
            (None, true) => {
                close_code(&mut lines);
                lines.push(line.to_string());
                in_code = false;
            }
            (None, false) => lines.push(line.to_string()),
        }
    }
    if in_code {
        close_code(&mut lines);
    }
    out.push_str(lines.join("\n").trim_end());
    out.push_str(&format!("\n\nUse it with `use std.{}`.\n\n## Templates\n", module.name));
    for template in templates(module) {
        out.push_str(&format!("\n### `{}`\n\n", template.name));
        out.push_str(&format!("```text\n{}\n```\n\n", template.signature(module.name)));
        if !template.doc.is_empty() {
            out.push_str(&template.doc);
            out.push_str("\n\n");
        }
        out.push_str(&format!("```golive\n{}\n```\n", template.source));
    }
    out
}

/// Ends a code block, moving the blank lines it swallowed after it.
fn close_code(lines: &mut Vec<String>) {
    let mut blanks = 0;
    while lines.last().is_some_and(|last| last.is_empty()) {
        lines.pop();
        blanks += 1;
    }
    lines.push("```".to_string());
    lines.extend(std::iter::repeat_n(String::new(), blanks.max(1)));
}
