//! L4, the checker: AST -> `ir::Program`, given the catalogue's entries. It resolves names,
//! checks kinds, call signatures, value ranges and shapes, expands sweeps, and lowers claims to
//! propositions over quantities. It reports every problem in the file at once; nothing trains
//! unless a file checks clean.

mod call;
mod claims;
mod error;
mod lower;
mod scope;

pub use error::{CheckError, CheckWarning};

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use crate::ir::{
    apply_bin, fmt_bytes, fmt_num, fmt_seconds, Build, ClaimFn, Cost, Kind, Program, Value,
    FLOPS_PER_SECOND, LONG_RUN_SECONDS,
};
use crate::syntax::ast::{self, DeclKind, Expr, ExprKind, Item, Span};
use indexmap::IndexMap;
use scope::{Binding, Scope};

/// The most problems reported for one file; the rest are counted in one last diagnostic (a
/// list of 10,000 unknown names would otherwise print each, quoting its line every time).
pub const MAX_DIAGNOSTICS: usize = 50;

/// At most `MAX_DIAGNOSTICS` errors (in order), then one that counts the rest.
fn cap(mut errors: Vec<CheckError>) -> Vec<CheckError> {
    if errors.len() > MAX_DIAGNOSTICS {
        let hidden = errors.split_off(MAX_DIAGNOSTICS);
        errors.push(CheckError::TooMany {
            shown: MAX_DIAGNOSTICS,
            more: hidden.len(),
            span: hidden[0].span(),
        });
    }
    errors
}

/// A program that checked clean, with the warnings about it (shown, not fatal).
#[derive(Debug)]
pub struct Checked {
    pub program: Program,
    pub warnings: Vec<CheckWarning>,
}

/// Checks a parsed file. `src` is the text it was parsed from (claims quote their source);
/// `base_dir` is the folder the file's relative data paths are read from (its own folder).
pub fn check(file: &ast::File, src: &str, base_dir: &Path) -> Result<Checked, Vec<CheckError>> {
    check_partial(file, src, &[], base_dir)
}

/// Checks the items that parsed of a file with syntax errors: `lost` names what the broken
/// items declare, bound as unusable so that their uses are not reported again. Returns the
/// errors found, without "states no claims" (the claims may be among the broken items).
pub fn check_recovered(
    file: &ast::File,
    src: &str,
    lost: &[ast::Ident],
    base_dir: &Path,
) -> Vec<CheckError> {
    match check_partial(file, src, lost, base_dir) {
        Ok(_) => Vec::new(),
        Err(errors) => errors
            .into_iter()
            .filter(|e| !matches!(e, CheckError::NoClaims { .. }))
            .collect(),
    }
}

fn check_partial(
    file: &ast::File,
    src: &str,
    lost: &[ast::Ident],
    base_dir: &Path,
) -> Result<Checked, Vec<CheckError>> {
    let mut c = Checker::new(file, src);
    c.base_dir = Arc::new(base_dir.to_path_buf());
    for id in lost {
        c.scope.insert(id.name.clone(), Binding::Poisoned, id.span);
    }
    for item in &file.items {
        c.item(item);
    }
    if c.errors.is_empty() && c.program.claims.is_empty() {
        let only_comments = file.items.is_empty();
        c.errors.push(CheckError::NoClaims {
            message: if only_comments {
                "the file declares nothing and states no claims".into()
            } else {
                "the file states no claims".into()
            },
            span: (0, src.trim_end().len()).into(),
            help: Some(
                "add a claim, e.g. `claim \"InfoNCE stays below ln K\": estimate(run) <= ln(64)`"
                    .into(),
            ),
        });
    }
    if c.errors.is_empty() {
        c.warn_long_runs();
        Ok(Checked {
            program: c.program,
            warnings: c.warnings,
        })
    } else {
        // Sweep bodies are checked once per value: keep one copy of each mistake.
        let mut errors = c.errors;
        let mut seen = std::collections::HashSet::new();
        errors.retain(|e| seen.insert(format!("{e:?}")));
        errors.sort_by_key(|e| e.span().offset());
        Err(cap(errors))
    }
}

pub(crate) struct Checker<'a> {
    src: &'a str,
    pub(crate) errors: Vec<CheckError>,
    pub(crate) program: Program,
    warnings: Vec<CheckWarning>,
    scope: Scope,
    /// Every name declared anywhere in the file, for "declared later" hints.
    all_decls: HashMap<String, Span>,
    /// The values of each sweep variable, for `increasing(K -> ...)`.
    sweeps: HashMap<String, Vec<f64>>,
    /// Sweep and forall variables bound at this point, innermost last.
    locals: Vec<(String, f64)>,
    /// The tolerance of the claim being lowered.
    claim_tolerance: f64,
    /// Where each run is declared (or, inline, first used), for warnings about it.
    run_spans: HashMap<String, Span>,
    /// The folder relative data paths are read from.
    base_dir: Arc<std::path::PathBuf>,
}

impl<'a> Checker<'a> {
    fn new(file: &ast::File, src: &'a str) -> Self {
        let mut all_decls = HashMap::new();
        fn collect(items: &[Item], out: &mut HashMap<String, Span>) {
            for it in items {
                match it {
                    Item::Decl(d) => {
                        out.entry(d.name.name.clone()).or_insert(d.name.span);
                    }
                    Item::Sweep(s) => collect(&s.items, out),
                    Item::Claim(_) => {}
                }
            }
        }
        collect(&file.items, &mut all_decls);
        Checker {
            src,
            errors: Vec::new(),
            program: Program::default(),
            warnings: Vec::new(),
            scope: Scope::default(),
            all_decls,
            sweeps: HashMap::new(),
            locals: Vec::new(),
            claim_tolerance: 0.0,
            run_spans: HashMap::new(),
            base_dir: Arc::new(std::path::PathBuf::from(".")),
        }
    }

    pub(crate) fn text(&self, span: Span) -> String {
        self.src
            .get(span.start..span.end)
            .unwrap_or("")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn item(&mut self, item: &Item) {
        match item {
            Item::Decl(d) => self.decl(d),
            Item::Sweep(s) => self.sweep(s),
            Item::Claim(c) => self.claim(c),
        }
    }

    fn sweep(&mut self, s: &ast::Sweep) {
        let Some(values) = self.number_list(&s.values, "a sweep") else {
            return;
        };
        if values.is_empty() {
            self.errors.push(CheckError::Invalid {
                message: "a sweep over an empty list declares nothing".into(),
                span: s.values.span.into(),
                label: "empty list".into(),
                help: Some("give at least one value, e.g. `[16, 64]`".into()),
            });
            return;
        }
        self.sweeps.insert(s.var.name.clone(), values.clone());
        for v in values {
            self.locals.push((s.var.name.clone(), v));
            for it in &s.items {
                self.item(it);
            }
            self.locals.pop();
        }
    }

    /// Evaluates an expression that must be a list of numbers.
    pub(crate) fn number_list(&mut self, e: &Expr, what: &str) -> Option<Vec<f64>> {
        let v = self.value(e, None)?;
        let items = match v {
            Value::List(items) => items,
            other => {
                self.errors.push(CheckError::WrongKind {
                    message: format!("{what} needs a list of numbers"),
                    span: e.span.into(),
                    label: format!("this is {}", other.kind().a()),
                    help: Some("write a list such as `[16, 64, 256]`".into()),
                });
                return None;
            }
        };
        let mut out = Vec::new();
        for it in items {
            match it {
                Value::Number(n) => out.push(n),
                other => {
                    self.errors.push(CheckError::WrongKind {
                        message: format!("{what} needs a list of numbers"),
                        span: e.span.into(),
                        label: format!("contains {}", other.kind().a()),
                        help: None,
                    });
                    return None;
                }
            }
        }
        Some(out)
    }

    /// The key of a (possibly indexed) name: `r` or `r[16]`.
    fn decl_key(&mut self, name: &ast::Ident, index: Option<&[Expr]>) -> Option<String> {
        match index {
            None => Some(name.name.clone()),
            Some(idx) => {
                let mut parts = Vec::new();
                for e in idx {
                    match self.value(e, None)? {
                        Value::Number(n) => parts.push(fmt_num(n)),
                        other => {
                            self.errors.push(CheckError::BadIndex {
                                message: "an index must be a number".into(),
                                span: e.span.into(),
                                label: format!("this is {}", other.kind().a()),
                                help: Some(
                                    "index by a sweep variable or a number, e.g. `r[K]`".into(),
                                ),
                            });
                            return None;
                        }
                    }
                }
                Some(format!("{}[{}]", name.name, parts.join(", ")))
            }
        }
    }

    fn decl(&mut self, d: &ast::Decl) {
        if !self.locals.is_empty() && d.index.is_none() {
            let vars: Vec<_> = self.locals.iter().map(|(n, _)| n.as_str()).collect();
            self.errors.push(CheckError::BadIndex {
                message: format!(
                    "`{}` is declared inside a sweep without an index",
                    d.name.name
                ),
                span: d.name.span.into(),
                label: "declared once per sweep value".into(),
                help: Some(format!(
                    "index it by the sweep variable: `{} {}[{}] = ...`",
                    d.kind.keyword(),
                    d.name.name,
                    vars.join(", ")
                )),
            });
            return;
        }
        let Some(key) = self.decl_key(&d.name, d.index.as_deref()) else {
            return;
        };
        if let Some(first) = self.scope.span_of(&key) {
            self.errors.push(CheckError::Duplicate {
                name: key,
                span: d.name.span.into(),
                first: first.into(),
            });
            return;
        }
        if let Some(builtin) = crate::catalog::lookup(&d.name.name) {
            let span: miette::SourceSpan = d.name.span.into();
            // Sweep bodies are checked once per value: warn once.
            if !self.warnings.iter().any(|w| match w {
                CheckWarning::ShadowsBuiltin { span: s, .. } => *s == span,
                CheckWarning::LongRun { .. } | CheckWarning::SharedKernel { .. } => false,
            }) {
                self.warnings.push(CheckWarning::ShadowsBuiltin {
                    name: d.name.name.clone(),
                    builtin: builtin.kind.to_string(),
                    suffix: d.kind.keyword().to_string(),
                    span,
                });
            }
        }
        let expected = match d.kind {
            DeclKind::Data => Kind::Data,
            DeclKind::Encoder => Kind::Encoder,
            DeclKind::Critic => Kind::Critic,
            DeclKind::Run => Kind::Run,
            DeclKind::Let => Kind::Number,
        };
        let value = self.value(&d.value, None);
        let value = match value {
            Some(v) => {
                let ok = match d.kind {
                    DeclKind::Let => matches!(v.kind(), Kind::Number | Kind::List | Kind::Bool),
                    _ => v.kind() == expected,
                };
                if ok {
                    Some(v.named(&key))
                } else {
                    self.errors.push(CheckError::WrongKind {
                        message: format!(
                            "`{}` is declared as {} but its value is {}",
                            d.name.name,
                            if d.kind == DeclKind::Let {
                                "a number or list (let)"
                            } else {
                                d.kind.keyword()
                            },
                            v.kind().a()
                        ),
                        span: d.value.span.into(),
                        label: format!("this makes {}", v.kind().a()),
                        help: Some(format!(
                            "declare it as `{} {} = ...`",
                            keyword_for(v.kind()),
                            d.name.name
                        )),
                    });
                    None
                }
            }
            None => None,
        };
        if let Some(Value::Run(r)) = &value {
            self.program.runs.insert(key.clone(), r.clone());
            self.run_spans.insert(key.clone(), d.name.span);
            let text = self
                .src
                .get(d.value.span.start..d.value.span.end)
                .unwrap_or_default();
            let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
            self.program.run_declarations.insert(key.clone(), text);
            if let Some(t) = r.train() {
                self.warn_shared_kernel(&t.critic, t.bound.as_ref(), d.value.span);
            }
        }
        if let Some(Value::Data(dd)) = &value {
            self.program.data.insert(key.clone(), dd.clone());
        }
        let binding = match value {
            Some(v) => Binding::Value(v),
            // Bind the name anyway so its uses do not cascade into "unknown name".
            None => Binding::Poisoned,
        };
        self.scope.insert(key, binding, d.name.span);
        if d.index.is_some() {
            let arity = d.index.as_ref().map(|i| i.len()).unwrap_or(0);
            self.scope
                .insert_family(&d.name.name, d.kind, arity, d.name.span);
        }
    }

    /// Warns when a shared separable critic is trained or read out with a bound that needs the
    /// terms of ln r in one variable alone (once per span: a sweep declares many runs).
    pub(crate) fn warn_shared_kernel(
        &mut self,
        critic: &crate::nn::CriticSpec,
        bound: &dyn crate::bounds::Bound,
        span: ast::Span,
    ) {
        let shared = matches!(
            critic,
            crate::nn::CriticSpec::Separable { shared: true, .. }
        );
        if !shared || bound.row_shift_invariant() {
            return;
        }
        let span: miette::SourceSpan = span.into();
        let seen = self
            .warnings
            .iter()
            .any(|w| matches!(w, CheckWarning::SharedKernel { span: s, .. } if *s == span));
        if !seen {
            self.warnings.push(CheckWarning::SharedKernel {
                bound: bound.name().to_string(),
                span,
            });
        }
    }

    /// Warns about the runs whose estimated work (at their declared steps and seeds) exceeds
    /// `LONG_RUN_SECONDS` on one core: one warning per declaration, a sweep's runs together.
    fn warn_long_runs(&mut self) {
        let mut by_span: IndexMap<(usize, usize), (Vec<String>, Cost)> = IndexMap::new();
        for (run, cost) in self.program.run_costs() {
            let Some(span) = self.run_spans.get(&run.name) else {
                continue;
            };
            let entry = by_span.entry((span.start, span.end)).or_insert_with(|| {
                (
                    Vec::new(),
                    Cost {
                        bytes: 0.0,
                        flops: 0.0,
                        jobs: 0,
                    },
                )
            });
            entry.0.push(run.name.clone());
            entry.1.flops += cost.flops;
            entry.1.jobs += cost.jobs;
            entry.1.bytes = entry.1.bytes.max(cost.bytes);
        }
        for ((start, end), (names, cost)) in by_span {
            if cost.seconds() <= LONG_RUN_SECONDS {
                continue;
            }
            let what = match names.as_slice() {
                [one] => format!("`{one}`"),
                many => format!("the {} runs declared here", many.len()),
            };
            self.warnings.push(CheckWarning::LongRun {
                what,
                time: fmt_seconds(cost.seconds()),
                detail: format!(
                    "{} job{}, {:.1e} floating-point operations, up to {} each",
                    cost.jobs,
                    if cost.jobs == 1 { "" } else { "s" },
                    cost.flops,
                    fmt_bytes(cost.bytes)
                ),
                rate: format!("{FLOPS_PER_SECOND:.0e} flop/s"),
                span: (start, end - start).into(),
            });
        }
    }

    /// Resolves a plain name to a value (None when an error was reported).
    pub(crate) fn lookup(&mut self, id: &ast::Ident, hint: Option<crate::ir::Ty>) -> Option<Value> {
        if let Some((_, v)) = self.locals.iter().rev().find(|(n, _)| *n == id.name) {
            return Some(Value::Number(*v));
        }
        match self.scope.get(&id.name) {
            Some(Binding::Value(v)) => return Some(v.clone()),
            Some(Binding::Poisoned) => return None,
            // A bare name that is both an indexed family and a built-in (`run nwj[M] =
            // train(nwj, ...)`) can only mean the built-in: the family needs an index. Its
            // declaration has already been warned about.
            Some(Binding::Family { .. }) if crate::catalog::lookup(&id.name).is_some() => {}
            Some(Binding::Family { kind, arity }) => {
                let idx = vec!["K"; *arity].join(", ");
                self.errors.push(CheckError::BadIndex {
                    message: format!("`{}` is an indexed {}", id.name, kind.keyword()),
                    span: id.span.into(),
                    label: "needs an index".into(),
                    help: Some(format!(
                        "write `{}[{idx}]` with the sweep value you mean",
                        id.name
                    )),
                });
                return None;
            }
            None => {}
        }
        if let Some(crate::ir::Ty::Choice(choices)) = hint {
            if choices.contains(&id.name.as_str()) {
                return Some(Value::Symbol(id.name.clone()));
            }
        }
        // A catalogue entry used bare: `infonce`, `identity` (a call with no arguments).
        if let Some(entry) = crate::catalog::lookup(&id.name) {
            if entry.kind != Kind::Function {
                return self.construct(entry, &[], id.span);
            }
        }
        let mut help = scope::suggest(
            &id.name,
            self.scope
                .names()
                .chain(self.locals.iter().map(|(n, _)| n.as_str()))
                .chain(
                    crate::catalog::ENTRIES
                        .iter()
                        .filter(|e| e.kind != Kind::Function)
                        .map(|e| e.name),
                )
                .chain(match hint {
                    Some(crate::ir::Ty::Choice(cs)) => cs.to_vec(),
                    _ => vec![],
                }),
        );
        if let Some(later) = self.all_decls.get(&id.name) {
            if later.start > id.span.start {
                help = Some(format!(
                    "`{}` is declared later in the file (byte {}); declare it before its first use",
                    id.name, later.start
                ));
            }
        }
        if help.is_none() {
            if let Some(crate::ir::Ty::Choice(cs)) = hint {
                help = Some(format!("choose one of: {}", cs.join(", ")));
            }
        }
        self.errors.push(CheckError::UnknownName {
            name: id.name.clone(),
            span: id.span.into(),
            help,
        });
        None
    }

    /// Evaluates an expression outside claims to a value.
    pub(crate) fn value(&mut self, e: &Expr, hint: Option<crate::ir::Ty>) -> Option<Value> {
        match &e.kind {
            ExprKind::Number(n) => Some(Value::Number(*n)),
            ExprKind::Str(s) => Some(Value::Str(s.clone())),
            ExprKind::Bool(b) => Some(Value::Bool(*b)),
            ExprKind::List(items) => {
                let elem_hint = match hint {
                    Some(crate::ir::Ty::IntList) => Some(crate::ir::Ty::Int),
                    _ => None,
                };
                let mut out = Vec::new();
                let mut ok = true;
                for it in items {
                    match self.value(it, elem_hint) {
                        Some(v) => out.push(v),
                        None => ok = false,
                    }
                }
                ok.then_some(Value::List(out))
            }
            ExprKind::Name(id) => self.lookup(id, hint),
            ExprKind::Indexed(id, idx) => {
                let key = self.decl_key(id, Some(idx))?;
                match self.scope.get(&key) {
                    Some(Binding::Value(v)) => Some(v.clone()),
                    Some(_) => None,
                    None => {
                        self.index_error(id, &key, e.span);
                        None
                    }
                }
            }
            ExprKind::Call(func, args) => {
                let Some(entry) = crate::catalog::lookup(&func.name) else {
                    self.unknown_function(func);
                    return None;
                };
                if entry.kind == Kind::Function {
                    return self.const_function(entry, args, e.span);
                }
                self.construct(entry, args, e.span)
            }
            ExprKind::Neg(inner) => {
                let v = self.number(inner)?;
                Some(Value::Number(-v))
            }
            ExprKind::Binary(op, a, b) => {
                let (a, b) = (self.number(a), self.number(b));
                let r = apply_bin(*op, a?, b?);
                self.finite(r, e.span)
            }
            ExprKind::Compare(..)
            | ExprKind::Within(..)
            | ExprKind::And(..)
            | ExprKind::Quantified(..) => {
                self.errors.push(CheckError::WrongKind {
                    message: format!("{} can only appear in a claim", e.describe()),
                    span: e.span.into(),
                    label: "not a value".into(),
                    help: Some("state it as `claim \"...\": ...`".into()),
                });
                None
            }
            ExprKind::Lambda(..) => {
                self.errors.push(CheckError::WrongKind {
                    message: "`K -> ...` can only be an argument of a claim function over a sweep"
                        .into(),
                    span: e.span.into(),
                    label: "not a value".into(),
                    help: None,
                });
                None
            }
        }
    }

    fn finite(&mut self, v: f64, span: Span) -> Option<Value> {
        if v.is_finite() {
            Some(Value::Number(v))
        } else {
            self.errors.push(CheckError::Invalid {
                message: format!("this constant evaluates to {v}"),
                span: span.into(),
                label: "not a finite number".into(),
                help: Some("check for division by zero or the log of a non-positive number".into()),
            });
            None
        }
    }

    /// Evaluates a constant that must be a number.
    pub(crate) fn number(&mut self, e: &Expr) -> Option<f64> {
        match self.value(e, None)? {
            Value::Number(n) => Some(n),
            other => {
                self.errors.push(CheckError::WrongKind {
                    message: format!("expected a number, found {}", other.kind().a()),
                    span: e.span.into(),
                    label: format!("this is {}", other.kind().a()),
                    help: None,
                });
                None
            }
        }
    }

    /// ln, exp, ... applied to constants outside claims (e.g. `let c = ln(64)`).
    fn const_function(
        &mut self,
        entry: &crate::ir::Entry,
        args: &[ast::Arg],
        span: Span,
    ) -> Option<Value> {
        let Build::Claim(ClaimFn::Math(f)) = entry.build else {
            self.errors.push(CheckError::WrongKind {
                message: format!("`{}` can only be used inside a claim", entry.name),
                span: span.into(),
                label: "claim function".into(),
                help: Some(format!(
                    "`{}` depends on training or sampling; state it in a claim",
                    entry.name
                )),
            });
            return None;
        };
        let nums = self.positional_only(entry, f.is_variadic(), args, span)?;
        let vals: Vec<f64> = nums.iter().map(|a| self.number(a)).collect::<Option<_>>()?;
        self.finite(f.apply(&vals), span)
    }

    /// Checks the argument count of a math function and returns its argument expressions.
    pub(crate) fn positional_only<'e>(
        &mut self,
        entry: &crate::ir::Entry,
        variadic: bool,
        args: &'e [ast::Arg],
        span: Span,
    ) -> Option<Vec<&'e Expr>> {
        if let Some(named) = args.iter().find(|a| a.name.is_some()) {
            let n = named
                .name
                .as_ref()
                .map(|n| n.name.clone())
                .unwrap_or_default();
            self.errors.push(CheckError::UnknownArg {
                func: entry.name.into(),
                arg: n,
                span: named.span.into(),
                help: Some(format!(
                    "`{}` takes positional arguments only: {}",
                    entry.name,
                    entry.signature()
                )),
            });
            return None;
        }
        let ok = if variadic {
            args.len() >= 2
        } else {
            args.len() == 1
        };
        if !ok {
            let want = if variadic {
                "two or more arguments"
            } else {
                "exactly one argument"
            };
            self.errors.push(CheckError::WrongKind {
                message: format!("`{}` takes {want}, found {}", entry.name, args.len()),
                span: span.into(),
                label: "wrong number of arguments".into(),
                help: Some(entry.signature()),
            });
            return None;
        }
        Some(args.iter().map(|a| &a.value).collect())
    }

    pub(crate) fn unknown_function(&mut self, func: &ast::Ident) {
        let help = scope::suggest(&func.name, crate::catalog::ENTRIES.iter().map(|e| e.name))
            .or_else(|| Some("`mica list` shows every constructor and function".into()));
        self.errors.push(CheckError::UnknownName {
            name: func.name.clone(),
            span: func.span.into(),
            help,
        });
    }

    pub(crate) fn index_error(&mut self, id: &ast::Ident, key: &str, span: Span) {
        let known: Vec<String> = self
            .scope
            .names()
            .filter(|n| n.starts_with(&format!("{}[", id.name)))
            .map(str::to_string)
            .collect();
        if known.is_empty() {
            self.lookup(id, None);
            return;
        }
        self.errors.push(CheckError::BadIndex {
            message: format!("`{key}` was not declared"),
            span: span.into(),
            label: "no such sweep point".into(),
            help: Some(format!("declared: {}", known.join(", "))),
        });
    }
}

fn keyword_for(k: Kind) -> &'static str {
    match k {
        Kind::Data => "data",
        Kind::Encoder => "encoder",
        Kind::Critic => "critic",
        Kind::Run => "run",
        _ => "let",
    }
}
