//! The quantities of claim functions: `mi`, `estimate`, `trace`, `ceiling`, the math functions,
//! aggregates over a sweep and statistics of curves. [`Checker::call_quantity`] chooses one
//! lowering per [`ClaimFn`] by an exhaustive match; each reads its typed arguments.

use std::sync::Arc;

use super::claims::fold;
use super::{CheckError, Checker};
use crate::bounds::{streamable, Bound, MAX_DENSE_BATCH};
use crate::catalog::{
    AccuracyArgs, CeilingArgs, CorrArgs, EmbeddingMiArgs, EstimateArgs, EstimateQuantileArgs,
    GeometryArgs, MiArgs, TraceArgs,
};
use crate::dist::{LabelSide, Part};
use crate::ir::{
    too_many_rows, Agg, BatchStat, Build, ClaimFn, CorrMethod, Entry, EstimateRead, EstimateSpec,
    Func, Measure, ProbeModel, ProbeSource, ProbeSpec, Quantity, RunSpec, Statistic, TraceRead,
    TraceStat,
};
use crate::syntax::ast::{self, Expr, ExprKind};

impl Checker<'_> {
    /// A call inside a claim, as a quantity.
    pub(super) fn call_quantity(
        &mut self,
        func: &ast::Ident,
        args: &[ast::Arg],
        e: &Expr,
    ) -> Option<Quantity> {
        let Some(entry) = crate::catalog::lookup(&func.name) else {
            self.unknown_function(func);
            return None;
        };
        let claim_fn = match entry.build {
            Build::Claim(f) => f,
            Build::Value(_) => {
                self.errors.push(CheckError::WrongKind {
                    message: format!("`{}` makes {}, not a number", entry.name, entry.kind.a()),
                    span: e.span.into(),
                    label: "not a number".into(),
                    help: Some(
                        "claims compare numbers: constants, mi(data) and estimate(run)".into(),
                    ),
                });
                return None;
            }
        };
        let has_lambda = args
            .iter()
            .any(|a| matches!(a.value.kind, ExprKind::Lambda(..)));
        match claim_fn {
            ClaimFn::Mi => self.mi(entry, args, e),
            ClaimFn::Estimate(read) => self.estimate(entry, read, args, e),
            ClaimFn::Accuracy => self.accuracy(entry, args, e),
            ClaimFn::Geometry { uniform } => self.geometry(entry, uniform, args, e),
            ClaimFn::EmbeddingMi => self.embedding_mi(entry, args, e),
            ClaimFn::Trace(stat) => self.trace(entry, stat, args, e),
            ClaimFn::Ceiling => self.ceiling(entry, args, e),
            ClaimFn::Math(Func::Min) if has_lambda => self.aggregate(entry, Agg::Min, args, e),
            ClaimFn::Math(Func::Max) if has_lambda => self.aggregate(entry, Agg::Max, args, e),
            ClaimFn::Math(f) => self.math(entry, f, args, e),
            ClaimFn::Mean => self.aggregate(entry, Agg::Mean, args, e),
            ClaimFn::SeedSd => {
                let x = self.positional_only(entry, false, args, e.span)?;
                Some(Quantity::SeedSd(Box::new(self.quantity(x[0])?)))
            }
            ClaimFn::MonotoneTrend => self.statistic(entry, Statistic::MonotoneTrend, args, e),
            ClaimFn::Argmax => self.statistic(entry, Statistic::Argmax, args, e),
            ClaimFn::Corr => self.corr(entry, args, e),
            ClaimFn::Trend { .. } | ClaimFn::Peak => {
                self.errors.push(CheckError::WrongKind {
                    message: format!("`{}` is a claim, not a number", entry.name),
                    span: e.span.into(),
                    label: "not a number".into(),
                    help: Some("use it as a whole claim, or join it to others with `and`".into()),
                });
                None
            }
        }
    }

    /// `ln(q)`, `min(a, b, ...)`, ...: folded when every argument is a constant.
    fn math(&mut self, entry: &Entry, f: Func, args: &[ast::Arg], e: &Expr) -> Option<Quantity> {
        let exprs = self.positional_only(entry, f.is_variadic(), args, e.span)?;
        let qs: Vec<Option<Quantity>> = exprs.into_iter().map(|a| self.quantity(a)).collect();
        let qs: Vec<Quantity> = qs.into_iter().collect::<Option<_>>()?;
        Some(fold(Quantity::Func(f, qs)))
    }

    /// `mi(data)`
    fn mi(&mut self, entry: &'static Entry, args: &[ast::Arg], e: &Expr) -> Option<Quantity> {
        let matched = self.match_args(entry, args, e.span)?;
        let a = self.typed(MiArgs::read(&matched), e)?;
        let side = match a.between.as_str() {
            "x_label" => Some(LabelSide::X),
            "y_label" => Some(LabelSide::Y),
            _ => None,
        };
        if side.is_some() && a.data.dist.classes() == 0 {
            self.errors.push(CheckError::Conflict {
                message: "this data carries no labels, so it has no I(.; label)".into(),
                span: matched.span("between").into(),
                help: Some("labelled data is a mixture whose components carry different labels, e.g. task_views(...)".into()),
            });
            return None;
        }
        let known = match side {
            None => a.data.dist.truth_known(),
            Some(side) => a.data.dist.label_truth(side).is_some(),
        };
        if !known {
            self.errors.push(CheckError::NoTruth {
                message: format!(
                    "`{}` has no known ground truth",
                    self.data_text(&a.data, matched.span("data"))
                ),
                span: matched.span("data").into(),
                help: Some(if a.data.dist.rows(None).is_some() {
                    "a user's data comes without a ground truth; estimate it instead, e.g. `estimate(ksg(data: d, samples: 500))`, and compare estimators with each other".into()
                } else {
                    "an encoder that is not invertible (mlp, linear) can lose information, so the MI of its embeddings is unknown; estimate it instead, e.g. `estimate(ksg(data: z, samples: 10000))`, or use an invertible encoder (coupling, invertible_linear), whose embeddings keep the truth".into()
                }),
            });
            return None;
        }
        Some(Quantity::Truth(a.data.0, side))
    }

    /// `ceiling(bound, K)`: a constant, or an error for a bound without one.
    fn ceiling(&mut self, entry: &'static Entry, args: &[ast::Arg], e: &Expr) -> Option<Quantity> {
        let matched = self.match_args(entry, args, e.span)?;
        let a = self.typed(CeilingArgs::read(&matched), e)?;
        match a.bound.ceiling(a.batch) {
            Some(c) => Some(Quantity::Const(c)),
            None => {
                self.errors.push(CheckError::Conflict {
                    message: format!("`{}` has no ceiling: it can take any value", a.bound.name()),
                    span: matched.span("bound").into(),
                    help: Some(
                        "infonce (ln K) and interpolated (1 + ln((K - 1) / alpha)) have ceilings"
                            .into(),
                    ),
                });
                None
            }
        }
    }

    /// `accuracy(run)` or `accuracy(data: d)`: a probe of a labelled source, through a trained
    /// run's frozen x encoder or on the raw x.
    fn accuracy(&mut self, entry: &'static Entry, args: &[ast::Arg], e: &Expr) -> Option<Quantity> {
        let matched = self.match_args(entry, args, e.span)?;
        let a = self.typed(AccuracyArgs::read(&matched), e)?;
        let conflict = |this: &mut Self, param: &str, message: String, help: &str| {
            this.errors.push(CheckError::Conflict {
                message,
                span: matched.span(param).into(),
                help: Some(help.into()),
            });
        };
        let model = match a.model.as_str() {
            "knn" if a.k > a.train => {
                conflict(
                    self,
                    "k",
                    format!(
                        "a knn probe with k = {} needs more than its {} training pairs",
                        a.k, a.train
                    ),
                    "lower `k:` or raise `train:`",
                );
                return None;
            }
            "knn" => ProbeModel::Knn(a.k),
            _ => ProbeModel::Linear,
        };
        let (source, param) = match (a.run, a.data) {
            (Some(run), _) => {
                let run = self.run_with_encoders(
                    run,
                    matched.span("run"),
                    "has no encoder of x whose representation a probe could read",
                    "probe a run whose critic is separable(...) or bilinear(...), or probe the raw data with `accuracy(data: d)`",
                )?;
                (ProbeSource::Run(run), "run")
            }
            (None, Some(data)) => (
                ProbeSource::Data {
                    data: data.0,
                    seeds: a.seeds,
                },
                "data",
            ),
            (None, None) => return None,
        };
        let param = match (&a.on, &source) {
            (Some(_), ProbeSource::Data { .. }) => {
                conflict(
                    self,
                    "on",
                    "`on:` applies a run's encoder to other data; raw data has no encoder".into(),
                    "probe the other data directly with `accuracy(data: ...)`",
                );
                return None;
            }
            (Some(on), ProbeSource::Run(r)) => {
                let (want, got) = (r.data().dist.dim_x(), on.dist.dim_x());
                if want != got {
                    self.errors.push(CheckError::ShapeMismatch {
                        message: format!(
                            "`{}`'s encoder takes x {want} wide, but this data's x is {got} wide",
                            r.name
                        ),
                        span: matched.span("on").into(),
                        help: Some(
                            "apply the encoder to data of the width it was trained on".into(),
                        ),
                    });
                    return None;
                }
                "on"
            }
            (None, _) => param,
        };
        // Named by what it reads, so that `accuracy(r[K])` over a sweep names each run.
        let what = match &source {
            ProbeSource::Run(r) => match &a.on {
                Some(on) => format!("{}, on: {}", r.name, self.data_text(on, matched.span("on"))),
                None => r.name.clone(),
            },
            ProbeSource::Data { data, seeds } => format!(
                "data: {}, seeds: {seeds}",
                self.data_text(data, matched.span("data"))
            ),
        };
        let model_text = match model {
            ProbeModel::Linear => String::new(),
            ProbeModel::Knn(k) => format!(", model: knn, k: {k}"),
        };
        let head = match &source {
            ProbeSource::Run(r) => self.head(r, a.head, &matched)?,
            ProbeSource::Data { .. } if a.head > 0 => {
                conflict(
                    self,
                    "head",
                    "raw data has no encoder to cut a head off".into(),
                    "`head:` reads a run's representation below its projection head",
                );
                return None;
            }
            ProbeSource::Data { .. } => String::new(),
        };
        let probe = ProbeSpec {
            source,
            measure: Measure::Accuracy(model),
            train: a.train,
            test: a.test,
            on: a.on.clone().map(|d| d.0),
            head: a.head,
            label: format!(
                "accuracy({what}{model_text}{head}, train: {}, test: {})",
                a.train, a.test
            ),
        };
        let data = probe.data();
        if data.dist.classes() == 0 {
            let name = if data.name.is_empty() {
                "the data".to_string()
            } else {
                format!("`{}`", data.name)
            };
            conflict(
                self,
                param,
                format!("{name} carries no labels for a probe to predict"),
                "use a mixture whose components carry different labels, e.g. component(..., label: 1), or views(...) of one",
            );
            return None;
        }
        self.probe_quantity(probe, e.span)
    }

    /// The run a probe reads, registered with the program, if its critic embeds x and y on
    /// their own (separable, bilinear); otherwise a `conflicting_args` error at `span` saying
    /// that the run `problem` (e.g. "has no encoders whose embeddings could be measured").
    fn run_with_encoders(
        &mut self,
        run: Arc<RunSpec>,
        span: ast::Span,
        problem: &str,
        help: &str,
    ) -> Option<Arc<RunSpec>> {
        let run = self.register_run(run, span);
        if run.train().is_some_and(|t| t.critic.has_x_encoder()) {
            return Some(run);
        }
        self.errors.push(CheckError::Conflict {
            message: format!("`{}` {problem}", run.name),
            span: span.into(),
            help: Some(help.into()),
        });
        None
    }

    /// Checks that `head` layers can be cut off the run's encoders; the label's `, head: N`
    /// (empty for 0).
    fn head(&mut self, run: &RunSpec, head: usize, matched: &crate::ir::Args) -> Option<String> {
        if head == 0 {
            return Some(String::new());
        }
        let data = &run.data().dist;
        let widths = run
            .train()
            .map(|t| t.critic.trunk_widths(data.dim_x(), data.dim_y(), head));
        match widths {
            Some(Ok(_)) => Some(format!(", head: {head}")),
            Some(Err(why)) => {
                self.errors.push(CheckError::Conflict {
                    message: format!("`{}`: {why}", run.name),
                    span: matched.span("head").into(),
                    help: Some("`head: N` cuts the last N layers off an mlp encoder (e.g. `mlp(hidden: [64, 32], out: 8)` with `head: 1` reads its 32-wide hidden layer); use fewer".into()),
                });
                None
            }
            None => None,
        }
    }

    /// How a probe's label names data: its declared name, or the text that made it inline.
    fn data_text(&self, data: &crate::dist::DataRef, span: ast::Span) -> String {
        if data.name.is_empty() {
            self.text(span)
        } else {
            data.name.clone()
        }
    }

    /// The quantity of a probe, registered with the program once.
    fn probe_quantity(&mut self, probe: ProbeSpec, span: ast::Span) -> Option<Quantity> {
        // A user's rows: the probe fits on training rows and scores on held-out rows.
        let data = probe.data();
        let fit = match probe.measure {
            Measure::Accuracy(_) => {
                too_many_rows(data, Some(Part::Train), probe.train, "a probe's fit")
            }
            _ => None,
        };
        let why =
            fit.or_else(|| too_many_rows(data, Some(Part::HeldOut), probe.test, "a probe's test"));
        if let Some(why) = why {
            self.errors.push(CheckError::Invalid {
                message: why,
                span: span.into(),
                label: "more rows than there are".into(),
                help: Some(
                    "lower `train:` / `test:` (or `samples:`), or change `held_out:` of `load`"
                        .into(),
                ),
            });
            return None;
        }
        let i = match self
            .program
            .probes
            .iter()
            .position(|p| p.label == probe.label)
        {
            Some(i) => i,
            None => {
                self.program.probes.push(probe);
                self.program.probes.len() - 1
            }
        };
        Some(Quantity::Probe(i))
    }

    /// `embedding_mi(run, k:, samples:, on:)`: KSG on the run's frozen embeddings.
    fn embedding_mi(
        &mut self,
        entry: &'static Entry,
        args: &[ast::Arg],
        e: &Expr,
    ) -> Option<Quantity> {
        let matched = self.match_args(entry, args, e.span)?;
        let a = self.typed(EmbeddingMiArgs::read(&matched), e)?;
        let run = self.run_with_encoders(
            a.run,
            matched.span("run"),
            "has no encoders whose embeddings could be estimated on",
            "use a run whose critic is separable(...) or bilinear(...); for raw data, declare `run k = ksg(data: d)`",
        )?;
        if let Some(on) = &a.on {
            let (rd, od) = (&run.data().dist, &on.dist);
            if (rd.dim_x(), rd.dim_y()) != (od.dim_x(), od.dim_y()) {
                self.errors.push(CheckError::ShapeMismatch {
                    message: format!(
                        "`{}`'s encoders take x {} and y {} wide, but this data's are {} and {}",
                        run.name,
                        rd.dim_x(),
                        rd.dim_y(),
                        od.dim_x(),
                        od.dim_y()
                    ),
                    span: matched.span("on").into(),
                    help: Some("embed data of the widths the run was trained on".into()),
                });
                return None;
            }
        }
        let on_text = match &a.on {
            Some(on) => format!(", on: {}", self.data_text(on, matched.span("on"))),
            None => String::new(),
        };
        let head = self.head(&run, a.head, &matched)?;
        let label = format!(
            "embedding_mi({}{on_text}{head}, k: {}, samples: {})",
            run.name, a.k, a.samples
        );
        self.probe_quantity(
            ProbeSpec {
                source: ProbeSource::Run(run),
                measure: Measure::Ksg(a.k),
                train: 0,
                test: a.samples,
                on: a.on.map(|d| d.0),
                head: a.head,
                label,
            },
            e.span,
        )
    }

    /// `align(run)` and `uniform(run, t:)`: on the normalised embeddings of a trained
    /// separable or bilinear critic's encoders.
    fn geometry(
        &mut self,
        entry: &'static Entry,
        uniform: bool,
        args: &[ast::Arg],
        e: &Expr,
    ) -> Option<Quantity> {
        let matched = self.match_args(entry, args, e.span)?;
        let a = self.typed(GeometryArgs::read(&matched), e)?;
        let run = self.run_with_encoders(
            a.run,
            matched.span("run"),
            "has no encoders whose embeddings could be measured",
            "measure a run whose critic is separable(...) or bilinear(...)",
        )?;
        let head = self.head(&run, a.head, &matched)?;
        let (measure, what) = if uniform {
            (
                Measure::Uniform(a.t),
                format!("uniform({}, t: {}", run.name, crate::ir::fmt_num(a.t)),
            )
        } else {
            (Measure::Align, format!("align({}", run.name))
        };
        self.probe_quantity(
            ProbeSpec {
                source: ProbeSource::Run(run),
                measure,
                train: 0,
                test: a.samples,
                on: None,
                head: a.head,
                label: format!("{what}{head}, samples: {})", a.samples),
            },
            e.span,
        )
    }

    /// `estimate(run, bound:, batch:)`, `estimate_sd(...)`, `estimate_quantile(..., q:)`
    fn estimate(
        &mut self,
        entry: &'static Entry,
        read: EstimateRead,
        args: &[ast::Arg],
        e: &Expr,
    ) -> Option<Quantity> {
        let matched = self.match_args(entry, args, e.span)?;
        let (a, over_batches) = match read {
            EstimateRead::Mean => (
                self.typed(EstimateArgs::read(&matched), e)?,
                BatchStat::Mean,
            ),
            EstimateRead::Sd => (self.typed(EstimateArgs::read(&matched), e)?, BatchStat::Sd),
            EstimateRead::Quantile => {
                let q = self.typed(EstimateQuantileArgs::read(&matched), e)?;
                let a = EstimateArgs {
                    run: q.run,
                    bound: q.bound,
                    batch: q.batch,
                };
                (a, BatchStat::Quantile(q.q))
            }
        };
        let run = self.register_run(a.run, matched.span("run"));
        let Some(train) = run.train() else {
            if over_batches != BatchStat::Mean {
                self.errors.push(CheckError::Conflict {
                    message: format!(
                        "`{}` is a non-neural estimator: it gives one number per seed, not one per evaluation batch",
                        run.name
                    ),
                    span: matched.span("run").into(),
                    help: Some(
                        "estimate_sd and estimate_quantile read a trained critic's evaluation batches; use estimate() here"
                            .into(),
                    ),
                });
                return None;
            }
            // A non-neural estimator has no critic to re-evaluate.
            let given = [("bound", a.bound.is_some()), ("batch", a.batch.is_some())];
            if let Some((p, _)) = given.into_iter().find(|(_, g)| *g) {
                self.errors.push(CheckError::Conflict {
                    message: format!(
                        "`{}` is a non-neural estimator: it has no `{p}` to override",
                        run.name
                    ),
                    span: matched.span(p).into(),
                    help: Some(
                        "bound: and batch: re-evaluate a trained critic; declare another estimator run instead"
                            .into(),
                    ),
                });
                return None;
            }
            let batch = run.pairs_per_estimate();
            return Some(Quantity::Estimate(self.estimate_id(
                run,
                None,
                batch,
                None,
                None,
                BatchStat::Mean,
            )));
        };
        let bound_text = a.bound.as_ref().map(|_| self.text(matched.span("bound")));
        let overridden = a.bound.is_some();
        let bound = a.bound.unwrap_or_else(|| train.bound.clone());
        let batch = a.batch.unwrap_or(train.batch);
        if let Err(message) = crate::bounds::check_critic(bound.as_ref(), &train.critic) {
            self.errors.push(CheckError::Conflict {
                message: format!("`{}`: {message}", run.name),
                span: matched.span("bound").into(),
                help: Some("evaluate under a bound that takes any critic, or train the run with a conditional(...) critic".into()),
            });
            return None;
        }
        if overridden {
            self.warn_shared_kernel(&train.critic, bound.as_ref(), matched.span("bound"));
        }
        if bound.reads() == crate::bounds::Reads::ConditionalDensity
            && train.bound.reads() != crate::bounds::Reads::ConditionalDensity
        {
            self.errors.push(CheckError::Conflict {
                message: format!(
                    "`{}` needs the density model of y trained with the run, and `{}` was trained with `{}`, which has none",
                    bound.name(),
                    run.name,
                    train.bound.name()
                ),
                span: matched.span("bound").into(),
                help: Some(format!("train a run with `bound: {}` to read it out", bound.name())),
            });
            return None;
        }
        if batch > MAX_DENSE_BATCH && !streamable(bound.as_ref()) {
            self.errors.push(CheckError::OutOfRange {
                param: "batch".into(),
                value: batch.to_string(),
                span: matched.span("batch").into(),
                reason: format!(
                    "`{}` needs the whole {batch} x {batch} score matrix, which cannot be streamed in blocks",
                    bound.name()
                ),
                help: Some(format!(
                    "evaluate `{}` at batch {MAX_DENSE_BATCH} or less, or under a bound that streams (infonce, nwj, dv, js, tuba, mine: up to 65536)",
                    bound.name()
                )),
            });
            return None;
        }
        if let Some(why) = too_many_rows(
            run.data(),
            Some(Part::HeldOut),
            batch,
            "an evaluation batch",
        ) {
            let at = if a.batch.is_some() { "batch" } else { "run" };
            self.errors.push(CheckError::Invalid {
                message: why,
                span: matched.span(at).into(),
                label: "more rows than there are".into(),
                help: Some(
                    "evaluate at a smaller `batch:`, or hold out more rows (`held_out:` of `load`)"
                        .into(),
                ),
            });
            return None;
        }
        Some(Quantity::Estimate(self.estimate_id(
            run,
            Some(bound),
            batch,
            None,
            bound_text,
            over_batches,
        )))
    }

    /// `trace(run, stage:)` and `trace_sd(run, stage:)`
    fn trace(
        &mut self,
        entry: &'static Entry,
        stat: TraceStat,
        args: &[ast::Arg],
        e: &Expr,
    ) -> Option<Quantity> {
        let matched = self.match_args(entry, args, e.span)?;
        let a = self.typed(TraceArgs::read(&matched), e)?;
        let run = self.register_run(a.run, matched.span("run"));
        let Some(train) = run.train() else {
            self.errors.push(CheckError::Conflict {
                message: format!(
                    "`{}` is a non-neural estimator: it has no training trace",
                    run.name
                ),
                span: matched.span("run").into(),
                help: Some("trace() reads a train(...) run; use estimate() here".into()),
            });
            return None;
        };
        if !train.critic.trains() {
            self.errors.push(CheckError::Conflict {
                message: format!(
                    "`{}`'s critic has nothing to train (an oracle, a fixed critic or identity encoders), so it has no training trace",
                    run.name
                ),
                span: matched.span("run").into(),
                help: Some("read `estimate(...)` of the run instead; it evaluates the critic on held-out batches".into()),
            });
            return None;
        }
        let stages = run.data().dist.stage_count();
        let stage = a.stage.unwrap_or(stages);
        if stage > stages {
            self.errors.push(CheckError::OutOfRange {
                param: "stage".into(),
                value: stage.to_string(),
                span: matched.span("stage").into(),
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
        let (bound, batch) = (train.bound.clone(), train.batch);
        Some(Quantity::Estimate(self.estimate_id(
            run,
            Some(bound),
            batch,
            Some(TraceRead { stage, stat }),
            None,
            BatchStat::Mean,
        )))
    }

    /// `mean(K -> q)`, `min(K -> q)`, `max(K -> q)`: per seed, across a sweep.
    fn aggregate(
        &mut self,
        entry: &Entry,
        agg: Agg,
        args: &[ast::Arg],
        e: &Expr,
    ) -> Option<Quantity> {
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
        Some(Quantity::Aggregate(agg, curve.points))
    }

    /// `monotone_trend(K -> q)` and `argmax(K -> q)`: a statistic of one curve.
    fn statistic(
        &mut self,
        entry: &'static Entry,
        stat: Statistic,
        args: &[ast::Arg],
        e: &Expr,
    ) -> Option<Quantity> {
        self.match_args(entry, args, e.span)?;
        let lambdas = Self::lambda_args(entry, args);
        let a = self.curve(lambdas.first()?, e, 2)?;
        Some(Quantity::Statistic(stat, Box::new(a), None))
    }

    /// `corr(X -> a, X -> b, method:)`: two curves over the same sweep.
    fn corr(&mut self, entry: &'static Entry, args: &[ast::Arg], e: &Expr) -> Option<Quantity> {
        let matched = self.match_args(entry, args, e.span)?;
        let lambdas = Self::lambda_args(entry, args);
        let method = match self.typed(CorrArgs::read(&matched), e)?.method.as_str() {
            "kendall" => CorrMethod::Kendall,
            "pearson" => CorrMethod::Pearson,
            _ => CorrMethod::Spearman,
        };
        let a = self.curve(lambdas.first()?, e, 2)?;
        let b = self.curve(lambdas.get(1)?, e, 2)?;
        if b.xs != a.xs {
            self.errors.push(CheckError::Invalid {
                message: "`corr` needs both curves over the same sweep values".into(),
                span: e.span.into(),
                label: "different sweeps".into(),
                help: Some("give both lambdas the same variable and list".into()),
            });
            return None;
        }
        Some(Quantity::Statistic(
            Statistic::Corr(method),
            Box::new(a),
            Some(Box::new(b)),
        ))
    }

    /// Typed arguments, or an internal diagnostic where the catalogue and checker disagree.
    pub(super) fn typed<T>(&mut self, r: Result<T, crate::ir::ParamError>, e: &Expr) -> Option<T> {
        r.map_err(|pe| {
            self.errors.push(CheckError::Conflict {
                message: pe.message,
                span: e.span.into(),
                help: pe.help,
            })
        })
        .ok()
    }

    /// The run a call names (an inline `train(...)` is named by its source text), registered
    /// with the program.
    fn register_run(&mut self, run: Arc<RunSpec>, span: ast::Span) -> Arc<RunSpec> {
        let mut run = run;
        if run.name.is_empty() {
            let mut r = (*run).clone();
            r.name = self.text(span);
            run = Arc::new(r);
        }
        self.run_spans.entry(run.name.clone()).or_insert(span);
        self.program
            .runs
            .entry(run.name.clone())
            .or_insert_with(|| run.clone());
        run
    }

    /// The index of an estimate in the program, added if new.
    fn estimate_id(
        &mut self,
        run: Arc<RunSpec>,
        bound: Option<Arc<dyn Bound>>,
        batch: usize,
        trace: Option<TraceRead>,
        bound_text: Option<String>,
        over_batches: BatchStat,
    ) -> usize {
        // Bounds are told apart by their parameters too (smile(tau: 1) is not smile(tau: 5)).
        let key = |b: &Option<Arc<dyn Bound>>| b.as_ref().map(|b| format!("{b:?}"));
        let bkey = key(&bound);
        if let Some(i) = self.program.estimates.iter().position(|s| {
            s.run.name == run.name
                && key(&s.bound) == bkey
                && s.batch == batch
                && s.trace == trace
                && s.over_batches == over_batches
        }) {
            return i;
        }
        let label = estimate_label(
            &run,
            bound.as_deref(),
            batch,
            trace,
            bound_text,
            over_batches,
        );
        self.program.estimates.push(EstimateSpec {
            run,
            bound,
            batch,
            trace,
            over_batches,
            label,
        });
        self.program.estimates.len() - 1
    }
}

/// How a report names an estimate: `estimate(nce, batch: 4096)`, `trace(r, stage: 2)`,
/// `estimate_quantile(nce, q: 0.05)`.
fn estimate_label(
    run: &RunSpec,
    bound: Option<&dyn Bound>,
    batch: usize,
    trace: Option<TraceRead>,
    bound_text: Option<String>,
    over_batches: BatchStat,
) -> String {
    if let Some(t) = trace {
        let f = match t.stat {
            TraceStat::Mean => "trace",
            TraceStat::Sd => "trace_sd",
        };
        let stage = if run.data().dist.stage_count() > 1 {
            format!(", stage: {}", t.stage)
        } else {
            String::new()
        };
        return format!("{f}({}{stage})", run.name);
    }
    let mut label = match over_batches {
        BatchStat::Mean => format!("estimate({}", run.name),
        BatchStat::Sd => format!("estimate_sd({}", run.name),
        BatchStat::Quantile(q) => format!(
            "estimate_quantile({}, q: {}",
            run.name,
            crate::ir::fmt_num(q)
        ),
    };
    if let (Some(b), Some(t)) = (bound, run.train()) {
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
