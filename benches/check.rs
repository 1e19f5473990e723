//! `cargo bench`: check (parse, resolve, analyse), lint and each build target on the examples
//! and on synthetic plans (check: 1k, 10k and 100k nodes; lint and targets: 1k and 10k).
//! Linear analysis shows as time growing with size; nothing here asserts a time. Targets are
//! numbered as in `Target::ALL`: json, mermaid, dot, shell, workflow, markdown (the Prometheus
//! rules, 6 and 7, are not measured).

#[path = "../bench/synth.rs"]
mod synth;

use golivec::emit::{render, Target};

// The allocator of the `golivec` binary (`src/main.rs`), which the language server runs with.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
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

/// The language server after one keystroke in a 5,000-line plan (synthetic, 815 nodes, 686
/// warnings): the change sent as the whole text (`full`, the sync before issue 20) or as one
/// ranged edit (`incremental`), each flipping a letter of a title, which leaves the
/// diagnostics as they were; or a line break put in the middle of the plan and taken out again
/// (`new_line`), which moves half of them. Measured until the server is done with the change:
/// a request sent after it is answered (requests and notifications are handled in order), the
/// diagnostics published before when they changed. Over an in-memory connection, so what is
/// measured is the server's work, not a pipe's.
#[divan::bench(args = ["full", "incremental", "new_line"], sample_count = 50)]
fn lsp_change(bencher: divan::Bencher, sync: &str) {
    use lsp_server::{Connection, Message, Notification, Request, RequestId};
    use serde_json::json;
    let text = synth::plan(815, 7);
    let uri = "file:///bench/plan.golive";
    let (server, client) = Connection::memory();
    let serving = std::thread::spawn(move || golivec::lsp::run(&server));
    let send = |message: Message| {
        let _ = client.sender.send(message);
    };
    // The messages up to the answer to request `id`: the diagnostics published, if any.
    let answered = |id: i32| {
        let mut published = None;
        loop {
            match client.receiver.recv() {
                Ok(Message::Notification(notification)) if notification.method == "textDocument/publishDiagnostics" => {
                    published = Some(notification)
                }
                Ok(Message::Response(response)) if response.id == RequestId::from(id) => return published,
                Ok(_) => {}
                Err(_) => return None,
            }
        }
    };
    // A request the server answers at once, with an error: it only marks the end of a change.
    let sync_request = |id: i32| Request::new(RequestId::from(id), "golivec/bench".to_string(), json!(null));
    send(Request::new(RequestId::from(1), "initialize".to_string(), json!({ "capabilities": {} })).into());
    let _ = client.receiver.recv();
    send(Notification::new("initialized".to_string(), json!({})).into());
    let open = json!({ "textDocument": { "uri": uri, "languageId": "golive", "version": 1, "text": text } });
    send(Notification::new("textDocument/didOpen".to_string(), open).into());
    send(sync_request(2).into());
    let _ = answered(2);
    // Each change flips one letter of a title in the middle of the plan, back and forth; or
    // puts a line break before that title and takes it out.
    let line = text.lines().count() / 2;
    let (at, title) = text
        .lines()
        .enumerate()
        .skip(line)
        .find_map(|(number, content)| Some((number, content.find('"')? + 1)))
        .unwrap_or((0, 0));
    let mut version = 2;
    let mut flipped = text.clone();
    bencher.bench_local(|| {
        version += 1;
        let letter = if version % 2 == 0 { "Q" } else { "R" };
        let changes = match sync {
            "full" => {
                let offset: usize = flipped.lines().take(at).map(|line| line.len() + 1).sum::<usize>() + title;
                flipped.replace_range(offset..offset + 1, letter);
                json!([{ "text": flipped }])
            }
            "new_line" if version % 2 == 1 => {
                let start = json!({ "line": at, "character": 0 });
                json!([{ "range": { "start": start, "end": start }, "text": "\n" }])
            }
            "new_line" => {
                let start = json!({ "line": at, "character": 0 });
                let end = json!({ "line": at + 1, "character": 0 });
                json!([{ "range": { "start": start, "end": end }, "text": "" }])
            }
            _ => {
                let start = json!({ "line": at, "character": title });
                let end = json!({ "line": at, "character": title + 1 });
                json!([{ "range": { "start": start, "end": end }, "text": letter }])
            }
        };
        let change = json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": changes });
        send(Notification::new("textDocument/didChange".to_string(), change).into());
        send(sync_request(version).into());
        divan::black_box(answered(version))
    });
    send(Request::new(RequestId::from(0), "shutdown".to_string(), serde_json::Value::Null).into());
    let _ = answered(0);
    send(Notification::new("exit".to_string(), serde_json::Value::Null).into());
    let _ = serving.join();
}
