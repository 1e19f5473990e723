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

/// The units of a size, with their factor to bytes (the canonical unit). `KB`, `MB`, `GB` and
/// `TB` are decimal (SI: 1 KB = 1000 B), as disks, networks and Prometheus's exporters count;
/// `KiB`, `MiB`, `GiB` and `TiB` are binary (IEC: 1 KiB = 1024 B), as memory limits are
/// usually written (Kubernetes' `Mi` and `Gi`, the JVM's `-Xmx`). Longest spelling first.
pub const SIZE_UNITS: [(&str, f64); 9] = [
    ("KiB", 1_024.0),
    ("MiB", 1_048_576.0),
    ("GiB", 1_073_741_824.0),
    ("TiB", 1_099_511_627_776.0),
    ("KB", 1e3),
    ("MB", 1e6),
    ("GB", 1e9),
    ("TB", 1e12),
    ("B", 1.0),
];

/// The names a size metric's `unit` takes; the first (bytes) is the default.
pub const SIZE_UNIT_NAMES: &[&str] = &["B", "KB", "MB", "GB", "TB", "KiB", "MiB", "GiB", "TiB"];

/// The factor from a size unit to bytes.
pub fn size_factor(unit: &str) -> Option<f64> {
    SIZE_UNITS.iter().find(|(name, _)| *name == unit).map(|&(_, factor)| factor)
}

/// Bytes as a plan writes a size, in the largest decimal unit that keeps it short: `512MB`,
/// `1.5GB`, `0B`; in a binary unit when it is one to three decimals (`1GiB`, `1.5GiB`) and not
/// a whole number of kilobytes.
pub fn format_size(bytes: f64) -> String {
    if !bytes.is_finite() {
        return format!("{bytes}B");
    }
    let magnitude = bytes.abs();
    for (unit, factor) in
        [("TiB", 1_099_511_627_776.0), ("GiB", 1_073_741_824.0), ("MiB", 1_048_576.0), ("KiB", 1_024.0)]
    {
        if magnitude >= factor && (bytes / factor * 1000.0).fract() == 0.0 && (bytes / 1e3).fract() != 0.0 {
            return format!("{}{unit}", bytes / factor);
        }
    }
    for (unit, factor) in [("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("KB", 1e3)] {
        if magnitude >= factor {
            let scaled = (bytes / factor * 1000.0).round() / 1000.0;
            return format!("{scaled}{unit}");
        }
    }
    format!("{bytes}B")
}
