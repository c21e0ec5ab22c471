//! Helpers shared by the integration tests.

use std::path::PathBuf;

/// Every `.mica` file below the given folders of the repository, sorted.
#[allow(dead_code)] // not every test crate that includes this module lists files
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

/// Compiles and runs the claim file at `path` on the CPU (2 jobs, no progress), as `mica run`
/// does, with file seed `seed`.
#[allow(dead_code)] // not every test crate that includes this module runs files
pub fn run_file(path: &std::path::Path, seed: u64) -> mica::report::Report {
    use mica::pipeline::{compile, read_source, run_program};
    let src = read_source(path).unwrap();
    let program = compile(&src).unwrap_or_else(|e| panic!("{e:?}"));
    let opts = mica::train::ExecOptions {
        file_seed: seed,
        device: candle_core::Device::Cpu,
        seeds: None,
        quick: false,
        jobs: 2,
        progress: false,
        cancel: Default::default(),
        cache: None,
        scope: Default::default(),
    };
    run_program(
        &src.name,
        &program,
        &opts,
        &mica::verdicts::Settings::default(),
    )
}
