//! Ground truths of the distribution library, each against an independent number: a closed
//! form from REFERENCE.md where one is given, and otherwise the Monte Carlo mean of the pointwise
//! MI from the sampler's own densities (agreement within 4 standard errors).

use mica::dist::{self, Distribution, Truth};
use mica::pipeline::{compile, Source};

/// The distribution `d` declared by `decls` (a mica snippet).
fn data(decls: &str) -> std::sync::Arc<dyn Distribution> {
    let text = format!("{decls}\nclaim \"c\": mi(d) >= 0\n");
    let p = compile(&Source::new("t", text)).unwrap_or_else(|e| panic!("{decls}: {e:?}"));
    p.data["d"].dist.clone()
}

/// Monte Carlo mean and standard error of the pointwise MI over n samples.
fn monte_carlo(d: &dyn Distribution, n: usize, seed: u64) -> (f64, f64) {
    let mut rng = dist::stream(seed, 0, "test");
    let s = d.sample(n, &mut rng);
    let (dx, dy) = (s.dim_x, s.dim_y);
    let v: Vec<f64> = (0..n)
        .map(|i| {
            d.pointwise_mi(&s.x[i * dx..(i + 1) * dx], &s.y[i * dy..(i + 1) * dy])
                .expect("sampled points have a density")
        })
        .collect();
    let mean = v.iter().sum::<f64>() / n as f64;
    let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    (mean, (var / n as f64).sqrt())
}

fn assert_mc_agrees(decls: &str, n: usize) -> Truth {
    let d = data(decls);
    let t = d.truth();
    let (mean, se) = monte_carlo(d.as_ref(), n, 11);
    let tol = 4.0 * (se * se + t.std_err * t.std_err).sqrt() + 1e-9;
    assert!(
        (mean - t.value).abs() <= tol,
        "{decls}: truth {} vs Monte Carlo {mean} (4 se = {tol})",
        t.value
    );
    t
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

#[test]
fn closed_forms_match_reference_values() {
    let cases = [
        // REFERENCE.md: Student-t identity dispersion, nu = 1 and 3, m = n = 1.
        ("data d = student(dim_x: 1, dim_y: 1, dof: 1)", 0.2242, 5e-4),
        ("data d = student(dim_x: 1, dim_y: 1, dof: 3)", 0.0424, 5e-4),
        // Additive uniform: 1.7094, 0.5, 0.125.
        ("data d = additive_uniform(eps: 0.1)", 1.7094, 5e-4),
        ("data d = additive_uniform(eps: 0.5)", 0.5, 1e-12),
        ("data d = additive_uniform(eps: 2)", 0.125, 1e-12),
        // 2-pair sparse: -ln(0.36) = 1.0217 in any dimension.
        ("data d = multinormal(cov: sparse(dim_x: 5, dim_y: 5, pairs: 2, corr: 0.8))", 1.0217, 5e-4),
        ("data d = multinormal(cov: sparse(dim_x: 3, dim_y: 7))", 1.0217, 5e-4),
        // Dense equicorrelation at 0.5: 0.5 ln((1+m)^2 / (1+2m)); m = 2 -> 0.2939, m = 5 -> 0.5930.
        ("data d = multinormal(cov: dense(dim_x: 2, dim_y: 2, off_diag: 0.5))", 0.5 * (9.0f64 / 5.0).ln(), 1e-9),
        ("data d = multinormal(cov: dense(dim_x: 5, dim_y: 5))", 0.5 * (36.0f64 / 11.0).ln(), 1e-9),
        // 1v1-normal-0.75: 0.413.
        ("data d = gaussian(dim: 1, rho: 0.75)", 0.4133, 5e-4),
        ("data d = multinormal(cov: covariance(dim_x: 1, dim_y: 1, entries: [1, 0.75, 0.75, 1]))", 0.4133, 5e-4),
        ("data d = discrete_copy(symbols: 8)", 8f64.ln(), 1e-12),
        // BSC: ln 2 - H_b(0.1) = 0.6931 - 0.3251 = 0.3681.
        ("data d = bsc(p: 0.1)", 0.368064, 1e-5),
        ("data d = bsc(p: 0.5)", 0.0, 1e-12),
        ("data d = independent(dim_x: 3, dim_y: 2)", 0.0, 0.0),
    ];
    for (decl, want, tol) in cases {
        let t = data(decl).truth();
        assert!(close(t.value, want, tol), "{decl}: {} vs {want}", t.value);
        assert_eq!(t.std_err, 0.0, "{decl} is analytic");
    }
}

#[test]
fn analytic_truths_agree_with_monte_carlo_of_the_densities() {
    for decl in [
        "data d = gaussian(dim: 3, rho: 0.7)",
        "data d = multinormal(cov: dense(dim_x: 3, dim_y: 2, off_diag: 0.3))",
        "data d = multinormal(cov: sparse(dim_x: 4, dim_y: 4))",
        "data d = multinormal(cov: covariance(dim_x: 1, dim_y: 2, entries: [1, 0.5, 0.2, 0.5, 2, 0.3, 0.2, 0.3, 1]))",
        "data d = student(dim_x: 2, dim_y: 2, dof: 4)",
        "data d = student(dim_x: 1, dim_y: 2, dof: 3, dispersion: dense(dim_x: 1, dim_y: 2, off_diag: 0.4))",
        "data d = additive_uniform(eps: 0.3)",
        "data d = additive_uniform(eps: 1.5)",
        "data d = bsc(p: 0.2)",
        "data d = discrete_copy(symbols: 5)",
    ] {
        assert_mc_agrees(decl, 100_000);
    }
}

#[test]
fn transforms_keep_the_ground_truth() {
    let base = "data b = multinormal(cov: sparse(dim_x: 2, dim_y: 2))\n";
    let want = data(&format!("{base}data d = b")).truth().value;
    for t in [
        "normal_cdf(b)",
        "half_cube(b, on: x)",
        "asinh(b, on: y)",
        "wiggly(b)",
        "spiral(b, speed: 0.3)",
        "power(b, alpha: 3)",
        "rescale(b, scale: -2, shift: 1)",
        "half_cube(spiral(b))",
        "waves(b, on: both, scale: [0.1, 0.5], shift: [-0.8, 0])",
        "waves(b, on: y, amplitude: -2, frequency: 7, scale: [-3, 1], shift: [0, 2])",
        "uniformise(b)",
        "gaussianise(b, on: x, quantiles: 20, reference: 500)",
    ] {
        let decl = format!("{base}data d = {t}");
        let truth = assert_mc_agrees(&decl, 50_000);
        assert_eq!(truth.value, want, "{t}");
    }
    let roll = "data b = gaussian(dim: 1, rho: 0.75)\ndata d = swiss_roll(b, on: x)";
    let d = data(roll);
    assert_eq!(d.dim_x(), 2);
    assert_mc_agrees(roll, 50_000);
}

#[test]
fn self_consistency_combinators() {
    let a = "data a = gaussian(dim: 2, rho: 0.6)\ndata b = additive_uniform(eps: 0.3)\n";
    let ia = data(&format!("{a}data d = a")).truth().value;
    let ib = data(&format!("{a}data d = b")).truth().value;
    // Additivity: MI of independent copies side by side adds.
    let t = assert_mc_agrees(&format!("{a}data d = pair(a, b)"), 100_000);
    assert!(close(t.value, ia + ib, 1e-12));
    // Data processing: a copy of X, or a function of Y, adds nothing.
    let t = assert_mc_agrees(&format!("{a}data d = duplicate_x(a)"), 50_000);
    assert!(close(t.value, ia, 1e-12));
    let t = assert_mc_agrees(
        &format!("{a}data d = append_function_of_y(a, fn: asinh)"),
        50_000,
    );
    assert!(close(t.value, ia, 1e-12));
    assert_eq!(data(&format!("{a}data d = duplicate_x(a)")).dim_x(), 4);
    assert_eq!(
        data(&format!("{a}data d = append_function_of_y(a)")).dim_y(),
        4
    );
}

#[test]
fn mixture_truths_by_monte_carlo_against_independent_values() {
    // One component: the mixture is a Gaussian, whose MI is analytic.
    let one = "data d = mixture(components: [component(mean: [1, -1], cov: covariance(dim_x: 1, dim_y: 1, entries: [1, 0.75, 0.75, 1]))])";
    let t = data(one).truth();
    assert!(t.std_err > 0.0 && t.std_err < 0.01, "{t:?}");
    assert!((t.value - 0.4133).abs() < 4.0 * t.std_err, "{t:?}");
    // Two far-apart, uncorrelated components: the label is recoverable from x and from y, so
    // I = H(label) = ln 2.
    let two = "data d = mixture(components: [component(mean: [-12, -12], cov: dense(dim_x: 1, dim_y: 1, off_diag: 0)), component(mean: [12, 12], cov: dense(dim_x: 1, dim_y: 1, off_diag: 0))])";
    let t = data(two).truth();
    assert!((t.value - std::f64::consts::LN_2).abs() < 1e-3, "{t:?}");
    // Views of a standard normal latent with noise s: corr(x, y) = 1 / (1 + s^2).
    let views = "data z = mixture(components: [component(mean: [0, 0], cov: dense(dim_x: 1, dim_y: 1, off_diag: 0))])\ndata d = views(z, noise: 0.5)";
    let t = data(views).truth();
    let rho: f64 = 1.0 / 1.25;
    let want = -0.5 * (1.0 - rho * rho).ln();
    assert!(
        (t.value - want).abs() < 4.0 * t.std_err + 1e-9,
        "{t:?} vs {want}"
    );
    // The truth is computed once per declaration and is the same on every call.
    let d = data(two);
    assert_eq!(d.truth(), d.truth());
}

/// Student-t and product components against independent numbers: a mixture of one Student-t
/// component is the Student-t whose MI has a closed form (this checks the component's sampler
/// and densities together), a lone product component has MI 0 at every point, and bmi's
/// "inliers" mixture 0.8 N(0, [[1, r], [r, 1]]) + 0.2 N(0, I) (1 x 1) is checked against a
/// 2-D quadrature of its density written out here.
#[test]
fn student_and_product_components_against_independent_values() {
    let cov = "covariance(dim_x: 2, dim_y: 1, entries: [1, 0.3, 0.5, 0.3, 1, 0.2, 0.5, 0.2, 1])";
    let one = data(&format!(
        "data d = mixture(components: [component(mean: [1, 2, 3], cov: {cov}, dof: 4)])"
    ));
    let closed = data(&format!(
        "data d = student(dim_x: 2, dim_y: 1, dof: 4, dispersion: {cov})"
    ))
    .truth();
    let t = one.truth();
    assert!(
        (t.value - closed.value).abs() < 4.0 * t.std_err,
        "{t:?} vs closed form {closed:?}"
    );
    // Each pointwise MI equals the Student-t's at the centred point.
    let student = data(&format!(
        "data d = student(dim_x: 2, dim_y: 1, dof: 4, dispersion: {cov})"
    ));
    for (x, y) in [([0.0, 1.0], [2.0]), ([3.0, -1.0], [7.0])] {
        let a = one.pointwise_mi(&x, &y).unwrap();
        let b = student
            .pointwise_mi(&[x[0] - 1.0, x[1] - 2.0], &[y[0] - 3.0])
            .unwrap();
        assert!((a - b).abs() < 1e-9, "{a} vs {b}");
    }

    let product = data(
        "data d = mixture(components: [component(mean: [0, 0], cov: dense(dim_x: 1, dim_y: 1, off_diag: 0.9), product: true)])",
    );
    assert!(product.truth().value.abs() < 1e-12);
    // Product draws are uncorrelated although the covariance's cross term is 0.9.
    let s = product.sample(20_000, &mut dist::stream(1, 0, "p"));
    let c = s.x.iter().zip(&s.y).map(|(a, b)| a * b).sum::<f64>() / 20_000.0;
    assert!(c.abs() < 0.04, "{c}");

    let r: f64 = 0.8;
    let inliers = data(&format!(
        "data d = mixture(components: [component(mean: [0, 0], cov: dense(dim_x: 1, dim_y: 1, off_diag: {r})), component(mean: [0, 0], cov: dense(dim_x: 1, dim_y: 1, off_diag: {r}), product: true)], weights: [0.8, 0.2])"
    ));
    let pi = std::f64::consts::PI;
    let n1 = |v: f64| (-0.5 * v * v).exp() / (2.0 * pi).sqrt();
    let joint = |x: f64, y: f64| {
        let q = (x * x - 2.0 * r * x * y + y * y) / (1.0 - r * r);
        0.8 * (-0.5 * q).exp() / (2.0 * pi * (1.0 - r * r).sqrt()) + 0.2 * n1(x) * n1(y)
    };
    let (h, half) = (0.02, 500);
    let mut want = 0.0;
    for i in -half..=half {
        for j in -half..=half {
            let (x, y) = (i as f64 * h, j as f64 * h);
            let p = joint(x, y);
            if p > 0.0 {
                want += h * h * p * (p / (n1(x) * n1(y))).ln();
            }
        }
    }
    let t = inliers.truth();
    assert!(
        (t.value - want).abs() < 4.0 * t.std_err + 1e-4,
        "{t:?} vs quadrature {want}"
    );
    // Student-t components cannot be the latent of views.
    let text = "data z = mixture(components: [component(mean: [0, 0], cov: dense(dim_x: 1, dim_y: 1, off_diag: 0), dof: 3)])\ndata d = views(z, noise: 0.5)\nclaim \"c\": mi(d) >= 0\n";
    assert!(compile(&Source::new("t", text)).is_err());
}

/// bmi's waves task against quadrature: in `wave_mixture` the coordinate x1 has the same
/// N(0, 1) law in every component and is independent of the rest, so I(x; y) = I(x0; y), a
/// 2-D integral of a 12-component mixture of diagonal Gaussians, computed here on a grid. The
/// waves map keeps it (Monte Carlo of the pointwise MI through the inverse agrees).
#[test]
fn wave_mixture_truth_against_quadrature() {
    let d = data("data d = wave_mixture(components: 12)");
    let sd = 0.1f64.sqrt();
    let pi = std::f64::consts::PI;
    let n1 = |v: f64, m: f64| (-0.5 * ((v - m) / sd).powi(2)).exp() / (sd * (2.0 * pi).sqrt());
    let h = 0.01;
    let mut want = 0.0;
    let (nx, ny) = (2100, 900);
    // p(x0, y) = sum_r p(y | r) sum_{k mod 4 = r} p(x0 | k) / 12, with r = k mod 4 the y mean.
    let ys: Vec<[f64; 4]> = (0..ny)
        .map(|j| {
            let y = -2.0 + j as f64 * h;
            [0, 1, 2, 3].map(|r| n1(y, 1.5 * r as f64))
        })
        .collect();
    for i in 0..nx {
        let x = -2.0 + i as f64 * h;
        let mut by_r = [0.0; 4];
        for k in 0..12 {
            by_r[k % 4] += n1(x, 1.5 * k as f64) / 12.0;
        }
        let mx: f64 = by_r.iter().sum();
        for py in &ys {
            let my = py.iter().sum::<f64>() / 4.0;
            let p: f64 = (0..4).map(|r| by_r[r] * py[r]).sum();
            if p > 1e-300 {
                want += h * h * p * (p / (mx * my)).ln();
            }
        }
    }
    let t = d.truth();
    assert!(
        (t.value - want).abs() < 4.0 * t.std_err + 1e-4,
        "{t:?} vs quadrature {want}"
    );
    let task =
        "data b = wave_mixture()\ndata d = waves(b, on: x, scale: [0.1, 0.5], shift: [-0.8, 0])";
    assert_eq!(data(task).truth(), t);
    assert_mc_agrees(task, 20_000);
}

/// bmi's gaussianise of a Student-t: the margins become close to N(0, 1) (variance near 1,
/// fourth moment near 3, where the t with 5 degrees of freedom has 9) and the MI, the base's,
/// agrees with a Monte Carlo of the pointwise MI through the inverse; uniformise makes the
/// margins close to uniform (mean 1/2, variance 1/12).
#[test]
fn fitted_margins_are_near_normal_or_uniform() {
    let base = "data b = student(dim_x: 2, dim_y: 1, dof: 5)\n";
    let g = data(&format!("{base}data d = gaussianise(b)"));
    let s = g.sample(40_000, &mut dist::stream(2, 0, "m"));
    let col: Vec<f64> = s.x.iter().step_by(2).copied().collect();
    let n = col.len() as f64;
    let var = col.iter().map(|v| v * v).sum::<f64>() / n;
    let m4 = col.iter().map(|v| v.powi(4)).sum::<f64>() / n;
    assert!(
        (var - 1.0).abs() < 0.05 && (m4 - 3.0).abs() < 0.4,
        "{var} {m4}"
    );
    assert_mc_agrees(&format!("{base}data d = gaussianise(b)"), 20_000);
    let u = data(&format!("{base}data d = uniformise(b, on: y)"));
    let s = u.sample(40_000, &mut dist::stream(2, 0, "m"));
    let mean = s.y.iter().sum::<f64>() / n;
    let var = s.y.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    assert!(s.y.iter().all(|&v| v > 0.0 && v < 1.0));
    assert!(
        (mean - 0.5).abs() < 0.01 && (var - 1.0 / 12.0).abs() < 0.005,
        "{mean} {var}"
    );
}

#[test]
fn samplers_are_deterministic_per_seed() {
    let d = data("data d = student(dim_x: 2, dim_y: 3, dof: 5)");
    let a = d.sample(100, &mut dist::stream(3, 1, "x"));
    let b = d.sample(100, &mut dist::stream(3, 1, "x"));
    let c = d.sample(100, &mut dist::stream(3, 2, "x"));
    assert_eq!(a, b);
    assert_ne!(a, c);
}

/// `task_views` against analytic values: without class separation every part is Gaussian, so
/// I = -task_dim/2 ln(1 - r^2) with r = 1 / (1 + task_noise^2), plus -nuisance_dim/2
/// ln(1 - shared^2); with classes far apart, both views determine the class, so I(x; y) = ln C
/// plus the within-class (Gaussian) part. The labels are the classes, balanced.
#[test]
fn task_views_truth_against_analytic_values() {
    let gaussian_part = |task_dim: f64, noise: f64, nuis_dim: f64, shared: f64| {
        let r: f64 = 1.0 / (1.0 + noise * noise);
        -0.5 * task_dim * (1.0 - r * r).ln() - 0.5 * nuis_dim * (1.0 - shared * shared).ln()
    };
    let flat = data("data d = task_views(separation: 0, task_dim: 2, task_noise: 0.7, nuisance_dim: 3, nuisance_shared: 0.6)");
    let t = flat.truth();
    let want = gaussian_part(2.0, 0.7, 3.0, 0.6);
    assert!(
        (t.value - want).abs() < 4.0 * t.std_err + 1e-3,
        "{t:?} vs {want}"
    );
    let apart = data("data d = task_views(classes: 3, separation: 40, task_noise: 0.5, nuisance_dim: 1, nuisance_shared: 0.9)");
    let t = apart.truth();
    let want = 3f64.ln() + gaussian_part(1.0, 0.5, 1.0, 0.9);
    assert!(
        (t.value - want).abs() < 4.0 * t.std_err + 1e-3,
        "{t:?} vs {want}"
    );
    assert_eq!(apart.classes(), 3);
    let mut rng = dist::stream(0, 0, "labels");
    let (s, labels) = apart.sample_labelled(3000, &mut rng).unwrap();
    for c in 0..3 {
        let share = labels.iter().filter(|&&l| l == c).count() as f64 / 3000.0;
        assert!((share - 1.0 / 3.0).abs() < 0.03, "{share}");
    }
    // The class sits on the first task coordinate of both views: x_0 and y_0 agree in sign
    // with the class's offset from the middle one.
    assert_eq!((s.dim_x, s.dim_y), (2, 2));
    for (i, &l) in labels.iter().enumerate() {
        let expected = (l as f64 - 1.0) * 40.0;
        assert!((s.x[2 * i] - expected).abs() < 10.0 && (s.y[2 * i] - expected).abs() < 10.0);
    }
}

/// I(x; label) of `task_views` against numerical quadrature: the label lives on the first task
/// coordinate, x0 ~ N(+-separation/2, 1 + task_noise^2), so I(x; label) = h(x0) - h(x0 | c) with
/// h(x0) integrated on a fine grid; 0 without separation, ln 2 with classes far apart. The same
/// holds for y by symmetry.
#[test]
fn label_truth_against_quadrature() {
    use mica::dist::LabelSide;
    let quadrature = |sep: f64, noise: f64| {
        let v: f64 = 1.0 + noise * noise;
        let pdf = |x: f64, m: f64| {
            (-(x - m).powi(2) / (2.0 * v)).exp() / (2.0 * std::f64::consts::PI * v).sqrt()
        };
        let (lo, hi, n) = (-sep / 2.0 - 12.0, sep / 2.0 + 12.0, 200_000);
        let h = (hi - lo) / n as f64;
        let mut entropy = 0.0;
        for i in 0..=n {
            let x = lo + i as f64 * h;
            let p = 0.5 * pdf(x, -sep / 2.0) + 0.5 * pdf(x, sep / 2.0);
            if p > 0.0 {
                let w = if i == 0 || i == n { 0.5 } else { 1.0 };
                entropy -= w * h * p * p.ln();
            }
        }
        entropy - 0.5 * (2.0 * std::f64::consts::PI * std::f64::consts::E * v).ln()
    };
    for (sep, noise) in [(2.0, 0.5), (3.0, 1.0), (0.0, 0.5), (40.0, 0.5)] {
        let d = data(&format!(
            "data d = task_views(separation: {sep}, task_noise: {noise}, nuisance_dim: 1, nuisance_shared: 0.5)"
        ));
        let want = quadrature(sep, noise);
        for side in [LabelSide::X, LabelSide::Y] {
            let t = d.label_truth(side).unwrap();
            assert!(
                (t.value - want).abs() < 4.0 * t.std_err + 2e-3,
                "sep {sep}, noise {noise}, {side:?}: {t:?} vs {want}"
            );
        }
    }
    assert!((quadrature(40.0, 0.5) - std::f64::consts::LN_2).abs() < 1e-6);
    // Unlabelled data has none.
    assert!(data("data d = gaussian(dim: 1, rho: 0.5)")
        .label_truth(LabelSide::X)
        .is_none());
}
