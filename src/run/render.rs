//! The trace for people (one event a line, with its time from T0 and its local time) and as
//! JSON lines (`schemas/trace.schema.json`).

use crate::model::{MetricType, Model};
use crate::run::trace::{End, Event, EventKind, NodeOutcome, StepOutcome, Trace, Verdict};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One line of `--format json`: a header, an event, or the end.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum TraceLine {
    Header { plan: String, t0: Option<String>, scenario: String },
    Event(Event),
    End { end: End },
}

/// The JSON Schema of one line of `golivec simulate --format json`.
pub fn schema() -> String {
    let schema = schemars::schema_for!(TraceLine);
    serde_json::to_string_pretty(&schema).unwrap_or_default() + "\n"
}

/// The trace as JSON lines: the header, every event, the end.
pub fn json_lines(trace: &Trace, scenario: &str) -> String {
    let mut out = String::new();
    let header = TraceLine::Header { plan: trace.plan.clone(), t0: trace.t0.clone(), scenario: scenario.to_string() };
    let lines = std::iter::once(header)
        .chain(trace.events.iter().cloned().map(TraceLine::Event))
        .chain(std::iter::once(TraceLine::End { end: trace.end.clone() }));
    for line in lines {
        // Plain data: serializing cannot fail.
        out.push_str(&serde_json::to_string(&line).unwrap_or_default());
        out.push('\n');
    }
    out
}

/// A value in its metric's unit, as a plan writes it.
pub fn show_value(model: &Model, metric: &str, value: f64) -> String {
    let ty = model.metrics.iter().find(|known| known.name == metric).map_or(MetricType::Number, |metric| metric.ty);
    match ty {
        MetricType::Percent => format!("{}%", round(value)),
        MetricType::Duration => format!("{}ms", round(value)),
        MetricType::Rate => format!("{}/s", round(value)),
        MetricType::Size => crate::units::format_size(value),
        MetricType::Bool => (if value != 0.0 { "true" } else { "false" }).to_string(),
        MetricType::Count | MetricType::Number => round(value),
    }
}

fn round(value: f64) -> String {
    let rounded = (value * 10_000.0).round() / 10_000.0;
    format!("{rounded}")
}

/// The local date-time of an offset from T0, when T0 is known.
pub fn local_time(t0: Option<&jiff::Zoned>, t_ms: i64) -> Option<String> {
    let t0 = t0?;
    let instant = t0.timestamp().checked_add(jiff::SignedDuration::from_millis(t_ms)).ok()?;
    Some(instant.to_zoned(t0.time_zone().clone()).strftime("%Y-%m-%d %H:%M:%S %Z").to_string())
}

/// An offset from T0 to the second: `T+1h20m5s`, `T-24h`.
pub fn offset(t_ms: i64) -> String {
    crate::units::format_offset(t_ms)
}

/// Plan text shown in a terminal: control characters (escape sequences, line breaks,
/// right-to-left marks) escaped so that a title cannot move the cursor or forge a line.
pub fn visible(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let unsafe_char = c.is_control()
            || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{061c}');
        if unsafe_char {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// The trace for people.
pub fn human(model: &Model, trace: &Trace, scenario: &str) -> String {
    let t0 = trace.t0.as_deref().and_then(crate::zones::parse_zoned);
    let mut out = String::new();
    out.push_str(&format!(
        "Run of `{}`{}: {}\n\n",
        visible(&trace.plan),
        t0.as_ref().map(|t0| format!(" (T0 {})", t0.strftime("%Y-%m-%d %H:%M %Z"))).unwrap_or_default(),
        visible(scenario)
    ));
    for event in &trace.events {
        let text = describe(model, &event.kind);
        let local = local_time(t0.as_ref(), event.t_ms).map(|local| format!("  {local}")).unwrap_or_default();
        out.push_str(&format!("{:>12}{local}  {}\n", offset(event.t_ms), visible(&text)));
    }
    out.push('\n');
    out.push_str(&end_text(&trace.end));
    out
}

pub fn end_text(end: &End) -> String {
    let mut out = format!("End: {} (exit status {}) at {}\n", end.state.name(), end.exit_status, offset(end.t_ms));
    out.push_str(&format!("  {}\n", visible(&end.summary)));
    if let Some(ms) = end.breach_to_rollback_ms {
        out.push_str(&format!(
            "  from the first failure to the end of the rollback: {}\n",
            crate::units::format_duration(ms)
        ));
    }
    out.push_str(&format!("  safe state: {}\n", if end.safe { "yes" } else { "no" }));
    out
}

fn verdicts(conditions: &[crate::run::trace::Judged]) -> String {
    conditions
        .iter()
        .map(|judged| format!("{} ({})", judged.condition, judged.verdict.text()))
        .collect::<Vec<_>>()
        .join("; ")
}

fn describe(model: &Model, event: &EventKind) -> String {
    match event {
        EventKind::RunStarted { operator } => format!("run started by {operator}"),
        EventKind::NodeStarted { node, kind } => format!("{kind} {node} starts"),
        EventKind::NodeFinished { node, outcome } => format!(
            "{node}: {}",
            match outcome {
                NodeOutcome::Done => "done",
                NodeOutcome::Continued => "over; the plan goes on after its failure",
                NodeOutcome::Failed => "failed",
                NodeOutcome::Stopped => "stopped: the run ended",
            }
        ),
        EventKind::NodeSkipped { node } => format!("{node}: never started"),
        EventKind::StepStarted { step, kind, title, attempt } => {
            let attempt = if *attempt > 1 { format!(" (try {attempt})") } else { String::new() };
            format!("  {step} {kind} \"{title}\"{attempt}")
        }
        EventKind::StepFinished { step, outcome, detail } => {
            let outcome = match outcome {
                StepOutcome::Succeeded => "succeeded",
                StepOutcome::Failed => "FAILED",
                StepOutcome::TimedOut => "TIMED OUT",
                StepOutcome::Refused => "REFUSED",
                StepOutcome::Unanswered => "UNANSWERED",
            };
            format!("  {step} {outcome}{}", detail.as_ref().map(|detail| format!(": {detail}")).unwrap_or_default())
        }
        EventKind::Answered { step, by, role, approved } => format!(
            "  {step}: {by}{} {}",
            role.as_ref().map(|role| format!(" ({role})")).unwrap_or_default(),
            if *approved { "says yes" } else { "says no" }
        ),
        EventKind::Sample { by, metric, value, nodata } => match value {
            Some(value) => format!("    {by} samples {metric} = {}", show_value(model, metric, *value)),
            None => format!("    {by} samples {metric}: no data ({})", nodata.as_deref().unwrap_or("failed")),
        },
        EventKind::Baseline { metric, value, samples } => match value {
            Some(value) => {
                format!("baseline of {metric}: {} (mean of {samples} samples)", show_value(model, metric, *value))
            }
            None => format!("baseline of {metric}: not measured (no sample had data)"),
        },
        EventKind::Decision { by, verdict, conditions, then } => {
            let mark = if matches!(verdict, Verdict::Holds | Verdict::Pending) { "" } else { "! " };
            format!("  {mark}{by}: {}: {then}", verdicts(conditions))
        }
        EventKind::Breach { node, conditions } => format!("BREACH of {node}: {}", conditions.join("; ")),
        EventKind::Inconclusive { node, nodata_samples } => {
            format!("INCONCLUSIVE {node}: {nodata_samples} samples in a row without data")
        }
        EventKind::Question { id, question } => format!("question ({id}): {question}"),
        EventKind::Decided { id, answer, by } => {
            format!("answer ({id}): {answer}{}", by.as_ref().map(|by| format!(" by {by}")).unwrap_or_default())
        }
        EventKind::Action { node, action } => format!("{node} → {action}"),
        EventKind::Declared { text, by } => format!("{by} declares \"{text}\""),
        EventKind::TreeEntered { tree, reason } => format!("ROLLBACK TREE {tree} entered: {reason}"),
        EventKind::LevelChosen { tree, level, why, conditions } => {
            format!("{tree}: level {level} ({why}); {}", verdicts(conditions))
        }
        EventKind::LevelFinished { tree, level, result, left } => {
            let left = if left.is_empty() { String::new() } else { format!("; not run: {}", left.join(", ")) };
            format!("{tree}: level {level} finished: {result}{left}")
        }
        EventKind::Escalated { tree, from, to } => match to {
            Some(to) => format!("{tree}: recheck from {from}: escalates to {to}"),
            None => format!("{tree}: recheck from {from}: no more severe level holds; stays"),
        },
        EventKind::Rechecked { tree, level, condition, outcome } => {
            let outcome = match outcome.as_str() {
                "resume" => "resumes the run",
                "stay" => "stays",
                "escalate" => "escalates",
                _ => "evaluates the more severe levels",
            };
            format!("{tree}: recheck in {level}: {} ({}): {outcome}", condition.condition, condition.verdict.text())
        }
        EventKind::AlertFired { alert, severity } => format!("ALERT {alert} ({severity}) fires"),
        EventKind::AlertResolved { alert } => format!("alert {alert} resolved"),
        EventKind::Signal { signal, running } => format!(
            "{} received: the run stops{}",
            signal.name(),
            if running.is_empty() { String::new() } else { format!(" (running: {})", running.join(", ")) }
        ),
        EventKind::NodeHeld { node, reason } => format!("HELD {node}: not started, {reason}"),
        EventKind::Resumed {} => "the runbook runs again: resumes where it stopped".into(),
        EventKind::RunFinished { state, exit_status } => {
            format!("run finished: {} (exit status {exit_status})", state.name())
        }
    }
}
