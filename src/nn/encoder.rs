//! Encoders: `identity`, `mlp(hidden, out, act)` and the invertible `coupling(layers, hidden)`
//! and `invertible_linear()`.
//! An encoder declaration has no input width; it takes the width of whatever it is applied to
//! (the checker infers and checks it).

use std::sync::Arc;

use candle_core::{Device, Result, Tensor, Var};

use super::layers::{Linear, Params};
use crate::dist::Rng;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activation {
    Relu,
    Tanh,
    Gelu,
}

impl Activation {
    pub fn apply(self, x: &Tensor) -> Result<Tensor> {
        match self {
            Activation::Relu => x.relu(),
            Activation::Tanh => x.tanh(),
            Activation::Gelu => x.gelu(),
        }
    }
}

/// What an encoder declaration describes.
#[derive(Debug, Clone, PartialEq)]
pub enum EncoderSpec {
    Identity,
    Mlp {
        hidden: Vec<usize>,
        out: usize,
        act: Activation,
        layer_norm: bool,
    },
    /// Coupling layers: the input's two halves take turns being changed by a ReLU MLP (one
    /// hidden layer of `hidden`) of the other half. Additive (NICE, Dinh et al. 2015): b + t(a),
    /// volume-preserving. Affine (Real NVP, Dinh et al. 2017): b exp(tanh(s(a))) + t(a), with
    /// log |det| = sum tanh(s(a)). Invertible for any weights, with the input's width:
    /// I(g(x); g(y)) = I(x; y) exactly.
    Coupling {
        layers: usize,
        hidden: usize,
        affine: bool,
    },
    /// z = W x with W = L diag(exp s) U (L unit lower-, U unit upper-triangular; Kingma and
    /// Dhariwal 2018's LU form): invertible for any weights, and able to rescale and mix
    /// coordinates (which additive coupling, being volume-preserving, cannot). Starts at the
    /// identity.
    InvertibleLinear,
}

impl EncoderSpec {
    /// Why the encoder cannot take inputs of this width, if it cannot.
    pub fn check_input(&self, input: usize) -> std::result::Result<(), String> {
        match self {
            EncoderSpec::Coupling { .. } if input < 2 => Err(format!(
                "a coupling encoder splits its input in two halves, but the input is {input} wide"
            )),
            _ => Ok(()),
        }
    }

    /// Why the encoder cannot serve as a normalising flow in front of a density, if it cannot:
    /// a flow must be invertible with a Jacobian determinant mica computes (coupling layers,
    /// additive or affine, or the invertible linear map), so that the density of y is the
    /// density of f(y) times |det f'(y)|.
    pub fn check_flow(&self) -> std::result::Result<(), String> {
        match self {
            EncoderSpec::Coupling { .. } | EncoderSpec::InvertibleLinear => Ok(()),
            EncoderSpec::Identity | EncoderSpec::Mlp { .. } => Err(
                "a flow must be an invertible map with a known Jacobian: coupling(...) (additive, or affine: true) or invertible_linear()".into(),
            ),
        }
    }

    /// Whether the encoder is a bijection of its input space (it keeps all information).
    pub fn invertible(&self) -> bool {
        match self {
            EncoderSpec::Identity
            | EncoderSpec::Coupling { .. }
            | EncoderSpec::InvertibleLinear => true,
            EncoderSpec::Mlp { .. } => false,
        }
    }

    /// The representation's width for a given input width with the last `head` layers cut
    /// off; `None` when the encoder has no more than `head` layers to cut.
    pub fn trunk_width(&self, input: usize, head: usize) -> Option<usize> {
        if head == 0 {
            return Some(self.out_width(input));
        }
        match self {
            EncoderSpec::Mlp { .. } => {
                let widths = self.layer_widths();
                (widths.len() > head).then(|| widths[widths.len() - 1 - head])
            }
            _ => None,
        }
    }

    /// The output width for a given input width.
    pub fn out_width(&self, input: usize) -> usize {
        match self {
            EncoderSpec::Identity
            | EncoderSpec::Coupling { .. }
            | EncoderSpec::InvertibleLinear => input,
            EncoderSpec::Mlp { out, .. } => *out,
        }
    }

    /// The widths of the layer outputs (none for identity and the invertible linear map; for
    /// coupling, each layer's hidden width, for memory estimates).
    pub fn layer_widths(&self) -> Vec<usize> {
        match self {
            EncoderSpec::Identity | EncoderSpec::InvertibleLinear => Vec::new(),
            EncoderSpec::Coupling { layers, hidden, .. } => vec![*hidden; *layers],
            EncoderSpec::Mlp { hidden, out, .. } => hidden
                .iter()
                .copied()
                .chain(std::iter::once(*out))
                .collect(),
        }
    }

    /// Trainable numbers (weights and biases) for inputs of width `input`, as f64 so that
    /// absurd declarations do not overflow.
    pub fn param_count(&self, input: usize) -> f64 {
        if let EncoderSpec::InvertibleLinear = self {
            // L below the diagonal, s on it, U above it: one packed square matrix.
            return (input as f64) * (input as f64);
        }
        if let EncoderSpec::Coupling {
            layers,
            hidden,
            affine,
        } = self
        {
            // Each layer: half -> hidden -> other half (twice over for an affine layer's scale
            // and shift), with biases.
            let (a, b, h) = (
                half(input) as f64,
                (input - half(input)) as f64,
                *hidden as f64,
            );
            let outputs = if *affine { 2.0 } else { 1.0 };
            return (0..*layers)
                .map(|i| {
                    let (from, to) = if i % 2 == 0 { (a, b) } else { (b, a) };
                    from * h + h + (h + 1.0) * outputs * to
                })
                .sum();
        }
        let mut width = input as f64;
        let mut count = 0.0;
        for w in self.layer_widths() {
            count += width * w as f64 + w as f64;
            width = w as f64;
        }
        count
    }

    /// Creates the module for inputs of width `input`, with seeded initial parameters.
    pub fn build(
        &self,
        input: usize,
        rng: &mut Rng,
        device: &Device,
        params: &mut Params,
    ) -> Result<Encoder> {
        match self {
            EncoderSpec::Identity => Ok(Encoder::Identity),
            EncoderSpec::InvertibleLinear => {
                let packed = Var::from_tensor(&Tensor::zeros(
                    (input, input),
                    candle_core::DType::F32,
                    device,
                )?)?;
                params.vars.push(packed.clone());
                let mask = |keep: fn(usize, usize) -> bool| {
                    let v: Vec<f32> = (0..input * input)
                        .map(|k| f32::from(u8::from(keep(k / input, k % input))))
                        .collect();
                    Tensor::from_vec(v, (input, input), device)
                };
                Ok(Encoder::InvertibleLinear {
                    packed,
                    lower: mask(|i, j| j < i)?,
                    upper: mask(|i, j| j > i)?,
                    eye: mask(|i, j| i == j)?,
                })
            }
            EncoderSpec::Coupling {
                layers,
                hidden,
                affine,
            } => {
                let (a, b) = (half(input), input - half(input));
                let outputs = if *affine { 2 } else { 1 };
                let nets = (0..*layers)
                    .map(|i| {
                        let (from, to) = if i % 2 == 0 { (a, b) } else { (b, a) };
                        Ok([
                            Linear::new(from, *hidden, rng, device, params)?,
                            Linear::new(*hidden, outputs * to, rng, device, params)?,
                        ])
                    })
                    .collect::<Result<Vec<_>>>()?;
                Ok(Encoder::Coupling {
                    nets,
                    split: a,
                    affine: *affine,
                })
            }
            EncoderSpec::Mlp {
                hidden,
                out,
                act,
                layer_norm,
            } => {
                let mut layers = Vec::new();
                let mut width = input;
                for &h in hidden.iter().chain(std::iter::once(out)) {
                    layers.push(Linear::new(width, h, rng, device, params)?);
                    width = h;
                }
                Ok(Encoder::Mlp {
                    layers,
                    act: *act,
                    layer_norm: *layer_norm,
                    trunk: false,
                })
            }
        }
    }
}

/// An encoder as a declaration names it: the spec plus the declared name, if any (two uses of
/// the same declared encoder in one critic share their weights).
#[derive(Debug, Clone, PartialEq)]
pub struct EncoderDecl {
    pub name: Option<String>,
    pub spec: EncoderSpec,
}

pub type EncoderRef = Arc<EncoderDecl>;

impl EncoderDecl {
    pub fn new(spec: EncoderSpec) -> EncoderRef {
        Arc::new(EncoderDecl { name: None, spec })
    }

    pub fn renamed(self: Arc<Self>, name: &str) -> EncoderRef {
        Arc::new(EncoderDecl {
            name: Some(name.to_string()),
            spec: self.spec.clone(),
        })
    }
}

/// The first half of a coupling encoder's input.
fn half(input: usize) -> usize {
    input / 2
}

/// A built encoder.
#[derive(Debug, Clone)]
pub enum Encoder {
    Identity,
    Mlp {
        layers: Vec<Linear>,
        act: Activation,
        layer_norm: bool,
        /// The last layer is activated too: a trunk whose head was cut off (its output is a
        /// hidden layer's).
        trunk: bool,
    },
    /// Layer i changes one half by net i of the other (even i: the second half by the first);
    /// an affine layer's net gives the log-scale (before tanh) and then the shift.
    Coupling {
        nets: Vec<[Linear; 2]>,
        split: usize,
        affine: bool,
    },
    /// `packed` holds L's strict lower part, s on the diagonal and U's strict upper part; the
    /// masks pick them out.
    InvertibleLinear {
        packed: Var,
        lower: Tensor,
        upper: Tensor,
        eye: Tensor,
    },
}

impl Encoder {
    /// W = L diag(exp s) U of an invertible linear encoder.
    fn lu_weight(packed: &Tensor, lower: &Tensor, upper: &Tensor, eye: &Tensor) -> Result<Tensor> {
        let l = ((packed * lower)? + eye)?;
        let u = ((packed * upper)? + eye)?;
        let s = (packed * eye)?.sum_keepdim(1)?.exp()?;
        l.matmul(&u.broadcast_mul(&s)?)
    }

    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        match self {
            Encoder::Identity => Ok(x.clone()),
            Encoder::InvertibleLinear {
                packed,
                lower,
                upper,
                eye,
            } => x.matmul(&Self::lu_weight(packed, lower, upper, eye)?.t()?),
            Encoder::Mlp {
                layers,
                act,
                layer_norm,
                trunk,
            } => {
                let mut h = x.clone();
                for (i, l) in layers.iter().enumerate() {
                    h = l.forward(&h)?;
                    if i + 1 < layers.len() || *trunk {
                        if *layer_norm {
                            h = normalise_rows(&h)?;
                        }
                        h = act.apply(&h)?;
                    }
                }
                Ok(h)
            }
            Encoder::Coupling { .. } => Ok(self.forward_log_det(x)?.0),
        }
    }

    /// The output and ln |det| of the encoder's Jacobian at each row (a vector of K), for the
    /// invertible encoders (a normalising flow's change of variables); an mlp has none.
    pub fn forward_log_det(&self, x: &Tensor) -> Result<(Tensor, Tensor)> {
        let k = x.dim(0)?;
        let zeros = || Tensor::zeros(k, x.dtype(), x.device());
        match self {
            Encoder::Identity => Ok((x.clone(), zeros()?)),
            Encoder::InvertibleLinear {
                packed,
                lower,
                upper,
                eye,
            } => {
                let w = Self::lu_weight(packed, lower, upper, eye)?;
                // det W = det L * prod exp(s) * det U = exp(sum s).
                let log_det = (packed.as_tensor() * eye)?.sum_all()?;
                Ok((x.matmul(&w.t()?)?, log_det.broadcast_as(k)?.contiguous()?))
            }
            Encoder::Mlp { .. } => candle_core::bail!("an mlp is not invertible: no Jacobian"),
            Encoder::Coupling {
                nets,
                split,
                affine,
            } => {
                let width = x.dim(1)?;
                let mut a = x.narrow(1, 0, *split)?;
                let mut b = x.narrow(1, *split, width - split)?;
                let mut log_det = zeros()?;
                for (i, [l1, l2]) in nets.iter().enumerate() {
                    let (from, to) = if i % 2 == 0 { (&a, &b) } else { (&b, &a) };
                    let out = l2.forward(&l1.forward(from)?.relu()?)?;
                    let changed = if *affine {
                        let (log_scale, shift) = split_affine(&out, to.dim(1)?)?;
                        log_det = (log_det + log_scale.sum(1)?)?;
                        ((to * log_scale.exp()?)? + shift)?
                    } else {
                        (to + out)?
                    };
                    if i % 2 == 0 {
                        b = changed;
                    } else {
                        a = changed;
                    }
                }
                Ok((Tensor::cat(&[a, b], 1)?, log_det))
            }
        }
    }

    /// The trainable variables, in creation order (the order `EncoderSpec::build` made them).
    pub fn vars(&self) -> Vec<Var> {
        match self {
            Encoder::Identity => Vec::new(),
            Encoder::Mlp { layers, .. } => layers
                .iter()
                .flat_map(|l| [l.weight.clone(), l.bias.clone()])
                .collect(),
            Encoder::Coupling { nets, .. } => nets
                .iter()
                .flatten()
                .flat_map(|l| [l.weight.clone(), l.bias.clone()])
                .collect(),
            Encoder::InvertibleLinear { packed, .. } => vec![packed.clone()],
        }
    }

    /// The encoder without its last `head` layers (a projection head): the trunk whose output,
    /// the activated hidden layer the head read, is the representation (as in SimCLR). Shares
    /// the variables. `head = 0` is the encoder itself; `None` when there are not more layers
    /// than `head` (only an mlp has layers to cut).
    pub fn without_head(&self, head: usize) -> Option<Encoder> {
        if head == 0 {
            return Some(self.clone());
        }
        match self {
            Encoder::Mlp {
                layers,
                act,
                layer_norm,
                ..
            } if layers.len() > head => Some(Encoder::Mlp {
                layers: layers[..layers.len() - head].to_vec(),
                act: *act,
                layer_norm: *layer_norm,
                trunk: true,
            }),
            _ => None,
        }
    }

    /// A copy with its own variables (same values), e.g. a momentum encoder.
    pub fn deep_copy(&self) -> Result<Encoder> {
        let fresh = |v: &Var| Var::from_tensor(&v.as_tensor().copy()?);
        Ok(match self {
            Encoder::Identity => Encoder::Identity,
            Encoder::Mlp {
                layers,
                act,
                layer_norm,
                trunk,
            } => Encoder::Mlp {
                layers: layers
                    .iter()
                    .map(|l| l.deep_copy())
                    .collect::<Result<_>>()?,
                act: *act,
                layer_norm: *layer_norm,
                trunk: *trunk,
            },
            Encoder::Coupling {
                nets,
                split,
                affine,
            } => Encoder::Coupling {
                nets: nets
                    .iter()
                    .map(|[a, b]| Ok([a.deep_copy()?, b.deep_copy()?]))
                    .collect::<Result<_>>()?,
                split: *split,
                affine: *affine,
            },
            Encoder::InvertibleLinear {
                packed,
                lower,
                upper,
                eye,
            } => Encoder::InvertibleLinear {
                packed: fresh(packed)?,
                lower: lower.clone(),
                upper: upper.clone(),
                eye: eye.clone(),
            },
        })
    }

    /// The inverse of an invertible encoder (identity for identity); `None` for an mlp.
    pub fn inverse(&self, z: &Tensor) -> Option<Result<Tensor>> {
        match self {
            Encoder::Identity => Some(Ok(z.clone())),
            Encoder::InvertibleLinear {
                packed,
                lower,
                upper,
                eye,
            } => Some((|| {
                let w = Self::lu_weight(packed, lower, upper, eye)?;
                let n = w.dim(0)?;
                let flat: Vec<f64> = w
                    .to_dtype(candle_core::DType::F64)?
                    .flatten_all()?
                    .to_vec1()?;
                let inv = crate::dist::linalg::invert(&flat, n)
                    .ok_or_else(|| candle_core::Error::Msg("singular weight".into()))?;
                let inv = Tensor::from_vec(inv, (n, n), z.device())?.to_dtype(z.dtype())?;
                z.matmul(&inv.t()?)
            })()),
            Encoder::Mlp { .. } => None,
            Encoder::Coupling {
                nets,
                split,
                affine,
            } => Some((|| {
                let width = z.dim(1)?;
                let mut a = z.narrow(1, 0, *split)?;
                let mut b = z.narrow(1, *split, width - split)?;
                for (i, [l1, l2]) in nets.iter().enumerate().rev() {
                    let (from, to) = if i % 2 == 0 { (&a, &b) } else { (&b, &a) };
                    let out = l2.forward(&l1.forward(from)?.relu()?)?;
                    let restored = if *affine {
                        let (log_scale, shift) = split_affine(&out, to.dim(1)?)?;
                        ((to - shift)? * log_scale.neg()?.exp()?)?
                    } else {
                        (to - out)?
                    };
                    if i % 2 == 0 {
                        b = restored;
                    } else {
                        a = restored;
                    }
                }
                Tensor::cat(&[a, b], 1)
            })()),
        }
    }
}

/// One of each invertible encoder that can serve as a flow (for tests of densities and
/// Jacobians): additive and affine coupling (3 layers of 8) and the LU map.
#[cfg(test)]
pub(crate) fn every_flow() -> [EncoderSpec; 3] {
    let coupling = |affine| EncoderSpec::Coupling {
        layers: 3,
        hidden: 8,
        affine,
    };
    [
        coupling(false),
        coupling(true),
        EncoderSpec::InvertibleLinear,
    ]
}

/// An affine coupling net's output split into its log-scale, bounded by tanh to (-1, 1) per
/// layer so that training cannot blow the scale up, and its shift.
fn split_affine(out: &Tensor, width: usize) -> Result<(Tensor, Tensor)> {
    Ok((
        out.narrow(1, 0, width)?.tanh()?,
        out.narrow(1, width, width)?,
    ))
}

/// (h - mean) / sqrt(var + 1e-5) along the last dimension, from differentiable basic ops
/// (candle's fused layer norm has no backward pass; REFERENCE.md section 5).
pub fn normalise_rows(h: &Tensor) -> Result<Tensor> {
    let mean = h.mean_keepdim(candle_core::D::Minus1)?;
    let c = h.broadcast_sub(&mean)?;
    let var = c.sqr()?.mean_keepdim(candle_core::D::Minus1)?;
    c.broadcast_div(&(var + 1e-5)?.sqrt()?)
}

#[cfg(test)]
mod size_tests {
    use super::*;

    /// The count a spec declares against the numbers the module built from it holds, for
    /// an mlp, additive and affine coupling, and the identity, each worked out by hand.
    #[test]
    fn param_count_matches_the_built_module() {
        let coupling = |affine| EncoderSpec::Coupling {
            layers: 3,
            hidden: 4,
            affine,
        };
        let cases = [
            // 20 -> 256 -> 256 -> 32: (20*256 + 256) + (256*256 + 256) + (256*32 + 32).
            (
                EncoderSpec::Mlp {
                    hidden: vec![256, 256],
                    out: 32,
                    act: Activation::Relu,
                    layer_norm: false,
                },
                20,
                79_392,
            ),
            // 5 inputs (halves 2 and 3), hidden 4, three layers:
            // (2*4 + 4 + 4*3 + 3) + (3*4 + 4 + 4*2 + 2) + (2*4 + 4 + 4*3 + 3) = 27 + 26 + 27.
            (coupling(false), 5, 80),
            // Affine: each layer's second net gives a scale and a shift, (4 + 1) * 2 * to:
            // (2*4 + 4 + 5*6) + (3*4 + 4 + 5*4) + (2*4 + 4 + 5*6) = 42 + 36 + 42.
            (coupling(true), 5, 120),
            (EncoderSpec::Identity, 20, 0),
        ];
        let mut rng = crate::dist::stream(0, 0, "test");
        for (spec, input, want) in cases {
            assert_eq!(spec.param_count(input), want as f64, "{spec:?}");
            let mut params = Params::default();
            spec.build(input, &mut rng, &Device::Cpu, &mut params)
                .unwrap();
            assert_eq!(params.count(), want, "{spec:?}");
        }
    }

    /// A coupling encoder, additive or affine, is invertible whatever its weights: its inverse
    /// recovers the input (to f32 rounding), and it keeps the width.
    #[test]
    fn coupling_round_trips() {
        for affine in [false, true] {
            let spec = EncoderSpec::Coupling {
                layers: 4,
                hidden: 16,
                affine,
            };
            let mut params = Params::default();
            let mut rng = crate::dist::stream(0, 0, "test");
            let enc = spec.build(5, &mut rng, &Device::Cpu, &mut params).unwrap();
            let x = Tensor::randn(0f32, 1.0, (64, 5), &Device::Cpu).unwrap();
            let z = enc.forward(&x).unwrap();
            assert_eq!(z.dims(), &[64, 5]);
            let max_abs_diff = |a: &Tensor, b: &Tensor| -> f32 {
                (a - b)
                    .and_then(|d| d.abs()?.max_all()?.to_scalar())
                    .unwrap()
            };
            assert!(
                max_abs_diff(&z, &x) > 0.01,
                "the encoder should change its input"
            );
            let back = enc.inverse(&z).unwrap().unwrap();
            let err = max_abs_diff(&back, &x);
            assert!(err < 1e-4, "affine {affine}: {err}");
        }
    }

    /// ln |det| of every invertible encoder against the determinant of its Jacobian taken by
    /// central differences in f64 arithmetic on the f32 map (3 inputs, 4 rows): 0 for additive
    /// coupling, sum s for the LU map, and the sum of tanh-scales for affine coupling.
    #[test]
    fn log_det_matches_a_finite_difference_jacobian() {
        let dev = Device::Cpu;
        for spec in every_flow() {
            let mut params = Params::default();
            let mut rng = crate::dist::stream(0, 1, "test");
            let enc = spec.build(3, &mut rng, &dev, &mut params).unwrap();
            if spec == EncoderSpec::InvertibleLinear {
                let p = [[0.4f32, 0.3, -0.2], [0.5, -0.6, 0.1], [-0.3, 0.8, 0.25]];
                params.vars[0].set(&Tensor::new(&p, &dev).unwrap()).unwrap();
            }
            let rows = [
                [0.3f32, -1.2, 0.8],
                [1.5, 0.2, -0.4],
                [-0.7, -0.9, 2.0],
                [0.0, 0.5, 0.1],
            ];
            let x = Tensor::new(&rows, &dev).unwrap();
            let (_, log_det) = enc.forward_log_det(&x).unwrap();
            let log_det: Vec<f32> = log_det.to_vec1().unwrap();
            let h = 1e-2f32;
            for (r, row) in rows.iter().enumerate() {
                // Column j of the Jacobian: (f(x + h e_j) - f(x - h e_j)) / 2h.
                let mut jac = [[0f64; 3]; 3];
                for j in 0..3 {
                    let (mut up, mut down) = (*row, *row);
                    up[j] += h;
                    down[j] -= h;
                    let f = |v: [f32; 3]| -> Vec<f32> {
                        enc.forward(&Tensor::new(&[v], &dev).unwrap())
                            .unwrap()
                            .to_vec2::<f32>()
                            .unwrap()
                            .remove(0)
                    };
                    let (fu, fd) = (f(up), f(down));
                    for i in 0..3 {
                        jac[i][j] = (fu[i] as f64 - fd[i] as f64) / (2.0 * h as f64);
                    }
                }
                let det = jac[0][0] * (jac[1][1] * jac[2][2] - jac[1][2] * jac[2][1])
                    - jac[0][1] * (jac[1][0] * jac[2][2] - jac[1][2] * jac[2][0])
                    + jac[0][2] * (jac[1][0] * jac[2][1] - jac[1][1] * jac[2][0]);
                let want = det.abs().ln();
                assert!(
                    (log_det[r] as f64 - want).abs() < 0.02,
                    "{spec:?} row {r}: {} vs {want}",
                    log_det[r]
                );
            }
        }
    }

    /// The invertible linear map starts at the identity, is W = L diag(exp s) U for any
    /// weights (checked against the product written out for 2 x 2), and its inverse recovers
    /// the input.
    #[test]
    fn invertible_linear_is_lu_and_round_trips() {
        let spec = EncoderSpec::InvertibleLinear;
        let mut params = Params::default();
        let mut rng = crate::dist::stream(0, 0, "test");
        let enc = spec.build(2, &mut rng, &Device::Cpu, &mut params).unwrap();
        assert_eq!(params.count(), 4);
        assert_eq!(spec.param_count(2), 4.0);
        let x = Tensor::new(&[[1f32, 2.0], [-3.0, 0.5]], &Device::Cpu).unwrap();
        let same: Vec<Vec<f32>> = enc.forward(&x).unwrap().to_vec2().unwrap();
        assert_eq!(same, vec![vec![1.0, 2.0], vec![-3.0, 0.5]]);
        // packed = [[s0, u], [l, s1]]: W = [[1, 0], [l, 1]] diag(e^s0, e^s1) [[1, u], [0, 1]]
        //        = [[e^s0, e^s0 u], [l e^s0, l e^s0 u + e^s1]].
        let (s0, u, l, s1) = (0.3f32, -0.7f32, 1.5f32, -0.2f32);
        params.vars[0]
            .set(&Tensor::new(&[[s0, u], [l, s1]], &Device::Cpu).unwrap())
            .unwrap();
        let (e0, e1) = (s0.exp(), s1.exp());
        let w = [[e0, e0 * u], [l * e0, l * e0 * u + e1]];
        let z: Vec<Vec<f32>> = enc.forward(&x).unwrap().to_vec2().unwrap();
        for (row, zr) in [[1f32, 2.0], [-3.0, 0.5]].iter().zip(&z) {
            for i in 0..2 {
                let want = w[i][0] * row[0] + w[i][1] * row[1];
                assert!((zr[i] - want).abs() < 1e-5, "{z:?}");
            }
        }
        let back: Vec<Vec<f32>> = enc
            .inverse(&enc.forward(&x).unwrap())
            .unwrap()
            .unwrap()
            .to_vec2()
            .unwrap();
        for (b, r) in back.iter().zip([[1f32, 2.0], [-3.0, 0.5]]) {
            assert!(
                (b[0] - r[0]).abs() < 1e-4 && (b[1] - r[1]).abs() < 1e-4,
                "{back:?}"
            );
        }
    }

    /// Cutting a head of one layer off mlp(hidden: [3], out: 2) leaves relu(W1 x + b1), the
    /// 3-wide activated hidden layer, computed here by hand from the weights; two layers
    /// cannot be cut off a two-layer mlp, and only an mlp has a head.
    #[test]
    fn without_head_reads_the_activated_hidden_layer() {
        let spec = EncoderSpec::Mlp {
            hidden: vec![3],
            out: 2,
            act: Activation::Relu,
            layer_norm: false,
        };
        let mut params = Params::default();
        let mut rng = crate::dist::stream(0, 0, "test");
        let enc = spec.build(2, &mut rng, &Device::Cpu, &mut params).unwrap();
        let trunk = enc.without_head(1).unwrap();
        assert_eq!(spec.trunk_width(2, 1), Some(3));
        assert_eq!(spec.trunk_width(2, 2), None);
        assert!(enc.without_head(2).is_none());
        assert!(Encoder::Identity.without_head(1).is_none());
        let x = [0.5f32, -1.5];
        let z: Vec<Vec<f32>> = trunk
            .forward(&Tensor::new(&[x], &Device::Cpu).unwrap())
            .unwrap()
            .to_vec2()
            .unwrap();
        let w: Vec<Vec<f32>> = params.vars[0].as_tensor().to_vec2().unwrap();
        let b: Vec<f32> = params.vars[1].as_tensor().to_vec1().unwrap();
        for j in 0..3 {
            let want = (w[j][0] * x[0] + w[j][1] * x[1] + b[j]).max(0.0);
            assert!((z[0][j] - want).abs() < 1e-6, "{z:?}");
        }
    }
}
