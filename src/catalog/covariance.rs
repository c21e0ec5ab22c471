//! Covariances and the Gaussian families built on them: `dense`, `sparse` and explicit
//! `covariance(...)` matrices (each checked positive definite here, before anything samples),
//! `multinormal`, mixture `component`s, `mixture` and `views`.

use std::sync::Arc;

use crate::dist::mixture::{Component, Mixture};
use crate::dist::multinormal::{Covariance, GaussianBlocks, MultiNormal};
use crate::dist::DataDecl;
use crate::ir::{
    param, Args, Build, Default, Entry, Kind, ParamError, ParamErrorKind, Range, Ty, Value,
};
// src/dist/multinormal.rs
const DIMS: [crate::ir::Param; 2] = [
    param(
        "dim_x",
        Ty::Int,
        Default::Required,
        Range::between(1.0, 512.0),
        "dimension of x",
    ),
    param(
        "dim_y",
        Ty::Int,
        Default::Required,
        Range::between(1.0, 512.0),
        "dimension of y",
    ),
];

pub static DENSE: Entry = Entry {
    name: "dense",
    kind: Kind::Covariance,
    doc: "unit variances and one correlation off_diag between every pair of coordinates (Beyond Normal's dense family)",
    params: &[
        DIMS[0],
        DIMS[1],
        param("off_diag", Ty::Number, Default::Num(0.5), Range::ANY, "the common correlation"),
    ],
    exactly_one_of: &[],
    build: Build::Value(build_dense),
};

pub static SPARSE: Entry = Entry {
    name: "sparse",
    kind: Kind::Covariance,
    doc: "identity except corr(x_i, y_i) = corr for the first `pairs` coordinates (the 2-pair family)",
    params: &[
        DIMS[0],
        DIMS[1],
        param("pairs", Ty::Int, Default::Num(2.0), Range::at_least(0.0), "correlated (x_i, y_i) pairs"),
        param("corr", Ty::Number, Default::Num(0.8), Range { min: Some((-1.0, false)), max: Some((1.0, false)) }, "their correlation"),
    ],
    exactly_one_of: &[],
    build: Build::Value(build_sparse),
};

pub static COVARIANCE: Entry = Entry {
    name: "covariance",
    kind: Kind::Covariance,
    doc: "an explicit symmetric positive-definite covariance over [x, y], row-major",
    params: &[
        DIMS[0],
        DIMS[1],
        param(
            "entries",
            Ty::NumList,
            Default::Required,
            Range::ANY,
            "(dim_x + dim_y)^2 numbers, row by row",
        ),
    ],
    exactly_one_of: &[],
    build: Build::Value(build_explicit),
};

pub static MULTINORMAL: Entry = Entry {
    name: "multinormal",
    kind: Kind::Data,
    doc: "(x, y) ~ N(0, cov); MI = 0.5 ln(det S_xx det S_yy / det S)",
    params: &[param(
        "cov",
        Ty::Of(Kind::Covariance),
        Default::Required,
        Range::ANY,
        "dense(...), sparse(...) or covariance(...)",
    )],
    exactly_one_of: &[],
    build: Build::Value(build_multinormal),
};

fn dims(args: &Args) -> Result<(usize, usize), ParamError> {
    Ok((args.int("dim_x")?, args.int("dim_y")?))
}

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
    let (dx, dy) = dims(args)?;
    let rho = args.num("off_diag")?;
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
    let (dx, dy) = dims(args)?;
    let pairs = args.int("pairs")?;
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
    let corr = args.num("corr")?;
    let mut c = Covariance::identity(dx, dy);
    let n = c.n();
    for i in 0..pairs {
        c.matrix[i * n + dx + i] = corr;
        c.matrix[(dx + i) * n + i] = corr;
    }
    checked(c, "corr", "corr must lie in (-1, 1)".into())
}

fn build_explicit(args: &Args) -> Result<Value, ParamError> {
    let (dx, dy) = dims(args)?;
    let m = args.num_list("entries")?;
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
    let Value::Covariance(c) = args.value("cov")? else {
        return Err(ParamError::new(
            ParamErrorKind::Conflict,
            "cov",
            "internal: cov",
        ));
    };
    let g = GaussianBlocks::new(c).ok_or_else(|| {
        ParamError::new(ParamErrorKind::OutOfRange, "cov", "not positive definite")
    })?;
    Ok(Value::Data(DataDecl::new(MultiNormal { g })))
}

// src/dist/mixture.rs
pub static COMPONENT: Entry = Entry {
    name: "component",
    kind: Kind::Component,
    doc: "one Gaussian component of a mixture: mean over [x, y], covariance, class label",
    params: &[
        param(
            "mean",
            Ty::NumList,
            Default::Required,
            Range::ANY,
            "dim_x + dim_y numbers",
        ),
        param(
            "cov",
            Ty::Of(Kind::Covariance),
            Default::Required,
            Range::ANY,
            "its covariance",
        ),
        param(
            "label",
            Ty::Int,
            Default::Num(0.0),
            Range::at_least(0.0),
            "class label carried with its samples",
        ),
    ],
    exactly_one_of: &[],
    build: Build::Value(build_component),
};

pub static MIXTURE: Entry = Entry {
    name: "mixture",
    kind: Kind::Data,
    doc: "mixture of Gaussian components over [x, y]; MI by Monte Carlo of the pointwise MI, with its standard error",
    params: &[
        param("components", Ty::ListOf(Kind::Component), Default::Required, Range::ANY, "[component(...), ...]"),
        param("weights", Ty::NumList, Default::Optional, Range::above(0.0), "mixing weights (equal if omitted; normalised)"),
    ],
    exactly_one_of: &[],
    build: Build::Value(build_mixture),
};

pub static VIEWS: Entry = Entry {
    name: "views",
    kind: Kind::Data,
    doc: "two noisy views x = z + noise e1, y = z + noise e2 of a latent z drawn from the x part of a mixture",
    params: &[
        param("source", Ty::Of(Kind::Data), Default::Required, Range::ANY, "a mixture; its x coordinates are the latent"),
        param("noise", Ty::Number, Default::Required, Range::above(0.0), "standard deviation of each view's noise"),
    ],
    exactly_one_of: &[],
    build: Build::Value(build_views),
};

fn build_component(args: &Args) -> Result<Value, ParamError> {
    let Value::Covariance(cov) = args.value("cov")? else {
        return Err(ParamError::new(
            ParamErrorKind::Conflict,
            "cov",
            "internal: cov",
        ));
    };
    let mean = args.num_list("mean")?;
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
        cov: (**cov).clone(),
        label: args.int("label")?,
    })))
}

fn build_mixture(args: &Args) -> Result<Value, ParamError> {
    let Value::List(items) = args.value("components")? else {
        return Err(ParamError::new(
            ParamErrorKind::Conflict,
            "components",
            "internal",
        ));
    };
    let comps: Vec<Component> = items
        .iter()
        .filter_map(|v| match v {
            Value::Component(c) => Some((**c).clone()),
            _ => None,
        })
        .collect();
    let (dx, dy) = (comps[0].cov.dim_x, comps[0].cov.dim_y);
    if comps.iter().any(|c| c.cov.dim_x != dx || c.cov.dim_y != dy) {
        return Err(ParamError::new(
            ParamErrorKind::Shape,
            "components",
            "all components must have the same dim_x and dim_y",
        ));
    }
    let weights = match args.get("weights") {
        Some(_) => args.num_list("weights")?,
        None => vec![1.0; comps.len()],
    };
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
    let source = args.data("source")?;
    let Some(mix) = source.dist.as_any().downcast_ref::<Mixture>() else {
        return Err(ParamError::new(
            ParamErrorKind::Conflict,
            "source",
            "views needs a mixture as its source",
        )
        .help("declare the latent as `data z = mixture(components: [...])`"));
    };
    Ok(Value::Data(DataDecl::new(mix.views(args.num("noise")?))))
}
