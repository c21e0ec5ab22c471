//! Kernel density plug-in estimator (bmi's `KDEMutualInformationEstimator` with scipy's
//! defaults): I = H(X) + H(Y) - H(X, Y), each entropy the resubstitution estimate
//! -mean_i ln p_hat(z_i) of a Gaussian kernel density whose kernel covariance is the sample
//! covariance times h^2, h = n^(-1/(d+4)) (Scott's rule, d the space's width). Computed in
//! whitened coordinates w = L^-1 (z - mean) with S = L L^T, where the kernel is isotropic:
//! H(Z) = H(W) + ln det L. Biased (the bandwidth smooths, resubstitution counts each point's
//! own kernel), and costs n^2 d: for low dimensions and a few thousand pairs.

use super::Estimator;
use crate::dist::linalg::cholesky;
use crate::dist::Sample;

#[derive(Debug, Clone, Copy)]
pub struct Kde;

/// The resubstitution entropy of the rows of an n x d matrix (nats), or NaN when its sample
/// covariance is singular.
fn entropy(v: &[f64], n: usize, d: usize) -> f64 {
    let (mean, cov) = super::mean_covariance(v, n, d);
    let Some(l) = cholesky(&cov, d) else {
        return f64::NAN;
    };
    let log_det_l: f64 = (0..d).map(|k| l[k * d + k].ln()).sum();
    // Whiten by forward substitution: L w = z - mean.
    let mut w = vec![0.0; n * d];
    for i in 0..n {
        for a in 0..d {
            let mut s = v[i * d + a] - mean[a];
            for b in 0..a {
                s -= l[a * d + b] * w[i * d + b];
            }
            w[i * d + a] = s / l[a * d + a];
        }
    }
    let h = (n as f64).powf(-1.0 / (d as f64 + 4.0));
    let inv2h2 = 1.0 / (2.0 * h * h);
    // ln of the kernel's normalising constant (2 pi h^2)^(d/2), and ln n.
    let log_norm = 0.5 * d as f64 * (2.0 * std::f64::consts::PI * h * h).ln();
    let log_n = (n as f64).ln();
    let mut total = 0.0;
    let mut terms = vec![0.0; n];
    for i in 0..n {
        let wi = &w[i * d..(i + 1) * d];
        for (j, t) in terms.iter_mut().enumerate() {
            let wj = &w[j * d..(j + 1) * d];
            *t = -inv2h2
                * wi.iter()
                    .zip(wj)
                    .map(|(a, b)| (a - b) * (a - b))
                    .sum::<f64>();
        }
        let m = terms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let lse = m + terms.iter().map(|t| (t - m).exp()).sum::<f64>().ln();
        total += lse - log_n - log_norm;
    }
    -total / n as f64 + log_det_l
}

impl Estimator for Kde {
    fn name(&self) -> &'static str {
        "kde"
    }

    /// Three n x d whitened copies and a row of n kernel terms.
    fn memory(&self, n: usize, dx: usize, dy: usize) -> f64 {
        n as f64 * (3.0 * (dx + dy) as f64 + 1.0) * 8.0
    }

    /// Three passes over all n^2 pairs (joint, x, y), two flops per coordinate plus an
    /// exponential per pair.
    fn work(&self, n: usize, dx: usize, dy: usize) -> f64 {
        let n = n as f64;
        n * n * (4.0 * (dx + dy) as f64 + 3.0 * 20.0)
    }

    fn estimate(&self, s: &Sample) -> f64 {
        let (n, dx, dy) = (s.n, s.dim_x, s.dim_y);
        if n < 3 {
            return f64::NAN;
        }
        entropy(&s.x, n, dx) + entropy(&s.y, n, dy) - entropy(&super::joint_rows(s), n, dx + dy)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dist::Distribution as _;

    /// Three points on a line, by hand: variance 1 (points -1, 0, 1, n - 1 in the
    /// denominator), h = 3^(-1/5), and p_hat(z_i) = (1/3) sum_j N(z_i; z_j, h^2).
    #[test]
    fn entropy_by_hand() {
        let v = [-1.0, 0.0, 1.0];
        let h = 3f64.powf(-0.2);
        let k = |t: f64| (-t * t / (2.0 * h * h)).exp() / (h * (2.0 * std::f64::consts::PI).sqrt());
        let p = [
            (k(0.0) + k(1.0) + k(2.0)) / 3.0,
            (k(1.0) + k(0.0) + k(1.0)) / 3.0,
            (k(2.0) + k(1.0) + k(0.0)) / 3.0,
        ];
        let want = -(p.iter().map(|q| q.ln()).sum::<f64>()) / 3.0;
        let got = entropy(&v, 3, 1);
        assert!((got - want).abs() < 1e-12, "{got} vs {want}");
    }

    /// On a 1 + 1-dim Gaussian with 0.5 nats and 2,000 pairs the estimate is within 0.08 of
    /// the truth (the smoothing and resubstitution bias is about +0.05 here; leaving out the
    /// log-determinant would be 0.5 off, a wrong bandwidth more), and on independent data
    /// within 0.03 of 0.
    #[test]
    fn near_the_truth_in_one_dimension() {
        use crate::dist::gaussian::Gaussian;
        let g = Gaussian {
            dim: 1,
            rho: Gaussian::rho_for_mi(1, 0.5),
        };
        let s = g.sample(2000, &mut crate::dist::stream(3, 0, "kde"));
        let v = Kde.estimate(&s);
        assert!((v - 0.5).abs() < 0.08, "{v}");
        let i = crate::dist::independent::Independent { dim_x: 1, dim_y: 1 };
        let s = i.sample(2000, &mut crate::dist::stream(3, 0, "kde"));
        let v = Kde.estimate(&s);
        assert!(v.abs() < 0.03, "{v}");
    }
}
