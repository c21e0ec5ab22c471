//! The plug-in histogram estimator: equal-width bins per coordinate over the sample's range,
//! MI of the empirical joint distribution of the bin indices. Only for very low dimension.

use std::collections::HashMap;

use super::Estimator;
use crate::dist::Sample;

#[derive(Debug, Clone, Copy)]
pub struct Histogram {
    pub bins: usize,
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

    fn estimate(&self, s: &Sample) -> f64 {
        let n = s.n;
        let cx = cells(&s.x, n, s.dim_x, self.bins);
        let cy = cells(&s.y, n, s.dim_y, self.bins);
        let mut pj: HashMap<(&[usize], &[usize]), f64> = HashMap::new();
        let mut px: HashMap<&[usize], f64> = HashMap::new();
        let mut py: HashMap<&[usize], f64> = HashMap::new();
        for i in 0..n {
            *pj.entry((&cx[i], &cy[i])).or_default() += 1.0;
            *px.entry(&cx[i]).or_default() += 1.0;
            *py.entry(&cy[i]).or_default() += 1.0;
        }
        let nf = n as f64;
        pj.iter()
            .map(|((a, b), c)| c / nf * (c * nf / (px[a] * py[b])).ln())
            .sum()
    }
}
