//! A static k-d tree for the two queries KSG makes: the k nearest neighbours, and how many
//! points lie within a distance (a query that adds whole subtrees whose bounding box lies inside
//! the ball, so counting costs about the same whatever the count). Built once by median splits
//! on the widest dimension. The distance is the larger of two group norms, over coordinates
//! `..split` and `split..` (the joint space of x and y), each the max-norm or the Euclidean
//! norm; a marginal space is one group.

/// Points per leaf.
const LEAF: usize = 16;

#[derive(Debug)]
struct Node {
    /// The node's points are `order[start..end]`.
    start: usize,
    end: usize,
    /// Children, or `None` for a leaf.
    children: Option<(usize, usize)>,
}

/// The norm within each group of coordinates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Norm {
    Max,
    Euclidean,
}

/// max(|a[..split]|, |a[split..]|) under `norm`: the metric of a product space.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Metric {
    pub norm: Norm,
    pub split: usize,
}

impl Metric {
    /// One group: a single space under `norm`.
    pub fn single(norm: Norm) -> Self {
        Metric {
            norm,
            split: usize::MAX,
        }
    }

    /// The metric of non-negative per-coordinate differences (monotone in each of them, so a
    /// box's bounds and a point's distance compare consistently in floating point).
    fn of(&self, diffs: impl Iterator<Item = f64>) -> f64 {
        let (mut a, mut b) = (0.0f64, 0.0f64);
        for (k, v) in diffs.enumerate() {
            let g = if k < self.split { &mut a } else { &mut b };
            match self.norm {
                Norm::Max => *g = g.max(v),
                Norm::Euclidean => *g += v * v,
            }
        }
        match self.norm {
            Norm::Max => a.max(b),
            Norm::Euclidean => a.sqrt().max(b.sqrt()),
        }
    }

    pub fn dist(&self, a: &[f64], b: &[f64]) -> f64 {
        self.of(a.iter().zip(b).map(|(x, y)| (x - y).abs()))
    }
}

#[derive(Debug)]
pub struct BoxTree {
    d: usize,
    metric: Metric,
    /// Original index of each point in tree order.
    index: Vec<usize>,
    /// Points, row-major, in tree order.
    pts: Vec<f64>,
    nodes: Vec<Node>,
    /// Bounding boxes: node i has lower corner lo[i*d..] and upper corner hi[i*d..].
    lo: Vec<f64>,
    hi: Vec<f64>,
}

impl BoxTree {
    /// Builds the tree over `points` (n x d, row-major) under `metric`.
    pub fn new(points: &[f64], d: usize, metric: Metric) -> Self {
        let n = points.len() / d.max(1);
        let mut order: Vec<usize> = (0..n).collect();
        let mut t = BoxTree {
            d,
            metric,
            index: Vec::new(),
            pts: Vec::new(),
            nodes: Vec::new(),
            lo: Vec::new(),
            hi: Vec::new(),
        };
        if n > 0 && d > 0 {
            t.build(points, &mut order, 0, n);
        }
        t.pts = order
            .iter()
            .flat_map(|&i| points[i * d..(i + 1) * d].iter().copied())
            .collect();
        t.index = order;
        t
    }

    fn build(&mut self, points: &[f64], order: &mut [usize], start: usize, end: usize) -> usize {
        let d = self.d;
        let id = self.nodes.len();
        let (mut lo, mut hi) = (vec![f64::INFINITY; d], vec![f64::NEG_INFINITY; d]);
        for &i in &order[start..end] {
            for k in 0..d {
                let v = points[i * d + k];
                lo[k] = lo[k].min(v);
                hi[k] = hi[k].max(v);
            }
        }
        self.nodes.push(Node {
            start,
            end,
            children: None,
        });
        let widest = (0..d)
            .max_by(|&a, &b| (hi[a] - lo[a]).total_cmp(&(hi[b] - lo[b])))
            .unwrap_or(0);
        let spread = hi[widest] - lo[widest];
        self.lo.extend_from_slice(&lo);
        self.hi.extend_from_slice(&hi);
        if end - start > LEAF && spread > 0.0 {
            let mid = start + (end - start) / 2;
            order[start..end].select_nth_unstable_by(mid - start, |&a, &b| {
                points[a * d + widest].total_cmp(&points[b * d + widest])
            });
            let left = self.build(points, order, start, mid);
            let right = self.build(points, order, mid, end);
            self.nodes[id].children = Some((left, right));
        }
        id
    }

    fn dist(&self, a: &[f64], b: &[f64]) -> f64 {
        self.metric.dist(a, b)
    }

    /// Distance from q to the node's bounding box (0 inside).
    fn box_dist(&self, node: usize, q: &[f64]) -> f64 {
        let d = self.d;
        let (lo, hi) = (&self.lo[node * d..][..d], &self.hi[node * d..][..d]);
        self.metric
            .of((0..d).map(|k| (lo[k] - q[k]).max(q[k] - hi[k]).max(0.0)))
    }

    /// Distance from q to the farthest corner of the node's bounding box.
    fn box_far(&self, node: usize, q: &[f64]) -> f64 {
        let d = self.d;
        let (lo, hi) = (&self.lo[node * d..][..d], &self.hi[node * d..][..d]);
        self.metric
            .of((0..d).map(|k| (q[k] - lo[k]).abs().max((hi[k] - q[k]).abs())))
    }

    /// The number of points p within distance r of q (q itself included if it is a point).
    pub fn count_within(&self, q: &[f64], r: f64) -> usize {
        let d = self.d;
        if self.nodes.is_empty() {
            return 0;
        }
        let mut total = 0;
        let mut stack = vec![0usize];
        while let Some(id) = stack.pop() {
            let node = &self.nodes[id];
            // Both tests compare floating-point differences, exactly as the leaf test does, so
            // a point on the boundary is classified the same way whichever path sees it.
            if self.box_dist(id, q) > r {
                continue;
            }
            if self.box_far(id, q) <= r {
                total += node.end - node.start;
                continue;
            }
            match node.children {
                Some((a, b)) => {
                    stack.push(a);
                    stack.push(b);
                }
                None => {
                    total += self.pts[node.start * d..node.end * d]
                        .chunks(d)
                        .filter(|p| self.dist(p, q) <= r)
                        .count();
                }
            }
        }
        total
    }

    /// The distance from q to its k-th nearest point (q itself counts if it is one).
    pub fn kth_distance(&self, q: &[f64], k: usize) -> f64 {
        self.nearest(q, k).last().map_or(0.0, |&(d, _)| d)
    }

    /// The k nearest points to q (q itself counts if it is one), nearest first, as (distance,
    /// original index); among equal distances, whichever the search met first.
    pub fn nearest(&self, q: &[f64], k: usize) -> Vec<(f64, usize)> {
        let d = self.d;
        if self.nodes.is_empty() || k == 0 {
            return Vec::new();
        }
        // The k smallest distances seen so far, sorted ascending.
        let mut best: Vec<(f64, usize)> = Vec::with_capacity(k + 1);
        let bound = |best: &Vec<(f64, usize)>| {
            if best.len() < k {
                f64::INFINITY
            } else {
                best[k - 1].0
            }
        };
        let mut stack = vec![0usize];
        while let Some(id) = stack.pop() {
            if self.box_dist(id, q) > bound(&best) {
                continue;
            }
            let node = &self.nodes[id];
            match node.children {
                Some((a, b)) => {
                    // Visit the nearer child first (pushed last).
                    let (da, db) = (self.box_dist(a, q), self.box_dist(b, q));
                    if da <= db {
                        stack.push(b);
                        stack.push(a);
                    } else {
                        stack.push(a);
                        stack.push(b);
                    }
                }
                None => {
                    let points = self.pts[node.start * d..node.end * d].chunks(d);
                    for (p, &i) in points.zip(&self.index[node.start..node.end]) {
                        let dist = self.dist(p, q);
                        if dist < bound(&best) {
                            let at = best.partition_point(|&(v, _)| v <= dist);
                            best.insert(at, (dist, i));
                            best.truncate(k);
                        }
                    }
                }
            }
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt as _, SeedableRng};

    /// Both queries agree with brute force on random points, ties included (points on a grid).
    #[test]
    fn matches_brute_force() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        for (n, d, grid) in [
            (500, 2, false),
            (300, 3, true),
            (200, 1, true),
            (40, 4, false),
        ] {
            let pts: Vec<f64> = (0..n * d)
                .map(|_| {
                    let v: f64 = rng.random_range(-1.0..1.0);
                    if grid {
                        (v * 5.0).round() / 5.0
                    } else {
                        v
                    }
                })
                .collect();
            let metrics = [
                Metric::single(Norm::Max),
                Metric {
                    norm: Norm::Euclidean,
                    split: d / 2,
                },
                Metric::single(Norm::Euclidean),
            ];
            for metric in metrics {
                let tree = BoxTree::new(&pts, d, metric);
                for i in (0..n).step_by(7) {
                    let q = &pts[i * d..(i + 1) * d];
                    let mut dists: Vec<f64> = pts.chunks(d).map(|p| metric.dist(p, q)).collect();
                    dists.sort_by(f64::total_cmp);
                    for k in [1, 2, 4, 9] {
                        assert_eq!(tree.kth_distance(q, k), dists[k - 1], "n {n} d {d} k {k}");
                    }
                    // Radii just below and at actual distances: boundary points must be classified
                    // alike by the subtree test and the leaf test.
                    let edges = [dists[3], dists[3].next_down(), dists[n / 2].next_down()];
                    for r in [0.0, 0.1, 0.37, 2.5].into_iter().chain(edges) {
                        let want = dists.iter().filter(|&&v| v <= r).count();
                        assert_eq!(tree.count_within(q, r), want, "n {n} d {d} r {r}");
                    }
                    let near = tree.nearest(q, 5);
                    for (dist, i) in near {
                        assert_eq!(metric.dist(&pts[i * d..(i + 1) * d], q), dist);
                    }
                }
            }
        }
    }
}
