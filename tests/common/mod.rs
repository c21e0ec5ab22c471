//! Helpers shared by the integration tests.

use std::path::PathBuf;

/// Every `.mica` file below the given folders of the repository, sorted.
pub fn mica_files(dirs: &[&str]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in dirs {
        let mut stack = vec![PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(dir)];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(d).into_iter().flatten().flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|x| x == "mica") {
                    out.push(p);
                }
            }
        }
    }
    out.sort();
    out
}
