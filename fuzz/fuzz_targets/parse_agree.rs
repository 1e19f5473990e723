//! The fast parser agrees with pest: whenever `syntax::fast::parse` gives a tree, pest
//! (`syntax::parse_reference`) gives the same tree and no diagnostic.
#![no_main]

use golivec::source::FileId;
use golivec::syntax;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The binary refuses invalid UTF-8 before parsing, so only text reaches the parser.
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Some(fast) = syntax::fast::parse(FileId(0), text) else { return };
    let (reference, diagnostics) = syntax::parse_reference(FileId(0), text);
    assert!(diagnostics.is_empty(), "the fast path gave a tree where pest reports {diagnostics:#?}");
    assert!(fast == reference, "the trees differ\npest: {reference:#?}\nfast: {fast:#?}");
});
