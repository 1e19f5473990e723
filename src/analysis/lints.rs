//! Lints on commands and steps (`golivec lint`): warnings a reviewer would raise.

use crate::diag::{Code, Diagnostic};
use crate::model::{Model, Step, StepKind};
use crate::source::Span;

/// Shell words of a command, split at blanks and at the operators that end a simple command.
fn words(command: &str) -> Vec<&str> {
    command
        .split(|c: char| c.is_whitespace() || c == '(' || c == ')' || c == '`')
        .filter(|word| !word.is_empty())
        .collect()
}

fn is_command_end(word: &str) -> bool {
    matches!(word, "|" | "||" | "&&" | ";" | "&") || word.ends_with(';')
}

/// The words of `command` that start a simple command (`curl` in `x | curl ...`, not in
/// `echo curl`), with the arguments that follow each.
fn commands(command: &str) -> Vec<(&str, Vec<&str>)> {
    let mut found: Vec<(&str, Vec<&str>)> = Vec::new();
    let mut at_start = true;
    for word in words(command) {
        if is_command_end(word) || word == "$(" {
            at_start = true;
            continue;
        }
        // `trim_start_matches("$(")`, without building a substring searcher for each word.
        let mut trimmed = word;
        while let Some(rest) = trimmed.strip_prefix("$(") {
            trimmed = rest;
        }
        let trimmed = trimmed.trim_end_matches(';');
        if at_start {
            // Environment assignments and wrappers keep the command position.
            let assignment = trimmed.contains('=') && !trimmed.starts_with('-');
            if assignment || matches!(trimmed, "time" | "exec" | "env" | "nohup" | "xargs") {
                continue;
            }
            found.push((trimmed, Vec::new()));
        } else if let Some((_, arguments)) = found.last_mut() {
            arguments.push(trimmed);
        }
        at_start = word.ends_with(';');
    }
    found
}

fn program_is(word: &str, name: &str) -> bool {
    word.strip_suffix(name).is_some_and(|path| path.is_empty() || path.ends_with('/'))
}

/// Whether a `curl` among `commands` lacks `-f`/`--fail`.
fn curl_without_fail(commands: &[(&str, Vec<&str>)]) -> bool {
    commands.iter().filter(|(program, _)| program_is(program, "curl")).any(|(_, arguments)| {
        !arguments.iter().any(|word| {
            matches!(*word, "--fail" | "--fail-with-body")
                || (word.starts_with('-')
                    && !word.starts_with("--")
                    && word[1..].chars().all(|c| c.is_ascii_alphabetic())
                    && word.contains('f'))
        })
    })
}

/// The argument of the first `sleep N` among `commands`.
fn sleeps(commands: &[(&str, Vec<&str>)]) -> Option<String> {
    commands.iter().find_map(|(program, arguments)| {
        let amount = arguments.first().filter(|_| program_is(program, "sleep"))?;
        amount.starts_with(|c: char| c.is_ascii_digit()).then(|| amount.to_string())
    })
}

fn check_command(command: &str, span: Span, diagnostics: &mut Vec<Diagnostic>) {
    // Split once for the three lints (a plan of 5,000 lines has 800 commands to read).
    let commands = commands(command);
    if curl_without_fail(&commands) {
        diagnostics.push(
            Diagnostic::new(Code::CurlWithoutFail, span, "`curl` without `-f` exits 0 on an HTTP error")
                .label("a 500 page would count as success")
                .help("add `-f` (or `-fsS`), or `--fail-with-body` to keep the error body"),
        );
    }
    if commands.iter().any(|(program, _)| program_is(program, "sudo")) {
        diagnostics.push(
            Diagnostic::new(Code::SudoInStep, span, "this step runs `sudo`")
                .label("asks for a password or needs root")
                .help("run the plan with the rights it needs instead of escalating inside a step"),
        );
    }
    if let Some(amount) = sleeps(&commands) {
        let wait = if amount.chars().all(|c| c.is_ascii_digit()) { format!("{amount}s") } else { amount.clone() };
        diagnostics.push(
            Diagnostic::new(Code::SleepInsteadOfWait, span, format!("this command sleeps {amount}"))
                .label("a hidden wait")
                .help(format!("use a `wait {wait}` step: the schedule counts it and a dry run shows it")),
        );
    }
}

fn check_step(step: &Step, diagnostics: &mut Vec<Diagnostic>) {
    if let Some(command) = step.command() {
        check_command(command, step.span, diagnostics);
    }
    match &step.kind {
        StepKind::Run { title: None, .. } => diagnostics.push(
            Diagnostic::new(Code::UntitledStep, step.span, "this step has no title")
                .label("the checklist and the log will show the raw command")
                .help("give it a title: `run \"Deploy the API\" sh \"...\"`"),
        ),
        StepKind::Expect { title: None, .. } => diagnostics.push(
            Diagnostic::new(Code::UntitledStep, step.span, "this check has no title")
                .label("the checklist will show what it tests, not why")
                .help("give it a title: `expect \"The API is up\" http \"...\" status 200`"),
        ),
        _ => {}
    }
}

pub(super) fn check(model: &Model) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    for node in &model.nodes {
        for step in super::steps(&node.items) {
            check_step(step, &mut diagnostics);
        }
        if let Some(rollout) = &node.rollout {
            check_command(&rollout.set_command, rollout.set_span, &mut diagnostics);
        }
    }
    for tree in &model.rollbacks {
        for level in &tree.levels {
            for step in super::steps(&level.items) {
                check_step(step, &mut diagnostics);
            }
        }
    }
    for alert in &model.alerts {
        for step in super::steps(&alert.items) {
            check_step(step, &mut diagnostics);
        }
    }
    for metric in &model.metrics {
        check_command(&metric.probe, metric.probe_span, &mut diagnostics);
    }
    diagnostics
}
