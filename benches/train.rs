//! Training throughput: optimiser steps per second for the Poole et al. setup (20-dim Gaussian,
//! 2x256 MLPs, 32-dim embeddings) at several batch sizes, separable and concat critics, on one
//! thread (as `mica run` trains each job). Run with `cargo bench --bench train`; steps/s =
//! (steps per iteration, in the benchmark's name) / (reported time per iteration). The concat
//! critic scores all K^2 pairs with the MLP, so its larger batches take seconds per step: at
//! batch 1024 one step takes 30 to 60 s and about 14 GB, so that case (ten samples, about ten
//! minutes) runs only with `MICA_BENCH_ALL=1`.

use criterion::{criterion_group, criterion_main, Criterion};

// The same allocator as the `mica` binary.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use mica::pipeline::{compile, Source};
use mica::train::fit;

fn run_spec(critic: &str, batch: usize) -> std::sync::Arc<mica::ir::RunSpec> {
    let text = format!(
        "data d = gaussian(dim: 20, mi: 4.0)\n\
         encoder g = mlp(hidden: [256, 256], out: 32)\n\
         encoder f = mlp(hidden: [256, 256], out: 1)\n\
         run r = train(infonce, critic: {critic}, data: d, batch: {batch}, steps: 100, seeds: 1)\n\
         claim \"c\": estimate(r) <= 100\n"
    );
    let program = compile(&Source::new("bench", text)).expect("bench program checks");
    program.runs["r"].clone()
}

fn bench(c: &mut Criterion) {
    std::env::set_var("RAYON_NUM_THREADS", "1");
    let mut group = c.benchmark_group("train");
    group.sample_size(10);
    // (name, critic, [(batch, steps per iteration)])
    for (name, critic, batches) in [
        (
            "separable",
            "separable(g, g)",
            &[(64usize, 20usize), (256, 20), (1024, 5)][..],
        ),
        ("concat", "concat(f)", &[(64, 5), (256, 1), (1024, 1)][..]),
    ] {
        for &(k, steps) in batches {
            if name == "concat" && k == 1024 && std::env::var_os("MICA_BENCH_ALL").is_none() {
                continue;
            }
            let spec = run_spec(critic, k);
            group.bench_function(format!("{name}/batch_{k}/{steps}_steps"), |b| {
                b.iter(|| {
                    fit(
                        &spec,
                        steps,
                        0,
                        0,
                        &candle_core::Device::Cpu,
                        &Default::default(),
                        &mica::train::JobProgress::none(),
                    )
                    .unwrap()
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
