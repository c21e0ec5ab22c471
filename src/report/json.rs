//! The JSON report: the whole [`Report`] (verdicts, per-seed values, intervals, seeds, run
//! timings and training traces), for scripts and CI dashboards. Written atomically: into a
//! temporary file beside the target, then renamed over it, so a reader never sees a partial
//! report and an interrupted run leaves an earlier report as it was.

use std::path::Path;

pub use crate::train::{check_writable, write_atomically};

use super::Report;

/// The schema the JSON report follows (docs/report-schema.md); bumped when a field changes
/// meaning or disappears.
pub const SCHEMA: &str = "mica-report/1";

/// The JSON document: the schema, mica's version, and one report per file.
#[derive(serde::Serialize)]
struct Document<'a> {
    schema: &'static str,
    mica_version: &'static str,
    reports: &'a [Report],
}

pub fn render_json(reports: &[Report]) -> std::io::Result<String> {
    let doc = Document {
        schema: SCHEMA,
        mica_version: env!("CARGO_PKG_VERSION"),
        reports,
    };
    serde_json::to_string_pretty(&doc).map_err(std::io::Error::other)
}

pub fn write_json(reports: &[Report], path: &Path) -> std::io::Result<()> {
    write_atomically(path, render_json(reports)?.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_atomic_write_replaces_the_whole_file_and_leaves_no_temporary() {
        let dir = std::env::temp_dir().join(format!("mica-json-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("r.json");
        std::fs::write(&path, "old and longer than the new text").unwrap();
        write_atomically(&path, b"new").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        check_writable(&path).unwrap();
        let names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
        assert!(write_atomically(&dir.join("missing/r.json"), b"x").is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
