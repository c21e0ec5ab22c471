//! Learned log-baselines ln b(y) for the bounds that divide the critic by one (TUBA and the
//! interpolated bound): a single trained constant, or a network of y with one output. The
//! baseline is trained alongside the critic and kept with it for evaluation.

use candle_core::{Device, Result, Tensor, Var};

use super::encoder::{Encoder, EncoderRef};
use super::layers::Params;
use crate::dist::Rng;

/// What a bound declares: how its baseline is parameterised.
#[derive(Debug, Clone, PartialEq)]
pub enum BaselineSpec {
    /// One trained number, starting at 0 (b = 1).
    Constant,
    /// A network of y with a single output.
    Net(EncoderRef),
}

impl BaselineSpec {
    /// Creates the baseline for y of width `dim_y`, with seeded initial parameters.
    pub fn build(
        &self,
        dim_y: usize,
        rng: &mut Rng,
        device: &Device,
        params: &mut Params,
    ) -> Result<Baseline> {
        match self {
            BaselineSpec::Constant => {
                let v = Var::from_tensor(&Tensor::zeros(1, candle_core::DType::F32, device)?)?;
                params.vars.push(v.clone());
                Ok(Baseline::Constant(v))
            }
            BaselineSpec::Net(e) => Ok(Baseline::Net(e.spec.build(dim_y, rng, device, params)?)),
        }
    }

    /// Checks that the network (if any) maps y to one number.
    pub fn check(&self) -> std::result::Result<(), String> {
        match self {
            BaselineSpec::Constant => Ok(()),
            BaselineSpec::Net(e) => match &e.spec {
                crate::nn::EncoderSpec::Mlp { out: 1, .. } => Ok(()),
                crate::nn::EncoderSpec::Mlp { out, .. } => Err(format!(
                    "a baseline network must output one number per y, but this one outputs {out}"
                )),
                crate::nn::EncoderSpec::Identity => {
                    Err("a baseline must be an mlp(..., out: 1), not the identity".into())
                }
                crate::nn::EncoderSpec::Coupling { .. } => Err(
                    "a baseline must be an mlp(..., out: 1), not a coupling encoder (it keeps its input's width)".into(),
                ),
                crate::nn::EncoderSpec::InvertibleLinear => Err(
                    "a baseline must be an mlp(..., out: 1), not an invertible linear map (it keeps its input's width)".into(),
                ),
            },
        }
    }
}

/// A built baseline.
#[derive(Debug, Clone)]
pub enum Baseline {
    Constant(Var),
    Net(Encoder),
}

impl Baseline {
    /// ln b(y_i) for each row of y, as a vector of length K.
    pub fn forward(&self, y: &Tensor) -> Result<Tensor> {
        let k = y.dim(0)?;
        match self {
            Baseline::Constant(c) => c.as_tensor().broadcast_as(k)?.contiguous(),
            Baseline::Net(e) => e.forward(y)?.reshape(k),
        }
    }
}
