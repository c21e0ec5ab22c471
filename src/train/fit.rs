//! Trains one seed of a run: Adam on the negated bound, each step on a fresh batch drawn from
//! the seed's own training stream.

use candle_core::{Device, Result, Tensor};
use candle_nn::optim::{AdamW, Optimizer, ParamsAdamW};

use super::RunSpec;
use crate::dist::{self, Sample};
use crate::nn::Critic;

/// A trained critic and what happened while training it.
#[derive(Debug)]
pub struct Trained {
    pub critic: Critic,
    /// (step, training-batch estimate), about 20 points.
    pub trace: Vec<(usize, f64)>,
    /// Why training stopped early, if the loss stopped being finite.
    pub diverged: Option<String>,
    pub steps_done: usize,
    pub seconds: f64,
}

/// Converts a sample to f32 tensors on the device.
pub fn to_tensors(s: &Sample, device: &Device) -> Result<(Tensor, Tensor)> {
    let x: Vec<f32> = s.x.iter().map(|&v| v as f32).collect();
    let y: Vec<f32> = s.y.iter().map(|&v| v as f32).collect();
    Ok((
        Tensor::from_vec(x, (s.n, s.dim_x), device)?,
        Tensor::from_vec(y, (s.n, s.dim_y), device)?,
    ))
}

/// Trains seed `seed_index` of `spec` for `steps` steps.
pub fn fit(
    spec: &RunSpec,
    steps: usize,
    file_seed: u64,
    seed_index: usize,
    device: &Device,
) -> Result<Trained> {
    let start = std::time::Instant::now();
    let data = &spec.data.dist;
    let Some(spec_t) = spec.train() else {
        candle_core::bail!("run `{}` does not train", spec.name)
    };
    let mut init_rng = dist::stream(file_seed, seed_index, "init");
    let mut train_rng = dist::stream(file_seed, seed_index, "train");
    // The trace is measured on its own held-out stream, never on training batches.
    let mut trace_rng = dist::stream(file_seed, seed_index, "trace");
    let (critic, params) =
        spec_t
            .critic
            .build(data.dim_x(), data.dim_y(), &mut init_rng, device)?;
    let mut opt = AdamW::new(
        params.vars.clone(),
        ParamsAdamW {
            lr: spec_t.lr,
            beta1: spec_t.betas.0,
            beta2: spec_t.betas.1,
            eps: 1e-8,
            weight_decay: spec_t.weight_decay,
        },
    )?;
    // A critic without parameters (oracle, fixed) has nothing to train.
    let steps = if params.vars.is_empty() { 0 } else { steps };
    let every = (steps / 20).max(1);
    let mut trace = Vec::new();
    let mut diverged = None;
    let mut steps_done = 0;
    for step in 0..steps {
        let batch = data.sample(spec_t.batch, &mut train_rng);
        let (x, y) = to_tensors(&batch, device)?;
        let scores = critic.scores(&x, &y)?;
        let loss = spec_t.bound.loss(&scores)?;
        let record = step % every == 0 || step + 1 == steps;
        if record || step % 50 == 0 {
            let l: f32 = loss.to_scalar()?;
            if !l.is_finite() {
                diverged = Some(format!("loss became {l} at step {step}"));
                break;
            }
            if record {
                let held_out = data.sample(spec_t.batch, &mut trace_rng);
                let (hx, hy) = to_tensors(&held_out, device)?;
                let est: f32 = spec_t
                    .bound
                    .estimate(&critic.scores(&hx, &hy)?)?
                    .to_scalar()?;
                trace.push((step, est as f64));
            }
        }
        let mut grads = loss.backward()?;
        if let Some(max_norm) = spec_t.clip {
            clip_gradients(&mut grads, &params.vars, max_norm)?;
        }
        opt.step(&grads)?;
        steps_done = step + 1;
    }
    Ok(Trained {
        critic,
        trace,
        diverged,
        steps_done,
        seconds: start.elapsed().as_secs_f64(),
    })
}

/// Scales all gradients so that their global L2 norm is at most `max_norm`.
fn clip_gradients(
    grads: &mut candle_core::backprop::GradStore,
    vars: &[candle_core::Var],
    max_norm: f64,
) -> Result<()> {
    let mut total = 0.0f64;
    for v in vars {
        if let Some(g) = grads.get(v.as_tensor()) {
            let s: f32 = g.sqr()?.sum_all()?.to_scalar()?;
            total += s as f64;
        }
    }
    let norm = total.sqrt();
    if norm > max_norm && norm.is_finite() {
        let scale = max_norm / norm;
        for v in vars {
            if let Some(g) = grads.get(v.as_tensor()) {
                let scaled = (g * scale)?;
                grads.insert(v.as_tensor(), scaled);
            }
        }
    }
    Ok(())
}
