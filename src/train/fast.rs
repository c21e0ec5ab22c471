//! Training steps on the CPU fast path (`nn::fast`): the critic's forward and backward pass by
//! hand, the scores' gradient from the bound's own candle code, AdamW in place. `fit` takes this
//! path when `FastTrainer::new` accepts the run, and the plain candle path otherwise (or when
//! `MICA_REFERENCE=1` asks for it: the reference the agreement tests compare against).

use candle_core::{Device, Result, Tensor, Var};

use crate::bounds::{Bound, LossState};
use crate::dist::Sample;
use crate::ir::TrainSpec;
use crate::nn::fast::{AdamW, FastCritic, FastParams, Forward};
use crate::nn::{Critic, Params};

/// Set (to anything) to train every critic on the plain candle path.
pub const REFERENCE_ENV: &str = "MICA_REFERENCE";

/// A critic being trained on the fast path, with its optimiser state.
pub struct FastTrainer {
    critic: FastCritic,
    params: FastParams,
    adamw: AdamW,
    clip: Option<f64>,
}

/// The scores of one training batch, as a variable the bound's loss is differentiated in.
pub struct FastScores {
    pub scores: Var,
    forward: Forward,
}

fn as_f32(v: &[f64]) -> Vec<f32> {
    v.iter().map(|&a| a as f32).collect()
}

impl FastTrainer {
    /// The fast path for this run, when it applies: on the CPU, for a critic `FastCritic`
    /// computes, a bound without a learned baseline and no queue of negatives.
    pub fn new(
        spec: &TrainSpec,
        bound: &dyn Bound,
        critic: &Critic,
        params: &Params,
        device: &Device,
    ) -> Result<Option<FastTrainer>> {
        if !device.is_cpu() || bound.baseline().is_some() || spec.negatives.is_some() {
            return Ok(None);
        }
        let Some((critic, fast_params)) = FastCritic::new(critic, params)? else {
            return Ok(None);
        };
        Ok(Some(FastTrainer {
            critic,
            params: fast_params,
            adamw: AdamW {
                lr: spec.lr,
                beta1: spec.beta1,
                beta2: spec.beta2,
                eps: 1e-8,
                weight_decay: spec.weight_decay,
            },
            clip: spec.clip,
        }))
    }

    /// The K x K scores of a batch, and what the backward pass needs.
    pub fn scores(&self, batch: &Sample, device: &Device) -> Result<FastScores> {
        let (s, forward) =
            self.critic
                .forward(&self.params, as_f32(&batch.x), as_f32(&batch.y), batch.n);
        let scores = Var::from_tensor(&Tensor::from_vec(s, (batch.n, batch.n), device)?)?;
        Ok(FastScores { scores, forward })
    }

    /// The bound's estimate on a held-out batch (no gradient).
    pub fn estimate(&self, bound: &dyn Bound, batch: &Sample, device: &Device) -> Result<f64> {
        let s = self.scores(batch, device)?;
        let v: f32 = bound
            .estimate_with(s.scores.as_tensor(), None)?
            .to_scalar()?;
        Ok(v as f64)
    }

    /// The training loss of a batch's scores.
    pub fn loss(&self, bound: &dyn Bound, s: &FastScores, state: &mut LossState) -> Result<Tensor> {
        bound.loss(s.scores.as_tensor(), None, state)
    }

    /// One optimiser step: the loss's gradient in the scores (candle), back through the critic
    /// (by hand), clipped to the run's norm, then AdamW.
    pub fn step(&mut self, loss: &Tensor, s: FastScores) -> Result<()> {
        let grads = loss.backward()?;
        let k = s.scores.dim(0)?;
        let ds: Vec<f32> = match grads.get(s.scores.as_tensor()) {
            Some(g) => g.flatten_all()?.to_vec1()?,
            None => vec![0.0; k * k],
        };
        self.params.zero_grads();
        self.critic.backward(&mut self.params, s.forward, &ds);
        if let Some(max_norm) = self.clip {
            let norm = self.params.grad_norm();
            if norm > max_norm && norm.is_finite() {
                self.params.scale_grads((max_norm / norm) as f32);
            }
        }
        self.params.adamw_step(&self.adamw);
        Ok(())
    }

    /// Copies the trained values into the critic's variables.
    pub fn write_back(&self, params: &Params) -> Result<()> {
        self.params.write_back(params)
    }
}

/// Whether `fit` trains this run on the fast path (on this device).
pub fn takes_fast_path(spec: &crate::ir::RunSpec, device: &Device) -> Result<bool> {
    let Some(t) = spec.train() else {
        return Ok(false);
    };
    let data = &spec.data().dist;
    let mut rng = crate::dist::stream(0, 0, "init");
    let (critic, params) = t
        .critic
        .build(data.dim_x(), data.dim_y(), &mut rng, device)?;
    Ok(FastTrainer::new(t, t.bound.as_ref(), &critic, &params, device)?.is_some())
}
