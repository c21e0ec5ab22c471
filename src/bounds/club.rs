//! CLUB, the contrastive log-ratio upper bound (Cheng et al., ICML 2020): with a conditional
//! density q(y|x) as the critic, s_ij = ln q(y_i | x_j),
//! I_CLUB = mean(diag s) - mean_offdiag(s) = E_p(x,y)[ln q(y|x)] - E_p(x)p(y)[ln q(y|x)].
//! With q = p(y|x) it equals I + KL(p(x)p(y) || p(x,y)) >= I, an upper bound; a learned q is
//! an upper bound when it is close enough to p (the paper's Theorem 3.2), an estimate otherwise.
//! Trained by likelihood: the loss is -mean(diag s). Any term c(y_i) added to row i cancels, so
//! the oracle's ln r = ln p(y|x) - ln p(y) gives the same value as ln p(y|x).

use candle_core::{Result, Tensor};

use super::{diagonal, mean_offdiag, Bound, LossState, Reads, RowStats};

#[derive(Debug, Clone, Copy)]
pub struct Club;

impl Bound for Club {
    fn name(&self) -> &'static str {
        "club"
    }

    fn row_shift_invariant(&self) -> bool {
        true
    }

    fn estimate(&self, s: &Tensor) -> Result<Tensor> {
        diagonal(s)?.mean_all()? - mean_offdiag(s)?
    }

    /// Maximum likelihood of the conditional density on the joint samples.
    fn loss(&self, s: &Tensor, _: Option<&Tensor>, _: &mut LossState) -> Result<Tensor> {
        diagonal(s)?.mean_all()?.neg()
    }

    fn is_lower_bound(&self) -> bool {
        false
    }

    fn estimate_streamed(&self, st: &RowStats) -> Option<f64> {
        Some(st.mean_diag() - st.mean_offdiag())
    }

    fn reads(&self) -> Reads {
        Reads::LogDensity
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    /// s = [[1, 0], [2, 3]]: mean diag 2, mean off-diagonal 1, CLUB 1; adding c = [5, -7] to
    /// the rows changes nothing.
    #[test]
    fn hand_computed_two_by_two() {
        let dev = Device::Cpu;
        let s = Tensor::new(&[[1f32, 0.], [2., 3.]], &dev).unwrap();
        let v: f32 = Club.estimate(&s).unwrap().to_scalar().unwrap();
        assert!((v - 1.0).abs() < 1e-6, "{v}");
        let shifted = Tensor::new(&[[6f32, 5.], [-5., -4.]], &dev).unwrap();
        let w: f32 = Club.estimate(&shifted).unwrap().to_scalar().unwrap();
        assert!((w - 1.0).abs() < 1e-6, "{w}");
    }
}
