//! Phase 3c: variational bounds on MI as pure functions of a score matrix (REFERENCE.md
//! section 2). The same function serves training (its negation is the loss) and evaluation.
//! Each bound is one file with its registry `ENTRY`.

pub mod dv;
pub mod infonce;
pub mod js;
pub mod nwj;
pub mod smile;

use std::fmt;

use candle_core::{Result, Tensor, D};

/// A bound computed from a K x K score matrix s[i][j] = f(x_j, y_i).
pub trait Bound: Send + Sync + fmt::Debug {
    fn name(&self) -> &'static str;
    /// The estimate (a scalar tensor), differentiable in the scores.
    fn estimate(&self, scores: &Tensor) -> Result<Tensor>;
    /// The training loss; by default the negated estimate.
    fn loss(&self, scores: &Tensor) -> Result<Tensor> {
        self.estimate(scores)?.neg()
    }
    /// The largest value the estimate can take at batch size K, whatever the critic.
    fn ceiling(&self, k: usize) -> Option<f64>;
    /// Whether the estimate is a lower bound on I(X;Y) in expectation for every critic.
    fn is_lower_bound(&self) -> bool;
    /// The constant c such that ln r + c is this bound's optimal critic (NWJ: 1; InfoNCE, DV:
    /// any constant, 0). The oracle critic adds it.
    fn optimal_shift(&self) -> f64 {
        0.0
    }
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

/// The diagonal of a square matrix, as a vector.
pub fn diagonal(s: &Tensor) -> Result<Tensor> {
    let k = s.dim(0)?;
    // Elements 0, K+1, 2(K+1), ... of the flattened matrix.
    let idx: Vec<u32> = (0..k as u32).map(|i| i * (k as u32 + 1)).collect();
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
