//! The leave-one-out upper bound (Poole et al., ICML 2019, section 2.1; "L1Out" in Cheng et
//! al. 2020): with s_ij = ln p(y_i | x_j) (+ any c(y_i)),
//! I <= mean_i( s_ii - ln mean_{j != i} e^{s_ij} ),
//! because the leave-one-out mixture (1/(K-1)) sum_{j != i} p(y_i | x_j) is an unbiased estimate
//! of p(y_i) and ln is concave, so the subtracted term is at most ln p(y_i) in expectation.
//! An upper bound for the true conditional (the oracle); with a learned q(y|x) it is an
//! estimate. Trained by likelihood, like CLUB.

use candle_core::{Result, Tensor, D};

use super::{diagonal, Bound, LossState, Reads, RowStats};

#[derive(Debug, Clone, Copy)]
pub struct LeaveOneOut;

impl Bound for LeaveOneOut {
    fn name(&self) -> &'static str {
        "loo_upper"
    }

    fn row_shift_invariant(&self) -> bool {
        true
    }

    fn estimate(&self, s: &Tensor) -> Result<Tensor> {
        let k = s.dim(0)?;
        let eye = Tensor::eye(k, s.dtype(), s.device())?;
        let off_lse = (s - (eye * 1e30)?)?.log_sum_exp(D::Minus1)?;
        (diagonal(s)? - off_lse)?.mean_all()? + ((k - 1) as f64).ln()
    }

    fn loss(&self, s: &Tensor, _: Option<&Tensor>, _: &mut LossState) -> Result<Tensor> {
        diagonal(s)?.mean_all()?.neg()
    }

    fn is_lower_bound(&self) -> bool {
        false
    }

    fn estimate_streamed(&self, st: &RowStats) -> Option<f64> {
        let k = st.k as f64;
        Some((st.sum_diag - st.sum_row_offdiag_lse) / k + (k - 1.0).ln())
    }

    fn reads(&self) -> Reads {
        Reads::LogDensity
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    /// s = [[1, 0], [2, 3]]: row 0 gives 1 - 0, row 1 gives 3 - 2, so 1 (+ ln 1). A 3 x 3
    /// case: row i minus ln of the mean of its other two entries' exponentials.
    #[test]
    fn hand_computed() {
        let dev = Device::Cpu;
        let s = Tensor::new(&[[1f32, 0.], [2., 3.]], &dev).unwrap();
        let v: f32 = LeaveOneOut.estimate(&s).unwrap().to_scalar().unwrap();
        assert!((v - 1.0).abs() < 1e-6, "{v}");
        let m = [[0.5f64, 1.0, -1.0], [0.0, 2.0, 1.0], [3.0, -2.0, 1.5]];
        let want: f64 = (0..3)
            .map(|i| {
                let others: f64 = (0..3).filter(|&j| j != i).map(|j| m[i][j].exp()).sum();
                m[i][i] - (others / 2.0).ln()
            })
            .sum::<f64>()
            / 3.0;
        let t = Tensor::new(
            &[[0.5f32, 1.0, -1.0], [0.0, 2.0, 1.0], [3.0, -2.0, 1.5]],
            &dev,
        )
        .unwrap();
        let v: f32 = LeaveOneOut.estimate(&t).unwrap().to_scalar().unwrap();
        assert!((v as f64 - want).abs() < 1e-5, "{v} vs {want}");
    }
}
