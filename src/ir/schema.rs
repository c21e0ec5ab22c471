//! The entry schema: what every constructor and claim function declares about itself (its
//! parameters with their types, defaults, ranges and help) and what it means (a build function,
//! or the claim function the checker lowers). The entries themselves live in `catalog`.

use super::{Args, Kind, ParamError, Value};

/// Builds a value from checked arguments, or says which argument is wrong and why.
pub type BuildFn = fn(&Args) -> Result<Value, ParamError>;

/// A constructor or function.
#[derive(Debug)]
pub struct Entry {
    pub name: &'static str,
    /// What a call produces.
    pub kind: Kind,
    /// One line of help.
    pub doc: &'static str,
    pub params: &'static [Param],
    /// Groups of parameters of which exactly one must be given (e.g. `rho | mi`).
    pub exactly_one_of: &'static [&'static [&'static str]],
    /// What a call means.
    pub build: Build,
}

/// What a call of an entry means.
#[derive(Debug, Clone, Copy)]
pub enum Build {
    /// A constructor: builds its value from checked arguments.
    Value(BuildFn),
    /// A claim function: the checker lowers each one to quantities or propositions.
    Claim(ClaimFn),
}

/// The functions a claim can call. Each has one lowering in `check`, chosen by an exhaustive
/// match, so a new one is led there by the compiler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimFn {
    /// `mi(data)`: a ground truth.
    Mi,
    /// `estimate(run, bound:, batch:)`, `estimate_sd(...)` and `estimate_quantile(..., q:)`
    Estimate(super::EstimateRead),
    /// `trace(run, stage:)` and `trace_sd(run, stage:)`
    Trace(super::TraceStat),
    /// `ceiling(bound, K)`
    Ceiling,
    /// `ln`, `log2`, `exp`, `sqrt`, `abs`, and `min`/`max` of quantities (`min`/`max` of a
    /// `K -> q` are aggregates).
    Math(super::Func),
    /// `increasing(K -> q)` (true) and `decreasing(K -> q)` (false)
    Trend { increasing: bool },
    /// `peak(K -> q)`
    Peak,
    /// `mean(K -> q)`
    Mean,
    /// `seed_sd(q)`
    SeedSd,
    /// `monotone_trend(K -> q)`
    MonotoneTrend,
    /// `argmax(K -> q)`
    Argmax,
    /// `corr(X -> a, X -> b, method:)`
    Corr,
    /// `accuracy(run or data:, model:, ...)`: a probe's accuracy
    Accuracy,
    /// `align(run)` and `uniform(run, t:)`: the geometry of a run's normalised embeddings
    Geometry { uniform: bool },
    /// `embedding_mi(run, k:, samples:)`: KSG on a run's frozen embeddings of fresh pairs
    EmbeddingMi,
}

impl Entry {
    /// A constructor entry (no `exactly one of` groups; set that field on the result if it has
    /// them).
    pub const fn constructor(
        name: &'static str,
        kind: Kind,
        doc: &'static str,
        params: &'static [Param],
        build: BuildFn,
    ) -> Entry {
        Entry {
            name,
            kind,
            doc,
            params,
            exactly_one_of: &[],
            build: Build::Value(build),
        }
    }

    pub fn param(&self, name: &str) -> Option<&'static Param> {
        self.params.iter().find(|p| p.name == name)
    }

    /// `gaussian(dim: int >= 1, rho: number in [0, 1) | mi: number >= 0)`
    pub fn signature(&self) -> String {
        let ps: Vec<String> = self.params.iter().map(|p| p.describe()).collect();
        format!("{}({})", self.name, ps.join(", "))
    }
}

/// One parameter of an entry.
#[derive(Debug, Clone, Copy)]
pub struct Param {
    pub name: &'static str,
    pub ty: Ty,
    pub default: Default,
    pub range: Range,
    pub doc: &'static str,
}

impl Param {
    pub fn describe(&self) -> String {
        let mut s = format!("{}: {}", self.name, self.ty);
        let r = self.range.to_string();
        if !r.is_empty() {
            s.push(' ');
            s.push_str(&r);
        }
        match self.default {
            Default::Required => {}
            Default::Optional => s.push_str(" (optional)"),
            Default::Num(v) => s.push_str(&format!(" = {v}")),
            Default::Bool(v) => s.push_str(&format!(" = {v}")),
            Default::Sym(v) => s.push_str(&format!(" = {v}")),
        }
        s
    }
}

/// The type of a parameter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Ty {
    Number,
    /// A whole number.
    Int,
    Bool,
    /// A list of whole numbers.
    IntList,
    /// A list of numbers.
    NumList,
    /// A list of values of one kind (e.g. mixture components).
    ListOf(Kind),
    /// One of a fixed set of words, e.g. `relu | tanh | gelu`.
    Choice(&'static [&'static str]),
    /// A value of a declared kind: data, encoder, critic, bound, run.
    Of(Kind),
    /// `K -> expr`: a function of a sweep index (claim functions only).
    Lambda,
    /// A claim quantity (claim functions only).
    Quantity,
}

impl std::fmt::Display for Ty {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Ty::Number => f.write_str("number"),
            Ty::Int => f.write_str("int"),
            Ty::Bool => f.write_str("bool"),
            Ty::IntList => f.write_str("[int]"),
            Ty::NumList => f.write_str("[number]"),
            Ty::ListOf(k) => write!(f, "[{k}]"),
            Ty::Choice(cs) => f.write_str(&cs.join("|")),
            Ty::Of(k) => write!(f, "{k}"),
            Ty::Lambda => f.write_str("K -> expr"),
            Ty::Quantity => f.write_str("quantity"),
        }
    }
}

/// What happens when a parameter is not given.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Default {
    Required,
    /// May be left out; the build function sees it as absent.
    Optional,
    Num(f64),
    Bool(bool),
    Sym(&'static str),
}

/// The valid range of a numeric parameter (and of each element of a list).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    /// Lower limit and whether it is included.
    pub min: Option<(f64, bool)>,
    /// Upper limit and whether it is included.
    pub max: Option<(f64, bool)>,
}

impl Range {
    pub const ANY: Range = Range {
        min: None,
        max: None,
    };
    pub const fn at_least(v: f64) -> Range {
        Range {
            min: Some((v, true)),
            max: None,
        }
    }
    pub const fn above(v: f64) -> Range {
        Range {
            min: Some((v, false)),
            max: None,
        }
    }
    /// `[lo, hi)`
    pub const fn half_open(lo: f64, hi: f64) -> Range {
        Range {
            min: Some((lo, true)),
            max: Some((hi, false)),
        }
    }

    /// `[lo, hi]`
    pub const fn between(lo: f64, hi: f64) -> Range {
        Range {
            min: Some((lo, true)),
            max: Some((hi, true)),
        }
    }

    pub fn contains(&self, v: f64) -> bool {
        let lo_ok = match self.min {
            None => true,
            Some((m, true)) => v >= m,
            Some((m, false)) => v > m,
        };
        let hi_ok = match self.max {
            None => true,
            Some((m, true)) => v <= m,
            Some((m, false)) => v < m,
        };
        lo_ok && hi_ok
    }
}

impl std::fmt::Display for Range {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.min, self.max) {
            (None, None) => Ok(()),
            (Some((m, true)), None) => write!(f, ">= {m}"),
            (Some((m, false)), None) => write!(f, "> {m}"),
            (None, Some((m, true))) => write!(f, "<= {m}"),
            (None, Some((m, false))) => write!(f, "< {m}"),
            (Some((a, ai)), Some((b, bi))) => write!(
                f,
                "in {}{a}, {b}{}",
                if ai { "[" } else { "(" },
                if bi { "]" } else { ")" }
            ),
        }
    }
}
