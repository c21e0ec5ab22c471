//! Additive uniform noise: X ~ U(0, 1), Y = X + U(-eps, eps). I = eps - ln(2 eps) for
//! eps <= 1/2, else 1/(4 eps) (REFERENCE.md section 1).

use rand::RngExt as _;

use super::{Distribution, Rng, Sample, Truth};

#[derive(Debug, Clone)]
pub struct AdditiveUniform {
    pub eps: f64,
}

impl Distribution for AdditiveUniform {
    fn dim_x(&self) -> usize {
        1
    }

    fn dim_y(&self) -> usize {
        1
    }

    fn sample(&self, n: usize, rng: &mut Rng) -> Sample {
        let x: Vec<f64> = (0..n).map(|_| rng.random::<f64>()).collect();
        let y = x
            .iter()
            .map(|v| v + self.eps * (2.0 * rng.random::<f64>() - 1.0))
            .collect();
        Sample {
            n,
            dim_x: 1,
            dim_y: 1,
            x,
            y,
        }
    }

    fn truth(&self) -> Truth {
        let e = self.eps;
        let value = if e <= 0.5 {
            e - (2.0 * e).ln()
        } else {
            1.0 / (4.0 * e)
        };
        Truth {
            value,
            std_err: 0.0,
        }
    }

    fn pointwise_mi(&self, x: &[f64], y: &[f64]) -> Option<f64> {
        // p(y|x) = 1/(2 eps) on |y - x| < eps; p(y) = (min(1, y+eps) - max(0, y-eps)) / (2 eps).
        let (x, y, e) = (x[0], y[0], self.eps);
        if (y - x).abs() >= e || !(0.0..=1.0).contains(&x) {
            return None;
        }
        Some(-((1.0f64).min(y + e) - (0.0f64).max(y - e)).ln())
    }
}
