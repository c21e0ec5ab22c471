//! Independent standard normals X and Y: the MI is exactly 0.

use rand_distr::{Distribution as _, StandardNormal};

use super::{Distribution, Rng, Sample, Truth};

#[derive(Debug, Clone)]
pub struct Independent {
    pub dim_x: usize,
    pub dim_y: usize,
}

impl Distribution for Independent {
    fn dim_x(&self) -> usize {
        self.dim_x
    }

    fn dim_y(&self) -> usize {
        self.dim_y
    }

    fn sample(&self, n: usize, rng: &mut Rng) -> Sample {
        let x = (0..n * self.dim_x)
            .map(|_| StandardNormal.sample(rng))
            .collect();
        let y = (0..n * self.dim_y)
            .map(|_| StandardNormal.sample(rng))
            .collect();
        Sample {
            n,
            dim_x: self.dim_x,
            dim_y: self.dim_y,
            x,
            y,
        }
    }

    fn truth(&self) -> Truth {
        Truth {
            value: 0.0,
            std_err: 0.0,
        }
    }

    fn pointwise_mi(&self, _x: &[f64], _y: &[f64]) -> Option<f64> {
        Some(0.0)
    }
}
