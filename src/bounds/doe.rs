//! Difference of entropies (McAllester and Stratos, AISTATS 2020): I = H(Y) - H(Y|X), each
//! entropy replaced by the cross-entropy of a trained density model, an upper bound on it:
//! I_DoE = mean_i ln q(y_i | x_i) - mean_i ln q(y_i), with the conditional q(y|x) as the critic
//! (s_ii) and the marginal q(y) as the bound's density model (the baseline slot, ln b(y) =
//! ln q(y)). Neither a lower nor an upper bound (the difference of two upper bounds), but not
//! capped at ln K: its error is the gap between two cross-entropies, so it can find large MI
//! where every contrastive lower bound stays below ln K. Trained by maximising both
//! log-likelihoods.

use candle_core::{Result, Tensor};

use super::{diagonal, BaselineSpec, Bound, LossState, Reads, RowStats};

#[derive(Debug, Clone)]
pub struct Doe {
    /// The density model of y (`BaselineSpec::Density`).
    pub marginal: BaselineSpec,
}

impl Bound for Doe {
    fn name(&self) -> &'static str {
        "doe"
    }

    /// Without the density model (b = 1) this is the conditional log-likelihood alone.
    fn estimate(&self, s: &Tensor) -> Result<Tensor> {
        diagonal(s)?.mean_all()
    }

    fn baseline(&self) -> Option<&BaselineSpec> {
        Some(&self.marginal)
    }

    fn estimate_with(&self, s: &Tensor, log_q_y: Option<&Tensor>) -> Result<Tensor> {
        let conditional = diagonal(s)?.mean_all()?;
        match log_q_y {
            Some(q) => conditional - q.mean_all()?,
            None => Ok(conditional),
        }
    }

    fn loss(&self, s: &Tensor, log_q_y: Option<&Tensor>, _: &mut LossState) -> Result<Tensor> {
        let conditional = diagonal(s)?.mean_all()?;
        let likelihood = match log_q_y {
            Some(q) => (conditional + q.mean_all()?)?,
            None => conditional,
        };
        likelihood.neg()
    }

    fn is_lower_bound(&self) -> bool {
        false
    }

    /// Streamed statistics see s_ij - ln q(y_i): their diagonal mean is the estimate.
    fn estimate_streamed(&self, st: &RowStats) -> Option<f64> {
        Some(st.mean_diag())
    }

    fn reads(&self) -> Reads {
        Reads::ConditionalDensity
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    /// diag s = [1, 3], ln q(y) = [-2, 0]: DoE = 2 - (-1) = 3; the loss is -(2 + -1) = -1.
    #[test]
    fn hand_computed() {
        let dev = Device::Cpu;
        let s = Tensor::new(&[[1f32, 0.], [2., 3.]], &dev).unwrap();
        let q = Tensor::new(&[-2f32, 0.], &dev).unwrap();
        let d = Doe {
            marginal: BaselineSpec::Density {
                components: 1,
                flow: None,
            },
        };
        let v: f32 = d.estimate_with(&s, Some(&q)).unwrap().to_scalar().unwrap();
        assert!((v - 3.0).abs() < 1e-6, "{v}");
        let l: f32 = d
            .loss(&s, Some(&q), &mut LossState::default())
            .unwrap()
            .to_scalar()
            .unwrap();
        assert!((l + 1.0).abs() < 1e-6, "{l}");
    }
}
