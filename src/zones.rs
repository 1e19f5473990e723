//! Time zones, always from the IANA database compiled into golivec (jiff's bundled copy).
//!
//! jiff's global database prefers the machine's `/usr/share/zoneinfo` (or `$TZDIR`): a plan
//! would then mean other instants on a machine with older or altered tzdata, and every run
//! would walk that directory to index its names. Every zone lookup goes through here instead.

use jiff::tz::{TimeZone, TimeZoneDatabase};
use std::sync::OnceLock;

fn database() -> &'static TimeZoneDatabase {
    static DATABASE: OnceLock<TimeZoneDatabase> = OnceLock::new();
    DATABASE.get_or_init(TimeZoneDatabase::bundled)
}

/// The zone with this IANA name (case-insensitive), if the bundled database has it.
pub(crate) fn get(name: &str) -> Option<TimeZone> {
    database().get(name).ok()
}

/// The offsets from UTC of the zone named `name` from `from` to `until`: the offset in effect
/// at `from`, then one pair per transition, each `(instant in ms, offset in seconds)` from that
/// instant on. Empty for an unknown zone. What the runbook reads the clock with (R27).
pub(crate) fn offsets(name: &str, from: jiff::Timestamp, until: jiff::Timestamp) -> Vec<(i64, i32)> {
    let Some(zone) = get(name) else { return Vec::new() };
    let mut offsets = vec![(from.as_millisecond(), zone.to_offset(from).seconds())];
    for transition in zone.following(from) {
        if transition.timestamp() >= until {
            break;
        }
        offsets.push((transition.timestamp().as_millisecond(), transition.offset().seconds()));
    }
    offsets
}

/// Every zone name the bundled database knows (for "did you mean").
pub(crate) fn names() -> impl Iterator<Item = String> {
    database().available().map(|name| name.as_str().to_string())
}

/// Reads an RFC 9557 date-time such as `2024-02-06T09:30:00+01:00[Europe/Paris]`, with its
/// zone from the bundled database.
pub(crate) fn parse_zoned(text: &str) -> Option<jiff::Zoned> {
    jiff::fmt::temporal::DateTimeParser::new().parse_zoned_with(database(), text).ok()
}

/// The real offset from UTC, in seconds, of a zone named `Etc/GMT+N` or `Etc/GMT-N`: these
/// names follow POSIX, whose sign is the opposite of ISO 8601's, so `Etc/GMT+5` is UTC−05:00.
/// `None` for any other name, and for `Etc/GMT+0`.
pub(crate) fn reversed_sign_offset(name: &str) -> Option<i32> {
    let rest = name.get(..7).filter(|prefix| prefix.eq_ignore_ascii_case("Etc/GMT")).and(name.get(7..))?;
    let sign = match rest.as_bytes().first()? {
        b'+' => -1,
        b'-' => 1,
        _ => return None,
    };
    let hours: i32 = rest.get(1..)?.parse().ok()?;
    (hours != 0 && get(name).is_some()).then_some(sign * hours * 3600)
}

/// The offset written in a zone name that golivec does not know, such as `GMT+1` or `UTC-05:00`,
/// read as ISO 8601 does: seconds east of UTC.
pub(crate) fn offset_in_name(name: &str) -> Option<i32> {
    let upper = name.to_ascii_uppercase();
    let rest = ["UTC", "GMT", "UT"].iter().find_map(|prefix| upper.strip_prefix(prefix))?;
    let sign = match rest.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let digits = rest.get(1..).filter(|digits| digits.bytes().all(|byte| byte.is_ascii_digit() || byte == b':'))?;
    let (hours, minutes) = match digits.split_once(':') {
        Some((hours, minutes)) => (hours, minutes),
        None if digits.len() == 4 => digits.split_at(2),
        None => (digits, "0"),
    };
    let hours: i32 = hours.parse().ok()?;
    let minutes: i32 = minutes.parse().ok()?;
    (hours <= 14 && minutes < 60).then_some(sign * (hours * 3600 + minutes * 60))
}

/// A zone of a place that keeps `seconds` from UTC all year (no daylight saving time in 2025),
/// the first by name: a real zone to suggest instead of a fixed offset's name.
pub(crate) fn place_with_offset(seconds: i32) -> Option<String> {
    let instants: Vec<jiff::Timestamp> = ["2025-01-15T12:00:00Z", "2025-07-15T12:00:00Z"]
        .iter()
        .filter_map(|text| text.parse::<jiff::Timestamp>().ok())
        .collect();
    // Well-known places first, checked like any other; then the first by name.
    const KNOWN: [&str; 26] = [
        "Pacific/Pago_Pago",
        "Pacific/Honolulu",
        "America/Phoenix",
        "America/Guatemala",
        "America/Bogota",
        "America/La_Paz",
        "America/Sao_Paulo",
        "America/Noronha",
        "Atlantic/Cape_Verde",
        "Africa/Lagos",
        "Africa/Johannesburg",
        "Europe/Istanbul",
        "Asia/Dubai",
        "Asia/Karachi",
        "Asia/Kolkata",
        "Asia/Kathmandu",
        "Asia/Dhaka",
        "Asia/Bangkok",
        "Asia/Singapore",
        "Asia/Tokyo",
        "Australia/Brisbane",
        "Pacific/Noumea",
        "Pacific/Tarawa",
        "Pacific/Kiritimati",
        "Pacific/Marquesas",
        "Pacific/Pitcairn",
    ];
    let keeps = |name: &str| {
        get(name).is_some_and(|zone| {
            !instants.is_empty() && instants.iter().all(|instant| zone.to_offset(*instant).seconds() == seconds)
        })
    };
    if let Some(known) = KNOWN.iter().find(|name| keeps(name)) {
        return Some((*known).to_string());
    }
    let mut names: Vec<String> = names()
        .filter(|name| {
            name.contains('/')
                && !name.starts_with("Etc/")
                && name.split('/').next().is_some_and(|area| {
                    matches!(
                        area,
                        "Africa"
                            | "America"
                            | "Antarctica"
                            | "Asia"
                            | "Atlantic"
                            | "Australia"
                            | "Europe"
                            | "Indian"
                            | "Pacific"
                    )
                })
        })
        .collect();
    names.sort();
    names.into_iter().find(|name| keeps(name))
}

/// An offset in seconds as ISO 8601 writes it: `+01:00`, `-05:30`.
pub(crate) fn show_offset(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let minutes = seconds.unsigned_abs() / 60;
    format!("{sign}{:02}:{:02}", minutes / 60, minutes % 60)
}
