//! Fitted marginal transforms (bmi's `uniformise` and `gaussianise` tasks): each coordinate goes
//! through an estimate of its own CDF, fitted once on a reference sample of the base, and then,
//! for `gaussianise`, through Phi^-1. bmi fits scikit-learn's QuantileTransformer on every
//! sample and clips outside the fitted range, which merges the extreme points and so changes
//! the MI a little; here the fitted CDF is a strictly increasing bijection from the real line
//! onto (0, 1): piecewise linear between the empirical quantiles at levels (k + 1/2) / m, with
//! tails u0 / (1 + d / b) beyond them (d the distance past the end knot; b continues the end
//! segment's slope; a power law, so no finite value underflows to 0 or 1). So the map is
//! injective, the MI is the base's exactly, and the pointwise MI is the base's at the inverse
//! image.

use statrs::distribution::{ContinuousCDF, Normal};

/// What the fitted CDF values are turned into.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Target {
    /// The CDF value itself: margins close to uniform on (0, 1).
    Uniform,
    /// Phi^-1 of it: margins close to N(0, 1).
    Normal,
}

/// One coordinate's fitted CDF: knots v (strictly increasing) at levels u, and the scales of
/// the two exponential tails.
#[derive(Debug, Clone, PartialEq)]
struct Knots {
    v: Vec<f64>,
    u: Vec<f64>,
    lo_scale: f64,
    hi_scale: f64,
}

/// A CDF value kept as its lower tail u or its upper tail 1 - u, whichever is smaller, so that
/// neither end loses precision.
#[derive(Debug, Clone, Copy)]
enum Tail {
    Lower(f64),
    Upper(f64),
}

impl Knots {
    /// `quantiles` knots at the empirical quantiles of `col` at levels (k + 1/2) / quantiles
    /// (linear interpolation between order statistics), repeated values dropped; `None` unless
    /// at least two distinct values remain.
    fn fit(col: &mut [f64], quantiles: usize) -> Option<Knots> {
        col.sort_by(f64::total_cmp);
        let n = col.len();
        let (mut v, mut u) = (Vec::with_capacity(quantiles), Vec::with_capacity(quantiles));
        for k in 0..quantiles {
            let p = (k as f64 + 0.5) / quantiles as f64;
            let pos = p * (n - 1) as f64;
            let (i, frac) = (pos.floor() as usize, pos - pos.floor());
            let q = if i + 1 < n {
                col[i] + frac * (col[i + 1] - col[i])
            } else {
                col[n - 1]
            };
            if v.last().is_none_or(|&last| q > last) {
                v.push(q);
                u.push(p);
            }
        }
        let m = v.len();
        if m < 2 || !v.iter().all(|x: &f64| x.is_finite()) {
            return None;
        }
        let slope = |a: usize, b: usize| (u[b] - u[a]) / (v[b] - v[a]);
        Some(Knots {
            lo_scale: u[0] / slope(0, 1),
            hi_scale: (1.0 - u[m - 1]) / slope(m - 2, m - 1),
            v,
            u,
        })
    }

    fn cdf(&self, x: f64) -> Tail {
        let m = self.v.len();
        let tail = if x < self.v[0] {
            Tail::Lower(self.u[0] / (1.0 + (self.v[0] - x) / self.lo_scale))
        } else if x > self.v[m - 1] {
            Tail::Upper((1.0 - self.u[m - 1]) / (1.0 + (x - self.v[m - 1]) / self.hi_scale))
        } else {
            // The segment [v[i], v[i + 1]] that holds x.
            let i = self.v.partition_point(|&k| k <= x).clamp(1, m - 1) - 1;
            let t = (x - self.v[i]) / (self.v[i + 1] - self.v[i]);
            Tail::Lower(self.u[i] + t * (self.u[i + 1] - self.u[i]))
        };
        match tail {
            Tail::Lower(u) if u > 0.5 => Tail::Upper(1.0 - u),
            t => t,
        }
    }

    /// The x whose CDF value is `tail`; `None` for a value outside (0, 1).
    fn quantile(&self, tail: Tail) -> Option<f64> {
        let m = self.v.len();
        let x = match tail {
            Tail::Lower(u) if u <= 0.0 || u.is_nan() => return None,
            Tail::Upper(r) if r <= 0.0 || r.is_nan() => return None,
            Tail::Lower(u) if u < self.u[0] => self.v[0] - self.lo_scale * (self.u[0] / u - 1.0),
            Tail::Upper(r) if r < 1.0 - self.u[m - 1] => {
                self.v[m - 1] + self.hi_scale * ((1.0 - self.u[m - 1]) / r - 1.0)
            }
            t => {
                let u = match t {
                    Tail::Lower(u) => u,
                    Tail::Upper(r) => 1.0 - r,
                };
                if u >= 1.0 {
                    return None;
                }
                let i = self.u.partition_point(|&k| k <= u).clamp(1, m - 1) - 1;
                let s = (u - self.u[i]) / (self.u[i + 1] - self.u[i]);
                self.v[i] + s * (self.v[i + 1] - self.v[i])
            }
        };
        x.is_finite().then_some(x)
    }
}

/// Each coordinate through its fitted CDF (and Phi^-1 for [`Target::Normal`]).
#[derive(Debug, Clone, PartialEq)]
pub struct MarginalCdf {
    coords: Vec<Knots>,
    target: Target,
}

impl MarginalCdf {
    /// Fitted on `rows` (row-major, `d` columns) with `quantiles` knots per coordinate; `None`
    /// when a coordinate has fewer than two distinct values.
    pub fn fit(rows: &[f64], d: usize, quantiles: usize, target: Target) -> Option<MarginalCdf> {
        let coords = (0..d)
            .map(|j| {
                let mut col: Vec<f64> = rows.iter().skip(j).step_by(d).copied().collect();
                Knots::fit(&mut col, quantiles)
            })
            .collect::<Option<Vec<_>>>()?;
        Some(MarginalCdf { coords, target })
    }

    pub fn forward_into(&self, row: &[f64], out: &mut Vec<f64>) {
        let n = Normal::standard();
        out.extend(
            row.iter()
                .zip(&self.coords)
                .map(|(&x, k)| match (self.target, k.cdf(x)) {
                    (Target::Uniform, Tail::Lower(u)) => u,
                    (Target::Uniform, Tail::Upper(r)) => 1.0 - r,
                    (Target::Normal, Tail::Lower(u)) => n.inverse_cdf(u),
                    (Target::Normal, Tail::Upper(r)) => -n.inverse_cdf(r),
                }),
        );
    }

    /// The base row behind `row`; `None` off the image.
    pub fn inverse(&self, row: &[f64]) -> Option<Vec<f64>> {
        let n = Normal::standard();
        row.iter()
            .zip(&self.coords)
            .map(|(&w, k)| {
                let tail = match self.target {
                    Target::Uniform if w <= 0.5 => Tail::Lower(w),
                    Target::Uniform => Tail::Upper(1.0 - w),
                    Target::Normal if w <= 0.0 => Tail::Lower(n.cdf(w)),
                    Target::Normal => Tail::Upper(n.cdf(-w)),
                };
                k.quantile(tail)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fitted on a large standard normal sample, gaussianise is close to the identity and
    /// uniformise close to Phi; both are strictly increasing and undone by their inverses,
    /// far into the tails.
    #[test]
    fn close_to_the_true_cdf_and_inverted_exactly() {
        use rand_distr::Distribution as _;
        let mut rng = crate::dist::stream(4, 0, "test");
        let rows: Vec<f64> = (0..20_000)
            .map(|_| rand_distr::StandardNormal.sample(&mut rng))
            .collect();
        let phi = Normal::standard();
        for target in [Target::Uniform, Target::Normal] {
            let m = MarginalCdf::fit(&rows, 1, 100, target).unwrap();
            let mut prev = f64::NEG_INFINITY;
            for i in -300..=300 {
                let x = i as f64 * 0.05;
                let mut out = vec![];
                m.forward_into(&[x], &mut out);
                assert!(out[0] > prev, "{target:?} not increasing at {x}");
                prev = out[0];
                let back = m.inverse(&out).unwrap()[0];
                assert!((back - x).abs() < 1e-7 * (1.0 + x.abs()), "{x} -> {back}");
                if x.abs() <= 2.0 {
                    let want = match target {
                        Target::Uniform => phi.cdf(x),
                        Target::Normal => x,
                    };
                    let tol = match target {
                        Target::Uniform => 0.02,
                        Target::Normal => 0.1,
                    };
                    assert!((out[0] - want).abs() < tol, "{target:?} {x}: {}", out[0]);
                }
            }
        }
        // Far outside the reference sample the map stays strictly inside (0, 1) and invertible.
        let m = MarginalCdf::fit(&rows, 1, 100, Target::Uniform).unwrap();
        for x in [-1e6, -1e3, 1e3, 1e6] {
            let mut out = vec![];
            m.forward_into(&[x], &mut out);
            assert!(out[0] > 0.0 && out[0] < 1.0, "{x}: {}", out[0]);
            let back = m.inverse(&out).unwrap()[0];
            assert!((back - x).abs() < 1e-6 * x.abs(), "{x} -> {back}");
        }
        // A constant coordinate has no CDF to fit.
        assert!(MarginalCdf::fit(&[1.0, 1.0, 1.0], 1, 10, Target::Uniform).is_none());
    }
}
