//! The plug-in histogram estimator: equal-width bins per coordinate over the sample's range
//! (`bins_x` for each coordinate of x, `bins_y` for each of y, as in bmi), MI of the empirical
//! joint distribution of the bin indices. Only for very low dimension.

use std::collections::BTreeMap;

use super::Estimator;
use crate::dist::Sample;

#[derive(Debug, Clone, Copy)]
pub struct Histogram {
    pub bins_x: usize,
    pub bins_y: usize,
}

/// Bin index of each row (all coordinates combined).
fn cells(v: &[f64], n: usize, d: usize, bins: usize) -> Vec<Vec<usize>> {
    let mut lo = vec![f64::INFINITY; d];
    let mut hi = vec![f64::NEG_INFINITY; d];
    for i in 0..n {
        for j in 0..d {
            lo[j] = lo[j].min(v[i * d + j]);
            hi[j] = hi[j].max(v[i * d + j]);
        }
    }
    (0..n)
        .map(|i| {
            (0..d)
                .map(|j| {
                    let w = (hi[j] - lo[j]).max(1e-300);
                    (((v[i * d + j] - lo[j]) / w * bins as f64) as usize).min(bins - 1)
                })
                .collect()
        })
        .collect()
}

impl Estimator for Histogram {
    fn name(&self) -> &'static str {
        "histogram"
    }

    /// Bin indices per row and coordinate, and a map entry per occupied cell (at most n) in
    /// each of the three tables.
    fn memory(&self, n: usize, dx: usize, dy: usize) -> f64 {
        n as f64 * (dx + dy) as f64 * 16.0 + 3.0 * n as f64 * 64.0
    }

    fn estimate(&self, s: &Sample) -> f64 {
        let n = s.n;
        let cx = cells(&s.x, n, s.dim_x, self.bins_x);
        let cy = cells(&s.y, n, s.dim_y, self.bins_y);
        let mut pj: BTreeMap<(&[usize], &[usize]), f64> = BTreeMap::new();
        let mut px: BTreeMap<&[usize], f64> = BTreeMap::new();
        let mut py: BTreeMap<&[usize], f64> = BTreeMap::new();
        for i in 0..n {
            *pj.entry((&cx[i], &cy[i])).or_default() += 1.0;
            *px.entry(&cx[i]).or_default() += 1.0;
            *py.entry(&cy[i]).or_default() += 1.0;
        }
        let nf = n as f64;
        // Ordered maps: the sum runs in the same order every time (a HashMap's order changes
        // from process to process, and with it the last bits of the estimate).
        pj.iter()
            .map(|((a, b), c)| c / nf * (c * nf / (px[a] * py[b])).ln())
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dist::{bsc::Bsc, Distribution};

    /// The same sample gives the same bits every time (the sum's order is fixed), and the
    /// plug-in estimate of a binary symmetric channel is near ln 2 - H_b(p).
    #[test]
    fn deterministic_and_near_the_truth() {
        let d = Bsc { p: 0.1 };
        let s = d.sample(4000, &mut crate::dist::stream(3, 0, "test"));
        let h = Histogram {
            bins_x: 2,
            bins_y: 2,
        };
        let first = h.estimate(&s);
        for _ in 0..20 {
            assert_eq!(h.estimate(&s).to_bits(), first.to_bits());
        }
        assert!((first - d.truth().value).abs() < 0.02, "{first}");
    }

    /// Different bins for x and y against a table counted by hand: x in [0, 1] into 2 bins,
    /// y in [0, 3] into 3. The cells of the six points are (0,0) (0,0) (0,1) (1,1) (1,2) (1,2),
    /// so I = sum p ln(p / (px py)) = 2 [2/6 ln((2/6) / (3/6 2/6))] + 2 [1/6 ln((1/6) / (3/6 2/6))].
    #[test]
    fn bins_per_variable_against_a_hand_count() {
        let s = Sample {
            n: 6,
            dim_x: 1,
            dim_y: 1,
            x: vec![0.0, 0.1, 0.4, 0.6, 0.9, 1.0],
            y: vec![0.0, 0.5, 1.5, 1.2, 2.5, 3.0],
        };
        let h = Histogram {
            bins_x: 2,
            bins_y: 3,
        };
        let (a, b): (f64, f64) = (2.0 / 6.0, 1.0 / 6.0);
        let want = 2.0 * a * (a / (0.5 * a)).ln() + 2.0 * b * (b / (0.5 * a)).ln();
        assert!(
            (h.estimate(&s) - want).abs() < 1e-12,
            "{} vs {want}",
            h.estimate(&s)
        );
        // With one bin for y the variables carry no information about each other.
        let flat = Histogram {
            bins_x: 2,
            bins_y: 1,
        };
        assert_eq!(flat.estimate(&s), 0.0);
    }
}
