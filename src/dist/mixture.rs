//! Mixtures over [x, y] (components Gaussian, Student-t, or the product of a Gaussian's two
//! margins) and two noisy views of a shared latent. Neither has a closed form MI: the ground truth is the Monte Carlo mean of the pointwise MI
//! ln p(x,y) - ln p(x) - ln p(y) over `MC_SAMPLES` draws, with its standard error, computed once
//! per declaration (a fixed stream, so the same file always gets the same truth) and carried
//! into every verdict that uses it.

use std::sync::OnceLock;

use rand::RngExt as _;
use rand_distr::{ChiSquared, Distribution as _};

use super::multinormal::{Covariance, GaussianBlocks};
use super::{Distribution, FormDensity, LabelSide, MixtureTerm, QuadraticPmi, Rng, Sample, Truth};

/// Draws behind a Monte Carlo ground truth; the standard error is typically 1e-3 to 5e-3 nats.
pub const MC_SAMPLES: usize = 200_000;

/// One component: mean over [x, y], covariance (the dispersion of a Student-t), class label,
/// and its family.
#[derive(Debug, Clone)]
pub struct Component {
    pub mean: Vec<f64>,
    pub cov: Covariance,
    pub label: usize,
    pub shape: Shape,
}

/// The family of a mixture component (bmi's `fine` distributions).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Shape {
    /// N(mean, cov).
    Gaussian,
    /// Multivariate Student-t with `dof` degrees of freedom and dispersion cov: a Gaussian
    /// draw divided by sqrt(chi2_dof / dof).
    Student { dof: f64 },
    /// The product of the Gaussian's two margins: x ~ N(mean_x, cov_xx) independent of
    /// y ~ N(mean_y, cov_yy) (bmi's ProductDistribution; its cross-covariance is ignored).
    Product,
}

impl Shape {
    /// The joint's and the margins' log densities as functions of the quadratic forms, for a
    /// component with these blocks (`None` for the joint of a product component).
    fn form_densities(
        &self,
        g: &GaussianBlocks,
    ) -> (Option<FormDensity>, FormDensity, FormDensity) {
        let (dx, dy) = (g.dim_x, g.dim_y);
        let gauss = |d: usize, ld: f64| FormDensity::Gaussian {
            c: -0.5 * (d as f64 * LN_2PI + ld),
        };
        match *self {
            Shape::Gaussian => (
                Some(gauss(dx + dy, g.ld)),
                gauss(dx, g.ldx),
                gauss(dy, g.ldy),
            ),
            Shape::Product => (None, gauss(dx, g.ldx), gauss(dy, g.ldy)),
            Shape::Student { dof } => {
                let t = |k: usize, ld: f64| FormDensity::Student {
                    c: super::student::log_c(dof, k) - 0.5 * ld,
                    nu: dof,
                    k,
                };
                (Some(t(dx + dy, g.ld)), t(dx, g.ldx), t(dy, g.ldy))
            }
        }
    }
}

/// A mixture over [x, y].
pub struct Mixture {
    pub components: Vec<Component>,
    pub weights: Vec<f64>,
    blocks: Vec<GaussianBlocks>,
    /// Per component: the joint's (`None` for a product) and the margins' log densities as
    /// functions of the quadratic forms.
    densities: Vec<(Option<FormDensity>, FormDensity, FormDensity)>,
    truth: OnceLock<Truth>,
    /// I(x; label) and I(y; label), computed on first use.
    label_truths: [OnceLock<Truth>; 2],
}

/// What defines the mixture, without the derived blocks and the cached truths: the job cache
/// keys runs by this text, which must not change once a truth has been computed.
impl std::fmt::Debug for Mixture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mixture")
            .field("components", &self.components)
            .field("weights", &self.weights)
            .finish_non_exhaustive()
    }
}

fn log_sum_exp(v: &[f64]) -> f64 {
    let m = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if m == f64::NEG_INFINITY {
        return m;
    }
    m + v.iter().map(|x| (x - m).exp()).sum::<f64>().ln()
}

const LN_2PI: f64 = 1.837_877_066_409_345_5;

/// Two views of a labelled latent with a task part and a nuisance part (`task_views`): the
/// class c is uniform over `classes`; the task latent t has mean `separation * (c - (C-1)/2)`
/// on its first coordinate and unit variance in each of `task_dim` coordinates; each view sees
/// t plus its own noise of standard deviation `task_noise`. The nuisance parts n1, n2 (each
/// `nuisance_dim` wide, standard deviation `nuisance_scale`, independent of t and c) correlate
/// coordinate by coordinate with `nuisance_shared`. x = [t + e1, n1], y = [t + e2, n2].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TaskViews {
    pub classes: usize,
    pub separation: f64,
    pub task_dim: usize,
    pub task_noise: f64,
    pub nuisance_dim: usize,
    pub nuisance_shared: f64,
    pub nuisance_scale: f64,
}

impl TaskViews {
    /// The views as a Gaussian mixture with one labelled component per class.
    pub fn mixture(&self) -> Mixture {
        let (dt, dn) = (self.task_dim, self.nuisance_dim);
        let d = dt + dn;
        let n = 2 * d;
        let mut m = vec![0.0; n * n];
        let s2 = self.nuisance_scale.powi(2);
        for i in 0..dt {
            // Within-class task variance 1, shared by both views; each view adds its noise.
            for (a, b) in [(i, i), (d + i, d + i)] {
                m[a * n + b] = 1.0 + self.task_noise.powi(2);
            }
            m[i * n + d + i] = 1.0;
            m[(d + i) * n + i] = 1.0;
        }
        for j in dt..d {
            m[j * n + j] = s2;
            m[(d + j) * n + d + j] = s2;
            m[j * n + d + j] = self.nuisance_shared * s2;
            m[(d + j) * n + j] = self.nuisance_shared * s2;
        }
        let centre = (self.classes as f64 - 1.0) / 2.0;
        let comps = (0..self.classes)
            .map(|c| {
                let mut mean = vec![0.0; n];
                let mu = self.separation * (c as f64 - centre);
                mean[0] = mu;
                mean[d] = mu;
                Component {
                    mean,
                    cov: Covariance {
                        dim_x: d,
                        dim_y: d,
                        matrix: m.clone(),
                    },
                    label: c,
                    shape: Shape::Gaussian,
                }
            })
            .collect();
        Mixture::new(comps, &vec![1.0; self.classes])
    }

    /// The nuisance parts' share of I(x; y): they are Gaussian and independent of the task
    /// parts, so it adds -nuisance_dim / 2 ln(1 - nuisance_shared^2) exactly.
    pub fn nuisance_mi(&self) -> f64 {
        -0.5 * self.nuisance_dim as f64 * (1.0 - self.nuisance_shared.powi(2)).ln()
    }
}

impl Mixture {
    /// Two noisy views x = z + e1, y = z + e2 of a latent z drawn from this mixture's x part,
    /// each e ~ N(0, noise^2 I): again a Gaussian mixture, with one component per component.
    /// `None` when a component's x margin is not Gaussian (a Student-t plus noise is not a
    /// mixture of the families here).
    pub fn views(&self, noise: f64) -> Option<Mixture> {
        if self
            .components
            .iter()
            .any(|c| matches!(c.shape, Shape::Student { .. }))
        {
            return None;
        }
        let s2 = noise.powi(2);
        let comps = self
            .components
            .iter()
            .map(|c| {
                // Latent z ~ N(mu_x, S_xx); (x, y) = (z + e1, z + e2) is Gaussian with
                // cov [[S_xx + s2 I, S_xx], [S_xx, S_xx + s2 I]].
                let d = c.cov.dim_x;
                let n = c.cov.n();
                let mut m = vec![0.0; 4 * d * d];
                for i in 0..d {
                    for j in 0..d {
                        let s = c.cov.matrix[i * n + j] + if i == j { s2 } else { 0.0 };
                        let cross = c.cov.matrix[i * n + j];
                        m[i * 2 * d + j] = s;
                        m[(d + i) * 2 * d + d + j] = s;
                        m[i * 2 * d + d + j] = cross;
                        m[(d + i) * 2 * d + j] = cross;
                    }
                }
                let mu: Vec<f64> = c.mean[..d].iter().chain(&c.mean[..d]).copied().collect();
                Component {
                    mean: mu,
                    cov: Covariance {
                        dim_x: d,
                        dim_y: d,
                        matrix: m,
                    },
                    label: c.label,
                    shape: Shape::Gaussian,
                }
            })
            .collect();
        Some(Mixture::new(comps, &self.weights))
    }

    pub fn new(components: Vec<Component>, weights: &[f64]) -> Self {
        let total: f64 = weights.iter().sum();
        let blocks: Vec<GaussianBlocks> = components
            .iter()
            .map(|c| GaussianBlocks::new(&c.cov).expect("component covariances are checked"))
            .collect();
        let densities = components
            .iter()
            .zip(&blocks)
            .map(|(c, g)| c.shape.form_densities(g))
            .collect();
        Mixture {
            weights: weights.iter().map(|w| w / total).collect(),
            components,
            blocks,
            densities,
            truth: OnceLock::new(),
            label_truths: [OnceLock::new(), OnceLock::new()],
        }
    }

    /// The Monte Carlo mean (with its standard error) of ln p(v | label) - ln p(v) for one
    /// side v of the pair, over `n` labelled draws from a fixed stream: I(v; label).
    fn label_mi_mc(&self, side: LabelSide, n: usize) -> Truth {
        let mut rng = super::stream(0x6d69_6361, 1, "label-truth");
        let (s, labels) = self.draw_labelled(n, &mut rng);
        let (dx, dy) = (s.dim_x, s.dim_y);
        let classes = 1 + self.components.iter().map(|c| c.label).max().unwrap_or(0);
        let mut class_weight = vec![0.0; classes];
        for (c, w) in self.components.iter().zip(&self.weights) {
            class_weight[c.label] += w;
        }
        let (mut sum, mut sum_sq) = (0.0, 0.0);
        for (i, &label) in labels.iter().enumerate() {
            let (x, y) = (&s.x[i * dx..(i + 1) * dx], &s.y[i * dy..(i + 1) * dy]);
            // ln w_k + ln N_k(v) per component, on the chosen side's marginal.
            let logs: Vec<f64> = self
                .components
                .iter()
                .enumerate()
                .zip(&self.weights)
                .map(|((k, _), w)| {
                    let (_, lx, ly) = self.component_logs(k, x, y);
                    w.ln()
                        + match side {
                            LabelSide::X => lx,
                            LabelSide::Y => ly,
                        }
                })
                .collect();
            let of_label: Vec<f64> = self
                .components
                .iter()
                .zip(&logs)
                .filter(|(c, _)| c.label == label)
                .map(|(_, l)| *l)
                .collect();
            let v = log_sum_exp(&of_label) - class_weight[label].ln() - log_sum_exp(&logs);
            sum += v;
            sum_sq += v * v;
        }
        let n = n as f64;
        let mean = sum / n;
        let var = (sum_sq / n - mean * mean) * n / (n - 1.0);
        Truth {
            value: mean,
            std_err: (var.max(0.0) / n).sqrt(),
        }
    }

    /// Component k's ln p_k(x, y), ln p_k(x), ln p_k(y).
    fn component_logs(&self, k: usize, x: &[f64], y: &[f64]) -> (f64, f64, f64) {
        let (c, g) = (&self.components[k], &self.blocks[k]);
        let dx = x.len();
        let cx: Vec<f64> = x.iter().zip(&c.mean[..dx]).map(|(a, m)| a - m).collect();
        let cy: Vec<f64> = y.iter().zip(&c.mean[dx..]).map(|(a, m)| a - m).collect();
        let (q, qx, qy) = g.quad_forms(&cx, &cy);
        let (joint, fx, fy) = &self.densities[k];
        let (lx, ly) = (fx.at(qx), fy.at(qy));
        (joint.map_or(lx + ly, |f| f.at(q)), lx, ly)
    }

    /// ln p(x, y), ln p(x), ln p(y).
    fn log_densities(&self, x: &[f64], y: &[f64]) -> (f64, f64, f64) {
        let mut j = Vec::with_capacity(self.weights.len());
        let mut mx = Vec::with_capacity(self.weights.len());
        let mut my = Vec::with_capacity(self.weights.len());
        for (k, w) in self.weights.iter().enumerate() {
            let (lj, lx, ly) = self.component_logs(k, x, y);
            let lw = w.ln();
            j.push(lw + lj);
            mx.push(lw + lx);
            my.push(lw + ly);
        }
        (log_sum_exp(&j), log_sum_exp(&mx), log_sum_exp(&my))
    }

    /// Samples with the class label of each draw's component.
    pub fn draw_labelled(&self, n: usize, rng: &mut Rng) -> (Sample, Vec<usize>) {
        let (dx, dy) = (self.dim_x(), self.dim_y());
        let mut x = Vec::with_capacity(n * dx);
        let mut y = Vec::with_capacity(n * dy);
        let mut labels = Vec::with_capacity(n);
        let mut z = vec![0.0; dx + dy];
        let mut out = vec![0.0; dx + dy];
        for _ in 0..n {
            let u: f64 = rng.random();
            let mut k = 0;
            let mut acc = self.weights[0];
            while u > acc && k + 1 < self.weights.len() {
                k += 1;
                acc += self.weights[k];
            }
            let c = &self.components[k];
            match c.shape {
                Shape::Gaussian => self.blocks[k].draw(rng, &mut z, &mut out, 1.0),
                Shape::Student { dof } => {
                    let chi = ChiSquared::new(dof).expect("dof > 0 is checked");
                    let scale = 1.0 / (chi.sample(rng) / dof).sqrt();
                    self.blocks[k].draw(rng, &mut z, &mut out, scale);
                }
                Shape::Product => {
                    // x from one draw of the joint, y from a second, independent one.
                    self.blocks[k].draw(rng, &mut z, &mut out, 1.0);
                    let x_part = out[..dx].to_vec();
                    self.blocks[k].draw(rng, &mut z, &mut out, 1.0);
                    out[..dx].copy_from_slice(&x_part);
                }
            }
            let m = &c.mean;
            x.extend(out[..dx].iter().zip(&m[..dx]).map(|(a, b)| a + b));
            y.extend(out[dx..].iter().zip(&m[dx..]).map(|(a, b)| a + b));
            labels.push(self.components[k].label);
        }
        (
            Sample {
                n,
                dim_x: dx,
                dim_y: dy,
                x,
                y,
            },
            labels,
        )
    }
}

impl Distribution for Mixture {
    fn dim_x(&self) -> usize {
        self.components[0].cov.dim_x
    }

    fn dim_y(&self) -> usize {
        self.components[0].cov.dim_y
    }

    fn sample(&self, n: usize, rng: &mut Rng) -> Sample {
        self.draw_labelled(n, rng).0
    }

    /// Labelled when the components carry at least two different labels.
    fn classes(&self) -> usize {
        let first = self.components[0].label;
        if self.components.iter().all(|c| c.label == first) {
            0
        } else {
            1 + self.components.iter().map(|c| c.label).max().unwrap_or(0)
        }
    }

    fn sample_labelled(&self, n: usize, rng: &mut Rng) -> Option<(Sample, Vec<usize>)> {
        (self.classes() > 0).then(|| self.draw_labelled(n, rng))
    }

    fn label_truth(&self, side: LabelSide) -> Option<Truth> {
        if self.classes() == 0 {
            return None;
        }
        let slot = match side {
            LabelSide::X => &self.label_truths[0],
            LabelSide::Y => &self.label_truths[1],
        };
        Some(*slot.get_or_init(|| self.label_mi_mc(side, MC_SAMPLES)))
    }

    fn truth(&self) -> Truth {
        *self
            .truth
            .get_or_init(|| monte_carlo_truth(self, MC_SAMPLES))
    }

    fn pointwise_mi(&self, x: &[f64], y: &[f64]) -> Option<f64> {
        let (j, px, py) = self.log_densities(x, y);
        Some(j - px - py)
    }

    fn quadratic_pmi(&self) -> Option<QuadraticPmi> {
        let dx = self.dim_x();
        let terms = self
            .components
            .iter()
            .zip(&self.blocks)
            .zip(&self.weights)
            .zip(&self.densities)
            .map(|(((c, g), w), &(joint, x, y))| {
                Some(MixtureTerm {
                    log_weight: w.ln(),
                    mean_x: c.mean[..dx].to_vec(),
                    mean_y: c.mean[dx..].to_vec(),
                    forms: g.forms()?,
                    joint,
                    x,
                    y,
                })
            })
            .collect::<Option<Vec<_>>>()?;
        Some(QuadraticPmi::Mixture(terms))
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// Mean and standard error of the pointwise MI over `n` draws from a fixed stream.
pub fn monte_carlo_truth(d: &dyn Distribution, n: usize) -> Truth {
    let mut rng = super::stream(0x6d69_6361, 0, "ground-truth");
    let s = d.sample(n, &mut rng);
    let (dx, dy) = (s.dim_x, s.dim_y);
    let (mut sum, mut sum_sq, mut count) = (0.0, 0.0, 0.0);
    for i in 0..n {
        if let Some(v) = d.pointwise_mi(&s.x[i * dx..(i + 1) * dx], &s.y[i * dy..(i + 1) * dy]) {
            sum += v;
            sum_sq += v * v;
            count += 1.0;
        }
    }
    let mean = sum / count;
    let var = (sum_sq / count - mean * mean) * count / (count - 1.0);
    Truth {
        value: mean,
        std_err: (var / count).sqrt(),
    }
}
