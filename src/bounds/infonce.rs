//! InfoNCE (van den Oord et al. 2018): mean_i(s_ii - logsumexp_j s_ij) + ln K. At most ln K
//! for every critic. With extra negatives (a queue), each of the K rows scores M >= K
//! candidates whose first K are the batch's own (positive on the diagonal): the same formula
//! with ln M, at most ln M.

use candle_core::{Result, Tensor, D};

use super::{diagonal, Bound};

#[derive(Debug, Clone, Copy)]
pub struct InfoNce;

impl Bound for InfoNce {
    fn name(&self) -> &'static str {
        "infonce"
    }

    fn row_shift_invariant(&self) -> bool {
        true
    }

    fn estimate(&self, s: &Tensor) -> Result<Tensor> {
        let m = s.dim(1)?;
        let lse = s.log_sum_exp(D::Minus1)?;
        (diagonal(s)? - lse)?.mean_all()? + (m as f64).ln()
    }

    fn ceiling(&self, k: usize) -> Option<f64> {
        Some((k as f64).ln())
    }

    fn is_lower_bound(&self) -> bool {
        true
    }

    fn estimate_streamed(&self, st: &super::RowStats) -> Option<f64> {
        Some(st.sum_diag_minus_lse / st.k as f64 + (st.k as f64).ln())
    }

    /// loss = -(mean_i (s_ii - lse_i) + ln K); d loss / d s_ij = (softmax_i(s)_j - [i = j]) / K.
    fn loss_and_gradient(&self, s: &[f32], k: usize) -> Option<(f64, Vec<f32>)> {
        if k == 0 || s.len() != k * k {
            return None;
        }
        let mut grad = vec![0.0f32; k * k];
        let mut total = 0.0f64;
        let inv_k = 1.0 / k as f32;
        for (i, (row, g)) in s.chunks_exact(k).zip(grad.chunks_exact_mut(k)).enumerate() {
            let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            let mut sum = 0.0f32;
            for (gj, &v) in g.iter_mut().zip(row) {
                let e = (v - max).exp();
                *gj = e;
                sum += e;
            }
            let scale = inv_k / sum;
            for gj in g.iter_mut() {
                *gj *= scale;
            }
            g[i] -= inv_k;
            let lse = max as f64 + (sum as f64).ln();
            total += row[i] as f64 - lse;
        }
        let loss = -(total / k as f64 + (k as f64).ln());
        Some((loss, grad))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    /// Worked by hand in f64: s = [[1, 0], [2, 3]].
    /// row 0: 1 - ln(e^1 + e^0) = -0.313262; row 1: 3 - ln(e^2 + e^3) = -0.313262.
    /// mean + ln 2 = -0.313262 + 0.693147 = 0.379885.
    #[test]
    fn hand_computed_two_by_two() {
        let s = Tensor::new(&[[1f32, 0.], [2., 3.]], &Device::Cpu).unwrap();
        let v: f32 = InfoNce.estimate(&s).unwrap().to_scalar().unwrap();
        assert!((v as f64 - 0.379885).abs() < 1e-5, "{v}");
    }

    /// Two rows against four candidates (two of them queued negatives), by hand:
    /// s = [[1, 0, 0, 0], [0, 2, 0, 0]]: row 0: 1 - ln(e + 3) = -0.743668; row 1:
    /// 2 - ln(e^2 + 3) = -0.340742; mean + ln 4 = -0.542205 + 1.386294 = 0.844089.
    #[test]
    fn extra_negatives_by_hand() {
        let s = Tensor::new(&[[1f32, 0., 0., 0.], [0., 2., 0., 0.]], &Device::Cpu).unwrap();
        let v: f32 = InfoNce.estimate(&s).unwrap().to_scalar().unwrap();
        assert!((v as f64 - 0.844089).abs() < 1e-5, "{v}");
    }

    /// A critic that puts all its mass on the diagonal reaches ln K and no more.
    #[test]
    fn saturates_at_ln_k() {
        let k = 8;
        let s = (Tensor::eye(k, candle_core::DType::F32, &Device::Cpu).unwrap() * 50.0).unwrap();
        let v: f32 = InfoNce.estimate(&s).unwrap().to_scalar().unwrap();
        assert!((v as f64 - (k as f64).ln()).abs() < 1e-4, "{v}");
    }

    /// The hand-written loss and gradient equal the estimate's negation and its autograd
    /// gradient.
    #[test]
    fn hand_written_gradient_matches_autograd() {
        let k = 7;
        let vals: Vec<f32> = (0..k * k)
            .map(|i| ((i * 37 % 11) as f32 - 5.0) * 0.7)
            .collect();
        let v = candle_core::Var::from_vec(vals.clone(), (k, k), &Device::Cpu).unwrap();
        let loss = InfoNce.estimate(v.as_tensor()).unwrap().neg().unwrap();
        let want: Vec<f32> = loss
            .backward()
            .unwrap()
            .get(v.as_tensor())
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1()
            .unwrap();
        let (l, g) = InfoNce.loss_and_gradient(&vals, k).unwrap();
        let l0: f32 = loss.to_scalar().unwrap();
        assert!((l - l0 as f64).abs() < 1e-5, "{l} {l0}");
        for (a, b) in g.iter().zip(&want) {
            assert!((a - b).abs() < 1e-6, "{a} {b}");
        }
    }

    /// Constant scores carry no information: the estimate is exactly 0.
    #[test]
    fn constant_scores_give_zero() {
        let s = Tensor::full(3f32, (5, 5), &Device::Cpu).unwrap();
        let v: f32 = InfoNce.estimate(&s).unwrap().to_scalar().unwrap();
        assert!(v.abs() < 1e-5, "{v}");
    }
}
