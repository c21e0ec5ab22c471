//! Deciding claims (docs/semantics.md states the rules with their formulas).
//!
//! Every proposition gets two p-values: one for "it holds" (verification) and one for "it is
//! false" (refutation). A comparison's margin (positive when it holds) has a t distribution over
//! seeds (paired by seed, Welch when seed counts differ, a percentile bootstrap under
//! `--bootstrap`), from which both one-sided p-values follow. Conjunctions (`and`, `forall`,
//! trends) verify when every part does (intersection-union: the largest p) and are refuted when
//! some part is (Bonferroni over the parts); `exists` is the mirror image. Across the claims of
//! a file both families of p-values are adjusted by Holm's procedure; a claim is VERIFIED when
//! its adjusted verification p-value is at most 1 - its confidence, REFUTED when its adjusted
//! refutation p-value is, and INCONCLUSIVE otherwise, with the reason.

use std::fmt;

use rand_distr::{Distribution as _, Normal};

use super::sample::{boot_rng, resamples, sample, Ctx, Sampled};
use super::stats::{self, Dist, Estimate};
use crate::ir::{ClaimSpec, Comparison, Program, Prop, Quantity};
use crate::ir::{CmpOp, Expect};
use crate::train::Results;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Verdict {
    Verified,
    Refuted,
    Inconclusive,
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Verdict::Verified => "VERIFIED",
            Verdict::Refuted => "REFUTED",
            Verdict::Inconclusive => "INCONCLUSIVE",
        })
    }
}

impl Verdict {
    /// The verdict an expectation names.
    pub fn expected(e: Expect) -> Verdict {
        match e {
            Expect::Verified => Verdict::Verified,
            Expect::Refuted => Verdict::Refuted,
            Expect::Inconclusive => Verdict::Inconclusive,
        }
    }

    pub fn meets(self, e: Expect) -> bool {
        self == Verdict::expected(e)
    }

    /// ✓, ✗ or ?, as the reports mark verdicts.
    pub fn symbol(self) -> &'static str {
        match self {
            Verdict::Verified => "✓",
            Verdict::Refuted => "✗",
            Verdict::Inconclusive => "?",
        }
    }
}

/// How verdicts are computed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// Seeds the bootstrap streams (the file seed).
    pub seed: u64,
    /// `--bootstrap N`: percentile-bootstrap intervals for margins instead of Student t.
    pub bootstrap: Option<usize>,
    /// Adjust across the claims of a file with Holm's procedure.
    pub holm: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            seed: 0,
            bootstrap: None,
            holm: true,
        }
    }
}

/// The evidence for one comparison.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Evidence {
    /// The sweep point or conjunct this is (empty for a single comparison).
    pub label: String,
    pub text: String,
    pub op: CmpOp,
    /// Mean of each side (over seeds where it varies).
    pub lhs: f64,
    pub rhs: f64,
    /// Per-seed values of each side (empty for constants and statistics).
    pub lhs_seeds: Vec<f64>,
    pub rhs_seeds: Vec<f64>,
    /// The margin's point estimate (for `==`: lhs - rhs) and its one-sided limits at the
    /// claim's level (for `==` together a two-sided interval at 1 - 2 alpha).
    pub margin: f64,
    pub lower: f64,
    pub upper: f64,
    /// Seeds behind the margin (0 for constants).
    pub n: usize,
    pub method: String,
    pub p_verify: f64,
    pub p_refute: f64,
    pub reason: Option<String>,
    /// The standard deviation of the margin over seeds, for the "seeds needed" estimate.
    #[serde(skip)]
    estimate: Option<Estimate>,
    /// For a sign test (statistics of curves): the seeds whose own value satisfies the
    /// comparison, and the seeds in all.
    pub sign_counts: Option<(usize, usize)>,
}

impl Evidence {
    /// " at LABEL" for a part of a compound claim, empty for a single comparison.
    fn at_label(&self) -> String {
        if self.label.is_empty() {
            String::new()
        } else {
            format!(" at {}", self.label)
        }
    }

    /// Evidence with no numbers yet: nothing verified, nothing refuted.
    fn empty(label: &str, text: String, op: CmpOp, method: &str) -> Self {
        Evidence {
            label: label.to_string(),
            text,
            op,
            lhs: f64::NAN,
            rhs: f64::NAN,
            lhs_seeds: Vec::new(),
            rhs_seeds: Vec::new(),
            margin: f64::NAN,
            lower: f64::NAN,
            upper: f64::NAN,
            n: 0,
            method: method.to_string(),
            p_verify: 1.0,
            p_refute: 1.0,
            reason: None,
            estimate: None,
            sign_counts: None,
        }
    }
}

/// A decided claim.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ClaimResult {
    pub title: String,
    pub text: String,
    pub verdict: Verdict,
    pub expect: Expect,
    /// Whether the verdict is what the claim expected.
    pub met: bool,
    pub confidence: f64,
    pub tolerance: f64,
    /// Raw p-values for "holds" and "is false", and the same after Holm's adjustment.
    pub p_verify: f64,
    pub p_refute: f64,
    pub p_verify_adjusted: f64,
    pub p_refute_adjusted: f64,
    /// Why the claim is INCONCLUSIVE (or what refuted it).
    pub reason: Option<String>,
    pub evidence: Vec<Evidence>,
    /// Largest number of seeds behind any part.
    pub seeds: usize,
    /// Training time of the runs the claim depends on.
    pub seconds: f64,
}

/// Two p-values and, where one is missing, why.
#[derive(Debug, Clone)]
struct Tested {
    p_verify: f64,
    p_refute: f64,
    reason: Option<String>,
    /// The part that refutes a conjunction.
    refuted_by: Option<String>,
}

/// Decides every claim of a program from its results.
pub fn evaluate_claims(
    program: &Program,
    results: &Results,
    settings: &Settings,
) -> Vec<ClaimResult> {
    let ctx = Ctx {
        results,
        seed: settings.seed,
    };
    let mut out: Vec<ClaimResult> = program
        .claims
        .iter()
        .map(|c| evaluate_claim(c, program, &ctx, settings))
        .collect();
    let (pv, pr): (Vec<f64>, Vec<f64>) = out.iter().map(|c| (c.p_verify, c.p_refute)).unzip();
    let (av, ar) = if settings.holm {
        (stats::holm(&pv), stats::holm(&pr))
    } else {
        (pv, pr)
    };
    let m = out.len();
    for (i, c) in out.iter_mut().enumerate() {
        c.p_verify_adjusted = av[i];
        c.p_refute_adjusted = ar[i];
        let alpha = 1.0 - c.confidence;
        c.verdict = if av[i] <= alpha {
            Verdict::Verified
        } else if ar[i] <= alpha {
            Verdict::Refuted
        } else {
            Verdict::Inconclusive
        };
        c.met = c.verdict.meets(c.expect);
        c.reason = match c.verdict {
            Verdict::Verified => None,
            Verdict::Refuted => c.reason.take(),
            Verdict::Inconclusive => Some(inconclusive_reason(c, alpha, m)),
        };
    }
    out
}

fn inconclusive_reason(c: &ClaimResult, alpha: f64, m: usize) -> String {
    if let Some(r) = c.evidence.iter().find_map(|e| e.reason.clone()) {
        return r;
    }
    if c.p_verify <= alpha {
        return format!(
            "verified at the raw level (p = {:.4}) but not after Holm's adjustment over {m} claims (p = {:.4}); more seeds would settle it",
            c.p_verify, c.p_verify_adjusted
        );
    }
    if c.p_refute <= alpha {
        return format!(
            "refuted at the raw level (p = {:.4}) but not after Holm's adjustment over {m} claims (p = {:.4}); more seeds would settle it",
            c.p_refute, c.p_refute_adjusted
        );
    }
    // The least settled comparison: the one whose interval straddles 0 the most.
    let worst = c.evidence.iter().max_by(|a, b| {
        a.p_verify
            .min(a.p_refute)
            .total_cmp(&b.p_verify.min(b.p_refute))
    });
    if let Some((e, (holds, n))) = worst.and_then(|e| e.sign_counts.map(|s| (e, s))) {
        return sign_reason(e, holds, n, alpha / m.max(1) as f64);
    }
    match worst {
        Some(e) if e.op == CmpOp::Eq => {
            let at = e.at_label();
            if e.lower > 0.0 || e.upper < 0.0 {
                // The difference is not noise around 0: more seeds narrow the interval around
                // a bias, which they do not remove.
                format!(
                    "the interval [{:+.4}, {:+.4}] of the difference{at} excludes 0 but overlaps the tolerance: a systematic bias of about {:+.4}, which more seeds would measure more precisely but not remove",
                    e.lower,
                    e.upper,
                    0.5 * (e.lower + e.upper)
                )
            } else {
                format!(
                    "the interval [{:+.4}, {:+.4}] of the difference{at} is not inside the tolerance, nor clearly outside it; more seeds would narrow it",
                    e.lower, e.upper
                )
            }
        }
        // Every part settled on its own, but a union over the parts (`exists`, `peak`) pays
        // a Bonferroni factor: the interval of the least settled part excludes 0.
        Some(e) if c.evidence.len() > 1 && (e.lower > 0.0 || e.upper < 0.0) => format!(
            "each part's interval excludes 0 on its own (the least settled{}: [{:+.4}, {:+.4}]), but combined over the {} parts the claim reaches p = {:.4} for holding and {:.4} for failing (Bonferroni over the alternatives of `exists` or `peak`); more seeds would settle it",
            e.at_label(),
            e.lower,
            e.upper,
            c.evidence.len(),
            c.p_verify,
            c.p_refute
        ),
        Some(e) => {
            let needed = e
                .estimate
                .and_then(|est| est.seeds_needed(1.0 - alpha / m.max(1) as f64));
            let at = e.at_label();
            match needed {
                Some(n) if n > e.n => format!(
                    "the interval [{:+.4}, {:+.4}] of the margin{at} contains 0; about {n} seeds would likely settle it at the observed spread",
                    e.lower, e.upper
                ),
                _ if e.n == 0 => format!(
                    "the interval [{:+.4}, {:+.4}]{at} contains 0",
                    e.lower, e.upper
                ),
                _ => format!(
                    "the interval [{:+.4}, {:+.4}] of the margin{at} contains 0; the difference is too small to settle with these seeds",
                    e.lower, e.upper
                ),
            }
        }
        None => "no evidence".into(),
    }
}

/// Why a sign test (a statistic of curves) settled nothing: too few seeds to reach the level
/// even if all agreed, or a share of agreeing seeds too close to one half.
fn sign_reason(e: &Evidence, holds: usize, n: usize, alpha: f64) -> String {
    let at = e.at_label();
    let least = stats::sign_test_min_seeds(alpha);
    if n < least {
        return format!(
            "{holds} of {n} seeds satisfy it{at}; a statistic of curves is tested by the share of seeds whose own curve satisfies it (a sign test), which cannot reach p <= {alpha:.3} with {n} seeds even if all agree: at least {least} are needed"
        );
    }
    // Seeds at which the observed share would settle it (normal approximation to the
    // binomial: (2 share - 1) sqrt(k) reaches the one-sided normal quantile).
    let share = holds.max(n - holds) as f64 / n as f64;
    if share <= 0.5 {
        return format!(
            "{holds} of {n} seeds satisfy it{at} (a sign test): half of them, which more seeds may not settle"
        );
    }
    let z = stats::quantile(1.0 - alpha, f64::INFINITY);
    let k = (z / (2.0 * share - 1.0)).powi(2).ceil() as usize;
    format!(
        "{holds} of {n} seeds satisfy it{at} (a sign test); at this share about {} seeds would settle it",
        k.max(n + 1)
    )
}

fn evaluate_claim(c: &ClaimSpec, program: &Program, ctx: &Ctx, settings: &Settings) -> ClaimResult {
    let mut evidence = Vec::new();
    let t = decide(&c.prop, c, ctx, settings, "", &mut evidence);
    let seeds = evidence
        .iter()
        .map(|e| e.lhs_seeds.len().max(e.rhs_seeds.len()).max(e.n))
        .max()
        .unwrap_or(0);
    let mut runs = Vec::new();
    collect_runs(&c.prop, program, &mut runs);
    let seconds = runs
        .iter()
        .filter_map(|r| ctx.results.runs.get(r.as_str()))
        .map(|r| r.train_seconds)
        .fold(0.0, |a, b| a + b);
    ClaimResult {
        title: c.title.clone(),
        text: c.text.clone(),
        verdict: Verdict::Inconclusive,
        expect: c.expect,
        met: false,
        confidence: c.confidence,
        tolerance: c.tolerance,
        p_verify: t.p_verify,
        p_refute: t.p_refute,
        p_verify_adjusted: t.p_verify,
        p_refute_adjusted: t.p_refute,
        reason: t.refuted_by.map(|p| format!("refuted at {p}")),
        evidence,
        seeds,
        seconds,
    }
}

fn collect_runs(p: &Prop, program: &Program, out: &mut Vec<String>) {
    fn q(x: &Quantity, program: &Program, out: &mut Vec<String>) {
        match x {
            Quantity::Probe(i) => {
                if let crate::ir::ProbeSource::Run(r) = &program.probes[*i].source {
                    if !out.contains(&r.name) {
                        out.push(r.name.clone());
                    }
                }
            }
            Quantity::Estimate(i) => {
                let n = &program.estimates[*i].run.name;
                if !out.contains(n) {
                    out.push(n.clone());
                }
            }
            Quantity::Neg(a) | Quantity::SeedSd(a) => q(a, program, out),
            Quantity::Bin(_, a, b) => {
                q(a, program, out);
                q(b, program, out);
            }
            Quantity::Func(_, args) | Quantity::Aggregate(_, args) => {
                args.iter().for_each(|a| q(a, program, out))
            }
            Quantity::Statistic(_, a, b) => {
                a.points.iter().for_each(|p| q(p, program, out));
                if let Some(b) = b {
                    b.points.iter().for_each(|p| q(p, program, out));
                }
            }
            Quantity::Const(_) | Quantity::Truth(..) => {}
        }
    }
    match p {
        Prop::Compare(c) => {
            q(&c.lhs, program, out);
            q(&c.rhs, program, out);
        }
        Prop::All { parts, .. } | Prop::Any { parts, .. } => parts
            .iter()
            .for_each(|(_, p)| collect_runs(p, program, out)),
    }
}

fn join_label(outer: &str, inner: &str) -> String {
    if outer.is_empty() {
        inner.to_string()
    } else {
        format!("{outer}, {inner}")
    }
}

/// Tests a proposition; pushes the evidence of each comparison.
fn decide(
    p: &Prop,
    c: &ClaimSpec,
    ctx: &Ctx,
    settings: &Settings,
    label: &str,
    evidence: &mut Vec<Evidence>,
) -> Tested {
    match p {
        Prop::Compare(cmp) => {
            let ev = compare(cmp, c, ctx, settings, label);
            let t = Tested {
                p_verify: ev.p_verify,
                p_refute: ev.p_refute,
                reason: ev.reason.clone(),
                refuted_by: None,
            };
            evidence.push(ev);
            t
        }
        Prop::All { parts, .. } | Prop::Any { parts, .. } => {
            let all = matches!(p, Prop::All { .. });
            let m = parts.len().max(1) as f64;
            let tested: Vec<(String, Tested)> = parts
                .iter()
                .map(|(l, part)| {
                    let lab = join_label(label, l);
                    let t = decide(part, c, ctx, settings, &lab, evidence);
                    (lab, t)
                })
                .collect();
            let max = |f: fn(&Tested) -> f64| tested.iter().map(|(_, t)| f(t)).fold(0.0, f64::max);
            let min_at = |f: fn(&Tested) -> f64| {
                tested
                    .iter()
                    .min_by(|a, b| f(&a.1).total_cmp(&f(&b.1)))
                    .map(|(l, t)| (l.clone(), f(t)))
                    .unwrap_or_default()
            };
            let reason = tested
                .iter()
                .find_map(|(l, t)| t.reason.as_ref().map(|r| format!("{l}: {r}")));
            if all {
                // Intersection-union for "every part holds"; Bonferroni for "some part fails".
                let (part, p_min) = min_at(|t| t.p_refute);
                Tested {
                    p_verify: max(|t| t.p_verify),
                    p_refute: (m * p_min).min(1.0),
                    reason,
                    refuted_by: Some(part),
                }
            } else {
                let (_, p_min) = min_at(|t| t.p_verify);
                Tested {
                    p_verify: (m * p_min).min(1.0),
                    p_refute: max(|t| t.p_refute),
                    reason,
                    refuted_by: None,
                }
            }
        }
    }
}

fn seeds_of(s: &Sampled) -> Vec<f64> {
    match s {
        Sampled::Seeds(v) => v.clone(),
        _ => Vec::new(),
    }
}

/// The distribution of `hi - lo`: paired t when both vary over the same seeds, Welch when their
/// seed counts differ, exact for constants, bootstrap for statistics or under `--bootstrap`.
fn difference(
    hi: &Sampled,
    lo: &Sampled,
    ctx: &Ctx,
    settings: &Settings,
    text: &str,
) -> Result<(Dist, &'static str, Option<Estimate>), String> {
    let extra_se = (hi.std_err().powi(2) + lo.std_err().powi(2)).sqrt();
    let mut rng = boot_rng(ctx, text);
    let noise = |rng: &mut rand_chacha::ChaCha8Rng| -> f64 {
        if extra_se > 0.0 {
            Normal::new(0.0, extra_se)
                .map(|n| n.sample(rng))
                .unwrap_or(0.0)
        } else {
            0.0
        }
    };
    match (hi, lo) {
        (Sampled::Statistic(_), _) | (_, Sampled::Statistic(_)) => {
            let d = hi.clone().zip(lo.clone(), |a, b| a - b, |a, b| a.max(b))?;
            let Sampled::Statistic(d) = d else {
                unreachable!("a statistic on either side gives per-seed statistics")
            };
            Ok((Dist::Sign(d), "sign test over seeds", None))
        }
        (Sampled::Const { .. }, Sampled::Const { .. }) => {
            let m = hi.mean() - lo.mean();
            if extra_se > 0.0 {
                let e = Estimate {
                    mean: m,
                    std_err: extra_se,
                    df: f64::INFINITY,
                    n: 0,
                    sd: 0.0,
                };
                Ok((
                    Dist::T(e),
                    "normal (standard errors of the constants)",
                    None,
                ))
            } else {
                Ok((Dist::Exact(m), "exact", None))
            }
        }
        (Sampled::Seeds(a), Sampled::Seeds(b)) if a.len() != b.len() => {
            let mut e = stats::welch(b, a);
            e.std_err = (e.std_err.powi(2) + extra_se.powi(2)).sqrt();
            if let Some(reps) = settings.bootstrap {
                let ra = resamples(a.len(), reps, &mut rng);
                let rb = resamples(b.len(), reps, &mut rng);
                let mean = |v: &[f64], idx: &[usize]| {
                    idx.iter().map(|&i| v[i]).sum::<f64>() / idx.len() as f64
                };
                let reps = ra
                    .iter()
                    .zip(&rb)
                    .map(|(ia, ib)| mean(a, ia) - mean(b, ib) + noise(&mut rng))
                    .collect();
                return Ok((
                    Dist::Boot {
                        point: e.mean,
                        reps,
                    },
                    "bootstrap (unpaired)",
                    Some(e),
                ));
            }
            Ok((Dist::T(e), "Welch t", Some(e)))
        }
        _ => {
            let d = hi
                .clone()
                .zip(lo.clone(), |h, l| h - l, |a, b| (a * a + b * b).sqrt())?;
            let Sampled::Seeds(d) = d else {
                unreachable!("one side varies over seeds")
            };
            if d.len() < 2 {
                return Err(format!(
                    "only {} seed: an interval needs at least 2 (set `seeds:` or --seeds)",
                    d.len()
                ));
            }
            let e = stats::one_sample(&d, extra_se);
            if let Some(reps) = settings.bootstrap {
                let reps = resamples(d.len(), reps, &mut rng)
                    .iter()
                    .map(|idx| {
                        idx.iter().map(|&i| d[i]).sum::<f64>() / d.len() as f64 + noise(&mut rng)
                    })
                    .collect();
                return Ok((
                    Dist::Boot {
                        point: e.mean,
                        reps,
                    },
                    "bootstrap (paired)",
                    Some(e),
                ));
            }
            Ok((Dist::T(e), "paired t", Some(e)))
        }
    }
}

fn compare(
    cmp: &Comparison,
    c: &ClaimSpec,
    ctx: &Ctx,
    settings: &Settings,
    label: &str,
) -> Evidence {
    let mut ev = Evidence::empty(label, cmp.text.clone(), cmp.op, "");
    let (lhs, rhs) = match (sample(&cmp.lhs, ctx), sample(&cmp.rhs, ctx)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => {
            ev.reason = Some(e);
            return ev;
        }
    };
    ev.lhs = lhs.mean();
    ev.rhs = rhs.mean();
    ev.lhs_seeds = seeds_of(&lhs);
    ev.rhs_seeds = seeds_of(&rhs);
    let tolerance = cmp.tolerance.unwrap_or(c.tolerance);
    let tol = tolerance * cmp.tol_sign;
    let key = format!("{label}|{}", cmp.text);
    // Orient so that a positive margin means the claim holds.
    let (hi, lo) = match cmp.op {
        CmpOp::Lt | CmpOp::Le => (&rhs, &lhs),
        CmpOp::Gt | CmpOp::Ge | CmpOp::Eq => (&lhs, &rhs),
    };
    let (dist, method, est) = match difference(hi, lo, ctx, settings, &key) {
        Ok(d) => d,
        Err(reason) => {
            ev.reason = Some(reason);
            return ev;
        }
    };
    ev.n = est.map(|e| e.n).unwrap_or(0);
    ev.estimate = est;
    if let Dist::Sign(d) = &dist {
        // Seeds whose own statistic satisfies the comparison.
        let strict = matches!(cmp.op, CmpOp::Lt | CmpOp::Gt);
        let holds = |v: &&f64| match cmp.op {
            CmpOp::Eq => v.abs() <= tolerance,
            _ => **v + tol > 0.0 || (**v + tol == 0.0 && !strict),
        };
        ev.n = d.len();
        ev.sign_counts = Some((d.iter().filter(holds).count(), d.len()));
    }
    if !dist.mean().is_finite() {
        ev.reason = Some("the margin is not a finite number".into());
        return ev;
    }
    if cmp.op == CmpOp::Eq {
        // Two one-sided tests: lhs - rhs > -d and lhs - rhs < d.
        let lower = dist.shift(tolerance);
        let upper = dist.negate().shift(tolerance);
        ev.p_verify = lower.p_verify(false).max(upper.p_verify(false));
        ev.p_refute = (2.0 * lower.p_refute(false).min(upper.p_refute(false))).min(1.0);
        let (lo_lim, hi_lim) = dist.limits(c.confidence);
        ev.margin = dist.mean();
        ev.lower = lo_lim;
        ev.upper = hi_lim;
        ev.method = format!("TOST, {method}");
        return ev;
    }
    let strict = matches!(cmp.op, CmpOp::Lt | CmpOp::Gt);
    let margin = dist.shift(tol);
    ev.p_verify = margin.p_verify(strict);
    ev.p_refute = margin.p_refute(strict);
    let (lo_lim, hi_lim) = margin.limits(c.confidence);
    ev.margin = margin.mean();
    ev.lower = lo_lim;
    ev.upper = hi_lim;
    ev.method = method.to_string();
    ev
}
