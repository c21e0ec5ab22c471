//! The terminal report: a summary table first (one row per claim: mark, verdict, title, the
//! compared values with their interval, seeds), then the details of the claims that missed
//! their expectation (of all with `-v`): why, the evidence, the p-values and the seeds.
//! Readable without colour; coloured on a terminal unless NO_COLOR is set.

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

/// The mark and verdict of a claim: "ok  " or "FAIL", a symbol, and the verdict, coloured by
/// verdict when `colour`.
fn verdict_cell(c: &ClaimResult, colour: bool) -> String {
    let mark = if c.met { "ok  " } else { "FAIL" };
    let code = match c.verdict {
        Verdict::Verified => "32",
        Verdict::Refuted => "31",
        Verdict::Inconclusive => "33",
    };
    let cell = format!("{} {:<12}", c.verdict.symbol(), c.verdict.to_string());
    if colour {
        format!("{mark} \x1b[{code}m{cell}\x1b[0m")
    } else {
        format!("{mark} {cell}")
    }
}

/// The compared values of a claim in a few words: one comparison's sides and the interval of
/// its margin (of the difference for `==`), or how many comparisons a compound claim made.
fn compared(c: &ClaimResult) -> String {
    match c.evidence.as_slice() {
        // A reason can be long; the details (-v) carry it whole.
        [e] if e.margin.is_nan() => {
            fit(e.reason.as_deref().unwrap_or("no estimate"), COMPARED_WIDTH)
        }
        [e] => format!(
            "{:.4} {} {:.4}, {} [{:+.4}, {:+.4}]",
            e.lhs,
            e.op.symbol(),
            e.rhs,
            if e.op == CmpOp::Eq { "diff" } else { "margin" },
            e.lower,
            e.upper
        ),
        parts => format!("{} comparisons", parts.len()),
    }
}

/// "5 seeds", or "constants" for a claim about numbers known without seeds.
fn seeds_cell(c: &ClaimResult) -> String {
    match c.seeds {
        0 => "constants".into(),
        1 => "1 seed".into(),
        n => format!("{n} seeds"),
    }
}

/// Cuts `s` to at most `width` characters, marking a cut with an ellipsis.
fn fit(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        return s.to_string();
    }
    let mut out: String = s.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Widest title column of the summary table.
const TITLE_WIDTH: usize = 56;

/// Widest reason shown in the summary table's compared column (the number form is at most
/// about 50 characters), so that a row fits a terminal of about 150 columns.
const COMPARED_WIDTH: usize = 52;

/// One row per claim: mark and verdict, title (with a different expectation noted), compared
/// values, seeds.
pub fn summary_table(r: &Report, colour: bool) -> String {
    let title = |c: &ClaimResult| {
        if c.expect == crate::syntax::ast::Expect::Verified {
            c.title.clone()
        } else {
            format!("{} (expected {})", c.title, Verdict::expected(c.expect))
        }
    };
    let width = r
        .claims
        .iter()
        .map(|c| title(c).chars().count())
        .max()
        .unwrap_or(0)
        .min(TITLE_WIDTH);
    let mut out = String::new();
    for c in &r.claims {
        let t = fit(&title(c), width);
        let pad = width - t.chars().count();
        let _ = writeln!(
            out,
            "{}  {t}{}  {}  ({})",
            verdict_cell(c, colour),
            " ".repeat(pad),
            compared(c),
            seeds_cell(c)
        );
    }
    out
}

/// The p-values of a claim: raw, and after Holm's adjustment where that changed them.
fn p_values(c: &ClaimResult) -> String {
    let one = |raw: f64, adjusted: f64| {
        if adjusted > raw {
            format!("{}, {} after Holm", fmt_p(raw), fmt_p(adjusted))
        } else {
            fmt_p(raw)
        }
    };
    format!(
        "p(holds) {}; p(false) {}",
        one(c.p_verify, c.p_verify_adjusted),
        one(c.p_refute, c.p_refute_adjusted)
    )
}

/// A claim's details: its text, why it is not VERIFIED, the evidence, then seeds, level,
/// p-values and the time its runs took.
fn claim_block(out: &mut String, c: &ClaimResult, colour: bool) {
    let _ = writeln!(out, "{}  {}", verdict_cell(c, colour), c.title);
    let indent = "                   ";
    let _ = writeln!(out, "{indent}{}", c.text);
    if let Some(r) = &c.reason {
        if c.verdict != Verdict::Verified {
            let _ = writeln!(out, "{indent}why: {r}");
        }
    }
    let shown = 6;
    for e in c.evidence.iter().take(shown) {
        let _ = writeln!(out, "{indent}{}", evidence_line(e, c.confidence));
    }
    if c.evidence.len() > shown {
        let _ = writeln!(
            out,
            "{indent}... and {} more comparisons",
            c.evidence.len() - shown
        );
    }
    let runs = if c.seeds == 0 {
        String::new()
    } else {
        format!("; runs trained in {}", fmt_secs(c.seconds))
    };
    let _ = writeln!(
        out,
        "{indent}{}, {:.0}% confidence{}; {}{runs}",
        seeds_cell(c),
        100.0 * c.confidence,
        if c.tolerance > 0.0 {
            format!(", within {}", c.tolerance)
        } else {
            String::new()
        },
        p_values(c),
    );
}

/// ", 3 from the cache" (or all) for a run some of whose seeds the cache supplied.
fn from_cache(run: &crate::train::RunOutcome) -> String {
    match run.cached.len() {
        0 => String::new(),
        n if n == run.seeds => ", all from the cache".to_string(),
        n => format!(", {n} from the cache"),
    }
}

/// One line on what a run did: its training speed, or its estimator's time.
pub(super) fn describe_run(run: &crate::train::RunOutcome) -> String {
    if !run.trains {
        return format!(
            "{} seeds x {} samples, {:.2} s per seed{}",
            run.seeds,
            run.batch,
            run.train_seconds / run.seeds.max(1) as f64,
            from_cache(run)
        );
    }
    let cached = from_cache(run);
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
        "{} seeds x {} steps at batch {}, {rate} steps/s{stopped}{failed}{cached}",
        run.seeds, run.steps, run.batch
    )
}

/// How much the terminal report shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    /// The header and the summary table (`-q`).
    Summary,
    /// Also the runs, and the details of claims that missed their expectation (default).
    Failures,
    /// The details of every claim (`-v`).
    All,
}

/// Terminal settings: how much to show, and whether to colour it.
#[derive(Debug, Clone, Copy)]
pub struct Terminal {
    pub detail: Detail,
    pub colour: bool,
}

impl Default for Terminal {
    fn default() -> Self {
        Terminal {
            detail: Detail::Failures,
            colour: false,
        }
    }
}

/// Colour when standard output is a terminal, NO_COLOR is unset and TERM is not `dumb`.
pub fn colour_wanted() -> bool {
    use std::io::IsTerminal as _;
    std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::env::var("TERM").map_or(true, |t| t != "dumb")
}

/// The report for one file.
pub fn render_terminal(r: &Report, t: &Terminal) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}  (seed {}, device {}{})",
        r.file,
        r.seed,
        r.device,
        if r.quick { ", quick" } else { "" }
    );
    if t.detail != Detail::Summary {
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
    }
    let _ = writeln!(out);
    out += &summary_table(r, t.colour);
    let detailed: Vec<&ClaimResult> = r
        .claims
        .iter()
        .filter(|c| match t.detail {
            Detail::Summary => false,
            Detail::Failures => !c.met,
            Detail::All => true,
        })
        .collect();
    if !detailed.is_empty() {
        let _ = writeln!(
            out,
            "\n{}:",
            if t.detail == Detail::All {
                "details"
            } else {
                "details of the claims that missed their expectation (-v for all)"
            }
        );
        for c in detailed {
            claim_block(&mut out, c, t.colour);
        }
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

/// `mica show`: the per-seed values of the quantity the claim `c` reads (its left side), their
/// mean, spread and a 95% Student-t interval of the mean; a constant's value alone.
pub fn render_show(r: &Report, c: &ClaimResult, quantity: &str) -> String {
    let mut out = format!(
        "{quantity}  ({}, seed {}, device {})\n",
        r.file, r.seed, r.device
    );
    let Some(e) = c.evidence.first() else {
        return out + "  no value\n";
    };
    if e.lhs.is_nan() {
        return out
            + &format!(
                "  no value: {}\n",
                e.reason.as_deref().unwrap_or("not computed")
            );
    }
    if e.lhs_seeds.is_empty() {
        return out + &format!("  {:.6} (a constant: no seeds)\n", e.lhs);
    }
    for (seed, v) in e.lhs_seeds.iter().enumerate() {
        let _ = writeln!(out, "  seed {seed}: {v:.6}");
    }
    let n = e.lhs_seeds.len();
    if n >= 2 {
        let est = crate::verdicts::stats::one_sample(&e.lhs_seeds, 0.0);
        let (lo, hi) = est.limits(0.975);
        let _ = writeln!(
            out,
            "  mean {:.6}, sd {:.6} over {n} seeds; 95% interval of the mean [{lo:.6}, {hi:.6}] (Student t)",
            est.mean, est.sd
        );
    } else {
        let _ = writeln!(out, "  1 seed: no interval (set `seeds:` or --seeds)");
    }
    out
}

/// A claim's details as plain text (the JUnit and Markdown reports quote them).
pub(super) fn claim_details(c: &ClaimResult) -> String {
    let mut out = String::new();
    claim_block(&mut out, c, false);
    // Without the verdict line (the reports show the verdict themselves) and the indent.
    out.lines()
        .skip(1)
        .map(|l| l.trim_start().to_string() + "\n")
        .collect()
}

/// The compared values and seeds of a claim, as the summary table shows them.
pub(super) fn claim_summary(c: &ClaimResult) -> (String, String) {
    (compared(c), seeds_cell(c))
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
