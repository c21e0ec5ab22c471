//! Covariances and the Gaussian families built on them: `dense`, `sparse` and explicit
//! `covariance(...)` matrices (each checked positive definite here, before anything samples),
//! `multinormal`, mixture `component`s, `mixture` and `views`.

use std::sync::Arc;

use crate::dist::mixture::{Component, Mixture, Shape, TaskViews};
use crate::dist::multinormal::{Covariance, GaussianBlocks, MultiNormal};
use crate::dist::{DataDecl, DataRef};
use crate::ir::{
    typed_params, Args, Default, Entry, Kind, ParamError, ParamErrorKind, Range, Value,
};

typed_params! {
    pub struct DenseArgs {
        dim_x: usize = Default::Required, Range::between(1.0, 512.0), "dimension of x";
        dim_y: usize = Default::Required, Range::between(1.0, 512.0), "dimension of y";
        off_diag: f64 = Default::Num(0.5), Range::ANY, "the common correlation";
    }
}

pub static DENSE: Entry = Entry::constructor(
    "dense",
    Kind::Covariance,
    "unit variances and one correlation off_diag between every pair of coordinates (Beyond Normal's dense family)",
    DenseArgs::PARAMS,
    build_dense,
);

typed_params! {
    pub struct SparseArgs {
        dim_x: usize = Default::Required, Range::between(1.0, 512.0), "dimension of x";
        dim_y: usize = Default::Required, Range::between(1.0, 512.0), "dimension of y";
        pairs: usize = Default::Num(2.0), Range::at_least(0.0), "correlated (x_i, y_i) pairs";
        corr: f64 = Default::Num(0.8), Range { min: Some((-1.0, false)), max: Some((1.0, false)) },
            "their correlation";
    }
}

pub static SPARSE: Entry = Entry::constructor(
    "sparse",
    Kind::Covariance,
    "identity except corr(x_i, y_i) = corr for the first `pairs` coordinates (the 2-pair family)",
    SparseArgs::PARAMS,
    build_sparse,
);

typed_params! {
    pub struct DiagArgs {
        corr: Vec<f64> = Default::Required, Range { min: Some((-1.0, false)), max: Some((1.0, false)) },
            "the canonical correlations corr(x_i, y_i), one per coordinate pair";
    }
}

pub static DIAG: Entry = Entry::constructor(
    "diag",
    Kind::Covariance,
    "canonical correlations: unit variances, corr(x_i, y_i) = corr[i], zero elsewhere (x and y as wide as the list; bmi's canonical_correlation); MI = -1/2 sum ln(1 - corr_i^2)",
    DiagArgs::PARAMS,
    |args| {
        let corr = DiagArgs::read(args)?.corr;
        let d = corr.len();
        if d == 0 {
            return Err(ParamError::new(
                ParamErrorKind::OutOfRange,
                "corr",
                "no correlations given",
            )
            .help("give one correlation per coordinate pair, e.g. `corr: [0.8, 0.5]`"));
        }
        let mut c = Covariance::identity(d, d);
        let n = c.n();
        for (i, r) in corr.into_iter().enumerate() {
            c.matrix[i * n + d + i] = r;
            c.matrix[(d + i) * n + i] = r;
        }
        checked(c, "corr", "each correlation must lie in (-1, 1)".into())
    },
);

typed_params! {
    pub struct LvmArgs {
        dim_x: usize = Default::Required, Range::between(1.0, 512.0), "dimension of x";
        dim_y: usize = Default::Required, Range::between(1.0, 512.0), "dimension of y";
        pairs: usize = Default::Num(0.0), Range::at_least(0.0),
            "strongly interacting pairs (x_i, y_i) sharing a latent Z_i";
        alpha: f64 = Default::Num(0.0), Range::ANY, "weight of U_all, shared by every coordinate (dense interactions)";
        lambd: f64 = Default::Num(0.0), Range::ANY, "weight of Z_i in the interacting pairs";
        beta: f64 = Default::Num(0.0), Range::ANY, "weight of U_X within x and of U_Y within y";
        eta: f64 = Default::Num(0.0), Range::ANY, "weight of a private latent added to each non-interacting coordinate (bmi's sparse family sets it to lambd so all variances match)";
        epsilon: f64 = Default::Num(1.0), Range::ANY, "weight of each coordinate's own noise";
    }
}

pub static LVM: Entry = Entry::constructor(
    "lvm",
    Kind::Covariance,
    "bmi's Gaussian latent-variable model (GaussianLVMParametrization): x_i = alpha U_all + beta U_X + lambd Z_i [i < pairs] + eta V_i [i >= pairs] + epsilon E_i, y likewise, all latents N(0, 1), as a correlation matrix; dense is alpha only, sparse(corr: 0.8) is pairs 2, lambd = eta = 2",
    LvmArgs::PARAMS,
    |args| {
        let a = LvmArgs::read(args)?;
        let (dx, dy) = (a.dim_x, a.dim_y);
        if a.pairs > dx.min(dy) {
            return Err(ParamError::new(
                ParamErrorKind::OutOfRange,
                "pairs",
                format!("{} pairs need at least {} coordinates in x and in y", a.pairs, a.pairs),
            )
            .help(format!("pairs must be at most min(dim_x, dim_y) = {}", dx.min(dy))));
        }
        let n = dx + dy;
        let mut m = vec![a.alpha * a.alpha; n * n];
        for i in 0..n {
            for j in 0..n {
                if (i < dx) == (j < dx) {
                    m[i * n + j] += a.beta * a.beta;
                }
            }
            m[i * n + i] += a.epsilon * a.epsilon;
            let own = if i < dx { i } else { i - dx };
            m[i * n + i] += if own < a.pairs {
                a.lambd * a.lambd
            } else {
                a.eta * a.eta
            };
        }
        for i in 0..a.pairs {
            m[i * n + dx + i] += a.lambd * a.lambd;
            m[(dx + i) * n + i] += a.lambd * a.lambd;
        }
        // bmi uses the correlation matrix of this covariance.
        let sd: Vec<f64> = (0..n).map(|i| m[i * n + i].sqrt()).collect();
        if sd.iter().any(|&s| s <= 0.0 || !s.is_finite()) {
            return Err(ParamError::new(
                ParamErrorKind::OutOfRange,
                "epsilon",
                "some coordinate has no variance",
            )
            .help("give every coordinate some noise (epsilon > 0)"));
        }
        for i in 0..n {
            for j in 0..n {
                m[i * n + j] /= sd[i] * sd[j];
            }
        }
        checked(
            Covariance {
                dim_x: dx,
                dim_y: dy,
                matrix: m,
            },
            "epsilon",
            "the latent weights give a singular correlation matrix".into(),
        )
    },
);

typed_params! {
    pub struct CovarianceArgs {
        dim_x: usize = Default::Required, Range::between(1.0, 512.0), "dimension of x";
        dim_y: usize = Default::Required, Range::between(1.0, 512.0), "dimension of y";
        entries: Vec<f64> = Default::Required, Range::ANY, "(dim_x + dim_y)^2 numbers, row by row";
    }
}

pub static COVARIANCE: Entry = Entry::constructor(
    "covariance",
    Kind::Covariance,
    "an explicit symmetric positive-definite covariance over [x, y], row-major",
    CovarianceArgs::PARAMS,
    build_explicit,
);

typed_params! {
    pub struct MultinormalArgs {
        cov: Arc<Covariance> = Default::Required, Range::ANY, "dense(...), sparse(...) or covariance(...)";
    }
}

pub static MULTINORMAL: Entry = Entry::constructor(
    "multinormal",
    Kind::Data,
    "(x, y) ~ N(0, cov); MI = 0.5 ln(det S_xx det S_yy / det S)",
    MultinormalArgs::PARAMS,
    build_multinormal,
);

fn checked(c: Covariance, param: &'static str, help: String) -> Result<Value, ParamError> {
    if !c.is_positive_definite() {
        return Err(ParamError::new(
            ParamErrorKind::OutOfRange,
            param,
            "this covariance is not positive definite",
        )
        .help(help));
    }
    Ok(Value::Covariance(Arc::new(c)))
}

fn build_dense(args: &Args) -> Result<Value, ParamError> {
    let DenseArgs {
        dim_x: dx,
        dim_y: dy,
        off_diag: rho,
    } = DenseArgs::read(args)?;
    let mut c = Covariance::identity(dx, dy);
    let n = c.n();
    for i in 0..n {
        for j in 0..n {
            if i != j {
                c.matrix[i * n + j] = rho;
            }
        }
    }
    // Equicorrelation over n coordinates is positive definite iff -1/(n-1) < rho < 1.
    checked(
        c,
        "off_diag",
        format!(
            "with {n} coordinates, off_diag must lie in ({:.4}, 1)",
            -1.0 / (n as f64 - 1.0)
        ),
    )
}

fn build_sparse(args: &Args) -> Result<Value, ParamError> {
    let SparseArgs {
        dim_x: dx,
        dim_y: dy,
        pairs,
        corr,
    } = SparseArgs::read(args)?;
    if pairs > dx.min(dy) {
        return Err(ParamError::new(
            ParamErrorKind::OutOfRange,
            "pairs",
            format!("{pairs} pairs need at least {pairs} coordinates in x and in y"),
        )
        .help(format!(
            "pairs must be at most min(dim_x, dim_y) = {}",
            dx.min(dy)
        )));
    }
    let mut c = Covariance::identity(dx, dy);
    let n = c.n();
    for i in 0..pairs {
        c.matrix[i * n + dx + i] = corr;
        c.matrix[(dx + i) * n + i] = corr;
    }
    checked(c, "corr", "corr must lie in (-1, 1)".into())
}

fn build_explicit(args: &Args) -> Result<Value, ParamError> {
    let CovarianceArgs {
        dim_x: dx,
        dim_y: dy,
        entries: m,
    } = CovarianceArgs::read(args)?;
    let n = dx + dy;
    if m.len() != n * n {
        return Err(ParamError::new(
            ParamErrorKind::Shape,
            "entries",
            format!(
                "{} entries given, but a {n} x {n} covariance needs {}",
                m.len(),
                n * n
            ),
        ));
    }
    for i in 0..n {
        for j in 0..i {
            if (m[i * n + j] - m[j * n + i]).abs() > 1e-12 {
                return Err(ParamError::new(
                    ParamErrorKind::OutOfRange,
                    "entries",
                    format!(
                        "the covariance is not symmetric: entry ({i}, {j}) differs from ({j}, {i})"
                    ),
                ));
            }
        }
    }
    checked(
        Covariance {
            dim_x: dx,
            dim_y: dy,
            matrix: m,
        },
        "entries",
        "a covariance must be symmetric with all eigenvalues positive".into(),
    )
}

fn build_multinormal(args: &Args) -> Result<Value, ParamError> {
    let c = MultinormalArgs::read(args)?.cov;
    let g = GaussianBlocks::new(&c).ok_or_else(|| {
        ParamError::new(ParamErrorKind::OutOfRange, "cov", "not positive definite")
    })?;
    Ok(Value::Data(DataDecl::new(MultiNormal { g })))
}

typed_params! {
    pub struct ComponentArgs {
        mean: Vec<f64> = Default::Required, Range::ANY, "dim_x + dim_y numbers";
        cov: Arc<Covariance> = Default::Required, Range::ANY, "its covariance";
        label: usize = Default::Num(0.0), Range::between(0.0, 1000.0), "class label carried with its samples (probes read it)";
        dof: Option<f64> = Default::Optional, Range::above(0.0),
            "a multivariate Student-t with these degrees of freedom and dispersion cov instead of a Gaussian";
        product: bool = Default::Bool(false), Range::ANY,
            "x and y independent, each with its Gaussian margin (bmi's product component; cov's cross-covariance is not used)";
    }
}

pub static COMPONENT: Entry = Entry::constructor(
    "component",
    Kind::Component,
    "one component of a mixture: mean over [x, y], covariance, class label; Gaussian unless dof: (Student-t) or product: true (independent margins)",
    ComponentArgs::PARAMS,
    build_component,
);

typed_params! {
    pub struct MixtureArgs {
        components: Vec<Arc<Component>> = Default::Required, Range::ANY, "[component(...), ...]";
        weights: Option<Vec<f64>> = Default::Optional, Range::above(0.0),
            "mixing weights (equal if omitted; normalised)";
    }
}

pub static MIXTURE: Entry = Entry::constructor(
    "mixture",
    Kind::Data,
    "mixture of components over [x, y] (Gaussian, Student-t or product); MI by Monte Carlo of the pointwise MI, with its standard error",
    MixtureArgs::PARAMS,
    build_mixture,
);

typed_params! {
    pub struct WaveMixtureArgs {
        components: usize = Default::Num(12.0), Range::between(1.0, 1000.0), "number of Gaussian components";
    }
}

pub static WAVE_MIXTURE: Entry = Entry::constructor(
    "wave_mixture",
    Kind::Data,
    "the base of bmi's waves task: an equal mixture over (x0, x1, y) of N(1.5 [k, 0, k mod 4], diag(0.1, 1, 0.1)), k = 0 .. components - 1 (x 2-dim, y 1-dim); MI by Monte Carlo",
    WaveMixtureArgs::PARAMS,
    |args| {
        let n = WaveMixtureArgs::read(args)?.components;
        let cov = Covariance {
            dim_x: 2,
            dim_y: 1,
            matrix: vec![0.1, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.1],
        };
        let comps = (0..n)
            .map(|k| Component {
                mean: vec![1.5 * k as f64, 0.0, 1.5 * (k % 4) as f64],
                cov: cov.clone(),
                label: 0,
                shape: Shape::Gaussian,
            })
            .collect();
        Ok(Value::Data(DataDecl::new(Mixture::new(comps, &vec![1.0; n]))))
    },
);

typed_params! {
    pub struct ViewsArgs {
        source: DataRef = Default::Required, Range::ANY, "a mixture; its x coordinates are the latent";
        noise: f64 = Default::Required, Range::above(0.0), "standard deviation of each view's noise";
    }
}

pub static VIEWS: Entry = Entry::constructor(
    "views",
    Kind::Data,
    "two noisy views x = z + noise e1, y = z + noise e2 of a latent z drawn from the x part of a mixture",
    ViewsArgs::PARAMS,
    build_views,
);

typed_params! {
    pub struct TaskViewsArgs {
        classes: usize = Default::Num(2.0), Range::between(2.0, 100.0), "classes of the label";
        separation: f64 = Default::Num(3.0), Range::at_least(0.0),
            "distance between neighbouring class means on the first task coordinate (within-class sd 1)";
        task_dim: usize = Default::Num(1.0), Range::between(1.0, 256.0), "width of the task part";
        task_noise: f64 = Default::Num(0.5), Range::above(0.0),
            "standard deviation of each view's own noise on the task part";
        nuisance_dim: usize = Default::Num(1.0), Range::between(0.0, 256.0), "width of the nuisance part";
        nuisance_shared: f64 = Default::Num(0.0), Range::half_open(0.0, 1.0),
            "correlation of the two views' nuisance parts, coordinate by coordinate";
        nuisance_scale: f64 = Default::Num(1.0), Range::above(0.0),
            "standard deviation of the nuisance parts";
    }
}

pub static TASK_VIEWS: Entry = Entry::constructor(
    "task_views",
    Kind::Data,
    "two views of a labelled latent: a task part (class means plus shared unit noise, each view with its own noise) and a nuisance part shared with a set correlation; x = [task + e1, n1], y = [task + e2, n2]; MI by Monte Carlo",
    TaskViewsArgs::PARAMS,
    build_task_views,
);

fn build_task_views(args: &Args) -> Result<Value, ParamError> {
    let a = TaskViewsArgs::read(args)?;
    let tv = TaskViews {
        classes: a.classes,
        separation: a.separation,
        task_dim: a.task_dim,
        task_noise: a.task_noise,
        nuisance_dim: a.nuisance_dim,
        nuisance_shared: a.nuisance_shared,
        nuisance_scale: a.nuisance_scale,
    };
    Ok(Value::Data(DataDecl::new(tv.mixture())))
}

fn build_component(args: &Args) -> Result<Value, ParamError> {
    let ComponentArgs {
        mean,
        cov,
        label,
        dof,
        product,
    } = ComponentArgs::read(args)?;
    let shape = match (dof, product) {
        (None, false) => Shape::Gaussian,
        (Some(dof), false) => Shape::Student { dof },
        (None, true) => Shape::Product,
        (Some(_), true) => {
            return Err(ParamError::new(
                ParamErrorKind::Conflict,
                "product",
                "a component is either a Student-t (dof:) or a product of margins, not both",
            )
            .help("drop `product: true` or `dof:`"))
        }
    };
    if mean.len() != cov.n() {
        return Err(ParamError::new(
            ParamErrorKind::Shape,
            "mean",
            format!(
                "the mean has {} numbers but the covariance is over {}",
                mean.len(),
                cov.n()
            ),
        ));
    }
    Ok(Value::Component(Arc::new(Component {
        mean,
        cov: (*cov).clone(),
        label,
        shape,
    })))
}

fn build_mixture(args: &Args) -> Result<Value, ParamError> {
    let a = MixtureArgs::read(args)?;
    let comps: Vec<Component> = a.components.iter().map(|c| (**c).clone()).collect();
    let Some(first) = comps.first() else {
        return Err(ParamError::internal("components", "an empty list"));
    };
    let (dx, dy) = (first.cov.dim_x, first.cov.dim_y);
    if comps.iter().any(|c| c.cov.dim_x != dx || c.cov.dim_y != dy) {
        return Err(ParamError::new(
            ParamErrorKind::Shape,
            "components",
            "all components must have the same dim_x and dim_y",
        ));
    }
    let weights = a.weights.unwrap_or_else(|| vec![1.0; comps.len()]);
    if weights.len() != comps.len() {
        return Err(ParamError::new(
            ParamErrorKind::Shape,
            "weights",
            format!("{} weights for {} components", weights.len(), comps.len()),
        ));
    }
    Ok(Value::Data(DataDecl::new(Mixture::new(comps, &weights))))
}

fn build_views(args: &Args) -> Result<Value, ParamError> {
    let ViewsArgs { source, noise } = ViewsArgs::read(args)?;
    let Some(mix) = source.dist.as_any().downcast_ref::<Mixture>() else {
        return Err(ParamError::new(
            ParamErrorKind::Conflict,
            "source",
            "views needs a mixture as its source",
        )
        .help("declare the latent as `data z = mixture(components: [...])`"));
    };
    let views = mix.views(noise).ok_or_else(|| {
        ParamError::new(
            ParamErrorKind::Conflict,
            "source",
            "views needs a mixture whose x margins are Gaussian; a Student-t component plus Gaussian noise is not one",
        )
    })?;
    Ok(Value::Data(DataDecl::new(views)))
}
