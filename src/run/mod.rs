//! What a plan does when it runs: the one definition of a run (`docs/semantics.md`).
//!
//! An interpreter of [`crate::model::Model`] over a virtual clock. `golivec simulate` runs it
//! against a scenario (a world of metric values, step outcomes, answers and signals); the
//! runbook and the workflow carry out the same decisions and are tested against its trace.

pub mod backtest;
pub mod engine;
pub mod html;
pub mod measure;
pub mod render;
pub mod rules;
pub mod trace;
pub mod whatif;
pub mod world;
