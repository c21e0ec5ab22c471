//! Phase 1: source text to AST. The grammar lives in grammar/mica.pest; `parser` walks pest's
//! parse tree into the span-carrying nodes of `ast`; `error` renders failures as diagnostics.

pub mod ast;
mod error;
mod parser;

pub use error::SyntaxError;
pub use parser::{parse, parse_expr};
