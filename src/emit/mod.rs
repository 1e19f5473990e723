//! Emitters: text produced from a checked plan and its analysis. Ordering and naming are
//! decided in Rust; nothing here can fail.

pub mod graph;
pub mod schedule;
