//! The entries of the functions claims can call. Each names its [`ClaimFn`], which the claim
//! lowering in `check::claims` turns into quantities or propositions and `verdicts` decides;
//! the entries carry their signatures and help for the checker and `mica list`.

use std::sync::Arc;

use crate::bounds::Bound;
use crate::ir::{
    typed_params, Build, ClaimFn, Default, Entry, EstimateRead, Func, Kind, LambdaArg, Param,
    QuantityArg, Range, RunData, RunSpec, TraceStat, Ty,
};

const fn function(
    name: &'static str,
    claim: ClaimFn,
    doc: &'static str,
    params: &'static [Param],
) -> Entry {
    Entry {
        name,
        kind: Kind::Function,
        doc,
        params,
        exactly_one_of: &[],
        build: Build::Claim(claim),
    }
}

typed_params! {
    /// `ln(x)`, `exp(x)`, ...
    #[allow(dead_code)] // the claim lowering reads the expressions themselves
    pub struct MathArgs {
        x: QuantityArg = Default::Required, Range::ANY, "a quantity";
    }
}

typed_params! {
    /// `min(a, b, ...)`, `max(a, b, ...)`
    #[allow(dead_code)] // the claim lowering reads the expressions themselves
    pub struct MinMaxArgs {
        a: QuantityArg = Default::Required, Range::ANY, "a quantity";
        b: QuantityArg = Default::Required, Range::ANY, "more quantities (two or more in all)";
    }
}

typed_params! {
    /// `peak(K -> q)`, `argmax(K -> q)`, `mean(K -> q)`, ...
    #[allow(dead_code)] // the claim lowering reads the expressions themselves
    pub struct CurveArgs {
        f: LambdaArg = Default::Required, Range::ANY,
            "K -> quantity, over a sweep index (or K in LIST -> ...)";
    }
}

typed_params! {
    /// `increasing(K -> q, strictly:)`, `decreasing(...)`
    pub struct TrendArgs {
        f: LambdaArg = Default::Required, Range::ANY,
            "K -> quantity, over a sweep index (or K in LIST -> ...)";
        strictly: bool = Default::Bool(false), Range::ANY,
            "each step must change by more than the tolerance (default: by no less than minus it)";
    }
}

typed_params! {
    /// `corr(X -> a, X -> b, method:)`
    pub struct CorrArgs {
        a: LambdaArg = Default::Required, Range::ANY, "X -> first quantity";
        b: LambdaArg = Default::Required, Range::ANY, "X -> second quantity";
        method: String = Default::Sym("spearman"), Range::ANY,
            "rank (spearman, kendall) or linear (pearson) correlation",
            as Ty::Choice(&["spearman", "kendall", "pearson"]);
    }
}

typed_params! {
    /// `accuracy(run)` or `accuracy(data: d)`
    pub struct AccuracyArgs {
        run: Option<Arc<RunSpec>> = Default::Optional, Range::ANY,
            "a trained run whose critic embeds x (separable, bilinear): probe its frozen x embeddings";
        data: Option<RunData> = Default::Optional, Range::ANY,
            "labelled data (a mixture whose components carry labels): probe its raw x";
        on: Option<RunData> = Default::Optional, Range::ANY,
            "labelled data to apply the run's frozen encoder to instead of its training data (same x width), e.g. clean inputs";
        model: String = Default::Sym("linear"), Range::ANY,
            "linear (multinomial logistic regression) or knn (majority of the k nearest)",
            as Ty::Choice(&["linear", "knn"]);
        k: usize = Default::Num(5.0), Range::between(1.0, 1000.0), "neighbours of a knn probe";
        head: usize = Default::Num(0.0), Range::between(0.0, 64.0),
            "read the representation below the encoder's last `head` layers (a projection head; mlp encoders)";
        train: usize = Default::Num(2000.0), Range::between(10.0, 200_000.0),
            "labelled pairs the probe is fit on";
        test: usize = Default::Num(2000.0), Range::between(10.0, 200_000.0),
            "fresh labelled pairs it is scored on";
        seeds: usize = Default::Num(5.0), Range::between(1.0, 10_000.0),
            "fresh samples of raw data (a run's probe has the run's seeds)";
    }
}

pub static ACCURACY: Entry = Entry {
    exactly_one_of: &[&["run", "data"]],
    ..function(
        "accuracy",
        ClaimFn::Accuracy,
        "the share of fresh labelled points whose label a probe, fit per seed on frozen features, predicts",
        AccuracyArgs::PARAMS,
    )
};

typed_params! {
    /// `align(run)`, `uniform(run, t:)`
    pub struct GeometryArgs {
        run: Arc<RunSpec> = Default::Required, Range::ANY,
            "a trained run whose critic is separable or bilinear";
        t: f64 = Default::Num(2.0), Range::above(0.0), "uniformity's temperature (Wang & Isola: 2)";
        head: usize = Default::Num(0.0), Range::between(0.0, 64.0),
            "read the representation below the encoder's last `head` layers (a projection head; mlp encoders)";
        samples: usize = Default::Num(2000.0), Range::between(10.0, 20_000.0),
            "fresh pairs the embeddings are measured on";
    }
}

pub static ALIGN: Entry = function(
    "align",
    ClaimFn::Geometry { uniform: false },
    "alignment (Wang & Isola): mean squared distance between the normalised embeddings g(x), h(y) of fresh pairs, per seed (0 to 4; t is unused)",
    GeometryArgs::PARAMS,
);

pub static UNIFORM: Entry = function(
    "uniform",
    ClaimFn::Geometry { uniform: true },
    "uniformity (Wang & Isola): ln of the mean of exp(-t |g(x) - g(x')|^2) over pairs of fresh normalised x embeddings, per seed (<= 0; lower is more uniform)",
    GeometryArgs::PARAMS,
);

typed_params! {
    /// `embedding_mi(run, k:, samples:)`
    pub struct EmbeddingMiArgs {
        run: Arc<RunSpec> = Default::Required, Range::ANY,
            "a trained run whose critic is separable or bilinear";
        k: usize = Default::Num(3.0), Range::between(1.0, 100.0), "KSG neighbours";
        head: usize = Default::Num(0.0), Range::between(0.0, 64.0),
            "read the representation below the encoder's last `head` layers (a projection head; mlp encoders)";
        samples: usize = Default::Num(2000.0), Range::between(10.0, 200_000.0),
            "fresh pairs embedded and estimated on";
        on: Option<RunData> = Default::Optional, Range::ANY,
            "data to embed instead of the run's own (same widths)";
    }
}

pub static EMBEDDING_MI: Entry = function(
    "embedding_mi",
    ClaimFn::EmbeddingMi,
    "KSG estimate of I(g(x); h(y)) on fresh pairs through a trained run's frozen encoders, per seed (nats; not capped at ln K)",
    EmbeddingMiArgs::PARAMS,
);

typed_params! {
    /// `mi(data)`
    pub struct MiArgs {
        data: RunData = Default::Required, Range::ANY, "a declared distribution";
        between: String = Default::Sym("xy"), Range::ANY,
            "I(x; y), or for labelled data I(x; label) or I(y; label)",
            as Ty::Choice(&["xy", "x_label", "y_label"]);
    }
}

pub static MI: Entry = function(
    "mi",
    ClaimFn::Mi,
    "the ground-truth mutual information of a distribution, in nats",
    MiArgs::PARAMS,
);

typed_params! {
    /// `estimate(run, bound:, batch:)`
    pub struct EstimateArgs {
        run: Arc<RunSpec> = Default::Required, Range::ANY, "a declared run";
        bound: Option<Arc<dyn Bound>> = Default::Optional, Range::ANY,
            "evaluate under another bound (default: the run's)";
        batch: Option<usize> = Default::Optional, Range::between(2.0, 65_536.0),
            "evaluate at another batch size K (default: the run's); above 4096, every bound but smile and interpolated streams the score matrix in blocks (those two stop at 8192)";
    }
}

pub static ESTIMATE: Entry = function(
    "estimate",
    ClaimFn::Estimate(EstimateRead::Mean),
    "a run's trained critic evaluated on fresh held-out samples, per seed (nats)",
    EstimateArgs::PARAMS,
);

pub static ESTIMATE_SD: Entry = function(
    "estimate_sd",
    ClaimFn::Estimate(EstimateRead::Sd),
    "per seed, the standard deviation of the trained critic's estimate over fresh held-out batches of K pairs (at least 400 batches): the estimator's variance for a fixed critic (Song & Ermon)",
    EstimateArgs::PARAMS,
);

typed_params! {
    /// `estimate_quantile(run, q:, bound:, batch:)`
    pub struct EstimateQuantileArgs {
        run: Arc<RunSpec> = Default::Required, Range::ANY, "a declared run";
        q: f64 = Default::Required, Range { min: Some((0.0, false)), max: Some((1.0, false)) },
            "the quantile, e.g. 0.05: a value one batch's estimate exceeds with probability 1 - q";
        bound: Option<Arc<dyn Bound>> = Default::Optional, Range::ANY,
            "evaluate under another bound (default: the run's)";
        batch: Option<usize> = Default::Optional, Range::between(2.0, 65_536.0),
            "evaluate at another batch size K (default: the run's)";
    }
}

pub static ESTIMATE_QUANTILE: Entry = function(
    "estimate_quantile",
    ClaimFn::Estimate(EstimateRead::Quantile),
    "per seed, the q-quantile of the trained critic's estimate over fresh held-out batches of K pairs (at least 400 batches): what a single batch reports with confidence 1 - q (McAllester & Stratos's high-confidence reading)",
    EstimateQuantileArgs::PARAMS,
);

typed_params! {
    /// `ceiling(bound, K)`
    pub struct CeilingArgs {
        bound: Arc<dyn Bound> = Default::Required, Range::ANY, "a bound with a ceiling (infonce, interpolated)";
        batch: usize = Default::Required, Range::between(2.0, 1e9), "batch size K";
    }
}

pub static CEILING: Entry = function(
    "ceiling",
    ClaimFn::Ceiling,
    "the largest value a bound can take at batch size K, whatever the critic (InfoNCE: ln K)",
    CeilingArgs::PARAMS,
);

typed_params! {
    /// `trace(run, stage:)` and `trace_sd(run, stage:)`
    pub struct TraceArgs {
        run: Arc<RunSpec> = Default::Required, Range::ANY, "a declared training run";
        stage: Option<usize> = Default::Optional, Range::at_least(1.0),
            "which stage of a staircase, from 1 (default: the last; an ordinary run has one)";
    }
}

pub static TRACE: Entry = function(
    "trace", ClaimFn::Trace(TraceStat::Mean),
    "mean of the held-out estimates traced during training over the second half of a stage, per seed (nats)",
    TraceArgs::PARAMS,
);

pub static TRACE_SD: Entry = function(
    "trace_sd", ClaimFn::Trace(TraceStat::Sd),
    "standard deviation of the held-out estimates traced over the second half of a stage, per seed: the estimator's batch-to-batch variability",
    TraceArgs::PARAMS,
);

pub static SEED_SD: Entry = function(
    "seed_sd",
    ClaimFn::SeedSd,
    "the standard deviation of a quantity over seeds (how much a result depends on the seed: data, initialisation, evaluation samples), one number with the standard error sd / sqrt(2 (n - 1)) (normal approximation)",
    MathArgs::PARAMS,
);

pub static LN: Entry = function(
    "ln",
    ClaimFn::Math(Func::Ln),
    "natural logarithm",
    MathArgs::PARAMS,
);
pub static LOG2: Entry = function(
    "log2",
    ClaimFn::Math(Func::Log2),
    "base-2 logarithm",
    MathArgs::PARAMS,
);
pub static EXP: Entry = function(
    "exp",
    ClaimFn::Math(Func::Exp),
    "exponential",
    MathArgs::PARAMS,
);
pub static SQRT: Entry = function(
    "sqrt",
    ClaimFn::Math(Func::Sqrt),
    "square root",
    MathArgs::PARAMS,
);
pub static ABS: Entry = function(
    "abs",
    ClaimFn::Math(Func::Abs),
    "absolute value",
    MathArgs::PARAMS,
);
pub static MIN: Entry = function(
    "min",
    ClaimFn::Math(Func::Min),
    "smallest of two or more quantities, or min(K -> q) across a sweep (per seed)",
    MinMaxArgs::PARAMS,
);
pub static MAX: Entry = function(
    "max",
    ClaimFn::Math(Func::Max),
    "largest of two or more quantities, or max(K -> q) across a sweep (per seed)",
    MinMaxArgs::PARAMS,
);
pub static INCREASING: Entry = function(
    "increasing",
    ClaimFn::Trend { increasing: true },
    "each step along the sweep increases the quantity (consecutive paired one-sided claims)",
    TrendArgs::PARAMS,
);
pub static DECREASING: Entry = function(
    "decreasing",
    ClaimFn::Trend { increasing: false },
    "each step along the sweep decreases the quantity (consecutive paired one-sided claims)",
    TrendArgs::PARAMS,
);

pub static MONOTONE_TREND: Entry = function(
    "monotone_trend", ClaimFn::MonotoneTrend,
    "per seed, Spearman's rho between the sweep values and that seed's curve; compared by the share of seeds (sign test)",
    CurveArgs::PARAMS,
);
pub static PEAK: Entry = function(
    "peak", ClaimFn::Peak,
    "the expected curve's maximum lies strictly inside the sweep (a reverse U): some inside point exceeds both ends (paired comparisons)",
    CurveArgs::PARAMS,
);
pub static ARGMAX: Entry = function(
    "argmax",
    ClaimFn::Argmax,
    "per seed, the sweep value at which that seed's curve is largest; compared by the share of seeds (sign test)",
    CurveArgs::PARAMS,
);
pub static MEAN: Entry = function(
    "mean",
    ClaimFn::Mean,
    "per seed, the mean of the quantity across the sweep",
    CurveArgs::PARAMS,
);
pub static CORR: Entry = function(
    "corr",
    ClaimFn::Corr,
    "per seed, the correlation of that seed's two curves over the same sweep; compared by the share of seeds (sign test)",
    CorrArgs::PARAMS,
);
