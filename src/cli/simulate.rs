//! `golivec simulate PLAN`: what the plan does when it runs, decided by `run` (the semantics of
//! `docs/semantics.md`), against scenarios, recorded metrics, or every failure in turn.

use super::{check, input, AnalysisArgs, EXIT_OK, EXIT_USAGE};
use crate::run::{self, world::World};
use clap::ValueEnum;

/// Scenario and metric files larger than this are refused (no real one comes near).
const MAX_DATA_BYTES: u64 = 64 * 1024 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(super) enum SimulateFormat {
    /// The trace for people, one event a line, and the what-if table.
    Human,
    /// JSON lines: a header, one event a line, the end (`schemas/trace.schema.json`).
    Json,
    /// One self-contained HTML page: the timeline, each metric with its thresholds, decisions.
    Html,
}

#[derive(clap::Args, Debug)]
pub(super) struct SimulateArgs {
    /// The plan file.
    #[arg(value_name = "FILE")]
    file: String,
    /// A scenario file (TOML; `schemas/scenario.schema.json`); repeat for several. Without one,
    /// the happy path and the what-if table.
    #[arg(long, value_name = "FILE")]
    scenario: Vec<String>,
    /// Recorded metric values to replay (a backtest): CSV `time,metric,value` or the JSON of a
    /// Prometheus `query_range` answer; repeatable. `NAME=FILE` gives a Prometheus file's metric.
    #[arg(long, value_name = "FILE")]
    metrics: Vec<String>,
    /// Replay what the plan's own Prometheus recorded (a backtest): each `prometheus` metric's
    /// query over the run's window (from its first sample to the end of the schedule, or
    /// `--span` after T0), with T0 from `--t0` or the plan's `launch`.
    #[arg(long)]
    from_prometheus: bool,
    /// With `--from-prometheus`: how long after T0 to ask for (default: the end of the schedule).
    #[arg(long, value_name = "DURATION", requires = "from_prometheus")]
    span: Option<String>,
    #[arg(long, value_enum, default_value = "human")]
    format: SimulateFormat,
    /// Leave out the what-if table (it is printed after the happy path by default).
    #[arg(long)]
    no_what_if: bool,
    #[command(flatten)]
    analysis: AnalysisArgs,
}

pub(super) fn run(args: &SimulateArgs) -> i32 {
    let (model, analysis) = match check::sound_plan(&args.file, &args.analysis, &[]) {
        Ok(plan) => plan,
        Err(code) => return code,
    };
    let t0 = analysis.schedule.t0.as_deref().and_then(crate::zones::parse_zoned);
    let mut worlds: Vec<(String, World)> = Vec::new();
    for path in &args.scenario {
        let text = match input::read_data_file(path, "scenario", MAX_DATA_BYTES) {
            Ok(text) => text,
            Err(message) => return usage(&message),
        };
        let scenario = match run::world::parse_scenario(&text) {
            Ok(scenario) => scenario,
            Err(message) => return usage(&format!("{path}: {message}")),
        };
        match World::resolve(&model, &scenario, t0.clone()) {
            Ok(world) => worlds.push((path.clone(), world)),
            Err(errors) => {
                for error in errors {
                    eprintln!("error: {path}: {error}");
                }
                return EXIT_USAGE;
            }
        }
    }
    if !args.metrics.is_empty() || args.from_prometheus {
        let Some(t0) = t0.clone() else {
            return usage(
                "a backtest needs T0: give --t0 (when the recorded values were live) or a `launch` in the plan",
            );
        };
        let mut world = World::healthy(&model, Some(t0.clone()));
        for spec in &args.metrics {
            let (name, path) = match spec.split_once('=') {
                Some((name, path)) if !name.contains('/') && !name.contains('.') => (Some(name), path),
                _ => (None, spec.as_str()),
            };
            let text = match input::read_data_file(path, "metrics", MAX_DATA_BYTES) {
                Ok(text) => text,
                Err(message) => return usage(&message),
            };
            if let Err(message) = run::backtest::load(&model, &mut world, &text, name, &t0) {
                return usage(&format!("{path}: {message}"));
            }
        }
        let mut sources = args.metrics.clone();
        if args.from_prometheus {
            let t0_ms = t0.timestamp().as_millisecond();
            // From the run's first sample (a baseline's window may open before the first node).
            let first_ms = model
                .metrics
                .iter()
                .filter_map(|metric| metric.baseline.as_ref().map(|baseline| baseline.at_ms))
                .fold(analysis.schedule.start_ms, i64::min);
            let until_ms = match &args.span {
                Some(span) => match crate::syntax::parse_duration(span) {
                    Ok(span_ms) => i64::try_from(span_ms).unwrap_or(i64::MAX),
                    Err(message) => return usage(&format!("--span: {message}")),
                },
                None => analysis.schedule.finish_ms,
            };
            let answers = match super::prometheus::fetch(
                &model,
                t0_ms.saturating_add(first_ms),
                t0_ms.saturating_add(until_ms),
            ) {
                Ok(answers) => answers,
                Err(message) => return usage(&message),
            };
            for (index, text) in answers {
                let name = model.metrics.get(index).map(|metric| metric.name.as_str());
                if let Err(message) = run::backtest::load(&model, &mut world, &text, name, &t0) {
                    return usage(&format!("Prometheus's answer for `{}`: {message}", name.unwrap_or_default()));
                }
            }
            sources.push("the plan's Prometheus".to_string());
        }
        let name = format!("backtest of {}", sources.join(", "));
        worlds.push((name, world));
    }
    if args.format == SimulateFormat::Html && worlds.len() > 1 {
        return usage("--format html shows one run: give one --scenario, or --metrics alone");
    }
    let what_if = worlds.is_empty() && !args.no_what_if;
    if worlds.is_empty() {
        worlds.push((
            "happy path: every step succeeds, every metric healthy".to_string(),
            World::healthy(&model, t0.clone()),
        ));
    }
    let mut out = String::new();
    for (name, world) in &worlds {
        let trace = run::engine::simulate(&model, &analysis.order, world);
        match args.format {
            SimulateFormat::Human => {
                if !out.is_empty() {
                    out.push('\n');
                }
                out.push_str(&run::render::human(&model, &trace, name));
            }
            SimulateFormat::Json => out.push_str(&run::render::json_lines(&trace, name)),
            SimulateFormat::Html => out.push_str(&run::html::render(&model, &trace)),
        }
    }
    if what_if && args.format == SimulateFormat::Human {
        let table = run::whatif::table(&model, &analysis.order, t0.as_ref());
        out.push('\n');
        out.push_str(&run::whatif::render(&table));
    }
    super::write_stdout(out);
    EXIT_OK
}

fn usage(message: &str) -> i32 {
    eprintln!("error: {message}");
    EXIT_USAGE
}
