//! Confidence intervals for the margin of a claim: paired Student t over seeds, Welch t for
//! unpaired samples, and a normal interval for constants known with a Monte Carlo error.

use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

/// The distribution of an estimated margin: its mean, standard error and degrees of freedom
/// (infinite for a normal approximation; an exact value has a standard error of 0).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Estimate {
    pub mean: f64,
    pub std_err: f64,
    pub df: f64,
    /// Seeds behind the estimate (0 for constants).
    pub n: usize,
    /// Standard deviation across seeds (0 for constants).
    pub sd: f64,
}

/// The one-sided quantile at confidence `conf` (e.g. 1.833 for 95% at 9 df).
pub fn quantile(conf: f64, df: f64) -> f64 {
    // Beyond a few thousand degrees of freedom t and normal agree to 1e-4 (and statrs'
    // inverse t slows down there).
    if df.is_infinite() || df > 5000.0 {
        Normal::standard().inverse_cdf(conf)
    } else {
        StudentsT::new(0.0, 1.0, df.max(1.0))
            .map(|t| t.inverse_cdf(conf))
            .unwrap_or(f64::INFINITY)
    }
}

pub fn mean_sd(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let var = if v.len() > 1 {
        v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)
    } else {
        0.0
    };
    (mean, var.sqrt())
}

/// Paired (or one-sample) estimate from per-seed margins, plus an independent constant error.
pub fn one_sample(d: &[f64], extra_se: f64) -> Estimate {
    let (mean, sd) = mean_sd(d);
    let n = d.len();
    let se_seeds = sd / (n as f64).sqrt();
    let std_err = (se_seeds * se_seeds + extra_se * extra_se).sqrt();
    Estimate {
        mean,
        std_err,
        df: (n as f64 - 1.0).max(1.0),
        n,
        sd,
    }
}

/// Welch's estimate of mean(b) - mean(a) for two unpaired samples.
pub fn welch(a: &[f64], b: &[f64]) -> Estimate {
    let (ma, sa) = mean_sd(a);
    let (mb, sb) = mean_sd(b);
    let (na, nb) = (a.len() as f64, b.len() as f64);
    let (va, vb) = (sa * sa / na, sb * sb / nb);
    let se = (va + vb).sqrt();
    let df = if va + vb > 0.0 {
        (va + vb).powi(2) / (va * va / (na - 1.0).max(1.0) + vb * vb / (nb - 1.0).max(1.0))
    } else {
        na + nb - 2.0
    };
    Estimate {
        mean: mb - ma,
        std_err: se,
        df: df.max(1.0),
        n: a.len().min(b.len()),
        sd: (sa * sa + sb * sb).sqrt(),
    }
}

impl Estimate {
    /// Lower and upper one-sided limits at confidence `conf`.
    pub fn limits(&self, conf: f64) -> (f64, f64) {
        if self.std_err == 0.0 {
            return (self.mean, self.mean);
        }
        let q = quantile(conf, self.df);
        (self.mean - q * self.std_err, self.mean + q * self.std_err)
    }

    /// Roughly how many seeds would make the interval exclude zero at the observed spread.
    pub fn seeds_needed(&self, conf: f64) -> Option<usize> {
        if self.n < 2 || self.sd == 0.0 || self.mean == 0.0 {
            return None;
        }
        // Solve n = (t_{n-1} sd / mean)^2 by iteration from the normal quantile.
        let mut n = ((quantile(conf, f64::INFINITY) * self.sd / self.mean).powi(2))
            .ceil()
            .max(2.0);
        if !n.is_finite() || n > 1e6 {
            return None;
        }
        for _ in 0..20 {
            let next = ((quantile(conf, n - 1.0) * self.sd / self.mean).powi(2))
                .ceil()
                .max(2.0);
            if next == n {
                break;
            }
            n = next;
        }
        (n.is_finite() && n < 1e7).then_some(n as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Published table values of Student's t: t_{0.95, 4} = 2.132, t_{0.99, 9} = 2.821.
    #[test]
    fn t_quantiles_match_tables() {
        assert!((quantile(0.95, 4.0) - 2.1318).abs() < 1e-3);
        assert!((quantile(0.99, 9.0) - 2.8214).abs() < 1e-3);
        assert!((quantile(0.95, f64::INFINITY) - 1.6449).abs() < 1e-3);
    }

    #[test]
    fn one_sample_interval_by_hand() {
        // d = 1,2,3,4,5: mean 3, sd sqrt(2.5) = 1.5811, se 0.7071, t_{.95,4} = 2.1318.
        let e = one_sample(&[1.0, 2.0, 3.0, 4.0, 5.0], 0.0);
        let (lo, hi) = e.limits(0.95);
        assert!(
            (lo - (3.0 - 2.1318 * std::f64::consts::FRAC_1_SQRT_2)).abs() < 1e-3,
            "{lo}"
        );
        assert!(
            (hi - (3.0 + 2.1318 * std::f64::consts::FRAC_1_SQRT_2)).abs() < 1e-3,
            "{hi}"
        );
    }

    #[test]
    fn welch_by_hand() {
        // a = 1,2,3 (mean 2, var 1), b = 2,4,6,8 (mean 5, var 6.6667):
        // se = sqrt(1/3 + 6.6667/4) = 1.4142; df = 2^2 / ((1/3)^2/2 + (1.6667)^2/3) = 4.0755.
        let e = welch(&[1.0, 2.0, 3.0], &[2.0, 4.0, 6.0, 8.0]);
        assert!((e.mean - 3.0).abs() < 1e-12);
        assert!(
            (e.std_err - std::f64::consts::SQRT_2).abs() < 1e-4,
            "{}",
            e.std_err
        );
        assert!((e.df - 4.0755).abs() < 1e-3, "{}", e.df);
    }

    #[test]
    fn seeds_needed_grows_with_spread() {
        let a = one_sample(&[0.1, -0.05, 0.2], 0.0);
        let b = one_sample(&[0.1, -0.2, 0.35], 0.0);
        assert!(b.seeds_needed(0.95).unwrap() > a.seeds_needed(0.95).unwrap());
    }
}

/// P(T <= x) for Student's t with `df` degrees of freedom (normal when infinite).
pub fn t_cdf(x: f64, df: f64) -> f64 {
    if df.is_infinite() || df > 5000.0 {
        Normal::standard().cdf(x)
    } else {
        StudentsT::new(0.0, 1.0, df.max(1.0))
            .map(|t| t.cdf(x))
            .unwrap_or(0.5)
    }
}

/// Holm's step-down adjustment: adjusted p-values in the input order.
pub fn holm(ps: &[f64]) -> Vec<f64> {
    let m = ps.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| ps[a].total_cmp(&ps[b]));
    let mut adj = vec![0.0; m];
    let mut running: f64 = 0.0;
    for (rank, &i) in order.iter().enumerate() {
        let v = ((m - rank) as f64 * ps[i]).min(1.0);
        running = running.max(v);
        adj[i] = running;
    }
    adj
}

/// Average ranks (1-based), ties sharing their mean rank.
pub fn ranks(v: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..v.len()).collect();
    idx.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
    let mut r = vec![0.0; v.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && v[idx[j + 1]] == v[idx[i]] {
            j += 1;
        }
        let avg = (i + j) as f64 / 2.0 + 1.0;
        for k in i..=j {
            r[idx[k]] = avg;
        }
        i = j + 1;
    }
    r
}

/// Pearson's correlation (NaN when either side is constant).
pub fn pearson(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        sab += (x - ma) * (y - mb);
        saa += (x - ma).powi(2);
        sbb += (y - mb).powi(2);
    }
    sab / (saa * sbb).sqrt()
}

/// Spearman's rho: Pearson's correlation of the ranks.
pub fn spearman(a: &[f64], b: &[f64]) -> f64 {
    pearson(&ranks(a), &ranks(b))
}

/// Kendall's tau-b.
pub fn kendall(a: &[f64], b: &[f64]) -> f64 {
    let (mut conc, mut disc, mut ties_a, mut ties_b) = (0.0f64, 0.0f64, 0.0f64, 0.0f64);
    for i in 0..a.len() {
        for j in i + 1..a.len() {
            let (da, db) = (a[i] - a[j], b[i] - b[j]);
            if da == 0.0 && db == 0.0 {
                continue;
            } else if da == 0.0 {
                ties_a += 1.0;
            } else if db == 0.0 {
                ties_b += 1.0;
            } else if da * db > 0.0 {
                conc += 1.0;
            } else {
                disc += 1.0;
            }
        }
    }
    (conc - disc) / ((conc + disc + ties_a) * (conc + disc + ties_b)).sqrt()
}

/// The sampling distribution of a margin (positive: the claim holds).
#[derive(Debug, Clone, PartialEq)]
pub enum Dist {
    /// Known exactly.
    Exact(f64),
    /// Mean, standard error and degrees of freedom of a t (or normal) approximation.
    T(Estimate),
    /// A point estimate with bootstrap replicates.
    Boot { point: f64, reps: Vec<f64> },
    /// Per-seed margins of a statistic of curves, tested by the number of seeds on each side
    /// of 0 (an exact binomial sign test of "most seeds satisfy it").
    Sign(Vec<f64>),
}

impl Dist {
    pub fn mean(&self) -> f64 {
        match self {
            Dist::Exact(m) => *m,
            Dist::T(e) => e.mean,
            Dist::Boot { point, .. } => *point,
            Dist::Sign(m) => percentile(m, 0.5),
        }
    }

    pub fn shift(&self, d: f64) -> Dist {
        match self {
            Dist::Exact(m) => Dist::Exact(m + d),
            Dist::T(e) => Dist::T(Estimate {
                mean: e.mean + d,
                ..*e
            }),
            Dist::Boot { point, reps } => Dist::Boot {
                point: point + d,
                reps: reps.iter().map(|r| r + d).collect(),
            },
            Dist::Sign(m) => Dist::Sign(m.iter().map(|v| v + d).collect()),
        }
    }

    pub fn negate(&self) -> Dist {
        match self {
            Dist::Exact(m) => Dist::Exact(-m),
            Dist::T(e) => Dist::T(Estimate {
                mean: -e.mean,
                ..*e
            }),
            Dist::Boot { point, reps } => Dist::Boot {
                point: -point,
                reps: reps.iter().map(|r| -r).collect(),
            },
            Dist::Sign(m) => Dist::Sign(m.iter().map(|v| -v).collect()),
        }
    }

    fn exact(&self) -> Option<f64> {
        match self {
            Dist::Exact(m) => Some(*m),
            Dist::T(e) if e.std_err == 0.0 => Some(e.mean),
            _ => None,
        }
    }

    /// One-sided p-value for "the margin is positive" (`>= 0` when not strict).
    pub fn p_verify(&self, strict: bool) -> f64 {
        if let Some(m) = self.exact() {
            return if m > 0.0 || (m == 0.0 && !strict) {
                0.0
            } else {
                1.0
            };
        }
        match self {
            Dist::T(e) => 1.0 - t_cdf(e.mean / e.std_err, e.df),
            Dist::Boot { reps, .. } => frac(reps, |r| r <= 0.0),
            Dist::Sign(m) => {
                let holds = m.iter().filter(|&&v| v > 0.0 || (v == 0.0 && !strict));
                binomial_upper_tail(m.len(), holds.count())
            }
            Dist::Exact(_) => unreachable!(),
        }
    }

    /// One-sided p-value for "the margin is negative" (`<= 0` when strict).
    pub fn p_refute(&self, strict: bool) -> f64 {
        if let Some(m) = self.exact() {
            return if m < 0.0 || (m == 0.0 && strict) {
                0.0
            } else {
                1.0
            };
        }
        match self {
            Dist::T(e) => t_cdf(e.mean / e.std_err, e.df),
            Dist::Boot { reps, .. } => frac(reps, |r| r >= 0.0),
            Dist::Sign(m) => {
                let fails = m.iter().filter(|&&v| v < 0.0 || (v == 0.0 && strict));
                binomial_upper_tail(m.len(), fails.count())
            }
            Dist::Exact(_) => unreachable!(),
        }
    }

    /// One-sided lower and upper limits at confidence `conf`.
    pub fn limits(&self, conf: f64) -> (f64, f64) {
        match self {
            Dist::Exact(m) => (*m, *m),
            Dist::T(e) => e.limits(conf),
            Dist::Boot { reps, .. } => (percentile(reps, 1.0 - conf), percentile(reps, conf)),
            Dist::Sign(m) => median_limits(m, conf),
        }
    }
}

/// P(X >= k) for X ~ Binomial(n, 1/2): the sign test's p-value when k of n seeds agree.
pub fn binomial_upper_tail(n: usize, k: usize) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if k > n {
        return 0.0;
    }
    use statrs::distribution::{Binomial, DiscreteCDF};
    match Binomial::new(0.5, n as u64) {
        Ok(b) => b.sf(k as u64 - 1).clamp(0.0, 1.0),
        Err(_) => 1.0,
    }
}

/// Fewest seeds at which a sign test can reach p <= alpha (every seed agreeing).
pub fn sign_test_min_seeds(alpha: f64) -> usize {
    (1.0 / alpha).log2().ceil().max(1.0) as usize
}

/// Distribution-free one-sided limits for the median at confidence `conf`: the order
/// statistics x_(j) and x_(n+1-j) with the largest j such that P(Binomial(n, 1/2) >= j) >= conf
/// (infinite where no order statistic has that coverage: too few seeds).
pub fn median_limits(v: &[f64], conf: f64) -> (f64, f64) {
    let mut s: Vec<f64> = v.iter().copied().filter(|x| !x.is_nan()).collect();
    s.sort_by(f64::total_cmp);
    let n = s.len();
    let j = (1..=n)
        .take_while(|&j| binomial_upper_tail(n, j) >= conf)
        .last();
    match j {
        Some(j) => (s[j - 1], s[n - j]),
        None => (f64::NEG_INFINITY, f64::INFINITY),
    }
}

fn frac(v: &[f64], f: impl Fn(f64) -> bool) -> f64 {
    if v.is_empty() {
        return 1.0;
    }
    v.iter().filter(|&&x| f(x)).count() as f64 / v.len() as f64
}

/// The q-quantile of a sample (linear interpolation between order statistics).
pub fn percentile(v: &[f64], q: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let pos = q.clamp(0.0, 1.0) * (s.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    s[lo] + (s[hi] - s[lo]) * (pos - lo as f64)
}

#[cfg(test)]
mod more_tests {
    use super::*;

    /// Counted by hand: P(Bin(5, 1/2) >= 5) = 1/32, P(Bin(10, 1/2) >= 9) = 11/1024.
    #[test]
    fn sign_test_tails_by_hand() {
        assert!((binomial_upper_tail(5, 5) - 1.0 / 32.0).abs() < 1e-12);
        assert!((binomial_upper_tail(10, 9) - 11.0 / 1024.0).abs() < 1e-12);
        assert_eq!(binomial_upper_tail(3, 0), 1.0);
        assert_eq!(sign_test_min_seeds(0.05), 5);
        assert_eq!(sign_test_min_seeds(0.01), 7);
        // 10 seeds, 95%: P(Bin >= 2) = 1013/1024 covers, P(Bin >= 3) = 968/1024 does not.
        let v: Vec<f64> = (0..10).map(|i| i as f64).collect();
        assert_eq!(median_limits(&v, 0.95), (1.0, 8.0));
        assert_eq!(median_limits(&v[..4], 0.95).0, f64::NEG_INFINITY);
        // Ties at 0: they satisfy `>=` but not `>`, and refute only the strict form.
        let d = Dist::Sign(vec![0.0, 1.0, 1.0, 2.0, 3.0]);
        assert!((d.p_verify(false) - 1.0 / 32.0).abs() < 1e-12);
        assert!((d.p_verify(true) - 6.0 / 32.0).abs() < 1e-12);
        assert_eq!(d.p_refute(false), 1.0);
        assert!((d.p_refute(true) - 31.0 / 32.0).abs() < 1e-12);
    }

    #[test]
    fn holm_by_hand() {
        // p = (0.01, 0.04, 0.03), m = 3: sorted 0.01*3 = 0.03, 0.03*2 = 0.06, 0.04*1 -> max 0.06.
        let a = holm(&[0.01, 0.04, 0.03]);
        assert!((a[0] - 0.03).abs() < 1e-12);
        assert!((a[2] - 0.06).abs() < 1e-12);
        assert!((a[1] - 0.06).abs() < 1e-12);
    }

    #[test]
    fn correlations_by_hand() {
        let x = [1.0, 2.0, 3.0, 4.0, 5.0];
        let y = [2.0, 1.0, 4.0, 3.0, 5.0];
        // Spearman: d = (1,-1,1,-1,0), sum d^2 = 4, rho = 1 - 6*4/(5*24) = 0.8.
        assert!((spearman(&x, &y) - 0.8).abs() < 1e-12);
        // Kendall: 8 concordant, 2 discordant of 10 pairs -> 0.6.
        assert!((kendall(&x, &y) - 0.6).abs() < 1e-12);
        // Pearson of y on x: cov 2.0 over var 2.5 each -> 0.8.
        assert!((pearson(&x, &y) - 0.8).abs() < 1e-12);
        assert_eq!(ranks(&[3.0, 1.0, 3.0]), vec![2.5, 1.0, 2.5]);
    }

    #[test]
    fn p_values_match_intervals() {
        let d = Dist::T(one_sample(&[0.5, 0.7, 0.2, 0.9, 0.4], 0.0));
        let (lo, _) = d.limits(0.95);
        // The lower limit is above 0 exactly when the one-sided p-value is below 5%.
        assert_eq!(lo > 0.0, d.p_verify(false) < 0.05);
        let e = Dist::Exact(0.0);
        assert_eq!(e.p_verify(false), 0.0);
        assert_eq!(e.p_verify(true), 1.0);
        assert_eq!(e.p_refute(true), 0.0);
    }
}
