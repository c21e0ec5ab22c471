//! Deciding claims. A comparison `a OP b within d` holds when its margin (b - a + d for `<`,
//! `<=`; a - b + d for `>`, `>=`) is positive. The margin is estimated over seeds (paired by
//! seed where both sides come from the same seeds, Welch otherwise) with a one-sided interval:
//! VERIFIED when the lower limit is above 0, REFUTED when the upper limit is below 0,
//! INCONCLUSIVE otherwise. A conjunction (`and`, `forall`, a trend's consecutive steps) is
//! VERIFIED when every part is VERIFIED at the claim's level (intersection-union test), and
//! REFUTED when some part is REFUTED at the Bonferroni level 1 - (1 - level) / parts.

use std::fmt;

use super::sample::{sample, Sampled};
use super::stats::{self, Estimate};
use crate::check::{ClaimSpec, Comparison, Program, Prop, Quantity};
use crate::syntax::ast::{CmpOp, Expect};
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
    pub fn meets(self, e: Expect) -> bool {
        matches!(
            (self, e),
            (Verdict::Verified, Expect::Verified)
                | (Verdict::Refuted, Expect::Refuted)
                | (Verdict::Inconclusive, Expect::Inconclusive)
        )
    }
}

/// The evidence for one comparison.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Evidence {
    /// The sweep point or conjunct this comparison is (empty for a single comparison).
    pub label: String,
    pub text: String,
    pub op: CmpOp,
    /// Mean of each side (over seeds where it varies).
    pub lhs: f64,
    pub rhs: f64,
    /// Per-seed values of each side (empty for constants).
    pub lhs_seeds: Vec<f64>,
    pub rhs_seeds: Vec<f64>,
    /// The margin's estimate (positive means the comparison holds) and one-sided limits.
    pub margin: Option<Estimate>,
    pub lower: f64,
    pub upper: f64,
    pub method: &'static str,
    pub verdict: Verdict,
    pub reason: Option<String>,
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
    /// Why the claim is INCONCLUSIVE (or what refuted it).
    pub reason: Option<String>,
    pub evidence: Vec<Evidence>,
    /// Largest number of seeds behind any part.
    pub seeds: usize,
    /// Training time of the runs the claim depends on.
    pub seconds: f64,
}

/// Decides every claim of a program from its results.
pub fn evaluate_claims(program: &Program, results: &Results) -> Vec<ClaimResult> {
    program
        .claims
        .iter()
        .map(|c| evaluate_claim(c, program, results))
        .collect()
}

fn evaluate_claim(c: &ClaimSpec, program: &Program, results: &Results) -> ClaimResult {
    let mut evidence = Vec::new();
    let (verdict, reason) = decide(&c.prop, c, c.confidence, results, "", &mut evidence);
    let seeds = evidence
        .iter()
        .map(|e| e.lhs_seeds.len().max(e.rhs_seeds.len()))
        .max()
        .unwrap_or(0);
    let mut runs = Vec::new();
    collect_runs(&c.prop, program, &mut runs);
    let seconds = runs
        .iter()
        .filter_map(|r| results.runs.get(r.as_str()))
        .map(|r| r.train_seconds)
        .sum();
    ClaimResult {
        title: c.title.clone(),
        text: c.text.clone(),
        verdict,
        expect: c.expect,
        met: verdict.meets(c.expect),
        confidence: c.confidence,
        tolerance: c.tolerance,
        reason,
        evidence,
        seeds,
        seconds,
    }
}

fn collect_runs(p: &Prop, program: &Program, out: &mut Vec<String>) {
    fn q(x: &Quantity, program: &Program, out: &mut Vec<String>) {
        match x {
            Quantity::Estimate(i) => {
                let n = &program.estimates[*i].run.name;
                if !out.contains(n) {
                    out.push(n.clone());
                }
            }
            Quantity::Neg(a) => q(a, program, out),
            Quantity::Bin(_, a, b) => {
                q(a, program, out);
                q(b, program, out);
            }
            Quantity::Func(_, args) => args.iter().for_each(|a| q(a, program, out)),
            Quantity::Const(_) | Quantity::Truth(_) => {}
        }
    }
    match p {
        Prop::Compare(c) => {
            q(&c.lhs, program, out);
            q(&c.rhs, program, out);
        }
        Prop::All { parts, .. } => parts
            .iter()
            .for_each(|(_, p)| collect_runs(p, program, out)),
    }
}

/// Decides a proposition at confidence `conf`; pushes the evidence of each comparison.
fn decide(
    p: &Prop,
    c: &ClaimSpec,
    conf: f64,
    results: &Results,
    label: &str,
    evidence: &mut Vec<Evidence>,
) -> (Verdict, Option<String>) {
    match p {
        Prop::Compare(cmp) => {
            let ev = compare(cmp, c.tolerance, conf, results, label);
            let out = (ev.verdict, ev.reason.clone());
            evidence.push(ev);
            out
        }
        Prop::All { parts, .. } => {
            let m = parts.len().max(1) as f64;
            let strict_conf = 1.0 - (1.0 - conf) / m;
            let mut all_verified = true;
            let mut refuted_by = None;
            let mut first_reason = None;
            for (l, part) in parts {
                let lab = if label.is_empty() {
                    l.clone()
                } else {
                    format!("{label}, {l}")
                };
                let (v, reason) = decide(part, c, conf, results, &lab, evidence);
                if v != Verdict::Verified {
                    all_verified = false;
                    if first_reason.is_none() {
                        first_reason = reason.map(|r| format!("{lab}: {r}"));
                    }
                }
                if refuted_by.is_none() {
                    let (rv, _) = decide(part, c, strict_conf, results, &lab, &mut Vec::new());
                    if rv == Verdict::Refuted {
                        refuted_by = Some(lab.clone());
                    }
                }
            }
            if all_verified {
                (Verdict::Verified, None)
            } else if let Some(part) = refuted_by {
                (
                    Verdict::Refuted,
                    Some(format!(
                        "refuted at {part} (at the Bonferroni level {:.2}% over {} parts)",
                        100.0 * strict_conf,
                        parts.len()
                    )),
                )
            } else {
                (
                    Verdict::Inconclusive,
                    first_reason.or(Some("not every part is verified".into())),
                )
            }
        }
    }
}

fn seeds_of(s: &Sampled) -> Vec<f64> {
    match s {
        Sampled::Seeds(v) => v.clone(),
        Sampled::Const { .. } => Vec::new(),
    }
}

fn compare(cmp: &Comparison, tol: f64, conf: f64, results: &Results, label: &str) -> Evidence {
    let mut ev = Evidence {
        label: label.to_string(),
        text: cmp.text.clone(),
        op: cmp.op,
        lhs: f64::NAN,
        rhs: f64::NAN,
        lhs_seeds: Vec::new(),
        rhs_seeds: Vec::new(),
        margin: None,
        lower: f64::NAN,
        upper: f64::NAN,
        method: "",
        verdict: Verdict::Inconclusive,
        reason: None,
    };
    let (lhs, rhs) = match (sample(&cmp.lhs, results), sample(&cmp.rhs, results)) {
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
    // Orient so that a positive margin means the claim holds.
    let (lo_side, hi_side) = match cmp.op {
        CmpOp::Lt | CmpOp::Le => (lhs, rhs),
        CmpOp::Gt | CmpOp::Ge => (rhs, lhs),
    };
    let strict = matches!(cmp.op, CmpOp::Lt | CmpOp::Gt);
    let extra_se = (lo_side.std_err().powi(2) + hi_side.std_err().powi(2)).sqrt();
    let (est, method) = match (&lo_side, &hi_side) {
        (Sampled::Seeds(a), Sampled::Seeds(b)) if a.len() != b.len() => {
            let mut e = stats::welch(a, b);
            e.std_err = (e.std_err.powi(2) + extra_se.powi(2)).sqrt();
            (e, "Welch t")
        }
        (Sampled::Const { .. }, Sampled::Const { .. }) => {
            let m = hi_side.mean() - lo_side.mean();
            (
                Estimate {
                    mean: m,
                    std_err: extra_se,
                    df: f64::INFINITY,
                    n: 0,
                    sd: 0.0,
                },
                if extra_se > 0.0 {
                    "normal (Monte Carlo error)"
                } else {
                    "exact"
                },
            )
        }
        _ => {
            let d = hi_side.zip(lo_side, |h, l| h - l, |a, b| (a * a + b * b).sqrt());
            let Sampled::Seeds(d) = d else {
                unreachable!("one side varies over seeds")
            };
            if d.len() < 2 {
                ev.reason = Some(format!(
                    "only {} seed: an interval needs at least 2 (set `seeds:` or --seeds)",
                    d.len()
                ));
                return ev;
            }
            (stats::one_sample(&d, extra_se), "paired t")
        }
    };
    let est = Estimate {
        mean: est.mean + tol,
        ..est
    };
    let (lower, upper) = est.limits(conf);
    ev.margin = Some(est);
    ev.lower = lower;
    ev.upper = upper;
    ev.method = method;
    if !est.mean.is_finite() || lower.is_nan() {
        ev.reason = Some("the margin is not a finite number".into());
        return ev;
    }
    let holds_at_zero = !strict;
    ev.verdict = if lower > 0.0 || (lower == 0.0 && holds_at_zero && est.std_err == 0.0) {
        Verdict::Verified
    } else if upper < 0.0 || (upper == 0.0 && strict && est.std_err == 0.0) {
        Verdict::Refuted
    } else {
        Verdict::Inconclusive
    };
    if ev.verdict == Verdict::Inconclusive {
        ev.reason = Some(match est.seeds_needed(conf) {
            Some(n) if n > est.n => format!(
                "the {:.0}% interval [{lower:.4}, {upper:.4}] of the margin contains 0; about {n} seeds would likely settle it at the observed spread",
                100.0 * conf
            ),
            _ => format!(
                "the {:.0}% interval [{lower:.4}, {upper:.4}] of the margin contains 0; the difference is too small to settle",
                100.0 * conf
            ),
        });
    }
    ev
}
