//! SMILE (Song and Ermon 2020): mean(diag s) - ln mean_offdiag(clip(e^s, e^-tau, e^tau)),
//! trained with the JS objective; tau = infinity is DV. Clipping trades bias for variance.

use candle_core::{Result, Tensor};

use super::{diagonal, js::js_objective, Bound};

#[derive(Debug, Clone, Copy)]
pub struct Smile {
    pub tau: f64,
}

impl Bound for Smile {
    fn name(&self) -> &'static str {
        "smile"
    }

    fn estimate(&self, s: &Tensor) -> Result<Tensor> {
        let k = s.dim(0)?;
        let clipped = s.clamp(-self.tau, self.tau)?.exp()?;
        let off = (clipped.sum_all()? - diagonal(&clipped)?.sum_all()?)?;
        let partition = (off / ((k * (k - 1)) as f64))?.log()?;
        diagonal(s)?.mean_all()? - partition
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
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    /// s = [[1, 0], [2, 3]] with tau = 1: off-diagonal e^0 = 1 and clip(e^2) = e: mean
    /// 1.859141, ln 0.620115; estimate 2 - 0.620115 = 1.379885. With tau large it equals DV.
    #[test]
    fn hand_computed_two_by_two() {
        let s = Tensor::new(&[[1f32, 0.], [2., 3.]], &Device::Cpu).unwrap();
        let v: f32 = Smile { tau: 1.0 }
            .estimate(&s)
            .unwrap()
            .to_scalar()
            .unwrap();
        assert!((v as f64 - 1.379885).abs() < 1e-5, "{v}");
        let big: f32 = Smile { tau: 50.0 }
            .estimate(&s)
            .unwrap()
            .to_scalar()
            .unwrap();
        let dv: f32 = super::super::dv::Dv
            .estimate(&s)
            .unwrap()
            .to_scalar()
            .unwrap();
        assert!((big - dv).abs() < 1e-5);
    }
}
