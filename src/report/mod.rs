//! L7, reports. The terminal report for people; JSON for machines (docs/report-schema.md);
//! Markdown for a review; JUnit XML for CI systems. All read the same [`Report`].

mod json;
mod junit;
mod markdown;
mod plots;
mod terminal;

pub use json::{check_writable, render_json, write_atomically, write_json, SCHEMA};
pub use junit::render_junit;
pub use markdown::render_markdown;
pub use plots::{figure_stem, write_plots};
pub use terminal::{
    colour_wanted, cost_table, interrupted_summary, render_show, render_terminal, summary_line,
    summary_table, Detail, Terminal,
};

/// A report file's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Markdown,
    Junit,
}

/// Writes the reports of one command to `path` in `format`, atomically; the Markdown report
/// shows the `figures` drawn for it (`--plots`).
pub fn write(
    reports: &[Report],
    format: Format,
    path: &std::path::Path,
    figures: &[std::path::PathBuf],
) -> std::io::Result<()> {
    let text = match format {
        Format::Json => render_json(reports)?,
        Format::Markdown => render_markdown(reports, figures, path),
        Format::Junit => render_junit(reports),
    };
    write_atomically(path, text.as_bytes())
}

use indexmap::IndexMap;

use crate::train::{Evaluation, RunOutcome};
use crate::verdicts::ClaimResult;

/// Everything a report shows about one file.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Report {
    pub file: String,
    pub seed: u64,
    pub device: String,
    pub quick: bool,
    /// `--bootstrap N`, if given.
    pub bootstrap: Option<usize>,
    pub claims: Vec<ClaimResult>,
    pub runs: IndexMap<String, RunOutcome>,
    /// Each run's configuration as the file declares it (whitespace collapsed).
    pub run_declarations: IndexMap<String, String>,
    /// Every estimate, per seed: held-out mean, its standard error and the batches averaged.
    pub estimates: IndexMap<String, Vec<Option<Evaluation>>>,
    /// A user's data the runs read: (name, files with content hashes and held-out share).
    pub data_sources: Vec<(String, String)>,
    /// Declared runs that no claim uses (not trained).
    pub unused_runs: Vec<String>,
    pub seconds: f64,
    /// Cancelled by a signal before every job finished: such a report is shown as a list of
    /// what finished and never written.
    pub interrupted: bool,
    /// (run, seed) jobs `mica report` found no cache entry for: such a report names them and
    /// is not shown.
    #[serde(skip)]
    pub missing: Vec<(String, usize)>,
}

impl Report {
    pub fn met(&self) -> usize {
        self.claims.iter().filter(|c| c.met).count()
    }

    pub fn all_met(&self) -> bool {
        self.met() == self.claims.len()
    }
}
