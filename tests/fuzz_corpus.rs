//! The fuzz target's corpus (tests/fuzz/corpus/front_end) as an ordinary test: every input
//! goes through the same function as `cargo fuzz run front_end` (parse + check), and none may
//! panic. The valid seed must check clean, so the target is known to reach the checker.

use std::path::Path;

#[test]
fn the_front_end_corpus_never_panics() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz/corpus/front_end");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 5, "{files:?}");
    for path in files {
        let data = std::fs::read(&path).unwrap();
        let r = std::panic::catch_unwind(|| mica::pipeline::check_bytes(&data));
        let clean = r.unwrap_or_else(|_| panic!("{} panics the front end", path.display()));
        if path.file_name().is_some_and(|n| n == "valid_gaussian.mica") {
            assert!(clean, "the valid seed must check clean");
        }
    }
}
