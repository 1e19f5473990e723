//! Modules, templates and the standard library, through the binary and the public API: every
//! standard module has a fixture calling each of its templates and a documentation page made
//! from its source; `golivec init` writes starters that lint clean and build to every target
//! (checked by the real validators); a call builds the same artifacts as its statements
//! written out.

use crate::support::{files, golivec, require_tool, root, stderr, stdout};
use golivec::modules::stdlib;
use std::path::PathBuf;
use std::process::Command;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("golivec-modules-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

#[test]
fn every_module_has_a_fixture_calling_each_of_its_templates() {
    assert!(stdlib::MODULES.len() >= 9, "the standard library lost modules");
    for module in stdlib::MODULES {
        let path = root().join(format!("tests/fixtures/ok/stdlib-{}.golive", module.name));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("{} has no fixture", path.display()));
        assert!(text.contains(&format!("use std.{}", module.name)), "{} does not import the module", path.display());
        let templates = stdlib::templates(module);
        assert!(!templates.is_empty(), "std.{} has no template", module.name);
        for template in templates {
            assert!(template.doc.len() > 20, "std.{}.{} has no documentation comment", module.name, template.name);
            let call = format!("{}.{}(", module.name, template.name);
            assert!(text.contains(&call), "{} never calls `{call}...)`", path.display());
        }
        // The fixture itself is checked (no error) and snapshotted by the fixture suite.
        let output = golivec(&["lint", "--color", "never", &path.to_string_lossy()], None);
        assert_eq!(output.status.code(), Some(0), "{}:\n{}", path.display(), stderr(&output));
    }
}

#[test]
fn every_module_parses_without_a_diagnostic() {
    for module in stdlib::MODULES {
        let (_, checked) = golivec::check_source(&format!("stdlib/{}.golive", module.name), module.source);
        let codes: Vec<&str> = checked.diagnostics.iter().map(|diagnostic| diagnostic.code.as_str()).collect();
        // A module alone has no plan (E0204); nothing else may be reported.
        assert!(codes.iter().all(|code| *code == "E0204"), "std.{}: {codes:?}", module.name);
        assert!(module.summary().len() > 20, "std.{} has no summary", module.name);
    }
}

#[test]
fn each_module_has_a_doc_page_generated_from_its_source() {
    let dir = root().join("docs/stdlib");
    let update = std::env::var_os("GOLIVEC_UPDATE_DOCS").is_some();
    for module in stdlib::MODULES {
        let path = dir.join(format!("{}.md", module.name));
        let generated = stdlib::page(module);
        if update {
            std::fs::create_dir_all(&dir).expect("docs/stdlib");
            std::fs::write(&path, &generated).expect("write the page");
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == generated,
            "{} is stale: run `GOLIVEC_UPDATE_DOCS=1 cargo test --test it modules::`",
            path.display()
        );
        let output = golivec(&["stdlib", module.name], None);
        assert_eq!(output.status.code(), Some(0));
        assert_eq!(stdout(&output), committed, "`golivec stdlib {}` prints its page", module.name);
        let output = golivec(&["stdlib", &format!("std.{}", module.name), "--source"], None);
        assert_eq!(stdout(&output), module.source);
    }
    let pages = files(&dir, "md");
    assert_eq!(pages.len(), stdlib::MODULES.len(), "docs/stdlib has a page for a module that does not exist");
    let lint = Command::new(require_tool("markdownlint-cli2"))
        .args(pages.iter().map(|page| page.to_string_lossy().into_owned()))
        .current_dir(root())
        .output()
        .expect("markdownlint-cli2 runs");
    assert!(
        lint.status.success(),
        "{}{}",
        String::from_utf8_lossy(&lint.stdout),
        String::from_utf8_lossy(&lint.stderr)
    );
}

#[test]
fn the_stdlib_listing_names_every_module_and_template() {
    let output = golivec(&["stdlib"], None);
    assert_eq!(output.status.code(), Some(0));
    insta::assert_snapshot!(stdout(&output));
    let output = golivec(&["stdlib", "canry"], None);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("did you mean `canary`?"), "{}", stderr(&output));
}

#[test]
fn init_writes_starters_that_lint_clean_and_build_to_every_target() {
    let shellcheck = require_tool("shellcheck");
    let actionlint = require_tool("actionlint");
    let dir = temp_dir("init");
    for starter in ["basic", "canary", "blue-green"] {
        let plan = dir.join(format!("{starter}.golive"));
        let plan_arg = plan.to_string_lossy().into_owned();
        let output = golivec(&["init", &plan_arg, "--template", starter], None);
        assert_eq!(output.status.code(), Some(0), "{starter}: {}", stderr(&output));
        let written = std::fs::read_to_string(&plan).expect("the starter is written");

        let again = golivec(&["init", &plan_arg], None);
        assert_eq!(again.status.code(), Some(2), "init must refuse to overwrite");
        assert!(stderr(&again).contains("already exists"), "{}", stderr(&again));
        assert_eq!(std::fs::read_to_string(&plan).expect("still there"), written, "the file was changed");

        let lint = golivec(&["lint", "--deny", "warnings", "--color", "never", &plan_arg], None);
        assert_eq!(lint.status.code(), Some(0), "{starter}: {}", stderr(&lint));
        let out = dir.join(starter);
        let build = golivec(
            &["build", &plan_arg, "-t", "shell,workflow,markdown,json,mermaid,dot", "-o", &out.to_string_lossy()],
            None,
        );
        assert_eq!(build.status.code(), Some(0), "{starter}: {}", stderr(&build));
        let script = out.join("launch.sh"); // files are named after the plan
        let checked = Command::new(&shellcheck).arg(&script).output().expect("shellcheck runs");
        assert!(checked.status.success(), "{starter}: {}", String::from_utf8_lossy(&checked.stdout));
        let workflow = out.join("launch.yml");
        let checked = Command::new(&actionlint).arg(&workflow).output().expect("actionlint runs");
        assert!(checked.status.success(), "{starter}: {}", String::from_utf8_lossy(&checked.stdout));
    }
}

#[test]
fn a_call_builds_the_same_artifacts_as_its_statements_written_out() {
    let head = "plan shop { title \"Shop\" }\nrole lead \"Lead\"\nrole ops \"Ops\"\n\
                var METRICS_URL\n\
                metric error_rate : percent { probe sh \"curl -fsS \\\"$METRICS_URL/e\\\"\" uses METRICS_URL }\n";
    let tail = "rollback incident {\n  level all when error_rate >= 1% or nodata or declared \"broken\" { run \"Roll back\" sh \"./rb.sh\" timeout 5m }\n  level fine when error_rate < 1% { continue }\n}\n";
    let templated = format!(
        "use std.http\n{head}\
         template deploy(service: string, script: command = \"./deploy.sh\", budget: duration = 15m, tree: rollback) {{\n\
           run \"Deploy {{service}}\" sh \"{{script}} {{service}}\" timeout budget\n\
           http.check(title = \"{{service}} answers\", url = \"https://{{service}}.example.com/health\")\n\
           on fail rollback tree\n\
         }}\n\
         gate go {{ approve lead, ops; on fail abort }}\n\
         phase api after go {{ deploy(service = \"api\", tree = incident) }}\n\
         phase web after api {{ deploy(service = \"web server\", script = \"./web.sh --fast\", budget = 5m, tree = incident) }}\n{tail}"
    );
    let written_out = format!(
        "{head}\
         gate go {{ approve lead, ops; on fail abort }}\n\
         phase api after go {{\n  run \"Deploy api\" sh \"./deploy.sh api\" timeout 15m\n  expect \"api answers\" http \"https://api.example.com/health\" status 200\n  on fail rollback incident\n}}\n\
         phase web after api {{\n  run \"Deploy web server\" sh \"./web.sh --fast 'web server'\" timeout 5m\n  expect \"web server answers\" http \"https://web server.example.com/health\" status 200\n  on fail rollback incident\n}}\n{tail}"
    );
    for target in ["json", "shell", "markdown", "workflow"] {
        let built: Vec<String> = [&templated, &written_out]
            .iter()
            .map(|source| {
                let output = golivec(&["build", "-", "--target", target], Some(source.as_bytes()));
                assert_eq!(output.status.code(), Some(0), "{target}:\n{source}\n{}", stderr(&output));
                stdout(&output)
            })
            .collect();
        assert!(
            built[0] == built[1],
            "{target}: the templated plan builds differently:\n{}",
            similar_diff(&built[1], &built[0])
        );
    }
}

fn similar_diff(old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new).unified_diff().header("written out", "templated").to_string()
}

#[test]
fn imports_are_read_relative_to_the_importing_file() {
    // Run from another directory than the plan's: `use "../modules/..."` still resolves.
    let plan = root().join("tests/fixtures/ok/modules-diamond.golive");
    let output = Command::new(env!("CARGO_BIN_EXE_golivec"))
        .args(["check", "--color", "never", &plan.to_string_lossy()])
        .current_dir(std::env::temp_dir())
        .output()
        .expect("golivec runs");
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
}

#[test]
fn a_file_that_imports_itself_or_a_directory_is_a_clear_error() {
    let dir = temp_dir("self");
    let plan = dir.join("self.golive");
    std::fs::write(&plan, "use \"./self.golive\"\nplan p { title \"P\" }\n").expect("write");
    let output = golivec(&["check", "--color", "never", &plan.to_string_lossy()], None);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("E0209"), "{}", stderr(&output));
    std::fs::create_dir_all(dir.join("folder.golive")).expect("dir");
    std::fs::write(&plan, "use \"./folder.golive\"\nplan p { title \"P\" }\n").expect("write");
    let output = golivec(&["check", "--color", "never", &plan.to_string_lossy()], None);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("E0208") && stderr(&output).contains("is a directory"), "{}", stderr(&output));
}

#[test]
fn plans_checked_together_share_their_imported_modules() {
    // The second plan finds the modules the first one read: they are reused, not lost.
    let plan = "tests/fixtures/ok/modules-diamond.golive";
    let other = "tests/fixtures/ok/stdlib-http.golive";
    let output = golivec(&["check", "--color", "never", plan, other, plan], None);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}
