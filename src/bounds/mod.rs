//! L1 (above dist and nn), variational bounds on MI as pure functions of a score matrix
//! (REFERENCE.md section 2). The same function serves training (its negation is the loss) and
//! evaluation.
//! Each bound is one file; its entry lives in `catalog::bounds`.

pub mod club;
pub mod doe;
pub mod dv;
mod expsum;
pub mod infonce;
pub mod interpolated;
pub mod js;
pub mod loo;
pub mod mine;
pub mod nwj;
pub mod smile;
pub mod tuba;

use std::fmt;

use candle_core::{Result, Tensor, D};

pub use crate::nn::BaselineSpec;

/// The largest batch size at which a bound that cannot be streamed is evaluated: its whole
/// K x K score matrix (and the tensors computed from it) must fit in memory.
pub const MAX_DENSE_BATCH: usize = 8192;

/// Whether a bound's estimate follows from row-block statistics, so that it can be evaluated
/// at batch sizes whose score matrix would not fit in memory.
pub fn streamable(bound: &dyn Bound) -> bool {
    bound.estimate_streamed(&RowStats::new(2)).is_some()
}

/// A bound computed from a K x K score matrix `s[i][j] = f(x_j, y_i)`.
pub trait Bound: Send + Sync + fmt::Debug {
    fn name(&self) -> &'static str;
    /// The estimate (a scalar tensor), differentiable in the scores. Bounds with a learned
    /// baseline take b = 1 (ln b = 0) here.
    fn estimate(&self, scores: &Tensor) -> Result<Tensor>;
    /// The learned baseline this bound trains alongside the critic, if it has one.
    fn baseline(&self) -> Option<&BaselineSpec> {
        None
    }
    /// The estimate given ln b(y_i) for each row i (a vector of length K); bounds without a
    /// baseline ignore it.
    fn estimate_with(&self, scores: &Tensor, _log_baseline: Option<&Tensor>) -> Result<Tensor> {
        self.estimate(scores)
    }
    /// The training loss; by default the negated estimate. `state` is what the bound carries
    /// from one training step to the next (MINE's moving average).
    fn loss(
        &self,
        scores: &Tensor,
        log_baseline: Option<&Tensor>,
        _state: &mut LossState,
    ) -> Result<Tensor> {
        self.estimate_with(scores, log_baseline)?.neg()
    }
    /// The training loss of a K x K score matrix (row-major, no baseline) and its gradient in
    /// the scores, computed by hand in one pass, for bounds that have such a form; `None` (the
    /// default) sends the CPU fast path to autograd on `loss`. Must equal `loss` and its
    /// gradient to rounding (each implementation's tests check it against autograd).
    fn loss_and_gradient(&self, _scores: &[f32], _k: usize) -> Option<(f64, Vec<f32>)> {
        None
    }
    /// The largest value the estimate can take at batch size K, whatever the critic; `None`
    /// (the default) for bounds that can take any value.
    fn ceiling(&self, _k: usize) -> Option<f64> {
        None
    }
    /// Whether the estimate is a lower bound on I(X;Y) in expectation for every critic.
    fn is_lower_bound(&self) -> bool;
    /// The constant c such that ln r + c is this bound's optimal critic (NWJ: 1; InfoNCE, DV:
    /// any constant, 0). The oracle critic adds it.
    fn optimal_shift(&self) -> f64 {
        0.0
    }
    /// The estimate from row-block statistics, for bounds that can be streamed (evaluation at
    /// batch sizes whose K x K matrix would not fit in memory); `None` if this one cannot.
    /// Bounds with a baseline receive the statistics of the scores minus ln b(y_i).
    fn estimate_streamed(&self, _stats: &RowStats) -> Option<f64> {
        None
    }
    /// What the critic's scores must be for this bound to mean anything.
    fn reads(&self) -> Reads {
        Reads::AnyCritic
    }
    /// Whether adding any c(y_i) to row i of the scores leaves the estimate unchanged, so that
    /// the optimal critic is ln r + c(y) for every c (InfoNCE, CLUB, the leave-one-out bound).
    /// Bounds that are not need the critic to represent ln r's own terms in x alone and y
    /// alone, which a shared separable critic (a positive semi-definite kernel) cannot.
    fn row_shift_invariant(&self) -> bool {
        false
    }
}

/// What a bound needs of its critic's scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reads {
    /// Any critic: the bound holds (or is biased) whatever f is.
    AnyCritic,
    /// A log-density ln q(y | x) + c(y): a `conditional` critic, or the oracle (whose ln r is
    /// ln p(y | x) - ln p(y)). The CLUB and leave-one-out upper bounds.
    LogDensity,
    /// A normalised conditional density ln q(y | x) trained with the bound, beside its own
    /// density model of y: only a `conditional` critic (difference of entropies).
    ConditionalDensity,
}

/// Whether `critic` gives the scores `bound` reads; the message says why not.
pub fn check_critic(
    bound: &dyn Bound,
    critic: &crate::nn::CriticSpec,
) -> std::result::Result<(), String> {
    use crate::nn::CriticSpec;
    let conditional = matches!(critic, CriticSpec::Conditional { .. });
    let oracle = matches!(critic, CriticSpec::Oracle { .. });
    match bound.reads() {
        Reads::AnyCritic => Ok(()),
        Reads::LogDensity if conditional || oracle => Ok(()),
        Reads::LogDensity => Err(format!(
            "`{}` reads the critic as a log-density ln q(y|x); only a conditional(...) critic or the oracle is one",
            bound.name()
        )),
        Reads::ConditionalDensity if conditional => Ok(()),
        Reads::ConditionalDensity => Err(format!(
            "`{}` subtracts two cross-entropies and needs the critic to be a normalised conditional density ln q(y|x); only a conditional(...) critic is one",
            bound.name()
        )),
    }
}

/// What a bound keeps between training steps.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LossState {
    /// MINE: ln of the moving average of the partition term mean_offdiag(e^s).
    pub log_ema: Option<f64>,
}

/// softplus(x) = ln(1 + e^x), computed stably as relu(x) + ln(1 + e^-|x|).
pub fn softplus(x: &Tensor) -> Result<Tensor> {
    x.relu()? + (x.abs()?.neg()?.exp()? + 1.0)?.log()?
}

/// The mean of the off-diagonal entries of a square matrix.
pub fn mean_offdiag(s: &Tensor) -> Result<Tensor> {
    let k = s.dim(0)?;
    let total = (s.sum_all()? - diagonal(s)?.sum_all()?)?;
    total / ((k * (k - 1)) as f64)
}

/// Subtracts ln b(y_i) from row i of the score matrix (no-op without a baseline).
pub fn shift_rows(s: &Tensor, log_baseline: Option<&Tensor>) -> Result<Tensor> {
    match log_baseline {
        Some(b) => s.broadcast_sub(&b.unsqueeze(1)?),
        None => Ok(s.clone()),
    }
}

/// The diagonal of a K x M matrix (M >= K), as a vector of K entries.
pub fn diagonal(s: &Tensor) -> Result<Tensor> {
    let (k, m) = s.dims2()?;
    // Elements 0, M+1, 2(M+1), ... of the flattened matrix.
    let idx: Vec<u32> = (0..k as u32).map(|i| i * (m as u32 + 1)).collect();
    let idx = Tensor::from_vec(idx, k, s.device())?;
    s.flatten_all()?.index_select(&idx, 0)
}

/// ln of the mean of exp(s) over the off-diagonal entries, computed stably.
pub fn log_mean_exp_offdiag(s: &Tensor) -> Result<Tensor> {
    let k = s.dim(0)?;
    // Push the diagonal far below everything else so it vanishes from the log-sum-exp.
    let eye = Tensor::eye(k, s.dtype(), s.device())?;
    let masked = (s - (eye * 1e30)?)?;
    let lse = masked.flatten_all()?.log_sum_exp(D::Minus1)?;
    lse - ((k * (k - 1)) as f64).ln()
}

/// Statistics of a K x K score matrix accumulated block of rows by block of rows, from which
/// the streamable bounds follow without the matrix ever being in memory (evaluation at large
/// K). The off-diagonal log-sum-exp is kept as a running log-sum-exp.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RowStats {
    pub k: usize,
    /// sum_i s_ii
    pub sum_diag: f64,
    /// sum_i (s_ii - logsumexp_j s_ij)
    pub sum_diag_minus_lse: f64,
    /// ln sum_{i != j} e^{s_ij}
    pub offdiag_lse: f64,
    /// sum_{i != j} s_ij
    pub sum_offdiag: f64,
    /// sum_i ln sum_{j != i} e^{s_ij}
    pub sum_row_offdiag_lse: f64,
}

impl RowStats {
    pub fn new(k: usize) -> Self {
        RowStats {
            k,
            sum_diag: 0.0,
            sum_diag_minus_lse: 0.0,
            offdiag_lse: f64::NEG_INFINITY,
            sum_offdiag: 0.0,
            sum_row_offdiag_lse: 0.0,
        }
    }

    /// Adds rows `row0 .. row0 + B` of the score matrix, given as a B x K block. Two passes
    /// over each row (its off-diagonal maximum and sum, then the sum of e^(s - max)) give the
    /// off-diagonal log-sum-exp; the full row's follows by adding the diagonal term in f64.
    pub fn add_block(&mut self, block: &Tensor, row0: usize) -> Result<()> {
        let (_, k) = block.dims2()?;
        let data: Vec<f32> = block.flatten_all()?.to_vec1()?;
        for (r, row) in data.chunks_exact(k).enumerate() {
            let i = row0 + r;
            let (left, right) = (&row[..i], &row[i + 1..]);
            let (m_left, sum_left) = expsum::max_and_sum(left);
            let (m_right, sum_right) = expsum::max_and_sum(right);
            let m = m_left.max(m_right);
            // The maximum passes over NaN entries, the sums do not: a row with any NaN (even
            // one that is all NaN) gets a NaN log-sum-exp, so the estimate reports it.
            let o = if (sum_left + sum_right).is_nan() {
                f64::NAN
            } else if m == f32::NEG_INFINITY {
                f64::NEG_INFINITY
            } else {
                m as f64 + (expsum::sum_exp(left, m) + expsum::sum_exp(right, m)).ln()
            };
            let d = row[i] as f64;
            self.sum_offdiag += sum_left + sum_right;
            self.sum_row_offdiag_lse += o;
            let m = d.max(o);
            let row_lse = m + ((d - m).exp() + (o - m).exp()).ln();
            self.sum_diag += d;
            self.sum_diag_minus_lse += d - row_lse;
            let m = self.offdiag_lse.max(o);
            if m > f64::NEG_INFINITY {
                self.offdiag_lse = m + ((self.offdiag_lse - m).exp() + (o - m).exp()).ln();
            }
        }
        Ok(())
    }

    /// ln of the mean of e^s over the off-diagonal entries.
    pub fn log_mean_exp_offdiag(&self) -> f64 {
        let k = self.k as f64;
        self.offdiag_lse - (k * (k - 1.0)).ln()
    }

    pub fn mean_diag(&self) -> f64 {
        self.sum_diag / self.k as f64
    }

    pub fn mean_offdiag(&self) -> f64 {
        let k = self.k as f64;
        self.sum_offdiag / (k * (k - 1.0))
    }
}

#[cfg(test)]
mod streaming_tests {
    use super::*;

    /// Which bounds stream: the ones whose estimate is a function of the diagonal and the
    /// (row or whole) log-sum-exp of the scores; SMILE clips entry by entry and I_alpha needs
    /// leave-one-out sums, so they need the dense matrix.
    #[test]
    fn the_streamable_bounds() {
        let constant = || BaselineSpec::Constant;
        let bounds: Vec<(Box<dyn Bound>, bool)> = vec![
            (Box::new(infonce::InfoNce), true),
            (Box::new(nwj::Nwj), true),
            (Box::new(dv::Dv), true),
            (Box::new(js::Js), true),
            (
                Box::new(tuba::Tuba {
                    baseline: constant(),
                }),
                true,
            ),
            (Box::new(mine::Mine { momentum: 0.9 }), true),
            (Box::new(club::Club), true),
            (Box::new(loo::LeaveOneOut), true),
            (
                Box::new(doe::Doe {
                    marginal: BaselineSpec::Density {
                        components: 1,
                        flow: None,
                    },
                }),
                true,
            ),
            (Box::new(smile::Smile { tau: 5.0 }), false),
            (
                Box::new(interpolated::Interpolated {
                    alpha: 0.5,
                    baseline: constant(),
                }),
                false,
            ),
        ];
        for (b, expected) in bounds {
            assert_eq!(streamable(b.as_ref()), expected, "{}", b.name());
        }
    }

    /// Numerical trouble reaches the streamed estimate: a NaN score off the diagonal, alone in
    /// a row or filling it, makes InfoNCE's streamed value NaN (as the dense one is), and a
    /// clean 3 x 3 block gives the dense value.
    #[test]
    fn a_nan_score_reaches_the_streamed_estimate() {
        let dev = candle_core::Device::Cpu;
        let clean = [[1.0f32, 0.2, -0.5], [0.3, 2.0, 0.1], [-1.0, 0.4, 0.7]];
        let streamed = |rows: [[f32; 3]; 3]| {
            let mut st = RowStats::new(3);
            st.add_block(&Tensor::new(&rows, &dev).unwrap(), 0).unwrap();
            infonce::InfoNce.estimate_streamed(&st).unwrap()
        };
        let dense: f32 = infonce::InfoNce
            .estimate(&Tensor::new(&clean, &dev).unwrap())
            .unwrap()
            .to_scalar()
            .unwrap();
        assert!((streamed(clean) - dense as f64).abs() < 1e-6);
        let mut one = clean;
        one[1][2] = f32::NAN;
        assert!(streamed(one).is_nan());
        let mut all = clean;
        all[0][1] = f32::NAN;
        all[0][2] = f32::NAN;
        assert!(streamed(all).is_nan());
    }
}
