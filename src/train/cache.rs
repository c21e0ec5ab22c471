//! The job cache: each finished (run, seed) job is kept on disk, keyed by a hash of everything
//! that determines it (the run's resolved configuration as the checker built it, the seed, the
//! file seed, `--quick`, the device and mica's version), with the estimates and probes it
//! produced, each under a key of its own specification. Editing a claim's title, tolerance or
//! expectation re-runs nothing; editing a run retrains only that run; a claim that reads a new
//! estimate of a cached run retrains its seeds (the critic itself is not kept).
//!
//! An entry is one file, `<key>.job`: a first line with the FNV-1a hash of the second, and the
//! second the entry as JSON, numbers stored as their bits so that a cached value is the
//! computed one exactly. A file that is truncated, corrupt or for another key is ignored (and
//! overwritten when its job is recomputed), never trusted. Writes go through a temporary file
//! and a rename, so a reader never sees half an entry.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use super::eval::Evaluation;
use crate::dist::arrays::fnv1a;

/// A job's identity: the hash of its description, as 16 hex digits.
pub fn key(description: &str) -> String {
    format!("{:016x}", fnv1a(description.as_bytes()))
}

/// One evaluation (or why there is none), with its numbers as bits.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
enum Stored {
    Ok {
        mean: u64,
        std_err: u64,
        batches: usize,
    },
    Err(String),
}

impl Stored {
    fn of(r: &Result<Evaluation, String>) -> Self {
        match r {
            Ok(e) => Stored::Ok {
                mean: e.mean.to_bits(),
                std_err: e.std_err.to_bits(),
                batches: e.batches,
            },
            Err(s) => Stored::Err(s.clone()),
        }
    }

    fn get(&self) -> Result<Evaluation, String> {
        match self {
            Stored::Ok {
                mean,
                std_err,
                batches,
            } => Ok(Evaluation {
                mean: f64::from_bits(*mean),
                std_err: f64::from_bits(*std_err),
                batches: *batches,
            }),
            Stored::Err(s) => Err(s.clone()),
        }
    }
}

/// What a finished job produced, as the cache keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct CachedJob {
    pub trace: Vec<(usize, f64)>,
    pub seconds: f64,
    pub steps_done: usize,
    pub stopped_at: Option<usize>,
    pub failure: Option<String>,
    /// (estimate key, result)
    pub estimates: Vec<(String, Result<Evaluation, String>)>,
    /// (probe key, result)
    pub probes: Vec<(String, Result<Evaluation, String>)>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Entry {
    key: String,
    trace: Vec<(usize, u64)>,
    seconds: u64,
    steps_done: usize,
    stopped_at: Option<usize>,
    failure: Option<String>,
    estimates: Vec<(String, Stored)>,
    probes: Vec<(String, Stored)>,
}

/// A cache folder.
#[derive(Debug, Clone)]
pub struct Cache {
    pub dir: PathBuf,
}

impl Cache {
    fn path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.job"))
    }

    /// The entry for `key`, if there is an intact one.
    pub fn load(&self, key: &str) -> Option<CachedJob> {
        let text = std::fs::read_to_string(self.path(key)).ok()?;
        let (check, body) = text.split_once('\n')?;
        let body = body.strip_suffix('\n').unwrap_or(body);
        if check != format!("{:016x}", fnv1a(body.as_bytes())) {
            return None;
        }
        let e: Entry = serde_json::from_str(body).ok()?;
        if e.key != key {
            return None;
        }
        let unpack = |v: Vec<(String, Stored)>| v.into_iter().map(|(k, s)| (k, s.get())).collect();
        Some(CachedJob {
            trace: e
                .trace
                .into_iter()
                .map(|(s, v)| (s, f64::from_bits(v)))
                .collect(),
            seconds: f64::from_bits(e.seconds),
            steps_done: e.steps_done,
            stopped_at: e.stopped_at,
            failure: e.failure,
            estimates: unpack(e.estimates),
            probes: unpack(e.probes),
        })
    }

    /// Keeps `job` under `key` (atomically; a failure to write only costs a later re-run).
    pub fn store(&self, key: &str, job: &CachedJob) -> std::io::Result<()> {
        let pack = |v: &[(String, Result<Evaluation, String>)]| {
            v.iter().map(|(k, r)| (k.clone(), Stored::of(r))).collect()
        };
        let entry = Entry {
            key: key.to_string(),
            trace: job.trace.iter().map(|&(s, v)| (s, v.to_bits())).collect(),
            seconds: job.seconds.to_bits(),
            steps_done: job.steps_done,
            stopped_at: job.stopped_at,
            failure: job.failure.clone(),
            estimates: pack(&job.estimates),
            probes: pack(&job.probes),
        };
        let body = serde_json::to_string(&entry).map_err(std::io::Error::other)?;
        let text = format!("{:016x}\n{body}\n", fnv1a(body.as_bytes()));
        std::fs::create_dir_all(&self.dir)?;
        write_atomically(&self.path(key), text.as_bytes())
    }
}

/// The temporary file a write first goes to: hidden, beside the target, unique to this
/// process and thread.
fn temporary_beside(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "file".into());
    let thread = format!("{:?}", std::thread::current().id());
    let thread: String = thread.chars().filter(char::is_ascii_digit).collect();
    path.with_file_name(format!(".{name}.{}.{thread}.tmp", std::process::id()))
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

/// Checks that a file can be created at `path` (its folder exists and accepts a new file),
/// leaving nothing behind and an existing file untouched.
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

    fn job() -> CachedJob {
        CachedJob {
            trace: vec![(0, 0.1), (100, f64::NAN), (200, 1.0 / 3.0)],
            seconds: 1.25,
            steps_done: 200,
            stopped_at: Some(100),
            failure: None,
            estimates: vec![
                (
                    "a".into(),
                    Ok(Evaluation {
                        mean: 0.1 + 0.2,
                        std_err: f64::INFINITY,
                        batches: 32,
                    }),
                ),
                ("b".into(), Err("diverged".into())),
            ],
            probes: vec![],
        }
    }

    /// A stored job comes back bit for bit (NaN and infinities included); a truncated, edited
    /// or misplaced entry is not trusted.
    #[test]
    fn round_trip_exact_and_corruption_detected() {
        let dir = std::env::temp_dir().join(format!("mica-cache-{}", std::process::id()));
        let cache = Cache { dir: dir.clone() };
        let j = job();
        cache.store("k1", &j).unwrap();
        let back = cache.load("k1").unwrap();
        assert_eq!(back.trace[0], j.trace[0]);
        assert!(back.trace[1].1.is_nan());
        assert_eq!(back.trace[2].1.to_bits(), (1.0f64 / 3.0).to_bits());
        assert_eq!(back.estimates, j.estimates);
        assert_eq!(back.stopped_at, Some(100));
        assert!(cache.load("k2").is_none());
        let path = cache.path("k1");
        let text = std::fs::read_to_string(&path).unwrap();
        // Truncated.
        std::fs::write(&path, &text[..text.len() / 2]).unwrap();
        assert!(cache.load("k1").is_none());
        // A changed digit in the body.
        let edited = text.replacen("200", "201", 1);
        assert_ne!(edited, text);
        std::fs::write(&path, edited).unwrap();
        assert!(cache.load("k1").is_none());
        // Another key's entry under this name.
        std::fs::copy(&path, cache.path("k3")).unwrap();
        cache.store("k1", &j).unwrap();
        std::fs::copy(cache.path("k1"), cache.path("k3")).unwrap();
        assert!(cache.load("k3").is_none());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
