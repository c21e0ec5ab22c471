//! Calibration of verdicts: synthetic claims whose truth is known (per-seed values drawn from
//! known normal distributions, no training) are decided thousands of times, and the error rates
//! are checked against their nominal levels. Monte Carlo error of a rate p over N trials is
//! sqrt(p(1-p)/N); the bounds below allow three of those.

use indexmap::IndexMap;
use rand::SeedableRng;
use rand_distr::{Distribution, Normal};

use mica::pipeline::{compile, Source};
use mica::train::{EstimateResults, Evaluation, Results};
use mica::verdicts::{evaluate_claims, Settings, Verdict};

/// A program with `runs` runs r0, r1, ... (never trained) and the given claims.
fn program(runs: usize, claims: &str) -> mica::ir::Program {
    let mut text =
        String::from("data d = gaussian(dim: 1, rho: 0.5)\ncritic c = separable(identity)\n");
    for i in 0..runs {
        text.push_str(&format!(
            "run r{i} = train(infonce, critic: c, data: d, seeds: 5)\n"
        ));
    }
    text.push_str(claims);
    compile(&Source::new("calibration", text)).unwrap_or_else(|e| panic!("{e:?}"))
}

/// Results whose estimate i has the given per-seed values.
fn results(values: Vec<Vec<f64>>) -> Results {
    Results {
        estimates: values
            .into_iter()
            .map(|v| EstimateResults {
                per_seed: v
                    .into_iter()
                    .map(|mean| {
                        Ok(Evaluation {
                            mean,
                            std_err: 0.0,
                            batches: 1,
                        })
                    })
                    .collect(),
            })
            .collect(),
        runs: IndexMap::new(),
        interrupted: false,
        seconds: 0.0,
    }
}

fn draw(rng: &mut rand_chacha::ChaCha8Rng, mean: f64, n: usize) -> Vec<f64> {
    let d = Normal::new(mean, 1.0).unwrap();
    (0..n).map(|_| d.sample(rng)).collect()
}

fn rate(hits: usize, n: usize) -> f64 {
    hits as f64 / n as f64
}

/// Nominal 5%, plus three Monte Carlo standard errors.
fn at_most_nominal(r: f64, n: usize) -> bool {
    r <= 0.05 + 3.0 * (0.05f64 * 0.95 / n as f64).sqrt()
}

#[test]
fn false_claim_on_the_boundary_is_verified_at_most_at_the_nominal_rate() {
    // The truth is mean 0: `estimate(r0) > 0` is false (on the boundary, the hardest case).
    let p = program(1, "claim \"c\": estimate(r0) > 0\n");
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    let trials = 4000;
    let mut verified = 0;
    for _ in 0..trials {
        let r = evaluate_claims(
            &p,
            &results(vec![draw(&mut rng, 0.0, 5)]),
            &Settings::default(),
        );
        verified += (r[0].verdict == Verdict::Verified) as usize;
    }
    let rate = rate(verified, trials);
    eprintln!("false claim verified at 95%, 5 seeds: {rate:.4}");
    assert!(at_most_nominal(rate, trials), "{rate}");
    // And not absurdly conservative: a t test on the boundary rejects at about the nominal rate.
    assert!(rate > 0.03, "{rate}");
}

#[test]
fn true_claim_with_a_clear_margin_is_verified_at_least_80_percent_at_5_seeds() {
    // Mean 1.5 sd above the threshold.
    let p = program(1, "claim \"c\": estimate(r0) > 0\n");
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2);
    let trials = 2000;
    let mut verified = 0;
    let mut refuted = 0;
    for _ in 0..trials {
        let r = evaluate_claims(
            &p,
            &results(vec![draw(&mut rng, 1.5, 5)]),
            &Settings::default(),
        );
        verified += (r[0].verdict == Verdict::Verified) as usize;
        refuted += (r[0].verdict == Verdict::Refuted) as usize;
    }
    eprintln!(
        "true claim (1.5 sd margin) verified at 5 seeds: {:.4}",
        rate(verified, trials)
    );
    assert!(rate(verified, trials) >= 0.80);
    assert_eq!(refuted, 0);
}

#[test]
fn paired_comparison_uses_the_pairing() {
    // Two runs share a large per-seed effect (common random numbers); their difference is 0.5
    // with small noise. Paired: almost always verified. The claim `r1 > r0` is true.
    let p = program(2, "claim \"c\": estimate(r1) > estimate(r0)\n");
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
    let trials = 500;
    let mut verified = 0;
    for _ in 0..trials {
        let shared = draw(&mut rng, 0.0, 5)
            .iter()
            .map(|v| 10.0 * v)
            .collect::<Vec<_>>();
        let noise = draw(&mut rng, 0.0, 5);
        let a: Vec<f64> = shared.clone();
        let b: Vec<f64> = shared
            .iter()
            .zip(&noise)
            .map(|(s, e)| s + 0.5 + 0.1 * e)
            .collect();
        let r = evaluate_claims(&p, &results(vec![b, a]), &Settings::default());
        verified += (r[0].verdict == Verdict::Verified) as usize;
    }
    assert!(rate(verified, trials) > 0.95, "{}", rate(verified, trials));
}

#[test]
fn holm_keeps_the_family_wise_rate_for_twenty_false_claims() {
    let claims: String = (0..20)
        .map(|i| format!("claim \"c{i}\": estimate(r{i}) > 0\n"))
        .collect();
    let p = program(20, &claims);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(4);
    let trials = 1500;
    let (mut any_holm, mut any_raw) = (0, 0);
    for _ in 0..trials {
        let vals: Vec<Vec<f64>> = (0..20).map(|_| draw(&mut rng, 0.0, 5)).collect();
        let res = results(vals);
        let r = evaluate_claims(&p, &res, &Settings::default());
        any_holm += r.iter().any(|c| c.verdict == Verdict::Verified) as usize;
        let raw = evaluate_claims(
            &p,
            &res,
            &Settings {
                holm: false,
                ..Default::default()
            },
        );
        any_raw += raw.iter().any(|c| c.verdict == Verdict::Verified) as usize;
    }
    let (fw, fw_raw) = (rate(any_holm, trials), rate(any_raw, trials));
    eprintln!("20 false claims: family-wise rate with Holm {fw:.4}, without {fw_raw:.4}");
    assert!(at_most_nominal(fw, trials), "{fw}");
    // Without the correction the family-wise rate is 1 - 0.95^20 = 64%.
    assert!(fw_raw > 0.5, "{fw_raw}");
}

#[test]
fn equivalence_test_is_calibrated_at_the_tolerance_edge() {
    // |mean| = 0.5 = tolerance: the equivalence claim is false (on its boundary).
    let p = program(1, "claim \"c\": estimate(r0) == 0 within 0.5\n");
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
    let trials = 3000;
    let mut verified = 0;
    for _ in 0..trials {
        let r = evaluate_claims(
            &p,
            &results(vec![draw(&mut rng, 0.5, 10)]),
            &Settings::default(),
        );
        verified += (r[0].verdict == Verdict::Verified) as usize;
    }
    let rate = rate(verified, trials);
    eprintln!("TOST on the boundary, 10 seeds: {rate:.4}");
    assert!(at_most_nominal(rate, trials), "{rate}");
    // Clearly inside the tolerance with many seeds: verified.
    let r = evaluate_claims(
        &p,
        &results(vec![draw(&mut rng, 0.0, 40)
            .iter()
            .map(|v| v * 0.1)
            .collect()]),
        &Settings::default(),
    );
    assert_eq!(r[0].verdict, Verdict::Verified);
}

#[test]
fn bootstrap_intervals_are_roughly_calibrated() {
    // Percentile bootstrap is anti-conservative at tiny n; at 20 seeds it is near nominal.
    let p = program(1, "claim \"c\": estimate(r0) > 0\n");
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(6);
    let trials = 800;
    let mut verified = 0;
    for i in 0..trials {
        let s = Settings {
            seed: i as u64,
            bootstrap: Some(400),
            ..Default::default()
        };
        let r = evaluate_claims(&p, &results(vec![draw(&mut rng, 0.0, 20)]), &s);
        verified += (r[0].verdict == Verdict::Verified) as usize;
    }
    let rate = rate(verified, trials);
    eprintln!("bootstrap, false claim, 20 seeds: {rate:.4}");
    assert!(
        rate <= 0.05 + 0.03 + 3.0 * (0.05f64 * 0.95 / trials as f64).sqrt(),
        "{rate}"
    );
}

#[test]
fn inconclusive_says_how_many_seeds_would_settle_it() {
    let p = program(1, "claim \"c\": estimate(r0) > 0\n");
    let r = evaluate_claims(
        &p,
        &results(vec![vec![0.3, -0.2, 0.5, 0.1, -0.1]]),
        &Settings::default(),
    );
    assert_eq!(r[0].verdict, Verdict::Inconclusive);
    let why = r[0].reason.as_deref().unwrap();
    assert!(why.contains("seeds would likely settle it"), "{why}");
    // A diverged seed makes the claim inconclusive with that reason.
    let mut res = results(vec![vec![1.0, 2.0, 3.0]]);
    res.estimates[0].per_seed[1] = Err("run `r0` diverged at seed 1: loss became NaN".into());
    let r = evaluate_claims(&p, &res, &Settings::default());
    assert_eq!(r[0].verdict, Verdict::Inconclusive);
    assert!(r[0].reason.as_deref().unwrap().contains("diverged"));
}
