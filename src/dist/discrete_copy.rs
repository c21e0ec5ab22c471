//! Discrete copy: X uniform on M symbols (coded 0 .. M-1), Y = X. I = ln M.

use rand::RngExt as _;

use super::{Distribution, Rng, Sample, Truth};

#[derive(Debug, Clone)]
pub struct DiscreteCopy {
    pub symbols: usize,
}

impl Distribution for DiscreteCopy {
    fn dim_x(&self) -> usize {
        1
    }

    fn dim_y(&self) -> usize {
        1
    }

    fn sample(&self, n: usize, rng: &mut Rng) -> Sample {
        let x: Vec<f64> = (0..n)
            .map(|_| rng.random_range(0..self.symbols) as f64)
            .collect();
        Sample {
            n,
            dim_x: 1,
            dim_y: 1,
            y: x.clone(),
            x,
        }
    }

    fn truth(&self) -> Truth {
        Truth {
            value: (self.symbols as f64).ln(),
            std_err: 0.0,
        }
    }

    fn pointwise_mi(&self, x: &[f64], y: &[f64]) -> Option<f64> {
        // p(x, y) / (p(x) p(y)) = (1/M) / (1/M^2) = M on the diagonal.
        (x[0] == y[0]).then(|| (self.symbols as f64).ln())
    }
}
