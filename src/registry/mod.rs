//! The one table of everything a mica file can construct or call: distributions, encoders,
//! critics, bounds, trainers and claim functions. Each entry carries its signature (parameter
//! names, types, defaults, ranges, doc strings) and a build function. The checker matches calls
//! against these signatures, `mica list` prints them, and adding a distribution or an estimator
//! means writing one file with its `ENTRY` and adding one line to [`ENTRIES`].

mod args;
mod value;

pub use args::{Args, ParamError, ParamErrorKind};
pub use value::{Kind, Value};

/// Every constructor and function, in the order `mica list` shows them.
pub static ENTRIES: &[&Entry] = &[
    // distributions
    &crate::dist::gaussian::ENTRY,
    &crate::dist::multinormal::ENTRY,
    &crate::dist::student::ENTRY,
    &crate::dist::additive::ENTRY,
    &crate::dist::discrete_copy::ENTRY,
    &crate::dist::bsc::ENTRY,
    &crate::dist::independent::ENTRY,
    &crate::dist::mixture::ENTRY,
    &crate::dist::mixture::VIEWS,
    // MI-preserving transforms and combinators
    &crate::dist::transform::NORMAL_CDF,
    &crate::dist::transform::HALF_CUBE,
    &crate::dist::transform::ASINH,
    &crate::dist::transform::WIGGLY,
    &crate::dist::transform::SPIRAL,
    &crate::dist::transform::SWISS_ROLL,
    &crate::dist::transform::POWER,
    &crate::dist::transform::RESCALE,
    &crate::dist::combine::PAIR,
    &crate::dist::combine::DUPLICATE_X,
    &crate::dist::combine::APPEND_FUNCTION_OF_Y,
    &crate::dist::staircase::ENTRY,
    // covariances and mixture components
    &crate::dist::multinormal::DENSE,
    &crate::dist::multinormal::SPARSE,
    &crate::dist::multinormal::COVARIANCE,
    &crate::dist::mixture::COMPONENT,
    // encoders
    &crate::nn::encoder::IDENTITY,
    &crate::nn::encoder::MLP,
    &crate::nn::encoder::LINEAR,
    // critics
    &crate::nn::critic::SEPARABLE,
    &crate::nn::critic::CONCAT,
    &crate::nn::critic::BILINEAR,
    &crate::nn::critic::FIXED,
    &crate::nn::critic::ORACLE,
    // bounds
    &crate::bounds::infonce::ENTRY,
    &crate::bounds::nwj::ENTRY,
    &crate::bounds::dv::ENTRY,
    &crate::bounds::js::ENTRY,
    &crate::bounds::smile::ENTRY,
    &crate::bounds::tuba::ENTRY,
    &crate::bounds::mine::ENTRY,
    &crate::bounds::interpolated::ENTRY,
    // training
    &crate::train::ENTRY,
    &crate::nonparam::ksg::ENTRY,
    &crate::nonparam::gaussian_mi::ENTRY,
    &crate::nonparam::histogram::ENTRY,
    // claim functions
    &crate::claims::functions::MI,
    &crate::claims::functions::ESTIMATE,
    &crate::claims::functions::TRACE,
    &crate::claims::functions::TRACE_SD,
    &crate::claims::functions::CEILING,
    &crate::claims::functions::LN,
    &crate::claims::functions::LOG2,
    &crate::claims::functions::EXP,
    &crate::claims::functions::SQRT,
    &crate::claims::functions::ABS,
    &crate::claims::functions::MIN,
    &crate::claims::functions::MAX,
    &crate::claims::functions::INCREASING,
    &crate::claims::functions::DECREASING,
    &crate::claims::functions::MONOTONE_TREND,
    &crate::claims::functions::PEAK,
    &crate::claims::functions::ARGMAX,
    &crate::claims::functions::MEAN,
    &crate::claims::functions::CORR,
];

/// Looks an entry up by name.
pub fn lookup(name: &str) -> Option<&'static Entry> {
    ENTRIES.iter().copied().find(|e| e.name == name)
}

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
    /// Builds the value from checked arguments; `None` for claim functions, which the claim
    /// lowering in `check` gives their meaning.
    pub build: Option<BuildFn>,
}

impl Entry {
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

/// Shorthand for the parameter tables of entries.
pub const fn param(
    name: &'static str,
    ty: Ty,
    default: Default,
    range: Range,
    doc: &'static str,
) -> Param {
    Param {
        name,
        ty,
        default,
        range,
        doc,
    }
}

/// The text `mica list` prints: every entry grouped by kind, with parameters and help.
pub fn listing() -> String {
    use std::fmt::Write as _;
    let groups = [
        (
            Kind::Data,
            "distributions (data), transforms and combinators",
        ),
        (Kind::Covariance, "covariances"),
        (Kind::Component, "mixture components"),
        (Kind::Encoder, "encoders"),
        (Kind::Critic, "critics"),
        (Kind::Bound, "bounds"),
        (Kind::Run, "training (run)"),
        (Kind::Function, "claim functions"),
    ];
    let mut out = String::new();
    for (kind, title) in groups {
        let _ = writeln!(out, "{title}");
        for e in ENTRIES.iter().filter(|e| e.kind == kind) {
            let _ = writeln!(out, "  {:<12} {}", e.name, e.doc);
            for p in e.params {
                let _ = writeln!(out, "      {:<40} {}", p.describe(), p.doc);
            }
            for g in e.exactly_one_of {
                let _ = writeln!(out, "      (exactly one of: {})", g.join(", "));
            }
        }
        let _ = writeln!(out);
    }
    out
}
