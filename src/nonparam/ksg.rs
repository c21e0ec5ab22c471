//! The Kraskov-Stoegbauer-Grassberger estimator (2004, estimator 1):
//! I = psi(k) + psi(N) - mean[psi(n_x + 1) + psi(n_y + 1)], with the max-norm in the joint
//! space, eps_i the distance to the k-th neighbour of point i, and n_x, n_y the points strictly
//! closer than eps_i in each marginal space. Coordinates are standardised first; the result is
//! clipped at 0 (REFERENCE.md section 3). k-d trees make 1e5 samples practical.

use std::sync::Arc;

use kdtree::KdTree;
use statrs::function::gamma::digamma;

use super::{run, run_params, standardise, Estimator};
use crate::dist::Sample;
use crate::registry::{param, Default, Entry, Kind, Range, Ty};

pub static ENTRY: Entry = Entry {
    name: "ksg",
    kind: Kind::Run,
    doc: "Kraskov (KSG) k-nearest-neighbour estimator 1, max-norm, on `samples` pairs per seed",
    params: run_params!(param(
        "k",
        Ty::Int,
        Default::Num(3.0),
        Range::between(1.0, 100.0),
        "neighbours"
    )),
    exactly_one_of: &[],
    build: Some(|a| run(a, Arc::new(Ksg { k: a.int("k")? }))),
};

#[derive(Debug, Clone, Copy)]
pub struct Ksg {
    pub k: usize,
}

fn max_norm(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

fn tree(points: &[f64], d: usize) -> KdTree<f64, usize, Vec<f64>> {
    // The second argument of `with_capacity` is the bucket size of a leaf, not the number of
    // points: the default (16) keeps the tree balanced.
    let mut t = KdTree::new(d);
    for (i, p) in points.chunks(d).enumerate() {
        // Points are finite (standardised samples); a failed insert would only drop one point.
        let _ = t.add(p.to_vec(), i);
    }
    t
}

impl Estimator for Ksg {
    fn name(&self) -> &'static str {
        "ksg"
    }

    fn estimate(&self, s: &Sample) -> f64 {
        let (n, dx, dy) = (s.n, s.dim_x, s.dim_y);
        if n <= self.k {
            return f64::NAN;
        }
        let x = standardise(&s.x, n, dx);
        let y = standardise(&s.y, n, dy);
        let joint: Vec<f64> = (0..n)
            .flat_map(|i| {
                x[i * dx..(i + 1) * dx]
                    .iter()
                    .chain(&y[i * dy..(i + 1) * dy])
                    .copied()
            })
            .collect();
        let d = dx + dy;
        let (tj, tx, ty) = (tree(&joint, d), tree(&x, dx), tree(&y, dy));
        let mut sum = 0.0;
        for i in 0..n {
            let p = &joint[i * d..(i + 1) * d];
            // k + 1 nearest: the point itself comes first.
            let eps = tj
                .nearest(p, self.k + 1, &max_norm)
                .ok()
                .and_then(|v| v.last().map(|(dist, _)| *dist))
                .unwrap_or(0.0);
            let strict = eps.next_down();
            let count = |t: &KdTree<f64, usize, Vec<f64>>, q: &[f64]| {
                t.within_count(q, strict, &max_norm)
                    .unwrap_or(1)
                    .saturating_sub(1)
            };
            let nx = count(&tx, &x[i * dx..(i + 1) * dx]);
            let ny = count(&ty, &y[i * dy..(i + 1) * dy]);
            sum += digamma(nx as f64 + 1.0) + digamma(ny as f64 + 1.0);
        }
        (digamma(self.k as f64) + digamma(n as f64) - sum / n as f64).max(0.0)
    }
}
