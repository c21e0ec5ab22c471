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

/// One training batch's loss, the scores' gradient, and what the critic's backward pass needs.
pub struct FastStep {
    pub loss: f32,
    scores_grad: Vec<f32>,
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

    /// The K x K scores of a batch (row-major) and what the backward pass needs.
    fn scores(&self, batch: &Sample) -> (Vec<f32>, Forward) {
        self.critic
            .forward(&self.params, as_f32(&batch.x), as_f32(&batch.y), batch.n)
    }

    /// The bound's estimate on a held-out batch (no gradient).
    pub fn estimate(&self, bound: &dyn Bound, batch: &Sample, device: &Device) -> Result<f64> {
        let (s, _) = self.scores(batch);
        let s = Tensor::from_vec(s, (batch.n, batch.n), device)?;
        let v: f32 = bound.estimate_with(&s, None)?.to_scalar()?;
        Ok(v as f64)
    }

    /// A training batch's loss and the gradient in its scores: by the bound's hand-written
    /// form when it has one, else by candle's autograd on the score matrix alone.
    pub fn forward(
        &self,
        bound: &dyn Bound,
        batch: &Sample,
        device: &Device,
        state: &mut LossState,
    ) -> Result<FastStep> {
        let k = batch.n;
        let (s, forward) = self.scores(batch);
        if let Some((loss, scores_grad)) = bound.loss_and_gradient(&s, k) {
            return Ok(FastStep {
                loss: loss as f32,
                scores_grad,
                forward,
            });
        }
        let scores = Var::from_tensor(&Tensor::from_vec(s, (k, k), device)?)?;
        let loss = bound.loss(scores.as_tensor(), None, state)?;
        let scores_grad = match loss.backward()?.get(scores.as_tensor()) {
            Some(g) => g.flatten_all()?.to_vec1()?,
            None => vec![0.0; k * k],
        };
        Ok(FastStep {
            loss: loss.to_scalar()?,
            scores_grad,
            forward,
        })
    }

    /// One optimiser step: back through the critic, clipped to the run's norm, then AdamW.
    pub fn step(&mut self, step: FastStep) {
        self.params.zero_grads();
        self.critic
            .backward(&mut self.params, step.forward, &step.scores_grad);
        if let Some(scale) = self
            .clip
            .and_then(|max_norm| crate::nn::clip_scale(self.params.grad_norm(), max_norm))
        {
            self.params.scale_grads(scale as f32);
        }
        self.params.adamw_step(&self.adamw);
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
