//! MINE (Belghazi et al. 2018): the DV estimate, trained with a bias-corrected gradient. The
//! gradient of ln mean(e^s) is grad mean(e^s) / mean(e^s), whose minibatch denominator is
//! biased; MINE replaces the denominator by an exponential moving average over steps.
//! Read out as DV (so, like DV, not a guaranteed lower bound on a minibatch).

use candle_core::{Result, Tensor};

use super::{diagonal, dv::Dv, log_mean_exp_offdiag, Bound, LossState};

#[derive(Debug, Clone, Copy)]
pub struct Mine {
    pub momentum: f64,
}

/// ln(m e^a + (1 - m) e^b), computed stably.
fn log_mix(m: f64, a: f64, b: f64) -> f64 {
    if m == 0.0 {
        return b;
    }
    let (x, y) = (m.ln() + a, (1.0 - m).ln() + b);
    let hi = x.max(y);
    hi + ((x - hi).exp() + (y - hi).exp()).ln()
}

impl Bound for Mine {
    fn name(&self) -> &'static str {
        "mine"
    }

    fn estimate(&self, s: &Tensor) -> Result<Tensor> {
        Dv.estimate(s)
    }

    /// The surrogate mean(diag s) - mean_offdiag(e^s) / ema, with ema a constant: its gradient
    /// is grad mean(diag s) - grad mean_offdiag(e^s) / ema. The moving average is updated with
    /// this batch's partition term first (so the first step is plain DV).
    fn loss(
        &self,
        s: &Tensor,
        _log_baseline: Option<&Tensor>,
        state: &mut LossState,
    ) -> Result<Tensor> {
        let lme = log_mean_exp_offdiag(s)?;
        let now = lme.to_dtype(candle_core::DType::F64)?.to_scalar::<f64>()?;
        let ema = match state.log_ema {
            Some(prev) if prev.is_finite() => log_mix(self.momentum, prev, now),
            _ => now,
        };
        state.log_ema = Some(ema);
        let partition = (lme - ema)?.exp()?;
        (diagonal(s)?.mean_all()? - partition)?.neg()
    }

    fn is_lower_bound(&self) -> bool {
        false
    }

    fn estimate_streamed(&self, st: &super::RowStats) -> Option<f64> {
        Dv.estimate_streamed(st)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{Device, Var};

    /// The gradient of the loss with respect to the scores, and the updated state.
    fn grad(m: &Mine, s: &[[f32; 2]; 2], state: &mut LossState) -> Vec<Vec<f32>> {
        let v = Var::new(s, &Device::Cpu).unwrap();
        let loss = m.loss(v.as_tensor(), None, state).unwrap();
        let g = loss.backward().unwrap();
        g.get(v.as_tensor()).unwrap().to_vec2().unwrap()
    }

    /// First step, s = [[1, 0], [2, 3]]: the moving average is this batch's mean_offdiag(e^s)
    /// = (1 + e^2)/2 = 4.194528, so the gradient is DV's: -1/2 on the diagonal and
    /// e^s_ij / (2 * 4.194528) off it: 0.119203 at (0,1) and 0.880797 at (1,0). Second step on
    /// s' = [[1, 1], [1, 3]] (partition e = 2.718282): ema = 0.9 * 4.194528 + 0.1 * e =
    /// 4.046904, and the off-diagonal gradient is e / (2 * 4.046904) = 0.335847, where DV's
    /// would be 1/2.
    #[test]
    fn moving_average_gradient() {
        let m = Mine { momentum: 0.9 };
        let mut state = LossState::default();
        let g = grad(&m, &[[1., 0.], [2., 3.]], &mut state);
        let want = [[-0.5, 0.119203], [0.880797, -0.5]];
        for i in 0..2 {
            for j in 0..2 {
                assert!((g[i][j] - want[i][j]).abs() < 1e-5, "{g:?}");
            }
        }
        assert!((state.log_ema.unwrap() - 4.194528f64.ln()).abs() < 1e-5);
        let g = grad(&m, &[[1., 1.], [1., 3.]], &mut state);
        assert!((state.log_ema.unwrap() - 4.046904f64.ln()).abs() < 1e-5);
        assert!((g[0][1] - 0.335847).abs() < 1e-5, "{g:?}");
        assert!((g[1][0] - 0.335847).abs() < 1e-5, "{g:?}");
        // The read-out is DV.
        let s = Tensor::new(&[[1f32, 0.], [2., 3.]], &Device::Cpu).unwrap();
        let v: f32 = m.estimate(&s).unwrap().to_scalar().unwrap();
        assert!((v as f64 - 0.566219).abs() < 1e-5);
    }
}
