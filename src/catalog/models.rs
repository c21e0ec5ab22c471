//! The encoder and critic entries: `identity`, `mlp`, `linear`; `separable`, `concat`,
//! `bilinear`, `fixed` and `oracle`. Shapes are checked where a critic meets its data (the
//! `train` entry), since only then are the widths known.

use std::sync::Arc;

use crate::dist::DataRef;
use crate::ir::{
    typed_params, Args, Default, Entry, Kind, ParamError, ParamErrorKind, Range, Ty, Value,
};
use crate::nn::{Activation, CriticSpec, EncoderDecl, EncoderRef, EncoderSpec};

fn encoder(spec: EncoderSpec) -> Result<Value, ParamError> {
    Ok(Value::Encoder(EncoderDecl::new(spec)))
}

fn critic(spec: CriticSpec) -> Result<Value, ParamError> {
    Ok(Value::Critic(Arc::new(spec)))
}

/// The most hidden layers an mlp may have (training recurses through the layers; thousands
/// would overflow a worker's stack).
pub const MAX_HIDDEN_LAYERS: usize = 64;

pub static IDENTITY: Entry = Entry::constructor(
    "identity",
    Kind::Encoder,
    "passes its input through unchanged (output width = input width)",
    &[],
    |_| encoder(EncoderSpec::Identity),
);

typed_params! {
    pub struct MlpArgs {
        hidden: Option<Vec<usize>> = Default::Optional, Range::between(1.0, 65_536.0),
            "widths of the hidden layers (none if omitted)";
        out: usize = Default::Required, Range::between(1.0, 65_536.0), "output width";
        act: String = Default::Sym("relu"), Range::ANY, "activation after each hidden layer",
            as Ty::Choice(&["relu", "tanh", "gelu"]);
        norm: String = Default::Sym("none"), Range::ANY,
            "normalise each hidden layer (layer norm without affine parameters)",
            as Ty::Choice(&["none", "layer"]);
    }
}

pub static MLP: Entry = Entry::constructor(
    "mlp",
    Kind::Encoder,
    "multilayer perceptron: hidden layers with an activation, then a linear output layer",
    MlpArgs::PARAMS,
    |args| {
        let a = MlpArgs::read(args)?;
        let depth = a.hidden.as_ref().map_or(0, Vec::len);
        if depth > MAX_HIDDEN_LAYERS {
            return Err(ParamError::new(
                ParamErrorKind::OutOfRange,
                "hidden",
                format!("{depth} hidden layers; an mlp may have at most {MAX_HIDDEN_LAYERS}"),
            )
            .help("deep networks of this kind do not train on these tasks; a few layers suffice"));
        }
        let act = match a.act.as_str() {
            "tanh" => Activation::Tanh,
            "gelu" => Activation::Gelu,
            _ => Activation::Relu,
        };
        encoder(EncoderSpec::Mlp {
            hidden: a.hidden.unwrap_or_default(),
            out: a.out,
            act,
            layer_norm: a.norm == "layer",
        })
    },
);

typed_params! {
    pub struct LinearArgs {
        out: usize = Default::Required, Range::between(1.0, 65_536.0), "output width";
    }
}

pub static LINEAR: Entry = Entry::constructor(
    "linear",
    Kind::Encoder,
    "a linear map to `out` features (an mlp with no hidden layer)",
    LinearArgs::PARAMS,
    |args| {
        encoder(EncoderSpec::Mlp {
            hidden: Vec::new(),
            out: LinearArgs::read(args)?.out,
            act: Activation::Relu,
            layer_norm: false,
        })
    },
);

typed_params! {
    pub struct CouplingArgs {
        layers: usize = Default::Num(4.0), Range::between(1.0, 64.0), "coupling layers";
        hidden: usize = Default::Num(32.0), Range::between(1.0, 65_536.0),
            "hidden width of each layer's network";
        affine: bool = Default::Bool(false), Range::ANY,
            "affine layers (Real NVP: b exp(tanh s(a)) + t(a)), which change volume, instead of additive ones (NICE: b + t(a))";
    }
}

pub static COUPLING: Entry = Entry::constructor(
    "coupling",
    Kind::Encoder,
    "invertible: coupling layers, the input's halves taking turns to be shifted (NICE) or scaled and shifted (affine: true, Real NVP) by a ReLU network of the other; output width = input width (at least 2), so I(g(x); g(y)) = I(x; y)",
    CouplingArgs::PARAMS,
    |args| {
        let a = CouplingArgs::read(args)?;
        encoder(EncoderSpec::Coupling {
            layers: a.layers,
            hidden: a.hidden,
            affine: a.affine,
        })
    },
);

pub static INVERTIBLE_LINEAR: Entry = Entry::constructor(
    "invertible_linear",
    Kind::Encoder,
    "invertible: z = L diag(exp s) U x with L, U unit triangular (LU form), starting at the identity; it can rescale and mix coordinates; output width = input width, so I(g(x); g(y)) = I(x; y)",
    &[],
    |_| encoder(EncoderSpec::InvertibleLinear),
);

typed_params! {
    pub struct SeparableArgs {
        g: EncoderRef = Default::Required, Range::ANY, "encoder applied to x";
        h: Option<EncoderRef> = Default::Optional, Range::ANY,
            "encoder applied to y (g, shared, if omitted)";
        temperature: f64 = Default::Num(1.0), Range::above(0.0), "scores are divided by it";
        normalize: bool = Default::Bool(false), Range::ANY,
            "L2-normalise both embeddings (cosine similarity)";
    }
}

pub static SEPARABLE: Entry = Entry::constructor(
    "separable",
    Kind::Critic,
    "f(x,y) = g(x) . h(y) / temperature (cosine if normalize); the same declared encoder twice shares weights, which makes f a positive semi-definite kernel that cannot hold ln r's terms in x alone or y alone: fine for infonce, warned for the bounds that need them",
    SeparableArgs::PARAMS,
    |args| {
        let a = SeparableArgs::read(args)?;
        let (g, h, shared) = towers(a.g, a.h);
        critic(CriticSpec::Separable {
            g,
            h,
            shared,
            temperature: a.temperature,
            normalize: a.normalize,
        })
    },
);

typed_params! {
    pub struct ConcatArgs {
        f: EncoderRef = Default::Required, Range::ANY, "network on [x, y] with out: 1";
    }
}

pub static CONCAT: Entry = Entry::constructor(
    "concat",
    Kind::Critic,
    "f(x,y) = mlp([x, y]): one network on the concatenated pair, scalar output, evaluated on all K^2 pairs",
    ConcatArgs::PARAMS,
    |args| critic(CriticSpec::Concat { f: ConcatArgs::read(args)?.f }),
);

typed_params! {
    pub struct BilinearArgs {
        g: EncoderRef = Default::Required, Range::ANY, "encoder applied to x";
        h: Option<EncoderRef> = Default::Optional, Range::ANY,
            "encoder applied to y (g, shared, if omitted)";
    }
}

pub static BILINEAR: Entry = Entry::constructor(
    "bilinear",
    Kind::Critic,
    "f(x,y) = g(x)^T W h(y) with a trained matrix W",
    BilinearArgs::PARAMS,
    |args| {
        let a = BilinearArgs::read(args)?;
        let (g, h, shared) = towers(a.g, a.h);
        critic(CriticSpec::Bilinear { g, h, shared })
    },
);

typed_params! {
    pub struct FixedArgs {
        weight: f64 = Default::Num(1.0), Range::ANY,
            "the fixed weight (e.g. -2 for a wrong-sign critic)";
    }
}

pub static FIXED: Entry = Entry::constructor(
    "fixed",
    Kind::Critic,
    "an untrained bilinear critic f(x,y) = weight * x.y (x and y of equal width); for theorems about arbitrary critics",
    FixedArgs::PARAMS,
    |args| critic(CriticSpec::Fixed { weight: FixedArgs::read(args)?.weight }),
);

typed_params! {
    pub struct OracleArgs {
        data: DataRef = Default::Required, Range::ANY, "the distribution whose density ratio to use";
    }
}

pub static ORACLE: Entry = Entry::constructor(
    "oracle",
    Kind::Critic,
    "the true pointwise MI ln p(x,y)/(p(x)p(y)) of a distribution, plus the constant the bound's optimum needs; never trained",
    OracleArgs::PARAMS,
    |args: &Args| critic(CriticSpec::Oracle { data: OracleArgs::read(args)?.data }),
);

typed_params! {
    pub struct ConditionalArgs {
        mean: EncoderRef = Default::Required, Range::ANY,
            "network from x to the mean of y (out: the width of y)";
        log_scale: Option<EncoderRef> = Default::Optional, Range::ANY,
            "network from x to ln sigma per coordinate of y (default: one learned vector, the same for every x)";
        flow: Option<EncoderRef> = Default::Optional, Range::ANY,
            "an invertible encoder applied to y first (coupling(...), additive or affine, or invertible_linear()): q(y|x) = N(f(y); mean(x), sigma(x)^2) |det f'(y)|, a normalising flow";
    }
}

pub static CONDITIONAL: Entry = Entry::constructor(
    "conditional",
    Kind::Critic,
    "a Gaussian conditional density q(y|x) = N(mean(x), diag sigma(x)^2) (of f(y) with a flow), scoring s_ij = ln q(y_i|x_j); the critic of club, loo_upper and doe (trained by likelihood), and a valid critic for every other bound",
    ConditionalArgs::PARAMS,
    |args: &Args| {
        let a = ConditionalArgs::read(args)?;
        check_flow_arg(a.flow.as_ref())?;
        critic(CriticSpec::Conditional {
            mean: a.mean,
            log_scale: a.log_scale,
            flow: a.flow,
        })
    },
);

/// The `flow:` argument of a density (the conditional critic's, DoE's marginal): refused
/// unless it is an invertible encoder with a known Jacobian.
pub(super) fn check_flow_arg(flow: Option<&EncoderRef>) -> Result<(), ParamError> {
    match flow {
        Some(f) => f.spec.check_flow().map_err(|m| {
            ParamError::new(ParamErrorKind::Shape, "flow", m)
                .help("write e.g. `flow: coupling(layers: 4, hidden: 32, affine: true)`")
        }),
        None => Ok(()),
    }
}

/// The encoders g and h of a two-tower critic, and whether they are one network (the same
/// declared encoder twice, or h omitted).
fn towers(g: EncoderRef, h: Option<EncoderRef>) -> (EncoderRef, EncoderRef, bool) {
    let shared = match &h {
        None => true,
        Some(h) => g.name.is_some() && g.name == h.name,
    };
    let h = h.unwrap_or_else(|| g.clone());
    (g, h, shared)
}
