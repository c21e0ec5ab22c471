//! Non-neural estimators: KSG (k = 3) on a 2+2-dim Gaussian at n = 1e4 and 1e5, and the
//! Gaussian (CCA) estimator at 1e5. Run with `cargo bench --bench nonparam`.

use criterion::{criterion_group, criterion_main, Criterion};

use mica::dist::Distribution as _;
use mica::nonparam::Estimator as _;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn bench(c: &mut Criterion) {
    let d = mica::dist::gaussian::Gaussian { dim: 2, rho: 0.6 };
    let mut group = c.benchmark_group("nonparam");
    group.sample_size(10);
    for n in [10_000usize, 100_000] {
        let s = d.sample(n, &mut mica::dist::stream(0, 0, "bench"));
        group.bench_function(format!("ksg_k3_n{n}"), |b| {
            b.iter(|| mica::nonparam::ksg::Ksg::new(3).estimate(&s))
        });
        if n == 100_000 {
            group.bench_function("gaussian_mi_n100000", |b| {
                b.iter(|| mica::nonparam::gaussian_mi::GaussianMi.estimate(&s))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
