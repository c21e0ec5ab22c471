//! What a run will cost, from its declared sizes alone: the peak memory of one job (one seed)
//! and the work of all its seeds. The catalogue refuses a run whose job cannot fit in memory,
//! the checker warns about a run that will take long, and `mica check -v` shows both. These
//! are estimates for budgets (within a small factor on this machine), not an accounting.

use super::program::{EstimateSpec, Program};
use super::run::{
    Method, NonparamSpec, RunSpec, TrainSpec, EVAL_CHUNK_PAIRS, MAX_PAIRS, MIN_BATCHES,
};

/// The rate work is converted to time at, per job (one core). Measured: separable critics
/// (2 x 256 MLPs, 20-dim data) train at 2.0e10 to 2.7e10 flop/s on one core of the 2-core CI
/// machine at K = 64 to 1024 (`cargo bench --bench train`). examples/quickstart.mica is
/// estimated at 3 min and took 1.9 min with `--jobs 1` (its evaluations stop early).
pub const FLOPS_PER_SECOND: f64 = 2e10;

/// Time-equivalent flops per entry of a K x K score matrix for the bound's elementwise work
/// (exponentials, logarithms, reductions; forward and backward), which dominates small
/// critics at large K.
pub const SCORE_ENTRY_FLOPS: f64 = 40.0;

/// A run estimated to take longer than this (summed over its seeds, on one core) is warned
/// about at check time.
pub const LONG_RUN_SECONDS: f64 = 3600.0;

/// The estimated cost of one run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cost {
    /// Peak bytes of one job (one seed): parameters, optimiser state, activations, score
    /// matrices and sample buffers.
    pub bytes: f64,
    /// Floating-point operations of all seeds: training steps and held-out evaluations (at
    /// their most batches), or the estimator's work.
    pub flops: f64,
    /// Jobs (seeds) the flops are spread over.
    pub jobs: usize,
}

impl Cost {
    /// Time on one core at `FLOPS_PER_SECOND`.
    pub fn seconds(&self) -> f64 {
        self.flops / FLOPS_PER_SECOND
    }
}

impl TrainSpec {
    /// Peak bytes of one training job: sample buffers (f64 and f32; held-out evaluation draws
    /// at least `EVAL_CHUNK_PAIRS` pairs at a time, training two batches) and one training step.
    pub fn job_bytes(&self) -> f64 {
        let (dx, dy) = (self.data.dist.dim_x(), self.data.dist.dim_y());
        let pairs = (2 * self.batch).max(EVAL_CHUNK_PAIRS) as f64;
        // A queue of negatives widens the score matrix to K x (K + N) (four f32 tensors of
        // it: scores, exponentials and their gradients) and holds N keys of up to the input's
        // width.
        let queue = self.negatives.map_or(0.0, |n| {
            (n * self.batch) as f64 * 16.0 + (n * dx.max(dy)) as f64 * 4.0
        });
        pairs * (dx + dy) as f64 * 12.0 + self.critic.training_bytes(dx, dy, self.batch) + queue
    }

    /// Work of one seed: `steps` optimiser steps, then each estimate's held-out evaluation at
    /// its most batches (evaluation usually stops earlier, once its standard error is small),
    /// given as (batch size K, the fewest batches its statistic needs).
    fn seed_flops(&self, steps: usize, eval_batches: &[(usize, usize)]) -> f64 {
        let (dx, dy) = (self.data.dist.dim_x(), self.data.dist.dim_y());
        let scores = |k: usize| SCORE_ENTRY_FLOPS * (k * k) as f64;
        let queued = SCORE_ENTRY_FLOPS * (self.batch * self.negatives.unwrap_or(0)) as f64;
        let training = steps as f64
            * (self.critic.step_flops(dx, dy, self.batch) + 3.0 * (scores(self.batch) + queued));
        let evaluation: f64 = eval_batches
            .iter()
            .map(|&(k, least)| {
                let batches = (MAX_PAIRS / k).max(MIN_BATCHES).max(least) as f64;
                batches * (self.critic.forward_flops(dx, dy, k) + scores(k))
            })
            .sum();
        training + evaluation
    }
}

impl NonparamSpec {
    /// Peak bytes of one estimate: the sample in f64 and the estimator's own structures.
    pub fn job_bytes(&self) -> f64 {
        let (dx, dy) = (self.data.dist.dim_x(), self.data.dist.dim_y());
        self.samples as f64 * (dx + dy) as f64 * 8.0 + self.estimator.memory(self.samples, dx, dy)
    }
}

impl RunSpec {
    /// The run's cost at `steps` optimiser steps and `seeds` seeds (as executed, after
    /// `--quick` and `--seeds`), for the estimates the program asks of it.
    pub fn cost(&self, estimates: &[&EstimateSpec], steps: usize, seeds: usize) -> Cost {
        // Each job retrains the encoders of `encode(...)` data it samples (at their declared
        // steps).
        let encoders: f64 = super::encoded::encoding_runs(self.data())
            .iter()
            .filter_map(|r| r.train().map(|t| t.seed_flops(t.steps, &[])))
            .sum();
        let mut cost = self.own_cost(estimates, steps, seeds);
        cost.flops += seeds as f64 * encoders;
        cost
    }

    fn own_cost(&self, estimates: &[&EstimateSpec], steps: usize, seeds: usize) -> Cost {
        match &self.method {
            Method::Train(t) => {
                let ks: Vec<(usize, usize)> = estimates
                    .iter()
                    .filter(|e| e.trace.is_none())
                    .map(|e| (e.batch, e.over_batches.min_batches()))
                    .collect();
                Cost {
                    bytes: t.job_bytes(),
                    flops: seeds as f64 * t.seed_flops(steps, &ks),
                    jobs: seeds,
                }
            }
            Method::Nonparam(n) => {
                let (dx, dy) = (n.data.dist.dim_x(), n.data.dist.dim_y());
                Cost {
                    bytes: n.job_bytes(),
                    flops: seeds as f64 * n.estimator.work(n.samples, dx, dy),
                    jobs: seeds,
                }
            }
        }
    }
}

impl Program {
    /// The cost of every run a claim needs, at its declared steps and seeds, in file order.
    pub fn run_costs(&self) -> Vec<(&RunSpec, Cost)> {
        let mut by_run: indexmap::IndexMap<&str, Vec<&EstimateSpec>> = indexmap::IndexMap::new();
        for e in &self.estimates {
            by_run.entry(e.run.name.as_str()).or_default().push(e);
        }
        by_run
            .into_values()
            .map(|mine| {
                let run = mine[0].run.as_ref();
                (run, run.cost(&mine, run.steps(), run.seeds()))
            })
            .collect()
    }
}

/// Bytes as a short human reading (`12 MB`, `3.1 GB`).
pub fn fmt_bytes(bytes: f64) -> String {
    match bytes {
        b if b >= 1e9 => format!("{:.1} GB", b / 1e9),
        b if b >= 1e6 => format!("{:.0} MB", b / 1e6),
        b => format!("{:.0} kB", (b / 1e3).max(1.0)),
    }
}

/// Seconds as a short human reading (`40 s`, `12 min`, `3.2 h`).
pub fn fmt_seconds(s: f64) -> String {
    match s {
        s if s >= 5400.0 => format!("{:.1} h", s / 3600.0),
        s if s >= 90.0 => format!("{:.0} min", s / 60.0),
        s if s >= 1.0 => format!("{s:.0} s"),
        _ => "under 1 s".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readings() {
        assert_eq!(fmt_bytes(12.3e6), "12 MB");
        assert_eq!(fmt_bytes(3.14e9), "3.1 GB");
        assert_eq!(fmt_seconds(40.0), "40 s");
        assert_eq!(fmt_seconds(720.0), "12 min");
        assert_eq!(fmt_seconds(3.2 * 3600.0), "3.2 h");
    }
}
