//! Values with units as a plan writes them, for messages, tables and generated artifacts.

/// Milliseconds as a short duration: `1h30m`, `45s`, `0s`; days only from two days on, since
/// runbooks count `T-24h` and `T+36h` in hours.
pub fn format_duration(ms: u64) -> String {
    let mut out = String::with_capacity(12);
    push_duration(&mut out, ms);
    out
}

/// Milliseconds from launch as an offset: `T-1h`, `T0`, `T+15m`.
pub fn format_offset(ms: i64) -> String {
    let mut out = String::with_capacity(14);
    push_offset(&mut out, ms);
    out
}

/// [`format_duration`] written at the end of `out`, digit by digit: diagnostics format
/// thousands of times (a warning per pair of concurrent nodes), and `format!` per unit was
/// most of the cost of making them.
pub fn push_duration(out: &mut String, ms: u64) {
    let _ = write_duration(out, ms);
}

/// [`format_offset`] written at the end of `out`.
pub fn push_offset(out: &mut String, ms: i64) {
    let _ = write_offset(out, ms);
}

fn write_duration(out: &mut impl std::fmt::Write, ms: u64) -> std::fmt::Result {
    const DAYS: [(&str, u64); 5] = [("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1_000), ("ms", 1)];
    let units: &[(&str, u64)] = if ms >= 2 * 86_400_000 { &DAYS } else { &DAYS[1..] };
    let mut rest = ms;
    let mut written = false;
    for &(unit, size) in units {
        if rest >= size {
            write_u64(out, rest / size)?;
            out.write_str(unit)?;
            rest %= size;
            written = true;
        }
    }
    if !written {
        out.write_str("0s")?;
    }
    Ok(())
}

fn write_offset(out: &mut impl std::fmt::Write, ms: i64) -> std::fmt::Result {
    match ms {
        0 => out.write_str("T0"),
        ms => {
            out.write_str(if ms < 0 { "T-" } else { "T+" })?;
            write_duration(out, ms.unsigned_abs())
        }
    }
}

/// The decimal digits of `n`, without `fmt`'s padding machinery.
fn write_u64(out: &mut impl std::fmt::Write, mut n: u64) -> std::fmt::Result {
    let mut digits = [b'0'; 20];
    let mut at = digits.len();
    for slot in digits.iter_mut().rev() {
        *slot = b'0' + (n % 10) as u8;
        at -= 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.write_str(std::str::from_utf8(digits.get(at..).unwrap_or_default()).unwrap_or_default())
}

/// A duration in milliseconds that displays as [`format_duration`] writes it, for `format!`
/// arguments without a `String` of their own.
#[derive(Clone, Copy, Debug)]
pub struct Duration(pub u64);

/// An offset from launch in milliseconds that displays as [`format_offset`] writes it.
#[derive(Clone, Copy, Debug)]
pub struct Offset(pub i64);

impl std::fmt::Display for Duration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write_duration(f, self.0)
    }
}

impl std::fmt::Display for Offset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write_offset(f, self.0)
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

#[cfg(test)]
mod tests {
    use super::{format_duration, format_offset, Duration, Offset};

    /// The `format!`-per-unit writing these replaced, whose text messages and artifacts keep.
    fn reference_duration(ms: u64) -> String {
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

    #[test]
    fn durations_and_offsets_read_as_before() {
        let day = 86_400_000u64;
        let mut values = vec![0, 1, 9, 10, 999, 1_000, 1_001, 59_999, 60_000, 3_599_999, 3_600_000, 5_400_500];
        values.extend([day, 2 * day - 1, 2 * day, 2 * day + 1, 36 * 3_600_000, 400 * day + 3_723_004]);
        values.extend([u64::MAX, u64::MAX / 7, i64::MAX as u64, 1 << 63]);
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..2_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            values.push(seed % (1 << (seed % 48)));
        }
        for ms in values {
            assert_eq!(format_duration(ms), reference_duration(ms), "{ms}");
            assert_eq!(Duration(ms).to_string(), reference_duration(ms), "{ms}");
            let offset = ms as i64;
            let expected = match offset {
                0 => "T0".to_string(),
                o if o < 0 => format!("T-{}", reference_duration(o.unsigned_abs())),
                o => format!("T+{}", reference_duration(o.unsigned_abs())),
            };
            assert_eq!(format_offset(offset), expected, "{offset}");
            assert_eq!(Offset(offset).to_string(), expected, "{offset}");
            assert_eq!(format_offset(offset.wrapping_neg()), Offset(offset.wrapping_neg()).to_string());
        }
        assert_eq!(format_offset(i64::MIN), format!("T-{}", reference_duration(1 << 63)));
    }
}
