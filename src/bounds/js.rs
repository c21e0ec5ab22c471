//! The Jensen-Shannon (f-GAN) objective: trained on mean(-softplus(-diag s)) -
//! mean_offdiag(softplus(s)), whose optimal critic is ln r; read out as NWJ of the shifted
//! critic s + 1 (NWJ's optimum is 1 + ln r), so the estimate is not 1/e nats low.

use candle_core::{Result, Tensor};

use super::{diagonal, mean_offdiag, nwj::Nwj, softplus, Bound};

#[derive(Debug, Clone, Copy)]
pub struct Js;

/// The JS objective itself (what training maximises).
pub fn js_objective(s: &Tensor) -> Result<Tensor> {
    let joint = softplus(&diagonal(s)?.neg()?)?.mean_all()?.neg()?;
    joint - mean_offdiag(&softplus(s)?)?
}

impl Bound for Js {
    fn name(&self) -> &'static str {
        "js"
    }

    fn estimate(&self, s: &Tensor) -> Result<Tensor> {
        Nwj.estimate(&(s + 1.0)?)
    }

    fn loss(
        &self,
        s: &Tensor,
        _log_baseline: Option<&Tensor>,
        _state: &mut super::LossState,
    ) -> Result<Tensor> {
        js_objective(s)?.neg()
    }

    fn is_lower_bound(&self) -> bool {
        true
    }

    fn estimate_streamed(&self, st: &super::RowStats) -> Option<f64> {
        // NWJ of s + 1: the diagonal and the partition both shift by 1.
        Some(st.mean_diag() + 1.0 - st.log_mean_exp_offdiag().exp())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    /// s = [[1, 0], [2, 3]]: the read-out is NWJ of [[2, 1], [3, 4]]: mean diag 3; off-diagonal
    /// e^1 + e^3 = 22.804929, mean 11.402465, times e^-1: 4.194528; estimate -1.194528.
    /// The objective: -(softplus(-1) + softplus(-3))/2 - (softplus(0) + softplus(2))/2
    /// = -(0.313262 + 0.048587)/2 - (0.693147 + 2.126928)/2 = -1.590962.
    #[test]
    fn hand_computed_two_by_two() {
        let s = Tensor::new(&[[1f32, 0.], [2., 3.]], &Device::Cpu).unwrap();
        let v: f32 = Js.estimate(&s).unwrap().to_scalar().unwrap();
        assert!((v as f64 + 1.194528).abs() < 1e-5, "{v}");
        let o: f32 = js_objective(&s).unwrap().to_scalar().unwrap();
        assert!((o as f64 + 1.590962).abs() < 1e-5, "{o}");
    }
}
