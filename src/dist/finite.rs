//! `finite(d, samples: N, held_out: h)`: bmi's fixed-sample protocol. Each seed draws N pairs
//! of `d` once (seed i its own, the same for every run and estimator of the file, so their
//! comparisons are paired on the same rows); neural estimators train on the training part, in
//! batches of distinct rows, for as many steps as they are given (epochs over N), and are
//! evaluated on the held-out part; non-neural estimators read all N. The truth is `d`'s: a
//! claim can ask what N samples can show. Until execution draws the rows for a seed
//! (`train::realise`) this is a placeholder that knows its widths, rows and truth.

use super::loaded::held_out_rows;
use super::{DataRef, Distribution, LabelSide, Part, Rng, Sample, Truth};

#[derive(Debug)]
pub struct Finite {
    pub base: DataRef,
    pub samples: usize,
    pub held_out: f64,
}

impl Distribution for Finite {
    fn dim_x(&self) -> usize {
        self.base.dist.dim_x()
    }
    fn dim_y(&self) -> usize {
        self.base.dist.dim_y()
    }
    fn sample(&self, _n: usize, _rng: &mut Rng) -> Sample {
        // Execution replaces the placeholder by the seed's rows before any job samples it,
        // and the checker lets no constructor combine it: reaching this is a bug, which the
        // job reports as that seed's failure.
        panic!("finite data sampled before its rows were drawn")
    }
    fn truth(&self) -> Truth {
        self.base.dist.truth()
    }
    fn truth_known(&self) -> bool {
        self.base.dist.truth_known()
    }
    fn pointwise_mi(&self, x: &[f64], y: &[f64]) -> Option<f64> {
        self.base.dist.pointwise_mi(x, y)
    }
    fn deferred(&self) -> bool {
        true
    }
    fn rows(&self, part: Option<Part>) -> Option<usize> {
        let held = held_out_rows(self.samples, self.held_out);
        Some(match part {
            _ if self.held_out <= 0.0 => self.samples,
            None => self.samples,
            Some(Part::Train) => self.samples - held,
            Some(Part::HeldOut) => held,
        })
    }
    fn classes(&self) -> usize {
        self.base.dist.classes()
    }
    fn label_truth(&self, side: LabelSide) -> Option<Truth> {
        self.base.dist.label_truth(side)
    }
    /// The protocol, for reports: how many pairs, split how, drawn from what.
    fn source(&self) -> Option<String> {
        let held = self.rows(Some(Part::HeldOut)).unwrap_or(0);
        let from = match (self.base.name.as_str(), self.base.dist.source()) {
            (_, Some(s)) => s,
            ("", None) => "the data".to_string(),
            (name, None) => format!("`{name}`"),
        };
        Some(format!(
            "{} pairs of {from} drawn once per seed ({} to train on, {held} held out)",
            self.samples,
            self.samples - if self.held_out > 0.0 { held } else { 0 },
        ))
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}
