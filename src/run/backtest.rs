//! Recorded metric values for a backtest: CSV (`time,metric,value`) or the JSON answer of a
//! Prometheus `query_range` (`resultType` `matrix`). Each value is read as a probe's output is
//! (`measure::parse_output`): a value that is not a number is no data. A recorded value counts for
//! five minutes after its time (Prometheus's lookback); past that, the metric has no data.

use crate::model::Model;
use crate::run::measure::{self, NoData, Sample};
use crate::run::world::World;
use serde::Deserialize;
use std::collections::BTreeMap;

/// How long a recorded value stands for the metric, as Prometheus's default lookback.
pub const STALE_AFTER_MS: u64 = 5 * 60_000;

/// Reads `text` into `world`'s metric series. `name` names the plan metric of a Prometheus
/// answer (its `golive_metric` or `__name__` label otherwise).
pub fn load(model: &Model, world: &mut World, text: &str, name: Option<&str>, t0: &jiff::Zoned) -> Result<(), String> {
    let t0_ms = t0.timestamp().as_millisecond();
    let mut points: BTreeMap<usize, Vec<(i64, Sample)>> = BTreeMap::new();
    if text.trim_start().starts_with('{') {
        prometheus(model, text, name, t0_ms, &mut points)?;
    } else {
        csv(model, text, t0_ms, &mut points)?;
    }
    if points.is_empty() {
        return Err("no values for any metric of the plan".to_string());
    }
    for (metric, series) in points {
        world.record(metric, series, STALE_AFTER_MS);
    }
    Ok(())
}

fn metric_index(model: &Model, name: &str) -> Result<usize, String> {
    model.metrics.iter().position(|metric| metric.name == name).ok_or_else(|| {
        let known: Vec<&str> = model.metrics.iter().map(|metric| metric.name.as_str()).collect();
        format!("the plan has no metric `{name}` (it has {})", known.join(", "))
    })
}

fn csv(model: &Model, text: &str, t0_ms: i64, points: &mut BTreeMap<usize, Vec<(i64, Sample)>>) -> Result<(), String> {
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || (number == 0 && line.starts_with("time,")) {
            continue;
        }
        let mut fields = line.splitn(3, ',');
        let (Some(time), Some(metric), Some(value)) = (fields.next(), fields.next(), fields.next()) else {
            return Err(format!("line {}: expected `time,metric,value`", number + 1));
        };
        let at = instant_ms(time.trim()).map_err(|error| format!("line {}: {error}", number + 1))?;
        let index = metric_index(model, metric.trim()).map_err(|error| format!("line {}: {error}", number + 1))?;
        let sample = read_value(&model.metrics[index], value.trim());
        points.entry(index).or_default().push((at - t0_ms, sample));
    }
    Ok(())
}

/// An instant: RFC 3339 (`2024-02-03T09:40:00Z`) or Unix seconds (`1706949600`, `1706949600.5`).
fn instant_ms(text: &str) -> Result<i64, String> {
    if let Ok(seconds) = text.parse::<f64>() {
        if seconds.is_finite() && seconds.abs() < 1e12 {
            return Ok((seconds * 1000.0).round() as i64);
        }
    }
    text.parse::<jiff::Timestamp>()
        .map(|timestamp| timestamp.as_millisecond())
        .map_err(|_| format!("`{text}` is not a time: give RFC 3339 (2024-02-03T09:40:00Z) or Unix seconds"))
}

fn read_value(metric: &crate::model::Metric, text: &str) -> Sample {
    if metric.ty == crate::model::MetricType::Bool {
        return match text {
            "1" | "true" => Sample::Value(1.0),
            "0" | "false" => Sample::Value(0.0),
            "" => Sample::NoData(NoData::Empty),
            _ => Sample::NoData(NoData::Unparsable),
        };
    }
    measure::parse_output(text, metric)
}

#[derive(Deserialize)]
struct Answer {
    status: String,
    data: Option<Data>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Data {
    result_type: String,
    result: Vec<Series>,
}

#[derive(Deserialize)]
struct Series {
    #[serde(default)]
    metric: BTreeMap<String, String>,
    #[serde(default)]
    values: Vec<(f64, String)>,
}

fn prometheus(
    model: &Model,
    text: &str,
    name: Option<&str>,
    t0_ms: i64,
    points: &mut BTreeMap<usize, Vec<(i64, Sample)>>,
) -> Result<(), String> {
    let answer: Answer = serde_json::from_str(text)
        .map_err(|error| format!("not the JSON of a Prometheus query_range answer: {error}"))?;
    if answer.status != "success" {
        return Err(format!("the Prometheus answer's status is `{}`, not `success`", answer.status));
    }
    let data = answer.data.ok_or("the Prometheus answer has no `data`")?;
    if data.result_type != "matrix" {
        return Err(format!("a backtest reads a range query (`matrix`), not a `{}`", data.result_type));
    }
    if name.is_some() && data.result.len() > 1 {
        return Err(format!(
            "{} series in one answer: aggregate the query to one series per metric",
            data.result.len()
        ));
    }
    for series in data.result {
        let metric_name = name
            .map(str::to_string)
            .or_else(|| series.metric.get("golive_metric").cloned())
            .or_else(|| series.metric.get("__name__").cloned())
            .ok_or("a series has no `golive_metric` or `__name__` label: give the metric as NAME=FILE")?;
        let index = metric_index(model, &metric_name)?;
        let list = points.entry(index).or_default();
        for (seconds, value) in series.values {
            if !seconds.is_finite() || seconds.abs() > 1e12 {
                return Err(format!("`{seconds}` is not a Unix time"));
            }
            let at = (seconds * 1000.0).round() as i64;
            // Prometheus writes a missing or undefined value as NaN: no data.
            list.push((at - t0_ms, read_value(&model.metrics[index], &value)));
        }
    }
    Ok(())
}
