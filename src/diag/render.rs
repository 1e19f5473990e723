//! Rendering diagnostics: graphical for people (miette), JSON for tools, and GitHub Actions
//! workflow commands for pull-request annotations.

use super::{Diagnostic, Severity};
use crate::source::{LineCol, SourceMap, Span};
use serde::Serialize;
use std::fmt;

/// Options for the human renderer.
#[derive(Clone, Copy, Debug)]
pub struct HumanOptions {
    pub color: bool,
    /// Terminal width used to wrap messages.
    pub width: usize,
}

impl Default for HumanOptions {
    fn default() -> HumanOptions {
        HumanOptions { color: false, width: 100 }
    }
}

/// The labels a report for people shows at most. miette's layout is quadratic in the labels
/// of one snippet (it re-reads the merged snippet for each label and checks every label on each
/// line), so a cycle through 4,000 nodes took 1.5 s to print; nobody reads past a few dozen.
/// The JSON and SARIF reports keep every label.
const MAX_LABELS_SHOWN: usize = 32;

/// The labels shown: the primary ones, then the others in their order, [`MAX_LABELS_SHOWN`]
/// in all.
fn shown_labels(diagnostic: &Diagnostic) -> impl Iterator<Item = &super::Label> {
    let primary = diagnostic.labels.iter().filter(|label| label.primary);
    let others = diagnostic.labels.iter().filter(|label| !label.primary);
    primary.chain(others).take(MAX_LABELS_SHOWN)
}

/// Renders one diagnostic as miette's graphical report.
pub fn human(sources: &SourceMap, diagnostic: &Diagnostic, options: HumanOptions) -> String {
    let theme =
        if options.color { miette::GraphicalTheme::unicode() } else { miette::GraphicalTheme::unicode_nocolor() };
    let handler = miette::GraphicalReportHandler::new_themed(theme).with_width(options.width).with_links(false);
    let primary = diagnostic.primary_span().file;
    let file = sources.get(primary);
    // Labels in other files (a template's definition, the call that pasted it) are shown as
    // related reports, one per file, after the main one.
    let mut other_files: Vec<crate::source::FileId> = Vec::new();
    for label in shown_labels(diagnostic) {
        if label.span.file != primary && !other_files.contains(&label.span.file) {
            other_files.push(label.span.file);
        }
    }
    let related = other_files
        .into_iter()
        .map(|id| {
            let other = sources.get(id);
            MietteReport { diagnostic, file: id, source: NamedText { file: other }, related: Vec::new() }
        })
        .collect();
    let report = MietteReport { diagnostic, file: primary, source: NamedText { file }, related };
    let mut out = String::new();
    if handler.render_report(&mut out, &report).is_err() {
        // Rendering into a String cannot fail; fall back to one line all the same.
        out = format!("{}[{}]: {}\n", diagnostic.severity.as_str(), diagnostic.code, diagnostic.message);
    }
    out
}

struct MietteReport<'a> {
    diagnostic: &'a Diagnostic,
    /// The file whose labels this report shows.
    file: crate::source::FileId,
    source: NamedText<'a>,
    /// Reports for the labels in other files; empty in those reports themselves.
    related: Vec<MietteReport<'a>>,
}

impl MietteReport<'_> {
    fn is_related(&self) -> bool {
        self.file != self.diagnostic.primary_span().file
    }
}

/// A file's text with its name, borrowed (miette's `NamedSource` wants owned, `'static` data).
struct NamedText<'a> {
    file: &'a crate::source::SourceFile,
}

impl miette::SourceCode for NamedText<'_> {
    fn read_span<'b>(
        &'b self,
        span: &miette::SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'b> + 'b>, miette::MietteError> {
        // miette's `str` reader counts lines from the start of the text, which made rendering
        // n diagnostics in a long file quadratic (8,000 took 14 s). It reads from the start of
        // the first context line instead, found through the line index; the lines above are
        // added back to the line numbers. Same output, from the same reader.
        let whole = self.file.text.as_str();
        let (base, lines_above, text) = self
            .file
            .line_start_above(span.offset(), context_lines_before)
            .and_then(|(base, lines)| Some((base, lines, whole.get(base..)?)))
            .unwrap_or((0, 0, whole));
        let local = miette::SourceSpan::new(span.offset().saturating_sub(base).into(), span.len());
        let contents = text.read_span(&local, context_lines_before, context_lines_after)?;
        let found = contents.span();
        Ok(Box::new(miette::MietteSpanContents::new_named(
            self.file.name.clone(),
            contents.data(),
            miette::SourceSpan::new((found.offset() + base).into(), found.len()),
            contents.line() + lines_above,
            contents.column(),
            contents.line_count() + lines_above,
        )))
    }
}

impl fmt::Debug for MietteReport<'_> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.diagnostic.message)
    }
}

impl fmt::Display for MietteReport<'_> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_related() {
            write!(formatter, "in {}", self.source.file.name)
        } else {
            formatter.write_str(&self.diagnostic.message)
        }
    }
}

impl std::error::Error for MietteReport<'_> {}

impl miette::Diagnostic for MietteReport<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        if self.is_related() {
            return None;
        }
        Some(Box::new(self.diagnostic.code))
    }

    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn miette::Diagnostic> + 'b>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(self.related.iter().map(|report| report as &dyn miette::Diagnostic)))
    }

    fn severity(&self) -> Option<miette::Severity> {
        if self.is_related() {
            return Some(miette::Severity::Advice);
        }
        Some(match self.diagnostic.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Advice => miette::Severity::Advice,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        if self.is_related() {
            return None;
        }
        let hidden = self.diagnostic.labels.len().saturating_sub(MAX_LABELS_SHOWN);
        if hidden > 0 {
            let note = format!("{hidden} more places are not shown here; `--format json` lists them all");
            return Some(Box::new(match &self.diagnostic.help {
                Some(help) => format!("{help}\n{note}"),
                None => note,
            }));
        }
        self.diagnostic.help.as_ref().map(|help| Box::new(help) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        let file = self.file;
        let labels = shown_labels(self.diagnostic).filter(move |label| label.span.file == file).map(|label| {
            let span = miette::SourceSpan::new((label.span.start as usize).into(), label.span.len());
            if label.primary {
                miette::LabeledSpan::new_primary_with_span(label.message.clone(), span)
            } else {
                miette::LabeledSpan::new_with_span(label.message.clone(), span)
            }
        });
        Some(Box::new(labels))
    }
}

#[derive(Serialize)]
struct JsonRange {
    start: LineCol,
    end: LineCol,
}

#[derive(Serialize)]
struct JsonLabel<'a> {
    file: &'a str,
    range: JsonRange,
    message: Option<&'a str>,
    primary: bool,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    code: &'static str,
    severity: Severity,
    message: &'a str,
    file: &'a str,
    range: JsonRange,
    labels: Vec<JsonLabel<'a>>,
    help: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    diagnostics: Vec<JsonDiagnostic<'a>>,
    errors: usize,
    warnings: usize,
}

fn range(sources: &SourceMap, span: Span) -> JsonRange {
    let file = sources.get(span.file);
    JsonRange { start: file.line_col(span.start), end: file.line_col(span.end) }
}

/// Renders all diagnostics of a run as one JSON document with 1-based lines and columns.
pub fn json(sources: &SourceMap, diagnostics: &[Diagnostic]) -> String {
    let report = JsonReport {
        diagnostics: diagnostics
            .iter()
            .map(|diagnostic| {
                let span = diagnostic.primary_span();
                JsonDiagnostic {
                    code: diagnostic.code.as_str(),
                    severity: diagnostic.severity,
                    message: &diagnostic.message,
                    file: &sources.get(span.file).name,
                    range: range(sources, span),
                    labels: diagnostic
                        .labels
                        .iter()
                        .map(|label| JsonLabel {
                            file: &sources.get(label.span.file).name,
                            range: range(sources, label.span),
                            message: label.message.as_deref(),
                            primary: label.primary,
                        })
                        .collect(),
                    help: diagnostic.help.as_deref(),
                }
            })
            .collect(),
        errors: diagnostics.iter().filter(|diagnostic| diagnostic.severity == Severity::Error).count(),
        warnings: diagnostics.iter().filter(|diagnostic| diagnostic.severity == Severity::Warning).count(),
    };
    // Serializing plain structs of strings and numbers cannot fail.
    serde_json::to_string_pretty(&report).unwrap_or_default() + "\n"
}

/// Renders one diagnostic as a GitHub Actions workflow command (`::error file=...::message`).
pub fn github(sources: &SourceMap, diagnostic: &Diagnostic) -> String {
    let span = annotated_span(sources, diagnostic);
    let file = sources.get(span.file);
    let start = file.line_col(span.start);
    let end = file.line_col(span.end);
    let command = match diagnostic.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Advice => "notice",
    };
    let mut message = diagnostic.message.clone();
    if let Some(help) = &diagnostic.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    format!(
        "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
        escape_property(&file.name),
        start.line,
        start.column,
        end.line,
        end.column,
        escape_property(diagnostic.code.as_str()),
        escape_data(&message),
    )
}

/// `name` with `/` separators, relative to `base` when it lies under it.
fn relative_uri(name: &str, base: Option<&str>) -> String {
    let name = name.replace('\\', "/");
    let Some(base) = base.map(|base| base.replace('\\', "/")) else { return name };
    let base = base.trim_end_matches('/');
    match name.strip_prefix(base).and_then(|rest| rest.strip_prefix('/')) {
        Some(relative) if !base.is_empty() && !relative.is_empty() => relative.to_string(),
        _ => name,
    }
}

/// Where an annotation goes: the primary span, unless it is in a module of the standard
/// library (embedded, so not a file of the repository): then the call in the user's files that
/// pasted it.
fn annotated_span(sources: &SourceMap, diagnostic: &Diagnostic) -> Span {
    let primary = diagnostic.primary_span();
    let embedded = |span: Span| crate::modules::stdlib::is_embedded(&sources.get(span.file).name);
    if !embedded(primary) {
        return primary;
    }
    diagnostic.labels.iter().rev().map(|label| label.span).find(|span| !embedded(*span)).unwrap_or(primary)
}

/// Escapes the message part of a workflow command, as GitHub's toolkit does.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a property value of a workflow command: also `:` and `,`.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// Renders all diagnostics of a run as a SARIF 2.1.0 log, for GitHub code scanning. Rule ids are
/// the diagnostic codes (every code is listed, so ids and indices are stable), each with its
/// summary and its long explanation as help; locations use the file names as given (relative
/// when the command line gave them so) and 1-based lines and columns.
pub fn sarif(sources: &SourceMap, diagnostics: &[Diagnostic]) -> String {
    sarif_relative_to(sources, diagnostics, None)
}

/// [`sarif`], with every path under `base` (the working directory) written relative to it,
/// as code scanning wants paths relative to the repository.
pub fn sarif_relative_to(sources: &SourceMap, diagnostics: &[Diagnostic], base: Option<&str>) -> String {
    use super::Code;
    use serde_sarif::sarif;

    let level = |severity: Severity| match severity {
        Severity::Error => sarif::ResultLevel::Error,
        Severity::Warning => sarif::ResultLevel::Warning,
        Severity::Advice => sarif::ResultLevel::Note,
    };
    let level_name = |severity: Severity| match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Advice => "note",
    };
    let location = |span: Span, message: Option<&str>| {
        let file = sources.get(span.file);
        let start = file.line_col(span.start);
        let end = file.line_col(span.end);
        let uri = if file.name == "<stdin>" { "stdin".to_string() } else { relative_uri(&file.name, base) };
        let physical = sarif::PhysicalLocation::builder()
            .artifact_location(sarif::ArtifactLocation::builder().uri(uri).build())
            .region(
                sarif::Region::builder()
                    .start_line(i64::from(start.line))
                    .start_column(i64::from(start.column))
                    .end_line(i64::from(end.line))
                    .end_column(i64::from(end.column))
                    .build(),
            )
            .build();
        match message {
            Some(text) => sarif::Location::builder()
                .physical_location(physical)
                .message(sarif::Message::builder().text(text).build())
                .build(),
            None => sarif::Location::builder().physical_location(physical).build(),
        }
    };
    let rules: Vec<sarif::ReportingDescriptor> = Code::ALL
        .iter()
        .map(|code| {
            sarif::ReportingDescriptor::builder()
                .id(code.as_str())
                .short_description(sarif::MultiformatMessageString::builder().text(code.summary()).build())
                .help(
                    sarif::MultiformatMessageString::builder()
                        .text(code.explanation())
                        .markdown(code.explanation())
                        .build(),
                )
                .default_configuration(
                    sarif::ReportingConfiguration::builder()
                        .level(serde_json::Value::from(level_name(code.severity())))
                        .build(),
                )
                .build()
        })
        .collect();
    let results: Vec<sarif::Result> = diagnostics
        .iter()
        .map(|diagnostic| {
            let mut text = diagnostic.message.clone();
            if let Some(help) = &diagnostic.help {
                text.push_str("\nhelp: ");
                text.push_str(help);
            }
            let related: Vec<sarif::Location> = diagnostic
                .labels
                .iter()
                .filter(|label| !label.primary)
                .map(|label| location(label.span, label.message.as_deref()))
                .collect();
            let rule_index = Code::ALL.iter().position(|code| *code == diagnostic.code).unwrap_or(0);
            let result = sarif::Result::builder()
                .rule_id(diagnostic.code.as_str())
                .rule_index(i64::try_from(rule_index).unwrap_or(0))
                .level(level(diagnostic.severity))
                .message(sarif::Message::builder().text(text).build())
                .locations(vec![location(annotated_span(sources, diagnostic), None)]);
            if related.is_empty() {
                result.build()
            } else {
                result.related_locations(related).build()
            }
        })
        .collect();
    let driver =
        sarif::ToolComponent::builder().name("golivec").version(env!("CARGO_PKG_VERSION")).rules(rules).build();
    let run = sarif::Run::builder().tool(sarif::Tool::builder().driver(driver).build()).results(results).build();
    let log = sarif::Sarif::builder()
        .schema("https://json.schemastore.org/sarif-2.1.0.json")
        .version(serde_json::Value::from("2.1.0"))
        .runs(vec![run])
        .build();
    // Serializing plain data into a String cannot fail.
    serde_json::to_string_pretty(&log).unwrap_or_default() + "\n"
}
