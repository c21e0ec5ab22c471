//! The encoder and critic entries: `identity`, `mlp`, `linear`; `separable`, `concat`,
//! `bilinear`, `fixed` and `oracle`. Shapes are checked where a critic meets its data (the
//! `train` entry), since only then are the widths known.

use std::sync::Arc;

use crate::ir::{param, Args, Build, Default, Entry, Kind, ParamError, Range, Ty, Value};
use crate::nn::{Activation, CriticSpec, EncoderDecl, EncoderRef, EncoderSpec};
// src/nn/encoder.rs
pub static IDENTITY: Entry = Entry {
    name: "identity",
    kind: Kind::Encoder,
    doc: "passes its input through unchanged (output width = input width)",
    params: &[],
    exactly_one_of: &[],
    build: Build::Value(|_| Ok(Value::Encoder(EncoderDecl::new(EncoderSpec::Identity)))),
};

pub static MLP: Entry = Entry {
    name: "mlp",
    kind: Kind::Encoder,
    doc: "multilayer perceptron: hidden layers with an activation, then a linear output layer",
    params: &[
        param(
            "hidden",
            Ty::IntList,
            Default::Optional,
            Range::between(1.0, 65_536.0),
            "widths of the hidden layers (none if omitted)",
        ),
        param(
            "out",
            Ty::Int,
            Default::Required,
            Range::between(1.0, 65_536.0),
            "output width",
        ),
        param(
            "act",
            Ty::Choice(&["relu", "tanh", "gelu"]),
            Default::Sym("relu"),
            Range::ANY,
            "activation after each hidden layer",
        ),
        param(
            "norm",
            Ty::Choice(&["none", "layer"]),
            Default::Sym("none"),
            Range::ANY,
            "normalise each hidden layer (layer norm without affine parameters)",
        ),
    ],
    exactly_one_of: &[],
    build: Build::Value(build_mlp),
};

pub static LINEAR: Entry = Entry {
    name: "linear",
    kind: Kind::Encoder,
    doc: "a linear map to `out` features (an mlp with no hidden layer)",
    params: &[param(
        "out",
        Ty::Int,
        Default::Required,
        Range::between(1.0, 65_536.0),
        "output width",
    )],
    exactly_one_of: &[],
    build: Build::Value(|a| {
        Ok(Value::Encoder(EncoderDecl::new(EncoderSpec::Mlp {
            hidden: Vec::new(),
            out: a.int("out")?,
            act: Activation::Relu,
            layer_norm: false,
        })))
    }),
};

fn build_mlp(args: &Args) -> std::result::Result<Value, ParamError> {
    let hidden = if args.get("hidden").is_some() {
        args.int_list("hidden")?
    } else {
        Vec::new()
    };
    let act = match args.symbol("act")? {
        "tanh" => Activation::Tanh,
        "gelu" => Activation::Gelu,
        _ => Activation::Relu,
    };
    Ok(Value::Encoder(EncoderDecl::new(EncoderSpec::Mlp {
        hidden,
        out: args.int("out")?,
        act,
        layer_norm: args.symbol("norm")? == "layer",
    })))
}

// src/nn/critic.rs
pub static SEPARABLE: Entry = Entry {
    name: "separable",
    kind: Kind::Critic,
    doc: "f(x,y) = g(x) . h(y) / temperature (cosine if normalize); the same declared encoder twice shares weights",
    params: &[
        param("g", Ty::Of(Kind::Encoder), Default::Required, Range::ANY, "encoder applied to x"),
        param("h", Ty::Of(Kind::Encoder), Default::Optional, Range::ANY, "encoder applied to y (g, shared, if omitted)"),
        param("temperature", Ty::Number, Default::Num(1.0), Range::above(0.0), "scores are divided by it"),
        param("normalize", Ty::Bool, Default::Bool(false), Range::ANY, "L2-normalise both embeddings (cosine similarity)"),
    ],
    exactly_one_of: &[],
    build: Build::Value(build_separable),
};

pub static CONCAT: Entry = Entry {
    name: "concat",
    kind: Kind::Critic,
    doc: "f(x,y) = mlp([x, y]): one network on the concatenated pair, scalar output, evaluated on all K^2 pairs",
    params: &[param("f", Ty::Of(Kind::Encoder), Default::Required, Range::ANY, "network on [x, y] with out: 1")],
    exactly_one_of: &[],
    build: Build::Value(build_concat),
};

pub static BILINEAR: Entry = Entry {
    name: "bilinear",
    kind: Kind::Critic,
    doc: "f(x,y) = g(x)^T W h(y) with a trained matrix W",
    params: &[
        param(
            "g",
            Ty::Of(Kind::Encoder),
            Default::Required,
            Range::ANY,
            "encoder applied to x",
        ),
        param(
            "h",
            Ty::Of(Kind::Encoder),
            Default::Optional,
            Range::ANY,
            "encoder applied to y (g, shared, if omitted)",
        ),
    ],
    exactly_one_of: &[],
    build: Build::Value(build_bilinear),
};

pub static FIXED: Entry = Entry {
    name: "fixed",
    kind: Kind::Critic,
    doc: "an untrained bilinear critic f(x,y) = weight * x.y (x and y of equal width); for theorems about arbitrary critics",
    params: &[param("weight", Ty::Number, Default::Num(1.0), Range::ANY, "the fixed weight (e.g. -2 for a wrong-sign critic)")],
    exactly_one_of: &[],
    build: Build::Value(|a| Ok(Value::Critic(Arc::new(CriticSpec::Fixed { weight: a.num("weight")? })))),
};

pub static ORACLE: Entry = Entry {
    name: "oracle",
    kind: Kind::Critic,
    doc: "the true pointwise MI ln p(x,y)/(p(x)p(y)) of a distribution, plus the constant the bound's optimum needs; never trained",
    params: &[param("data", Ty::Of(Kind::Data), Default::Required, Range::ANY, "the distribution whose density ratio to use")],
    exactly_one_of: &[],
    build: Build::Value(|a| Ok(Value::Critic(Arc::new(CriticSpec::Oracle { data: a.data("data")? })))),
};

/// The encoders g and h of a two-tower critic, and whether they are one network (the same
/// declared encoder twice, or h omitted).
fn towers(args: &Args) -> std::result::Result<(EncoderRef, EncoderRef, bool), ParamError> {
    let g = encoder(args, "g").ok_or_else(|| {
        ParamError::new(
            crate::ir::ParamErrorKind::Conflict,
            "g",
            "internal: g missing",
        )
    })?;
    let h = encoder(args, "h");
    let shared = match &h {
        None => true,
        Some(h) => g.name.is_some() && g.name == h.name,
    };
    Ok((g.clone(), h.unwrap_or(g), shared))
}

fn encoder(args: &Args, name: &'static str) -> Option<EncoderRef> {
    match args.get(name) {
        Some(Value::Encoder(e)) => Some(e.clone()),
        _ => None,
    }
}

fn build_bilinear(args: &Args) -> std::result::Result<Value, ParamError> {
    let (g, h, shared) = towers(args)?;
    Ok(Value::Critic(Arc::new(CriticSpec::Bilinear {
        g,
        h,
        shared,
    })))
}

fn build_separable(args: &Args) -> std::result::Result<Value, ParamError> {
    let (g, h, shared) = towers(args)?;
    Ok(Value::Critic(Arc::new(CriticSpec::Separable {
        g,
        h,
        shared,
        temperature: args.num("temperature")?,
        normalize: args.boolean("normalize")?,
    })))
}

fn build_concat(args: &Args) -> std::result::Result<Value, ParamError> {
    let f = encoder(args, "f").ok_or_else(|| {
        ParamError::new(
            crate::ir::ParamErrorKind::Conflict,
            "f",
            "internal: f missing",
        )
    })?;
    Ok(Value::Critic(Arc::new(CriticSpec::Concat { f })))
}
