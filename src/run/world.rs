//! The world a simulated run meets: metric values over time, how steps end, what people answer,
//! declarations, signals. Read from a scenario file (TOML, `schemas/scenario.schema.json`) and
//! checked against the plan; whatever the scenario leaves out has a default (steps succeed at
//! once, people answer at once, metrics sit on the healthy side of every threshold).

use crate::model::{self, Condition, ConditionKind, MetricType, Model, Threshold};
use crate::run::measure::{self, NoData, Sample};
use crate::run::trace::Signal;
use rustc_hash::FxHashMap;
use schemars::JsonSchema;
use serde::Deserialize;
use std::collections::BTreeMap;

/// A scenario file, as written.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// What this scenario shows, for people.
    pub description: Option<String>,
    /// T0 as a date-time with a zone; the plan's `launch` (or `--t0`) when not given.
    pub t0: Option<String>,
    /// Who runs the runbook (`distinct` approvals refuse this person).
    pub operator: Option<String>,
    /// Values of metrics over time, by metric name.
    #[serde(default)]
    pub metrics: BTreeMap<String, MetricScript>,
    /// How steps end and what people answer, by step id (`deploy.3`, `incident.full.1`).
    #[serde(default)]
    pub steps: BTreeMap<String, StepScript>,
    /// Triggers a person declares (`declared "..."` conditions).
    #[serde(default)]
    pub declare: Vec<DeclareScript>,
    /// Signals sent to the run (SIGINT, SIGTERM, SIGHUP), and when it is started again.
    #[serde(default)]
    pub signals: Vec<SignalScript>,
    /// An operator enters a rollback tree by hand (`--rollback TREE`).
    #[serde(default)]
    pub rollback: Vec<RollbackScript>,
    /// Answers to the questions the run asks when it cannot decide, by question id: a node's
    /// name for an inconclusive measurement, a step's id for a step interrupted part-way.
    #[serde(default)]
    pub decisions: BTreeMap<String, DecisionScript>,
    /// The value of each of the plan's inputs (`input NAME : TYPE`), by name: a string, or
    /// `true`/`false` for a bool. A plan with inputs needs every one of them here (without one
    /// the runbook would stop before anything runs); commands are scripted, so the values decide
    /// nothing the simulator decides: they are checked against the plan, and given to the
    /// runbook replayed against the scenario.
    #[serde(default)]
    pub inputs: BTreeMap<String, InputScript>,
}

/// An input's value: text, or `true`/`false`.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum InputScript {
    Bool(bool),
    Text(String),
}

#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MetricScript {
    /// The value when no change applies; the healthy value when not given.
    pub default: Option<ValueScript>,
    /// Changes over time; where several apply, the one listed last wins.
    #[serde(default)]
    pub changes: Vec<ChangeScript>,
}

/// A number in the metric's canonical unit (percent points, milliseconds, events per second),
/// `true`/`false` for a bool metric, or a string: what the probe prints, read as the runbook
/// reads it (`"4%"`, `"250ms"`, `"404 page not found"` is no data).
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum ValueScript {
    Bool(bool),
    Number(f64),
    Output(String),
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeScript {
    /// When it starts: `T+20m`, `T-1h`, `T0`, or a date-time with a zone.
    pub at: String,
    /// The value from `at` on.
    pub value: Option<ValueScript>,
    /// Instead of a value: the probe gives no data, and why (empty, unparsable, out_of_range,
    /// failed, timed_out).
    pub nodata: Option<String>,
    /// Moves linearly from `value` to this number over `over`, then stays there.
    pub ramp_to: Option<f64>,
    pub over: Option<String>,
    /// When it stops applying: the value before it comes back.
    pub until: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StepScript {
    /// How a command (`run`, `expect`) ends: succeeds (the default), fails, times_out.
    pub outcome: Option<Outcome>,
    /// How long each try takes (a duration such as `12m`); a timeout takes the step's limit.
    pub takes: Option<String>,
    /// How many tries fail before one succeeds (with `retries`).
    pub failures: Option<u32>,
    /// Answers to a `check` or `approve`, in the order given; `[]`: nobody answers.
    pub answers: Option<Vec<AnswerScript>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Succeeds,
    Fails,
    TimesOut,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerScript {
    /// The person's name.
    pub by: String,
    /// The role they answer for (for `approve`); the first role still missing when not given.
    pub role: Option<String>,
    /// How long after the question the answer comes (`0s` when not given).
    pub after: Option<String>,
    /// A refusal: the step fails.
    #[serde(default)]
    pub refuses: bool,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeclareScript {
    pub at: String,
    pub text: String,
    pub by: Option<String>,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SignalScript {
    pub at: String,
    pub signal: Signal,
    /// When the operator runs the runbook again; the run stays stopped when not given.
    pub resume: Option<String>,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RollbackScript {
    pub at: String,
    pub tree: String,
    pub by: Option<String>,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionScript {
    pub answer: Answer,
    /// How long after the question (`0s` when not given).
    pub after: Option<String>,
    pub by: Option<String>,
}

/// What a person answers when the run cannot decide.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    /// Go on: the measurement is judged fine, or the interrupted step runs again.
    Continue,
    /// Enter the node's rollback tree.
    Rollback,
    /// Stop the plan.
    Abort,
}

impl Answer {
    pub fn name(self) -> &'static str {
        match self {
            Answer::Continue => "continue",
            Answer::Rollback => "rollback",
            Answer::Abort => "abort",
        }
    }
}

/// The JSON Schema of scenario files.
pub fn schema() -> String {
    let schema = schemars::schema_for!(Scenario);
    serde_json::to_string_pretty(&schema).unwrap_or_default() + "\n"
}

/// Reads a scenario file's text.
pub fn parse_scenario(text: &str) -> Result<Scenario, String> {
    toml::from_str(text).map_err(|error| error.to_string().trim_end().to_string())
}

// ---------------------------------------------------------------------------------------------

/// A scenario resolved against a plan: times in milliseconds from T0, names as indices.
#[derive(Clone, Debug)]
pub struct World {
    pub t0: Option<jiff::Zoned>,
    pub operator: String,
    pub description: Option<String>,
    series: Vec<Series>,
    steps: FxHashMap<String, StepPlan>,
    pub declarations: Vec<Declaration>,
    pub signals: Vec<SignalAt>,
    pub rollbacks: Vec<OperatorRollback>,
    pub decisions: FxHashMap<String, Decision>,
    /// The inputs' values as the runbook is given them (`--input NAME=VALUE`), by name; empty
    /// for a healthy world, where every input is presumed given.
    pub inputs: BTreeMap<String, String>,
}

#[derive(Clone, Debug, Default)]
struct Series {
    default: Option<Sample>,
    changes: Vec<Change>,
}

#[derive(Clone, Debug)]
struct Change {
    at: i64,
    until: Option<i64>,
    what: ChangeKind,
}

#[derive(Clone, Debug)]
enum ChangeKind {
    Constant(Sample),
    Ramp { from: f64, to: f64, over_ms: u64 },
}

/// How one step ends, resolved.
#[derive(Clone, Debug, Default)]
pub struct StepPlan {
    pub outcome: Option<Outcome>,
    pub takes_ms: Option<u64>,
    pub failures: u32,
    pub answers: Option<Vec<AnswerPlan>>,
}

#[derive(Clone, Debug)]
pub struct AnswerPlan {
    pub by: String,
    pub role: Option<model::RoleId>,
    pub after_ms: u64,
    pub refuses: bool,
}

#[derive(Clone, Debug)]
pub struct Declaration {
    pub at: i64,
    pub text: String,
    pub by: String,
}

#[derive(Clone, Copy, Debug)]
pub struct SignalAt {
    pub at: i64,
    pub signal: Signal,
    pub resume: Option<i64>,
}

#[derive(Clone, Debug)]
pub struct OperatorRollback {
    pub at: i64,
    pub tree: model::TreeId,
    pub by: String,
}

#[derive(Clone, Debug)]
pub struct Decision {
    pub answer: Answer,
    pub after_ms: u64,
    pub by: String,
}

impl World {
    /// The default world: every metric healthy, every step succeeding, every person answering.
    pub fn healthy(model: &Model, t0: Option<jiff::Zoned>) -> World {
        World {
            t0,
            operator: "operator".to_string(),
            description: None,
            series: healthy_values(model)
                .into_iter()
                .map(|value| Series { default: Some(value), changes: Vec::new() })
                .collect(),
            steps: FxHashMap::default(),
            declarations: Vec::new(),
            signals: Vec::new(),
            rollbacks: Vec::new(),
            decisions: FxHashMap::default(),
            inputs: BTreeMap::new(),
        }
    }

    /// Resolves `scenario` against the plan. `t0` is the plan's launch or `--t0`; the
    /// scenario's own `t0` wins. Every problem is reported, each naming where it is.
    pub fn resolve(model: &Model, scenario: &Scenario, t0: Option<jiff::Zoned>) -> Result<World, Vec<String>> {
        let mut errors = Vec::new();
        let t0 = match &scenario.t0 {
            Some(text) => match crate::syntax::parse_datetime(text) {
                Ok(t0) => Some(t0),
                Err(error) => {
                    errors.push(format!("t0: {error}"));
                    t0
                }
            },
            None => t0,
        };
        let mut world = World::healthy(model, t0);
        world.description.clone_from(&scenario.description);
        if let Some(operator) = &scenario.operator {
            world.operator.clone_from(operator);
        }
        let time = |errors: &mut Vec<String>, place: &str, text: &str, t0: Option<&jiff::Zoned>| {
            parse_time(text, t0).map_err(|error| errors.push(format!("{place}: {error}"))).ok()
        };
        let duration = |errors: &mut Vec<String>, place: &str, text: &str| {
            parse_duration(text).map_err(|error| errors.push(format!("{place}: {error}"))).ok()
        };
        for (name, script) in &scenario.inputs {
            let Some(input) = model.vars.iter().find(|var| var.name == name.as_str()).and_then(|var| var.input) else {
                errors.push(format!(
                    "inputs.{name}: the plan has no input `{name}`{}",
                    did_you_mean(
                        name,
                        model.vars.iter().filter(|var| var.input.is_some()).map(|var| var.name.as_str())
                    )
                ));
                continue;
            };
            let value = match (script, input) {
                (InputScript::Bool(value), model::InputType::Bool) => value.to_string(),
                (InputScript::Text(text), model::InputType::String) => text.clone(),
                (_, model::InputType::Bool) => {
                    errors.push(format!("inputs.{name}: `{name}` is a bool input: give true or false"));
                    continue;
                }
                (_, model::InputType::String) => {
                    errors.push(format!("inputs.{name}: `{name}` is a string input: give a string"));
                    continue;
                }
            };
            world.inputs.insert(name.clone(), value);
        }
        for var in model.vars.iter().filter(|var| var.input.is_some()) {
            if !scenario.inputs.contains_key(var.name.as_str()) {
                errors.push(format!(
                    "inputs.{0}: the plan's input `{0}` has no value: without one the runbook stops before anything runs",
                    var.name
                ));
            }
        }
        for (name, script) in &scenario.metrics {
            let Some(index) = model.metrics.iter().position(|metric| metric.name == name.as_str()) else {
                errors.push(format!(
                    "metrics.{name}: the plan has no metric `{name}`{}",
                    did_you_mean(name, model.metrics.iter().map(|metric| metric.name.as_str()))
                ));
                continue;
            };
            let metric = &model.metrics[index];
            let series = &mut world.series[index];
            if let Some(default) = &script.default {
                match value_of(default, metric) {
                    Ok(sample) => series.default = Some(sample),
                    Err(error) => errors.push(format!("metrics.{name}.default: {error}")),
                }
            }
            for (position, change) in script.changes.iter().enumerate() {
                let place = format!("metrics.{name}.changes[{position}]");
                let t0 = world.t0.as_ref();
                let Some(at) = time(&mut errors, &format!("{place}.at"), &change.at, t0) else { continue };
                let until = match &change.until {
                    Some(text) => match time(&mut errors, &format!("{place}.until"), text, t0) {
                        Some(until) => Some(until),
                        None => continue,
                    },
                    None => None,
                };
                let what = match (&change.value, &change.nodata, change.ramp_to) {
                    (Some(value), None, None) => match value_of(value, metric) {
                        Ok(sample) => ChangeKind::Constant(sample),
                        Err(error) => {
                            errors.push(format!("{place}.value: {error}"));
                            continue;
                        }
                    },
                    (None, Some(reason), None) => match NoData::ALL.iter().find(|(known, _)| known == reason) {
                        Some((_, reason)) => ChangeKind::Constant(Sample::NoData(*reason)),
                        None => {
                            errors.push(format!(
                                "{place}.nodata: `{reason}` is not a reason; say empty, unparsable, out_of_range, failed or timed_out"
                            ));
                            continue;
                        }
                    },
                    (Some(value), None, Some(to)) => {
                        let from = match value_of(value, metric) {
                            Ok(Sample::Value(from)) => from,
                            Ok(Sample::NoData(_)) | Err(_) => {
                                errors.push(format!("{place}.value: a ramp starts at a number"));
                                continue;
                            }
                        };
                        let Some(over) = change.over.as_deref() else {
                            errors.push(format!("{place}: a ramp needs `over`, such as over = \"10m\""));
                            continue;
                        };
                        let Some(over_ms) = duration(&mut errors, &format!("{place}.over"), over) else { continue };
                        if measure::in_range(to, metric.ty).value().is_none() {
                            errors.push(format!(
                                "{place}.ramp_to: {to} is not a value a {} metric takes",
                                metric.ty.name()
                            ));
                            continue;
                        }
                        ChangeKind::Ramp { from, to, over_ms }
                    }
                    _ => {
                        errors.push(format!(
                            "{place}: give either `value` (with `ramp_to` and `over` for a ramp) or `nodata`"
                        ));
                        continue;
                    }
                };
                series.changes.push(Change { at, until, what });
            }
        }
        let ids = step_ids(model);
        for (id, script) in &scenario.steps {
            let Some(kind) = ids.get(id.as_str()) else {
                errors.push(format!(
                    "steps.{id}: the plan has no step `{id}` (step ids are NODE.N, TREE.LEVEL.N or ALERT.N: see `golivec build --target json`){}",
                    did_you_mean(id, ids.keys().map(String::as_str))
                ));
                continue;
            };
            let mut plan = StepPlan {
                outcome: script.outcome,
                failures: script.failures.unwrap_or(0),
                takes_ms: None,
                answers: None,
            };
            if let Some(takes) = &script.takes {
                plan.takes_ms = duration(&mut errors, &format!("steps.{id}.takes"), takes);
            }
            let human = matches!(kind, StepFamily::Human);
            if (script.outcome.is_some() || script.failures.is_some()) && !matches!(kind, StepFamily::Command) {
                errors.push(format!("steps.{id}: `outcome` and `failures` are for `run` and `expect` steps"));
            }
            if let Some(answers) = &script.answers {
                if !human {
                    errors.push(format!("steps.{id}: `answers` are for `check` and `approve` steps"));
                }
                let mut resolved = Vec::new();
                for (position, answer) in answers.iter().enumerate() {
                    let place = format!("steps.{id}.answers[{position}]");
                    let role = match &answer.role {
                        Some(role) => match model.roles.iter().position(|known| known.name == role.as_str()) {
                            Some(index) => Some(model::RoleId(index)),
                            None => {
                                errors.push(format!(
                                    "{place}.role: the plan has no role `{role}`{}",
                                    did_you_mean(role, model.roles.iter().map(|role| role.name.as_str()))
                                ));
                                continue;
                            }
                        },
                        None => None,
                    };
                    let after_ms = match &answer.after {
                        Some(after) => match duration(&mut errors, &format!("{place}.after"), after) {
                            Some(after) => after,
                            None => continue,
                        },
                        None => 0,
                    };
                    resolved.push(AnswerPlan { by: answer.by.clone(), role, after_ms, refuses: answer.refuses });
                }
                plan.answers = Some(resolved);
            }
            world.steps.insert(id.clone(), plan);
        }
        for (position, declare) in scenario.declare.iter().enumerate() {
            let place = format!("declare[{position}].at");
            if let Some(at) = time(&mut errors, &place, &declare.at, world.t0.as_ref()) {
                let by = declare.by.clone().unwrap_or_else(|| world.operator.clone());
                world.declarations.push(Declaration { at, text: declare.text.clone(), by });
            }
        }
        for (position, signal) in scenario.signals.iter().enumerate() {
            let t0 = world.t0.as_ref();
            let Some(at) = time(&mut errors, &format!("signals[{position}].at"), &signal.at, t0) else { continue };
            let resume = match &signal.resume {
                Some(text) => match time(&mut errors, &format!("signals[{position}].resume"), text, t0) {
                    Some(resume) if resume >= at => Some(resume),
                    Some(_) => {
                        errors.push(format!("signals[{position}].resume: it comes before the signal"));
                        continue;
                    }
                    None => continue,
                },
                None => None,
            };
            world.signals.push(SignalAt { at, signal: signal.signal, resume });
        }
        for (position, rollback) in scenario.rollback.iter().enumerate() {
            let place = format!("rollback[{position}]");
            let Some(tree) = model.rollbacks.iter().position(|tree| tree.name == rollback.tree.as_str()) else {
                errors.push(format!(
                    "{place}.tree: the plan has no rollback tree `{}`{}",
                    rollback.tree,
                    did_you_mean(&rollback.tree, model.rollbacks.iter().map(|tree| tree.name.as_str()))
                ));
                continue;
            };
            if let Some(at) = time(&mut errors, &format!("{place}.at"), &rollback.at, world.t0.as_ref()) {
                let by = rollback.by.clone().unwrap_or_else(|| world.operator.clone());
                world.rollbacks.push(OperatorRollback { at, tree: model::TreeId(tree), by });
            }
        }
        for (id, decision) in &scenario.decisions {
            let known = model.nodes.iter().any(|node| node.name == id.as_str()) || ids.contains_key(id.as_str());
            if !known {
                errors.push(format!("decisions.{id}: the plan has no node or step `{id}`"));
                continue;
            }
            let after_ms = match &decision.after {
                Some(after) => match duration(&mut errors, &format!("decisions.{id}.after"), after) {
                    Some(after) => after,
                    None => continue,
                },
                None => 0,
            };
            let by = decision.by.clone().unwrap_or_else(|| world.operator.clone());
            world.decisions.insert(id.clone(), Decision { answer: decision.answer, after_ms, by });
        }
        world.signals.sort_by_key(|signal| signal.at);
        world.declarations.sort_by_key(|declaration| declaration.at);
        world.rollbacks.sort_by_key(|rollback| rollback.at);
        if errors.is_empty() {
            Ok(world)
        } else {
            Err(errors)
        }
    }

    /// What the probe of `metric` gives at `t_ms`.
    pub fn sample(&self, metric: usize, t_ms: i64) -> Sample {
        let Some(series) = self.series.get(metric) else { return Sample::NoData(NoData::Failed) };
        let change = series
            .changes
            .iter()
            .rev()
            .find(|change| change.at <= t_ms && change.until.is_none_or(|until| t_ms < until));
        match change {
            Some(Change { what: ChangeKind::Constant(sample), .. }) => *sample,
            Some(Change { at, what: ChangeKind::Ramp { from, to, over_ms }, .. }) => {
                let elapsed = t_ms.saturating_sub(*at) as f64;
                let progress = if *over_ms == 0 { 1.0 } else { (elapsed / *over_ms as f64).min(1.0) };
                Sample::Value(from + (to - from) * progress)
            }
            None => series.default.unwrap_or(Sample::NoData(NoData::Failed)),
        }
    }

    /// The first time after `t_ms` when what `metric` gives may differ from what it gives at
    /// `t_ms`; `None` when it never changes again.
    pub fn next_change_after(&self, metric: usize, t_ms: i64) -> Option<i64> {
        let series = self.series.get(metric)?;
        let mut next: Option<i64> = None;
        let mut consider = |time: i64| {
            if time > t_ms {
                next = Some(next.map_or(time, |next| next.min(time)));
            }
        };
        for change in &series.changes {
            consider(change.at);
            if let Some(until) = change.until {
                consider(until);
            }
            if let ChangeKind::Ramp { over_ms, .. } = change.what {
                let end = change.at.saturating_add(i64::try_from(over_ms).unwrap_or(i64::MAX));
                if change.at <= t_ms && t_ms < end {
                    // A ramp changes all the time.
                    consider(t_ms.saturating_add(1));
                }
            }
        }
        next
    }

    /// What `metric` gives over `[from, to]`, as a step function: each time it may change and
    /// what it gives from then on (a ramp in steps of `ramp_step_ms`). For stubs that replay a
    /// world to a real runbook.
    pub fn steps_of(&self, metric: usize, from: i64, to: i64, ramp_step_ms: i64) -> Vec<(i64, Sample)> {
        let mut points = vec![(from, self.sample(metric, from))];
        let mut t = from;
        while let Some(next) = self.next_change_after(metric, t) {
            if next > to {
                break;
            }
            let ramping = next == t.saturating_add(1);
            t = if ramping { t.saturating_add(ramp_step_ms.max(1)) } else { next };
            let sample = self.sample(metric, t);
            if points.last().is_none_or(|(_, last)| *last != sample) {
                points.push((t, sample));
            }
        }
        points
    }

    /// Replaces a metric's values (a backtest's recorded series).
    pub fn record(&mut self, metric: usize, points: Vec<(i64, Sample)>, stale_after_ms: u64) {
        let Some(series) = self.series.get_mut(metric) else { return };
        series.default = Some(Sample::NoData(NoData::Failed));
        series.changes = points
            .into_iter()
            .map(|(at, sample)| Change {
                at,
                until: Some(at.saturating_add(i64::try_from(stale_after_ms).unwrap_or(i64::MAX))),
                what: ChangeKind::Constant(sample),
            })
            .collect();
        series.changes.sort_by_key(|change| change.at);
    }

    /// Sets a metric's value from `at` on (the what-if table's breaches).
    pub fn change(&mut self, metric: usize, at: i64, sample: Sample) {
        if let Some(series) = self.series.get_mut(metric) {
            series.changes.push(Change { at, until: None, what: ChangeKind::Constant(sample) });
        }
    }

    pub fn step(&self, id: &str) -> Option<&StepPlan> {
        self.steps.get(id)
    }

    pub fn set_step(&mut self, id: String, plan: StepPlan) {
        self.steps.insert(id, plan);
    }
}

#[derive(Clone, Copy)]
enum StepFamily {
    Command,
    Human,
    Other,
}

/// Every step id of the plan, as the JSON view and the runbook name them.
fn step_ids(model: &Model) -> FxHashMap<String, StepFamily> {
    let mut ids = FxHashMap::default();
    let mut add = |owner: &str, items: &[model::Item]| {
        for (position, step) in model::flatten_steps(items).into_iter().enumerate() {
            let family = match step.kind {
                model::StepKind::Run { .. } | model::StepKind::Expect { .. } => StepFamily::Command,
                model::StepKind::Check { .. } | model::StepKind::Approve { .. } => StepFamily::Human,
                _ => StepFamily::Other,
            };
            ids.insert(format!("{owner}.{}", position + 1), family);
        }
    };
    for node in &model.nodes {
        add(&node.name, &node.items);
    }
    for tree in &model.rollbacks {
        for level in &tree.levels {
            add(&format!("{}.{}", tree.name, level.name), &level.items);
        }
    }
    for alert in &model.alerts {
        add(&alert.name, &alert.items);
    }
    for node in &model.nodes {
        for position in 0..node.stages().len() {
            ids.insert(format!("{}.stage.{}", node.name, position + 1), StepFamily::Command);
        }
    }
    ids
}

fn did_you_mean<'a>(name: &str, known: impl Iterator<Item = &'a str>) -> String {
    // Long names are not compared: their distance says nothing and costs time.
    if name.len() > 200 {
        return String::new();
    }
    known
        .filter(|candidate| candidate.len() <= 200)
        .map(|candidate| (strsim::jaro_winkler(name, candidate), candidate))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| format!("; did you mean `{candidate}`?"))
        .unwrap_or_default()
}

fn value_of(value: &ValueScript, metric: &model::Metric) -> Result<Sample, String> {
    match (value, metric.ty) {
        (ValueScript::Bool(value), MetricType::Bool) => Ok(Sample::Value(f64::from(u8::from(*value)))),
        (ValueScript::Bool(_), ty) => Err(format!("`{}` is a {} metric: give a number", metric.name, ty.name())),
        (ValueScript::Number(value), ty) => match measure::in_range(*value, ty) {
            Sample::Value(value) => Ok(Sample::Value(value)),
            Sample::NoData(_) => Err(format!("{value} is not a value a {} metric takes", ty.name())),
        },
        // What a probe prints is read as the runbook reads it: anything but a number is no data.
        (ValueScript::Output(text), MetricType::Bool) => match text.trim() {
            "true" | "1" => Ok(Sample::Value(1.0)),
            "false" | "0" => Ok(Sample::Value(0.0)),
            _ => Ok(Sample::NoData(NoData::Unparsable)),
        },
        (ValueScript::Output(text), _) => Ok(measure::parse_output(text, metric)),
    }
}

/// `T+20m`, `T-1h`, `T0`, or a date-time with a zone (needs T0) → milliseconds from T0.
pub fn parse_time(text: &str, t0: Option<&jiff::Zoned>) -> Result<i64, String> {
    if text.starts_with('T') {
        return crate::syntax::parse_offset(text);
    }
    let instant = crate::syntax::parse_datetime(text)?;
    let t0 = t0.ok_or("a date-time needs T0: give `t0` in the scenario, `--t0`, or a `launch` in the plan")?;
    let span = instant.timestamp().as_millisecond().saturating_sub(t0.timestamp().as_millisecond());
    Ok(span)
}

pub fn parse_duration(text: &str) -> Result<u64, String> {
    crate::syntax::parse_duration(text)
}

/// For each metric, a value on the healthy side of every condition that must hold (gates'
/// and rollouts' `require`, watches, `expect`), then outside as many as it can of the
/// conditions that describe trouble: alerts', and those of the rollback levels that do
/// something (a metric only a level reads, such as `db_pool_full`, is healthy when false).
pub fn healthy_values(model: &Model) -> Vec<Sample> {
    let mut must: Vec<Vec<(&Condition, bool)>> = vec![Vec::new(); model.metrics.len()];
    let mut avoid: Vec<Vec<(&Condition, bool)>> = vec![Vec::new(); model.metrics.len()];
    let mut must_hold: Vec<&Condition> = Vec::new();
    for node in &model.nodes {
        must_hold.extend(node.requires.iter());
        must_hold.extend(node.conditions().iter());
        for step in model::flatten_steps(&node.items) {
            if let model::StepKind::Expect { check, .. } = &step.kind {
                if let model::Expectation::Condition { condition } = &**check {
                    must_hold.push(condition);
                }
            }
        }
    }
    for condition in must_hold {
        collect_atoms(condition, &mut must);
    }
    for alert in &model.alerts {
        collect_atoms(&alert.when, &mut avoid);
    }
    for level in model.rollbacks.iter().flat_map(|tree| &tree.levels).filter(|level| level.acts()) {
        collect_atoms(&level.when, &mut avoid);
    }
    model
        .metrics
        .iter()
        .enumerate()
        .map(|(index, metric)| Sample::Value(healthy_value(metric.ty, &must[index], &avoid[index])))
        .collect()
}

fn collect_atoms<'c>(condition: &'c Condition, into: &mut [Vec<(&'c Condition, bool)>]) {
    for (atom, positive) in condition.signed_atoms() {
        if let Some(list) = atom_metric(atom).and_then(|metric| into.get_mut(metric)) {
            list.push((atom, positive));
        }
    }
}

fn atom_metric(atom: &Condition) -> Option<usize> {
    match &atom.kind {
        ConditionKind::Compare { metric, .. }
        | ConditionKind::InRange { metric, .. }
        | ConditionKind::Test { metric } => Some(metric.0),
        _ => None,
    }
}

fn atom_holds(atom: &Condition, value: f64) -> bool {
    match &atom.kind {
        ConditionKind::Compare { comparison, threshold: Threshold::Absolute { value: threshold }, .. } => {
            measure::compare(value, *comparison, *threshold)
        }
        // A steady metric is its own baseline.
        ConditionKind::Compare { comparison, threshold: Threshold::OfBaseline { percent }, .. } => {
            measure::compare(value, *comparison, value * percent / 100.0)
        }
        ConditionKind::InRange { negated, low, high, inclusive, .. } => {
            let inside = value >= *low && if *inclusive { value <= *high } else { value < *high };
            inside != *negated
        }
        ConditionKind::Test { .. } => value != 0.0,
        _ => false,
    }
}

/// The candidate that satisfies the most must-hold atoms, then fires the fewest alert atoms;
/// points between thresholds are preferred to the thresholds themselves.
fn healthy_value(ty: MetricType, must: &[(&Condition, bool)], avoid: &[(&Condition, bool)]) -> f64 {
    let candidates: Vec<f64> = if ty == MetricType::Bool {
        vec![1.0, 0.0]
    } else {
        let mut thresholds: Vec<f64> = Vec::new();
        for (atom, _) in must.iter().chain(avoid) {
            match &atom.kind {
                ConditionKind::Compare { threshold: Threshold::Absolute { value }, .. } => thresholds.push(*value),
                ConditionKind::InRange { low, high, .. } => thresholds.extend([*low, *high]),
                _ => {}
            }
        }
        thresholds.sort_by(f64::total_cmp);
        thresholds.dedup();
        let mut candidates = Vec::new();
        for pair in thresholds.windows(2) {
            candidates.push((pair[0] + pair[1]) / 2.0);
        }
        if let (Some(low), Some(high)) = (thresholds.first(), thresholds.last()) {
            candidates.push(low - low.abs().max(1.0) / 2.0);
            candidates.push(high + high.abs().max(1.0) / 2.0);
        }
        candidates.extend(&thresholds);
        candidates.extend([0.0, 1.0]);
        candidates
            .into_iter()
            .map(|value| match ty {
                MetricType::Percent => value.clamp(0.0, 100.0),
                MetricType::Count => value.max(0.0).floor(),
                MetricType::Duration | MetricType::Rate | MetricType::Size => value.max(0.0),
                _ => value,
            })
            .collect()
    };
    let score = |value: f64| {
        let kept = must.iter().filter(|(atom, positive)| atom_holds(atom, value) == *positive).count();
        let fired = avoid.iter().filter(|(atom, positive)| atom_holds(atom, value) == *positive).count();
        (kept, usize::MAX - fired)
    };
    let mut best = candidates.first().copied().unwrap_or(0.0);
    let mut best_score = score(best);
    for &candidate in candidates.iter().skip(1) {
        let candidate_score = score(candidate);
        if candidate_score > best_score {
            best = candidate;
            best_score = candidate_score;
        }
    }
    best
}
