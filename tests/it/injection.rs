//! Hostile plan strings through every target: quotes, `$(...)`, backticks, `${{ }}`, newlines,
//! `|`, `<!--`, template syntax, unicode. Each output must still be valid, and each string must
//! arrive verbatim where it is shown. Strings are combined from fragments by a seeded generator,
//! so every run checks the same few hundred cases.

use crate::support::{golivec, Rng};

const FRAGMENTS: &[&str] = &[
    "\"",
    "'",
    "\\",
    "$(touch /tmp/golivec-pwned)",
    "`id`",
    "${{ secrets.GITHUB_TOKEN }}",
    "${HOME}",
    "\n",
    "\t",
    "|",
    "<!--",
    "-->",
    "*bold*",
    "_under_",
    "# heading",
    "[link](javascript:alert(1))",
    "{{ plan.name }}",
    "{% raw %}",
    "::error::",
    "%0A",
    "é—ü🚀",
    "; rm -rf /",
    "&&",
    " ",
    "- [ ]",
    "```",
];

pub(crate) fn hostile_strings(count: usize) -> Vec<String> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut strings: Vec<String> = FRAGMENTS.iter().map(|fragment| format!("x{fragment}y")).collect();
    while strings.len() < count {
        let parts = 2 + rng.next() % 4;
        // A leading letter: an empty or blank text is refused by the checker, rightly.
        let text: String = (0..parts).map(|_| FRAGMENTS[rng.next() % FRAGMENTS.len()]).collect();
        strings.push(format!("a{text}"));
    }
    strings
}

/// `text` as a golive string literal.
pub(crate) fn literal(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A sound plan that shows `text` as a title, a message, a check and a command.
pub(crate) fn plan_with(text: &str) -> String {
    plan_running(text, text)
}

/// A sound plan that shows `text` as titles and messages and runs `command`.
fn plan_running(text: &str, command: &str) -> String {
    let (text, command) = (literal(text), literal(command));
    format!(
        r#"plan injected {{ title {text}; launch 2025-03-04T09:30:00Z }}
role ops {text}
phase deploy at T0 {{
  run {text} sh {command} timeout 1m
  notify ops {text}
  on fail rollback incident
}}
rollback incident {{
  level critical when nodata or declared {text} {{ page ops {text} }}
}}
"#
    )
}

#[test]
fn hostile_strings_arrive_verbatim_in_json() {
    for text in hostile_strings(150) {
        let output = golivec(&["build", "-", "--target", "json"], Some(plan_with(&text).as_bytes()));
        assert_eq!(output.status.code(), Some(0), "{text:?}: {}", String::from_utf8_lossy(&output.stderr));
        let view: serde_json::Value = serde_json::from_slice(&output.stdout).expect("valid JSON");
        assert_eq!(view["plan"]["title"], text.as_str());
        let step = &view["nodes"][0]["items"][0];
        assert_eq!(step["title"], text.as_str());
        assert_eq!(step["command"], text.as_str());
        assert_eq!(view["nodes"][0]["items"][1]["message"], text.as_str());
        assert_eq!(view["rollbacks"][0]["levels"][0]["when"]["operands"][1]["trigger"], text.as_str());
    }
}

#[test]
fn hostile_strings_are_shown_literally_and_never_run_by_the_runbook() {
    let shellcheck = crate::support::require_tool("shellcheck");
    let dir = std::env::temp_dir().join(format!("golivec-injection-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let pwned = std::path::Path::new("/tmp/golivec-pwned");
    let _ = std::fs::remove_file(pwned);
    for (index, text) in hostile_strings(40).iter().enumerate() {
        let marker = dir.join(format!("ran-{index}"));
        let plan = plan_running(text, &format!("touch '{}'", marker.display()));
        let script = dir.join(format!("plan-{index}.sh"));
        let output =
            golivec(&["build", "-", "--target", "shell", "-o", &script.to_string_lossy()], Some(plan.as_bytes()));
        assert_eq!(output.status.code(), Some(0), "{text:?}: {}", String::from_utf8_lossy(&output.stderr));
        let lint = std::process::Command::new(&shellcheck).arg(&script).output().expect("shellcheck runs");
        assert!(lint.status.success(), "{text:?}: {}", String::from_utf8_lossy(&lint.stdout));
        let run = std::process::Command::new("bash")
            .arg(&script)
            .args(["--now", "--state-dir"])
            .arg(dir.join(format!("state-{index}")))
            .stdin(std::process::Stdio::null())
            .output()
            .expect("the runbook runs");
        let shown = String::from_utf8_lossy(&run.stdout);
        assert!(run.status.success(), "{text:?}:\n{shown}{}", String::from_utf8_lossy(&run.stderr));
        assert!(marker.exists(), "{text:?}: the plan's own command did not run");
        // Literally, with control characters escaped: no text moves the cursor or starts a line.
        let literal = golivec::run::render::visible(text);
        assert!(shown.contains(literal.as_str()), "{text:?} is not shown as {literal:?} in:\n{shown}");
        assert!(!pwned.exists(), "{text:?}: plan text was executed");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A query and a JSON pointer made of hostile text reach `curl` and `jq` as one argument each,
/// verbatim, and never run: a fake `curl` records its arguments and answers, and the gate passes
/// only if `jq` found the value under the exact key.
#[test]
fn hostile_queries_and_pointers_reach_curl_and_jq_verbatim() {
    crate::support::require_tool("jq");
    let dir = std::env::temp_dir().join(format!("golivec-injection-query-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("bin")).expect("temp dir");
    let fake_curl = dir.join("bin/curl");
    std::fs::write(
        &fake_curl,
        "#!/usr/bin/env bash\n\
         printf '%s\\0' \"$@\" >>\"$CURL_ARGS\"\n\
         cat >/dev/null\n\
         if [[ ${*: -1} == */x ]]; then cat \"$HTTP_ANSWER\"; else\n\
         printf '%s' '{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{},\"value\":[0,\"1\"]}]}}'; fi\n",
    )
    .expect("write the fake curl");
    std::fs::set_permissions(&fake_curl, std::os::unix::fs::PermissionsExt::from_mode(0o755)).expect("chmod");
    let pwned = std::path::Path::new("/tmp/golivec-pwned");
    let _ = std::fs::remove_file(pwned);
    let path = format!("{}:{}", dir.join("bin").display(), std::env::var("PATH").unwrap_or_default());
    for (index, text) in hostile_strings(30).iter().enumerate() {
        // A key without `~` or `/`: the pointer is then `/` and the key itself (RFC 6901).
        let key = text.replace(['~', '/'], "-");
        let plan = format!(
            r#"plan injected {{ title "t"; launch 2025-03-04T09:30:00Z }}
prometheus main {{ url "http://127.0.0.1:9" }}
metric queried : count {{ prometheus {query} }}
metric fetched : count {{ http "http://127.0.0.1:9/x" json {pointer} }}
phase deploy at T0 {{ run "Deploy" sh "true" }}
gate healthy after deploy {{
  require queried < 5 and fetched < 5
  on fail abort
}}
"#,
            query = literal(text),
            pointer = literal(&format!("/{key}")),
        );
        let script = dir.join(format!("plan-{index}.sh"));
        let output =
            golivec(&["build", "-", "--target", "shell", "-o", &script.to_string_lossy()], Some(plan.as_bytes()));
        assert_eq!(output.status.code(), Some(0), "{text:?}: {}", String::from_utf8_lossy(&output.stderr));
        let answer = dir.join(format!("answer-{index}.json"));
        std::fs::write(&answer, serde_json::json!({ key.clone(): 2 }).to_string()).expect("write the answer");
        let args = dir.join(format!("args-{index}"));
        let run = std::process::Command::new("bash")
            .arg(&script)
            .args(["--now", "--state-dir"])
            .arg(dir.join(format!("state-{index}")))
            .env("PATH", &path)
            .env("CURL_ARGS", &args)
            .env("HTTP_ANSWER", &answer)
            .stdin(std::process::Stdio::null())
            .output()
            .expect("the runbook runs");
        assert!(
            run.status.success(),
            "{text:?}: the gate did not pass:\n{}{}",
            String::from_utf8_lossy(&run.stdout),
            String::from_utf8_lossy(&run.stderr)
        );
        assert!(!pwned.exists(), "{text:?}: plan text was executed");
        let received = std::fs::read(&args).expect("curl was run");
        let query = format!("query={text}");
        assert!(
            received.split(|byte| *byte == 0).any(|arg| arg == query.as_bytes()),
            "{text:?}: curl did not receive the query as one argument: {:?}",
            String::from_utf8_lossy(&received)
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A plan whose commands read the input `FLAG` (a string) and `FORCE` (a bool): a step, a
/// probe and a rollout's `set` each write what they read to a file of their own.
fn plan_reading_inputs(out: &std::path::Path) -> String {
    let out = out.display();
    format!(
        r#"plan injected {{ title "t"; launch 2025-03-04T09:30:00Z }}
input FLAG : string "A flag's name"
input FORCE : bool
metric seen : count {{ probe sh "printf '%s' \"$FLAG\" > '{out}/probe'; echo 0" uses FLAG }}
phase deploy at T0 {{
  run "Record the flag" sh "printf '%s' \"$FLAG\" > '{out}/run'; printf '%s' \"$FORCE\" > '{out}/force'" uses FLAG, FORCE
}}
rollout canary after deploy {{
  set sh "printf '%s' \"$FLAG\" > '{out}/set'" uses FLAG
  stage 100% hold 1m
  require seen < 1
}}
"#
    )
}

/// Hostile input values, given on the command line or in the environment, reach every kind of
/// command as one environment variable, byte for byte, and are never run; a bool that is not
/// `true` or `false`, or a missing input with nobody at the terminal, stops the runbook before
/// anything runs.
#[test]
fn hostile_input_values_reach_commands_verbatim_and_never_run() {
    let dir = std::env::temp_dir().join(format!("golivec-injection-input-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let pwned = std::path::Path::new("/tmp/golivec-pwned");
    let _ = std::fs::remove_file(pwned);
    let script = dir.join("plan.sh");
    let output = golivec(
        &["build", "-", "--target", "shell", "-o", &script.to_string_lossy()],
        Some(plan_reading_inputs(&dir).as_bytes()),
    );
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let runbook = |index: usize, args: &[&str], env: &[(&str, &str)]| {
        let mut command = std::process::Command::new("bash");
        command
            .arg(&script)
            .args(["--now", "--state-dir"])
            .arg(dir.join(format!("state-{index}")))
            .args(args)
            .env_remove("FLAG")
            .env_remove("FORCE")
            .env("GOLIVE_TIME_SCALE", "600")
            .stdin(std::process::Stdio::null());
        for (name, value) in env {
            command.env(name, value);
        }
        command.output().expect("the runbook runs")
    };
    for (index, text) in hostile_strings(24).iter().enumerate() {
        for file in ["run", "probe", "set", "force"] {
            let _ = std::fs::remove_file(dir.join(file));
        }
        let flag = format!("FLAG={text}");
        // Odd runs give the value in the environment, even ones on the command line.
        let run = if index % 2 == 0 {
            runbook(index, &["--input", &flag, "--input", "FORCE=true"], &[])
        } else {
            runbook(index, &[], &[("FLAG", text), ("FORCE", "true")])
        };
        assert!(
            run.status.success(),
            "{text:?}:\n{}{}",
            String::from_utf8_lossy(&run.stdout),
            String::from_utf8_lossy(&run.stderr)
        );
        for file in ["run", "probe", "set"] {
            let read =
                std::fs::read(dir.join(file)).unwrap_or_else(|_| panic!("{text:?}: the {file} command did not run"));
            assert_eq!(read, text.as_bytes(), "{text:?}: the {file} command read another value");
        }
        assert_eq!(std::fs::read(dir.join("force")).expect("the step ran"), b"true");
        assert!(!pwned.exists(), "{text:?}: an input's value was executed");
    }
    // A bool that is not `true` or `false`, hostile or not: exit 2, nothing ran.
    for (index, value) in ["yes", "$(touch /tmp/golivec-pwned)", "true\n", ""].iter().enumerate() {
        let _ = std::fs::remove_file(dir.join("run"));
        let force = format!("FORCE={value}");
        let run = runbook(100 + index, &["--input", "FLAG=x", "--input", &force], &[]);
        assert_eq!(run.status.code(), Some(2), "{value:?}: {}", String::from_utf8_lossy(&run.stderr));
        assert!(String::from_utf8_lossy(&run.stderr).contains("input FORCE is a bool"), "{value:?}");
        assert!(!dir.join("run").exists() && !pwned.exists(), "{value:?}: something ran");
    }
    // Missing, with nobody at the terminal: exit 2 before anything runs, naming the input.
    let run = runbook(200, &["--input", "FORCE=false"], &[]);
    assert_eq!(run.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("input FLAG (string) has no value: pass --input FLAG=VALUE"), "{stderr}");
    assert!(!dir.join("run").exists());
    // Not one of the plan's inputs.
    let run = runbook(201, &["--input", "OTHER=1", "--input", "FLAG=x", "--input", "FORCE=false"], &[]);
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("NAME is one of the plan's inputs (FLAG FORCE)"));
    let _ = std::fs::remove_dir_all(&dir);
}
