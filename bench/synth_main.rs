//! `cargo run --release --example synth -- NODES [SEED]`: prints a synthetic plan.

#[path = "synth.rs"]
mod synth;

fn main() {
    let mut args = std::env::args().skip(1);
    let nodes = args.next().and_then(|text| text.parse().ok()).unwrap_or(1000);
    let seed = args.next().and_then(|text| text.parse().ok()).unwrap_or(1);
    print!("{}", synth::plan(nodes, seed));
}
