//! Phase 5: from per-seed results to verdicts. `sample` evaluates quantities seed by seed,
//! `stats` forms confidence intervals, `verdict` decides each claim.

mod sample;
pub mod stats;
mod verdict;

pub use sample::{Ctx, Sampled};
pub use verdict::{evaluate_claims, ClaimResult, Evidence, Settings, Verdict};
