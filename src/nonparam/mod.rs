//! L1 (above dist), non-neural MI estimators: the baselines a claim about a neural estimate is
//! compared with. Each takes a sample and returns one number; a run declared with one of them
//! (`ksg(data: d, samples: 2000, seeds: 5)`) gives one estimate per seed like a trained run.
//! Each estimator is one file; its entry lives in `catalog::runs`.

mod boxtree;
pub mod gaussian_mi;
pub mod histogram;
pub mod kde;
pub mod ksg;

use std::fmt;

use crate::dist::Sample;

/// A non-neural estimator of I(X;Y) from a sample.
pub trait Estimator: Send + Sync + fmt::Debug {
    fn name(&self) -> &'static str;
    fn estimate(&self, s: &Sample) -> f64;

    /// Bytes the estimator holds besides the sample (n pairs of widths dx, dy): by default
    /// standardised copies of it. An estimate for budgets, not an accounting.
    fn memory(&self, n: usize, dx: usize, dy: usize) -> f64 {
        2.0 * n as f64 * (dx + dy) as f64 * 8.0
    }

    /// Floating-point operations (or their equivalent in time) of one estimate; by default a
    /// few passes over the sample.
    fn work(&self, n: usize, dx: usize, dy: usize) -> f64 {
        10.0 * n as f64 * (dx + dy) as f64
    }
}

/// The rows [x_i, y_i] of a sample, row-major n x (dim_x + dim_y).
pub fn joint_rows(s: &Sample) -> Vec<f64> {
    let (dx, dy) = (s.dim_x, s.dim_y);
    (0..s.n)
        .flat_map(|i| {
            s.x[i * dx..(i + 1) * dx]
                .iter()
                .chain(&s.y[i * dy..(i + 1) * dy])
                .copied()
        })
        .collect()
}

/// The column means and the sample covariance (n - 1 in the denominator, row-major d x d) of
/// a row-major n x d matrix.
pub fn mean_covariance(v: &[f64], n: usize, d: usize) -> (Vec<f64>, Vec<f64>) {
    let mut mean = vec![0.0; d];
    for row in v.chunks(d) {
        for (m, x) in mean.iter_mut().zip(row) {
            *m += x / n as f64;
        }
    }
    let mut cov = vec![0.0; d * d];
    for row in v.chunks(d) {
        let c: Vec<f64> = row.iter().zip(&mean).map(|(x, m)| x - m).collect();
        for a in 0..d {
            for b in 0..d {
                cov[a * d + b] += c[a] * c[b] / (n as f64 - 1.0);
            }
        }
    }
    (mean, cov)
}

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
