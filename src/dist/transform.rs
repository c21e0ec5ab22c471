//! MI-preserving transforms (Czyz et al. 2023): a smooth injective map applied to X, to Y or to
//! both leaves I(X;Y) unchanged, so the ground truth is the base distribution's. Each map has
//! a forward and an inverse; the pointwise MI of the transformed pair is the base's at the
//! inverse images (the Jacobians cancel). One mechanism serves every transform: an entry is a
//! [`Map`] plus its parameters.

use statrs::distribution::{ContinuousCDF, Normal};

use super::{DataRef, Distribution, Rng, Sample, Truth};

/// A coordinate map and its inverse.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Map {
    /// Phi per coordinate: uniform margins.
    NormalCdf,
    /// t sqrt|t| per coordinate: longer tails.
    HalfCube,
    /// asinh per coordinate: shorter tails.
    Asinh,
    /// x + 0.4 sin x + 0.2 sin(1.7x + 1) + 0.03 sin(3.3x - 2.5) per coordinate.
    Wiggly,
    /// x -> R(speed |x|^2) x, R(theta) rotating each coordinate pair (2k, 2k+1) by theta
    /// (exp of the block-diagonal skew-symmetric generator); norm-preserving, so invertible.
    Spiral { speed: f64 },
    /// 1-D to 2-D: u = Phi(t), s = 1.5 pi (1 + 2u), (s cos s, s sin s) / 21.
    SwissRoll,
    /// sign(t) |t|^alpha per coordinate.
    Power { alpha: f64 },
    /// scale t + shift per coordinate.
    Rescale { scale: f64, shift: f64 },
    /// F^-1(Phi(t)) per coordinate, F the CDF of weight N(mean_a, 1) + (1 - weight)
    /// N(mean_b, 1): a standard normal margin becomes bimodal (bmi's 1v1-bimodal task).
    Bimodal {
        weight: f64,
        mean_a: f64,
        mean_b: f64,
    },
    /// bmi's waves (Czyz et al. 2023, "the mixtures and the neural critics"): a shear
    /// v0 + amplitude sin(frequency v1) of the first coordinate along the second, then
    /// scale[i] v_i + shift[i] on the first two coordinates; the rest pass through. The shear
    /// has Jacobian 1 and the affine part is invertible for non-zero scales.
    Waves {
        amplitude: f64,
        frequency: f64,
        scale: [f64; 2],
        shift: [f64; 2],
    },
}

/// The lower tail F(v) or the upper tail 1 - F(v) of the two-component mixture, each computed
/// directly so that neither loses precision far out.
fn mixture_tail(v: f64, upper: bool, w: f64, a: f64, b: f64) -> f64 {
    let n = Normal::standard();
    if upper {
        w * n.sf(v - a) + (1.0 - w) * n.sf(v - b)
    } else {
        w * n.cdf(v - a) + (1.0 - w) * n.cdf(v - b)
    }
}

/// F^-1(Phi(t)): bisection on the tail that t is in (lower for t <= 0, upper above), which is
/// monotone and bracketed by the components' own quantiles.
fn bimodal(t: f64, w: f64, a: f64, b: f64) -> f64 {
    let upper = t > 0.0;
    let target = Normal::standard().cdf(-t.abs());
    let (mut lo, mut hi) = (a.min(b) - t.abs() - 1.0, a.max(b) + t.abs() + 1.0);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        let tail = mixture_tail(mid, upper, w, a, b);
        // The lower tail grows with v, the upper one shrinks.
        if (tail < target) != upper {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo <= 1e-13 * (1.0 + mid.abs()) {
            break;
        }
    }
    0.5 * (lo + hi)
}

/// Phi^-1(F(v)), through the tail that v is in.
fn bimodal_inverse(v: f64, w: f64, a: f64, b: f64) -> f64 {
    let lower = mixture_tail(v, false, w, a, b);
    if lower <= 0.5 {
        phi_inv(lower)
    } else {
        -phi_inv(mixture_tail(v, true, w, a, b))
    }
}

fn phi(t: f64) -> f64 {
    Normal::standard().cdf(t)
}

fn phi_inv(u: f64) -> f64 {
    Normal::standard().inverse_cdf(u)
}

fn wiggly(x: f64) -> f64 {
    x + 0.4 * x.sin() + 0.2 * (1.7 * x + 1.0).sin() + 0.03 * (3.3 * x - 2.5).sin()
}

/// Rotates coordinate pairs of `v` by `theta` in place.
fn rotate(v: &mut [f64], theta: f64) {
    let (s, c) = theta.sin_cos();
    for k in 0..v.len() / 2 {
        let (a, b) = (v[2 * k], v[2 * k + 1]);
        v[2 * k] = c * a - s * b;
        v[2 * k + 1] = s * a + c * b;
    }
}

impl Map {
    pub fn out_dim(&self, d: usize) -> usize {
        match self {
            Map::SwissRoll => 2 * d,
            _ => d,
        }
    }

    pub fn forward(&self, v: &[f64]) -> Vec<f64> {
        let mut out = Vec::with_capacity(self.out_dim(v.len()));
        self.forward_into(v, &mut out);
        out
    }

    /// Appends the image of `v` to `out` (no allocation per row when sampling).
    pub fn forward_into(&self, v: &[f64], out: &mut Vec<f64>) {
        match *self {
            Map::NormalCdf => out.extend(v.iter().map(|&t| phi(t))),
            Map::HalfCube => out.extend(v.iter().map(|&t| t * t.abs().sqrt())),
            Map::Asinh => out.extend(v.iter().map(|&t| t.asinh())),
            Map::Wiggly => out.extend(v.iter().map(|&t| wiggly(t))),
            Map::Spiral { speed } => {
                let start = out.len();
                out.extend_from_slice(v);
                rotate(
                    &mut out[start..],
                    speed * v.iter().map(|a| a * a).sum::<f64>(),
                );
            }
            Map::SwissRoll => {
                for &t in v {
                    let s = 1.5 * std::f64::consts::PI * (1.0 + 2.0 * phi(t));
                    out.push(s * s.cos() / 21.0);
                    out.push(s * s.sin() / 21.0);
                }
            }
            Map::Power { alpha } => out.extend(v.iter().map(|&t| t.signum() * t.abs().powf(alpha))),
            Map::Rescale { scale, shift } => out.extend(v.iter().map(|&t| scale * t + shift)),
            Map::Bimodal {
                weight,
                mean_a,
                mean_b,
            } => out.extend(v.iter().map(|&t| bimodal(t, weight, mean_a, mean_b))),
            Map::Waves {
                amplitude,
                frequency,
                scale,
                shift,
            } => {
                out.push(scale[0] * (v[0] + amplitude * (frequency * v[1]).sin()) + shift[0]);
                out.push(scale[1] * v[1] + shift[1]);
                out.extend_from_slice(&v[2..]);
            }
        }
    }

    /// The inverse image, or `None` outside the map's range.
    pub fn inverse(&self, v: &[f64]) -> Option<Vec<f64>> {
        let ok = |x: f64| x.is_finite().then_some(x);
        match *self {
            Map::NormalCdf => v.iter().map(|&u| ok(phi_inv(u))).collect(),
            Map::HalfCube => v
                .iter()
                .map(|&s| ok(s.signum() * s.abs().powf(2.0 / 3.0)))
                .collect(),
            Map::Asinh => v.iter().map(|&s| ok(s.sinh())).collect(),
            Map::Wiggly => v
                .iter()
                .map(|&y| {
                    // Strictly increasing (derivative >= 1 - 0.4 - 0.34 - 0.099 > 0) and within
                    // 0.63 of the identity: bisection on [y - 0.63, y + 0.63].
                    let (mut lo, mut hi) = (y - 0.64, y + 0.64);
                    for _ in 0..80 {
                        let mid = 0.5 * (lo + hi);
                        if wiggly(mid) < y {
                            lo = mid;
                        } else {
                            hi = mid;
                        }
                    }
                    ok(0.5 * (lo + hi))
                })
                .collect(),
            Map::Spiral { speed } => {
                let mut out = v.to_vec();
                rotate(&mut out, -speed * v.iter().map(|a| a * a).sum::<f64>());
                Some(out)
            }
            Map::SwissRoll => v
                .chunks(2)
                .map(|p| {
                    let s = 21.0 * (p[0] * p[0] + p[1] * p[1]).sqrt();
                    let u = (s / (1.5 * std::f64::consts::PI) - 1.0) / 2.0;
                    ok(phi_inv(u))
                })
                .collect(),
            Map::Power { alpha } => v
                .iter()
                .map(|&s| ok(s.signum() * s.abs().powf(1.0 / alpha)))
                .collect(),
            Map::Rescale { scale, shift } => v.iter().map(|&s| ok((s - shift) / scale)).collect(),
            Map::Bimodal {
                weight,
                mean_a,
                mean_b,
            } => v
                .iter()
                .map(|&s| ok(bimodal_inverse(s, weight, mean_a, mean_b)))
                .collect(),
            Map::Waves {
                amplitude,
                frequency,
                scale,
                shift,
            } => {
                let v1 = ok((v[1] - shift[1]) / scale[1])?;
                let v0 = ok((v[0] - shift[0]) / scale[0] - amplitude * (frequency * v1).sin())?;
                let mut out = vec![v0, v1];
                out.extend_from_slice(&v[2..]);
                Some(out)
            }
        }
    }
}

/// How one side (X or Y) of a base distribution is seen: unchanged, through a map, or with a
/// deterministic copy beside it. Each is injective with a left inverse, so the MI and the
/// pointwise MI are the base's.
#[derive(Debug, Clone, PartialEq)]
pub enum Side {
    Same,
    /// `map(v)`
    Mapped(Map),
    /// `[v, v]` (duplicate_x)
    Duplicated,
    /// `[v, map(v)]` (append_function_of_y)
    Appended(Map),
    /// `A v` for a fixed random matrix A of full column rank into a wider space (`project`).
    Projected(std::sync::Arc<Projection>),
    /// Each coordinate through its CDF fitted on a reference sample (`uniformise`,
    /// `gaussianise`).
    Fitted(std::sync::Arc<super::marginal::MarginalCdf>),
}

/// A fixed linear map from d to `out` >= d coordinates with full column rank, and its left
/// inverse (A^T A)^-1 A^T.
#[derive(Debug, Clone, PartialEq)]
pub struct Projection {
    pub d: usize,
    pub out: usize,
    /// out x d, row-major.
    a: Vec<f64>,
    /// d x out, row-major.
    left_inverse: Vec<f64>,
}

impl Projection {
    /// Entries drawn i.i.d. N(0, 1/d) from `rng`; `None` if A^T A is singular (probability 0
    /// for out >= d; a draw that comes close is refused rather than used).
    pub fn random(d: usize, out: usize, rng: &mut Rng) -> Option<Projection> {
        use rand_distr::Distribution as _;
        let normal = rand_distr::Normal::new(0.0, (1.0 / d as f64).sqrt()).ok()?;
        let a: Vec<f64> = (0..out * d).map(|_| normal.sample(rng)).collect();
        // A^T A (d x d), its inverse, then (A^T A)^-1 A^T.
        let mut ata = vec![0.0; d * d];
        for i in 0..d {
            for j in 0..d {
                ata[i * d + j] = (0..out).map(|r| a[r * d + i] * a[r * d + j]).sum();
            }
        }
        let inv = super::linalg::invert(&ata, d)?;
        let mut left_inverse = vec![0.0; d * out];
        for i in 0..d {
            for r in 0..out {
                left_inverse[i * out + r] = (0..d).map(|k| inv[i * d + k] * a[r * d + k]).sum();
            }
        }
        Some(Projection {
            d,
            out,
            a,
            left_inverse,
        })
    }

    /// A fixed random rotation of d coordinates (bmi's `rotate` transform uses one fixed
    /// rotation per side): Gram-Schmidt on a matrix of N(0, 1) entries from `rng`, so Q is
    /// orthogonal and its inverse is Q^T. `None` if the draw is too close to singular.
    pub fn rotation(d: usize, rng: &mut Rng) -> Option<Projection> {
        use rand_distr::Distribution as _;
        let mut q: Vec<f64> = (0..d * d)
            .map(|_| rand_distr::StandardNormal.sample(rng))
            .collect();
        // Rows of q, orthonormalised in turn (modified Gram-Schmidt).
        for i in 0..d {
            for j in 0..i {
                let dot: f64 = (0..d).map(|k| q[i * d + k] * q[j * d + k]).sum();
                for k in 0..d {
                    q[i * d + k] -= dot * q[j * d + k];
                }
            }
            let norm = (0..d).map(|k| q[i * d + k].powi(2)).sum::<f64>().sqrt();
            if norm < 1e-8 {
                return None;
            }
            (0..d).for_each(|k| q[i * d + k] /= norm);
        }
        let mut qt = vec![0.0; d * d];
        for i in 0..d {
            for j in 0..d {
                qt[i * d + j] = q[j * d + i];
            }
        }
        Some(Projection {
            d,
            out: d,
            a: q,
            left_inverse: qt,
        })
    }

    fn apply_into(&self, v: &[f64], out: &mut Vec<f64>) {
        out.extend((0..self.out).map(|r| {
            let row = &self.a[r * self.d..(r + 1) * self.d];
            row.iter().zip(v).map(|(a, b)| a * b).sum::<f64>()
        }));
    }

    fn invert(&self, w: &[f64]) -> Vec<f64> {
        (0..self.d)
            .map(|i| {
                let row = &self.left_inverse[i * self.out..(i + 1) * self.out];
                row.iter().zip(w).map(|(a, b)| a * b).sum()
            })
            .collect()
    }
}

impl Side {
    /// The width of a side whose base width is `d`.
    pub fn out_dim(&self, d: usize) -> usize {
        match self {
            Side::Same | Side::Fitted(_) => d,
            Side::Mapped(m) => m.out_dim(d),
            Side::Duplicated => 2 * d,
            Side::Appended(m) => d + m.out_dim(d),
            Side::Projected(p) => p.out,
        }
    }

    /// Each row of a row-major matrix with `d` columns, seen through this side.
    fn forward_rows(&self, v: Vec<f64>, d: usize) -> Vec<f64> {
        match self {
            Side::Same => v,
            Side::Mapped(m) => map_rows(&v, d, m),
            Side::Fitted(f) => {
                let mut out = Vec::with_capacity(v.len());
                for row in v.chunks(d) {
                    f.forward_into(row, &mut out);
                }
                out
            }
            Side::Projected(p) => {
                let mut out = Vec::with_capacity(v.len() / d.max(1) * p.out);
                for row in v.chunks(d) {
                    p.apply_into(row, &mut out);
                }
                out
            }
            Side::Duplicated | Side::Appended(_) => {
                let mut out = Vec::with_capacity(self.out_dim(v.len()));
                for row in v.chunks(d) {
                    out.extend_from_slice(row);
                    match self {
                        Side::Appended(m) => m.forward_into(row, &mut out),
                        _ => out.extend_from_slice(row),
                    }
                }
                out
            }
        }
    }

    /// The base row behind one row of this side (`d`: the base width); `None` off the image.
    fn inverse(&self, row: &[f64], d: usize) -> Option<Vec<f64>> {
        match self {
            Side::Same => Some(row.to_vec()),
            Side::Mapped(m) => m.inverse(row),
            Side::Projected(p) => Some(p.invert(row)),
            Side::Fitted(f) => f.inverse(row),
            Side::Duplicated | Side::Appended(_) => Some(row[..d].to_vec()),
        }
    }
}

/// A base distribution with each side seen through a [`Side`]: the transforms (a map on X, Y
/// or both) and the self-consistency combinators `duplicate_x` and `append_function_of_y`.
#[derive(Debug)]
pub struct Transformed {
    pub base: DataRef,
    pub x: Side,
    pub y: Side,
}

/// Applies `map` to each row of a row-major matrix with `d` columns.
pub(crate) fn map_rows(v: &[f64], d: usize, map: &Map) -> Vec<f64> {
    let mut out = Vec::with_capacity(map.out_dim(v.len()));
    for row in v.chunks(d) {
        map.forward_into(row, &mut out);
    }
    out
}

impl Distribution for Transformed {
    fn dim_x(&self) -> usize {
        self.x.out_dim(self.base.dist.dim_x())
    }

    fn dim_y(&self) -> usize {
        self.y.out_dim(self.base.dist.dim_y())
    }

    fn sample(&self, n: usize, rng: &mut Rng) -> Sample {
        let s = self.base.dist.sample(n, rng);
        Sample {
            n,
            dim_x: self.dim_x(),
            dim_y: self.dim_y(),
            x: self.x.forward_rows(s.x, s.dim_x),
            y: self.y.forward_rows(s.y, s.dim_y),
        }
    }

    fn truth(&self) -> Truth {
        self.base.dist.truth()
    }

    fn pointwise_mi(&self, x: &[f64], y: &[f64]) -> Option<f64> {
        let (dx, dy) = (self.base.dist.dim_x(), self.base.dist.dim_y());
        let (bx, by) = (self.x.inverse(x, dx)?, self.y.inverse(y, dy)?);
        self.base.dist.pointwise_mi(&bx, &by)
    }

    // Labels travel with the draws; an injective map keeps I(side; label).
    fn classes(&self) -> usize {
        self.base.dist.classes()
    }

    fn label_truth(&self, side: super::LabelSide) -> Option<Truth> {
        self.base.dist.label_truth(side)
    }

    fn sample_labelled(&self, n: usize, rng: &mut Rng) -> Option<(Sample, Vec<usize>)> {
        let (s, labels) = self.base.dist.sample_labelled(n, rng)?;
        Some((
            Sample {
                n,
                dim_x: self.dim_x(),
                dim_y: self.dim_y(),
                x: self.x.forward_rows(s.x, s.dim_x),
                y: self.y.forward_rows(s.y, s.dim_y),
            },
            labels,
        ))
    }

    fn truth_known(&self) -> bool {
        self.base.dist.truth_known()
    }
}

/// The maps `append_function_of_y` may apply, by name.
pub fn named_map(name: &str) -> Option<Map> {
    Some(match name {
        "normal_cdf" => Map::NormalCdf,
        "half_cube" => Map::HalfCube,
        "asinh" => Map::Asinh,
        "wiggly" => Map::Wiggly,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {

    /// A rotation is orthogonal (Q Q^T = I to rounding), keeps lengths and is undone by Q^T.
    #[test]
    fn rotations_are_orthogonal() {
        let mut rng = crate::dist::stream(0, 0, "test");
        let d = 5;
        let p = Projection::rotation(d, &mut rng).unwrap();
        for i in 0..d {
            for j in 0..d {
                let dot: f64 = (0..d).map(|k| p.a[i * d + k] * p.a[j * d + k]).sum();
                assert!(
                    (dot - f64::from(u8::from(i == j))).abs() < 1e-12,
                    "{i} {j}: {dot}"
                );
            }
        }
        let v = [0.3, -1.2, 2.5, 0.0, 4.0];
        let mut w = Vec::new();
        p.apply_into(&v, &mut w);
        let len = |u: &[f64]| u.iter().map(|a| a * a).sum::<f64>();
        assert!((len(&w) - len(&v)).abs() < 1e-12);
        for (a, b) in p.invert(&w).iter().zip(v) {
            assert!((a - b).abs() < 1e-12);
        }
    }

    /// A projection from 3 into 7 coordinates is undone by its left inverse, and keeps
    /// distances apart (it is injective).
    #[test]
    fn projection_round_trips() {
        let mut rng = crate::dist::stream(0, 0, "test");
        let p = Projection::random(3, 7, &mut rng).unwrap();
        let v = [0.3, -1.2, 2.5];
        let mut w = Vec::new();
        p.apply_into(&v, &mut w);
        assert_eq!(w.len(), 7);
        let back = p.invert(&w);
        for (a, b) in back.iter().zip(v) {
            assert!((a - b).abs() < 1e-12, "{back:?}");
        }
    }

    /// The pointwise MI of projected data at (A x, y) is the base's at (x, y).
    #[test]
    fn projected_pointwise_mi_is_the_base_s() {
        let base = crate::dist::DataDecl::new(crate::dist::gaussian::Gaussian { dim: 2, rho: 0.6 });
        let mut rng = crate::dist::stream(0, 0, "test");
        let p = Projection::random(2, 5, &mut rng).unwrap();
        let t = Transformed {
            base: base.clone(),
            x: Side::Projected(std::sync::Arc::new(p.clone())),
            y: Side::Same,
        };
        let s = base.dist.sample(20, &mut rng);
        for i in 0..20 {
            let (x, y) = (&s.x[2 * i..2 * i + 2], &s.y[2 * i..2 * i + 2]);
            let mut ax = Vec::new();
            p.apply_into(x, &mut ax);
            let want = base.dist.pointwise_mi(x, y).unwrap();
            let got = t.pointwise_mi(&ax, y).unwrap();
            assert!((got - want).abs() < 1e-9, "{got} {want}");
        }
    }

    use super::*;

    /// Standard normal draws pushed through the bimodal map have the mixture's distribution: the
    /// share below v matches F(v) = 0.3 Phi(v) + 0.7 Phi(v - 5) within 4 standard errors.
    #[test]
    fn bimodal_margins_have_the_mixture_distribution() {
        use rand::RngExt as _;
        let mut rng = crate::dist::stream(0, 0, "test");
        let n = 20_000;
        let m = Map::Bimodal {
            weight: 0.3,
            mean_a: 0.0,
            mean_b: 5.0,
        };
        let draws: Vec<f64> = (0..n)
            .map(|_| {
                let t: f64 = rng.sample(rand_distr::StandardNormal);
                m.forward(&[t])[0]
            })
            .collect();
        for v in [-1.0, 1.0, 2.5, 4.0, 6.0] {
            let want = 0.3 * phi(v) + 0.7 * phi(v - 5.0);
            let got = draws.iter().filter(|&&d| d <= v).count() as f64 / n as f64;
            let se = (want * (1.0 - want) / n as f64).sqrt();
            assert!(
                (got - want).abs() < 4.0 * se + 1e-9,
                "v {v}: {got} vs {want}"
            );
        }
    }

    /// Every map is inverted by its inverse on its domain.
    #[test]
    fn every_map_is_invertible() {
        let maps = [
            Map::NormalCdf,
            Map::HalfCube,
            Map::Asinh,
            Map::Wiggly,
            Map::Spiral { speed: 0.7 },
            Map::SwissRoll,
            Map::Power { alpha: 3.0 },
            Map::Power { alpha: 0.4 },
            Map::Rescale {
                scale: -2.0,
                shift: 1.5,
            },
            Map::Bimodal {
                weight: 0.3,
                mean_a: 0.0,
                mean_b: 5.0,
            },
        ];
        let points: [&[f64]; 4] = [&[0.3, -1.2], &[2.5, 0.0], &[-4.0, 3.1], &[0.0, 0.7]];
        for m in maps {
            for p in points {
                let f = m.forward(p);
                assert_eq!(f.len(), m.out_dim(p.len()));
                let back = m.inverse(&f).unwrap_or_else(|| panic!("{m:?} {p:?}"));
                for (a, b) in back.iter().zip(p) {
                    assert!((a - b).abs() < 1e-6, "{m:?}: {p:?} -> {f:?} -> {back:?}");
                }
            }
        }
    }

    #[test]
    fn wiggly_is_strictly_increasing() {
        let mut prev = wiggly(-20.0);
        for i in 1..40_000 {
            let v = wiggly(-20.0 + i as f64 * 1e-3);
            assert!(v > prev);
            prev = v;
        }
    }
}
