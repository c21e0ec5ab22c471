//! L1, distributions with known ground-truth mutual information. Each family is one file
//! holding its sampler and its ground truth; its entry lives in `catalog`.

pub mod additive;
pub mod arrays;
pub mod bsc;
pub mod combine;
pub mod discrete_copy;
pub mod finite;
pub mod gaussian;
pub mod independent;
pub(crate) mod linalg;
pub mod loaded;
pub mod marginal;
pub mod mixed;
pub mod mixture;
pub mod multinormal;
pub mod shared_latent;
pub mod staircase;
pub mod student;
pub mod transform;

use std::fmt;
use std::sync::Arc;

use rand_chacha::ChaCha8Rng;

/// The random stream every sampler draws from: seeded, portable, and the same on every
/// platform, so the same file and seed give the same numbers.
pub type Rng = ChaCha8Rng;

/// Makes the stream for one purpose (`tag`) of one seed of one file seed. Different tags give
/// independent streams, so that training batches and held-out evaluation never share samples.
pub fn stream(file_seed: u64, seed_index: usize, tag: &str) -> Rng {
    use rand::SeedableRng;
    // FNV-1a over the tag, mixed with the seeds by splitmix64.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in tag.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x100_0000_01b3);
    }
    let mut z =
        h ^ file_seed.rotate_left(17) ^ (seed_index as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    ChaCha8Rng::seed_from_u64(z)
}

/// `n` joint samples, row-major: `x` is n x dim_x, `y` is n x dim_y.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub n: usize,
    pub dim_x: usize,
    pub dim_y: usize,
    pub x: Vec<f64>,
    pub y: Vec<f64>,
}

/// The true I(X;Y) in nats, with the standard error of its computation (0 when analytic).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Truth {
    pub value: f64,
    pub std_err: f64,
}

/// The quadratic forms an elliptical family's pointwise MI is made of, for a dispersion S over
/// [x, y] with P = S^-1 (all row-major): q_z = x^T P_xx x + 2 x^T P_xy y + y^T P_yy y,
/// q_x = x^T S_xx^-1 x, q_y = y^T S_yy^-1 y.
#[derive(Debug, Clone, PartialEq)]
pub struct QuadraticForms {
    pub pxx: Vec<f64>,
    /// dim_x x dim_y
    pub pxy: Vec<f64>,
    pub pyy: Vec<f64>,
    pub sxx_inv: Vec<f64>,
    pub syy_inv: Vec<f64>,
}

/// ln r(x, y) as a function of the quadratic forms, where it is one, so that the oracle critic
/// can score a whole batch with matrix products.
#[derive(Debug, Clone, PartialEq)]
pub enum QuadraticPmi {
    /// Gaussian: c - (q_z - q_x - q_y) / 2.
    Gaussian { forms: QuadraticForms, c: f64 },
    /// Student-t with nu degrees of freedom: c - (nu + m + n)/2 ln(1 + q_z/nu)
    /// + (nu + m)/2 ln(1 + q_x/nu) + (nu + n)/2 ln(1 + q_y/nu).
    Student {
        forms: QuadraticForms,
        c: f64,
        nu: f64,
    },
    /// A mixture: ln p(x, y) - ln p(x) - ln p(y), each a log-sum-exp over the components of
    /// ln w_k plus a component log density that is a function of its own quadratic forms.
    Mixture(Vec<MixtureTerm>),
}

/// A log density as a function of a quadratic form q (of the centred point, over `k`
/// coordinates).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FormDensity {
    /// c - q / 2.
    Gaussian { c: f64 },
    /// c - (nu + k) / 2 ln(1 + q / nu).
    Student { c: f64, nu: f64, k: usize },
}

impl FormDensity {
    pub fn at(&self, q: f64) -> f64 {
        match *self {
            FormDensity::Gaussian { c } => c - 0.5 * q,
            FormDensity::Student { c, nu, k } => c - (nu + k as f64) / 2.0 * (q / nu).ln_1p(),
        }
    }
}

/// One mixture component for the oracle's matrix path: its weight, mean, forms, and the
/// densities of the joint (`None`: the product of the two margins) and of each margin.
#[derive(Debug, Clone, PartialEq)]
pub struct MixtureTerm {
    pub log_weight: f64,
    pub mean_x: Vec<f64>,
    pub mean_y: Vec<f64>,
    pub forms: QuadraticForms,
    pub joint: Option<FormDensity>,
    pub x: FormDensity,
    pub y: FormDensity,
}

/// Which variable a label's mutual information is with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabelSide {
    X,
    Y,
}

/// The parts of a user's data (`loaded`): the rows critics train on, and the held-out rows
/// that evaluation, traces and probe scores use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Train,
    HeldOut,
}

/// One of a split distribution's (training, held-out) parts, for `Distribution::part`.
pub fn pick_part<D: Distribution + 'static>(
    parts: Option<&(Arc<D>, Arc<D>)>,
    part: Part,
) -> Option<Arc<dyn Distribution>> {
    let (train, held_out) = parts?;
    Some(match part {
        Part::Train => train.clone(),
        Part::HeldOut => held_out.clone(),
    })
}

/// A joint distribution of (X, Y) with a known mutual information.
pub trait Distribution: Send + Sync + fmt::Debug {
    fn dim_x(&self) -> usize;
    fn dim_y(&self) -> usize;
    /// Draws `n` i.i.d. pairs.
    fn sample(&self, n: usize, rng: &mut Rng) -> Sample;
    /// The ground-truth mutual information.
    fn truth(&self) -> Truth;
    /// ln p(x,y) - ln p(x) - ln p(y) at one pair (the pointwise MI), where the density is known.
    fn pointwise_mi(&self, x: &[f64], y: &[f64]) -> Option<f64>;
    /// The pointwise MI as a quadratic form, where it is one (the Gaussian families), so that
    /// the oracle critic can score a whole batch with matrix products; `None` elsewhere.
    fn quadratic_pmi(&self) -> Option<QuadraticPmi> {
        None
    }
    /// How many stages training walks through (`staircase`); 1 for ordinary distributions.
    fn stage_count(&self) -> usize {
        1
    }
    /// The distribution of stage `i` (0-based) while training; `None` means this one.
    fn stage(&self, _i: usize) -> Option<&dyn Distribution> {
        None
    }
    /// Classes of the label each draw carries (labels are 0..classes); 0 when unlabelled.
    fn classes(&self) -> usize {
        0
    }
    /// The true I(x; label) (`LabelSide::X`) or I(y; label), for labelled distributions.
    fn label_truth(&self, _side: LabelSide) -> Option<Truth> {
        None
    }
    /// `n` pairs with the label of each draw (labelled distributions only).
    fn sample_labelled(&self, _n: usize, _rng: &mut Rng) -> Option<(Sample, Vec<usize>)> {
        None
    }
    /// Whether `truth` is the true MI (false for the embeddings of an encoder that loses
    /// information, whose MI nobody knows).
    fn truth_known(&self) -> bool {
        true
    }
    /// The training or held-out part of data that is split (a user's rows); `None` for
    /// distributions that draw fresh pairs, whose every draw is held out from every other.
    fn part(&self, _part: Part) -> Option<Arc<dyn Distribution>> {
        None
    }
    /// `n` pairs from one part where the data is split, from all of it otherwise.
    fn sample_part(&self, part: Part, n: usize, rng: &mut Rng) -> Sample {
        match self.part(part) {
            Some(p) => p.sample(n, rng),
            None => self.sample(n, rng),
        }
    }
    /// `n` labelled pairs from one part where the data is split, from all of it otherwise.
    fn sample_labelled_part(
        &self,
        part: Part,
        n: usize,
        rng: &mut Rng,
    ) -> Option<(Sample, Vec<usize>)> {
        match self.part(part) {
            Some(p) => p.sample_labelled(n, rng),
            None => self.sample_labelled(n, rng),
        }
    }
    /// How many rows there are to draw from (of one part, or all); `None` for distributions
    /// that draw fresh pairs without end.
    fn rows(&self, _part: Option<Part>) -> Option<usize> {
        None
    }
    /// Where the rows come from, for reports: a user's files with their content hashes and
    /// the held-out share; `None` for generated data.
    fn source(&self) -> Option<String> {
        None
    }
    /// Data that exists per seed only once something upstream has run (a frozen encoder's
    /// embeddings): runs and probes realise it per seed before they sample, and nothing may
    /// combine or transform it.
    fn deferred(&self) -> bool {
        false
    }
    /// For the few constructors that need the concrete family (e.g. `views` of a mixture).
    fn as_any(&self) -> &dyn std::any::Any {
        &()
    }
}

/// A declared distribution: its name in the file and the distribution.
#[derive(Debug, Clone)]
pub struct DataDecl {
    pub name: String,
    pub dist: Arc<dyn Distribution>,
}

pub type DataRef = Arc<DataDecl>;

impl DataDecl {
    pub fn new(dist: impl Distribution + 'static) -> DataRef {
        Arc::new(DataDecl {
            name: String::new(),
            dist: Arc::new(dist),
        })
    }

    pub fn renamed(self: Arc<Self>, name: &str) -> DataRef {
        Arc::new(DataDecl {
            name: name.to_string(),
            dist: self.dist.clone(),
        })
    }
}
