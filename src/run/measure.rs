//! Measurement: what a probe's output means, and what a condition gives on a sample.
//!
//! A sample is a number in the metric's canonical unit or *no data*, never a guess: output that
//! is not exactly one number (with, at most, a unit that fits the metric's type) is no data, and
//! so is a number outside the values the type can take.

use crate::model::{Comparison, Condition, ConditionKind, Metric, MetricType, Threshold};
use crate::run::trace::Verdict;
use rustc_hash::FxHashMap;

/// Why a sample has no value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NoData {
    /// The probe printed nothing.
    Empty,
    /// The output is not one number (with a unit of the metric's type).
    Unparsable,
    /// A number the metric's type cannot take (a percentage above 100%, a negative duration).
    OutOfRange,
    /// The probe exited with a failure.
    Failed,
    /// The probe did not finish within its time limit.
    TimedOut,
    /// A baseline that is not measured yet, or had no data in its window.
    NotMeasured,
}

impl NoData {
    pub const ALL: [(&'static str, NoData); 6] = [
        ("empty", NoData::Empty),
        ("unparsable", NoData::Unparsable),
        ("out_of_range", NoData::OutOfRange),
        ("failed", NoData::Failed),
        ("timed_out", NoData::TimedOut),
        ("not_measured", NoData::NotMeasured),
    ];

    pub fn name(self) -> &'static str {
        NoData::ALL.iter().find(|(_, reason)| *reason == self).map_or("failed", |(name, _)| name)
    }
}

/// One reading of a metric.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Sample {
    Value(f64),
    NoData(NoData),
}

impl Sample {
    pub fn value(self) -> Option<f64> {
        match self {
            Sample::Value(value) => Some(value),
            Sample::NoData(_) => None,
        }
    }
}

/// The longest probe output read; longer output is no data (a number is never this long).
const MAX_OUTPUT: usize = 64;

/// Reads a probe's standard output strictly, as the runbook does: surrounding white space is
/// ignored; the rest must be one decimal number (`12`, `0.5`, `-3`, `1e-3`), optionally followed
/// by a unit of the metric's type (`%`; `ms`, `s`, `m`, `h`; `/s`, `/min`, `/h`; `B`, `KB`, `MB`,
/// `GB`, `TB`, `KiB`, `MiB`, `GiB`, `TiB`). A bare number is
/// in the unit the metric declares (`unit ratio`: 0.01 is 1%). Anything else is no data.
pub fn parse_output(output: &str, metric: &Metric) -> Sample {
    let text = output.trim();
    if text.is_empty() {
        return Sample::NoData(NoData::Empty);
    }
    if text.len() > MAX_OUTPUT {
        return Sample::NoData(NoData::Unparsable);
    }
    let number_end = text
        .char_indices()
        .find(|&(index, c)| !(c.is_ascii_digit() || c == '.' || (index == 0 && c == '-') || is_exponent(text, index)))
        .map_or(text.len(), |(index, _)| index);
    let (number, unit) = text.split_at(number_end);
    if !is_decimal(number) {
        return Sample::NoData(NoData::Unparsable);
    }
    let Ok(number) = number.parse::<f64>() else { return Sample::NoData(NoData::Unparsable) };
    let unit = unit.trim_start();
    let scale = if unit.is_empty() {
        declared_scale(metric)
    } else {
        match written_scale(metric.ty, unit) {
            Some(scale) => scale,
            None => return Sample::NoData(NoData::Unparsable),
        }
    };
    in_range(number * scale, metric.ty)
}

/// Checks a value in the canonical unit against what the metric's type can take.
pub fn in_range(value: f64, ty: MetricType) -> Sample {
    let fits = value.is_finite()
        && match ty {
            MetricType::Percent => (0.0..=100.0).contains(&value),
            MetricType::Duration | MetricType::Rate | MetricType::Size => value >= 0.0,
            MetricType::Count => value >= 0.0 && value.fract() == 0.0,
            MetricType::Number => true,
            MetricType::Bool => value == 0.0 || value == 1.0,
        };
    if fits {
        Sample::Value(value)
    } else {
        Sample::NoData(NoData::OutOfRange)
    }
}

fn is_exponent(text: &str, index: usize) -> bool {
    // `e` or `E` after a digit, then a digit or a sign: `1e-3`, `2E5`; a sign right after it.
    let bytes = text.as_bytes();
    let before = index.checked_sub(1).and_then(|before| bytes.get(before)).copied();
    match bytes.get(index) {
        Some(b'e' | b'E') => {
            before.is_some_and(|b| b.is_ascii_digit())
                && bytes.get(index + 1).is_some_and(|b| b.is_ascii_digit() || *b == b'-' || *b == b'+')
        }
        Some(b'-' | b'+') => matches!(before, Some(b'e' | b'E')),
        _ => false,
    }
}

/// `-?digits(.digits)?([eE][+-]?digits)?`: no `inf`, `nan`, hex, `+1`, `.5` or `5.`.
fn is_decimal(text: &str) -> bool {
    let body = text.strip_prefix('-').unwrap_or(text);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(at) => (&body[..at], Some(&body[at + 1..])),
        None => (body, None),
    };
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some((whole, fraction)) => digits(whole) && digits(fraction),
        None => digits(mantissa),
    };
    let exponent_ok = exponent.is_none_or(|exponent| {
        digits(exponent.strip_prefix('-').or_else(|| exponent.strip_prefix('+')).unwrap_or(exponent))
    });
    mantissa_ok && exponent_ok
}

/// The factor from the metric's declared probe unit to its canonical unit (a query's bare
/// number times this factor is the canonical value).
pub fn declared_scale(metric: &Metric) -> f64 {
    match metric.unit.as_deref() {
        Some("ratio") => 100.0,
        Some("s") => 1_000.0,
        Some("m") => 60_000.0,
        Some("h") => 3_600_000.0,
        Some("per_min") => 1.0 / 60.0,
        Some("per_h") => 1.0 / 3_600.0,
        Some(unit) if metric.ty == MetricType::Size => crate::units::size_factor(unit).unwrap_or(1.0),
        _ => 1.0,
    }
}

/// The factor of a unit written after the number, when it fits the type.
fn written_scale(ty: MetricType, unit: &str) -> Option<f64> {
    match (ty, unit) {
        (MetricType::Percent, "%") => Some(1.0),
        (MetricType::Duration, "ms") => Some(1.0),
        (MetricType::Duration, "s") => Some(1_000.0),
        (MetricType::Duration, "m" | "min") => Some(60_000.0),
        (MetricType::Duration, "h") => Some(3_600_000.0),
        (MetricType::Rate, "/s") => Some(1.0),
        (MetricType::Rate, "/min" | "/m") => Some(1.0 / 60.0),
        (MetricType::Rate, "/h") => Some(1.0 / 3_600.0),
        (MetricType::Size, unit) => crate::units::size_factor(unit),
        _ => None,
    }
}

/// What one evaluation can see: the samples just taken, the baselines and the declarations.
pub struct Readings<'a> {
    /// By metric index; a handful, so a list.
    pub samples: &'a [(usize, Sample)],
    pub baselines: &'a FxHashMap<usize, Sample>,
    /// Triggers declared so far.
    pub declared: &'a [String],
}

/// Since when each `for` of a condition has held, for one evaluator (a gate, a watch, an
/// alert): keyed by the condition's address, which is stable while the model is borrowed.
#[derive(Default)]
pub struct Holds {
    since: FxHashMap<usize, i64>,
}

impl Holds {
    pub fn clear(&mut self) {
        self.since.clear();
    }

    /// Since when `condition` (a `C for D`) has held, if it is holding.
    pub fn since(&self, condition: &Condition) -> Option<i64> {
        self.since.get(&(std::ptr::from_ref(condition) as usize)).copied()
    }
}

/// Evaluates `condition` on `readings` at `now`, in three values plus "holding, not long enough":
/// `and` does not hold when an operand does not, else has no data when one has none; `or` holds
/// when an operand holds, else has no data when one has none; `not` keeps no data; `C for D`
/// holds once C has held at every evaluation for D; `nodata m` holds when m has no value.
pub fn evaluate(condition: &Condition, readings: &Readings<'_>, holds: &mut Holds, now: i64) -> Verdict {
    match &condition.kind {
        ConditionKind::And { operands } => {
            let mut worst = Verdict::Holds;
            for operand in operands {
                let verdict = evaluate(operand, readings, holds, now);
                worst = match (worst, verdict) {
                    (_, Verdict::DoesNotHold) | (Verdict::DoesNotHold, _) => Verdict::DoesNotHold,
                    (_, Verdict::NoData) | (Verdict::NoData, _) => Verdict::NoData,
                    (_, Verdict::Pending) | (Verdict::Pending, _) => Verdict::Pending,
                    _ => Verdict::Holds,
                };
            }
            worst
        }
        ConditionKind::Or { operands } => {
            let mut best = Verdict::DoesNotHold;
            for operand in operands {
                let verdict = evaluate(operand, readings, holds, now);
                best = match (best, verdict) {
                    (_, Verdict::Holds) | (Verdict::Holds, _) => Verdict::Holds,
                    (_, Verdict::Pending) | (Verdict::Pending, _) => Verdict::Pending,
                    (_, Verdict::NoData) | (Verdict::NoData, _) => Verdict::NoData,
                    _ => Verdict::DoesNotHold,
                };
            }
            best
        }
        ConditionKind::Not { operand } => match evaluate(operand, readings, holds, now) {
            Verdict::Holds | Verdict::Pending => Verdict::DoesNotHold,
            Verdict::DoesNotHold => Verdict::Holds,
            Verdict::NoData => Verdict::NoData,
        },
        ConditionKind::Held { operand, duration_ms } => {
            let key = std::ptr::from_ref(condition) as usize;
            match evaluate(operand, readings, holds, now) {
                Verdict::Holds => {
                    let since = *holds.since.entry(key).or_insert(now);
                    if now.saturating_sub(since) >= i64::try_from(*duration_ms).unwrap_or(i64::MAX) {
                        Verdict::Holds
                    } else {
                        Verdict::Pending
                    }
                }
                other => {
                    holds.since.remove(&key);
                    other
                }
            }
        }
        ConditionKind::Compare { metric, comparison, threshold } => {
            let Some(value) = reading(readings.samples, metric.0) else { return Verdict::NoData };
            let threshold = match threshold {
                Threshold::Absolute { value } => *value,
                Threshold::OfBaseline { percent } => match readings.baselines.get(&metric.0).and_then(|b| b.value()) {
                    Some(baseline) => baseline * percent / 100.0,
                    None => return Verdict::NoData,
                },
            };
            verdict(compare(value, *comparison, threshold))
        }
        ConditionKind::InRange { metric, negated, low, high, inclusive } => {
            let Some(value) = reading(readings.samples, metric.0) else { return Verdict::NoData };
            let inside = value >= *low && if *inclusive { value <= *high } else { value < *high };
            verdict(inside != *negated)
        }
        ConditionKind::Test { metric } => match reading(readings.samples, metric.0) {
            Some(value) => verdict(value != 0.0),
            None => Verdict::NoData,
        },
        ConditionKind::Declared { text } => verdict(readings.declared.iter().any(|declared| declared == text.as_str())),
        ConditionKind::NoData { metric } => {
            let missing = match metric {
                Some(metric) => reading(readings.samples, metric.0).is_none(),
                // `nodata` alone: any sample taken for this evaluation.
                None => readings.samples.iter().any(|(_, sample)| sample.value().is_none()),
            };
            verdict(missing)
        }
    }
}

fn reading(samples: &[(usize, Sample)], metric: usize) -> Option<f64> {
    samples.iter().find(|(index, _)| *index == metric).and_then(|(_, sample)| sample.value())
}

fn verdict(holds: bool) -> Verdict {
    if holds {
        Verdict::Holds
    } else {
        Verdict::DoesNotHold
    }
}

pub fn compare(value: f64, comparison: Comparison, threshold: f64) -> bool {
    match comparison {
        Comparison::Lt => value < threshold,
        Comparison::Le => value <= threshold,
        Comparison::Gt => value > threshold,
        Comparison::Ge => value >= threshold,
        Comparison::Eq => value == threshold,
        Comparison::Ne => value != threshold,
    }
}

/// The metrics a condition reads, in order of first mention, each once.
pub fn metrics_of<'c>(conditions: impl IntoIterator<Item = &'c Condition>) -> Vec<usize> {
    let mut found = Vec::new();
    for condition in conditions {
        for part in condition.walk() {
            let metric = match &part.kind {
                ConditionKind::Compare { metric, .. }
                | ConditionKind::InRange { metric, .. }
                | ConditionKind::Test { metric }
                | ConditionKind::NoData { metric: Some(metric) } => metric.0,
                _ => continue,
            };
            if !found.contains(&metric) {
                found.push(metric);
            }
        }
    }
    found
}
