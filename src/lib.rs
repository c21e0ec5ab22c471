//! mica: a declarative language, and its interpreter, for checking claims about mutual
//! information. Data flows one way through the phases, one module each:
//!
//! text -> [`syntax`] (AST) -> [`check`] (checked program) -> [`train`] (trained critics and
//! per-seed estimates, using [`dist`], [`nn`] and [`bounds`]) -> [`claims`] (verdicts) ->
//! [`report`]. [`registry`] is the one table of constructors and functions that the checker
//! matches calls against; [`pipeline`] wires the phases together for the CLI and the tests.
//!
//! ```
//! use mica::pipeline::{compile, Source};
//!
//! let text = "data d = gaussian(dim: 2, rho: 0.6)\nclaim \"some MI\": mi(d) > 0.4\n";
//! let program = compile(&Source::new("example.mica", text)).expect("checks clean");
//! assert_eq!(program.claims.len(), 1);
//! // I = -(2/2) ln(1 - 0.36) = 0.446 nats
//! assert!((program.data["d"].dist.truth().value - 0.4463).abs() < 1e-4);
//!
//! let broken = compile(&Source::new("broken.mica", "data d = gaussian(dim: 2, rho: 1.5)\n"));
//! assert!(broken.is_err());
//! ```

// L0: text to AST
pub mod syntax;
// L1: numerics, nothing of the language (dist < nn < bounds; dist < nonparam)
pub mod bounds;
pub mod dist;
pub mod nn;
pub mod nonparam;
// L2: the checked program and the entry schema
pub mod ir;
// L3: the catalogue of entries
pub mod catalog;
// L4: AST -> ir::Program
mod check;
// L5: ir::Program -> per-seed results
pub mod train;
// L6: results -> verdicts
pub mod verdicts;
// L7: reports and the wiring the CLI uses
pub mod pipeline;
pub mod report;
