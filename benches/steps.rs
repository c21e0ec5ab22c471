//! Training throughput in plain numbers, for the side-by-side comparison with PyTorch
//! (`benches/compare.py`, docs/performance.md): trains one critic on the Poole et al. setup
//! (20-dim correlated Gaussian with 4 nats, InfoNCE, Adam at lr 5e-4, a fresh batch every step,
//! a held-out trace point every 10 steps) and prints one JSON line with steps/s and the final
//! held-out estimate.
//!
//! `cargo bench --bench steps -- CRITIC BATCH STEPS [WARMUP]` with CRITIC one of `separable`
//! (one shared MLP 20-256-256-32), `concat` (MLP 40-256-256-1 on all K^2 pairs, first layer
//! factorised) or `bmi` (bmi's default concat critic 16-8-1); `MICA_REFERENCE=1` trains on
//! the plain candle path instead of the CPU fast path. The time is taken inside the process,
//! after WARMUP steps (default 10% of STEPS), so neither the build nor the start counts.

// The same allocator as the `mica` binary.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use mica::pipeline::{compile, Source};
use mica::train::{fit, JobProgress};

fn main() {
    // One thread inside the job, as `mica run` trains each job of a sweep.
    if std::env::var_os("RAYON_NUM_THREADS").is_none() {
        std::env::set_var("RAYON_NUM_THREADS", "1");
    }
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    if args.first().map(String::as_str) == Some("peak") {
        peak();
        return;
    }
    if args.len() < 3 {
        eprintln!("usage: cargo bench --bench steps -- separable|concat|bmi BATCH STEPS [WARMUP]");
        std::process::exit(2);
    }
    let batch: usize = args[1].parse().expect("BATCH is a number");
    let steps: usize = args[2].parse().expect("STEPS is a number");
    let warmup: usize = args
        .get(3)
        .map(|w| w.parse().expect("WARMUP is a number"))
        .unwrap_or(steps / 10);
    let (data, critic) = match args[0].as_str() {
        "separable" => (
            "gaussian(dim: 20, mi: 4.0)",
            "encoder g = mlp(hidden: [256, 256], out: 32)\n",
        ),
        "concat" => (
            "gaussian(dim: 20, mi: 4.0)",
            "encoder f = mlp(hidden: [256, 256], out: 1)\n",
        ),
        "bmi" => (
            "gaussian(dim: 1, mi: 0.5)",
            "encoder f = mlp(hidden: [16, 8], out: 1)\n",
        ),
        other => {
            eprintln!("unknown critic `{other}`: separable, concat or bmi");
            std::process::exit(2);
        }
    };
    let critic_expr = if args[0] == "separable" {
        "separable(g, g)"
    } else {
        "concat(f)"
    };
    let program = |n: usize| {
        let text = format!(
            "data d = {data}\n{critic}\
             run r = train(infonce, critic: {critic_expr}, data: d, batch: {batch}, steps: {n}, lr: 5e-4, seeds: 1)\n\
             claim \"c\": estimate(r) <= 100\n"
        );
        compile(&Source::new("bench", text))
            .expect("bench program checks")
            .runs["r"]
            .clone()
    };
    let device = candle_core::Device::Cpu;
    let cancel = Default::default();
    let quiet = JobProgress::none();
    // Warm-up: allocator, caches, page faults.
    if warmup > 0 {
        fit(&program(warmup), warmup, 0, 0, &device, &cancel, &quiet).expect("warm-up trains");
    }
    let spec = program(steps);
    let start = std::time::Instant::now();
    let trained = fit(&spec, steps, 0, 0, &device, &cancel, &quiet).expect("training runs");
    let seconds = start.elapsed().as_secs_f64();
    let last = trained.trace.last().map(|p| p.1).unwrap_or(f64::NAN);
    let flops = flops_per_step(&args[0], batch);
    println!(
        "{{\"side\": \"mica\", \"critic\": \"{}\", \"batch\": {batch}, \"steps\": {steps}, \
         \"seconds\": {seconds:.4}, \"steps_per_s\": {:.3}, \"final_estimate\": {last:.4}, \
         \"gflop_per_step\": {:.4}, \"gflop_per_s\": {:.2}, \"path\": \"{}\"}}",
        args[0],
        steps as f64 / seconds,
        flops / 1e9,
        flops * steps as f64 / seconds / 1e9,
        if std::env::var_os("MICA_REFERENCE").is_some() {
            "reference"
        } else {
            "fast"
        }
    );
}

/// The matrix-product FLOPs of one training step (forward, backward, and a tenth of a held-out
/// forward for the trace), counted from the shapes: 2 FLOPs per multiply-add; the backward
/// pass costs twice the forward's products (input and weight gradients). Elementwise work is
/// not counted, so the figure is what a perfect kernel would have to do at least.
fn flops_per_step(critic: &str, k: usize) -> f64 {
    let k = k as f64;
    let mlp = |widths: &[f64]| widths.windows(2).map(|w| w[0] * w[1]).sum::<f64>();
    let forward = match critic {
        // x and y rows through one MLP, then the K x K dot products of 32-dim embeddings.
        "separable" => 2.0 * k * mlp(&[20.0, 256.0, 256.0, 32.0]) + k * k * 32.0,
        // The split first layer on K rows of each side, the rest on K^2 pairs.
        "concat" => 2.0 * k * 20.0 * 256.0 + k * k * mlp(&[256.0, 256.0, 1.0]),
        _ => 2.0 * k * 16.0 + k * k * mlp(&[16.0, 8.0, 1.0]),
    };
    2.0 * forward * (3.0 + 0.1)
}

/// The machine's f32 matrix-product rate on one thread: 2048 x 2048 products through candle
/// (the gemm crate, with the same kernels the fast path calls).
fn peak() {
    let n = 2048;
    let dev = candle_core::Device::Cpu;
    let a = candle_core::Tensor::randn(0f32, 1.0, (n, n), &dev).expect("tensor");
    let b = candle_core::Tensor::randn(0f32, 1.0, (n, n), &dev).expect("tensor");
    let _ = a.matmul(&b).expect("matmul");
    let reps = 5;
    let start = std::time::Instant::now();
    for _ in 0..reps {
        let _ = a.matmul(&b).expect("matmul");
    }
    let s = start.elapsed().as_secs_f64();
    let gflops = 2.0 * (n as f64).powi(3) * reps as f64 / s / 1e9;
    println!("{{\"side\": \"mica\", \"peak_gflop_per_s\": {gflops:.2}, \"n\": {n}}}");
}
