//! Lints on commands and steps (`golivec lint`): warnings a reviewer would raise.

use crate::diag::{Code, Diagnostic};
use crate::model::{Model, Node, NodeKind, Step, StepKind};
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

/// The first `curl` in `command` that has no `-f`/`--fail`.
fn curl_without_fail(command: &str) -> bool {
    let words = words(command);
    let mut index = 0;
    while index < words.len() {
        if words[index] == "curl" || words[index].ends_with("/curl") {
            let arguments = words[index + 1..].iter().take_while(|word| !is_command_end(word));
            let fails = arguments.into_iter().any(|word| {
                word.starts_with("--fail")
                    || (word.starts_with('-')
                        && !word.starts_with("--")
                        && word[1..].chars().all(|c| c.is_ascii_alphabetic())
                        && word.contains('f'))
            });
            if !fails {
                return true;
            }
        }
        index += 1;
    }
    false
}

fn has_word(command: &str, wanted: &str) -> bool {
    words(command).contains(&wanted)
}

fn sleeps(command: &str) -> bool {
    let words = words(command);
    words.windows(2).any(|pair| pair[0] == "sleep" && pair[1].starts_with(|c: char| c.is_ascii_digit()))
}

fn check_command(command: &str, span: Span, diagnostics: &mut Vec<Diagnostic>) {
    if curl_without_fail(command) {
        diagnostics.push(
            Diagnostic::new(Code::CurlWithoutFail, span, "`curl` without `-f` exits 0 on an HTTP error")
                .label("a 500 page would count as success")
                .help("add `-f` (or `-fsS`), or `--fail-with-body` to keep the error body"),
        );
    }
    if has_word(command, "sudo") {
        diagnostics.push(
            Diagnostic::new(Code::SudoInStep, span, "this step runs `sudo`")
                .label("asks for a password or needs root")
                .help("run the plan with the rights it needs instead of escalating inside a step"),
        );
    }
    if sleeps(command) {
        diagnostics.push(
            Diagnostic::new(Code::SleepInsteadOfWait, span, "this command sleeps")
                .label("a hidden wait")
                .help("use a `wait 30s` step: the schedule counts it and a dry run shows it"),
        );
    }
}

fn attended(model: &Model, node: &Node) -> bool {
    node.kind == NodeKind::Gate
        || node.env.is_some_and(|env| !model.envs[env.0].approvals.is_empty())
        || node.steps().iter().any(|step| matches!(step.kind, StepKind::Approve { .. }))
}

fn check_step(step: &Step, node: Option<&Node>, attended: bool, diagnostics: &mut Vec<Diagnostic>) {
    if let Some(command) = step.command() {
        check_command(command, step.span, diagnostics);
    }
    match &step.kind {
        StepKind::Run { title: None, .. } | StepKind::Expect { title: None, .. } => diagnostics.push(
            Diagnostic::new(Code::UntitledStep, step.span, "this step has no title")
                .label("the checklist and the log will show the raw command")
                .help("give it a title: `run \"Deploy the API\" sh \"...\"`"),
        ),
        StepKind::Check { .. } if !attended => {
            let name = node.map_or(String::new(), |node| format!(" in `{}`", node.name));
            diagnostics.push(
                Diagnostic::new(
                    Code::ManualCheckUnattended,
                    step.span,
                    format!("a manual check{name}, which runs unattended"),
                )
                .label("no one is asked to confirm this in the workflow")
                .help("put the check in a gate, add an `approve` step, or run the node on an env with `approval`"),
            );
        }
        _ => {}
    }
}

pub(super) fn check(model: &Model) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    for node in &model.nodes {
        let attended = attended(model, node);
        for step in node.steps() {
            check_step(step, Some(node), attended, &mut diagnostics);
        }
        if let Some(command) = &node.set_command {
            check_command(command, node.name_span, &mut diagnostics);
        }
    }
    for tree in &model.rollbacks {
        for level in &tree.levels {
            for step in crate::model::flatten_steps(&level.items) {
                check_step(step, None, true, &mut diagnostics);
            }
        }
    }
    for alert in &model.alerts {
        for step in crate::model::flatten_steps(&alert.items) {
            check_step(step, None, true, &mut diagnostics);
        }
    }
    for metric in &model.metrics {
        check_command(&metric.probe, metric.span, &mut diagnostics);
    }
    diagnostics
}
