//! Syntax errors: pest's failures rewritten as miette diagnostics that name what was expected
//! in words, not grammar rule names.

use miette::Diagnostic;
use thiserror::Error;

use super::ast::Span;
use super::KEYWORDS;

/// A problem found while parsing. Parsing stops at the first one.
#[derive(Debug, Clone, Error, Diagnostic, PartialEq)]
pub enum SyntaxError {
    #[error("syntax error: {message}")]
    #[diagnostic(code(mica::syntax::unexpected))]
    Unexpected {
        message: String,
        #[label("{label}")]
        span: Span,
        label: String,
        #[help]
        help: Option<String>,
    },
    #[error("invalid number")]
    #[diagnostic(
        code(mica::syntax::bad_number),
        help("numbers must be finite, like 5, 0.25 or 5e-4")
    )]
    BadNumber {
        #[label("this number is out of range")]
        span: Span,
    },
    #[error("brackets nested too deeply")]
    #[diagnostic(
        code(mica::syntax::too_deep),
        help("mica accepts at most 64 levels of nested brackets")
    )]
    TooDeep {
        #[label("too deep here")]
        span: Span,
    },
    #[error("a list or call with more than a million items")]
    #[diagnostic(
        code(mica::syntax::too_long),
        help("mica reads at most 1,048,576 items between one pair of brackets")
    )]
    TooLong {
        #[label("this list")]
        span: Span,
    },
    #[error("expression nested too deeply")]
    #[diagnostic(
        code(mica::syntax::too_complex),
        help("an expression may nest at most 200 operations deep (each unary minus, each `+ - * /` and `and` in a chain, each call or bracket counts); split it with `let`")
    )]
    TooComplex {
        #[label("this expression is {depth} deep")]
        span: Span,
        depth: usize,
    },
    #[error("a claim option is given twice")]
    #[diagnostic(
        code(mica::syntax::duplicate_option),
        help("give each of `at`, `within` and `expect` at most once")
    )]
    DuplicateOption {
        #[label("given again here")]
        span: Span,
    },
}

impl SyntaxError {
    /// The parser stopped at byte `at`, where it `expected` one of some things (in words) or
    /// found one of `unexpected`.
    pub(crate) fn unexpected(
        src: &str,
        at: usize,
        expected: Vec<String>,
        unexpected: Vec<String>,
    ) -> Self {
        // Point at the offending token (or the end of input).
        let rest = &src[at.min(src.len())..];
        let tok_len = token_len(rest);
        let span = Span::new(at, at + tok_len);
        let found = if rest.is_empty() {
            "end of file".to_string()
        } else {
            format!("`{}`", &rest[..tok_len])
        };
        let message = if !expected.is_empty() {
            format!("expected {}, found {found}", join_or(&expected))
        } else if !unexpected.is_empty() {
            format!("unexpected {}", join_or(&unexpected))
        } else {
            format!("unexpected {found}")
        };
        let help = hint(&src[..at.min(src.len())], rest, &expected);
        SyntaxError::Unexpected {
            label: if expected.is_empty() {
                "unexpected here".into()
            } else {
                format!("expected {}", join_or(&expected))
            },
            message,
            span,
            help,
        }
    }

    pub(crate) fn trailing(src: &str, at: usize) -> Self {
        let rest = &src[at..];
        let off = rest.len() - rest.trim_start().len();
        let at = at + off;
        let len = token_len(&src[at..]);
        SyntaxError::Unexpected {
            message: "unexpected input after the expression".into(),
            span: Span::new(at, at + len),
            label: "not part of the expression".into(),
            help: None,
        }
    }

    pub(crate) fn bad_number(span: Span) -> Self {
        SyntaxError::BadNumber { span }
    }

    pub(crate) fn too_deep(span: Span) -> Self {
        SyntaxError::TooDeep { span }
    }

    pub(crate) fn duplicate_option(span: Span) -> Self {
        SyntaxError::DuplicateOption { span }
    }

    pub fn span(&self) -> Span {
        match self {
            SyntaxError::Unexpected { span, .. }
            | SyntaxError::BadNumber { span }
            | SyntaxError::TooDeep { span }
            | SyntaxError::TooComplex { span, .. }
            | SyntaxError::TooLong { span }
            | SyntaxError::DuplicateOption { span } => *span,
        }
    }
}

fn join_or(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// The length of the token that starts `rest`: a word, a number, or one character.
fn token_len(rest: &str) -> usize {
    let mut chars = rest.char_indices();
    match chars.next() {
        None => 0,
        Some((_, c)) if c.is_alphanumeric() || c == '_' || c == '.' => rest
            .char_indices()
            .find(|(_, c)| !(c.is_alphanumeric() || *c == '_' || *c == '.'))
            .map(|(i, _)| i)
            .unwrap_or(rest.len()),
        Some((_, c)) => c.len_utf8(),
    }
}

/// Targeted advice for the most common slips.
fn hint(before: &str, rest: &str, expected: &[String]) -> Option<String> {
    let open = |o: char, c: char| {
        before.chars().filter(|&x| x == o).count() as i64
            - before.chars().filter(|&x| x == c).count() as i64
    };
    if (rest.starts_with('<') || rest.starts_with('>')) && expected.iter().any(|e| e == "`and`") {
        return Some("comparisons do not chain: write `a < b and b < c`".into());
    }
    if open('(', ')') > 0 && !rest.starts_with(')') {
        return Some("a `(` opened before this point is never closed".into());
    }
    if open('[', ']') > 0 && !rest.starts_with(']') {
        return Some("a `[` opened before this point is never closed".into());
    }
    let word: String = rest
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    let is_kw = KEYWORDS.contains(&word.as_str());
    if is_kw && expected.iter().any(|e| e == "a name") {
        return Some(format!(
            "`{word}` is a keyword and cannot be used as a name; pick another name"
        ));
    }
    if rest.starts_with('=')
        && !rest.starts_with("==")
        && expected
            .iter()
            .any(|e| e.contains("`and`") || e.contains("comparison"))
    {
        return Some("use `<=`, `>=` or `==` to compare; `=` only introduces a declaration".into());
    }
    if rest.starts_with('\'') {
        return Some("strings use double quotes: \"like this\"".into());
    }
    None
}
