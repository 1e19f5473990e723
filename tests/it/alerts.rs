//! The Prometheus rules (`--target alerts`) and their tests (`--target alerts-test`), checked by
//! the real `promtool`: every generated rule file passes `promtool check rules`, every generated
//! test file passes `promtool test rules` against it, a threshold or a `for` changed by hand in
//! the rule file makes the tests fail, and hostile plan text neither breaks the YAML nor reaches
//! Prometheus's annotation templates as template code.

use crate::support::{files, golivec, require_tool, root, stderr, stdout};
use std::path::{Path, PathBuf};
use std::process::Command;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("golivec-alerts-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Builds the rules and their tests of `plan` into `dir`: the paths of both files.
fn build(plan: &Path, dir: &Path) -> (PathBuf, PathBuf) {
    let output = golivec(
        &["build", &plan.to_string_lossy(), "--target", "alerts,alerts-test", "-o", &dir.to_string_lossy()],
        None,
    );
    assert_eq!(output.status.code(), Some(0), "{}: {}", plan.display(), stderr(&output));
    let rules: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("dir")
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.to_string_lossy().ends_with(".rules.yml"))
        .collect();
    assert_eq!(rules.len(), 1, "{}: {rules:?}", plan.display());
    let tests = PathBuf::from(rules[0].to_string_lossy().replace(".rules.yml", ".rules.test.yml"));
    assert!(tests.is_file(), "{} was not written", tests.display());
    (rules[0].clone(), tests)
}

fn promtool(args: &[&Path]) -> std::process::Output {
    let mut command = Command::new(require_tool("promtool"));
    command.args(args.iter().map(|arg| arg.as_os_str()));
    command.output().expect("promtool runs")
}

fn text(output: &std::process::Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

fn check_rules(rules: &Path) {
    let output = promtool(&[Path::new("check"), Path::new("rules"), rules]);
    assert!(output.status.success(), "{}: {}", rules.display(), text(&output));
}

fn test_rules(tests: &Path) -> std::process::Output {
    promtool(&[Path::new("test"), Path::new("rules"), tests])
}

/// Every example (an example without queries gives an empty rule file, which must check too),
/// and every fixture with a `prometheus` server.
fn prometheus_plans() -> Vec<PathBuf> {
    let mut plans = files(&root().join("tests/fixtures/ok"), "golive");
    plans.extend(files(&root().join("tests/fixtures/scenarios"), "golive"));
    files(&root().join("examples"), "golive")
        .into_iter()
        .chain(plans.into_iter().filter(|path| {
            let text = std::fs::read_to_string(path).expect("plan");
            let (checked, _) = crate::support::render(&path.to_string_lossy(), &text);
            checked.model.is_some_and(|model| !model.prometheus.is_empty())
        }))
        .collect()
}

#[test]
fn the_rules_of_a_fixture_are_snapshotted() {
    let plan = root().join("tests/fixtures/ok/alert-rules.golive");
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(root().join("tests/it/snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    for (target, name) in [("alerts", "alerts-rules"), ("alerts-test", "alerts-rules-test")] {
        let output = golivec(&["build", &plan.to_string_lossy(), "--target", target], None);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        settings.bind(|| insta::assert_snapshot!(name, stdout(&output)));
    }
}

#[test]
fn every_plan_with_queries_gives_rules_promtool_checks_and_tests_that_pass() {
    let plans = prometheus_plans();
    let names: Vec<String> =
        plans.iter().map(|path| path.file_name().expect("name").to_string_lossy().into()).collect();
    for expected in ["prometheus-canary.golive", "alert-rules.golive", "metric-sources.golive"] {
        assert!(names.iter().any(|name| name == expected), "{expected} is not among {names:?}");
    }
    for plan in plans {
        let dir = temp_dir(&plan.file_stem().expect("stem").to_string_lossy());
        let (rules, tests) = build(&plan, &dir);
        check_rules(&rules);
        let output = test_rules(&tests);
        assert!(output.status.success(), "{}: {}", plan.display(), text(&output));
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn every_alert_of_the_example_is_a_tested_rule() {
    let dir = temp_dir("example");
    let (rules, tests) = build(&root().join("examples/prometheus-canary.golive"), &dir);
    let rules = std::fs::read_to_string(rules).expect("rules");
    let tests = std::fs::read_to_string(tests).expect("tests");
    for alert in ["errors", "slow", "instance_down", "drifting", "blind"] {
        assert!(rules.contains(&format!("- alert: \"{alert}\"")), "{alert} has no rule:\n{rules}");
        assert!(tests.contains(&format!("\"{alert} fires with ")), "{alert} is not tested");
        assert!(tests.contains(&format!("\"{alert} does not fire with ")), "{alert}");
    }
    assert!(!rules.contains("Left out"), "{rules}");
    // Thresholds in the unit of each query: 2% of a ratio, 1 s in seconds, 70% of a ratio.
    assert!(rules.contains("golive:payments_canary:error_rate:sample > 0.02"), "{rules}");
    assert!(rules.contains("golive:payments_canary:p99:sample > 1\""), "{rules}");
    assert!(rules.contains("golive:payments_canary:cpu:sample > 0.7"), "{rules}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `expr` with each threshold of a PromQL comparison changed in turn: `> 0.02` becomes `> 1.03`.
fn mutate_thresholds(expr: &str) -> Vec<String> {
    let mut mutants = Vec::new();
    for op in [" >= ", " <= ", " == ", " != ", " > ", " < "] {
        for (at, _) in expr.match_indices(op) {
            let start = at + op.len();
            let end = expr[start..]
                .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
                .map_or(expr.len(), |end| start + end);
            if let Ok(value) = expr[start..end].parse::<f64>() {
                mutants.push(format!("{}{}{}", &expr[..start], value * 1.5 + 1.0, &expr[end..]));
            }
        }
    }
    mutants
}

/// The alert whose `expr:` is at `expr_line` made a week slower to fire (`for: 2m` becomes
/// `for: 1w2m`), or given a `for` when it has none.
fn mutate_for(lines: &mut Vec<String>, expr_line: usize) {
    let indent = lines[expr_line][..lines[expr_line].len() - lines[expr_line].trim_start().len()].to_string();
    match lines.get(expr_line + 1) {
        Some(line) if line.trim_start().starts_with("for: ") => {
            lines[expr_line + 1] = format!("{indent}for: 1w{}", line.trim_start().trim_start_matches("for: "));
        }
        _ => lines.insert(expr_line + 1, format!("{indent}for: 10m")),
    }
}

#[test]
fn a_rule_changed_by_hand_fails_its_tests() {
    for plan in ["examples/prometheus-canary.golive", "tests/fixtures/ok/alert-rules.golive"] {
        let dir = temp_dir(&format!("mutation-{}", Path::new(plan).file_stem().expect("stem").to_string_lossy()));
        let (rules, tests) = build(&root().join(plan), &dir);
        let original: Vec<String> = std::fs::read_to_string(&rules).expect("rules").lines().map(String::from).collect();
        let alert_exprs: Vec<usize> = (1..original.len())
            .filter(|index| original[index - 1].trim_start().starts_with("- alert: "))
            .filter(|index| original[*index].trim_start().starts_with("expr: "))
            .collect();
        assert!(alert_exprs.len() >= 5, "{plan}: {alert_exprs:?}");
        let mut mutants = 0;
        for &index in &alert_exprs {
            let alert = original[index - 1].trim_start().trim_start_matches("- alert: ").to_string();
            let mut variants = Vec::new();
            for changed in mutate_thresholds(&original[index]) {
                let mut lines = original.clone();
                lines[index] = changed;
                variants.push(("threshold", lines));
            }
            let mut lines = original.clone();
            mutate_for(&mut lines, index);
            variants.push(("for", lines));
            for (what, lines) in variants {
                std::fs::write(&rules, lines.join("\n") + "\n").expect("write the mutant");
                check_rules(&rules);
                let output = test_rules(&tests);
                assert!(!output.status.success(), "{plan}: {alert} with a {what} changed still passes its tests");
                mutants += 1;
            }
        }
        assert!(mutants >= 5, "{plan}: only {mutants} mutants");
        std::fs::write(&rules, original.join("\n") + "\n").expect("restore");
        let output = test_rules(&tests);
        assert!(output.status.success(), "{plan}: {}", text(&output));
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// What Prometheus's templating and YAML make of text, beyond the shared hostile strings.
const PROMETHEUS_FRAGMENTS: &[&str] = &[
    "{{ $labels.instance }}",
    "{{ $value }}",
    "{{",
    "}}",
    "{{{",
    "}}}",
    "{{- end }}",
    "{{ template \"x\" }}",
    "$labels",
    "$externalLabels.cluster",
    "key: value",
    "- item",
    "---",
    "... ",
    "&anchor *alias",
    "!!binary",
    "%TAG",
    "\u{7f}",
    "\u{85}",
    "\u{2028}",
    "\u{feff}",
    "\r",
];

#[test]
fn hostile_text_is_quoted_for_yaml_and_prometheus_templates() {
    let mut texts: Vec<String> = PROMETHEUS_FRAGMENTS.iter().map(|fragment| format!("x{fragment}y")).collect();
    texts.extend(crate::injection::hostile_strings(60));
    texts.push("a{{ \"{{\" }}b".to_string());
    texts.push("{{{{ $labels }}}}{".to_string());
    let literal = |text: &str| crate::injection::literal(text).replace('\r', "\\r");
    let mut plan = format!(
        "plan injected {{ title {} }}\nrole ops\nprometheus main {{ url \"http://prometheus:9090\" }}\n\
         metric errors : percent {{ prometheus \"sum(rate(errors_total[5m]))\"; unit ratio }}\n\
         phase deploy at T0 {{ run \"Deploy\" sh \"./deploy.sh\" }}\n",
        literal(&texts[2])
    );
    for (index, text) in texts.iter().enumerate() {
        plan.push_str(&format!(
            "alert a{index} {} when errors > 1% for 1m {{\n  page ops {}\n  notify ops {}\n}}\n",
            literal(text),
            literal(text),
            literal(&format!("{text}{text}"))
        ));
    }
    let dir = temp_dir("injection");
    let path = dir.join("injected.golive");
    std::fs::write(&path, &plan).expect("plan");
    let (rules, tests) = build(&path, &dir);
    check_rules(&rules);
    // promtool compares each alert's annotations, as Prometheus expands them, with the plan's
    // text written as is in the test file.
    let output = test_rules(&tests);
    assert!(output.status.success(), "{}", text(&output));
    // The YAML holds exactly what the emitter meant: no key added, text verbatim after quoting.
    let parsed: serde_yaml_ng::Value =
        serde_yaml_ng::from_str(&std::fs::read_to_string(&rules).expect("rules")).expect("valid YAML");
    let rules_of_group = parsed["groups"][0]["rules"].as_sequence().expect("rules");
    let alerts: Vec<&serde_yaml_ng::Value> = rules_of_group.iter().filter(|rule| rule.get("alert").is_some()).collect();
    assert_eq!(alerts.len(), texts.len());
    for (index, (alert, text)) in alerts.iter().zip(&texts).enumerate() {
        let mapping = alert.as_mapping().expect("a mapping");
        let keys: Vec<&str> = mapping.keys().filter_map(|key| key.as_str()).collect();
        assert_eq!(keys, ["alert", "expr", "for", "labels", "annotations"], "{text:?}");
        assert_eq!(alert["alert"].as_str(), Some(format!("a{index}").as_str()));
        let labels: Vec<&str> =
            alert["labels"].as_mapping().expect("labels").keys().filter_map(|k| k.as_str()).collect();
        assert_eq!(labels, ["severity", "plan"], "{text:?}");
        let summary = alert["annotations"]["summary"].as_str().expect("summary");
        assert_eq!(summary, golivec::emit::alerts::template_text(text), "{text:?}");
        let description = alert["annotations"]["description"].as_str().expect("description");
        assert!(description.contains(&golivec::emit::alerts::template_text(&format!("{text}{text}"))), "{text:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn alerts_left_out_are_reported_only_for_the_alerts_target() {
    let fixture = "tests/fixtures/errors/W1006-alert-prometheus-cannot-evaluate.golive";
    for (args, reported) in [
        (vec!["lint", "--color", "never", fixture], false),
        (vec!["lint", "--color", "never", fixture, "--target", "workflow"], false),
        (vec!["lint", "--color", "never", fixture, "--target", "alerts"], true),
        (vec!["lint", "--color", "never", fixture, "--target", "alerts-test"], true),
    ] {
        let output = golivec(&args, None);
        let found = stderr(&output).contains("cannot be a Prometheus rule");
        assert_eq!(found, reported, "{args:?}: {}", stderr(&output));
    }
    let output = golivec(&["build", fixture, "--target", "alerts"], None);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stderr(&output).matches("cannot be a Prometheus rule").count(), 4, "{}", stderr(&output));
    let rules = stdout(&output);
    assert!(rules.contains("- alert: \"high_errors\""), "{rules}");
    for left_out in ["backlog", "security", "starved", "flapping"] {
        assert!(!rules.contains(&format!("- alert: \"{left_out}\"")), "{left_out} has a rule:\n{rules}");
    }
    assert!(rules.contains("# Left out (W1006"), "{rules}");
    // The checklist names the rule of each alert that has one.
    let checklist = stdout(&golivec(&["build", fixture, "--target", "markdown"], None));
    assert!(checklist.contains("Prometheus rule `high_errors` in `p.rules.yml`"), "{checklist}");
    assert_eq!(checklist.matches("Prometheus rule").count(), 1, "{checklist}");
}

/// A value the metric's type cannot take is no data in the rules, as in the runbook: an error
/// ratio of 1.5 (150%) or NaN never fires `error_rate > 1%`, where 0.015 does.
#[test]
fn values_out_of_the_type_s_range_are_no_data_as_in_the_runbook() {
    let dir = temp_dir("range");
    let (rules, _) = build(&root().join("tests/fixtures/ok/alert-rules.golive"), &dir);
    let rule_file = rules.file_name().expect("name").to_string_lossy().into_owned();
    for (value, quiet) in [("1.5", true), ("NaN", true), ("-0.5", true), ("0.015", false)] {
        let test = dir.join(format!("range-{value}.yml"));
        // The expanding notation takes no NaN: the values one by one.
        let values = [value; 12].join(" ");
        std::fs::write(
            &test,
            format!(
                "rule_files: [\"{rule_file}\"]\nevaluation_interval: 1m\ntests:\n  - interval: 1m\n    \
                 input_series:\n      - series: \"golive:rules:error_rate\"\n        values: \"{values}\"\n    \
                 alert_rule_test:\n      - eval_time: 5m\n        alertname: \"errors\"\n        exp_alerts: []\n"
            ),
        )
        .expect("test file");
        let output = test_rules(&test);
        assert_eq!(output.status.success(), quiet, "error_rate {value}: {}", text(&output));
    }
    let _ = std::fs::remove_dir_all(&dir);
}
