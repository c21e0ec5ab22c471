//! `encode(DATA, with: RUN)` as the checked program holds it: data whose samples exist per seed
//! only once that seed of RUN has trained (the embeddings (g(x), h(y)) of DATA through RUN's
//! frozen critic encoders). Everything the checker needs is known beforehand (widths, labels,
//! whether the truth is known); execution realises it per seed before anything samples it.

use std::sync::Arc;

use super::RunSpec;
use crate::dist::{DataRef, Distribution, LabelSide, Rng, Sample, Truth};

/// The runs whose encoders `data` is seen through, outermost first (none for ordinary data).
pub fn encoding_runs(data: &DataRef) -> Vec<Arc<RunSpec>> {
    let mut runs = Vec::new();
    let mut stack = vec![data.clone()];
    while let Some(d) = stack.pop() {
        if let Some(enc) = d.dist.as_any().downcast_ref::<Encoded>() {
            runs.push(enc.run.clone());
            stack.push(enc.base.clone());
            stack.push(enc.run.data().clone());
        }
    }
    runs
}

#[derive(Debug)]
pub struct Encoded {
    pub base: DataRef,
    /// A trained run whose critic embeds both sides (separable or bilinear).
    pub run: Arc<RunSpec>,
    /// Layers cut off the end of the encoders (a projection head): the representation is
    /// what the head read.
    pub head: usize,
    pub dim_x: usize,
    pub dim_y: usize,
    /// Both encoders are invertible (identity, coupling, invertible_linear): then
    /// I(g(x); h(y)) = I(x; y) and I(g(x); label) = I(x; label).
    pub invertible: bool,
}

impl Distribution for Encoded {
    fn dim_x(&self) -> usize {
        self.dim_x
    }
    fn dim_y(&self) -> usize {
        self.dim_y
    }
    fn sample(&self, _n: usize, _rng: &mut Rng) -> Sample {
        // Execution replaces encoded data by its realisation for the seed before any job
        // samples it, and the checker lets no constructor combine it: reaching this is a bug,
        // which the job reports as that seed's failure.
        panic!("encoded data sampled before its encoder was trained")
    }
    fn truth(&self) -> Truth {
        if self.truth_known() {
            self.base.dist.truth()
        } else {
            Truth {
                value: f64::NAN,
                std_err: f64::NAN,
            }
        }
    }
    fn truth_known(&self) -> bool {
        self.invertible && self.base.dist.truth_known()
    }
    fn deferred(&self) -> bool {
        true
    }
    fn rows(&self, part: Option<crate::dist::Part>) -> Option<usize> {
        self.base.dist.rows(part)
    }
    fn pointwise_mi(&self, _x: &[f64], _y: &[f64]) -> Option<f64> {
        None
    }
    fn source(&self) -> Option<String> {
        self.base.dist.source()
    }
    fn classes(&self) -> usize {
        self.base.dist.classes()
    }
    fn label_truth(&self, side: LabelSide) -> Option<Truth> {
        self.invertible
            .then(|| self.base.dist.label_truth(side))
            .flatten()
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}
