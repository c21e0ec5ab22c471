//! L3, the catalogue: every constructor and function a mica file can call, as entries in the
//! `ir` schema (name, typed parameters, help) with the adapter from checked arguments to the
//! numerics of L1, or the claim function the checker lowers. The checker is handed [`ENTRIES`]
//! (the way jaq's compiler is handed its function list), `mica list` prints [`listing`], and
//! adding a distribution or an estimator means one entry here plus one line in [`ENTRIES`].

mod bounds;
mod covariance;
mod data;
mod encode;
mod functions;
mod load;
mod models;
mod runs;

pub use functions::{
    AccuracyArgs, CeilingArgs, CorrArgs, EmbeddingMiArgs, EstimateArgs, EstimateQuantileArgs,
    GeometryArgs, MiArgs, TraceArgs, TrendArgs,
};

use crate::ir::{Entry, Kind};

/// Every constructor and function, in the order `mica list` shows them.
pub static ENTRIES: &[&Entry] = &[
    // distributions
    &data::GAUSSIAN,
    &covariance::MULTINORMAL,
    &data::STUDENT,
    &data::ADDITIVE,
    &data::DISCRETE_COPY,
    &data::BSC,
    &data::SHARED_LATENT,
    &data::UNIFORM_SHIFT,
    &data::ZERO_INFLATED_POISSON,
    &data::INDEPENDENT,
    &covariance::MIXTURE,
    &covariance::VIEWS,
    &covariance::TASK_VIEWS,
    // MI-preserving transforms and combinators
    &data::NORMAL_CDF,
    &data::HALF_CUBE,
    &data::ASINH,
    &data::WIGGLY,
    &data::SPIRAL,
    &data::SWISS_ROLL,
    &data::POWER,
    &data::RESCALE,
    &data::BIMODAL,
    &data::WAVES,
    &data::UNIFORMISE,
    &data::GAUSSIANISE,
    &covariance::WAVE_MIXTURE,
    &data::PROJECT,
    &data::ROTATE,
    // a user's data
    &load::LOAD,
    &load::FINITE,
    &data::PAIR,
    &data::DUPLICATE_X,
    &data::APPEND_FUNCTION_OF_Y,
    &data::STAIRCASE,
    // covariances and mixture components
    &covariance::DENSE,
    &covariance::SPARSE,
    &covariance::DIAG,
    &covariance::LVM,
    &covariance::COVARIANCE,
    &covariance::COMPONENT,
    // encoders
    &models::IDENTITY,
    &models::MLP,
    &models::LINEAR,
    &models::COUPLING,
    &models::INVERTIBLE_LINEAR,
    // critics
    &models::SEPARABLE,
    &models::CONCAT,
    &models::BILINEAR,
    &models::FIXED,
    &models::ORACLE,
    &models::CONDITIONAL,
    // bounds
    &bounds::INFONCE,
    &bounds::NWJ,
    &bounds::DV,
    &bounds::JS,
    &bounds::SMILE,
    &bounds::TUBA,
    &bounds::MINE,
    &bounds::INTERPOLATED,
    &bounds::CLUB,
    &bounds::LOO_UPPER,
    &bounds::DOE,
    // training
    &runs::TRAIN,
    &runs::KSG,
    &runs::GAUSSIAN_MI,
    &runs::KDE,
    &runs::HISTOGRAM,
    // representations as data
    &encode::ENCODE,
    // claim functions
    &functions::MI,
    &functions::ESTIMATE,
    &functions::ESTIMATE_SD,
    &functions::ESTIMATE_QUANTILE,
    &functions::ACCURACY,
    &functions::ALIGN,
    &functions::UNIFORM,
    &functions::EMBEDDING_MI,
    &functions::TRACE,
    &functions::TRACE_SD,
    &functions::CEILING,
    &functions::SEED_SD,
    &functions::LN,
    &functions::LOG2,
    &functions::EXP,
    &functions::SQRT,
    &functions::ABS,
    &functions::MIN,
    &functions::MAX,
    &functions::INCREASING,
    &functions::DECREASING,
    &functions::MONOTONE_TREND,
    &functions::PEAK,
    &functions::ARGMAX,
    &functions::MEAN,
    &functions::CORR,
];

/// Looks an entry up by name.
pub fn lookup(name: &str) -> Option<&'static Entry> {
    ENTRIES.iter().copied().find(|e| e.name == name)
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
