//! Parse, check and analyse (with the lints and every target's limits) arbitrary text: no input may panic or hang. Each
//! input is checked twice, keeping the tree (as the language server does) and freeing it while
//! lowering (as the command line does), and both must find the same diagnostics and model.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The binary refuses invalid UTF-8 before parsing, so only text reaches the library.
    let Ok(text) = std::str::from_utf8(data) else { return };
    let options = |discard_tree| golivec::Options {
        analysis: golivec::analysis::Options {
            lints: true,
            targets: golivec::analysis::Targets { runbook: true, workflow: true },
            ..Default::default()
        },
        discard_tree,
        ..Default::default()
    };
    let (_, kept) = golivec::check_source_with("fuzz.golive", text, &options(false));
    let (_, freed) = golivec::check_source_with("fuzz.golive", text, &options(true));
    assert_eq!(kept.diagnostics, freed.diagnostics, "freeing the tree changed the diagnostics");
    assert_eq!(format!("{:?}", kept.model), format!("{:?}", freed.model), "freeing the tree changed the model");
});
