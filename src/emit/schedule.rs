//! The schedule as a table for people (`golivec plan`).

use crate::analysis::{format_duration, format_offset, Analysis};
use crate::model::Model;
use std::fmt::Write;

/// Left-aligned columns separated by two spaces.
fn columns(rows: &[Vec<String>]) -> String {
    let widths: Vec<usize> = (0..rows.first().map_or(0, Vec::len))
        .map(|column| rows.iter().map(|row| row[column].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in rows {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell}{}", " ".repeat(width - cell.chars().count())))
            .collect();
        let _ = writeln!(out, "{}", line.join("  ").trim_end());
    }
    out
}

pub fn table(model: &Model, analysis: &Analysis) -> String {
    let schedule = &analysis.schedule;
    let mut out = String::new();
    match &schedule.t0 {
        Some(t0) => {
            let _ = writeln!(out, "T0: {t0}\n");
        }
        None => out.push_str("T0: not set (give the plan a `launch`, or pass --t0)\n\n"),
    }
    let mut rows = vec![vec![
        "node".to_string(),
        "kind".to_string(),
        "earliest".to_string(),
        "nominal start".to_string(),
        "nominal finish".to_string(),
        "latest start".to_string(),
        "latest finish".to_string(),
        "start".to_string(),
        "finish".to_string(),
        "critical".to_string(),
    ]];
    for id in &analysis.order {
        let Some(times) = schedule.nodes.get(id.0) else { continue };
        rows.push(vec![
            times.name.to_string(),
            model.nodes[id.0].kind.name().to_string(),
            format_offset(times.earliest_start_ms),
            format_offset(times.nominal_start_ms),
            format_offset(times.nominal_finish_ms),
            format_offset(times.latest_start_ms),
            format_offset(times.latest_finish_ms),
            times.start.clone().unwrap_or_else(|| "-".to_string()),
            times.finish.clone().unwrap_or_else(|| "-".to_string()),
            if times.critical { "*".to_string() } else { String::new() },
        ]);
    }
    out.push_str(&columns(&rows));
    let path: Vec<&str> = schedule.critical_path.iter().map(|node| model.nodes[node.0].name.as_str()).collect();
    let _ = writeln!(
        out,
        "\ntotal length: {} (from {} to {}, every step taking its whole timeout)",
        format_duration(schedule.length_ms()),
        format_offset(schedule.start_ms),
        format_offset(schedule.finish_ms)
    );
    let nominal_start = schedule.nodes.iter().map(|times| times.nominal_start_ms).min().unwrap_or(0);
    let _ = writeln!(
        out,
        "nominal length: {} (from {} to {}, every step taking its expected time)",
        format_duration(schedule.nominal_finish_ms.saturating_sub(nominal_start).max(0).unsigned_abs()),
        format_offset(nominal_start),
        format_offset(schedule.nominal_finish_ms)
    );
    let _ = writeln!(out, "critical path: {}", path.join(" -> "));
    if !schedule.stages.is_empty() {
        let mut rows = vec![vec![
            "rollout".to_string(),
            "stage".to_string(),
            "starts by".to_string(),
            "detect".to_string(),
            "rolled back by".to_string(),
        ]];
        for stage in &schedule.stages {
            rows.push(vec![
                model.nodes[stage.rollout.0].name.to_string(),
                format!("{}%", stage.weight),
                format_offset(stage.start_ms),
                format_duration(stage.detect_ms),
                stage.rollback_ms.map_or_else(|| "no rollback".to_string(), format_duration),
            ]);
        }
        out.push_str("\nworst case from a breach:\n");
        out.push_str(&columns(&rows));
    }
    // Watches whose conditions are sampled on cadences of their own: each condition's cadence.
    let mut rows = vec![vec!["watch".to_string(), "every".to_string(), "condition".to_string()]];
    for id in &analysis.order {
        let node = &model.nodes[id.0];
        if node.cadences().is_empty() {
            continue;
        }
        for group in node.condition_groups(crate::model::DEFAULT_SAMPLING_MS) {
            for condition in group.conditions {
                rows.push(vec![
                    node.name.to_string(),
                    format_duration(group.every_ms),
                    crate::emit::view::condition_text(model, condition),
                ]);
            }
        }
    }
    if rows.len() > 1 {
        out.push_str("\nconditions sampled on cadences of their own:\n");
        out.push_str(&columns(&rows));
    }
    out
}
