//! Declared runs: a method (train a critic, or apply a non-neural estimator) on a distribution,
//! once per seed. A trained run's spec is the `train(...)` entry's typed parameters: the one
//! definition of each parameter's name, type, default and range.

use std::sync::Arc;

use super::schema::{Default, Range};
use super::typed_params;
use super::RunData;
use crate::bounds::Bound;
use crate::dist::DataRef;
use crate::nn::CriticSpec;
use crate::nonparam::Estimator;

/// Pairs held-out evaluation draws and scores at once (one embedding pass for separable
/// critics); training reads it to evaluate, the catalogue to budget a run's memory.
pub const EVAL_CHUNK_PAIRS: usize = 8192;
/// Fewest batches held-out evaluation averages; the most is capped by `MAX_PAIRS` samples in
/// all (and at least the fewest). Training evaluates with them, the cost estimate reads them.
pub const MIN_BATCHES: usize = 32;
pub const MAX_PAIRS: usize = 1 << 19;

/// A declared run, named as the file names it (`nce`, `r[64]`, or an inline call's text).
#[derive(Debug, Clone)]
pub struct RunSpec {
    pub name: String,
    pub method: Method,
}

/// How a run turns samples into estimates.
#[derive(Debug, Clone)]
pub enum Method {
    /// Train a critic under a bound; estimates evaluate it on held-out batches.
    Train(TrainSpec),
    /// A non-neural estimator on `samples` fresh pairs per seed.
    Nonparam(NonparamSpec),
}

typed_params! {
    /// `train(...)`: Adam (AdamW with weight decay) on the negated bound, a fresh batch each step.
    pub struct TrainSpec {
        bound: Arc<dyn Bound> = Default::Required, Range::ANY,
            "the bound to maximise (infonce, nwj, tuba, dv, mine, js, smile, interpolated)";
        critic: Arc<CriticSpec> = Default::Required, Range::ANY, "the critic to train";
        data: RunData = Default::Required, Range::ANY, "the distribution to sample";
        batch: usize = Default::Num(64.0), Range::between(2.0, 8192.0), "batch size K (pairs per step)";
        steps: usize = Default::Num(1000.0), Range::between(1.0, 10_000_000.0), "optimiser steps";
        lr: f64 = Default::Num(5e-4), Range::above(0.0), "Adam learning rate";
        seeds: usize = Default::Num(5.0), Range::between(1.0, 10_000.0),
            "independent repetitions (data, initialisation)";
        weight_decay: f64 = Default::Num(0.0), Range::at_least(0.0),
            "decoupled weight decay (AdamW); 0 is plain Adam";
        beta1: f64 = Default::Num(0.9), Range::half_open(0.0, 1.0), "Adam's first-moment decay";
        beta2: f64 = Default::Num(0.999), Range::half_open(0.0, 1.0), "Adam's second-moment decay";
        /// Maximum global gradient norm, if clipping.
        clip: Option<f64> = Default::Optional, Range::above(0.0),
            "clip the global gradient norm to this value";
        /// A queue of past x keys as extra negatives (MoCo): keys from a momentum copy of the x
        /// encoder.
        negatives: Option<usize> = Default::Optional, Range::between(1.0, 1_048_576.0),
            "MoCo: InfoNCE against the batch's x keys and a queue of the last N, all from a momentum copy of the x encoder: K + N candidates per y, ceiling ln(K + N) (separable or bilinear critics)";
        momentum: f64 = Default::Num(0.99), Range::half_open(0.0, 1.0),
            "with `negatives:`, the key encoder's update k <- m k + (1 - m) q after each step";
        /// Early stopping: steps without a new best held-out trace estimate.
        patience: Option<usize> = Default::Optional, Range::between(1.0, 10_000_000.0),
            "early stopping: stop once the held-out trace (mean of its last 10 points) has not beaten its best for this many steps, and keep the best critic";
    }
}

/// A non-neural estimator applied to `samples` fresh pairs of `data` per seed.
#[derive(Debug, Clone)]
pub struct NonparamSpec {
    pub estimator: Arc<dyn Estimator>,
    pub data: DataRef,
    pub samples: usize,
    pub seeds: usize,
}

impl RunSpec {
    /// The training spec, for runs that train.
    pub fn train(&self) -> Option<&TrainSpec> {
        match &self.method {
            Method::Train(t) => Some(t),
            Method::Nonparam(_) => None,
        }
    }

    /// The distribution the run samples.
    pub fn data(&self) -> &DataRef {
        match &self.method {
            Method::Train(t) => &t.data,
            Method::Nonparam(n) => &n.data,
        }
    }

    /// Independent repetitions declared.
    pub fn seeds(&self) -> usize {
        match &self.method {
            Method::Train(t) => t.seeds,
            Method::Nonparam(n) => n.seeds,
        }
    }

    /// Pairs behind one estimate as declared: a trained run's batch size K, an estimator's
    /// sample size.
    pub fn pairs_per_estimate(&self) -> usize {
        match &self.method {
            Method::Train(t) => t.batch,
            Method::Nonparam(n) => n.samples,
        }
    }

    /// Optimiser steps declared (0 for an estimator).
    pub fn steps(&self) -> usize {
        self.train().map(|t| t.steps).unwrap_or(0)
    }
}

/// Why `n` draws from `data` (of one part, or all rows) are more than it has, if they are: a
/// user's data has a fixed number of rows, and a draw takes distinct rows.
pub fn too_many_rows(
    data: &DataRef,
    part: Option<crate::dist::Part>,
    n: usize,
    what: &str,
) -> Option<String> {
    let rows = data.dist.rows(part)?;
    (n > rows).then(|| {
        let which = match part {
            Some(crate::dist::Part::Train) => "training rows",
            Some(crate::dist::Part::HeldOut) => "held-out rows",
            None => "rows",
        };
        format!("{what} of {n} needs {n} distinct {which}, but the data has {rows}")
    })
}
