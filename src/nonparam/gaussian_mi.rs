//! The Gaussian (CCA, log-det) estimator: the MI of the Gaussian with the sample covariance,
//! 0.5 ln(det S_xx det S_yy / det S) = -0.5 sum ln(1 - rho_i^2) over canonical correlations.
//! Exact for Gaussians; a lower bound on the MI of any distribution with that covariance.

use super::Estimator;
use crate::dist::Sample;

#[derive(Debug, Clone, Copy)]
pub struct GaussianMi;

impl Estimator for GaussianMi {
    fn name(&self) -> &'static str {
        "gaussian_mi"
    }

    /// The joint covariance and its factors.
    fn memory(&self, _n: usize, dx: usize, dy: usize) -> f64 {
        let d = (dx + dy) as f64;
        4.0 * d * d * 8.0
    }

    /// The covariance (n d^2 multiply-adds) and three determinants.
    fn work(&self, n: usize, dx: usize, dy: usize) -> f64 {
        let d = (dx + dy) as f64;
        2.0 * n as f64 * d * d + 2.0 * d * d * d
    }

    fn estimate(&self, s: &Sample) -> f64 {
        let (n, dx, dy) = (s.n, s.dim_x, s.dim_y);
        let d = dx + dy;
        let row = |i: usize| {
            s.x[i * dx..(i + 1) * dx]
                .iter()
                .chain(&s.y[i * dy..(i + 1) * dy])
        };
        let mut mean = vec![0.0; d];
        for i in 0..n {
            for (m, v) in mean.iter_mut().zip(row(i)) {
                *m += v / n as f64;
            }
        }
        let mut cov = vec![0.0; d * d];
        for i in 0..n {
            let c: Vec<f64> = row(i).zip(&mean).map(|(v, m)| v - m).collect();
            for a in 0..d {
                for b in 0..d {
                    cov[a * d + b] += c[a] * c[b] / (n as f64 - 1.0);
                }
            }
        }
        match crate::dist::multinormal::GaussianBlocks::new(&crate::dist::multinormal::Covariance {
            dim_x: dx,
            dim_y: dy,
            matrix: cov,
        }) {
            Some(g) => g.mi(),
            None => f64::NAN,
        }
    }
}
