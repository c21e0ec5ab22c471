//! L5, training and evaluation: from a checked program (`ir::Program`) to per-seed results.
//! `fit` trains one seed of a run on candle; `eval` evaluates a trained critic on fresh
//! held-out samples; `execute` runs every (run, seed) job a program needs and collects the
//! per-seed estimates; `probe` reads labels off raw data or a trained run's representation. It reads only `ir` and the numerics, never the checker.

mod cache;
mod cancel;
mod device;
mod eval;
mod execute;
mod fast;
mod fit;
mod probe;
mod progress;
mod realise;

pub use cache::{check_writable, write_atomically, Cache};
pub use cancel::Cancel;
pub use device::{select_device, DeviceError};
pub use eval::{evaluate, Evaluation};
pub use execute::{
    execute, in_shard, planned_jobs, EstimateResults, ExecOptions, Results, RunOutcome, Scope,
    NOT_RUN,
};
pub use fast::{takes_fast_path, REFERENCE_ENV};
pub use fit::{fit, fit_on, TrainPath, Trained};
pub use probe::probe_value;
pub use progress::{JobProgress, Mode as ProgressMode, Progress};
