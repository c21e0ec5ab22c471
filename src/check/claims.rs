//! Lowering claims: a claim's body becomes a proposition (comparisons joined by `and`,
//! `forall`, `increasing`, `decreasing`) over quantities whose leaves are constants, ground
//! truths (`mi`) and estimates (`estimate`).

use std::sync::Arc;

use super::program::{AllKind, ClaimSpec, Comparison, EstimateSpec, Func, Prop, Quantity};
use super::{CheckError, Checker};
use crate::registry::{Kind, Value};
use crate::syntax::ast::{self, CmpOp, Expect, Expr, ExprKind};

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
                Some(Prop::Compare(Comparison {
                    op: *op,
                    lhs: lhs?,
                    rhs: rhs?,
                    text: self.text(e.span),
                }))
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
            ExprKind::Forall(var, list, body) => {
                let values = self.number_list(list, "forall")?;
                let parts = self.over(&var.name, &values, body)?;
                Some(Prop::All {
                    kind: AllKind::Forall(var.name.clone()),
                    parts,
                })
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

    fn trend(&mut self, func: &ast::Ident, args: &[ast::Arg], e: &Expr) -> Option<Prop> {
        let increasing = func.name == "increasing";
        let lambda = match args {
            [ast::Arg {
                name: None, value, ..
            }] => match &value.kind {
                ExprKind::Lambda(var, list, body) => Some((var, list, body)),
                _ => None,
            },
            _ => None,
        };
        let Some((var, list, body)) = lambda else {
            self.errors.push(CheckError::WrongKind {
                message: format!(
                    "`{}` takes one argument of the form `K -> quantity`",
                    func.name
                ),
                span: e.span.into(),
                label: "expected `K -> ...`".into(),
                help: Some(format!("e.g. `{}(K -> estimate(r[K]))`", func.name)),
            });
            return None;
        };
        let values = match list {
            Some(l) => self.number_list(l, &func.name)?,
            None => match self.sweeps.get(&var.name) {
                Some(v) => v.clone(),
                None => {
                    self.errors.push(CheckError::UnknownName {
                        name: var.name.clone(),
                        span: var.span.into(),
                        help: Some(format!(
                            "`{}` is not a sweep variable; sweep it first or give its values: `{}({} in [16, 64] -> ...)`",
                            var.name, func.name, var.name
                        )),
                    });
                    return None;
                }
            },
        };
        if values.len() < 2 {
            self.errors.push(CheckError::Invalid {
                message: format!("`{}` needs at least two sweep values", func.name),
                span: e.span.into(),
                label: "fewer than two points".into(),
                help: None,
            });
            return None;
        }
        let mut points = Vec::new();
        for &v in &values {
            self.locals.push((var.name.clone(), v));
            let q = self.quantity(body);
            self.locals.pop();
            points.push((v, q?));
        }
        let body_text = self.text(body.span);
        let parts = points
            .windows(2)
            .map(|w| {
                let ((a, qa), (b, qb)) = (&w[0], &w[1]);
                let label = format!(
                    "{}={} -> {}",
                    var.name,
                    super::fmt_num(*a),
                    super::fmt_num(*b)
                );
                let cmp = Comparison {
                    op: if increasing { CmpOp::Gt } else { CmpOp::Lt },
                    lhs: qb.clone(),
                    rhs: qa.clone(),
                    text: format!("{body_text} at {}", label),
                };
                (label, Prop::Compare(cmp))
            })
            .collect();
        let kind = if increasing {
            AllKind::Increasing(var.name.clone())
        } else {
            AllKind::Decreasing(var.name.clone())
        };
        Some(Prop::All { kind, parts })
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
        let Some(entry) = crate::registry::lookup(&func.name) else {
            self.unknown_function(func);
            return None;
        };
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
            "estimate" => {
                let a = self.match_args(entry, args, e.span)?;
                let Some(Value::Run(run)) = a.get("run") else {
                    return None;
                };
                let mut run = run.clone();
                if run.name.is_empty() {
                    // An inline `train(...)`: name it by its source text.
                    let mut r = (*run).clone();
                    r.name = self.text(a.span("run"));
                    run = Arc::new(r);
                }
                self.program
                    .runs
                    .entry(run.name.clone())
                    .or_insert_with(|| run.clone());
                let bound = match a.get("bound") {
                    Some(Value::Bound(b)) => b.clone(),
                    _ => run.bound.clone(),
                };
                let batch = a.opt_num("batch").map(|b| b as usize).unwrap_or(run.batch);
                Some(Quantity::Estimate(self.estimate_id(run, bound, batch)))
            }
            "increasing" | "decreasing" => {
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

    fn estimate_id(
        &mut self,
        run: Arc<crate::train::RunSpec>,
        bound: Arc<dyn crate::bounds::Bound>,
        batch: usize,
    ) -> usize {
        if let Some(i) = self.program.estimates.iter().position(|s| {
            s.run.name == run.name && s.bound.name() == bound.name() && s.batch == batch
        }) {
            return i;
        }
        let mut label = format!("estimate({}", run.name);
        if bound.name() != run.bound.name() {
            label.push_str(&format!(", bound: {}", bound.name()));
        }
        if batch != run.batch {
            label.push_str(&format!(", batch: {batch}"));
        }
        label.push(')');
        self.program.estimates.push(EstimateSpec {
            run,
            bound,
            batch,
            label,
        });
        self.program.estimates.len() - 1
    }
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
