//! Values with units as a plan writes them, for messages, tables and generated artifacts.

/// Milliseconds as a short duration: `1h30m`, `45s`, `0s`; days only from two days on, since
/// runbooks count `T-24h` and `T+36h` in hours.
pub fn format_duration(ms: u64) -> String {
    let mut rest = ms;
    let mut out = String::new();
    let units: &[(&str, u64)] = if ms >= 2 * 86_400_000 {
        &[("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1_000), ("ms", 1)]
    } else {
        &[("h", 3_600_000), ("m", 60_000), ("s", 1_000), ("ms", 1)]
    };
    for &(unit, size) in units {
        if rest >= size {
            out.push_str(&format!("{}{unit}", rest / size));
            rest %= size;
        }
    }
    if out.is_empty() {
        out.push_str("0s");
    }
    out
}

/// Milliseconds from launch as an offset: `T-1h`, `T0`, `T+15m`.
pub fn format_offset(ms: i64) -> String {
    match ms {
        0 => "T0".to_string(),
        ms if ms < 0 => format!("T-{}", format_duration(ms.unsigned_abs())),
        ms => format!("T+{}", format_duration(ms.unsigned_abs())),
    }
}
