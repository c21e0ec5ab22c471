//! Lowering claims: a claim's body becomes a proposition (comparisons joined by `and`,
//! `forall`, `increasing`, `decreasing`) over quantities whose leaves are constants, ground
//! truths (`mi`) and estimates (`estimate`).

use std::sync::Arc;

use super::{CheckError, Checker};
use crate::ir::{
    Agg, AllKind, ClaimSpec, Comparison, CorrMethod, Curve, EstimateSpec, Func, Prop, Quantity,
    Statistic, TraceRead, TraceStat,
};
use crate::ir::{Kind, Value};
use crate::syntax::ast::{self, CmpOp, Expect, Expr, ExprKind, Quantifier};

impl Checker<'_> {
    pub(crate) fn claim(&mut self, c: &ast::Claim) {
        let errors_before = self.errors.len();
        let confidence = match c.confidence {
            None => 0.95,
            Some((pct, span)) => {
                if pct > 50.0 && pct < 100.0 {
                    pct / 100.0
                } else {
                    self.errors.push(CheckError::BadConfidence {
                        value: super::fmt_num(pct),
                        span: span.into(),
                    });
                    0.95
                }
            }
        };
        let tolerance = match &c.tolerance {
            None => 0.0,
            Some(e) => match self.number(e) {
                Some(t) if t >= 0.0 => t,
                Some(t) => {
                    self.errors.push(CheckError::OutOfRange {
                        param: "within".into(),
                        value: super::fmt_num(t),
                        span: e.span.into(),
                        reason: "must be >= 0".into(),
                        help: Some("a tolerance is a non-negative distance in nats".into()),
                    });
                    0.0
                }
                None => 0.0,
            },
        };
        self.claim_tolerance = tolerance;
        let prop = self.prop(&c.body);
        if self.errors.len() > errors_before {
            return;
        }
        let Some(prop) = prop else { return };
        let suffix: Vec<String> = self
            .locals
            .iter()
            .map(|(n, v)| format!("{n}={}", super::fmt_num(*v)))
            .collect();
        let title = if suffix.is_empty() {
            c.title.clone()
        } else {
            format!("{} [{}]", c.title, suffix.join(", "))
        };
        self.program.claims.push(ClaimSpec {
            title,
            span: c.span,
            text: self.text(c.body.span),
            prop,
            confidence,
            tolerance,
            expect: c.expect.map(|(e, _)| e).unwrap_or(Expect::Verified),
        });
    }

    fn prop(&mut self, e: &Expr) -> Option<Prop> {
        match &e.kind {
            ExprKind::Compare(op, a, b) => {
                let (lhs, rhs) = (self.quantity(a), self.quantity(b));
                let (lhs, rhs) = (lhs?, rhs?);
                if *op == CmpOp::Eq
                    && self.claim_tolerance == 0.0
                    && !(is_const(&lhs) && is_const(&rhs))
                {
                    self.errors.push(CheckError::Invalid {
                        message: "an equivalence claim needs a tolerance".into(),
                        span: e.span.into(),
                        label: "`==` between quantities that vary".into(),
                        help: Some(
                            "add `within d`: `a == b within 0.05` means |a - b| <= 0.05 (two one-sided tests)"
                                .into(),
                        ),
                    });
                    return None;
                }
                Some(Prop::Compare(Comparison {
                    op: *op,
                    lhs,
                    rhs,
                    text: self.text(e.span),
                    tolerance: None,
                    tol_sign: 1.0,
                }))
            }
            ExprKind::Within(cmp, tol) => {
                let t = self.number(tol)?;
                if t < 0.0 {
                    self.errors.push(CheckError::OutOfRange {
                        param: "within".into(),
                        value: super::fmt_num(t),
                        span: tol.span.into(),
                        reason: "must be >= 0".into(),
                        help: Some("a tolerance is a non-negative distance in nats".into()),
                    });
                    return None;
                }
                let outer = std::mem::replace(&mut self.claim_tolerance, t);
                let p = self.prop(cmp);
                self.claim_tolerance = outer;
                match p? {
                    Prop::Compare(mut c) => {
                        c.tolerance = Some(t);
                        c.text = self.text(e.span);
                        Some(Prop::Compare(c))
                    }
                    other => Some(other),
                }
            }
            ExprKind::And(a, b) => {
                let (pa, pb) = (self.prop(a), self.prop(b));
                let mut parts = Vec::new();
                for (p, ex) in [(pa?, a), (pb?, b)] {
                    match p {
                        Prop::All {
                            kind: AllKind::And,
                            parts: inner,
                        } => parts.extend(inner),
                        other => parts.push((self.text(ex.span), other)),
                    }
                }
                Some(Prop::All {
                    kind: AllKind::And,
                    parts,
                })
            }
            ExprKind::Quantified(q, var, list, body) => {
                let values = self.number_list(list, "a quantifier")?;
                let parts = self.over(&var.name, &values, body)?;
                Some(match q {
                    Quantifier::Forall => Prop::All {
                        kind: AllKind::Forall(var.name.clone()),
                        parts,
                    },
                    Quantifier::Exists => Prop::Any {
                        var: var.name.clone(),
                        parts,
                    },
                })
            }
            ExprKind::Call(func, args) if func.name == "peak" => {
                let entry = crate::catalog::lookup("peak")?;
                self.match_args(entry, args, e.span)?;
                let lambda = Self::lambda_args(entry, args);
                let curve = self.curve(lambda.first()?, e, 3)?;
                Some(Prop::Peak(curve))
            }
            ExprKind::Call(func, args)
                if func.name == "increasing" || func.name == "decreasing" =>
            {
                self.trend(func, args, e)
            }
            _ => {
                self.errors.push(CheckError::NotAClaim {
                    found: e.describe().into(),
                    span: e.span.into(),
                });
                None
            }
        }
    }

    /// The body lowered once per value of a variable, labelled `K=16`, ...
    fn over(&mut self, var: &str, values: &[f64], body: &Expr) -> Option<Vec<(String, Prop)>> {
        let mut parts = Vec::new();
        for &v in values {
            self.locals.push((var.to_string(), v));
            let p = self.prop(body);
            self.locals.pop();
            parts.push((format!("{var}={}", super::fmt_num(v)), p?));
        }
        Some(parts)
    }

    /// The values of a lambda's variable (its `in` list, or the sweep of that name) and the
    /// body lowered at each.
    fn curve(&mut self, lambda: &Expr, call: &Expr, min_points: usize) -> Option<Curve> {
        let ExprKind::Lambda(var, list, body) = &lambda.kind else {
            return None;
        };
        let func = match &call.kind {
            ExprKind::Call(f, _) => f.name.clone(),
            _ => String::new(),
        };
        let xs = match list {
            Some(l) => self.number_list(l, &func)?,
            None => match self.sweeps.get(&var.name) {
                Some(v) => v.clone(),
                None => {
                    self.errors.push(CheckError::UnknownName {
                        name: var.name.clone(),
                        span: var.span.into(),
                        help: Some(format!(
                            "`{}` is not a sweep variable; sweep it first or give its values: `{func}({} in [16, 64] -> ...)`",
                            var.name, var.name
                        )),
                    });
                    return None;
                }
            },
        };
        if xs.len() < min_points {
            self.errors.push(CheckError::Invalid {
                message: format!("`{func}` needs at least {min_points} sweep values"),
                span: call.span.into(),
                label: format!("{} point(s)", xs.len()),
                help: None,
            });
            return None;
        }
        let mut points = Vec::new();
        for &v in &xs {
            self.locals.push((var.name.clone(), v));
            let q = self.quantity(body);
            self.locals.pop();
            points.push(q);
        }
        Some(Curve {
            var: var.name.clone(),
            xs,
            points: points.into_iter().collect::<Option<_>>()?,
            text: self.text(body.span),
        })
    }

    /// The lambda arguments of a call, in parameter order.
    fn lambda_args<'e>(entry: &crate::ir::Entry, args: &'e [ast::Arg]) -> Vec<&'e Expr> {
        let lambda_params = entry
            .params
            .iter()
            .filter(|p| p.ty == crate::ir::Ty::Lambda);
        let mut out = Vec::new();
        for p in lambda_params {
            let found = args.iter().enumerate().find(|(i, a)| match &a.name {
                Some(n) => n.name == p.name,
                None => entry.params.get(*i).map(|q| q.name) == Some(p.name),
            });
            if let Some((_, a)) = found {
                out.push(&a.value);
            }
        }
        out
    }

    fn trend(&mut self, func: &ast::Ident, args: &[ast::Arg], e: &Expr) -> Option<Prop> {
        let increasing = func.name == "increasing";
        let entry = crate::catalog::lookup(&func.name)?;
        let matched = self.match_args(entry, args, e.span)?;
        let strictly = matched.boolean("strictly").unwrap_or(false);
        let lambda = Self::lambda_args(entry, args);
        let curve = self.curve(lambda.first()?, e, 2)?;
        let parts = curve
            .xs
            .windows(2)
            .zip(curve.points.windows(2))
            .map(|(x, q)| {
                let label = format!(
                    "{}={} -> {}",
                    curve.var,
                    super::fmt_num(x[0]),
                    super::fmt_num(x[1])
                );
                let cmp = Comparison {
                    op: if increasing { CmpOp::Gt } else { CmpOp::Lt },
                    lhs: q[1].clone(),
                    rhs: q[0].clone(),
                    text: format!("{} at {}", curve.text, label),
                    tolerance: None,
                    tol_sign: if strictly { -1.0 } else { 1.0 },
                };
                (label, Prop::Compare(cmp))
            })
            .collect();
        let kind = if increasing {
            AllKind::Increasing(curve.var.clone())
        } else {
            AllKind::Decreasing(curve.var.clone())
        };
        Some(Prop::All { kind, parts })
    }

    /// Calls whose arguments are curves: statistics and aggregates.
    fn curve_quantity(
        &mut self,
        entry: &'static crate::ir::Entry,
        args: &[ast::Arg],
        e: &Expr,
    ) -> Option<Quantity> {
        let agg = match entry.name {
            "mean" => Some(Agg::Mean),
            "min" => Some(Agg::Min),
            "max" => Some(Agg::Max),
            _ => None,
        };
        if let Some(agg) = agg {
            let single = args.len() == 1
                && args[0].name.is_none()
                && matches!(args[0].value.kind, ExprKind::Lambda(..));
            if !single {
                self.errors.push(CheckError::WrongKind {
                    message: format!(
                        "`{}` over a sweep takes one argument `K -> quantity`",
                        entry.name
                    ),
                    span: e.span.into(),
                    label: "expected `K -> ...`".into(),
                    help: None,
                });
                return None;
            }
            let curve = self.curve(&args[0].value, e, 1)?;
            return Some(Quantity::Aggregate(agg, curve.points));
        }
        let matched = self.match_args(entry, args, e.span)?;
        let lambdas = Self::lambda_args(entry, args);
        let stat = match entry.name {
            "monotone_trend" => Statistic::MonotoneTrend,
            "argmax" => Statistic::Argmax,
            _ => Statistic::Corr(match matched.symbol("method").unwrap_or("spearman") {
                "kendall" => CorrMethod::Kendall,
                "pearson" => CorrMethod::Pearson,
                _ => CorrMethod::Spearman,
            }),
        };
        let a = self.curve(lambdas.first()?, e, 2)?;
        let b = match lambdas.get(1) {
            Some(l) => {
                let b = self.curve(l, e, 2)?;
                if b.xs != a.xs {
                    self.errors.push(CheckError::Invalid {
                        message: "`corr` needs both curves over the same sweep values".into(),
                        span: e.span.into(),
                        label: "different sweeps".into(),
                        help: Some("give both lambdas the same variable and list".into()),
                    });
                    return None;
                }
                Some(b)
            }
            None => None,
        };
        Some(Quantity::Statistic(stat, Box::new(a), b.map(Box::new)))
    }

    fn quantity(&mut self, e: &Expr) -> Option<Quantity> {
        match &e.kind {
            ExprKind::Number(n) => Some(Quantity::Const(*n)),
            ExprKind::Neg(a) => Some(fold(Quantity::Neg(Box::new(self.quantity(a)?)))),
            ExprKind::Binary(op, a, b) => {
                let (qa, qb) = (self.quantity(a), self.quantity(b));
                Some(fold(Quantity::Bin(*op, Box::new(qa?), Box::new(qb?))))
            }
            ExprKind::Name(_) | ExprKind::Indexed(..) => match self.value(e, None)? {
                Value::Number(n) => Some(Quantity::Const(n)),
                v => {
                    let name = self.text(e.span);
                    let help = match v.kind() {
                        Kind::Data => format!("use `mi({name})` for its ground truth"),
                        Kind::Run => format!("use `estimate({name})` for its estimate"),
                        _ => "claims compare numbers: constants, mi(data) and estimate(run)".into(),
                    };
                    self.errors.push(CheckError::WrongKind {
                        message: format!("`{name}` is {}, not a number", v.kind().a()),
                        span: e.span.into(),
                        label: "expected a number".into(),
                        help: Some(help),
                    });
                    None
                }
            },
            ExprKind::Call(func, args) => self.call_quantity(func, args, e),
            _ => {
                self.errors.push(CheckError::WrongKind {
                    message: format!("expected a number here, found {}", e.describe()),
                    span: e.span.into(),
                    label: "expected a number".into(),
                    help: Some(
                        "comparisons and `and` join quantities; they are not quantities themselves"
                            .into(),
                    ),
                });
                None
            }
        }
    }

    fn call_quantity(
        &mut self,
        func: &ast::Ident,
        args: &[ast::Arg],
        e: &Expr,
    ) -> Option<Quantity> {
        let Some(entry) = crate::catalog::lookup(&func.name) else {
            self.unknown_function(func);
            return None;
        };
        let has_lambda = args
            .iter()
            .any(|a| matches!(a.value.kind, ExprKind::Lambda(..)));
        let curve_fn = matches!(entry.name, "monotone_trend" | "argmax" | "corr" | "mean");
        if curve_fn || (has_lambda && matches!(entry.name, "min" | "max")) {
            return self.curve_quantity(entry, args, e);
        }
        if let Some(f) = Func::from_name(entry.name) {
            let exprs = self.positional_only(entry, f, args, e.span)?;
            let qs: Vec<Option<Quantity>> = exprs.into_iter().map(|a| self.quantity(a)).collect();
            let qs: Vec<Quantity> = qs.into_iter().collect::<Option<_>>()?;
            return Some(fold(Quantity::Func(f, qs)));
        }
        match entry.name {
            "mi" => {
                let a = self.match_args(entry, args, e.span)?;
                match a.get("data") {
                    Some(Value::Data(d)) => Some(Quantity::Truth(d.clone())),
                    _ => None,
                }
            }
            "ceiling" => {
                let a = self.match_args(entry, args, e.span)?;
                let (Some(Value::Bound(b)), Some(k)) = (a.get("bound"), a.opt_num("batch")) else {
                    return None;
                };
                match b.ceiling(k as usize) {
                    Some(c) => Some(Quantity::Const(c)),
                    None => {
                        self.errors.push(CheckError::Conflict {
                            message: format!("`{}` has no ceiling: it can take any value", b.name()),
                            span: a.span("bound").into(),
                            help: Some(
                                "infonce (ln K) and interpolated (1 + ln((K - 1) / alpha)) have ceilings"
                                    .into(),
                            ),
                        });
                        None
                    }
                }
            }
            "estimate" => {
                let a = self.match_args(entry, args, e.span)?;
                let run = self.run_arg(&a)?;
                let Some(train) = run.train() else {
                    // A non-neural estimator has no critic to re-evaluate.
                    if let Some(p) = ["bound", "batch"].into_iter().find(|p| a.get(p).is_some()) {
                        self.errors.push(CheckError::Conflict {
                            message: format!(
                                "`{}` is a non-neural estimator: it has no `{p}` to override",
                                run.name
                            ),
                            span: a.span(p).into(),
                            help: Some(
                                "bound: and batch: re-evaluate a trained critic; declare another estimator run instead"
                                    .into(),
                            ),
                        });
                        return None;
                    }
                    let batch = run.pairs_per_estimate();
                    return Some(Quantity::Estimate(
                        self.estimate_id(run, None, batch, None, None),
                    ));
                };
                let bound = match a.get("bound") {
                    Some(Value::Bound(b)) => b.clone(),
                    _ => train.bound.clone(),
                };
                let batch = a
                    .opt_num("batch")
                    .map(|b| b as usize)
                    .unwrap_or(train.batch);
                let bound_text = a.get("bound").map(|_| self.text(a.span("bound")));
                Some(Quantity::Estimate(self.estimate_id(
                    run,
                    Some(bound),
                    batch,
                    None,
                    bound_text,
                )))
            }
            "trace" | "trace_sd" => {
                let a = self.match_args(entry, args, e.span)?;
                let run = self.run_arg(&a)?;
                let Some(train) = run.train() else {
                    self.errors.push(CheckError::Conflict {
                        message: format!(
                            "`{}` is a non-neural estimator: it has no training trace",
                            run.name
                        ),
                        span: a.span("run").into(),
                        help: Some("trace() reads a train(...) run; use estimate() here".into()),
                    });
                    return None;
                };
                let stages = run.data().dist.stage_count();
                let stage = a.opt_num("stage").map(|s| s as usize).unwrap_or(stages);
                if stage > stages {
                    self.errors.push(CheckError::OutOfRange {
                        param: "stage".into(),
                        value: stage.to_string(),
                        span: a.span("stage").into(),
                        reason: format!(
                            "`{}` trains on {stages} stage{}",
                            run.name,
                            if stages == 1 { "" } else { "s" }
                        ),
                        help: Some(format!(
                            "stages are numbered from 1 to {stages}; a staircase(stages: [...]) as the run's data has one per entry"
                        )),
                    });
                    return None;
                }
                let stat = if entry.name == "trace" {
                    TraceStat::Mean
                } else {
                    TraceStat::Sd
                };
                let (bound, batch) = (train.bound.clone(), train.batch);
                Some(Quantity::Estimate(self.estimate_id(
                    run,
                    Some(bound),
                    batch,
                    Some(TraceRead { stage, stat }),
                    None,
                )))
            }
            "increasing" | "decreasing" | "peak" => {
                self.errors.push(CheckError::WrongKind {
                    message: format!("`{}` is a claim, not a number", entry.name),
                    span: e.span.into(),
                    label: "not a number".into(),
                    help: Some("use it as a whole claim, or join it to others with `and`".into()),
                });
                None
            }
            _ => {
                self.errors.push(CheckError::WrongKind {
                    message: format!("`{}` makes {}, not a number", entry.name, entry.kind.a()),
                    span: e.span.into(),
                    label: "not a number".into(),
                    help: Some(
                        "claims compare numbers: constants, mi(data) and estimate(run)".into(),
                    ),
                });
                None
            }
        }
    }

    /// The run a call's `run:` argument names (an inline `train(...)` is named by its source
    /// text), registered with the program.
    fn run_arg(&mut self, a: &crate::ir::Args) -> Option<Arc<crate::ir::RunSpec>> {
        let Some(Value::Run(run)) = a.get("run") else {
            return None;
        };
        let mut run = run.clone();
        if run.name.is_empty() {
            let mut r = (*run).clone();
            r.name = self.text(a.span("run"));
            run = Arc::new(r);
        }
        self.program
            .runs
            .entry(run.name.clone())
            .or_insert_with(|| run.clone());
        Some(run)
    }

    fn estimate_id(
        &mut self,
        run: Arc<crate::ir::RunSpec>,
        bound: Option<Arc<dyn crate::bounds::Bound>>,
        batch: usize,
        trace: Option<TraceRead>,
        bound_text: Option<String>,
    ) -> usize {
        // Bounds are told apart by their parameters too (smile(tau: 1) is not smile(tau: 5)).
        let key = |b: &Option<Arc<dyn crate::bounds::Bound>>| b.as_ref().map(|b| format!("{b:?}"));
        let bkey = key(&bound);
        if let Some(i) = self.program.estimates.iter().position(|s| {
            s.run.name == run.name && key(&s.bound) == bkey && s.batch == batch && s.trace == trace
        }) {
            return i;
        }
        let label = match trace {
            Some(t) => {
                let f = match t.stat {
                    TraceStat::Mean => "trace",
                    TraceStat::Sd => "trace_sd",
                };
                let stage = if run.data().dist.stage_count() > 1 {
                    format!(", stage: {}", t.stage)
                } else {
                    String::new()
                };
                format!("{f}({}{stage})", run.name)
            }
            None => {
                let mut label = format!("estimate({}", run.name);
                if let (Some(b), Some(t)) = (&bound, run.train()) {
                    if format!("{b:?}") != format!("{:?}", t.bound) {
                        label.push_str(&format!(
                            ", bound: {}",
                            bound_text.unwrap_or(b.name().into())
                        ));
                    }
                }
                if batch != run.pairs_per_estimate() {
                    label.push_str(&format!(", batch: {batch}"));
                }
                label.push(')');
                label
            }
        };
        self.program.estimates.push(EstimateSpec {
            run,
            bound,
            batch,
            trace,
            label,
        });
        self.program.estimates.len() - 1
    }
}

fn is_const(q: &Quantity) -> bool {
    matches!(q, Quantity::Const(_))
}

/// Folds operations on constants into constants.
fn fold(q: Quantity) -> Quantity {
    match &q {
        Quantity::Neg(a) => match **a {
            Quantity::Const(v) => Quantity::Const(-v),
            _ => q,
        },
        Quantity::Bin(op, a, b) => match (&**a, &**b) {
            (Quantity::Const(x), Quantity::Const(y)) => {
                Quantity::Const(super::apply_bin(*op, *x, *y))
            }
            _ => q,
        },
        Quantity::Func(f, args) => {
            let consts: Option<Vec<f64>> = args
                .iter()
                .map(|a| match a {
                    Quantity::Const(v) => Some(*v),
                    _ => None,
                })
                .collect();
            match consts {
                Some(vs) => Quantity::Const(f.apply(&vs)),
                None => q,
            }
        }
        _ => q,
    }
}
