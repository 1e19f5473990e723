//! Windows and freezes against the nodes that can change something, on the schedule (E0530,
//! E0531), and the soft windows, `prefer` and `avoid` (W0532, W0533). The launch against the
//! launch windows and the freezes (E0505, E0506) is `timeline::check_launch`.
//!
//! A node is bounded from its earliest start to its latest finish: the run checks the clock
//! when the node starts (docs/semantics.md, R27), so every start it may have must be inside,
//! and its worst case must end before the window closes.

use super::timeline::Schedule;
use crate::ast::{WindowMode, WindowScope};
use crate::diag::{Code, Diagnostic};
use crate::model::{Model, Window};
use jiff::{Timestamp, Zoned};

/// Whether `at` is inside `window`: its day of the week and its time of day, read in the
/// window's zone, are the window's. The one definition the analysis, the simulator and the
/// runbook (through `zone_offsets`) share.
pub fn inside(window: &Window, at: Timestamp) -> bool {
    let Some(zone) = crate::zones::get(&window.zone) else { return false };
    let local = at.to_zoned(zone);
    let weekday = local.weekday().to_monday_one_offset() as u8;
    let minute = u32::from(local.hour().unsigned_abs()) * 60 + u32::from(local.minute().unsigned_abs());
    window.days.contains(&weekday) && minute >= window.from_minute && minute < window.to_minute
}

/// The times the window is open on the local day of `at` and the seven that follow, in order:
/// `[open, close)` as instants, an opening that ends when the next begins joined to it.
fn openings(window: &Window, at: Timestamp) -> Vec<(Timestamp, Timestamp)> {
    let Some(zone) = crate::zones::get(&window.zone) else { return Vec::new() };
    let mut day = at.to_zoned(zone.clone()).date();
    let mut openings = Vec::new();
    for _ in 0..8 {
        if window.days.contains(&(day.weekday().to_monday_one_offset() as u8)) {
            let time = |minute: u32| -> Option<Timestamp> {
                let midnight = day.to_zoned(zone.clone()).ok()?;
                let civil = midnight.datetime().checked_add(jiff::Span::new().minutes(i64::from(minute))).ok()?;
                Some(civil.to_zoned(zone.clone()).ok()?.timestamp())
            };
            if let (Some(open), Some(close)) = (time(window.from_minute), time(window.to_minute)) {
                match openings.last_mut() {
                    // `hours 00:00..24:00` on consecutive days is one opening across midnight.
                    Some((_, last_close)) if *last_close == open => *last_close = close,
                    _ => openings.push((open, close)),
                }
            }
        }
        match day.tomorrow() {
            Ok(next) => day = next,
            Err(_) => break,
        }
    }
    openings
}

/// Whether `[from, until]` lies within one opening of the window.
fn contains(window: &Window, from: Timestamp, until: Timestamp) -> bool {
    inside(window, from) && openings(window, from).iter().any(|&(open, close)| open <= from && until <= close)
}

/// Whether the window is open at some instant of `[from, until)` (of `from` alone when they
/// are equal).
fn overlaps(window: &Window, from: Timestamp, until: Timestamp) -> bool {
    if inside(window, from) {
        return true;
    }
    // Eight days from the day of `from` hold every weekday: a longer span meets the window if
    // any of these openings does.
    openings(window, from).iter().any(|&(open, close)| open < until && close > from)
}

fn describe(window: &Window) -> String {
    format!(
        "{} {:02}:{:02}-{:02}:{:02} {}",
        days(&window.days),
        window.from_minute / 60,
        window.from_minute % 60,
        window.to_minute / 60,
        window.to_minute % 60,
        window.zone
    )
}

fn days(days: &[u8]) -> String {
    const NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    days.iter().filter_map(|day| NAMES.get(usize::from(*day).saturating_sub(1))).copied().collect::<Vec<_>>().join(",")
}

/// `at` in `zone` (the window's), as `Fri 2025-03-07 22:10 CET`.
fn local(at: Timestamp, zone: &str) -> String {
    let zone = crate::zones::get(zone).unwrap_or(jiff::tz::TimeZone::UTC);
    at.to_zoned(zone).strftime("%a %Y-%m-%d %H:%M %Z").to_string()
}

fn instant(t0: &Zoned, offset_ms: i64) -> Option<Timestamp> {
    t0.timestamp().checked_add(jiff::SignedDuration::from_millis(offset_ms)).ok()
}

/// E0530, E0531, W0532 and W0533 for the nodes that can change something, and W0532 and
/// W0533 for the launch. Nothing without T0: the schedule is then relative only.
pub fn check(model: &Model, schedule: &Schedule, t0: Option<&Zoned>, from_command_line: bool) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    let Some(t0) = t0 else { return diagnostics };
    let of = |mode: WindowMode, scope: WindowScope| -> Vec<&Window> {
        model.windows.iter().filter(|window| window.mode == mode && window.scope == scope).collect()
    };
    let hard: Vec<&Window> = model.change_windows().collect();
    let preferred = of(WindowMode::Prefer, WindowScope::Changes);
    let avoided = of(WindowMode::Avoid, WindowScope::Changes);
    let bounded = !hard.is_empty() || !preferred.is_empty() || !avoided.is_empty() || !model.freezes.is_empty();
    for times in schedule.nodes.iter().filter(|_| bounded) {
        let Some(node) = model.nodes.get(times.node.0) else { continue };
        if !node.changes_something() {
            continue;
        }
        let (Some(from), Some(until)) = (instant(t0, times.earliest_start_ms), instant(t0, times.latest_finish_ms))
        else {
            continue;
        };
        let runs = |zone: &str| format!("from {} to {}", local(from, zone), local(until, zone));
        if !hard.is_empty() && !hard.iter().any(|window| contains(window, from, until)) {
            let mut diagnostic = Diagnostic::new(
                Code::ChangeOutsideWindow,
                node.name_span,
                format!(
                    "`{}` can change something and may run {}, outside every window for changes",
                    node.name,
                    runs(hard.first().map_or("UTC", |window| window.zone.as_str()))
                ),
            )
            .label("from its earliest start to its latest finish");
            for window in &hard {
                diagnostic = diagnostic.with(
                    window.name_span,
                    format!(
                        "`{}`: {} (`{}` runs {} there)",
                        window.name,
                        describe(window),
                        node.name,
                        runs(&window.zone)
                    ),
                );
            }
            diagnostics.push(diagnostic.help(format!(
                "schedule `{}` so that it starts and finishes inside a window (an `at`, or another T0), shorten its steps' timeouts, or widen the window",
                node.name
            )));
        }
        for freeze in &model.freezes {
            for period in &freeze.periods {
                if from < period.until && (period.from < until || period.from <= from) {
                    let zone = t0.time_zone().iana_name().unwrap_or("UTC");
                    diagnostics.push(
                        Diagnostic::new(
                            Code::ChangeInFreeze,
                            node.name_span,
                            format!(
                                "`{}` can change something and may run during the freeze `{}` ({})",
                                node.name,
                                freeze.name,
                                runs(zone)
                            ),
                        )
                        .label("from its earliest start to its latest finish")
                        .with(
                            period.span,
                            format!(
                                "`{}` runs from {} until {}",
                                freeze.name,
                                local(period.from, zone),
                                local(period.until, zone)
                            ),
                        )
                        .help(format!("schedule `{}` to finish before the freeze or start after it", node.name)),
                    );
                }
            }
        }
        if !preferred.is_empty() && !preferred.iter().any(|window| contains(window, from, until)) {
            let mut diagnostic = Diagnostic::new(
                Code::OutsidePreferredWindow,
                node.name_span,
                format!(
                    "`{}` can change something and may run {}, outside every preferred window",
                    node.name,
                    runs(preferred.first().map_or("UTC", |window| window.zone.as_str()))
                ),
            )
            .label("from its earliest start to its latest finish");
            for window in &preferred {
                diagnostic = diagnostic.with(window.name_span, format!("`{}`: {}", window.name, describe(window)));
            }
            diagnostics
                .push(diagnostic.help("a preference, not a rule: move the node or T0 into the window if you can"));
        }
        for window in avoided.iter().filter(|window| overlaps(window, from, until)) {
            diagnostics.push(
                Diagnostic::new(
                    Code::InsideAvoidedWindow,
                    node.name_span,
                    format!(
                        "`{}` can change something and may run inside `{}`, which the plan avoids ({})",
                        node.name,
                        window.name,
                        runs(&window.zone)
                    ),
                )
                .label("from its earliest start to its latest finish")
                .with(window.name_span, format!("`{}`: {}", window.name, describe(window)))
                .help("a preference, not a rule: move the node or T0 out of the window if you can"),
            );
        }
    }
    launch(model, t0, from_command_line, &mut diagnostics);
    diagnostics
}

/// W0532 and W0533 for T0 against the `prefer launch` and `avoid launch` windows.
fn launch(model: &Model, t0: &Zoned, from_command_line: bool, diagnostics: &mut Vec<Diagnostic>) {
    let span = if from_command_line { model.plan.span } else { model.plan.launch_span.unwrap_or(model.plan.span) };
    let source = if from_command_line { "the launch given with --t0" } else { "the launch" };
    let at = t0.timestamp();
    let preferred: Vec<&Window> = model
        .windows
        .iter()
        .filter(|window| window.mode == WindowMode::Prefer && window.scope == WindowScope::Launch)
        .collect();
    if !preferred.is_empty() && !preferred.iter().any(|window| inside(window, at)) {
        let mut diagnostic = Diagnostic::new(
            Code::OutsidePreferredWindow,
            span,
            format!(
                "{source}, {}, is outside every preferred launch window",
                local(at, preferred.first().map_or("UTC", |window| window.zone.as_str()))
            ),
        )
        .label("T0");
        for window in &preferred {
            diagnostic = diagnostic.with(
                window.name_span,
                format!("`{}`: {} (T0 is {} there)", window.name, describe(window), local(at, &window.zone)),
            );
        }
        diagnostics.push(diagnostic.help("a preference, not a rule: move the launch into the window if you can"));
    }
    for window in model
        .windows
        .iter()
        .filter(|window| window.mode == WindowMode::Avoid && window.scope == WindowScope::Launch)
        .filter(|window| inside(window, at))
    {
        diagnostics.push(
            Diagnostic::new(
                Code::InsideAvoidedWindow,
                span,
                format!("{source}, {}, falls inside `{}`, which the plan avoids", local(at, &window.zone), window.name),
            )
            .label("T0")
            .with(window.name_span, format!("`{}`: {}", window.name, describe(window)))
            .help("a preference, not a rule: move the launch out of the window if you can"),
        );
    }
}
