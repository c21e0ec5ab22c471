//! The CPU fast path (`nn::fast`, hand-written forward and backward, AdamW in place) against
//! the plain candle path (autograd, candle_nn's AdamW): the same run trained on both gives the
//! same trace and the same trained critic, to rounding. Each case also checks that the run does
//! take the fast path (else the comparison would be of the reference with itself) and that
//! training moved the critic (else any gradient would agree).

use candle_core::{Device, Tensor};
use mica::pipeline::{compile, Source};
use mica::train::{fit_on, takes_fast_path, JobProgress, TrainPath};

fn spec(body: &str) -> std::sync::Arc<mica::ir::RunSpec> {
    let text = format!("{body}\nclaim \"c\": estimate(r) <= 100\n");
    compile(&Source::new("fast", text))
        .unwrap_or_else(|e| panic!("{e:?}"))
        .runs["r"]
        .clone()
}

/// Trains `body`'s run `r` on both paths; the largest difference of their traces and of their
/// trained critics' scores on one batch, and how far training moved the scores.
fn compare(body: &str, steps: usize) -> (f64, f64, f64) {
    let spec = spec(body);
    let dev = Device::Cpu;
    assert!(
        takes_fast_path(&spec, &dev).unwrap(),
        "not on the fast path: {body}"
    );
    let train = |path| {
        fit_on(
            path,
            &spec,
            steps,
            3,
            0,
            &dev,
            &Default::default(),
            &JobProgress::none(),
        )
        .unwrap()
    };
    let (fast, reference) = (train(TrainPath::Fast), train(TrainPath::Reference));
    let untrained = fit_on(
        TrainPath::Reference,
        &spec,
        0,
        3,
        0,
        &dev,
        &Default::default(),
        &JobProgress::none(),
    )
    .unwrap();
    assert!(fast.diverged.is_none() && reference.diverged.is_none());
    assert_eq!(fast.trace.len(), reference.trace.len());
    let trace_diff = fast
        .trace
        .iter()
        .zip(&reference.trace)
        .map(|(a, b)| {
            assert_eq!(a.0, b.0);
            (a.1 - b.1).abs()
        })
        .fold(0.0, f64::max);
    let data = &spec.data().dist;
    let mut rng = mica::dist::stream(9, 0, "check");
    let batch = data.sample(32, &mut rng);
    let x: Vec<f32> = batch.x.iter().map(|&v| v as f32).collect();
    let y: Vec<f32> = batch.y.iter().map(|&v| v as f32).collect();
    let x = Tensor::from_vec(x, (32, batch.dim_x), &dev).unwrap();
    let y = Tensor::from_vec(y, (32, batch.dim_y), &dev).unwrap();
    // A bound that ignores a constant added to a row (InfoNCE) gives the output bias a
    // gradient that is rounding noise, which Adam turns into full steps on either path: its
    // critics are compared up to such constants, by centring each row.
    let centre = spec.train().unwrap().bound.row_shift_invariant();
    let scores = |c: &mica::nn::Critic| -> Vec<f32> {
        let s: Vec<Vec<f32>> = c.scores(&x, &y).unwrap().to_vec2().unwrap();
        s.into_iter()
            .flat_map(|row| {
                let mean = if centre {
                    row.iter().sum::<f32>() / row.len() as f32
                } else {
                    0.0
                };
                row.into_iter().map(move |v| v - mean)
            })
            .collect()
    };
    let (sf, sr, s0) = (
        scores(&fast.critic),
        scores(&reference.critic),
        scores(&untrained.critic),
    );
    let max_diff = |a: &[f32], b: &[f32]| {
        a.iter()
            .zip(b)
            .map(|(u, v)| (u - v).abs() as f64)
            .fold(0.0, f64::max)
    };
    (trace_diff, max_diff(&sf, &sr), max_diff(&sr, &s0))
}

fn agree(body: &str) {
    let (trace, scores, moved) = compare(body, 40);
    eprintln!("trace {trace:.2e}, scores {scores:.2e}, moved {moved:.2e}: {body}");
    assert!(
        moved > 0.05,
        "training barely moved the critic ({moved}): {body}"
    );
    assert!(trace < 1e-4, "traces differ by {trace}: {body}");
    assert!(
        scores < 1e-4 * (1.0 + moved),
        "scores differ by {scores}: {body}"
    );
}

const DATA: &str = "data d = gaussian(dim: 3, mi: 1.0)\n";

#[test]
fn separable_shared_encoder_with_infonce() {
    agree(&format!(
        "{DATA}encoder g = mlp(hidden: [16, 16], out: 8)\n\
         run r = train(infonce, critic: separable(g, g), data: d, batch: 32, steps: 40, lr: 1e-2, seeds: 1)"
    ));
}

#[test]
fn separable_two_encoders_temperature_and_nwj() {
    agree(&format!(
        "{DATA}encoder g = mlp(hidden: [16], out: 8)\n\
         encoder h = mlp(hidden: [12, 10], out: 8)\n\
         run r = train(nwj, critic: separable(g, h, temperature: 0.5), data: d, batch: 32, steps: 40, lr: 1e-2, seeds: 1)"
    ));
}

#[test]
fn concat_critic_with_js_weight_decay_and_clipping() {
    agree(&format!(
        "{DATA}encoder f = mlp(hidden: [16, 8], out: 1)\n\
         run r = train(js, critic: concat(f), data: d, batch: 32, steps: 40, lr: 1e-2, weight_decay: 0.1, clip: 0.5, seeds: 1)"
    ));
}

#[test]
fn concat_critic_in_several_row_blocks() {
    // 64 x 64 pairs of an 1100-wide hidden layer exceed one row block (2^22 floats).
    agree(&format!(
        "{DATA}encoder f = mlp(hidden: [1100], out: 1)\n\
         run r = train(infonce, critic: concat(f), data: d, batch: 64, steps: 40, lr: 1e-3, seeds: 1)"
    ));
}

/// What the fast path does not compute goes to the candle path.
#[test]
fn other_critics_take_the_candle_path() {
    for body in [
        "encoder g = mlp(hidden: [8], out: 4, act: tanh)\nrun r = train(infonce, critic: separable(g, g), data: d, batch: 16, steps: 5, seeds: 1)",
        "encoder g = mlp(hidden: [8], out: 4)\nrun r = train(infonce, critic: separable(g, g, normalize: true), data: d, batch: 16, steps: 5, seeds: 1)",
        "encoder g = mlp(hidden: [8], out: 4)\nrun r = train(tuba, critic: separable(g, g), data: d, batch: 16, steps: 5, seeds: 1)",
        "encoder g = mlp(hidden: [8], out: 4)\nrun r = train(infonce, critic: bilinear(g, g), data: d, batch: 16, steps: 5, seeds: 1)",
    ] {
        let s = spec(&format!("{DATA}{body}"));
        assert!(!takes_fast_path(&s, &Device::Cpu).unwrap(), "{body}");
    }
}
