//! Learned log-baselines ln b(y) for the bounds that divide the critic by one (TUBA and the
//! interpolated bound): a single trained constant, or a network of y with one output; and the
//! normalised density models ln q(y) of the difference-of-entropies bound (a mixture of
//! diagonal Gaussians). The baseline is trained alongside the critic and kept with it for
//! evaluation.

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
    /// A normalised density q(y): a mixture of `components` diagonal Gaussians (one: a
    /// Gaussian), trained by likelihood; with a flow, the mixture is of f(y) for an invertible
    /// f, so ln q(y) = ln q_mix(f(y)) + ln |det f'(y)|: a normalising flow.
    Density {
        components: usize,
        flow: Option<EncoderRef>,
    },
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
            BaselineSpec::Density { components, flow } => {
                let m = *components;
                let flow = match flow {
                    Some(e) => Some(e.spec.build(dim_y, rng, device, params)?),
                    None => None,
                };
                // One component starts at N(0, I); several start at means drawn from N(0, I)
                // so that they can separate.
                let means: Vec<f32> = if m == 1 {
                    vec![0.0; dim_y]
                } else {
                    let normal = rand_distr::StandardNormal;
                    (0..m * dim_y)
                        .map(|_| rand::RngExt::sample::<f64, _>(rng, normal) as f32)
                        .collect()
                };
                let var = |t: Tensor, params: &mut Params| -> Result<Var> {
                    let v = Var::from_tensor(&t)?;
                    params.vars.push(v.clone());
                    Ok(v)
                };
                let f32 = candle_core::DType::F32;
                Ok(Baseline::Density {
                    flow,
                    mean: var(Tensor::from_vec(means, (m, dim_y), device)?, params)?,
                    log_sigma: var(Tensor::zeros((m, dim_y), f32, device)?, params)?,
                    logits: var(Tensor::zeros(m, f32, device)?, params)?,
                })
            }
        }
    }

    /// Checks that the network or flow (if any) takes y of width `dim_y`.
    pub fn check_input(&self, dim_y: usize) -> std::result::Result<(), String> {
        match self {
            BaselineSpec::Net(e) | BaselineSpec::Density { flow: Some(e), .. } => {
                e.spec.check_input(dim_y)
            }
            BaselineSpec::Constant | BaselineSpec::Density { flow: None, .. } => Ok(()),
        }
    }

    /// Checks that the network (if any) maps y to one number.
    pub fn check(&self) -> std::result::Result<(), String> {
        match self {
            BaselineSpec::Constant | BaselineSpec::Density { flow: None, .. } => Ok(()),
            BaselineSpec::Density { flow: Some(e), .. } => e.spec.check_flow(),
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
    Density {
        /// An invertible map applied to y first (its log-determinant joins the density).
        flow: Option<Encoder>,
        /// components x dim_y
        mean: Var,
        log_sigma: Var,
        /// unnormalised log mixing weights, one per component
        logits: Var,
    },
}

impl Baseline {
    /// ln b(y_i) for each row of y, as a vector of length K.
    pub fn forward(&self, y: &Tensor) -> Result<Tensor> {
        let k = y.dim(0)?;
        match self {
            Baseline::Constant(c) => c.as_tensor().broadcast_as(k)?.contiguous(),
            Baseline::Net(e) => e.forward(y)?.reshape(k),
            Baseline::Density {
                flow,
                mean,
                log_sigma,
                logits,
            } => {
                // Change of variables: ln q(y) = ln q_mix(f(y)) + ln |det f'(y)|.
                let (y, log_det) = match flow {
                    Some(f) => {
                        let (z, log_det) = f.forward_log_det(y)?;
                        (z, Some(log_det))
                    }
                    None => (y.clone(), None),
                };
                let per_component = super::density::gaussian_log_density(
                    &y,
                    mean.as_tensor(),
                    log_sigma.as_tensor(),
                )?;
                let log_weights = candle_nn::ops::log_softmax(logits.as_tensor(), 0)?;
                let log_q = per_component
                    .broadcast_add(&log_weights.unsqueeze(0)?)?
                    .log_sum_exp(candle_core::D::Minus1)?;
                match log_det {
                    Some(l) => log_q + l,
                    None => Ok(log_q),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// With a flow in front, q(y) = q_mix(f(y)) |det f'(y)| is still a density: its integral
    /// over a 2-D grid wide enough to hold the mass is 1 within 1%, for additive and affine
    /// coupling and the invertible linear map (with weights away from the identity). Without
    /// the Jacobian term the affine and linear flows would miss it.
    #[test]
    fn a_flow_density_integrates_to_one() {
        for spec in crate::nn::encoder::every_flow() {
            flow_density_integrates_to_one(crate::nn::EncoderDecl::new(spec));
        }
    }

    fn flow_density_integrates_to_one(flow: EncoderRef) {
        let dev = Device::Cpu;
        let mut rng = crate::dist::stream(0, 0, "test");
        let mut params = Params::default();
        let linear = flow.spec == crate::nn::EncoderSpec::InvertibleLinear;
        let b = BaselineSpec::Density {
            components: 2,
            flow: Some(flow),
        }
        .build(2, &mut rng, &dev, &mut params)
        .unwrap();
        if linear {
            // The flow's packed LU matrix is the first variable: e^0.3 e^-0.6 is no volume.
            params.vars[0]
                .set(&Tensor::new(&[[0.3f32, 0.5], [-0.4, -0.6]], &dev).unwrap())
                .unwrap();
        }
        let (y, cell) = super::super::density::square_grid(300, -12.0, 12.0, &dev);
        let log_q: Vec<f32> = b.forward(&y).unwrap().to_vec1().unwrap();
        let total: f64 = log_q.iter().map(|&l| (l as f64).exp()).sum::<f64>() * cell;
        assert!((total - 1.0).abs() < 0.01, "{b:?}: {total}");
    }

    /// A two-component mixture in one dimension with set parameters: ln q(y) against
    /// ln(w1 N(y; m1, s1) + w2 N(y; m2, s2)) written out.
    #[test]
    fn mixture_density_matches_the_formula() {
        let dev = Device::Cpu;
        let mut rng = crate::dist::stream(0, 0, "test");
        let mut params = Params::default();
        let b = BaselineSpec::Density {
            components: 2,
            flow: None,
        }
        .build(1, &mut rng, &dev, &mut params)
        .unwrap();
        let Baseline::Density {
            mean,
            log_sigma,
            logits,
            ..
        } = &b
        else {
            panic!("a density")
        };
        mean.set(&Tensor::new(&[[-1f32], [2.0]], &dev).unwrap())
            .unwrap();
        log_sigma
            .set(&Tensor::new(&[[0.3f32], [-0.4]], &dev).unwrap())
            .unwrap();
        logits
            .set(&Tensor::new(&[0.5f32, -0.25], &dev).unwrap())
            .unwrap();
        let ys = [-2.0f64, 0.1, 1.7, 3.5];
        let got: Vec<f32> = b
            .forward(&Tensor::new(&[[-2.0f32], [0.1], [1.7], [3.5]], &dev).unwrap())
            .unwrap()
            .to_vec1()
            .unwrap();
        let (w1, w2) = (0.5f64.exp(), (-0.25f64).exp());
        let (w1, w2) = (w1 / (w1 + w2), w2 / (w1 + w2));
        let n = |y: f64, m: f64, ls: f64| {
            let s = ls.exp();
            (-0.5 * ((y - m) / s).powi(2)).exp() / (s * (2.0 * std::f64::consts::PI).sqrt())
        };
        for (y, g) in ys.iter().zip(got) {
            let want = (w1 * n(*y, -1.0, 0.3) + w2 * n(*y, 2.0, -0.4)).ln();
            assert!((g as f64 - want).abs() < 1e-5, "y = {y}: {g} vs {want}");
        }
    }
}
