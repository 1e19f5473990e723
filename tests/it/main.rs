//! The one integration-test binary (one link step, shared helpers). Tests go through the
//! library's public API or the `golivec` binary, never private helpers.

mod alerts;
mod analysis;
mod cli;
mod docs;
mod editor;
mod examples;
mod fast_parser;
mod fixtures;
mod fmt;
mod gha;
mod gha_selftest;
mod html_report;
mod injection;
mod lsp;
mod markdown;
mod modules;
mod mutation;
mod prometheus;
mod robustness;
mod runbook_diff;
mod scenario_replay;
mod shell;
mod simulate;
mod support;
mod targets;
mod tidy;
mod variants;
mod workflow;
mod workflow_e2e;
