//! Parse, check and analyse (with the lints) arbitrary text: no input may panic or hang.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The binary refuses invalid UTF-8 before parsing, so only text reaches the library.
    let Ok(text) = std::str::from_utf8(data) else { return };
    let options = golivec::Options {
        analysis: golivec::analysis::Options { lints: true, ..Default::default() },
        ..Default::default()
    };
    let _ = golivec::check_source_with("fuzz.golive", text, &options);
});
