//! The Markdown audit report, to paste into a review: per file, the settings, a summary table
//! of the claims, the runs, and each claim's details (its text, why, the evidence, p-values).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::terminal::{claim_details, claim_summary, describe_run as run_line};
use super::{figure_stem, Report};
use crate::verdicts::Verdict;

/// Text for a table cell or a heading: `<` escaped (else Markdown reads a tag), pipes escaped,
/// line breaks flattened.
fn cell(s: &str) -> String {
    s.replace('<', "&lt;")
        .replace('|', "\\|")
        .replace('\n', " ")
}

/// `figures` (from `--plots`) are linked relative to the folder of `path`, the report file,
/// when they lie below it.
pub fn render_markdown(reports: &[Report], figures: &[PathBuf], path: &Path) -> String {
    let base = path.parent().unwrap_or(Path::new(""));
    let mut out = String::from("# mica report\n\n");
    let _ = writeln!(
        out,
        "mica {}; a claim is met when its verdict is the one it expected (VERIFIED unless the \
         file says otherwise). Verdicts are decided at each claim's confidence with Holm's \
         adjustment over the file's claims (docs/semantics.md).\n",
        env!("CARGO_PKG_VERSION")
    );
    for r in reports {
        let _ = writeln!(out, "## `{}`\n", r.file);
        let _ = writeln!(
            out,
            "Seed {}, device {}{}{}; {} of {} claims met their expectation; {:.1} s.\n",
            r.seed,
            r.device,
            if r.quick {
                ", quick (a tenth of the steps)"
            } else {
                ""
            },
            r.bootstrap
                .map(|b| format!(", bootstrap with {b} replicates"))
                .unwrap_or_default(),
            r.met(),
            r.claims.len(),
            r.seconds
        );
        out += "| | verdict | claim | compared | seeds |\n|---|---|---|---|---|\n";
        for c in &r.claims {
            let (values, seeds) = claim_summary(c);
            let expect = if c.met {
                String::new()
            } else {
                format!(" (expected {})", Verdict::expected(c.expect))
            };
            let _ = writeln!(
                out,
                "| {} | {}{expect} | {} | {} | {} |",
                c.verdict.symbol(),
                c.verdict,
                cell(&c.title),
                cell(&values),
                seeds
            );
        }
        if !r.runs.is_empty() {
            out += "\n### Runs\n\n| run | what it did |\n|---|---|\n";
            for (name, run) in &r.runs {
                let _ = writeln!(out, "| `{}` | {} |", cell(name), cell(&run_line(run)));
            }
        }
        for (name, source) in &r.data_sources {
            let _ = writeln!(out, "\nData `{name}`: {source}");
        }
        let stem = format!("{}-", figure_stem(r));
        let mine: Vec<&PathBuf> = figures
            .iter()
            .filter(|f| {
                f.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with(&stem))
            })
            .collect();
        if !mine.is_empty() {
            out += "\n### Figures\n\n";
            for f in mine {
                let shown = f.strip_prefix(base).unwrap_or(f);
                let name = f
                    .file_stem()
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_default();
                let _ = writeln!(out, "![{name}]({})\n", shown.display());
            }
        }
        out += "\n### Claims\n\n";
        for c in &r.claims {
            let _ = writeln!(
                out,
                "#### {} {}: {}\n\n```text\n{}```\n",
                c.verdict.symbol(),
                c.verdict,
                cell(&c.title),
                claim_details(c)
            );
        }
    }
    out
}
