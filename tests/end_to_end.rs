//! End to end: a tiny claim file goes from text to verdicts through every phase, and the
//! numbers are the same on every run with the same seed.

mod common;

use mica::report::Report;
use mica::verdicts::Verdict;

fn run(path: &str, seed: u64) -> Report {
    common::run_file(
        std::path::Path::new(&format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))),
        seed,
    )
}

fn verdict(r: &Report, title: &str) -> Verdict {
    r.claims
        .iter()
        .find(|c| c.title == title)
        .unwrap_or_else(|| panic!("{title}"))
        .verdict
}

#[test]
fn tiny_file_reaches_the_expected_verdicts() {
    let r = run("tests/fixtures/tiny.mica", 0);
    for c in &r.claims {
        eprintln!("{} {} {:?}", c.verdict, c.title, c.reason);
    }
    assert_eq!(verdict(&r, "ceiling"), Verdict::Verified);
    assert_eq!(verdict(&r, "learns"), Verdict::Verified);
    assert_eq!(verdict(&r, "reaches ln K"), Verdict::Refuted);
    assert_eq!(verdict(&r, "constant"), Verdict::Verified);
    assert_eq!(
        verdict(&r, "near zero on independent data"),
        Verdict::Verified
    );
    assert_eq!(
        verdict(&r, "every batch size respects its ceiling"),
        Verdict::Verified
    );
    assert_eq!(
        verdict(&r, "more steps, higher estimate"),
        Verdict::Verified
    );
    assert_eq!(verdict(&r, "a false trend"), Verdict::Refuted);
    assert!(r.all_met());
    // Every claim on trained runs used all four seeds, and the estimates respect ln K exactly.
    let ceiling = r.claims.iter().find(|c| c.title == "ceiling").unwrap();
    assert_eq!(ceiling.seeds, 4);
    assert!(ceiling.evidence[0]
        .lhs_seeds
        .iter()
        .all(|&v| v < 16f64.ln()));
    // A forall over two batch sizes yields two comparisons.
    let forall = r
        .claims
        .iter()
        .find(|c| c.title.starts_with("every batch"))
        .unwrap();
    assert_eq!(forall.evidence.len(), 2);
}

#[test]
fn same_seed_same_numbers_other_seed_other_numbers() {
    let per_seed = |r: &Report| -> Vec<f64> { r.claims[0].evidence[0].lhs_seeds.clone() };
    let a = run("tests/fixtures/tiny.mica", 7);
    let b = run("tests/fixtures/tiny.mica", 7);
    let c = run("tests/fixtures/tiny.mica", 8);
    assert_eq!(per_seed(&a), per_seed(&b));
    assert_ne!(per_seed(&a), per_seed(&c));
    // Seeds within a run differ from each other (each samples its own stream).
    let v = per_seed(&a);
    assert!(v.windows(2).all(|w| w[0] != w[1]), "{v:?}");
}

/// Every construct of the claim language, on cheap runs: the example meets every expectation.
#[test]
fn statistics_example_meets_every_expectation() {
    let r = run("examples/statistics.mica", 0);
    for c in &r.claims {
        eprintln!("{} {} {:?}", c.verdict, c.title, c.reason);
    }
    assert!(r.all_met());
    assert!(r.claims.iter().any(|c| c.verdict == Verdict::Inconclusive));
    assert!(r.claims.iter().any(|c| c.verdict == Verdict::Refuted));
    // Raw and Holm-adjusted p-values are both reported; adjustment never lowers a p-value.
    for c in &r.claims {
        assert!(c.p_verify_adjusted >= c.p_verify - 1e-12);
        assert!(c.p_refute_adjusted >= c.p_refute - 1e-12);
    }
}

/// Every bound and critic trains and evaluates to sensible numbers.
#[test]
fn every_bound_and_critic_trains() {
    let r = run("tests/fixtures/bounds.mica", 0);
    for c in &r.claims {
        eprintln!("{} {} {:?}", c.verdict, c.title, c.reason);
    }
    assert!(r.all_met());
}

/// A staircase trains through its stages (the trace follows them) and early stopping ends
/// training early with a critic as good as a full run's.
#[test]
fn staircase_and_early_stopping() {
    let r = run("tests/fixtures/staircase.mica", 0);
    for c in &r.claims {
        eprintln!("{} {} {:?}", c.verdict, c.title, c.reason);
    }
    assert!(r.all_met());
    let es = &r.runs["es"];
    assert_eq!(es.early_stops.len(), 3);
    assert!(es.steps_done < 3 * 20_000, "{}", es.steps_done);
    // 600 steps trace every 10 steps (at most 100 points per stage, at most every 10 steps).
    let stairs = &r.runs["r"];
    assert!(
        stairs.traces.iter().all(|t| t.len() == 61),
        "{:?}",
        stairs.traces[0].len()
    );
}

/// A run whose estimate runs off by orders of magnitude is diverged, seed by seed, and its
/// claim says so instead of asking for more seeds.
#[test]
fn a_diverging_run_is_called_diverged() {
    let r = run("tests/fixtures/diverges.mica", 0);
    let c = &r.claims[0];
    assert_eq!(c.verdict, Verdict::Inconclusive);
    let reason = c.reason.clone().unwrap_or_default();
    assert!(
        reason.contains("diverged") && reason.contains("step"),
        "{reason}"
    );
    assert_eq!(r.runs["r"].failures.len(), 3);
}

/// An equivalence whose interval excludes 0 but overlaps the tolerance is a bias, and is
/// reported as one (more seeds would not settle it).
#[test]
fn a_biased_equivalence_is_reported_as_a_bias() {
    let r = run("tests/fixtures/bias.mica", 0);
    let c = &r.claims[0];
    assert_eq!(c.verdict, Verdict::Inconclusive);
    let reason = c.reason.clone().unwrap_or_default();
    assert!(reason.contains("systematic bias"), "{reason}");
}

/// Probes against independent numbers: a label that a line separates is read at least 99% of
/// the time, a label independent of the data at chance (within three binomial standard
/// errors of 4,000 test points, plus the fit's own spread), by a linear and a k-NN probe; a
/// critic trained on views of the separable source keeps the class in its representation.
#[test]
fn probes_read_labels_at_the_right_accuracy() {
    let r = run("tests/fixtures/probes.mica", 0);
    for c in &r.claims {
        assert_eq!(c.verdict, Verdict::Verified, "{}: {:?}", c.title, c.reason);
    }
    let seeds = |prefix: &str| -> Vec<f64> {
        let (_, v) = r
            .estimates
            .iter()
            .find(|(k, _)| k.starts_with(prefix))
            .unwrap_or_else(|| panic!("{prefix} in {:?}", r.estimates.keys()));
        v.iter()
            .map(|e| e.expect("every seed has a value").mean)
            .collect()
    };
    assert!(seeds("accuracy(data: classes").iter().all(|&a| a >= 0.99));
    for chance in [
        "accuracy(data: unrelated, seeds: 10, train",
        "accuracy(data: unrelated, seeds: 10, model: knn",
    ] {
        let v = seeds(chance);
        assert_eq!(v.len(), 10);
        assert!(v.iter().all(|a| (a - 0.5).abs() < 0.03), "{chance}: {v:?}");
    }
    assert!(seeds("accuracy(enc").iter().all(|&a| a >= 0.95));
}

/// `encode(DATA, with: RUN)` against independent numbers: through identity encoders KSG gives
/// the data's own estimate on every seed (to f32 rounding); through an invertible encoder the
/// truth is the data's and KSG finds it; a probe of encoded data reads exactly what the run's
/// probe on the same data reads; a critic trains on it; every claim is verified.
#[test]
fn encoded_data_is_the_embeddings_of_the_data() {
    let r = run("tests/fixtures/encode.mica", 0);
    for c in &r.claims {
        assert_eq!(c.verdict, Verdict::Verified, "{}: {:?}", c.title, c.reason);
    }
    let seeds = |label: &str| -> Vec<f64> {
        r.estimates
            .iter()
            .find(|(k, _)| k.starts_with(label))
            .unwrap_or_else(|| panic!("{label} in {:?}", r.estimates.keys()))
            .1
            .iter()
            .map(|e| e.expect("every seed has a value").mean)
            .collect()
    };
    let (through, raw) = (seeds("estimate(through"), seeds("estimate(raw"));
    assert_eq!(through.len(), 3);
    for (a, b) in through.iter().zip(&raw) {
        assert!((a - b).abs() < 1e-3, "{through:?} vs {raw:?}");
    }
    let direct = seeds("accuracy(enc, on: clean, train");
    let encoded = seeds("accuracy(data: encode(clean, with: enc), seeds");
    assert_eq!(direct, encoded);
    let below = seeds("accuracy(enc, on: clean, head: 1");
    assert_eq!(
        below,
        seeds("accuracy(data: encode(clean, with: enc, head: 1)")
    );
    assert_ne!(below, direct, "the hidden layer is another representation");
}

/// `negatives: N` against an independent number: with nothing for a momentum encoder to lag
/// behind, K = 4 plus 252 queued keys trains the critic that K = 256 trains.
#[test]
fn a_queue_of_negatives_stands_in_for_a_larger_batch() {
    let r = run("tests/fixtures/queue.mica", 0);
    for c in &r.claims {
        assert_eq!(c.verdict, Verdict::Verified, "{}: {:?}", c.title, c.reason);
    }
}

/// `project(d, dim:)` keeps the truth, the pointwise MI (through its left inverse) and the
/// labels: KSG, the oracle critic and a probe agree with the unprojected distribution.
#[test]
fn a_random_projection_keeps_the_truth_and_the_labels() {
    let r = run("tests/fixtures/project.mica", 0);
    for c in &r.claims {
        assert_eq!(c.verdict, Verdict::Verified, "{}: {:?}", c.title, c.reason);
    }
}
