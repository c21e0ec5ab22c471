//! Realising `encode(...)` data for one seed: train that seed of the encoding run (realising
//! its own data first, for encodings of encodings), then see the base data through the trained
//! critic's frozen encoders. Runs and probes call this before they sample, so nothing else
//! needs to know that data can be deferred. The encoding run's seed i serves seed i of every
//! job that uses it, and it is retrained in each such job: deterministic (the same streams
//! give the same encoder), paid for in time.

use std::sync::Arc;

use super::progress::JobProgress;
use super::{fit, ExecOptions};
use crate::dist::{finite::Finite, loaded::Loaded, DataDecl, DataRef};
use crate::ir::{Encoded, Method, ProbeSource, ProbeSpec, RunData, RunSpec};
use crate::nn::frozen::Frozen;

/// Why data could not be realised.
#[derive(Debug, Clone)]
pub enum Unrealised {
    /// The execution was cancelled while the encoder trained.
    Interrupted,
    Failed(String),
}

/// `data` itself, or for `encode(...)` data its embeddings through seed `seed`'s encoders, or
/// for `finite(...)` data the rows seed `seed` draws.
pub fn realise(data: &DataRef, opts: &ExecOptions, seed: usize) -> Result<DataRef, Unrealised> {
    if let Some(f) = data.dist.as_any().downcast_ref::<Finite>() {
        let base = realise(&f.base, opts, seed)?;
        // One stream per (file, seed): every run of the file sees the same rows for seed i.
        let mut rng = crate::dist::stream(opts.file_seed, seed, "finite");
        let what = if base.name.is_empty() {
            "the data".to_string()
        } else {
            format!("`{}`", base.name)
        };
        let rows = Loaded::drawn(
            format!("{} pairs of {what} drawn for seed {seed}", f.samples),
            base.dist.clone(),
            f.samples,
            f.held_out,
            &mut rng,
        );
        return Ok(Arc::new(DataDecl {
            name: data.name.clone(),
            dist: Arc::new(rows),
        }));
    }
    let Some(enc) = data.dist.as_any().downcast_ref::<Encoded>() else {
        return Ok(data.clone());
    };
    let run = realise_run(&enc.run, opts, seed)?;
    let what = |why: String| {
        Unrealised::Failed(format!(
            "the encoder `{}` of seed {seed} {why}",
            enc.run.name
        ))
    };
    let trained = fit(
        &run,
        opts.steps(run.steps()),
        opts.file_seed,
        seed,
        &opts.device,
        &opts.cancel,
        &JobProgress::none(),
    )
    .map_err(|e| what(format!("failed to train: {e}")))?;
    if trained.interrupted {
        return Err(Unrealised::Interrupted);
    }
    if let Some(d) = trained.diverged {
        return Err(what(format!("diverged: {d}")));
    }
    let base = realise(&enc.base, opts, seed)?;
    let critic = trained
        .critic
        .without_head(enc.head)
        .ok_or_else(|| what(format!("has no head of {} to cut off", enc.head)))?;
    Ok(Arc::new(DataDecl {
        name: data.name.clone(),
        dist: Arc::new(Frozen::new(
            base.dist.clone(),
            critic,
            opts.device.clone(),
            (enc.dim_x, enc.dim_y),
            enc.invertible,
        )),
    }))
}

/// The run with its data realised for seed `seed` (the run itself when nothing is deferred).
pub fn realise_run(
    spec: &Arc<RunSpec>,
    opts: &ExecOptions,
    seed: usize,
) -> Result<Arc<RunSpec>, Unrealised> {
    if !spec.data().dist.deferred() {
        return Ok(spec.clone());
    }
    let data = realise(spec.data(), opts, seed)?;
    let mut run = (**spec).clone();
    match &mut run.method {
        Method::Train(t) => t.data = RunData(data),
        Method::Nonparam(n) => n.data = data,
    }
    Ok(Arc::new(run))
}

/// The probe with every distribution it samples realised for seed `seed`; `run` is the
/// probe's run already realised for this seed, if the caller has it.
pub fn realise_probe(
    spec: &ProbeSpec,
    run: Option<&Arc<RunSpec>>,
    opts: &ExecOptions,
    seed: usize,
) -> Result<ProbeSpec, Unrealised> {
    let mut probe = spec.clone();
    probe.source = match (&spec.source, run) {
        (ProbeSource::Run(_), Some(r)) => ProbeSource::Run(r.clone()),
        (ProbeSource::Run(r), None) => ProbeSource::Run(realise_run(r, opts, seed)?),
        (ProbeSource::Data { data, seeds }, _) => ProbeSource::Data {
            data: realise(data, opts, seed)?,
            seeds: *seeds,
        },
    };
    probe.on = spec
        .on
        .as_ref()
        .map(|d| realise(d, opts, seed))
        .transpose()?;
    Ok(probe)
}
