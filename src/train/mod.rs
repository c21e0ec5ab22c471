//! Phase 4: training runs. `train(...)` declares a run (its registry entry lives here); `fit`
//! trains one seed of a run on candle; `eval` evaluates a trained critic on fresh held-out
//! samples; `execute` runs every (run, seed) job a checked program needs and collects the
//! per-seed estimates.

mod device;
mod eval;
mod execute;
mod fit;

use std::sync::Arc;

pub use device::{select_device, DeviceError};
pub use eval::{evaluate, Evaluation};
pub use execute::{execute, EstimateResults, ExecOptions, Results, RunOutcome};
pub use fit::{fit, Trained};

use crate::bounds::Bound;
use crate::dist::DataRef;
use crate::nn::CriticSpec;
use crate::registry::{
    param, Args, Default, Entry, Kind, ParamError, ParamErrorKind, Range, Ty, Value,
};

pub static ENTRY: Entry = Entry {
    name: "train",
    kind: Kind::Run,
    doc: "trains a critic with Adam to maximise a bound on batches of fresh samples, once per seed",
    params: &[
        param(
            "bound",
            Ty::Of(Kind::Bound),
            Default::Required,
            Range::ANY,
            "the bound to maximise (infonce, nwj, tuba, dv, mine, js, smile, interpolated)",
        ),
        param(
            "critic",
            Ty::Of(Kind::Critic),
            Default::Required,
            Range::ANY,
            "the critic to train",
        ),
        param(
            "data",
            Ty::Of(Kind::Data),
            Default::Required,
            Range::ANY,
            "the distribution to sample",
        ),
        param(
            "batch",
            Ty::Int,
            Default::Num(64.0),
            Range::between(2.0, 8192.0),
            "batch size K (pairs per step)",
        ),
        param(
            "steps",
            Ty::Int,
            Default::Num(1000.0),
            Range::between(1.0, 10_000_000.0),
            "optimiser steps",
        ),
        param(
            "lr",
            Ty::Number,
            Default::Num(5e-4),
            Range::above(0.0),
            "Adam learning rate",
        ),
        param(
            "seeds",
            Ty::Int,
            Default::Num(5.0),
            Range::between(1.0, 10_000.0),
            "independent repetitions (data, initialisation)",
        ),
        param(
            "weight_decay",
            Ty::Number,
            Default::Num(0.0),
            Range::at_least(0.0),
            "decoupled weight decay (AdamW); 0 is plain Adam",
        ),
        param(
            "beta1",
            Ty::Number,
            Default::Num(0.9),
            Range::half_open(0.0, 1.0),
            "Adam's first-moment decay",
        ),
        param(
            "beta2",
            Ty::Number,
            Default::Num(0.999),
            Range::half_open(0.0, 1.0),
            "Adam's second-moment decay",
        ),
        param(
            "clip",
            Ty::Number,
            Default::Optional,
            Range::above(0.0),
            "clip the global gradient norm to this value",
        ),
        param(
            "patience",
            Ty::Int,
            Default::Optional,
            Range::between(1.0, 10_000_000.0),
            "early stopping: stop once the held-out trace (mean of its last 10 points) has not beaten its best for this many steps, and keep the best critic",
        ),
    ],
    exactly_one_of: &[],
    build: Some(build),
};

fn build(args: &Args) -> Result<Value, ParamError> {
    let (Value::Bound(bound), Value::Critic(critic), Value::Data(data)) = (
        args.value("bound")?,
        args.value("critic")?,
        args.value("data")?,
    ) else {
        return Err(ParamError::new(
            ParamErrorKind::Conflict,
            "bound",
            "internal: argument kinds",
        ));
    };
    critic
        .check_shapes(data.dist.dim_x(), data.dist.dim_y())
        .map_err(|m| {
            ParamError::new(ParamErrorKind::Shape, "critic", m).help(format!(
                "`{}` has x {} wide and y {} wide; choose encoder widths that fit",
                if data.name.is_empty() {
                    "the data"
                } else {
                    &data.name
                },
                data.dist.dim_x(),
                data.dist.dim_y()
            ))
        })?;
    let patience = args.opt_num("patience").map(|p| p as usize);
    if patience.is_some() && data.dist.stage_count() > 1 {
        return Err(ParamError::new(
            ParamErrorKind::Conflict,
            "patience",
            "early stopping would cut a staircase short",
        )
        .help("drop `patience:` to train through every stage"));
    }
    Ok(Value::Run(Arc::new(RunSpec {
        name: String::new(),
        data: data.clone(),
        seeds: args.int("seeds")?,
        method: Method::Train(TrainSpec {
            bound: bound.clone(),
            critic: critic.clone(),
            batch: args.int("batch")?,
            steps: args.int("steps")?,
            lr: args.num("lr")?,
            weight_decay: args.num("weight_decay")?,
            betas: (args.num("beta1")?, args.num("beta2")?),
            clip: args.opt_num("clip"),
            patience,
        }),
    })))
}

/// A declared run: a method applied to a distribution, once per seed.
#[derive(Debug, Clone)]
pub struct RunSpec {
    pub name: String,
    pub data: DataRef,
    pub seeds: usize,
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

#[derive(Debug, Clone)]
pub struct TrainSpec {
    pub bound: Arc<dyn Bound>,
    pub critic: Arc<CriticSpec>,
    pub batch: usize,
    pub steps: usize,
    pub lr: f64,
    pub weight_decay: f64,
    pub betas: (f64, f64),
    /// Maximum global gradient norm, if clipping.
    pub clip: Option<f64>,
    /// Early stopping: steps without a new best held-out trace estimate.
    pub patience: Option<usize>,
}

#[derive(Debug, Clone)]
pub struct NonparamSpec {
    pub estimator: Arc<dyn crate::nonparam::Estimator>,
    pub samples: usize,
}

impl RunSpec {
    /// The training spec, for runs that train.
    pub fn train(&self) -> Option<&TrainSpec> {
        match &self.method {
            Method::Train(t) => Some(t),
            Method::Nonparam(_) => None,
        }
    }

    /// Pairs per estimate: the batch of a trained run, the sample size of an estimator.
    pub fn batch(&self) -> usize {
        match &self.method {
            Method::Train(t) => t.batch,
            Method::Nonparam(n) => n.samples,
        }
    }

    pub fn steps(&self) -> usize {
        self.train().map(|t| t.steps).unwrap_or(0)
    }
}
