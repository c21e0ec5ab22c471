//! The correlated Gaussian of Poole et al.: x ~ N(0, I_d), y = rho x + sqrt(1 - rho^2) eps,
//! with I(X;Y) = -(d/2) ln(1 - rho^2) (REFERENCE.md section 1). Given `mi`, rho is solved
//! from it: rho = sqrt(1 - exp(-2 mi / d)).

use rand_distr::{Distribution as _, StandardNormal};

use super::{Distribution, Rng, Sample, Truth};

/// The correlated Gaussian.
#[derive(Debug, Clone, PartialEq)]
pub struct Gaussian {
    pub dim: usize,
    pub rho: f64,
}

impl Gaussian {
    pub fn rho_for_mi(dim: usize, mi: f64) -> f64 {
        (1.0 - (-2.0 * mi / dim as f64).exp()).sqrt()
    }
}

impl Distribution for Gaussian {
    fn dim_x(&self) -> usize {
        self.dim
    }

    fn dim_y(&self) -> usize {
        self.dim
    }

    fn sample(&self, n: usize, rng: &mut Rng) -> Sample {
        let d = self.dim;
        let s = (1.0 - self.rho * self.rho).sqrt();
        let mut x = Vec::with_capacity(n * d);
        let mut y = Vec::with_capacity(n * d);
        for _ in 0..n * d {
            let a: f64 = StandardNormal.sample(rng);
            let e: f64 = StandardNormal.sample(rng);
            x.push(a);
            y.push(self.rho * a + s * e);
        }
        Sample {
            n,
            dim_x: d,
            dim_y: d,
            x,
            y,
        }
    }

    fn truth(&self) -> Truth {
        Truth {
            value: -(self.dim as f64) / 2.0 * (1.0 - self.rho * self.rho).ln(),
            std_err: 0.0,
        }
    }

    /// S = [[I, rho I], [rho I, I]], so S^-1 = [[I, -rho I], [-rho I, I]] / (1 - rho^2) and
    /// S_xx = S_yy = I.
    fn quadratic_pmi(&self) -> Option<super::QuadraticPmi> {
        let d = self.dim;
        let v = 1.0 - self.rho * self.rho;
        let diag = |value: f64| {
            let mut m = vec![0.0; d * d];
            (0..d).for_each(|i| m[i * d + i] = value);
            m
        };
        Some(super::QuadraticPmi::Gaussian {
            forms: super::QuadraticForms {
                pxx: diag(1.0 / v),
                pxy: diag(-self.rho / v),
                pyy: diag(1.0 / v),
                sxx_inv: diag(1.0),
                syy_inv: diag(1.0),
            },
            c: -0.5 * d as f64 * v.ln(),
        })
    }

    fn pointwise_mi(&self, x: &[f64], y: &[f64]) -> Option<f64> {
        // Per coordinate: ln N(y; rho x, 1 - rho^2) - ln N(y; 0, 1).
        let r2 = self.rho * self.rho;
        let v = 1.0 - r2;
        let total = x
            .iter()
            .zip(y)
            .map(|(&a, &b)| {
                let d = b - self.rho * a;
                -0.5 * v.ln() - d * d / (2.0 * v) + b * b / 2.0
            })
            .sum();
        Some(total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// REFERENCE.md: d = 20 gives 2, 4, 6, 8, 10 nats at rho = 0.4258 .. 0.7951.
    #[test]
    fn rho_matches_reference_table() {
        let table = [
            (2.0, 0.4258),
            (4.0, 0.5742),
            (6.0, 0.6717),
            (8.0, 0.7421),
            (10.0, 0.7951),
        ];
        for (mi, rho) in table {
            let r = Gaussian::rho_for_mi(20, mi);
            assert!((r - rho).abs() < 5e-4, "mi {mi}: rho {r} vs {rho}");
            let g = Gaussian { dim: 20, rho };
            assert!(
                (g.truth().value - mi).abs() < 0.01,
                "rho {rho}: {}",
                g.truth().value
            );
        }
    }

    /// Monte Carlo mean of the pointwise MI from the sampler agrees with the closed form.
    #[test]
    fn monte_carlo_pointwise_mi_agrees() {
        let g = Gaussian { dim: 3, rho: 0.6 };
        let mut rng = super::super::stream(7, 0, "test");
        let n = 200_000;
        let s = g.sample(n, &mut rng);
        let vals: Vec<f64> = (0..n)
            .map(|i| {
                g.pointwise_mi(&s.x[i * 3..i * 3 + 3], &s.y[i * 3..i * 3 + 3])
                    .unwrap()
            })
            .collect();
        let mean = vals.iter().sum::<f64>() / n as f64;
        let var = vals.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        let se = (var / n as f64).sqrt();
        let truth = g.truth().value;
        assert!(
            (mean - truth).abs() < 4.0 * se,
            "{mean} vs {truth} (se {se})"
        );
    }

    /// The sample correlation of each coordinate is rho.
    #[test]
    fn sampler_has_the_stated_correlation() {
        let g = Gaussian { dim: 2, rho: 0.8 };
        let mut rng = super::super::stream(1, 0, "test");
        let n = 100_000;
        let s = g.sample(n, &mut rng);
        let mut sxy = 0.0;
        let mut sxx = 0.0;
        let mut syy = 0.0;
        for i in 0..n {
            let (a, b) = (s.x[i * 2], s.y[i * 2]);
            sxy += a * b;
            sxx += a * a;
            syy += b * b;
        }
        let r = sxy / (sxx * syy).sqrt();
        assert!((r - 0.8).abs() < 0.005, "{r}");
    }
}
