//! Batches that are not i.i.d.: the correlated Gaussian of `gaussian`, drawn in groups of
//! `group` consecutive pairs whose x share a latent c ~ N(0, I): member k of a group has
//! x = sqrt(|s|) sign_k c + sqrt(1 - |s|) u (u ~ N(0, I) its own), with sign_k = +1 for a share
//! s >= 0 and alternating +1, -1 for s < 0 (antithetic members), then y = rho x +
//! sqrt(1 - rho^2) e as usual. Every pair on its own is the correlated Gaussian (x ~ N(0, I)),
//! so the truth, the pointwise MI and the oracle are its; but the negatives a batch offers are
//! correlated with the positive (s > 0) or pushed away from it (s < 0), which is the i.i.d.
//! assumption every contrastive bound rests on (Tschannen et al. 2020). A batch of K rows holds
//! K / group whole groups when group divides K; draws for evaluation are cut into batches in
//! order, so the same holds there.

use rand_distr::{Distribution as _, StandardNormal};

use super::gaussian::Gaussian;
use super::{Distribution, QuadraticPmi, Rng, Sample, Truth};

#[derive(Debug, Clone)]
pub struct SharedLatent {
    pub pair: Gaussian,
    /// in (-1, 1): the correlation of x between members of a group (alternating in sign when
    /// negative)
    pub share: f64,
    pub group: usize,
}

impl Distribution for SharedLatent {
    fn dim_x(&self) -> usize {
        self.pair.dim
    }
    fn dim_y(&self) -> usize {
        self.pair.dim
    }
    fn sample(&self, n: usize, rng: &mut Rng) -> Sample {
        let d = self.pair.dim;
        let rho = self.pair.rho;
        let (a, b) = (self.share.abs().sqrt(), (1.0 - self.share.abs()).sqrt());
        let noise = (1.0 - rho * rho).sqrt();
        let mut s = Sample {
            n,
            dim_x: d,
            dim_y: d,
            x: Vec::with_capacity(n * d),
            y: Vec::with_capacity(n * d),
        };
        let mut c = vec![0.0; d];
        for i in 0..n {
            let k = i % self.group.max(1);
            if k == 0 {
                c.iter_mut().for_each(|v| *v = StandardNormal.sample(rng));
            }
            let sign = if self.share < 0.0 && k % 2 == 1 {
                -1.0
            } else {
                1.0
            };
            for cv in &c {
                let u: f64 = StandardNormal.sample(rng);
                let e: f64 = StandardNormal.sample(rng);
                let x = sign * a * cv + b * u;
                s.x.push(x);
                s.y.push(rho * x + noise * e);
            }
        }
        s
    }
    fn truth(&self) -> Truth {
        self.pair.truth()
    }
    fn pointwise_mi(&self, x: &[f64], y: &[f64]) -> Option<f64> {
        self.pair.pointwise_mi(x, y)
    }
    fn quadratic_pmi(&self) -> Option<QuadraticPmi> {
        self.pair.quadratic_pmi()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each pair is the correlated Gaussian (x variance 1, corr(x, y) = rho), members of a group
    /// are correlated by the share (alternating in sign when it is negative), and groups are
    /// independent: sample moments over 40,000 groups of 2, within 0.02.
    #[test]
    fn moments() {
        for share in [0.6, -0.6] {
            let d = SharedLatent {
                pair: Gaussian { dim: 1, rho: 0.5 },
                share,
                group: 2,
            };
            let s = d.sample(80_000, &mut crate::dist::stream(0, 0, "test"));
            let n = s.n as f64;
            let var_x = s.x.iter().map(|v| v * v).sum::<f64>() / n;
            let cov_xy = s.x.iter().zip(&s.y).map(|(a, b)| a * b).sum::<f64>() / n;
            let within: f64 = s.x.chunks(2).map(|p| p[0] * p[1]).sum::<f64>() / (n / 2.0);
            let across: f64 = s.x[1..]
                .chunks(2)
                .filter(|p| p.len() == 2)
                .map(|p| p[0] * p[1])
                .sum::<f64>()
                / (n / 2.0 - 1.0);
            assert!((var_x - 1.0).abs() < 0.02, "{var_x}");
            assert!((cov_xy - 0.5).abs() < 0.02, "{cov_xy}");
            assert!((within - share).abs() < 0.02, "{share}: {within}");
            assert!(across.abs() < 0.02, "{share}: {across}");
        }
    }
}
