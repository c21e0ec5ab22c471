//! NWJ (Nguyen, Wainwright and Jordan 2010; TUBA with a = e): mean(diag s) -
//! e^-1 mean_offdiag(e^s). Optimal critic 1 + ln r; unbiased but high-variance.

use candle_core::{Result, Tensor};

use super::{diagonal, log_mean_exp_offdiag, Bound};

#[derive(Debug, Clone, Copy)]
pub struct Nwj;

impl Bound for Nwj {
    fn name(&self) -> &'static str {
        "nwj"
    }

    fn estimate(&self, s: &Tensor) -> Result<Tensor> {
        // e^-1 mean(e^s) = exp(ln mean(e^s) - 1), which stays finite for large scores.
        let partition = (log_mean_exp_offdiag(s)? - 1.0)?.exp()?;
        diagonal(s)?.mean_all()? - partition
    }

    fn is_lower_bound(&self) -> bool {
        true
    }

    fn optimal_shift(&self) -> f64 {
        1.0
    }

    fn estimate_streamed(&self, st: &super::RowStats) -> Option<f64> {
        Some(st.mean_diag() - (st.log_mean_exp_offdiag() - 1.0).exp())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    /// Worked by hand: s = [[1, 0], [2, 3]]; mean diag = 2; off-diagonal e^0 = 1 and e^2 =
    /// 7.389056, mean 4.194528; times e^-1 = 1.543081; estimate 0.456919.
    #[test]
    fn hand_computed_two_by_two() {
        let s = Tensor::new(&[[1f32, 0.], [2., 3.]], &Device::Cpu).unwrap();
        let v: f32 = Nwj.estimate(&s).unwrap().to_scalar().unwrap();
        assert!((v as f64 - 0.456919).abs() < 1e-5, "{v}");
    }

    /// With the constant critic f = 1 (optimal for independent data) NWJ is exactly 0.
    #[test]
    fn constant_one_gives_zero() {
        let s = Tensor::full(1f32, (6, 6), &Device::Cpu).unwrap();
        let v: f32 = Nwj.estimate(&s).unwrap().to_scalar().unwrap();
        assert!(v.abs() < 1e-5, "{v}");
    }
}
