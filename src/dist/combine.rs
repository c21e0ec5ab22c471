//! `pair(a, b)`, for Song and Ermon's self-consistency tests (ICLR 2020): independent samples
//! side by side, so the MI adds. (`duplicate_x` and `append_function_of_y`, which add a
//! deterministic copy, are sides of a `transform::Transformed`.)

use super::{DataRef, Distribution, Rng, Sample, Truth};

#[derive(Debug)]
pub struct Pair {
    pub a: DataRef,
    pub b: DataRef,
}

fn interleave(a: &[f64], da: usize, b: &[f64], db: usize, n: usize) -> Vec<f64> {
    let mut out = Vec::with_capacity(n * (da + db));
    for i in 0..n {
        out.extend_from_slice(&a[i * da..(i + 1) * da]);
        out.extend_from_slice(&b[i * db..(i + 1) * db]);
    }
    out
}

impl Distribution for Pair {
    fn dim_x(&self) -> usize {
        self.a.dist.dim_x() + self.b.dist.dim_x()
    }

    fn dim_y(&self) -> usize {
        self.a.dist.dim_y() + self.b.dist.dim_y()
    }

    fn sample(&self, n: usize, rng: &mut Rng) -> Sample {
        let (sa, sb) = (self.a.dist.sample(n, rng), self.b.dist.sample(n, rng));
        Sample {
            n,
            dim_x: self.dim_x(),
            dim_y: self.dim_y(),
            x: interleave(&sa.x, sa.dim_x, &sb.x, sb.dim_x, n),
            y: interleave(&sa.y, sa.dim_y, &sb.y, sb.dim_y, n),
        }
    }

    fn truth(&self) -> Truth {
        let (a, b) = (self.a.dist.truth(), self.b.dist.truth());
        Truth {
            value: a.value + b.value,
            std_err: a.std_err.hypot(b.std_err),
        }
    }

    fn pointwise_mi(&self, x: &[f64], y: &[f64]) -> Option<f64> {
        let (ax, ay) = (self.a.dist.dim_x(), self.a.dist.dim_y());
        Some(
            self.a.dist.pointwise_mi(&x[..ax], &y[..ay])?
                + self.b.dist.pointwise_mi(&x[ax..], &y[ay..])?,
        )
    }
}
