//! The values a checked expression can denote, and their kinds.

use std::fmt;
use std::sync::Arc;

use super::RunSpec;
use crate::bounds::Bound;
use crate::dist::mixture::Component;
use crate::dist::multinormal::Covariance;
use crate::dist::DataRef;
use crate::nn::{CriticSpec, EncoderRef};

/// The kind of a value: what a declaration holds or a call produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Number,
    Bool,
    Str,
    List,
    /// A bare word such as `relu`, valid where a parameter takes a choice.
    Symbol,
    Data,
    Encoder,
    Critic,
    Bound,
    Run,
    /// A covariance matrix over [x, y] (for multinormal and Student-t families).
    Covariance,
    /// One Gaussian component of a mixture.
    Component,
    /// A claim function: a quantity or a proposition, only inside claims.
    Function,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Number => "number",
            Kind::Bool => "bool",
            Kind::Str => "string",
            Kind::List => "list",
            Kind::Symbol => "word",
            Kind::Data => "data",
            Kind::Encoder => "encoder",
            Kind::Critic => "critic",
            Kind::Bound => "bound",
            Kind::Run => "run",
            Kind::Covariance => "covariance",
            Kind::Component => "component",
            Kind::Function => "claim function",
        })
    }
}

impl Kind {
    /// The kind with its article, for messages: "an encoder", "a run", "data".
    pub fn a(self) -> String {
        match self {
            Kind::Data => "data".into(),
            Kind::Encoder => "an encoder".into(),
            other => format!("a {other}"),
        }
    }
}

/// A checked value.
#[derive(Debug, Clone)]
pub enum Value {
    Number(f64),
    Bool(bool),
    Str(String),
    List(Vec<Value>),
    Symbol(String),
    Data(DataRef),
    Encoder(EncoderRef),
    Critic(Arc<CriticSpec>),
    Bound(Arc<dyn Bound>),
    Run(Arc<RunSpec>),
    Covariance(Arc<Covariance>),
    Component(Arc<Component>),
}

impl Value {
    pub fn kind(&self) -> Kind {
        match self {
            Value::Number(_) => Kind::Number,
            Value::Bool(_) => Kind::Bool,
            Value::Str(_) => Kind::Str,
            Value::List(_) => Kind::List,
            Value::Symbol(_) => Kind::Symbol,
            Value::Data(_) => Kind::Data,
            Value::Encoder(_) => Kind::Encoder,
            Value::Critic(_) => Kind::Critic,
            Value::Bound(_) => Kind::Bound,
            Value::Run(_) => Kind::Run,
            Value::Covariance(_) => Kind::Covariance,
            Value::Component(_) => Kind::Component,
        }
    }

    /// Gives a declared value its name (used in reports and for weight sharing).
    pub fn named(self, name: &str) -> Value {
        match self {
            Value::Data(d) => Value::Data(d.renamed(name)),
            Value::Encoder(e) => Value::Encoder(e.renamed(name)),
            Value::Run(r) => {
                let mut r = (*r).clone();
                r.name = name.to_string();
                Value::Run(Arc::new(r))
            }
            v => v,
        }
    }
}
