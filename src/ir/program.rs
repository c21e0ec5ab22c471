//! The checked program: what the checker hands on. Sweeps are expanded, names resolved, every
//! argument validated; claims are propositions over quantities whose leaves are constants,
//! ground truths and estimates.

use std::sync::Arc;

use indexmap::IndexMap;

use super::encoded::encoding_runs;
use super::RunSpec;
use crate::bounds::Bound;
use crate::dist::{DataRef, LabelSide};
pub use crate::nn::probe::ProbeModel;
pub use crate::syntax::ast::{BinOp, CmpOp, Expect, Span};

#[derive(Debug, Clone, Default)]
pub struct Program {
    /// Every declared distribution, by name.
    pub data: IndexMap<String, DataRef>,
    /// Every declared run (sweeps expanded: `r[16]`, `r[64]`, ...).
    pub runs: IndexMap<String, Arc<RunSpec>>,
    /// Each declared run's configuration as the file writes it (its declaration's value; a
    /// sweep's runs share the template), for reports.
    pub run_declarations: IndexMap<String, String>,
    /// The distinct estimates the claims need: (run, bound, batch).
    pub estimates: Vec<EstimateSpec>,
    /// The distinct probe accuracies the claims need.
    pub probes: Vec<ProbeSpec>,
    pub claims: Vec<ClaimSpec>,
}

impl Program {
    /// Runs declared but used by no claim (they are not trained), neither directly nor as
    /// the encoder of `encode(...)` data that a used run or probe samples.
    pub fn unused_runs(&self) -> Vec<&str> {
        let mut used: Vec<String> = Vec::new();
        let mut reach = |run: Option<&Arc<RunSpec>>, data: &[&DataRef]| {
            if let Some(r) = run {
                used.push(r.name.clone());
                used.extend(encoding_runs(r.data()).iter().map(|r| r.name.clone()));
            }
            for d in data {
                used.extend(encoding_runs(d).iter().map(|r| r.name.clone()));
            }
        };
        for e in &self.estimates {
            reach(Some(&e.run), &[]);
        }
        for p in &self.probes {
            match &p.source {
                ProbeSource::Run(r) => reach(Some(r), &[]),
                ProbeSource::Data { data, .. } => reach(None, &[data]),
            }
            if let Some(on) = &p.on {
                reach(None, &[on]);
            }
        }
        self.runs
            .keys()
            .filter(|n| !used.contains(n))
            .map(|s| s.as_str())
            .collect()
    }

    /// The program with only the claims `keep` accepts, and only the estimates and probes
    /// they read (renumbered), so that running it trains only the runs those need (`-k`).
    pub fn retain_claims(&self, keep: impl Fn(&ClaimSpec) -> bool) -> Program {
        let mut claims: Vec<ClaimSpec> = self.claims.iter().filter(|c| keep(c)).cloned().collect();
        let (mut estimates, mut probes) = (Vec::new(), Vec::new());
        // Old index -> new index, in order of first use.
        let (mut est_map, mut probe_map) = (IndexMap::new(), IndexMap::new());
        for c in &mut claims {
            c.prop.for_each_quantity_mut(&mut |q| match q {
                Quantity::Estimate(i) => {
                    let next = est_map.len();
                    let new = *est_map.entry(*i).or_insert_with(|| {
                        estimates.push(self.estimates[*i].clone());
                        next
                    });
                    *i = new;
                }
                Quantity::Probe(i) => {
                    let next = probe_map.len();
                    let new = *probe_map.entry(*i).or_insert_with(|| {
                        probes.push(self.probes[*i].clone());
                        next
                    });
                    *i = new;
                }
                _ => {}
            });
        }
        Program {
            data: self.data.clone(),
            runs: self.runs.clone(),
            run_declarations: self.run_declarations.clone(),
            estimates,
            probes,
            claims,
        }
    }
}

impl Prop {
    /// Calls `f` on every quantity in the proposition, leaves and inner nodes alike (each
    /// node before its children).
    pub fn for_each_quantity_mut(&mut self, f: &mut impl FnMut(&mut Quantity)) {
        match self {
            Prop::Compare(c) => {
                c.lhs.for_each_mut(f);
                c.rhs.for_each_mut(f);
            }
            Prop::All { parts, .. } | Prop::Any { parts, .. } => {
                for (_, p) in parts {
                    p.for_each_quantity_mut(f);
                }
            }
        }
    }
}

impl Quantity {
    /// Calls `f` on this quantity and every quantity inside it, parents first.
    pub fn for_each_mut(&mut self, f: &mut impl FnMut(&mut Quantity)) {
        f(self);
        match self {
            Quantity::Const(_)
            | Quantity::Truth(..)
            | Quantity::Estimate(_)
            | Quantity::Probe(_) => {}
            Quantity::Neg(q) | Quantity::SeedSd(q) => q.for_each_mut(f),
            Quantity::Bin(_, a, b) => {
                a.for_each_mut(f);
                b.for_each_mut(f);
            }
            Quantity::Func(_, args) | Quantity::Aggregate(_, args) => {
                for a in args {
                    a.for_each_mut(f);
                }
            }
            Quantity::Statistic(_, a, b) => {
                for curve in std::iter::once(a).chain(b) {
                    for q in &mut curve.points {
                        q.for_each_mut(f);
                    }
                }
            }
        }
    }
}

/// A probe of a representation (or of raw data), per seed: how well a label can be read off it
/// (fit on `train` labelled pairs, scored on `test` fresh ones), or its alignment or
/// uniformity on `test` fresh pairs.
#[derive(Debug, Clone)]
pub struct ProbeSpec {
    pub source: ProbeSource,
    pub measure: Measure,
    /// Labelled pairs a probe is fit on (unused by alignment and uniformity).
    pub train: usize,
    /// Fresh pairs the measure is taken on.
    pub test: usize,
    /// Labelled data a run's frozen encoder is applied to instead of the run's own (e.g.
    /// clean inputs for an encoder trained on noisy views); same x width.
    pub on: Option<DataRef>,
    /// Layers cut off the end of the run's encoders before reading them (a projection head).
    pub head: usize,
    /// e.g. `accuracy(enc, model: knn)`
    pub label: String,
}

/// What is measured of a representation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Measure {
    /// The share of test labels a probe fit on the train sample predicts.
    Accuracy(ProbeModel),
    /// Wang & Isola's alignment: the mean squared distance between the normalised
    /// embeddings of the two sides of a pair.
    Align,
    /// Wang & Isola's uniformity: ln of the mean of exp(-t d^2) over pairs of normalised x
    /// embeddings.
    Uniform(f64),
    /// The KSG estimate (k neighbours) of I(g(x); h(y)) on fresh pairs through the frozen
    /// encoders: what the representation holds, by an estimator not capped at ln K.
    Ksg(usize),
}

/// What a probe reads.
#[derive(Debug, Clone)]
pub enum ProbeSource {
    /// The x embeddings of a trained run's critic encoder, frozen after training (seed i of
    /// the probe reads seed i's encoder).
    Run(Arc<RunSpec>),
    /// The x coordinates of labelled data, over `seeds` fresh samples.
    Data { data: DataRef, seeds: usize },
}

impl ProbeSpec {
    /// The labelled distribution the probe samples.
    pub fn data(&self) -> &DataRef {
        match (&self.source, &self.on) {
            (ProbeSource::Run(_), Some(on)) => on,
            (ProbeSource::Run(r), None) => r.data(),
            (ProbeSource::Data { data, .. }, _) => data,
        }
    }
}

/// One trained critic evaluated under a bound at a batch size.
#[derive(Debug, Clone)]
pub struct EstimateSpec {
    pub run: Arc<RunSpec>,
    /// The bound to evaluate under (none for non-neural estimators).
    pub bound: Option<Arc<dyn Bound>>,
    pub batch: usize,
    /// Read from the training trace instead of evaluating the trained critic.
    pub trace: Option<TraceRead>,
    /// What is read from the evaluation batches of one seed: their mean (the estimate), their
    /// spread or a quantile.
    pub over_batches: BatchStat,
    /// e.g. `estimate(nce, batch: 4096)`
    pub label: String,
}

/// A statistic of one seed's per-batch estimates in evaluation (each batch a fresh held-out
/// batch of K pairs).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum BatchStat {
    /// The estimate: their mean.
    Mean,
    /// Their standard deviation: how much one batch's estimate varies (Song and Ermon's
    /// variance).
    Sd,
    /// Their q-quantile: what one batch reports with probability at least 1 - q (McAllester
    /// and Stratos's high-confidence reading).
    Quantile(f64),
}

impl BatchStat {
    /// The fewest evaluation batches that estimate this statistic well enough: the mean stops
    /// on its standard error; a spread or a tail needs many batches whatever the mean does.
    pub fn min_batches(self) -> usize {
        match self {
            BatchStat::Mean => super::MIN_BATCHES,
            BatchStat::Sd | BatchStat::Quantile(_) => 400,
        }
    }
}

/// A statistic of the held-out estimates traced during training: over the second half of one
/// stage (after the critic has had half the stage to adapt to it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TraceRead {
    /// 1-based; an ordinary run has one stage.
    pub stage: usize,
    pub stat: TraceStat,
}

/// Which of the estimate functions a claim calls (the quantile's q comes with its arguments).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EstimateRead {
    Mean,
    Sd,
    Quantile,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TraceStat {
    Mean,
    Sd,
}

#[derive(Debug, Clone)]
pub struct ClaimSpec {
    pub title: String,
    pub span: Span,
    /// The source text of the claim's body.
    pub text: String,
    pub prop: Prop,
    /// Confidence level as a fraction (0.95).
    pub confidence: f64,
    /// `within d`
    pub tolerance: f64,
    pub expect: Expect,
}

/// A statement that is true or false.
#[derive(Debug, Clone)]
pub enum Prop {
    Compare(Comparison),
    /// Every part must hold (`and`, `forall`, `increasing`, `decreasing`).
    All {
        kind: AllKind,
        /// (label, part): the label names the sweep point, e.g. `K=64`.
        parts: Vec<(String, Prop)>,
    },
    /// Some part must hold (`exists`, and `peak`: some inside point exceeds both ends).
    Any {
        var: String,
        parts: Vec<(String, Prop)>,
    },
}

/// A quantity along a sweep: its values of the sweep variable and the quantity at each.
#[derive(Debug, Clone)]
pub struct Curve {
    pub var: String,
    pub xs: Vec<f64>,
    pub points: Vec<Quantity>,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum AllKind {
    And,
    Forall(String),
    Increasing(String),
    Decreasing(String),
}

#[derive(Debug, Clone)]
pub struct Comparison {
    pub op: CmpOp,
    pub lhs: Quantity,
    pub rhs: Quantity,
    pub text: String,
    /// This comparison's own tolerance (`a <= b within d`), overriding the claim's.
    pub tolerance: Option<f64>,
    /// How the claim's tolerance moves the margin: +1 relaxes it (`a <= b within d` means
    /// a <= b + d), -1 tightens it (`strictly` trends: each step must gain more than d).
    pub tol_sign: f64,
}

/// A number that may vary over seeds.
#[derive(Debug, Clone)]
pub enum Quantity {
    Const(f64),
    /// The ground-truth MI of a distribution: I(x; y), or with a side, I(that side; label).
    Truth(DataRef, Option<LabelSide>),
    /// Index into `Program::estimates`.
    Estimate(usize),
    /// Index into `Program::probes`: an accuracy, alignment or uniformity, per seed.
    Probe(usize),
    Neg(Box<Quantity>),
    Bin(BinOp, Box<Quantity>, Box<Quantity>),
    Func(Func, Vec<Quantity>),
    /// `mean(K -> q)`, `min(K -> q)`, `max(K -> q)`: per seed, across a sweep.
    Aggregate(Agg, Vec<Quantity>),
    /// A statistic of each seed's curve (one value per seed, tested by a sign test).
    Statistic(Statistic, Box<Curve>, Option<Box<Curve>>),
    /// `seed_sd(q)`: the standard deviation of q over seeds, one number with its standard
    /// error.
    SeedSd(Box<Quantity>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Agg {
    Mean,
    Min,
    Max,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CorrMethod {
    Spearman,
    Kendall,
    Pearson,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Statistic {
    /// Spearman's rho between the sweep values and a seed's curve.
    MonotoneTrend,
    /// Correlation between a seed's two curves over the same sweep.
    Corr(CorrMethod),
    /// The sweep value at which a seed's curve is largest.
    Argmax,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    Ln,
    Log2,
    Exp,
    Sqrt,
    Abs,
    Min,
    Max,
}

impl Func {
    /// Applies the function; NaN marks a value outside its domain.
    pub fn apply(self, args: &[f64]) -> f64 {
        match self {
            Func::Ln => args[0].ln(),
            Func::Log2 => args[0].log2(),
            Func::Exp => args[0].exp(),
            Func::Sqrt => args[0].sqrt(),
            Func::Abs => args[0].abs(),
            Func::Min => args.iter().copied().fold(f64::INFINITY, f64::min),
            Func::Max => args.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        }
    }

    pub fn is_variadic(self) -> bool {
        matches!(self, Func::Min | Func::Max)
    }
}

pub fn apply_bin(op: BinOp, a: f64, b: f64) -> f64 {
    match op {
        BinOp::Add => a + b,
        BinOp::Sub => a - b,
        BinOp::Mul => a * b,
        BinOp::Div => a / b,
    }
}

/// Formats a number the way indices are written: `16`, `0.5`.
pub fn fmt_num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}
