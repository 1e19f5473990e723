//! Parse, check and render every target: a plan that checks must render or say why not.
#![no_main]

use golivec::emit::{render, Target};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (_, checked) = golivec::check_source("fuzz.golive", text);
    let (Some(model), Some(analysis)) = (&checked.model, &checked.analysis) else { return };
    for target in Target::ALL {
        let _ = render(target, model, analysis);
    }
});
