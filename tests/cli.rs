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

/// Reports are written only at the end, atomically: a run stopped by SIGTERM or SIGINT, or
/// refused for its device, leaves no report where there was none and an earlier report byte
/// for byte as it was, and no temporary file either.
/// Ctrl-C keeps what finished: the claims whose jobs all finished are decided and shown, the
/// others are listed as not run, and the finished jobs are in the cache for the next run.
#[test]
fn an_interrupted_run_decides_what_it_can() {
    let dir = std::env::temp_dir().join(format!("mica-partial-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("partial.mica");
    std::fs::write(
        &f,
        "data d = gaussian(dim: 1, rho: 0.5)\n\
         run fast = ksg(data: d, samples: 300, seeds: 2)\n\
         run slow = train(infonce, critic: separable(mlp(hidden: [64], out: 8)), data: d, steps: 10000000, seeds: 1)\n\
         claim \"fast claim\": estimate(fast) >= 0\n\
         claim \"slow claim\": estimate(slow) <= ln(64)\n",
    )
    .unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_mica"))
        .args(["run", f.to_str().unwrap(), "--jobs", "2"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Signal once both seeds of the fast run are reported finished (the slow one never is).
    let (code, stderr) = interrupt_after(child, "INT", |seen| {
        seen.matches("trained fast seed").count() == 2
    });
    assert_eq!(code, Some(130), "{stderr}");
    assert!(
        stderr.contains("claims the finished jobs decide"),
        "{stderr}"
    );
    assert!(stderr.contains("fast claim"), "{stderr}");
    assert!(stderr.contains("not run: slow claim"), "{stderr}");
    assert!(
        stderr.contains("running the file again resumes"),
        "{stderr}"
    );
    assert!(dir.join(".mica-cache").is_dir());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn interrupted_or_refused_runs_leave_no_report_behind() {
    let dir = std::env::temp_dir().join(format!("mica-interrupt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let slow = dir.join("slow.mica");
    std::fs::write(
        &slow,
        "data d = gaussian(dim: 2, rho: 0.5)\n\
         run r = train(infonce, critic: separable(mlp(hidden: [64], out: 8)), data: d, steps: 10000000, seeds: 1)\n\
         claim \"c\": estimate(r) <= ln(64)\n",
    )
    .unwrap();
    let listing = |dir: &std::path::Path| -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    for (signal, earlier) in [("TERM", None), ("INT", Some("an earlier report"))] {
        let json = dir.join("r.json");
        let _ = std::fs::remove_file(&json);
        if let Some(text) = earlier {
            std::fs::write(&json, text).unwrap();
        }
        let before = listing(&dir);
        let child = Command::new(env!("CARGO_BIN_EXE_mica"))
            .args([
                "run",
                slow.to_str().unwrap(),
                "--json",
                json.to_str().unwrap(),
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Signal once the file is checked and training has started.
        let (code, stderr) = interrupt_after(child, signal, |seen| seen.contains("running "));
        // The terminal says what finished (nothing: the one seed was stopped) and that
        // nothing was written.
        assert_eq!(code, Some(130), "SIG{signal}: {stderr}");
        assert!(stderr.contains("r: 0 of 1 seeds finished"), "{stderr}");
        assert!(stderr.contains("no report was written"), "{stderr}");
        assert_eq!(listing(&dir), before, "SIG{signal} changed the folder");
        match earlier {
            Some(text) => assert_eq!(std::fs::read_to_string(&json).unwrap(), text),
            None => assert!(!json.exists()),
        }
    }
    // A refused device writes nothing either.
    let json = dir.join("cuda.json");
    let (code, _, _) = mica(&[
        "run",
        slow.to_str().unwrap(),
        "--device",
        "cuda:0",
        "--json",
        json.to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(!json.exists());
    std::fs::remove_dir_all(&dir).ok();
}

/// Reads the child's standard error until `ready` holds for what it has printed, sends it
/// `signal`, and returns its exit code and its whole standard error. Waiting for the output
/// instead of a fixed sleep keeps the test right on a machine of any speed.
fn interrupt_after(
    mut child: std::process::Child,
    signal: &str,
    ready: impl Fn(&str) -> bool,
) -> (Option<i32>, String) {
    use std::io::BufRead;
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut seen = String::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(300);
    while !ready(&seen) {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => {
                seen.push_str(&line);
                seen.push('\n');
            }
            Err(_) => {
                let _ = child.kill();
                panic!("the run never printed what the test waits for:\n{seen}");
            }
        }
    }
    let status = Command::new("kill")
        .args([format!("-{signal}"), child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let code = child.wait().unwrap().code();
    reader.join().unwrap();
    seen.extend(rx.try_iter().map(|l| l + "\n"));
    (code, seen)
}

/// Small things a user trips over: a byte-order mark, standard input, a bad byte, a missing
/// suite folder, zero seeds or jobs.
#[test]
fn cli_inputs_at_the_edges() {
    let dir = std::env::temp_dir().join(format!("mica-edges-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let text = "data d = gaussian(dim: 2, rho: 0.5)\nclaim \"c\": mi(d) > 0.1\n";
    let bom = dir.join("bom.mica");
    std::fs::write(&bom, [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat()).unwrap();
    let (code, out, err) = mica(&["check", bom.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("ok (1 claims"), "{out}");

    let mut child = Command::new(env!("CARGO_BIN_EXE_mica"))
        .args(["check", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), text.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("<stdin>: ok"));

    let bad = dir.join("bad.mica");
    std::fs::write(&bad, b"data d = \xff").unwrap();
    let (code, _, err) = mica(&["check", bad.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("mica::io::read") && err.contains("offset 9"),
        "{err}"
    );

    let (code, _, err) = mica(&["test", dir.join("nope").to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("does not exist"), "{err}");

    // mica report reads the cache alone: the flags that would train are refused with a code,
    // pointing at the flag.
    for flag in ["--no-cache", "--shard=0/2"] {
        let (code, _, err) = mica(&["report", bom.to_str().unwrap(), flag]);
        assert_eq!(code, 2, "{flag}: {err}");
        assert!(
            err.contains("mica::cli::not_for_report") && err.contains("does not apply"),
            "{flag}: {err}"
        );
    }

    for flag in ["--seeds", "--jobs"] {
        let (code, _, err) = mica(&["run", bom.to_str().unwrap(), flag, "0"]);
        assert_eq!(code, 2);
        assert!(err.contains("at least 1"), "{flag}: {err}");
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// A report that cannot be written at the end (here its path has become a folder while the
/// run trained) is `mica::io::write`, exit 2, and the summary line is still printed.
#[test]
fn a_failed_report_write_is_coded_and_the_summary_still_printed() {
    use std::io::BufRead as _;
    let dir = std::env::temp_dir().join(format!("mica-writefail-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("f.mica");
    std::fs::write(
        &file,
        "data d = gaussian(dim: 2, rho: 0.5)\n\
         run r = train(infonce, critic: separable(mlp(hidden: [32], out: 8)), data: d, steps: 4000, seeds: 1)\n\
         claim \"c\": estimate(r) <= ln(64)\n",
    )
    .unwrap();
    let json = dir.join("r.json");
    let mut child = Command::new(env!("CARGO_BIN_EXE_mica"))
        .args([
            "run",
            file.to_str().unwrap(),
            "--json",
            json.to_str().unwrap(),
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // "running FILE ..." comes after the output check and before training.
    let mut err = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    while err.read_line(&mut line).unwrap() > 0 && !line.contains("running") {}
    assert!(line.contains("running"), "{line}");
    std::fs::create_dir_all(json.join("in the way")).unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut err, &mut rest).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{rest}");
    assert!(rest.contains("mica::io::write"), "{rest}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("result: "),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// `mica check -v` shows each run's estimated memory per job and its work, from the
/// declared sizes, without training anything.
#[test]
fn check_verbose_shows_the_cost_of_each_run() {
    let (code, out, _) = mica(&["check", "-v", "examples/quickstart.mica"]);
    assert_eq!(code, 0);
    assert!(out.contains("memory/job"), "{out}");
    let row = out
        .lines()
        .find(|l| l.trim_start().starts_with("nce "))
        .unwrap_or_else(|| panic!("{out}"));
    // 5 seeds of 4000 steps of a shared 20-256-256-32 tower at K = 64: about 1.2e12 flops of
    // training (3 x 2 x 64 x 2 x 79,392 per step), plus evaluations.
    let fields: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(fields[1], "5", "{row}");
    let flops: f64 = fields[4].parse().unwrap();
    assert!((1.2e12..1e13).contains(&flops), "{row}");
}

/// `mica sample` prints a header and the rows of a declared distribution, the same rows for
/// the same seed, the labels of labelled data, and refuses a name that is not declared.
#[test]
fn sample_prints_rows_as_csv() {
    let (code, out, _) = mica(&[
        "sample",
        "examples/data/sources.mica",
        "gauss",
        "--rows",
        "5",
    ]);
    assert_eq!(code, 0);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "x0,x1,y0,y1");
    assert_eq!(lines.len(), 6);
    assert!(lines[1..]
        .iter()
        .all(|l| l.split(',').count() == 4 && l.split(',').all(|v| v.parse::<f64>().is_ok())));
    let (_, again, _) = mica(&[
        "sample",
        "examples/data/sources.mica",
        "gauss",
        "--rows",
        "5",
    ]);
    assert_eq!(out, again);
    let (_, other, _) = mica(&[
        "sample",
        "examples/data/sources.mica",
        "gauss",
        "--rows",
        "5",
        "--seed",
        "1",
    ]);
    assert_ne!(out, other);
    let (_, labelled, _) = mica(&[
        "sample",
        "examples/data/sources.mica",
        "labelled",
        "--rows",
        "3",
    ]);
    assert!(labelled.starts_with("x0,x1,y0,y1,label\n"), "{labelled}");
    let (code, _, err) = mica(&["sample", "examples/data/sources.mica", "nothing"]);
    assert_eq!(code, 2);
    assert!(err.contains("no data named `nothing`"), "{err}");
}
