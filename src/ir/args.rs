//! Checked call arguments, as a build function sees them, and the errors a build function can
//! report about them.

use indexmap::IndexMap;

use super::Value;
use crate::syntax::ast::Span;

/// The arguments of a call after signature checking: every given or defaulted parameter, by
/// name, with the span of the argument that gave it (the call's span for defaults).
#[derive(Debug, Clone, Default)]
pub struct Args {
    pub values: IndexMap<&'static str, (Value, Span)>,
    pub call_span: Span,
    /// The folder the file's relative paths are read from (the claim file's own).
    pub base_dir: std::sync::Arc<std::path::PathBuf>,
}

/// Why a build function rejected its arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamErrorKind {
    /// A value outside its valid range (one that no signature range expresses, e.g. a
    /// covariance that is not positive definite).
    OutOfRange,
    /// Widths that do not fit together.
    Shape,
    /// Parameters that cannot be given together.
    Conflict,
    /// A file the parameter names cannot be read as data (missing, wrong format, bad values).
    File,
}

/// An error from a build function, pointing at one parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamError {
    pub param: Option<&'static str>,
    pub kind: ParamErrorKind,
    pub message: String,
    pub help: Option<String>,
}

impl ParamError {
    pub fn new(kind: ParamErrorKind, param: &'static str, message: impl Into<String>) -> Self {
        ParamError {
            param: Some(param),
            kind,
            message: message.into(),
            help: None,
        }
    }

    /// A fault of the catalogue rather than of the file (the checker has already ruled out
    /// what a user can get wrong); reported as a diagnostic rather than a panic.
    pub fn internal(param: &'static str, what: &str) -> Self {
        ParamError::new(
            ParamErrorKind::Conflict,
            param,
            format!("internal: parameter `{param}`: {what}"),
        )
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

fn missing(name: &'static str) -> ParamError {
    // The checker guarantees required parameters; reaching this is a catalogue bug, reported
    // as a diagnostic rather than a panic.
    ParamError::internal(name, "the parameter was not supplied")
}

impl Args {
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.values.get(name).map(|(v, _)| v)
    }

    pub fn span(&self, name: &str) -> Span {
        self.values
            .get(name)
            .map(|(_, s)| *s)
            .unwrap_or(self.call_span)
    }

    pub fn opt_num(&self, name: &str) -> Option<f64> {
        match self.get(name) {
            Some(Value::Number(v)) => Some(*v),
            _ => None,
        }
    }

    pub fn num(&self, name: &'static str) -> Result<f64, ParamError> {
        self.opt_num(name).ok_or_else(|| missing(name))
    }

    /// A whole number (the checker has verified it is one and within range).
    pub fn int(&self, name: &'static str) -> Result<usize, ParamError> {
        self.num(name).map(|v| v as usize)
    }

    pub fn boolean(&self, name: &'static str) -> Result<bool, ParamError> {
        match self.get(name) {
            Some(Value::Bool(b)) => Ok(*b),
            _ => Err(missing(name)),
        }
    }

    pub fn symbol(&self, name: &'static str) -> Result<&str, ParamError> {
        match self.get(name) {
            Some(Value::Symbol(s)) => Ok(s),
            _ => Err(missing(name)),
        }
    }

    pub fn int_list(&self, name: &'static str) -> Result<Vec<usize>, ParamError> {
        match self.get(name) {
            Some(Value::List(vs)) => Ok(vs
                .iter()
                .filter_map(|v| match v {
                    Value::Number(n) => Some(*n as usize),
                    _ => None,
                })
                .collect()),
            _ => Err(missing(name)),
        }
    }

    pub fn num_list(&self, name: &'static str) -> Result<Vec<f64>, ParamError> {
        match self.get(name) {
            Some(Value::List(vs)) => Ok(vs
                .iter()
                .filter_map(|v| match v {
                    Value::Number(n) => Some(*n),
                    _ => None,
                })
                .collect()),
            _ => Err(missing(name)),
        }
    }

    pub fn value(&self, name: &'static str) -> Result<&Value, ParamError> {
        self.get(name).ok_or_else(|| missing(name))
    }
}
