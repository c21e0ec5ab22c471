//! Live progress while a file runs. On a terminal: a bar for the file (jobs done, elapsed,
//! ETA) and one per running job (run, seed, step of steps, the latest held-out estimate,
//! steps/s, ETA), redrawn a few times a second by indicatif; finished jobs leave one line above
//! the bars. When stderr is not a terminal (a log, CI): one plain line per finished job. Quiet:
//! nothing.

use std::io::IsTerminal as _;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Quiet,
    /// One line per finished job.
    Lines,
    /// Live bars.
    Bars,
}

impl Mode {
    /// Bars when stderr is a terminal, lines otherwise; nothing when `show` is false.
    pub fn detect(show: bool) -> Mode {
        match (show, std::io::stderr().is_terminal()) {
            (false, _) => Mode::Quiet,
            (true, true) => Mode::Bars,
            (true, false) => Mode::Lines,
        }
    }
}

/// The progress display of one execution.
pub struct Progress {
    mode: Mode,
    multi: MultiProgress,
    file: ProgressBar,
}

impl Progress {
    pub fn new(mode: Mode, jobs: usize) -> Progress {
        let multi = MultiProgress::with_draw_target(match mode {
            Mode::Bars => ProgressDrawTarget::stderr_with_hz(4),
            Mode::Quiet | Mode::Lines => ProgressDrawTarget::hidden(),
        });
        let file = multi.add(ProgressBar::new(jobs as u64));
        file.set_style(
            ProgressStyle::with_template(
                "{prefix:.bold} [{bar:30}] {pos}/{len} jobs, {elapsed} elapsed, ETA {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        file.set_prefix("all");
        if mode == Mode::Bars {
            // Elapsed time and ETA move between finished jobs too.
            file.enable_steady_tick(std::time::Duration::from_millis(500));
        }
        Progress { mode, multi, file }
    }

    /// A job starts: its bar (on a terminal), `steps` long (0 for a job without training
    /// steps).
    pub fn start(&self, run: &str, seed: usize, steps: usize) -> JobProgress {
        let bar = (self.mode == Mode::Bars).then(|| {
            let bar = self
                .multi
                .insert_before(&self.file, ProgressBar::new(steps as u64));
            bar.set_style(
                ProgressStyle::with_template(
                    "  {prefix} [{bar:20}] step {pos}/{len} {msg} {rate} ETA {eta}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .with_key(
                    "rate",
                    |s: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                        let _ = write!(w, "{:.0} steps/s", s.per_sec());
                    },
                )
                .progress_chars("=> "),
            );
            bar.set_prefix(format!("{run} seed {seed}"));
            bar
        });
        JobProgress { bar }
    }

    /// A job finished: `line` says how (shown above the bars, or as a plain line); `None` for
    /// a job that was stopped or skipped.
    pub fn finish_job(&self, job: JobProgress, line: Option<&str>) {
        if let Some(b) = job.bar {
            b.finish_and_clear();
            self.multi.remove(&b);
        }
        match (self.mode, line) {
            (Mode::Bars, Some(line)) => {
                let _ = self.multi.println(line);
            }
            (Mode::Lines, Some(line)) => eprintln!("{line}"),
            _ => {}
        }
        self.file.inc(1);
    }

    /// Every job is done: the file's bar goes.
    pub fn done(&self) {
        self.file.finish_and_clear();
    }
}

/// One running job's bar.
pub struct JobProgress {
    bar: Option<ProgressBar>,
}

impl JobProgress {
    /// No display (a nested training, such as an encoder's upstream run).
    pub fn none() -> JobProgress {
        JobProgress { bar: None }
    }

    /// What the job does now, in place of the latest estimate (e.g. evaluating).
    pub fn phase(&self, what: &str) {
        if let Some(b) = &self.bar {
            b.set_message(what.to_string());
        }
    }

    /// The job reached `step`; `estimate` is a new held-out estimate, if one was measured.
    pub fn step(&self, step: usize, estimate: Option<f64>) {
        if let Some(b) = &self.bar {
            b.set_position(step as u64);
            if let Some(e) = estimate {
                b.set_message(format!("held-out {e:.3} nats"));
            }
        }
    }
}
