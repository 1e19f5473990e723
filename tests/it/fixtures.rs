//! Fixtures are data: `tests/fixtures/errors/<CODE>-<what>.golive` must report `<CODE>`;
//! `tests/fixtures/ok/*.golive` (near-misses) must report no error, and none of the codes a
//! `# near-miss: CODE, CODE` header line names. A `# target: workflow` line checks the fixture as
//! `golivec lint --target workflow` does (for the target limits, W10xx); a `# variant: NAME`
//! line checks it as `--variant NAME` does. Each has an insta
//! snapshot holding the source and the rendered diagnostics (lints included) together, so any
//! warning shows in review.

use crate::support::{files, render, render_variant, root, targets};

/// The targets named by `# target: workflow` lines.
fn fixture_targets(text: &str) -> golivec::analysis::Targets {
    text.lines().filter_map(|line| line.trim().strip_prefix("# target:")).map(targets).fold(
        golivec::analysis::Targets::default(),
        |all, named| golivec::analysis::Targets {
            runbook: all.runbook || named.runbook,
            workflow: all.workflow || named.workflow,
            alerts: all.alerts || named.alerts,
        },
    )
}

fn snapshot(path: &std::path::Path) -> (golivec::Checked, String) {
    let text = std::fs::read_to_string(path).expect("fixture is UTF-8");
    let name = path.file_name().expect("file name").to_string_lossy().into_owned();
    let dir = path.parent().expect("fixture directory");
    let variant =
        text.lines().find_map(|line| line.trim().strip_prefix("# variant:")).map(|name| name.trim().to_string());
    let (checked, rendered) = render_variant(dir, &name, &text, fixture_targets(&text), variant);
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

/// The codes named by `# near-miss: E0302, W0901` lines.
fn near_misses(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| line.trim().strip_prefix("# near-miss:"))
        .flat_map(|codes| codes.split(',').map(|code| code.trim().to_string()).collect::<Vec<_>>())
        .filter(|code| !code.is_empty())
        .collect()
}

#[test]
fn ok_fixtures_report_no_error_and_not_their_near_miss() {
    let fixtures = files(&root().join("tests/fixtures/ok"), "golive");
    assert!(!fixtures.is_empty(), "no near-miss fixtures found");
    let mut failures = Vec::new();
    for path in &fixtures {
        let (checked, rendered) = snapshot(path);
        let text = std::fs::read_to_string(path).expect("fixture is UTF-8");
        if checked.has_errors() || checked.model.is_none() {
            failures.push(format!("{} reports errors:\n{rendered}", path.display()));
        }
        for code in near_misses(&text) {
            assert!(code.parse::<golivec::diag::Code>().is_ok(), "{}: `{code}` is not a code", path.display());
            if checked.diagnostics.iter().any(|diagnostic| diagnostic.code.as_str() == code) {
                failures.push(format!("{} reports its near-miss {code}:\n{rendered}", path.display()));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `Options::discard_tree` (what the command line asks for) frees the tree early: it must not
/// change a single diagnostic (allow comments included) or the model, on any fixture or example.
#[test]
fn discarding_the_tree_early_changes_no_finding() {
    let mut plans = files(&root().join("tests/fixtures/errors"), "golive");
    plans.extend(files(&root().join("tests/fixtures/ok"), "golive"));
    plans.extend(files(&root().join("examples"), "golive"));
    plans.extend(files(&root().join("examples/shared"), "golive"));
    let mut failures = Vec::new();
    for path in &plans {
        let text = std::fs::read_to_string(path).expect("plan is UTF-8");
        let dir = path.parent().expect("plan directory");
        let outcome = |discard_tree: bool| {
            let options = golivec::Options {
                analysis: golivec::analysis::Options {
                    lints: true,
                    targets: fixture_targets(&text),
                    ..Default::default()
                },
                discard_tree,
                ..Default::default()
            };
            let mut sources = golivec::source::SourceMap::with_loader(golivec::cli::FileSystem::in_dir(dir));
            let file = sources.add("plan.golive", &text);
            let checked = golivec::check_with(&mut sources, file, &options);
            let model = serde_json::to_string(&checked.model).expect("the model serializes");
            (format!("{:?}", checked.diagnostics), model, checked.ast.items.is_empty())
        };
        let (kept_diagnostics, kept_model, _) = outcome(false);
        let (diagnostics, model, emptied) = outcome(true);
        if diagnostics != kept_diagnostics || model != kept_model {
            failures.push(format!("{}: the findings differ when the tree is discarded", path.display()));
        }
        if !emptied {
            failures.push(format!("{}: the tree was kept", path.display()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The byte pre-check that lets most strings skip the credential patterns must never skip a
/// credential: each credential word in several cases and spellings is still found, and plain
/// strings that share letters and punctuation with them still pass.
#[test]
fn credentials_are_found_in_any_case_and_plain_strings_pass() {
    let credentials = [
        "db_password = hunter2hunter2",
        "DB_PASSWD: hunter2hunter2x",
        "Secret=abcdefghijklmnop",
        "x_TOKEN: 'abcdefghijklmnop'",
        "apikey=abcdefghijklmnop",
        "Api_Key: abcdefghijklmnop",
        "AUTH=abcdefghijklmnopq",
        "aUtH_header: abcdefghijklmnop",
        "https://hooks.slack.com/services/T0ABC/B0DEF/abcdefghijkl",
        "https://deploy:hunter2@example.com/",
        "see https://example.com/a and ssh://admin:hunter22@db.example.com",
        "ftp://u:p4ss:word@files.example.com",
        "AKIAABCDEFGHIJKLMNOP",
        "xoxb-1234567890-abcdef",
    ];
    let plain = [
        "https://staging.example.com/api/health",
        "token bucket: 10/s",
        "./deploy.sh --env=production",
        "Auth service: check the login page",
        "secret rotation: see the runbook",
        // A `:`, a `/` and an `@`, but no password in a URL (the URL check's pre-check).
        "curl \\\"$FLAGS_URL/flags/$(printf x | jq -sRr @uri)\\\"",
        "git clone git@github.com:example/shop.git",
        "https://deploy:pw@example.com/",
        "https://deploy:a/b@example.com/",
        "mailto://ops@example.com:443/",
    ];
    let plan =
        |text: &str| format!("plan p {{ title \"Credentials\" }}\n\nphase migrate at T0 {{\n  check \"{text}\"\n}}\n");
    let found = |text: &str| {
        let (checked, _) = render("credentials.golive", &plan(text));
        checked.diagnostics.iter().any(|diagnostic| diagnostic.code.as_str() == "E0401")
    };
    for text in credentials {
        assert!(found(text), "no E0401 for {text:?}");
    }
    for text in plain {
        assert!(!found(text), "E0401 for the plain string {text:?}");
    }
}
