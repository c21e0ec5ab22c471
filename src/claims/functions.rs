//! The registry entries of the functions claims can call. Their meaning is given by the claim
//! lowering in `check::claims` (the quantities) and by `claims::verdict` (the statistics); the
//! entries carry their signatures and help for the checker and `mica list`.

use crate::registry::{param, Default, Entry, Kind, Range, Ty};

const fn function(
    name: &'static str,
    doc: &'static str,
    params: &'static [crate::registry::Param],
) -> Entry {
    Entry {
        name,
        kind: Kind::Function,
        doc,
        params,
        exactly_one_of: &[],
        build: None,
    }
}

const X: &[crate::registry::Param] = &[param(
    "x",
    Ty::Quantity,
    Default::Required,
    Range::ANY,
    "a quantity",
)];
const XY: &[crate::registry::Param] = &[
    param(
        "a",
        Ty::Quantity,
        Default::Required,
        Range::ANY,
        "a quantity",
    ),
    param(
        "b",
        Ty::Quantity,
        Default::Required,
        Range::ANY,
        "more quantities (two or more in all)",
    ),
];
const TREND: &[crate::registry::Param] = &[param(
    "f",
    Ty::Lambda,
    Default::Required,
    Range::ANY,
    "K -> quantity, over a sweep index (or K in LIST -> ...)",
)];

pub static MI: Entry = function(
    "mi",
    "the ground-truth mutual information of a distribution, in nats",
    &[param(
        "data",
        Ty::Of(Kind::Data),
        Default::Required,
        Range::ANY,
        "a declared distribution",
    )],
);

pub static ESTIMATE: Entry = function(
    "estimate",
    "a run's trained critic evaluated on fresh held-out samples, per seed (nats)",
    &[
        param(
            "run",
            Ty::Of(Kind::Run),
            Default::Required,
            Range::ANY,
            "a declared run",
        ),
        param(
            "bound",
            Ty::Of(Kind::Bound),
            Default::Optional,
            Range::ANY,
            "evaluate under another bound (default: the run's)",
        ),
        param(
            "batch",
            Ty::Int,
            Default::Optional,
            Range::at_least(2.0),
            "evaluate at another batch size K (default: the run's)",
        ),
    ],
);

pub static LN: Entry = function("ln", "natural logarithm", X);
pub static LOG2: Entry = function("log2", "base-2 logarithm", X);
pub static EXP: Entry = function("exp", "exponential", X);
pub static SQRT: Entry = function("sqrt", "square root", X);
pub static ABS: Entry = function("abs", "absolute value", X);
pub static MIN: Entry = function("min", "smallest of two or more quantities (per seed)", XY);
pub static MAX: Entry = function("max", "largest of two or more quantities (per seed)", XY);
pub static INCREASING: Entry = function(
    "increasing",
    "each step along the sweep strictly increases the quantity (consecutive paired claims)",
    TREND,
);
pub static DECREASING: Entry = function(
    "decreasing",
    "each step along the sweep strictly decreases the quantity (consecutive paired claims)",
    TREND,
);
