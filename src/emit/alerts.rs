//! The plan's alerts as a Prometheus rule file (`--target alerts`, `<stem>.rules.yml`) and a
//! `promtool test rules` file that checks it (`--target alerts-test`, `<stem>.rules.test.yml`).
//!
//! Which alert becomes which rule is decided once, in [`crate::analysis::alert_rules`]; this
//! module writes the PromQL and lays out data for the templates. Plan text reaches the files
//! only through [`yaml_string`] (a YAML double-quoted scalar) and, in annotations, through
//! [`template_text`] first (Prometheus expands annotations as Go templates).
//!
//! The tests are made from the thresholds: for each threshold of an alert (and each metric it
//! reads, against no data), values of its metrics that make its condition hold, and the same
//! values with that metric moved across the threshold (just before or at it) so that it no
//! longer holds. Both are decided with the run's own evaluation
//! (`run::measure::evaluate`), so the rule is tested against what the runbook would decide.

use super::view::{ItemView, PlanView};
use crate::analysis::alert_rules::{self, AlertRule, Expr};
use crate::model::{Condition, ConditionKind, MetricId, MetricType, Model, Threshold};
use crate::run::measure::{self, Holds, NoData, Readings, Sample};
use crate::run::trace::Verdict;
use serde::Serialize;

const RULES: &str = include_str!("templates/alerts.rules.yml.j2");
const TESTS: &str = include_str!("templates/alerts.test.yml.j2");

/// How often Prometheus evaluates the group: every minute, as the runbook samples alerts (R23).
const INTERVAL_MS: u64 = 60_000;

/// The most combinations of candidate values tried to make an alert's condition hold.
const MAX_TRIES: usize = 4096;

/// The most worlds where an alert holds tried for one threshold: a few hundred evaluations at
/// most, however many metrics the alert reads.
const MAX_WORLDS_PER_GROUP: usize = 256;

/// The rule file's name beside the test file.
pub fn rules_file(stem: &str) -> String {
    format!("{stem}.rules.yml")
}

/// Each alert's rule name (`None`: left out of the rule file, W1006), in the plan's order: what
/// the checklist says about each alert.
pub fn rule_names(model: &Model) -> Vec<Option<String>> {
    alert_rules::rules(model).into_iter().map(|rule| rule.ok().map(|rule| rule.name)).collect()
}

/// A string as a YAML double-quoted scalar: JSON's escapes, which YAML reads the same, plus
/// `\uXXXX` for the characters a YAML stream may not hold as they are (DEL, C1 controls,
/// U+FEFF, U+FFFE, U+FFFF).
pub fn yaml_string(text: &str) -> String {
    let quoted = serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_string());
    let mut out = String::with_capacity(quoted.len());
    for c in quoted.chars() {
        let code = u32::from(c);
        if code == 0x7f || (0x80..=0x9f).contains(&code) || matches!(code, 0xfeff | 0xfffe | 0xffff) {
            out.push_str(&format!("\\u{code:04x}"));
        } else {
            out.push(c);
        }
    }
    out
}

/// Text Prometheus expands as a Go template (annotations) shown as it is: every `{{` becomes
/// an action that prints `{{`. Nothing else starts an action (`}}`, `$labels` outside an
/// action are plain text).
pub fn template_text(text: &str) -> String {
    text.replace("{{", "{{ \"{{\" }}")
}

/// A number as PromQL and YAML read it, without float noise: the shortest decimal within a
/// trillionth of the value (`0.01`, not `0.010000000000000002`). Never an exponent.
pub fn number(value: f64) -> String {
    if value == 0.0 || !value.is_finite() {
        return "0".to_string();
    }
    for digits in 1..=17 {
        let text = format!("{:.*e}", digits - 1, value);
        if let Ok(short) = text.parse::<f64>() {
            if (short - value).abs() <= value.abs() * 1e-12 {
                return format!("{short}");
            }
        }
    }
    format!("{value}")
}

/// A duration as Prometheus writes one: `1h30m`, `90s` as `1m30s`, `500ms`.
pub fn duration(ms: u64) -> String {
    if ms == 0 {
        return "0s".to_string();
    }
    let mut rest = ms;
    let mut text = String::new();
    for (unit, size) in [("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1_000), ("ms", 1)] {
        if rest >= size {
            text.push_str(&format!("{}{unit}", rest / size));
            rest %= size;
        }
    }
    text
}

/// The PromQL of a rule's condition: a series exactly when it holds.
pub fn promql(model: &Model, expr: &Expr) -> String {
    let sample = |metric: &MetricId| alert_rules::sample(model, *metric);
    let group = |expr: &Expr| {
        let text = promql(model, expr);
        format!("({text})")
    };
    match expr {
        Expr::Compare { metric, comparison: op, value } => {
            format!("{} {} {}", sample(metric), op.symbol(), number(*value))
        }
        Expr::InRange { metric, low, high, inclusive, negated: false } => format!(
            "({} >= {}) {} {}",
            sample(metric),
            number(*low),
            if *inclusive { "<=" } else { "<" },
            number(*high)
        ),
        Expr::InRange { metric, low, high, inclusive, negated: true } => format!(
            "({} < {}) or ({} {} {})",
            sample(metric),
            number(*low),
            sample(metric),
            if *inclusive { ">" } else { ">=" },
            number(*high)
        ),
        Expr::Test { metric, truth } => format!("{} {} 0", sample(metric), if *truth { "!=" } else { "==" }),
        Expr::Absent { metrics } => {
            metrics.iter().map(|metric| format!("absent({})", sample(metric))).collect::<Vec<_>>().join(" or on() ")
        }
        Expr::Present { metrics } => metrics.iter().map(sample).collect::<Vec<_>>().join(" and on() "),
        Expr::And(operands) => operands.iter().map(group).collect::<Vec<_>>().join(" and on() "),
        Expr::Or(operands) => operands.iter().map(group).collect::<Vec<_>>().join(" or on() "),
    }
}

/// The value of a recorded query as the runbook reads it (`run::measure`): one series, its
/// labels dropped, and none (no data) when the query has no series or several, or when its
/// value is one the metric's type cannot take (`measure::in_range`: NaN, an infinity, a negative
/// duration, rate or count, a percentage outside 0..100%), bounds in the query's unit. Counts
/// are not checked to be whole numbers.
fn sample_expr(model: &Model, metric: MetricId, recorded: &str) -> String {
    let metric = &model.metrics[metric.0];
    let one = format!("(sum({recorded}) and on() (count({recorded}) == 1))");
    let bounds = match metric.ty {
        MetricType::Percent => format!(">= 0 <= {}", number(100.0 / measure::declared_scale(metric))),
        MetricType::Duration | MetricType::Rate | MetricType::Count | MetricType::Size => ">= 0 < +Inf".to_string(),
        MetricType::Number => "> -Inf < +Inf".to_string(),
        // A bool is true for any number but 0 (as the runbook reads a query), and NaN is none.
        MetricType::Bool => ">= -Inf".to_string(),
    };
    format!("{one} {bounds}")
}

#[derive(Serialize)]
struct Record {
    record: String,
    expr: String,
}

#[derive(Serialize)]
struct AlertEntry {
    name: String,
    expr: String,
    for_: Option<String>,
    labels: Vec<(String, String)>,
    annotations: Vec<(String, String)>,
}

/// What an alert's rule is made of, plain (before quoting): shared by the rules and the tests.
struct Alert<'a> {
    index: usize,
    rule: AlertRule,
    labels: Vec<(&'static str, String)>,
    /// `summary`, `description`, as people read them once Prometheus expanded them.
    annotations: Vec<(&'static str, String)>,
    when: &'a Condition,
}

fn alerts<'m>(model: &'m Model, view: &PlanView) -> Vec<Alert<'m>> {
    let plan_title = view.plan.title.as_deref().filter(|title| !title.trim().is_empty()).unwrap_or(&view.plan.name);
    alert_rules::rules(model)
        .into_iter()
        .enumerate()
        .filter_map(|(index, rule)| {
            let rule = rule.ok()?;
            let alert = &model.alerts[index];
            let alert_view = &view.alerts[index];
            let mut steps = Vec::new();
            steps_text(&alert_view.items, &mut steps);
            let mut description =
                format!("Go-live plan \"{plan_title}\": alert {} fires when {}.", alert.name, alert_view.when.text);
            if !steps.is_empty() {
                description.push_str("\nSteps: ");
                description.push_str(&steps.join("; "));
            }
            Some(Alert {
                index,
                labels: vec![("severity", alert.severity.to_string()), ("plan", model.plan.name.to_string())],
                annotations: vec![
                    ("summary", alert.title.as_deref().unwrap_or(&alert.name).to_string()),
                    ("description", description),
                ],
                rule,
                when: &alert.when,
            })
        })
        .collect()
}

fn steps_text(items: &[ItemView], found: &mut Vec<String>) {
    for item in items {
        match item {
            ItemView::Step(step) => match &step.message {
                Some(message) if step.kind == "page" || step.kind == "notify" => {
                    found.push(format!("{}: {message}", step.title));
                }
                _ => found.push(step.title.clone()),
            },
            ItemView::Group { items, .. } => steps_text(items, found),
        }
    }
}

fn environment() -> Result<minijinja::Environment<'static>, String> {
    let mut environment = minijinja::Environment::new();
    environment.set_keep_trailing_newline(true);
    environment.set_trim_blocks(true);
    environment.set_lstrip_blocks(true);
    environment.add_template("rules", RULES).map_err(|error| format!("the rules template is broken: {error}"))?;
    environment.add_template("tests", TESTS).map_err(|error| format!("the rules test template is broken: {error}"))?;
    Ok(environment)
}

/// The rule file.
pub fn render(model: &Model, view: &PlanView) -> Result<String, String> {
    let alerts = alerts(model, view);
    let mut metrics: Vec<MetricId> = Vec::new();
    for alert in &alerts {
        for metric in alert_rules::metrics_of(&alert.rule) {
            if !metrics.contains(&metric) {
                metrics.push(metric);
            }
        }
    }
    metrics.sort();
    let mut records = Vec::new();
    for metric in &metrics {
        let crate::model::MetricSource::Prometheus { query, .. } = &model.metrics[metric.0].source else { continue };
        let recorded = alert_rules::recorded(model, *metric);
        records.push(Record { record: yaml_string(&recorded), expr: yaml_string(query) });
        records.push(Record {
            record: yaml_string(&alert_rules::sample(model, *metric)),
            expr: yaml_string(&sample_expr(model, *metric, &recorded)),
        });
    }
    let entries: Vec<AlertEntry> = alerts
        .iter()
        .map(|alert| AlertEntry {
            name: yaml_string(&alert.rule.name),
            expr: yaml_string(&promql(model, &alert.rule.expr)),
            for_: (alert.rule.for_ms > 0).then(|| duration(alert.rule.for_ms)),
            labels: alert.labels.iter().map(|(name, value)| (name.to_string(), yaml_string(value))).collect(),
            annotations: alert
                .annotations
                .iter()
                .map(|(name, value)| (name.to_string(), yaml_string(&template_text(value))))
                .collect(),
        })
        .collect();
    let left_out: Vec<String> = model
        .alerts
        .iter()
        .enumerate()
        .filter(|(index, _)| !alerts.iter().any(|alert| alert.index == *index))
        .map(|(_, alert)| alert.name.to_string())
        .collect();
    let environment = environment()?;
    let template = environment.get_template("rules").map_err(|error| error.to_string())?;
    template
        .render(minijinja::context! {
            plan_name => model.plan.name.as_str(),
            group => yaml_string(&format!("golive:{}", model.plan.name)),
            interval => duration(INTERVAL_MS),
            records => records,
            alerts => entries,
            left_out => left_out,
        })
        .map_err(|error| format!("cannot render the rules: {error:#}"))
}

#[derive(Serialize)]
struct Test {
    name: String,
    series: Vec<(String, String)>,
    evals: Vec<Eval>,
}

#[derive(Serialize)]
struct Eval {
    time: String,
    alertname: String,
    /// Whether the alert is expected to fire at this time.
    fires: bool,
    labels: Vec<(String, String)>,
    annotations: Vec<(String, String)>,
}

/// The `promtool test rules` file for the rule file `<stem>.rules.yml` beside it.
pub fn render_tests(model: &Model, view: &PlanView, stem: &str) -> Result<String, String> {
    let mut tests = Vec::new();
    let mut untested = Vec::new();
    for alert in alerts(model, view) {
        let pairs = witnesses(model, alert.when);
        if pairs.is_empty() {
            untested.push(alert.rule.name.clone());
            continue;
        }
        // Whole minutes: Prometheus evaluates the group every minute from 0.
        let fire_minute = alert.rule.for_ms.div_ceil(INTERVAL_MS);
        let length = fire_minute + 10;
        let labels: Vec<(String, String)> =
            alert.labels.iter().map(|(name, value)| (name.to_string(), yaml_string(value))).collect();
        let annotations: Vec<(String, String)> =
            alert.annotations.iter().map(|(name, value)| (name.to_string(), yaml_string(value))).collect();
        let eval = |minute: u64, fires: bool| Eval {
            time: duration(minute * INTERVAL_MS),
            alertname: yaml_string(&alert.rule.name),
            fires,
            labels: labels.clone(),
            annotations: annotations.clone(),
        };
        let shown = |value: Option<f64>| value.map_or_else(|| "no data".to_string(), number);
        let mut firing_worlds: Vec<&World> = Vec::new();
        for pair in &pairs {
            let metric = &model.metrics[pair.moved.0].name;
            if !firing_worlds.contains(&&pair.fires) {
                firing_worlds.push(&pair.fires);
                let mut evals = Vec::new();
                if fire_minute > 0 {
                    evals.push(eval(fire_minute - 1, false));
                }
                evals.push(eval(fire_minute, true));
                evals.push(eval(fire_minute + 5, true));
                tests.push(Test {
                    name: yaml_string(&format!("{} fires with {metric} at {}", alert.rule.name, shown(pair.from))),
                    series: series(model, &pair.fires, length),
                    evals,
                });
            }
            tests.push(Test {
                name: yaml_string(&format!(
                    "{} does not fire with {metric} at {} instead of {}",
                    alert.rule.name,
                    shown(pair.to),
                    shown(pair.from)
                )),
                series: series(model, &pair.quiet, length),
                evals: vec![eval(fire_minute, false), eval(fire_minute + 5, false)],
            });
        }
    }
    let environment = environment()?;
    let template = environment.get_template("tests").map_err(|error| error.to_string())?;
    template
        .render(minijinja::context! {
            plan_name => model.plan.name.as_str(),
            rule_file => yaml_string(&rules_file(stem)),
            rule_file_name => rules_file(stem),
            test_file => format!("{stem}.rules.test.yml"),
            interval => duration(INTERVAL_MS),
            tests => tests,
            untested => untested,
        })
        .map_err(|error| format!("cannot render the rule tests: {error:#}"))
}

/// Values of the metrics an alert reads, in canonical units (`None`: no data).
type World = Vec<(MetricId, Option<f64>)>;

/// The input series of a world: each metric's query, its value held for `length` minutes, in
/// the query's unit; a metric without data has no series.
fn series(model: &Model, world: &World, length: u64) -> Vec<(String, String)> {
    world
        .iter()
        .filter_map(|(metric, value)| {
            let value = (*value)? / measure::declared_scale(&model.metrics[metric.0]);
            Some((
                yaml_string(&alert_rules::recorded(model, *metric)),
                yaml_string(&format!("{}x{length}", number(value))),
            ))
        })
        .collect()
}

/// One test: a world where the condition holds (its `for`s aside), and the same world with one
/// metric's value moved across one threshold (or to no data), where it does not.
struct Pair {
    fires: World,
    quiet: World,
    /// The metric moved, and its values in the query's unit (`None`: no data).
    moved: MetricId,
    from: Option<f64>,
    to: Option<f64>,
}

/// A pair for each threshold (and each metric's presence) whose crossing changes the outcome,
/// found among the candidate values; else one where moving a value leaves no data. Empty when
/// the condition holds in none of the worlds tried.
fn witnesses(model: &Model, when: &Condition) -> Vec<Pair> {
    let steady = without_holds(when);
    let metrics: Vec<MetricId> = measure::metrics_of([when]).into_iter().map(MetricId).collect();
    let groups: Vec<Vec<Vec<Option<f64>>>> = metrics.iter().map(|metric| candidates(model, when, *metric)).collect();
    // Every candidate of a metric, each once, in the order of its groups.
    let values: Vec<Vec<Option<f64>>> = groups
        .iter()
        .map(|groups| {
            let mut all: Vec<Option<f64>> = Vec::new();
            for value in groups.iter().flatten() {
                if !all.contains(value) {
                    all.push(*value);
                }
            }
            all
        })
        .collect();
    let verdict = |world: &[Option<f64>]| {
        let samples: Vec<(usize, Sample)> = metrics
            .iter()
            .zip(world)
            .map(|(metric, value)| (metric.0, value.map_or(Sample::NoData(NoData::Failed), Sample::Value)))
            .collect();
        let baselines = Default::default();
        let readings = Readings { samples: &samples, baselines: &baselines, declared: &[] };
        measure::evaluate(&steady, &readings, &mut Holds::default(), 0)
    };
    // The worlds, the first metric turning slowest, as many as the budget allows.
    let mut worlds = Vec::new();
    let mut positions = vec![0usize; metrics.len()];
    for _ in 0..MAX_TRIES {
        let world: Vec<Option<f64>> = positions.iter().zip(&values).map(|(at, values)| values[*at]).collect();
        if verdict(&world) == Verdict::Holds {
            worlds.push(world);
        }
        let Some(index) = (0..positions.len()).rev().find(|index| positions[*index] + 1 < values[*index].len()) else {
            break;
        };
        positions[index] += 1;
        positions[index + 1..].iter_mut().for_each(|position| *position = 0);
    }
    let mut pairs: Vec<Pair> = Vec::new();
    let mut no_data = None;
    for (index, groups) in groups.iter().enumerate() {
        for group in groups {
            // The first holding world with this metric in the group, and a value of the group,
            // the nearest first, that makes it not hold.
            let found = worlds
                .iter()
                .filter(|world| group.contains(&world[index]))
                .take(MAX_WORLDS_PER_GROUP)
                .find_map(|world| {
                    let here = world[index];
                    let mut others: Vec<Option<f64>> = group.iter().copied().filter(|value| *value != here).collect();
                    others.sort_by(|a, b| distance(here, *a).total_cmp(&distance(here, *b)));
                    others
                        .into_iter()
                        .find_map(|other| {
                            let mut moved = world.clone();
                            moved[index] = other;
                            match verdict(&moved) {
                                Verdict::DoesNotHold => Some(moved),
                                Verdict::NoData => {
                                    no_data.get_or_insert_with(|| (world.clone(), moved.clone(), index));
                                    None
                                }
                                _ => None,
                            }
                        })
                        .map(|moved| (world.clone(), moved))
                });
            let Some((fires, quiet)) = found else { continue };
            if pairs
                .iter()
                .any(|pair| pair.fires == pair_world(&metrics, &fires) && pair.quiet == pair_world(&metrics, &quiet))
            {
                continue;
            }
            let scale = measure::declared_scale(&model.metrics[metrics[index].0]);
            pairs.push(Pair {
                moved: metrics[index],
                from: fires[index].map(|value| value / scale),
                to: quiet[index].map(|value| value / scale),
                fires: pair_world(&metrics, &fires),
                quiet: pair_world(&metrics, &quiet),
            });
        }
    }
    if pairs.is_empty() {
        if let Some((fires, quiet, index)) = no_data {
            let scale = measure::declared_scale(&model.metrics[metrics[index].0]);
            pairs.push(Pair {
                moved: metrics[index],
                from: fires[index].map(|value| value / scale),
                to: None,
                fires: pair_world(&metrics, &fires),
                quiet: pair_world(&metrics, &quiet),
            });
        }
    }
    pairs
}

fn pair_world(metrics: &[MetricId], values: &[Option<f64>]) -> World {
    metrics.iter().copied().zip(values.iter().copied()).collect()
}

/// How far a candidate is from a value; no data is farthest.
fn distance(from: Option<f64>, to: Option<f64>) -> f64 {
    match (from, to) {
        (Some(from), Some(to)) => (from - to).abs(),
        _ => f64::INFINITY,
    }
}

/// The values worth trying for `metric` in `when`, in groups: for each of its thresholds, just
/// past, just before and at it (values its type can take); true and false for a bool; and a
/// value against no data.
fn candidates(model: &Model, when: &Condition, metric: MetricId) -> Vec<Vec<Option<f64>>> {
    let ty = model.metrics[metric.0].ty;
    let mut thresholds = Vec::new();
    for part in when.walk() {
        match &part.kind {
            ConditionKind::Compare { metric: m, threshold: Threshold::Absolute { value }, .. } if *m == metric => {
                thresholds.push(*value);
            }
            ConditionKind::InRange { metric: m, low, high, .. } if *m == metric => {
                thresholds.push(*low);
                thresholds.push(*high);
            }
            _ => {}
        }
    }
    let mut groups: Vec<Vec<f64>> = Vec::new();
    if ty == MetricType::Bool {
        groups.push(vec![1.0, 0.0]);
    }
    for threshold in thresholds {
        let (up, down) = if ty == MetricType::Count {
            (threshold.floor() + 1.0, threshold.ceil() - 1.0)
        } else {
            let floor = if ty == MetricType::Duration { 1.0 } else { 0.001 };
            let delta = (threshold.abs() * 0.01).max(floor);
            (threshold + delta, threshold - delta)
        };
        groups.push(vec![up, down, threshold]);
    }
    let mut found: Vec<Vec<Option<f64>>> = groups
        .into_iter()
        .map(|group| {
            group
                .into_iter()
                .filter(|value| matches!(measure::in_range(*value, ty), Sample::Value(_)))
                .map(Some)
                .collect::<Vec<_>>()
        })
        .filter(|group| !group.is_empty())
        .collect();
    let present = found.first().and_then(|group| group.first().copied()).unwrap_or(Some(1.0));
    found.push(vec![present, None]);
    found
}

/// The condition with its `for`s taken out: what it gives once values have stayed the same
/// long enough.
fn without_holds(condition: &Condition) -> Condition {
    let kind = match &condition.kind {
        ConditionKind::Held { operand, .. } => return without_holds(operand),
        ConditionKind::And { operands } => {
            ConditionKind::And { operands: operands.iter().map(without_holds).collect() }
        }
        ConditionKind::Or { operands } => ConditionKind::Or { operands: operands.iter().map(without_holds).collect() },
        ConditionKind::Not { operand } => ConditionKind::Not { operand: Box::new(without_holds(operand)) },
        other => other.clone(),
    };
    Condition { kind, span: condition.span }
}

#[cfg(test)]
mod tests {
    use super::{duration, number, template_text, yaml_string};

    #[test]
    fn numbers_have_no_float_noise() {
        assert_eq!(number(1.0 / 100.0), "0.01");
        assert_eq!(number(0.3 / 100.0), "0.003");
        assert_eq!(number(500.0 / 1000.0), "0.5");
        assert_eq!(number(100.0 * 60.0), "6000");
        assert_eq!(number(1.01 / 100.0), "0.0101");
        assert_eq!(number(-2.5), "-2.5");
        assert_eq!(number(0.0), "0");
        assert_eq!(number(1e-9), "0.000000001");
    }

    #[test]
    fn durations_as_prometheus_writes_them() {
        assert_eq!(duration(90_000), "1m30s");
        assert_eq!(duration(500), "500ms");
        assert_eq!(duration(3_600_000 * 50), "2d2h");
        assert_eq!(duration(0), "0s");
    }

    #[test]
    fn quoting() {
        assert_eq!(yaml_string("a: b # c"), "\"a: b # c\"");
        assert_eq!(yaml_string("line\nbreak \"q\""), "\"line\\nbreak \\\"q\\\"\"");
        assert_eq!(yaml_string("del\u{7f}\u{85}"), "\"del\\u007f\\u0085\"");
        assert_eq!(template_text("{{ $labels }}"), "{{ \"{{\" }} $labels }}");
        assert_eq!(template_text("{{{"), "{{ \"{{\" }}{");
    }
}
