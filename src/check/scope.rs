//! Declared names and what they are bound to, plus "did you mean" suggestions.

use indexmap::IndexMap;

use crate::ir::Value;
use crate::syntax::ast::{DeclKind, Span};

#[derive(Debug, Clone)]
pub enum Binding {
    Value(Value),
    /// Declared, but its value had errors (already reported).
    Poisoned,
    /// The base name of indexed declarations (`r` for `r[16]`, `r[64]`).
    Family {
        kind: DeclKind,
        arity: usize,
    },
}

#[derive(Debug, Default)]
pub struct Scope {
    names: IndexMap<String, (Binding, Span)>,
}

impl Scope {
    pub fn insert(&mut self, key: String, b: Binding, span: Span) {
        self.names.insert(key, (b, span));
    }

    pub fn insert_family(&mut self, base: &str, kind: DeclKind, arity: usize, span: Span) {
        self.names
            .entry(base.to_string())
            .or_insert((Binding::Family { kind, arity }, span));
    }

    pub fn get(&self, key: &str) -> Option<&Binding> {
        self.names.get(key).map(|(b, _)| b)
    }

    pub fn span_of(&self, key: &str) -> Option<Span> {
        self.names.get(key).map(|(_, s)| *s)
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.names.keys().map(|s| s.as_str())
    }
}

/// "did you mean `x`?" for the closest candidate, if any is close enough.
pub fn suggest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let limit = (name.chars().count() / 3).max(1) + 1;
    candidates
        .into_iter()
        .filter(|c| *c != name && !c.contains('['))
        .map(|c| (strsim::damerau_levenshtein(name, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, c)| (*d, c.to_string()))
        .map(|(_, c)| format!("did you mean `{c}`?"))
}
