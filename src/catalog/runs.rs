//! The run entries: `train(...)`, which trains a critic (its parameters are the typed fields of
//! `ir::TrainSpec`), and the non-neural estimators `ksg`, `gaussian_mi` and `histogram`, each
//! declared by a typed parameter struct of its own.

use std::sync::Arc;

use crate::dist::{DataRef, Part};
use crate::ir::{
    fmt_bytes, too_many_rows, typed_params, Args, Build, Default, Entry, Kind, Method,
    NonparamSpec, ParamError, ParamErrorKind, Range, RunData, RunSpec, TrainSpec, Ty, Value,
};
use crate::nonparam::ksg::{Ksg, KsgEnsemble, Norm, Variant};
use crate::nonparam::{gaussian_mi::GaussianMi, histogram::Histogram, kde::Kde, Estimator};

pub static TRAIN: Entry = Entry {
    name: "train",
    kind: Kind::Run,
    doc: "trains a critic with Adam to maximise a bound on batches of fresh samples, once per seed",
    params: TrainSpec::PARAMS,
    exactly_one_of: &[],
    build: Build::Value(build_train),
};

fn build_train(args: &Args) -> Result<Value, ParamError> {
    let spec = TrainSpec::read(args)?;
    let data = &spec.data;
    spec.critic
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
    crate::bounds::check_critic(spec.bound.as_ref(), &spec.critic).map_err(|m| {
        ParamError::new(ParamErrorKind::Conflict, "critic", m).help(
            "use e.g. `critic: conditional(mean: mlp(hidden: [256], out: DIM_Y))`, or a bound that takes any critic",
        )
    })?;
    if let Some(b) = spec.bound.baseline() {
        b.check_input(data.dist.dim_y()).map_err(|m| {
            ParamError::new(ParamErrorKind::Shape, "bound", m)
                .help("the bound's network or flow reads y; give it one that takes y's width")
        })?;
    }
    check_memory(&spec)?;
    if let Some(why) = too_many_rows(data, Some(Part::Train), spec.batch, "a batch") {
        return Err(ParamError::new(ParamErrorKind::OutOfRange, "batch", why)
            .help("use a smaller batch, or hold out fewer rows (`held_out:`)"));
    }
    if spec.negatives.is_some() {
        if spec.bound.name() != "infonce" {
            return Err(ParamError::new(
                ParamErrorKind::Conflict,
                "negatives",
                format!(
                    "a queue of negatives extends InfoNCE's candidates; `{}` is not InfoNCE",
                    spec.bound.name()
                ),
            )
            .help("train with `infonce`, or drop `negatives:`"));
        }
        if spec.critic.encoders().is_none() {
            return Err(ParamError::new(
                ParamErrorKind::Conflict,
                "negatives",
                "a queue holds past x embeddings, and this critic has no encoder of x alone",
            )
            .help("use a separable(...) or bilinear(...) critic"));
        }
    }
    if spec.patience.is_some() && data.dist.stage_count() > 1 {
        return Err(ParamError::new(
            ParamErrorKind::Conflict,
            "patience",
            "early stopping would cut a staircase short",
        )
        .help("drop `patience:` to train through every stage"));
    }
    Ok(Value::Run(Arc::new(RunSpec {
        name: String::new(),
        method: Method::Train(spec),
    })))
}

/// The memory this machine offers a run: `MICA_MEMORY_BYTES` if set, else the total memory
/// the kernel reports; `None` where neither is known (then nothing is refused).
fn memory_limit() -> Option<f64> {
    if let Some(v) = std::env::var("MICA_MEMORY_BYTES")
        .ok()
        .and_then(|v| v.trim().parse::<f64>().ok())
    {
        return Some(v);
    }
    // Read once: every train(...) of a file (one per sweep point) asks.
    static TOTAL: std::sync::OnceLock<Option<f64>> = std::sync::OnceLock::new();
    *TOTAL.get_or_init(|| {
        let info = std::fs::read_to_string("/proc/meminfo").ok()?;
        let line = info.lines().find(|l| l.starts_with("MemTotal:"))?;
        let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib * 1024.0)
    })
}

/// The memory limit, when `need` bytes exceed it (never when the limit is unknown).
fn over_budget(need: f64) -> Option<f64> {
    memory_limit().filter(|&limit| need > limit)
}

/// Refuses, before anything trains, a run whose training step cannot fit in this machine's
/// memory (it would abort with an allocator message midway).
fn check_memory(spec: &TrainSpec) -> Result<(), ParamError> {
    let need = spec.job_bytes();
    let Some(limit) = over_budget(need) else {
        return Ok(());
    };
    let (dx, dy) = (spec.data.dist.dim_x(), spec.data.dist.dim_y());
    // The critic is at fault if it does not fit even at the smallest batch.
    let at_fault = if spec.critic.training_bytes(dx, dy, 2) > limit {
        "critic"
    } else {
        "batch"
    };
    Err(ParamError::new(
        ParamErrorKind::OutOfRange,
        at_fault,
        format!(
            "one training step needs about {} (parameters with Adam's moments, activations and the {}x{} score matrix), more than this machine's {}",
            fmt_bytes(need),
            spec.batch,
            spec.batch,
            fmt_bytes(limit)
        ),
    )
    .help("use a smaller batch or narrower encoders (MICA_MEMORY_BYTES sets the memory mica may assume)"))
}

/// Refuses an estimator run whose sample and structures cannot fit in this machine's memory.
fn check_estimator_memory(spec: &NonparamSpec) -> Result<(), ParamError> {
    let need = spec.job_bytes();
    let Some(limit) = over_budget(need) else {
        return Ok(());
    };
    Err(ParamError::new(
        ParamErrorKind::OutOfRange,
        "samples",
        format!(
            "`{}` on {} pairs of {} + {} coordinates needs about {}, more than this machine's {}",
            spec.estimator.name(),
            spec.samples,
            spec.data.dist.dim_x(),
            spec.data.dist.dim_y(),
            fmt_bytes(need),
            fmt_bytes(limit)
        ),
    )
    .help("use fewer samples or lower-dimensional data (MICA_MEMORY_BYTES sets the memory mica may assume)"))
}

typed_params! {
    /// `ksg(...)`
    pub struct KsgArgs {
        data: RunData = Default::Required, Range::ANY, "the distribution to sample";
        samples: usize = Default::Num(2000.0), Range::between(10.0, 1_000_000.0), "pairs per seed";
        seeds: usize = Default::Num(5.0), Range::between(1.0, 10_000.0), "independent samples";
        k: usize = Default::Num(3.0), Range::between(1.0, 100.0), "neighbours";
        estimator: usize = Default::Num(1.0), Range::between(1.0, 2.0),
            "Kraskov et al.'s estimator 1 (counts strictly inside the k-th neighbour's distance) or 2 (counts within each marginal's extent of the k neighbours)";
        metric: String = Default::Sym("max"), Range::ANY,
            "the norm within x and within y (the joint distance is the larger of the two): max (Chebyshev) or euclidean",
            as Ty::Choice(&["max", "euclidean"]);
        ensemble: Option<Vec<usize>> = Default::Optional, Range::between(1.0, 100.0),
            "average the estimates at these k instead of using one (bmi's KSG default: [5, 10])";
    }
}

typed_params! {
    /// `gaussian_mi(...)`
    pub struct GaussianMiArgs {
        data: RunData = Default::Required, Range::ANY, "the distribution to sample";
        samples: usize = Default::Num(2000.0), Range::between(10.0, 1_000_000.0), "pairs per seed";
        seeds: usize = Default::Num(5.0), Range::between(1.0, 10_000.0), "independent samples";
    }
}

typed_params! {
    /// `histogram(...)`
    pub struct HistogramArgs {
        data: RunData = Default::Required, Range::ANY, "the distribution to sample";
        samples: usize = Default::Num(2000.0), Range::between(10.0, 1_000_000.0), "pairs per seed";
        seeds: usize = Default::Num(5.0), Range::between(1.0, 10_000.0), "independent samples";
        bins: usize = Default::Num(10.0), Range::between(1.0, 1000.0), "bins per coordinate of x (and of y unless bins_y is given)";
        bins_y: Option<usize> = Default::Optional, Range::between(1.0, 1000.0), "bins per coordinate of y (bmi's n_bins_y)";
    }
}

pub static KSG: Entry = Entry {
    name: "ksg",
    kind: Kind::Run,
    doc: "Kraskov (KSG) k-nearest-neighbour estimator (1 or 2; max-norm or Euclidean within each space) on `samples` pairs per seed",
    params: KsgArgs::PARAMS,
    exactly_one_of: &[],
    build: Build::Value(|a| {
        let a = KsgArgs::read(a)?;
        let ksg = |k| Ksg {
            k,
            variant: if a.estimator == 2 {
                Variant::Two
            } else {
                Variant::One
            },
            norm: match a.metric.as_str() {
                "euclidean" => Norm::Euclidean,
                _ => Norm::Max,
            },
        };
        let estimator: Arc<dyn Estimator> = match a.ensemble {
            Some(ks) if !ks.is_empty() => Arc::new(KsgEnsemble(ks.into_iter().map(ksg).collect())),
            _ => Arc::new(ksg(a.k)),
        };
        estimator_run(a.data.0, a.samples, a.seeds, estimator)
    }),
};

pub static GAUSSIAN_MI: Entry = Entry {
    name: "gaussian_mi",
    kind: Kind::Run,
    doc: "Gaussian / CCA estimator: 0.5 ln(det S_xx det S_yy / det S) of the sample covariance",
    params: GaussianMiArgs::PARAMS,
    exactly_one_of: &[],
    build: Build::Value(|a| {
        let a = GaussianMiArgs::read(a)?;
        estimator_run(a.data.0, a.samples, a.seeds, Arc::new(GaussianMi))
    }),
};

pub static KDE: Entry = Entry {
    name: "kde",
    kind: Kind::Run,
    doc: "kernel density plug-in: H(X) + H(Y) - H(X, Y) from Gaussian kernel densities (sample covariance times Scott's h^2, resubstitution; bmi's KDE estimator); n^2 work, low dimensions",
    params: GaussianMiArgs::PARAMS,
    exactly_one_of: &[],
    build: Build::Value(|a| {
        let a = GaussianMiArgs::read(a)?;
        estimator_run(a.data.0, a.samples, a.seeds, Arc::new(Kde))
    }),
};

pub static HISTOGRAM: Entry = Entry {
    name: "histogram",
    kind: Kind::Run,
    doc: "plug-in MI of equal-width bins per coordinate (low dimension only; biased up for many bins)",
    params: HistogramArgs::PARAMS,
    exactly_one_of: &[],
    build: Build::Value(|a| {
        let a = HistogramArgs::read(a)?;
        let estimator = Arc::new(Histogram {
            bins_x: a.bins,
            bins_y: a.bins_y.unwrap_or(a.bins),
        });
        estimator_run(a.data.0, a.samples, a.seeds, estimator)
    }),
};

/// The run an estimator entry declares, refused if it cannot fit in memory.
fn estimator_run(
    data: DataRef,
    samples: usize,
    seeds: usize,
    estimator: Arc<dyn Estimator>,
) -> Result<Value, ParamError> {
    if let Some(why) = too_many_rows(&data, None, samples, "a sample") {
        return Err(ParamError::new(ParamErrorKind::OutOfRange, "samples", why)
            .help("use at most as many samples as the data has rows"));
    }
    let spec = NonparamSpec {
        estimator,
        data,
        samples,
        seeds,
    };
    check_estimator_memory(&spec)?;
    Ok(Value::Run(Arc::new(RunSpec {
        name: String::new(),
        method: Method::Nonparam(spec),
    })))
}
