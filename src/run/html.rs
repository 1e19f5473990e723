//! A run as one self-contained HTML page (`golivec simulate --format html`): the header a
//! release manager reads first (how it ended, safe or not), a Gantt timeline of the nodes and
//! rollback trees with the notable events on it, one chart per sampled metric with the plan's
//! thresholds, and the tables of key events and decisions.
//!
//! Rust decides everything here: what is shown, in which order, where each shape goes (numbers
//! formatted once, so the page is the same bytes for the same input) and which fixed CSS class
//! it gets. The template (`templates/report.html.j2`) only loops and formats. It is rendered
//! with HTML auto-escaping, which is the one quoting function plan and trace text goes through:
//! no `|safe`, no raw markup built from text in Rust. Inline CSS and SVG only; no script.

use super::trace::{EndState, Event, EventKind, Judged, NodeOutcome, StepOutcome, Trace, Verdict};
use crate::analysis::format_value;
use crate::model::{Comparison, Condition, ConditionKind, MetricType, Model, Threshold};
use crate::units::{format_duration, format_offset};
use serde::Serialize;
use std::collections::BTreeMap;

const TEMPLATE: &str = include_str!("templates/report.html.j2");

/// The page's width in CSS pixels: every SVG is drawn in this coordinate system.
const WIDTH: f64 = 1200.0;
/// Left of every time axis (the Gantt's labels, the charts' value ticks).
const PLOT_LEFT: f64 = 230.0;
/// Right of every time axis (room for the last tick's label and the thresholds' values).
const PLOT_RIGHT: f64 = WIDTH - 64.0;
const GANTT_TOP: f64 = 58.0;
const ROW: f64 = 24.0;
const CHART_TOP: f64 = 14.0;
const CHART_PLOT_HEIGHT: f64 = 170.0;
/// Below a chart's plot: the time ticks.
const CHART_BOTTOM: f64 = 36.0;
/// The longest name shown whole in a row label; longer ones are cut (and whole in the tooltip).
const LABEL_CHARS: usize = 30;
/// Up to this many valid samples a chart draws a dot for each; beyond, only the line.
const MAX_DOTS: usize = 300;

/// The page for `trace`, a run of `model`.
pub fn render(model: &Model, trace: &Trace) -> String {
    let report = build(model, trace);
    let rendered = environment().and_then(|environment| {
        environment
            .get_template("report.html")
            .and_then(|template| template.render(minijinja::Value::from_serialize(&report)))
            .map_err(|error| format!("{error:#}"))
    });
    rendered.unwrap_or_else(|error| {
        // The template is part of the binary and tested: this is a bug, shown rather than hidden.
        format!(
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>golivec report</title></head>\
             <body><p>The report could not be rendered: {}</p></body></html>\n",
            minijinja::HtmlEscape(&error)
        )
    })
}

fn environment() -> Result<minijinja::Environment<'static>, String> {
    let mut environment = minijinja::Environment::new();
    environment.set_trim_blocks(true);
    environment.set_lstrip_blocks(true);
    environment.set_keep_trailing_newline(true);
    environment.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    // Every `{{ }}` is HTML-escaped, whatever the template's name.
    environment.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
    environment
        .add_template("report.html", TEMPLATE)
        .map_err(|error| format!("the template report.html is broken: {error}"))?;
    Ok(environment)
}

// ---------------------------------------------------------------------------------------------
// What the template receives.

#[derive(Serialize)]
struct Report {
    generator: String,
    plan: String,
    title: String,
    description: Option<String>,
    header: Header,
    gantt: Gantt,
    legend: Vec<LegendItem>,
    charts: Vec<Chart>,
    /// Metrics of the plan that no sample measured.
    unsampled: Vec<String>,
    events: Vec<EventRow>,
    decisions: Vec<DecisionRow>,
    end: EndRow,
}

#[derive(Serialize)]
struct Header {
    state: &'static str,
    /// A fixed class for the state's colour.
    state_class: &'static str,
    safe: bool,
    exit_status: i32,
    summary: String,
    t0: Option<String>,
    ended: Time,
    breach: Option<Time>,
    breach_to_rollback: Option<String>,
    failures: Vec<String>,
}

/// A time as T± and, when T0 is known, local.
#[derive(Serialize)]
struct Time {
    offset: String,
    local: Option<String>,
}

#[derive(Serialize)]
struct Gantt {
    width: String,
    height: String,
    plot_left: String,
    plot_right: String,
    plot_top: String,
    plot_bottom: String,
    plot_height: String,
    /// The breaks are tall enough to say how long they are.
    gap_labels: bool,
    gap_label_y: String,
    ticks: Vec<TimeTick>,
    rows: Vec<GanttRow>,
    /// Vertical lines across the rows: T0, the end, breaches.
    rules: Vec<Rule>,
    breaks: Vec<Gap>,
    /// From a signal to the run's resumption.
    interrupted: Vec<Span>,
}

/// A stretch of time drawn across the rows.
#[derive(Serialize)]
struct Span {
    x: String,
    width: String,
    title: String,
}

#[derive(Clone, Serialize)]
struct TimeTick {
    x: String,
    offset: String,
    local: Option<String>,
    /// The local date, on the first tick and wherever it changes.
    date: Option<String>,
}

#[derive(Clone, Serialize)]
struct Rule {
    x: String,
    class: &'static str,
    title: String,
}

#[derive(Serialize)]
struct GanttRow {
    y: String,
    text_y: String,
    mid_y: String,
    /// Shaded every other row.
    band: bool,
    /// A line above this row (the first node, the first tree).
    separator: bool,
    label: String,
    kind: Option<String>,
    /// The whole name and what happened, for the tooltip.
    title: String,
    /// Text where the row has no bar (a skipped node).
    note: Option<String>,
    bars: Vec<Bar>,
    markers: Vec<Marker>,
}

#[derive(Serialize)]
struct Bar {
    x: String,
    y: String,
    width: String,
    height: String,
    /// `bar node done`, `bar tree rb-done`, ...: always one of a fixed set.
    class: &'static str,
    title: String,
    label: String,
    label_x: String,
    label_anchor: &'static str,
}

#[derive(Serialize)]
struct Marker {
    path: String,
    class: &'static str,
    title: String,
}

#[derive(Serialize)]
struct LegendItem {
    path: String,
    class: &'static str,
    text: &'static str,
}

#[derive(Serialize)]
struct Chart {
    metric: String,
    title: Option<String>,
    unit: &'static str,
    width: String,
    height: String,
    plot_left: String,
    plot_right: String,
    plot_top: String,
    plot_bottom: String,
    plot_width: String,
    plot_height: String,
    y_ticks: Vec<ValueTick>,
    x_ticks: Vec<TimeTick>,
    bands: Vec<ChartBand>,
    lines: Vec<ChartLine>,
    labels: Vec<ChartLabel>,
    rules: Vec<Rule>,
    breaks: Vec<Gap>,
    /// `points` attributes of the polylines: the line breaks where a sample had no data.
    segments: Vec<String>,
    dots: Vec<Dot>,
    nodata: Vec<Marker>,
    thresholds: Vec<ThresholdItem>,
    notes: Vec<String>,
    summary: String,
}

#[derive(Serialize)]
struct ValueTick {
    y: String,
    label: String,
}

#[derive(Serialize)]
struct ChartBand {
    y: String,
    height: String,
    class: &'static str,
}

#[derive(Serialize)]
struct ChartLine {
    y: String,
    class: &'static str,
    /// The conditions drawn on it.
    title: String,
}

/// A threshold's value in the right margin.
#[derive(Serialize)]
struct ChartLabel {
    /// The line it names.
    line_y: String,
    y: String,
    text: String,
    /// `must-hold`, `rollback` or `alert`.
    role: &'static str,
}

#[derive(Serialize)]
struct Dot {
    cx: String,
    cy: String,
    title: String,
}

/// One threshold of a chart, as the list under it says it.
#[derive(Serialize)]
struct ThresholdItem {
    /// `must-hold`, `rollback` or `alert`.
    class: &'static str,
    role: &'static str,
    text: String,
    who: String,
}

#[derive(Serialize)]
struct EventRow {
    time: Time,
    what: &'static str,
    class: &'static str,
    subject: String,
    detail: String,
}

#[derive(Serialize)]
struct DecisionRow {
    time: Time,
    /// The last time of a run of identical decisions, when there were several.
    until: Option<Time>,
    count: usize,
    by: String,
    verdict: &'static str,
    verdict_class: &'static str,
    conditions: Vec<JudgedRow>,
    then: String,
}

#[derive(Serialize)]
struct JudgedRow {
    condition: String,
    verdict: &'static str,
    class: &'static str,
}

#[derive(Serialize)]
struct EndRow {
    time: Time,
    state: &'static str,
    state_class: &'static str,
    exit_status: i32,
    summary: String,
}

// ---------------------------------------------------------------------------------------------
// Building it.

fn build(model: &Model, trace: &Trace) -> Report {
    // The trace's T0; the plan's launch when the trace has none. A T0 that does not parse is
    // shown as written, and the times as offsets only.
    let t0 = match &trace.t0 {
        Some(text) => crate::zones::parse_zoned(text),
        None => model.plan.launch.clone(),
    };
    let clock = Clock { t0 };
    let scale = TimeScale::new(trace);
    let end = &trace.end;
    let header = Header {
        state: end.state.name(),
        state_class: state_class(end.state),
        safe: end.safe,
        exit_status: end.exit_status,
        summary: end.summary.clone(),
        t0: match (&clock.t0, &trace.t0) {
            (Some(t0), _) => Some(zoned_long(t0)),
            (None, Some(text)) => Some(text.clone()),
            (None, None) => None,
        },
        ended: clock.time(end.t_ms),
        breach: end.breach_ms.map(|ms| clock.time(ms)),
        breach_to_rollback: end.breach_to_rollback_ms.map(format_duration),
        failures: end.failures.clone(),
    };
    let time_ticks = time_ticks(&scale, &clock);
    let gantt = gantt(model, trace, &scale, &time_ticks);
    let (charts, unsampled) = charts(model, trace, &scale, &time_ticks, &clock);
    Report {
        generator: format!("golivec {}", env!("CARGO_PKG_VERSION")),
        plan: model.plan.name.to_string(),
        title: model.plan.title.as_deref().map_or_else(|| trace.plan.clone(), str::to_string),
        description: model.plan.description.as_deref().map(str::to_string),
        header,
        gantt,
        legend: legend(),
        charts,
        unsampled,
        events: event_rows(trace, &clock),
        decisions: decision_rows(trace, &clock),
        end: EndRow {
            time: clock.time(end.t_ms),
            state: end.state.name(),
            state_class: state_class(end.state),
            exit_status: end.exit_status,
            summary: end.summary.clone(),
        },
    }
}

fn state_class(state: EndState) -> &'static str {
    match state {
        EndState::Completed => "state-ok",
        EndState::CompletedWithFailures | EndState::Halted | EndState::Interrupted => "state-warn",
        EndState::RolledBack => "state-rolled",
        EndState::Aborted | EndState::RollbackIncomplete => "state-bad",
    }
}

/// A coordinate, always with one decimal: the same number is the same text.
fn px(value: f64) -> String {
    let value = if value.is_finite() { value } else { 0.0 };
    // `-0.0` would print as `-0.0`.
    let rounded = (value * 10.0).round() / 10.0;
    format!("{:.1}", if rounded == 0.0 { 0.0 } else { rounded })
}

/// `text` cut to `max` characters, with an ellipsis when it was longer.
fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Times from T0 shown as offsets and, when T0 is known, as local times.
struct Clock {
    t0: Option<jiff::Zoned>,
}

impl Clock {
    fn at(&self, ms: i64) -> Option<jiff::Zoned> {
        self.t0.as_ref()?.checked_add(jiff::SignedDuration::from_millis(ms)).ok()
    }

    fn time(&self, ms: i64) -> Time {
        let local = self.at(ms).and_then(|at| {
            let same_day = self.t0.as_ref().is_some_and(|t0| t0.date() == at.date());
            strftime(if same_day { "%H:%M:%S" } else { "%a %-d %b %Y %H:%M:%S" }, &at)
        });
        Time { offset: format_offset(ms), local }
    }
}

fn strftime(format: &str, at: &jiff::Zoned) -> Option<String> {
    jiff::fmt::strtime::format(format, at).ok()
}

/// T0 for the header: `Fri 24 Oct 2025 12:00:00 UTC`, with the zone's name and offset when the
/// abbreviation does not say them.
fn zoned_long(t0: &jiff::Zoned) -> String {
    let shown = strftime("%a %-d %b %Y %H:%M:%S %Z", t0).unwrap_or_else(|| t0.to_string());
    let offset = strftime("UTC%:z", t0).unwrap_or_default();
    match t0.time_zone().iana_name() {
        Some(name) if name != "UTC" => format!("{shown} ({name}, {offset})"),
        Some(_) => shown,
        None => format!("{shown} ({offset})"),
    }
}

/// Where a time is on every horizontal axis: the run's span, from its first event (or T0) to
/// its last (or its end), in segments. A long stretch without any event (the day between a
/// T-24h checklist and the T-2h gate) is cut out and drawn as a narrow break, so that the
/// hours where things happen get the width.
struct TimeScale {
    /// In time order, separated by breaks.
    segments: Vec<Segment>,
}

struct Segment {
    from: i64,
    to: i64,
    x0: f64,
    x1: f64,
}

/// A gap shorter than this is never cut: waits and sampling intervals stay to scale.
const MIN_BREAK_MS: i128 = 3_600_000;
/// A gap is cut when it is more than this part of what is still drawn to scale.
const BREAK_SHARE: f64 = 0.3;
const MAX_BREAKS: usize = 4;
/// How wide a break is drawn.
const BREAK_WIDTH: f64 = 36.0;

impl TimeScale {
    fn new(trace: &Trace) -> TimeScale {
        let mut times: Vec<i64> = trace.events.iter().map(|event| event.t_ms).chain([0, trace.end.t_ms]).collect();
        times.sort_unstable();
        times.dedup();
        let (lo, hi) = match (times.first(), times.last()) {
            (Some(&lo), Some(&hi)) if lo < hi => (lo, hi),
            // One instant: show the minute after it (or before, at the very end of time).
            (Some(&lo), _) if lo <= i64::MAX - 60_000 => (lo, lo + 60_000),
            (Some(&lo), _) => (lo - 60_000, lo),
            _ => (0, 60_000),
        };
        // The gaps to cut: the longest first, while each is a large part of what remains.
        let mut gaps: Vec<(i128, i64, i64)> = times
            .windows(2)
            .map(|pair| (i128::from(pair[1]) - i128::from(pair[0]), pair[0], pair[1]))
            .filter(|(length, _, _)| *length >= MIN_BREAK_MS)
            .collect();
        gaps.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        let mut remaining = i128::from(hi) - i128::from(lo);
        let mut cut: Vec<(i64, i64)> = Vec::new();
        for (length, from, to) in gaps.into_iter().take(MAX_BREAKS) {
            if (length as f64) <= remaining as f64 * BREAK_SHARE {
                break;
            }
            remaining -= length;
            cut.push((from, to));
        }
        cut.sort_unstable();
        let mut bounds: Vec<(i64, i64)> = Vec::new();
        let mut start = lo;
        for &(from, to) in &cut {
            bounds.push((start, from));
            start = to;
        }
        bounds.push((start, hi));
        // Each segment's width in proportion to its length; an instant gets a little.
        let lengths: Vec<f64> = bounds.iter().map(|(from, to)| (i128::from(*to) - i128::from(*from)) as f64).collect();
        let total: f64 = lengths.iter().sum();
        let least = if total > 0.0 { total / 40.0 } else { 1.0 };
        let weights: Vec<f64> = lengths.iter().map(|length| length.max(least)).collect();
        let weight: f64 = weights.iter().sum();
        let width = PLOT_RIGHT - PLOT_LEFT - BREAK_WIDTH * cut.len() as f64;
        let mut x = PLOT_LEFT;
        let segments = bounds
            .into_iter()
            .zip(weights)
            .map(|((from, to), share)| {
                let x0 = x;
                x += width * share / weight;
                let segment = Segment { from, to, x0, x1: x };
                x += BREAK_WIDTH;
                segment
            })
            .collect();
        TimeScale { segments }
    }

    /// The x of `t`: in its segment, or across the break it falls in, or at an end.
    fn x(&self, t: i64) -> f64 {
        let mut before: Option<&Segment> = None;
        for segment in &self.segments {
            if t < segment.from {
                // In the break before this segment (or before the first).
                return match before {
                    Some(previous) => {
                        let fraction = (i128::from(t) - i128::from(previous.to)) as f64
                            / (i128::from(segment.from) - i128::from(previous.to)) as f64;
                        previous.x1 + (segment.x0 - previous.x1) * fraction
                    }
                    None => segment.x0,
                };
            }
            if t <= segment.to {
                let length = (i128::from(segment.to) - i128::from(segment.from)) as f64;
                let fraction =
                    if length > 0.0 { (i128::from(t) - i128::from(segment.from)) as f64 / length } else { 0.5 };
                return segment.x0 + (segment.x1 - segment.x0) * fraction;
            }
            before = Some(segment);
        }
        before.map_or(PLOT_RIGHT, |last| last.x1)
    }

    /// The segment `t` is in, if any.
    fn segment(&self, t: i64) -> Option<usize> {
        self.segments.iter().position(|segment| segment.from <= t && t <= segment.to)
    }

    /// The breaks between segments: where, and how long they are.
    fn breaks(&self) -> Vec<Gap> {
        self.segments
            .windows(2)
            .map(|pair| Gap {
                x: px(pair[0].x1),
                width: px(pair[1].x0 - pair[0].x1),
                mid: px((pair[0].x1 + pair[1].x0) / 2.0),
                label: format_duration(pair[0].to.abs_diff(pair[1].from)),
                title: format!(
                    "nothing happened from {} to {}: {} left out",
                    format_offset(pair[0].to),
                    format_offset(pair[1].from),
                    format_duration(pair[0].to.abs_diff(pair[1].from))
                ),
            })
            .collect()
    }
}

/// A break in the time axis.
#[derive(Clone, Serialize)]
struct Gap {
    x: String,
    width: String,
    mid: String,
    label: String,
    title: String,
}

/// Round durations for a time axis, so that ticks fall on T+15m, T+1h, T+2d.
const TIME_STEPS: &[i128] = &[
    1,
    2,
    5,
    10,
    20,
    50,
    100,
    200,
    500,
    1_000,
    2_000,
    5_000,
    10_000,
    15_000,
    30_000,
    60_000,
    2 * 60_000,
    5 * 60_000,
    10 * 60_000,
    15 * 60_000,
    30 * 60_000,
    3_600_000,
    2 * 3_600_000,
    3 * 3_600_000,
    6 * 3_600_000,
    12 * 3_600_000,
    86_400_000,
    2 * 86_400_000,
    7 * 86_400_000,
    14 * 86_400_000,
];

/// The least room between two tick labels.
const TICK_SPACING: f64 = 56.0;

/// The ticks of the time axis: at round offsets from T0, about one per 100 pixels; a segment
/// too short for a round offset gets its start.
fn time_ticks(scale: &TimeScale, clock: &Clock) -> Vec<TimeTick> {
    // Milliseconds per pixel, from the segment that shows the most time per pixel.
    let per_pixel = scale
        .segments
        .iter()
        .map(|segment| (i128::from(segment.to) - i128::from(segment.from)) as f64 / (segment.x1 - segment.x0).max(1.0))
        .fold(0.0, f64::max);
    let wanted = per_pixel * 100.0;
    let step = TIME_STEPS.iter().copied().find(|step| *step as f64 >= wanted).unwrap_or_else(|| {
        // Beyond two weeks a tick: days, in 1-2-5 steps.
        let mut days: i128 = 10;
        loop {
            for factor in [1, 2, 5] {
                let step = days * factor * 86_400_000;
                if step as f64 >= wanted || days > 1_000_000_000_000 {
                    return step;
                }
            }
            days *= 10;
        }
    });
    let format = if step < 60_000 {
        "%H:%M:%S"
    } else if step < 86_400_000 {
        "%H:%M"
    } else {
        ""
    };
    let mut times: Vec<i64> = Vec::new();
    for segment in &scale.segments {
        let mut tick = div_ceil(i128::from(segment.from), step) * step;
        let before = times.len();
        while tick <= i128::from(segment.to) && times.len() < 64 {
            let Ok(t) = i64::try_from(tick) else { break };
            times.push(t);
            tick += step;
        }
        if times.len() == before {
            times.push(segment.from);
        }
    }
    let mut ticks: Vec<TimeTick> = Vec::new();
    let mut last_x = f64::NEG_INFINITY;
    let mut previous_date = None;
    for t in times {
        let x = scale.x(t);
        if x - last_x < TICK_SPACING {
            continue;
        }
        last_x = x;
        let at = clock.at(t);
        let date = at.as_ref().map(jiff::Zoned::date);
        let local = at.as_ref().and_then(|at| if format.is_empty() { None } else { strftime(format, at) });
        let date_label = match (&at, date) {
            (Some(at), Some(date)) if previous_date != Some(date) => strftime("%a %-d %b", at),
            _ => None,
        };
        previous_date = date;
        ticks.push(TimeTick { x: px(x), offset: format_offset(t), local, date: date_label });
    }
    ticks
}

fn div_ceil(value: i128, step: i128) -> i128 {
    let quotient = value.div_euclid(step);
    if value.rem_euclid(step) == 0 {
        quotient
    } else {
        quotient + 1
    }
}

// ---------------------------------------------------------------------------------------------
// The Gantt timeline.

/// Marker shapes, centred on (x, y).
fn shape(kind: Shape, x: f64, y: f64) -> String {
    let at = |dx: f64, dy: f64| format!("{},{}", px(x + dx), px(y + dy));
    match kind {
        Shape::Triangle => format!("M{} L{} L{} Z", at(0.0, -6.0), at(6.0, 5.0), at(-6.0, 5.0)),
        Shape::Diamond => format!("M{} L{} L{} L{} Z", at(0.0, -5.0), at(5.0, 0.0), at(0.0, 5.0), at(-5.0, 0.0)),
        Shape::Circle => format!("M{} a4.5,4.5 0 1,0 9,0 a4.5,4.5 0 1,0 -9,0 Z", at(-4.5, 0.0)),
        Shape::Square => format!("M{} h8 v8 h-8 Z", at(-4.0, -4.0)),
        Shape::Star => format!(
            "M{} L{} L{} L{} L{} L{} L{} L{} Z",
            at(0.0, -7.0),
            at(2.0, -2.0),
            at(7.0, 0.0),
            at(2.0, 2.0),
            at(0.0, 7.0),
            at(-2.0, 2.0),
            at(-7.0, 0.0),
            at(-2.0, -2.0)
        ),
        Shape::Cross => format!("M{} L{} M{} L{}", at(-4.0, -4.0), at(4.0, 4.0), at(4.0, -4.0), at(-4.0, 4.0)),
        Shape::Swatch => format!("M{} h18 v10 h-18 Z", at(-9.0, -5.0)),
    }
}

#[derive(Clone, Copy)]
enum Shape {
    Triangle,
    Diamond,
    Circle,
    Square,
    Star,
    Cross,
    /// A small bar, for the legend.
    Swatch,
}

fn legend() -> Vec<LegendItem> {
    let item = |shape_kind: Shape, class: &'static str, text: &'static str| LegendItem {
        path: shape(shape_kind, 10.0, 8.0),
        class,
        text,
    };
    vec![
        item(Shape::Swatch, "bar node done", "done"),
        item(Shape::Swatch, "bar node continued", "failed, plan went on"),
        item(Shape::Swatch, "bar node failed", "failed"),
        item(Shape::Swatch, "bar node stopped", "stopped"),
        item(Shape::Swatch, "bar node unfinished", "not finished"),
        item(Shape::Swatch, "bar tree rb-done", "rollback level"),
        item(Shape::Swatch, "interrupted", "interrupted by a signal"),
        item(Shape::Triangle, "marker breach", "breach"),
        item(Shape::Diamond, "marker verdict-fails", "does not hold"),
        item(Shape::Diamond, "marker verdict-nodata", "no data"),
        item(Shape::Diamond, "marker verdict-pending", "holding, not yet long enough"),
        item(Shape::Circle, "marker inconclusive", "inconclusive"),
        item(Shape::Circle, "marker alert", "alert fired"),
        item(Shape::Square, "marker signal", "signal"),
        item(Shape::Star, "marker declared", "declaration"),
    ]
}

/// A row of the Gantt being built.
struct RowDraft {
    name: String,
    kind: Option<String>,
    separator: bool,
    note: Option<String>,
    bars: Vec<BarDraft>,
    markers: Vec<(i64, Shape, &'static str, String)>,
}

impl RowDraft {
    fn new(name: String, kind: Option<String>) -> RowDraft {
        RowDraft { name, kind, separator: false, note: None, bars: Vec::new(), markers: Vec::new() }
    }
}

struct BarDraft {
    start: i64,
    end: i64,
    class: &'static str,
    label: String,
    title: String,
}

/// The rows of one kind (nodes, trees), found by name, in the order they first appear.
struct Rows {
    rows: Vec<RowDraft>,
    index: BTreeMap<String, usize>,
}

impl Rows {
    fn new() -> Rows {
        Rows { rows: Vec::new(), index: BTreeMap::new() }
    }

    fn get(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    /// The first row of a rollback tree's levels (`tree › level`).
    fn first_of_tree(&self, tree: &str) -> Option<usize> {
        let prefix = format!("{tree} › ");
        self.index.iter().filter(|(key, _)| key.starts_with(&prefix)).map(|(_, &row)| row).min()
    }

    /// The row of `name`, made with `make` when there is none yet.
    fn row(&mut self, name: &str, make: impl FnOnce() -> RowDraft) -> &mut RowDraft {
        let index = match self.index.get(name) {
            Some(&index) => index,
            None => {
                self.rows.push(make());
                self.index.insert(name.to_string(), self.rows.len() - 1);
                self.rows.len() - 1
            }
        };
        &mut self.rows[index]
    }
}

fn outcome_class(outcome: Option<NodeOutcome>) -> (&'static str, &'static str) {
    match outcome {
        Some(NodeOutcome::Done) => ("bar node done", "done"),
        Some(NodeOutcome::Continued) => ("bar node continued", "failed, went on"),
        Some(NodeOutcome::Failed) => ("bar node failed", "failed"),
        Some(NodeOutcome::Stopped) => ("bar node stopped", "stopped"),
        None => ("bar node unfinished", "not finished"),
    }
}

fn level_class(result: Option<&str>) -> &'static str {
    match result {
        Some("rolled_back") => "bar tree rb-done",
        Some("incomplete") => "bar tree rb-incomplete",
        Some("notified_only") => "bar tree rb-notified",
        Some("continue") => "bar tree rb-continue",
        Some(_) => "bar tree rb-other",
        None => "bar tree unfinished",
    }
}

fn verdict_class(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Holds => "verdict-holds",
        Verdict::DoesNotHold => "verdict-fails",
        Verdict::NoData => "verdict-nodata",
        Verdict::Pending => "verdict-pending",
    }
}

fn marker_verdict_class(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Holds => "marker verdict-holds",
        Verdict::DoesNotHold => "marker verdict-fails",
        Verdict::NoData => "marker verdict-nodata",
        Verdict::Pending => "marker verdict-pending",
    }
}

/// The Gantt's rows: the run's own events, then the nodes in the order they started, the
/// skipped ones, and the rollback trees.
fn gantt(model: &Model, trace: &Trace, scale: &TimeScale, ticks: &[TimeTick]) -> Gantt {
    let mut run = RowDraft::new("run".into(), Some("events".into()));
    let mut nodes = Rows::new();
    let mut trees = Rows::new();
    let kinds: BTreeMap<&str, &str> = model.nodes.iter().map(|node| (node.name.as_str(), node.kind.name())).collect();
    let node_row = |name: &str, kind: Option<&str>| {
        let kind = kind.or_else(|| kinds.get(name).copied()).map(str::to_string);
        let name = name.to_string();
        move || RowDraft::new(name, kind)
    };
    // A row per level of a rollback tree that ran, named `tree › level`.
    let level_key = |tree: &str, level: &str| format!("{tree} › {level}");
    let level_row = |key: &str| {
        let name = key.to_string();
        move || RowDraft::new(name, Some("rollback".into()))
    };
    // Bars not finished yet: node → start; tree → (entered, why), before a level is chosen;
    // `tree › level` → start.
    let mut open_nodes: BTreeMap<&str, i64> = BTreeMap::new();
    let mut entered: BTreeMap<&str, (i64, &str)> = BTreeMap::new();
    let mut open_levels: BTreeMap<String, (i64, &str)> = BTreeMap::new();
    // The run stopped by a signal until it resumed (or ended).
    let mut interruptions: Vec<(i64, Option<i64>, &'static str)> = Vec::new();
    let mut rules = vec![Rule { x: px(scale.x(0)), class: "rule t0", title: "T0".into() }];
    rules.extend(breach_rules(trace, scale));
    let mut skipped: Vec<&str> = Vec::new();
    // Markers about a node, a stage or a tree, placed once every row is known.
    let mut about: Vec<(&str, i64, Shape, &'static str, String)> = Vec::new();
    for event in &trace.events {
        let t = event.t_ms;
        let at = format_offset(t);
        match &event.kind {
            EventKind::NodeStarted { node, kind } => {
                nodes.row(node, node_row(node, Some(kind)));
                open_nodes.entry(node).or_insert(t);
            }
            EventKind::NodeFinished { node, outcome } => {
                let start = open_nodes.remove(node.as_str()).unwrap_or(t);
                let (class, label) = outcome_class(Some(*outcome));
                nodes.row(node, node_row(node, None)).bars.push(BarDraft {
                    start,
                    end: t,
                    class,
                    label: format!("{label} · {}", format_duration(t.abs_diff(start))),
                    title: format!("{node}: {} to {at}, {label}", format_offset(start)),
                });
            }
            EventKind::NodeSkipped { node } if !skipped.contains(&node.as_str()) => skipped.push(node),
            EventKind::TreeEntered { tree, reason } => {
                entered.entry(tree).or_insert((t, reason));
            }
            EventKind::LevelChosen { tree, level, .. } => {
                let (start, reason) = entered.remove(tree.as_str()).unwrap_or((t, ""));
                open_levels.entry(level_key(tree, level)).or_insert((start, reason));
            }
            EventKind::Escalated { tree, to: Some(to), .. } => {
                open_levels.entry(level_key(tree, to)).or_insert((t, "escalated"));
            }
            EventKind::LevelFinished { tree, level, result, .. } => {
                let key = level_key(tree, level);
                let (start, reason) =
                    open_levels.remove(&key).or_else(|| entered.remove(tree.as_str())).unwrap_or((t, ""));
                let why = if reason.is_empty() { String::new() } else { format!(" ({reason})") };
                trees.row(&key, level_row(&key)).bars.push(BarDraft {
                    start,
                    end: t,
                    class: level_class(Some(result)),
                    label: result.replace('_', " "),
                    title: format!("rollback {tree}, level {level}: {} to {at}, {result}{why}", format_offset(start)),
                });
            }
            EventKind::Resumed {} => {
                if let Some(open) = interruptions.last_mut().filter(|open| open.1.is_none()) {
                    open.1 = Some(t);
                }
            }
            EventKind::Breach { node, conditions } => {
                let title = format!("{at} · breach of {node}: {}", conditions.join("; "));
                about.push((node, t, Shape::Triangle, "marker breach", title));
            }
            EventKind::Inconclusive { node, nodata_samples } => {
                let title = format!("{at} · {node} inconclusive: {nodata_samples} samples without data");
                about.push((node, t, Shape::Circle, "marker inconclusive", title));
            }
            EventKind::Decision { by, verdict, conditions, then } if *verdict != Verdict::Holds => {
                let title = format!("{at} · {by}: {} ({}) → {then}", verdict.text(), judged_text(conditions));
                about.push((by, t, Shape::Diamond, marker_verdict_class(*verdict), title));
            }
            EventKind::AlertFired { alert, severity } => {
                let title = format!("{at} · alert {alert} fired ({severity})");
                run.markers.push((t, Shape::Circle, "marker alert", title));
            }
            EventKind::Signal { signal, running } => {
                let title = format!("{at} · {} while running {}", signal.name(), list_or_nothing(running));
                run.markers.push((t, Shape::Square, "marker signal", title));
                interruptions.push((t, None, signal.name()));
            }
            EventKind::Declared { text, by } => {
                run.markers.push((t, Shape::Star, "marker declared", format!("{at} · {by} declared “{text}”")));
            }
            _ => {}
        }
    }
    // What was still running when the trace ended runs to its end.
    let end = trace.end.t_ms;
    for (node, start) in open_nodes {
        let (class, label) = outcome_class(None);
        nodes.row(node, node_row(node, None)).bars.push(BarDraft {
            start,
            end: end.max(start),
            class,
            label: label.to_string(),
            title: format!("{node}: from {}, {label}", format_offset(start)),
        });
    }
    let open_trees = entered.into_iter().map(|(tree, open)| (level_key(tree, "no level chosen"), open));
    for (key, (start, reason)) in open_levels.into_iter().chain(open_trees) {
        trees.row(&key, level_row(&key)).bars.push(BarDraft {
            start,
            end: end.max(start),
            class: level_class(None),
            label: "not finished".into(),
            title: format!("rollback {key}: from {}, not finished ({reason})", format_offset(start)),
        });
    }
    for node in skipped {
        if nodes.get(node).is_none() {
            nodes.row(node, node_row(node, None)).note = Some("skipped: the run ended before it started".into());
        }
    }
    // A marker goes on the row of what it is about: a node, a stage of one (`name.stage.2`), a
    // tree; else on the run's row.
    for (by, t, kind, class, title) in about {
        let owner = by.split('.').next().unwrap_or(by);
        let row = if let Some(row) = nodes.get(by).or_else(|| nodes.get(owner)) {
            &mut nodes.rows[row]
        } else if let Some(row) = trees.first_of_tree(by).or_else(|| trees.first_of_tree(owner)) {
            &mut trees.rows[row]
        } else {
            &mut run
        };
        row.markers.push((t, kind, class, title));
    }
    if let Some(first) = nodes.rows.first_mut() {
        first.separator = true;
    }
    if let Some(first) = trees.rows.first_mut() {
        first.separator = true;
    }
    rules.push(Rule {
        x: px(scale.x(end)),
        class: "rule end",
        title: format!("{} · run ended: {}", format_offset(end), trace.end.state.name()),
    });
    let interrupted = interruptions
        .into_iter()
        .map(|(from, to, signal)| {
            let (x0, x1) = (scale.x(from), scale.x(to.unwrap_or(end).max(from)));
            let until = match to {
                Some(to) => format!("resumed at {}", format_offset(to)),
                None => "not resumed".into(),
            };
            Span {
                x: px(x0),
                width: px((x1 - x0).max(2.0)),
                title: format!("{signal} at {}: the run stopped; {until}", format_offset(from)),
            }
        })
        .collect();
    let rows: Vec<RowDraft> = std::iter::once(run).chain(nodes.rows).chain(trees.rows).collect();
    let plot_bottom = GANTT_TOP + ROW * rows.len() as f64;
    let rows = rows.into_iter().enumerate().map(|(index, row)| draw_row(index, row, scale)).collect();
    Gantt {
        width: px(WIDTH),
        height: px(plot_bottom + 12.0),
        plot_left: px(PLOT_LEFT),
        plot_right: px(PLOT_RIGHT),
        plot_top: px(GANTT_TOP),
        plot_bottom: px(plot_bottom),
        plot_height: px(plot_bottom - GANTT_TOP),
        gap_labels: plot_bottom - GANTT_TOP >= 110.0,
        gap_label_y: px((GANTT_TOP + plot_bottom) / 2.0),
        ticks: ticks.to_vec(),
        rows,
        rules,
        breaks: scale.breaks(),
        interrupted,
    }
}

fn draw_row(index: usize, row: RowDraft, scale: &TimeScale) -> GanttRow {
    let y = GANTT_TOP + ROW * index as f64;
    let mid = y + ROW / 2.0;
    let bars = row.bars.into_iter().map(|bar| draw_bar(bar, scale, mid)).collect();
    let markers = row
        .markers
        .into_iter()
        .map(|(t, kind, class, title)| Marker { path: shape(kind, scale.x(t), mid), class, title })
        .collect();
    let kind = row.kind.filter(|kind| row.name.chars().count() + kind.chars().count() + 2 <= LABEL_CHARS);
    let title = match &row.note {
        Some(note) => format!("{}: {note}", row.name),
        None => row.name.clone(),
    };
    GanttRow {
        y: px(y),
        text_y: px(mid + 4.0),
        mid_y: px(mid),
        band: index % 2 == 1,
        separator: row.separator,
        label: cut(&row.name, LABEL_CHARS),
        kind,
        title,
        note: row.note,
        bars,
        markers,
    }
}

/// Red lines at each breach, and at the failure the end names as the first into a rollback
/// when it was no breach (a failed rollout, a failed phase).
fn breach_rules(trace: &Trace, scale: &TimeScale) -> Vec<Rule> {
    let mut rules = Vec::new();
    let mut times = Vec::new();
    for event in &trace.events {
        if let EventKind::Breach { node, .. } = &event.kind {
            let at = format_offset(event.t_ms);
            rules.push(Rule {
                x: px(scale.x(event.t_ms)),
                class: "rule breach",
                title: format!("{at} · breach of {node}"),
            });
            times.push(event.t_ms);
        }
    }
    if let Some(t) = trace.end.breach_ms.filter(|t| !times.contains(t)) {
        let title = format!("{} · the first failure that entered a rollback tree", format_offset(t));
        rules.push(Rule { x: px(scale.x(t)), class: "rule breach", title });
    }
    rules
}

/// A bar with its label after it, or before it when it would leave the plot, or inside.
fn draw_bar(bar: BarDraft, scale: &TimeScale, mid: f64) -> Bar {
    let x0 = scale.x(bar.start.min(bar.end));
    let x1 = scale.x(bar.start.max(bar.end));
    // An instant still shows.
    let width = (x1 - x0).max(2.0);
    let text_width = bar.label.chars().count() as f64 * 6.2;
    // Clear of a marker at the bar's end.
    let (label_x, label_anchor) = if x0 + width + 9.0 + text_width <= WIDTH - 4.0 {
        (x0 + width + 9.0, "start")
    } else if x0 - 4.0 - text_width >= PLOT_LEFT {
        (x0 - 4.0, "end")
    } else {
        (x0 + width - 4.0, "end")
    };
    Bar {
        x: px(x0),
        y: px(mid - 7.0),
        width: px(width),
        height: px(14.0),
        class: bar.class,
        title: bar.title,
        label: bar.label,
        label_x: px(label_x),
        label_anchor,
    }
}

fn judged_text(conditions: &[Judged]) -> String {
    conditions
        .iter()
        .map(|judged| format!("{}: {}", judged.condition, judged.verdict.text()))
        .collect::<Vec<_>>()
        .join("; ")
}

fn list_or_nothing(items: &[String]) -> String {
    if items.is_empty() {
        "nothing".into()
    } else {
        items.join(", ")
    }
}

// ---------------------------------------------------------------------------------------------
// The metric charts.

/// Whether a condition must hold (requires, watch conditions) or triggers something.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Role {
    MustHold,
    Rollback,
    Alert,
}

/// One comparison of a metric with a constant, as it must be for its condition to hold (a
/// `not` around it already applied).
#[derive(Clone, PartialEq)]
enum Atom {
    Compare {
        comparison: Comparison,
        value: f64,
    },
    /// Relative to a baseline: drawn when the trace measured it.
    OfBaseline {
        comparison: Comparison,
        percent: f64,
    },
    Range {
        low: f64,
        high: f64,
        negated: bool,
    },
    /// A bool metric must be this.
    Is(bool),
}

struct Found {
    metric: usize,
    role: Role,
    atom: Atom,
    /// As the plan says it (`not service_up for 1m`).
    text: String,
    who: String,
}

/// The comparisons of metrics in `condition`. [`Condition::walk`] finds every condition in
/// it; this walk also carries what the `not`s and `for`s around each one say.
fn atoms(model: &Model, condition: &Condition, role: Role, who: &str, out: &mut Vec<Found>) {
    let mut stack: Vec<(&Condition, bool, Option<u64>)> = vec![(condition, false, None)];
    while let Some((condition, negated, held)) = stack.pop() {
        let (metric, atom, written) = match &condition.kind {
            ConditionKind::Or { operands } | ConditionKind::And { operands } => {
                stack.extend(operands.iter().rev().map(|operand| (operand, negated, held)));
                continue;
            }
            ConditionKind::Not { operand } => {
                stack.push((operand, !negated, held));
                continue;
            }
            ConditionKind::Held { operand, duration_ms } => {
                stack.push((operand, negated, Some(*duration_ms)));
                continue;
            }
            ConditionKind::Declared { .. } | ConditionKind::NoData { .. } => continue,
            ConditionKind::Compare { metric, comparison, threshold } => {
                let Some(found) = model.metrics.get(metric.0) else { continue };
                let comparison = if negated { comparison.negated() } else { *comparison };
                match threshold {
                    Threshold::Absolute { value } => (
                        metric.0,
                        Atom::Compare { comparison, value: *value },
                        format!("{} {} {}", found.name, comparison.symbol(), format_value(*value, found.ty)),
                    ),
                    Threshold::OfBaseline { percent } => (
                        metric.0,
                        Atom::OfBaseline { comparison, percent: *percent },
                        format!("{} {} {percent}% of baseline", found.name, comparison.symbol()),
                    ),
                }
            }
            ConditionKind::InRange { metric, negated: written_negated, low, high, inclusive } => {
                let Some(found) = model.metrics.get(metric.0) else { continue };
                let negated = negated != *written_negated;
                let text = format!(
                    "{}{} in {}{}{}",
                    found.name,
                    if negated { " not" } else { "" },
                    format_value(*low, found.ty),
                    if *inclusive { "..=" } else { ".." },
                    format_value(*high, found.ty)
                );
                (metric.0, Atom::Range { low: *low, high: *high, negated }, text)
            }
            ConditionKind::Test { metric } => {
                let Some(found) = model.metrics.get(metric.0) else { continue };
                let text = if negated { format!("not {}", found.name) } else { found.name.to_string() };
                (metric.0, Atom::Is(!negated), text)
            }
        };
        let text = match held {
            Some(duration) => format!("{written} for {}", format_duration(duration)),
            None => written,
        };
        out.push(Found { metric, role, atom, text, who: who.to_string() });
    }
}

/// Every comparison of a metric with a constant in the plan, in plan order: what must hold
/// (nodes' `require`, watches' conditions), then what triggers something (the rollback levels
/// that do something, alerts).
fn thresholds(model: &Model) -> Vec<Found> {
    let mut found = Vec::new();
    for node in &model.nodes {
        for condition in node.requires.iter().chain(node.conditions()) {
            atoms(model, condition, Role::MustHold, &node.name, &mut found);
        }
    }
    for tree in &model.rollbacks {
        // A level that only says `continue` is where nothing is done: no threshold to watch.
        for level in tree.levels.iter().filter(|level| level.acts()) {
            atoms(model, &level.when, Role::Rollback, &format!("{} › {}", tree.name, level.name), &mut found);
        }
    }
    for alert in &model.alerts {
        atoms(model, &alert.when, Role::Alert, &format!("{} ({})", alert.name, alert.severity), &mut found);
    }
    found
}

struct Sampled {
    t: i64,
    value: Option<f64>,
    by: String,
    nodata: Option<String>,
}

/// One chart per metric that was sampled: the plan's metrics in their order, then any other
/// name the trace sampled. Also the plan's metrics that were never sampled.
fn charts(
    model: &Model,
    trace: &Trace,
    scale: &TimeScale,
    ticks: &[TimeTick],
    clock: &Clock,
) -> (Vec<Chart>, Vec<String>) {
    let mut samples: BTreeMap<&str, Vec<Sampled>> = BTreeMap::new();
    let mut first_seen: Vec<&str> = Vec::new();
    let mut baselines: BTreeMap<&str, f64> = BTreeMap::new();
    for Event { t_ms, kind } in &trace.events {
        match kind {
            EventKind::Sample { by, metric, value, nodata } => {
                if !samples.contains_key(metric.as_str()) {
                    first_seen.push(metric);
                }
                samples.entry(metric).or_default().push(Sampled {
                    t: *t_ms,
                    value: value.filter(|value| value.is_finite()),
                    by: by.clone(),
                    nodata: nodata.clone(),
                });
            }
            EventKind::Baseline { metric, value: Some(value), .. } if value.is_finite() => {
                baselines.insert(metric, *value);
            }
            _ => {}
        }
    }
    let found = thresholds(model);
    let axis = Axis { scale, ticks, clock, rules: breach_rules(trace, scale) };
    let mut order: Vec<&str> = model.metrics.iter().map(|metric| metric.name.as_str()).collect();
    order.extend(first_seen.iter().filter(|name| !order.contains(name)).copied().collect::<Vec<_>>());
    let mut charts = Vec::new();
    let mut unsampled = Vec::new();
    for name in order {
        let Some(mut series) = samples.remove(name) else {
            unsampled.push(name.to_string());
            continue;
        };
        series.sort_by_key(|sample| sample.t);
        let index = model.metrics.iter().position(|metric| metric.name == name);
        let metric = index.and_then(|index| model.metrics.get(index));
        let ty = metric.map_or(MetricType::Number, |metric| metric.ty);
        let thresholds = found.iter().filter(|found| Some(found.metric) == index).collect();
        let input = Series { name, metric, ty, samples: &series, thresholds, baseline: baselines.get(name).copied() };
        charts.push(chart(&input, &axis));
    }
    (charts, unsampled)
}

/// A threshold resolved to numbers, ready to draw.
struct Drawn {
    role: Role,
    /// Lines at these values.
    lines: Vec<f64>,
    /// Shaded from..to (healthy for what must hold, triggering for a range that triggers).
    bands: Vec<(f64, f64)>,
    text: String,
    who: Vec<String>,
}

/// What every chart shares: the time axis and the breaches on it.
struct Axis<'a> {
    scale: &'a TimeScale,
    ticks: &'a [TimeTick],
    clock: &'a Clock,
    rules: Vec<Rule>,
}

/// One metric's samples, with what the plan says about its values.
struct Series<'a> {
    name: &'a str,
    /// `None` for a name the plan does not declare.
    metric: Option<&'a crate::model::Metric>,
    ty: MetricType,
    /// In time order.
    samples: &'a [Sampled],
    thresholds: Vec<&'a Found>,
    baseline: Option<f64>,
}

fn chart(input: &Series, axis: &Axis) -> Chart {
    let Series { name, metric, ty, samples: series, baseline, .. } = *input;
    let Axis { scale, ticks, clock, .. } = *axis;
    let found = &input.thresholds;
    let top = CHART_TOP;
    let bottom = CHART_TOP + CHART_PLOT_HEIGHT;
    let mut notes = Vec::new();
    // Thresholds as numbers, the same ones merged (with everyone who states them).
    let mut drawn: Vec<Drawn> = Vec::new();
    for found in found {
        let (lines, bands_of) = match &found.atom {
            Atom::Compare { comparison, value } => (vec![*value], band_side(*comparison, *value)),
            Atom::OfBaseline { comparison, percent } => match baseline {
                Some(baseline) => {
                    let value = baseline * percent / 100.0;
                    (vec![value], band_side(*comparison, value))
                }
                None => {
                    let note = format!("{} (no baseline measured: not drawn)", found.text);
                    if !notes.contains(&note) {
                        notes.push(note);
                    }
                    continue;
                }
            },
            Atom::Range { low, high, negated: false } => (vec![*low, *high], vec![(*low, *high)]),
            Atom::Range { low, high, negated: true } => {
                (vec![*low, *high], vec![(f64::NEG_INFINITY, *low), (*high, f64::INFINITY)])
            }
            Atom::Is(true) => (vec![1.0], vec![(0.5, f64::INFINITY)]),
            Atom::Is(false) => (vec![0.0], vec![(f64::NEG_INFINITY, 0.5)]),
        };
        let lines: Vec<f64> = lines.into_iter().filter(|value| value.is_finite()).collect();
        let text = match (&found.atom, baseline) {
            (Atom::OfBaseline { comparison, percent }, Some(baseline)) => format!(
                "{} (baseline {}: {} {})",
                found.text,
                format_value(baseline, ty),
                comparison.symbol(),
                format_value(baseline * percent / 100.0, ty)
            ),
            _ => found.text.clone(),
        };
        // Only what must hold is shaded: the healthy side. Triggers are lines.
        let bands: Vec<(f64, f64)> = if found.role == Role::MustHold { bands_of } else { Vec::new() };
        if let Some(same) = drawn.iter_mut().find(|drawn| drawn.role == found.role && drawn.text == text) {
            if !same.who.contains(&found.who) {
                same.who.push(found.who.clone());
            }
            continue;
        }
        drawn.push(Drawn { role: found.role, lines, bands, text, who: vec![found.who.clone()] });
    }
    // The value axis: every value sampled and every threshold, with some room.
    let values: Vec<f64> = series.iter().filter_map(|sample| sample.value).collect();
    let (lo, hi) = if ty == MetricType::Bool {
        (-0.15, 1.15)
    } else {
        let all = values.iter().chain(drawn.iter().flat_map(|drawn| drawn.lines.iter()));
        let (lo, hi) = all.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| (lo.min(v), hi.max(v)));
        value_range(lo, hi, ty)
    };
    let y = |value: f64| -> f64 {
        // Halves, so that the span of two extreme values does not overflow.
        let fraction = (value / 2.0 - lo / 2.0) / (hi / 2.0 - lo / 2.0);
        let fraction = if fraction.is_finite() { fraction.clamp(-0.02, 1.02) } else { 0.5 };
        bottom - (bottom - top) * fraction
    };
    let y_ticks = if ty == MetricType::Bool {
        vec![ValueTick { y: px(y(0.0)), label: "false".into() }, ValueTick { y: px(y(1.0)), label: "true".into() }]
    } else {
        value_ticks(lo, hi, ty).into_iter().map(|(value, label)| ValueTick { y: px(y(value)), label }).collect()
    };
    let mut bands = Vec::new();
    let mut lines: Vec<(f64, Role, &'static str, f64, &str)> = Vec::new();
    let mut items = Vec::new();
    for drawn in &drawn {
        let (line_class, role_class, role) = match drawn.role {
            Role::MustHold => ("threshold must-hold", "must-hold", "must hold"),
            Role::Rollback => ("threshold rollback", "rollback", "rollback"),
            Role::Alert => ("threshold alert", "alert", "alert"),
        };
        for &(from, to) in &drawn.bands {
            let (from, to) = (from.max(lo), to.min(hi));
            if from < to {
                let (y0, y1) = (y(to), y(from));
                bands.push(ChartBand { y: px(y0), height: px(y1 - y0), class: "band healthy" });
            }
        }
        for &value in &drawn.lines {
            lines.push((y(value), drawn.role, line_class, value, &drawn.text));
        }
        let who = match drawn.who.len() {
            0..=4 => drawn.who.join(", "),
            more => format!("{}, and {} more", drawn.who[..3].join(", "), more - 3),
        };
        items.push(ThresholdItem { class: role_class, role, text: drawn.text.clone(), who });
    }
    // One line per value and kind, titled with every condition drawn on it; one label per value
    // in the right margin, pushed apart so that none covers another.
    lines.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let mut chart_lines: Vec<ChartLine> = Vec::new();
    let mut labels: Vec<ChartLabel> = Vec::new();
    let mut last_label: Option<f64> = None;
    for (line_y, role, class, value, text) in lines {
        let at = px(line_y);
        match chart_lines.iter_mut().find(|line| line.y == at && line.class == class) {
            Some(line) => {
                line.title.push_str("; ");
                line.title.push_str(text);
            }
            None => chart_lines.push(ChartLine { y: at.clone(), class, title: text.to_string() }),
        }
        if labels.last().is_some_and(|label| label.line_y == at) {
            continue;
        }
        let mut label_y = line_y + 4.0;
        if let Some(last) = last_label {
            label_y = label_y.max(last + 11.0);
        }
        last_label = Some(label_y);
        let text = match ty {
            MetricType::Bool if value > 0.5 => "true".to_string(),
            MetricType::Bool => "false".to_string(),
            // In the axis's unit, not the one that reads best alone (`42/min`).
            MetricType::Rate => format!("{}/s", number(value, 0.001)),
            _ => format_value(value, ty),
        };
        let role = match role {
            Role::MustHold => "must-hold",
            Role::Rollback => "rollback",
            Role::Alert => "alert",
        };
        labels.push(ChartLabel { line_y: at, y: px(label_y), text: cut(&text, 12), role });
    }
    // The samples: a line through the values, broken where one had no data, at the breaks of
    // the time axis, where another node samples, and across a silence of more than four usual
    // intervals. Dots on every value when there are few, else only on a value no line reaches.
    let mut intervals: Vec<u64> =
        series.windows(2).map(|pair| pair[1].t.abs_diff(pair[0].t)).filter(|interval| *interval > 0).collect();
    intervals.sort_unstable();
    let usual = intervals.get(intervals.len() / 2).copied();
    let owner = |by: &str| by.split('.').next().unwrap_or_default().to_string();
    let show_dots = values.len() <= MAX_DOTS;
    let mut segments = Vec::new();
    let mut dots = Vec::new();
    let mut nodata = Vec::new();
    let mut current: Vec<(String, Dot)> = Vec::new();
    let mut current_part: Option<(Option<usize>, String, i64)> = None;
    let mut flush = |current: &mut Vec<(String, Dot)>, dots: &mut Vec<Dot>| {
        let single = current.len() == 1;
        if !single && !current.is_empty() {
            segments.push(current.iter().map(|(point, _)| point.as_str()).collect::<Vec<_>>().join(" "));
        }
        dots.extend(current.drain(..).filter(|_| show_dots || single).map(|(_, dot)| dot));
    };
    for sample in series {
        let x = scale.x(sample.t);
        let at = format_offset(sample.t);
        let local = clock.time(sample.t).local.map(|local| format!(" ({local})")).unwrap_or_default();
        match sample.value {
            Some(value) => {
                let part = (scale.segment(sample.t), owner(&sample.by));
                let continues = current_part.as_ref().is_some_and(|(segment, by, last)| {
                    (segment, by) == (&part.0, &part.1)
                        && usual.is_none_or(|usual| sample.t.abs_diff(*last) <= usual.saturating_mul(4))
                });
                if !continues {
                    flush(&mut current, &mut dots);
                }
                current_part = Some((part.0, part.1, sample.t));
                let point_y = y(value);
                let title = format!("{at}{local} · {name} = {} · by {}", format_value(value, ty), sample.by);
                current.push((format!("{},{}", px(x), px(point_y)), Dot { cx: px(x), cy: px(point_y), title }));
            }
            None => {
                flush(&mut current, &mut dots);
                let why = sample.nodata.as_deref().unwrap_or("no value");
                nodata.push(Marker {
                    path: shape(Shape::Cross, x, bottom),
                    class: "nodata",
                    title: format!("{at}{local} · {name}: no data ({why}) · by {}", sample.by),
                });
            }
        }
    }
    flush(&mut current, &mut dots);
    let summary = summary(series, &values, ty);
    Chart {
        metric: name.to_string(),
        title: metric.and_then(|metric| metric.title.as_deref()).map(str::to_string),
        unit: unit_text(ty, metric.is_some()),
        width: px(WIDTH),
        height: px(bottom + CHART_BOTTOM),
        plot_left: px(PLOT_LEFT),
        plot_right: px(PLOT_RIGHT),
        plot_top: px(top),
        plot_bottom: px(bottom),
        plot_width: px(PLOT_RIGHT - PLOT_LEFT),
        plot_height: px(bottom - top),
        y_ticks,
        x_ticks: ticks.to_vec(),
        bands,
        lines: chart_lines,
        labels,
        rules: axis.rules.clone(),
        breaks: scale.breaks(),
        segments,
        dots,
        nodata,
        thresholds: items,
        notes,
        summary,
    }
}

/// The side of `value` where a comparison with it holds, as one band (none for `==`, `!=`:
/// their line says it).
fn band_side(comparison: Comparison, value: f64) -> Vec<(f64, f64)> {
    match comparison {
        Comparison::Lt | Comparison::Le => vec![(f64::NEG_INFINITY, value)],
        Comparison::Gt | Comparison::Ge => vec![(value, f64::INFINITY)],
        Comparison::Eq | Comparison::Ne => Vec::new(),
    }
}

/// The value axis from the lowest to the highest value, with room around them; never below
/// zero for a type that cannot be negative unless a value is.
fn value_range(lo: f64, hi: f64, ty: MetricType) -> (f64, f64) {
    if !lo.is_finite() || !hi.is_finite() {
        return (0.0, 1.0);
    }
    let span = hi / 2.0 - lo / 2.0;
    let pad = if span > 0.0 { span * 0.16 } else { (lo.abs() / 20.0).max(0.5) };
    let (mut low, high) = (lo - pad, hi + pad);
    let non_negative = matches!(
        ty,
        MetricType::Percent | MetricType::Duration | MetricType::Count | MetricType::Rate | MetricType::Size
    );
    if non_negative && lo >= 0.0 && low < 0.0 {
        low = 0.0;
    }
    let (low, high) = (low.max(-f64::MAX), high.min(f64::MAX));
    if low < high {
        (low, high)
    } else {
        (lo - 1.0, hi + 1.0)
    }
}

/// About five ticks at round values (1, 2, 5 times a power of ten), labelled in the unit.
fn value_ticks(lo: f64, hi: f64, ty: MetricType) -> Vec<(f64, String)> {
    let raw = (hi / 2.0 - lo / 2.0) / 2.5;
    if !(raw.is_finite() && raw > 0.0) {
        return Vec::new();
    }
    let power = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0].into_iter().map(|factor| factor * power).find(|step| *step >= raw).unwrap_or(raw);
    let first = (lo / step).ceil() * step;
    let mut ticks: Vec<(f64, String)> = Vec::new();
    for index in 0..12 {
        let value = first + step * f64::from(index);
        if !value.is_finite() || value > hi {
            break;
        }
        let label = tick_label(value, step, ty, lo.abs().max(hi.abs()));
        if ticks.last().is_none_or(|(_, last)| *last != label) {
            ticks.push((value, label));
        }
    }
    ticks
}

/// A round value in the metric's unit: `0.5%`, `250ms`, `1.5s`, `12/s`. Durations are in the
/// largest unit the axis reaches twice.
fn tick_label(value: f64, step: f64, ty: MetricType, largest: f64) -> String {
    let (scaled, step, suffix) = match ty {
        MetricType::Percent => (value, step, "%"),
        MetricType::Duration => {
            let (size, unit) = [(3_600_000.0, "h"), (60_000.0, "m"), (1_000.0, "s")]
                .into_iter()
                .find(|(size, _)| largest >= 2.0 * size)
                .unwrap_or((1.0, "ms"));
            (value / size, step / size, unit)
        }
        MetricType::Rate => (value, step, "/s"),
        MetricType::Size => {
            let (size, unit) = [(1e12, "TB"), (1e9, "GB"), (1e6, "MB"), (1e3, "KB")]
                .into_iter()
                .find(|(size, _)| largest >= 2.0 * size)
                .unwrap_or((1.0, "B"));
            (value / size, step / size, unit)
        }
        _ => (value, step, ""),
    };
    format!("{}{suffix}", number(scaled, step))
}

/// A number with as many decimals as `step` needs and no trailing zeros; in scientific
/// notation when huge or tiny.
fn number(value: f64, step: f64) -> String {
    let magnitude = value.abs();
    if magnitude >= 1e9 || (magnitude > 0.0 && magnitude < 1e-4) || step < 1e-6 {
        return format!("{value:.2e}");
    }
    let decimals = if step >= 1.0 { 0 } else { ((-step.log10()).ceil() as usize).min(6) };
    let mut text = format!("{value:.decimals$}");
    if text.contains('.') {
        let trimmed = text.trim_end_matches('0').trim_end_matches('.').len();
        text.truncate(trimmed);
    }
    if text == "-0" {
        "0".into()
    } else {
        text
    }
}

fn unit_text(ty: MetricType, known: bool) -> &'static str {
    if !known {
        return "not a metric of this plan";
    }
    match ty {
        MetricType::Percent => "percent points",
        MetricType::Duration => "milliseconds",
        MetricType::Rate => "events per second",
        MetricType::Size => "bytes",
        MetricType::Count => "count",
        MetricType::Number => "number",
        MetricType::Bool => "bool: 0 is false, 1 is true",
    }
}

fn summary(series: &[Sampled], values: &[f64], ty: MetricType) -> String {
    let missing = series.len() - values.len();
    let counted = match series.len() {
        1 => "1 sample".to_string(),
        n => format!("{n} samples"),
    };
    let missing = match missing {
        0 => String::new(),
        1 => ", 1 without data".into(),
        n => format!(", {n} without data"),
    };
    let range = match (values.iter().copied().reduce(f64::min), values.iter().copied().reduce(f64::max)) {
        (Some(min), Some(max)) if ty == MetricType::Bool => {
            format!(
                "; {}",
                if min == max {
                    if min > 0.5 {
                        "always true"
                    } else {
                        "always false"
                    }
                } else {
                    "both true and false"
                }
            )
        }
        (Some(min), Some(max)) if min == max => format!("; always {}", format_value(min, ty)),
        (Some(min), Some(max)) => format!("; from {} to {}", format_value(min, ty), format_value(max, ty)),
        _ => String::new(),
    };
    format!("{counted}{missing}{range}")
}

// ---------------------------------------------------------------------------------------------
// The tables.

/// What happened that a reviewer asks about: everything but node and step starts, samples
/// (the charts), decisions (their own table), and steps that succeeded.
fn event_rows(trace: &Trace, clock: &Clock) -> Vec<EventRow> {
    let mut titles: BTreeMap<&str, &str> = BTreeMap::new();
    let mut rows = Vec::new();
    for event in &trace.events {
        let row = |what: &'static str, class: &'static str, subject: &str, detail: String| EventRow {
            time: clock.time(event.t_ms),
            what,
            class,
            subject: subject.to_string(),
            detail,
        };
        let found = match &event.kind {
            EventKind::RunStarted { operator } => Some(row("run started", "info", operator, "operator".into())),
            EventKind::StepStarted { step, title, .. } => {
                titles.insert(step, title);
                None
            }
            EventKind::StepFinished { step, outcome, detail } if *outcome != StepOutcome::Succeeded => {
                let outcome = match outcome {
                    StepOutcome::Succeeded => "succeeded",
                    StepOutcome::Failed => "failed",
                    StepOutcome::TimedOut => "timed out",
                    StepOutcome::Refused => "refused",
                    StepOutcome::Unanswered => "unanswered",
                };
                let title = titles.get(step.as_str()).copied().unwrap_or("");
                let detail = [title, outcome, detail.as_deref().unwrap_or("")]
                    .into_iter()
                    .filter(|part| !part.is_empty())
                    .collect::<Vec<_>>()
                    .join(" · ");
                Some(row("step", "bad", step, detail))
            }
            EventKind::Answered { step, by, role, approved } => {
                let who = match role {
                    Some(role) => format!("{by} ({role})"),
                    None => by.clone(),
                };
                let verdict = if *approved { "approved" } else { "refused" };
                Some(row("answered", if *approved { "good" } else { "bad" }, step, format!("{verdict} by {who}")))
            }
            EventKind::NodeFinished { node, outcome } if *outcome != NodeOutcome::Done => {
                let (what, class, text) = match outcome {
                    NodeOutcome::Continued => ("node failed", "warn", "the plan went on"),
                    NodeOutcome::Failed => ("node failed", "bad", "the run does not go on"),
                    _ => ("node stopped", "info", "the run ended while it ran"),
                };
                Some(row(what, class, node, text.into()))
            }
            EventKind::NodeSkipped { node } => Some(row("skipped", "info", node, "never started".into())),
            EventKind::NodeHeld { node, reason } => Some(row("held", "bad", node, format!("not started, {reason}"))),
            EventKind::Baseline { metric, value, samples } => {
                let value = value.map_or_else(|| "not measured".to_string(), |value| format!("{value}"));
                Some(row("baseline", "info", metric, format!("{value} ({samples} samples)")))
            }
            EventKind::Breach { node, conditions } => Some(row("breach", "bad", node, conditions.join("; "))),
            EventKind::Inconclusive { node, nodata_samples } => {
                Some(row("inconclusive", "warn", node, format!("{nodata_samples} samples without data")))
            }
            EventKind::Question { id, question } => Some(row("question", "info", id, question.clone())),
            EventKind::Decided { id, answer, by } => {
                let by = by.as_deref().map(|by| format!(" by {by}")).unwrap_or_default();
                Some(row("decided", "info", id, format!("{answer}{by}")))
            }
            EventKind::Action { node, action } => Some(row("action", "warn", node, action.clone())),
            EventKind::Declared { text, by } => Some(row("declared", "warn", by, text.clone())),
            EventKind::TreeEntered { tree, reason } => Some(row("rollback", "bad", tree, format!("entered: {reason}"))),
            EventKind::LevelChosen { tree, level, why, conditions } => {
                let judged = judged_text(conditions);
                let detail =
                    if judged.is_empty() { format!("{level}: {why}") } else { format!("{level}: {why} ({judged})") };
                Some(row("level chosen", "warn", tree, detail))
            }
            EventKind::LevelFinished { tree, level, result, left } => {
                let left = if left.is_empty() { String::new() } else { format!("; not run: {}", left.join(", ")) };
                let class = if result == "rolled_back" { "good" } else { "warn" };
                Some(row("level finished", class, tree, format!("{level}: {}{left}", result.replace('_', " "))))
            }
            EventKind::Escalated { tree, from, to } => {
                let to = to.as_deref().unwrap_or("nobody further");
                Some(row("escalated", "warn", tree, format!("from {from} to {to}")))
            }
            EventKind::AlertFired { alert, severity } => {
                Some(row("alert", "warn", alert, format!("fired ({severity})")))
            }
            EventKind::AlertResolved { alert } => Some(row("alert", "good", alert, "resolved".into())),
            EventKind::Signal { signal, running } => {
                Some(row("signal", "bad", signal.name(), format!("while running {}", list_or_nothing(running))))
            }
            EventKind::Resumed {} => Some(row("resumed", "info", "run", String::new())),
            EventKind::RunFinished { state, exit_status } => {
                Some(row("run finished", "info", state.name(), format!("exit status {exit_status}")))
            }
            _ => None,
        };
        rows.extend(found);
    }
    rows
}

/// The decisions in time order; identical decisions in a row of one gate, stage or watch (the
/// same verdict on the same conditions, leading to the same thing) are one row with their count
/// and their first and last times.
fn decision_rows(trace: &Trace, clock: &Clock) -> Vec<DecisionRow> {
    struct Draft<'t> {
        first: i64,
        last: i64,
        count: usize,
        by: &'t str,
        verdict: Verdict,
        conditions: &'t [Judged],
        then: &'t str,
    }
    let mut drafts: Vec<Draft> = Vec::new();
    // The last row of each gate, stage or watch, which its next decision may join.
    let mut last: BTreeMap<&str, usize> = BTreeMap::new();
    for event in &trace.events {
        let EventKind::Decision { by, verdict, conditions, then } = &event.kind else { continue };
        if let Some(draft) = last.get(by.as_str()).and_then(|&index| drafts.get_mut(index)) {
            if draft.verdict == *verdict && draft.then == then && draft.conditions == conditions.as_slice() {
                draft.last = event.t_ms;
                draft.count += 1;
                continue;
            }
        }
        last.insert(by, drafts.len());
        drafts.push(Draft { first: event.t_ms, last: event.t_ms, count: 1, by, verdict: *verdict, conditions, then });
    }
    drafts
        .into_iter()
        .map(|draft| DecisionRow {
            time: clock.time(draft.first),
            until: (draft.count > 1).then(|| clock.time(draft.last)),
            count: draft.count,
            by: draft.by.to_string(),
            verdict: draft.verdict.text(),
            verdict_class: verdict_class(draft.verdict),
            conditions: draft
                .conditions
                .iter()
                .map(|judged| JudgedRow {
                    condition: judged.condition.clone(),
                    verdict: judged.verdict.text(),
                    class: verdict_class(judged.verdict),
                })
                .collect(),
            then: draft.then.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coordinates_are_one_decimal_and_never_negative_zero() {
        assert_eq!(px(1.25), "1.3");
        assert_eq!(px(-0.01), "0.0");
        assert_eq!(px(f64::NAN), "0.0");
    }

    #[test]
    fn ticks_are_round_values_in_the_unit() {
        let ticks = value_ticks(0.0, 1.0, MetricType::Percent);
        assert_eq!(
            ticks.iter().map(|(_, label)| label.as_str()).collect::<Vec<_>>(),
            ["0%", "0.2%", "0.4%", "0.6%", "0.8%", "1%"]
        );
        let ticks = value_ticks(0.0, 2_000.0, MetricType::Duration);
        assert_eq!(
            ticks.iter().map(|(_, label)| label.as_str()).collect::<Vec<_>>(),
            ["0s", "0.5s", "1s", "1.5s", "2s"]
        );
        let ticks = value_ticks(0.0, 800.0, MetricType::Duration);
        assert_eq!(
            ticks.iter().map(|(_, label)| label.as_str()).collect::<Vec<_>>(),
            ["0ms", "200ms", "400ms", "600ms", "800ms"]
        );
        assert!(value_ticks(-f64::MAX, f64::MAX, MetricType::Number).len() <= 12);
        assert!(value_ticks(1e20, 1e20 + 1.0, MetricType::Number).len() <= 12);
    }

    #[test]
    fn cut_counts_characters() {
        assert_eq!(cut("ééé", 3), "ééé");
        assert_eq!(cut("éééé", 3), "éé…");
    }
}
