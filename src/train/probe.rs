//! Probe accuracies per seed: a labelled sample to fit on and a fresh one to score, read as
//! raw x coordinates or as a trained run's frozen x embeddings. Every run's seed i reads the
//! same two samples (one stream per seed and sample sizes), so probes of different runs are
//! paired by seed like estimates.

use candle_core::{Device, Tensor};

use super::fit::to_tensors;
use super::Evaluation;
use crate::dist::{self, Sample};
use crate::ir::{ProbeSpec, EVAL_CHUNK_PAIRS};
use crate::nn::probe::{self, Labelled};
use crate::nn::Critic;

/// The accuracy of `spec` at seed `seed`, through `critic`'s x encoder when given.
pub fn probe_accuracy(
    spec: &ProbeSpec,
    critic: Option<&Critic>,
    file_seed: u64,
    seed: usize,
    device: &Device,
) -> Result<Evaluation, String> {
    let data = &spec.data().dist;
    let classes = data.classes();
    let mut rng = dist::stream(
        file_seed,
        seed,
        &format!("probe/{}/{}", spec.train, spec.test),
    );
    let mut draw = |n: usize| {
        data.sample_labelled(n, &mut rng)
            .ok_or_else(|| format!("`{}`: the data carries no labels", spec.label))
    };
    let (train, train_labels) = draw(spec.train)?;
    let (test, test_labels) = draw(spec.test)?;
    let features = |s: &Sample, labels: Vec<usize>| -> Result<Labelled, String> {
        let (x, d) = match critic {
            None => (s.x.clone(), s.dim_x),
            Some(c) => embed(c, s, device).map_err(|e| format!("`{}`: {e}", spec.label))?,
        };
        Ok(Labelled {
            n: s.n,
            d,
            x,
            labels,
        })
    };
    let (train, test) = (
        features(&train, train_labels)?,
        features(&test, test_labels)?,
    );
    if let Some(bad) = train.x.iter().chain(&test.x).find(|v| !v.is_finite()) {
        return Err(format!(
            "`{}`: the representation has a non-finite value ({bad}) at seed {seed}",
            spec.label
        ));
    }
    let acc = probe::accuracy(spec.model, &train, &test, classes, device)
        .map_err(|e| format!("`{}` failed: {e}", spec.label))?;
    Ok(Evaluation {
        mean: acc,
        // The binomial error of the test sample.
        std_err: (acc * (1.0 - acc) / spec.test as f64).sqrt(),
        batches: spec.test,
    })
}

/// The critic's x embeddings of a sample, in chunks, as a row-major f64 matrix and its width.
fn embed(critic: &Critic, s: &Sample, device: &Device) -> candle_core::Result<(Vec<f64>, usize)> {
    let (x, _) = to_tensors(s, device)?;
    let mut out = Vec::new();
    let mut width = 0;
    let mut start = 0;
    while start < s.n {
        let len = EVAL_CHUNK_PAIRS.min(s.n - start);
        let chunk = x.narrow(0, start, len)?;
        let Some(z) = critic.embed_x(&chunk) else {
            candle_core::bail!("the run's critic has no x encoder to read")
        };
        let z: Tensor = z?;
        width = z.dim(1)?;
        out.extend(
            z.flatten_all()?
                .to_vec1::<f32>()?
                .into_iter()
                .map(f64::from),
        );
        start += len;
    }
    Ok((out, width))
}
