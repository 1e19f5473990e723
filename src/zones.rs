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

/// Every zone name the bundled database knows (for "did you mean").
pub(crate) fn names() -> impl Iterator<Item = String> {
    database().available().map(|name| name.as_str().to_string())
}

/// Reads an RFC 9557 date-time such as `2024-02-06T09:30:00+01:00[Europe/Paris]`, with its
/// zone from the bundled database.
pub(crate) fn parse_zoned(text: &str) -> Option<jiff::Zoned> {
    jiff::fmt::temporal::DateTimeParser::new().parse_zoned_with(database(), text).ok()
}
