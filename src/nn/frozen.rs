//! A distribution seen through a trained critic's frozen encoders: (g(x), h(y)) for (x, y)
//! drawn from a base distribution, labels kept. What `encode(DATA, with: RUN)` becomes for one
//! seed once that seed's encoders are trained. When both encoders are invertible, the MI (and
//! I(z; label)) is the base's; otherwise it is unknown.

use std::sync::Arc;

use candle_core::{Device, Tensor};

use super::Critic;
use crate::dist::{Distribution, LabelSide, Part, Rng, Sample, Truth};

#[derive(Debug)]
pub struct Frozen {
    base: Arc<dyn Distribution>,
    critic: Critic,
    device: Device,
    dim_x: usize,
    dim_y: usize,
    invertible: bool,
    /// The base's training and held-out parts seen through the same encoders.
    parts: Option<(Arc<Frozen>, Arc<Frozen>)>,
}

impl Frozen {
    /// `critic` must embed both sides (separable or bilinear); `dim_x`, `dim_y` are its
    /// embedding widths on the base's inputs; `invertible` whether both encoders are.
    pub fn new(
        base: Arc<dyn Distribution>,
        critic: Critic,
        device: Device,
        (dim_x, dim_y): (usize, usize),
        invertible: bool,
    ) -> Self {
        let view = |base: Arc<dyn Distribution>| Frozen {
            base,
            critic: critic.clone(),
            device: device.clone(),
            dim_x,
            dim_y,
            invertible,
            parts: None,
        };
        let parts = match (base.part(Part::Train), base.part(Part::HeldOut)) {
            (Some(t), Some(h)) => Some((Arc::new(view(t)), Arc::new(view(h)))),
            _ => None,
        };
        Frozen {
            parts,
            ..view(base)
        }
    }

    /// The embeddings of a base sample.
    fn encode(&self, s: Sample) -> candle_core::Result<Sample> {
        let side = |v: &[f64], d: usize| -> candle_core::Result<Tensor> {
            let v: Vec<f32> = v.iter().map(|&a| a as f32).collect();
            Tensor::from_vec(v, (s.n, d), &self.device)
        };
        let (x, y) = (side(&s.x, s.dim_x)?, side(&s.y, s.dim_y)?);
        let no_encoder = || candle_core::Error::Msg("the critic has no encoders".into());
        let zx = self.critic.embed_x(&x).ok_or_else(no_encoder)??;
        let zy = self.critic.embed_y(&y).ok_or_else(no_encoder)??;
        let flat = |t: Tensor| -> candle_core::Result<Vec<f64>> {
            Ok(t.flatten_all()?
                .to_vec1::<f32>()?
                .into_iter()
                .map(f64::from)
                .collect())
        };
        Ok(Sample {
            n: s.n,
            dim_x: self.dim_x,
            dim_y: self.dim_y,
            x: flat(zx)?,
            y: flat(zy)?,
        })
    }
}

impl Distribution for Frozen {
    fn dim_x(&self) -> usize {
        self.dim_x
    }
    fn dim_y(&self) -> usize {
        self.dim_y
    }
    fn sample(&self, n: usize, rng: &mut Rng) -> Sample {
        let s = self.base.sample(n, rng);
        // Widths were checked when the file was; a failure here is a bug, which the job that
        // called it reports as that seed's failure.
        self.encode(s)
            .expect("encoding a sample through a frozen encoder")
    }
    fn truth(&self) -> Truth {
        if self.truth_known() {
            self.base.truth()
        } else {
            Truth {
                value: f64::NAN,
                std_err: f64::NAN,
            }
        }
    }
    fn truth_known(&self) -> bool {
        self.invertible && self.base.truth_known()
    }
    fn pointwise_mi(&self, _x: &[f64], _y: &[f64]) -> Option<f64> {
        None
    }
    fn source(&self) -> Option<String> {
        self.base.source()
    }
    fn classes(&self) -> usize {
        self.base.classes()
    }
    fn label_truth(&self, side: LabelSide) -> Option<Truth> {
        self.invertible
            .then(|| self.base.label_truth(side))
            .flatten()
    }
    fn part(&self, part: Part) -> Option<Arc<dyn Distribution>> {
        crate::dist::pick_part(self.parts.as_ref(), part)
    }
    fn rows(&self, part: Option<Part>) -> Option<usize> {
        self.base.rows(part)
    }
    fn sample_labelled(&self, n: usize, rng: &mut Rng) -> Option<(Sample, Vec<usize>)> {
        let (s, labels) = self.base.sample_labelled(n, rng)?;
        let z = self
            .encode(s)
            .expect("encoding a sample through a frozen encoder");
        Some((z, labels))
    }
}
