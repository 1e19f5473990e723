//! The HTML report of a run (`golivec simulate --format html`), through the public API: its
//! structure on hand-built traces, the escaping of every plan and trace string, determinism,
//! no panic on odd traces, and a screenshot in headless Chromium.

use crate::support::{require_tool, root};
use golivec::model::Model;
use golivec::run::html::render;
use golivec::run::trace::{End, EndState, Event, EventKind, Judged, NodeOutcome, Signal, StepOutcome, Trace, Verdict};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const MINUTE: i64 = 60_000;

/// A small plan with a title that tries to leave its element.
const PLAN: &str = r#"plan shop {
  title "<script>alert(\"x\")</script> & 'quotes' </title>"
  launch 2024-02-06T09:30:00+01:00[Europe/Paris]
}

role ops "Operations"

metric error_rate : percent "Errors <b>&amp;</b>" { probe sh "./errors.sh" }
metric p95 : duration {
  probe sh "./p95.sh"
  unit ms
}
metric up : bool { probe sh "./up.sh" }
metric cpu : percent { probe sh "./cpu.sh" }

gate go_no_go {
  check "Ready?"
  require error_rate < 1% and p95 < 500ms
  on fail abort
}

phase deploy after go_no_go {
  run "Deploy" sh "./deploy.sh"
  on fail rollback incident
}

watch health after deploy every 1m for 30m {
  error_rate < 0.5%
  up
  on breach rollback incident
}

phase announce after health {
  notify ops "Done"
}

rollback incident {
  level full when error_rate >= 5% or not up {
    run "Roll back" sh "./rollback.sh"
  }
  level fine when error_rate < 5% { continue }
}

alert errors "Errors" severity warning when error_rate > 2% { notify ops "Errors" }
"#;

fn model(name: &str, text: &str) -> Model {
    let (checked, rendered) = crate::support::render(name, text);
    assert!(!checked.has_errors(), "{name} does not check:\n{rendered}");
    checked.model.expect("a plan without errors has a model")
}

fn event(t_ms: i64, kind: EventKind) -> Event {
    Event { t_ms, kind }
}

fn started(t_ms: i64, node: &str, kind: &str) -> Event {
    event(t_ms, EventKind::NodeStarted { node: node.into(), kind: kind.into() })
}

fn finished(t_ms: i64, node: &str, outcome: NodeOutcome) -> Event {
    event(t_ms, EventKind::NodeFinished { node: node.into(), outcome })
}

fn sample(t_ms: i64, by: &str, metric: &str, value: Option<f64>) -> Event {
    let nodata = value.is_none().then(|| "timed_out".to_string());
    event(t_ms, EventKind::Sample { by: by.into(), metric: metric.into(), value, nodata })
}

fn decision(t_ms: i64, by: &str, verdict: Verdict, conditions: &[(&str, Verdict)], then: &str) -> Event {
    let conditions = conditions
        .iter()
        .map(|(condition, verdict)| Judged { condition: (*condition).into(), verdict: *verdict })
        .collect();
    event(t_ms, EventKind::Decision { by: by.into(), verdict, conditions, then: then.into() })
}

fn end(state: EndState, t_ms: i64, summary: &str) -> End {
    End {
        state,
        exit_status: state.exit_status(None),
        t_ms,
        breach_ms: None,
        breach_to_rollback_ms: None,
        safe: matches!(state, EndState::Completed | EndState::RolledBack),
        failures: Vec::new(),
        summary: summary.into(),
    }
}

/// A run of [`PLAN`]: the gate passes, the deploy is done, the watch is breached by the error
/// rate and the tree rolls back; `announce` never starts.
fn shop_trace() -> Trace {
    let mut events = vec![
        event(0, EventKind::RunStarted { operator: "alice".into() }),
        started(0, "go_no_go", "gate"),
        sample(MINUTE, "go_no_go", "error_rate", Some(0.2)),
        sample(MINUTE, "go_no_go", "p95", Some(180.0)),
        decision(
            MINUTE,
            "go_no_go",
            Verdict::Holds,
            &[("error_rate < 1%", Verdict::Holds), ("p95 < 500ms", Verdict::Holds)],
            "passes",
        ),
        finished(2 * MINUTE, "go_no_go", NodeOutcome::Done),
        started(2 * MINUTE, "deploy", "phase"),
        finished(9 * MINUTE, "deploy", NodeOutcome::Done),
        started(9 * MINUTE, "health", "watch"),
    ];
    for minute in 10..=15 {
        let error_rate = if minute < 15 { Some(0.1 + f64::from(minute as u8 - 10) * 0.05) } else { Some(6.5) };
        let up = if minute == 13 { None } else { Some(1.0) };
        events.push(sample(minute * MINUTE, "health", "error_rate", error_rate));
        events.push(sample(minute * MINUTE, "health", "up", up));
        let verdict = match (minute, up) {
            (_, None) => Verdict::NoData,
            (15.., _) => Verdict::DoesNotHold,
            _ => Verdict::Holds,
        };
        events.push(decision(
            minute * MINUTE,
            "health",
            verdict,
            &[("error_rate < 0.5%", verdict), ("up", if up.is_some() { Verdict::Holds } else { Verdict::NoData })],
            if verdict == Verdict::DoesNotHold { "breached: rollback incident" } else { "keeps watching" },
        ));
        if minute == 15 {
            events
                .push(event(15 * MINUTE, EventKind::AlertFired { alert: "errors".into(), severity: "warning".into() }));
            events.push(event(
                15 * MINUTE,
                EventKind::Breach { node: "health".into(), conditions: vec!["error_rate < 0.5%".into()] },
            ));
            events.push(finished(15 * MINUTE, "health", NodeOutcome::Failed));
            events.push(event(
                15 * MINUTE,
                EventKind::TreeEntered { tree: "incident".into(), reason: "health breached".into() },
            ));
            events.push(event(
                15 * MINUTE,
                EventKind::LevelChosen {
                    tree: "incident".into(),
                    level: "full".into(),
                    why: "its condition holds".into(),
                    conditions: vec![Judged { condition: "error_rate >= 5%".into(), verdict: Verdict::Holds }],
                },
            ));
        }
    }
    events.push(event(
        21 * MINUTE,
        EventKind::LevelFinished {
            tree: "incident".into(),
            level: "full".into(),
            result: "rolled_back".into(),
            left: Vec::new(),
        },
    ));
    events.push(event(21 * MINUTE, EventKind::NodeSkipped { node: "announce".into() }));
    events.push(event(21 * MINUTE, EventKind::RunFinished { state: EndState::RolledBack, exit_status: 3 }));
    let mut end =
        end(EndState::RolledBack, 21 * MINUTE, "health was breached at T+15m; rolled back by incident › full.");
    end.breach_ms = Some(15 * MINUTE);
    end.breach_to_rollback_ms = Some(6 * 60_000);
    Trace { plan: "shop".into(), t0: Some("2024-02-06T09:30:00+01:00[Europe/Paris]".into()), events, end }
}

#[test]
fn one_chart_per_sampled_metric_and_one_bar_per_started_node() {
    let model = model("shop.golive", PLAN);
    let trace = shop_trace();
    let html = render(&model, &trace);
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    assert!(html.ends_with("</html>\n"));
    let starts = trace.events.iter().filter(|event| matches!(event.kind, EventKind::NodeStarted { .. })).count();
    assert_eq!(starts, 3);
    assert_eq!(html.matches("<rect class=\"bar node ").count(), starts, "one bar per started node");
    assert_eq!(html.matches("<svg class=\"chart\"").count(), 3, "error_rate, p95 and up were sampled");
    assert_eq!(html.matches("<svg").count(), html.matches("</svg>").count());
    for metric in ["error_rate", "p95", "up"] {
        assert!(html.contains(&format!("aria-label=\"Samples of {metric}\"")), "no chart for {metric}");
    }
    // cpu was never sampled: listed, without a chart.
    assert!(html.contains("Never sampled: <code>cpu</code>"), "{html}");
    assert!(!html.contains("Samples of cpu"));
    // The skipped node has a row without a bar.
    assert!(html.contains(">announce <tspan"), "the skipped node is listed");
    assert!(html.contains("skipped: the run ended before it started"));
    // The rollback tree has a bar of its own, and the breach a marker.
    let gantt = &html[..html.find("<ul class=\"legend\">").expect("a legend under the timeline")];
    assert_eq!(gantt.matches("class=\"bar tree rb-done\"").count(), 1);
    assert_eq!(gantt.matches("class=\"marker breach\"").count(), 1);
    // No data is marked on the chart, and the thresholds of the plan are drawn.
    assert_eq!(html.matches("class=\"nodata\"").count(), 1);
    assert!(html.contains("class=\"band healthy\""), "a must-hold band");
    assert!(html.contains("<code>error_rate &lt; 0.5%</code>"), "the watch's condition");
    assert!(html.contains("<code>error_rate &gt;= 5%</code>"), "the rollback level's condition");
    assert!(html.contains("<code>not up</code>"), "a negated bool test");
    // Local times in the plan's zone, and the end.
    assert!(html.contains("Tue 6 Feb 2024 09:30:00 CET (Europe&#x2f;Paris, UTC+01:00)"), "{html}");
    assert!(html.contains("rolled back"));
    // Repeated holds of one watch are one row.
    assert!(html.contains("×3"), "three identical holds of health before the no-data sample");
}

#[test]
fn plan_and_trace_text_cannot_leave_its_place() {
    let model = model("shop.golive", PLAN);
    let hostile = "\"'><script>alert(1)</script><img src=x onerror=alert(2)>&amp;";
    let mut trace = shop_trace();
    trace.plan = hostile.into();
    trace.t0 = Some(hostile.into());
    trace.end.summary = hostile.into();
    trace.end.failures = vec![hostile.into()];
    trace.events.extend([
        started(22 * MINUTE, hostile, hostile),
        sample(22 * MINUTE, hostile, hostile, Some(1.0)),
        sample(22 * MINUTE, hostile, "error_rate", None),
        decision(22 * MINUTE, hostile, Verdict::DoesNotHold, &[(hostile, Verdict::DoesNotHold)], hostile),
        event(22 * MINUTE, EventKind::Breach { node: hostile.into(), conditions: vec![hostile.into()] }),
        event(22 * MINUTE, EventKind::Declared { text: hostile.into(), by: hostile.into() }),
        event(22 * MINUTE, EventKind::TreeEntered { tree: hostile.into(), reason: hostile.into() }),
        event(
            22 * MINUTE,
            EventKind::StepStarted { step: hostile.into(), kind: hostile.into(), title: hostile.into(), attempt: 1 },
        ),
        event(
            22 * MINUTE,
            EventKind::StepFinished {
                step: hostile.into(),
                outcome: StepOutcome::Failed,
                detail: Some(hostile.into()),
            },
        ),
        event(22 * MINUTE, EventKind::AlertFired { alert: hostile.into(), severity: hostile.into() }),
        event(22 * MINUTE, EventKind::Question { id: hostile.into(), question: hostile.into() }),
        event(
            22 * MINUTE,
            EventKind::LevelFinished {
                tree: hostile.into(),
                level: hostile.into(),
                result: hostile.into(),
                left: vec![hostile.into()],
            },
        ),
    ]);
    let html = render(&model, &trace);
    let lower = html.to_lowercase();
    assert!(!lower.contains("<script"), "a script element:\n{html}");
    assert!(!lower.contains("<img"), "an img element:\n{html}");
    assert!(!lower.contains("<b>"), "the metric's title made an element");
    assert!(!html.contains("'><"), "an attribute was left");
    assert!(!html.contains("\"'>"), "an attribute was left");
    // The texts are there, escaped.
    assert!(html.contains(
        "&lt;script&gt;alert(&quot;x&quot;)&lt;&#x2f;script&gt; &amp; &#x27;quotes&#x27; &lt;&#x2f;title&gt;"
    ));
    assert!(html.contains("&lt;img src=x onerror=alert(2)&gt;&amp;amp;"));
    assert!(html.contains("Errors &lt;b&gt;&amp;amp;&lt;&#x2f;b&gt;"));
    // Exactly the page's own elements: one title, one style, no script.
    assert_eq!(lower.matches("<title>").count(), lower.matches("</title>").count());
    assert_eq!(lower.matches("<style>").count(), 1);
    assert_eq!(lower.matches("<html").count(), 1);
    assert_eq!(lower.matches("</body>").count(), 1);
}

#[test]
fn the_template_never_marks_text_safe() {
    let template = std::fs::read_to_string(root().join("src/run/templates/report.html.j2")).expect("the template");
    // Nothing marked safe, no script, nothing fetched (`url(#hatch)` is the page's own pattern).
    for needle in ["|safe", "| safe", "autoescape", "<script", "http://", "https://", "@import", "src=", "href="] {
        assert!(!template.contains(needle), "the template contains `{needle}`");
    }
    for reference in template.split("url(").skip(1) {
        assert!(reference.starts_with('#'), "the template fetches url({reference:.20})");
    }
}

#[test]
fn the_same_run_is_the_same_page() {
    let model = model("shop.golive", PLAN);
    let trace = shop_trace();
    let first = render(&model, &trace);
    let again = render(&model, &trace.clone());
    assert_eq!(first, again);
    // And through the trace's JSON form, as `golivec simulate` would read it.
    let json = serde_json::to_string(&trace).expect("a trace serializes");
    let read: Trace = serde_json::from_str(&json).expect("a trace deserializes");
    assert_eq!(render(&model, &read), first);
}

#[test]
fn odd_traces_give_a_page() {
    let model = model("shop.golive", PLAN);
    let plain = |events: Vec<Event>, end_ms: i64| Trace {
        plan: "shop".into(),
        t0: None,
        events,
        end: end(EndState::Completed, end_ms, "done"),
    };
    let mut cases = vec![
        plain(Vec::new(), 0),
        plain(vec![started(0, "deploy", "phase")], 0),
        plain(vec![finished(5, "deploy", NodeOutcome::Done)], -5),
        plain(
            vec![started(-3 * 86_400_000, "go_no_go", "gate"), finished(-MINUTE, "go_no_go", NodeOutcome::Stopped)],
            -MINUTE,
        ),
        plain(vec![started(i64::MIN, "deploy", "phase"), finished(i64::MAX, "deploy", NodeOutcome::Done)], i64::MAX),
        plain(
            vec![
                sample(i64::MAX, "x", "error_rate", Some(f64::MAX)),
                sample(i64::MIN, "x", "error_rate", Some(-f64::MAX)),
            ],
            0,
        ),
        plain(
            vec![
                sample(1, "x", "p95", Some(1e300)),
                sample(2, "x", "p95", Some(-1e300)),
                sample(3, "x", "p95", Some(f64::MIN_POSITIVE)),
                sample(4, "x", "p95", Some(f64::NAN)),
                sample(5, "x", "p95", Some(f64::INFINITY)),
                sample(6, "x", "cpu", Some(1e20)),
                sample(7, "x", "cpu", Some(1e20 + 1.0)),
                sample(8, "x", "up", Some(7.0)),
                sample(9, "x", "never_declared", Some(3.0)),
                sample(10, "x", "up", None),
            ],
            10,
        ),
        plain(
            vec![
                event(
                    1,
                    EventKind::LevelFinished { tree: "t".into(), level: "l".into(), result: "?".into(), left: vec![] },
                ),
                event(
                    2,
                    EventKind::LevelChosen {
                        tree: "u".into(),
                        level: "l".into(),
                        why: String::new(),
                        conditions: vec![],
                    },
                ),
                event(3, EventKind::Escalated { tree: "u".into(), from: "l".into(), to: None }),
                event(4, EventKind::Signal { signal: Signal::Int, running: vec![] }),
                event(5, EventKind::Resumed {}),
                event(6, EventKind::Baseline { metric: "error_rate".into(), value: None, samples: 0 }),
                decision(7, "nobody", Verdict::Pending, &[], ""),
                event(8, EventKind::Inconclusive { node: "ghost".into(), nodata_samples: 3 }),
            ],
            8,
        ),
    ];
    let mut unparsable = plain(vec![started(0, "deploy", "phase")], MINUTE);
    unparsable.t0 = Some("not a time".into());
    cases.push(unparsable);
    let mut far = plain(vec![started(0, "deploy", "phase")], i64::MAX);
    far.t0 = Some("2024-02-06T09:30:00+01:00[Europe/Paris]".into());
    cases.push(far);
    for (index, trace) in cases.iter().enumerate() {
        let html = render(&model, trace);
        assert!(html.starts_with("<!DOCTYPE html>") && html.ends_with("</html>\n"), "case {index}:\n{html}");
        assert!(!html.contains("could not be rendered"), "case {index}:\n{html}");
        for bad in ["NaN", "inf\"", "inf,", "inf ", "inf<"] {
            assert!(!html.contains(bad), "case {index} drew a NaN or an infinity:\n{html}");
        }
    }
}

/// Writes `html` to `target/<stem>.html` and screenshots it with headless Chromium into
/// `target/<stem>.png`; returns the PNG's path.
fn screenshot(html: &str, stem: &str, size: (u32, u32)) -> PathBuf {
    let chromium = require_tool("chromium");
    let target = root().join("target");
    std::fs::create_dir_all(&target).expect("target/ can be made");
    let page = target.join(format!("{stem}.html"));
    let png = target.join(format!("{stem}.png"));
    std::fs::write(&page, html).expect("the page is written");
    let _ = std::fs::remove_file(&png);
    let profile = std::env::temp_dir().join(format!("golivec-chromium-{stem}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&profile);
    std::fs::create_dir_all(&profile).expect("a profile directory");
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("--window-size={},{}", size.0, size.1))
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("chromium starts");
    let deadline = Instant::now() + Duration::from_secs(180);
    let status = loop {
        if let Some(status) = child.try_wait().expect("chromium can be waited for") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within 180 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let output = child.wait_with_output().expect("chromium's output");
    let _ = std::fs::remove_dir_all(&profile);
    assert!(status.success(), "chromium failed: {}", String::from_utf8_lossy(&output.stderr));
    png
}

fn png_size(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).expect("the screenshot is readable");
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "{} is not a PNG", path.display());
    let word = |at: usize| u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    (word(16), word(20))
}

/// A run of `examples/tour.golive`: the canary's error rate rises at 25%, the rollout fails, the
/// pause runs out and the incident tree's critical level rolls back. The watches never start.
fn tour_trace() -> Trace {
    let mut events = vec![event(-24 * 60 * MINUTE, EventKind::RunStarted { operator: "alice".into() })];
    let phase = |events: &mut Vec<Event>, name: &str, kind: &str, from: i64, to: i64| {
        events.push(started(from, name, kind));
        events.push(finished(to, name, NodeOutcome::Done));
    };
    phase(&mut events, "prepare", "phase", -24 * 60 * MINUTE, -24 * 60 * MINUTE + 9 * MINUTE);
    phase(&mut events, "ready", "gate", -120 * MINUTE, -95 * MINUTE);
    events.push(event(
        -95 * MINUTE,
        EventKind::Answered { step: "ready.3".into(), by: "pat".into(), role: Some("product".into()), approved: true },
    ));
    phase(&mut events, "secure", "phase", -60 * MINUTE, -54 * MINUTE);
    events.push(event(
        -30 * MINUTE,
        EventKind::Baseline { metric: "throughput".into(), value: Some(1200.0), samples: 30 },
    ));
    events.push(started(-54 * MINUTE, "go_no_go", "gate"));
    for minute in -53..=-42 {
        let t = minute * MINUTE;
        events.push(sample(t, "go_no_go", "error_rate", Some(0.04 + f64::from((minute % 3) as i8).abs() * 0.01)));
        let verdict = if minute < -43 { Verdict::Pending } else { Verdict::Holds };
        events.push(decision(
            t,
            "go_no_go",
            verdict,
            &[("error_rate < 0.1% for 10m", verdict)],
            if verdict == Verdict::Holds { "passes" } else { "keeps sampling" },
        ));
    }
    events.push(finished(-40 * MINUTE, "go_no_go", NodeOutcome::Done));
    events.push(started(0, "deploy", "phase"));
    events.push(finished(12 * MINUTE, "deploy", NodeOutcome::Done));
    events.push(started(12 * MINUTE, "canary", "rollout"));
    let half = MINUTE / 2;
    let mut t = 12 * MINUTE + half;
    let mut step = 0;
    let breach_at = 20 * MINUTE;
    while t <= breach_at {
        let stage = if t < 17 * MINUTE { "canary.stage.1" } else { "canary.stage.2" };
        let rising = (t - 17 * MINUTE).max(0) as f64 / MINUTE as f64;
        let error_rate = 0.3 + f64::from(step % 4) * 0.05 + rising * rising * 0.12;
        let p95 = if step == 9 { None } else { Some(210.0 + f64::from(step % 5) * 18.0 + rising * 60.0) };
        let throughput = 1150.0 - rising * 40.0 + f64::from(step % 3) * 12.0;
        events.push(sample(t, stage, "error_rate", Some(error_rate)));
        events.push(sample(t, stage, "p95", p95));
        events.push(sample(t, stage, "throughput", Some(throughput)));
        let failing = error_rate >= 1.0;
        let verdict = if failing {
            Verdict::DoesNotHold
        } else if p95.is_none() {
            Verdict::NoData
        } else {
            Verdict::Holds
        };
        events.push(decision(
            t,
            stage,
            verdict,
            &[
                ("error_rate < 1%", if failing { Verdict::DoesNotHold } else { Verdict::Holds }),
                ("p95 < 500ms", if p95.is_some() { Verdict::Holds } else { Verdict::NoData }),
                ("throughput > 70% of baseline", Verdict::Holds),
            ],
            if failing { "fails: pause 10m then rollback incident" } else { "keeps sampling" },
        ));
        if failing {
            break;
        }
        step += 1;
        t += half;
    }
    let failed_at = t;
    events.push(finished(failed_at, "canary", NodeOutcome::Failed));
    events.push(event(
        failed_at,
        EventKind::Action { node: "canary".into(), action: "pause 10m then rollback incident".into() },
    ));
    let mut t = failed_at + MINUTE;
    while t <= failed_at + 10 * MINUTE {
        let minutes = (t - failed_at) as f64 / MINUTE as f64;
        events.push(sample(t, "incident", "error_rate", Some(1.1 + minutes * 0.55)));
        if t == failed_at + 4 * MINUTE {
            events.push(event(t, EventKind::AlertFired { alert: "high_errors".into(), severity: "critical".into() }));
        }
        t += MINUTE;
    }
    let entered = failed_at + 10 * MINUTE;
    events.push(event(entered, EventKind::Declared { text: "security issue".into(), by: "tech_lead".into() }));
    events.push(event(
        entered,
        EventKind::TreeEntered { tree: "incident".into(), reason: "canary failed; the pause ran out".into() },
    ));
    events.push(event(
        entered,
        EventKind::LevelChosen {
            tree: "incident".into(),
            level: "critical".into(),
            why: "the first level whose condition holds".into(),
            conditions: vec![Judged {
                condition: "error_rate >= 10% or not up or nodata or declared \"security issue\"".into(),
                verdict: Verdict::Holds,
            }],
        },
    ));
    let done = entered + 8 * MINUTE;
    events.push(event(
        done,
        EventKind::LevelFinished {
            tree: "incident".into(),
            level: "critical".into(),
            result: "rolled_back".into(),
            left: Vec::new(),
        },
    ));
    for node in ["red", "orange", "yellow"] {
        events.push(event(done, EventKind::NodeSkipped { node: node.into() }));
    }
    events.push(event(done, EventKind::RunFinished { state: EndState::RolledBack, exit_status: 3 }));
    let summary = format!(
        "canary failed at {} (error_rate < 1% did not hold); rolled back by incident › critical, {} after.",
        golivec::units::format_offset(failed_at),
        golivec::units::format_duration(done.abs_diff(failed_at)),
    );
    let mut end = end(EndState::RolledBack, done, &summary);
    end.breach_ms = Some(failed_at);
    end.breach_to_rollback_ms = Some((done - failed_at) as u64);
    Trace { plan: "tour".into(), t0: Some("2024-02-06T09:30:00+01:00[Europe/Paris]".into()), events, end }
}

#[test]
fn the_report_renders_in_chromium() {
    let text = std::fs::read_to_string(root().join("examples/tour.golive")).expect("the tour");
    let model = model("tour.golive", &text);
    let html = render(&model, &tour_trace());
    assert_eq!(html.matches("<svg class=\"chart\"").count(), 3, "error_rate, p95, throughput");
    let png = screenshot(&html, "simulate-report", (1400, 2000));
    let size = std::fs::metadata(&png).expect("the screenshot exists").len();
    assert!(size > 50_000, "{} is only {size} bytes", png.display());
    assert_eq!(png_size(&png), (1400, 2000));
}

/// Every scenario fixture's run, as the engine makes it, gives a page with a bar per started
/// node and a chart per sampled metric.
#[test]
fn every_scenario_fixture_gives_a_page() {
    let dir = root().join("tests/fixtures/scenarios");
    let scenarios = crate::support::files(&dir, "toml");
    assert!(!scenarios.is_empty());
    for path in scenarios {
        let text = std::fs::read_to_string(&path).expect("scenario is UTF-8");
        let plan = text
            .lines()
            .find_map(|line| line.strip_prefix("# plan:"))
            .unwrap_or_else(|| panic!("{}: no `# plan:` line", path.display()))
            .trim();
        let (checked, rendered) =
            crate::support::render_in(&dir, plan, &std::fs::read_to_string(dir.join(plan)).expect("plan"));
        assert!(!checked.has_errors(), "{plan}:\n{rendered}");
        let (model, analysis) = (checked.model.expect("model"), checked.analysis.expect("analysis"));
        let t0 = analysis.schedule.t0.as_deref().and_then(|t0| t0.parse::<jiff::Zoned>().ok());
        let scenario = golivec::run::world::parse_scenario(&text).expect("scenario");
        let world = golivec::run::world::World::resolve(&model, &scenario, t0).expect("world");
        let trace = golivec::run::engine::simulate(&model, &analysis.order, &world);
        let html = render(&model, &trace);
        let starts = trace.events.iter().filter(|event| matches!(event.kind, EventKind::NodeStarted { .. })).count();
        let mut sampled: Vec<&str> = trace
            .events
            .iter()
            .filter_map(|event| match &event.kind {
                EventKind::Sample { metric, .. } => Some(metric.as_str()),
                _ => None,
            })
            .collect();
        sampled.sort_unstable();
        sampled.dedup();
        let name = path.display();
        assert_eq!(html.matches("<rect class=\"bar node ").count(), starts, "{name}: one bar per started node");
        assert_eq!(html.matches("<svg class=\"chart\"").count(), sampled.len(), "{name}: one chart per sampled metric");
        assert!(html.contains(trace.end.state.name()), "{name}: the end state");
    }
}

#[test]
fn simulate_writes_one_page_per_run() {
    let plan = "tests/fixtures/scenarios/canary.golive";
    let breach = "tests/fixtures/scenarios/canary-stage-breach.toml";
    let output = crate::support::golivec(&["simulate", plan, "--scenario", breach, "--format", "html"], None);
    let html = crate::support::stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{}", crate::support::stderr(&output));
    assert!(html.starts_with("<!DOCTYPE html>") && html.ends_with("</html>\n"), "{html}");
    assert_eq!(html.matches("<html").count(), 1);
    assert!(html.contains("rolled back"));
    // Several runs would be several pages: refused.
    let happy = "tests/fixtures/scenarios/canary-happy.toml";
    let output = crate::support::golivec(
        &["simulate", plan, "--scenario", breach, "--scenario", happy, "--format", "html"],
        None,
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(crate::support::stderr(&output).contains("--format html shows one run"));
    assert!(output.stdout.is_empty());
}
