//! Fixtures are data: `tests/fixtures/errors/<CODE>-<what>.golive` must report `<CODE>`;
//! `tests/fixtures/ok/*.golive` (near-misses) must report nothing. Each has an insta snapshot
//! holding the source and the rendered diagnostics together.

use crate::support::{files, render, root};

fn snapshot(path: &std::path::Path) -> (golivec::Checked, String) {
    let text = std::fs::read_to_string(path).expect("fixture is UTF-8");
    let name = path.file_name().expect("file name").to_string_lossy().into_owned();
    let (checked, rendered) = render(&name, &text);
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(root().join("tests/fixtures/snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| {
        insta::assert_snapshot!(
            path.file_stem().expect("stem").to_string_lossy().into_owned(),
            format!("{text}\n──── diagnostics ────\n{rendered}")
        );
    });
    (checked, rendered)
}

#[test]
fn error_fixtures_report_their_code() {
    let fixtures = files(&root().join("tests/fixtures/errors"), "golive");
    assert!(!fixtures.is_empty(), "no error fixtures found");
    let mut failures = Vec::new();
    for path in &fixtures {
        let (checked, _) = snapshot(path);
        let stem = path.file_stem().expect("stem").to_string_lossy().into_owned();
        let code = stem.split('-').next().unwrap_or_default();
        if !checked.diagnostics.iter().any(|diagnostic| diagnostic.code.as_str() == code) {
            failures.push(format!("{stem}: does not report {code}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn ok_fixtures_report_nothing() {
    let fixtures = files(&root().join("tests/fixtures/ok"), "golive");
    assert!(!fixtures.is_empty(), "no near-miss fixtures found");
    for path in &fixtures {
        let (checked, rendered) = snapshot(path);
        assert!(checked.diagnostics.is_empty(), "{} reports:\n{rendered}", path.display());
        assert!(checked.model.is_some(), "{} has no model", path.display());
    }
}
