//! Encoders: `identity` and `mlp(hidden, out, act)`. An encoder declaration has no input width;
//! it takes the width of whatever it is applied to (the checker infers and checks it).

use std::sync::Arc;

use candle_core::{Device, Result, Tensor};

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
}

impl EncoderSpec {
    /// The output width for a given input width.
    pub fn out_width(&self, input: usize) -> usize {
        match self {
            EncoderSpec::Identity => input,
            EncoderSpec::Mlp { out, .. } => *out,
        }
    }

    /// The widths of the layer outputs (none for identity).
    pub fn layer_widths(&self) -> Vec<usize> {
        match self {
            EncoderSpec::Identity => Vec::new(),
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

/// A built encoder.
#[derive(Debug, Clone)]
pub enum Encoder {
    Identity,
    Mlp {
        layers: Vec<Linear>,
        act: Activation,
        layer_norm: bool,
    },
}

impl Encoder {
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        match self {
            Encoder::Identity => Ok(x.clone()),
            Encoder::Mlp {
                layers,
                act,
                layer_norm,
            } => {
                let mut h = x.clone();
                for (i, l) in layers.iter().enumerate() {
                    h = l.forward(&h)?;
                    if i + 1 < layers.len() {
                        if *layer_norm {
                            h = normalise_rows(&h)?;
                        }
                        h = act.apply(&h)?;
                    }
                }
                Ok(h)
            }
        }
    }
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

    /// 20 -> 256 -> 256 -> 32: (20*256 + 256) + (256*256 + 256) + (256*32 + 32) = 79,392, and
    /// the module built from the spec has exactly that many numbers.
    #[test]
    fn param_count_matches_the_built_module() {
        let spec = EncoderSpec::Mlp {
            hidden: vec![256, 256],
            out: 32,
            act: Activation::Relu,
            layer_norm: false,
        };
        assert_eq!(spec.param_count(20), 79_392.0);
        let mut params = Params::default();
        let mut rng = crate::dist::stream(0, 0, "test");
        spec.build(20, &mut rng, &Device::Cpu, &mut params).unwrap();
        let built: usize = params.vars.iter().map(|v| v.as_tensor().elem_count()).sum();
        assert_eq!(built, 79_392);
        assert_eq!(EncoderSpec::Identity.param_count(20), 0.0);
    }
}
