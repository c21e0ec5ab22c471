//! The distribution entries: families with known ground truth, MI-preserving transforms,
//! combinators and the staircase. Each adapts its checked arguments to a constructor in
//! `dist` and reports what no signature range can express (an MI that needs rho = 1, a
//! swiss roll of a 2-dimensional variable) at the argument responsible.

use crate::dist::additive::AdditiveUniform;
use crate::dist::bsc::Bsc;
use crate::dist::combine::Pair;
use crate::dist::discrete_copy::DiscreteCopy;
use crate::dist::gaussian::Gaussian;
use crate::dist::independent::Independent;
use crate::dist::multinormal::{Covariance, GaussianBlocks};
use crate::dist::staircase::Staircase;
use crate::dist::student::Student;
use crate::dist::transform::{named_map, Map, Side, Transformed};
use crate::dist::{DataDecl, DataRef};
use crate::ir::{
    param, Args, Build, Default, Entry, Kind, Param, ParamError, ParamErrorKind, Range, Ty, Value,
};
// src/dist/gaussian.rs
pub static GAUSSIAN: Entry = Entry {
    name: "gaussian",
    kind: Kind::Data,
    doc: "correlated Gaussian: x ~ N(0, I), y = rho x + sqrt(1-rho^2) eps per coordinate; MI = -(dim/2) ln(1-rho^2)",
    params: &[
        param("dim", Ty::Int, Default::Required, Range::between(1.0, 100_000.0), "dimension of x and of y"),
        param("rho", Ty::Number, Default::Optional, Range::half_open(0.0, 1.0), "per-coordinate correlation"),
        param("mi", Ty::Number, Default::Optional, Range::at_least(0.0), "target MI in nats (rho is solved from it)"),
    ],
    exactly_one_of: &[&["rho", "mi"]],
    build: Build::Value(build_gaussian),
};

fn build_gaussian(args: &Args) -> Result<Value, ParamError> {
    let dim = args.int("dim")?;
    let rho = match args.opt_num("rho") {
        Some(r) => r,
        None => {
            let mi = args.num("mi")?;
            let rho = Gaussian::rho_for_mi(dim, mi);
            if rho >= 1.0 {
                return Err(ParamError::new(
                    ParamErrorKind::OutOfRange,
                    "mi",
                    format!("an MI of {mi} nats needs a correlation that rounds to 1 in {dim} dimensions"),
                )
                .help("ask for less MI per dimension (mi / dim below about 18 nats) or raise dim"));
            }
            rho
        }
    };
    Ok(Value::Data(DataDecl::new(Gaussian { dim, rho })))
}

// src/dist/student.rs
pub static STUDENT: Entry = Entry {
    name: "student",
    kind: Kind::Data,
    doc: "multivariate Student-t: MI = Gaussian MI of the dispersion + a digamma correction (> 0 even for identity)",
    params: &[
        param("dim_x", Ty::Int, Default::Required, Range::between(1.0, 512.0), "dimension of x"),
        param("dim_y", Ty::Int, Default::Required, Range::between(1.0, 512.0), "dimension of y"),
        param("dof", Ty::Number, Default::Required, Range::above(0.0), "degrees of freedom nu"),
        param("dispersion", Ty::Of(Kind::Covariance), Default::Optional, Range::ANY, "dispersion matrix (identity if omitted)"),
    ],
    exactly_one_of: &[],
    build: Build::Value(build_student),
};

fn build_student(args: &Args) -> Result<Value, ParamError> {
    let (dx, dy, nu) = (args.int("dim_x")?, args.int("dim_y")?, args.num("dof")?);
    let cov = match args.get("dispersion") {
        Some(Value::Covariance(c)) => {
            if c.dim_x != dx || c.dim_y != dy {
                return Err(ParamError::new(
                    ParamErrorKind::Shape,
                    "dispersion",
                    format!(
                        "the dispersion is over {} + {} coordinates, but dim_x = {dx} and dim_y = {dy}",
                        c.dim_x, c.dim_y
                    ),
                ));
            }
            (**c).clone()
        }
        _ => Covariance::identity(dx, dy),
    };
    let g = GaussianBlocks::new(&cov).ok_or_else(|| {
        ParamError::new(
            ParamErrorKind::OutOfRange,
            "dispersion",
            "not positive definite",
        )
    })?;
    Ok(Value::Data(DataDecl::new(Student { g, nu })))
}

// src/dist/additive.rs
pub static ADDITIVE: Entry = Entry {
    name: "additive_uniform",
    kind: Kind::Data,
    doc: "X ~ U(0,1), Y = X + U(-eps, eps); MI = eps - ln(2 eps) if eps <= 1/2, else 1/(4 eps)",
    params: &[param(
        "eps",
        Ty::Number,
        Default::Required,
        Range::above(0.0),
        "half-width of the noise",
    )],
    exactly_one_of: &[],
    build: Build::Value(build_additive),
};

fn build_additive(args: &Args) -> Result<Value, ParamError> {
    Ok(Value::Data(DataDecl::new(AdditiveUniform {
        eps: args.num("eps")?,
    })))
}

// src/dist/discrete_copy.rs
pub static DISCRETE_COPY: Entry = Entry {
    name: "discrete_copy",
    kind: Kind::Data,
    doc: "X uniform on `symbols` values, Y = X; MI = ln(symbols)",
    params: &[param(
        "symbols",
        Ty::Int,
        Default::Required,
        Range::between(1.0, 1e12),
        "number of symbols M",
    )],
    exactly_one_of: &[],
    build: Build::Value(build_discrete_copy),
};

fn build_discrete_copy(args: &Args) -> Result<Value, ParamError> {
    Ok(Value::Data(DataDecl::new(DiscreteCopy {
        symbols: args.int("symbols")?,
    })))
}

// src/dist/bsc.rs
pub static BSC: Entry = Entry {
    name: "bsc",
    kind: Kind::Data,
    doc: "binary symmetric channel: uniform bit X, Y = X flipped with probability p; MI = ln 2 - H_b(p)",
    params: &[param("p", Ty::Number, Default::Required, Range { min: Some((0.0, true)), max: Some((1.0, true)) }, "crossover probability")],
    exactly_one_of: &[],
    build: Build::Value(build_bsc),
};

fn build_bsc(args: &Args) -> Result<Value, ParamError> {
    Ok(Value::Data(DataDecl::new(Bsc { p: args.num("p")? })))
}

// src/dist/independent.rs
pub static INDEPENDENT: Entry = Entry {
    name: "independent",
    kind: Kind::Data,
    doc: "independent standard normal X and Y; MI = 0 exactly",
    params: &[
        param(
            "dim_x",
            Ty::Int,
            Default::Required,
            Range::between(1.0, 100_000.0),
            "dimension of x",
        ),
        param(
            "dim_y",
            Ty::Int,
            Default::Required,
            Range::between(1.0, 100_000.0),
            "dimension of y",
        ),
    ],
    exactly_one_of: &[],
    build: Build::Value(build_independent),
};

fn build_independent(args: &Args) -> Result<Value, ParamError> {
    Ok(Value::Data(DataDecl::new(Independent {
        dim_x: args.int("dim_x")?,
        dim_y: args.int("dim_y")?,
    })))
}

// src/dist/staircase.rs
pub static STAIRCASE: Entry = Entry {
    name: "staircase",
    kind: Kind::Data,
    doc: "trains through the stages in turn (equal shares of the steps); after training it is the last stage",
    params: &[param(
        "stages",
        Ty::ListOf(Kind::Data),
        Default::Required,
        Range::ANY,
        "[d1, d2, ...]: distributions of equal widths, in training order",
    )],
    exactly_one_of: &[],
    build: Build::Value(|args| {
        let Value::List(items) = args.value("stages")? else {
            return Err(ParamError::new(ParamErrorKind::Conflict, "stages", "internal: not a list"));
        };
        let stages: Vec<DataRef> = items
            .iter()
            .filter_map(|v| match v {
                Value::Data(d) => Some(d.clone()),
                _ => None,
            })
            .collect();
        let Some(first) = stages.first() else {
            return Err(ParamError::new(
                ParamErrorKind::OutOfRange,
                "stages",
                "a staircase needs at least one stage",
            ));
        };
        let (dx, dy) = (first.dist.dim_x(), first.dist.dim_y());
        if let Some((i, d)) = stages
            .iter()
            .enumerate()
            .find(|(_, d)| (d.dist.dim_x(), d.dist.dim_y()) != (dx, dy))
        {
            return Err(ParamError::new(
                ParamErrorKind::Shape,
                "stages",
                format!(
                    "stage {} is {} + {} wide but stage 1 is {dx} + {dy}",
                    i + 1,
                    d.dist.dim_x(),
                    d.dist.dim_y()
                ),
            )
            .help("one critic trains on every stage, so all stages need the same widths"));
        }
        if stages.iter().any(|d| d.dist.stage_count() > 1) {
            return Err(ParamError::new(
                ParamErrorKind::Conflict,
                "stages",
                "a stage cannot itself be a staircase",
            )
            .help("list the inner staircase's stages instead"));
        }
        Ok(Value::Data(DataDecl::new(Staircase { stages })))
    }),
};

// src/dist/combine.rs
pub static PAIR: Entry = Entry {
    name: "pair",
    kind: Kind::Data,
    doc:
        "independent samples of a and b side by side: X = [Xa, Xb], Y = [Ya, Yb]; MI = I(a) + I(b)",
    params: &[
        param(
            "a",
            Ty::Of(Kind::Data),
            Default::Required,
            Range::ANY,
            "first distribution",
        ),
        param(
            "b",
            Ty::Of(Kind::Data),
            Default::Required,
            Range::ANY,
            "second distribution",
        ),
    ],
    exactly_one_of: &[],
    build: Build::Value(|args| {
        Ok(Value::Data(DataDecl::new(Pair {
            a: args.data("a")?,
            b: args.data("b")?,
        })))
    }),
};

pub static DUPLICATE_X: Entry = Entry {
    name: "duplicate_x",
    kind: Kind::Data,
    doc: "X' = [X, X]; MI unchanged (data processing)",
    params: &[param(
        "data",
        Ty::Of(Kind::Data),
        Default::Required,
        Range::ANY,
        "the distribution",
    )],
    exactly_one_of: &[],
    build: Build::Value(|args| {
        Ok(Value::Data(DataDecl::new(Transformed {
            base: args.data("data")?,
            x: Side::Duplicated,
            y: Side::Same,
        })))
    }),
};

pub static APPEND_FUNCTION_OF_Y: Entry = Entry {
    name: "append_function_of_y",
    kind: Kind::Data,
    doc: "Y' = [Y, fn(Y)]; MI unchanged (data processing)",
    params: &[
        param(
            "data",
            Ty::Of(Kind::Data),
            Default::Required,
            Range::ANY,
            "the distribution",
        ),
        param(
            "fn",
            Ty::Choice(&["normal_cdf", "half_cube", "asinh", "wiggly"]),
            Default::Sym("half_cube"),
            Range::ANY,
            "the function of Y to append",
        ),
    ],
    exactly_one_of: &[],
    build: Build::Value(build_append),
};

fn build_append(args: &Args) -> Result<Value, ParamError> {
    let map = named_map(args.symbol("fn")?)
        .ok_or_else(|| ParamError::new(ParamErrorKind::OutOfRange, "fn", "unknown function"))?;
    Ok(Value::Data(DataDecl::new(Transformed {
        base: args.data("data")?,
        x: Side::Same,
        y: Side::Appended(map),
    })))
}

// transform.rs
const DATA: Param = param(
    "data",
    Ty::Of(Kind::Data),
    Default::Required,
    Range::ANY,
    "the distribution to transform",
);
const ON: Param = param(
    "on",
    Ty::Choice(&["x", "y", "both"]),
    Default::Sym("both"),
    Range::ANY,
    "which variable to transform",
);

fn transformed(args: &Args, map: Map) -> Result<Value, ParamError> {
    let base = args.data("data")?;
    let on = args.symbol("on")?;
    let (on_x, on_y) = (on != "y", on != "x");
    if map == Map::SwissRoll {
        let bad = (on_x && base.dist.dim_x() != 1) || (on_y && base.dist.dim_y() != 1);
        if bad {
            return Err(ParamError::new(
                ParamErrorKind::Shape,
                "data",
                "swiss_roll maps one coordinate to two: the variable it transforms must be 1-dimensional",
            )
            .help("use `on: x` or `on: y` to pick a 1-dimensional variable"));
        }
    }
    let side = |on: bool| if on { Side::Mapped(map) } else { Side::Same };
    Ok(Value::Data(DataDecl::new(Transformed {
        base,
        x: side(on_x),
        y: side(on_y),
    })))
}

macro_rules! transform_entry {
    ($name:ident, $text:literal, $doc:literal, [$($extra:expr),*], $build:expr) => {
        pub static $name: Entry = Entry {
            name: $text,
            kind: Kind::Data,
            doc: $doc,
            params: &[DATA, ON $(, $extra)*],
            exactly_one_of: &[],
            build: Build::Value($build),
        };
    };
}

transform_entry!(
    NORMAL_CDF,
    "normal_cdf",
    "Phi per coordinate (uniform margins); MI unchanged",
    [],
    |a| transformed(a, Map::NormalCdf)
);
transform_entry!(
    HALF_CUBE,
    "half_cube",
    "t sqrt|t| per coordinate (longer tails); MI unchanged",
    [],
    |a| transformed(a, Map::HalfCube)
);
transform_entry!(
    ASINH,
    "asinh",
    "asinh per coordinate (shorter tails); MI unchanged",
    [],
    |a| transformed(a, Map::Asinh)
);
transform_entry!(
    WIGGLY,
    "wiggly",
    "x + 0.4 sin x + 0.2 sin(1.7x+1) + 0.03 sin(3.3x-2.5); MI unchanged",
    [],
    |a| transformed(a, Map::Wiggly)
);
transform_entry!(
    SPIRAL,
    "spiral",
    "rotation by speed * |x|^2 of coordinate pairs; MI unchanged",
    [param(
        "speed",
        Ty::Number,
        Default::Num(0.5),
        Range::ANY,
        "rotation per unit squared norm"
    )],
    |a| transformed(
        a,
        Map::Spiral {
            speed: a.num("speed")?
        }
    )
);
transform_entry!(
    SWISS_ROLL,
    "swiss_roll",
    "1-D to 2-D Swiss roll embedding; MI unchanged",
    [],
    |a| transformed(a, Map::SwissRoll)
);
transform_entry!(
    POWER,
    "power",
    "sign(t) |t|^alpha per coordinate; MI unchanged",
    [param(
        "alpha",
        Ty::Number,
        Default::Required,
        Range::above(0.0),
        "exponent"
    )],
    |a| transformed(
        a,
        Map::Power {
            alpha: a.num("alpha")?
        }
    )
);
transform_entry!(
    RESCALE,
    "rescale",
    "scale t + shift per coordinate; MI unchanged",
    [
        param(
            "scale",
            Ty::Number,
            Default::Num(1.0),
            Range::ANY,
            "non-zero factor"
        ),
        param("shift", Ty::Number, Default::Num(0.0), Range::ANY, "offset")
    ],
    |a| {
        let scale = a.num("scale")?;
        if scale == 0.0 {
            return Err(ParamError::new(
                ParamErrorKind::OutOfRange,
                "scale",
                "a scale of 0 is not invertible",
            )
            .help("use any non-zero scale"));
        }
        transformed(
            a,
            Map::Rescale {
                scale,
                shift: a.num("shift")?,
            },
        )
    }
);
