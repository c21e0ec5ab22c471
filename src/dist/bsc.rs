//! Binary symmetric channel: X uniform on {0, 1}, Y = X flipped with probability p.
//! I = ln 2 - H_b(p) in nats.

use rand::RngExt as _;

use super::{Distribution, Rng, Sample, Truth};

#[derive(Debug, Clone)]
pub struct Bsc {
    pub p: f64,
}

fn xlnx(v: f64) -> f64 {
    if v > 0.0 {
        v * v.ln()
    } else {
        0.0
    }
}

impl Distribution for Bsc {
    fn dim_x(&self) -> usize {
        1
    }

    fn dim_y(&self) -> usize {
        1
    }

    fn sample(&self, n: usize, rng: &mut Rng) -> Sample {
        let mut x = Vec::with_capacity(n);
        let mut y = Vec::with_capacity(n);
        for _ in 0..n {
            let b = rng.random_range(0..2u8) as f64;
            let flip = rng.random::<f64>() < self.p;
            x.push(b);
            y.push(if flip { 1.0 - b } else { b });
        }
        Sample {
            n,
            dim_x: 1,
            dim_y: 1,
            x,
            y,
        }
    }

    fn truth(&self) -> Truth {
        let h = -xlnx(self.p) - xlnx(1.0 - self.p);
        Truth {
            value: std::f64::consts::LN_2 - h,
            std_err: 0.0,
        }
    }

    fn pointwise_mi(&self, x: &[f64], y: &[f64]) -> Option<f64> {
        let q = if x[0] == y[0] { 1.0 - self.p } else { self.p };
        (q > 0.0).then(|| (q / 0.5).ln())
    }
}
