//! The what-if table: every failure a plan guards against, alone, at its worst moment, and
//! what the run does about it. The failure-mode table a release manager reviews at the go/no-go.
//!
//! Each row is a simulation of the happy path with one change: a condition of a gate, rollout or
//! watch breached just past its threshold (from the node's first sample on, just after it for
//! stages and watches, so that detection takes a whole interval), the probes of a node giving no
//! data, a node's first command failing, or an alert's condition holding.

use crate::model::{Comparison, Condition, ConditionKind, MetricType, Model, NodeId, NodeKind, StepKind, Threshold};
use crate::run::engine::simulate_brief;
use crate::run::measure::{NoData, Sample};
use crate::run::trace::{EndState, EventKind, Trace};
use crate::run::world::{Outcome, StepPlan, World};
use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
pub struct Row {
    /// What goes wrong, for people.
    pub what: String,
    pub node: String,
    /// When it starts, from T0.
    pub at_ms: i64,
    /// When the run first reacts (a breach, a failed step, an inconclusive measurement).
    pub detected_ms: Option<i64>,
    pub tree: Option<String>,
    pub level: Option<String>,
    /// The rollback steps that ran, or the alert's steps.
    pub runs: Vec<String>,
    pub breach_to_rollback_ms: Option<u64>,
    pub end: EndState,
    pub safe: bool,
}

/// Simulates every failure in turn.
pub fn table(model: &Model, order: &[NodeId], t0: Option<&jiff::Zoned>) -> Vec<Row> {
    let nominal = World::healthy(model, t0.cloned());
    let happy = simulate_brief(model, order, &nominal);
    // Rollback commands take the time the plan gives them, so the table shows how long a
    // rollback can take; everything else is as on the happy path.
    let mut healthy = nominal;
    for tree in &model.rollbacks {
        for level in &tree.levels {
            for (position, step) in crate::model::flatten_steps(&level.items).into_iter().enumerate() {
                if let Some(takes_ms) = step.stated_limit_ms().filter(|_| step.command().is_some()) {
                    let id = format!("{}.{}.{}", tree.name, level.name, position + 1);
                    healthy.set_step(id, StepPlan { takes_ms: Some(takes_ms), ..StepPlan::default() });
                }
            }
        }
    }
    let mut rows = Vec::new();
    for &id in order {
        let node = &model.nodes[id.0];
        let (by, conditions, after_first) = match node.kind {
            NodeKind::Gate => (format!("{}.require", node.name), &*node.requires, false),
            NodeKind::Rollout => (format!("{}.stage.1", node.name), &*node.requires, true),
            NodeKind::Watch => (format!("{}.watch", node.name), node.conditions(), true),
            NodeKind::Phase => (String::new(), &[][..], false),
        };
        let first_sample = first_decision(&happy, &by);
        if let Some(first) = first_sample {
            let at = if after_first { first + 1 } else { first };
            for condition in conditions {
                for (metric, value, text) in breaches(model, condition, &healthy) {
                    let mut world = healthy.clone();
                    world.change(metric, at, Sample::Value(value));
                    let shown = crate::run::render::show_value(model, &model.metrics[metric].name, value);
                    let what = format!(
                        "{} {}: {text} breached ({} = {shown})",
                        node.kind.name(),
                        node.name,
                        model.metrics[metric].name
                    );
                    rows.push(row(model, order, &world, what, &node.name, at));
                }
            }
            let metrics = crate::run::measure::metrics_of(conditions);
            if !metrics.is_empty() {
                let mut world = healthy.clone();
                for &metric in &metrics {
                    world.change(metric, at, Sample::NoData(NoData::TimedOut));
                }
                let what = format!("{} {}: its probes give no data", node.kind.name(), node.name);
                rows.push(row(model, order, &world, what, &node.name, at));
            }
        }
        // The node's first command fails (setting the first weight, for a rollout).
        let first_command = crate::model::flatten_steps(&node.items)
            .iter()
            .position(|step| matches!(step.kind, StepKind::Run { .. }))
            .map(|position| format!("{}.{}", node.name, position + 1))
            .or_else(|| (node.kind == NodeKind::Rollout).then(|| format!("{}.stage.1", node.name)));
        if let Some(step) = first_command {
            let Some(started) = happy.events.iter().find_map(|event| match &event.kind {
                EventKind::StepStarted { step: started, .. } if *started == step => Some(event.t_ms),
                _ => None,
            }) else {
                continue;
            };
            let mut world = healthy.clone();
            world.set_step(step.clone(), StepPlan { outcome: Some(Outcome::Fails), ..StepPlan::default() });
            let what = format!("{} {}: step {step} fails", node.kind.name(), node.name);
            rows.push(row(model, order, &world, what, &node.name, started));
        }
    }
    for alert in &model.alerts {
        let mut world = healthy.clone();
        let start = happy.events.first().map_or(0, |event| event.t_ms);
        let mut made = false;
        let atoms = alert.when.signed_atoms();
        if let Some((atom, positive)) = atoms.first() {
            match &atom.kind {
                ConditionKind::Declared { text } => {
                    world.declarations.push(crate::run::world::Declaration {
                        at: start,
                        text: text.to_string(),
                        by: "someone".into(),
                    });
                    made = true;
                }
                ConditionKind::NoData { metric: Some(metric) } => {
                    world.change(metric.0, start, Sample::NoData(NoData::TimedOut));
                    made = true;
                }
                _ => {
                    if let Some((metric, value)) = value_for(model, atom, !positive, &healthy) {
                        world.change(metric, start, Sample::Value(value));
                        made = true;
                    }
                }
            }
        }
        if made {
            let what = format!("alert {}: {}", alert.name, crate::emit::view::condition_text(model, &alert.when));
            rows.push(row(model, order, &world, what, &alert.name, start));
        }
    }
    rows
}

fn first_decision(trace: &Trace, by: &str) -> Option<i64> {
    trace.events.iter().find_map(|event| match &event.kind {
        EventKind::Decision { by: decided, .. } if decided == by => Some(event.t_ms),
        _ => None,
    })
}

fn row(model: &Model, order: &[NodeId], world: &World, what: String, node: &str, at_ms: i64) -> Row {
    let trace = simulate_brief(model, order, world);
    let mut detected_ms = None;
    let mut tree = None;
    let mut level = None;
    let mut runs = Vec::new();
    let mut alert_steps: Option<String> = None;
    for event in &trace.events {
        match &event.kind {
            EventKind::Breach { .. } | EventKind::Inconclusive { .. } | EventKind::Action { .. }
                if event.t_ms >= at_ms =>
            {
                detected_ms.get_or_insert(event.t_ms);
            }
            EventKind::LevelChosen { tree: name, level: chosen, .. } if tree.is_none() => {
                tree = Some(name.clone());
                level = Some(chosen.clone());
            }
            EventKind::Escalated { to: Some(to), .. } => level = Some(format!("{} → {to}", level.unwrap_or_default())),
            EventKind::AlertFired { alert, .. } if alert == node => {
                detected_ms.get_or_insert(event.t_ms);
                alert_steps = Some(format!("{alert}."));
            }
            EventKind::StepStarted { step, title, kind, attempt: 1 } => {
                let in_tree = tree.as_ref().is_some_and(|tree| step.starts_with(&format!("{tree}.")));
                let in_alert = alert_steps.as_ref().is_some_and(|prefix| step.starts_with(prefix.as_str()));
                if in_tree || in_alert {
                    runs.push(format!("{step} {kind} \"{title}\""));
                }
            }
            _ => {}
        }
    }
    let _ = model;
    Row {
        what,
        node: node.to_string(),
        at_ms,
        detected_ms,
        tree,
        level,
        runs,
        breach_to_rollback_ms: trace.end.breach_to_rollback_ms,
        end: trace.end.state,
        safe: trace.end.safe,
    }
}

/// For each metric comparison in a must-hold condition: the metric, a value just past the
/// threshold, and the comparison's text.
fn breaches(model: &Model, condition: &Condition, healthy: &World) -> Vec<(usize, f64, String)> {
    condition
        .signed_atoms()
        .into_iter()
        .filter_map(|(atom, positive)| {
            let (metric, value) = value_for(model, atom, positive, healthy)?;
            Some((metric, value, crate::emit::view::condition_text(model, atom)))
        })
        .collect()
}

/// A value of the atom's metric that makes the atom false when `positive` (it must hold), true
/// otherwise, just past its threshold and within what the metric's type can take.
fn value_for(model: &Model, atom: &Condition, positive: bool, healthy: &World) -> Option<(usize, f64)> {
    let (metric, value) = match &atom.kind {
        ConditionKind::Compare { metric, comparison, threshold } => {
            let threshold = match threshold {
                Threshold::Absolute { value } => *value,
                Threshold::OfBaseline { percent } => healthy.sample(metric.0, 0).value()? * percent / 100.0,
            };
            let step = if threshold == 0.0 { 1.0 } else { threshold.abs() * 0.01 };
            // Makes the comparison false (for a must-hold) or true (for a negated one).
            let comparison = if positive { comparison.negated() } else { *comparison };
            let value = match comparison {
                Comparison::Lt => threshold - step,
                Comparison::Le | Comparison::Eq => threshold,
                Comparison::Gt => threshold + step,
                Comparison::Ge => threshold,
                Comparison::Ne => threshold + step,
            };
            (metric.0, value)
        }
        ConditionKind::InRange { metric, negated, low, high, inclusive } => {
            let inside_wanted = positive == *negated;
            let step = if *high == 0.0 { 1.0 } else { high.abs() * 0.01 };
            let value = if inside_wanted {
                (low + high) / 2.0
            } else if *inclusive {
                high + step
            } else {
                *high
            };
            (metric.0, value)
        }
        ConditionKind::Test { metric } => (metric.0, if positive { 0.0 } else { 1.0 }),
        _ => return None,
    };
    let ty = model.metrics.get(metric)?.ty;
    let value = match ty {
        MetricType::Count => value.max(0.0).round(),
        _ => value,
    };
    crate::run::measure::in_range(value, ty).value().map(|value| (metric, value))
}

/// The table for people.
pub fn render(rows: &[Row]) -> String {
    let mut out = String::from("What if: each failure alone, at its worst moment (the happy path otherwise)\n\n");
    if rows.is_empty() {
        out.push_str("  nothing in the plan can fail or breach\n");
        return out;
    }
    for (number, row) in rows.iter().enumerate() {
        let detected = row
            .detected_ms
            .map_or("not detected".to_string(), |ms| format!("detected {}", crate::units::format_offset(ms)));
        out.push_str(&format!(
            "{:>3}. {}\n     from {}, {detected}\n",
            number + 1,
            crate::run::render::visible(&row.what),
            crate::units::format_offset(row.at_ms)
        ));
        if let (Some(tree), Some(level)) = (&row.tree, &row.level) {
            out.push_str(&format!("     rollback {tree}, level {level}\n"));
        }
        if !row.runs.is_empty() {
            out.push_str(&format!("     runs: {}\n", crate::run::render::visible(&row.runs.join("; "))));
        }
        let time = row
            .breach_to_rollback_ms
            .map(|ms| format!(", {} from the failure to the end of the rollback", crate::units::format_duration(ms)))
            .unwrap_or_default();
        out.push_str(&format!("     ends {}{time}: {}\n", row.end.name(), if row.safe { "safe" } else { "NOT SAFE" }));
    }
    out
}
