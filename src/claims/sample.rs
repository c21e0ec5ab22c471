//! Quantities evaluated seed by seed. Estimates vary over seeds; constants and ground truths do
//! not (a Monte Carlo ground truth carries its standard error instead).

use crate::check::{apply_bin, Quantity};
use crate::syntax::ast::BinOp;
use crate::train::Results;

/// A quantity's value: per seed (seed i of every run shares its streams, so values with the
/// same index are paired), or one constant with a standard error.
#[derive(Debug, Clone, PartialEq)]
pub enum Sampled {
    Seeds(Vec<f64>),
    Const { value: f64, std_err: f64 },
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
        }
    }

    fn map(self, f: impl Fn(f64) -> f64, se_scale: f64) -> Sampled {
        match self {
            Sampled::Seeds(v) => Sampled::Seeds(v.into_iter().map(f).collect()),
            Sampled::Const { value, std_err } => Sampled::Const {
                value: f(value),
                std_err: std_err * se_scale.abs(),
            },
        }
    }

    /// Combines two values seed by seed (over the seeds both have).
    pub fn zip(
        self,
        other: Sampled,
        f: impl Fn(f64, f64) -> f64,
        se: impl Fn(f64, f64) -> f64,
    ) -> Sampled {
        match (self, other) {
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
        }
    }

    /// The Monte Carlo standard error carried by the constant parts.
    pub fn std_err(&self) -> f64 {
        match self {
            Sampled::Seeds(_) => 0.0,
            Sampled::Const { std_err, .. } => *std_err,
        }
    }
}

/// Evaluates a quantity; `Err` says why some seed has no value (e.g. a diverged run).
pub fn sample(q: &Quantity, results: &Results) -> Result<Sampled, String> {
    Ok(match q {
        Quantity::Const(v) => Sampled::constant(*v),
        Quantity::Truth(d) => {
            let t = d.dist.truth();
            Sampled::Const {
                value: t.value,
                std_err: t.std_err,
            }
        }
        Quantity::Estimate(i) => {
            let per_seed = &results.estimates[*i].per_seed;
            let mut vals = Vec::with_capacity(per_seed.len());
            for r in per_seed {
                match r {
                    Ok(e) => vals.push(e.mean),
                    Err(reason) => return Err(reason.clone()),
                }
            }
            Sampled::Seeds(vals)
        }
        Quantity::Neg(a) => sample(a, results)?.map(|v| -v, 1.0),
        Quantity::Bin(op, a, b) => {
            let (a, b) = (sample(a, results)?, sample(b, results)?);
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
            )
        }
        Quantity::Func(f, args) => {
            let vals: Vec<Sampled> = args
                .iter()
                .map(|a| sample(a, results))
                .collect::<Result<_, _>>()?;
            let f = *f;
            let mut it = vals.into_iter();
            let first = it.next().unwrap_or(Sampled::constant(f64::NAN));
            if f.is_variadic() {
                it.fold(first, |acc, v| {
                    acc.zip(v, |x, y| f.apply(&[x, y]), |sa, sb| sa.max(sb))
                })
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
    })
}
