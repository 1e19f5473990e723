//! `cargo bench`: check (parse, resolve, analyse), lint and each build target on the examples
//! and on synthetic plans (check: 1k, 10k and 100k nodes; lint and targets: 1k and 10k).
//! Linear analysis shows as time growing with size; nothing here asserts a time. Targets are
//! numbered as in `Target::ALL`: json, mermaid, dot, shell, workflow, markdown.

#[path = "../bench/synth.rs"]
mod synth;

use golivec::emit::{render, Target};
use golivec::{analysis, Options};

fn main() {
    divan::main();
}

fn options(lints: bool) -> Options {
    Options { analysis: analysis::Options { lints, ..Default::default() }, ..Default::default() }
}

#[divan::bench(args = ["tour", "memolib-go-live", "onelog-blue-green", "aidrive-staged-rollout"])]
fn example(bencher: divan::Bencher, name: &str) {
    let path = format!("{}/examples/{name}.golive", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(path).unwrap_or_default();
    bencher.bench(|| golivec::check_source_with(name, divan::black_box(&text), &options(true)));
}

#[divan::bench(args = [1_000, 10_000, 100_000], sample_count = 10)]
fn synthetic_check(bencher: divan::Bencher, nodes: usize) {
    let text = synth::plan(nodes, 7);
    bencher
        .counter(divan::counter::BytesCount::new(text.len()))
        .bench(|| golivec::check_source_with("synthetic", divan::black_box(&text), &options(false)));
}

#[divan::bench(args = [1_000, 10_000], sample_count = 10)]
fn synthetic_lint(bencher: divan::Bencher, nodes: usize) {
    let text = synth::plan(nodes, 7);
    bencher
        .counter(divan::counter::BytesCount::new(text.len()))
        .bench(|| golivec::check_source_with("synthetic", divan::black_box(&text), &options(true)));
}

/// Each build target, rendered from an already checked example (the check is measured above).
#[divan::bench(args = ["tour", "memolib-go-live", "onelog-blue-green", "aidrive-staged-rollout"], consts = [0, 1, 2, 3, 4, 5])]
fn example_build<const TARGET: usize>(bencher: divan::Bencher, name: &str) {
    let path = format!("{}/examples/{name}.golive", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(path).unwrap_or_default();
    build(bencher, &text, TARGET);
}

/// Each build target on synthetic plans.
#[divan::bench(args = [1_000, 10_000], consts = [0, 1, 2, 3, 4, 5], sample_count = 10)]
fn synthetic_build<const TARGET: usize>(bencher: divan::Bencher, nodes: usize) {
    let text = synth::plan(nodes, 7);
    build(bencher.counter(divan::counter::BytesCount::new(text.len())), &text, TARGET);
}

fn build(bencher: divan::Bencher, text: &str, target: usize) {
    let (_, checked) = golivec::check_source_with("bench", text, &options(false));
    let (Some(&target), Some(model), Some(analysis)) = (Target::ALL.get(target), &checked.model, &checked.analysis)
    else {
        eprintln!("skipped: the plan does not check");
        return;
    };
    bencher.bench(|| render(target, divan::black_box(model), analysis));
}

/// Parsing alone: the fast path (`syntax::parse` on a clean plan) and pest (`parse_reference`).
#[divan::bench(args = [1_000, 32_000], sample_count = 10)]
fn synthetic_parse(bencher: divan::Bencher, nodes: usize) {
    let text = synth::plan(nodes, 7);
    bencher
        .counter(divan::counter::BytesCount::new(text.len()))
        .bench(|| golivec::syntax::parse(golivec::source::FileId(0), divan::black_box(&text)));
}

#[divan::bench(args = [1_000], sample_count = 10)]
fn synthetic_parse_reference(bencher: divan::Bencher, nodes: usize) {
    let text = synth::plan(nodes, 7);
    bencher
        .counter(divan::counter::BytesCount::new(text.len()))
        .bench(|| golivec::syntax::parse_reference(golivec::source::FileId(0), divan::black_box(&text)));
}

/// `golivec simulate` on an example: the happy path with its whole trace (issue 15's target:
/// memolib's 48 hours of watches in 20 ms or less).
#[divan::bench(args = ["tour", "memolib-go-live", "onelog-blue-green", "aidrive-staged-rollout"])]
fn example_simulate(bencher: divan::Bencher, name: &str) {
    let (model, analysis) = checked_example(name);
    let t0 = analysis.schedule.t0.as_deref().and_then(|t0| t0.parse::<jiff::Zoned>().ok());
    let world = golivec::run::world::World::healthy(&model, t0);
    bencher.bench(|| golivec::run::engine::simulate(&model, &analysis.order, divan::black_box(&world)));
}

/// The what-if table of an example (target: 200 ms or less for each).
#[divan::bench(args = ["tour", "memolib-go-live", "onelog-blue-green", "aidrive-staged-rollout"], sample_count = 20)]
fn example_what_if(bencher: divan::Bencher, name: &str) {
    let (model, analysis) = checked_example(name);
    let t0 = analysis.schedule.t0.as_deref().and_then(|t0| t0.parse::<jiff::Zoned>().ok());
    bencher.bench(|| golivec::run::whatif::table(&model, &analysis.order, divan::black_box(t0.as_ref())));
}

fn checked_example(name: &str) -> (golivec::model::Model, golivec::analysis::Analysis) {
    let path = format!("{}/examples/{name}.golive", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let (_, checked) = golivec::check_source_with(name, &text, &options(false));
    match (checked.model, checked.analysis) {
        (Some(model), Some(analysis)) => (model, analysis),
        _ => panic!("{name} does not check"),
    }
}
