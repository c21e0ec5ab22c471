//! The bound entries. A bound is a pure function of a score matrix in `bounds`; its entry
//! names it, documents it and reads its parameters (`tau`, `momentum`, `alpha`, `baseline`).

use crate::bounds::{
    dv::Dv, infonce::InfoNce, interpolated::Interpolated, js::Js, mine::Mine, nwj::Nwj,
    smile::Smile, tuba::Tuba, BaselineSpec,
};
use crate::ir::{
    param, Args, Build, Default, Entry, Kind, Param, ParamError, ParamErrorKind, Range, Ty, Value,
};
// src/bounds/dv.rs
pub static DV: Entry = Entry {
    name: "dv",
    kind: Kind::Bound,
    doc: "Donsker-Varadhan: mean(diag s) - ln mean_offdiag(e^s); the minibatch estimate is biased up (not a guaranteed lower bound)",
    params: &[],
    exactly_one_of: &[],
    build: Build::Value(|_| Ok(Value::Bound(std::sync::Arc::new(Dv)))),
};

// src/bounds/infonce.rs
pub static INFONCE: Entry = Entry {
    name: "infonce",
    kind: Kind::Bound,
    doc: "InfoNCE: mean_i(s_ii - logsumexp_j s_ij) + ln K; a lower bound capped at ln K",
    params: &[],
    exactly_one_of: &[],
    build: Build::Value(|_| Ok(Value::Bound(std::sync::Arc::new(InfoNce)))),
};

// src/bounds/interpolated.rs
pub static INTERPOLATED: Entry = Entry {
    name: "interpolated",
    kind: Kind::Bound,
    doc: "I_alpha: TUBA with baseline alpha * (leave-one-out InfoNCE partition) + (1 - alpha) * b(y); at most 1 + ln((K - 1) / alpha)",
    params: &[
        param(
            "alpha",
            Ty::Number,
            Default::Required,
            // (0, 1]: at 0 the bound is TUBA, whose ceiling is infinite.
            Range {
                min: Some((0.0, false)),
                max: Some((1.0, true)),
            },
            "weight of the InfoNCE baseline (1: InfoNCE, towards 0: TUBA; use tuba for 0)",
        ),
        BASELINE_PARAM,
    ],
    exactly_one_of: &[],
    build: Build::Value(|a| {
        Ok(Value::Bound(std::sync::Arc::new(Interpolated {
            alpha: a.num("alpha")?,
            baseline: baseline_arg(a)?,
        })))
    }),
};

// src/bounds/js.rs
pub static JS: Entry = Entry {
    name: "js",
    kind: Kind::Bound,
    doc: "Jensen-Shannon (f-GAN) training objective, read out as NWJ of the critic + 1 (a lower bound)",
    params: &[],
    exactly_one_of: &[],
    build: Build::Value(|_| Ok(Value::Bound(std::sync::Arc::new(Js)))),
};

// src/bounds/mine.rs
pub static MINE: Entry = Entry {
    name: "mine",
    kind: Kind::Bound,
    doc: "MINE: the DV bound trained with a moving average of the partition term in the gradient's denominator; read out as DV",
    params: &[param(
        "momentum",
        Ty::Number,
        Default::Num(0.9),
        Range::half_open(0.0, 1.0),
        "weight of the past in the moving average",
    )],
    exactly_one_of: &[],
    build: Build::Value(|a| {
        Ok(Value::Bound(std::sync::Arc::new(Mine {
            momentum: a.num("momentum")?,
        })))
    }),
};

// src/bounds/nwj.rs
pub static NWJ: Entry = Entry {
    name: "nwj",
    kind: Kind::Bound,
    doc:
        "NWJ: mean(diag s) - e^-1 mean_offdiag(e^s); unbiased lower bound, optimal critic 1 + ln r",
    params: &[],
    exactly_one_of: &[],
    build: Build::Value(|_| Ok(Value::Bound(std::sync::Arc::new(Nwj)))),
};

// src/bounds/smile.rs
pub static SMILE: Entry = Entry {
    name: "smile",
    kind: Kind::Bound,
    doc: "SMILE(tau): DV with e^s clipped to [e^-tau, e^tau] in the partition term; trained with the JS objective",
    params: &[param("tau", Ty::Number, Default::Num(5.0), Range::above(0.0), "clipping threshold")],
    exactly_one_of: &[],
    build: Build::Value(|a| Ok(Value::Bound(std::sync::Arc::new(Smile { tau: a.num("tau")? })))),
};

// src/bounds/tuba.rs
pub static TUBA: Entry = Entry {
    name: "tuba",
    kind: Kind::Bound,
    doc: "TUBA: 1 + mean(diag(s - ln b(y))) - mean_offdiag(e^(s - ln b(y))) with a learned baseline b(y); a lower bound for every critic",
    params: &[BASELINE_PARAM],
    exactly_one_of: &[],
    build: Build::Value(|a| {
        Ok(Value::Bound(std::sync::Arc::new(Tuba {
            baseline: baseline_arg(a)?,
        })))
    }),
};

// src/bounds/mod.rs
/// The `baseline:` parameter of the bounds that learn one (TUBA, interpolated).
pub const BASELINE_PARAM: Param = param(
    "baseline",
    Ty::Of(Kind::Encoder),
    Default::Optional,
    Range::ANY,
    "network for ln b(y), an mlp with out: 1 (default: one learned constant)",
);

/// Reads the optional `baseline:` argument: a network with one output, or a learned constant.
pub fn baseline_arg(a: &Args) -> std::result::Result<BaselineSpec, ParamError> {
    let spec = match a.get("baseline") {
        Some(Value::Encoder(e)) => BaselineSpec::Net(e.clone()),
        _ => BaselineSpec::Constant,
    };
    spec.check().map_err(|m| {
        ParamError::new(ParamErrorKind::Shape, "baseline", m)
            .help("write e.g. `baseline: mlp(hidden: [512, 512], out: 1)`")
    })?;
    Ok(spec)
}
