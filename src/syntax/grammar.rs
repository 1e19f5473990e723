//! The pest parser generated from `grammar/golive.pest`. Private to `syntax`.

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/golive.pest"]
pub(super) struct GoliveParser;
