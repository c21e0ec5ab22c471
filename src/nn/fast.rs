//! The CPU fast path for training the common critics: separable critics of ReLU MLPs and the
//! concat critic, with a hand-written forward and backward pass on plain `f32` buffers (matrix
//! products by the `gemm` crate that candle's CPU matmul also runs) and AdamW in place, one pass
//! per parameter.
//!
//! Why: on the CPU, candle's autograd spends most of a step outside the matrix products (bias
//! gradients as strided reductions, every gradient accumulated into a zero-filled tensor, a ReLU
//! gradient built from four full-size ops, AdamW as ten allocating ops per parameter;
//! docs/performance.md). Here a step is the matrix products plus one pass for each bias, each
//! activation and each parameter. The scores' gradient still comes from the bound's own candle
//! code (autograd on the K x K score matrix alone), so every bound trains on this path.
//!
//! `FastCritic::new` accepts only what it computes exactly as `Critic::scores` does, and
//! returns `None` for anything else, which then trains on the plain candle path (the reference:
//! tests/fast_path.rs checks that the two agree to rounding).

use candle_core::{Result, Tensor, Var};

use super::encoder::{Activation, Encoder};
use super::layers::Params;
use super::Critic;

/// `dst (m x n, row stride ldd) [+]= op(a) op(b)`, where each operand is given by its pointer
/// and its row and column strides (so transposes and column blocks cost nothing).
#[allow(clippy::too_many_arguments)]
fn gemm(
    m: usize,
    n: usize,
    k: usize,
    dst: &mut [f32],
    ldd: usize,
    accumulate: bool,
    a: (&[f32], usize, usize),
    b: (&[f32], usize, usize),
) {
    if m == 0 || n == 0 {
        return;
    }
    assert!(dst.len() >= (m - 1) * ldd + n, "gemm destination too small");
    let max_index = |(s, rs, cs): (&[f32], usize, usize), rows: usize, cols: usize| {
        assert!(
            rows == 0 || cols == 0 || s.len() > (rows - 1) * rs + (cols - 1) * cs,
            "gemm operand too small"
        );
        s.as_ptr()
    };
    let (pa, pb) = (max_index(a, m, k), max_index(b, k, n));
    let threads = candle_core::utils::get_num_threads();
    let parallelism = if threads > 1 {
        gemm::Parallelism::Rayon(threads)
    } else {
        gemm::Parallelism::None
    };
    // SAFETY: the asserts above keep every index the product reads or writes inside the slices.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            1,
            ldd as isize,
            accumulate,
            pa,
            a.2 as isize,
            a.1 as isize,
            pb,
            b.2 as isize,
            b.1 as isize,
            1.0,
            1.0,
            false,
            false,
            false,
            parallelism,
        )
    }
}

/// A row-major `rows x cols` matrix as a gemm operand.
fn plain(s: &[f32], cols: usize) -> (&[f32], usize, usize) {
    (s, cols, 1)
}

/// The transpose of a row-major `rows x cols` matrix as a gemm operand.
fn transposed(s: &[f32], cols: usize) -> (&[f32], usize, usize) {
    (s, 1, cols)
}

/// Parameters as plain buffers, in the order of `Params::vars`, with their gradients and
/// AdamW's moments.
#[derive(Debug)]
pub struct FastParams {
    pub values: Vec<Vec<f32>>,
    pub grads: Vec<Vec<f32>>,
    m: Vec<Vec<f32>>,
    v: Vec<Vec<f32>>,
    step: i32,
}

/// AdamW's settings (candle_nn's `ParamsAdamW`, whose update this repeats exactly).
#[derive(Debug, Clone, Copy)]
pub struct AdamW {
    pub lr: f64,
    pub beta1: f64,
    pub beta2: f64,
    pub eps: f64,
    pub weight_decay: f64,
}

impl FastParams {
    fn new(params: &Params) -> Result<Self> {
        let values = params
            .vars
            .iter()
            .map(|v| v.as_tensor().flatten_all()?.to_vec1::<f32>())
            .collect::<Result<Vec<_>>>()?;
        let zeros: Vec<Vec<f32>> = values.iter().map(|v| vec![0.0; v.len()]).collect();
        Ok(FastParams {
            values,
            grads: zeros.clone(),
            m: zeros.clone(),
            v: zeros,
            step: 0,
        })
    }

    pub fn zero_grads(&mut self) {
        for g in &mut self.grads {
            g.fill(0.0);
        }
    }

    /// The gradients' global L2 norm.
    pub fn grad_norm(&self) -> f64 {
        self.grads
            .iter()
            .flatten()
            .map(|&g| (g as f64) * (g as f64))
            .sum::<f64>()
            .sqrt()
    }

    pub fn scale_grads(&mut self, by: f32) {
        for g in self.grads.iter_mut().flatten() {
            *g *= by;
        }
    }

    /// One AdamW step, each parameter in one pass: the operations and their order are
    /// candle_nn's (`theta (1 - lr wd) - lr m_hat / (sqrt(v_hat) + eps)`).
    pub fn adamw_step(&mut self, o: &AdamW) {
        self.step += 1;
        let (b1, b2) = (o.beta1 as f32, o.beta2 as f32);
        let (c1, c2) = ((1.0 - o.beta1) as f32, (1.0 - o.beta2) as f32);
        let scale_m = (1.0 / (1.0 - o.beta1.powi(self.step))) as f32;
        let scale_v = (1.0 / (1.0 - o.beta2.powi(self.step))) as f32;
        let decay = (1.0 - o.lr * o.weight_decay) as f32;
        let (lr, eps) = (o.lr as f32, o.eps as f32);
        for (((theta, g), m), v) in self
            .values
            .iter_mut()
            .zip(&self.grads)
            .zip(&mut self.m)
            .zip(&mut self.v)
        {
            // Zipped slices (no index checks), so the loop vectorises.
            for (((t, &gi), mi), vi) in theta.iter_mut().zip(g).zip(m.iter_mut()).zip(v.iter_mut())
            {
                let m1 = *mi * b1 + gi * c1;
                let v1 = *vi * b2 + (gi * gi) * c2;
                *mi = m1;
                *vi = v1;
                let step = (m1 * scale_m) / ((v1 * scale_v).sqrt() + eps);
                *t = *t * decay - step * lr;
            }
        }
    }

    /// Copies the buffers into the model's variables (for evaluation, early stopping's
    /// snapshots and the finished critic).
    pub fn write_back(&self, params: &Params) -> Result<()> {
        for (var, values) in params.vars.iter().zip(&self.values) {
            let t = Tensor::from_slice(values, var.shape(), var.device())?;
            var.set(&t)?;
        }
        Ok(())
    }
}

/// y = x W^T + b, by the indices of W (out x in) and b in `FastParams`.
#[derive(Debug, Clone, Copy)]
pub struct Layer {
    w: usize,
    b: usize,
    fan_in: usize,
    fan_out: usize,
}

impl Layer {
    /// `out (rows x fan_out) = x W^T + b`.
    fn forward(&self, p: &FastParams, x: &[f32], rows: usize) -> Vec<f32> {
        let bias = &p.values[self.b];
        let mut out = Vec::with_capacity(rows * self.fan_out);
        for _ in 0..rows {
            out.extend_from_slice(bias);
        }
        gemm(
            rows,
            self.fan_out,
            self.fan_in,
            &mut out,
            self.fan_out,
            true,
            plain(x, self.fan_in),
            transposed(&p.values[self.w], self.fan_in),
        );
        out
    }

    /// Adds this layer's weight and bias gradients for input `x` and output gradient `d`;
    /// returns the input's gradient when asked for.
    fn backward(
        &self,
        p: &mut FastParams,
        x: &[f32],
        d: &[f32],
        rows: usize,
        want_input: bool,
    ) -> Option<Vec<f32>> {
        // dW (out x in) += d^T x
        gemm(
            self.fan_out,
            self.fan_in,
            rows,
            &mut p.grads[self.w],
            self.fan_in,
            true,
            transposed(d, self.fan_out),
            plain(x, self.fan_in),
        );
        add_column_sums(&mut p.grads[self.b], d, self.fan_out);
        want_input.then(|| {
            let mut dx = vec![0.0; rows * self.fan_in];
            gemm(
                rows,
                self.fan_in,
                self.fan_out,
                &mut dx,
                self.fan_in,
                false,
                plain(d, self.fan_out),
                plain(&p.values[self.w], self.fan_in),
            );
            dx
        })
    }
}

/// `acc[c] += sum over rows of m[r][c]` (contiguous rows: vectorises).
fn add_column_sums(acc: &mut [f32], m: &[f32], cols: usize) {
    for row in m.chunks_exact(cols) {
        for (a, v) in acc.iter_mut().zip(row) {
            *a += v;
        }
    }
}

fn relu_in_place(h: &mut [f32]) {
    for v in h {
        *v = v.max(0.0);
    }
}

/// Zeroes the gradient where the ReLU's output was 0.
fn relu_backward(d: &mut [f32], out: &[f32]) {
    for (g, &o) in d.iter_mut().zip(out) {
        *g = if o > 0.0 { *g } else { 0.0 };
    }
}

/// A ReLU MLP: every layer but the last is followed by a ReLU (the last too for a trunk).
#[derive(Debug, Clone)]
pub struct Mlp {
    layers: Vec<Layer>,
    relu_last: bool,
}

/// Each layer's input (after the previous layer's activation) and the output.
struct MlpCache {
    inputs: Vec<Vec<f32>>,
    rows: usize,
}

impl Mlp {
    fn forward(&self, p: &FastParams, x: Vec<f32>, rows: usize) -> (Vec<f32>, MlpCache) {
        let mut inputs = Vec::with_capacity(self.layers.len());
        let mut h = x;
        for (i, l) in self.layers.iter().enumerate() {
            let mut out = l.forward(p, &h, rows);
            if i + 1 < self.layers.len() || self.relu_last {
                relu_in_place(&mut out);
            }
            inputs.push(h);
            h = out;
        }
        (h, MlpCache { inputs, rows })
    }

    /// Adds the parameters' gradients for the output gradient `d` (consumed).
    fn backward(&self, p: &mut FastParams, cache: &MlpCache, d: Vec<f32>, out: &[f32]) {
        self.backward_to_input(p, cache, d, out, false);
    }

    /// As `backward`; also returns the gradient of the MLP's input when `want_input`.
    fn backward_to_input(
        &self,
        p: &mut FastParams,
        cache: &MlpCache,
        mut d: Vec<f32>,
        out: &[f32],
        want_input: bool,
    ) -> Option<Vec<f32>> {
        if self.relu_last {
            relu_backward(&mut d, out);
        }
        for (i, l) in self.layers.iter().enumerate().rev() {
            let x = &cache.inputs[i];
            let first = i == 0;
            match l.backward(p, x, &d, cache.rows, !first || want_input) {
                Some(mut dx) if !first => {
                    // x is the previous layer's ReLU output.
                    relu_backward(&mut dx, x);
                    d = dx;
                }
                other => return other,
            }
        }
        None
    }
}

/// A critic the fast path trains.
#[derive(Debug)]
pub enum FastCritic {
    /// s_ij = h(y_i) . g(x_j) / temperature.
    Separable {
        g: Mlp,
        h: Option<Mlp>,
        temperature: f32,
    },
    /// s_ij = MLP([x_j, y_i]), the first layer split as W_x x_j + W_y y_i + b.
    Concat {
        first: Layer,
        dim_x: usize,
        rest: Mlp,
    },
}

/// What the backward pass needs from the forward pass of one batch.
pub struct Forward {
    k: usize,
    kind: ForwardKind,
}

enum ForwardKind {
    Separable {
        gx: Vec<f32>,
        gx_cache: MlpCache,
        hy: Vec<f32>,
        hy_cache: MlpCache,
    },
    /// The first layer's two halves (K x H each), and each row block's hidden layers when
    /// they fit in `CONCAT_CACHE_FLOATS` (otherwise the backward pass recomputes them block by
    /// block, so the K x K x H hidden layers are never whole in memory).
    /// x and y themselves are kept for the first layer's weight gradient.
    Concat {
        x: Vec<f32>,
        y: Vec<f32>,
        a: Vec<f32>,
        b: Vec<f32>,
        blocks: Option<Vec<(MlpCache, Vec<f32>)>>,
    },
}

/// Most floats the concat critic keeps from its forward pass for the backward pass (512 MiB);
/// beyond it the backward pass recomputes each block's hidden layers.
const CONCAT_CACHE_FLOATS: usize = 1 << 27;

/// Floats in one row block of the concat critic's K x K x H hidden layer (16 MiB): the grid
/// is computed in blocks of rows this size, so memory does not grow as K^2.
const CONCAT_BLOCK_FLOATS: usize = 1 << 22;

/// The index of each of `vars` in `params`, matched by identity.
fn indices(vars: &[Var], params: &Params) -> Option<Vec<usize>> {
    vars.iter()
        .map(|v| {
            params
                .vars
                .iter()
                .position(|p| p.as_tensor().id() == v.as_tensor().id())
        })
        .collect()
}

/// The fast form of a built ReLU MLP encoder without layer normalisation.
fn mlp_of(e: &Encoder, params: &Params) -> Option<Mlp> {
    let Encoder::Mlp {
        layers,
        act: Activation::Relu,
        layer_norm: false,
        trunk,
    } = e
    else {
        return None;
    };
    let mut out = Vec::new();
    for l in layers {
        let idx = indices(&[l.weight.clone(), l.bias.clone()], params)?;
        let (fan_out, fan_in) = l.weight.as_tensor().dims2().ok()?;
        out.push(Layer {
            w: idx[0],
            b: idx[1],
            fan_in,
            fan_out,
        });
    }
    Some(Mlp {
        layers: out,
        relu_last: *trunk,
    })
}

impl FastCritic {
    /// The fast form of `critic`, with its parameters copied into buffers; `None` when the
    /// critic is not one the fast path computes (it then trains on the candle path).
    pub fn new(critic: &Critic, params: &Params) -> Result<Option<(FastCritic, FastParams)>> {
        let fast = match critic {
            Critic::Separable {
                g,
                h,
                temperature,
                normalize: false,
            } => {
                let Some(g) = mlp_of(g, params) else {
                    return Ok(None);
                };
                let h = match h {
                    Some(h) => match mlp_of(h, params) {
                        Some(m) => Some(m),
                        None => return Ok(None),
                    },
                    None => None,
                };
                FastCritic::Separable {
                    g,
                    h,
                    temperature: *temperature as f32,
                }
            }
            Critic::Concat {
                layers,
                act: Activation::Relu,
                dim_x,
            } => {
                let as_encoder = Encoder::Mlp {
                    layers: layers.clone(),
                    act: Activation::Relu,
                    layer_norm: false,
                    trunk: false,
                };
                let Some(mut mlp) = mlp_of(&as_encoder, params) else {
                    return Ok(None);
                };
                let first = mlp.layers.remove(0);
                if mlp.layers.is_empty() {
                    // One linear layer on [x, y]: nothing after the first layer's split.
                    return Ok(None);
                }
                FastCritic::Concat {
                    first,
                    dim_x: *dim_x,
                    rest: mlp,
                }
            }
            _ => return Ok(None),
        };
        Ok(Some((fast, FastParams::new(params)?)))
    }

    /// The K x K scores (rows y_i, columns x_j, row-major) of x and y (K rows each, row-major)
    /// and what the backward pass needs.
    pub fn forward(
        &self,
        p: &FastParams,
        x: Vec<f32>,
        y: Vec<f32>,
        k: usize,
    ) -> (Vec<f32>, Forward) {
        match self {
            FastCritic::Separable { g, h, temperature } => {
                let (gx, gx_cache) = g.forward(p, x, k);
                let (hy, hy_cache) = h.as_ref().unwrap_or(g).forward(p, y, k);
                let e = gx.len() / k.max(1);
                let mut s = vec![0.0; k * k];
                gemm(k, k, e, &mut s, k, false, plain(&hy, e), transposed(&gx, e));
                if *temperature != 1.0 {
                    for v in &mut s {
                        *v /= *temperature;
                    }
                }
                let kind = ForwardKind::Separable {
                    gx,
                    gx_cache,
                    hy,
                    hy_cache,
                };
                (s, Forward { k, kind })
            }
            FastCritic::Concat { first, dim_x, rest } => {
                let (a, b) = self.concat_halves(first, *dim_x, p, &x, &y, k);
                let mut s = vec![0.0; k * k];
                let widths: usize = rest.layers.iter().map(|l| l.fan_in).sum();
                let keep = k * k * widths <= CONCAT_CACHE_FLOATS;
                let mut blocks = Vec::new();
                for (i0, rows) in concat_blocks(k, first.fan_out) {
                    let h1 = concat_hidden(&a, &b, &p.values[first.b], i0, rows, k);
                    let (out, cache) = rest.forward(p, h1, rows * k);
                    s[i0 * k..(i0 + rows) * k].copy_from_slice(&out);
                    if keep {
                        blocks.push((cache, out));
                    }
                }
                let blocks = keep.then_some(blocks);
                let kind = ForwardKind::Concat { x, y, a, b, blocks };
                (s, Forward { k, kind })
            }
        }
    }

    /// A = x W_x^T and B = y W_y^T (K x H each) of the concat critic's first layer.
    fn concat_halves(
        &self,
        first: &Layer,
        dim_x: usize,
        p: &FastParams,
        x: &[f32],
        y: &[f32],
        k: usize,
    ) -> (Vec<f32>, Vec<f32>) {
        let (hid, width) = (first.fan_out, first.fan_in);
        let dim_y = width - dim_x;
        let w = &p.values[first.w];
        let mut a = vec![0.0; k * hid];
        let mut b = vec![0.0; k * hid];
        // W_x^T: element (c, h) of the transpose is w[h * width + c].
        gemm(
            k,
            hid,
            dim_x,
            &mut a,
            hid,
            false,
            plain(x, dim_x),
            (w, 1, width),
        );
        gemm(
            k,
            hid,
            dim_y,
            &mut b,
            hid,
            false,
            plain(y, dim_y),
            (&w[dim_x..], 1, width),
        );
        (a, b)
    }

    /// Adds the parameters' gradients for the scores' gradient `ds` (K x K, row-major).
    pub fn backward(&self, p: &mut FastParams, f: Forward, ds: &[f32]) {
        let k = f.k;
        match (self, f.kind) {
            (
                FastCritic::Separable { g, h, temperature },
                ForwardKind::Separable {
                    gx,
                    gx_cache,
                    hy,
                    hy_cache,
                },
            ) => {
                let e = gx.len() / k.max(1);
                let ds: std::borrow::Cow<[f32]> = if *temperature != 1.0 {
                    ds.iter().map(|v| v / temperature).collect()
                } else {
                    ds.into()
                };
                // S = HY GX^T: dHY = dS GX, dGX = dS^T HY.
                let mut dhy = vec![0.0; k * e];
                gemm(k, e, k, &mut dhy, e, false, plain(&ds, k), plain(&gx, e));
                let mut dgx = vec![0.0; k * e];
                gemm(
                    k,
                    e,
                    k,
                    &mut dgx,
                    e,
                    false,
                    transposed(&ds, k),
                    plain(&hy, e),
                );
                h.as_ref().unwrap_or(g).backward(p, &hy_cache, dhy, &hy);
                g.backward(p, &gx_cache, dgx, &gx);
            }
            (
                FastCritic::Concat { first, dim_x, rest },
                ForwardKind::Concat { x, y, a, b, blocks },
            ) => {
                let hid = first.fan_out;
                let width = first.fan_in;
                let mut da = vec![0.0; k * hid];
                let mut db = vec![0.0; k * hid];
                let mut kept = blocks.map(|b| b.into_iter());
                for (i0, rows) in concat_blocks(k, hid) {
                    let (cache, out) = match kept.as_mut().and_then(|b| b.next()) {
                        Some(block) => block,
                        None => {
                            let h1 = concat_hidden(&a, &b, &p.values[first.b], i0, rows, k);
                            let (out, cache) = rest.forward(p, h1, rows * k);
                            (cache, out)
                        }
                    };
                    let d = ds[i0 * k..(i0 + rows) * k].to_vec();
                    let mut dh1 = rest
                        .backward_to_input(p, &cache, d, &out, true)
                        .expect("asked for the input's gradient");
                    relu_backward(&mut dh1, &cache.inputs[0]);
                    // h1[i][j] = relu(B_i + A_j + bias): the bias and B_i collect the sums
                    // over j, A_j the sums over i.
                    for (r, block) in dh1.chunks_exact(k * hid).enumerate() {
                        let dbi = &mut db[(i0 + r) * hid..(i0 + r + 1) * hid];
                        for (j, g) in block.chunks_exact(hid).enumerate() {
                            let daj = &mut da[j * hid..(j + 1) * hid];
                            for ((bv, av), &gv) in dbi.iter_mut().zip(daj.iter_mut()).zip(g) {
                                *bv += gv;
                                *av += gv;
                            }
                        }
                    }
                }
                let mut bias_grad = vec![0.0; hid];
                add_column_sums(&mut bias_grad, &db, hid);
                for (acc, v) in p.grads[first.b].iter_mut().zip(&bias_grad) {
                    *acc += v;
                }
                // dW_x (H x dim_x) += dA^T x and dW_y += dB^T y, into W's column blocks.
                let dim_y = width - dim_x;
                let gw = &mut p.grads[first.w];
                gemm(
                    hid,
                    *dim_x,
                    k,
                    gw,
                    width,
                    true,
                    transposed(&da, hid),
                    plain(&x, *dim_x),
                );
                gemm(
                    hid,
                    dim_y,
                    k,
                    &mut gw[*dim_x..],
                    width,
                    true,
                    transposed(&db, hid),
                    plain(&y, dim_y),
                );
            }
            _ => unreachable!("a forward pass is only given back to the critic that made it"),
        }
    }
}

/// Row blocks (first row, rows) of the K x K pair grid for a hidden width.
fn concat_blocks(k: usize, hid: usize) -> impl Iterator<Item = (usize, usize)> {
    let per = (CONCAT_BLOCK_FLOATS / (k * hid).max(1)).clamp(1, k.max(1));
    (0..k).step_by(per).map(move |i0| (i0, per.min(k - i0)))
}

/// relu(B_i + A_j + bias) for rows i0 .. i0 + rows and every column j: (rows K) x H.
fn concat_hidden(a: &[f32], b: &[f32], bias: &[f32], i0: usize, rows: usize, k: usize) -> Vec<f32> {
    let hid = bias.len();
    let mut h = vec![0.0; rows * k * hid];
    for r in 0..rows {
        let bi = &b[(i0 + r) * hid..(i0 + r + 1) * hid];
        for j in 0..k {
            let aj = &a[j * hid..(j + 1) * hid];
            let out = &mut h[(r * k + j) * hid..(r * k + j + 1) * hid];
            for (((o, &bv), &av), &c) in out.iter_mut().zip(bi).zip(aj).zip(bias) {
                *o = (bv + av + c).max(0.0);
            }
        }
    }
    h
}
