//! Snapshot tests of rendered diagnostics: every `tests/diagnostics/NAME.mica` is parsed and
//! checked, and its rendered diagnostics must equal `NAME.stderr` byte for byte. Run with
//! `MICA_BLESS=1` to (re)write the expected files after an intended change, then review them.

use std::path::{Path, PathBuf};

use mica::pipeline::{compile, compile_with_warnings, render_plain, Source};

fn render(path: &Path) -> String {
    // The memory budget's diagnostics name the machine's memory: fix it for the snapshots.
    std::env::set_var("MICA_MEMORY_BYTES", "24e9");
    let text = std::fs::read_to_string(path).unwrap();
    let name = format!(
        "tests/diagnostics/{}",
        path.file_name().unwrap().to_string_lossy()
    );
    let src = Source::new(name, text);
    match compile_with_warnings(&src) {
        Ok((_, warnings)) => {
            let warnings: Vec<String> = warnings.iter().map(render_plain).collect();
            if warnings.is_empty() {
                "checked clean\n".to_string()
            } else {
                warnings.join("\n")
            }
        }
        Err(reports) => reports
            .iter()
            .map(render_plain)
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

fn cases() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/diagnostics");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "mica"))
        .collect();
    files.sort();
    files
}

#[test]
fn diagnostics_match_snapshots() {
    let bless = std::env::var_os("MICA_BLESS").is_some();
    let mut mismatches = Vec::new();
    for case in cases() {
        let got = render(&case);
        let expected_path = case.with_extension("stderr");
        if bless {
            std::fs::write(&expected_path, &got).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path)
            .unwrap_or_else(|_| panic!("missing snapshot {}", expected_path.display()));
        if got != expected {
            mismatches.push(format!(
                "--- {}\n{}\n--- got\n{}",
                expected_path.display(),
                expected,
                got
            ));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

/// Every mistake file is refused, with a code and a labelled span; `warn_*` files check clean
/// but carry warnings, with codes and spans too.
#[test]
fn every_case_is_an_error_with_code_and_span() {
    let cases = cases();
    assert!(cases.len() >= 10);
    let mut codes = std::collections::BTreeSet::new();
    for case in cases {
        let text = std::fs::read_to_string(&case).unwrap();
        let src = Source::new("t", text);
        let warn_only = case
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("warn_"));
        let reports = if warn_only {
            let (_, w) =
                compile_with_warnings(&src).unwrap_or_else(|_| panic!("{}", case.display()));
            assert!(!w.is_empty(), "{} has no warning", case.display());
            w
        } else {
            compile(&src).expect_err(&case.display().to_string())
        };
        for r in reports {
            let code = r.code().expect("every diagnostic has a code").to_string();
            assert!(code.starts_with("mica::"), "{code}");
            let labels: Vec<_> = r.labels().map(|l| l.collect()).unwrap_or_default();
            assert!(!labels.is_empty(), "{} has no span: {code}", case.display());
            codes.insert(code);
        }
    }
    // At least ten distinct kinds of mistake are covered.
    assert!(codes.len() >= 10, "{codes:?}");
}

/// A file with several mistakes reports all of them in one pass, in source order.
#[test]
fn all_problems_reported_at_once() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/diagnostics/several_at_once.mica");
    let text = std::fs::read_to_string(path).unwrap();
    let reports = compile(&Source::new("t", text)).unwrap_err();
    let codes: Vec<String> = reports
        .iter()
        .map(|r| r.code().unwrap().to_string())
        .collect();
    for want in [
        "mica::check::out_of_range",
        "mica::check::unknown_name",
        "mica::check::bad_confidence",
        "mica::check::not_a_claim",
    ] {
        assert!(
            codes.iter().any(|c| c == want),
            "{want} missing from {codes:?}"
        );
    }
    assert!(reports.len() >= 6, "{codes:?}");
    let offsets: Vec<usize> = reports
        .iter()
        .map(|r| r.labels().unwrap().next().unwrap().offset())
        .collect();
    assert!(offsets.windows(2).all(|w| w[0] <= w[1]), "{offsets:?}");
}
