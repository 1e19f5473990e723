//! Parsing: text → the typed AST of [`crate::ast`], and syntax diagnostics.
//!
//! pest stays inside this module: nothing outside sees a `Pair` or a `Rule`.
//!
//! Two kinds of facts meet here, and they are handled differently:
//! - what we *expect* (the user may have got it wrong): a bad line, an unknown unit, a string
//!   that is never closed, a date that does not exist. Each becomes a diagnostic and lowering
//!   goes on, so one run reports every mistake it can find.
//! - what we *presume* (the grammar guarantees it): a `run_step` has a keyword, a
//!   `comparison` starts with a name. Should the grammar and this code ever disagree, lowering
//!   reports an internal error at that span instead of panicking.

mod expected;
pub mod fast;
mod grammar;
mod literal;
mod nesting;
pub(crate) mod scan;

pub use literal::source_range;
pub use nesting::MAX_DEPTH;

use crate::ast::*;
use crate::diag::{Code, Diagnostic};
use crate::source::{FileId, Span};
use grammar::{GoliveParser, Rule};
use pest::Parser;

type Pair<'i> = pest::iterators::Pair<'i, Rule>;

/// Parses one file. Always returns a tree (possibly with fewer items than the text) and every
/// syntax diagnostic found.
///
/// A clean file takes the fast path ([`fast::parse`]), which builds the same tree as
/// [`parse_reference`] without pest; any other file goes through pest.
pub fn parse(file: FileId, source: &str) -> (File, Vec<Diagnostic>) {
    match fast::parse(file, source) {
        Some(tree) => (tree, Vec::new()),
        None => parse_reference(file, source),
    }
}

/// Parses one file with pest alone: the definition of the language, and the source of every
/// syntax diagnostic. [`fast::parse`] is tested against it (`tests/it/fast_parser.rs`, the
/// `parse_agree` fuzz target).
///
/// pest parses one top-level declaration at a time (`file_start`, then `next_item` until the end
/// of the file), so its token queue holds one declaration, not the whole file: memory follows
/// the largest declaration instead of the file's size. The result is the same as parsing the
/// grammar's `file` rule whole.
pub fn parse_reference(file: FileId, source: &str) -> (File, Vec<Diagnostic>) {
    let whole = Span::new(file, 0, source.len());
    let empty = File { items: Vec::new(), comments: Vec::new(), unreadable: vec![whole], span: whole };
    let lone_cr = lone_carriage_return(file, source);
    let mut diagnostics = nesting::check(file, source);
    if !diagnostics.is_empty() {
        diagnostics.extend(lone_cr);
        return (empty, diagnostics);
    }
    diagnostics.extend(lone_cr);
    let mut lowerer = Lowerer { file, base: 0, diagnostics };
    let mut tree = File { items: Vec::new(), comments: Vec::new(), unreadable: Vec::new(), span: whole };
    let mut entry = Rule::file_start;
    let mut position = 0;
    loop {
        let rest = source.get(position..).unwrap_or_default();
        let pair = match GoliveParser::parse(entry, rest) {
            Ok(mut pairs) => pairs.next(),
            Err(error) => {
                lowerer.report_pest_error(&error, position, rest);
                return (empty, lowerer.diagnostics);
            }
        };
        let Some(pair) = pair else { break };
        lowerer.base = position;
        let consumed = pair.as_span().end();
        let at_end = lowerer.top_level(pair, &mut tree);
        position += consumed;
        // `next_item` consumes at least one character unless it matched the end of the file.
        if at_end || (consumed == 0 && entry == Rule::next_item) {
            break;
        }
        entry = Rule::next_item;
    }
    (tree, lowerer.diagnostics)
}

/// The byte offsets of the carriage returns not followed by a line feed.
pub(crate) fn lone_carriage_returns(source: &str) -> impl Iterator<Item = usize> + '_ {
    let bytes = source.as_bytes();
    // A search for the byte (memchr) rather than a test of each: every check runs this first.
    source.match_indices('\r').map(|(at, _)| at).filter(move |&at| bytes.get(at + 1) != Some(&b'\n'))
}

/// E0109 at the first carriage return not followed by a line feed. The grammar would read it as
/// a line break, but editors, terminals and the line numbers of diagnostics do not, so a plan
/// would not mean what it shows: it is refused.
fn lone_carriage_return(file: FileId, source: &str) -> Option<Diagnostic> {
    let mut found = lone_carriage_returns(source);
    let first = found.next()?;
    let more = found.count();
    let others = match more {
        0 => String::new(),
        1 => " (and 1 more)".to_string(),
        more => format!(" (and {more} more)"),
    };
    Some(
        Diagnostic::new(
            Code::LoneCarriageReturn,
            Span::new(file, first, first + 1),
            format!("a carriage return without a line feed{others}"),
        )
        .label("`\\r` alone")
        .help("end lines with `\\n` or `\\r\\n`: save the file with Unix or Windows line endings"),
    )
}

/// A kind of block, by the statements it takes (for an editor's completion).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Block {
    TopLevel,
    Plan,
    Role,
    Env,
    Metric,
    Prometheus,
    Window,
    Freeze,
    /// A phase, gate, rollout, watch or template.
    Node,
    /// A group, a rollback level or an alert: steps only.
    Steps,
    Rollback,
    Variant,
}

/// The keywords that start a statement in `block`, as the grammar has them.
pub fn statement_keywords(block: Block) -> &'static [&'static str] {
    expected::keywords(match block {
        Block::TopLevel => Rule::item_only,
        Block::Plan => Rule::plan_field_only,
        Block::Role => Rule::role_field_only,
        Block::Env => Rule::env_field_only,
        Block::Metric => Rule::metric_field_only,
        Block::Prometheus => Rule::prometheus_field_only,
        Block::Window => Rule::window_field_only,
        Block::Freeze => Rule::freeze_field_only,
        Block::Node => Rule::node_item_only,
        Block::Steps => Rule::group_item_only,
        Block::Rollback => Rule::rollback_item_only,
        Block::Variant => Rule::variant_item_only,
    })
}

/// Reads a date-time with a zone as written in a plan (for `--t0` on the command line).
pub fn parse_datetime(text: &str) -> Result<jiff::Zoned, String> {
    match GoliveParser::parse(Rule::datetime, text) {
        Ok(pairs) if pairs.as_str() == text => literal::datetime(text).map_err(|error| match error.help {
            Some(help) => format!("{}; {help}", error.message),
            None => error.message,
        }),
        _ => Err(format!(
            "`{text}` is not a date-time such as 2025-03-04T09:30:00+01:00 or 2025-03-04T09:30[Europe/Paris]"
        )),
    }
}

/// Reads an offset from launch as written in a plan (`T0`, `T-24h`, `T+15m`), in milliseconds.
pub fn parse_offset(text: &str) -> Result<i64, String> {
    match GoliveParser::parse(Rule::offset, text) {
        Ok(pairs) if pairs.as_str() == text => literal::offset(text).map_err(|error| error.message),
        _ => Err(format!("`{text}` is not an offset from T0 such as T-1h, T0 or T+15m")),
    }
}

/// Reads a duration as written in a plan (`90s`, `1h30m`), in milliseconds.
pub fn parse_duration(text: &str) -> Result<u64, String> {
    match GoliveParser::parse(Rule::duration, text) {
        Ok(pairs) if pairs.as_str() == text => literal::duration(text).map_err(|error| error.message),
        _ => Err(format!("`{text}` is not a duration such as 90s, 10m or 1h30m")),
    }
}

/// Suggests the closest known time zone name.
pub(crate) fn suggest_zone(name: &str) -> Option<String> {
    if name.len() > crate::sema::MAX_SUGGESTED_LEN {
        return None;
    }
    // `GMT+1` is close to `GMT+0` in spelling, not in meaning: say what it means instead.
    if let Some(seconds) = crate::zones::offset_in_name(name) {
        let offset = crate::zones::show_offset(seconds);
        let place =
            crate::zones::place_with_offset(seconds).map(|place| format!(", such as `{place}`")).unwrap_or_default();
        return Some(format!(
            "a zone name carries no offset: for UTC{offset}, write the zone of the place{place}, or in a date-time the offset itself, `{offset}`"
        ));
    }
    let lower = name.to_ascii_lowercase();
    crate::zones::names()
        .map(|zone| (strsim::jaro_winkler(&lower, &zone.to_ascii_lowercase()), zone))
        .filter(|(score, _)| *score > 0.85)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, zone)| format!("did you mean `{zone}`?"))
}

/// `resume`, `stay` or `escalate`, from an `outcome` pair.
fn outcome(pair: Pair<'_>) -> Option<Outcome> {
    match pair.into_inner().next()?.as_rule() {
        Rule::kw_resume => Some(Outcome::Resume),
        Rule::kw_stay => Some(Outcome::Stay),
        Rule::kw_escalate => Some(Outcome::Escalate),
        _ => None,
    }
}

fn is_keyword(rule: Rule) -> bool {
    // Keyword rules are declared together in the grammar, so they are contiguous in `Rule`.
    (Rule::kw_plan as usize..=Rule::kw_template as usize).contains(&(rule as usize))
}

/// The meaningful children of a pair: no comments, no keywords.
fn children(pair: Pair<'_>) -> impl Iterator<Item = Pair<'_>> {
    pair.into_inner().filter(|child| child.as_rule() != Rule::COMMENT && !is_keyword(child.as_rule()))
}

struct Lowerer {
    file: FileId,
    /// Where the text pest is parsing starts in the file: pairs' positions are relative to it.
    base: usize,
    diagnostics: Vec<Diagnostic>,
}

impl Lowerer {
    fn span(&self, pair: &Pair<'_>) -> Span {
        Span::new(self.file, self.base + pair.as_span().start(), self.base + pair.as_span().end())
    }

    /// The grammar and the lowering disagree: a bug in golivec, reported, never a panic.
    fn internal(&mut self, span: Span) {
        self.diagnostics.push(
            Diagnostic::new(Code::SyntaxError, span, "golivec could not read this construct (an internal error)")
                .help("please report this plan to the golivec developers"),
        );
    }

    /// Lowers one `file_start` or `next_item` into `tree`; says whether it reached the end.
    fn top_level(&mut self, pair: Pair<'_>, tree: &mut File) -> bool {
        tree.comments.extend(
            pair.clone()
                .into_inner()
                .flatten()
                .filter(|child| child.as_rule() == Rule::COMMENT)
                .map(|child| Comment { text: child.as_str()[1..].to_string(), span: self.span(&child) }),
        );
        let mut at_end = false;
        for child in children(pair) {
            match child.as_rule() {
                Rule::EOI => at_end = true,
                Rule::bad_item => {
                    tree.unreadable.push(self.span(&child));
                    self.bad(child, Rule::item_only);
                }
                _ => {
                    let span = self.span(&child);
                    match self.item(child) {
                        Some(item) => tree.items.push(item),
                        None => self.internal(span),
                    }
                }
            }
        }
        at_end
    }

    // ------------------------------------------------------------------ recovery

    /// Explains a line the grammar could not read, by parsing it alone with `strict`.
    fn bad(&mut self, pair: Pair<'_>, strict: Rule) {
        let start = self.base + pair.as_span().start();
        let text = pair.as_str();
        if let Some(at) = unterminated_string(text) {
            let span = Span::new(self.file, start + at, start + text.len());
            self.diagnostics.push(
                Diagnostic::new(Code::UnterminatedString, span, "this string is not closed")
                    .label("the line ends before the closing `\"`")
                    .help("close the string on the same line, or use `\"\"\"` for text over several lines"),
            );
            return;
        }
        // A line that starts with a word that is not a keyword here (`chek "..."`, `rn "..."`) is
        // a misspelled keyword, even where a bare condition could also start with a name.
        let first_word: String = text.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        let keywords = expected::keywords(strict);
        if !first_word.is_empty() && !keywords.contains(&first_word.as_str()) {
            let suggestion = crate::sema::closest(&first_word, keywords.iter().copied());
            let rest = text[first_word.len()..].trim_start();
            if strict != Rule::node_item_only || suggestion.is_some() || rest.starts_with('"') {
                let span = Span::new(self.file, start, start + first_word.len());
                let expected = expected::describe(&[strict]);
                self.diagnostics.push(
                    Diagnostic::new(Code::SyntaxError, span, format!("expected {expected}, found `{first_word}`"))
                        .label("not a keyword here")
                        .maybe_help(suggestion.map(|keyword| format!("did you mean `{keyword}`?"))),
                );
                return;
            }
        }
        match GoliveParser::parse(strict, text) {
            Err(error) => self.report_pest_error(&error, start, text),
            Ok(_) => {
                let span = Span::new(self.file, start, start + text.len());
                self.diagnostics.push(
                    Diagnostic::new(Code::SyntaxError, span, "this cannot be read here").label("unexpected here"),
                );
            }
        }
    }

    fn report_pest_error(&mut self, error: &pest::error::Error<Rule>, base: usize, text: &str) {
        let position = match error.location {
            pest::error::InputLocation::Pos(position) => position,
            pest::error::InputLocation::Span((position, _)) => position,
        }
        .min(text.len());
        let (expected, rules) = match &error.variant {
            pest::error::ErrorVariant::ParsingError { positives, .. } => {
                (expected::describe(positives), positives.clone())
            }
            pest::error::ErrorVariant::CustomError { message } => (message.clone(), Vec::new()),
        };
        let rest = &text[position..];
        let token_length = found_token_length(rest);
        let found =
            if token_length == 0 { "the end of the line".to_string() } else { format!("`{}`", &rest[..token_length]) };
        let span = Span::new(self.file, base + position, base + position + token_length);
        let help = suggest_keyword(&rest[..token_length], &rules);
        let rules: Vec<Rule> = rules.into_iter().filter(|rule| *rule != Rule::COMMENT).collect();
        let expected = if rules.is_empty() { expected } else { expected::describe(&rules) };
        self.diagnostics.push(
            Diagnostic::new(Code::SyntaxError, span, format!("expected {expected}, found {found}"))
                .label(if expected.len() <= 48 {
                    format!("expected {expected}")
                } else {
                    "unexpected here".to_string()
                })
                .maybe_help(help),
        );
    }

    // ------------------------------------------------------------------ declarations

    fn item(&mut self, pair: Pair<'_>) -> Option<Item> {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        if rule == Rule::use_decl {
            return self.use_decl(pair);
        }
        let mut parts = children(pair).peekable();
        let name = self.ident(parts.next()?);
        let item = match rule {
            Rule::template_decl => {
                let params_pair = parts.next()?;
                let params_span = self.span(&params_pair);
                let mut params = Vec::new();
                for param in children(params_pair) {
                    let param_span = self.span(&param);
                    let mut param_parts = children(param);
                    let param_name = self.ident(param_parts.next()?);
                    let ty = self.ident(param_parts.next()?);
                    let default = match param_parts.next() {
                        Some(argument) => Some(self.argument(argument)?),
                        None => None,
                    };
                    params.push(Param { name: param_name, ty, default, span: param_span });
                }
                let body = self.node_block(parts.next()?)?;
                Item::Template(TemplateDecl { name, params, body, params_span, span })
            }
            Rule::plan_decl => {
                let mut fields = Vec::new();
                for field in children(parts.next()?) {
                    let field_rule = field.as_rule();
                    if field_rule == Rule::bad_line {
                        self.bad(field, Rule::plan_field_only);
                        continue;
                    }
                    if field_rule == Rule::deadline {
                        fields.push(PlanField::Deadline(self.deadline(field)?));
                        continue;
                    }
                    if field_rule == Rule::trigger_field {
                        let span = self.span(&field);
                        let trigger = children(field).next()?;
                        let kind = match trigger.as_rule() {
                            Rule::push_trigger => {
                                let tag = trigger.clone().into_inner().any(|part| part.as_rule() == Rule::kw_tag);
                                let pattern = self.text(children(trigger).next()?);
                                if tag {
                                    TriggerKind::Tag(pattern)
                                } else {
                                    TriggerKind::Branch(pattern)
                                }
                            }
                            Rule::schedule_trigger => TriggerKind::Schedule(self.text(children(trigger).next()?)),
                            _ => TriggerKind::Release,
                        };
                        fields.push(PlanField::Trigger(Trigger { kind, span }));
                        continue;
                    }
                    let value = children(field).next()?;
                    fields.push(match field_rule {
                        Rule::title_field => PlanField::Title(self.text(value)),
                        Rule::launch_field => PlanField::Launch(self.datetime(value)),
                        Rule::owner_field => PlanField::Owner(self.ident(value)),
                        _ => PlanField::Description(self.text(value)),
                    });
                }
                Item::Plan(PlanDecl { name, fields, span })
            }
            Rule::variant_decl => {
                let mut items = Vec::new();
                for part in children(parts.next()?) {
                    let part_span = self.span(&part);
                    let part_rule = part.as_rule();
                    if part_rule == Rule::bad_line {
                        self.bad(part, Rule::variant_item_only);
                        continue;
                    }
                    let mut inner = children(part);
                    items.push(match part_rule {
                        Rule::skip_stmt => VariantItem::Skip(self.ident_list(inner.next()?), part_span),
                        Rule::variant_approve => {
                            let node = self.ident(inner.next()?);
                            let step = self.step(inner.next()?)?;
                            VariantItem::Approve { node, step, span: part_span }
                        }
                        Rule::title_field => {
                            VariantItem::Setting(PlanField::Title(self.text(inner.next()?)), part_span)
                        }
                        Rule::launch_field => {
                            VariantItem::Setting(PlanField::Launch(self.datetime(inner.next()?)), part_span)
                        }
                        Rule::owner_field => {
                            VariantItem::Setting(PlanField::Owner(self.ident(inner.next()?)), part_span)
                        }
                        _ => VariantItem::Setting(PlanField::Description(self.text(inner.next()?)), part_span),
                    });
                }
                Item::Variant(Box::new(VariantDecl { name, items, span }))
            }
            Rule::role_decl => {
                let title = parts.next_if(|part| part.as_rule() == Rule::string).map(|part| self.text(part));
                let mut contacts = Vec::new();
                let mut description = None;
                if let Some(block) = parts.next() {
                    for field in children(block) {
                        match field.as_rule() {
                            Rule::bad_line => self.bad(field, Rule::role_field_only),
                            Rule::contact_field => contacts.push(self.text(children(field).next()?)),
                            _ => description = Some(self.text(children(field).next()?)),
                        }
                    }
                }
                Item::Role(Box::new(RoleDecl { name, title, contacts, description, span }))
            }
            Rule::env_decl => {
                let title = parts.next_if(|part| part.as_rule() == Rule::string).map(|part| self.text(part));
                let mut fields = Vec::new();
                if let Some(block) = parts.next() {
                    for field in children(block) {
                        let field_rule = field.as_rule();
                        if field_rule == Rule::bad_line {
                            self.bad(field, Rule::env_field_only);
                            continue;
                        }
                        let value = children(field).next()?;
                        fields.push(match field_rule {
                            Rule::url_field => EnvField::Url(self.text(value)),
                            Rule::approval_field => EnvField::Approval(self.ident_list(value)),
                            Rule::tier_field => EnvField::Tier(self.ident(value)),
                            _ => EnvField::Description(self.text(value)),
                        });
                    }
                }
                Item::Env(Box::new(EnvDecl { name, title, fields, span }))
            }
            Rule::secret_decl => {
                let description = parts.next().map(|part| self.text(part));
                Item::Secret(SecretDecl { name, description, span })
            }
            Rule::var_decl => {
                let description = parts.next().map(|part| self.text(part));
                Item::Var(VarDecl { name, input: None, description, span })
            }
            Rule::input_decl => {
                let input = Some(self.ident(parts.next()?));
                let description = parts.next().map(|part| self.text(part));
                Item::Var(VarDecl { name, input, description, span })
            }
            Rule::metric_decl => {
                let ty = self.ident(parts.next()?);
                let title = parts.next_if(|part| part.as_rule() == Rule::string).map(|part| self.text(part));
                let mut fields = Vec::new();
                if let Some(block) = parts.next() {
                    for field in children(block) {
                        let field_span = self.span(&field);
                        match field.as_rule() {
                            Rule::bad_line => self.bad(field, Rule::metric_field_only),
                            Rule::probe_field => {
                                let (command, uses) = self.command_with_uses(field)?;
                                fields.push(MetricField::Probe(command, uses))
                            }
                            Rule::unit_field => fields.push(MetricField::Unit(self.ident(children(field).next()?))),
                            Rule::query_field => {
                                let mut parts = children(field);
                                let query = self.text(parts.next()?);
                                let server = parts.next().map(|part| self.ident(part));
                                fields.push(MetricField::Query { query, server, span: field_span });
                            }
                            Rule::http_source_field => {
                                let mut parts = children(field);
                                let url = self.text(parts.next()?);
                                let pointer = self.text(parts.next()?);
                                let headers = parts.map(|header| self.header(header)).collect::<Option<Vec<_>>>()?;
                                fields.push(MetricField::Http { url, pointer, headers, span: field_span });
                            }
                            Rule::baseline_field => {
                                let mut clauses = children(field);
                                let at = self.clause_value(clauses.next()?)?;
                                let window = self.clause_value(clauses.next()?)?;
                                fields.push(MetricField::Baseline { at, window, span: field_span });
                            }
                            _ => fields.push(MetricField::Description(self.text(children(field).next()?))),
                        }
                    }
                }
                Item::Metric(Box::new(MetricDecl { name, ty, title, fields, span }))
            }
            Rule::prometheus_decl => {
                let title = parts.next_if(|part| part.as_rule() == Rule::string).map(|part| self.text(part));
                let mut fields = Vec::new();
                for field in children(parts.next()?) {
                    match field.as_rule() {
                        Rule::bad_line => self.bad(field, Rule::prometheus_field_only),
                        Rule::url_field => fields.push(PrometheusField::Url(self.text(children(field).next()?))),
                        Rule::header_field => fields.push(PrometheusField::Header(self.header(field)?)),
                        _ => fields.push(PrometheusField::Description(self.text(children(field).next()?))),
                    }
                }
                Item::Prometheus(Box::new(PrometheusDecl { name, title, fields, span }))
            }
            Rule::window_decl => {
                let title = parts.next_if(|part| part.as_rule() == Rule::string).map(|part| self.text(part));
                let mut fields = Vec::new();
                for field in children(parts.next()?) {
                    let field_span = self.span(&field);
                    match field.as_rule() {
                        Rule::bad_line => self.bad(field, Rule::window_field_only),
                        Rule::days_field => {
                            let mut days = Vec::new();
                            for spec in children(field) {
                                let spec_span = self.span(&spec);
                                let mut names = children(spec);
                                let first = weekday(names.next()?.as_str())?;
                                let last = match names.next() {
                                    Some(day) => Some(weekday(day.as_str())?),
                                    None => None,
                                };
                                days.push(DaySpec { first, last, span: spec_span });
                            }
                            fields.push(WindowField::Days(days, field_span));
                        }
                        Rule::hours_field => {
                            let mut values = children(field);
                            let from = self.value(values.next()?);
                            let to = self.value(values.next()?);
                            fields.push(WindowField::Hours { from, to, span: field_span });
                        }
                        Rule::applies_field => {
                            let mut words = field.into_inner().filter(|word| word.as_rule() != Rule::COMMENT);
                            let mode = match words.next()?.as_rule() {
                                Rule::kw_prefer => WindowMode::Prefer,
                                Rule::kw_avoid => WindowMode::Avoid,
                                _ => WindowMode::Applies,
                            };
                            let scope = match words.next()?.as_rule() {
                                Rule::kw_changes => WindowScope::Changes,
                                _ => WindowScope::Launch,
                            };
                            fields.push(WindowField::Applies { mode, scope, span: field_span });
                        }
                        _ => fields.push(WindowField::Zone(self.text(children(field).next()?))),
                    }
                }
                Item::Window(Box::new(WindowDecl { name, title, fields, span }))
            }
            Rule::freeze_decl => {
                let title = parts.next_if(|part| part.as_rule() == Rule::string).map(|part| self.text(part));
                let mut periods = Vec::new();
                for field in children(parts.next()?) {
                    let field_span = self.span(&field);
                    if field.as_rule() == Rule::bad_line {
                        self.bad(field, Rule::freeze_field_only);
                        continue;
                    }
                    let mut bounds = children(field);
                    let from = self.datetime(bounds.next()?);
                    let until = self.datetime(bounds.next()?);
                    periods.push(Period { from, until, span: field_span });
                }
                Item::Freeze(Box::new(FreezeDecl { name, title, periods, span }))
            }
            Rule::phase_decl | Rule::gate_decl | Rule::rollout_decl | Rule::watch_decl => {
                let kind = match rule {
                    Rule::phase_decl => NodeKind::Phase,
                    Rule::gate_decl => NodeKind::Gate,
                    Rule::rollout_decl => NodeKind::Rollout,
                    _ => NodeKind::Watch,
                };
                let mut header = Vec::new();
                let mut body = Vec::new();
                for part in parts {
                    if part.as_rule() == Rule::node_block {
                        body = self.node_block(part)?;
                    } else {
                        header.push(self.header_clause(part)?);
                    }
                }
                Item::Node(NodeDecl { kind, name, header, body, span })
            }
            Rule::rollback_decl => {
                let mut deadlines = Vec::new();
                while let Some(deadline) = parts.next_if(|part| part.as_rule() == Rule::deadline) {
                    deadlines.push(self.deadline(deadline)?);
                }
                let mut levels = Vec::new();
                for level in children(parts.next()?) {
                    if level.as_rule() == Rule::bad_line {
                        self.bad(level, Rule::rollback_item_only);
                        continue;
                    }
                    let level_span = self.span(&level);
                    let mut level_parts = children(level);
                    let level_name = self.ident(level_parts.next()?);
                    let when = self.condition(level_parts.next()?)?;
                    let items = self.group_block(level_parts.next()?)?;
                    levels.push(Level { name: level_name, when, items, span: level_span });
                }
                Item::Rollback(RollbackDecl { name, deadlines, levels, span })
            }
            Rule::alert_decl => {
                let title = parts.next_if(|part| part.as_rule() == Rule::string).map(|part| self.text(part));
                let severity = match parts.next_if(|part| part.as_rule() == Rule::severity_clause) {
                    Some(clause) => Some(self.ident(children(clause).next()?)),
                    None => None,
                };
                let when = self.condition(parts.next()?)?;
                let items = self.group_block(parts.next()?)?;
                Item::Alert(Box::new(AlertDecl { name, title, severity, when, items, span }))
            }
            _ => return None,
        };
        Some(item)
    }

    fn use_decl(&mut self, pair: Pair<'_>) -> Option<Item> {
        let span = self.span(&pair);
        let mut parts = children(pair);
        let target_pair = parts.next()?;
        let target_span = self.span(&target_pair);
        let target = if target_pair.as_rule() == Rule::module_path {
            UseTarget::Std(children(target_pair).map(|part| self.ident(part)).collect())
        } else {
            UseTarget::File(self.text(target_pair))
        };
        let alias = parts.next().map(|alias| self.ident(alias));
        let name = match (&alias, &target) {
            (Some(alias), _) => alias.clone(),
            (None, UseTarget::Std(path)) => path.last()?.clone(),
            (None, UseTarget::File(path)) => Ident { name: module_name_of_path(&path.value).into(), span: target_span },
        };
        Some(Item::Use(UseDecl { target, name, alias: alias.is_some(), span }))
    }

    fn call(&mut self, pair: Pair<'_>) -> Option<Call> {
        let span = self.span(&pair);
        let mut parts = children(pair);
        let mut name_parts: Vec<Ident> = children(parts.next()?).map(|part| self.ident(part)).collect();
        let name = name_parts.pop()?;
        let module = name_parts.pop();
        let args_pair = parts.next()?;
        let args_span = self.span(&args_pair);
        let mut args = Vec::new();
        for arg in children(args_pair) {
            let arg_span = self.span(&arg);
            let mut arg_parts = children(arg);
            let arg_name = self.ident(arg_parts.next()?);
            let value = self.argument(arg_parts.next()?)?;
            args.push(Arg { name: arg_name, value, span: arg_span });
        }
        Some(Call { module, name, args, args_span, span })
    }

    fn argument(&mut self, pair: Pair<'_>) -> Option<Argument> {
        let inner = children(pair).next()?;
        Some(if inner.as_rule() == Rule::string {
            Argument::Text(self.text(inner))
        } else {
            Argument::Value(self.value(inner))
        })
    }

    fn header_clause(&mut self, pair: Pair<'_>) -> Option<HeaderClause> {
        let rule = pair.as_rule();
        let inner = children(pair).next()?;
        Some(match rule {
            Rule::at_clause => HeaderClause::At(self.value(inner)),
            Rule::after_clause => HeaderClause::After(self.ident_list(inner)),
            Rule::on_clause => HeaderClause::On(self.ident(inner)),
            Rule::every_clause => HeaderClause::Every(self.value(inner)),
            _ => HeaderClause::For(self.value(inner)),
        })
    }

    /// The value of a one-value clause such as `at T-1h` or `for 30m`.
    fn clause_value(&mut self, pair: Pair<'_>) -> Option<Value> {
        Some(self.value(children(pair).next()?))
    }

    // ------------------------------------------------------------------ node bodies

    fn node_block(&mut self, pair: Pair<'_>) -> Option<Vec<NodeItem>> {
        let mut items = Vec::new();
        for child in children(pair) {
            let span = self.span(&child);
            let item = match child.as_rule() {
                Rule::bad_line => {
                    self.bad(child, Rule::node_item_only);
                    continue;
                }
                Rule::group => NodeItem::Group(self.group(child)?),
                Rule::call => NodeItem::Call(Box::new(self.call(child)?)),
                Rule::on_fail => NodeItem::OnFail(Action { span, ..self.action(children(child).next()?)? }),
                Rule::on_breach => NodeItem::OnBreach(Action { span, ..self.action(children(child).next()?)? }),
                Rule::point_of_no_return => NodeItem::PointOfNoReturn(span),
                Rule::require_stmt => NodeItem::Require(Box::new(self.condition(children(child).next()?)?), span),
                Rule::set_stmt => {
                    let (command, uses) = self.command_with_uses(child)?;
                    NodeItem::Set(command, uses, span)
                }
                Rule::every_clause => NodeItem::Every(self.clause_value(child)?),
                Rule::tolerate_stmt => NodeItem::Tolerate(self.tolerate(child)?),
                Rule::deadline => NodeItem::Deadline(Box::new(self.deadline(child)?)),
                Rule::condition_stmt => {
                    let mut parts = children(child);
                    let condition = Box::new(self.condition(parts.next()?)?);
                    match parts.next() {
                        Some(every) => NodeItem::Cadenced(condition, self.clause_value(every)?, span),
                        None => NodeItem::Condition(condition),
                    }
                }
                Rule::stage_stmt => {
                    let mut parts = children(child);
                    let weight = self.value(parts.next()?);
                    let mut clauses = Vec::new();
                    for clause in parts {
                        let clause_rule = clause.as_rule();
                        let value = self.clause_value(clause)?;
                        clauses.push(match clause_rule {
                            Rule::at_clause => StageClause::At(value),
                            Rule::hold_clause => StageClause::Hold(value),
                            _ => StageClause::Every(value),
                        });
                    }
                    NodeItem::Stage(Stage { weight, clauses, span })
                }
                _ => NodeItem::Step(self.step(child)?),
            };
            items.push(item);
        }
        Some(items)
    }

    /// `deadline`: `typical_marker? ~ kw_within ~ value ~ (kw_from ~ ident)?`.
    fn deadline(&mut self, pair: Pair<'_>) -> Option<Deadline> {
        let span = self.span(&pair);
        let mut parts = children(pair).peekable();
        let typical = parts.next_if(|part| part.as_rule() == Rule::typical_marker).map(|part| self.span(&part));
        let duration = self.value(parts.next()?);
        let from = parts.next().map(|part| self.ident(part));
        Some(Deadline { typical, duration, from, span })
    }

    /// `tolerate_stmt`: `kw_tolerate ~ value ~ tolerated`.
    fn tolerate(&mut self, pair: Pair<'_>) -> Option<Tolerate> {
        let span = self.span(&pair);
        let mut parts = children(pair);
        let count = self.value(parts.next()?);
        let what = match parts.next()?.into_inner().next()?.as_rule() {
            Rule::kw_nodata => Tolerated::NoData,
            Rule::kw_failure => Tolerated::Failures { plural: false },
            Rule::kw_failures => Tolerated::Failures { plural: true },
            _ => return None,
        };
        Some(Tolerate { count, what, span })
    }

    fn group(&mut self, pair: Pair<'_>) -> Option<Group> {
        let span = self.span(&pair);
        let mut parts = children(pair);
        let title = self.text(parts.next()?);
        let items = self.group_block(parts.next()?)?;
        Some(Group { title, items, span })
    }

    fn group_block(&mut self, pair: Pair<'_>) -> Option<Vec<GroupItem>> {
        let mut items = Vec::new();
        for child in children(pair) {
            match child.as_rule() {
                Rule::bad_line => self.bad(child, Rule::group_item_only),
                Rule::group => items.push(GroupItem::Group(self.group(child)?)),
                Rule::call => items.push(GroupItem::Call(Box::new(self.call(child)?))),
                Rule::tolerate_stmt => items.push(GroupItem::Tolerate(self.tolerate(child)?)),
                _ => items.push(GroupItem::Step(self.step(child)?)),
            }
        }
        Some(items)
    }

    fn action(&mut self, pair: Pair<'_>) -> Option<Action> {
        let span = self.span(&pair);
        let inner = if pair.as_rule() == Rule::action { children(pair).next()? } else { pair };
        let kind = match inner.as_rule() {
            Rule::abort_action => ActionKind::Abort,
            Rule::continue_action => ActionKind::Continue,
            Rule::rollback_action => ActionKind::Rollback(self.ident(children(inner).next()?)),
            Rule::pause_action => {
                let mut parts = children(inner);
                let wait = self.value(parts.next()?);
                let then = match parts.next() {
                    Some(then) => Some(Box::new(self.action(then)?)),
                    None => None,
                };
                ActionKind::Pause { wait, then }
            }
            _ => return None,
        };
        Some(Action { kind, span })
    }

    fn command(&mut self, pair: Pair<'_>) -> Option<Command> {
        let span = self.span(&pair);
        let script = self.text(children(pair).next()?);
        Some(Command { script, span })
    }

    /// `command ~ uses_clause?` (a probe, a `set`): the command and the names it uses.
    /// `header "Name" SECRET`.
    fn header(&mut self, pair: Pair<'_>) -> Option<Header> {
        let span = self.span(&pair);
        let mut parts = children(pair);
        let name = self.text(parts.next()?);
        let secret = self.ident(parts.next()?);
        Some(Header { name, secret, span })
    }

    fn command_with_uses(&mut self, pair: Pair<'_>) -> Option<(Command, Vec<Ident>)> {
        let mut parts = children(pair);
        let command = self.command(parts.next()?)?;
        let uses = match parts.next() {
            Some(clause) => self.ident_list(children(clause).next()?),
            None => Vec::new(),
        };
        Some((command, uses))
    }

    fn run_option(&mut self, pair: Pair<'_>) -> Option<RunOption> {
        Some(match pair.as_rule() {
            Rule::command => RunOption::Command(self.command(pair)?),
            Rule::timeout_clause => RunOption::Timeout(self.clause_value(pair)?),
            Rule::typical_clause => RunOption::Typically(self.clause_value(pair)?),
            Rule::retries_clause => RunOption::Retries(self.clause_value(pair)?),
            Rule::idempotent_clause => RunOption::Idempotent(self.span(&pair)),
            _ => RunOption::Uses(self.ident_list(children(pair).next()?)),
        })
    }

    fn step(&mut self, pair: Pair<'_>) -> Option<Step> {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let mut parts = children(pair).peekable();
        let kind = match rule {
            Rule::run_step => {
                let title = parts.next_if(|part| part.as_rule() == Rule::string).map(|part| self.text(part));
                let mut options = Vec::new();
                for part in parts {
                    if part.as_rule() == Rule::run_block {
                        for field in children(part) {
                            if field.as_rule() == Rule::bad_line {
                                self.bad(field, Rule::run_field_only);
                            } else {
                                options.push(self.run_option(field)?);
                            }
                        }
                    } else {
                        options.push(self.run_option(part)?);
                    }
                }
                StepKind::Run(RunStep { title, options })
            }
            Rule::expect_step => {
                let title = parts.next_if(|part| part.as_rule() == Rule::string).map(|part| self.text(part));
                let what = parts.next()?;
                let check = match what.as_rule() {
                    Rule::http_check => {
                        let http_span = self.span(&what);
                        let mut http = children(what);
                        let url = self.text(http.next()?);
                        let (mut status, mut within, mut repeated) = (None, None, Vec::new());
                        for clause in http {
                            let clause_rule = clause.as_rule();
                            let clause_span = self.span(&clause);
                            let value = self.clause_value(clause)?;
                            let (slot, keyword) = if clause_rule == Rule::status_clause {
                                (&mut status, "status")
                            } else {
                                (&mut within, "within")
                            };
                            if slot.is_some() {
                                repeated.push((keyword, clause_span));
                            }
                            *slot = Some(value);
                        }
                        ExpectCheck::Http { url, status, within, repeated, span: http_span }
                    }
                    Rule::command => ExpectCheck::Command(self.command(what)?),
                    _ => ExpectCheck::Condition(self.condition(what)?),
                };
                let mut options = Vec::new();
                for part in parts {
                    options.push(self.run_option(part)?);
                }
                StepKind::Expect(Box::new(ExpectStep { title, check, options }))
            }
            Rule::check_step => {
                let text = self.text(parts.next()?);
                let by = match parts.next_if(|part| part.as_rule() == Rule::ident_list) {
                    Some(list) => self.ident_list(list),
                    None => Vec::new(),
                };
                let mut options = Vec::new();
                for part in parts {
                    options.push(self.run_option(part)?);
                }
                StepKind::Check { text, by, options }
            }
            Rule::approve_step => {
                let title = parts.next_if(|part| part.as_rule() == Rule::string).map(|part| self.text(part));
                let quorum = match parts.next_if(|part| part.as_rule() == Rule::quorum) {
                    Some(quorum) => Some(self.value(children(quorum).next()?)),
                    None => None,
                };
                let roles = self.ident_list(parts.next()?);
                let distinct = parts.next_if(|part| part.as_rule() == Rule::distinct).is_some();
                let mut options = Vec::new();
                for part in parts {
                    options.push(self.run_option(part)?);
                }
                StepKind::Approve(Box::new(ApproveStep { title, quorum, roles, distinct, options }))
            }
            Rule::notify_step => {
                let roles = self.ident_list(parts.next()?);
                let message = self.text(parts.next()?);
                StepKind::Notify { roles, message }
            }
            Rule::page_step => {
                let roles = self.ident_list(parts.next()?);
                let message = parts.next().map(|part| self.text(part));
                StepKind::Page { roles, message }
            }
            Rule::wait_step => StepKind::Wait(self.value(parts.next()?)),
            Rule::recheck_step => {
                let mut recheck = RecheckStep::default();
                for part in parts {
                    match part.as_rule() {
                        Rule::recheck_after => recheck.after = Some(self.clause_value(part)?),
                        Rule::recheck_outcome => {
                            let mut inner = children(part);
                            let then = inner.next()?;
                            let then_span = self.span(&then);
                            let then = outcome(then)?;
                            let condition = self.condition(inner.next()?)?;
                            let otherwise = match inner.next() {
                                Some(otherwise) => {
                                    let outcome_pair = children(otherwise).next()?;
                                    let span = self.span(&outcome_pair);
                                    Some((outcome(outcome_pair)?, span))
                                }
                                None => None,
                            };
                            recheck.outcome = Some(RecheckOutcome { then, then_span, condition, otherwise });
                        }
                        _ => return None,
                    }
                }
                StepKind::Recheck(Box::new(recheck))
            }
            Rule::continue_step => StepKind::Continue,
            _ => return None,
        };
        Some(Step { kind, span })
    }

    // ------------------------------------------------------------------ conditions

    fn condition(&mut self, pair: Pair<'_>) -> Option<Condition> {
        let span = self.span(&pair);
        match pair.as_rule() {
            Rule::condition | Rule::conjunction => {
                let is_or = pair.as_rule() == Rule::condition;
                let mut operands = Vec::new();
                for child in children(pair) {
                    operands.push(self.condition(child)?);
                }
                if operands.len() == 1 {
                    return operands.pop();
                }
                let kind = if is_or { ConditionKind::Or(operands) } else { ConditionKind::And(operands) };
                Some(Condition { kind, span })
            }
            Rule::negation => {
                let mut negations = 0usize;
                let mut operand = None;
                let mut held = None;
                for child in pair.into_inner() {
                    match child.as_rule() {
                        Rule::kw_not => negations += 1,
                        Rule::COMMENT => {}
                        Rule::for_clause => held = Some(self.clause_value(child)?),
                        _ => operand = Some(self.condition(child)?),
                    }
                }
                let mut condition = operand?;
                if negations % 2 == 1 {
                    condition = Condition { kind: ConditionKind::Not(Box::new(condition)), span };
                }
                if let Some(duration) = held {
                    condition =
                        Condition { kind: ConditionKind::Held { condition: Box::new(condition), duration }, span };
                }
                Some(condition)
            }
            Rule::paren_cond => {
                let mut inner = self.condition(children(pair).next()?)?;
                inner.span = span;
                Some(inner)
            }
            Rule::declared => {
                let text = self.text(children(pair).next()?);
                Some(Condition { kind: ConditionKind::Declared(text), span })
            }
            Rule::nodata => {
                let metric = children(pair).next().map(|name| self.ident(name));
                Some(Condition { kind: ConditionKind::NoData(metric), span })
            }
            Rule::metric_test => {
                let metric = self.ident(children(pair).next()?);
                Some(Condition { kind: ConditionKind::Test(metric), span })
            }
            Rule::comparison => {
                let mut parts = children(pair);
                let metric = self.ident(parts.next()?);
                let next = parts.next()?;
                let kind = match next.as_rule() {
                    Rule::cmp_op => {
                        let op = match next.as_str() {
                            "<" => CompareOp::Lt,
                            "<=" => CompareOp::Le,
                            ">" => CompareOp::Gt,
                            ">=" => CompareOp::Ge,
                            "==" => CompareOp::Eq,
                            _ => CompareOp::Ne,
                        };
                        let threshold_pair = children(parts.next()?).next()?;
                        let threshold = if threshold_pair.as_rule() == Rule::relative {
                            let relative_span = self.span(&threshold_pair);
                            Threshold::OfBaseline {
                                fraction: self.value(children(threshold_pair).next()?),
                                span: relative_span,
                            }
                        } else {
                            Threshold::Absolute(self.value(threshold_pair))
                        };
                        ConditionKind::Compare { metric, op, threshold }
                    }
                    Rule::not_in => {
                        ConditionKind::InRange { metric, negated: true, range: Box::new(self.range(parts.next()?)?) }
                    }
                    _ => ConditionKind::InRange { metric, negated: false, range: Box::new(self.range(next)?) },
                };
                Some(Condition { kind, span })
            }
            _ => None,
        }
    }

    fn range(&mut self, pair: Pair<'_>) -> Option<Range> {
        let span = self.span(&pair);
        let mut parts = children(pair);
        let low = self.value(parts.next()?);
        let inclusive = parts.next()?.as_str() == "..=";
        let high = self.value(parts.next()?);
        Some(Range { low, high, inclusive, span })
    }

    // ------------------------------------------------------------------ names and literals

    fn ident(&self, pair: Pair<'_>) -> Ident {
        Ident { name: CompactString::from(pair.as_str()), span: self.span(&pair) }
    }

    fn ident_list(&self, pair: Pair<'_>) -> Vec<Ident> {
        children(pair).map(|name| self.ident(name)).collect()
    }

    fn literal_error(&mut self, base: usize, error: literal::LiteralError) {
        let span = Span::new(self.file, base + error.range.start, base + error.range.end);
        let diagnostic = Diagnostic::new(error.code, span, error.message).maybe_help(error.help);
        self.diagnostics.push(diagnostic);
    }

    fn text(&mut self, pair: Pair<'_>) -> Text {
        let span = self.span(&pair);
        let Some(inner) = pair.into_inner().next() else {
            return Text { value: CompactString::default(), span, verbatim: false };
        };
        let raw = inner.as_str();
        match inner.as_rule() {
            Rule::triple_string => Text { value: literal::dedent(raw).into(), span, verbatim: false },
            Rule::unterminated_string => {
                self.diagnostics.push(
                    Diagnostic::new(Code::UnterminatedString, span, "this string is not closed")
                        .label("the line ends before the closing `\"`")
                        .help("close the string on the same line, or use `\"\"\"` for text over several lines"),
                );
                Text { value: CompactString::from(&raw[1..]), span, verbatim: false }
            }
            _ => match literal::unescape(raw) {
                Ok(value) => Text { verbatim: !raw.contains('\\'), value: value.into(), span },
                Err(error) => {
                    // Offsets from `unescape` are relative to the text between the quotes.
                    self.literal_error(span.start as usize + 1, error);
                    Text { value: CompactString::from(&raw[1..raw.len() - 1]), span, verbatim: false }
                }
            },
        }
    }

    fn datetime(&mut self, pair: Pair<'_>) -> DateTimeLit {
        let span = self.span(&pair);
        let text = pair.as_str().to_string();
        let zoned = match literal::datetime(&text) {
            Ok(zoned) => Some(zoned),
            Err(mut error) => {
                if error.code == Code::InvalidQuantity {
                    error.code = Code::InvalidDateTime;
                }
                self.literal_error(span.start as usize, error);
                None
            }
        };
        DateTimeLit { text, zoned, span }
    }

    fn value(&mut self, pair: Pair<'_>) -> Value {
        let span = self.span(&pair);
        let inner = if pair.as_rule() == Rule::value { pair.into_inner().next() } else { Some(pair) };
        let Some(inner) = inner else {
            self.internal(span);
            return Value { kind: ValueKind::Invalid, span };
        };
        let text = inner.as_str();
        let base = span.start as usize;
        let read = match inner.as_rule() {
            Rule::datetime => Ok(ValueKind::DateTime(Box::new(self.datetime(inner)))),
            Rule::time_of_day => literal::time_of_day(text).map(ValueKind::TimeOfDay),
            Rule::offset => literal::offset(text).map(ValueKind::Offset),
            Rule::duration => literal::duration(text).map(ValueKind::Duration),
            Rule::rate => literal::rate(text).map(ValueKind::Rate),
            Rule::percent => literal::number(&text[..text.len() - 1]).map(ValueKind::Percent),
            Rule::size => literal::size(text).map(ValueKind::Size),
            Rule::number => literal::number(text).map(ValueKind::Number),
            Rule::boolean => Ok(ValueKind::Bool(text == "true")),
            Rule::name_value => Ok(ValueKind::Name(CompactString::from(text))),
            _ => {
                self.diagnostics.push(bad_quantity(text, span));
                return Value { kind: ValueKind::Invalid, span };
            }
        };
        match read {
            Ok(kind) => Value { kind, span },
            Err(error) => {
                self.literal_error(base, error);
                Value { kind: ValueKind::Invalid, span }
            }
        }
    }
}

/// The name a file module is known by without `as`: its file name without `.golive`, with
/// every character that cannot be in a name replaced by `_`.
fn module_name_of_path(path: &str) -> String {
    let file_name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    let stem = file_name.strip_suffix(".golive").unwrap_or(file_name);
    let mut name: String = stem.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' }).collect();
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, '_');
    }
    name
}

fn weekday(text: &str) -> Option<Weekday> {
    Some(match text {
        "mon" => Weekday::Mon,
        "tue" => Weekday::Tue,
        "wed" => Weekday::Wed,
        "thu" => Weekday::Thu,
        "fri" => Weekday::Fri,
        "sat" => Weekday::Sat,
        "sun" => Weekday::Sun,
        _ => return None,
    })
}

/// The byte offset of a `"` on this line that is never closed, outside comments.
fn unterminated_string(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'#' => {
                while index < bytes.len() && bytes[index] != b'\n' {
                    index += 1;
                }
            }
            b'"' if bytes[index..].starts_with(b"\"\"\"") => {
                match text[index + 3..].find("\"\"\"") {
                    Some(end) => index += 3 + end + 3,
                    None => return Some(index),
                }
                continue;
            }
            b'"' => {
                let start = index;
                index += 1;
                while index < bytes.len() && bytes[index] != b'"' {
                    if bytes[index] == b'\n' {
                        return Some(start);
                    }
                    index += if bytes[index] == b'\\' { 2 } else { 1 };
                }
                if index >= bytes.len() {
                    return Some(start);
                }
            }
            _ => {}
        }
        index += 1;
    }
    None
}

/// How many bytes of `rest` to show as "found": a word, a string, or one character.
fn found_token_length(rest: &str) -> usize {
    let Some(first) = rest.chars().next() else { return 0 };
    if first == '\n' || first == '\r' {
        return 0;
    }
    if first == '"' {
        return rest[1..].find('"').map_or(rest.len(), |end| end + 2).min(rest.find('\n').unwrap_or(rest.len()));
    }
    if first.is_alphanumeric() || first == '_' {
        let length = rest
            .find(|c: char| !(c.is_alphanumeric() || matches!(c, '_' | '%' | '.' | '/' | ':')))
            .unwrap_or(rest.len());
        return length.min(60);
    }
    first.len_utf8()
}

/// "did you mean `phase`?" when a word is close to a keyword the grammar expected.
fn suggest_keyword(found: &str, expected: &[Rule]) -> Option<String> {
    if found.is_empty() || !found.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return None;
    }
    let mut candidates: Vec<String> =
        expected.iter().filter_map(|rule| format!("{rule:?}").strip_prefix("kw_").map(str::to_string)).collect();
    if expected.contains(&Rule::kw_run) {
        candidates.extend(["run", "expect", "check", "approve", "notify", "page", "wait", "recheck"].map(String::from));
    }
    if expected.contains(&Rule::tolerated) {
        candidates.extend(["failures", "failure", "nodata"].map(String::from));
    }
    crate::sema::closest(found, candidates.iter().map(String::as_str))
        .map(|keyword| format!("did you mean `{keyword}`?"))
}

/// Whether `unit` is a size unit spelt another way (`mb`, `Mb`, `Gi`, `kB`, `bytes`): `Some("m")`
/// for `mb`, which could also be a misread duration, else `Some("")`.
fn size_spelling(unit: &str) -> Option<&'static str> {
    let lower = unit.to_ascii_lowercase();
    let known =
        ["b", "bytes", "byte", "kb", "mb", "gb", "tb", "kib", "mib", "gib", "tib", "k", "ki", "mi", "gi", "ti", "g"];
    if !known.contains(&lower.as_str()) || crate::units::size_factor(unit).is_some() {
        return None;
    }
    Some(if lower == "mb" { "m" } else { "" })
}

/// Explains a number followed by letters that do not make a value (`15q`, `1.5h`, `1e5`).
fn bad_quantity(text: &str, span: Span) -> Diagnostic {
    // A `%` or a rate unit after the letters (`1e3%`) is left out of the unit.
    let quantity = text.find(['%', '/']).map_or(text, |end| &text[..end]);
    let letters = quantity.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(quantity.len());
    let (number, unit) = quantity.split_at(letters);
    let duration_unit = ["ms", "s", "m", "h", "d", "w"].iter().any(|known| unit.starts_with(known));
    let (message, help) = if let Some(size) = size_spelling(unit) {
        (
            format!("`{text}` has an unknown unit `{unit}`"),
            match size {
                "m" => "for megabytes write `MB` (a size's units are B, KB, MB, GB, TB, KiB, MiB, GiB, TiB); for minutes, a whole number of `m`",
                _ => "a size's units are written B, KB, MB, GB, TB (1000 bytes each step) or KiB, MiB, GiB, TiB (1024), as in `512MB`",
            },
        )
    } else if number.contains('.') && duration_unit {
        (format!("`{text}`: a duration takes whole numbers"), "combine units instead, as in `1h30m` for 1.5 hours")
    } else if number.contains('_') && duration_unit {
        (format!("`{text}`: `_` is not allowed in a duration"), "write the digits together, as in `1000ms`")
    } else if unit.len() > 1 && unit.starts_with(['e', 'E']) && unit[1..].chars().all(|c| c.is_ascii_digit()) {
        (format!("`{text}`: numbers have no exponent"), "write the number in full, with `_` between groups: `100_000`")
    } else {
        (
            format!("`{text}` has an unknown unit `{unit}`"),
            "durations use ms, s, m, h, d and w (`1h30m`); percentages `%`; rates `/s`, `/m` or `/min`, `/h`, `/d`; sizes B, KB, MB, GB, TB, KiB, MiB, GiB, TiB",
        )
    };
    Diagnostic::new(Code::InvalidQuantity, span, message).label("not a value").help(help)
}
