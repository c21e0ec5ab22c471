//! Evaluates a trained critic under a bound at batch size K on fresh held-out samples (a
//! stream no training batch came from), averaging over batches until the evaluation noise is
//! small.

use candle_core::{Device, Result};

use super::fit::to_tensors;
use crate::bounds::Bound;
use crate::dist::{Distribution, Rng};
use crate::nn::Critic;

/// The standard error of the evaluation mean at which evaluation stops (nats): small next to
/// the seed-to-seed spread of trained critics (typically 0.005 to 0.1 nats).
pub const TARGET_STD_ERR: f64 = 0.001;
/// Fewest batches; the most is capped by `MAX_PAIRS` samples in all (and at least the fewest).
pub const MIN_BATCHES: usize = 32;
pub const MAX_PAIRS: usize = 1 << 19;
/// Batches drawn and scored together (one embedding pass for separable critics).
const CHUNK_PAIRS: usize = 8192;

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
    let per_chunk = (CHUNK_PAIRS / k).max(1);
    let (mut n, mut sum, mut sum_sq) = (0usize, 0.0f64, 0.0f64);
    loop {
        let batches = per_chunk.min(max_batches - n);
        let s = data.sample(batches * k, rng);
        let (x, y) = to_tensors(&s, device)?;
        for scores in critic.scores_batches(&x, &y, k)? {
            let v: f32 = bound.estimate(&scores)?.to_scalar()?;
            let v = v as f64;
            if !v.is_finite() {
                return Ok(Evaluation {
                    mean: v,
                    std_err: f64::NAN,
                    batches: n + 1,
                });
            }
            n += 1;
            sum += v;
            sum_sq += v * v;
        }
        let mean = sum / n as f64;
        let var = ((sum_sq - n as f64 * mean * mean) / (n as f64 - 1.0).max(1.0)).max(0.0);
        let se = (var / n as f64).sqrt();
        if (n >= MIN_BATCHES && se <= TARGET_STD_ERR) || n >= max_batches {
            return Ok(Evaluation {
                mean,
                std_err: se,
                batches: n,
            });
        }
    }
}
