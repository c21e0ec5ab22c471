//! `staircase(stages: [d1, d2, ...])`: a distribution that changes while a critic trains, as
//! in Poole et al.'s MI staircase. A run's steps are split equally among the stages, each
//! training batch is drawn from the stage of its step, and everything after training (held-out
//! evaluation, `mi(...)`) sees the last stage. Per-stage behaviour is read from the training
//! trace with `trace(run, stage: S)` and `trace_sd(run, stage: S)`.

use super::{DataRef, Distribution, Rng, Sample, Truth};

#[derive(Debug)]
pub struct Staircase {
    pub stages: Vec<DataRef>,
}

impl Staircase {
    fn last(&self) -> &dyn Distribution {
        self.stages.last().expect("checked non-empty").dist.as_ref()
    }
}

impl Distribution for Staircase {
    fn dim_x(&self) -> usize {
        self.last().dim_x()
    }
    fn dim_y(&self) -> usize {
        self.last().dim_y()
    }
    fn sample(&self, n: usize, rng: &mut Rng) -> Sample {
        self.last().sample(n, rng)
    }
    fn truth(&self) -> Truth {
        self.last().truth()
    }
    fn quadratic_pmi(&self) -> Option<super::QuadraticPmi> {
        self.last().quadratic_pmi()
    }
    fn pointwise_mi(&self, x: &[f64], y: &[f64]) -> Option<f64> {
        self.last().pointwise_mi(x, y)
    }
    fn stage_count(&self) -> usize {
        self.stages.len()
    }
    fn stage(&self, i: usize) -> Option<&dyn Distribution> {
        self.stages.get(i).map(|d| d.dist.as_ref())
    }
}

/// The stage (0-based) that training step `step` of `steps` belongs to, for `stages` equal
/// shares.
pub fn stage_of(step: usize, steps: usize, stages: usize) -> usize {
    (step * stages / steps.max(1)).min(stages.saturating_sub(1))
}

/// The steps of stage `i` (0-based): `start .. end`.
pub fn stage_steps(i: usize, steps: usize, stages: usize) -> std::ops::Range<usize> {
    let start = (i * steps).div_ceil(stages);
    let end = ((i + 1) * steps).div_ceil(stages);
    start..end
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The two helpers agree: every step lies in the range of its own stage.
    #[test]
    fn stages_partition_the_steps() {
        for (steps, stages) in [(20_000, 5), (10, 3), (7, 7), (5, 1), (3, 5)] {
            let mut covered = 0;
            for i in 0..stages {
                let r = stage_steps(i, steps, stages);
                for s in r.clone() {
                    assert_eq!(stage_of(s, steps, stages), i, "{steps} {stages} {s}");
                }
                covered += r.len();
            }
            assert_eq!(covered, steps);
        }
        assert_eq!(stage_steps(4, 20_000, 5), 16_000..20_000);
    }
}
