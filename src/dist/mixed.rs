//! Discrete-continuous mixtures with exact truths (the two tasks of Gao, Kannan, Oh and
//! Viswanath, NeurIPS 2017, on which k-NN estimators that assume densities break down):
//!
//! - `UniformShift`: X uniform on {0, ..., m-1}, Y = X + U(0, 2). p(y | x) = 1/2 on [x, x+2]
//!   and p(y) = c(y) / (2m) with c(y) in {1, 2} the number of x whose interval holds y, so
//!   ln r = ln(m / c(y)); c = 1 with probability 1/m, hence I = ln m - (1 - 1/m) ln 2.
//! - `ZeroInflatedPoisson`: X ~ Exp(1); Y = 0 with probability p, else Y ~ Poisson(X). With
//!   P(Y = k) = (1 - p) 2^-(k+1) for k >= 1 and P(Y = 0) = p + (1 - p)/2:
//!   I = (1 - p) (I_0 - T_0) + int_0^inf e^-x a(x) ln(a(x) / P(Y = 0)) dx, where
//!   a(x) = p + (1 - p) e^-x, I_0 = 2 ln 2 - gamma - sum_k ln k 2^-k = 0.30124 (the MI without
//!   inflation) and T_0 = ln 2 / 2 - 1/4 (its Y = 0 term). The integral is computed by Simpson's
//!   rule. (1 - p) I_0, which bmi's `ZeroInflatedPoissonizationSampler` states as the truth,
//!   is exact only at p = 0: by the joint convexity of KL it is an upper bound, 0.2561 against
//!   the exact 0.2298 at p = 0.15.

use rand::RngExt as _;
use rand_distr::{Distribution as _, Exp1, Poisson};

use super::{Distribution, Rng, Sample, Truth};

#[derive(Debug, Clone)]
pub struct UniformShift {
    pub m: usize,
}

impl Distribution for UniformShift {
    fn dim_x(&self) -> usize {
        1
    }
    fn dim_y(&self) -> usize {
        1
    }
    fn sample(&self, n: usize, rng: &mut Rng) -> Sample {
        let x: Vec<f64> = (0..n).map(|_| rng.random_range(0..self.m) as f64).collect();
        let y = x.iter().map(|&v| v + 2.0 * rng.random::<f64>()).collect();
        Sample {
            n,
            dim_x: 1,
            dim_y: 1,
            x,
            y,
        }
    }
    fn truth(&self) -> Truth {
        let m = self.m as f64;
        Truth {
            value: m.ln() - (1.0 - 1.0 / m) * 2f64.ln(),
            std_err: 0.0,
        }
    }
    fn pointwise_mi(&self, x: &[f64], y: &[f64]) -> Option<f64> {
        let (x, y, m) = (x[0], y[0], self.m as f64);
        // Outside the joint support (y not in [x, x + 2], or x not a symbol) the ratio is 0.
        let symbol = x >= 0.0 && x < m && x.fract() == 0.0;
        if !symbol || y < x || y > x + 2.0 {
            return None;
        }
        // Symbols j with y in [j, j + 2]: j in [y - 2, y], clipped to 0 .. m - 1.
        let lo = (y - 2.0).ceil().max(0.0);
        let hi = y.floor().min(m - 1.0);
        let c = (hi - lo + 1.0).max(1.0);
        Some((m / c).ln())
    }
}

#[derive(Debug, Clone)]
pub struct ZeroInflatedPoisson {
    pub p: f64,
}

/// sum_k ln(k) 2^-k, to double precision.
fn log_series() -> f64 {
    (2..200).map(|k| (k as f64).ln() * 0.5f64.powi(k)).sum()
}

/// The MI of X ~ Exp(1), Y ~ Poisson(X): 2 ln 2 - gamma - sum_k ln k 2^-k.
pub fn poisson_exponential_mi() -> f64 {
    const EULER_GAMMA: f64 = 0.577_215_664_901_532_9;
    2.0 * 2f64.ln() - EULER_GAMMA - log_series()
}

impl ZeroInflatedPoisson {
    fn p_zero(&self) -> f64 {
        self.p + (1.0 - self.p) / 2.0
    }
}

impl Distribution for ZeroInflatedPoisson {
    fn dim_x(&self) -> usize {
        1
    }
    fn dim_y(&self) -> usize {
        1
    }
    fn sample(&self, n: usize, rng: &mut Rng) -> Sample {
        let mut s = Sample {
            n,
            dim_x: 1,
            dim_y: 1,
            x: Vec::with_capacity(n),
            y: Vec::with_capacity(n),
        };
        for _ in 0..n {
            let x: f64 = Exp1.sample(rng);
            let inflated = rng.random::<f64>() < self.p;
            let y = if inflated || x <= 0.0 {
                0.0
            } else {
                Poisson::new(x).map_or(0.0, |d| d.sample(rng))
            };
            s.x.push(x);
            s.y.push(y);
        }
        s
    }
    fn truth(&self) -> Truth {
        let p = self.p;
        let p0 = self.p_zero();
        let t0 = 2f64.ln() / 2.0 - 0.25;
        // Simpson's rule on [0, 60] (the integrand decays like e^-x).
        let f = |x: f64| {
            let a = p + (1.0 - p) * (-x).exp();
            (-x).exp() * a * (a / p0).ln()
        };
        let (n, l) = (20_000, 60.0);
        let h = l / n as f64;
        let mut sum = f(0.0) + f(l);
        for i in 1..n {
            sum += f(i as f64 * h) * if i % 2 == 1 { 4.0 } else { 2.0 };
        }
        Truth {
            value: (1.0 - p) * (poisson_exponential_mi() - t0) + sum * h / 3.0,
            std_err: 0.0,
        }
    }
    fn pointwise_mi(&self, x: &[f64], y: &[f64]) -> Option<f64> {
        let (x, y) = (x[0], y[0]);
        if x < 0.0 || y < 0.0 || y.fract() != 0.0 {
            return None;
        }
        if y == 0.0 {
            let a = self.p + (1.0 - self.p) * (-x).exp();
            return Some((a / self.p_zero()).ln());
        }
        if x == 0.0 {
            return None;
        }
        // ln[e^-x x^k / k!] - ln 2^-(k+1); the factor 1 - p cancels.
        let k = y;
        Some(-x + k * x.ln() - statrs::function::gamma::ln_gamma(k + 1.0) + (k + 1.0) * 2f64.ln())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Monte Carlo mean of the pointwise MI over 200,000 draws agrees with the stated truth
    /// within four standard errors, for both tasks at several parameters.
    #[test]
    fn monte_carlo_agrees_with_the_truths() {
        let dists: Vec<Box<dyn Distribution>> = vec![
            Box::new(UniformShift { m: 5 }),
            Box::new(UniformShift { m: 2 }),
            Box::new(ZeroInflatedPoisson { p: 0.0 }),
            Box::new(ZeroInflatedPoisson { p: 0.15 }),
            Box::new(ZeroInflatedPoisson { p: 0.6 }),
        ];
        for d in dists {
            let n = 200_000;
            let s = d.sample(n, &mut crate::dist::stream(1, 0, "mc"));
            let v: Vec<f64> = (0..n)
                .map(|i| {
                    d.pointwise_mi(&s.x[i..i + 1], &s.y[i..i + 1])
                        .expect("in support")
                })
                .collect();
            let mean = v.iter().sum::<f64>() / n as f64;
            let var = v.iter().map(|a| (a - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
            let se = (var / n as f64).sqrt();
            let truth = d.truth().value;
            assert!(
                (mean - truth).abs() < 4.0 * se + 1e-4,
                "{d:?}: MC {mean} +- {se} vs {truth}"
            );
        }
    }

    /// Closed forms: without inflation the MI is 2 ln 2 - gamma - sum ln k 2^-k = 0.30124
    /// (computed); the uniform shift with m = 5 has ln 5 - 0.8 ln 2 = 1.05492.
    #[test]
    fn closed_forms() {
        assert!((poisson_exponential_mi() - 0.301_244_8).abs() < 1e-6);
        let zip = ZeroInflatedPoisson { p: 0.0 }.truth().value;
        assert!((zip - 0.301_244_8).abs() < 1e-6, "{zip}");
        let u = UniformShift { m: 5 }.truth().value;
        assert!((u - (5f64.ln() - 0.8 * 2f64.ln())).abs() < 1e-12);
        assert!((u - 1.054_92).abs() < 1e-5, "{u}");
        // Inflation lowers the MI below (1 - p) times the uninflated value.
        let p = 0.15;
        assert!(ZeroInflatedPoisson { p }.truth().value < (1.0 - p) * 0.301_244_8 - 0.02);
    }
}
