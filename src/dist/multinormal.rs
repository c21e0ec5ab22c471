//! Multivariate normal (X, Y) ~ N(0, S) with S given as a covariance: `dense(...)` (the
//! equicorrelated "dense" family of Beyond Normal), `sparse(...)` (the "2-pair" family) or an
//! explicit `covariance(...)`. I(X;Y) = 0.5 ln(det S_xx det S_yy / det S) (REFERENCE.md
//! section 1). The Gaussian machinery here (Cholesky factors of S and of its blocks) also
//! serves the Student-t family.

use std::sync::Arc;

use candle_core::{Device, Tensor};
use rand_distr::{Distribution as _, StandardNormal};

use super::linalg::{block, cholesky, log_det, quad_form};
use super::{DataDecl, Distribution, Rng, Sample, Truth};
use crate::registry::{
    param, Args, Default, Entry, Kind, ParamError, ParamErrorKind, Range, Ty, Value,
};

/// A covariance over [x, y]: (dim_x + dim_y) square, row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct Covariance {
    pub dim_x: usize,
    pub dim_y: usize,
    pub matrix: Vec<f64>,
}

impl Covariance {
    pub fn n(&self) -> usize {
        self.dim_x + self.dim_y
    }

    pub fn identity(dim_x: usize, dim_y: usize) -> Self {
        let n = dim_x + dim_y;
        let mut matrix = vec![0.0; n * n];
        for i in 0..n {
            matrix[i * n + i] = 1.0;
        }
        Covariance {
            dim_x,
            dim_y,
            matrix,
        }
    }
}

const DIMS: [crate::registry::Param; 2] = [
    param(
        "dim_x",
        Ty::Int,
        Default::Required,
        Range::between(1.0, 512.0),
        "dimension of x",
    ),
    param(
        "dim_y",
        Ty::Int,
        Default::Required,
        Range::between(1.0, 512.0),
        "dimension of y",
    ),
];

pub static DENSE: Entry = Entry {
    name: "dense",
    kind: Kind::Covariance,
    doc: "unit variances and one correlation off_diag between every pair of coordinates (Beyond Normal's dense family)",
    params: &[
        DIMS[0],
        DIMS[1],
        param("off_diag", Ty::Number, Default::Num(0.5), Range::ANY, "the common correlation"),
    ],
    exactly_one_of: &[],
    build: Some(build_dense),
};

pub static SPARSE: Entry = Entry {
    name: "sparse",
    kind: Kind::Covariance,
    doc: "identity except corr(x_i, y_i) = corr for the first `pairs` coordinates (the 2-pair family)",
    params: &[
        DIMS[0],
        DIMS[1],
        param("pairs", Ty::Int, Default::Num(2.0), Range::at_least(0.0), "correlated (x_i, y_i) pairs"),
        param("corr", Ty::Number, Default::Num(0.8), Range { min: Some((-1.0, false)), max: Some((1.0, false)) }, "their correlation"),
    ],
    exactly_one_of: &[],
    build: Some(build_sparse),
};

pub static COVARIANCE: Entry = Entry {
    name: "covariance",
    kind: Kind::Covariance,
    doc: "an explicit symmetric positive-definite covariance over [x, y], row-major",
    params: &[
        DIMS[0],
        DIMS[1],
        param(
            "entries",
            Ty::NumList,
            Default::Required,
            Range::ANY,
            "(dim_x + dim_y)^2 numbers, row by row",
        ),
    ],
    exactly_one_of: &[],
    build: Some(build_explicit),
};

pub static ENTRY: Entry = Entry {
    name: "multinormal",
    kind: Kind::Data,
    doc: "(x, y) ~ N(0, cov); MI = 0.5 ln(det S_xx det S_yy / det S)",
    params: &[param(
        "cov",
        Ty::Of(Kind::Covariance),
        Default::Required,
        Range::ANY,
        "dense(...), sparse(...) or covariance(...)",
    )],
    exactly_one_of: &[],
    build: Some(build_multinormal),
};

fn dims(args: &Args) -> Result<(usize, usize), ParamError> {
    Ok((args.int("dim_x")?, args.int("dim_y")?))
}

fn checked(c: Covariance, param: &'static str, help: String) -> Result<Value, ParamError> {
    if cholesky(&c.matrix, c.n()).is_none() {
        return Err(ParamError::new(
            ParamErrorKind::OutOfRange,
            param,
            "this covariance is not positive definite",
        )
        .help(help));
    }
    Ok(Value::Covariance(Arc::new(c)))
}

fn build_dense(args: &Args) -> Result<Value, ParamError> {
    let (dx, dy) = dims(args)?;
    let rho = args.num("off_diag")?;
    let mut c = Covariance::identity(dx, dy);
    let n = c.n();
    for i in 0..n {
        for j in 0..n {
            if i != j {
                c.matrix[i * n + j] = rho;
            }
        }
    }
    // Equicorrelation over n coordinates is positive definite iff -1/(n-1) < rho < 1.
    checked(
        c,
        "off_diag",
        format!(
            "with {n} coordinates, off_diag must lie in ({:.4}, 1)",
            -1.0 / (n as f64 - 1.0)
        ),
    )
}

fn build_sparse(args: &Args) -> Result<Value, ParamError> {
    let (dx, dy) = dims(args)?;
    let pairs = args.int("pairs")?;
    if pairs > dx.min(dy) {
        return Err(ParamError::new(
            ParamErrorKind::OutOfRange,
            "pairs",
            format!("{pairs} pairs need at least {pairs} coordinates in x and in y"),
        )
        .help(format!(
            "pairs must be at most min(dim_x, dim_y) = {}",
            dx.min(dy)
        )));
    }
    let corr = args.num("corr")?;
    let mut c = Covariance::identity(dx, dy);
    let n = c.n();
    for i in 0..pairs {
        c.matrix[i * n + dx + i] = corr;
        c.matrix[(dx + i) * n + i] = corr;
    }
    checked(c, "corr", "corr must lie in (-1, 1)".into())
}

fn build_explicit(args: &Args) -> Result<Value, ParamError> {
    let (dx, dy) = dims(args)?;
    let m = args.num_list("entries")?;
    let n = dx + dy;
    if m.len() != n * n {
        return Err(ParamError::new(
            ParamErrorKind::Shape,
            "entries",
            format!(
                "{} entries given, but a {n} x {n} covariance needs {}",
                m.len(),
                n * n
            ),
        ));
    }
    for i in 0..n {
        for j in 0..i {
            if (m[i * n + j] - m[j * n + i]).abs() > 1e-12 {
                return Err(ParamError::new(
                    ParamErrorKind::OutOfRange,
                    "entries",
                    format!(
                        "the covariance is not symmetric: entry ({i}, {j}) differs from ({j}, {i})"
                    ),
                ));
            }
        }
    }
    checked(
        Covariance {
            dim_x: dx,
            dim_y: dy,
            matrix: m,
        },
        "entries",
        "a covariance must be symmetric with all eigenvalues positive".into(),
    )
}

fn build_multinormal(args: &Args) -> Result<Value, ParamError> {
    let Value::Covariance(c) = args.value("cov")? else {
        return Err(ParamError::new(
            ParamErrorKind::Conflict,
            "cov",
            "internal: cov",
        ));
    };
    let g = GaussianBlocks::new(c).ok_or_else(|| {
        ParamError::new(ParamErrorKind::OutOfRange, "cov", "not positive definite")
    })?;
    Ok(Value::Data(DataDecl::new(MultiNormal { g })))
}

/// Cholesky factors of S and of its x and y blocks, with their log-determinants.
#[derive(Debug, Clone)]
pub struct GaussianBlocks {
    pub dim_x: usize,
    pub dim_y: usize,
    pub l: Vec<f64>,
    pub lx: Vec<f64>,
    pub ly: Vec<f64>,
    pub ld: f64,
    pub ldx: f64,
    pub ldy: f64,
}

impl GaussianBlocks {
    pub fn new(c: &Covariance) -> Option<Self> {
        let n = c.n();
        let l = cholesky(&c.matrix, n)?;
        let lx = cholesky(&block(&c.matrix, n, 0, c.dim_x), c.dim_x)?;
        let ly = cholesky(&block(&c.matrix, n, c.dim_x, c.dim_y), c.dim_y)?;
        Some(GaussianBlocks {
            dim_x: c.dim_x,
            dim_y: c.dim_y,
            ld: log_det(&l, n),
            ldx: log_det(&lx, c.dim_x),
            ldy: log_det(&ly, c.dim_y),
            l,
            lx,
            ly,
        })
    }

    /// 0.5 ln(det S_xx det S_yy / det S)
    pub fn mi(&self) -> f64 {
        0.5 * (self.ldx + self.ldy - self.ld)
    }

    /// One draw of L z into `out` (length dim_x + dim_y), scaled by `scale`.
    pub fn draw(&self, rng: &mut Rng, z: &mut [f64], out: &mut [f64], scale: f64) {
        let n = self.dim_x + self.dim_y;
        for v in z.iter_mut() {
            *v = StandardNormal.sample(rng);
        }
        for i in 0..n {
            let row = &self.l[i * n..i * n + i + 1];
            out[i] = scale * row.iter().zip(&z[..=i]).map(|(a, b)| a * b).sum::<f64>();
        }
    }

    /// The three quadratic forms v^T S^-1 v, x^T S_xx^-1 x, y^T S_yy^-1 y.
    pub fn quad_forms(&self, x: &[f64], y: &[f64]) -> (f64, f64, f64) {
        let v: Vec<f64> = x.iter().chain(y).copied().collect();
        (
            quad_form(&self.l, self.dim_x + self.dim_y, &v),
            quad_form(&self.lx, self.dim_x, x),
            quad_form(&self.ly, self.dim_y, y),
        )
    }

    /// n draws, split into x and y rows; each draw scaled by `scale(rng)`.
    ///
    /// Large requests are cut into blocks of `BLOCK` rows; each block draws from its own
    /// stream, seeded in order from `rng`, and the blocks run on all cores. The block size is
    /// fixed, so the numbers do not depend on the number of cores. Within a block, the
    /// products L z run as one matrix product (candle's CPU gemm, in f64).
    pub fn sample_with<F>(&self, n: usize, rng: &mut Rng, scale: F) -> Sample
    where
        F: Fn(&mut Rng) -> f64 + Sync,
    {
        use rand::{Rng as _, SeedableRng};
        const BLOCK: usize = 16_384;
        let (dx, dy) = (self.dim_x, self.dim_y);
        if n <= BLOCK {
            let (x, y) = self.block(n, rng, &scale);
            return Sample {
                n,
                dim_x: dx,
                dim_y: dy,
                x,
                y,
            };
        }
        let blocks: Vec<(usize, u64)> = (0..n.div_ceil(BLOCK))
            .map(|b| (BLOCK.min(n - b * BLOCK), rng.next_u64()))
            .collect();
        let workers = std::thread::available_parallelism()
            .map(|w| w.get())
            .unwrap_or(1);
        let mut parts: Vec<Option<(Vec<f64>, Vec<f64>)>> = vec![None; blocks.len()];
        let next = std::sync::atomic::AtomicUsize::new(0);
        let results = std::sync::Mutex::new(&mut parts);
        std::thread::scope(|sc| {
            for _ in 0..workers.min(blocks.len()) {
                sc.spawn(|| loop {
                    let b = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let Some(&(rows, seed)) = blocks.get(b) else {
                        break;
                    };
                    let mut r = Rng::seed_from_u64(seed);
                    let part = self.block(rows, &mut r, &scale);
                    results.lock().unwrap_or_else(|e| e.into_inner())[b] = Some(part);
                });
            }
        });
        let mut x = Vec::with_capacity(n * dx);
        let mut y = Vec::with_capacity(n * dy);
        for (bx, by) in parts.into_iter().flatten() {
            x.extend(bx);
            y.extend(by);
        }
        Sample {
            n,
            dim_x: dx,
            dim_y: dy,
            x,
            y,
        }
    }

    /// One block of `rows` draws: x rows and y rows.
    fn block(
        &self,
        rows: usize,
        rng: &mut Rng,
        scale: &dyn Fn(&mut Rng) -> f64,
    ) -> (Vec<f64>, Vec<f64>) {
        let (dx, dy) = (self.dim_x, self.dim_y);
        let d = dx + dy;
        let mut z = Vec::with_capacity(rows * d);
        let mut scales = Vec::with_capacity(rows);
        for _ in 0..rows {
            scales.push(scale(rng));
            z.extend((0..d).map(|_| -> f64 { StandardNormal.sample(rng) }));
        }
        let product = Tensor::from_vec(self.l.clone(), (d, d), &Device::Cpu)
            .and_then(|l| l.t())
            .and_then(|lt| Tensor::from_vec(z.clone(), (rows, d), &Device::Cpu)?.matmul(&lt))
            .and_then(|v| v.flatten_all()?.to_vec1::<f64>())
            .ok();
        // Fall back to plain products if the tensor path fails.
        let v = product.unwrap_or_else(|| {
            z.chunks(d)
                .flat_map(|zr| {
                    (0..d).map(move |i| (0..=i).map(|k| self.l[i * d + k] * zr[k]).sum::<f64>())
                })
                .collect()
        });
        let mut x = Vec::with_capacity(rows * dx);
        let mut y = Vec::with_capacity(rows * dy);
        for (row, s) in v.chunks(d).zip(&scales) {
            x.extend(row[..dx].iter().map(|a| a * s));
            y.extend(row[dx..].iter().map(|a| a * s));
        }
        (x, y)
    }
}

/// The multivariate normal family.
#[derive(Debug, Clone)]
pub struct MultiNormal {
    pub g: GaussianBlocks,
}

impl Distribution for MultiNormal {
    fn dim_x(&self) -> usize {
        self.g.dim_x
    }

    fn dim_y(&self) -> usize {
        self.g.dim_y
    }

    fn sample(&self, n: usize, rng: &mut Rng) -> Sample {
        self.g.sample_with(n, rng, |_| 1.0)
    }

    fn truth(&self) -> Truth {
        Truth {
            value: self.g.mi(),
            std_err: 0.0,
        }
    }

    fn pointwise_mi(&self, x: &[f64], y: &[f64]) -> Option<f64> {
        let (q, qx, qy) = self.g.quad_forms(x, y);
        Some(-0.5 * (self.g.ld - self.g.ldx - self.g.ldy) - 0.5 * (q - qx - qy))
    }
}
