//! Dense layers with deliberate, seeded initialisation, and the parameter list an optimiser
//! updates.
//!
//! Initialisation follows PyTorch's `nn.Linear` default (weights and biases uniform in
//! +-1/sqrt(fan_in)), because the published results mica re-checks were obtained with it and
//! candle's own default (Kaiming-normal) changes short-run estimates noticeably (REFERENCE.md
//! section 5). Values come from a seeded ChaCha stream, never from candle's unseeded RNG.

use candle_core::{DType, Device, Result, Tensor, Var};
use rand::RngExt as _;

use crate::dist::Rng;

/// The factor that brings gradients of global L2 norm `norm` down to `max_norm`, when they
/// exceed it (and the norm is finite); both training paths (candle's and the fast one) clip
/// by it.
pub fn clip_scale(norm: f64, max_norm: f64) -> Option<f64> {
    (norm > max_norm && norm.is_finite()).then(|| max_norm / norm)
}

/// The trainable variables of a model, in creation order (so iteration is deterministic).
#[derive(Debug, Default, Clone)]
pub struct Params {
    pub vars: Vec<Var>,
}

impl Params {
    pub fn count(&self) -> usize {
        self.vars.iter().map(|v| v.elem_count()).sum()
    }
}

/// y = x W^T + b
#[derive(Debug, Clone)]
pub struct Linear {
    pub weight: Var,
    pub bias: Var,
}

impl Linear {
    pub fn new(
        fan_in: usize,
        fan_out: usize,
        rng: &mut Rng,
        device: &Device,
        params: &mut Params,
    ) -> Result<Self> {
        let bound = 1.0 / (fan_in as f64).sqrt();
        let mut draw = |n: usize| -> Vec<f32> {
            (0..n)
                .map(|_| rng.random_range(-bound..bound) as f32)
                .collect()
        };
        let w = Tensor::from_vec(draw(fan_in * fan_out), (fan_out, fan_in), device)?;
        let b = Tensor::from_vec(draw(fan_out), fan_out, device)?;
        let weight = Var::from_tensor(&w.to_dtype(DType::F32)?)?;
        let bias = Var::from_tensor(&b)?;
        params.vars.push(weight.clone());
        params.vars.push(bias.clone());
        Ok(Linear { weight, bias })
    }

    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        x.matmul(&self.weight.t()?)?.broadcast_add(&self.bias)
    }

    /// A copy with its own variables (same values).
    pub fn deep_copy(&self) -> Result<Self> {
        Ok(Linear {
            weight: Var::from_tensor(&self.weight.as_tensor().copy()?)?,
            bias: Var::from_tensor(&self.bias.as_tensor().copy()?)?,
        })
    }
}
