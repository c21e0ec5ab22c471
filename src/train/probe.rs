//! Probes per seed: an accuracy (a labelled sample to fit on and a fresh one to score, read
//! as raw x coordinates or as a trained run's frozen x embeddings), or the alignment and
//! uniformity of a run's embeddings of fresh pairs. Every run's seed i reads the same samples
//! (one stream per seed and sample sizes), so probes of different runs are paired by seed like
//! estimates.

use candle_core::{Device, Tensor};

use super::fit::to_tensors;
use super::Evaluation;
use crate::dist::{self, Sample};
use crate::ir::{Measure, ProbeSpec, EVAL_CHUNK_PAIRS};
use crate::nn::probe::{self, Labelled};
use crate::nn::Critic;
use crate::nonparam::{ksg::Ksg, Estimator};

/// The value of `spec` at seed `seed`, through `critic`'s encoders when given.
pub fn probe_value(
    spec: &ProbeSpec,
    critic: Option<&Critic>,
    file_seed: u64,
    seed: usize,
    device: &Device,
) -> Result<Evaluation, String> {
    match (spec.measure, critic) {
        (Measure::Accuracy(model), _) => accuracy(spec, model, critic, file_seed, seed, device),
        (Measure::Align | Measure::Uniform(_) | Measure::Ksg(_), Some(c)) => {
            geometry(spec, c, file_seed, seed, device)
        }
        (Measure::Align | Measure::Uniform(_) | Measure::Ksg(_), None) => {
            Err(format!("`{}` needs a trained run's encoders", spec.label))
        }
    }
}

/// Alignment, uniformity or the KSG estimate of the run's embeddings of `spec.test` fresh
/// pairs (normalised for alignment and uniformity).
fn geometry(
    spec: &ProbeSpec,
    critic: &Critic,
    file_seed: u64,
    seed: usize,
    device: &Device,
) -> Result<Evaluation, String> {
    let mut rng = dist::stream(file_seed, seed, &format!("geometry/{}", spec.test));
    let s = spec
        .data()
        .dist
        .sample_part(dist::Part::HeldOut, spec.test, &mut rng);
    let fail = |e: candle_core::Error| format!("`{}`: {e}", spec.label);
    let (zx, d) = embed(critic, &s, Side::X, device).map_err(fail)?;
    let value = match spec.measure {
        Measure::Uniform(t) => probe::uniformity(&zx, d, t),
        Measure::Ksg(k) => {
            let (zy, dy) = embed(critic, &s, Side::Y, device).map_err(fail)?;
            Ksg::new(k).estimate(&Sample {
                n: s.n,
                dim_x: d,
                dim_y: dy,
                x: zx,
                y: zy,
            })
        }
        _ => {
            let (zy, dy) = embed(critic, &s, Side::Y, device).map_err(fail)?;
            if dy != d {
                return Err(format!(
                    "`{}`: x embeds {d} wide but y {dy} wide",
                    spec.label
                ));
            }
            probe::alignment(&zx, &zy, d)
        }
    };
    if !value.is_finite() {
        return Err(format!("`{}` is {value} at seed {seed}", spec.label));
    }
    Ok(Evaluation {
        mean: value,
        std_err: f64::NAN,
        batches: spec.test,
    })
}

/// A probe's accuracy at one seed.
fn accuracy(
    spec: &ProbeSpec,
    model: probe::ProbeModel,
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
    // A user's rows are split: the probe is fit on the training part, scored on the held-out.
    let mut draw = |part: dist::Part, n: usize| {
        data.sample_labelled_part(part, n, &mut rng)
            .ok_or_else(|| format!("`{}`: the data carries no labels", spec.label))
    };
    let (train, train_labels) = draw(dist::Part::Train, spec.train)?;
    let (test, test_labels) = draw(dist::Part::HeldOut, spec.test)?;
    let features = |s: &Sample, labels: Vec<usize>| -> Result<Labelled, String> {
        let (x, d) = match critic {
            None => (s.x.clone(), s.dim_x),
            Some(c) => {
                embed(c, s, Side::X, device).map_err(|e| format!("`{}`: {e}", spec.label))?
            }
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
    let acc = probe::accuracy(model, &train, &test, classes, device)
        .map_err(|e| format!("`{}` failed: {e}", spec.label))?;
    Ok(Evaluation {
        mean: acc,
        // The binomial error of the test sample.
        std_err: (acc * (1.0 - acc) / spec.test as f64).sqrt(),
        batches: spec.test,
    })
}

#[derive(Debug, Clone, Copy)]
enum Side {
    X,
    Y,
}

/// The critic's embeddings of one side of a sample, in chunks, as a row-major f64 matrix and
/// its width.
fn embed(
    critic: &Critic,
    s: &Sample,
    side: Side,
    device: &Device,
) -> candle_core::Result<(Vec<f64>, usize)> {
    let (x, y) = to_tensors(s, device)?;
    let x = match side {
        Side::X => x,
        Side::Y => y,
    };
    let mut out = Vec::new();
    let mut width = 0;
    let mut start = 0;
    while start < s.n {
        let len = EVAL_CHUNK_PAIRS.min(s.n - start);
        let chunk = x.narrow(0, start, len)?;
        let z = match side {
            Side::X => critic.embed_x(&chunk),
            Side::Y => critic.embed_y(&chunk),
        };
        let Some(z) = z else {
            candle_core::bail!("the run's critic has no encoder to read")
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
