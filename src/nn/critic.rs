//! Critics f(x, y) and their score matrices. A critic maps a batch of K pairs to the K x K
//! matrix `s[i][j] = f(x_j, y_i)`: the diagonal holds the joint samples, the rest stand in for
//! the product of marginals (REFERENCE.md section 2).

use candle_core::{Device, Result, Tensor, D};

use super::encoder::{Activation, Encoder, EncoderRef, EncoderSpec};
use super::layers::{Linear, Params};
use crate::dist::Rng;

/// What a critic declaration describes.
#[derive(Debug, Clone)]
pub enum CriticSpec {
    Separable {
        g: EncoderRef,
        h: EncoderRef,
        /// g and h are one network (same declared encoder, or h omitted).
        shared: bool,
        temperature: f64,
        normalize: bool,
    },
    Concat {
        f: EncoderRef,
    },
    Bilinear {
        g: EncoderRef,
        h: EncoderRef,
        shared: bool,
    },
    Fixed {
        weight: f64,
    },
    Oracle {
        data: crate::dist::DataRef,
    },
    /// A Gaussian conditional density q(y | x) = N(mean(x), diag sigma(x)^2): the score is
    /// ln q(y_i | x_j), trained by likelihood (CLUB, difference of entropies). With a flow, the
    /// Gaussian is of f(y) for an invertible f (coupling layers or the LU map), so
    /// q(y | x) = N(f(y); mean(x), diag sigma(x)^2) |det f'(y)|: a normalising flow
    /// conditioned through its base distribution.
    Conditional {
        mean: EncoderRef,
        /// ln sigma(x); one learned vector when omitted.
        log_scale: Option<EncoderRef>,
        /// An invertible encoder applied to y first.
        flow: Option<EncoderRef>,
    },
}

fn enc_name(e: &EncoderRef) -> String {
    e.name.clone().unwrap_or_else(|| "the encoder".into())
}

impl CriticSpec {
    /// Whether the critic embeds x on its own (separable, bilinear), so that a probe can read
    /// its representation.
    pub fn has_x_encoder(&self) -> bool {
        matches!(
            self,
            CriticSpec::Separable { .. } | CriticSpec::Bilinear { .. }
        )
    }

    /// Whether the critic has parameters to train (not `oracle`, `fixed`, or a separable critic
    /// of identity encoders): only such a run has a training trace.
    pub fn trains(&self) -> bool {
        match self {
            CriticSpec::Separable { g, h, .. } => {
                g.spec != EncoderSpec::Identity || h.spec != EncoderSpec::Identity
            }
            CriticSpec::Bilinear { .. }
            | CriticSpec::Concat { .. }
            | CriticSpec::Conditional { .. } => true,
            CriticSpec::Fixed { .. } | CriticSpec::Oracle { .. } => false,
        }
    }

    /// The encoders of x and y of a critic that embeds both sides (separable, bilinear); for a
    /// shared one, the same encoder twice.
    pub fn encoders(&self) -> Option<(&EncoderRef, &EncoderRef)> {
        match self {
            CriticSpec::Separable { g, h, .. } | CriticSpec::Bilinear { g, h, .. } => Some((g, h)),
            CriticSpec::Concat { .. }
            | CriticSpec::Fixed { .. }
            | CriticSpec::Oracle { .. }
            | CriticSpec::Conditional { .. } => None,
        }
    }

    /// Widths of the representations of x and y with the last `head` layers of each encoder
    /// cut off (a projection head); the message says why they cannot be cut.
    pub fn trunk_widths(
        &self,
        dim_x: usize,
        dim_y: usize,
        head: usize,
    ) -> std::result::Result<(usize, usize), String> {
        let Some((g, h)) = self.encoders() else {
            return Err("the critic has no encoders".into());
        };
        let width = |e: &EncoderRef, d: usize| {
            e.spec.trunk_width(d, head).ok_or_else(|| {
                format!(
                    "{} has {} layer{}, so there is no head of {head} to cut off",
                    enc_name(e),
                    e.spec.layer_widths().len(),
                    if e.spec.layer_widths().len() == 1 {
                        ""
                    } else {
                        "s"
                    }
                )
            })
        };
        Ok((width(g, dim_x)?, width(h, dim_y)?))
    }

    /// Checks that the critic fits data of the given widths; the message says what does not.
    pub fn check_shapes(&self, dim_x: usize, dim_y: usize) -> std::result::Result<(), String> {
        if let CriticSpec::Separable { g, h, .. } | CriticSpec::Bilinear { g, h, .. } = self {
            g.spec.check_input(dim_x)?;
            h.spec.check_input(dim_y)?;
        }
        match self {
            CriticSpec::Separable { g, h, shared, .. } => {
                if *shared && dim_x != dim_y {
                    return Err(format!(
                        "`{}` is applied to both x ({dim_x} wide) and y ({dim_y} wide), but one network cannot take both widths",
                        enc_name(g)
                    ));
                }
                let (gw, hw) = (g.spec.out_width(dim_x), h.spec.out_width(dim_y));
                if gw != hw {
                    return Err(format!(
                        "a dot product needs equal embedding widths, but g maps x to {gw} and h maps y to {hw}"
                    ));
                }
                Ok(())
            }
            CriticSpec::Bilinear { g, shared, .. } => {
                if *shared && dim_x != dim_y {
                    return Err(format!(
                        "`{}` is applied to both x ({dim_x} wide) and y ({dim_y} wide), but one network cannot take both widths",
                        enc_name(g)
                    ));
                }
                Ok(())
            }
            CriticSpec::Fixed { .. } => {
                if dim_x != dim_y {
                    return Err(format!(
                        "a fixed critic takes x . y, but x is {dim_x} wide and y {dim_y} wide"
                    ));
                }
                Ok(())
            }
            CriticSpec::Oracle { data } => {
                let (ox, oy) = (data.dist.dim_x(), data.dist.dim_y());
                if (ox, oy) != (dim_x, dim_y) {
                    return Err(format!(
                        "the oracle's distribution has x {ox} wide and y {oy} wide, but the data has {dim_x} and {dim_y}"
                    ));
                }
                Ok(())
            }
            CriticSpec::Conditional {
                mean,
                log_scale,
                flow,
            } => {
                // The flow's kind is checked where it is declared (catalog); here its width.
                if let Some(f) = flow {
                    f.spec.check_input(dim_y)?;
                }
                for (what, e) in std::iter::once(("mean", mean))
                    .chain(log_scale.iter().map(|l| ("log_scale", l)))
                {
                    e.spec.check_input(dim_x)?;
                    let w = e.spec.out_width(dim_x);
                    if w != dim_y {
                        return Err(format!(
                            "a conditional density of y needs `{what}` to map x ({dim_x} wide) to one number per coordinate of y ({dim_y}), but `{}` gives {w}",
                            enc_name(e)
                        ));
                    }
                }
                Ok(())
            }
            CriticSpec::Concat { f } => {
                let w = f.spec.out_width(dim_x + dim_y);
                if w != 1 {
                    return Err(format!(
                        "a concat critic needs a scalar score, but `{}` maps [x, y] ({} wide) to {w} outputs",
                        enc_name(f),
                        dim_x + dim_y
                    ));
                }
                Ok(())
            }
        }
    }

    /// Roughly the bytes one training step needs at batch size `k` (f32): every parameter four
    /// times (value, gradient, Adam's two moments), the activations of the forward pass twice
    /// (kept for the backward pass, and their gradients), the K x K score matrix four times.
    /// An estimate for refusing impossible runs before they start, not an accounting.
    pub fn training_bytes(&self, dim_x: usize, dim_y: usize, k: usize) -> f64 {
        let k = k as f64;
        let tower = |e: &EncoderRef, input: usize| {
            let acts: f64 = e.spec.layer_widths().iter().map(|&w| w as f64).sum();
            (e.spec.param_count(input), k * (acts + input as f64))
        };
        let (params, acts) = match self {
            CriticSpec::Separable { g, h, shared, .. } | CriticSpec::Bilinear { g, h, shared } => {
                let (pg, ag) = tower(g, dim_x);
                let (ph, ah) = tower(h, dim_y);
                (if *shared { pg } else { pg + ph }, ag + ah)
            }
            // The first layer and everything after it run on all K^2 pairs.
            CriticSpec::Concat { f } => {
                let input = dim_x + dim_y;
                let acts: f64 = f.spec.layer_widths().iter().map(|&w| w as f64).sum();
                (f.spec.param_count(input), k * k * acts)
            }
            CriticSpec::Conditional {
                mean,
                log_scale,
                flow,
            } => {
                let (pm, am) = tower(mean, dim_x);
                let (pl, al) = log_scale
                    .as_ref()
                    .map_or((dim_y as f64, 0.0), |l| tower(l, dim_x));
                let (pf, af) = flow.as_ref().map_or((0.0, 0.0), |f| tower(f, dim_y));
                (pm + pl + pf, am + al + af)
            }
            CriticSpec::Fixed { .. } | CriticSpec::Oracle { .. } => (0.0, 0.0),
        };
        4.0 * (4.0 * params + 2.0 * acts + 4.0 * k * k)
    }

    /// Floating-point operations of one forward pass over a batch of K pairs (all K^2 scores):
    /// two per multiply-add of every layer, on K rows for separable towers and on K^2 pairs for
    /// a concat critic (whose first layer is factorised: K rows each side, then K^2 adds). Like
    /// `training_bytes`, an estimate for budgets, not an accounting.
    pub fn forward_flops(&self, dim_x: usize, dim_y: usize, k: usize) -> f64 {
        let k = k as f64;
        match self {
            CriticSpec::Separable { g, h, .. } | CriticSpec::Bilinear { g, h, .. } => {
                let out = g.spec.out_width(dim_x) as f64;
                2.0 * k * (g.spec.param_count(dim_x) + h.spec.param_count(dim_y))
                    + 2.0 * k * k * out
                    + if matches!(self, CriticSpec::Bilinear { .. }) {
                        2.0 * k * out * out
                    } else {
                        0.0
                    }
            }
            CriticSpec::Concat { f } => {
                let input = dim_x + dim_y;
                let widths = f.spec.layer_widths();
                let first = widths.first().copied().unwrap_or(1) as f64;
                let rest = (f.spec.param_count(input) - (input as f64 + 1.0) * first).max(0.0);
                2.0 * k * input as f64 * first + k * k * first + 2.0 * k * k * rest
            }
            CriticSpec::Fixed { .. } => 2.0 * k * k * dim_x as f64,
            // Two towers on K rows of x (and the flow on K rows of y), then three K x K
            // products over y's width.
            CriticSpec::Conditional {
                mean,
                log_scale,
                flow,
            } => {
                2.0 * k
                    * (mean.spec.param_count(dim_x)
                        + log_scale
                            .as_ref()
                            .map_or(0.0, |l| l.spec.param_count(dim_x))
                        + flow.as_ref().map_or(0.0, |f| f.spec.param_count(dim_y)))
                    + 6.0 * k * k * dim_y as f64
            }
            // A log-density ratio per pair: quadratic forms in the joint's width.
            CriticSpec::Oracle { .. } => {
                let d = (dim_x + dim_y) as f64;
                2.0 * k * k * d * d
            }
        }
    }

    /// Floating-point operations of one training step at batch K: the forward pass, a backward
    /// pass of about twice its cost, and Adam's update (about ten per parameter).
    pub fn step_flops(&self, dim_x: usize, dim_y: usize, k: usize) -> f64 {
        let params = match self {
            CriticSpec::Separable { g, h, shared, .. } | CriticSpec::Bilinear { g, h, shared } => {
                g.spec.param_count(dim_x)
                    + if *shared {
                        0.0
                    } else {
                        h.spec.param_count(dim_y)
                    }
            }
            CriticSpec::Concat { f } => f.spec.param_count(dim_x + dim_y),
            CriticSpec::Conditional {
                mean,
                log_scale,
                flow,
            } => {
                mean.spec.param_count(dim_x)
                    + log_scale
                        .as_ref()
                        .map_or(dim_y as f64, |l| l.spec.param_count(dim_x))
                    + flow.as_ref().map_or(0.0, |f| f.spec.param_count(dim_y))
            }
            CriticSpec::Fixed { .. } | CriticSpec::Oracle { .. } => 0.0,
        };
        3.0 * self.forward_flops(dim_x, dim_y, k) + 10.0 * params
    }

    /// Creates the critic for data of the given widths, with seeded initial parameters.
    pub fn build(
        &self,
        dim_x: usize,
        dim_y: usize,
        rng: &mut Rng,
        device: &Device,
    ) -> Result<(Critic, Params)> {
        let mut params = Params::default();
        let critic = match self {
            CriticSpec::Separable {
                g,
                h,
                shared,
                temperature,
                normalize,
            } => {
                let ge = g.spec.build(dim_x, rng, device, &mut params)?;
                let he = if *shared {
                    None
                } else {
                    Some(h.spec.build(dim_y, rng, device, &mut params)?)
                };
                Critic::Separable {
                    g: ge,
                    h: he,
                    temperature: *temperature,
                    normalize: *normalize,
                }
            }
            CriticSpec::Bilinear { g, h, shared } => {
                let ge = g.spec.build(dim_x, rng, device, &mut params)?;
                let he = if *shared {
                    None
                } else {
                    Some(h.spec.build(dim_y, rng, device, &mut params)?)
                };
                let (e1, e2) = (g.spec.out_width(dim_x), h.spec.out_width(dim_y));
                // W starts like a linear layer from e2 to e1 (uniform in +-1/sqrt(e2)).
                let w = Linear::new(e2, e1, rng, device, &mut params)?.weight;
                Critic::Bilinear { g: ge, h: he, w }
            }
            CriticSpec::Fixed { weight } => Critic::Fixed { weight: *weight },
            CriticSpec::Oracle { data } => Critic::Oracle {
                dist: data.dist.clone(),
                shift: 0.0,
                quadratic: data.dist.quadratic_pmi().map(std::sync::Arc::new),
            },
            CriticSpec::Conditional {
                mean,
                log_scale,
                flow,
            } => {
                let mean = mean.spec.build(dim_x, rng, device, &mut params)?;
                let log_scale = match log_scale {
                    Some(l) => LogScale::Net(l.spec.build(dim_x, rng, device, &mut params)?),
                    // sigma = 1 to start with.
                    None => {
                        let v = candle_core::Var::from_tensor(&Tensor::zeros(
                            (1, dim_y),
                            candle_core::DType::F32,
                            device,
                        )?)?;
                        params.vars.push(v.clone());
                        LogScale::Learned(v)
                    }
                };
                let flow = match flow {
                    Some(f) => Some(f.spec.build(dim_y, rng, device, &mut params)?),
                    None => None,
                };
                Critic::Conditional {
                    mean,
                    log_scale,
                    flow,
                }
            }
            CriticSpec::Concat { f } => match &f.spec {
                EncoderSpec::Mlp {
                    hidden, out, act, ..
                } => {
                    let mut layers = Vec::new();
                    let mut width = dim_x + dim_y;
                    for &w in hidden.iter().chain(std::iter::once(out)) {
                        layers.push(Linear::new(width, w, rng, device, &mut params)?);
                        width = w;
                    }
                    Critic::Concat {
                        layers,
                        act: *act,
                        dim_x,
                    }
                }
                // Ruled out by check_shapes (identity and the invertible encoders keep the
                // pair's width).
                EncoderSpec::Identity
                | EncoderSpec::Coupling { .. }
                | EncoderSpec::InvertibleLinear => {
                    candle_core::bail!("a concat critic needs an mlp")
                }
            },
        };
        Ok((critic, params))
    }
}

/// A built critic.
#[derive(Debug, Clone)]
pub enum Critic {
    Separable {
        g: Encoder,
        /// `None` when y goes through g as well.
        h: Option<Encoder>,
        temperature: f64,
        normalize: bool,
    },
    Concat {
        layers: Vec<Linear>,
        act: Activation,
        dim_x: usize,
    },
    Bilinear {
        g: Encoder,
        h: Option<Encoder>,
        /// e_g x e_h
        w: candle_core::Var,
    },
    Fixed {
        weight: f64,
    },
    Oracle {
        dist: std::sync::Arc<dyn crate::dist::Distribution>,
        /// Added to the pointwise MI: the evaluating bound's optimal constant.
        shift: f64,
        /// ln r as a quadratic form (Gaussian families): whole batches by matrix products.
        quadratic: Option<std::sync::Arc<crate::dist::QuadraticPmi>>,
    },
    Conditional {
        mean: Encoder,
        log_scale: LogScale,
        /// An invertible map applied to y first (its log-determinant joins the density).
        flow: Option<Encoder>,
    },
}

/// ln sigma(x) of a conditional critic.
#[derive(Debug, Clone)]
pub enum LogScale {
    /// One learned vector (1 x dim_y), the same for every x.
    Learned(candle_core::Var),
    Net(Encoder),
}

impl Critic {
    /// The representation of x: the x encoder's output (before any normalisation of the
    /// scores), for critics that have one (separable, bilinear); `None` for the others.
    pub fn embed_x(&self, x: &Tensor) -> Option<Result<Tensor>> {
        match self {
            Critic::Separable { g, .. } | Critic::Bilinear { g, .. } => Some(g.forward(x)),
            Critic::Concat { .. }
            | Critic::Fixed { .. }
            | Critic::Oracle { .. }
            | Critic::Conditional { .. } => None,
        }
    }

    /// The representation of y: h(y), or g(y) when one network embeds both sides.
    pub fn embed_y(&self, y: &Tensor) -> Option<Result<Tensor>> {
        match self {
            Critic::Separable { g, h, .. } | Critic::Bilinear { g, h, .. } => {
                Some(h.as_ref().unwrap_or(g).forward(y))
            }
            Critic::Concat { .. }
            | Critic::Fixed { .. }
            | Critic::Oracle { .. }
            | Critic::Conditional { .. } => None,
        }
    }

    /// The critic with `shift` added to an oracle's scores (the constant an evaluating bound's
    /// optimal critic needs: NWJ's optimum is 1 + ln r); other critics are unchanged.
    pub fn with_oracle_shift(&self, shift: f64) -> std::borrow::Cow<'_, Critic> {
        match self {
            Critic::Oracle {
                dist, quadratic, ..
            } => std::borrow::Cow::Owned(Critic::Oracle {
                dist: dist.clone(),
                shift,
                quadratic: quadratic.clone(),
            }),
            other => std::borrow::Cow::Borrowed(other),
        }
    }
}

/// Rows of h(y) against all of g(x): (hy g(x)^T) / temperature.
fn dot_scores(hy: &Tensor, gx: &Tensor, temperature: f64) -> Result<Tensor> {
    let s = hy.matmul(&gx.t()?)?;
    if temperature == 1.0 {
        Ok(s)
    } else {
        s / temperature
    }
}

fn l2_normalize(x: &Tensor) -> Result<Tensor> {
    let norm = (x.sqr()?.sum_keepdim(D::Minus1)? + 1e-12)?.sqrt()?;
    x.broadcast_div(&norm)
}

impl Critic {
    /// For a separable critic: the embeddings g(x) and h(y) (normalised if asked) and the
    /// temperature; `None` for other critics.
    fn separable_embeddings(
        &self,
        x: &Tensor,
        y: &Tensor,
    ) -> Result<Option<(Tensor, Tensor, f64)>> {
        let Critic::Separable {
            g,
            h,
            temperature,
            normalize,
        } = self
        else {
            return Ok(None);
        };
        let mut gx = g.forward(x)?;
        let mut hy = h.as_ref().unwrap_or(g).forward(y)?;
        if *normalize {
            gx = l2_normalize(&gx)?;
            hy = l2_normalize(&hy)?;
        }
        Ok(Some((gx, hy, *temperature)))
    }

    /// The score matrices of consecutive batches of `k` rows of x and y (whose row count is a
    /// multiple of k). A separable critic embeds all rows in one pass, which is much faster
    /// than one small forward pass per batch.
    pub fn scores_batches(&self, x: &Tensor, y: &Tensor, k: usize) -> Result<Vec<Tensor>> {
        let n = x.dim(0)?;
        match self.separable_embeddings(x, y)? {
            Some((gx, hy, t)) => (0..n / k)
                .map(|b| dot_scores(&hy.narrow(0, b * k, k)?, &gx.narrow(0, b * k, k)?, t))
                .collect(),
            None => (0..n / k)
                .map(|b| self.scores(&x.narrow(0, b * k, k)?, &y.narrow(0, b * k, k)?))
                .collect(),
        }
    }

    /// Streams the K x K score matrix of one batch in blocks of at most `block` rows:
    /// `f(rows, row0)` sees rows row0 .. row0 + len. Only one block is in memory at a time, so
    /// batches far larger than any dense matrix can be evaluated.
    pub fn stream_rows(
        &self,
        x: &Tensor,
        y: &Tensor,
        block: usize,
        mut f: impl FnMut(&Tensor, usize) -> Result<()>,
    ) -> Result<()> {
        let k = y.dim(0)?;
        let embeddings = self.separable_embeddings(x, y)?;
        let mut row0 = 0;
        while row0 < k {
            let len = block.min(k - row0);
            let rows = match &embeddings {
                Some((gx, hy, t)) => dot_scores(&hy.narrow(0, row0, len)?, gx, *t)?,
                None => self.scores(x, &y.narrow(0, row0, len)?)?,
            };
            f(&rows, row0)?;
            row0 += len;
        }
        Ok(())
    }

    /// The critic whose encoders are cut below their last `head` layers (a projection head),
    /// for reading representations; `None` if an encoder has no more than `head` layers, or
    /// the critic has no encoders.
    pub fn without_head(&self, head: usize) -> Option<Critic> {
        if head == 0 {
            return Some(self.clone());
        }
        let cut = |h: &Option<Encoder>| match h {
            Some(e) => e.without_head(head).map(Some),
            None => Some(None),
        };
        match self {
            Critic::Separable {
                g,
                h,
                temperature,
                normalize,
            } => Some(Critic::Separable {
                g: g.without_head(head)?,
                h: cut(h)?,
                temperature: *temperature,
                normalize: *normalize,
            }),
            Critic::Bilinear { g, h, w } => Some(Critic::Bilinear {
                g: g.without_head(head)?,
                h: cut(h)?,
                w: w.clone(),
            }),
            Critic::Concat { .. }
            | Critic::Fixed { .. }
            | Critic::Oracle { .. }
            | Critic::Conditional { .. } => None,
        }
    }

    /// The encoder of x (separable, bilinear), e.g. to copy as a momentum encoder.
    pub fn x_encoder(&self) -> Option<&Encoder> {
        match self {
            Critic::Separable { g, .. } | Critic::Bilinear { g, .. } => Some(g),
            Critic::Concat { .. }
            | Critic::Fixed { .. }
            | Critic::Oracle { .. }
            | Critic::Conditional { .. } => None,
        }
    }

    /// The keys of x as this critic scores them, computed by `encoder` (a momentum copy of
    /// the critic's own x encoder), detached: normalised if the critic normalises.
    pub fn keys(&self, encoder: &Encoder, x: &Tensor) -> Result<Tensor> {
        let k = encoder.forward(x)?.detach();
        match self {
            Critic::Separable {
                normalize: true, ..
            } => l2_normalize(&k),
            _ => Ok(k),
        }
    }

    /// Scores of each y against given x keys (rows y_i, one column per key), for critics with
    /// an encoder of x alone; `None` for others.
    pub fn scores_against_keys(&self, y: &Tensor, keys: &Tensor) -> Result<Option<Tensor>> {
        match self {
            Critic::Separable {
                g,
                h,
                temperature,
                normalize,
            } => {
                let mut hy = h.as_ref().unwrap_or(g).forward(y)?;
                if *normalize {
                    hy = l2_normalize(&hy)?;
                }
                dot_scores(&hy, keys, *temperature).map(Some)
            }
            Critic::Bilinear { g, h, w } => {
                let hy = h.as_ref().unwrap_or(g).forward(y)?;
                hy.matmul(&w.as_tensor().t()?)?.matmul(&keys.t()?).map(Some)
            }
            Critic::Concat { .. }
            | Critic::Fixed { .. }
            | Critic::Oracle { .. }
            | Critic::Conditional { .. } => Ok(None),
        }
    }

    /// The K x K score matrix `s[i][j] = f(x_j, y_i)` for x: K x dim_x and y: K x dim_y.
    pub fn scores(&self, x: &Tensor, y: &Tensor) -> Result<Tensor> {
        if let Some((gx, hy, t)) = self.separable_embeddings(x, y)? {
            return dot_scores(&hy, &gx, t);
        }
        match self {
            Critic::Separable { .. } => unreachable!("handled by separable_embeddings"),
            Critic::Bilinear { g, h, w } => {
                let gx = g.forward(x)?;
                let hy = h.as_ref().unwrap_or(g).forward(y)?;
                hy.matmul(&w.as_tensor().t()?)?.matmul(&gx.t()?)
            }
            Critic::Fixed { weight } => y.matmul(&x.t()?)? * *weight,
            Critic::Conditional {
                mean,
                log_scale,
                flow,
            } => {
                let mu = mean.forward(x)?;
                let ls = match log_scale {
                    LogScale::Learned(v) => v.as_tensor().clone(),
                    LogScale::Net(e) => e.forward(x)?,
                };
                // Change of variables: ln q(y_i | x_j) = ln N(f(y_i); mu_j, sigma_j^2) +
                // ln |det f'(y_i)|, the same for every x in row i.
                match flow {
                    Some(f) => {
                        let (fy, log_det) = f.forward_log_det(y)?;
                        super::density::gaussian_log_density(&fy, &mu, &ls)?
                            .broadcast_add(&log_det.unsqueeze(1)?)
                    }
                    None => super::density::gaussian_log_density(y, &mu, &ls),
                }
            }
            Critic::Oracle {
                quadratic: Some(q),
                shift,
                ..
            } => quadratic_scores(q, *shift, x, y),
            Critic::Oracle { dist, shift, .. } => {
                let xs: Vec<Vec<f32>> = x.to_vec2()?;
                let ys: Vec<Vec<f32>> = y.to_vec2()?;
                let k = xs.len();
                let xs: Vec<Vec<f64>> = xs
                    .iter()
                    .map(|r| r.iter().map(|&v| v as f64).collect())
                    .collect();
                let ys: Vec<Vec<f64>> = ys
                    .iter()
                    .map(|r| r.iter().map(|&v| v as f64).collect())
                    .collect();
                let mut s = Vec::with_capacity(ys.len() * k);
                for yi in &ys {
                    for xj in &xs {
                        // Outside the joint support the ratio is 0: a score of -1e30 stands for ln 0.
                        let v = dist
                            .pointwise_mi(xj, yi)
                            .map(|v| v + shift)
                            .unwrap_or(-1e30);
                        s.push(v as f32);
                    }
                }
                Tensor::from_vec(s, (ys.len(), k), x.device())
            }
            Critic::Concat { layers, act, dim_x } => {
                // The first layer on [x_j, y_i] splits as W_x x_j + W_y y_i + b, so the K^2
                // pairs cost two K-row products plus a broadcast add instead of a K^2-row one.
                let (kx, ky) = (x.dim(0)?, y.dim(0)?);
                let first = &layers[0];
                let w = first.weight.as_tensor();
                let dim_y = y.dim(1)?;
                let wx = w.narrow(1, 0, *dim_x)?;
                let wy = w.narrow(1, *dim_x, dim_y)?;
                let a = x.matmul(&wx.t()?)?; // K x H, indexed by j
                let b = y.matmul(&wy.t()?)?; // K x H, indexed by i
                let width = a.dim(1)?;
                let mut h = b
                    .unsqueeze(1)?
                    .broadcast_add(&a.unsqueeze(0)?)?
                    .broadcast_add(&first.bias)?
                    .reshape((ky * kx, width))?;
                for l in &layers[1..] {
                    h = act.apply(&h)?;
                    h = l.forward(&h)?;
                }
                h.reshape((ky, kx))
            }
        }
    }
}

/// The oracle's K x K scores (rows y_i, columns x_j) from quadratic forms, in f64 matrix
/// products: q_z as a K x K matrix, q_x one per column, q_y one per row. A mixture adds up its
/// components' densities with a running log-sum-exp over K x K matrices.
fn quadratic_scores(
    q: &crate::dist::QuadraticPmi,
    shift: f64,
    x: &Tensor,
    y: &Tensor,
) -> Result<Tensor> {
    use crate::dist::{FormDensity, QuadraticForms, QuadraticPmi};
    use candle_core::DType;
    let (x, y) = (x.to_dtype(DType::F64)?, y.to_dtype(DType::F64)?);
    let (dx, dy) = (x.dim(1)?, y.dim(1)?);
    let dev = x.device().clone();
    let m = |v: &[f64], r: usize, c: usize| Tensor::from_slice(v, (r, c), &dev);
    // v^T M v for each row v of `rows`.
    let form = |rows: &Tensor, mat: Tensor| (rows.matmul(&mat)? * rows)?.sum(D::Minus1);
    // q_z (K x K), q_x (1 x K), q_y (K x 1) of rows x and y.
    let forms_of = |f: &QuadraticForms, x: &Tensor, y: &Tensor| -> Result<[Tensor; 3]> {
        let qzx = form(x, m(&f.pxx, dx, dx)?)?.unsqueeze(0)?;
        let qzy = form(y, m(&f.pyy, dy, dy)?)?.unsqueeze(1)?;
        let cross = y.matmul(&m(&f.pxy, dx, dy)?.t()?)?.matmul(&x.t()?)?; // y_i^T P_yx x_j
        let qz = (cross * 2.0)?.broadcast_add(&qzx)?.broadcast_add(&qzy)?;
        let qx = form(x, m(&f.sxx_inv, dx, dx)?)?.unsqueeze(0)?;
        let qy = form(y, m(&f.syy_inv, dy, dy)?)?.unsqueeze(1)?;
        Ok([qz, qx, qy])
    };
    let density = |f: &FormDensity, q: &Tensor| -> Result<Tensor> {
        match *f {
            FormDensity::Gaussian { c } => q.affine(-0.5, c),
            FormDensity::Student { c, nu, k } => q
                .affine(1.0 / nu, 1.0)?
                .log()?
                .affine(-(nu + k as f64) / 2.0, c),
        }
    };
    let s = match q {
        QuadraticPmi::Gaussian { forms, c } => {
            let [qz, qx, qy] = forms_of(forms, &x, &y)?;
            qz.broadcast_sub(&qx)?
                .broadcast_sub(&qy)?
                .affine(-0.5, c + shift)?
        }
        QuadraticPmi::Student { forms, c, nu } => {
            // -(nu + k)/2 ln(1 + q/nu) for a form over k coordinates.
            let tail =
                |q: &Tensor, k: usize| density(&FormDensity::Student { c: 0.0, nu: *nu, k }, q);
            let [qz, qx, qy] = forms_of(forms, &x, &y)?;
            tail(&qz, dx + dy)?
                .broadcast_sub(&tail(&qx, dx)?)?
                .broadcast_sub(&tail(&qy, dy)?)?
                .affine(1.0, c + shift)?
        }
        QuadraticPmi::Mixture(terms) => {
            // ln(e^a + e^b), elementwise (a and b broadcast to one shape).
            let lse = |a: Option<Tensor>, b: Tensor| -> Result<Tensor> {
                let Some(a) = a else { return Ok(b) };
                let hi = a.maximum(&b)?;
                let sum = (a.broadcast_sub(&hi)?.exp()? + b.broadcast_sub(&hi)?.exp()?)?;
                hi + sum.log()?
            };
            let (mut joint, mut px, mut py) = (None, None, None);
            for t in terms {
                let cx = x.broadcast_sub(&m(&t.mean_x, 1, dx)?)?;
                let cy = y.broadcast_sub(&m(&t.mean_y, 1, dy)?)?;
                let [qz, qx, qy] = forms_of(&t.forms, &cx, &cy)?;
                let lx = (density(&t.x, &qx)? + t.log_weight)?;
                let ly = (density(&t.y, &qy)? + t.log_weight)?;
                let lj = match &t.joint {
                    Some(f) => (density(f, &qz)? + t.log_weight)?,
                    None => (lx.broadcast_add(&ly)? - t.log_weight)?,
                };
                joint = Some(lse(joint, lj)?);
                px = Some(lse(px, lx)?);
                py = Some(lse(py, ly)?);
            }
            let (Some(joint), Some(px), Some(py)) = (joint, px, py) else {
                candle_core::bail!("a mixture without components");
            };
            (joint.broadcast_sub(&px)?.broadcast_sub(&py)? + shift)?
        }
    };
    s.to_dtype(DType::F32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::encoder::EncoderDecl;

    fn mlp(hidden: Vec<usize>, out: usize) -> EncoderRef {
        EncoderDecl::new(EncoderSpec::Mlp {
            hidden,
            out,
            act: Activation::Relu,
            layer_norm: false,
        })
    }

    /// With an affine coupling flow in front of its Gaussian (so the Jacobian term matters), the
    /// conditional critic is still a density of y for each x: for three x (columns) with
    /// x-dependent mean and scale, the integral of exp(s_ij) over a 2-D grid of y is 1 within
    /// 1%, and it differs from the critic without the flow (so the flow is applied).
    #[test]
    fn a_conditional_flow_density_integrates_to_one() {
        let dev = Device::Cpu;
        let mut rng = crate::dist::stream(0, 0, "test");
        let flow = EncoderDecl::new(EncoderSpec::Coupling {
            layers: 3,
            hidden: 8,
            affine: true,
        });
        let spec = |flow: Option<EncoderRef>| CriticSpec::Conditional {
            mean: mlp(vec![8], 2),
            log_scale: Some(mlp(vec![8], 2)),
            flow,
        };
        let (critic, _) = spec(Some(flow)).build(1, 2, &mut rng, &dev).unwrap();
        let mut rng = crate::dist::stream(0, 0, "test");
        let (plain, _) = spec(None).build(1, 2, &mut rng, &dev).unwrap();
        let (y, cell) = super::super::density::square_grid(300, -14.0, 14.0, &dev);
        let x = Tensor::new(&[[-1.0f32], [0.0], [1.5]], &dev).unwrap();
        let s: Vec<Vec<f32>> = critic.scores(&x, &y).unwrap().to_vec2().unwrap();
        let p: Vec<Vec<f32>> = plain.scores(&x, &y).unwrap().to_vec2().unwrap();
        for j in 0..3 {
            let total: f64 = s.iter().map(|r| (r[j] as f64).exp()).sum::<f64>() * cell;
            assert!((total - 1.0).abs() < 0.01, "x {j}: {total}");
        }
        let moved = s
            .iter()
            .zip(&p)
            .map(|(a, b)| (a[0] - b[0]).abs())
            .fold(0.0f32, f32::max);
        assert!(moved > 0.1, "the flow changed nothing: {moved}");
    }

    /// The oracle's matrix path gives the pair-by-pair pointwise MI, for the correlated
    /// Gaussian, a multinormal and a Student-t with x 2 and y 3 wide and correlations inside
    /// and across the blocks, and a mixture of a Gaussian, a Student-t and a product component.
    #[test]
    fn quadratic_oracle_scores_equal_the_pairwise_ones() {
        use crate::dist::mixture::{Component, Mixture, Shape};
        use crate::dist::multinormal::{Covariance, GaussianBlocks, MultiNormal};
        use crate::dist::{gaussian::Gaussian, Distribution};
        use std::sync::Arc;
        let mut m = vec![0.0; 25];
        for i in 0..5 {
            for j in 0..5 {
                m[i * 5 + j] = if i == j {
                    1.0
                } else {
                    0.3 + 0.05 * ((i + j) % 3) as f64
                };
            }
        }
        let cov = Covariance {
            dim_x: 2,
            dim_y: 3,
            matrix: m,
        };
        let dists: Vec<Arc<dyn Distribution>> = vec![
            Arc::new(Gaussian { dim: 3, rho: 0.8 }),
            Arc::new(MultiNormal {
                g: GaussianBlocks::new(&cov).unwrap(),
            }),
            Arc::new(crate::dist::student::Student {
                g: GaussianBlocks::new(&cov).unwrap(),
                nu: 2.5,
            }),
            // One component of each family, with different means.
            Arc::new(Mixture::new(
                [Shape::Gaussian, Shape::Student { dof: 3.0 }, Shape::Product]
                    .into_iter()
                    .enumerate()
                    .map(|(k, shape)| Component {
                        mean: (0..5)
                            .map(|i| (k as f64 - 1.0) * (1.0 + 0.3 * i as f64))
                            .collect(),
                        cov: cov.clone(),
                        label: 0,
                        shape,
                    })
                    .collect(),
                &[0.5, 0.3, 0.2],
            )),
        ];
        for d in dists {
            let mut rng = crate::dist::stream(0, 0, "test");
            let s = d.sample(7, &mut rng);
            let dev = Device::Cpu;
            let x = Tensor::from_vec(
                s.x.iter().map(|&v| v as f32).collect::<Vec<_>>(),
                (7, s.dim_x),
                &dev,
            )
            .unwrap();
            let y = Tensor::from_vec(
                s.y.iter().map(|&v| v as f32).collect::<Vec<_>>(),
                (7, s.dim_y),
                &dev,
            )
            .unwrap();
            let q = d.quadratic_pmi().expect("a quadratic form");
            let fast = Critic::Oracle {
                dist: d.clone(),
                shift: 0.5,
                quadratic: Some(Arc::new(q)),
            };
            let slow = Critic::Oracle {
                dist: d.clone(),
                shift: 0.5,
                quadratic: None,
            };
            let a: Vec<Vec<f32>> = fast.scores(&x, &y).unwrap().to_vec2().unwrap();
            let b: Vec<Vec<f32>> = slow.scores(&x, &y).unwrap().to_vec2().unwrap();
            for i in 0..7 {
                for j in 0..7 {
                    assert!(
                        (a[i][j] - b[i][j]).abs() < 1e-4 * (1.0 + b[i][j].abs()),
                        "{i},{j}: {} vs {}",
                        a[i][j],
                        b[i][j]
                    );
                }
            }
        }
    }

    /// Counted by hand: a 3 -> 4 -> 2 tower has 3*4 + 4 + 4*2 + 2 = 26 parameters, i.e. 26
    /// multiply-adds per row (biases counted as one each), on K = 5 rows per side, plus the
    /// 5 x 5 x 2 dot products of the score matrix.
    #[test]
    fn forward_flops_match_a_hand_count() {
        let g = mlp(vec![4], 2);
        let sep = CriticSpec::Separable {
            g: g.clone(),
            h: g.clone(),
            shared: true,
            temperature: 1.0,
            normalize: false,
        };
        assert_eq!(
            sep.forward_flops(3, 3, 5),
            2.0 * 5.0 * 52.0 + 2.0 * 25.0 * 2.0
        );
        // Training: three forward passes' worth and ten per (shared) parameter for Adam.
        assert_eq!(sep.step_flops(3, 3, 5), 3.0 * 620.0 + 10.0 * 26.0);
        // Concat on [x, y] (6 wide) -> 4 -> 1: the first layer once per row of each side
        // (6 * 4 multiply-adds in all), then 25 pairs of adds of 4 and 4 * 1 + 1 parameters.
        let cat = CriticSpec::Concat { f: mlp(vec![4], 1) };
        assert_eq!(
            cat.forward_flops(3, 3, 5),
            2.0 * 5.0 * 6.0 * 4.0 + 25.0 * 4.0 + 2.0 * 25.0 * 5.0
        );
    }
}
