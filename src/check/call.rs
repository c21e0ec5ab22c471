//! Matching a call's arguments against an entry's signature: positional and named arguments,
//! unknown, missing and duplicate parameters, types, ranges and `exactly one of` groups; then
//! the entry's build function, whose own objections become diagnostics at the right argument.

use std::collections::HashMap;

use super::{CheckError, Checker};
use crate::ir::{Args, Build, Default, Entry, Kind, Param, ParamErrorKind, Ty, Value};
use crate::syntax::ast::{self, Span};

impl Checker<'_> {
    /// Checks the arguments of a call to `entry` and builds its value.
    pub(crate) fn construct(
        &mut self,
        entry: &'static Entry,
        args: &[ast::Arg],
        span: Span,
    ) -> Option<Value> {
        let matched = self.match_args(entry, args, span)?;
        // Claim functions are lowered in `claims`, never constructed.
        let Build::Value(build) = entry.build else {
            return None;
        };
        match build(&matched) {
            Ok(v) => Some(v),
            Err(pe) => {
                // A parameter an error names is one of the entry's (a catalogue bug otherwise).
                debug_assert!(
                    pe.param.is_none_or(|p| entry.param(p).is_some()),
                    "`{}` names no parameter `{:?}`",
                    entry.name,
                    pe.param
                );
                let at = pe.param.map(|p| matched.span(p)).unwrap_or(span).into();
                self.errors.push(match pe.kind {
                    ParamErrorKind::Shape => CheckError::ShapeMismatch {
                        message: pe.message,
                        span: at,
                        help: pe.help,
                    },
                    ParamErrorKind::Conflict => CheckError::Conflict {
                        message: pe.message,
                        span: at,
                        help: pe.help,
                    },
                    ParamErrorKind::File => CheckError::DataFile {
                        message: pe.message,
                        span: at,
                        help: pe.help,
                    },
                    ParamErrorKind::OutOfRange => CheckError::Invalid {
                        message: pe.message,
                        span: at,
                        label: "impossible value".into(),
                        help: pe.help,
                    },
                });
                None
            }
        }
    }

    /// Assigns arguments to parameters and checks each value, then the `exactly one of`
    /// groups, then fills in defaults; every problem is reported.
    pub(crate) fn match_args(
        &mut self,
        entry: &'static Entry,
        args: &[ast::Arg],
        span: Span,
    ) -> Option<Args> {
        let mut given: HashMap<&'static str, Span> = HashMap::new();
        let mut out = Args {
            values: indexmap::IndexMap::new(),
            call_span: span,
            base_dir: self.base_dir.clone(),
        };
        let assigned = self.assign_args(entry, args, &mut given, &mut out);
        let grouped = self.exactly_one_groups(entry, &given, span);
        let defaulted = self.fill_defaults(entry, &given, &mut out, span);
        (assigned && grouped && defaulted).then_some(out)
    }

    /// Positional and named arguments to parameters, each value checked.
    fn assign_args(
        &mut self,
        entry: &'static Entry,
        args: &[ast::Arg],
        given: &mut HashMap<&'static str, Span>,
        out: &mut Args,
    ) -> bool {
        let mut ok = true;
        let mut seen_named = false;
        for (i, arg) in args.iter().enumerate() {
            let param: &'static Param = match &arg.name {
                None => {
                    if seen_named {
                        self.errors.push(CheckError::PositionalAfterNamed {
                            span: arg.span.into(),
                        });
                        ok = false;
                        continue;
                    }
                    match entry.params.get(i) {
                        Some(p) => p,
                        None => {
                            self.errors.push(CheckError::TooManyArgs {
                                func: entry.name.into(),
                                max: entry.params.len(),
                                span: arg.span.into(),
                                help: Some(format!("signature: {}", entry.signature())),
                            });
                            ok = false;
                            continue;
                        }
                    }
                }
                Some(n) => {
                    seen_named = true;
                    match entry.param(&n.name) {
                        Some(p) => p,
                        None => {
                            let help =
                                super::scope::suggest(&n.name, entry.params.iter().map(|p| p.name))
                                    .map(|s| format!("{s} (signature: {})", entry.signature()))
                                    .or_else(|| Some(format!("signature: {}", entry.signature())));
                            self.errors.push(CheckError::UnknownArg {
                                func: entry.name.into(),
                                arg: n.name.clone(),
                                span: n.span.into(),
                                help,
                            });
                            ok = false;
                            continue;
                        }
                    }
                }
            };
            if let Some(first) = given.get(param.name) {
                self.errors.push(CheckError::DuplicateArg {
                    arg: param.name.into(),
                    span: arg.span.into(),
                    first: (*first).into(),
                });
                ok = false;
                continue;
            }
            given.insert(param.name, arg.span);
            match self.param_value(entry, param, &arg.value) {
                Some(v) => {
                    out.values.insert(param.name, (v, arg.value.span));
                }
                None => ok = false,
            }
        }
        ok
    }

    /// Each `exactly one of` group has exactly one member given.
    fn exactly_one_groups(
        &mut self,
        entry: &'static Entry,
        given: &HashMap<&'static str, Span>,
        span: Span,
    ) -> bool {
        let mut ok = true;
        for group in entry.exactly_one_of {
            let present: Vec<&str> = group
                .iter()
                .copied()
                .filter(|p| given.contains_key(p))
                .collect();
            if present.len() > 1 {
                self.errors.push(CheckError::Conflict {
                    message: format!("give only one of {}", group.join(", ")),
                    span: given[present[1]].into(),
                    help: Some(format!(
                        "`{}` and `{}` both determine the same thing",
                        present[0], present[1]
                    )),
                });
                ok = false;
            } else if present.is_empty() {
                self.errors.push(CheckError::MissingArg {
                    func: entry.name.into(),
                    arg: group.join(" | "),
                    span: span.into(),
                    help: Some(format!(
                        "give exactly one of {}: {}",
                        group.join(", "),
                        entry.signature()
                    )),
                });
                ok = false;
            }
        }
        ok
    }

    /// The defaults of parameters not given; a missing required one is an error.
    fn fill_defaults(
        &mut self,
        entry: &'static Entry,
        given: &HashMap<&'static str, Span>,
        out: &mut Args,
        span: Span,
    ) -> bool {
        let mut ok = true;
        for p in entry.params {
            if given.contains_key(p.name) {
                continue;
            }
            let v = match p.default {
                Default::Required => {
                    self.errors.push(CheckError::MissingArg {
                        func: entry.name.into(),
                        arg: p.name.into(),
                        span: span.into(),
                        help: Some(format!(
                            "add `{}: ...` ({}); signature: {}",
                            p.name,
                            p.doc,
                            entry.signature()
                        )),
                    });
                    ok = false;
                    continue;
                }
                Default::Optional => continue,
                Default::Num(n) => Value::Number(n),
                Default::Bool(b) => Value::Bool(b),
                Default::Sym(s) => Value::Symbol(s.into()),
            };
            out.values.insert(p.name, (v, span));
        }
        ok
    }

    /// Evaluates one argument and checks its type and range.
    fn param_value(&mut self, entry: &Entry, p: &Param, e: &ast::Expr) -> Option<Value> {
        if p.ty == Ty::Lambda {
            // The claim lowering reads the expression itself; here only its form is checked.
            if matches!(e.kind, ast::ExprKind::Lambda(..)) {
                return Some(Value::Symbol("->".into()));
            }
            self.errors.push(CheckError::WrongType {
                param: format!("{}.{}", entry.name, p.name),
                expected: "`K -> quantity`".into(),
                found: e.describe().into(),
                span: e.span.into(),
                help: Some(format!(
                    "e.g. `{}(K -> estimate(r[K]))`, where K is a sweep variable",
                    entry.name
                )),
            });
            return None;
        }
        let v = self.value(e, Some(p.ty))?;
        let wrong = |found: String, expected: String, help: Option<String>| CheckError::WrongType {
            param: format!("{}.{}", entry.name, p.name),
            expected,
            found,
            span: e.span.into(),
            help,
        };
        match (p.ty, &v) {
            (Ty::Number, Value::Number(n)) => self.in_range(p, *n, e.span).then_some(v),
            (Ty::Int, Value::Number(n)) => {
                if n.fract() != 0.0 {
                    self.errors.push(wrong(
                        format!("{n}"),
                        "a whole number".into(),
                        Some(format!("{}: {}", p.name, p.doc)),
                    ));
                    return None;
                }
                self.in_range(p, *n, e.span).then_some(v)
            }
            (Ty::Bool, Value::Bool(_)) => Some(v),
            (Ty::IntList, Value::List(items)) => {
                for it in items {
                    match it {
                        Value::Number(n) if n.fract() == 0.0 => {
                            if !self.in_range(p, *n, e.span) {
                                return None;
                            }
                        }
                        other => {
                            self.errors.push(wrong(
                                format!("a list containing {}", other.kind().a()),
                                "a list of whole numbers".into(),
                                None,
                            ));
                            return None;
                        }
                    }
                }
                Some(v)
            }
            (Ty::NumList, Value::List(items)) => {
                for it in items {
                    match it {
                        Value::Number(n) => {
                            if !self.in_range(p, *n, e.span) {
                                return None;
                            }
                        }
                        other => {
                            self.errors.push(wrong(
                                format!("a list containing {}", other.kind().a()),
                                "a list of numbers".into(),
                                None,
                            ));
                            return None;
                        }
                    }
                }
                Some(v)
            }
            (Ty::ListOf(k), Value::List(items)) => {
                if let Some(bad) = items.iter().find(|it| it.kind() != k) {
                    self.errors.push(wrong(
                        format!("a list containing {}", bad.kind().a()),
                        describe_ty(p.ty),
                        None,
                    ));
                    return None;
                }
                if items.is_empty() {
                    self.errors
                        .push(wrong("an empty list".into(), describe_ty(p.ty), None));
                    return None;
                }
                Some(v)
            }
            (Ty::Choice(cs), Value::Symbol(s)) if cs.contains(&s.as_str()) => Some(v),
            (Ty::Choice(cs), _) => {
                self.errors.push(wrong(
                    v.kind().a(),
                    format!("one of {}", cs.join(", ")),
                    None,
                ));
                None
            }
            (Ty::Of(k), _) if v.kind() == k => Some(v),
            (Ty::Of(k), _) => {
                let what = match &e.kind {
                    ast::ExprKind::Name(id) => format!("`{}` is {}", id.name, v.kind().a()),
                    _ => format!("this is {}", v.kind().a()),
                };
                self.errors.push(CheckError::WrongKind {
                    message: format!(
                        "`{}` of `{}` must be {}, but {what}",
                        p.name,
                        entry.name,
                        k.a()
                    ),
                    span: e.span.into(),
                    label: format!("expected {}", k.a()),
                    help: Some(match &e.kind {
                        // A declaration that hides a built-in of the kind wanted here.
                        ast::ExprKind::Name(id)
                            if crate::catalog::lookup(&id.name).is_some_and(|b| b.kind == k) =>
                        {
                            format!(
                                "this file declares `{0}` as {1}, which hides the built-in {2} `{0}`; rename the declaration",
                                id.name,
                                v.kind().a(),
                                k
                            )
                        }
                        _ => kind_help(k),
                    }),
                });
                None
            }
            _ => {
                self.errors.push(wrong(
                    v.kind().a(),
                    describe_ty(p.ty),
                    Some(format!("{}: {}", p.name, p.doc)),
                ));
                None
            }
        }
    }

    fn in_range(&mut self, p: &Param, v: f64, span: Span) -> bool {
        if p.range.contains(v) {
            return true;
        }
        self.errors.push(CheckError::OutOfRange {
            param: p.name.into(),
            value: crate::ir::fmt_num(v),
            span: span.into(),
            reason: format!("must be {}", p.range),
            help: Some(format!("{}: {} ({})", p.name, p.doc, p.range)),
        });
        false
    }
}

fn describe_ty(t: Ty) -> String {
    match t {
        Ty::Number => "a number".into(),
        Ty::Int => "a whole number".into(),
        Ty::Bool => "true or false".into(),
        Ty::IntList => "a list of whole numbers".into(),
        Ty::NumList => "a list of numbers".into(),
        // "data" is its own plural.
        Ty::ListOf(Kind::Data) => "a list of data".into(),
        Ty::ListOf(k) => format!("a list of {k}s"),
        other => format!("{other}"),
    }
}

fn kind_help(k: Kind) -> String {
    match k {
        Kind::Data => {
            "declare a distribution with `data NAME = gaussian(...)` and pass its name".into()
        }
        Kind::Encoder => {
            "declare an encoder with `encoder NAME = mlp(...)` or use `identity`".into()
        }
        Kind::Critic => {
            "declare a critic with `critic NAME = separable(g, h)` or `concat(f)`".into()
        }
        Kind::Bound => "use a bound such as `infonce` or `nwj`".into(),
        Kind::Run => "declare a run with `run NAME = train(...)`".into(),
        other => format!("expected a {other}"),
    }
}
