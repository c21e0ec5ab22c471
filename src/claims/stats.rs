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
    if df.is_infinite() {
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
