//! A user's data as a distribution: rows of (x, y) pairs, with labels if given, read from
//! files (`arrays`). A fixed shuffle splits the rows into training rows and held-out rows:
//! critics train on the first, and held-out evaluation, traces and probe scoring use the
//! second (`Distribution::part`), so no estimate is read off the rows a critic was fit on.
//! Non-neural estimators, which fit nothing, draw from all rows. A draw of n rows takes n
//! distinct rows (the checker refuses sizes above the rows there are); successive draws are
//! independent. A user's rows have no ground truth (`truth_known` is false); rows drawn once
//! from a declared distribution (`finite`, bmi's fixed-sample protocol) keep that
//! distribution's truth and pointwise MI.

use std::sync::Arc;

use super::{Distribution, Part, Rng, Sample, Truth};

/// The rows of a user's data, or one part of them.
#[derive(Debug)]
pub struct Loaded {
    /// What was read, for reports: `x: emb.npz:z1 (hash ...)`, ...
    pub description: String,
    x: Arc<Vec<f64>>,
    y: Arc<Vec<f64>>,
    labels: Option<Arc<Vec<usize>>>,
    classes: usize,
    dim_x: usize,
    dim_y: usize,
    /// The rows this view draws from (indices into x, y, labels).
    rows: Vec<usize>,
    /// For the whole data: its training and held-out parts.
    parts: Option<(Arc<Loaded>, Arc<Loaded>)>,
    /// The distribution the rows were drawn from, when they were (its truth is theirs).
    drawn_from: Option<Arc<dyn Distribution>>,
}

/// Rows set aside for `held_out` of n (rounded down, at least one on each side when the share
/// is positive): the split `Loaded::new` makes, for the checker to know beforehand.
pub fn held_out_rows(n: usize, held_out: f64) -> usize {
    ((n as f64 * held_out).floor() as usize)
        .clamp(usize::from(held_out > 0.0), n.saturating_sub(1).max(1))
}

impl Loaded {
    /// Rows of x (n x dim_x) and y (n x dim_y), row-major, and labels; `held_out` is the share
    /// of rows set aside (rounded down, at least one row on each side when it is positive),
    /// chosen by a shuffle from `rng`. The caller has checked the shapes and values.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        description: String,
        x: Vec<f64>,
        dim_x: usize,
        y: Vec<f64>,
        dim_y: usize,
        labels: Option<Vec<usize>>,
        held_out: f64,
        rng: &mut Rng,
    ) -> Loaded {
        let rows = Sample {
            n: x.len() / dim_x,
            dim_x,
            dim_y,
            x,
            y,
        };
        Loaded::split(description, rows, labels, held_out, rng, None)
    }

    /// `n` pairs drawn once from `dist` (with its labels, if it has them), split like a user's
    /// rows; the truth and pointwise MI stay `dist`'s.
    pub fn drawn(
        description: String,
        dist: Arc<dyn Distribution>,
        n: usize,
        held_out: f64,
        rng: &mut Rng,
    ) -> Loaded {
        let (rows, labels) = match dist.sample_labelled(n, rng) {
            Some((s, l)) => (s, Some(l)),
            None => (dist.sample(n, rng), None),
        };
        Loaded::split(description, rows, labels, held_out, rng, Some(dist))
    }

    /// The whole data and its two parts, every view sharing the rows and drawing from its own
    /// index list.
    fn split(
        description: String,
        rows: Sample,
        labels: Option<Vec<usize>>,
        held_out: f64,
        rng: &mut Rng,
        drawn_from: Option<Arc<dyn Distribution>>,
    ) -> Loaded {
        let Sample {
            n,
            dim_x,
            dim_y,
            x,
            y,
        } = rows;
        // Labels a draw did not happen to contain still count as classes of its distribution.
        let classes = labels
            .as_ref()
            .map_or(0, |l| l.iter().max().map_or(0, |m| m + 1))
            .max(drawn_from.as_ref().map_or(0, |d| d.classes()));
        let mut order: Vec<usize> = (0..n).collect();
        use rand::seq::SliceRandom as _;
        order.shuffle(rng);
        let k = held_out_rows(n, held_out);
        let (x, y, labels) = (Arc::new(x), Arc::new(y), labels.map(Arc::new));
        let view = |rows: Vec<usize>, parts| Loaded {
            description: description.clone(),
            x: x.clone(),
            y: y.clone(),
            labels: labels.clone(),
            classes,
            dim_x,
            dim_y,
            rows,
            parts,
            drawn_from: drawn_from.clone(),
        };
        let parts = (held_out > 0.0).then(|| {
            (
                Arc::new(view(order[k..].to_vec(), None)),
                Arc::new(view(order[..k].to_vec(), None)),
            )
        });
        view((0..n).collect(), parts)
    }

    /// `n` rows: distinct while `n` is at most the rows there are, with replacement beyond.
    fn draw(&self, n: usize, rng: &mut Rng) -> Vec<usize> {
        let m = self.rows.len();
        if n <= m {
            rand::seq::index::sample(rng, m, n)
                .into_iter()
                .map(|i| self.rows[i])
                .collect()
        } else {
            use rand::RngExt as _;
            (0..n).map(|_| self.rows[rng.random_range(0..m)]).collect()
        }
    }

    fn gather(&self, picked: &[usize]) -> Sample {
        let (dx, dy) = (self.dim_x, self.dim_y);
        let mut s = Sample {
            n: picked.len(),
            dim_x: dx,
            dim_y: dy,
            x: Vec::with_capacity(picked.len() * dx),
            y: Vec::with_capacity(picked.len() * dy),
        };
        for &r in picked {
            s.x.extend_from_slice(&self.x[r * dx..(r + 1) * dx]);
            s.y.extend_from_slice(&self.y[r * dy..(r + 1) * dy]);
        }
        s
    }
}

impl Distribution for Loaded {
    fn dim_x(&self) -> usize {
        self.dim_x
    }
    fn dim_y(&self) -> usize {
        self.dim_y
    }
    fn sample(&self, n: usize, rng: &mut Rng) -> Sample {
        let picked = self.draw(n, rng);
        self.gather(&picked)
    }
    fn truth(&self) -> Truth {
        match &self.drawn_from {
            Some(d) => d.truth(),
            None => Truth {
                value: f64::NAN,
                std_err: f64::NAN,
            },
        }
    }
    fn truth_known(&self) -> bool {
        self.drawn_from.as_ref().is_some_and(|d| d.truth_known())
    }
    fn label_truth(&self, side: super::LabelSide) -> Option<Truth> {
        self.drawn_from.as_ref()?.label_truth(side)
    }
    fn source(&self) -> Option<String> {
        Some(self.description.clone())
    }
    fn pointwise_mi(&self, x: &[f64], y: &[f64]) -> Option<f64> {
        self.drawn_from.as_ref()?.pointwise_mi(x, y)
    }
    fn classes(&self) -> usize {
        self.classes
    }
    fn sample_labelled(&self, n: usize, rng: &mut Rng) -> Option<(Sample, Vec<usize>)> {
        let labels = self.labels.as_ref()?;
        let picked = self.draw(n, rng);
        let l = picked.iter().map(|&r| labels[r]).collect();
        Some((self.gather(&picked), l))
    }
    fn part(&self, part: Part) -> Option<Arc<dyn Distribution>> {
        crate::dist::pick_part(self.parts.as_ref(), part)
    }
    fn rows(&self, part: Option<Part>) -> Option<usize> {
        Some(match part.and_then(|p| self.part(p)) {
            Some(p) => p.rows(None).unwrap_or(0),
            None => self.rows.len(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(held_out: f64) -> Loaded {
        let n = 10;
        let x: Vec<f64> = (0..n).map(|i| i as f64).collect();
        let y: Vec<f64> = (0..n).map(|i| -(i as f64)).collect();
        let labels = Some((0..n).map(|i| i % 3).collect());
        let mut rng = crate::dist::stream(0, 0, "test");
        Loaded::new("t".into(), x, 1, y, 1, labels, held_out, &mut rng)
    }

    /// The parts are disjoint and cover the rows; a draw of every row of a part is a
    /// permutation of it that keeps pairs and labels together.
    #[test]
    fn parts_are_disjoint_and_draws_keep_rows_whole() {
        let d = data(0.3);
        assert_eq!(d.classes(), 3);
        let (train, held) = (d.part(Part::Train).unwrap(), d.part(Part::HeldOut).unwrap());
        assert_eq!(d.rows(Some(Part::HeldOut)), Some(3));
        assert_eq!(d.rows(Some(Part::Train)), Some(7));
        let mut rng = crate::dist::stream(0, 1, "test");
        let (a, la) = train.sample_labelled(7, &mut rng).unwrap();
        let (b, _) = held.sample_labelled(3, &mut rng).unwrap();
        let mut seen: Vec<f64> = a.x.iter().chain(&b.x).copied().collect();
        seen.sort_by(f64::total_cmp);
        assert_eq!(seen, (0..10).map(|i| i as f64).collect::<Vec<_>>());
        for ((x, y), l) in a.x.iter().zip(&a.y).zip(&la) {
            assert_eq!(*y, -x);
            assert_eq!(*l, (*x as usize) % 3);
        }
        assert!(data(0.0).part(Part::Train).is_none());
    }
}
