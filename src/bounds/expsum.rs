//! Row reductions over long f32 rows, the inner loops of streamed evaluation at large K
//! (`RowStats::add_block`): the maximum and sum of a row, and the sum of its exponentials by a
//! polynomial exp that the compiler vectorises (Cephes' expf: range reduction by ln 2 and a
//! degree-5 polynomial, relative error below 5e-7; every step a vector instruction), in 16-lane accumulators, compiled for
//! AVX-512 and AVX2 as well as the baseline and chosen at run time. Before, candle's separate
//! passes (mask, add, max, subtract, libm's scalar expf, sum) took 80% of a K = 65536
//! evaluation.

/// sum_j e^(v_j - shift) over `values`, accumulated in f32 lanes and added up in f64. Entries
/// far below `shift` (more than 87 nats) count as 0, as e^(v - shift) does in f32.
pub fn sum_exp(values: &[f32], shift: f32) -> f64 {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU has AVX-512F, checked just above.
            return unsafe { sum_exp_avx512(values, shift) };
        }
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            // SAFETY: the CPU has AVX2 and FMA, checked just above.
            return unsafe { sum_exp_avx2(values, shift) };
        }
    }
    sum_exp_portable(values, shift)
}

/// The largest value (-inf for none; NaN entries are passed over, so the sum and the sum of
/// exponentials carry them) and the f64 sum of `values`.
pub fn max_and_sum(values: &[f32]) -> (f32, f64) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU has AVX-512F, checked just above.
            return unsafe { max_and_sum_avx512(values) };
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2, checked just above.
            return unsafe { max_and_sum_avx2(values) };
        }
    }
    max_and_sum_portable(values)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn max_and_sum_avx512(values: &[f32]) -> (f32, f64) {
    max_and_sum_portable(values)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn max_and_sum_avx2(values: &[f32]) -> (f32, f64) {
    max_and_sum_portable(values)
}

#[inline(always)]
fn max_and_sum_portable(values: &[f32]) -> (f32, f64) {
    let mut top = [f32::NEG_INFINITY; LANES];
    let mut acc = [0f32; LANES];
    let mut total = 0f64;
    let chunks = values.chunks_exact(LANES);
    let tail = chunks.remainder();
    for (n, chunk) in chunks.enumerate() {
        for ((t, a), &v) in top.iter_mut().zip(acc.iter_mut()).zip(chunk) {
            *t = if v > *t { v } else { *t };
            *a += v;
        }
        if n % 256 == 255 {
            total += acc.iter().map(|&a| a as f64).sum::<f64>();
            acc = [0f32; LANES];
        }
    }
    total += acc.iter().map(|&a| a as f64).sum::<f64>();
    let mut m = top.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    for &v in tail {
        m = if v > m { v } else { m };
        total += v as f64;
    }
    (m, total)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn sum_exp_avx512(values: &[f32], shift: f32) -> f64 {
    sum_exp_portable(values, shift)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn sum_exp_avx2(values: &[f32], shift: f32) -> f64 {
    sum_exp_portable(values, shift)
}

const LANES: usize = 16;

#[inline(always)]
fn sum_exp_portable(values: &[f32], shift: f32) -> f64 {
    let mut acc = [0f32; LANES];
    let chunks = values.chunks_exact(LANES);
    let tail = chunks.remainder();
    let mut total = 0f64;
    for (n, chunk) in chunks.enumerate() {
        for (a, &v) in acc.iter_mut().zip(chunk) {
            *a += exp(v - shift);
        }
        // Spill to f64 now and then, so that f32 lanes never sum more than 4096 terms.
        if n % 256 == 255 {
            total += acc.iter().map(|&a| a as f64).sum::<f64>();
            acc = [0f32; LANES];
        }
    }
    total += acc.iter().map(|&a| a as f64).sum::<f64>();
    total + tail.iter().map(|&v| exp(v - shift) as f64).sum::<f64>()
}

/// e^x in f32 (Cephes' expf): x = n ln 2 + r with |r| <= ln 2 / 2, e^r by a degree-5
/// polynomial, 2^n put into the exponent bits. x is clamped to [-87.3, 88] (the callers shift
/// by a maximum, so their arguments are <= 0): e^-87.3 stands for anything smaller, a
/// relative 1e-38 of the terms that count. Every step is a vector instruction: floor rather
/// than round, and 2^n from the bits of n + 127 + 2^23 rather than a saturating cast.
#[inline(always)]
fn exp(x: f32) -> f32 {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    let x = x.clamp(-87.3, 88.0);
    let n = (x * LOG2E + 0.5).floor();
    let r = x - n * LN2_HI - n * LN2_LO;
    let p = 1.987_569_2e-4f32;
    let p = p * r + 1.398_199_9e-3;
    let p = p * r + 8.333_452e-3;
    let p = p * r + 4.166_579_6e-2;
    let p = p * r + 1.666_666_5e-1;
    let p = p * r + 5e-1;
    let e = p * r * r + r + 1.0;
    // 2^n for n in [-126, 127]: adding 2^23 puts the integer n + 127 (1 to 254) in the low
    // mantissa bits, which become the exponent field.
    let bits = ((n + 127.0 + 8_388_608.0).to_bits() & 0xff) << 23;
    e * f32::from_bits(bits)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The polynomial exp against f64's over [-87, 87] (relative error below 5e-7, the
    /// arguments rounded to f32 first), and 0 far below.
    #[test]
    fn exp_is_accurate_to_f32_rounding() {
        let mut worst = 0f64;
        for i in 0..=174_000 {
            let x = -87.0f32 + i as f32 * 1e-3;
            let want = (x as f64).exp();
            let got = exp(x) as f64;
            worst = worst.max(((got - want) / want).abs());
        }
        assert!(worst < 5e-7, "worst relative error {worst}");
        assert!(exp(-200.0) < 1e-37 && exp(-200.0) > 0.0);
        assert_eq!(exp(0.0), 1.0);
    }

    /// Sums over rows of several lengths (the tail, the f64 spill) against the sum written
    /// out in f64, for every implementation this CPU has.
    #[test]
    fn sums_match_the_f64_sum() {
        for len in [0usize, 1, 15, 16, 17, 1000, 4096 * 16 + 5, 70_001] {
            let v: Vec<f32> = (0..len)
                .map(|i| ((i * 7919 % 1000) as f32 / 100.0) - 8.0)
                .collect();
            let shift = 2.0f32;
            let want: f64 = v.iter().map(|&x| (x as f64 - shift as f64).exp()).sum();
            let check = |got: f64, what: &str| {
                assert!(
                    (got - want).abs() <= 1e-6 * want.max(1e-30),
                    "{what}, {len}: {got} vs {want}"
                );
            };
            check(sum_exp(&v, shift), "dispatched");
            let (m, total) = max_and_sum(&v);
            let sum: f64 = v.iter().map(|&x| x as f64).sum();
            assert_eq!(m, v.iter().copied().fold(f32::NEG_INFINITY, f32::max));
            assert!(
                (total - sum).abs() <= 1e-4 * sum.abs().max(1.0),
                "{total} vs {sum}"
            );
            check(sum_exp_portable(&v, shift), "portable");
            #[cfg(target_arch = "x86_64")]
            {
                if std::arch::is_x86_feature_detected!("avx2")
                    && std::arch::is_x86_feature_detected!("fma")
                {
                    // SAFETY: checked just above.
                    check(unsafe { sum_exp_avx2(&v, shift) }, "avx2");
                }
            }
        }
    }
}
