//! Typed parameters: an entry's parameters declared once, as a struct whose fields have Rust
//! types. [`typed_params!`] generates from that one declaration the parameter table the checker
//! matches calls against (`PARAMS`: names from the field names, types from the field types) and
//! the reader that fills the struct from checked arguments (`read`). A misspelt name cannot
//! compile, and a field whose optionality disagrees with its default fails to compile too.

use std::sync::Arc;

use super::{Args, Kind, ParamError, RunSpec, Ty, Value};
use crate::bounds::Bound;
use crate::dist::mixture::Component;
use crate::dist::multinormal::Covariance;
use crate::dist::DataRef;
use crate::nn::{CriticSpec, EncoderRef};

/// A Rust type a parameter can have: its language type and how to read it from arguments.
pub trait ParamType: Sized {
    /// The parameter's type in signatures and checks.
    const TY: Ty;
    /// Whether the parameter may be absent (`Option<T>`, with `Default::Optional`).
    const OPTIONAL: bool = false;
    /// Reads the argument `name`; absent arguments are an error except for `Option<T>`.
    fn read(args: &Args, name: &'static str) -> Result<Self, ParamError>;
}

impl ParamType for f64 {
    const TY: Ty = Ty::Number;
    fn read(args: &Args, name: &'static str) -> Result<Self, ParamError> {
        args.num(name)
    }
}

impl ParamType for usize {
    const TY: Ty = Ty::Int;
    fn read(args: &Args, name: &'static str) -> Result<Self, ParamError> {
        args.int(name)
    }
}

impl ParamType for bool {
    const TY: Ty = Ty::Bool;
    fn read(args: &Args, name: &'static str) -> Result<Self, ParamError> {
        args.boolean(name)
    }
}

impl ParamType for Vec<usize> {
    const TY: Ty = Ty::IntList;
    fn read(args: &Args, name: &'static str) -> Result<Self, ParamError> {
        args.int_list(name)
    }
}

impl ParamType for Vec<f64> {
    const TY: Ty = Ty::NumList;
    fn read(args: &Args, name: &'static str) -> Result<Self, ParamError> {
        args.num_list(name)
    }
}

/// A word from a fixed set; the set is given in the declaration (`as Ty::Choice(...)`).
impl ParamType for String {
    const TY: Ty = Ty::Choice(&[]);
    fn read(args: &Args, name: &'static str) -> Result<Self, ParamError> {
        args.symbol(name).map(str::to_string)
    }
}

impl<T: ParamType> ParamType for Option<T> {
    const TY: Ty = T::TY;
    const OPTIONAL: bool = true;
    fn read(args: &Args, name: &'static str) -> Result<Self, ParamError> {
        match args.get(name) {
            None => Ok(None),
            Some(_) => T::read(args, name).map(Some),
        }
    }
}

/// A string literal, e.g. a file name.
#[derive(Debug, Clone, PartialEq)]
pub struct Text(pub String);

impl ParamType for Text {
    const TY: Ty = Ty::Of(Kind::Str);
    fn read(args: &Args, name: &'static str) -> Result<Self, ParamError> {
        match args.value(name)? {
            Value::Str(s) => Ok(Text(s.clone())),
            other => Err(ParamError::internal(
                name,
                &format!("expected a string, found {}", other.kind().a()),
            )),
        }
    }
}

/// A quantity argument of a claim function (`ln(x)`): the claim lowering reads the
/// expression itself, so there is nothing to read here.
#[derive(Debug, Clone, Copy)]
pub struct QuantityArg;

impl ParamType for QuantityArg {
    const TY: Ty = Ty::Quantity;
    fn read(_: &Args, _: &'static str) -> Result<Self, ParamError> {
        Ok(QuantityArg)
    }
}

/// A `K -> quantity` argument of a claim function; like [`QuantityArg`], read by the lowering.
#[derive(Debug, Clone, Copy)]
pub struct LambdaArg;

impl ParamType for LambdaArg {
    const TY: Ty = Ty::Lambda;
    fn read(_: &Args, _: &'static str) -> Result<Self, ParamError> {
        Ok(LambdaArg)
    }
}

/// A non-empty list of distributions (the checker has verified the kinds).
impl ParamType for Vec<DataRef> {
    const TY: Ty = Ty::ListOf(Kind::Data);
    fn read(args: &Args, name: &'static str) -> Result<Self, ParamError> {
        let items = list_of(args, name, |v| match v {
            Value::Data(d) => Some(d.clone()),
            _ => None,
        })?;
        if items.iter().any(|d| d.dist.deferred()) {
            return Err(deferred_refused(name));
        }
        if items.iter().any(|d| d.dist.rows(None).is_some()) {
            return Err(rows_refused(name));
        }
        Ok(items)
    }
}

/// A non-empty list of mixture components.
impl ParamType for Vec<Arc<Component>> {
    const TY: Ty = Ty::ListOf(Kind::Component);
    fn read(args: &Args, name: &'static str) -> Result<Self, ParamError> {
        list_of(args, name, |v| match v {
            Value::Component(c) => Some(c.clone()),
            _ => None,
        })
    }
}

fn list_of<T>(
    args: &Args,
    name: &'static str,
    item: impl Fn(&Value) -> Option<T>,
) -> Result<Vec<T>, ParamError> {
    match args.value(name)? {
        Value::List(items) => items
            .iter()
            .map(|v| item(v).ok_or_else(|| ParamError::internal(name, "an item of another kind")))
            .collect(),
        _ => Err(ParamError::internal(name, "not a list")),
    }
}

/// Values of a declared kind.
macro_rules! of_kind {
    ($($t:ty => $kind:ident),* $(,)?) => {$(
        impl ParamType for $t {
            const TY: Ty = Ty::Of(Kind::$kind);
            fn read(args: &Args, name: &'static str) -> Result<Self, ParamError> {
                match args.value(name)? {
                    Value::$kind(v) => Ok(v.clone()),
                    other => Err(ParamError::internal(name, &format!(
                        "expected {}, found {}", Kind::$kind.a(), other.kind().a()
                    ))),
                }
            }
        }
    )*};
}

/// Distributions that constructors combine or transform: anything but `encode(...)` data,
/// which exists per seed only once its run has trained.
impl ParamType for DataRef {
    const TY: Ty = Ty::Of(Kind::Data);
    fn read(args: &Args, name: &'static str) -> Result<Self, ParamError> {
        let data = RunData::read(args, name)?.0;
        if data.dist.deferred() {
            return Err(deferred_refused(name));
        }
        if data.dist.rows(None).is_some() {
            return Err(rows_refused(name));
        }
        Ok(data)
    }
}

fn rows_refused(name: &'static str) -> ParamError {
    ParamError::new(
        super::ParamErrorKind::Conflict,
        name,
        "a user's data is a fixed set of rows, not a distribution a constructor can transform, combine or compute with",
    )
    .help("train, estimate or probe on it directly, or transform the arrays before saving them")
}

fn deferred_refused(name: &'static str) -> ParamError {
    ParamError::new(
        super::ParamErrorKind::Conflict,
        name,
        "`encode(...)` data exists only once its encoder has trained, one seed at a time, so it cannot be combined or transformed",
    )
    .help("train, estimate or probe on it directly (`train(..., data: z)`, `ksg(data: z)`, `accuracy(data: z)`), or build the distribution first and encode the result")
}

/// The distribution a run or probe samples: any data, `encode(...)` included (execution
/// realises it per seed before sampling).
#[derive(Debug, Clone)]
pub struct RunData(pub DataRef);

impl std::ops::Deref for RunData {
    type Target = DataRef;
    fn deref(&self) -> &DataRef {
        &self.0
    }
}

impl ParamType for RunData {
    const TY: Ty = Ty::Of(Kind::Data);
    fn read(args: &Args, name: &'static str) -> Result<Self, ParamError> {
        match args.value(name)? {
            Value::Data(v) => Ok(RunData(v.clone())),
            other => Err(ParamError::internal(
                name,
                &format!("expected data, found {}", other.kind().a()),
            )),
        }
    }
}

of_kind! {
    EncoderRef => Encoder,
    Arc<CriticSpec> => Critic,
    Arc<dyn Bound> => Bound,
    Arc<RunSpec> => Run,
    Arc<Covariance> => Covariance,
}

/// A field's name as the language spells it: `r#fn` is `fn`.
pub const fn param_name(field: &'static str) -> &'static str {
    match field.as_bytes() {
        [b'r', b'#', rest @ ..] => match std::str::from_utf8(rest) {
            Ok(s) => s,
            Err(_) => field,
        },
        _ => field,
    }
}

/// Declares a struct of typed parameters with its table and reader:
///
/// ```ignore
/// typed_params! {
///     pub struct KsgArgs {
///         data: DataRef = Default::Required, Range::ANY, "the distribution to sample";
///         k: usize = Default::Num(3.0), Range::between(1.0, 100.0), "neighbours";
///         on: String = Default::Sym("both"), Range::ANY, "which side", as Ty::Choice(&["x", "y", "both"]);
///     }
/// }
/// ```
///
/// gives `KsgArgs::PARAMS` (in field order, which is the order of positional arguments) and
/// `KsgArgs::read(&Args)`.
macro_rules! typed_params {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $(
                $(#[$fmeta:meta])*
                $field:ident : $ty:ty = $default:expr, $range:expr, $doc:literal $(, as $tyo:expr)?;
            )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone)]
        $vis struct $name {
            $( $(#[$fmeta])* pub $field: $ty, )*
        }

        impl $name {
            /// The parameter table, generated from the fields.
            pub const PARAMS: &'static [$crate::ir::Param] = &[
                $( $crate::ir::Param {
                    name: $crate::ir::param_name(stringify!($field)),
                    ty: $crate::ir::typed_params!(@ty $ty $(, $tyo)?),
                    default: $default,
                    range: $range,
                    doc: $doc,
                }, )*
            ];

            /// Reads checked arguments into the struct.
            #[allow(dead_code)]
            pub fn read(args: &$crate::ir::Args) -> Result<Self, $crate::ir::ParamError> {
                Ok($name {
                    $( $field: <$ty as $crate::ir::ParamType>::read(args, $crate::ir::param_name(stringify!($field)))?, )*
                })
            }
        }

        // An `Option<T>` field, and only such a field, has `Default::Optional`.
        const _: () = {
            $( assert!(
                <$ty as $crate::ir::ParamType>::OPTIONAL
                    == matches!($default, $crate::ir::Default::Optional),
                concat!("`", stringify!($field), "`: an Option field needs Default::Optional, and only it")
            ); )*
        };
    };
    (@ty $ty:ty) => { <$ty as $crate::ir::ParamType>::TY };
    (@ty $ty:ty, $tyo:expr) => { $tyo };
}
pub(crate) use typed_params;
