//! Diagonal Gaussian log-densities as matrices: `ln N(y_i; mu_j, diag(sigma_j^2))` for every
//! row y_i against every (mu_j, ln sigma_j), computed with three matrix products instead of a
//! K x K x D tensor. The conditional critic (rows y, columns x through mu(x), sigma(x)) and
//! the density models of the difference-of-entropies bound (columns: mixture components) share
//! it.

use candle_core::{Result, Tensor, D};

/// ln(2 pi) / 2
const HALF_LN_2PI: f64 = 0.918_938_533_204_672_7;

/// The N x M matrix `ln N(y_i; mu_j, diag(exp(2 log_sigma_j)))` for y: N x D, mu and
/// log_sigma: M x D (log_sigma may be 1 x D, shared by every column).
///
/// Expanded: -1/2 sum_d (y_id - mu_jd)^2 p_jd - sum_d ln sigma_jd - D/2 ln 2 pi with
/// p = sigma^-2, i.e. -1/2 (y^2 p^T) + y (mu p)^T - (1/2 sum_d mu^2 p + sum_d ln sigma)_j.
pub fn gaussian_log_density(y: &Tensor, mu: &Tensor, log_sigma: &Tensor) -> Result<Tensor> {
    let (m, d) = mu.dims2()?;
    let log_sigma = log_sigma.broadcast_as((m, d))?;
    let precision = (&log_sigma * -2.0)?.exp()?;
    let quad = y.sqr()?.matmul(&precision.t()?)?;
    let cross = y.matmul(&(mu * &precision)?.t()?)?;
    let per_column = ((mu.sqr()? * &precision)?.sum(D::Minus1)? * 0.5)?
        .add(&log_sigma.sum(D::Minus1)?)?
        .affine(1.0, d as f64 * HALF_LN_2PI)?;
    (cross - (quad * 0.5)?)?.broadcast_sub(&per_column.unsqueeze(0)?)
}

/// The midpoints of an n x n grid of cells over [lo, hi]^2 as an n^2 x 2 tensor, and the
/// area of one cell: for integrating a 2-D density in tests.
#[cfg(test)]
pub(crate) fn square_grid(n: usize, lo: f32, hi: f32, dev: &candle_core::Device) -> (Tensor, f64) {
    let h = (hi - lo) / n as f32;
    let grid: Vec<f32> = (0..n * n)
        .flat_map(|k| {
            let (i, j) = (k / n, k % n);
            [lo + (i as f32 + 0.5) * h, lo + (j as f32 + 0.5) * h]
        })
        .collect();
    (
        Tensor::from_vec(grid, (n * n, 2), dev).expect("a grid"),
        (h as f64).powi(2),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    /// Against the density written out coordinate by coordinate, for a 2 x 3 grid in two
    /// dimensions with a column-specific scale.
    #[test]
    fn matches_the_density_written_out() {
        let dev = Device::Cpu;
        let y = [[0.3f32, -1.2], [2.0, 0.5]];
        let mu = [[0.0f32, 0.0], [1.0, -1.0], [-0.5, 2.0]];
        let ls = [[0.0f32, 0.0], [0.5, -0.3], [-1.0, 0.2]];
        let got: Vec<Vec<f32>> = gaussian_log_density(
            &Tensor::new(&y, &dev).unwrap(),
            &Tensor::new(&mu, &dev).unwrap(),
            &Tensor::new(&ls, &dev).unwrap(),
        )
        .unwrap()
        .to_vec2()
        .unwrap();
        for i in 0..2 {
            for j in 0..3 {
                let mut want = 0.0f64;
                for d in 0..2 {
                    let s = (ls[j][d] as f64).exp();
                    let z = (y[i][d] as f64 - mu[j][d] as f64) / s;
                    want += -0.5 * z * z - s.ln() - 0.5 * (2.0 * std::f64::consts::PI).ln();
                }
                assert!(
                    (got[i][j] as f64 - want).abs() < 1e-5,
                    "{i},{j}: {} vs {want}",
                    got[i][j]
                );
            }
        }
    }
}
