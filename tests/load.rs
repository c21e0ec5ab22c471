//! A user's data (`load`): the tests write .npy, .npz, .safetensors and .csv files of a known
//! distribution's sample themselves, and check that the loaded copy gives the same estimates
//! as the sample itself (same estimator, same rows), that labels reach probes, and that a
//! critic trains on the training rows and is evaluated on the held-out rows.

use std::io::Write;
use std::path::{Path, PathBuf};

use mica::dist::{gaussian::Gaussian, Distribution, Sample};
use mica::nonparam::{ksg::Ksg, Estimator};
use mica::report::Report;
use mica::verdicts::Verdict;

mod common;

const ROWS: usize = 600;

fn sample() -> Sample {
    let d = Gaussian { dim: 2, rho: 0.8 };
    d.sample(ROWS, &mut mica::dist::stream(7, 0, "fixture"))
}

/// A fresh folder for one test's files.
fn folder(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mica-load-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A .npy file (version 1.0, little-endian f64 or i64, C order).
fn npy_bytes(values: &[f64], shape: &[usize], integer: bool) -> Vec<u8> {
    let shape_text = match shape {
        [n] => format!("({n},)"),
        s => format!(
            "({})",
            s.iter()
                .map(|v| v.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let descr = if integer { "<i8" } else { "<f8" };
    let mut header =
        format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape_text}, }}");
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    for &v in values {
        if integer {
            out.extend_from_slice(&(v as i64).to_le_bytes());
        } else {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
    out
}

fn labels_of(s: &Sample) -> Vec<f64> {
    // A label that the first x coordinate decides.
    s.x.chunks(s.dim_x)
        .map(|r| f64::from(u8::from(r[0] > 0.0)))
        .collect()
}

fn write_all(dir: &Path, s: &Sample) {
    let labels = labels_of(s);
    std::fs::write(dir.join("x.npy"), npy_bytes(&s.x, &[s.n, s.dim_x], false)).unwrap();
    std::fs::write(dir.join("y.npy"), npy_bytes(&s.y, &[s.n, s.dim_y], false)).unwrap();
    std::fs::write(dir.join("label.npy"), npy_bytes(&labels, &[s.n], true)).unwrap();
    // .npz: the same arrays in a zip.
    let file = std::fs::File::create(dir.join("pairs.npz")).unwrap();
    let mut zip = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default();
    for (name, values, shape, integer) in [
        ("z1", &s.x, vec![s.n, s.dim_x], false),
        ("z2", &s.y, vec![s.n, s.dim_y], false),
        ("y", &labels, vec![s.n], true),
    ] {
        zip.start_file(format!("{name}.npy"), options).unwrap();
        zip.write_all(&npy_bytes(values, &shape, integer)).unwrap();
    }
    zip.finish().unwrap();
    // .safetensors: f64 x and y, i64 labels.
    let bytes = |v: &[f64]| -> Vec<u8> { v.iter().flat_map(|x| x.to_le_bytes()).collect() };
    let (xb, yb) = (bytes(&s.x), bytes(&s.y));
    let lb: Vec<u8> = labels
        .iter()
        .flat_map(|&v| (v as i64).to_le_bytes())
        .collect();
    let views = vec![
        (
            "x",
            safetensors::tensor::TensorView::new(safetensors::Dtype::F64, vec![s.n, s.dim_x], &xb)
                .unwrap(),
        ),
        (
            "y",
            safetensors::tensor::TensorView::new(safetensors::Dtype::F64, vec![s.n, s.dim_y], &yb)
                .unwrap(),
        ),
        (
            "label",
            safetensors::tensor::TensorView::new(safetensors::Dtype::I64, vec![s.n], &lb).unwrap(),
        ),
    ];
    let st = safetensors::serialize(views, None).unwrap();
    std::fs::write(dir.join("pairs.safetensors"), st).unwrap();
    // .csv with a header; full f64 precision (Rust prints the shortest exact form).
    let mut w = csv::Writer::from_path(dir.join("pairs.csv")).unwrap();
    w.write_record(["x0", "x1", "y0", "y1", "label"]).unwrap();
    for (i, label) in labels.iter().enumerate() {
        let row: Vec<String> = s.x[i * 2..i * 2 + 2]
            .iter()
            .chain(&s.y[i * 2..i * 2 + 2])
            .map(|v| v.to_string())
            .chain(std::iter::once((*label as i64).to_string()))
            .collect();
        w.write_record(&row).unwrap();
    }
    w.flush().unwrap();
}

fn run_file(dir: &Path, text: &str) -> Report {
    let path = dir.join("claims.mica");
    std::fs::write(&path, text).unwrap();
    common::run_file(&path, 0)
}

fn values(r: &Report, prefix: &str) -> Vec<f64> {
    r.estimates
        .iter()
        .find(|(k, _)| k.starts_with(prefix))
        .unwrap_or_else(|| panic!("{prefix} in {:?}", r.estimates.keys()))
        .1
        .iter()
        .map(|e| e.expect("a value").mean)
        .collect()
}

/// Every format, loaded in full, gives KSG's estimate on the very rows that were written (KSG
/// does not depend on the order of the rows): to rounding, on every seed.
#[test]
fn every_format_gives_the_estimate_of_the_rows_written() {
    let dir = folder("formats");
    let s = sample();
    write_all(&dir, &s);
    let want = Ksg::new(3).estimate(&s);
    let sources = [
        ("npy", r#"load(x: "x.npy", y: "y.npy", held_out: 0)"#),
        (
            "npz",
            r#"load(x: "pairs.npz:z1", y: "pairs.npz:z2", held_out: 0)"#,
        ),
        (
            "safetensors",
            r#"load(x: "pairs.safetensors:x", y: "pairs.safetensors:y", held_out: 0)"#,
        ),
        (
            "csv",
            r#"load(x: "pairs.csv:x*", y: "pairs.csv:y0,y1", held_out: 0)"#,
        ),
    ];
    for (format, load) in sources {
        let r = run_file(
            &dir,
            &format!(
                "data d = {load}\nrun k = ksg(data: d, samples: {ROWS}, seeds: 2)\nclaim \"some information\": estimate(k) > 0.5\n"
            ),
        );
        assert_eq!(r.claims[0].verdict, Verdict::Verified, "{format}");
        for got in values(&r, "estimate(k") {
            assert!((got - want).abs() < 1e-9, "{format}: {got} vs {want}");
        }
    }
}

/// Labels reach probes (a label the first x coordinate decides is read almost perfectly by a
/// linear probe fit on the training rows and scored on the held-out rows), and a critic trains
/// on the training rows: its held-out InfoNCE estimate is below ln K and near the truth of the
/// distribution the rows came from (0.51 nats, here well under ln 64).
#[test]
fn labels_reach_probes_and_critics_train_on_loaded_rows() {
    let dir = folder("probes");
    let s = sample();
    write_all(&dir, &s);
    let truth = -(1.0f64 - 0.64).ln(); // two coordinates at rho 0.8: 2 x -0.5 ln(1 - rho^2)
    let r = run_file(
        &dir,
        &format!(
            r#"data d = load(x: "pairs.npz:z1", y: "pairs.npz:z2", label: "pairs.npz:y")
run nce = train(infonce, critic: separable(mlp(hidden: [32], out: 8)), data: d, batch: 64,
                steps: 400, lr: 0.003, seeds: 3)
claim "a linear probe reads the label": accuracy(data: d, train: 400, test: 100, seeds: 3) > 0.95
claim "below ln K": estimate(nce) <= ln(64)
claim "near the truth": estimate(nce) == {truth} within 0.3
"#
        ),
    );
    for c in &r.claims {
        assert_eq!(c.verdict, Verdict::Verified, "{}: {:?}", c.title, c.reason);
    }
}

/// `finite(d, samples: N)` draws N pairs once per seed, from one stream per seed, shared by
/// every run of the file: KSG on all N rows equals KSG computed here on the pairs that stream
/// draws, seed by seed (so two runs see the same rows, and seeds see different ones), and the
/// truth is the distribution's.
#[test]
fn finite_samples_are_drawn_once_per_seed_and_shared() {
    use mica::dist::{gaussian::Gaussian, Distribution as _};
    let dir = folder("finite");
    let r = run_file(
        &dir,
        "data g = gaussian(dim: 2, mi: 0.5)\ndata f = finite(g, samples: 300)\n\
         run a = ksg(data: f, samples: 300, seeds: 3)\nrun b = ksg(data: f, samples: 300, seeds: 3, k: 3)\n\
         claim \"the truth is g's\": mi(f) == mi(g) within 0.000001\n\
         claim \"a and b read the same rows\": estimate(a) == estimate(b) within 0.000001\n",
    );
    assert!(r.all_met(), "{:?}", r.claims);
    let g = Gaussian {
        dim: 2,
        rho: Gaussian::rho_for_mi(2, 0.5),
    };
    let got = values(&r, "estimate(a");
    for (seed, v) in got.iter().enumerate() {
        let rows = g.sample(300, &mut mica::dist::stream(0, seed, "finite"));
        let want = Ksg::new(3).estimate(&rows);
        assert!((v - want).abs() < 1e-9, "seed {seed}: {v} vs {want}");
    }
    assert!(got[0] != got[1] && got[1] != got[2], "{got:?}");
}
