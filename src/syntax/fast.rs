//! The fast path: a hand-written parser for files without a syntax problem.
//!
//! `grammar/golive.pest` defines the language and pest reports every syntax error; this parser
//! builds the same tree as `super::parse_reference` for the common case, a clean file, at a
//! fraction of the cost. It is a transcription of the grammar's PEG: each rule is a function,
//! ordered choice tries alternatives in order and backtracks, and `skip` (spaces, tabs and one
//! comment) runs exactly where pest inserts its implicit whitespace, between the elements of a
//! sequence and between repetitions. That last point decides spans: a rule ending in an
//! optional part that is absent still ends after the whitespace before it, as in pest.
//!
//! Whenever pest would report anything (a line the grammar cannot read, a literal the lowering
//! rejects, an unterminated string, nesting too deep) or the input is outside what this parser
//! handles, it declines (`None`) and the caller runs pest. Declining is always safe.
//! `tests/it/fast_parser.rs` and `fuzz/fuzz_targets/parse_agree.rs` check the agreement.

use super::{literal, module_name_of_path, weekday, MAX_DEPTH};
use crate::ast::*;
use crate::source::{FileId, Span};

/// The tree pest would build for `source`, when pest would build it without any diagnostic;
/// `None` otherwise (or when unsure).
pub fn parse(file: FileId, source: &str) -> Option<File> {
    // A lone `\r` is refused (E0109), by pest.
    if super::lone_carriage_returns(source).next().is_some() {
        return None;
    }
    let mut parser = Parser {
        text: source,
        bytes: source.as_bytes(),
        pos: 0,
        file,
        comments: Vec::new(),
        depth: 0,
        declined: false,
        stacks: Stacks::default(),
    };
    let items = parser.file();
    if parser.declined {
        return None;
    }
    let items = items?;
    let mut comments = parser.comments;
    comments.shrink_to_fit();
    let whole = Span::new(file, 0, source.len());
    Some(File { items, comments, unreadable: Vec::new(), span: whole })
}

/// Where the parser is, to come back to when an alternative fails.
#[derive(Clone, Copy)]
struct Mark {
    pos: usize,
    comments: usize,
    depth: usize,
}

struct Parser<'s> {
    text: &'s str,
    bytes: &'s [u8],
    pos: usize,
    file: FileId,
    comments: Vec<Comment>,
    /// Brackets open at `pos`, as `nesting::check` counts them.
    depth: usize,
    /// Set when pest would report something here: the whole parse gives up.
    declined: bool,
    stacks: Stacks,
}

/// The stack of list elements of type `T` (see [`Stacks`]).
trait Stack<T> {
    fn stack(&mut self) -> &mut Vec<T>;
}

macro_rules! stacks {
    ($($field:ident: $element:ty,)*) => {
        /// One reusable stack per type of list element. A rule that reads a list pushes its
        /// elements on the stack of their type and, once the list is complete, moves them off
        /// into a `Vec` of exactly their number: one allocation per list and no spare capacity,
        /// where pushing onto a new `Vec` reallocates as it doubles and keeps up to half unused
        /// (most of the tree is such lists). A list inside another of the same type (a group in
        /// a group) pushes above its parent's elements and moves them off before the parent goes
        /// on. An element is pushed only once it is read, so backtracking leaves nothing behind;
        /// after a decline the parse is abandoned, and what is left on a stack does not matter.
        #[derive(Default)]
        struct Stacks {
            $($field: Vec<$element>,)*
        }

        $(impl Stack<$element> for Parser<'_> {
            fn stack(&mut self) -> &mut Vec<$element> {
                &mut self.stacks.$field
            }
        })*
    };
}

stacks! {
    node_items: NodeItem,
    group_items: GroupItem,
    header_clauses: HeaderClause,
    run_options: RunOption,
    idents: Ident,
    conditions: Condition,
    stage_clauses: StageClause,
    plan_fields: PlanField,
    role_fields: (bool, Text),
    env_fields: EnvField,
    metric_fields: MetricField,
    prometheus_fields: PrometheusField,
    window_fields: WindowField,
    day_specs: DaySpec,
    periods: Period,
    levels: Level,
    deadlines: Deadline,
    params: Param,
    args: Arg,
    variant_items: VariantItem,
}

/// `ident_char` (`ASCII_ALPHANUMERIC | "_"`) by byte: one load per byte in the scanning loops,
/// instead of three range tests.
const IDENT_CHAR: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 256 {
        table[byte] = (byte as u8).is_ascii_alphanumeric() || byte as u8 == b'_';
        byte += 1;
    }
    table
};

/// The bytes that end a run of plain text in a quoted string: the quote, an escape, a line break.
const STRING_STOP: [bool; 256] = {
    let mut table = [false; 256];
    table[b'"' as usize] = true;
    table[b'\\' as usize] = true;
    table[b'\n' as usize] = true;
    table[b'\r' as usize] = true;
    table
};

#[inline]
fn is_ident_char(byte: u8) -> bool {
    IDENT_CHAR[usize::from(byte)]
}

fn is_reserved(word: &[u8]) -> bool {
    matches!(
        word,
        b"and"
            | b"or"
            | b"not"
            | b"for"
            | b"in"
            | b"of"
            | b"baseline"
            | b"declared"
            | b"nodata"
            | b"true"
            | b"false"
            | b"then"
            | b"when"
            | b"otherwise"
    )
}

type Rule<'s, T> = fn(&mut Parser<'s>) -> Option<T>;

impl<'s> Parser<'s> {
    // ------------------------------------------------------------------ machinery

    #[inline]
    fn at(&self, index: usize) -> u8 {
        self.bytes.get(index).copied().unwrap_or(0)
    }

    #[inline]
    fn peek(&self) -> u8 {
        self.at(self.pos)
    }

    #[inline]
    fn at_end(&self) -> bool {
        self.pos >= self.bytes.len()
    }

    fn slice(&self, start: usize, end: usize) -> &'s str {
        self.text.get(start..end).unwrap_or_default()
    }

    fn span(&self, start: usize) -> Span {
        Span::new(self.file, start, self.pos)
    }

    fn mark(&self) -> Mark {
        Mark { pos: self.pos, comments: self.comments.len(), depth: self.depth }
    }

    fn reset(&mut self, mark: Mark) {
        self.pos = mark.pos;
        self.comments.truncate(mark.comments);
        self.depth = mark.depth;
    }

    fn decline<T>(&mut self) -> Option<T> {
        self.declined = true;
        None
    }

    /// Runs `rule`; when it fails, puts the parser back where it was (PEG backtracking).
    #[inline]
    fn attempt<T>(&mut self, rule: impl FnOnce(&mut Self) -> Option<T>) -> Option<T> {
        let mark = self.mark();
        let result = rule(self);
        if result.is_none() {
            self.reset(mark);
        }
        result
    }

    /// `rule*` in a non-atomic pest rule: `rule`, then `skip ~ rule` while it matches; `each`
    /// takes every match, in order.
    fn repeat_with<T>(&mut self, mut rule: impl FnMut(&mut Self) -> Option<T>, mut each: impl FnMut(&mut Self, T)) {
        match self.attempt(&mut rule) {
            Some(first) => each(self, first),
            None => return,
        }
        loop {
            let mark = self.mark();
            self.skip();
            match rule(self) {
                Some(next) => each(self, next),
                None => {
                    self.reset(mark);
                    return;
                }
            }
        }
    }

    /// `rule*`, as a list.
    fn repeat<T>(&mut self, rule: impl FnMut(&mut Self) -> Option<T>) -> Vec<T>
    where
        Self: Stack<T>,
    {
        let base = self.stack_len::<T>();
        self.repeat_with(rule, Self::push);
        self.take_from(base)
    }

    /// `first ~ rule*`, as a list, `first` already read.
    fn repeat_after<T>(&mut self, first: T, rule: impl FnMut(&mut Self) -> Option<T>) -> Vec<T>
    where
        Self: Stack<T>,
    {
        let base = self.stack_len::<T>();
        self.push(first);
        self.skip();
        self.repeat_with(rule, Self::push);
        self.take_from(base)
    }

    fn stack_len<T>(&mut self) -> usize
    where
        Self: Stack<T>,
    {
        Stack::<T>::stack(self).len()
    }

    fn push<T>(&mut self, element: T)
    where
        Self: Stack<T>,
    {
        Stack::<T>::stack(self).push(element);
    }

    /// What was pushed on the stack of `T` since it was `base` long, as a list of exactly that
    /// many elements.
    fn take_from<T>(&mut self, base: usize) -> Vec<T>
    where
        Self: Stack<T>,
    {
        let stack = Stack::<T>::stack(self);
        // Either way the elements are copied in one block into a list of exactly their number
        // and the stack keeps its buffer (`split_off(0)` would hand the buffer over instead,
        // spare capacity and all).
        if base == 0 {
            let mut list = Vec::with_capacity(stack.len());
            list.append(stack);
            list
        } else {
            stack.split_off(base.min(stack.len()))
        }
    }

    /// pest's implicit whitespace: `WHITESPACE* ~ (COMMENT ~ WHITESPACE*)*`. A comment runs to the
    /// end of the line, so at most one is read. Small enough to inline: it runs between any two
    /// tokens, and mostly steps over one space or none.
    #[inline]
    fn skip(&mut self) {
        let bytes = self.bytes;
        let mut index = self.pos;
        while let Some(b' ' | b'\t') = bytes.get(index) {
            index += 1;
        }
        self.pos = index;
        if bytes.get(index) == Some(&b'#') {
            self.comment();
        }
    }

    /// The comment at the cursor, to the end of its line (kept out of `skip`).
    #[inline(never)]
    fn comment(&mut self) {
        let bytes = self.bytes;
        let start = self.pos;
        let index = super::scan::line_end(bytes, start + 1);
        // The bracket scan ends a comment at `\n` only: after a lone `\r` it skips what the
        // grammar reads as the next line. Both agree when the brackets there balance alone
        // and no string there is left open.
        if self.at(index) == b'\r' && self.at(index + 1) != b'\n' {
            let hidden = bytes.get(index..).unwrap_or_default();
            let hidden = &hidden[..hidden.iter().position(|&byte| byte == b'\n').unwrap_or(hidden.len())];
            if !brackets_balance_alone(hidden) {
                self.declined = true;
            }
        }
        self.comments
            .push(Comment { text: self.slice(start + 1, index).into(), span: Span::new(self.file, start, index) });
        self.pos = index;
    }

    /// `NEWLINE`: `\n`, `\r\n` or `\r`.
    #[inline]
    fn newline(&mut self) -> bool {
        match self.peek() {
            b'\n' => self.pos += 1,
            b'\r' => self.pos += if self.at(self.pos + 1) == b'\n' { 2 } else { 1 },
            _ => return false,
        }
        true
    }

    #[inline]
    fn sep(&mut self) -> bool {
        if self.peek() == b';' {
            self.pos += 1;
            return true;
        }
        self.newline()
    }

    /// `sep*`.
    fn seps(&mut self) {
        if !self.sep() {
            return;
        }
        loop {
            let mark = self.mark();
            self.skip();
            if !self.sep() {
                self.reset(mark);
                return;
            }
        }
    }

    /// `NEWLINE*`.
    fn newlines(&mut self) {
        if !self.newline() {
            return;
        }
        loop {
            let mark = self.mark();
            self.skip();
            if !self.newline() {
                self.reset(mark);
                return;
            }
        }
    }

    /// `end`: `sep+ | &"}"` (`sep+` is `sep ~ sep*`, with whitespace between).
    fn end(&mut self) -> bool {
        if self.sep() {
            self.skip();
            self.seps();
            return true;
        }
        self.peek() == b'}'
    }

    fn literal(&mut self, token: &[u8]) -> bool {
        if self.bytes.get(self.pos..self.pos + token.len()) == Some(token) {
            self.pos += token.len();
            return true;
        }
        false
    }

    /// An opening bracket, counted as the bracket scan counts them.
    fn open(&mut self, bracket: u8) -> bool {
        if self.peek() != bracket {
            return false;
        }
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            self.declined = true;
            return false;
        }
        self.pos += 1;
        true
    }

    fn close(&mut self, bracket: u8) -> bool {
        if self.peek() != bracket {
            return false;
        }
        self.depth = self.depth.saturating_sub(1);
        self.pos += 1;
        true
    }

    /// The run of name characters at the cursor (possibly empty).
    #[inline]
    fn word(&self) -> &'s [u8] {
        let rest = self.bytes.get(self.pos..).unwrap_or_default();
        let length = rest.iter().position(|&byte| !is_ident_char(byte)).unwrap_or(rest.len());
        rest.get(..length).unwrap_or_default()
    }

    /// Past `word`, the name `word()` just read at the cursor, then whitespace: what
    /// `kw_skip(word)` does there, without comparing the bytes again (a name is followed by no
    /// name character, so the keyword rule matches).
    #[inline]
    fn after_word(&mut self, word: &[u8]) {
        self.pos += word.len();
        self.skip();
    }

    /// A keyword rule: `"word" ~ !ident_char`.
    #[inline]
    fn kw(&mut self, keyword: &[u8]) -> bool {
        let end = self.pos + keyword.len();
        if self.bytes.get(self.pos..end) == Some(keyword) && !is_ident_char(self.at(end)) {
            self.pos = end;
            return true;
        }
        false
    }

    /// A keyword, then whitespace.
    #[inline]
    fn kw_skip(&mut self, keyword: &[u8]) -> Option<()> {
        if self.kw(keyword) {
            self.skip();
            Some(())
        } else {
            None
        }
    }

    // ------------------------------------------------------------------ names and strings

    fn ident(&mut self) -> Option<Ident> {
        let first = self.peek();
        if !(first.is_ascii_alphabetic() || first == b'_') {
            return None;
        }
        let start = self.pos;
        let word = self.word();
        if is_reserved(word) {
            return None;
        }
        self.pos += word.len();
        Some(self.new_ident(start))
    }

    /// The name from `start` to the cursor: every `Ident` the parser reads is made here.
    fn new_ident(&self, start: usize) -> Ident {
        Ident { name: self.slice(start, self.pos).into(), span: self.span(start) }
    }

    /// A string literal from `start` to the cursor, its value `value`: every `Text` is made here.
    fn new_text(&self, value: impl Into<CompactString>, start: usize, verbatim: bool) -> Text {
        Text { value: value.into(), span: self.span(start), verbatim }
    }

    /// `ident ~ ("," ~ NEWLINE* ~ ident)*`.
    fn ident_list(&mut self) -> Option<Vec<Ident>> {
        let first = self.ident()?;
        Some(self.repeat_after(first, |parser| {
            if !parser.literal(b",") {
                return None;
            }
            parser.skip();
            parser.newlines();
            parser.skip();
            parser.ident()
        }))
    }

    /// `string`: a triple-quoted or quoted string. An unterminated one is reported by pest.
    fn string(&mut self) -> Option<Text> {
        if self.peek() != b'"' {
            return None;
        }
        let bytes = self.bytes;
        let start = self.pos;
        if bytes.get(start..start + 3) == Some(b"\"\"\"") {
            let Some(close) = find_triple_quote(bytes, start + 3) else {
                // pest would read `""` and then fail on the rest; the bracket scan reads to the end.
                return self.decline();
            };
            self.pos = close + 3;
            let raw = self.slice(start, self.pos);
            return Some(self.new_text(literal::dedent(raw), start, false));
        }
        let mut index = start + 1;
        let mut escaped = false;
        loop {
            // Step over plain text first: most of a string is.
            index += plain_text_length(bytes.get(index..).unwrap_or_default());
            match bytes.get(index) {
                Some(b'"') => break,
                Some(b'\\') => match bytes.get(index + 1) {
                    None | Some(b'\n' | b'\r') => return self.decline(),
                    Some(_) => {
                        escaped = true;
                        index += 2;
                    }
                },
                None | Some(b'\n' | b'\r') => return self.decline(),
                Some(_) => index += 1,
            }
        }
        self.pos = index + 1;
        // `""` followed by `"` is `"""` to the bracket scan.
        if self.peek() == b'"' {
            return self.decline();
        }
        if !escaped {
            return Some(self.new_text(self.slice(start + 1, index), start, true));
        }
        match literal::unescape(self.slice(start, self.pos)) {
            Ok(value) => Some(self.new_text(value, start, false)),
            Err(_) => self.decline(),
        }
    }

    // ------------------------------------------------------------------ values

    /// `number_core`: `"-"? ~ digits ~ ("." ~ ASCII_DIGIT+)?`; the end, if it matches at `from`.
    fn number_core(&self, from: usize) -> Option<usize> {
        let mut index = from;
        if self.at(index) == b'-' {
            index += 1;
        }
        index = self.digits(index)?;
        while self.at(index) == b'_' {
            match self.digits(index + 1) {
                Some(end) => index = end,
                None => break,
            }
        }
        if self.at(index) == b'.' {
            if let Some(end) = self.digits(index + 1) {
                index = end;
            }
        }
        Some(index)
    }

    /// `ASCII_DIGIT+` at `from`: its end.
    fn digits(&self, from: usize) -> Option<usize> {
        let mut index = from;
        while self.at(index).is_ascii_digit() {
            index += 1;
        }
        (index > from).then_some(index)
    }

    /// Exactly `count` digits at `from`.
    fn fixed_digits(&self, from: usize, count: usize) -> bool {
        (from..from + count).all(|index| self.at(index).is_ascii_digit())
    }

    /// `duration`: `duration_part+ ~ !ident_char`.
    fn duration_end(&self, from: usize) -> Option<usize> {
        let mut index = from;
        while let Some(digits_end) = self.digits(index) {
            let unit = match self.at(digits_end) {
                b'm' if self.at(digits_end + 1) == b's' => 2,
                b's' | b'm' | b'h' | b'd' | b'w' => 1,
                _ => break,
            };
            index = digits_end + unit;
        }
        (index > from && !is_ident_char(self.at(index))).then_some(index)
    }

    /// `datetime`: `date ~ "T" ~ clock ~ tz_offset? ~ tz_name?`; its end.
    fn datetime_end(&mut self, from: usize) -> Option<usize> {
        let at = |index: usize| self.at(index);
        // The dash first: most values tried here are short numbers, and it rules them out.
        if !(at(from + 4) == b'-'
            && self.fixed_digits(from, 4)
            && self.fixed_digits(from + 5, 2)
            && at(from + 7) == b'-'
            && self.fixed_digits(from + 8, 2)
            && at(from + 10) == b'T'
            && self.fixed_digits(from + 11, 2)
            && at(from + 13) == b':'
            && self.fixed_digits(from + 14, 2))
        {
            return None;
        }
        let mut index = from + 16;
        if at(index) == b':' && self.fixed_digits(index + 1, 2) {
            index += 3;
            if at(index) == b'.' {
                if let Some(end) = self.digits(index + 1) {
                    index = end;
                }
            }
        }
        match at(index) {
            b'Z' | b'z' => index += 1,
            b'+' | b'-'
                if self.fixed_digits(index + 1, 2) && at(index + 3) == b':' && self.fixed_digits(index + 4, 2) =>
            {
                index += 6
            }
            _ => {}
        }
        if at(index) == b'[' {
            // `tz_name`: `"[" ~ (!("]" | NEWLINE) ~ ANY)+ ~ "]"`. Zone names are plain ASCII;
            // anything else (a quote, a bracket, a `#`) the bracket scan reads differently.
            let mut end = index + 1;
            while at(end).is_ascii_alphanumeric() || matches!(at(end), b'/' | b'_' | b'+' | b'-') {
                end += 1;
            }
            if at(end) == b']' && end > index + 1 && self.depth < MAX_DEPTH {
                index = end + 1;
            } else {
                return self.decline();
            }
        }
        Some(index)
    }

    /// `datetime`, read into a literal.
    fn datetime(&mut self) -> Option<DateTimeLit> {
        let start = self.pos;
        let end = self.datetime_end(start)?;
        self.pos = end;
        let text = self.slice(start, end);
        match literal::datetime(text) {
            Ok(zoned) => Some(DateTimeLit { text: text.into(), zoned: Some(zoned), span: self.span(start) }),
            Err(_) => self.decline(),
        }
    }

    /// `value`: the first alternative of the grammar's ordered choice that matches.
    fn value(&mut self) -> Option<Value> {
        let start = self.pos;
        let first = self.peek();
        if first.is_ascii_digit() || first == b'-' || first == b'T' {
            if let Some(kind) = self.quantity(start) {
                return match kind {
                    Some(kind) => Some(Value { kind, span: self.span(start) }),
                    None => self.decline(),
                };
            }
        }
        if self.kw(b"true") {
            return Some(Value { kind: ValueKind::Bool(true), span: self.span(start) });
        }
        if self.kw(b"false") {
            return Some(Value { kind: ValueKind::Bool(false), span: self.span(start) });
        }
        if first.is_ascii_digit() || first == b'-' {
            // `bad_quantity` (a number followed by letters) is reported by pest.
            if let Some(end) = self.number_core(start) {
                if self.at(end).is_ascii_alphabetic() || self.at(end) == b'_' {
                    return self.decline();
                }
            }
        }
        let name = self.ident()?;
        Some(Value { kind: ValueKind::Name(name.name), span: name.span })
    }

    /// The alternatives of `value` before `boolean`: `Some(Some(kind))` when one matches and
    /// reads, `Some(None)` when one matches but the lowering would report it, `None` when none
    /// matches. Moves the cursor past a match.
    fn quantity(&mut self, start: usize) -> Option<Option<ValueKind>> {
        if let Some(end) = self.datetime_end(start) {
            self.pos = end;
            let text = self.slice(start, end);
            return Some(literal::datetime(text).ok().map(|zoned| {
                ValueKind::DateTime(Box::new(DateTimeLit {
                    text: text.into(),
                    zoned: Some(zoned),
                    span: Span::new(self.file, start, end),
                }))
            }));
        }
        if self.declined {
            return None;
        }
        // time_of_day: `DD:DD`, not followed by `:` or a digit.
        if self.fixed_digits(start, 2)
            && self.at(start + 2) == b':'
            && self.fixed_digits(start + 3, 2)
            && !(self.at(start + 5) == b':' || self.at(start + 5).is_ascii_digit())
        {
            self.pos = start + 5;
            return Some(literal::time_of_day(self.slice(start, start + 5)).ok().map(ValueKind::TimeOfDay));
        }
        // offset: `"T" ~ ("0" ~ !ident_char | ("+" | "-") ~ duration)`.
        if self.at(start) == b'T' {
            let end = match self.at(start + 1) {
                b'0' if !is_ident_char(self.at(start + 2)) => Some(start + 2),
                b'+' | b'-' => self.duration_end(start + 2),
                _ => None,
            };
            let end = end?;
            self.pos = end;
            return Some(literal::offset(self.slice(start, end)).ok().map(ValueKind::Offset));
        }
        if let Some(end) = self.duration_end(start) {
            self.pos = end;
            return Some(literal::duration(self.slice(start, end)).ok().map(ValueKind::Duration));
        }
        let core = self.number_core(start)?;
        // rate: `number_core ~ "/" ~ rate_unit ~ !ident_char`.
        if self.at(core) == b'/' {
            let unit = match self.at(core + 1) {
                b's' | b'h' | b'd' => 1,
                b'm' if self.at(core + 2) == b'i' && self.at(core + 3) == b'n' => 3,
                b'm' => 1,
                _ => 0,
            };
            if unit > 0 && !is_ident_char(self.at(core + 1 + unit)) {
                let end = core + 1 + unit;
                self.pos = end;
                return Some(literal::rate(self.slice(start, end)).ok().map(ValueKind::Rate));
            }
        }
        if self.at(core) == b'%' {
            self.pos = core + 1;
            return Some(literal::number(self.slice(start, core)).ok().map(ValueKind::Percent));
        }
        // size: `number_core ~ size_unit ~ !ident_char`, the longest unit first.
        if let Some(&(unit, _)) = crate::units::SIZE_UNITS
            .iter()
            .find(|(unit, _)| self.bytes.get(core..).is_some_and(|rest| rest.starts_with(unit.as_bytes())))
        {
            let end = core + unit.len();
            if !is_ident_char(self.at(end)) {
                self.pos = end;
                return Some(literal::size(self.slice(start, end)).ok().map(ValueKind::Size));
            }
        }
        let next = self.at(core);
        if !(next.is_ascii_alphabetic() || matches!(next, b'_' | b'%' | b'/' | b':')) {
            self.pos = core;
            return Some(literal::number(self.slice(start, core)).ok().map(ValueKind::Number));
        }
        None
    }

    /// `argument`: `string | value`.
    fn argument(&mut self) -> Option<Argument> {
        if self.peek() == b'"' {
            return self.string().map(Argument::Text);
        }
        self.value().map(Argument::Value)
    }

    // ------------------------------------------------------------------ the file

    fn file(&mut self) -> Option<Vec<Item>> {
        let mut items = Vec::new();
        self.skip();
        self.literal("\u{FEFF}".as_bytes());
        self.skip();
        self.seps();
        loop {
            if self.declined {
                return None;
            }
            self.skip();
            if self.at_end() {
                // The declarations are not on a stack (they are the whole file), so drop the
                // spare capacity of their growth instead.
                items.shrink_to_fit();
                return Some(items);
            }
            let Some(item) = self.item() else { return self.decline() };
            items.push(item);
            self.skip();
            if self.sep() {
                self.skip();
                self.seps();
            } else if !self.at_end() {
                return self.decline();
            }
        }
    }

    fn item(&mut self) -> Option<Item> {
        let start = self.pos;
        let word = self.word();
        let kind = match word {
            b"phase" => NodeKind::Phase,
            b"gate" => NodeKind::Gate,
            b"rollout" => NodeKind::Rollout,
            b"watch" => NodeKind::Watch,
            _ => {
                self.pos += word.len();
                self.skip();
                return match word {
                    b"use" => self.use_decl(start),
                    b"template" => self.template_decl(start),
                    b"plan" => self.plan_decl(start),
                    b"role" => self.role_decl(start),
                    b"env" => self.env_decl(start),
                    b"secret" => self.secret_decl(start),
                    b"var" => self.var_decl(start),
                    b"input" => self.input_decl(start),
                    b"metric" => self.metric_decl(start),
                    b"rollback" => self.rollback_decl(start),
                    b"alert" => self.alert_decl(start),
                    b"window" => self.window_decl(start),
                    b"freeze" => self.freeze_decl(start),
                    b"prometheus" => self.prometheus_decl(start),
                    b"variant" => self.variant_decl(start),
                    _ => None,
                };
            }
        };
        self.pos += word.len();
        self.skip();
        let name = self.ident()?;
        self.skip();
        let header = self.repeat(Self::header_clause);
        self.skip();
        let body = self.node_block()?;
        Some(Item::Node(NodeDecl { kind, name, header, body, span: self.span(start) }))
    }

    /// `"{" ~ sep* ~ (item ~ end)* ~ "}"`. A line that is not an `item` is a `bad_line` to
    /// pest, hence a diagnostic: the parse declines.
    fn block<T>(&mut self, item: Rule<'s, T>) -> Option<Vec<T>>
    where
        Self: Stack<T>,
    {
        if !self.open(b'{') {
            return None;
        }
        self.skip();
        self.seps();
        let base = self.stack_len::<T>();
        loop {
            self.skip();
            if self.close(b'}') {
                return Some(self.take_from(base));
            }
            let Some(next) = item(self) else { return self.decline() };
            self.push(next);
            self.skip();
            if !self.end() {
                return self.decline();
            }
        }
    }

    /// `string?` then whitespace.
    fn optional_string(&mut self) -> Option<Text> {
        let text = self.string();
        self.skip();
        text
    }

    fn use_decl(&mut self, start: usize) -> Option<Item> {
        let target = match self.attempt(Self::module_path) {
            Some(path) => UseTarget::Std(path),
            None => UseTarget::File(self.string()?),
        };
        self.skip();
        let alias = self.attempt(|parser| {
            parser.kw_skip(b"as")?;
            parser.ident()
        });
        let name = match (&alias, &target) {
            (Some(alias), _) => alias.clone(),
            (None, UseTarget::Std(path)) => path.last()?.clone(),
            (None, UseTarget::File(path)) => Ident { name: module_name_of_path(&path.value).into(), span: path.span },
        };
        Some(Item::Use(UseDecl { target, name, alias: alias.is_some(), span: self.span(start) }))
    }

    /// `ident ~ ("." ~ ident)+`.
    fn module_path(&mut self) -> Option<Vec<Ident>> {
        let first = self.ident()?;
        self.skip();
        let dotted = |parser: &mut Self| {
            if !parser.literal(b".") {
                return None;
            }
            parser.skip();
            parser.ident()
        };
        let second = dotted(self)?;
        let base = self.stack_len::<Ident>();
        self.push(first);
        self.push(second);
        self.skip();
        self.repeat_with(dotted, Self::push);
        Some(self.take_from(base))
    }

    fn template_decl(&mut self, start: usize) -> Option<Item> {
        let name = self.ident()?;
        self.skip();
        let params_start = self.pos;
        let params = self.list(Self::param)?;
        let params_span = self.span(params_start);
        self.skip();
        let body = self.node_block()?;
        Some(Item::Template(TemplateDecl { name, params, body, params_span, span: self.span(start) }))
    }

    /// `"(" ~ NEWLINE* ~ (x ~ ("," ~ NEWLINE* ~ x)* ~ ","? ~ NEWLINE*)? ~ ")"`.
    fn list<T>(&mut self, element: Rule<'s, T>) -> Option<Vec<T>>
    where
        Self: Stack<T>,
    {
        if !self.open(b'(') {
            return None;
        }
        self.skip();
        self.newlines();
        self.skip();
        let mark = self.mark();
        let elements = match element(self) {
            Some(first) => {
                let elements = self.repeat_after(first, |parser| {
                    if !parser.literal(b",") {
                        return None;
                    }
                    parser.skip();
                    parser.newlines();
                    parser.skip();
                    element(parser)
                });
                self.skip();
                self.literal(b",");
                self.skip();
                self.newlines();
                elements
            }
            None => {
                self.reset(mark);
                Vec::new()
            }
        };
        self.skip();
        if !self.close(b')') {
            return None;
        }
        Some(elements)
    }

    fn param(&mut self) -> Option<Param> {
        let start = self.pos;
        let name = self.ident()?;
        self.skip();
        if !self.literal(b":") {
            return None;
        }
        self.skip();
        let ty = self.ident()?;
        self.skip();
        let default = self.attempt(|parser| {
            if !parser.literal(b"=") {
                return None;
            }
            parser.skip();
            parser.argument()
        });
        Some(Param { name, ty, default, span: self.span(start) })
    }

    fn arg(&mut self) -> Option<Arg> {
        let start = self.pos;
        let name = self.ident()?;
        self.skip();
        if !self.literal(b"=") {
            return None;
        }
        self.skip();
        let value = self.argument()?;
        Some(Arg { name, value, span: self.span(start) })
    }

    /// `call_name ~ arg_list`.
    fn call(&mut self) -> Option<Call> {
        let start = self.pos;
        let first = self.ident()?;
        self.skip();
        let second = self.attempt(|parser| {
            if !parser.literal(b".") {
                return None;
            }
            parser.skip();
            parser.ident()
        });
        let (module, name) = match second {
            Some(name) => (Some(first), name),
            None => (None, first),
        };
        self.skip();
        let args_start = self.pos;
        let args = self.list(Self::arg)?;
        Some(Call { module, name, args, args_span: self.span(args_start), span: self.span(start) })
    }

    /// Whether a `call` may start here: `word`, the name at the cursor, then `(` or `.` on the
    /// same line.
    fn may_be_call(&self, word: &[u8]) -> bool {
        let mut index = self.pos + word.len();
        while matches!(self.at(index), b' ' | b'\t') {
            index += 1;
        }
        matches!(self.at(index), b'(' | b'.')
    }

    fn plan_decl(&mut self, start: usize) -> Option<Item> {
        let name = self.ident()?;
        self.skip();
        let fields = self.block(|parser| {
            let start = parser.pos;
            let word = parser.word();
            if matches!(word, b"within" | b"typically") {
                return parser.deadline().map(PlanField::Deadline);
            }
            parser.after_word(word);
            Some(match word {
                b"title" => PlanField::Title(parser.string()?),
                b"launch" => PlanField::Launch(parser.datetime()?),
                b"owner" => PlanField::Owner(parser.ident()?),
                b"description" => PlanField::Description(parser.string()?),
                b"on" => {
                    let second = parser.word();
                    let kind = match second {
                        b"push" => {
                            parser.after_word(second);
                            let third = parser.word();
                            let tag = match third {
                                b"branch" => false,
                                b"tag" => true,
                                _ => return None,
                            };
                            parser.after_word(third);
                            let pattern = parser.string()?;
                            if tag {
                                TriggerKind::Tag(pattern)
                            } else {
                                TriggerKind::Branch(pattern)
                            }
                        }
                        b"release" => {
                            // The span ends with the keyword, before any white space after it.
                            parser.pos += second.len();
                            TriggerKind::Release
                        }
                        b"schedule" => {
                            parser.after_word(second);
                            TriggerKind::Schedule(parser.string()?)
                        }
                        _ => return None,
                    };
                    PlanField::Trigger(Trigger { kind, span: parser.span(start) })
                }
                _ => return None,
            })
        })?;
        Some(Item::Plan(PlanDecl { name, fields, span: self.span(start) }))
    }

    fn variant_decl(&mut self, start: usize) -> Option<Item> {
        let name = self.ident()?;
        self.skip();
        let items = self.block(|parser| {
            let start = parser.pos;
            let word = parser.word();
            if word == b"in" {
                parser.after_word(word);
                let node = parser.ident()?;
                parser.skip();
                if parser.word() != b"approve" {
                    return None;
                }
                let step = parser.step(b"approve")?;
                return Some(VariantItem::Approve { node, step, span: parser.span(start) });
            }
            parser.after_word(word);
            let setting = match word {
                b"skip" => return Some(VariantItem::Skip(parser.ident_list()?, parser.span(start))),
                b"title" => PlanField::Title(parser.string()?),
                b"launch" => PlanField::Launch(parser.datetime()?),
                b"owner" => PlanField::Owner(parser.ident()?),
                b"description" => PlanField::Description(parser.string()?),
                _ => return None,
            };
            Some(VariantItem::Setting(setting, parser.span(start)))
        })?;
        Some(Item::Variant(Box::new(VariantDecl { name, items, span: self.span(start) })))
    }

    fn role_decl(&mut self, start: usize) -> Option<Item> {
        let name = self.ident()?;
        self.skip();
        let title = self.optional_string();
        let mut description = None;
        let fields = self.attempt(|parser| {
            parser.block(|parser| {
                let word = parser.word();
                parser.after_word(word);
                match word {
                    b"contact" => Some((true, parser.string()?)),
                    b"description" => Some((false, parser.string()?)),
                    _ => None,
                }
            })
        });
        let fields = fields.unwrap_or_default();
        let mut contacts = Vec::with_capacity(fields.iter().filter(|(is_contact, _)| *is_contact).count());
        for (is_contact, text) in fields {
            if is_contact {
                contacts.push(text);
            } else {
                description = Some(text);
            }
        }
        Some(Item::Role(Box::new(RoleDecl { name, title, contacts, description, span: self.span(start) })))
    }

    fn env_decl(&mut self, start: usize) -> Option<Item> {
        let name = self.ident()?;
        self.skip();
        let title = self.optional_string();
        let fields = self
            .attempt(|parser| {
                parser.block(|parser| {
                    let word = parser.word();
                    parser.after_word(word);
                    Some(match word {
                        b"url" => EnvField::Url(parser.string()?),
                        b"approval" => EnvField::Approval(parser.ident_list()?),
                        b"tier" => EnvField::Tier(parser.ident()?),
                        b"description" => EnvField::Description(parser.string()?),
                        _ => return None,
                    })
                })
            })
            .unwrap_or_default();
        Some(Item::Env(Box::new(EnvDecl { name, title, fields, span: self.span(start) })))
    }

    fn secret_decl(&mut self, start: usize) -> Option<Item> {
        let name = self.ident()?;
        self.skip();
        let description = self.string();
        Some(Item::Secret(SecretDecl { name, description, span: self.span(start) }))
    }

    fn var_decl(&mut self, start: usize) -> Option<Item> {
        let name = self.ident()?;
        self.skip();
        let description = self.string();
        Some(Item::Var(VarDecl { name, input: None, description, span: self.span(start) }))
    }

    fn input_decl(&mut self, start: usize) -> Option<Item> {
        let name = self.ident()?;
        self.skip();
        if !self.literal(b":") {
            return None;
        }
        self.skip();
        let input = Some(self.ident()?);
        self.skip();
        let description = self.string();
        Some(Item::Var(VarDecl { name, input, description, span: self.span(start) }))
    }

    fn metric_decl(&mut self, start: usize) -> Option<Item> {
        let name = self.ident()?;
        self.skip();
        if !self.literal(b":") {
            return None;
        }
        self.skip();
        let ty = self.ident()?;
        self.skip();
        let title = self.optional_string();
        let fields = self
            .attempt(|parser| {
                parser.block(|parser| {
                    let field_start = parser.pos;
                    let word = parser.word();
                    parser.after_word(word);
                    Some(match word {
                        b"probe" => {
                            let command = parser.command()?;
                            MetricField::Probe(command, parser.optional_uses())
                        }
                        b"unit" => MetricField::Unit(parser.ident()?),
                        b"baseline" => {
                            parser.kw_skip(b"at")?;
                            let at = parser.value()?;
                            parser.skip();
                            parser.kw_skip(b"for")?;
                            let window = parser.value()?;
                            MetricField::Baseline { at, window, span: parser.span(field_start) }
                        }
                        b"description" => MetricField::Description(parser.string()?),
                        b"prometheus" => {
                            let query = parser.string()?;
                            // As pest: the white space before an optional part is kept in the
                            // field's span when the part is absent.
                            parser.skip();
                            let server = parser.attempt(|parser| {
                                parser.kw_skip(b"from")?;
                                parser.ident()
                            });
                            MetricField::Query { query, server, span: parser.span(field_start) }
                        }
                        b"http" => {
                            let url = parser.string()?;
                            parser.skip();
                            parser.kw_skip(b"json")?;
                            let pointer = parser.string()?;
                            // As pest's `http_header*`: the white space before the first header
                            // is kept even without one, the white space after the last is not.
                            parser.skip();
                            let mut headers: Vec<Header> = parser.attempt(Parser::header).into_iter().collect();
                            while let Some(header) = parser.attempt(|parser| {
                                parser.skip();
                                parser.header()
                            }) {
                                headers.push(header);
                            }
                            MetricField::Http { url, pointer, headers, span: parser.span(field_start) }
                        }
                        _ => return None,
                    })
                })
            })
            .unwrap_or_default();
        Some(Item::Metric(Box::new(MetricDecl { name, ty, title, fields, span: self.span(start) })))
    }

    /// `header "Name" SECRET`.
    fn header(&mut self) -> Option<Header> {
        let start = self.pos;
        self.kw_skip(b"header")?;
        let name = self.string()?;
        self.skip();
        let secret = self.ident()?;
        Some(Header { name, secret, span: self.span(start) })
    }

    fn prometheus_decl(&mut self, start: usize) -> Option<Item> {
        let name = self.ident()?;
        self.skip();
        let title = self.optional_string();
        let fields = self.block(|parser| {
            let word = parser.word();
            if word == b"header" {
                return parser.header().map(PrometheusField::Header);
            }
            parser.after_word(word);
            Some(match word {
                b"url" => PrometheusField::Url(parser.string()?),
                b"description" => PrometheusField::Description(parser.string()?),
                _ => return None,
            })
        })?;
        Some(Item::Prometheus(Box::new(PrometheusDecl { name, title, fields, span: self.span(start) })))
    }

    fn window_decl(&mut self, start: usize) -> Option<Item> {
        let name = self.ident()?;
        self.skip();
        let title = self.optional_string();
        let fields = self.block(|parser| {
            let field_start = parser.pos;
            let word = parser.word();
            parser.after_word(word);
            Some(match word {
                b"days" => {
                    let first = parser.day_spec()?;
                    let days = parser.repeat_after(first, |parser| {
                        if !parser.literal(b",") {
                            return None;
                        }
                        parser.skip();
                        parser.newlines();
                        parser.skip();
                        parser.day_spec()
                    });
                    WindowField::Days(days, parser.span(field_start))
                }
                b"hours" => {
                    let from = parser.value()?;
                    parser.skip();
                    if !parser.literal(b"..") {
                        return None;
                    }
                    parser.skip();
                    let to = parser.value()?;
                    WindowField::Hours { from, to, span: parser.span(field_start) }
                }
                b"zone" => WindowField::Zone(parser.string()?),
                b"applies" | b"prefer" | b"avoid" => {
                    let mode = match word {
                        b"prefer" => WindowMode::Prefer,
                        b"avoid" => WindowMode::Avoid,
                        _ => WindowMode::Applies,
                    };
                    let scope_word = parser.word();
                    let scope = match scope_word {
                        b"launch" => WindowScope::Launch,
                        b"changes" => WindowScope::Changes,
                        _ => return None,
                    };
                    parser.pos += scope_word.len();
                    WindowField::Applies { mode, scope, span: parser.span(field_start) }
                }
                _ => return None,
            })
        })?;
        Some(Item::Window(Box::new(WindowDecl { name, title, fields, span: self.span(start) })))
    }

    fn weekday(&mut self) -> Option<Weekday> {
        let day = weekday(std::str::from_utf8(self.word()).unwrap_or_default())?;
        self.pos += 3;
        Some(day)
    }

    /// `weekday ~ (".." ~ weekday)?`.
    fn day_spec(&mut self) -> Option<DaySpec> {
        let start = self.pos;
        let first = self.weekday()?;
        self.skip();
        let last = self.attempt(|parser| {
            if !parser.literal(b"..") {
                return None;
            }
            parser.skip();
            parser.weekday()
        });
        Some(DaySpec { first, last, span: self.span(start) })
    }

    fn freeze_decl(&mut self, start: usize) -> Option<Item> {
        let name = self.ident()?;
        self.skip();
        let title = self.optional_string();
        let periods = self.block(|parser| {
            let field_start = parser.pos;
            parser.kw_skip(b"from")?;
            let from = parser.datetime()?;
            parser.skip();
            parser.kw_skip(b"until")?;
            let until = parser.datetime()?;
            Some(Period { from, until, span: parser.span(field_start) })
        })?;
        Some(Item::Freeze(Box::new(FreezeDecl { name, title, periods, span: self.span(start) })))
    }

    fn rollback_decl(&mut self, start: usize) -> Option<Item> {
        let name = self.ident()?;
        self.skip();
        let deadlines = self.repeat(Self::deadline);
        self.skip();
        let levels = self.block(|parser| {
            let level_start = parser.pos;
            parser.kw_skip(b"level")?;
            let name = parser.ident()?;
            parser.skip();
            parser.kw_skip(b"when")?;
            let when = parser.condition()?;
            parser.skip();
            let items = parser.group_block()?;
            Some(Level { name, when, items, span: parser.span(level_start) })
        })?;
        Some(Item::Rollback(RollbackDecl { name, deadlines, levels, span: self.span(start) }))
    }

    fn alert_decl(&mut self, start: usize) -> Option<Item> {
        let name = self.ident()?;
        self.skip();
        let title = self.optional_string();
        let severity = self.attempt(|parser| {
            parser.kw_skip(b"severity")?;
            parser.ident()
        });
        self.skip();
        self.kw_skip(b"when")?;
        let when = self.condition()?;
        self.skip();
        let items = self.group_block()?;
        Some(Item::Alert(Box::new(AlertDecl { name, title, severity, when, items, span: self.span(start) })))
    }

    // ------------------------------------------------------------------ nodes

    fn header_clause(&mut self) -> Option<HeaderClause> {
        let word = self.word();
        self.after_word(word);
        Some(match word {
            b"at" => HeaderClause::At(self.value()?),
            b"after" => HeaderClause::After(self.ident_list()?),
            b"on" => HeaderClause::On(self.ident()?),
            b"every" => HeaderClause::Every(self.value()?),
            b"for" => HeaderClause::For(self.value()?),
            _ => return None,
        })
    }

    fn node_block(&mut self) -> Option<Vec<NodeItem>> {
        self.block(Self::node_item)
    }

    fn group_block(&mut self) -> Option<Vec<GroupItem>> {
        self.block(Self::group_item)
    }

    /// `call | step | group | on_fail | on_breach | point_of_no_return | require_stmt | set_stmt
    /// | stage_stmt | every_clause | tolerate_stmt | condition_stmt`. Every alternative between
    /// the first and the last starts with its own keyword, so only the one the first word names
    /// can match.
    fn node_item(&mut self) -> Option<NodeItem> {
        let word = self.word();
        if self.may_be_call(word) {
            if let Some(call) = self.attempt(Self::call) {
                return Some(NodeItem::Call(Box::new(call)));
            }
        }
        let start = self.pos;
        let item = match word {
            b"run" | b"expect" | b"check" | b"approve" | b"notify" | b"page" | b"wait" | b"recheck" | b"continue" => {
                self.attempt(|parser| parser.step(word)).map(NodeItem::Step)
            }
            b"group" => self.attempt(Self::group).map(NodeItem::Group),
            b"on" => self.attempt(|parser| {
                parser.kw_skip(b"on")?;
                let on_fail = parser.word() == b"fail";
                if !on_fail && parser.word() != b"breach" {
                    return None;
                }
                let word = parser.word();
                parser.after_word(word);
                let action = parser.action()?;
                let action = Action { span: parser.span(start), ..action };
                Some(if on_fail { NodeItem::OnFail(action) } else { NodeItem::OnBreach(action) })
            }),
            b"point_of_no_return" => {
                self.pos += word.len();
                Some(NodeItem::PointOfNoReturn(self.span(start)))
            }
            b"require" => self.attempt(|parser| {
                parser.kw_skip(b"require")?;
                let condition = parser.condition()?;
                Some(NodeItem::Require(Box::new(condition), parser.span(start)))
            }),
            b"set" => self.attempt(|parser| {
                parser.kw_skip(b"set")?;
                let command = parser.command()?;
                let uses = parser.optional_uses();
                Some(NodeItem::Set(command, uses, parser.span(start)))
            }),
            b"stage" => self.attempt(|parser| {
                parser.kw_skip(b"stage")?;
                let weight = parser.value()?;
                parser.skip();
                let clauses = parser.repeat(|parser| {
                    let word = parser.word();
                    parser.after_word(word);
                    Some(match word {
                        b"at" => StageClause::At(parser.value()?),
                        b"hold" => StageClause::Hold(parser.value()?),
                        b"every" => StageClause::Every(parser.value()?),
                        _ => return None,
                    })
                });
                Some(NodeItem::Stage(Stage { weight, clauses, span: parser.span(start) }))
            }),
            b"every" => self.attempt(|parser| {
                parser.kw_skip(b"every")?;
                Some(NodeItem::Every(parser.value()?))
            }),
            b"tolerate" => self.attempt(Self::tolerate).map(NodeItem::Tolerate),
            b"within" | b"typically" => {
                self.attempt(Self::deadline).map(|deadline| NodeItem::Deadline(Box::new(deadline)))
            }
            _ => None,
        };
        if item.is_some() {
            return item;
        }
        let condition = Box::new(self.condition()?);
        // `condition_stmt`: `condition ~ every_clause?`.
        let mut look = self.pos;
        while matches!(self.at(look), b' ' | b'\t') {
            look += 1;
        }
        if self.bytes.get(look..).is_some_and(|rest| rest.starts_with(b"every")) && !is_ident_char(self.at(look + 5)) {
            self.pos = look;
            self.kw_skip(b"every")?;
            let every = self.value()?;
            return Some(NodeItem::Cadenced(condition, every, self.span(start)));
        }
        Some(NodeItem::Condition(condition))
    }

    /// `call | step | group | tolerate_stmt`.
    fn group_item(&mut self) -> Option<GroupItem> {
        let word = self.word();
        if self.may_be_call(word) {
            if let Some(call) = self.attempt(Self::call) {
                return Some(GroupItem::Call(Box::new(call)));
            }
        }
        match word {
            b"group" => self.group().map(GroupItem::Group),
            b"tolerate" => self.tolerate().map(GroupItem::Tolerate),
            _ => self.step(word).map(GroupItem::Step),
        }
    }

    /// `deadline`: `typical_marker? ~ kw_within ~ value ~ (kw_from ~ ident)?`.
    fn deadline(&mut self) -> Option<Deadline> {
        let start = self.pos;
        let typical = if self.kw(b"typically") {
            let span = self.span(start);
            self.skip();
            Some(span)
        } else {
            None
        };
        self.kw_skip(b"within")?;
        let duration = self.value()?;
        self.skip();
        let from = self.attempt(|parser| {
            parser.kw_skip(b"from")?;
            parser.ident()
        });
        Some(Deadline { typical, duration, from, span: self.span(start) })
    }

    /// `tolerate_stmt`: `kw_tolerate ~ value ~ tolerated`, where `tolerated` is
    /// `kw_failures | kw_failure | kw_nodata`.
    fn tolerate(&mut self) -> Option<Tolerate> {
        let start = self.pos;
        self.kw_skip(b"tolerate")?;
        let count = self.value()?;
        self.skip();
        let word = self.word();
        let what = match word {
            b"failure" => Tolerated::Failures { plural: false },
            b"failures" => Tolerated::Failures { plural: true },
            b"nodata" => Tolerated::NoData,
            _ => return None,
        };
        self.pos += word.len();
        Some(Tolerate { count, what, span: self.span(start) })
    }

    fn group(&mut self) -> Option<Group> {
        let start = self.pos;
        self.kw_skip(b"group")?;
        let title = self.string()?;
        self.skip();
        let items = self.group_block()?;
        Some(Group { title, items, span: self.span(start) })
    }

    /// `action`: `pause_action | abort_action | continue_action | rollback_action`.
    fn action(&mut self) -> Option<Action> {
        let start = self.pos;
        if self.kw(b"pause") {
            self.skip();
            let wait = self.value()?;
            self.skip();
            let then = self.attempt(|parser| {
                parser.kw_skip(b"then")?;
                parser.final_action()
            });
            return Some(Action { kind: ActionKind::Pause { wait, then: then.map(Box::new) }, span: self.span(start) });
        }
        self.final_action()
    }

    fn final_action(&mut self) -> Option<Action> {
        let start = self.pos;
        let kind = if self.kw(b"abort") {
            ActionKind::Abort
        } else if self.kw(b"continue") {
            ActionKind::Continue
        } else {
            self.kw_skip(b"rollback")?;
            ActionKind::Rollback(self.ident()?)
        };
        Some(Action { kind, span: self.span(start) })
    }

    /// `command`: `kw_sh ~ string`.
    fn command(&mut self) -> Option<Command> {
        let start = self.pos;
        self.kw_skip(b"sh")?;
        let script = self.string()?;
        Some(Command { script, span: self.span(start) })
    }

    /// `uses_clause?` after a command (a probe, a `set`): the names, or none.
    fn optional_uses(&mut self) -> Vec<Ident> {
        self.attempt(|parser| {
            parser.skip();
            parser.kw_skip(b"uses")?;
            parser.ident_list()
        })
        .unwrap_or_default()
    }

    /// `timeout_clause | retries_clause | uses_clause | idempotent_clause`, and `command` when
    /// `with_command`.
    fn run_option(&mut self, with_command: bool) -> Option<RunOption> {
        let word = self.word();
        if word == b"sh" && with_command {
            return self.command().map(RunOption::Command);
        }
        if word == b"idempotent" {
            let start = self.pos;
            self.pos += word.len();
            let span = self.span(start);
            self.skip();
            return Some(RunOption::Idempotent(span));
        }
        self.after_word(word);
        Some(match word {
            b"timeout" => RunOption::Timeout(self.value()?),
            b"typically" => RunOption::Typically(self.value()?),
            b"retries" => RunOption::Retries(self.value()?),
            b"uses" => RunOption::Uses(self.ident_list()?),
            _ => return None,
        })
    }

    /// `human_option`: `timeout_clause | typical_clause`.
    fn human_option(&mut self) -> Option<RunOption> {
        let word = self.word();
        if !matches!(word, b"timeout" | b"typically") {
            return None;
        }
        self.run_option(false)
    }

    /// The step that `word`, the name at the cursor, names.
    fn step(&mut self, word: &[u8]) -> Option<Step> {
        let start = self.pos;
        self.pos += word.len();
        if !matches!(word, b"recheck" | b"continue") {
            self.skip();
        }
        let kind = match word {
            b"run" => {
                let title = self.optional_string();
                let options = if let Some(command) = self.attempt(Self::command) {
                    self.repeat_after(RunOption::Command(command), |parser| parser.run_option(false))
                } else {
                    self.block(|parser| parser.run_option(true))?
                };
                StepKind::Run(RunStep { title, options })
            }
            b"expect" => {
                let title = self.optional_string();
                let check = if let Some(http) = self.attempt(Self::http_check) {
                    http
                } else if let Some(command) = self.attempt(Self::command) {
                    ExpectCheck::Command(command)
                } else {
                    ExpectCheck::Condition(self.condition()?)
                };
                self.skip();
                let options = self.repeat(|parser| parser.run_option(false));
                StepKind::Expect(Box::new(ExpectStep { title, check, options }))
            }
            b"check" => {
                let text = self.string()?;
                self.skip();
                let by = self
                    .attempt(|parser| {
                        parser.kw_skip(b"by")?;
                        parser.ident_list()
                    })
                    .unwrap_or_default();
                self.skip();
                let options = self.repeat(Self::human_option);
                StepKind::Check { text, by, options }
            }
            b"approve" => {
                let title = self.optional_string();
                let quorum = self.attempt(|parser| {
                    let quorum = parser.value()?;
                    parser.skip();
                    parser.kw(b"of").then_some(quorum)
                });
                self.skip();
                let roles = self.ident_list()?;
                self.skip();
                let distinct = self.kw(b"distinct");
                self.skip();
                let options = self.repeat(Self::human_option);
                StepKind::Approve(Box::new(ApproveStep { title, quorum, roles, distinct, options }))
            }
            b"notify" => {
                let roles = self.ident_list()?;
                self.skip();
                let message = self.string()?;
                StepKind::Notify { roles, message }
            }
            b"page" => {
                let roles = self.ident_list()?;
                self.skip();
                let message = self.string();
                StepKind::Page { roles, message }
            }
            b"wait" => StepKind::Wait(self.value()?),
            b"recheck" => {
                let after = self.attempt(|parser| {
                    parser.skip();
                    parser.kw_skip(b"after")?;
                    parser.value()
                });
                let outcome = self.attempt(|parser| {
                    parser.skip();
                    parser.recheck_outcome()
                });
                StepKind::Recheck(Box::new(RecheckStep { after, outcome }))
            }
            b"continue" => StepKind::Continue,
            _ => return None,
        };
        Some(Step { kind, span: self.span(start) })
    }

    /// `outcome ~ kw_when ~ condition ~ recheck_otherwise?`.
    fn recheck_outcome(&mut self) -> Option<RecheckOutcome> {
        let (then, then_span) = self.outcome()?;
        self.skip();
        self.kw_skip(b"when")?;
        let condition = self.condition()?;
        self.skip();
        let otherwise = self.attempt(|parser| {
            parser.kw_skip(b"otherwise")?;
            parser.outcome()
        });
        Some(RecheckOutcome { then, then_span, condition, otherwise })
    }

    /// `resume`, `stay` or `escalate`, and its span.
    fn outcome(&mut self) -> Option<(Outcome, Span)> {
        let start = self.pos;
        let word = self.word();
        let outcome = match word {
            b"resume" => Outcome::Resume,
            b"stay" => Outcome::Stay,
            b"escalate" => Outcome::Escalate,
            _ => return None,
        };
        self.pos += word.len();
        Some((outcome, self.span(start)))
    }

    /// `kw_http ~ string ~ (status_clause | within_clause)*`.
    fn http_check(&mut self) -> Option<ExpectCheck> {
        let start = self.pos;
        self.kw_skip(b"http")?;
        let url = self.string()?;
        self.skip();
        let (mut status, mut within, mut repeated) = (None, None, Vec::new());
        self.repeat_with(
            |parser| {
                let clause_start = parser.pos;
                let word = parser.word();
                let is_status = word == b"status";
                if !is_status && word != b"within" {
                    return None;
                }
                parser.after_word(word);
                let value = parser.value()?;
                Some((is_status, value, parser.span(clause_start)))
            },
            |_, (is_status, value, span)| {
                let (slot, keyword) = if is_status { (&mut status, "status") } else { (&mut within, "within") };
                if slot.is_some() {
                    repeated.push((keyword, span));
                }
                *slot = Some(value);
            },
        );
        Some(ExpectCheck::Http { url, status, within, repeated, span: self.span(start) })
    }

    // ------------------------------------------------------------------ conditions

    /// `conjunction ~ (kw_or ~ NEWLINE* ~ conjunction)*`; one operand stands for itself.
    fn condition(&mut self) -> Option<Condition> {
        self.operator_chain(b"or", Self::conjunction, ConditionKind::Or)
    }

    fn conjunction(&mut self) -> Option<Condition> {
        self.operator_chain(b"and", Self::negation, ConditionKind::And)
    }

    fn operator_chain(
        &mut self,
        operator: &[u8],
        operand: Rule<'s, Condition>,
        combine: fn(Vec<Condition>) -> ConditionKind,
    ) -> Option<Condition> {
        let start = self.pos;
        let first = operand(self)?;
        self.skip();
        let base = self.stack_len::<Condition>();
        self.push(first);
        self.repeat_with(
            |parser| {
                parser.kw_skip(operator)?;
                parser.newlines();
                parser.skip();
                operand(parser)
            },
            Self::push,
        );
        if self.stack_len::<Condition>() == base + 1 {
            return Stack::<Condition>::stack(self).pop();
        }
        let operands = self.take_from(base);
        Some(Condition { kind: combine(operands), span: self.span(start) })
    }

    /// `kw_not* ~ operand ~ for_clause?`.
    fn negation(&mut self) -> Option<Condition> {
        let start = self.pos;
        let mut negations = 0usize;
        if self.kw(b"not") {
            negations += 1;
            loop {
                let mark = self.mark();
                self.skip();
                if self.kw(b"not") {
                    negations += 1;
                } else {
                    self.reset(mark);
                    break;
                }
            }
        }
        self.skip();
        let mut condition = self.operand()?;
        self.skip();
        let held = self.attempt(|parser| {
            parser.kw_skip(b"for")?;
            parser.value()
        });
        if negations % 2 == 1 {
            condition = Condition { kind: ConditionKind::Not(Box::new(condition)), span: self.span(start) };
        }
        if let Some(duration) = held {
            condition = Condition {
                kind: ConditionKind::Held { condition: Box::new(condition), duration },
                span: self.span(start),
            };
        }
        Some(condition)
    }

    /// `paren_cond | declared | nodata | comparison | metric_test`.
    fn operand(&mut self) -> Option<Condition> {
        let start = self.pos;
        if self.peek() == b'(' {
            return self.attempt(|parser| {
                if !parser.open(b'(') {
                    return None;
                }
                parser.skip();
                parser.newlines();
                parser.skip();
                let mut inner = parser.condition()?;
                parser.skip();
                parser.newlines();
                parser.skip();
                if !parser.close(b')') {
                    return None;
                }
                inner.span = parser.span(start);
                Some(inner)
            });
        }
        let word = self.word();
        if word == b"declared" {
            if let Some(text) = self.attempt(|parser| {
                parser.kw_skip(b"declared")?;
                parser.string()
            }) {
                return Some(Condition { kind: ConditionKind::Declared(text), span: self.span(start) });
            }
        }
        if word == b"nodata" {
            self.kw_skip(b"nodata")?;
            let metric = self.ident();
            return Some(Condition { kind: ConditionKind::NoData(metric), span: self.span(start) });
        }
        if let Some(comparison) = self.attempt(Self::comparison) {
            return Some(comparison);
        }
        let metric = self.ident()?;
        Some(Condition { kind: ConditionKind::Test(metric), span: self.span(start) })
    }

    /// `ident ~ (cmp_op ~ threshold | not_in ~ range | kw_in ~ range)`.
    fn comparison(&mut self) -> Option<Condition> {
        let start = self.pos;
        let metric = self.ident()?;
        self.skip();
        let op = match (self.peek(), self.at(self.pos + 1)) {
            (b'<', b'=') => Some((CompareOp::Le, 2)),
            (b'>', b'=') => Some((CompareOp::Ge, 2)),
            (b'=', b'=') => Some((CompareOp::Eq, 2)),
            (b'!', b'=') => Some((CompareOp::Ne, 2)),
            (b'<', _) => Some((CompareOp::Lt, 1)),
            (b'>', _) => Some((CompareOp::Gt, 1)),
            _ => None,
        };
        let kind = if let Some((op, length)) = op {
            self.pos += length;
            self.skip();
            let threshold_start = self.pos;
            let value = self.value()?;
            let relative = self.attempt(|parser| {
                parser.skip();
                parser.kw_skip(b"of")?;
                parser.kw(b"baseline").then_some(())
            });
            let threshold = match relative {
                Some(()) => Threshold::OfBaseline { fraction: value, span: self.span(threshold_start) },
                None => Threshold::Absolute(value),
            };
            ConditionKind::Compare { metric, op, threshold }
        } else {
            let negated = self
                .attempt(|parser| {
                    parser.kw_skip(b"not")?;
                    parser.kw(b"in").then_some(())
                })
                .is_some();
            if !negated && !self.kw(b"in") {
                return None;
            }
            self.skip();
            ConditionKind::InRange { metric, negated, range: Box::new(self.range()?) }
        };
        Some(Condition { kind, span: self.span(start) })
    }

    /// `value ~ range_op ~ value`.
    fn range(&mut self) -> Option<Range> {
        let start = self.pos;
        let low = self.value()?;
        self.skip();
        if !self.literal(b"..") {
            return None;
        }
        let inclusive = self.literal(b"=");
        self.skip();
        let high = self.value()?;
        Some(Range { low, high, inclusive, span: self.span(start) })
    }
}

/// How many bytes at the start of `bytes` are plain text in a quoted string (none of
/// `STRING_STOP`), read eight at a time until a block holds one of those bytes.
fn plain_text_length(bytes: &[u8]) -> usize {
    const ONES: u64 = u64::from_ne_bytes([1; 8]);
    const HIGHS: u64 = ONES * 0x80;
    // Nonzero exactly when some byte of `block` is zero.
    let zero_byte = |block: u64| block.wrapping_sub(ONES) & !block & HIGHS;
    let mut index = 0;
    for block in bytes.chunks_exact(8) {
        let Ok(block) = <[u8; 8]>::try_from(block) else { break };
        let block = u64::from_ne_bytes(block);
        let stops = zero_byte(block ^ (ONES * u64::from(b'"')))
            | zero_byte(block ^ (ONES * u64::from(b'\\')))
            | zero_byte(block ^ (ONES * u64::from(b'\n')))
            | zero_byte(block ^ (ONES * u64::from(b'\r')));
        if stops != 0 {
            break;
        }
        index += 8;
    }
    while bytes.get(index).is_some_and(|&byte| !STRING_STOP[usize::from(byte)]) {
        index += 1;
    }
    index
}

/// Where the next `"""` starts, from `from` on.
fn find_triple_quote(bytes: &[u8], from: usize) -> Option<usize> {
    let rest = bytes.get(from..)?;
    rest.windows(3).position(|window| window == b"\"\"\"").map(|at| from + at)
}

/// Whether the grammar's brackets in `text` (one line as the grammar reads it, which the bracket
/// scan skips) balance on their own, with no triple-quoted string and no unclosed string.
fn brackets_balance_alone(text: &[u8]) -> bool {
    let mut open = Vec::new();
    let mut index = 0;
    while let Some(&byte) = text.get(index) {
        match byte {
            b'"' => {
                if text.get(index..index + 3) == Some(b"\"\"\"") {
                    return false;
                }
                index += 1;
                loop {
                    match text.get(index) {
                        None => return false,
                        Some(b'"') => break,
                        Some(b'\\') => index += 2,
                        Some(_) => index += 1,
                    }
                }
            }
            // A comment runs to the next `\r`, the end of what the grammar reads as its line.
            b'#' => {
                while text.get(index).is_some_and(|&byte| byte != b'\r') {
                    index += 1;
                }
            }
            b'{' | b'(' | b'[' => open.push(byte),
            b'}' | b')' | b']' => {
                let expected = match byte {
                    b'}' => b'{',
                    b')' => b'(',
                    _ => b'[',
                };
                if open.pop() != Some(expected) {
                    return false;
                }
            }
            _ => {}
        }
        index += 1;
    }
    open.is_empty()
}
