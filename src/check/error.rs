//! The checker's diagnostics: one variant per kind of mistake, each with a stable code, a
//! labelled span and, where there is one, a suggestion.

use miette::{Diagnostic, SourceSpan};
use thiserror::Error;

#[derive(Debug, Clone, Error, Diagnostic, PartialEq)]
pub enum CheckError {
    #[error("unknown name `{name}`")]
    #[diagnostic(code(mica::check::unknown_name))]
    UnknownName {
        name: String,
        #[label("not declared")]
        span: SourceSpan,
        #[help]
        help: Option<String>,
    },

    #[error("{message}")]
    #[diagnostic(code(mica::check::wrong_kind))]
    WrongKind {
        message: String,
        #[label("{label}")]
        span: SourceSpan,
        label: String,
        #[help]
        help: Option<String>,
    },

    #[error("`{func}` has no parameter `{arg}`")]
    #[diagnostic(code(mica::check::unknown_arg))]
    UnknownArg {
        func: String,
        arg: String,
        #[label("unknown parameter")]
        span: SourceSpan,
        #[help]
        help: Option<String>,
    },

    #[error("`{func}` needs `{arg}`")]
    #[diagnostic(code(mica::check::missing_arg))]
    MissingArg {
        func: String,
        arg: String,
        #[label("`{arg}` is missing here")]
        span: SourceSpan,
        #[help]
        help: Option<String>,
    },

    #[error("`{arg}` is given twice")]
    #[diagnostic(code(mica::check::duplicate_arg), help("remove one of the two"))]
    DuplicateArg {
        arg: String,
        #[label("given again here")]
        span: SourceSpan,
        #[label("first given here")]
        first: SourceSpan,
    },

    #[error("`{func}` takes at most {max} positional argument(s)")]
    #[diagnostic(code(mica::check::too_many_args))]
    TooManyArgs {
        func: String,
        max: usize,
        #[label("unexpected argument")]
        span: SourceSpan,
        #[help]
        help: Option<String>,
    },

    #[error("a positional argument follows a named one")]
    #[diagnostic(
        code(mica::check::positional_after_named),
        help("put positional arguments first, or name this one")
    )]
    PositionalAfterNamed {
        #[label("positional argument")]
        span: SourceSpan,
    },

    #[error("`{param}` expects {expected}, found {found}")]
    #[diagnostic(code(mica::check::wrong_type))]
    WrongType {
        param: String,
        expected: String,
        found: String,
        #[label("expected {expected}")]
        span: SourceSpan,
        #[help]
        help: Option<String>,
    },

    #[error("`{param}` = {value} is out of range")]
    #[diagnostic(code(mica::check::out_of_range))]
    OutOfRange {
        param: String,
        value: String,
        #[label("{reason}")]
        span: SourceSpan,
        reason: String,
        #[help]
        help: Option<String>,
    },

    #[error("{message}")]
    #[diagnostic(code(mica::check::conflicting_args))]
    Conflict {
        message: String,
        #[label("here")]
        span: SourceSpan,
        #[help]
        help: Option<String>,
    },

    #[error("{message}")]
    #[diagnostic(code(mica::check::data_file))]
    DataFile {
        message: String,
        #[label("this file")]
        span: SourceSpan,
        #[help]
        help: Option<String>,
    },

    #[error("{message}")]
    #[diagnostic(code(mica::check::no_truth))]
    NoTruth {
        message: String,
        #[label("its mutual information is not known")]
        span: SourceSpan,
        #[help]
        help: Option<String>,
    },

    #[error("shape mismatch: {message}")]
    #[diagnostic(code(mica::check::shape_mismatch))]
    ShapeMismatch {
        message: String,
        #[label("does not fit the data")]
        span: SourceSpan,
        #[help]
        help: Option<String>,
    },

    #[error("{message}")]
    #[diagnostic(code(mica::check::invalid_value))]
    Invalid {
        message: String,
        #[label("{label}")]
        span: SourceSpan,
        label: String,
        #[help]
        help: Option<String>,
    },

    #[error("`{name}` is declared twice")]
    #[diagnostic(
        code(mica::check::duplicate_name),
        help("rename one of the two declarations")
    )]
    Duplicate {
        name: String,
        #[label("declared again here")]
        span: SourceSpan,
        #[label("first declared here")]
        first: SourceSpan,
    },

    #[error("{message}")]
    #[diagnostic(code(mica::check::bad_index))]
    BadIndex {
        message: String,
        #[label("{label}")]
        span: SourceSpan,
        label: String,
        #[help]
        help: Option<String>,
    },

    #[error("confidence {value}% is not between 50% and 100%")]
    #[diagnostic(
        code(mica::check::bad_confidence),
        help("write a level strictly between 50% and 100%, e.g. `at 95%` or `at 99%`")
    )]
    BadConfidence {
        value: String,
        #[label("confidence level")]
        span: SourceSpan,
    },

    #[error("a claim must state something that can be true or false")]
    #[diagnostic(
        code(mica::check::not_a_claim),
        help("write a comparison such as `estimate(run) <= ln(64)`, combine them with `and`, or use forall / increasing / decreasing")
    )]
    NotAClaim {
        found: String,
        #[label("this is {found}")]
        span: SourceSpan,
    },

    #[error("... and {more} more problems like these, not shown")]
    #[diagnostic(
        code(mica::check::too_many),
        help("mica shows the first {shown} problems of a file; fix those and check again")
    )]
    TooMany {
        shown: usize,
        more: usize,
        #[label("the first one not shown")]
        span: SourceSpan,
    },
    #[error("{message}")]
    #[diagnostic(code(mica::check::no_claims))]
    NoClaims {
        message: String,
        #[label("nothing to check in this file")]
        span: SourceSpan,
        #[help]
        help: Option<String>,
    },
}

/// Something legal that is likely a mistake: reported, but the file still runs.
#[derive(Debug, Clone, Error, Diagnostic, PartialEq)]
pub enum CheckWarning {
    #[error("`{name}` hides the built-in {builtin} `{name}` in the rest of this file")]
    #[diagnostic(
        code(mica::check::shadows_builtin),
        severity(Warning),
        help("from here on `{name}` names this declaration wherever a name is expected, not the built-in {builtin}; a name such as `{name}_{suffix}` avoids the confusion")
    )]
    ShadowsBuiltin {
        name: String,
        builtin: String,
        suffix: String,
        #[label("declared here")]
        span: SourceSpan,
    },
    #[error("a shared separable critic cannot represent what `{bound}` reads")]
    #[diagnostic(
        code(mica::check::shared_kernel),
        severity(Warning),
        help("g(x) . g(y) with one encoder is a positive semi-definite kernel; `{bound}`'s optimal critic contains terms of ln r in x alone and in y alone that such a kernel cannot give, so its estimate stays below what two encoders reach; InfoNCE, club and loo_upper are unaffected (they ignore terms in y alone). Give y its own encoder (`h: mlp(...)`) or use `infonce`")
    )]
    SharedKernel {
        bound: String,
        #[label("shared encoder, read out with `{bound}`")]
        span: SourceSpan,
    },
    #[error("{what} will take about {time} on one core ({detail})")]
    #[diagnostic(
        code(mica::check::long_run),
        severity(Warning),
        help("estimated from the declared sizes at {rate} per core; jobs run side by side on the available cores; `--quick` runs a tenth of the steps, and fewer steps or seeds, a smaller batch or evaluation batch shorten it; `mica check -v` shows every run's estimate")
    )]
    LongRun {
        /// "`nce`", or "the 5 runs of this sweep"
        what: String,
        time: String,
        detail: String,
        rate: String,
        #[label("this run")]
        span: SourceSpan,
    },
}

impl CheckError {
    /// The primary span (for sorting and de-duplication).
    pub fn span(&self) -> SourceSpan {
        match self {
            CheckError::UnknownName { span, .. }
            | CheckError::WrongKind { span, .. }
            | CheckError::UnknownArg { span, .. }
            | CheckError::MissingArg { span, .. }
            | CheckError::DuplicateArg { span, .. }
            | CheckError::TooManyArgs { span, .. }
            | CheckError::PositionalAfterNamed { span }
            | CheckError::WrongType { span, .. }
            | CheckError::OutOfRange { span, .. }
            | CheckError::Conflict { span, .. }
            | CheckError::NoTruth { span, .. }
            | CheckError::DataFile { span, .. }
            | CheckError::ShapeMismatch { span, .. }
            | CheckError::Invalid { span, .. }
            | CheckError::Duplicate { span, .. }
            | CheckError::BadIndex { span, .. }
            | CheckError::BadConfidence { span, .. }
            | CheckError::NotAClaim { span, .. }
            | CheckError::TooMany { span, .. }
            | CheckError::NoClaims { span, .. } => *span,
        }
    }
}
