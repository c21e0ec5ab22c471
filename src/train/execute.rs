//! Runs every (run, seed) job a checked program needs, in parallel worker threads, and collects
//! per-seed estimates. Each job is deterministic on its own (its streams depend only on the
//! file seed and the seed index), so the number of workers never changes the numbers.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use candle_core::Device;
use indexmap::IndexMap;

use super::cache::{self, Cache, CachedJob};
use super::eval::{evaluate, Evaluation};
use super::fit::{fit, plausible, Trained, PLAUSIBLE_NATS};
use super::probe::probe_value;
use super::progress::{JobProgress, Mode as ProgressMode, Progress};
use super::realise::{realise_probe, realise_run, Unrealised};
use super::Cancel;
use crate::dist::{self, staircase};
use crate::ir::{
    EstimateSpec, Method, NonparamSpec, ProbeSource, Program, RunSpec, TraceRead, TraceStat,
};

/// How to execute a program.
#[derive(Debug, Clone)]
pub struct ExecOptions {
    pub file_seed: u64,
    pub device: Device,
    /// Replaces every run's `seeds`.
    pub seeds: Option<usize>,
    /// Smoke run: a tenth of the steps (at least 10).
    pub quick: bool,
    /// Worker threads running jobs side by side.
    pub jobs: usize,
    /// Print one line per finished job to stderr.
    pub progress: bool,
    /// Set to stop: no job starts after it, training stops at its next step.
    pub cancel: Cancel,
    /// Where finished jobs are kept and looked up (`None`: `--no-cache`).
    pub cache: Option<Cache>,
    /// Which jobs to run: all, one share of the run jobs (into the cache), or none (only
    /// what the cache holds).
    pub scope: Scope,
}

/// Which of a program's jobs an execution runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scope {
    #[default]
    All,
    /// `--shard index/count`: the run jobs whose position in the plan is `index` modulo
    /// `count` (probes of raw data, which are not cached, are left to `Cached`).
    Shard { index: usize, count: usize },
    /// `mica report`: run jobs only from the cache (the others are listed as missing); probes
    /// of raw data are computed.
    Cached,
}

/// The per-seed error of a job that a cancellation stopped or never started (the reports and
/// the Ctrl-C summary recognise undecided claims by it).
pub const NOT_RUN: &str = "not run";

/// The shard rule, one place for `mica run --shard` and `mica plan`: job `position` of the plan
/// (`planned_jobs`) belongs to shard `index` of `count` when `position % count == index`.
pub fn in_shard(position: usize, index: usize, count: usize) -> bool {
    position % count == index
}

impl ExecOptions {
    pub fn steps(&self, steps: usize) -> usize {
        if self.quick {
            (steps / 10).max(10).min(steps)
        } else {
            steps
        }
    }

    pub fn seeds(&self, seeds: usize) -> usize {
        self.seeds.unwrap_or(seeds)
    }
}

/// The per-seed results of one estimate; `Err` holds why a seed has no value.
#[derive(Debug, Clone)]
pub struct EstimateResults {
    pub per_seed: Vec<Result<Evaluation, String>>,
}

impl EstimateResults {
    /// Each seed's evaluation, `None` where it has none.
    pub fn values(&self) -> Vec<Option<Evaluation>> {
        self.per_seed
            .iter()
            .map(|e| e.as_ref().ok().copied())
            .collect()
    }
}

/// What happened to one run.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RunOutcome {
    /// Whether the run trains a critic (`train(...)`) or applies a non-neural estimator.
    pub trains: bool,
    pub seeds: usize,
    pub steps: usize,
    pub batch: usize,
    /// Wall time of training, summed over seeds.
    pub train_seconds: f64,
    /// Optimiser steps actually taken, summed over seeds (fewer than seeds x steps when early
    /// stopping or a divergence ended training).
    pub steps_done: usize,
    /// (seed, step whose critic was kept) for each seed that early stopping ended.
    pub early_stops: Vec<(usize, usize)>,
    /// (seed, reason) for each seed whose training diverged or failed.
    pub failures: Vec<(usize, String)>,
    /// Held-out estimate at the training batch size against step, per seed.
    pub traces: Vec<Vec<(usize, f64)>>,
    /// Seeds that a cancellation stopped or kept from starting (empty unless interrupted).
    pub unfinished: Vec<usize>,
    /// Seeds whose results came from the cache (their times are those of the run that
    /// computed them).
    pub cached: Vec<usize>,
}

impl RunOutcome {
    pub fn steps_per_second(&self) -> f64 {
        self.steps_done as f64 / self.train_seconds.max(1e-9)
    }
}

/// Everything execution produced, indexed like the program's estimates, probes and runs.
#[derive(Debug, Clone)]
pub struct Results {
    pub estimates: Vec<EstimateResults>,
    /// Probe accuracies per seed (`mean` is the accuracy, `std_err` its binomial error).
    pub probes: Vec<EstimateResults>,
    pub runs: IndexMap<String, RunOutcome>,
    pub seconds: f64,
    /// The execution was cancelled: some jobs did not finish (see `RunOutcome::unfinished`).
    pub interrupted: bool,
    /// (run, seed) jobs the cache lacked when the scope was `Cached`.
    pub missing: Vec<(String, usize)>,
}

struct JobOut {
    run: String,
    seed: usize,
    trace: Vec<(usize, f64)>,
    seconds: f64,
    steps_done: usize,
    stopped_at: Option<usize>,
    failure: Option<String>,
    /// Cancelled before it finished.
    interrupted: bool,
    /// (estimate index, result)
    estimates: Vec<(usize, Result<Evaluation, String>)>,
    /// (probe index, result)
    probes: Vec<(usize, Result<Evaluation, String>)>,
    /// A probe of raw data, not a run: it has no run outcome.
    probe_job: bool,
    /// Read from the cache rather than computed.
    cached: bool,
    /// Not in the cache, and the scope forbade computing it (`mica report`).
    missing: bool,
}

impl JobOut {
    /// A job that has produced nothing yet.
    fn new(run: String, seed: usize) -> Self {
        JobOut {
            run,
            seed,
            trace: Vec::new(),
            seconds: 0.0,
            steps_done: 0,
            stopped_at: None,
            failure: None,
            interrupted: false,
            estimates: Vec::new(),
            probes: Vec::new(),
            probe_job: false,
            cached: false,
            missing: false,
        }
    }

    /// Every estimate and probe of the run's work fails for `reason`.
    fn fail_all(&mut self, work: &Work, reason: &str) {
        let fail = |ids: &[usize]| ids.iter().map(|&i| (i, Err(reason.to_string()))).collect();
        self.estimates = fail(&work.estimates);
        self.probes = fail(&work.probes);
    }
}

/// What a run's jobs produce: estimates and probes (indices into the program's lists).
#[derive(Debug, Default)]
struct Work {
    estimates: Vec<usize>,
    probes: Vec<usize>,
}

/// One unit of work for a worker: a seed of a run, or a seed of a probe of raw data.
#[derive(Debug)]
enum Job {
    Run(String, usize),
    DataProbe(usize, usize),
}

/// The (run, seed) jobs a program needs, in the order they run and shard: `mica plan`.
pub fn planned_jobs(program: &Program, opts: &ExecOptions) -> Vec<(String, usize)> {
    plan(program, opts)
        .jobs
        .into_iter()
        .filter_map(|j| match j {
            Job::Run(name, seed) => Some((name, seed)),
            Job::DataProbe(..) => None,
        })
        .collect()
}

/// A program's work: what each run must produce, the runs by name, every job (runs first),
/// and the seeds of each probe.
struct Plan<'a> {
    by_run: IndexMap<String, Work>,
    runs: HashMap<&'a str, Arc<RunSpec>>,
    jobs: Vec<Job>,
    probe_seeds: Vec<usize>,
}

fn plan<'a>(program: &'a Program, opts: &ExecOptions) -> Plan<'a> {
    // What each run must produce, and the probes of raw data.
    let mut by_run: IndexMap<String, Work> = IndexMap::new();
    let mut runs: HashMap<&str, Arc<RunSpec>> = HashMap::new();
    for (i, e) in program.estimates.iter().enumerate() {
        by_run
            .entry(e.run.name.clone())
            .or_default()
            .estimates
            .push(i);
        runs.insert(e.run.name.as_str(), e.run.clone());
    }
    let mut data_probe_jobs: Vec<Job> = Vec::new();
    let mut probe_seeds = Vec::with_capacity(program.probes.len());
    for (i, p) in program.probes.iter().enumerate() {
        match &p.source {
            ProbeSource::Run(r) => {
                by_run.entry(r.name.clone()).or_default().probes.push(i);
                runs.insert(r.name.as_str(), r.clone());
                probe_seeds.push(opts.seeds(r.seeds()));
            }
            ProbeSource::Data { seeds, .. } => {
                let n = opts.seeds(*seeds);
                data_probe_jobs.extend((0..n).map(|s| Job::DataProbe(i, s)));
                probe_seeds.push(n);
            }
        }
    }
    // Runs first (they take longest), then the probes of raw data.
    let jobs: Vec<Job> = by_run
        .keys()
        .flat_map(|name| {
            let n = opts.seeds(runs[name.as_str()].seeds());
            (0..n).map(move |s| Job::Run(name.clone(), s))
        })
        .chain(data_probe_jobs)
        .collect();
    Plan {
        by_run,
        runs,
        jobs,
        probe_seeds,
    }
}

pub fn execute(program: &Program, opts: &ExecOptions) -> Results {
    let start = std::time::Instant::now();
    let Plan {
        by_run,
        runs,
        jobs,
        probe_seeds,
    } = plan(program, opts);

    // Cache keys, computed before any job runs (so that nothing a job computes can change one).
    let keys: HashMap<(&str, usize), String> = match &opts.cache {
        Some(_) => jobs
            .iter()
            .filter_map(|j| match j {
                Job::Run(name, seed) => Some((
                    (name.as_str(), *seed),
                    cache::key(&job_description(&runs[name.as_str()], *seed, opts)),
                )),
                Job::DataProbe(..) => None,
            })
            .collect(),
        None => HashMap::new(),
    };
    let in_scope = |j: usize, job: &Job| match (opts.scope, job) {
        (Scope::Shard { index, count }, Job::Run(..)) => in_shard(j, index, count),
        (Scope::Shard { .. }, Job::DataProbe(..)) => false,
        (Scope::All | Scope::Cached, _) => true,
    };
    let progress = Progress::new(
        ProgressMode::detect(opts.progress),
        jobs.iter()
            .enumerate()
            .filter(|(j, job)| in_scope(*j, job))
            .count(),
    );
    let next = AtomicUsize::new(0);
    let outs: Mutex<Vec<JobOut>> = Mutex::new(Vec::new());
    let workers = opts.jobs.max(1).min(jobs.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                if opts.cancel.is_cancelled() {
                    break;
                }
                let j = next.fetch_add(1, Ordering::SeqCst);
                let Some(job) = jobs.get(j) else {
                    break;
                };
                // Run jobs come first in the plan, so `j` is a run job's position.
                if !in_scope(j, job) {
                    continue;
                }
                let (out, bar) = match job {
                    Job::Run(name, seed) => {
                        let key = keys.get(&(name.as_str(), *seed));
                        let (spec, work) = (&runs[name.as_str()], &by_run[name]);
                        let steps = match spec.train() {
                            Some(_) => opts.steps(spec.steps()),
                            None => 0,
                        };
                        let bar = progress.start(name, *seed, steps);
                        (cached_job(program, opts, key, spec, work, *seed, &bar), bar)
                    }
                    Job::DataProbe(i, seed) => (
                        data_probe_job(program, opts, *i, *seed),
                        progress.start(&program.probes[*i].label, *seed, 0),
                    ),
                };
                let what = if out.probe_job { "probed" } else { "trained" };
                let line = format!(
                    "  {what} {} seed {} in {:.1}s{}{}",
                    out.run,
                    out.seed,
                    out.seconds,
                    if out.cached { " (cached)" } else { "" },
                    out.failure
                        .as_ref()
                        .map(|f| format!(" ({f})"))
                        .unwrap_or_default()
                );
                let shown = !out.interrupted && !out.missing;
                progress.finish_job(bar, shown.then_some(line.as_str()));
                outs.lock().unwrap_or_else(|e| e.into_inner()).push(out);
            });
        }
    });
    progress.done();
    let mut outs = outs.into_inner().unwrap_or_else(|e| e.into_inner());
    outs.sort_by(|a, b| (&a.run, a.seed).cmp(&(&b.run, b.seed)));

    let mut estimates: Vec<EstimateResults> = program
        .estimates
        .iter()
        .map(|e| EstimateResults {
            per_seed: vec![Err(NOT_RUN.into()); opts.seeds(e.run.seeds())],
        })
        .collect();
    let mut probes: Vec<EstimateResults> = probe_seeds
        .iter()
        .map(|&n| EstimateResults {
            per_seed: vec![Err(NOT_RUN.into()); n],
        })
        .collect();
    let mut run_outcomes: IndexMap<String, RunOutcome> = by_run
        .keys()
        .map(|name| {
            let spec = &runs[name.as_str()];
            let seeds = opts.seeds(spec.seeds());
            (
                name.clone(),
                RunOutcome {
                    trains: spec.train().is_some(),
                    seeds,
                    steps: opts.steps(spec.steps()),
                    batch: spec.pairs_per_estimate(),
                    train_seconds: 0.0,
                    steps_done: 0,
                    early_stops: Vec::new(),
                    failures: Vec::new(),
                    traces: vec![Vec::new(); seeds],
                    unfinished: Vec::new(),
                    cached: Vec::new(),
                },
            )
        })
        .collect();
    let mut finished: Vec<(String, usize)> = Vec::new();
    let mut missing: Vec<(String, usize)> = Vec::new();
    for out in outs {
        if out.missing {
            missing.push((out.run, out.seed));
            continue;
        }
        if out.interrupted {
            continue;
        }
        finished.push((out.run.clone(), out.seed));
        for (i, r) in out.probes {
            probes[i].per_seed[out.seed] = r;
        }
        if out.probe_job {
            continue;
        }
        let ro = &mut run_outcomes[&out.run];
        if out.cached {
            ro.cached.push(out.seed);
        }
        ro.train_seconds += out.seconds;
        ro.steps_done += out.steps_done;
        if let Some(step) = out.stopped_at {
            ro.early_stops.push((out.seed, step));
        }
        ro.traces[out.seed] = out.trace;
        if let Some(f) = out.failure {
            ro.failures.push((out.seed, f));
        }
        for (i, r) in out.estimates {
            estimates[i].per_seed[out.seed] = r;
        }
    }
    // Jobs a cancellation stopped or never started keep their "not run" estimates.
    let interrupted = opts.cancel.is_cancelled() && finished.len() < jobs.len();
    if interrupted {
        for job in &jobs {
            if let Job::Run(name, seed) = job {
                if !finished.contains(&(name.clone(), *seed)) {
                    run_outcomes[name].unfinished.push(*seed);
                }
            }
        }
    }
    Results {
        estimates,
        probes,
        runs: run_outcomes,
        seconds: start.elapsed().as_secs_f64(),
        interrupted,
        missing,
    }
}

/// Raised whenever a change moves trained numbers by more than nothing (2: the CPU fast path;
/// 3: streamed evaluation's row reductions and exp by hand), so that no cache entry from
/// before it is taken for a result of the new code.
const NUMERICS: u32 = 3;

/// The description whose hash keys a job in the cache: everything that determines its
/// results. The run's specification is the checker's, resolved: every argument, default and
/// referenced declaration (data, critics, encoders, upstream runs) in full.
fn job_description(spec: &RunSpec, seed: usize, opts: &ExecOptions) -> String {
    format!(
        "mica {} numerics {NUMERICS} path {:?}\nseed {seed} of file seed {}\nsteps {}\ndevice {:?}\nrun {spec:?}\n",
        env!("CARGO_PKG_VERSION"),
        super::TrainPath::from_env(),
        opts.file_seed,
        opts.steps(spec.steps()),
        opts.device.location(),
    )
}

/// `guarded_job` through the cache: an intact entry that holds every estimate and probe the
/// work asks for is used as it is; otherwise the job runs and its results are stored (with
/// the entry's other estimates, which the same job would compute the same way).
fn cached_job(
    program: &Program,
    opts: &ExecOptions,
    key: Option<&String>,
    spec: &Arc<RunSpec>,
    work: &Work,
    seed: usize,
    bar: &JobProgress,
) -> JobOut {
    let (Some(store), Some(key)) = (&opts.cache, key) else {
        if opts.scope == Scope::Cached {
            let mut out = JobOut::new(spec.name.clone(), seed);
            out.missing = true;
            return out;
        }
        return guarded_job(program, opts, spec, work, seed, bar);
    };
    let est_keys: Vec<(usize, String)> = work
        .estimates
        .iter()
        .map(|&i| (i, cache::key(&format!("{:?}", program.estimates[i]))))
        .collect();
    let probe_keys: Vec<(usize, String)> = work
        .probes
        .iter()
        .map(|&i| (i, cache::key(&format!("{:?}", program.probes[i]))))
        .collect();
    let find = |have: &[(String, Result<Evaluation, String>)], want: &[(usize, String)]| {
        want.iter()
            .map(|(i, k)| {
                have.iter()
                    .find(|(hk, _)| hk == k)
                    .map(|(_, r)| (*i, r.clone()))
            })
            .collect::<Option<Vec<_>>>()
    };
    let earlier = store.load(key);
    if let Some(c) = &earlier {
        if let (Some(estimates), Some(probes)) =
            (find(&c.estimates, &est_keys), find(&c.probes, &probe_keys))
        {
            let mut out = JobOut::new(spec.name.clone(), seed);
            out.trace = c.trace.clone();
            out.seconds = c.seconds;
            out.steps_done = c.steps_done;
            out.stopped_at = c.stopped_at;
            out.failure = c.failure.clone();
            out.estimates = estimates;
            out.probes = probes;
            out.cached = true;
            return out;
        }
    }
    if opts.scope == Scope::Cached {
        let mut out = JobOut::new(spec.name.clone(), seed);
        out.missing = true;
        return out;
    }
    let out = guarded_job(program, opts, spec, work, seed, bar);
    // A cancelled job is incomplete, and a failure inside mica is a bug, not a result.
    let bug = out
        .failure
        .as_ref()
        .is_some_and(|f| f.contains("failed inside mica"));
    if !out.interrupted && !bug {
        let keyed = |ids: &[(usize, String)], rs: &[(usize, Result<Evaluation, String>)]| {
            ids.iter()
                .filter_map(|(i, k)| {
                    rs.iter()
                        .find(|(j, _)| j == i)
                        .map(|(_, r)| (k.clone(), r.clone()))
                })
                .collect::<Vec<_>>()
        };
        let mut estimates = keyed(&est_keys, &out.estimates);
        let mut probes = keyed(&probe_keys, &out.probes);
        if let Some(c) = earlier {
            let keep = |mine: &mut Vec<(String, Result<Evaluation, String>)>,
                        old: Vec<(String, Result<Evaluation, String>)>| {
                for (k, r) in old {
                    if !mine.iter().any(|(m, _)| *m == k) {
                        mine.push((k, r));
                    }
                }
            };
            keep(&mut estimates, c.estimates);
            keep(&mut probes, c.probes);
        }
        let job = CachedJob {
            trace: out.trace.clone(),
            seconds: out.seconds,
            steps_done: out.steps_done,
            stopped_at: out.stopped_at,
            failure: out.failure.clone(),
            estimates,
            probes,
        };
        if let Err(e) = store.store(key, &job) {
            if opts.progress {
                eprintln!("  (could not cache {} seed {seed}: {e})", spec.name);
            }
        }
    }
    out
}

/// `run_job`, with a panic inside it (a bug, or an allocation too large for a `Vec`) turned
/// into a failure of that seed: the other jobs and the report go on.
fn guarded_job(
    program: &Program,
    opts: &ExecOptions,
    spec: &Arc<RunSpec>,
    work: &Work,
    seed: usize,
    bar: &JobProgress,
) -> JobOut {
    let job = std::panic::AssertUnwindSafe(|| run_job(program, opts, spec, work, seed, bar));
    match std::panic::catch_unwind(job) {
        Ok(out) => out,
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown".into());
            let reason = format!("seed {seed} of `{}` failed inside mica: {what}", spec.name);
            let mut out = JobOut::new(spec.name.clone(), seed);
            out.failure = Some(reason.clone());
            out.fail_all(work, &reason);
            out
        }
    }
}

/// Runs one seed of one run (realising `encode(...)` data first) and produces its estimates.
fn run_job(
    program: &Program,
    opts: &ExecOptions,
    spec: &Arc<RunSpec>,
    work: &Work,
    seed: usize,
    bar: &JobProgress,
) -> JobOut {
    let mut out = JobOut::new(spec.name.clone(), seed);
    let spec = match realise_run(spec, opts, seed) {
        Ok(s) => s,
        Err(Unrealised::Interrupted) => {
            out.interrupted = true;
            return out;
        }
        Err(Unrealised::Failed(reason)) => {
            out.fail_all(work, &reason);
            out.failure = Some(reason);
            return out;
        }
    };
    match &spec.method {
        Method::Nonparam(np) => nonparam_job(out, opts, &spec, np, &work.estimates),
        Method::Train(_) => train_job(out, program, opts, &spec, work, bar),
    }
}

/// A non-neural estimator on one fresh sample: every estimate of the run is its value.
fn nonparam_job(
    mut out: JobOut,
    opts: &ExecOptions,
    spec: &RunSpec,
    np: &NonparamSpec,
    estimate_ids: &[usize],
) -> JobOut {
    let seed = out.seed;
    let start = std::time::Instant::now();
    let mut rng = dist::stream(opts.file_seed, seed, "nonparam");
    let sample = np.data.dist.sample(np.samples, &mut rng);
    let value = np.estimator.estimate(&sample);
    out.seconds = start.elapsed().as_secs_f64();
    let r = if value.is_finite() {
        Ok(Evaluation {
            mean: value,
            std_err: 0.0,
            batches: 1,
        })
    } else {
        Err(format!("`{}` gave {value} at seed {seed}", spec.name))
    };
    out.estimates = estimate_ids.iter().map(|&i| (i, r.clone())).collect();
    out
}

/// Trains one seed, then reads or evaluates each estimate the program asks of it; a failed or
/// diverged training gives every estimate that reason instead.
fn train_job(
    mut out: JobOut,
    program: &Program,
    opts: &ExecOptions,
    spec: &Arc<RunSpec>,
    work: &Work,
    bar: &JobProgress,
) -> JobOut {
    let seed = out.seed;
    let trained = match fit(
        spec,
        opts.steps(spec.steps()),
        opts.file_seed,
        seed,
        &opts.device,
        &opts.cancel,
        bar,
    ) {
        Ok(t) => t,
        Err(e) => {
            let reason = format!("training failed: {e}");
            out.fail_all(work, &reason);
            out.failure = Some(reason);
            return out;
        }
    };
    if trained.interrupted {
        out.interrupted = true;
        return out;
    }
    out.seconds = trained.seconds;
    out.steps_done = trained.steps_done;
    out.stopped_at = trained.stopped_at;
    if let Some(d) = &trained.diverged {
        out.fail_all(
            work,
            &format!("run `{}` diverged at seed {seed}: {d}", spec.name),
        );
        out.failure = Some(d.clone());
        return out;
    }
    let steps = match trained.stopped_at {
        Some(_) => trained.steps_done,
        None => opts.steps(spec.steps()),
    };
    bar.phase("trained; evaluating the estimates");
    for &i in &work.estimates {
        let e = &program.estimates[i];
        let r = match e.trace {
            Some(t) => {
                let stages = spec.data().dist.stage_count();
                read_trace(&trained.trace, t, steps, stages, &e.label)
            }
            None => evaluate_estimate(opts, spec, &trained, e, seed),
        };
        out.estimates.push((i, r));
    }
    for &i in &work.probes {
        let r = match realise_probe(&program.probes[i], Some(spec), opts, seed) {
            Ok(p) => match trained.critic.without_head(p.head) {
                Some(critic) => probe_value(&p, Some(&critic), opts.file_seed, seed, &opts.device),
                None => Err(format!("`{}`: no head of {} to cut off", p.label, p.head)),
            },
            Err(Unrealised::Interrupted) => {
                out.interrupted = true;
                return out;
            }
            Err(Unrealised::Failed(reason)) => Err(reason),
        };
        out.probes.push((i, r));
    }
    out.trace = trained.trace;
    out
}

/// One seed of a probe of raw data.
fn data_probe_job(program: &Program, opts: &ExecOptions, i: usize, seed: usize) -> JobOut {
    let spec = &program.probes[i];
    let start = std::time::Instant::now();
    let r = if opts.cancel.is_cancelled() {
        Err("interrupted".into())
    } else {
        match realise_probe(spec, None, opts, seed) {
            Ok(p) => probe_value(&p, None, opts.file_seed, seed, &opts.device),
            Err(Unrealised::Interrupted) => Err("interrupted".into()),
            Err(Unrealised::Failed(reason)) => Err(reason),
        }
    };
    let mut out = JobOut::new(spec.label.clone(), seed);
    out.seconds = start.elapsed().as_secs_f64();
    out.failure = r.as_ref().err().cloned();
    out.interrupted = opts.cancel.is_cancelled();
    out.probes = vec![(i, r)];
    out.probe_job = true;
    out
}

/// A trained critic under an estimate's bound at its batch size, on held-out samples.
fn evaluate_estimate(
    opts: &ExecOptions,
    spec: &RunSpec,
    trained: &Trained,
    e: &EstimateSpec,
    seed: usize,
) -> Result<Evaluation, String> {
    // One held-out stream per seed and batch size, shared by the runs of a file, so that
    // estimates compared at the same K see the same evaluation samples (paired).
    let mut rng = dist::stream(opts.file_seed, seed, &format!("eval/{}", e.batch));
    let Some(bound) = e.bound.as_ref() else {
        return Err("internal: a trained run's estimate has no bound".into());
    };
    let ev = evaluate(
        &trained.critic.with_oracle_shift(bound.optimal_shift()),
        trained.baseline.as_ref(),
        bound.as_ref(),
        spec.data()
            .dist
            .part(dist::Part::HeldOut)
            .as_deref()
            .unwrap_or(spec.data().dist.as_ref()),
        e.batch,
        e.over_batches,
        &mut rng,
        &opts.device,
    )
    .map_err(|err| format!("evaluation failed: {err}"))?;
    if !ev.mean.is_finite() {
        Err(format!(
            "`{}` evaluated to {} at seed {seed}",
            e.label, ev.mean
        ))
    } else if trained.steps_done > 0 && !plausible(ev.mean) {
        // Only a trained critic can diverge; a fixed critic may legitimately score anything.
        Err(format!(
            "`{}` evaluated to {:.3e} nats at seed {seed}: the trained critic diverged (beyond +-{PLAUSIBLE_NATS:e} nats)",
            e.label, ev.mean
        ))
    } else {
        Ok(ev)
    }
}

/// A statistic of the trace points in the second half of one stage.
fn read_trace(
    trace: &[(usize, f64)],
    t: TraceRead,
    steps: usize,
    stages: usize,
    label: &str,
) -> Result<Evaluation, String> {
    let r = staircase::stage_steps(t.stage - 1, steps, stages);
    let from = r.start + r.len() / 2;
    let vals: Vec<f64> = trace
        .iter()
        .filter(|(s, _)| (from..r.end).contains(s))
        .map(|&(_, v)| v)
        .collect();
    let n = vals.len();
    if n < 2 {
        return Err(format!(
            "`{label}` needs at least 2 trace points in steps {from}..{}, found {n}",
            r.end
        ));
    }
    let mean = vals.iter().sum::<f64>() / n as f64;
    let sd = (vals.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt();
    if !mean.is_finite() {
        return Err(format!("`{label}`: the traced estimates are not finite"));
    }
    Ok(match t.stat {
        TraceStat::Mean => Evaluation {
            mean,
            std_err: sd / (n as f64).sqrt(),
            batches: n,
        },
        TraceStat::Sd => Evaluation {
            mean: sd,
            std_err: f64::NAN,
            batches: n,
        },
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::dist::{gaussian::Gaussian, DataDecl, Sample};
    use crate::nonparam::Estimator;

    /// An estimator that panics on 11 pairs, standing in for a bug or an allocation
    /// a `Vec` refuses.
    #[derive(Debug)]
    struct PanicsOnce;

    impl Estimator for PanicsOnce {
        fn name(&self) -> &'static str {
            "panics_once"
        }
        fn estimate(&self, s: &Sample) -> f64 {
            if s.n == 11 {
                panic!("capacity overflow");
            }
            s.n as f64
        }
    }

    fn program(samples: usize) -> Program {
        let run = Arc::new(RunSpec {
            name: "p".into(),
            method: Method::Nonparam(NonparamSpec {
                estimator: Arc::new(PanicsOnce),
                data: DataDecl::new(Gaussian { dim: 1, rho: 0.5 }),
                samples,
                seeds: 2,
            }),
        });
        let mut p = Program::default();
        p.estimates.push(EstimateSpec {
            run,
            bound: None,
            batch: samples,
            trace: None,
            over_batches: crate::ir::BatchStat::Mean,
            label: "estimate(p)".into(),
        });
        p
    }

    fn opts() -> ExecOptions {
        ExecOptions {
            file_seed: 0,
            device: Device::Cpu,
            seeds: None,
            quick: false,
            jobs: 2,
            progress: false,
            cancel: Cancel::default(),
            cache: None,
            scope: Scope::All,
        }
    }

    /// A panic inside a job fails that job's seeds with the panic's message; the rest of the
    /// execution and its results go on.
    #[test]
    fn a_panicking_job_fails_its_seed_not_the_process() {
        let ok = execute(&program(10), &opts());
        assert_eq!(ok.estimates[0].per_seed[0].as_ref().unwrap().mean, 10.0);
        let r = execute(&program(11), &opts());
        for seed in 0..2 {
            let err = r.estimates[0].per_seed[seed].as_ref().unwrap_err();
            assert!(err.contains("capacity overflow"), "{err}");
        }
        assert_eq!(r.runs["p"].failures.len(), 2);
        assert!(!r.interrupted);
    }

    /// A cancelled execution starts no job and reports every seed as unfinished.
    #[test]
    fn a_cancelled_execution_starts_nothing() {
        let o = opts();
        o.cancel.cancel();
        let r = execute(&program(10), &o);
        assert!(r.interrupted);
        assert_eq!(r.runs["p"].unfinished, vec![0, 1]);
        assert!(r.estimates[0].per_seed.iter().all(|e| e.is_err()));
    }
}
