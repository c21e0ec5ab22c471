//! L0, source text to AST. The grammar lives in grammar/mica.pest; `parser` walks pest's
//! parse tree into the span-carrying nodes of `ast`; `error` holds the diagnostics (no pest
//! types: the parser translates pest's failures).

pub mod ast;
mod error;
mod parser;

pub use error::SyntaxError;
pub use parser::{parse, parse_expr, parse_recovering, Recovered};

/// The reserved words of the grammar (its `kw_` rules), which cannot be names.
pub const KEYWORDS: &[&str] = &[
    "data",
    "encoder",
    "critic",
    "run",
    "let",
    "sweep",
    "claim",
    "forall",
    "exists",
    "in",
    "and",
    "at",
    "within",
    "expect",
    "verified",
    "refuted",
    "inconclusive",
    "true",
    "false",
];

#[cfg(test)]
mod tests {
    /// KEYWORDS lists exactly the grammar's `kw_` rules.
    #[test]
    fn keywords_match_the_grammar() {
        let grammar = include_str!("../../grammar/mica.pest");
        let mut from_grammar: Vec<&str> = grammar
            .lines()
            .filter_map(|l| l.trim_start().strip_prefix("kw_"))
            .filter_map(|l| l.split('"').nth(1))
            .collect();
        let mut listed = super::KEYWORDS.to_vec();
        from_grammar.sort_unstable();
        listed.sort_unstable();
        assert_eq!(from_grammar, listed);
    }
}
