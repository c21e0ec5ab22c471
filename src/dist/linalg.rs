//! The little dense linear algebra the Gaussian families need, in f64: Cholesky factors,
//! log-determinants, triangular solves and quadratic forms on row-major square matrices.
//! (Matrices here are at most a few hundred wide; a full linear-algebra crate would cost more
//! build time than these forty lines.)

/// Lower-triangular Cholesky factor L (row-major, L L^T = a), or `None` when `a` is not
/// positive definite.
pub fn cholesky(a: &[f64], n: usize) -> Option<Vec<f64>> {
    let mut l = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            let mut s = a[i * n + j];
            for k in 0..j {
                s -= l[i * n + k] * l[j * n + k];
            }
            if i == j {
                if s <= 1e-12 || !s.is_finite() {
                    return None;
                }
                l[i * n + i] = s.sqrt();
            } else {
                l[i * n + j] = s / l[j * n + j];
            }
        }
    }
    Some(l)
}

/// ln det of the matrix whose Cholesky factor is `l`.
pub fn log_det(l: &[f64], n: usize) -> f64 {
    (0..n).map(|i| l[i * n + i].ln()).sum::<f64>() * 2.0
}

/// v^T a^-1 v, with `l` the Cholesky factor of a (forward substitution).
pub fn quad_form(l: &[f64], n: usize, v: &[f64]) -> f64 {
    let mut z = vec![0.0; n];
    let mut q = 0.0;
    for i in 0..n {
        let mut s = v[i];
        for k in 0..i {
            s -= l[i * n + k] * z[k];
        }
        z[i] = s / l[i * n + i];
        q += z[i] * z[i];
    }
    q
}

/// The inverse of a square matrix (row-major) by Gauss-Jordan elimination with partial
/// pivoting, or `None` when it is singular to working precision.
pub fn invert(a: &[f64], n: usize) -> Option<Vec<f64>> {
    let mut m = a.to_vec();
    let mut inv: Vec<f64> = (0..n * n)
        .map(|k| f64::from(u8::from(k / n == k % n)))
        .collect();
    let scale = a.iter().fold(0.0f64, |s, v| s.max(v.abs()));
    for col in 0..n {
        let pivot =
            (col..n).max_by(|&i, &j| m[i * n + col].abs().total_cmp(&m[j * n + col].abs()))?;
        let size = m[pivot * n + col].abs();
        if size.is_nan() || size <= 1e-12 * scale {
            return None;
        }
        for k in 0..n {
            m.swap(col * n + k, pivot * n + k);
            inv.swap(col * n + k, pivot * n + k);
        }
        let p = m[col * n + col];
        for k in 0..n {
            m[col * n + k] /= p;
            inv[col * n + k] /= p;
        }
        for i in (0..n).filter(|&i| i != col) {
            let f = m[i * n + col];
            if f != 0.0 {
                for k in 0..n {
                    m[i * n + k] -= f * m[col * n + k];
                    inv[i * n + k] -= f * inv[col * n + k];
                }
            }
        }
    }
    Some(inv)
}

/// The square sub-matrix of `a` (n x n) on rows and columns `start .. start + k`.
pub fn block(a: &[f64], n: usize, start: usize, k: usize) -> Vec<f64> {
    let mut out = Vec::with_capacity(k * k);
    for i in start..start + k {
        out.extend_from_slice(&a[i * n + start..i * n + start + k]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 3 x 3 matrix that needs a row swap (zero first pivot): a a^-1 = I, and a singular
    /// matrix has no inverse.
    #[test]
    fn invert_needs_pivoting_and_refuses_singular() {
        let a = [0.0, 2.0, 1.0, 1.0, 1.0, 0.0, 3.0, 0.0, 4.0];
        let inv = invert(&a, 3).unwrap();
        for i in 0..3 {
            for j in 0..3 {
                let p: f64 = (0..3).map(|k| a[i * 3 + k] * inv[k * 3 + j]).sum();
                assert!((p - f64::from(u8::from(i == j))).abs() < 1e-12, "{inv:?}");
            }
        }
        assert!(invert(&[1.0, 2.0, 2.0, 4.0], 2).is_none());
    }

    #[test]
    fn cholesky_of_a_known_matrix() {
        // [[4, 2], [2, 3]] = L L^T with L = [[2, 0], [1, sqrt 2]]; det = 8.
        let l = cholesky(&[4.0, 2.0, 2.0, 3.0], 2).unwrap();
        assert!((l[0] - 2.0).abs() < 1e-12 && (l[2] - 1.0).abs() < 1e-12);
        assert!((l[3] - 2f64.sqrt()).abs() < 1e-12);
        assert!((log_det(&l, 2) - 8f64.ln()).abs() < 1e-12);
        // v = (1, 1): a^-1 = [[3, -2], [-2, 4]] / 8, v^T a^-1 v = 3/8.
        assert!((quad_form(&l, 2, &[1.0, 1.0]) - 0.375).abs() < 1e-12);
        assert!(cholesky(&[1.0, 2.0, 2.0, 1.0], 2).is_none(), "indefinite");
    }
}
