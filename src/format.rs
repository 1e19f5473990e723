//! The canonical layout of a `.golive` file (`golivec fmt`).
//!
//! The tree is printed back with a Wadler-style pretty printer (`pretty`): statements one per
//! line, blocks indented by two spaces, a single blank line kept where the author left one or
//! more, and long `after` lists and conditions broken after `,`, `and` and `or` (the only
//! places the grammar allows a line break inside a statement). Literals and strings are copied
//! from the source by span, so escapes, units and spellings stay exactly as written.
//!
//! Comments are not in the tree's nodes: they are placed by position. A printer walks the
//! comments in source order alongside the tree; each statement first takes the comments before
//! it (own-line comments), then the comments on the line where it ends (trailing comments).
//! A comment in a place this printer does not know is moved before the next statement rather
//! than lost, so no comment ever disappears.
//!
//! One function per kind of item, field and statement: a new kind of item gets its own
//! function, and the compiler's exhaustive matches point to where it is called.

use crate::ast::*;
use crate::source::Span;
use pretty::RcDoc;

type Doc<'s> = RcDoc<'s, ()>;

/// The line width the printer tries to keep within.
const WIDTH: usize = 100;
/// Indentation of a block's statements.
const INDENT: isize = 2;
/// Indentation of the continuation lines of a broken list or condition, deeper than a block
/// so that they do not read as statements.
const CONTINUATION: isize = 4;

/// The canonical text of `file`, parsed from `source`. The tree must come from a parse without
/// syntax errors: statements lost to recovery are not in it.
pub fn format(file: &File, source: &str) -> String {
    let mut comments: Vec<&Comment> = file.comments.iter().collect();
    comments.sort_by_key(|comment| comment.span.start);
    let mut printer = Printer { source, comments, next_comment: 0, depth: 0 };
    let doc = printer.file(file);
    let mut out = String::new();
    // Writing into a `String` cannot fail.
    let _ = doc.render_fmt(WIDTH, &mut out);
    let trimmed = out.trim_end_matches('\n');
    if trimmed.is_empty() {
        String::new()
    } else {
        format!("{trimmed}\n")
    }
}

/// One line of a block: a statement or an own-line comment, and whether the author left a
/// blank line before it.
struct Line<'s> {
    doc: Doc<'s>,
    blank_before: bool,
}

struct Printer<'s> {
    source: &'s str,
    comments: Vec<&'s Comment>,
    /// The first comment not printed yet.
    next_comment: usize,
    /// The indentation, in spaces, of the block being printed (for blank lines without spaces).
    depth: isize,
}

/// A statement of a block: where it is, and how to print it.
struct Statement<'a, 's> {
    span: Span,
    print: Box<dyn FnOnce(&mut Printer<'s>) -> Doc<'s> + 'a>,
}

impl<'a, 's> Statement<'a, 's> {
    fn new(span: Span, print: impl FnOnce(&mut Printer<'s>) -> Doc<'s> + 'a) -> Self {
        Statement { span, print: Box::new(print) }
    }
}

impl<'s> Printer<'s> {
    // ------------------------------------------------------------ source text and comments

    /// The source text of `span`, as written.
    fn raw(&self, span: Span) -> &'s str {
        self.source.get(span.start as usize..span.end as usize).unwrap_or_default()
    }

    /// A piece of source text that may hold line breaks (a triple-quoted string): copied as is,
    /// so the string's value does not change with the indentation around it.
    fn verbatim(&self, span: Span) -> Doc<'s> {
        RcDoc::text(self.raw(span))
    }

    /// Whether no line break separates `from` and `to` (linear in the distance, not the file).
    fn same_line(&self, from: u32, to: u32) -> bool {
        self.source.get(from as usize..to as usize).is_some_and(|between| !between.contains('\n'))
    }

    /// Where the code of a statement ends. A span can run on over the spaces and the comment
    /// after the statement (pest keeps what it skipped before an optional part that was absent).
    fn code_end(&self, span: Span) -> u32 {
        let mut end = span.end;
        loop {
            let code = self.source.get(span.start as usize..end as usize).unwrap_or_default();
            let trimmed = code.trim_end_matches([' ', '\t', '\r', '\n']);
            end = span.start + u32::try_from(trimmed.len()).unwrap_or(0);
            match self.comments.binary_search_by_key(&end, |comment| comment.span.end) {
                Ok(index) => match self.comments.get(index) {
                    Some(comment) if comment.span.start >= span.start => end = comment.span.start,
                    _ => return end,
                },
                Err(_) => return end,
            }
        }
    }

    /// Whether a comment has code before it on its line.
    fn is_trailing(&self, comment: &Comment) -> bool {
        let start = comment.span.start as usize;
        let line_start = self.source.get(..start).and_then(|before| before.rfind('\n')).map_or(0, |at| at + 1);
        self.source.get(line_start..start).is_some_and(|before| !before.trim().is_empty())
    }

    /// Whether the author left a blank line between `from` and `to`.
    fn blank_between(&self, from: u32, to: u32) -> bool {
        let Some(between) = self.source.get(from as usize..to as usize) else { return false };
        let pieces: Vec<&str> = between.split('\n').collect();
        pieces.len() > 2
            && pieces
                .get(1..pieces.len() - 1)
                .is_some_and(|inner| inner.iter().any(|piece| piece.trim_matches([' ', '\t', '\r', ';']).is_empty()))
    }

    fn comment_doc(comment: &'s Comment) -> Doc<'s> {
        RcDoc::text("#").append(RcDoc::text(comment.text.as_str()))
    }

    /// Takes the comments that start before `offset`.
    fn take_before(&mut self, offset: u32) -> Vec<&'s Comment> {
        let mut taken = Vec::new();
        while let Some(&comment) = self.comments.get(self.next_comment) {
            if comment.span.start >= offset {
                break;
            }
            taken.push(comment);
            self.next_comment += 1;
        }
        taken
    }

    /// Takes the comment on the line where something ending at `end` ends, if it starts before
    /// `limit` (where the next statement starts).
    fn take_trailing(&mut self, end: u32, limit: u32) -> Option<&'s Comment> {
        let &comment = self.comments.get(self.next_comment)?;
        if comment.span.start >= end && comment.span.start < limit && self.same_line(end, comment.span.start) {
            self.next_comment += 1;
            Some(comment)
        } else {
            None
        }
    }

    /// An empty line then a new line: no indentation spaces on the empty one. (The renderer
    /// indents a line break as the document after it, here the second break, unindented.)
    fn blank_line(&self) -> Doc<'s> {
        RcDoc::hardline().append(RcDoc::hardline()).nest(-self.depth)
    }

    /// A separator in a list or condition, with the comments written before `next`: after the
    /// separator on its line, then on lines of their own; a line break always follows them.
    /// Without comments, `break_here` is the possible line break.
    fn separator(&mut self, separator: &'static str, next: u32, break_here: Doc<'s>) -> Doc<'s> {
        let comments = self.take_before(next);
        if comments.is_empty() {
            return RcDoc::text(separator).append(break_here);
        }
        RcDoc::text(separator).append(self.comments_then_break(comments))
    }

    /// Comments inside a statement, then a line break: the first on the current line if it was
    /// written after code, the others on lines of their own.
    fn comments_then_break(&self, comments: Vec<&'s Comment>) -> Doc<'s> {
        let mut parts = Vec::with_capacity(comments.len() * 3);
        for (index, comment) in comments.into_iter().enumerate() {
            if index == 0 {
                parts.push(if self.is_trailing(comment) { RcDoc::text(" ") } else { RcDoc::hardline() });
            }
            parts.extend([Self::comment_doc(comment), RcDoc::hardline()]);
        }
        concat(parts)
    }

    /// Whether the author wrote parentheses around this condition. (`(a) or b` starts with a
    /// parenthesis too, but it is the first operand's.)
    fn has_own_parentheses(&self, condition: &Condition) -> bool {
        let first_child = match &condition.kind {
            ConditionKind::Or(operands) | ConditionKind::And(operands) => operands.first(),
            ConditionKind::Held { condition, .. } => Some(&**condition),
            _ => None,
        };
        self.raw(condition.span).starts_with('(')
            && first_child.is_none_or(|child| child.span.start != condition.span.start)
    }

    /// Where the text of a condition starts: after its opening parentheses and any comments
    /// written after them.
    fn content_start(&self, span: Span) -> u32 {
        let mut offset = span.start as usize;
        let bytes = self.source.as_bytes();
        while let Some(&byte) = bytes.get(offset) {
            match byte {
                b'(' | b' ' | b'\t' | b'\r' | b'\n' => offset += 1,
                b'#' => offset += self.source.get(offset..).and_then(|rest| rest.find('\n')).unwrap_or(0).max(1),
                _ => break,
            }
        }
        u32::try_from(offset.min(span.end as usize)).unwrap_or(span.end)
    }

    // ------------------------------------------------------------ blocks

    /// `head {` then statements one per line, with the comments around them, then `}`. `end` is
    /// where the block ends: comments before it belong inside. A block of one statement without
    /// comments stays on the head's line when the whole fits (`metric up : bool { probe ... }`).
    fn block(&mut self, head: Doc<'s>, statements: Vec<Statement<'_, 's>>, end: u32) -> Doc<'s> {
        let head = head.append(RcDoc::text(" "));
        let first = statements.first().map_or(end, |statement| statement.span.start);
        // Comments on the line of `{`, before the first statement.
        let mut opening = Vec::new();
        while let Some(&comment) = self.comments.get(self.next_comment) {
            if comment.span.start < first && self.is_trailing(comment) {
                opening.push(comment);
                self.next_comment += 1;
            } else {
                break;
            }
        }
        let comments_before = self.next_comment;
        self.depth += INDENT;
        let lines = self.lines(statements, end);
        let comments_inside = !opening.is_empty() || self.next_comment > comments_before;
        if lines.is_empty() && !comments_inside {
            self.depth -= INDENT;
            return head.append(RcDoc::text("{}"));
        }
        let single = match lines.as_slice() {
            // A hard line break (a triple-quoted string) shows when rendered without a width limit.
            [line] if !comments_inside => !line.doc.pretty(1_000_000).to_string().contains('\n'),
            _ => false,
        };
        let body = self.join_lines(lines);
        self.depth -= INDENT;
        if single {
            // One group for the head and the block: when the head's line is too long, the
            // block breaks too, so a broken head never ends with a one-line block.
            return head
                .append(RcDoc::text("{"))
                .append(RcDoc::line().append(body).nest(INDENT))
                .append(RcDoc::line())
                .append(RcDoc::text("}"))
                .group();
        }
        let mut open = RcDoc::text("{");
        for comment in opening {
            open = open.append(RcDoc::text(" ")).append(Self::comment_doc(comment));
        }
        head.append(open)
            .append(RcDoc::hardline().append(body).nest(INDENT))
            .append(RcDoc::hardline())
            .append(RcDoc::text("}"))
    }

    /// The lines of a block or of the file: each statement with the comments before it and its
    /// trailing comment, then the comments left before `end`.
    fn lines(&mut self, statements: Vec<Statement<'_, 's>>, end: u32) -> Vec<Line<'s>> {
        let mut lines = Vec::new();
        let mut previous_end: Option<u32> = None;
        let starts: Vec<u32> = statements.iter().map(|statement| statement.span.start).collect();
        for (index, statement) in statements.into_iter().enumerate() {
            let start = statement.span.start;
            self.own_line_comments(start, &mut previous_end, &mut lines);
            let blank_before = previous_end.is_some_and(|previous| self.blank_between(previous, start));
            let mut doc = (statement.print)(self);
            let limit = starts.get(index + 1).copied().unwrap_or(end);
            let mut statement_end = self.code_end(statement.span);
            if let Some(comment) = self.take_trailing(statement_end, limit) {
                doc = doc.append(RcDoc::text(" ")).append(Self::comment_doc(comment));
                statement_end = comment.span.end;
            }
            lines.push(Line { doc, blank_before });
            previous_end = Some(statement_end);
        }
        self.own_line_comments(end, &mut previous_end, &mut lines);
        lines
    }

    fn own_line_comments(&mut self, before: u32, previous_end: &mut Option<u32>, lines: &mut Vec<Line<'s>>) {
        for comment in self.take_before(before) {
            let blank_before = previous_end.is_some_and(|previous| self.blank_between(previous, comment.span.start));
            lines.push(Line { doc: Self::comment_doc(comment), blank_before });
            *previous_end = Some(comment.span.end);
        }
    }

    fn join_lines(&self, lines: Vec<Line<'s>>) -> Doc<'s> {
        let mut parts = Vec::with_capacity(lines.len() * 2);
        for (index, line) in lines.into_iter().enumerate() {
            if index > 0 {
                parts.push(if line.blank_before { self.blank_line() } else { RcDoc::hardline() });
            }
            parts.push(line.doc);
        }
        concat(parts)
    }

    // ------------------------------------------------------------ the file and its items

    fn file(&mut self, file: &'s File) -> Doc<'s> {
        let statements = file.items.iter().map(|item| Statement::new(item_span(item), move |p| p.item(item))).collect();
        let lines = self.lines(statements, u32::MAX);
        self.join_lines(lines)
    }

    fn item(&mut self, item: &'s Item) -> Doc<'s> {
        match item {
            Item::Plan(decl) => self.plan(decl),
            Item::Role(decl) => self.role(decl),
            Item::Env(decl) => self.env(decl),
            Item::Secret(decl) => self.secret(decl),
            Item::Var(decl) => match &decl.input {
                Some(ty) => {
                    let mut doc = RcDoc::text("input ")
                        .append(Self::ident(&decl.name))
                        .append(RcDoc::text(" : "))
                        .append(Self::ident(ty));
                    if let Some(title) = &decl.description {
                        doc = doc.append(RcDoc::text(" ")).append(self.text(title));
                    }
                    doc
                }
                None => self.head("var", &decl.name, decl.description.as_ref()),
            },
            Item::Metric(decl) => self.metric(decl),
            Item::Node(decl) => self.node(decl),
            Item::Rollback(decl) => self.rollback(decl),
            Item::Alert(decl) => self.alert(decl),
            Item::Window(decl) => self.window(decl),
            Item::Freeze(decl) => self.freeze(decl),
            Item::Prometheus(decl) => self.prometheus(decl),
            Item::Use(decl) => self.use_decl(decl),
            Item::Template(decl) => self.template(decl),
            Item::Variant(decl) => self.variant(decl),
        }
    }

    fn variant(&mut self, decl: &'s VariantDecl) -> Doc<'s> {
        let statements =
            decl.items.iter().map(|item| Statement::new(item.span(), move |p| p.variant_item(item))).collect();
        self.block(self.head("variant", &decl.name, None), statements, decl.span.end)
    }

    fn variant_item(&mut self, item: &'s VariantItem) -> Doc<'s> {
        match item {
            VariantItem::Setting(field, _) => self.plan_field(field),
            VariantItem::Skip(nodes, _) => RcDoc::text("skip ").append(self.ident_list(nodes)),
            VariantItem::Approve { node, step, .. } => {
                RcDoc::text("in ").append(Self::ident(node)).append(RcDoc::text(" ")).append(self.step(step))
            }
        }
    }

    fn use_decl(&mut self, decl: &'s UseDecl) -> Doc<'s> {
        let target = match &decl.target {
            UseTarget::Std(path) => {
                let parts: Vec<&str> = path.iter().map(|part| part.name.as_str()).collect();
                RcDoc::text(parts.join("."))
            }
            UseTarget::File(path) => self.text(path),
        };
        let doc = RcDoc::text("use ").append(target);
        if decl.alias {
            doc.append(RcDoc::text(" as ")).append(Self::ident(&decl.name))
        } else {
            doc
        }
    }

    fn template(&mut self, decl: &'s TemplateDecl) -> Doc<'s> {
        let params = decl
            .params
            .iter()
            .map(|param| {
                let mut doc = Self::ident(&param.name).append(RcDoc::text(": ")).append(Self::ident(&param.ty));
                if let Some(default) = &param.default {
                    doc = doc.append(RcDoc::text(" = ")).append(self.argument(default));
                }
                (param.span, doc)
            })
            .collect();
        let head = RcDoc::text("template ")
            .append(Self::ident(&decl.name))
            .append(RcDoc::text("("))
            .append(self.list(params))
            .append(RcDoc::text(")"));
        let statements =
            decl.body.iter().map(|item| Statement::new(node_item_span(item), move |p| p.node_item(item))).collect();
        self.block(head.group(), statements, decl.span.end)
    }

    /// `module.template(name = value, ...)`.
    fn call(&mut self, call: &'s Call) -> Doc<'s> {
        let mut doc = match &call.module {
            Some(module) => Self::ident(module).append(RcDoc::text(".")),
            None => RcDoc::nil(),
        };
        doc = doc.append(Self::ident(&call.name));
        let args = call
            .args
            .iter()
            .map(|arg| {
                let doc = Self::ident(&arg.name).append(RcDoc::text(" = ")).append(self.argument(&arg.value));
                (arg.span, doc)
            })
            .collect();
        doc.append(RcDoc::text("(")).append(self.list(args)).append(RcDoc::text(")")).group()
    }

    fn argument(&self, argument: &'s Argument) -> Doc<'s> {
        match argument {
            Argument::Text(text) => self.text(text),
            Argument::Value(value) => self.value(value),
        }
    }

    /// `keyword name "title"`, the head of most declarations.
    fn head(&self, keyword: &'static str, name: &'s Ident, title: Option<&'s Text>) -> Doc<'s> {
        let mut doc = RcDoc::text(keyword).append(RcDoc::text(" ")).append(Self::ident(name));
        if let Some(title) = title {
            doc = doc.append(RcDoc::text(" ")).append(self.text(title));
        }
        doc
    }

    /// Whether a declaration whose block is optional was written with one (`env x {}`).
    fn has_block(&self, span: Span) -> bool {
        self.raw(span).ends_with('}')
    }

    fn plan(&mut self, decl: &'s PlanDecl) -> Doc<'s> {
        let statements = decl
            .fields
            .iter()
            .map(|field| Statement::new(plan_field_span(field), move |p| p.plan_field(field)))
            .collect();
        self.block(self.head("plan", &decl.name, None), statements, decl.span.end)
    }

    fn plan_field(&mut self, field: &'s PlanField) -> Doc<'s> {
        match field {
            PlanField::Title(text) => self.keyword_text("title", text),
            PlanField::Launch(datetime) => RcDoc::text("launch ").append(RcDoc::text(datetime.text.as_str())),
            PlanField::Owner(owner) => RcDoc::text("owner ").append(Self::ident(owner)),
            PlanField::Description(text) => self.keyword_text("description", text),
            PlanField::Trigger(trigger) => match &trigger.kind {
                TriggerKind::Branch(pattern) => self.keyword_text("on push branch", pattern),
                TriggerKind::Tag(pattern) => self.keyword_text("on push tag", pattern),
                TriggerKind::Release => RcDoc::text("on release"),
                TriggerKind::Schedule(cron) => self.keyword_text("on schedule", cron),
            },
            PlanField::Deadline(deadline) => self.deadline(deadline),
        }
    }

    /// `typically within D from NODE`.
    fn deadline(&mut self, deadline: &'s Deadline) -> Doc<'s> {
        let head = if deadline.typical.is_some() { "typically within " } else { "within " };
        let doc = RcDoc::text(head).append(self.value(&deadline.duration));
        match &deadline.from {
            Some(from) => doc.append(RcDoc::text(" from ")).append(Self::ident(from)),
            None => doc,
        }
    }

    fn role(&mut self, decl: &'s RoleDecl) -> Doc<'s> {
        let head = self.head("role", &decl.name, decl.title.as_ref());
        if !self.has_block(decl.span) {
            return head;
        }
        // The tree keeps contacts and the description apart; print them in source order.
        let mut fields: Vec<(&'static str, &'s Text)> =
            decl.contacts.iter().map(|contact| ("contact", contact)).collect();
        fields.extend(decl.description.iter().map(|text| ("description", text)));
        fields.sort_by_key(|(_, text)| text.span.start);
        let statements = fields
            .into_iter()
            .map(|(keyword, text)| Statement::new(text.span, move |p| p.keyword_text(keyword, text)))
            .collect();
        self.block(head, statements, decl.span.end)
    }

    fn env(&mut self, decl: &'s EnvDecl) -> Doc<'s> {
        let head = self.head("env", &decl.name, decl.title.as_ref());
        if !self.has_block(decl.span) {
            return head;
        }
        let statements = decl
            .fields
            .iter()
            .map(|field| Statement::new(env_field_span(field), move |p| p.env_field(field)))
            .collect();
        self.block(head, statements, decl.span.end)
    }

    fn env_field(&mut self, field: &'s EnvField) -> Doc<'s> {
        match field {
            EnvField::Url(text) => self.keyword_text("url", text),
            EnvField::Approval(roles) => RcDoc::text("approval ").append(self.ident_list(roles)),
            EnvField::Tier(tier) => RcDoc::text("tier ").append(Self::ident(tier)),
            EnvField::Description(text) => self.keyword_text("description", text),
        }
    }

    fn secret(&mut self, decl: &'s SecretDecl) -> Doc<'s> {
        self.head("secret", &decl.name, decl.description.as_ref())
    }

    fn metric(&mut self, decl: &'s MetricDecl) -> Doc<'s> {
        let mut head = RcDoc::text("metric ")
            .append(Self::ident(&decl.name))
            .append(RcDoc::text(" : "))
            .append(Self::ident(&decl.ty));
        if let Some(title) = &decl.title {
            head = head.append(RcDoc::text(" ")).append(self.text(title));
        }
        if !self.has_block(decl.span) {
            return head;
        }
        let statements = decl
            .fields
            .iter()
            .map(|field| Statement::new(metric_field_span(field), move |p| p.metric_field(field)))
            .collect();
        self.block(head, statements, decl.span.end)
    }

    fn metric_field(&mut self, field: &'s MetricField) -> Doc<'s> {
        match field {
            MetricField::Probe(command, uses) => RcDoc::text("probe ").append(self.command_uses(command, uses)),
            MetricField::Unit(unit) => RcDoc::text("unit ").append(Self::ident(unit)),
            MetricField::Baseline { at, window, .. } => RcDoc::text("baseline at ")
                .append(self.value(at))
                .append(RcDoc::text(" for "))
                .append(self.value(window)),
            MetricField::Description(text) => self.keyword_text("description", text),
            MetricField::Query { query, server, .. } => {
                let doc = self.keyword_text("prometheus", query);
                match server {
                    Some(server) => doc.append(RcDoc::text(" from ")).append(Self::ident(server)),
                    None => doc,
                }
            }
            MetricField::Http { url, pointer, headers, .. } => {
                let mut doc =
                    self.keyword_text("http", url).append(RcDoc::text(" ")).append(self.keyword_text("json", pointer));
                for header in headers {
                    doc = doc.append(RcDoc::text(" ")).append(self.header(header));
                }
                doc
            }
        }
    }

    fn header(&mut self, header: &'s Header) -> Doc<'s> {
        self.keyword_text("header", &header.name).append(RcDoc::text(" ")).append(Self::ident(&header.secret))
    }

    fn prometheus(&mut self, decl: &'s PrometheusDecl) -> Doc<'s> {
        let head = self.head("prometheus", &decl.name, decl.title.as_ref());
        let statements = decl
            .fields
            .iter()
            .map(|field| Statement::new(prometheus_field_span(field), move |p| p.prometheus_field(field)))
            .collect();
        self.block(head, statements, decl.span.end)
    }

    fn prometheus_field(&mut self, field: &'s PrometheusField) -> Doc<'s> {
        match field {
            PrometheusField::Url(text) => self.keyword_text("url", text),
            PrometheusField::Header(header) => self.header(header),
            PrometheusField::Description(text) => self.keyword_text("description", text),
        }
    }

    fn window(&mut self, decl: &'s WindowDecl) -> Doc<'s> {
        let head = self.head("window", &decl.name, decl.title.as_ref());
        let statements = decl
            .fields
            .iter()
            .map(|field| Statement::new(window_field_span(field), move |p| p.window_field(field)))
            .collect();
        self.block(head, statements, decl.span.end)
    }

    fn window_field(&mut self, field: &'s WindowField) -> Doc<'s> {
        match field {
            WindowField::Days(days, _) => {
                let items = days.iter().map(|day| (day.span, Self::day(day))).collect();
                RcDoc::text("days ").append(self.list(items))
            }
            WindowField::Hours { from, to, .. } => {
                RcDoc::text("hours ").append(self.value(from)).append(RcDoc::text("..")).append(self.value(to))
            }
            WindowField::Zone(text) => self.keyword_text("zone", text),
            WindowField::Applies { mode, scope, .. } => {
                RcDoc::text(mode.keyword()).append(RcDoc::text(" ")).append(RcDoc::text(scope.keyword()))
            }
        }
    }

    fn day(day: &DaySpec) -> Doc<'s> {
        let name = |weekday: Weekday| match weekday {
            Weekday::Mon => "mon",
            Weekday::Tue => "tue",
            Weekday::Wed => "wed",
            Weekday::Thu => "thu",
            Weekday::Fri => "fri",
            Weekday::Sat => "sat",
            Weekday::Sun => "sun",
        };
        let doc = RcDoc::text(name(day.first));
        match day.last {
            Some(last) => doc.append(RcDoc::text("..")).append(RcDoc::text(name(last))),
            None => doc,
        }
    }

    fn freeze(&mut self, decl: &'s FreezeDecl) -> Doc<'s> {
        let head = self.head("freeze", &decl.name, decl.title.as_ref());
        let statements =
            decl.periods.iter().map(|period| Statement::new(period.span, move |p| p.period(period))).collect();
        self.block(head, statements, decl.span.end)
    }

    fn period(&mut self, period: &'s Period) -> Doc<'s> {
        RcDoc::text("from ")
            .append(RcDoc::text(period.from.text.as_str()))
            .append(RcDoc::text(" until "))
            .append(RcDoc::text(period.until.text.as_str()))
    }

    fn node(&mut self, decl: &'s NodeDecl) -> Doc<'s> {
        let mut parts = vec![RcDoc::text(decl.kind.keyword()), RcDoc::text(" "), Self::ident(&decl.name)];
        for clause in &decl.header {
            parts.extend([RcDoc::text(" "), self.header_clause(clause)]);
        }
        let head = concat(parts);
        let statements =
            decl.body.iter().map(|item| Statement::new(node_item_span(item), move |p| p.node_item(item))).collect();
        self.block(head.group(), statements, decl.span.end)
    }

    fn header_clause(&mut self, clause: &'s HeaderClause) -> Doc<'s> {
        let keyword = RcDoc::text(clause.keyword()).append(RcDoc::text(" "));
        match clause {
            HeaderClause::At(value) | HeaderClause::Every(value) | HeaderClause::For(value) => {
                keyword.append(self.value(value))
            }
            HeaderClause::After(nodes) => keyword.append(self.ident_list(nodes)),
            HeaderClause::On(env) => keyword.append(Self::ident(env)),
        }
    }

    fn node_item(&mut self, item: &'s NodeItem) -> Doc<'s> {
        match item {
            NodeItem::Step(step) => self.step(step),
            NodeItem::Group(group) => self.group(group),
            NodeItem::OnFail(action) => RcDoc::text("on fail ").append(self.action(action)),
            NodeItem::OnBreach(action) => RcDoc::text("on breach ").append(self.action(action)),
            NodeItem::PointOfNoReturn(_) => RcDoc::text("point_of_no_return"),
            NodeItem::Require(condition, _) => RcDoc::text("require ").append(self.condition_statement(condition)),
            NodeItem::Set(command, uses, _) => RcDoc::text("set ").append(self.command_uses(command, uses)),
            NodeItem::Stage(stage) => self.stage(stage),
            NodeItem::Every(value) => RcDoc::text("every ").append(self.value(value)),
            NodeItem::Tolerate(tolerate) => self.tolerate(tolerate),
            NodeItem::Deadline(deadline) => self.deadline(deadline),
            NodeItem::Condition(condition) => self.condition_statement(condition),
            NodeItem::Cadenced(condition, every, _) => {
                let every = RcDoc::text(" every ").append(self.value(every));
                self.condition_statement(condition).append(every)
            }
            NodeItem::Call(call) => self.call(call),
        }
    }

    fn stage(&mut self, stage: &'s Stage) -> Doc<'s> {
        let mut parts = vec![RcDoc::text("stage "), self.value(&stage.weight)];
        for clause in &stage.clauses {
            let (keyword, value) = match clause {
                StageClause::At(value) => ("at", value),
                StageClause::Hold(value) => ("hold", value),
                StageClause::Every(value) => ("every", value),
            };
            parts.extend([RcDoc::text(" "), RcDoc::text(keyword), RcDoc::text(" "), self.value(value)]);
        }
        let doc = concat(parts);
        doc
    }

    fn action(&mut self, action: &'s Action) -> Doc<'s> {
        match &action.kind {
            ActionKind::Abort => RcDoc::text("abort"),
            ActionKind::Continue => RcDoc::text("continue"),
            ActionKind::Rollback(tree) => RcDoc::text("rollback ").append(Self::ident(tree)),
            ActionKind::Pause { wait, then } => {
                let doc = RcDoc::text("pause ").append(self.value(wait));
                match then {
                    Some(then) => doc.append(RcDoc::text(" then ")).append(self.action(then)),
                    None => doc,
                }
            }
        }
    }

    fn group(&mut self, group: &'s Group) -> Doc<'s> {
        let head = self.keyword_text("group", &group.title);
        self.group_items(head, &group.items, group.span.end)
    }

    fn group_items(&mut self, head: Doc<'s>, items: &'s [GroupItem], end: u32) -> Doc<'s> {
        let statements =
            items.iter().map(|item| Statement::new(group_item_span(item), move |p| p.group_item(item))).collect();
        self.block(head, statements, end)
    }

    fn group_item(&mut self, item: &'s GroupItem) -> Doc<'s> {
        match item {
            GroupItem::Step(step) => self.step(step),
            GroupItem::Group(group) => self.group(group),
            GroupItem::Call(call) => self.call(call),
            GroupItem::Tolerate(tolerate) => self.tolerate(tolerate),
        }
    }

    /// `tolerate N failures`, `failure` or `nodata`, as written.
    fn tolerate(&mut self, tolerate: &'s Tolerate) -> Doc<'s> {
        RcDoc::text("tolerate ")
            .append(self.value(&tolerate.count))
            .append(RcDoc::text(" "))
            .append(RcDoc::text(tolerate.what.word()))
    }

    fn rollback(&mut self, decl: &'s RollbackDecl) -> Doc<'s> {
        let statements = decl.levels.iter().map(|level| Statement::new(level.span, move |p| p.level(level))).collect();
        let mut head = self.head("rollback", &decl.name, None);
        for deadline in &decl.deadlines {
            head = head.append(RcDoc::text(" ")).append(self.deadline(deadline));
        }
        self.block(head, statements, decl.span.end)
    }

    fn level(&mut self, level: &'s Level) -> Doc<'s> {
        let head = RcDoc::text("level ")
            .append(Self::ident(&level.name))
            .append(RcDoc::text(" when "))
            .append(self.condition_statement(&level.when));
        self.group_items(head, &level.items, level.span.end)
    }

    fn alert(&mut self, decl: &'s AlertDecl) -> Doc<'s> {
        let mut head = self.head("alert", &decl.name, decl.title.as_ref());
        if let Some(severity) = &decl.severity {
            head = head.append(RcDoc::text(" severity ")).append(Self::ident(severity));
        }
        let head = head.append(RcDoc::text(" when ")).append(self.condition_statement(&decl.when));
        self.group_items(head, &decl.items, decl.span.end)
    }

    // ------------------------------------------------------------ steps

    fn step(&mut self, step: &'s Step) -> Doc<'s> {
        match &step.kind {
            StepKind::Run(run) => self.run_step(run, step.span),
            StepKind::Expect(expect) => self.expect_step(expect),
            StepKind::Check { text, by, options } => {
                let doc = self.keyword_text("check", text);
                let doc = if by.is_empty() { doc } else { doc.append(RcDoc::text(" by ")).append(self.ident_list(by)) };
                self.options(doc, options)
            }
            StepKind::Approve(approve) => self.approve_step(approve),
            StepKind::Notify { roles, message } => RcDoc::text("notify ")
                .append(self.ident_list(roles))
                .append(RcDoc::text(" "))
                .append(self.text(message)),
            StepKind::Page { roles, message } => {
                let doc = RcDoc::text("page ").append(self.ident_list(roles));
                match message {
                    Some(message) => doc.append(RcDoc::text(" ")).append(self.text(message)),
                    None => doc,
                }
            }
            StepKind::Wait(value) => RcDoc::text("wait ").append(self.value(value)),
            StepKind::Recheck(recheck) => self.recheck_step(recheck),
            StepKind::Continue => RcDoc::text("continue"),
        }
    }

    fn titled(&self, keyword: &'static str, title: Option<&'s Text>) -> Doc<'s> {
        match title {
            Some(title) => self.keyword_text(keyword, title),
            None => RcDoc::text(keyword),
        }
    }

    fn run_step(&mut self, run: &'s RunStep, span: Span) -> Doc<'s> {
        let head = self.titled("run", run.title.as_ref());
        if self.has_block(span) {
            let statements = run
                .options
                .iter()
                .map(|option| Statement::new(run_option_span(option), move |p| p.run_option(option)))
                .collect();
            return self.block(head, statements, span.end);
        }
        self.options(head, &run.options)
    }

    /// Options written on the statement's line, in order.
    fn options(&mut self, doc: Doc<'s>, options: &'s [RunOption]) -> Doc<'s> {
        let mut parts = vec![doc];
        for option in options {
            parts.extend([RcDoc::text(" "), self.run_option(option)]);
        }
        concat(parts)
    }

    /// A probe's or a `set`'s command, then its `uses` when it has one.
    fn command_uses(&mut self, command: &'s Command, uses: &'s [Ident]) -> Doc<'s> {
        let doc = self.command(command);
        if uses.is_empty() {
            return doc;
        }
        doc.append(RcDoc::text(" uses ")).append(self.ident_list(uses))
    }

    fn run_option(&mut self, option: &'s RunOption) -> Doc<'s> {
        match option {
            RunOption::Command(command) => self.command(command),
            RunOption::Timeout(value) => RcDoc::text("timeout ").append(self.value(value)),
            RunOption::Typically(value) => RcDoc::text("typically ").append(self.value(value)),
            RunOption::Retries(value) => RcDoc::text("retries ").append(self.value(value)),
            RunOption::Uses(secrets) => RcDoc::text("uses ").append(self.ident_list(secrets)),
            RunOption::Idempotent(_) => RcDoc::text("idempotent"),
        }
    }

    fn expect_step(&mut self, expect: &'s ExpectStep) -> Doc<'s> {
        let head = self.titled("expect", expect.title.as_ref());
        let check = match &expect.check {
            ExpectCheck::Http { repeated, span, .. } if !repeated.is_empty() => {
                // A repeated `status` or `within` (an error `check` reports) is not in the tree:
                // keep the clause as written rather than drop what the author wrote.
                self.verbatim(*span)
            }
            ExpectCheck::Http { url, status, within, .. } => {
                let mut doc = self.keyword_text("http", url);
                if let Some(status) = status {
                    doc = doc.append(RcDoc::text(" status ")).append(self.value(status));
                }
                if let Some(within) = within {
                    doc = doc.append(RcDoc::text(" within ")).append(self.value(within));
                }
                doc
            }
            ExpectCheck::Command(command) => self.command(command),
            ExpectCheck::Condition(condition) => self.condition_statement(condition),
        };
        self.options(head.append(RcDoc::text(" ")).append(check), &expect.options)
    }

    /// `recheck [after D] [OUTCOME when CONDITION [otherwise OUTCOME]]`.
    fn recheck_step(&mut self, recheck: &'s RecheckStep) -> Doc<'s> {
        let mut doc = RcDoc::text("recheck");
        if let Some(after) = &recheck.after {
            doc = doc.append(RcDoc::text(" after ")).append(self.value(after));
        }
        if let Some(outcome) = &recheck.outcome {
            doc = doc
                .append(RcDoc::text(" "))
                .append(RcDoc::text(outcome.then.keyword()))
                .append(RcDoc::text(" when "))
                .append(self.condition_statement(&outcome.condition));
            if let Some((otherwise, _)) = outcome.otherwise {
                doc = doc.append(RcDoc::text(" otherwise ")).append(RcDoc::text(otherwise.keyword()));
            }
        }
        doc
    }

    fn approve_step(&mut self, approve: &'s ApproveStep) -> Doc<'s> {
        let mut doc = self.titled("approve", approve.title.as_ref()).append(RcDoc::text(" "));
        if let Some(quorum) = &approve.quorum {
            doc = doc.append(self.value(quorum)).append(RcDoc::text(" of "));
        }
        doc = doc.append(self.ident_list(&approve.roles));
        if approve.distinct {
            doc = doc.append(RcDoc::text(" distinct"));
        }
        self.options(doc, &approve.options)
    }

    // ------------------------------------------------------------ conditions

    /// A whole condition: broken after `or` and `and` when too long, continuation lines
    /// indented deeper than statements.
    fn condition_statement(&mut self, condition: &'s Condition) -> Doc<'s> {
        self.operand(condition, false).nest(CONTINUATION).group()
    }

    fn condition(&mut self, condition: &'s Condition) -> Doc<'s> {
        match &condition.kind {
            ConditionKind::Or(operands) => {
                self.connective(operands, " or", |operand| matches!(operand, ConditionKind::Or(_)))
            }
            ConditionKind::And(operands) => self.connective(operands, " and", |operand| {
                matches!(operand, ConditionKind::Or(_) | ConditionKind::And(_))
            }),
            ConditionKind::Not(operand) => {
                let needs_parentheses = !is_atom(&operand.kind);
                RcDoc::text("not ").append(self.operand(operand, needs_parentheses))
            }
            ConditionKind::Held { condition, duration } => {
                let needs_parentheses = !(is_atom(&condition.kind) || matches!(condition.kind, ConditionKind::Not(_)));
                self.operand(condition, needs_parentheses).append(RcDoc::text(" for ")).append(self.value(duration))
            }
            ConditionKind::Compare { metric, op, threshold } => {
                let threshold = match threshold {
                    Threshold::Absolute(value) => self.value(value),
                    Threshold::OfBaseline { fraction, .. } => self.value(fraction).append(RcDoc::text(" of baseline")),
                };
                Self::ident(metric).append(RcDoc::text(format!(" {} ", op.symbol()))).append(threshold)
            }
            ConditionKind::InRange { metric, negated, range } => {
                let keyword = if *negated { " not in " } else { " in " };
                Self::ident(metric)
                    .append(RcDoc::text(keyword))
                    .append(self.value(&range.low))
                    .append(RcDoc::text(if range.inclusive { "..=" } else { ".." }))
                    .append(self.value(&range.high))
            }
            ConditionKind::Test(metric) => Self::ident(metric),
            ConditionKind::Declared(text) => self.keyword_text("declared", text),
            ConditionKind::NoData(metric) => match metric {
                Some(metric) => RcDoc::text("nodata ").append(Self::ident(metric)),
                None => RcDoc::text("nodata"),
            },
        }
    }

    /// `a or b or c`, `a and b`: an operand that would bind differently is parenthesized (the
    /// tree keeps its shape, so `(a or b) or c` keeps its parentheses).
    fn connective(
        &mut self,
        operands: &'s [Condition],
        keyword: &'static str,
        needs_parentheses: impl Fn(&ConditionKind) -> bool,
    ) -> Doc<'s> {
        let mut parts = Vec::with_capacity(operands.len() * 2);
        for (index, operand) in operands.iter().enumerate() {
            if index > 0 {
                // A broken condition puts each operand on its own line.
                parts.push(self.separator(keyword, operand.span.start, RcDoc::line()));
            }
            let parenthesize = needs_parentheses(&operand.kind);
            parts.push(self.operand(operand, parenthesize));
        }
        concat(parts).group()
    }

    /// A condition, in parentheses when it needs them or when comments were written inside
    /// its parentheses (after `(` or before `)`): they stay there.
    fn operand(&mut self, condition: &'s Condition, parenthesize: bool) -> Doc<'s> {
        let own_parentheses = self.has_own_parentheses(condition);
        let leading = if own_parentheses { self.take_before(self.content_start(condition.span)) } else { Vec::new() };
        let doc = self.condition(condition);
        let trailing = if own_parentheses { self.take_before(condition.span.end) } else { Vec::new() };
        if leading.is_empty() && trailing.is_empty() {
            return if parenthesize { RcDoc::text("(").append(doc).append(RcDoc::text(")")) } else { doc };
        }
        let leading = if leading.is_empty() { RcDoc::nil() } else { self.comments_then_break(leading) };
        let trailing = if trailing.is_empty() { RcDoc::nil() } else { self.comments_then_break(trailing) };
        concat(vec![RcDoc::text("("), leading, doc, trailing, RcDoc::text(")")])
    }

    // ------------------------------------------------------------ names and literals

    fn ident(ident: &'s Ident) -> Doc<'s> {
        RcDoc::text(ident.name.as_str())
    }

    /// `a, b, c`, filling lines and broken after commas when too long.
    fn ident_list(&mut self, idents: &'s [Ident]) -> Doc<'s> {
        let items = idents.iter().map(|ident| (ident.span, Self::ident(ident))).collect();
        self.list(items)
    }

    fn list(&mut self, items: Vec<(Span, Doc<'s>)>) -> Doc<'s> {
        let mut parts = Vec::with_capacity(items.len() * 2);
        for (index, (span, item)) in items.into_iter().enumerate() {
            if index > 0 {
                parts.push(self.separator(",", span.start, RcDoc::softline()));
            }
            parts.push(item);
        }
        concat(parts).nest(CONTINUATION).group()
    }

    fn keyword_text(&self, keyword: &'static str, text: &'s Text) -> Doc<'s> {
        RcDoc::text(keyword).append(RcDoc::text(" ")).append(self.text(text))
    }

    /// A string as written, quotes and escapes included.
    fn text(&self, text: &'s Text) -> Doc<'s> {
        self.verbatim(text.span)
    }

    fn command(&self, command: &'s Command) -> Doc<'s> {
        RcDoc::text("sh ").append(self.text(&command.script))
    }

    /// A literal as written: `5m`, `T-24h`, `0.1%`, `10/s`.
    fn value(&self, value: &'s Value) -> Doc<'s> {
        RcDoc::text(self.raw(value.span))
    }
}

/// The documents one after the other, as a balanced tree: a chain of 100 000 `or`s must not
/// become a document 100 000 levels deep (dropping it would overflow the stack).
fn concat(mut parts: Vec<Doc<'_>>) -> Doc<'_> {
    if parts.len() <= 8 {
        return parts.into_iter().fold(RcDoc::nil(), RcDoc::append);
    }
    let right = parts.split_off(parts.len() / 2);
    concat(parts).append(concat(right))
}

/// Operands that never need parentheses.
fn is_atom(kind: &ConditionKind) -> bool {
    matches!(
        kind,
        ConditionKind::Compare { .. }
            | ConditionKind::InRange { .. }
            | ConditionKind::Test(_)
            | ConditionKind::Declared(_)
            | ConditionKind::NoData(_)
    )
}

// ---------------------------------------------------------------- where statements are
//
// Some fields keep only their value's span; it stands for the statement's (the keyword before
// it is on the same line, where no comment can be).

fn item_span(item: &Item) -> Span {
    crate::diag::suppress::item_span(item)
}

fn plan_field_span(field: &PlanField) -> Span {
    match field {
        PlanField::Title(text) | PlanField::Description(text) => text.span,
        PlanField::Launch(datetime) => datetime.span,
        PlanField::Owner(owner) => owner.span,
        PlanField::Deadline(deadline) => deadline_span(deadline),
        PlanField::Trigger(trigger) => trigger.span,
    }
}

fn env_field_span(field: &EnvField) -> Span {
    match field {
        EnvField::Url(text) | EnvField::Description(text) => text.span,
        EnvField::Approval(roles) => list_span(roles),
        EnvField::Tier(tier) => tier.span,
    }
}

fn metric_field_span(field: &MetricField) -> Span {
    match field {
        MetricField::Probe(command, uses) => match uses.last() {
            Some(last) => command.span.to(last.span),
            None => command.span,
        },
        MetricField::Unit(unit) => unit.span,
        MetricField::Baseline { span, .. } => *span,
        MetricField::Description(text) => text.span,
        MetricField::Query { span, .. } | MetricField::Http { span, .. } => *span,
    }
}

fn prometheus_field_span(field: &PrometheusField) -> Span {
    match field {
        PrometheusField::Url(text) | PrometheusField::Description(text) => text.span,
        PrometheusField::Header(header) => header.span,
    }
}

fn window_field_span(field: &WindowField) -> Span {
    match field {
        WindowField::Days(_, span) | WindowField::Hours { span, .. } | WindowField::Applies { span, .. } => *span,
        WindowField::Zone(text) => text.span,
    }
}

fn node_item_span(item: &NodeItem) -> Span {
    match item {
        NodeItem::Step(step) => step.span,
        NodeItem::Group(group) => group.span,
        NodeItem::OnFail(action) | NodeItem::OnBreach(action) => action.span,
        NodeItem::PointOfNoReturn(span)
        | NodeItem::Require(_, span)
        | NodeItem::Set(_, _, span)
        | NodeItem::Cadenced(_, _, span) => *span,
        NodeItem::Stage(stage) => stage.span,
        NodeItem::Every(value) => value.span,
        NodeItem::Tolerate(tolerate) => tolerate.span,
        NodeItem::Deadline(deadline) => deadline_span(deadline),
        NodeItem::Condition(condition) => condition.span,
        NodeItem::Call(call) => call.span,
    }
}

fn group_item_span(item: &GroupItem) -> Span {
    match item {
        GroupItem::Step(step) => step.span,
        GroupItem::Group(group) => group.span,
        GroupItem::Call(call) => call.span,
        GroupItem::Tolerate(tolerate) => tolerate.span,
    }
}

fn run_option_span(option: &RunOption) -> Span {
    match option {
        RunOption::Command(command) => command.span,
        RunOption::Timeout(value) | RunOption::Typically(value) | RunOption::Retries(value) => value.span,
        RunOption::Uses(secrets) => list_span(secrets),
        RunOption::Idempotent(span) => *span,
    }
}

/// A deadline's words, without the blanks or comment the statement's span may end with.
fn deadline_span(deadline: &Deadline) -> Span {
    let last = deadline.from.as_ref().map_or(deadline.duration.span, |from| from.span);
    Span { end: last.end, ..deadline.span }
}

/// From the first name of a list to the last.
fn list_span(idents: &[Ident]) -> Span {
    match (idents.first(), idents.last()) {
        (Some(first), Some(last)) => first.span.to(last.span),
        _ => Span::default(),
    }
}
