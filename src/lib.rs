//! mica: a declarative language, and its interpreter, for checking claims about mutual
//! information. Data flows one way through the phases, one module each:
//!
//! text -> [`syntax`] (AST) -> [`check`] (checked program) -> [`train`] (trained critics and
//! per-seed estimates, using [`dist`], [`nn`] and [`bounds`]) -> [`claims`] (verdicts) ->
//! [`report`]. [`registry`] is the one table of constructors and functions that the checker
//! matches calls against; [`pipeline`] wires the phases together for the CLI and the tests.

pub mod bounds;
pub mod check;
pub mod claims;
pub mod dist;
pub mod nn;
pub mod nonparam;
pub mod pipeline;
pub mod registry;
pub mod report;
pub mod syntax;
pub mod train;
