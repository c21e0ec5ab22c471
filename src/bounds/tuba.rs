//! TUBA (Poole et al. 2019): 1 + mean(diag(s - ln b(y))) - mean_offdiag(e^(s - ln b(y))), with
//! a learned baseline b(y). A lower bound for every critic and baseline; with b = e it is NWJ.
//! Optimal critic ln r + ln b(y), so the oracle (b = 1) needs no shift.

use candle_core::{Result, Tensor};

use super::{diagonal, log_mean_exp_offdiag, shift_rows, BaselineSpec, Bound};

#[derive(Debug, Clone)]
pub struct Tuba {
    pub baseline: BaselineSpec,
}

/// 1 + mean(diag s) - mean_offdiag(e^s) on already shifted scores.
fn tuba(s: &Tensor) -> Result<Tensor> {
    let partition = log_mean_exp_offdiag(s)?.exp()?;
    (diagonal(s)?.mean_all()? + 1.0)? - partition
}

impl Bound for Tuba {
    fn name(&self) -> &'static str {
        "tuba"
    }

    fn estimate(&self, s: &Tensor) -> Result<Tensor> {
        tuba(s)
    }

    fn baseline(&self) -> Option<&BaselineSpec> {
        Some(&self.baseline)
    }

    fn estimate_with(&self, s: &Tensor, log_baseline: Option<&Tensor>) -> Result<Tensor> {
        tuba(&shift_rows(s, log_baseline)?)
    }

    fn is_lower_bound(&self) -> bool {
        true
    }

    fn estimate_streamed(&self, st: &super::RowStats) -> Option<f64> {
        Some(1.0 + st.mean_diag() - st.log_mean_exp_offdiag().exp())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    /// s = [[1, 0], [2, 3]], ln b = [0.5, -0.5]: shifted rows [[0.5, -0.5], [2.5, 3.5]]; mean
    /// diag 2; off-diagonal e^-0.5 + e^2.5 = 0.606531 + 12.182494, mean 6.394512; estimate
    /// 1 + 2 - 6.394512 = -3.394512. Without a baseline: 1 + 2 - (1 + e^2)/2 = -1.194528 (NWJ
    /// of s + 1). With ln b = 1 it is NWJ of s itself (TUBA with b = e is NWJ).
    #[test]
    fn hand_computed_two_by_two() {
        let dev = Device::Cpu;
        let s = Tensor::new(&[[1f32, 0.], [2., 3.]], &dev).unwrap();
        let b = Tensor::new(&[0.5f32, -0.5], &dev).unwrap();
        let t = Tuba {
            baseline: BaselineSpec::Constant,
        };
        let v: f32 = t.estimate_with(&s, Some(&b)).unwrap().to_scalar().unwrap();
        assert!((v as f64 + 3.394512).abs() < 1e-5, "{v}");
        let v: f32 = t.estimate(&s).unwrap().to_scalar().unwrap();
        assert!((v as f64 + 1.194528).abs() < 1e-5, "{v}");
        let one = Tensor::new(&[1f32, 1.], &dev).unwrap();
        let as_nwj: f32 = t
            .estimate_with(&s, Some(&one))
            .unwrap()
            .to_scalar()
            .unwrap();
        let nwj: f32 = super::super::nwj::Nwj
            .estimate(&s)
            .unwrap()
            .to_scalar()
            .unwrap();
        assert!((as_nwj - nwj).abs() < 1e-6, "{as_nwj} vs {nwj}");
    }
}
