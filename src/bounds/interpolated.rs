//! The interpolated bound I_alpha (Poole et al. 2019, eq. 12): TUBA whose baseline is the
//! mixture alpha * m(y) + (1 - alpha) * b(y) of InfoNCE's leave-one-out partition estimate
//! m(y) and a learned baseline b(y). alpha = 1 is (leave-one-out) InfoNCE, alpha -> 0 is TUBA;
//! alpha trades InfoNCE's low variance and ln K cap against TUBA's lack of one. Poole et al.
//! state a ceiling of ln(K / alpha); what holds for every critic and baseline is
//! 1 + ln((K - 1) / alpha) (ln(K - 1) at alpha = 1), and the oracle critic with b = 1 passes
//! ln(K / alpha) at high MI (specs/oracle_bounds.mica).
//! Computed in f64 (the leave-one-out sums subtract nearly equal numbers). Not streamable: at
//! large K it is evaluated on the dense matrix.

use candle_core::{DType, Result, Tensor, D};

use super::{diagonal, log_mean_exp_offdiag, mean_offdiag, BaselineSpec, Bound};

#[derive(Debug, Clone)]
pub struct Interpolated {
    pub alpha: f64,
    pub baseline: BaselineSpec,
}

/// ln of the leave-one-out mean over row i without column j: ln((sum_k e^s_ik - e^s_ij) / (K-1)).
/// For every entry but the row's largest, lse_i + ln(1 - e^(s_ij - lse_i)) is accurate (the
/// subtracted share is at most 1/2); for the largest, whose share can round to 1, it is the
/// log-sum-exp of the row without it, computed directly.
fn log_loo_mean(s: &Tensor) -> Result<Tensor> {
    let (rows, k) = s.dims2()?;
    let lse = s.log_sum_exp(D::Minus1)?.unsqueeze(1)?;
    // One-hot of each row's largest entry (a constant for the gradient).
    let top = s.argmax_keepdim(D::Minus1)?;
    let cols = Tensor::arange(0u32, k as u32, s.device())?.unsqueeze(0)?;
    let is_top = cols
        .broadcast_as((rows, k))?
        .broadcast_eq(&top)?
        .to_dtype(DType::F64)?;
    let without_top = (s - (&is_top * 1e300)?)?
        .log_sum_exp(D::Minus1)?
        .unsqueeze(1)?;
    // Shares of the other entries are at most 1/2; the clamp only touches the top entry,
    // whose value is replaced below.
    let share = s
        .broadcast_sub(&lse)?
        .clamp(f64::NEG_INFINITY, -std::f64::consts::LN_2)?;
    let others = lse.broadcast_add(&(1.0 - share.exp()?)?.log()?)?;
    let loo = ((is_top.broadcast_mul(&without_top))? + ((1.0 - &is_top)? * others)?)?;
    loo - ((k - 1) as f64).ln()
}

impl Interpolated {
    fn bound(&self, s: &Tensor, log_baseline: Option<&Tensor>) -> Result<Tensor> {
        let dtype = s.dtype();
        let s = s.to_dtype(DType::F64)?;
        let k = s.dim(0)?;
        let nce = log_loo_mean(&s)?;
        // ln(alpha e^nce + (1 - alpha) b), entry by entry (b depends on the row only).
        let interp = if self.alpha >= 1.0 {
            nce
        } else {
            let a = (nce + self.alpha.ln())?;
            let b = match log_baseline {
                Some(b) => b.to_dtype(DType::F64)?.unsqueeze(1)?,
                None => Tensor::zeros((k, 1), DType::F64, s.device())?,
            };
            let b = (b.broadcast_as((k, k))? + (1.0 - self.alpha).ln())?;
            let hi = a.maximum(&b)?;
            let sum = ((&a - &hi)?.exp()? + (&b - &hi)?.exp()?)?;
            (hi + sum.log()?)?
        };
        // Marginal term: e^(s_ij - interp_ii) over the off-diagonal.
        let marg = s.broadcast_sub(&diagonal(&interp)?.unsqueeze(1)?)?;
        let marg_term = log_mean_exp_offdiag(&marg)?.exp()?;
        // Joint term: s_ii - interp_ij over the off-diagonal.
        let joint = diagonal(&s)?.unsqueeze(1)?.broadcast_sub(&interp)?;
        let joint_term = mean_offdiag(&joint)?;
        ((joint_term + 1.0)? - marg_term)?.to_dtype(dtype)
    }
}

impl Bound for Interpolated {
    fn name(&self) -> &'static str {
        "interpolated"
    }

    fn estimate(&self, s: &Tensor) -> Result<Tensor> {
        self.bound(s, None)
    }

    fn baseline(&self) -> Option<&BaselineSpec> {
        Some(&self.baseline)
    }

    fn estimate_with(&self, s: &Tensor, log_baseline: Option<&Tensor>) -> Result<Tensor> {
        self.bound(s, log_baseline)
    }

    /// The joint term is at most ln((K - 1) / alpha) (each leave-one-out baseline contains the
    /// positive pair) and the marginal term is positive; at alpha = 1 the marginal term is
    /// exactly 1. Poole et al.'s ln(K / alpha) does not hold in general (see the tests and
    /// specs/oracle_bounds.mica).
    fn ceiling(&self, k: usize) -> Option<f64> {
        let k = k as f64;
        if self.alpha >= 1.0 {
            Some((k - 1.0).ln())
        } else {
            Some(1.0 + ((k - 1.0) / self.alpha).ln())
        }
    }

    fn is_lower_bound(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    fn value(b: &Interpolated, s: &Tensor, base: Option<&Tensor>) -> f64 {
        b.estimate_with(s, base)
            .unwrap()
            .to_scalar::<f32>()
            .unwrap() as f64
    }

    /// K = 2, s = [[1, 0], [2, 3]]: leaving column j out of row i leaves s[i][1-j], so the
    /// InfoNCE baseline is [[0, 1], [3, 2]]. With alpha = 1/2 and b = 1 the interpolated
    /// baseline is ln(e^nce / 2 + 1/2) = [[0, 0.620115], [2.355440, 1.433781]]; marginal term
    /// (e^(0 - 0) + e^(2 - 1.433781)) / 2 = 1.380789; joint term ((1 - 0.620115) + (3 -
    /// 2.355440)) / 2 = 0.512222; estimate 1 + 0.512222 - 1.380789 = 0.131426.
    #[test]
    fn hand_computed_two_by_two() {
        let s = Tensor::new(&[[1f32, 0.], [2., 3.]], &Device::Cpu).unwrap();
        let half = Interpolated {
            alpha: 0.5,
            baseline: BaselineSpec::Constant,
        };
        let v = value(&half, &s, None);
        assert!((v - 0.131426).abs() < 1e-5, "{v}");
    }

    /// Against a direct f64 evaluation of the definition on a 5 x 5 matrix with a baseline:
    /// leave-one-out sums by explicit loops.
    #[test]
    fn matches_the_definition() {
        let k = 5;
        let s: Vec<f64> = (0..k * k)
            .map(|i| ((i * 37 % 11) as f64 - 5.0) * 0.7)
            .collect();
        let b = [0.3, -0.2, 1.1, 0.0, -0.7];
        for alpha in [0.01, 0.5, 0.99, 1.0] {
            let mut interp = vec![0.0; k * k];
            for i in 0..k {
                for j in 0..k {
                    let loo: f64 = (0..k).filter(|&c| c != j).map(|c| s[i * k + c].exp()).sum();
                    let m = loo / (k - 1) as f64;
                    interp[i * k + j] = (alpha * m + (1.0 - alpha) * f64::exp(b[i])).ln();
                }
            }
            let (mut marg, mut joint, mut n) = (0.0, 0.0, 0.0);
            for i in 0..k {
                for j in 0..k {
                    if i != j {
                        marg += (s[i * k + j] - interp[i * k + i]).exp();
                        joint += s[i * k + i] - interp[i * k + j];
                        n += 1.0;
                    }
                }
            }
            let want = 1.0 + joint / n - marg / n;
            let st = Tensor::from_vec(s.iter().map(|&v| v as f32).collect(), (k, k), &Device::Cpu)
                .unwrap();
            let bt =
                Tensor::from_vec(b.iter().map(|&v| v as f32).collect(), k, &Device::Cpu).unwrap();
            let bound = Interpolated {
                alpha,
                baseline: BaselineSpec::Constant,
            };
            let got = value(&bound, &st, Some(&bt));
            assert!((got - want).abs() < 1e-4, "alpha {alpha}: {got} vs {want}");
            assert!(got <= bound.ceiling(k).unwrap());
        }
    }

    /// A huge diagonal, vanishing off-diagonal and a tiny baseline reach the ceiling
    /// 1 + ln((K - 1) / alpha), above Poole et al.'s ln(K / alpha).
    #[test]
    fn adversarial_batch_reaches_the_ceiling() {
        let k = 8;
        let eye = Tensor::eye(k, DType::F32, &Device::Cpu).unwrap();
        let s = ((eye * 90.0).unwrap() - 60.0).unwrap();
        let b = Tensor::full(-20f32, k, &Device::Cpu).unwrap();
        let bound = Interpolated {
            alpha: 0.5,
            baseline: BaselineSpec::Constant,
        };
        let v = value(&bound, &s, Some(&b));
        assert!((v - (1.0 + (14f64).ln())).abs() < 1e-3, "{v}");
        assert!(v <= bound.ceiling(k).unwrap() + 1e-6);
        assert!(v > (k as f64 / 0.5).ln());
    }

    /// alpha = 1 with a critic that puts all mass on the diagonal reaches towards ln(K - 1)
    /// and never passes ln K; the entries dominated by 60 nats (whose leave-one-out sums round
    /// away in the naive formula) stay finite.
    #[test]
    fn ceiling_holds_for_a_sharp_critic() {
        let k = 8;
        for scale in [30.0, 60.0] {
            let s = (Tensor::eye(k, DType::F32, &Device::Cpu).unwrap() * scale).unwrap();
            let b = Interpolated {
                alpha: 1.0,
                baseline: BaselineSpec::Constant,
            };
            let v = value(&b, &s, None);
            assert!(
                v <= (k as f64).ln() && v > (k as f64 - 1.0).ln() - 1e-3,
                "{v}"
            );
        }
    }
}
