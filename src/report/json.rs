//! The JSON report: the whole [`Report`] (verdicts, per-seed values, intervals, seeds, run
//! timings and training traces), for scripts and CI dashboards. Written atomically: into a
//! temporary file beside the target, then renamed over it, so a reader never sees a partial
//! report and an interrupted run leaves an earlier report as it was.

use std::io::Write as _;
use std::path::{Path, PathBuf};

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

/// The temporary file a report is first written to: hidden, beside the target, unique to this
/// process.
fn temporary_beside(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "report".into());
    path.with_file_name(format!(".{name}.{}.tmp", std::process::id()))
}

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename; on any
/// error the temporary file is removed and `path` is untouched.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = temporary_beside(path);
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Checks, before any work, that a report can be written to `path`: its folder exists and
/// accepts a new file. Nothing is left behind, and an existing report is not touched.
pub fn check_writable(path: &Path) -> std::io::Result<()> {
    if path.is_dir() {
        return Err(std::io::Error::other("it is a directory"));
    }
    let tmp = temporary_beside(path);
    std::fs::File::create(&tmp)?;
    std::fs::remove_file(&tmp)
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
