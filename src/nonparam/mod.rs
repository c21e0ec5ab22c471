//! Phase 3d: non-neural MI estimators, the baselines a claim about a neural estimate is
//! compared with. Each takes a sample and returns one number; a run declared with one of them
//! (`ksg(data: d, samples: 2000, seeds: 5)`) gives one estimate per seed like a trained run.
//! Each estimator is one file with its registry `ENTRY`.

mod boxtree;
pub mod gaussian_mi;
pub mod histogram;
pub mod ksg;

use std::fmt;
use std::sync::Arc;

use crate::dist::Sample;
use crate::registry::{Args, ParamError, ParamErrorKind, Value};
use crate::train::{Method, NonparamSpec, RunSpec};

/// A non-neural estimator of I(X;Y) from a sample.
pub trait Estimator: Send + Sync + fmt::Debug {
    fn name(&self) -> &'static str;
    fn estimate(&self, s: &Sample) -> f64;
}

/// The run an estimator entry declares: `data`, `samples` and `seeds` from its arguments.
pub(crate) fn run(args: &Args, estimator: Arc<dyn Estimator>) -> Result<Value, ParamError> {
    let Value::Data(data) = args.value("data")? else {
        return Err(ParamError::new(
            ParamErrorKind::Conflict,
            "data",
            "internal: data",
        ));
    };
    Ok(Value::Run(Arc::new(RunSpec {
        name: String::new(),
        data: data.clone(),
        seeds: args.int("seeds")?,
        method: Method::Nonparam(NonparamSpec {
            estimator,
            samples: args.int("samples")?,
        }),
    })))
}

/// The parameters every estimator run shares.
macro_rules! run_params {
    ($($extra:expr),*) => {
        &[
            $crate::registry::param("data", $crate::registry::Ty::Of($crate::registry::Kind::Data), $crate::registry::Default::Required, $crate::registry::Range::ANY, "the distribution to sample"),
            $crate::registry::param("samples", $crate::registry::Ty::Int, $crate::registry::Default::Num(2000.0), $crate::registry::Range::between(10.0, 1_000_000.0), "pairs per seed"),
            $crate::registry::param("seeds", $crate::registry::Ty::Int, $crate::registry::Default::Num(5.0), $crate::registry::Range::between(1.0, 10_000.0), "independent samples"),
            $($extra),*
        ]
    };
}
pub(crate) use run_params;

/// Each column of a row-major n x d matrix scaled to mean 0 and variance 1.
pub fn standardise(v: &[f64], n: usize, d: usize) -> Vec<f64> {
    let mut out = v.to_vec();
    for j in 0..d {
        let mean = (0..n).map(|i| v[i * d + j]).sum::<f64>() / n as f64;
        let var = (0..n).map(|i| (v[i * d + j] - mean).powi(2)).sum::<f64>() / n as f64;
        let sd = if var > 0.0 { var.sqrt() } else { 1.0 };
        for i in 0..n {
            out[i * d + j] = (v[i * d + j] - mean) / sd;
        }
    }
    out
}
