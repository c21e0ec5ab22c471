//! Lowering claims: a claim's body becomes a proposition (comparisons joined by `and`,
//! `forall`, `increasing`, `decreasing`) over quantities whose leaves are constants, ground
//! truths (`mi`) and estimates (`estimate`).

use super::{CheckError, Checker};
use crate::catalog::TrendArgs;
use crate::ir::{AllKind, ClaimSpec, Comparison, Curve, Prop, Quantity};
use crate::ir::{Build, ClaimFn, Entry, Kind, Value};
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
                        value: crate::ir::fmt_num(pct),
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
                        value: crate::ir::fmt_num(t),
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
            .map(|(n, v)| format!("{n}={}", crate::ir::fmt_num(*v)))
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
                        value: crate::ir::fmt_num(t),
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
            ExprKind::Call(func, args) => match crate::catalog::lookup(&func.name) {
                Some(entry) => match entry.build {
                    Build::Claim(ClaimFn::Peak) => self.peak(entry, args, e),
                    Build::Claim(ClaimFn::Trend { increasing }) => {
                        self.trend(entry, increasing, args, e)
                    }
                    _ => self.not_a_claim(e),
                },
                None => self.not_a_claim(e),
            },
            _ => self.not_a_claim(e),
        }
    }

    fn not_a_claim(&mut self, e: &Expr) -> Option<Prop> {
        self.errors.push(CheckError::NotAClaim {
            found: e.describe().into(),
            span: e.span.into(),
        });
        None
    }

    /// `peak(K -> q)`: the maximum of the expected curve lies strictly inside the sweep, i.e.
    /// some inside point exceeds both ends. Lowered to `exists` over the inside points of a
    /// conjunction of two paired comparisons, so the comparisons' tests calibrate it
    /// (intersection-union inside, Bonferroni across; docs/semantics.md).
    fn peak(&mut self, entry: &'static Entry, args: &[ast::Arg], e: &Expr) -> Option<Prop> {
        self.match_args(entry, args, e.span)?;
        let lambda = Self::lambda_args(entry, args);
        let curve = self.curve(lambda.first()?, e, 3)?;
        let last = curve.xs.len() - 1;
        let at = |i: usize| format!("{}={}", curve.var, crate::ir::fmt_num(curve.xs[i]));
        let above = |i: usize, end: usize| {
            let cmp = Comparison {
                op: CmpOp::Gt,
                lhs: curve.points[i].clone(),
                rhs: curve.points[end].clone(),
                text: format!("{} at {} > at {}", curve.text, at(i), at(end)),
                // A peak is about the curve itself: a claim's `within` does not move it.
                tolerance: Some(0.0),
                tol_sign: 1.0,
            };
            (format!("above {}", at(end)), Prop::Compare(cmp))
        };
        let parts = (1..last)
            .map(|i| {
                let both = Prop::All {
                    kind: AllKind::And,
                    parts: vec![above(i, 0), above(i, last)],
                };
                (at(i), both)
            })
            .collect();
        Some(Prop::Any {
            var: curve.var.clone(),
            parts,
        })
    }

    /// The body lowered once per value of a variable, labelled `K=16`, ...
    fn over(&mut self, var: &str, values: &[f64], body: &Expr) -> Option<Vec<(String, Prop)>> {
        let mut parts = Vec::new();
        for &v in values {
            self.locals.push((var.to_string(), v));
            let p = self.prop(body);
            self.locals.pop();
            parts.push((format!("{var}={}", crate::ir::fmt_num(v)), p?));
        }
        Some(parts)
    }

    /// The values of a lambda's variable (its `in` list, or the sweep of that name) and the
    /// body lowered at each.
    pub(super) fn curve(&mut self, lambda: &Expr, call: &Expr, min_points: usize) -> Option<Curve> {
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
    pub(super) fn lambda_args<'e>(entry: &crate::ir::Entry, args: &'e [ast::Arg]) -> Vec<&'e Expr> {
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

    /// `increasing(K -> q)` and `decreasing(K -> q)`: consecutive paired comparisons.
    fn trend(
        &mut self,
        entry: &'static Entry,
        increasing: bool,
        args: &[ast::Arg],
        e: &Expr,
    ) -> Option<Prop> {
        let matched = self.match_args(entry, args, e.span)?;
        let strictly = self.typed(TrendArgs::read(&matched), e)?.strictly;
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
                    crate::ir::fmt_num(x[0]),
                    crate::ir::fmt_num(x[1])
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

    pub(super) fn quantity(&mut self, e: &Expr) -> Option<Quantity> {
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
}

pub(super) fn is_const(q: &Quantity) -> bool {
    matches!(q, Quantity::Const(_))
}

/// Folds operations on constants into constants.
pub(super) fn fold(q: Quantity) -> Quantity {
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
