//! L1 (above dist), encoders, critics and probes on candle. Specs (what a file declares) are plain
//! data; `build` turns a spec into a module with freshly initialised, seeded parameters.

pub mod baseline;
pub mod critic;
pub mod density;
pub mod encoder;
pub mod fast;
pub mod frozen;
mod layers;
pub mod probe;

pub use baseline::{Baseline, BaselineSpec};
pub use critic::{Critic, CriticSpec};
pub use encoder::{Activation, Encoder, EncoderDecl, EncoderRef, EncoderSpec};
pub use layers::{clip_scale, Params};
