//! Probes: how well a label can be read off features (raw data or a frozen encoder's
//! embeddings). A linear probe is multinomial logistic regression, trained full-batch with Adam
//! on standardised features from zero weights (a convex problem, so the fit does not depend on
//! an initialisation stream); a k-NN probe votes among the k nearest training points. Both are
//! fit on one sample and scored on another. Plain numerics: nothing here knows the language.

use candle_core::{DType, Device, Result, Tensor, D};
use candle_nn::optim::{AdamW, Optimizer, ParamsAdamW};

/// Optimiser steps of the linear probe (full batch) and its settings.
pub const LINEAR_STEPS: usize = 300;
const LINEAR_LR: f64 = 0.05;
const LINEAR_WEIGHT_DECAY: f64 = 1e-4;

/// Features as an n x d matrix of f64, row-major, with their labels.
#[derive(Debug, Clone)]
pub struct Labelled {
    pub n: usize,
    pub d: usize,
    pub x: Vec<f64>,
    pub labels: Vec<usize>,
}

impl Labelled {
    /// Column means and standard deviations (1 for a constant column).
    fn moments(&self) -> (Vec<f64>, Vec<f64>) {
        let (n, d) = (self.n as f64, self.d);
        let mut mean = vec![0.0; d];
        let mut sd = vec![0.0; d];
        for row in self.x.chunks(d) {
            for (m, v) in mean.iter_mut().zip(row) {
                *m += v / n;
            }
        }
        for row in self.x.chunks(d) {
            for ((s, v), m) in sd.iter_mut().zip(row).zip(&mean) {
                *s += (v - m).powi(2) / n;
            }
        }
        let sd = sd
            .into_iter()
            .map(|v| if v > 1e-24 { v.sqrt() } else { 1.0 })
            .collect();
        (mean, sd)
    }

    fn standardised(&self, mean: &[f64], sd: &[f64]) -> Vec<f32> {
        self.x
            .chunks(self.d)
            .flat_map(|row| {
                row.iter()
                    .zip(mean)
                    .zip(sd)
                    .map(|((v, m), s)| ((v - m) / s) as f32)
            })
            .collect()
    }
}

/// Which probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProbeModel {
    Linear,
    Knn(usize),
}

/// The share of `test` points whose label the probe, fit on `train`, predicts correctly.
/// `classes` is one more than the largest label either sample can hold.
pub fn accuracy(
    model: ProbeModel,
    train: &Labelled,
    test: &Labelled,
    classes: usize,
    device: &Device,
) -> Result<f64> {
    match model {
        ProbeModel::Linear => linear_accuracy(train, test, classes, device),
        ProbeModel::Knn(k) => Ok(knn_accuracy(train, test, k, classes)),
    }
}

fn linear_accuracy(
    train: &Labelled,
    test: &Labelled,
    classes: usize,
    device: &Device,
) -> Result<f64> {
    let (mean, sd) = train.moments();
    let d = train.d;
    let x = Tensor::from_vec(train.standardised(&mean, &sd), (train.n, d), device)?;
    let targets: Vec<u32> = train.labels.iter().map(|&l| l as u32).collect();
    let targets = Tensor::from_vec(targets, train.n, device)?;
    let w = candle_core::Var::zeros((d, classes), DType::F32, device)?;
    let b = candle_core::Var::zeros(classes, DType::F32, device)?;
    let mut opt = AdamW::new(
        vec![w.clone(), b.clone()],
        ParamsAdamW {
            lr: LINEAR_LR,
            weight_decay: LINEAR_WEIGHT_DECAY,
            ..Default::default()
        },
    )?;
    for _ in 0..LINEAR_STEPS {
        let logits = x.matmul(w.as_tensor())?.broadcast_add(b.as_tensor())?;
        let loss = candle_nn::loss::cross_entropy(&logits, &targets)?;
        opt.backward_step(&loss)?;
    }
    let xt = Tensor::from_vec(test.standardised(&mean, &sd), (test.n, d), device)?;
    let predicted: Vec<u32> = xt
        .matmul(w.as_tensor())?
        .broadcast_add(b.as_tensor())?
        .argmax(D::Minus1)?
        .to_vec1()?;
    let right = predicted
        .iter()
        .zip(&test.labels)
        .filter(|(p, l)| **p as usize == **l)
        .count();
    Ok(right as f64 / test.n.max(1) as f64)
}

/// k nearest training points (Euclidean, on features standardised by the training sample)
/// vote; a tie goes to the smallest label.
fn knn_accuracy(train: &Labelled, test: &Labelled, k: usize, classes: usize) -> f64 {
    let (mean, sd) = train.moments();
    let (a, b) = (
        train.standardised(&mean, &sd),
        test.standardised(&mean, &sd),
    );
    let d = train.d;
    let k = k.min(train.n).max(1);
    let mut right = 0;
    let mut dist: Vec<(f32, usize)> = Vec::with_capacity(train.n);
    for (q, &truth) in b.chunks(d).zip(&test.labels) {
        dist.clear();
        dist.extend(a.chunks(d).zip(&train.labels).map(|(p, &l)| {
            let s: f32 = p.iter().zip(q).map(|(u, v)| (u - v) * (u - v)).sum();
            (s, l)
        }));
        dist.select_nth_unstable_by(k - 1, |u, v| u.0.total_cmp(&v.0));
        let mut votes = vec![0usize; classes];
        for &(_, l) in &dist[..k] {
            votes[l] += 1;
        }
        let best = (0..classes).max_by_key(|&c| (votes[c], usize::MAX - c));
        right += usize::from(best == Some(truth));
    }
    right as f64 / test.n.max(1) as f64
}

/// Rows of an n x d matrix scaled to unit length (a zero row stays zero).
fn normalised(z: &[f64], d: usize) -> Vec<f64> {
    z.chunks(d)
        .flat_map(|row| {
            let norm = row.iter().map(|v| v * v).sum::<f64>().sqrt();
            let s = if norm > 0.0 { 1.0 / norm } else { 0.0 };
            row.iter().map(move |v| v * s)
        })
        .collect()
}

/// Wang & Isola's alignment (alpha = 2): the mean over pairs of |a_i - b_i|^2 between the
/// normalised rows of two n x d embeddings of the two sides of each pair.
pub fn alignment(a: &[f64], b: &[f64], d: usize) -> f64 {
    let (a, b) = (normalised(a, d), normalised(b, d));
    let n = a.len() / d.max(1);
    let total: f64 = a
        .chunks(d)
        .zip(b.chunks(d))
        .map(|(u, v)| u.iter().zip(v).map(|(p, q)| (p - q).powi(2)).sum::<f64>())
        .sum();
    total / n.max(1) as f64
}

/// Wang & Isola's uniformity: ln of the mean of exp(-t |z_i - z_j|^2) over the pairs i < j of
/// the normalised rows of an n x d embedding (a log-sum-exp, so it stays finite).
pub fn uniformity(z: &[f64], d: usize, t: f64) -> f64 {
    let z = normalised(z, d);
    let rows: Vec<&[f64]> = z.chunks(d).collect();
    let pairs = rows.len() * rows.len().saturating_sub(1) / 2;
    if pairs == 0 {
        return f64::NAN;
    }
    // Two passes (the largest exponent, then the shifted sum): nothing of size n^2 is held.
    let exponents = || {
        let rows = &rows;
        (0..rows.len()).flat_map(move |i| {
            (i + 1..rows.len()).map(move |j| {
                -t * rows[i]
                    .iter()
                    .zip(rows[j])
                    .map(|(p, q)| (p - q).powi(2))
                    .sum::<f64>()
            })
        })
    };
    let m = exponents().fold(f64::NEG_INFINITY, f64::max);
    m + (exponents().map(|e| (e - m).exp()).sum::<f64>() / pairs as f64).ln()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_distr::{Distribution, Normal};

    /// Two classes along the first coordinate, means -delta and +delta, unit noise in d dims.
    fn two_classes(n: usize, d: usize, delta: f64, seed: u64) -> Labelled {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let noise = Normal::new(0.0, 1.0).unwrap();
        let mut x = Vec::with_capacity(n * d);
        let mut labels = Vec::with_capacity(n);
        for i in 0..n {
            let l = i % 2;
            for j in 0..d {
                let m = if j == 0 {
                    (2.0 * l as f64 - 1.0) * delta
                } else {
                    0.0
                };
                x.push(m + noise.sample(&mut rng));
            }
            labels.push(l);
        }
        Labelled { n, d, x, labels }
    }

    /// Against closed forms: for u, v uniform on the unit circle, E exp(-2 |u - v|^2) =
    /// e^-4 I0(4) at t = 2 (|u - v|^2 = 2 - 2 cos theta); n evenly spaced points average that
    /// over all n^2 ordered pairs, so over the pairs i < j (no self pairs) the mean is
    /// (n e^-4 I0(4) - 1) / (n - 1). Identical sides align at 0, opposite ones at 4,
    /// orthogonal ones at 2; scale is ignored.
    #[test]
    fn alignment_and_uniformity_by_hand() {
        let n = 600;
        let circle: Vec<f64> = (0..n)
            .flat_map(|i| {
                let a = std::f64::consts::TAU * i as f64 / n as f64;
                [3.0 * a.cos(), 3.0 * a.sin()]
            })
            .collect();
        let u = uniformity(&circle, 2, 2.0);
        let full = (-4.0f64).exp() * 11.301_921_952_136_33;
        let want = ((n as f64 * full - 1.0) / (n as f64 - 1.0)).ln();
        assert!((u - want).abs() < 1e-6, "{u} vs {want}");
        // All points in one place: every distance 0, ln 1 = 0, the least uniform.
        assert!(uniformity(&[1.0, 0.0, 2.0, 0.0, 5.0, 0.0], 2, 2.0).abs() < 1e-12);
        let x = [1.0, 0.0, 0.0, 2.0];
        assert_eq!(alignment(&x, &x, 2), 0.0);
        assert!((alignment(&x, &[-1.0, 0.0, 0.0, -5.0], 2) - 4.0).abs() < 1e-12);
        assert!((alignment(&x, &[0.0, 1.0, 7.0, 0.0], 2) - 2.0).abs() < 1e-12);
    }

    /// The Bayes accuracy of two unit Gaussians 2 delta apart is Phi(delta): 0.8413 at
    /// delta = 1. A linear probe reaches it up to the test sample's binomial error
    /// (sd 0.0058 at 4,000 points), and k-NN with k = 25 comes within a few points of it.
    #[test]
    fn probes_reach_the_bayes_accuracy() {
        let (train, test) = (two_classes(4000, 3, 1.0, 1), two_classes(4000, 3, 1.0, 2));
        let lin = accuracy(ProbeModel::Linear, &train, &test, 2, &Device::Cpu).unwrap();
        assert!((lin - 0.8413).abs() < 0.02, "{lin}");
        let knn = accuracy(ProbeModel::Knn(25), &train, &test, 2, &Device::Cpu).unwrap();
        assert!((0.79..0.86).contains(&knn), "{knn}");
        // Labels independent of the features: chance, 0.5.
        let (train0, test0) = (two_classes(4000, 3, 0.0, 3), two_classes(4000, 3, 0.0, 4));
        let chance = accuracy(ProbeModel::Linear, &train0, &test0, 2, &Device::Cpu).unwrap();
        assert!((chance - 0.5).abs() < 0.025, "{chance}");
    }
}
