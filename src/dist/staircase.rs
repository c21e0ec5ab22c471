//! `staircase(stages: [d1, d2, ...])`: a distribution that changes while a critic trains, as
//! in Poole et al.'s MI staircase. A run's steps are split equally among the stages, each
//! training batch is drawn from the stage of its step, and everything after training (held-out
//! evaluation, `mi(...)`) sees the last stage. Per-stage behaviour is read from the training
//! trace with `trace(run, stage: S)` and `trace_sd(run, stage: S)`.

use super::{DataDecl, DataRef, Distribution, Rng, Sample, Truth};
use crate::registry::{param, Default, Entry, Kind, ParamError, ParamErrorKind, Range, Ty, Value};

pub static ENTRY: Entry = Entry {
    name: "staircase",
    kind: Kind::Data,
    doc: "trains through the stages in turn (equal shares of the steps); after training it is the last stage",
    params: &[param(
        "stages",
        Ty::ListOf(Kind::Data),
        Default::Required,
        Range::ANY,
        "[d1, d2, ...]: distributions of equal widths, in training order",
    )],
    exactly_one_of: &[],
    build: Some(|args| {
        let Value::List(items) = args.value("stages")? else {
            return Err(ParamError::new(ParamErrorKind::Conflict, "stages", "internal: not a list"));
        };
        let stages: Vec<DataRef> = items
            .iter()
            .filter_map(|v| match v {
                Value::Data(d) => Some(d.clone()),
                _ => None,
            })
            .collect();
        let Some(first) = stages.first() else {
            return Err(ParamError::new(
                ParamErrorKind::OutOfRange,
                "stages",
                "a staircase needs at least one stage",
            ));
        };
        let (dx, dy) = (first.dist.dim_x(), first.dist.dim_y());
        if let Some((i, d)) = stages
            .iter()
            .enumerate()
            .find(|(_, d)| (d.dist.dim_x(), d.dist.dim_y()) != (dx, dy))
        {
            return Err(ParamError::new(
                ParamErrorKind::Shape,
                "stages",
                format!(
                    "stage {} is {} + {} wide but stage 1 is {dx} + {dy}",
                    i + 1,
                    d.dist.dim_x(),
                    d.dist.dim_y()
                ),
            )
            .help("one critic trains on every stage, so all stages need the same widths"));
        }
        if stages.iter().any(|d| d.dist.stage_count() > 1) {
            return Err(ParamError::new(
                ParamErrorKind::Conflict,
                "stages",
                "a stage cannot itself be a staircase",
            )
            .help("list the inner staircase's stages instead"));
        }
        Ok(Value::Data(DataDecl::new(Staircase { stages })))
    }),
};

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
