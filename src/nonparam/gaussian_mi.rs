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
        let (_, cov) = super::mean_covariance(&super::joint_rows(s), n, dx + dy);
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
