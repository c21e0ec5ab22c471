//! Multivariate Student-t with nu degrees of freedom and dispersion S, split into X (dim_x) and
//! Y (dim_y). I(X;Y) = I_Gauss(S) + h(m) + h(n) - h(m + n) with
//! h(k) = lnG(nu/2) - lnG((nu+k)/2) + (k/2) ln(nu pi) + ((nu+k)/2) [psi((nu+k)/2) - psi(nu/2)]
//! (REFERENCE.md section 1; Czyz et al. 2023).

use rand_distr::{ChiSquared, Distribution as _};
use statrs::function::gamma::{digamma, ln_gamma};

use super::multinormal::GaussianBlocks;
use super::{Distribution, Rng, Sample, Truth};

#[derive(Debug, Clone)]
pub struct Student {
    pub g: GaussianBlocks,
    pub nu: f64,
}

impl Student {
    fn h(&self, k: usize) -> f64 {
        let (nu, k) = (self.nu, k as f64);
        ln_gamma(nu / 2.0) - ln_gamma((nu + k) / 2.0)
            + k / 2.0 * (nu * std::f64::consts::PI).ln()
            + (nu + k) / 2.0 * (digamma((nu + k) / 2.0) - digamma(nu / 2.0))
    }

    fn log_c(&self, k: usize) -> f64 {
        log_c(self.nu, k)
    }
}

/// The log normalising constant of a k-dimensional t density with nu degrees of freedom
/// (without the determinant of the dispersion).
pub(super) fn log_c(nu: f64, k: usize) -> f64 {
    let k = k as f64;
    ln_gamma((nu + k) / 2.0) - ln_gamma(nu / 2.0) - k / 2.0 * (nu * std::f64::consts::PI).ln()
}

impl Distribution for Student {
    fn dim_x(&self) -> usize {
        self.g.dim_x
    }

    fn dim_y(&self) -> usize {
        self.g.dim_y
    }

    fn sample(&self, n: usize, rng: &mut Rng) -> Sample {
        let chi = ChiSquared::new(self.nu).expect("dof > 0 is checked");
        let nu = self.nu;
        self.g
            .sample_with(n, rng, move |r| 1.0 / (chi.sample(r) / nu).sqrt())
    }

    fn truth(&self) -> Truth {
        let (m, n) = (self.g.dim_x, self.g.dim_y);
        Truth {
            value: self.g.mi() + self.h(m) + self.h(n) - self.h(m + n),
            std_err: 0.0,
        }
    }

    fn quadratic_pmi(&self) -> Option<super::QuadraticPmi> {
        let (m, n) = (self.g.dim_x, self.g.dim_y);
        Some(super::QuadraticPmi::Student {
            forms: self.g.forms()?,
            c: self.log_c(m + n)
                - self.log_c(m)
                - self.log_c(n)
                - 0.5 * (self.g.ld - self.g.ldx - self.g.ldy),
            nu: self.nu,
        })
    }

    fn pointwise_mi(&self, x: &[f64], y: &[f64]) -> Option<f64> {
        let (m, n, nu) = (self.g.dim_x, self.g.dim_y, self.nu);
        let (q, qx, qy) = self.g.quad_forms(x, y);
        let tail = |k: usize, q: f64| -((nu + k as f64) / 2.0) * (1.0 + q / nu).ln();
        Some(
            self.log_c(m + n)
                - self.log_c(m)
                - self.log_c(n)
                - 0.5 * (self.g.ld - self.g.ldx - self.g.ldy)
                + tail(m + n, q)
                - tail(m, qx)
                - tail(n, qy),
        )
    }
}
