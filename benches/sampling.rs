//! Sampling throughput of the distribution library: 1e6 pairs of a 25+25-dim multinormal
//! (dense covariance), a 25+25 Student-t and a transformed task, on one thread. Run with
//! `cargo bench --bench sampling`; the reported time is for 1e6 samples.

use criterion::{criterion_group, criterion_main, Criterion};

// The same allocator as the `mica` binary.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use mica::pipeline::{compile, Source};

fn data(decl: &str) -> std::sync::Arc<dyn mica::dist::Distribution> {
    let text = format!("data d = {decl}\nclaim \"c\": mi(d) >= 0\n");
    compile(&Source::new("bench", text))
        .expect("bench program checks")
        .data["d"]
        .dist
        .clone()
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("sample_1e6");
    group.sample_size(10);
    for (name, decl) in [
        (
            "multinormal_25_25_dense",
            "multinormal(cov: dense(dim_x: 25, dim_y: 25, off_diag: 0.1))",
        ),
        ("student_25_25", "student(dim_x: 25, dim_y: 25, dof: 5)"),
        (
            "half_cube_sparse_25_25",
            "half_cube(multinormal(cov: sparse(dim_x: 25, dim_y: 25)))",
        ),
    ] {
        let d = data(decl);
        group.bench_function(name, |b| {
            b.iter(|| d.sample(1_000_000, &mut mica::dist::stream(0, 0, "bench")))
        });
    }
    // The floor under any Gaussian family: 5e7 standard normals from the seeded stream.
    group.bench_function("standard_normals_5e7", |b| {
        use rand_distr::Distribution as _;
        b.iter(|| {
            let mut rng = mica::dist::stream(0, 0, "bench");
            (0..50_000_000)
                .map(|_| -> f64 { rand_distr::StandardNormal.sample(&mut rng) })
                .sum::<f64>()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
