//! Multivariate normal (X, Y) ~ N(0, S) with S given as a covariance: `dense(...)` (the
//! equicorrelated "dense" family of Beyond Normal), `sparse(...)` (the "2-pair" family) or an
//! explicit `covariance(...)`. I(X;Y) = 0.5 ln(det S_xx det S_yy / det S) (REFERENCE.md
//! section 1). The Gaussian machinery here (Cholesky factors of S and of its blocks) also
//! serves the Student-t family.

use candle_core::{Device, Tensor};
use rand_distr::{Distribution as _, StandardNormal};

use super::linalg::{block, cholesky, log_det, quad_form};
use super::{Distribution, Rng, Sample, Truth};

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

    /// Whether the matrix is symmetric positive definite (it has a Cholesky factor).
    pub fn is_positive_definite(&self) -> bool {
        cholesky(&self.matrix, self.n()).is_some()
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

    /// The blocks of S^-1 and the inverses of S_xx and S_yy (from the Cholesky factors);
    /// `None` if one is numerically singular.
    pub fn forms(&self) -> Option<super::QuadraticForms> {
        let (dx, dy) = (self.dim_x, self.dim_y);
        let n = dx + dy;
        let inverse_of = |l: &[f64], m: usize| {
            // S = L L^T from its Cholesky factor, then inverted.
            let mut s = vec![0.0; m * m];
            for i in 0..m {
                for j in 0..m {
                    s[i * m + j] = (0..=i.min(j)).map(|k| l[i * m + k] * l[j * m + k]).sum();
                }
            }
            super::linalg::invert(&s, m)
        };
        let p = inverse_of(&self.l, n)?;
        Some(super::QuadraticForms {
            pxx: (0..dx * dx).map(|k| p[(k / dx) * n + k % dx]).collect(),
            pxy: (0..dx * dy)
                .map(|k| p[(k / dy) * n + dx + k % dy])
                .collect(),
            pyy: (0..dy * dy)
                .map(|k| p[(dx + k / dy) * n + dx + k % dy])
                .collect(),
            sxx_inv: inverse_of(&self.lx, dx)?,
            syy_inv: inverse_of(&self.ly, dy)?,
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

    fn quadratic_pmi(&self) -> Option<super::QuadraticPmi> {
        Some(super::QuadraticPmi::Gaussian {
            forms: self.g.forms()?,
            c: -0.5 * (self.g.ld - self.g.ldx - self.g.ldy),
        })
    }

    fn pointwise_mi(&self, x: &[f64], y: &[f64]) -> Option<f64> {
        let (q, qx, qy) = self.g.quad_forms(x, y);
        Some(-0.5 * (self.g.ld - self.g.ldx - self.g.ldy) - 0.5 * (q - qx - qy))
    }
}
