//! The distribution entries: families with known ground truth, MI-preserving transforms,
//! combinators and the staircase. Each declares its parameters once, as a typed struct, and
//! adapts them to a constructor in `dist`, reporting what no signature range can express (an
//! MI that needs rho = 1, a swiss roll of a 2-dimensional variable) at the argument
//! responsible.

use std::sync::Arc;

use crate::dist::additive::AdditiveUniform;
use crate::dist::bsc::Bsc;
use crate::dist::combine::Pair;
use crate::dist::discrete_copy::DiscreteCopy;
use crate::dist::gaussian::Gaussian;
use crate::dist::independent::Independent;
use crate::dist::marginal::{MarginalCdf, Target};
use crate::dist::multinormal::{Covariance, GaussianBlocks};
use crate::dist::staircase::Staircase;
use crate::dist::student::Student;
use crate::dist::transform::{named_map, Map, Projection, Side, Transformed};
use crate::dist::{DataDecl, DataRef, Distribution};
use crate::ir::{
    typed_params, Args, Default, Entry, Kind, ParamError, ParamErrorKind, Range, Ty, Value,
};

fn value(d: impl Distribution + 'static) -> Result<Value, ParamError> {
    Ok(Value::Data(DataDecl::new(d)))
}

typed_params! {
    pub struct GaussianArgs {
        dim: usize = Default::Required, Range::between(1.0, 100_000.0), "dimension of x and of y";
        rho: Option<f64> = Default::Optional, Range::half_open(0.0, 1.0), "per-coordinate correlation";
        mi: Option<f64> = Default::Optional, Range::at_least(0.0), "target MI in nats (rho is solved from it)";
    }
}

pub static GAUSSIAN: Entry = Entry {
    exactly_one_of: &[&["rho", "mi"]],
    ..Entry::constructor(
        "gaussian",
        Kind::Data,
        "correlated Gaussian: x ~ N(0, I), y = rho x + sqrt(1-rho^2) eps per coordinate; MI = -(dim/2) ln(1-rho^2)",
        GaussianArgs::PARAMS,
        build_gaussian,
    )
};

fn build_gaussian(args: &Args) -> Result<Value, ParamError> {
    let a = GaussianArgs::read(args)?;
    let rho = match (a.rho, a.mi) {
        (Some(r), _) => r,
        (None, mi) => {
            let mi = mi.unwrap_or(0.0);
            let rho = Gaussian::rho_for_mi(a.dim, mi);
            if rho >= 1.0 {
                return Err(ParamError::new(
                    ParamErrorKind::OutOfRange,
                    "mi",
                    format!(
                        "an MI of {mi} nats needs a correlation that rounds to 1 in {} dimensions",
                        a.dim
                    ),
                )
                .help(
                    "ask for less MI per dimension (mi / dim below about 18 nats) or raise dim",
                ));
            }
            rho
        }
    };
    value(Gaussian { dim: a.dim, rho })
}

typed_params! {
    pub struct StudentArgs {
        dim_x: usize = Default::Required, Range::between(1.0, 512.0), "dimension of x";
        dim_y: usize = Default::Required, Range::between(1.0, 512.0), "dimension of y";
        dof: f64 = Default::Required, Range::above(0.0), "degrees of freedom nu";
        dispersion: Option<Arc<Covariance>> = Default::Optional, Range::ANY,
            "dispersion matrix (identity if omitted)";
    }
}

pub static STUDENT: Entry = Entry::constructor(
    "student",
    Kind::Data,
    "multivariate Student-t: MI = Gaussian MI of the dispersion + a digamma correction (> 0 even for identity)",
    StudentArgs::PARAMS,
    build_student,
);

fn build_student(args: &Args) -> Result<Value, ParamError> {
    let a = StudentArgs::read(args)?;
    let (dx, dy) = (a.dim_x, a.dim_y);
    let cov = match a.dispersion {
        Some(c) => {
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
            (*c).clone()
        }
        None => Covariance::identity(dx, dy),
    };
    let g = GaussianBlocks::new(&cov).ok_or_else(|| {
        ParamError::new(
            ParamErrorKind::OutOfRange,
            "dispersion",
            "not positive definite",
        )
    })?;
    value(Student { g, nu: a.dof })
}

typed_params! {
    pub struct AdditiveArgs {
        eps: f64 = Default::Required, Range::above(0.0), "half-width of the noise";
    }
}

pub static ADDITIVE: Entry = Entry::constructor(
    "additive_uniform",
    Kind::Data,
    "X ~ U(0,1), Y = X + U(-eps, eps); MI = eps - ln(2 eps) if eps <= 1/2, else 1/(4 eps)",
    AdditiveArgs::PARAMS,
    |args| {
        value(AdditiveUniform {
            eps: AdditiveArgs::read(args)?.eps,
        })
    },
);

typed_params! {
    pub struct DiscreteCopyArgs {
        symbols: usize = Default::Required, Range::between(1.0, 1e12), "number of symbols M";
    }
}

pub static DISCRETE_COPY: Entry = Entry::constructor(
    "discrete_copy",
    Kind::Data,
    "X uniform on `symbols` values, Y = X; MI = ln(symbols)",
    DiscreteCopyArgs::PARAMS,
    |args| {
        let symbols = DiscreteCopyArgs::read(args)?.symbols;
        value(DiscreteCopy { symbols })
    },
);

typed_params! {
    pub struct SharedLatentArgs {
        dim: usize = Default::Required, Range::between(1.0, 100_000.0), "dimension of x and of y";
        mi: f64 = Default::Required, Range::at_least(0.0), "MI of one pair in nats";
        share: f64 = Default::Required, Range { min: Some((-1.0, false)), max: Some((1.0, false)) },
            "correlation of x between the members of a group (negative: alternating in sign, antithetic)";
        group: usize = Default::Num(2.0), Range::between(1.0, 1_000_000.0),
            "consecutive pairs that share a latent (a divisor of the batch size keeps groups whole)";
    }
}

pub static SHARED_LATENT: Entry = Entry::constructor(
    "shared_latent",
    Kind::Data,
    "batches that are not i.i.d.: the correlated Gaussian with MI `mi` per pair, drawn in groups of `group` consecutive pairs whose x share a latent (correlation `share`), so a batch's negatives are correlated with the positive; the truth is one pair's",
    SharedLatentArgs::PARAMS,
    |args| {
        let a = SharedLatentArgs::read(args)?;
        let rho = Gaussian::rho_for_mi(a.dim, a.mi);
        if rho >= 1.0 {
            return Err(ParamError::new(
                ParamErrorKind::OutOfRange,
                "mi",
                format!("an MI of {} nats needs a correlation that rounds to 1", a.mi),
            )
            .help("use a smaller MI or more dimensions"));
        }
        value(crate::dist::shared_latent::SharedLatent {
            pair: Gaussian { dim: a.dim, rho },
            share: a.share,
            group: a.group,
        })
    },
);

typed_params! {
    pub struct UniformShiftArgs {
        m: usize = Default::Num(5.0), Range::between(1.0, 1_000_000.0), "number of values of X";
    }
}

pub static UNIFORM_SHIFT: Entry = Entry::constructor(
    "uniform_shift",
    Kind::Data,
    "discrete X uniform on {0, ..., m-1}, continuous Y = X + U(0, 2) (Gao et al. 2017); MI = ln m - (1 - 1/m) ln 2",
    UniformShiftArgs::PARAMS,
    |args| {
        let m = UniformShiftArgs::read(args)?.m;
        value(crate::dist::mixed::UniformShift { m })
    },
);

typed_params! {
    pub struct ZeroInflatedArgs {
        p: f64 = Default::Num(0.15), Range::half_open(0.0, 1.0), "probability that Y is set to 0";
    }
}

pub static ZERO_INFLATED_POISSON: Entry = Entry::constructor(
    "zero_inflated_poisson",
    Kind::Data,
    "continuous X ~ Exp(1), discrete Y = 0 with probability p, else Poisson(X) (Gao et al. 2017); exact MI by quadrature (0.3012 at p = 0, 0.2298 at p = 0.15)",
    ZeroInflatedArgs::PARAMS,
    |args| {
        let p = ZeroInflatedArgs::read(args)?.p;
        value(crate::dist::mixed::ZeroInflatedPoisson { p })
    },
);

typed_params! {
    pub struct BscArgs {
        p: f64 = Default::Required, Range::between(0.0, 1.0), "crossover probability";
    }
}

pub static BSC: Entry = Entry::constructor(
    "bsc",
    Kind::Data,
    "binary symmetric channel: uniform bit X, Y = X flipped with probability p; MI = ln 2 - H_b(p)",
    BscArgs::PARAMS,
    |args| {
        value(Bsc {
            p: BscArgs::read(args)?.p,
        })
    },
);

typed_params! {
    pub struct IndependentArgs {
        dim_x: usize = Default::Required, Range::between(1.0, 100_000.0), "dimension of x";
        dim_y: usize = Default::Required, Range::between(1.0, 100_000.0), "dimension of y";
    }
}

pub static INDEPENDENT: Entry = Entry::constructor(
    "independent",
    Kind::Data,
    "independent standard normal X and Y; MI = 0 exactly",
    IndependentArgs::PARAMS,
    |args| {
        let a = IndependentArgs::read(args)?;
        value(Independent {
            dim_x: a.dim_x,
            dim_y: a.dim_y,
        })
    },
);

typed_params! {
    pub struct StaircaseArgs {
        stages: Vec<DataRef> = Default::Required, Range::ANY,
            "[d1, d2, ...]: distributions of equal widths, in training order";
    }
}

pub static STAIRCASE: Entry = Entry::constructor(
    "staircase",
    Kind::Data,
    "trains through the stages in turn (equal shares of the steps); after training it is the last stage",
    StaircaseArgs::PARAMS,
    build_staircase,
);

fn build_staircase(args: &Args) -> Result<Value, ParamError> {
    let stages = StaircaseArgs::read(args)?.stages;
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
    value(Staircase { stages })
}

typed_params! {
    pub struct PairArgs {
        a: DataRef = Default::Required, Range::ANY, "first distribution";
        b: DataRef = Default::Required, Range::ANY, "second distribution";
    }
}

pub static PAIR: Entry = Entry::constructor(
    "pair",
    Kind::Data,
    "independent samples of a and b side by side: X = [Xa, Xb], Y = [Ya, Yb]; MI = I(a) + I(b)",
    PairArgs::PARAMS,
    |args| {
        let PairArgs { a, b } = PairArgs::read(args)?;
        value(Pair { a, b })
    },
);

typed_params! {
    pub struct DuplicateXArgs {
        data: DataRef = Default::Required, Range::ANY, "the distribution";
    }
}

pub static DUPLICATE_X: Entry = Entry::constructor(
    "duplicate_x",
    Kind::Data,
    "X' = [X, X]; MI unchanged (data processing)",
    DuplicateXArgs::PARAMS,
    |args| {
        value(Transformed {
            base: DuplicateXArgs::read(args)?.data,
            x: Side::Duplicated,
            y: Side::Same,
        })
    },
);

typed_params! {
    pub struct AppendArgs {
        data: DataRef = Default::Required, Range::ANY, "the distribution";
        r#fn: String = Default::Sym("half_cube"), Range::ANY, "the function of Y to append",
            as Ty::Choice(&["normal_cdf", "half_cube", "asinh", "wiggly"]);
    }
}

pub static APPEND_FUNCTION_OF_Y: Entry = Entry::constructor(
    "append_function_of_y",
    Kind::Data,
    "Y' = [Y, fn(Y)]; MI unchanged (data processing)",
    AppendArgs::PARAMS,
    |args| {
        let a = AppendArgs::read(args)?;
        let map = named_map(&a.r#fn)
            .ok_or_else(|| ParamError::new(ParamErrorKind::OutOfRange, "fn", "unknown function"))?;
        value(Transformed {
            base: a.data,
            x: Side::Same,
            y: Side::Appended(map),
        })
    },
);

// The MI-preserving transforms: a base distribution and which side to map, plus the map's own
// parameters.

typed_params! {
    pub struct TransformArgs {
        data: DataRef = Default::Required, Range::ANY, "the distribution to transform";
        on: String = Default::Sym("both"), Range::ANY, "which variable to transform",
            as Ty::Choice(&["x", "y", "both"]);
    }
}

typed_params! {
    pub struct SpiralArgs {
        data: DataRef = Default::Required, Range::ANY, "the distribution to transform";
        on: String = Default::Sym("both"), Range::ANY, "which variable to transform",
            as Ty::Choice(&["x", "y", "both"]);
        speed: f64 = Default::Num(0.5), Range::ANY, "rotation per unit squared norm";
    }
}

typed_params! {
    pub struct PowerArgs {
        data: DataRef = Default::Required, Range::ANY, "the distribution to transform";
        on: String = Default::Sym("both"), Range::ANY, "which variable to transform",
            as Ty::Choice(&["x", "y", "both"]);
        alpha: f64 = Default::Required, Range::above(0.0), "exponent";
    }
}

typed_params! {
    pub struct RescaleArgs {
        data: DataRef = Default::Required, Range::ANY, "the distribution to transform";
        on: String = Default::Sym("both"), Range::ANY, "which variable to transform",
            as Ty::Choice(&["x", "y", "both"]);
        scale: f64 = Default::Num(1.0), Range::ANY, "non-zero factor";
        shift: f64 = Default::Num(0.0), Range::ANY, "offset";
    }
}

typed_params! {
    pub struct ProjectArgs {
        data: DataRef = Default::Required, Range::ANY, "the distribution to transform";
        on: String = Default::Sym("both"), Range::ANY, "which variable to project",
            as Ty::Choice(&["x", "y", "both"]);
        dim: usize = Default::Required, Range::between(1.0, 100_000.0),
            "width after projection (at least the variable's own)";
        seed: usize = Default::Num(0.0), Range::between(0.0, 1e9),
            "which fixed random matrix (the same seed, the same matrix)";
    }
}

typed_params! {
    pub struct RotateArgs {
        data: DataRef = Default::Required, Range::ANY, "the distribution to rotate";
        on: String = Default::Sym("both"), Range::ANY, "which variable to rotate",
            as Ty::Choice(&["x", "y", "both"]);
        seed: usize = Default::Num(0.0), Range::between(0.0, 1e9),
            "which fixed rotation (the same seed, the same rotation)";
    }
}

pub static ROTATE: Entry = Entry::constructor(
    "rotate",
    Kind::Data,
    "v -> Q v with a fixed random rotation Q (orthogonal, drawn from `seed`) of the variable's coordinates (bmi's rotate tasks); MI unchanged",
    RotateArgs::PARAMS,
    |args| {
        let a = RotateArgs::read(args)?;
        linear_sides(a.data, &a.on, a.seed, "rotate", |d, rng| {
            Ok(Projection::rotation(d, rng))
        })
    },
);

pub static PROJECT: Entry = Entry::constructor(
    "project",
    Kind::Data,
    "v -> A v with a fixed random matrix A (entries N(0, 1/d), drawn from `seed`) into `dim` >= d coordinates: high-dimensional inputs on a d-dimensional subspace; MI unchanged (A is injective)",
    ProjectArgs::PARAMS,
    |args| {
        let a = ProjectArgs::read(args)?;
        let dim = a.dim;
        linear_sides(a.data, &a.on, a.seed, "project", |d, rng| {
            if dim < d {
                return Err(ParamError::new(
                    ParamErrorKind::Shape,
                    "dim",
                    format!("a projection into {dim} coordinates cannot keep {d} (it must be injective)"),
                )
                .help(format!("use `dim: {d}` or more")));
            }
            Ok(Projection::random(d, dim, rng))
        })
    },
);

typed_params! {
    pub struct FittedArgs {
        data: DataRef = Default::Required, Range::ANY, "the distribution to transform";
        on: String = Default::Sym("both"), Range::ANY, "which variable to transform",
            as Ty::Choice(&["x", "y", "both"]);
        quantiles: usize = Default::Num(100.0), Range::between(2.0, 100_000.0),
            "knots of each fitted CDF (bmi's n_quantiles)";
        reference: usize = Default::Num(10_000.0), Range::between(10.0, 10_000_000.0),
            "draws the CDFs are fitted on (once, from a fixed stream)";
        seed: usize = Default::Num(0.0), Range::between(0.0, 1e9),
            "which reference sample (the same seed, the same map)";
    }
}

pub static UNIFORMISE: Entry = Entry::constructor(
    "uniformise",
    Kind::Data,
    "each coordinate through its CDF fitted on a reference sample (bmi's uniformise task): margins close to uniform on (0, 1); piecewise linear between quantiles with power-law tails, a bijection, so MI unchanged",
    FittedArgs::PARAMS,
    |args| fitted(FittedArgs::read(args)?, Target::Uniform),
);

pub static GAUSSIANISE: Entry = Entry::constructor(
    "gaussianise",
    Kind::Data,
    "each coordinate through Phi^-1 of its CDF fitted on a reference sample (bmi's gaussianise task): margins close to N(0, 1); a bijection, so MI unchanged",
    FittedArgs::PARAMS,
    |args| fitted(FittedArgs::read(args)?, Target::Normal),
);

/// `uniformise` or `gaussianise`: the CDFs of the side(s) `on` names, fitted on `reference`
/// draws of the base from a stream of `seed`.
fn fitted(a: FittedArgs, target: Target) -> Result<Value, ParamError> {
    let mut rng = crate::dist::stream(a.seed as u64, 0, "fitted-margins");
    let s = a.data.dist.sample(a.reference, &mut rng);
    let side = |applies: bool, rows: &[f64], d: usize| -> Result<Side, ParamError> {
        if !applies {
            return Ok(Side::Same);
        }
        MarginalCdf::fit(rows, d, a.quantiles, target)
            .map(|m| Side::Fitted(Arc::new(m)))
            .ok_or_else(|| {
                ParamError::new(
                    ParamErrorKind::Conflict,
                    "data",
                    "a coordinate takes fewer than two distinct values in the reference sample, so it has no CDF to fit",
                )
                .help("fitted margins are for continuous coordinates")
            })
    };
    value(Transformed {
        x: side(a.on != "y", &s.x, s.dim_x)?,
        y: side(a.on != "x", &s.y, s.dim_y)?,
        base: a.data,
    })
}

/// `base` with a fixed random linear map on the side(s) `on` names: `make(d, rng)` draws the
/// map for a side d wide from a stream of `seed` (its own per side), `None` when the draw is
/// too close to singular.
fn linear_sides(
    base: DataRef,
    on: &str,
    seed: usize,
    what: &str,
    make: impl Fn(usize, &mut crate::dist::Rng) -> Result<Option<Projection>, ParamError>,
) -> Result<Value, ParamError> {
    let side = |applies: bool, d: usize, tag: &str| -> Result<Side, ParamError> {
        if !applies {
            return Ok(Side::Same);
        }
        let mut rng = crate::dist::stream(seed as u64, 0, &format!("{what}/{tag}"));
        make(d, &mut rng)?
            .map(|p| Side::Projected(Arc::new(p)))
            .ok_or_else(|| {
                ParamError::new(
                    ParamErrorKind::OutOfRange,
                    "seed",
                    "this seed draws a matrix too close to singular",
                )
                .help("use another seed")
            })
    };
    let (dx, dy) = (base.dist.dim_x(), base.dist.dim_y());
    value(Transformed {
        x: side(on != "y", dx, "x")?,
        y: side(on != "x", dy, "y")?,
        base,
    })
}

/// `base` with `map` applied to the side(s) `on` names.
fn transformed(base: DataRef, on: &str, map: Map) -> Result<Value, ParamError> {
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
    value(Transformed {
        base,
        x: side(on_x),
        y: side(on_y),
    })
}

/// A transform whose map has no parameters.
macro_rules! plain_transform {
    ($name:ident, $text:literal, $doc:literal, $map:expr) => {
        pub static $name: Entry =
            Entry::constructor($text, Kind::Data, $doc, TransformArgs::PARAMS, |args| {
                let a = TransformArgs::read(args)?;
                transformed(a.data, &a.on, $map)
            });
    };
}

plain_transform!(
    NORMAL_CDF,
    "normal_cdf",
    "Phi per coordinate (uniform margins); MI unchanged",
    Map::NormalCdf
);
plain_transform!(
    HALF_CUBE,
    "half_cube",
    "t sqrt|t| per coordinate (longer tails); MI unchanged",
    Map::HalfCube
);
plain_transform!(
    ASINH,
    "asinh",
    "asinh per coordinate (shorter tails); MI unchanged",
    Map::Asinh
);
plain_transform!(
    WIGGLY,
    "wiggly",
    "x + 0.4 sin x + 0.2 sin(1.7x+1) + 0.03 sin(3.3x-2.5); MI unchanged",
    Map::Wiggly
);
plain_transform!(
    SWISS_ROLL,
    "swiss_roll",
    "1-D to 2-D Swiss roll embedding; MI unchanged",
    Map::SwissRoll
);

pub static SPIRAL: Entry = Entry::constructor(
    "spiral",
    Kind::Data,
    "rotation by speed * |x|^2 of coordinate pairs; MI unchanged",
    SpiralArgs::PARAMS,
    |args| {
        let a = SpiralArgs::read(args)?;
        transformed(a.data, &a.on, Map::Spiral { speed: a.speed })
    },
);

pub static POWER: Entry = Entry::constructor(
    "power",
    Kind::Data,
    "sign(t) |t|^alpha per coordinate; MI unchanged",
    PowerArgs::PARAMS,
    |args| {
        let a = PowerArgs::read(args)?;
        transformed(a.data, &a.on, Map::Power { alpha: a.alpha })
    },
);

typed_params! {
    pub struct BimodalArgs {
        data: DataRef = Default::Required, Range::ANY, "the distribution to transform";
        on: String = Default::Sym("both"), Range::ANY, "which variable to transform",
            as Ty::Choice(&["x", "y", "both"]);
        weight: f64 = Default::Num(0.5), Range { min: Some((0.0, false)), max: Some((1.0, false)) },
            "weight of the first component";
        mean_a: f64 = Default::Num(-1.0), Range::ANY, "mean of the first component (unit variance)";
        mean_b: f64 = Default::Num(3.0), Range::ANY, "mean of the second component (unit variance)";
    }
}

pub static BIMODAL: Entry = Entry::constructor(
    "bimodal",
    Kind::Data,
    "F^-1(Phi(t)) per coordinate with F the CDF of weight N(mean_a, 1) + (1 - weight) N(mean_b, 1): standard normal margins become bimodal (bmi's 1v1-bimodal uses 0.3, 0, 5 on x and 0.5, -1, 3 on y); MI unchanged",
    BimodalArgs::PARAMS,
    |args| {
        let a = BimodalArgs::read(args)?;
        let map = Map::Bimodal {
            weight: a.weight,
            mean_a: a.mean_a,
            mean_b: a.mean_b,
        };
        transformed(a.data, &a.on, map)
    },
);

typed_params! {
    pub struct WavesArgs {
        data: DataRef = Default::Required, Range::ANY, "the distribution to transform (at least 2 coordinates on the side it maps)";
        on: String = Default::Sym("x"), Range::ANY, "which variable to transform",
            as Ty::Choice(&["x", "y", "both"]);
        amplitude: f64 = Default::Num(5.0), Range::ANY, "amplitude of the shear of coordinate 0 along coordinate 1";
        frequency: f64 = Default::Num(3.0), Range::ANY, "its frequency";
        scale: Vec<f64> = Default::Required, Range::ANY, "two non-zero factors for coordinates 0 and 1 after the shear (bmi: [0.1, 0.5])";
        shift: Vec<f64> = Default::Required, Range::ANY, "two offsets for coordinates 0 and 1 (bmi: [-0.8, 0])";
    }
}

pub static WAVES: Entry = Entry::constructor(
    "waves",
    Kind::Data,
    "bmi's waves map: v0 + amplitude sin(frequency v1), then scale[i] v_i + shift[i] on the first two coordinates; MI unchanged (bmi's 2v1-waves task is waves(wave_mixture(), on: x, scale: [0.1, 0.5], shift: [-0.8, 0]))",
    WavesArgs::PARAMS,
    |args| {
        let a = WavesArgs::read(args)?;
        for (name, v) in [("scale", &a.scale), ("shift", &a.shift)] {
            if v.len() != 2 {
                return Err(ParamError::new(
                    ParamErrorKind::Shape,
                    name,
                    format!("{name} has {} numbers; waves needs two (coordinates 0 and 1)", v.len()),
                ));
            }
        }
        if a.scale.contains(&0.0) {
            return Err(ParamError::new(
                ParamErrorKind::OutOfRange,
                "scale",
                "a scale of 0 is not invertible",
            )
            .help("use non-zero scales"));
        }
        let (on_x, on_y) = (a.on != "y", a.on != "x");
        let narrow = (on_x && a.data.dist.dim_x() < 2) || (on_y && a.data.dist.dim_y() < 2);
        if narrow {
            return Err(ParamError::new(
                ParamErrorKind::Shape,
                "data",
                "waves shears coordinate 0 along coordinate 1: the variable it maps needs at least two coordinates",
            )
            .help("use `on: x` or `on: y` to pick a variable with two or more coordinates"));
        }
        let map = Map::Waves {
            amplitude: a.amplitude,
            frequency: a.frequency,
            scale: [a.scale[0], a.scale[1]],
            shift: [a.shift[0], a.shift[1]],
        };
        transformed(a.data, &a.on, map)
    },
);

pub static RESCALE: Entry = Entry::constructor(
    "rescale",
    Kind::Data,
    "scale t + shift per coordinate; MI unchanged",
    RescaleArgs::PARAMS,
    |args| {
        let a = RescaleArgs::read(args)?;
        if a.scale == 0.0 {
            return Err(ParamError::new(
                ParamErrorKind::OutOfRange,
                "scale",
                "a scale of 0 is not invertible",
            )
            .help("use any non-zero scale"));
        }
        let map = Map::Rescale {
            scale: a.scale,
            shift: a.shift,
        };
        transformed(a.data, &a.on, map)
    },
);
