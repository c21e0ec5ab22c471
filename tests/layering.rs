//! The layers of src/lib.rs, enforced: every `crate::` path in a module's code (tests left
//! out) must name a module that module may import. Imports point down only:
//!
//! | layer | modules | may import |
//! |---|---|---|
//! | L0 | syntax | nothing of mica |
//! | L1 | dist < nn < bounds, dist < nonparam | lower L1 |
//! | L2 | ir | L0, L1 |
//! | L3 | catalog | L0 - L2 |
//! | L4 | check | L0 - L3 |
//! | L5 | train | L1, L2 (never check) |
//! | L6 | verdicts | L2, L5 |
//! | L7 | report, pipeline, main | everything below |

use std::path::Path;

const L1: &[&str] = &["dist", "nn", "bounds", "nonparam"];

/// (module, the modules it may import).
fn allowed() -> Vec<(&'static str, Vec<&'static str>)> {
    let below = |extra: &[&'static str]| -> Vec<&'static str> {
        let mut v = vec!["syntax"];
        v.extend_from_slice(L1);
        v.extend_from_slice(extra);
        v
    };
    vec![
        ("syntax", vec![]),
        ("dist", vec![]),
        ("nn", vec!["dist"]),
        ("bounds", vec!["dist", "nn"]),
        ("nonparam", vec!["dist"]),
        ("ir", below(&[])),
        ("catalog", below(&["ir"])),
        ("check", below(&["ir", "catalog"])),
        ("train", [L1, &["ir"]].concat()),
        ("verdicts", vec!["ir", "train"]),
        (
            "report",
            below(&["ir", "catalog", "check", "train", "verdicts"]),
        ),
        (
            "pipeline",
            below(&["ir", "catalog", "check", "train", "verdicts", "report"]),
        ),
    ]
}

/// The code of a file without its test module and comments, as (line number, text).
fn code_lines(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut lines = text.lines().enumerate().peekable();
    while let Some((i, line)) = lines.next() {
        if line.trim() == "#[cfg(test)]"
            && lines
                .peek()
                .is_some_and(|(_, next)| next.trim_start().starts_with("mod tests"))
        {
            break;
        }
        let code = match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        };
        out.push((i + 1, code.to_string()));
    }
    out
}

/// The mica modules a line names: `crate::X`, `$crate::X` (and, in main.rs, `mica::X`).
fn named_modules(line: &str) -> Vec<String> {
    let mut found = Vec::new();
    for prefix in ["crate::", "mica::"] {
        let mut rest = line;
        while let Some(at) = rest.find(prefix) {
            let before = rest[..at].chars().last();
            let after = &rest[at + prefix.len()..];
            if let Some(group) = after.strip_prefix('{') {
                // `use crate::{a::X, b};`: the first word of each top-level item.
                let mut depth = 0;
                let mut start = true;
                for (i, c) in group.char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' if depth == 0 => break,
                        '}' => depth -= 1,
                        ',' if depth == 0 => start = true,
                        c if start && (c.is_ascii_alphanumeric() || c == '_') => {
                            let word: String = group[i..]
                                .chars()
                                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                                .collect();
                            found.push(word);
                            start = false;
                        }
                        _ => {}
                    }
                }
                rest = group;
                continue;
            }
            let name: String = after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            let is_path = before.is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_'));
            rest = &after[name.len()..];
            if is_path && !name.is_empty() {
                found.push(name);
            }
        }
    }
    found
}

fn module_of(rel: &Path) -> Option<String> {
    let mut parts = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().to_string());
    let first = parts.next()?;
    Some(first.trim_end_matches(".rs").to_string())
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn imports_point_down_through_the_layers() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let table = allowed();
    let known: Vec<&str> = table.iter().map(|(m, _)| *m).collect();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut violations = Vec::new();
    for file in &files {
        let rel = file.strip_prefix(&src).unwrap();
        let module = module_of(rel).unwrap();
        if module == "lib" || module == "main" {
            continue; // lib.rs declares the modules; main.rs is the top (L7).
        }
        let Some((_, may)) = table.iter().find(|(m, _)| *m == module) else {
            violations.push(format!(
                "src/{}: module `{module}` is in no layer; add it to this test's table",
                rel.display()
            ));
            continue;
        };
        let text = std::fs::read_to_string(file).unwrap();
        for (n, line) in code_lines(&text) {
            for target in named_modules(&line) {
                if target == module || !known.contains(&target.as_str()) {
                    continue;
                }
                if !may.contains(&target.as_str()) {
                    violations.push(format!(
                        "src/{}:{n}: `{module}` imports `{target}`, which it may not: {}",
                        rel.display(),
                        line.trim()
                    ));
                }
            }
        }
    }
    assert!(
        violations.is_empty(),
        "imports that point up or sideways:\n{}",
        violations.join("\n")
    );
}

/// Every module lib.rs declares is placed in the table (so a new module must choose a layer).
#[test]
fn every_module_has_a_layer() {
    let lib =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")).unwrap();
    let table = allowed();
    for line in lib.lines() {
        if let Some(m) = line.trim().strip_prefix("pub mod ") {
            let m = m.trim_end_matches(';');
            assert!(
                table.iter().any(|(k, _)| *k == m),
                "module `{m}` has no layer in tests/layering.rs"
            );
        }
    }
}

/// The syntax errors hold no pest types: the parser translates pest's failures, so error.rs
/// and parser.rs do not import each other.
#[test]
fn syntax_errors_know_nothing_of_pest() {
    let error =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/syntax/error.rs"))
            .unwrap();
    for (n, line) in code_lines(&error) {
        assert!(
            !line.contains("pest") && !line.contains("parser"),
            "src/syntax/error.rs:{n}: {line}"
        );
    }
}

/// The checker itself finds a violation (the test above is not vacuous).
#[test]
fn an_upward_import_is_found() {
    assert_eq!(named_modules("use crate::check::Program;"), ["check"]);
    assert_eq!(named_modules("$crate::ir::Param { x }"), ["ir"]);
    assert!(named_modules("my_crate::thing").is_empty());
    assert_eq!(
        named_modules("use crate::{dist::X, check};"),
        ["dist", "check"]
    );
    let table = allowed();
    let train = &table.iter().find(|(m, _)| *m == "train").unwrap().1;
    assert!(!train.contains(&"check") && !train.contains(&"catalog"));
    let lines = code_lines("use crate::a;\n#[cfg(test)]\nmod tests {\n use crate::check;\n}\n");
    assert_eq!(lines.len(), 1);
}
