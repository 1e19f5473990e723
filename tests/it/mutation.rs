//! A fuzz smoke test on stable Rust: the examples, mutated (bytes flipped, deleted, duplicated,
//! lines spliced from other examples), go through check, lint and every emitter through the
//! public API. Nothing may panic. Deterministic from a seed; `GOLIVEC_MUTATIONS` raises the
//! count for a longer run.

use crate::support::{files, root, Rng};
use golivec::emit::Target;

const INTERESTING: &[&str] = &[
    "{",
    "}",
    "(",
    ")",
    "\"",
    "\"\"\"",
    "#",
    "\n",
    ";",
    "..",
    "..=",
    "T+",
    "T-",
    "%",
    "ms",
    "/s",
    "not ",
    " and ",
    " or ",
    " for ",
    "after ",
    "at T0 ",
    "on fail rollback x\n",
    "recheck\n",
    "continue\n",
    "[Europe/Paris]",
    "2025-03-30T02:30:00",
    "\\u{",
    "\u{feff}",
    "é",
    "\r\n",
    "0",
    "-1",
    "1e99",
    "99999999999999999999",
    "level l when ",
    "stage 150%\n",
    "point_of_no_return\n",
    "tolerate 1 failure\n",
    "tolerate 1001 nodata\n",
];

fn mutate(rng: &mut Rng, text: &str, others: &[String]) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(bytes.len() + 1);
        match rng.below(5) {
            0 if !bytes.is_empty() => {
                let end = (at + 1 + rng.below(40)).min(bytes.len());
                bytes.drain(at.min(end)..end);
            }
            1 => {
                let insert = INTERESTING[rng.below(INTERESTING.len())].as_bytes();
                bytes.splice(at..at, insert.iter().copied());
            }
            2 if !bytes.is_empty() => {
                let index = at.min(bytes.len() - 1);
                bytes[index] = bytes[index].wrapping_add(1 + rng.below(255) as u8);
            }
            3 => {
                let other = &others[rng.below(others.len())];
                let lines: Vec<&str> = other.lines().collect();
                let start = rng.below(lines.len());
                let piece = lines[start..(start + 1 + rng.below(6)).min(lines.len())].join("\n");
                bytes.splice(at..at, piece.into_bytes());
            }
            _ if !bytes.is_empty() => {
                let start = at.min(bytes.len() - 1);
                let end = (start + 1 + rng.below(200)).min(bytes.len());
                let copy = bytes[start..end].to_vec();
                bytes.splice(start..start, copy);
            }
            _ => {}
        }
    }
    // The CLI refuses invalid UTF-8 before parsing (a test of its own); the library takes text.
    String::from_utf8_lossy(&bytes).into_owned()
}

fn exercise(text: &str) {
    // Every target's limits too: their passes see every mutant.
    let targets = golivec::analysis::Targets { runbook: true, workflow: true, alerts: true };
    let options = golivec::Options {
        analysis: golivec::analysis::Options { lints: true, targets, ..Default::default() },
        ..Default::default()
    };
    let (sources, checked) = golivec::check_source_with("mutant.golive", text, &options);
    let rendering = golivec::diag::render::HumanOptions::default();
    for diagnostic in &checked.diagnostics {
        golivec::diag::render::human(&sources, diagnostic, rendering);
        golivec::diag::render::github(&sources, diagnostic);
    }
    golivec::diag::render::json(&sources, &checked.diagnostics);
    if let (Some(model), Some(analysis)) = (&checked.model, &checked.analysis) {
        for target in Target::ALL {
            let _ = golivec::emit::render(target, model, analysis);
        }
    }
}

#[test]
fn mutated_examples_never_panic() {
    let examples: Vec<String> = files(&root().join("examples"), "golive")
        .iter()
        .map(|path| std::fs::read_to_string(path).expect("example"))
        .collect();
    let count: usize = std::env::var("GOLIVEC_MUTATIONS").ok().and_then(|text| text.parse().ok()).unwrap_or(600);
    let mut rng = Rng(0xD1B5_4A32_D192_ED03);
    for round in 0..count {
        let base = &examples[rng.below(examples.len())];
        let mutant = mutate(&mut rng, base, &examples);
        let outcome = std::panic::catch_unwind(|| exercise(&mutant));
        if outcome.is_err() {
            let path = std::env::temp_dir().join(format!("golivec-mutant-{round}.golive"));
            let _ = std::fs::write(&path, &mutant);
            panic!("mutation {round} panicked; the input is saved at {}", path.display());
        }
    }
}
