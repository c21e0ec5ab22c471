//! `load(x: "FILE:KEY", y: "FILE:KEY", label: "FILE:KEY", held_out: 0.2)`: a user's arrays as
//! data. Paths are relative to the claim file and read when the file is checked (only the
//! files it names); every problem with them is reported at the argument that names them.

use std::sync::Arc;

use crate::dist::arrays::{self, Array, LoadError};
use crate::dist::loaded::Loaded;
use crate::dist::DataDecl;
use crate::ir::{
    typed_params, Args, Default, Entry, Kind, ParamError, ParamErrorKind, Range, Text, Value,
};

typed_params! {
    pub struct LoadArgs {
        x: Text = Default::Required, Range::ANY,
            "x rows: \"FILE.npy\", or \"FILE.npz:KEY\", \"FILE.safetensors:KEY\", \"FILE.csv:COL,COL\" (or \"FILE.csv:PREFIX*\")";
        y: Text = Default::Required, Range::ANY, "y rows, named the same way (as many rows as x)";
        label: Option<Text> = Default::Optional, Range::ANY,
            "integer labels per row (0, 1, ...), for probes";
        held_out: f64 = Default::Num(0.2), Range::between(0.0, 0.9),
            "share of rows set aside (by a fixed shuffle) for evaluation, traces and probe scores; critics and probes train on the rest";
    }
}

pub static LOAD: Entry = Entry::constructor(
    "load",
    Kind::Data,
    "a user's data: rows of (x, y) pairs (and labels) read from .npy, .npz, .safetensors or .csv files, relative to the claim file; no ground truth (estimate it)",
    LoadArgs::PARAMS,
    build,
);

typed_params! {
    pub struct FiniteArgs {
        data: crate::dist::DataRef = Default::Required, Range::ANY, "the distribution to draw from";
        samples: usize = Default::Num(5000.0), Range::between(4.0, 1_000_000.0),
            "pairs drawn once per seed (bmi's default: 5000)";
        held_out: f64 = Default::Num(0.2), Range::between(0.0, 0.9),
            "share of the pairs set aside for evaluation, traces and probe scores; critics train on the rest";
    }
}

pub static FINITE: Entry = Entry::constructor(
    "finite",
    Kind::Data,
    "a fixed sample (bmi's protocol): `samples` pairs of `data` drawn once per seed, the same rows for every run of the file, split into training and held-out rows; critics train for their steps on the training rows (epochs), estimates read the held-out ones, KSG and the other estimators all of them; the truth is `data`'s",
    FiniteArgs::PARAMS,
    |args| {
        let a = FiniteArgs::read(args)?;
        Ok(Value::Data(crate::dist::DataDecl::new(
            crate::dist::finite::Finite {
                base: a.data,
                samples: a.samples,
                held_out: a.held_out,
            },
        )))
    },
);

/// An error about the file named by parameter `param`.
fn file_error(param: &'static str, e: LoadError) -> ParamError {
    let help = match &e {
        LoadError::Missing { .. } => "paths are relative to the claim file",
        LoadError::NoKey { .. } => "name one of the arrays (or columns) the file has",
        LoadError::KeyUse { .. } => {
            "`FILE.npy`, `FILE.npz:KEY`, `FILE.safetensors:KEY` or `FILE.csv:COL,COL`"
        }
        LoadError::Dtype { .. } => "save the array as floats or integers",
        LoadError::Rank { .. } => "save rows x features (flatten each row first)",
        LoadError::Empty { .. } => "an estimate needs rows",
        LoadError::Format { .. } => {
            "check that the file was written completely, by the format its extension names"
        }
        LoadError::Extension { .. } => "save the arrays as .npy, .npz, .safetensors or .csv",
    };
    ParamError::new(ParamErrorKind::File, param, e.to_string()).help(help)
}

fn read(args: &Args, param: &'static str, name: &str) -> Result<(Array, String), ParamError> {
    let (file, key) = arrays::split_name(name);
    let path = args.base_dir.join(file);
    let array = arrays::read(&path, key).map_err(|e| file_error(param, e))?;
    let hash = arrays::content_hash(&path).unwrap_or_default();
    Ok((array, format!("{param}: {name} (fnv1a {hash})")))
}

/// The first row holding a value that is not finite.
fn first_bad_row(a: &Array) -> Option<(usize, f64)> {
    a.values
        .iter()
        .position(|v| !v.is_finite())
        .map(|i| (i / a.cols, a.values[i]))
}

fn build(args: &Args) -> Result<Value, ParamError> {
    let a = LoadArgs::read(args)?;
    let (x, x_text) = read(args, "x", &a.x.0)?;
    let (y, y_text) = read(args, "y", &a.y.0)?;
    for (param, arr, name) in [("x", &x, &a.x.0), ("y", &y, &a.y.0)] {
        if let Some((row, v)) = first_bad_row(arr) {
            return Err(ParamError::new(
                ParamErrorKind::File,
                param,
                format!("`{name}` has the value {v} in row {row} (counting from 0)"),
            )
            .help("remove or impute the rows that are not finite before loading"));
        }
    }
    if x.rows != y.rows {
        return Err(ParamError::new(
            ParamErrorKind::Shape,
            "y",
            format!("x has {} rows but y has {}: rows are pairs", x.rows, y.rows),
        ));
    }
    let mut texts = vec![x_text, y_text];
    let labels = match &a.label {
        None => None,
        Some(name) => {
            let (l, text) = read(args, "label", &name.0)?;
            texts.push(text);
            if l.cols != 1 {
                return Err(ParamError::new(
                    ParamErrorKind::Shape,
                    "label",
                    format!(
                        "labels are one integer per row, but `{}` has {} columns",
                        name.0, l.cols
                    ),
                ));
            }
            if l.rows != x.rows {
                return Err(ParamError::new(
                    ParamErrorKind::Shape,
                    "label",
                    format!("x has {} rows but the labels {}", x.rows, l.rows),
                ));
            }
            let bad = l
                .values
                .iter()
                .position(|v| !(v.fract() == 0.0 && *v >= 0.0 && *v < 1e6));
            if let Some(row) = bad {
                return Err(ParamError::new(
                    ParamErrorKind::File,
                    "label",
                    format!(
                        "labels are class numbers 0, 1, 2, ...; row {row} holds {}",
                        l.values[row]
                    ),
                )
                .help("map the classes to 0 .. C-1 before saving"));
            }
            Some(l.values.iter().map(|&v| v as usize).collect())
        }
    };
    if a.held_out > 0.0 && x.rows < 2 {
        return Err(ParamError::new(
            ParamErrorKind::OutOfRange,
            "held_out",
            format!(
                "{} row cannot be split into training and held-out rows",
                x.rows
            ),
        ));
    }
    let mut rng = crate::dist::stream(0, 0, "load/split");
    let loaded = Loaded::new(
        format!("{}; held out {}", texts.join(", "), a.held_out),
        x.values,
        x.cols,
        y.values,
        y.cols,
        labels,
        a.held_out,
        &mut rng,
    );
    Ok(Value::Data(Arc::new(DataDecl {
        name: String::new(),
        dist: Arc::new(loaded),
    })))
}
