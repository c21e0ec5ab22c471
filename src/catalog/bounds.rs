//! The bound entries. A bound is a pure function of a score matrix in `bounds`; its entry
//! names it, documents it and reads its parameters (`tau`, `momentum`, `alpha`, `baseline`).

use std::sync::Arc;

use crate::bounds::{
    club::Club, doe::Doe, dv::Dv, infonce::InfoNce, interpolated::Interpolated, js::Js,
    loo::LeaveOneOut, mine::Mine, nwj::Nwj, smile::Smile, tuba::Tuba, BaselineSpec, Bound,
};
use crate::ir::{typed_params, Default, Entry, Kind, ParamError, ParamErrorKind, Range, Value};
use crate::nn::EncoderRef;

fn bound(b: impl Bound + 'static) -> Result<Value, ParamError> {
    Ok(Value::Bound(Arc::new(b)))
}

pub static INFONCE: Entry = Entry::constructor(
    "infonce",
    Kind::Bound,
    "InfoNCE: mean_i(s_ii - logsumexp_j s_ij) + ln K; a lower bound capped at ln K",
    &[],
    |_| bound(InfoNce),
);

pub static NWJ: Entry = Entry::constructor(
    "nwj",
    Kind::Bound,
    "NWJ: mean(diag s) - e^-1 mean_offdiag(e^s); unbiased lower bound, optimal critic 1 + ln r",
    &[],
    |_| bound(Nwj),
);

pub static DV: Entry = Entry::constructor(
    "dv",
    Kind::Bound,
    "Donsker-Varadhan: mean(diag s) - ln mean_offdiag(e^s); the minibatch estimate is biased up (not a guaranteed lower bound)",
    &[],
    |_| bound(Dv),
);

pub static JS: Entry = Entry::constructor(
    "js",
    Kind::Bound,
    "Jensen-Shannon (f-GAN) training objective, read out as NWJ of the critic + 1 (a lower bound)",
    &[],
    |_| bound(Js),
);

typed_params! {
    pub struct SmileArgs {
        tau: f64 = Default::Num(5.0), Range::above(0.0), "clipping threshold";
    }
}

pub static SMILE: Entry = Entry::constructor(
    "smile",
    Kind::Bound,
    "SMILE(tau): DV with e^s clipped to [e^-tau, e^tau] in the partition term; trained with the JS objective",
    SmileArgs::PARAMS,
    |args| bound(Smile { tau: SmileArgs::read(args)?.tau }),
);

typed_params! {
    pub struct TubaArgs {
        baseline: Option<EncoderRef> = Default::Optional, Range::ANY,
            "network for ln b(y), an mlp with out: 1 (default: one learned constant)";
    }
}

pub static TUBA: Entry = Entry::constructor(
    "tuba",
    Kind::Bound,
    "TUBA: 1 + mean(diag(s - ln b(y))) - mean_offdiag(e^(s - ln b(y))) with a learned baseline b(y); a lower bound for every critic",
    TubaArgs::PARAMS,
    |args| {
        let baseline = baseline(TubaArgs::read(args)?.baseline)?;
        bound(Tuba { baseline })
    },
);

typed_params! {
    pub struct MineArgs {
        momentum: f64 = Default::Num(0.9), Range::half_open(0.0, 1.0),
            "weight of the past in the moving average";
    }
}

pub static MINE: Entry = Entry::constructor(
    "mine",
    Kind::Bound,
    "MINE: the DV bound trained with a moving average of the partition term in the gradient's denominator; read out as DV",
    MineArgs::PARAMS,
    |args| bound(Mine { momentum: MineArgs::read(args)?.momentum }),
);

typed_params! {
    pub struct InterpolatedArgs {
        // (0, 1]: at 0 the bound is TUBA, whose ceiling is infinite.
        alpha: f64 = Default::Required, Range { min: Some((0.0, false)), max: Some((1.0, true)) },
            "weight of the InfoNCE baseline (1: InfoNCE, towards 0: TUBA; use tuba for 0)";
        baseline: Option<EncoderRef> = Default::Optional, Range::ANY,
            "network for ln b(y), an mlp with out: 1 (default: one learned constant)";
    }
}

pub static INTERPOLATED: Entry = Entry::constructor(
    "interpolated",
    Kind::Bound,
    "I_alpha: TUBA with baseline alpha * (leave-one-out InfoNCE partition) + (1 - alpha) * b(y); at most 1 + ln((K - 1) / alpha)",
    InterpolatedArgs::PARAMS,
    |args| {
        let a = InterpolatedArgs::read(args)?;
        bound(Interpolated {
            alpha: a.alpha,
            baseline: baseline(a.baseline)?,
        })
    },
);

pub static CLUB: Entry = Entry::constructor(
    "club",
    Kind::Bound,
    "CLUB upper bound (Cheng et al. 2020): mean(diag s) - mean_offdiag(s) with s = ln q(y|x); an upper bound when q is the true conditional (the oracle), an estimate for a learned one; trained by likelihood (a conditional or oracle critic)",
    &[],
    |_| bound(Club),
);

pub static LOO_UPPER: Entry = Entry::constructor(
    "loo_upper",
    Kind::Bound,
    "leave-one-out upper bound (Poole et al. 2019): mean_i(s_ii - ln mean_{j != i} e^s_ij) with s = ln q(y|x); an upper bound with the true conditional (the oracle), an estimate for a learned one; trained by likelihood (a conditional or oracle critic)",
    &[],
    |_| bound(LeaveOneOut),
);

typed_params! {
    pub struct DoeArgs {
        components: usize = Default::Num(1.0), Range::between(1.0, 64.0),
            "components of the density model of y: a mixture of diagonal Gaussians (1: a Gaussian)";
        flow: Option<EncoderRef> = Default::Optional, Range::ANY,
            "an invertible encoder applied to y before the mixture (coupling(...), additive or affine, or invertible_linear()): ln q(y) = ln q_mix(f(y)) + ln |det f'(y)|, a normalising flow";
    }
}

pub static DOE: Entry = Entry::constructor(
    "doe",
    Kind::Bound,
    "difference of entropies (McAllester & Stratos 2020): mean ln q(y|x) - mean ln q(y), two cross-entropies of densities trained by likelihood; not capped at ln K, neither a lower nor an upper bound (a conditional critic)",
    DoeArgs::PARAMS,
    |args| {
        let a = DoeArgs::read(args)?;
        super::models::check_flow_arg(a.flow.as_ref())?;
        bound(Doe {
            marginal: BaselineSpec::Density {
                components: a.components,
                flow: a.flow,
            },
        })
    },
);

/// The `baseline:` argument: a network with one output, or a learned constant.
fn baseline(net: Option<EncoderRef>) -> Result<BaselineSpec, ParamError> {
    let spec = match net {
        Some(e) => BaselineSpec::Net(e),
        None => BaselineSpec::Constant,
    };
    spec.check().map_err(|m| {
        ParamError::new(ParamErrorKind::Shape, "baseline", m)
            .help("write e.g. `baseline: mlp(hidden: [512, 512], out: 1)`")
    })?;
    Ok(spec)
}
