//! The report files: JSON validates against docs/report-schema.json, JUnit parses as XML with
//! one test case per claim and a failure for each unmet claim, Markdown has the summary table;
//! `-k` runs only the matching claims and only the runs they read; `-q` and `-v` change how
//! much the terminal shows.

use std::process::Command;

fn mica(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_mica"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A file with a met claim about a constant, a met and an unmet claim about a KSG estimate,
/// and a second run only one claim reads. Titles carry XML and Markdown specials.
const FILE: &str = r#"
data g = gaussian(dim: 1, rho: 0.6)
data h = gaussian(dim: 1, rho: 0.9)
run near = ksg(data: g, samples: 400, seeds: 3)
run other = ksg(data: h, samples: 400, seeds: 3)
claim "truth of <g> & its | pipe": mi(g) == -0.5 * ln(1 - 0.36) within 0.000001
claim "KSG near the truth": estimate(near) == mi(g) within 0.2
claim "KSG of other beats 5 nats": estimate(other) > 5
"#;

fn setup(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("mica-reports-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("f.mica"), FILE).unwrap();
    dir
}

#[test]
fn json_junit_and_markdown_reports() {
    let dir = setup("files");
    let (f, json, xml, md) = (
        dir.join("f.mica"),
        dir.join("r.json"),
        dir.join("r.xml"),
        dir.join("r.md"),
    );
    let (code, out, err) = mica(&[
        "run",
        f.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
        "--junit",
        xml.to_str().unwrap(),
        "--markdown",
        md.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{out}{err}");

    // JSON against the documented schema.
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/docs/report-schema.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the schema is valid");
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&doc)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(doc["schema"], mica::report::SCHEMA);
    let claims = doc["reports"][0]["claims"].as_array().unwrap();
    assert_eq!(claims.len(), 3);
    assert_eq!(claims[2]["met"], false);
    assert_eq!(claims[2]["expect"], "VERIFIED");
    assert_eq!(
        doc["reports"][0]["run_declarations"]["near"],
        "ksg(data: g, samples: 400, seeds: 3)"
    );
    assert_eq!(
        doc["reports"][0]["estimates"]["estimate(near)"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    // The schema is not vacuous: a document missing a field, or with a verdict it does not
    // know, is refused.
    let mut bad = doc.clone();
    bad["reports"][0]["claims"][0]
        .as_object_mut()
        .unwrap()
        .remove("met");
    assert!(!validator.is_valid(&bad));
    let mut bad = doc.clone();
    bad["reports"][0]["claims"][0]["verdict"] = "PROBABLY".into();
    assert!(!validator.is_valid(&bad));

    // JUnit: well-formed XML, one case per claim, one failure, specials escaped.
    let text = std::fs::read_to_string(&xml).unwrap();
    let xml = roxmltree::Document::parse(&text).expect("JUnit is well-formed XML");
    let root = xml.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    assert_eq!(root.attribute("tests"), Some("3"));
    assert_eq!(root.attribute("failures"), Some("1"));
    let cases: Vec<_> = root
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert_eq!(cases.len(), 3);
    assert_eq!(
        cases[0].attribute("name"),
        Some("truth of <g> & its | pipe")
    );
    let failed: Vec<_> = cases
        .iter()
        .filter(|c| c.children().any(|n| n.has_tag_name("failure")))
        .map(|c| c.attribute("name").unwrap())
        .collect();
    assert_eq!(failed, ["KSG of other beats 5 nats"]);

    // Markdown: a summary row per claim, pipes escaped inside cells.
    let text = std::fs::read_to_string(&md).unwrap();
    assert!(
        text.contains("| ✓ | VERIFIED | truth of &lt;g> & its \\| pipe |"),
        "{text}"
    );
    assert!(text.contains("REFUTED (expected VERIFIED)"), "{text}");
    assert_eq!(text.matches("\n#### ").count(), 3, "{text}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn k_runs_only_the_matching_claims_and_their_runs() {
    let dir = setup("k");
    let f = dir.join("f.mica");
    let json = dir.join("k.json");
    let (code, out, err) = mica(&[
        "run",
        f.to_str().unwrap(),
        "-k",
        "ksg NEAR",
        "--json",
        json.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("1 of 1 claims met"), "{out}");
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let r = &doc["reports"][0];
    assert_eq!(r["claims"].as_array().unwrap().len(), 1);
    assert!(r["runs"].get("near").is_some(), "{r}");
    assert!(r["runs"].get("other").is_none(), "{r}");
    // A pattern that matches nothing is an input error, with a code.
    let (code, _, err) = mica(&["run", f.to_str().unwrap(), "-k", "no such claim"]);
    assert_eq!(code, 2);
    assert!(err.contains("mica::cli::no_claim_matches"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn quiet_and_verbose_terminal_reports() {
    let dir = setup("q");
    let f = dir.join("f.mica");
    let (_, default, _) = mica(&["run", f.to_str().unwrap()]);
    let (_, quiet, quiet_err) = mica(&["run", f.to_str().unwrap(), "-q"]);
    let (_, verbose, _) = mica(&["run", f.to_str().unwrap(), "-v"]);
    // The summary table comes first: every claim has a row before any details.
    let row = default.find("KSG of other beats 5 nats").unwrap();
    assert!(default.find("details").unwrap() > row, "{default}");
    // By default only the unmet claim has details; -v gives all three; -q none.
    assert_eq!(default.matches("p(holds)").count(), 1, "{default}");
    assert_eq!(verbose.matches("p(holds)").count(), 3, "{verbose}");
    assert_eq!(quiet.matches("p(holds)").count(), 0, "{quiet}");
    assert!(!quiet.contains("run near"), "{quiet}");
    assert!(!quiet_err.contains("trained"), "{quiet_err}");
    assert!(quiet.contains("result: 2 passed, 1 failed"), "{quiet}");
    // A claim about constants says so instead of "0 seeds".
    assert!(default.contains("(constants)"), "{default}");
    assert!(!verbose.contains("0 seeds"), "{verbose}");
    // No colour codes when NO_COLOR is set (and stdout is not a terminal).
    assert!(!default.contains('\u{1b}'));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The job cache: a second run after editing only claims computes nothing and gives the same
/// numbers; editing one run retrains only it; a corrupt entry is recomputed, not trusted;
/// `--no-cache` ignores it and `mica clean` deletes it.
#[test]
fn the_cache_reruns_only_what_changed() {
    let dir = setup("cache");
    let f = dir.join("f.mica");
    let cache = dir.join("cache");
    let run = |json: &str, extra: &[&str]| {
        let path = dir.join(json);
        let mut args = vec![
            "run",
            f.to_str().unwrap(),
            "--cache",
            cache.to_str().unwrap(),
            "--json",
            path.to_str().unwrap(),
        ];
        args.extend(extra);
        let (code, out, err) = mica(&args);
        assert!(code <= 1, "{out}{err}");
        let doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        doc["reports"][0].clone()
    };
    let cached =
        |r: &serde_json::Value, run: &str| r["runs"][run]["cached"].as_array().unwrap().len();
    let first = run("1.json", &[]);
    assert_eq!((cached(&first, "near"), cached(&first, "other")), (0, 0));
    // Only claims edited: a title, a tolerance.
    let text = FILE
        .replace("KSG near the truth", "KSG close to the truth")
        .replace("within 0.2", "within 0.25");
    std::fs::write(&f, &text).unwrap();
    let second = run("2.json", &[]);
    assert_eq!((cached(&second, "near"), cached(&second, "other")), (3, 3));
    assert_eq!(first["estimates"], second["estimates"]);
    // One run edited: only it retrains.
    std::fs::write(
        &f,
        text.replace("data: h, samples: 400", "data: h, samples: 401"),
    )
    .unwrap();
    let third = run("3.json", &[]);
    assert_eq!((cached(&third, "near"), cached(&third, "other")), (3, 0));
    // A truncated entry is recomputed, to the same numbers.
    for e in std::fs::read_dir(&cache).unwrap() {
        let p = e.unwrap().path();
        let t = std::fs::read_to_string(&p).unwrap();
        std::fs::write(&p, &t[..t.len() - 10]).unwrap();
    }
    let fourth = run("4.json", &[]);
    assert_eq!((cached(&fourth, "near"), cached(&fourth, "other")), (0, 0));
    assert_eq!(third["estimates"], fourth["estimates"]);
    // --no-cache computes everything; clean removes the folder.
    let json = dir.join("5.json");
    let (code, out, err) = mica(&[
        "run",
        f.to_str().unwrap(),
        "--no-cache",
        "--json",
        json.to_str().unwrap(),
    ]);
    assert!(code <= 1, "{out}{err}");
    let fifth: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(cached(&fifth["reports"][0], "near"), 0);
    assert!(!dir.join(".mica-cache").exists());
    let (code, out, _) = mica(&[
        "clean",
        f.to_str().unwrap(),
        "--cache",
        cache.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(!cache.exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A file run as 3 shards in separate processes, then assembled by `mica report`, gives the
/// single-process report number for number; a report before the shards ran names what is
/// missing.
#[test]
fn three_shards_assemble_to_the_single_process_report() {
    let dir = setup("shards");
    let f = dir.join("f.mica");
    let (f, cache) = (f.to_str().unwrap(), dir.join("cache"));
    let cache = cache.to_str().unwrap();
    let json = |name: &str| dir.join(name).to_str().unwrap().to_string();
    let (code, _, err) = mica(&["report", f, "--cache", cache]);
    assert_eq!(code, 2);
    assert!(err.contains("the cache lacks 6 of the jobs"), "{err}");
    let children: Vec<_> = (0..3)
        .map(|i| {
            Command::new(env!("CARGO_BIN_EXE_mica"))
                .args([
                    "run",
                    f,
                    "--shard",
                    &format!("{i}/3"),
                    "--cache",
                    cache,
                    "-q",
                ])
                .output()
                .unwrap()
        })
        .collect();
    for c in &children {
        assert!(c.status.success(), "{}", String::from_utf8_lossy(&c.stderr));
    }
    let assembled = json("assembled.json");
    let (code, out, err) = mica(&["report", f, "--cache", cache, "--json", &assembled]);
    assert_eq!(code, 1, "{out}{err}");
    let single = json("single.json");
    let (code, _, _) = mica(&["run", f, "--no-cache", "--json", &single]);
    assert_eq!(code, 1);
    let read = |p: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
    };
    let (a, b) = (read(&assembled), read(&single));
    let (a, b) = (&a["reports"][0], &b["reports"][0]);
    assert_eq!(a["estimates"], b["estimates"]);
    assert_eq!(a["claims"].as_array().unwrap().len(), 3);
    for (x, y) in a["claims"]
        .as_array()
        .unwrap()
        .iter()
        .zip(b["claims"].as_array().unwrap())
    {
        for field in ["verdict", "p_verify", "p_refute", "evidence"] {
            let strip = |v: &serde_json::Value| {
                let mut v = v.clone();
                if let Some(o) = v.as_object_mut() {
                    o.remove("seconds");
                }
                v
            };
            assert_eq!(strip(&x[field]), strip(&y[field]), "{field}");
        }
    }
    let cached: usize = a["runs"]
        .as_object()
        .unwrap()
        .values()
        .map(|r| r["cached"].as_array().unwrap().len())
        .sum();
    assert_eq!(cached, 6);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// docs/scale.md's Slurm script is valid bash and its Kubernetes manifest a well-formed
/// indexed Job whose pods each run their own share.
#[test]
fn the_scale_recipes_are_well_formed() {
    let doc =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/scale.md")).unwrap();
    let block = |lang: &str| {
        let start = doc.find(&format!("```{lang}\n")).unwrap() + lang.len() + 4;
        let end = start + doc[start..].find("```").unwrap();
        doc[start..end].to_string()
    };
    let script = block("bash");
    assert!(script.starts_with("#!/bin/bash"));
    assert!(script.contains("#SBATCH --array=0-7") && script.contains("SHARDS=8"));
    assert!(script.contains("--shard \"${SLURM_ARRAY_TASK_ID}/${SHARDS}\""));
    let path = std::env::temp_dir().join(format!("mica-slurm-{}.sh", std::process::id()));
    std::fs::write(&path, &script).unwrap();
    let status = Command::new("bash").arg("-n").arg(&path).status().unwrap();
    assert!(status.success(), "bash -n rejects the Slurm script");
    std::fs::remove_file(&path).unwrap();

    let job: serde_json::Value = serde_json::from_str(&block("json")).expect("valid JSON");
    assert_eq!(job["apiVersion"], "batch/v1");
    assert_eq!(job["kind"], "Job");
    let spec = &job["spec"];
    assert_eq!(spec["completionMode"], "Indexed");
    let n = spec["completions"].as_u64().unwrap();
    assert_eq!(n, 8);
    let container = &spec["template"]["spec"]["containers"][0];
    let command = container["command"].as_array().unwrap();
    let line = command.last().unwrap().as_str().unwrap();
    assert!(
        line.contains(&format!("--shard ${{JOB_COMPLETION_INDEX}}/{n}")),
        "{line}"
    );
    assert_eq!(spec["template"]["spec"]["restartPolicy"], "Never");
    let mount = container["volumeMounts"][0]["name"].as_str().unwrap();
    assert_eq!(spec["template"]["spec"]["volumes"][0]["name"], mount);
}

/// `mica show` prints a quantity per seed with its interval, trains only what it reads, and
/// refuses a quantity the file cannot compute with the checker's diagnostic.
#[test]
fn show_prints_a_quantity_without_a_claim() {
    let dir = setup("show");
    let f = dir.join("f.mica");
    let f = f.to_str().unwrap();
    let (code, out, err) = mica(&["show", f, "estimate(near)", "--no-cache"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(out.matches("  seed ").count(), 3, "{out}");
    assert!(out.contains("95% interval of the mean"), "{out}");
    assert!(
        err.contains("trained near") && !err.contains("trained other"),
        "{err}"
    );
    // The same values a claim reads: the JSON report's per-seed estimates.
    let json = dir.join("r.json");
    mica(&["run", f, "--no-cache", "--json", json.to_str().unwrap()]);
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let first = doc["reports"][0]["estimates"]["estimate(near)"][0]["mean"]
        .as_f64()
        .unwrap();
    assert!(
        out.contains(&format!("seed 0: {first:.6}")),
        "{out} vs {first}"
    );
    let (code, out, _) = mica(&["show", f, "mi(g)"]);
    assert_eq!(code, 0);
    assert!(out.contains("0.223144 (a constant"), "{out}");
    let (code, _, err) = mica(&["show", f, "estimate(nothing)"]);
    assert_eq!(code, 2);
    assert!(err.contains("mica::check::unknown_name"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `--plots DIR` writes well-formed SVG figures with labelled axes: the held-out trace of a
/// training run (with ln K), a sweep claim against its variable, estimates against the truth.
#[test]
fn plots_are_well_formed_svg_with_labelled_axes() {
    let dir = std::env::temp_dir().join(format!("mica-plots-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("p.mica");
    std::fs::write(
        &f,
        r#"
data g = gaussian(dim: 2, mi: 1)
encoder e = mlp(hidden: [16], out: 8)
sweep K in [8, 16, 64] {
    run r[K] = train(infonce, critic: separable(e), data: g, batch: K, steps: 60, seeds: 2)
}
claim "InfoNCE <= ln K at every K": forall K in [8, 16, 64]: estimate(r[K]) <= ln(K) within 0.05
"#,
    )
    .unwrap();
    let plots = dir.join("plots");
    let md = dir.join("r.md");
    let (code, out, err) = mica(&[
        "run",
        f.to_str().unwrap(),
        "--no-cache",
        "--plots",
        plots.to_str().unwrap(),
        "--markdown",
        md.to_str().unwrap(),
    ]);
    assert!(code <= 1, "{out}{err}");
    // The Markdown report shows the figures, linked relative to itself.
    let text = std::fs::read_to_string(&md).unwrap();
    assert!(
        text.contains("![p-trace-r_16](plots/p-trace-r_16.svg)"),
        "{text}"
    );
    let mut names: Vec<String> = std::fs::read_dir(&plots)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    assert!(names.contains(&"p-trace-r_16.svg".to_string()), "{names:?}");
    assert!(
        names.iter().any(|n| n.starts_with("p-sweep-1-")),
        "{names:?}"
    );
    assert!(
        names.contains(&"p-truth-vs-estimate.svg".to_string()),
        "{names:?}"
    );
    for n in &names {
        let text = std::fs::read_to_string(plots.join(n)).unwrap();
        let doc = roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("{n}: {e}"));
        assert_eq!(doc.root_element().tag_name().name(), "svg");
        let words: String = doc
            .descendants()
            .filter(|d| d.is_text())
            .map(|d| d.text().unwrap_or(""))
            .collect();
        assert!(words.contains("nats"), "{n}: no unit in {words}");
    }
    let trace = std::fs::read_to_string(plots.join("p-trace-r_16.svg")).unwrap();
    assert!(
        trace.contains("training step") && trace.contains("ln K = ln 16"),
        "{trace}"
    );
    assert!(trace.contains("true MI 1.000"));
    std::fs::remove_dir_all(&dir).unwrap();
}
