//! A cancellation flag shared by the workers of one execution: set from a signal handler (or
//! a test), read between training steps and before each job. A cancelled execution finishes
//! nothing more; what finished before is kept and reported as such.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}
