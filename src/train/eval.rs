//! Evaluates a trained critic under a bound at batch size K on fresh held-out samples (a
//! stream no training batch came from), averaging over batches until the evaluation noise is
//! small.

use candle_core::{Device, Result};

use super::fit::to_tensors;
use crate::bounds::Bound;
use crate::dist::{Distribution, Rng};
use crate::nn::Critic;

/// The standard error of the evaluation mean at which evaluation stops (nats). Seed-to-seed
/// spreads of trained critics are typically several times larger.
pub const TARGET_STD_ERR: f64 = 0.003;
/// Fewest and most batches; the most is also capped by `MAX_PAIRS` samples in all.
pub const MIN_BATCHES: usize = 16;
pub const MAX_PAIRS: usize = 1 << 17;

/// One evaluation: mean over batches and its standard error.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Evaluation {
    pub mean: f64,
    pub std_err: f64,
    pub batches: usize,
}

pub fn evaluate(
    critic: &Critic,
    bound: &dyn Bound,
    data: &dyn Distribution,
    k: usize,
    rng: &mut Rng,
    device: &Device,
) -> Result<Evaluation> {
    let max_batches = (MAX_PAIRS / k).max(MIN_BATCHES);
    let mut values = Vec::new();
    let (mut sum, mut sum_sq) = (0.0f64, 0.0f64);
    loop {
        let s = data.sample(k, rng);
        let (x, y) = to_tensors(&s, device)?;
        let v: f32 = bound.estimate(&critic.scores(&x, &y)?)?.to_scalar()?;
        let v = v as f64;
        values.push(v);
        sum += v;
        sum_sq += v * v;
        let n = values.len() as f64;
        let mean = sum / n;
        let var = ((sum_sq - n * mean * mean) / (n - 1.0).max(1.0)).max(0.0);
        let se = (var / n).sqrt();
        if !v.is_finite() {
            return Ok(Evaluation {
                mean: v,
                std_err: f64::NAN,
                batches: values.len(),
            });
        }
        let enough = values.len() >= MIN_BATCHES && se <= TARGET_STD_ERR;
        if enough || values.len() >= max_batches {
            return Ok(Evaluation {
                mean,
                std_err: se,
                batches: values.len(),
            });
        }
    }
}
