//! The terminal report: one block per claim with its verdict, the estimate and interval behind
//! it, the seeds, and the time its runs took.

use std::fmt::Write as _;

use super::Report;
use crate::syntax::ast::CmpOp;
use crate::verdicts::{ClaimResult, Evidence, Verdict};

fn fmt_secs(s: f64) -> String {
    if s >= 60.0 {
        format!("{}m{:02}s", (s / 60.0) as u64, (s % 60.0).round() as u64)
    } else {
        format!("{s:.1}s")
    }
}

fn side(mean: f64, seeds: &[f64]) -> String {
    if seeds.is_empty() {
        format!("{mean:.4}")
    } else {
        let (_, sd) = crate::verdicts::stats::mean_sd(seeds);
        format!("{mean:.4} (sd {sd:.4})")
    }
}

fn evidence_line(e: &Evidence, conf: f64) -> String {
    let mut s = String::new();
    if !e.label.is_empty() {
        let _ = write!(s, "{}: ", e.label);
    }
    if e.margin.is_nan() {
        let _ = write!(s, "{}", e.reason.as_deref().unwrap_or("no estimate"));
        return s;
    }
    let seeds = if e.n > 0 {
        format!(", {} seeds", e.n)
    } else {
        String::new()
    };
    if let Some((holds, n)) = e.sign_counts {
        // A statistic of curves: per-seed values, tested by the share that satisfies it.
        let _ = write!(
            s,
            "{} {} {}; {holds} of {n} seeds satisfy it; median margin {:+.4}, {:.0}% limits [{:+.4}, {:+.4}] (sign test; p={})",
            side(e.lhs, &[]),
            e.op.symbol(),
            side(e.rhs, &[]),
            e.margin,
            100.0 * if e.op == CmpOp::Eq { 2.0 * conf - 1.0 } else { conf },
            e.lower,
            e.upper,
            fmt_p(e.p_verify.min(e.p_refute))
        );
        return s;
    }
    match e.op {
        CmpOp::Eq => {
            let _ = write!(
                s,
                "{} == {}; difference {:+.4}, {:.0}% two-sided [{:+.4}, {:+.4}] ({}{seeds}; p={})",
                side(e.lhs, &e.lhs_seeds),
                side(e.rhs, &e.rhs_seeds),
                e.margin,
                100.0 * (2.0 * conf - 1.0),
                e.lower,
                e.upper,
                e.method,
                fmt_p(e.p_verify)
            );
        }
        op => {
            let _ = write!(
                s,
                "{} {} {}; margin {:+.4}, {:.0}% one-sided [{:+.4}, {:+.4}] ({}{seeds}; p={})",
                side(e.lhs, &e.lhs_seeds),
                op.symbol(),
                side(e.rhs, &e.rhs_seeds),
                e.margin,
                100.0 * conf,
                e.lower,
                e.upper,
                e.method,
                fmt_p(e.p_verify.min(e.p_refute))
            );
        }
    }
    s
}

fn fmt_p(p: f64) -> String {
    if p < 1e-4 {
        "<0.0001".into()
    } else {
        format!("{p:.4}")
    }
}

fn claim_block(out: &mut String, c: &ClaimResult) {
    let mark = if c.met { "ok  " } else { "FAIL" };
    let expect = if c.expect != crate::syntax::ast::Expect::Verified {
        format!("  (expected {})", c.expect)
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "{mark} {:<13} {}{expect}",
        c.verdict.to_string(),
        c.title
    );
    let _ = writeln!(out, "                   {}", c.text);
    let shown = 6;
    for e in c.evidence.iter().take(shown) {
        let _ = writeln!(out, "                   {}", evidence_line(e, c.confidence));
    }
    if c.evidence.len() > shown {
        let _ = writeln!(
            out,
            "                   ... and {} more comparisons",
            c.evidence.len() - shown
        );
    }
    if let Some(r) = &c.reason {
        if c.verdict != Verdict::Verified {
            let _ = writeln!(out, "                   why: {r}");
        }
    }
    let _ = writeln!(
        out,
        "                   {} seeds, {:.0}% confidence{}; p(holds) {} (Holm {}), p(false) {} (Holm {}); runs trained in {}",
        c.seeds,
        100.0 * c.confidence,
        if c.tolerance > 0.0 {
            format!(", within {}", c.tolerance)
        } else {
            String::new()
        },
        fmt_p(c.p_verify),
        fmt_p(c.p_verify_adjusted),
        fmt_p(c.p_refute),
        fmt_p(c.p_refute_adjusted),
        fmt_secs(c.seconds)
    );
}

/// One line on what a run did: its training speed, or its estimator's time.
fn describe_run(run: &crate::train::RunOutcome) -> String {
    if !run.trains {
        return format!(
            "{} seeds x {} samples, {:.2} s per seed",
            run.seeds,
            run.batch,
            run.train_seconds / run.seeds.max(1) as f64
        );
    }
    let failed = if run.failures.is_empty() {
        String::new()
    } else {
        format!(", {} seed(s) failed", run.failures.len())
    };
    if run.steps_done == 0 && run.failures.is_empty() {
        return format!(
            "{} seeds, a critic without parameters (not trained), batch {}",
            run.seeds, run.batch
        );
    }
    let stopped = if run.early_stops.is_empty() {
        String::new()
    } else {
        let at: Vec<String> = run
            .early_stops
            .iter()
            .map(|(seed, step)| format!("seed {seed} at step {step}"))
            .collect();
        format!(", stopped early ({})", at.join(", "))
    };
    let rate = match run.steps_per_second() {
        r if r >= 10.0 => format!("{r:.0}"),
        r => format!("{r:.2}"),
    };
    format!(
        "{} seeds x {} steps at batch {}, {rate} steps/s{stopped}{failed}",
        run.seeds, run.steps, run.batch
    )
}

/// The report for one file.
pub fn render_terminal(r: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}  (seed {}, device {}{})",
        r.file,
        r.seed,
        r.device,
        if r.quick { ", quick" } else { "" }
    );
    for (name, source) in &r.data_sources {
        let _ = writeln!(out, "  data {name}: {source}");
    }
    for (name, run) in &r.runs {
        let _ = writeln!(out, "  run {name}: {}", describe_run(run));
    }
    if !r.unused_runs.is_empty() {
        let _ = writeln!(
            out,
            "  not trained (no claim uses them): {}",
            r.unused_runs.join(", ")
        );
    }
    let _ = writeln!(out);
    for c in &r.claims {
        claim_block(&mut out, c);
    }
    let _ = writeln!(
        out,
        "\n{}: {} of {} claims met their expectation in {}",
        r.file,
        r.met(),
        r.claims.len(),
        fmt_secs(r.seconds)
    );
    out
}

/// The closing line of a run or a suite: `result: N passed, M failed`.
pub fn summary_line(passed: usize, failed: usize) -> String {
    format!("result: {passed} passed, {failed} failed")
}

/// `mica check -v`: each run a claim needs, with its jobs, estimated peak memory per job,
/// work and time on one core (from the declared sizes; see `ir::cost`).
pub fn cost_table(program: &crate::ir::Program) -> String {
    use crate::ir::{fmt_bytes, fmt_seconds, FLOPS_PER_SECOND};
    let costs = program.run_costs();
    if costs.is_empty() {
        return String::new();
    }
    let width = costs
        .iter()
        .map(|(r, _)| r.name.chars().count())
        .max()
        .unwrap_or(0)
        .clamp(3, 48);
    let mut out = format!(
        "  {:<width$}  {:>5}  {:>10}  {:>9}  {:>12}\n",
        "run", "jobs", "memory/job", "flop", "time, 1 core"
    );
    let mut total = 0.0;
    for (run, cost) in &costs {
        let mut name: String = run.name.chars().take(width).collect();
        if run.name.chars().count() > width {
            name.pop();
            name.push('~');
        }
        out += &format!(
            "  {:<width$}  {:>5}  {:>10}  {:>9.1e}  {:>12}\n",
            name,
            cost.jobs,
            fmt_bytes(cost.bytes),
            cost.flops,
            fmt_seconds(cost.seconds())
        );
        total += cost.seconds();
    }
    out += &format!(
        "  about {} in all on one core (estimated at {FLOPS_PER_SECOND:.0e} flop/s; evaluations counted at their most batches)\n",
        fmt_seconds(total)
    );
    out
}

/// What an interrupted file finished: per run, the seeds that completed and those that did
/// not. Nothing about claims: their evidence is incomplete.
pub fn interrupted_summary(r: &Report) -> String {
    let mut out = format!("{}: interrupted after {:.1}s\n", r.file, r.seconds);
    for (name, run) in &r.runs {
        let done = run.seeds - run.unfinished.len();
        let seeds = |v: &[usize]| {
            v.iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let finished: Vec<usize> = (0..run.seeds)
            .filter(|s| !run.unfinished.contains(s))
            .collect();
        out += &format!(
            "  {name}: {done} of {} seeds finished{}\n",
            run.seeds,
            if finished.is_empty() {
                String::new()
            } else {
                format!(" (seeds {})", seeds(&finished))
            }
        );
    }
    out
}
