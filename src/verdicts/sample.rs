//! Quantities evaluated seed by seed. Estimates vary over seeds; constants and ground truths do
//! not (a Monte Carlo ground truth carries its standard error instead); statistics of curves
//! (trend, correlation, argmax) are computed on each seed's own curve, one value per seed.

use rand::{RngExt as _, SeedableRng};

use super::stats;
use crate::ir::BinOp;
use crate::ir::{apply_bin, Agg, CorrMethod, Curve, Quantity, Statistic};
use crate::train::Results;

/// What evaluation needs besides the quantities: the results, and how to bootstrap.
#[derive(Debug, Clone, Copy)]
pub struct Ctx<'a> {
    pub results: &'a Results,
    /// Seeds the bootstrap streams (`--bootstrap`).
    pub seed: u64,
}

/// A quantity's value.
#[derive(Debug, Clone, PartialEq)]
pub enum Sampled {
    /// One value per seed; seed i of every run shares its streams, so equal indices pair.
    Seeds(Vec<f64>),
    /// A constant, with the standard error of its Monte Carlo computation (0 if exact).
    Const { value: f64, std_err: f64 },
    /// A statistic of each seed's curve (a rank correlation, an argmax), one value per seed.
    /// Such values are bounded and discrete, so comparisons count the seeds that satisfy them
    /// (a sign test) instead of averaging them; arithmetic keeps them per seed.
    Statistic(Vec<f64>),
}

impl Sampled {
    pub fn constant(value: f64) -> Self {
        Sampled::Const {
            value,
            std_err: 0.0,
        }
    }

    pub fn mean(&self) -> f64 {
        match self {
            Sampled::Seeds(v) => v.iter().sum::<f64>() / v.len().max(1) as f64,
            Sampled::Const { value, .. } => *value,
            // The estimand of the sign test.
            Sampled::Statistic(v) => stats::percentile(v, 0.5),
        }
    }

    fn map(self, f: impl Fn(f64) -> f64, se_scale: f64) -> Sampled {
        match self {
            Sampled::Seeds(v) => Sampled::Seeds(v.into_iter().map(f).collect()),
            Sampled::Const { value, std_err } => Sampled::Const {
                value: f(value),
                std_err: std_err * se_scale.abs(),
            },
            Sampled::Statistic(v) => Sampled::Statistic(v.into_iter().map(f).collect()),
        }
    }

    /// Combines two values seed by seed (over the seeds both have).
    pub fn zip(
        self,
        other: Sampled,
        f: impl Fn(f64, f64) -> f64,
        se: impl Fn(f64, f64) -> f64,
    ) -> Result<Sampled, String> {
        Ok(match (self, other) {
            (Sampled::Seeds(a), Sampled::Seeds(b)) => {
                Sampled::Seeds(a.iter().zip(&b).map(|(x, y)| f(*x, *y)).collect())
            }
            (Sampled::Seeds(a), Sampled::Const { value, .. }) => {
                Sampled::Seeds(a.into_iter().map(|x| f(x, value)).collect())
            }
            (Sampled::Const { value, .. }, Sampled::Seeds(b)) => {
                Sampled::Seeds(b.into_iter().map(|y| f(value, y)).collect())
            }
            (
                Sampled::Const {
                    value: a,
                    std_err: sa,
                },
                Sampled::Const {
                    value: b,
                    std_err: sb,
                },
            ) => Sampled::Const {
                value: f(a, b),
                std_err: se(sa, sb),
            },
            // A statistic stays one per seed: paired with another per-seed value by seed.
            (Sampled::Statistic(a), Sampled::Const { value, .. }) => {
                Sampled::Statistic(a.into_iter().map(|x| f(x, value)).collect())
            }
            (Sampled::Const { value, .. }, Sampled::Statistic(b)) => {
                Sampled::Statistic(b.into_iter().map(|y| f(value, y)).collect())
            }
            (Sampled::Statistic(a), Sampled::Statistic(b) | Sampled::Seeds(b))
            | (Sampled::Seeds(a), Sampled::Statistic(b)) => {
                if a.len() != b.len() {
                    return Err(format!(
                        "a statistic of curves over {} seeds cannot be paired with a value over {} seeds",
                        a.len(),
                        b.len()
                    ));
                }
                Sampled::Statistic(a.iter().zip(&b).map(|(x, y)| f(*x, *y)).collect())
            }
        })
    }

    /// The Monte Carlo standard error carried by the constant parts.
    pub fn std_err(&self) -> f64 {
        match self {
            Sampled::Const { std_err, .. } => *std_err,
            _ => 0.0,
        }
    }
}

/// Evaluates a quantity; `Err` says why it has no value (e.g. a diverged run).
pub fn sample(q: &Quantity, ctx: &Ctx) -> Result<Sampled, String> {
    Ok(match q {
        Quantity::Const(v) => Sampled::constant(*v),
        Quantity::Truth(d, side) => {
            let t = match side {
                None => d.dist.truth(),
                Some(s) => d
                    .dist
                    .label_truth(*s)
                    .ok_or_else(|| "the data carries no labels".to_string())?,
            };
            Sampled::Const {
                value: t.value,
                std_err: t.std_err,
            }
        }
        Quantity::Estimate(i) => per_seed(&ctx.results.estimates[*i].per_seed)?,
        Quantity::Probe(i) => per_seed(&ctx.results.probes[*i].per_seed)?,
        Quantity::Neg(a) => sample(a, ctx)?.map(|v| -v, 1.0),
        Quantity::Bin(op, a, b) => {
            let (a, b) = (sample(a, ctx)?, sample(b, ctx)?);
            let (ma, mb) = (a.mean(), b.mean());
            let op = *op;
            // Standard errors of constants propagate to first order.
            a.zip(
                b,
                |x, y| apply_bin(op, x, y),
                move |sa, sb| match op {
                    BinOp::Add | BinOp::Sub => (sa * sa + sb * sb).sqrt(),
                    BinOp::Mul => ((mb * sa).powi(2) + (ma * sb).powi(2)).sqrt(),
                    BinOp::Div => ((sa / mb).powi(2) + (ma * sb / (mb * mb)).powi(2)).sqrt(),
                },
            )?
        }
        Quantity::Func(f, args) => {
            let vals: Vec<Sampled> = args
                .iter()
                .map(|a| sample(a, ctx))
                .collect::<Result<_, _>>()?;
            let f = *f;
            let mut it = vals.into_iter();
            let first = it.next().unwrap_or(Sampled::constant(f64::NAN));
            if f.is_variadic() {
                let mut acc = first;
                for v in it {
                    acc = acc.zip(v, |x, y| f.apply(&[x, y]), |sa, sb| sa.max(sb))?;
                }
                acc
            } else {
                // First-order propagation through f, by a central difference at the mean.
                let m = first.mean();
                let h = 1e-6 * m.abs().max(1.0);
                let slope = (f.apply(&[m + h]) - f.apply(&[m - h])) / (2.0 * h);
                first.map(
                    |v| f.apply(&[v]),
                    if slope.is_finite() { slope } else { 0.0 },
                )
            }
        }
        Quantity::Aggregate(agg, points) => {
            let vals: Vec<Sampled> = points
                .iter()
                .map(|p| sample(p, ctx))
                .collect::<Result<_, _>>()?;
            let n = vals.len() as f64;
            let mut it = vals.into_iter();
            let mut acc = it.next().unwrap_or(Sampled::constant(f64::NAN));
            for v in it {
                acc = match agg {
                    Agg::Mean => acc.zip(v, |x, y| x + y, |a, b| (a * a + b * b).sqrt())?,
                    Agg::Min => acc.zip(v, f64::min, f64::max)?,
                    Agg::Max => acc.zip(v, f64::max, f64::max)?,
                };
            }
            if *agg == Agg::Mean {
                acc.map(|x| x / n, 1.0 / n)
            } else {
                acc
            }
        }
        Quantity::Statistic(stat, a, b) => statistic(*stat, a, b.as_deref(), ctx)?,
        Quantity::SeedSd(a) => match sample(a, ctx)? {
            Sampled::Seeds(v) if v.len() >= 2 => {
                let n = v.len() as f64;
                let (_, sd) = stats::mean_sd(&v);
                Sampled::Const {
                    value: sd,
                    std_err: sd / (2.0 * (n - 1.0)).sqrt(),
                }
            }
            Sampled::Seeds(_) => return Err("a spread over seeds needs at least 2 seeds".into()),
            // A constant does not vary from seed to seed.
            Sampled::Const { .. } => Sampled::constant(0.0),
            Sampled::Statistic(_) => {
                return Err("seed_sd of a statistic of curves is not defined".into())
            }
        },
    })
}

/// The per-seed values of an estimate or probe; the first seed without one says why.
fn per_seed(results: &[Result<crate::train::Evaluation, String>]) -> Result<Sampled, String> {
    results
        .iter()
        .map(|r| r.as_ref().map(|e| e.mean).map_err(|why| why.clone()))
        .collect::<Result<Vec<f64>, String>>()
        .map(Sampled::Seeds)
}

/// The values of a curve as a matrix [point][seed]; constants are repeated over the seeds (at
/// least `min_seeds` of them, so that a constant curve lines up with a varying one).
pub fn curve_matrix(c: &Curve, ctx: &Ctx, min_seeds: usize) -> Result<Vec<Vec<f64>>, String> {
    let vals: Vec<Sampled> = c
        .points
        .iter()
        .map(|p| sample(p, ctx))
        .collect::<Result<_, _>>()?;
    let n = vals
        .iter()
        .map(|v| match v {
            Sampled::Seeds(s) => s.len(),
            _ => 1,
        })
        .max()
        .unwrap_or(1)
        .max(min_seeds);
    vals.into_iter()
        .map(|v| match v {
            Sampled::Seeds(s) if s.len() == n => Ok(s),
            Sampled::Seeds(_) => {
                Err("the points of a curve have different numbers of seeds".into())
            }
            Sampled::Const { value, .. } => Ok(vec![value; n]),
            Sampled::Statistic(_) => Err("a curve cannot be made of statistics of curves".into()),
        })
        .collect()
}

/// A deterministic stream for the bootstrap of one comparison (`--bootstrap`).
pub fn boot_rng(ctx: &Ctx, text: &str) -> rand_chacha::ChaCha8Rng {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ ctx.seed;
    for b in text.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x100_0000_01b3);
    }
    rand_chacha::ChaCha8Rng::seed_from_u64(h)
}

/// `reps` bootstrap resamples of seed indices 0..n.
pub fn resamples(n: usize, reps: usize, rng: &mut rand_chacha::ChaCha8Rng) -> Vec<Vec<usize>> {
    (0..reps)
        .map(|_| (0..n).map(|_| rng.random_range(0..n)).collect())
        .collect()
}

/// A statistic of each seed's curve: seed i's values along the sweep (for `corr`, against
/// seed i's values of the other curve; seeds share their streams across sweep points, so a
/// seed's curve is one replication of the whole experiment).
fn statistic(stat: Statistic, a: &Curve, b: Option<&Curve>, ctx: &Ctx) -> Result<Sampled, String> {
    let mut ma = curve_matrix(a, ctx, 1)?;
    let mut mb = b.map(|b| curve_matrix(b, ctx, 1)).transpose()?;
    if let (Some(m), Some(b)) = (&mb, b) {
        // Line a constant curve up with a varying one.
        let n = ma[0].len().max(m[0].len());
        ma = curve_matrix(a, ctx, n)?;
        mb = Some(curve_matrix(b, ctx, n)?);
    }
    let n = ma[0].len();
    if let Some(mb) = &mb {
        if mb[0].len() != n {
            return Err("the two curves of corr have different numbers of seeds".into());
        }
    }
    let column =
        |m: &[Vec<f64>], seed: usize| -> Vec<f64> { m.iter().map(|row| row[seed]).collect() };
    let per_seed = (0..n)
        .map(|seed| {
            let ya = column(&ma, seed);
            match stat {
                Statistic::MonotoneTrend => stats::spearman(&a.xs, &ya),
                Statistic::Argmax => {
                    let i = (0..ya.len())
                        .max_by(|&i, &j| ya[i].total_cmp(&ya[j]))
                        .unwrap_or(0);
                    a.xs[i]
                }
                Statistic::Corr(method) => {
                    let yb = column(mb.as_ref().expect("corr has two curves"), seed);
                    match method {
                        CorrMethod::Spearman => stats::spearman(&ya, &yb),
                        CorrMethod::Kendall => stats::kendall(&ya, &yb),
                        CorrMethod::Pearson => stats::pearson(&ya, &yb),
                    }
                }
            }
        })
        .collect();
    Ok(Sampled::Statistic(per_seed))
}
