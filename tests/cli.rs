//! The `mica` binary: exit statuses (0 met, 1 not met, 2 input error) and clear messages for
//! unreadable, empty and comment-only files.

use std::process::Command;

mod common;

fn mica(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_mica"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn check_accepts_every_example_and_spec() {
    let files: Vec<String> = common::mica_files(&["examples", "specs", "tests/fixtures"])
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    assert!(!files.is_empty());
    let mut args = vec!["check"];
    args.extend(files.iter().map(|s| s.as_str()));
    let (code, out, err) = mica(&args);
    assert_eq!(code, 0, "{out}{err}");
}

/// Examples and specs check without warnings; a warning is printed but does not fail a check.
#[test]
fn warnings_are_shown_but_not_fatal() {
    let files: Vec<String> = common::mica_files(&["examples", "specs"])
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    let mut args = vec!["check"];
    args.extend(files.iter().map(|s| s.as_str()));
    let (_, _, err) = mica(&args);
    assert!(!err.contains("mica::check::"), "{err}");
    let (code, out, err) = mica(&["check", "tests/diagnostics/warn_shadows_builtin.mica"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(err.contains("mica::check::shadows_builtin"), "{err}");
    assert!(out.contains(": ok"), "{out}");
}

#[test]
fn unreadable_file_is_an_input_error() {
    let (code, _, err) = mica(&["check", "no/such/file.mica"]);
    assert_eq!(code, 2);
    assert!(err.contains("mica::io::read"), "{err}");
    assert!(err.contains("no/such/file.mica"), "{err}");
    let (code, _, err) = mica(&["run", "examples"]);
    assert_eq!(code, 2);
    assert!(err.contains("directory"), "{err}");
}

#[test]
fn empty_and_comment_only_files_say_so() {
    let (code, _, err) = mica(&["check", "tests/diagnostics/empty.mica"]);
    assert_eq!(code, 2);
    assert!(err.contains("declares nothing"), "{err}");
    let (code, _, err) = mica(&["run", "tests/diagnostics/only_comments.mica"]);
    assert_eq!(code, 2);
    assert!(err.contains("mica::check::no_claims"), "{err}");
    assert!(err.contains("nothing was trained"), "{err}");
}

#[test]
fn check_reports_every_problem_with_codes() {
    let (code, _, err) = mica(&["check", "tests/diagnostics/several_at_once.mica"]);
    assert_eq!(code, 2);
    for c in [
        "out_of_range",
        "unknown_name",
        "bad_confidence",
        "not_a_claim",
    ] {
        assert!(err.contains(&format!("mica::check::{c}")), "{c}: {err}");
    }
    assert!(
        err.contains("several_at_once.mica:2:28"),
        "spans are shown: {err}"
    );
}

#[test]
fn run_exit_status_follows_expectations() {
    let dir = std::env::temp_dir().join(format!("mica-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let met = dir.join("met.mica");
    std::fs::write(
        &met,
        "data d = gaussian(dim: 1, rho: 0.6)\nclaim \"truth\": mi(d) >= 0.2\n",
    )
    .unwrap();
    let unmet = dir.join("unmet.mica");
    std::fs::write(
        &unmet,
        "data d = gaussian(dim: 1, rho: 0.6)\nclaim \"truth\": mi(d) >= 1\n",
    )
    .unwrap();
    let (code, out, _) = mica(&["run", met.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("result: 1 passed, 0 failed"), "{out}");
    let (code, out, _) = mica(&["run", unmet.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("REFUTED"), "{out}");
    // A suite over the folder: one summary line for both files.
    let (code, out, _) = mica(&["test", dir.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(out.contains("result: 1 passed, 1 failed"), "{out}");
    // JSON report, and an unwritable output path refused before anything runs.
    let json = dir.join("r.json");
    let (code, _, _) = mica(&[
        "run",
        met.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
    ]);
    assert_eq!(code, 0);
    let text = std::fs::read_to_string(&json).unwrap();
    assert!(text.contains("\"verdict\": \"VERIFIED\""), "{text}");
    let (code, _, err) = mica(&[
        "run",
        met.to_str().unwrap(),
        "--json",
        "/no/such/dir/r.json",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("mica::io::write"), "{err}");
    let (code, _, err) = mica(&["run", met.to_str().unwrap(), "--device", "tpu"]);
    assert_eq!(code, 2);
    assert!(err.contains("mica::cli::device"), "{err}");
    // This build has no CUDA: asking for it is an input error, not a crash.
    let (code, _, err) = mica(&["run", met.to_str().unwrap(), "--device", "cuda:0"]);
    assert_eq!(code, 2);
    assert!(err.contains("mica::cli::device_unavailable"), "{err}");
    // A suite folder without claim files.
    let empty = dir.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let (code, _, err) = mica(&["test", empty.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("mica::io::empty_suite"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn list_shows_the_registry() {
    let (code, out, _) = mica(&["list"]);
    assert_eq!(code, 0);
    for name in [
        "gaussian",
        "mlp",
        "separable",
        "concat",
        "infonce",
        "nwj",
        "train",
        "estimate",
        "increasing",
    ] {
        assert!(out.contains(name), "{name} missing from:\n{out}");
    }
    assert!(out.contains("dim: int in [1, 100000]"), "{out}");
    for name in [
        "multinormal",
        "student",
        "mixture",
        "views",
        "spiral",
        "swiss_roll",
        "pair",
        "dense",
    ] {
        assert!(out.contains(name), "{name} missing");
    }
    assert!(out.contains("exactly one of: rho, mi"), "{out}");
}
