//! The timing rules of a run that the schedule (`golivec plan`) uses too, so that the two
//! cannot disagree.

use crate::model::{Condition, Node, Step, StepKind, Tolerance, DEFAULT_COMMAND_TIMEOUT_MS, DEFAULT_SAMPLING_MS};

/// How often a node samples its conditions.
pub fn sampling_ms(node: &Node) -> u64 {
    node.every_ms.unwrap_or(DEFAULT_SAMPLING_MS)
}

/// The longest `for` among `conditions`.
pub fn hold_ms(conditions: &[Condition]) -> u64 {
    conditions.iter().map(Condition::longest_hold_ms).max().unwrap_or(0)
}

/// How long a gate (or an `expect` condition) waits for its conditions to hold before it fails:
/// their longest `for`, plus one sampling interval, plus one for each sample its tolerance lets
/// through (each of which starts the `for` again).
pub fn require_deadline_ms(hold_ms: u64, every_ms: u64, tolerance: Tolerance) -> u64 {
    let extra = 1 + u64::from(tolerance.failures()) + u64::from(tolerance.nodata());
    hold_ms.saturating_add(every_ms.saturating_mul(extra))
}

/// How long an `expect` condition may take to hold: its `timeout` when given, else the default
/// command limit, or its `for` and one sampling interval when that is longer.
pub fn expect_deadline_ms(step: &Step, condition: &Condition, every_ms: u64) -> u64 {
    let stated = match &step.kind {
        StepKind::Expect { timeout_ms, .. } => timeout_ms.map(std::num::NonZeroU64::get),
        _ => None,
    };
    expect_deadline(stated, condition.longest_hold_ms(), every_ms)
}

/// The same, from the numbers: a stated `timeout`, the longest `for`, the sampling interval.
pub fn expect_deadline(stated_ms: Option<u64>, hold_ms: u64, every_ms: u64) -> u64 {
    stated_ms.unwrap_or_else(|| DEFAULT_COMMAND_TIMEOUT_MS.max(hold_ms.saturating_add(every_ms)))
}

/// How long a command may take per try.
pub fn command_timeout_ms(step: &Step) -> u64 {
    match &step.kind {
        StepKind::Run { timeout_ms, .. } | StepKind::Expect { timeout_ms, .. } => {
            timeout_ms.map_or(DEFAULT_COMMAND_TIMEOUT_MS, std::num::NonZeroU64::get)
        }
        _ => DEFAULT_COMMAND_TIMEOUT_MS,
    }
}

/// How long a `check` or `approve` waits for its answers before it fails closed (R5): its
/// `timeout`, else the default answer time.
pub fn answer_timeout_ms(step: &Step) -> u64 {
    step.answer_timeout_ms()
}

/// The next sample of a window `[start, end]` sampled every `every_ms` after one at `now`: the
/// next interval, or the end of the window when that comes first. `None` once the end is sampled.
pub fn next_sample(start: i64, end: i64, every_ms: u64, now: i64) -> Option<i64> {
    if now >= end {
        return None;
    }
    let every = i64::try_from(every_ms.max(1)).unwrap_or(i64::MAX);
    let elapsed = now.saturating_sub(start).max(0);
    let next = start.saturating_add((elapsed / every).saturating_add(1).saturating_mul(every));
    Some(next.min(end))
}
