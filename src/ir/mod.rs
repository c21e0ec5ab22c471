//! L2, the intermediate representation: what the checker hands on and everything after it
//! reads. The kinds and values of the language (`value`), the entry schema the catalogue is
//! written in (`schema`, `params` for typed parameter structs), checked call arguments
//! (`args`), the declared runs with their typed specs (`run`) and the checked program with its
//! estimates and claims (`program`), and what a run will cost (`cost`). It knows the numerics (L1) and the syntax's operators
//! (L0), nothing of how a file is checked, trained or reported.

mod args;
mod cost;
mod encoded;
mod params;
mod program;
mod run;
mod schema;
mod value;

pub use args::{Args, ParamError, ParamErrorKind};
pub(crate) use params::typed_params;
pub use params::{param_name, LambdaArg, ParamType, QuantityArg, RunData, Text};
// The operators and spans of the syntax are part of the checked program too.
pub use cost::{fmt_bytes, fmt_seconds, Cost, FLOPS_PER_SECOND, LONG_RUN_SECONDS};
pub use encoded::Encoded;
pub use program::{
    apply_bin, fmt_num, Agg, AllKind, BatchStat, ClaimSpec, Comparison, CorrMethod, Curve,
    EstimateRead, EstimateSpec, Func, Measure, ProbeModel, ProbeSource, ProbeSpec, Program, Prop,
    Quantity, Statistic, TraceRead, TraceStat,
};
pub use program::{BinOp, CmpOp, Expect, Span};
pub use run::{
    too_many_rows, Method, NonparamSpec, RunSpec, TrainSpec, EVAL_CHUNK_PAIRS, MAX_PAIRS,
    MIN_BATCHES,
};
pub use schema::{Build, BuildFn, ClaimFn, Default, Entry, Param, Range, Ty};
pub use value::{Kind, Value};
