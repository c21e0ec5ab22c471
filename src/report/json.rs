//! The JSON report: the whole [`Report`] (verdicts, per-seed values, intervals, seeds, run
//! timings and training traces), for scripts and CI dashboards.

use super::Report;

pub fn write_json(reports: &[Report], path: &std::path::Path) -> std::io::Result<()> {
    let text = serde_json::to_string_pretty(reports).map_err(std::io::Error::other)?;
    std::fs::write(path, text)
}
