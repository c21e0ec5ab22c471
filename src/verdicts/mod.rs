//! L6, verdicts: from a checked program and its per-seed results to a verdict per claim.
//! `sample` evaluates quantities seed by seed, `stats` forms confidence intervals, `verdict`
//! decides each claim and controls the error across a file.

mod sample;
pub(crate) mod stats;
mod verdict;

pub use verdict::{evaluate_claims, ClaimResult, Evidence, Settings, Verdict};
