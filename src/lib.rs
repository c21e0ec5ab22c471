//! mica: a declarative language, and its interpreter, for checking claims about mutual
//! information. Data flows one way, text -> AST -> checked program -> per-seed results ->
//! verdicts -> report, through layers whose imports only point down (`tests/layering.rs`
//! enforces the table):
//!
//! | layer | modules | holds | may import |
//! |---|---|---|---|
//! | L0 | [`syntax`] | the grammar's AST with spans, syntax diagnostics (no pest types) | nothing of mica |
//! | L1 | [`dist`] < [`nn`] < [`bounds`], [`dist`] < [`nonparam`] | numerics: samplers and ground truths, encoders and critics on candle, bounds as functions of a score matrix, non-neural estimators; nothing of the language | lower L1 |
//! | L2 | [`ir`] | kinds and values, the entry schema and typed parameters, checked arguments, run specs, the checked program | L0, L1 |
//! | L3 | [`catalog`] | every entry a file can call, adapting arguments to L1 | L0 - L2 |
//! | L4 | `check` | AST -> [`ir::Program`], given the catalogue; diagnostics with codes | L0 - L3 |
//! | L5 | [`train`] | training, held-out evaluation, the jobs of a program | L1, L2 |
//! | L6 | [`verdicts`] | statistics and verdicts over per-seed results | L2, L5 |
//! | L7 | [`report`], [`pipeline`] (and the binary) | the terminal and JSON reports; the phases wired together | all below |
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
