//! `encode(data, with: run)`: a trained run's frozen encoders as data. The embeddings
//! (g(x), h(y)) of `data` through the critic encoders of each seed of `run`, labels kept, usable
//! wherever a run or probe samples data. Their MI is `data`'s when both encoders are invertible,
//! and unknown otherwise.

use std::sync::Arc;

use crate::dist::DataDecl;
use crate::ir::{
    typed_params, Default, Encoded, Entry, Kind, ParamError, ParamErrorKind, Range, RunData,
    RunSpec, Value,
};

typed_params! {
    pub struct EncodeArgs {
        data: RunData = Default::Required, Range::ANY,
            "the inputs to embed (same widths as the run's data)";
        with: Arc<RunSpec> = Default::Required, Range::ANY,
            "a trained run whose critic embeds both sides (separable or bilinear)";
        head: usize = Default::Num(0.0), Range::between(0.0, 64.0),
            "embed with the encoders below their last `head` layers (a projection head; mlp encoders)";
    }
}

pub static ENCODE: Entry = Entry::constructor(
    "encode",
    Kind::Data,
    "the embeddings (g(x), h(y)) of data through the frozen encoders of a trained run, seed by seed (seed i uses the run's seed i); labels kept; its MI is the data's when both encoders are invertible, unknown otherwise",
    EncodeArgs::PARAMS,
    |args| {
        let EncodeArgs {
            data,
            with: run,
            head,
        } = EncodeArgs::read(args)?;
        let critic = run.train().map(|t| &t.critic);
        let Some((g, h)) = critic.and_then(|c| c.encoders()) else {
            return Err(ParamError::new(
                ParamErrorKind::Conflict,
                "with",
                "this run has no encoders to embed data with",
            )
            .help("encode with a trained run whose critic is separable(...) or bilinear(...)"));
        };
        let trained_on = run.data();
        let (dx, dy) = (data.dist.dim_x(), data.dist.dim_y());
        let (want_x, want_y) = (trained_on.dist.dim_x(), trained_on.dist.dim_y());
        if (dx, dy) != (want_x, want_y) {
            return Err(ParamError::new(
                ParamErrorKind::Shape,
                "data",
                format!(
                    "the run's encoders take x {want_x} and y {want_y} wide, but this data is {dx} and {dy} wide"
                ),
            ));
        }
        let (dim_x, dim_y) = critic
            .map(|c| c.trunk_widths(dx, dy, head))
            .transpose()
            .map_err(|why| {
                ParamError::new(ParamErrorKind::Conflict, "head", why)
                    .help("`head: N` cuts the last N layers off an mlp encoder; use fewer")
            })?
            .unwrap_or((dx, dy));
        Ok(Value::Data(DataDecl::new(Encoded {
            head,
            dim_x,
            dim_y,
            invertible: g.spec.invertible() && h.spec.invertible(),
            base: data.0,
            run,
        })))
    },
);
