//! Trains one seed of a run: Adam on the negated bound, each step on a fresh batch drawn from
//! the seed's own training stream (from the current stage, for a staircase), with a trace of
//! held-out estimates and optional early stopping on it.

use candle_core::{Device, Result, Tensor};
use candle_nn::optim::{AdamW, Optimizer, ParamsAdamW};

use super::fast::{FastTrainer, REFERENCE_ENV};
use super::progress::JobProgress;
use super::Cancel;
use crate::bounds::LossState;
use crate::dist::{self, staircase, Part, Sample};
use crate::ir::{RunSpec, TrainSpec};
use crate::nn::{Baseline, Critic, Params};

/// A trained critic and what happened while training it.
#[derive(Debug)]
pub struct Trained {
    pub critic: Critic,
    /// The learned baseline, for bounds that train one (TUBA, interpolated).
    pub baseline: Option<Baseline>,
    /// (step, held-out estimate at the training batch size), up to 100 points per stage.
    pub trace: Vec<(usize, f64)>,
    /// Why training stopped early, if the loss stopped being finite.
    pub diverged: Option<String>,
    /// The step early stopping kept the critic from, if it stopped training early.
    pub stopped_at: Option<usize>,
    pub steps_done: usize,
    pub seconds: f64,
    /// Training was cancelled before its last step; the critic is unfinished.
    pub interrupted: bool,
}

/// Trace points per stage of training (the trace samples a held-out batch every
/// steps / (stages x this) steps, but at most every `MIN_TRACE_INTERVAL` steps).
pub const TRACE_POINTS_PER_STAGE: usize = 100;
/// Short runs trace every this many steps (so tracing costs a few percent of training),
/// unless early stopping needs more points.
pub const MIN_TRACE_INTERVAL: usize = 10;

/// A trained critic whose estimate leaves +-this many nats has diverged: no task mica declares
/// comes within two orders of magnitude of it (ln of 10^12 symbols is 27.6 nats), while a
/// diverging critic runs off to 1e15 and beyond.
pub const PLAUSIBLE_NATS: f64 = 1e4;

/// Whether an estimate of a trained critic is a number a converging run can produce.
pub fn plausible(estimate: f64) -> bool {
    estimate.is_finite() && estimate.abs() <= PLAUSIBLE_NATS
}

/// Early stopping smooths the trace over this many points.
pub const STOP_WINDOW: usize = 10;

/// Converts a sample to f32 tensors on the device.
pub fn to_tensors(s: &Sample, device: &Device) -> Result<(Tensor, Tensor)> {
    let x: Vec<f32> = s.x.iter().map(|&v| v as f32).collect();
    let y: Vec<f32> = s.y.iter().map(|&v| v as f32).collect();
    Ok((
        Tensor::from_vec(x, (s.n, s.dim_x), device)?,
        Tensor::from_vec(y, (s.n, s.dim_y), device)?,
    ))
}

/// Trains seed `seed_index` of `spec` for `steps` steps, stopping early (marked
/// `interrupted`) once `cancel` is set; on the CPU fast path where it applies, unless
/// `MICA_REFERENCE` is set.
pub fn fit(
    spec: &RunSpec,
    steps: usize,
    file_seed: u64,
    seed_index: usize,
    device: &Device,
    cancel: &Cancel,
    progress: &JobProgress,
) -> Result<Trained> {
    fit_on(
        TrainPath::from_env(),
        spec,
        steps,
        file_seed,
        seed_index,
        device,
        cancel,
        progress,
    )
}

/// Which implementation trains a critic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrainPath {
    /// The hand-written CPU path (`nn::fast`) where it applies, candle's autograd elsewhere.
    Fast,
    /// Candle's autograd and candle_nn's AdamW for every critic: the reference.
    Reference,
}

impl TrainPath {
    /// The path `fit` takes: the reference when `MICA_REFERENCE` is set.
    pub fn from_env() -> TrainPath {
        if std::env::var_os(REFERENCE_ENV).is_some() {
            TrainPath::Reference
        } else {
            TrainPath::Fast
        }
    }
}

/// `fit` on a chosen path (the agreement tests train the same run on both).
#[allow(clippy::too_many_arguments)]
pub fn fit_on(
    path: TrainPath,
    spec: &RunSpec,
    steps: usize,
    file_seed: u64,
    seed_index: usize,
    device: &Device,
    cancel: &Cancel,
    progress: &JobProgress,
) -> Result<Trained> {
    let start = std::time::Instant::now();
    let data = &spec.data().dist;
    let Some(spec_t) = spec.train() else {
        candle_core::bail!("run `{}` does not train", spec.name)
    };
    let bound = spec_t.bound.as_ref();
    let mut init_rng = dist::stream(file_seed, seed_index, "init");
    let mut train_rng = dist::stream(file_seed, seed_index, "train");
    // The trace is measured on its own held-out stream, never on training batches.
    let mut trace_rng = dist::stream(file_seed, seed_index, "trace");
    let (critic, mut params) =
        spec_t
            .critic
            .build(data.dim_x(), data.dim_y(), &mut init_rng, device)?;
    // A critic without parameters (oracle, fixed) has nothing to train, nor has its baseline.
    let trains = !params.vars.is_empty();
    let baseline = match bound.baseline() {
        Some(b) => Some(b.build(data.dim_y(), &mut init_rng, device, &mut params)?),
        None => None,
    };
    let mut opt = optimiser(spec_t, &params)?;
    let mut fast = match path {
        TrainPath::Fast => FastTrainer::new(spec_t, bound, &critic, &params, device)?,
        TrainPath::Reference => None,
    };
    let steps = if trains { steps } else { 0 };
    let stages = data.stage_count();
    let every = trace_interval(steps, stages, spec_t.patience);
    let estimate = |x: &Tensor, y: &Tensor| -> Result<f64> {
        let log_b = baseline.as_ref().map(|b| b.forward(y)).transpose()?;
        let v: f32 = bound
            .estimate_with(&critic.scores(x, y)?, log_b.as_ref())?
            .to_scalar()?;
        Ok(v as f64)
    };
    let mut state = LossState::default();
    let mut trace = Vec::new();
    let mut diverged = None;
    let mut steps_done = 0;
    let mut stopper = spec_t.patience.map(EarlyStopping::new);
    let mut stopped_at = None;
    let mut interrupted = false;
    // With a queue of negatives: past x keys, newest first, at most `negatives` of them, from
    // a momentum copy of the x encoder (MoCo, He et al. 2020).
    let mut queue: Option<Tensor> = None;
    let momentum = match spec_t.negatives {
        Some(_) => match critic.x_encoder() {
            Some(g) => Some(g.deep_copy()?),
            None => candle_core::bail!("a queue of negatives needs a separable or bilinear critic"),
        },
        None => None,
    };
    for step in 0..steps {
        if cancel.is_cancelled() {
            interrupted = true;
            break;
        }
        progress.step(step, None);
        let stage = staircase::stage_of(step, steps, stages);
        let now = data.stage(stage).unwrap_or(data.as_ref());
        // A user's rows are split: training batches from the training part, the trace from
        // the held-out part.
        let batch = now.sample_part(Part::Train, spec_t.batch, &mut train_rng);
        let loss = match fast.as_ref() {
            Some(f) => StepLoss::Fast(f.forward(bound, &batch, device, &mut state)?),
            None => StepLoss::Reference(reference_loss(
                &batch,
                device,
                &critic,
                baseline.as_ref(),
                bound,
                &mut state,
                (&momentum, spec_t.negatives),
                &mut queue,
            )?),
        };
        let record = step % every == 0 || step + 1 == steps;
        if record || step % 50 == 0 {
            let l = loss.value()?;
            if !l.is_finite() {
                diverged = Some(format!("loss became {l} at step {step}"));
                break;
            }
        }
        if record {
            let held_out = now.sample_part(Part::HeldOut, spec_t.batch, &mut trace_rng);
            let est = match fast.as_ref() {
                Some(f) => f.estimate(bound, &held_out, device)?,
                None => {
                    let (hx, hy) = to_tensors(&held_out, device)?;
                    estimate(&hx, &hy)?
                }
            };
            if !plausible(est) {
                diverged = Some(format!(
                    "the held-out estimate reached {est:.3e} nats at step {step}"
                ));
                break;
            }
            trace.push((step, est));
            progress.step(step, Some(est));
            if let Some(s) = stopper.as_mut() {
                if let Some(f) = fast.as_ref() {
                    f.write_back(&params)?;
                }
                if let Some(at) = s.observe(&trace, step, &params)? {
                    stopped_at = Some(at);
                    break;
                }
            }
        }
        match (fast.as_mut(), loss) {
            (Some(f), StepLoss::Fast(s)) => f.step(s),
            (_, StepLoss::Fast(_)) => unreachable!("a fast step comes from the fast trainer"),
            (_, StepLoss::Reference(loss)) => {
                let mut grads = loss.backward()?;
                if let Some(max_norm) = spec_t.clip {
                    clip_gradients(&mut grads, &params.vars, max_norm)?;
                }
                opt.step(&grads)?;
            }
        }
        if let (Some(key_encoder), Some(g)) = (&momentum, critic.x_encoder()) {
            follow(key_encoder, g, spec_t.momentum)?;
        }
        steps_done = step + 1;
    }
    if let Some(f) = fast.as_ref() {
        f.write_back(&params)?;
    }
    // Early stopping keeps the parameters of the best held-out estimate.
    if let (Some(_), Some(s)) = (stopped_at, &stopper) {
        s.restore(&params)?;
    }
    Ok(Trained {
        critic,
        baseline,
        trace,
        diverged,
        stopped_at,
        steps_done,
        seconds: start.elapsed().as_secs_f64(),
        interrupted,
    })
}

/// A training batch's loss on the path that trains the critic.
enum StepLoss {
    Fast(super::fast::FastStep),
    Reference(Tensor),
}

impl StepLoss {
    fn value(&self) -> Result<f32> {
        match self {
            StepLoss::Fast(s) => Ok(s.loss),
            StepLoss::Reference(t) => t.to_scalar(),
        }
    }
}

/// The training loss of one batch on the plain candle path (with a MoCo queue of negatives,
/// when the run keeps one).
#[allow(clippy::too_many_arguments)]
fn reference_loss(
    batch: &Sample,
    device: &Device,
    critic: &Critic,
    baseline: Option<&Baseline>,
    bound: &dyn crate::bounds::Bound,
    state: &mut LossState,
    (momentum, negatives): (&Option<crate::nn::Encoder>, Option<usize>),
    queue: &mut Option<Tensor>,
) -> Result<Tensor> {
    let (x, y) = to_tensors(batch, device)?;
    let log_b = baseline.map(|b| b.forward(&y)).transpose()?;
    let scores = match (momentum, negatives) {
        (Some(key_encoder), Some(n)) => {
            // MoCo: the batch's own x keys (positives on the diagonal) then the queue.
            let keys = critic.keys(key_encoder, &x)?;
            let columns = match &queue {
                Some(q) => Tensor::cat(&[&keys, q], 0)?,
                None => keys.clone(),
            };
            let Some(s) = critic.scores_against_keys(&y, &columns)? else {
                candle_core::bail!("a queue of negatives needs a separable or bilinear critic")
            };
            *queue = Some(enqueue(keys, queue.take(), n)?);
            s
        }
        _ => critic.scores(&x, &y)?,
    };
    bound.loss(&scores, log_b.as_ref(), state)
}

/// Moves each of the momentum encoder's variables toward the trained one's:
/// k <- m k + (1 - m) q.
fn follow(key_encoder: &crate::nn::Encoder, trained: &crate::nn::Encoder, m: f64) -> Result<()> {
    for (k, q) in key_encoder.vars().iter().zip(trained.vars()) {
        k.set(&((k.as_tensor() * m)? + (q.as_tensor() * (1.0 - m))?)?)?;
    }
    Ok(())
}

/// The queue with this batch's keys in front, cut to its `n` newest rows.
fn enqueue(keys: Tensor, queue: Option<Tensor>, n: usize) -> Result<Tensor> {
    let all = match queue {
        Some(q) => Tensor::cat(&[&keys, &q], 0)?,
        None => keys,
    };
    let rows = all.dim(0)?;
    if rows > n {
        all.narrow(0, 0, n)
    } else {
        Ok(all)
    }
}

/// AdamW with the run's settings (plain Adam at weight decay 0).
fn optimiser(spec: &TrainSpec, params: &Params) -> Result<AdamW> {
    AdamW::new(
        params.vars.clone(),
        ParamsAdamW {
            lr: spec.lr,
            beta1: spec.beta1,
            beta2: spec.beta2,
            eps: 1e-8,
            weight_decay: spec.weight_decay,
        },
    )
}

/// Steps between trace points: `TRACE_POINTS_PER_STAGE` per stage, at most every
/// `MIN_TRACE_INTERVAL` steps, and several per patience window under early stopping.
fn trace_interval(steps: usize, stages: usize, patience: Option<usize>) -> usize {
    let every = (steps / (stages * TRACE_POINTS_PER_STAGE)).max(MIN_TRACE_INTERVAL);
    match patience {
        Some(p) => every.min((p / STOP_WINDOW).max(1)),
        None => every,
    }
}

/// Early stopping on the held-out trace: the mean of its last `STOP_WINDOW` points (one
/// held-out batch is too noisy: a lucky batch would stop training at once) must beat its best
/// within `patience` steps; the parameters of the best are kept.
struct EarlyStopping {
    patience: usize,
    /// (smoothed estimate, step, parameters) of the best point so far.
    best: Option<(f64, usize, Vec<Tensor>)>,
}

impl EarlyStopping {
    fn new(patience: usize) -> Self {
        EarlyStopping {
            patience,
            best: None,
        }
    }

    /// Takes the trace after a new point at `step`; the step whose critic to keep once the
    /// best is `patience` steps old.
    fn observe(
        &mut self,
        trace: &[(usize, f64)],
        step: usize,
        params: &Params,
    ) -> Result<Option<usize>> {
        if trace.len() < STOP_WINDOW {
            return Ok(None);
        }
        let recent = &trace[trace.len() - STOP_WINDOW..];
        let smoothed = recent.iter().map(|p| p.1).sum::<f64>() / STOP_WINDOW as f64;
        let improved = self.best.as_ref().is_none_or(|(b, _, _)| smoothed > *b);
        if improved && smoothed.is_finite() {
            let snapshot = params
                .vars
                .iter()
                .map(|v| v.as_tensor().copy())
                .collect::<Result<Vec<_>>>()?;
            self.best = Some((smoothed, step, snapshot));
        } else if let Some((_, at, _)) = &self.best {
            if step - at >= self.patience {
                return Ok(Some(*at));
            }
        }
        Ok(None)
    }

    /// Puts the best parameters back.
    fn restore(&self, params: &Params) -> Result<()> {
        if let Some((_, _, snapshot)) = &self.best {
            for (v, t) in params.vars.iter().zip(snapshot) {
                v.set(t)?;
            }
        }
        Ok(())
    }
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
    if let Some(scale) = crate::nn::clip_scale(total.sqrt(), max_norm) {
        for v in vars {
            if let Some(g) = grads.get(v.as_tensor()) {
                let scaled = (g * scale)?;
                grads.insert(v.as_tensor(), scaled);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod queue_tests {
    use super::*;
    use crate::nn::{EncoderSpec, Params};

    /// The queue keeps the newest keys first and at most n rows.
    #[test]
    fn enqueue_keeps_the_newest_n() {
        let d = Device::Cpu;
        let a = Tensor::new(&[[1f32], [2.]], &d).unwrap();
        let b = Tensor::new(&[[3f32], [4.]], &d).unwrap();
        let q = enqueue(a, None, 3).unwrap();
        let q = enqueue(b, Some(q), 3).unwrap();
        let v: Vec<Vec<f32>> = q.to_vec2().unwrap();
        assert_eq!(v, vec![vec![3.0], vec![4.0], vec![1.0]]);
    }

    /// A momentum copy starts equal, owns its variables (changing the trained encoder does
    /// not change it), and follows k <- m k + (1 - m) q.
    #[test]
    fn momentum_encoder_follows_by_the_rule() {
        let spec = EncoderSpec::Mlp {
            hidden: vec![3],
            out: 2,
            act: crate::nn::Activation::Relu,
            layer_norm: false,
        };
        let mut params = Params::default();
        let mut rng = dist::stream(0, 0, "test");
        let g = spec.build(2, &mut rng, &Device::Cpu, &mut params).unwrap();
        let k = g.deep_copy().unwrap();
        let before: Vec<f32> = k.vars()[0].flatten_all().unwrap().to_vec1().unwrap();
        let q0: Vec<f32> = g.vars()[0].flatten_all().unwrap().to_vec1().unwrap();
        assert_eq!(before, q0);
        let moved = (g.vars()[0].as_tensor() + 1.0).unwrap();
        g.vars()[0].set(&moved).unwrap();
        let still: Vec<f32> = k.vars()[0].flatten_all().unwrap().to_vec1().unwrap();
        assert_eq!(still, before, "the copy shares no storage");
        follow(&k, &g, 0.9).unwrap();
        let after: Vec<f32> = k.vars()[0].flatten_all().unwrap().to_vec1().unwrap();
        for (a, b) in after.iter().zip(&before) {
            // 0.9 b + 0.1 (b + 1) = b + 0.1
            assert!((a - (b + 0.1)).abs() < 1e-6, "{after:?} {before:?}");
        }
    }
}
