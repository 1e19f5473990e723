//! Reading literals: strings, numbers, durations, rates, sizes, offsets, date-times.
//!
//! Each reader gets the exact text the grammar matched and returns a value or an error message;
//! the caller turns errors into diagnostics with the right span.

use crate::diag::Code;

/// An error inside a literal: a message and the byte range (relative to the literal) at fault.
#[derive(Debug)]
pub(super) struct LiteralError {
    pub(super) code: Code,
    pub(super) message: String,
    pub(super) help: Option<String>,
    pub(super) range: std::ops::Range<usize>,
}

impl LiteralError {
    fn new(message: impl Into<String>, range: std::ops::Range<usize>) -> LiteralError {
        LiteralError { code: Code::InvalidQuantity, message: message.into(), help: None, range }
    }

    fn code(mut self, code: Code) -> LiteralError {
        self.code = code;
        self
    }

    fn help(mut self, help: impl Into<String>) -> LiteralError {
        self.help = Some(help.into());
        self
    }
}

/// Resolves the escapes of a `"..."` literal (quotes included in `raw`).
pub(super) fn unescape(raw: &str) -> Result<String, LiteralError> {
    let inner = &raw[1..raw.len().saturating_sub(1).max(1)];
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.char_indices().peekable();
    while let Some((index, c)) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some((_, escaped)) = chars.next() else {
            return Err(
                LiteralError::new("a string cannot end with `\\`", index + 1..index + 2).code(Code::InvalidEscape)
            );
        };
        match escaped {
            '"' => out.push('"'),
            '\\' => out.push('\\'),
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            '0' => out.push('\0'),
            'u' => {
                let start = index + 1;
                let mut digits = String::new();
                let mut closed = false;
                if chars.next_if(|&(_, c)| c == '{').is_some() {
                    for (_, c) in chars.by_ref() {
                        if c == '}' {
                            closed = true;
                            break;
                        }
                        digits.push(c);
                    }
                }
                let braced = digits.len() + usize::from(closed) + 1;
                // Without braces, point at `\u` and the hex digits that follow it.
                let bare = inner[start + 1..].chars().take_while(char::is_ascii_hexdigit).count();
                let end = start + 1 + if braced > 1 { braced } else { bare };
                match u32::from_str_radix(&digits, 16).ok().and_then(char::from_u32) {
                    Some(decoded) if closed && (1..=6).contains(&digits.len()) => out.push(decoded),
                    _ => {
                        return Err(LiteralError::new("invalid unicode escape", start..end.min(inner.len() + 1))
                            .help("write a code point as `\\u{1F680}`")
                            .code(Code::InvalidEscape))
                    }
                }
            }
            other => {
                let end = index + 1 + 1 + other.len_utf8();
                return Err(LiteralError::new(format!("unknown escape `\\{other}`"), index + 1..end)
                    .help("the escapes are \\\" \\\\ \\n \\t \\r \\0 and \\u{...}; a `$` needs no escape")
                    .code(Code::InvalidEscape));
            }
        }
    }
    Ok(out)
}

/// The text of a `"""..."""` literal: the first line break after the opening quotes and the
/// indentation common to all non-blank lines are removed, as are trailing blank lines.
pub(super) fn dedent(raw: &str) -> String {
    let inner = &raw[3..raw.len() - 3];
    let inner = inner.strip_prefix("\r\n").or_else(|| inner.strip_prefix('\n')).unwrap_or(inner);
    let lines: Vec<&str> = inner.lines().collect();
    let indent = lines
        .iter()
        .filter(|line| !line.trim().is_empty())
        .map(|line| line.len() - line.trim_start_matches([' ', '\t']).len())
        .min()
        .unwrap_or(0);
    let mut out: Vec<&str> =
        lines.iter().map(|line| if line.len() >= indent { &line[indent..] } else { line.trim_start() }).collect();
    while out.last().is_some_and(|line| line.trim().is_empty()) {
        out.pop();
    }
    let mut text = out.join("\n");
    if !text.is_empty() {
        text.push('\n');
    }
    text
}

pub(super) fn number(text: &str) -> Result<f64, LiteralError> {
    // Most numbers are small whole numbers: up to 15 digits they are below the limit and exact
    // in an `f64`, so adding up the digits gives what `parse` would, for much less work.
    if !text.is_empty() && text.len() <= 15 && text.bytes().all(|byte| byte.is_ascii_digit()) {
        let whole = text.bytes().fold(0u64, |whole, digit| whole * 10 + u64::from(digit - b'0'));
        return Ok(whole as f64);
    }
    // Most other numbers have no `_`: read them without a copy.
    let parsed = if text.contains('_') {
        text.chars().filter(|&c| c != '_').collect::<String>().parse::<f64>()
    } else {
        text.parse::<f64>()
    };
    match parsed {
        Ok(value) if value.is_finite() && value.abs() < 1e15 => Ok(value),
        _ => Err(LiteralError::new("this number is too large", 0..text.len())
            .help("a number is smaller than 10^15 (`999_999_999_999_999`) in size")),
    }
}

const DURATION_UNITS: [(&str, u64); 6] =
    [("w", 604_800_000), ("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1_000), ("ms", 1)];

/// `1h30m` → milliseconds. Units must be in descending order, each at most once.
pub(super) fn duration(text: &str) -> Result<u64, LiteralError> {
    let mut total: u64 = 0;
    let mut previous_rank: Option<usize> = None;
    let mut index = 0;
    let bytes = text.as_bytes();
    while index < bytes.len() {
        let start = index;
        // The digits' value, `None` past `u64` (reported after the unit, as before).
        let mut amount = Some(0u64);
        while index < bytes.len() && bytes[index].is_ascii_digit() {
            let digit = u64::from(bytes[index] - b'0');
            amount = amount.and_then(|amount| amount.checked_mul(10)?.checked_add(digit));
            index += 1;
        }
        let unit_start = index;
        // The unit's rank in `DURATION_UNITS` and its length.
        let unit = match (bytes.get(index), bytes.get(index + 1)) {
            (Some(b'm'), Some(b's')) => Some((5, 2)),
            (Some(b'w'), _) => Some((0, 1)),
            (Some(b'd'), _) => Some((1, 1)),
            (Some(b'h'), _) => Some((2, 1)),
            (Some(b'm'), _) => Some((3, 1)),
            (Some(b's'), _) => Some((4, 1)),
            _ => None,
        };
        let Some((rank, length)) = unit else {
            let unit = &text[index..(index + 1).min(text.len())];
            index += unit.len();
            return Err(LiteralError::new(format!("unknown duration unit `{unit}`"), unit_start..index)
                .help("durations use ms, s, m, h, d and w, as in `1h30m`"));
        };
        index += length;
        if previous_rank.is_some_and(|previous| rank <= previous) {
            return Err(LiteralError::new("duration units must go from largest to smallest, each once", start..index)
                .help("write `1h30m`, not `30m1h`"));
        }
        previous_rank = Some(rank);
        let amount = amount.filter(|_| unit_start > start).ok_or_else(|| too_long(start..unit_start))?;
        let part = amount.checked_mul(DURATION_UNITS[rank].1).ok_or_else(|| too_long(start..index))?;
        total = total.checked_add(part).ok_or_else(|| too_long(0..text.len()))?;
    }
    // About 285 years: far beyond any plan, and keeps offsets within i64 arithmetic.
    if total > 9_000_000_000_000 {
        return Err(too_long(0..text.len()));
    }
    Ok(total)
}

/// A duration beyond the limit (about 285 years: far beyond any plan, and offsets stay within
/// `i64` arithmetic).
fn too_long(range: std::ops::Range<usize>) -> LiteralError {
    LiteralError::new("this duration is too large", range).help("a duration is at most 14880w, about 285 years")
}

/// `T0`, `T-24h`, `T+15m` → milliseconds from launch.
pub(super) fn offset(text: &str) -> Result<i64, LiteralError> {
    if text == "T0" {
        return Ok(0);
    }
    let sign = if text.as_bytes().get(1) == Some(&b'-') { -1 } else { 1 };
    let magnitude = duration(&text[2..])
        .map_err(|error| LiteralError { range: error.range.start + 2..error.range.end + 2, ..error })?;
    // `duration` caps magnitudes far below i64::MAX.
    Ok(sign * magnitude as i64)
}

/// `100/s`, `10/min` → events per second.
pub(super) fn rate(text: &str) -> Result<f64, LiteralError> {
    let (amount, unit) = text.rsplit_once('/').unwrap_or((text, "s"));
    let per_second = match unit {
        "s" => 1.0,
        "m" | "min" => 60.0,
        "h" => 3_600.0,
        _ => 86_400.0,
    };
    Ok(number(amount)? / per_second)
}

/// `512MB`, `1GiB` → bytes (see [`crate::units::SIZE_UNITS`]).
pub(super) fn size(text: &str) -> Result<f64, LiteralError> {
    let unit_start = text.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(text.len());
    let (amount, unit) = text.split_at(unit_start);
    Ok(number(amount)? * crate::units::size_factor(unit).unwrap_or(1.0))
}

/// `09:30` → minutes since midnight; `24:00` is allowed as the end of a day.
pub(super) fn time_of_day(text: &str) -> Result<u32, LiteralError> {
    let (hours, minutes) = text.split_once(':').unwrap_or((text, "0"));
    let hours: u32 = hours.parse().unwrap_or(99);
    let minutes: u32 = minutes.parse().unwrap_or(99);
    if minutes >= 60 || hours > 24 || (hours == 24 && minutes > 0) {
        return Err(LiteralError::new(format!("`{text}` is not a time of day"), 0..text.len())
            .help("write hours from 00 to 23 and minutes from 00 to 59, as in `09:30`")
            .code(Code::InvalidDateTime));
    }
    Ok(hours * 60 + minutes)
}

/// Reads `2024-02-03T09:30:00+01:00`, `...Z`, `...[Europe/Paris]` or both offset and zone.
pub(super) fn datetime(text: &str) -> Result<jiff::Zoned, LiteralError> {
    use jiff::tz::{AmbiguousOffset, Offset, TimeZone};

    let (without_name, name) = match text.find('[') {
        Some(open) => (&text[..open], Some((&text[open + 1..text.len() - 1], open + 1))),
        None => (text, None),
    };
    // The civil part ends where an offset (`Z`, `+hh:mm`, `-hh:mm`) starts, after the `T`.
    let time_start = without_name.find(['T', 't']).map_or(0, |at| at + 1);
    let offset_start =
        without_name[time_start..].find(['Z', 'z', '+', '-']).map(|at| at + time_start).unwrap_or(without_name.len());
    let civil_text = &without_name[..offset_start];
    let offset_text = &without_name[offset_start..];
    // jiff reads a leap second `:60` as `:59`; a plan's time is never a leap second.
    if let Some(clock) = civil_text.get(time_start..) {
        let mut fields = clock.splitn(3, ':');
        if let (Some(_), Some(_), Some(seconds)) = (fields.next(), fields.next(), fields.next()) {
            if seconds.starts_with("60") {
                let at = civil_text.len() - seconds.len();
                return Err(LiteralError::new(format!("`{civil_text}` has no second 60"), at..at + 2)
                    .help("seconds go from 00 to 59; golivec does not read leap seconds")
                    .code(Code::InvalidDateTime));
            }
        }
    }
    let civil: jiff::civil::DateTime = civil_text.parse().map_err(|error: jiff::Error| {
        LiteralError::new(format!("`{civil_text}` is not a valid date and time"), 0..civil_text.len())
            .help(format!("check that the day exists in that month and the time within a day ({error})"))
    })?;
    let offset = if offset_text.is_empty() {
        None
    } else if offset_text.eq_ignore_ascii_case("z") {
        Some(Offset::UTC)
    } else {
        let sign: i32 = if offset_text.starts_with('-') { -1 } else { 1 };
        let hours: i32 = offset_text[1..3].parse().unwrap_or(99);
        let minutes: i32 = offset_text[4..6].parse().unwrap_or(99);
        let range = offset_start..without_name.len();
        if hours > 23 || minutes > 59 {
            return Err(LiteralError::new(format!("`{offset_text}` is not a valid UTC offset"), range));
        }
        Some(
            Offset::from_seconds(sign * (hours * 3600 + minutes * 60))
                .map_err(|_| LiteralError::new(format!("`{offset_text}` is not a valid UTC offset"), range))?,
        )
    };
    let Some((name, name_start)) = name else {
        let Some(offset) = offset else {
            return Err(LiteralError::new("this date-time has no zone", 0..text.len())
                .help("add a UTC offset such as `+01:00` or `Z`, or a zone such as `[Europe/Paris]`"));
        };
        return civil.to_zoned(TimeZone::fixed(offset)).map_err(|_| out_of_range(text));
    };
    let zone = crate::zones::get(name).ok_or_else(|| LiteralError {
        code: Code::UnknownTimeZone,
        message: format!("unknown time zone `{name}`"),
        help: super::suggest_zone(name),
        range: name_start..name_start + name.len(),
    })?;
    // `Z` with a zone names an instant whose local time the zone gives (RFC 9557).
    if offset_text.eq_ignore_ascii_case("z") {
        return civil.to_zoned(TimeZone::UTC).map(|zoned| zoned.with_time_zone(zone)).map_err(|_| out_of_range(text));
    }
    let ambiguous = zone.to_ambiguous_zoned(civil);
    let possible = match ambiguous.offset() {
        AmbiguousOffset::Unambiguous { offset } => vec![offset],
        AmbiguousOffset::Gap { before, after } => {
            return Err(LiteralError::new(
                format!(
                    "{civil_text} does not exist in {name}: the clocks jump from {} to {} then",
                    show_offset(before),
                    show_offset(after)
                ),
                0..text.len(),
            )
            .help("pick a time before or after the change"));
        }
        AmbiguousOffset::Fold { before, after } => vec![before, after],
    };
    let chosen = match offset {
        Some(offset) if possible.contains(&offset) => offset,
        Some(offset) => {
            return Err(LiteralError::new(
                format!(
                    "the offset {} does not match {name} on that date (it is {})",
                    show_offset(offset),
                    show_offset(possible[0])
                ),
                offset_start..without_name.len(),
            ))
        }
        None if possible.len() == 1 => possible[0],
        None => {
            return Err(LiteralError::new(format!("{civil_text} happens twice in {name}: the clocks go back then"), 0..text.len())
                .help(format!(
                    "add the UTC offset you mean: `{civil_text}{}[{name}]` (the first) or `{civil_text}{}[{name}]` (the second)",
                    show_offset(possible[0]),
                    show_offset(possible[1])
                )));
        }
    };
    civil.to_zoned(TimeZone::fixed(chosen)).map(|zoned| zoned.with_time_zone(zone)).map_err(|_| out_of_range(text))
}

/// A date-time beyond the instants golivec can represent (jiff's: up to 9999-12-30T22:00Z; a
/// four-digit year cannot go below them).
fn out_of_range(text: &str) -> LiteralError {
    LiteralError::new(format!("`{text}` is too far in the future"), 0..text.len())
        .help("golivec reads instants up to 9999-12-30 in UTC: write an earlier date")
}

/// An offset as a plan writes it: `+01:00`, `-05:30`.
fn show_offset(offset: jiff::tz::Offset) -> String {
    let seconds = offset.seconds();
    let sign = if seconds < 0 { '-' } else { '+' };
    let minutes = seconds.unsigned_abs() / 60;
    format!("{sign}{:02}:{:02}", minutes / 60, minutes % 60)
}

/// Where bytes `range` of a quoted string's value are in its source text `raw` (quotes
/// included), so a diagnostic can point inside a string written with escapes. `None` for a
/// triple-quoted string (dedented), or when `raw` does not spell `value` (text pasted by a
/// template call).
pub fn source_range(raw: &str, value: &str, range: std::ops::Range<usize>) -> Option<std::ops::Range<usize>> {
    if raw.starts_with("\"\"\"") || !raw.starts_with('"') || raw.len() < 2 {
        return None;
    }
    let inner = raw.get(1..raw.len() - 1)?;
    let mut decoded = String::with_capacity(inner.len());
    let (mut start, mut end) = (None, None);
    let mut chars = inner.char_indices().peekable();
    loop {
        let at = chars.peek().map_or(inner.len(), |&(index, _)| index) + 1;
        if decoded.len() == range.start && start.is_none() {
            start = Some(at);
        }
        if decoded.len() == range.end && end.is_none() {
            end = Some(at);
        }
        let Some((_, c)) = chars.next() else { break };
        if c != '\\' {
            decoded.push(c);
            continue;
        }
        decoded.push(match chars.next()?.1 {
            '"' => '"',
            '\\' => '\\',
            'n' => '\n',
            't' => '\t',
            'r' => '\r',
            '0' => '\0',
            'u' => {
                chars.next_if(|&(_, c)| c == '{')?;
                let mut digits = String::new();
                for (_, c) in chars.by_ref() {
                    if c == '}' {
                        break;
                    }
                    digits.push(c);
                }
                u32::from_str_radix(&digits, 16).ok().and_then(char::from_u32)?
            }
            _ => return None,
        });
    }
    (decoded == value).then_some(start?..end?)
}

#[cfg(test)]
mod source_range_tests {
    use super::source_range;

    #[test]
    fn maps_value_bytes_to_the_source() {
        let raw = r#""curl \"$URL/x\" \u{e9}$T""#;
        let value = "curl \"$URL/x\" é$T";
        let url = value.find("$URL").unwrap_or_default();
        assert_eq!(source_range(raw, value, url..url + 4).and_then(|r| raw.get(r)), Some("$URL"));
        let t = value.find("$T").unwrap_or_default();
        assert_eq!(source_range(raw, value, t..t + 2).and_then(|r| raw.get(r)), Some("$T"));
        assert_eq!(source_range(raw, "something else", 0..1), None);
        assert_eq!(source_range("\"\"\"x\"\"\"", "x\n", 0..1), None);
    }
}
