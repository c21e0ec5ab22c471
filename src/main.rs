//! The `mica` command line: run, check, test and list. Exit status 0 when every claim met its
//! expectation, 1 when some did not, 2 on an input error.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use mica::pipeline::{self, IoError, Source};
use mica::report::{self, Report};
use mica::train::ExecOptions;

// glibc's allocator returns large blocks to the kernel on every free, so the many
// megabyte-sized tensors of training and sampling each pay for fresh page faults (most of the
// system time we measured); mimalloc keeps and reuses them.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "mica",
    version,
    about = "Check claims about mutual information"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Train, evaluate and report the claims of one or more files.
    Run {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[command(flatten)]
        opts: RunOpts,
    },
    /// Parse and check files without training anything.
    Check {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Also show each run's estimated peak memory per job and work (from the declared sizes).
        #[arg(short, long)]
        verbose: bool,
    },
    /// Run every claim file in a folder as one suite.
    Test {
        dir: PathBuf,
        #[command(flatten)]
        opts: RunOpts,
    },
    /// Print rows drawn from a declared distribution as CSV (x0.., y0.., label), e.g. to make
    /// a data file whose truth is known.
    Sample {
        file: PathBuf,
        /// The declared data to draw from.
        data: String,
        #[arg(long, default_value_t = 500)]
        rows: usize,
        #[arg(long, default_value_t = 0)]
        seed: u64,
    },
    /// List distributions, encoders, critics, bounds and functions with their parameters.
    List,
    /// Print one quantity of a file per seed with its interval, without writing a claim, e.g.
    /// `mica show FILE 'estimate(r, batch: 1024)'`; trains only the runs it reads.
    Show {
        file: PathBuf,
        /// The quantity, as a claim would write it.
        quantity: String,
        #[command(flatten)]
        opts: RunOpts,
    },
    /// List the (run, seed) jobs of a file, split into shards for `run --shard i/N`.
    Plan {
        file: PathBuf,
        /// How many shares to split the jobs into.
        #[arg(long, default_value_t = 1, value_parser = at_least_one)]
        shards: u64,
        #[command(flatten)]
        opts: RunOpts,
    },
    /// Assemble the verdicts of files from their job cache alone (after `run --shard i/N`
    /// jobs); names the jobs that are missing instead of computing them.
    Report {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[command(flatten)]
        opts: RunOpts,
    },
    /// Delete the job cache of claim files (the `.mica-cache` folder beside each, or --cache).
    Clean {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The cache folder to delete instead of the one beside each file.
        #[arg(long)]
        cache: Option<PathBuf>,
    },
}

#[derive(Args, Clone)]
struct RunOpts {
    /// Device to train on: cpu, cuda or cuda:N.
    #[arg(long, default_value = "cpu")]
    device: String,
    /// File seed: every stream (data, initialisation, evaluation) derives from it.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Override the number of seeds of every run.
    #[arg(long, value_parser = at_least_one)]
    seeds: Option<u64>,
    /// Smoke run: a tenth of the training steps.
    #[arg(long)]
    quick: bool,
    /// Training jobs run side by side (default: available cores).
    #[arg(long, value_parser = at_least_one)]
    jobs: Option<u64>,
    /// Percentile-bootstrap intervals with N replicates instead of Student t (small or skewed samples).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(100..))]
    bootstrap: Option<u64>,
    /// Write the full report (per-seed values, intervals, traces) as JSON
    /// (docs/report-schema.md).
    #[arg(long)]
    json: Option<PathBuf>,
    /// Write an audit report in Markdown (a summary table, then each claim's evidence).
    #[arg(long)]
    markdown: Option<PathBuf>,
    /// Write JUnit XML: one test case per claim, failed when it missed its expectation.
    #[arg(long)]
    junit: Option<PathBuf>,
    /// Draw SVG figures into DIR: each run's held-out trace, each sweep claim's sides against
    /// the sweep variable, every estimate against the true MI.
    #[arg(long, value_name = "DIR")]
    plots: Option<PathBuf>,
    /// Run only the claims whose title contains PATTERN (ignoring case), and only the runs
    /// they need.
    #[arg(short = 'k', value_name = "PATTERN")]
    filter: Option<String>,
    /// Print only the summary table and the result line (no per-job lines, no details).
    #[arg(short, long, conflicts_with = "verbose")]
    quiet: bool,
    /// Print the details of every claim, not only of those that missed their expectation.
    #[arg(short, long)]
    verbose: bool,
    /// Keep finished jobs in DIR instead of `.mica-cache` beside each claim file.
    #[arg(long, value_name = "DIR", conflicts_with = "no_cache")]
    cache: Option<PathBuf>,
    /// Neither read nor write the job cache: compute everything.
    #[arg(long)]
    no_cache: bool,
    /// Run only share I of N of the jobs (see `mica plan`), into the cache, without a report;
    /// `mica report` assembles the verdicts once every share has run.
    #[arg(long, value_name = "I/N", value_parser = parse_shard, conflicts_with = "no_cache")]
    shard: Option<(usize, usize)>,
}

/// `I/N` with I < N.
fn parse_shard(s: &str) -> Result<(usize, usize), String> {
    let bad = || format!("`{s}` is not a shard: write I/N with 0 <= I < N, e.g. 0/4");
    let (i, n) = s.split_once('/').ok_or_else(bad)?;
    let (i, n): (usize, usize) = (
        i.trim().parse().map_err(|_| bad())?,
        n.trim().parse().map_err(|_| bad())?,
    );
    if n == 0 || i >= n {
        return Err(bad());
    }
    Ok((i, n))
}

impl RunOpts {
    /// The report files asked for, with what writes each.
    fn outputs(&self) -> Vec<(&Path, report::Format)> {
        [
            (&self.json, report::Format::Json),
            (&self.markdown, report::Format::Markdown),
            (&self.junit, report::Format::Junit),
        ]
        .into_iter()
        .filter_map(|(p, f)| p.as_deref().map(|p| (p, f)))
        .collect()
    }

    /// The jobs a run executes: one shard with `--shard I/N`, else all.
    fn scope(&self) -> mica::train::Scope {
        match self.shard {
            Some((index, count)) => mica::train::Scope::Shard { index, count },
            None => mica::train::Scope::All,
        }
    }

    /// The job cache of a claim file, unless `--no-cache`.
    fn cache_for(&self, file: &Path) -> Option<mica::train::Cache> {
        (!self.no_cache).then(|| mica::train::Cache {
            dir: cache_dir(file, self.cache.as_deref()),
        })
    }

    fn terminal(&self) -> report::Terminal {
        report::Terminal {
            detail: if self.quiet {
                report::Detail::Summary
            } else if self.verbose {
                report::Detail::All
            } else {
                report::Detail::Failures
            },
            colour: report::colour_wanted(),
        }
    }
}

/// A count that must be at least 1 (`--seeds`, `--jobs`).
fn at_least_one(s: &str) -> Result<u64, String> {
    match s.parse::<u64>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!(
            "`{s}` is not a whole number; give one of at least 1"
        )),
    }
}

fn main() -> ExitCode {
    // Parallelism comes from running jobs (run x seed) side by side, each on one thread: small
    // models train faster that way, and the numbers do not depend on --jobs. Set before any
    // thread starts; candle reads it at every matrix product.
    if std::env::var_os("RAYON_NUM_THREADS").is_none() {
        std::env::set_var("RAYON_NUM_THREADS", "1");
    }
    let cli = Cli::parse();
    match cli.command {
        Command::List => {
            print!("{}", mica::catalog::listing());
            ExitCode::SUCCESS
        }
        Command::Check { files, verbose } => check(&files, verbose),
        Command::Run { files, opts } => run(&files, &opts),
        Command::Test { dir, opts } => test(&dir, &opts),
        Command::Sample {
            file,
            data,
            rows,
            seed,
        } => sample(&file, &data, rows, seed),
        Command::Clean { files, cache } => clean(&files, cache.as_deref()),
        Command::Plan { file, shards, opts } => plan(&file, shards as usize, &opts),
        Command::Show {
            file,
            quantity,
            opts,
        } => show(&file, &quantity, &opts),
        Command::Report { files, opts } => {
            let refused: Vec<miette::Report> = [
                ("--shard", opts.shard.is_some()),
                ("--no-cache", opts.no_cache),
            ]
            .into_iter()
            .filter(|(_, given)| *given)
            .map(|(flag, _)| {
                let (command_line, span) = on_command_line(flag);
                miette::Report::new(pipeline::ReportFlagError {
                    flag: flag.into(),
                    command_line,
                    span,
                })
            })
            .collect();
            if !refused.is_empty() {
                print_reports(&refused);
                return ExitCode::from(2);
            }
            run_files_in(&files, &opts, mica::train::Scope::Cached)
        }
    }
}

/// The cache folder of a claim file: `--cache DIR`, or `.mica-cache` beside the file.
fn cache_dir(file: &Path, given: Option<&Path>) -> PathBuf {
    match given {
        Some(d) => d.to_path_buf(),
        None => file
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .join(".mica-cache"),
    }
}

/// `mica show FILE QUANTITY`: the file with a claim reading the quantity, run for that claim
/// alone (through the cache), printed per seed.
fn show(file: &Path, quantity: &str, opts: &RunOpts) -> ExitCode {
    let src = match pipeline::read_source(file) {
        Ok(s) => pipeline::with_shown(&s, quantity),
        Err(e) => {
            print_reports(&[miette::Report::new(e)]);
            return ExitCode::from(2);
        }
    };
    let program = match pipeline::compile_with_warnings(&src) {
        Ok((p, _)) => p.retain_claims(|c| c.title == pipeline::SHOW_TITLE),
        Err(errs) => {
            print_reports(&errs);
            return ExitCode::from(2);
        }
    };
    let mut exec = match exec_options(opts) {
        Ok(e) => e,
        Err(code) => return code,
    };
    exec.cache = opts.cache_for(file);
    stop_on_signals(&exec.cancel);
    let settings = mica::verdicts::Settings::default();
    let r = pipeline::run_program(&src.name, &program, &exec, &settings);
    if exec.cancel.is_cancelled() {
        return interrupted(&[], &r, exec.cache.is_some());
    }
    let Some(c) = r.claims.first() else {
        return ExitCode::from(2);
    };
    print!("{}", report::render_show(&r, c, quantity));
    ExitCode::SUCCESS
}

/// `mica plan FILE --shards N`: the jobs, and which shard runs each.
fn plan(file: &Path, shards: usize, opts: &RunOpts) -> ExitCode {
    let Some((src, program)) = load(file) else {
        return ExitCode::from(2);
    };
    let exec = match exec_options(opts) {
        Ok(e) => e,
        Err(code) => return code,
    };
    let program = match select_claims(vec![(src, program)], opts) {
        Ok(mut l) => l.remove(0).1,
        Err(code) => return code,
    };
    let jobs = mica::train::planned_jobs(&program, &exec);
    println!(
        "{}: {} jobs (run x seed) in {shards} shard{}",
        file.display(),
        jobs.len(),
        if shards == 1 { "" } else { "s" }
    );
    for i in 0..shards {
        let mine: Vec<String> = jobs
            .iter()
            .enumerate()
            .filter(|(j, _)| mica::train::in_shard(*j, i, shards))
            .map(|(_, (run, seed))| format!("{run} seed {seed}"))
            .collect();
        println!(
            "shard {i}/{shards} ({} jobs): {}",
            mine.len(),
            mine.join(", ")
        );
    }
    println!(
        "run each share with `mica run {0} --shard I/{shards}` (same cache folder, same options), then `mica report {0}`",
        file.display()
    );
    ExitCode::SUCCESS
}

/// `mica clean FILE...`: deletes the job cache each file uses.
fn clean(files: &[PathBuf], given: Option<&Path>) -> ExitCode {
    let mut dirs: Vec<PathBuf> = files.iter().map(|f| cache_dir(f, given)).collect();
    dirs.dedup();
    for d in dirs {
        match std::fs::remove_dir_all(&d) {
            Ok(()) => println!("removed {}", d.display()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                println!("{}: no cache", d.display())
            }
            Err(e) => {
                print_reports(&[write_error(&d, &e)]);
                return ExitCode::from(2);
            }
        }
    }
    ExitCode::SUCCESS
}

/// `mica sample FILE DATA`: rows of a declared distribution as CSV on stdout.
fn sample(file: &Path, name: &str, rows: usize, seed: u64) -> ExitCode {
    let Some((src, program)) = load(file) else {
        return ExitCode::from(2);
    };
    let Some(data) = program.data.get(name) else {
        let names: Vec<&str> = program.data.keys().map(|k| k.as_str()).collect();
        eprintln!(
            "{}: no data named `{name}` (declared: {})",
            src.name,
            names.join(", ")
        );
        return ExitCode::from(2);
    };
    if data.dist.deferred() || data.dist.rows(None).is_some() {
        eprintln!(
            "{}: `{name}` is not a distribution mica can draw fresh rows from",
            src.name
        );
        return ExitCode::from(2);
    }
    let mut rng = mica::dist::stream(seed, 0, "sample");
    let (s, labels) = match data.dist.sample_labelled(rows, &mut rng) {
        Some((s, l)) => (s, Some(l)),
        None => (data.dist.sample(rows, &mut rng), None),
    };
    let mut header: Vec<String> = (0..s.dim_x)
        .map(|i| format!("x{i}"))
        .chain((0..s.dim_y).map(|i| format!("y{i}")))
        .collect();
    if labels.is_some() {
        header.push("label".into());
    }
    let mut out = header.join(",") + "\n";
    for i in 0..s.n {
        let mut row: Vec<String> = s.x[i * s.dim_x..(i + 1) * s.dim_x]
            .iter()
            .chain(&s.y[i * s.dim_y..(i + 1) * s.dim_y])
            .map(|v| v.to_string())
            .collect();
        if let Some(l) = &labels {
            row.push(l[i].to_string());
        }
        out.push_str(&row.join(","));
        out.push('\n');
    }
    print!("{out}");
    ExitCode::SUCCESS
}

fn print_reports(reports: &[miette::Report]) {
    for r in reports {
        eprintln!("{r:?}\n");
    }
}

/// Reads and checks a file, printing its diagnostics; `None` on an input error.
fn load(path: &Path) -> Option<(Source, mica::ir::Program)> {
    let src = match pipeline::read_source(path) {
        Ok(s) => s,
        Err(e) => {
            print_reports(&[miette::Report::new(e)]);
            return None;
        }
    };
    match pipeline::compile_with_warnings(&src) {
        Ok((p, warnings)) => {
            print_reports(&warnings);
            Some((src, p))
        }
        Err(errs) => {
            print_reports(&errs);
            eprintln!(
                "{}: {} problem{} found; nothing was trained",
                src.name,
                errs.len(),
                if errs.len() == 1 { "" } else { "s" }
            );
            None
        }
    }
}

fn check(files: &[PathBuf], verbose: bool) -> ExitCode {
    let mut failed = false;
    for f in files {
        match load(f) {
            Some((src, p)) => {
                println!(
                    "{}: ok ({} claims, {} runs, {} estimates)",
                    src.name,
                    p.claims.len(),
                    p.runs.len(),
                    p.estimates.len()
                );
                if verbose {
                    print!("{}", report::cost_table(&p));
                }
            }
            None => failed = true,
        }
    }
    if failed {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    }
}

fn exec_options(opts: &RunOpts) -> Result<ExecOptions, ExitCode> {
    let device = mica::train::select_device(&opts.device).map_err(|e| {
        print_reports(&[miette::Report::new(e)]);
        ExitCode::from(2)
    })?;
    let jobs = opts.jobs.map(|j| j as usize).unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    Ok(ExecOptions {
        file_seed: opts.seed,
        device,
        seeds: opts.seeds.map(|s| s as usize),
        quick: opts.quick,
        jobs,
        progress: !opts.quiet,
        cancel: Default::default(),
        cache: None,
        scope: opts.scope(),
    })
}

/// Refuses an unwritable report path before any training starts (creating nothing there).
fn check_output(opts: &RunOpts) -> Result<(), ExitCode> {
    for (path, _) in opts.outputs() {
        report::check_writable(path).map_err(|e| {
            print_reports(&[write_error(path, &e)]);
            ExitCode::from(2)
        })?;
    }
    if let Some(dir) = &opts.plots {
        std::fs::create_dir_all(dir)
            .and_then(|()| report::check_writable(&dir.join("figure.svg")))
            .map_err(|e| {
                print_reports(&[write_error(dir, &e)]);
                ExitCode::from(2)
            })?;
    }
    Ok(())
}

/// The command line as a source, and the span of the last occurrence of `text` in it (its
/// start when it is not there as written, e.g. `--shard=0/2`).
fn on_command_line(text: &str) -> (miette::NamedSource<String>, miette::SourceSpan) {
    let args: Vec<String> = std::env::args().collect();
    let line = args.join(" ");
    let span = match line.rfind(text) {
        Some(start) => (start, text.len()),
        None => (0, 0),
    };
    (miette::NamedSource::new("command line", line), span.into())
}

/// `mica::io::write`, pointing at the path on the command line.
fn write_error(path: &Path, e: &std::io::Error) -> miette::Report {
    let p = path.display().to_string();
    let (command_line, span) = on_command_line(&p);
    miette::Report::new(pipeline::WriteError {
        path: p,
        reason: e.to_string(),
        command_line,
        span,
    })
}

/// Writes the report files (atomically) and prints the summary line; a write that fails (a
/// full disk) is a coded input error, and the summary is still printed.
fn finish(
    reports: &[Report],
    programs: &[mica::ir::Program],
    opts: &RunOpts,
    input_error: bool,
) -> ExitCode {
    let mut write_failed = false;
    let mut figures = Vec::new();
    if let Some(dir) = &opts.plots {
        let pairs: Vec<_> = reports.iter().zip(programs).collect();
        match report::write_plots(&pairs, dir) {
            Ok(paths) => {
                eprintln!("{} figures in {}", paths.len(), dir.display());
                figures = paths;
            }
            Err(e) => {
                print_reports(&[write_error(dir, &e)]);
                write_failed = true;
            }
        }
    }
    for (path, format) in opts.outputs() {
        if let Err(e) = report::write(reports, format, path, &figures) {
            print_reports(&[write_error(path, &e)]);
            write_failed = true;
        }
    }
    let passed: usize = reports.iter().map(|r| r.met()).sum();
    let total: usize = reports.iter().map(|r| r.claims.len()).sum();
    println!("{}", report::summary_line(passed, total - passed));
    if input_error || write_failed {
        ExitCode::from(2)
    } else if passed == total {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// Checks every file first (nothing trains unless all check clean), then runs them.
fn run_files(files: &[PathBuf], opts: &RunOpts) -> ExitCode {
    run_files_in(files, opts, opts.scope())
}

/// `run_files` with the jobs `scope` allows: all, one shard (no report), or the cache alone.
fn run_files_in(files: &[PathBuf], opts: &RunOpts, scope: mica::train::Scope) -> ExitCode {
    if let Err(code) = check_output(opts) {
        return code;
    }
    let mut exec = match exec_options(opts) {
        Ok(e) => e,
        Err(code) => return code,
    };
    exec.scope = scope;
    let loaded: Vec<_> = files.iter().map(|f| load(f)).collect();
    if loaded.iter().any(|l| l.is_none()) {
        return ExitCode::from(2);
    }
    let loaded = match select_claims(loaded.into_iter().flatten().collect(), opts) {
        Ok(l) => l,
        Err(code) => return code,
    };
    stop_on_signals(&exec.cancel);
    let terminal = opts.terminal();
    let mut reports = Vec::new();
    let mut programs = Vec::new();
    for (src, program) in loaded {
        if !opts.quiet {
            eprintln!("running {} ...", src.name);
        }
        let settings = mica::verdicts::Settings {
            bootstrap: opts.bootstrap.map(|b| b as usize),
            ..Default::default()
        };
        let exec = ExecOptions {
            cache: opts.cache_for(Path::new(&src.name)),
            ..exec.clone()
        };
        let r = pipeline::run_program(&src.name, &program, &exec, &settings);
        if exec.cancel.is_cancelled() {
            return interrupted(&reports, &r, exec.cache.is_some());
        }
        if let mica::train::Scope::Shard { index, count } = scope {
            let mine = (0..mica::train::planned_jobs(&program, &exec).len())
                .filter(|&j| mica::train::in_shard(j, index, count))
                .count();
            let cached: usize = r.runs.values().map(|run| run.cached.len()).sum();
            println!(
                "{}: shard {index}/{count} done ({mine} jobs, {cached} of them already cached); `mica report {}` once every shard has run",
                src.name, src.name
            );
            continue;
        }
        if !r.missing.is_empty() {
            let list: Vec<String> = r
                .missing
                .iter()
                .map(|(run, seed)| format!("{run} seed {seed}"))
                .collect();
            eprintln!(
                "{}: the cache lacks {} of the jobs: {}\nrun them with `mica run` (or the missing `--shard I/N`), then report again",
                src.name,
                list.len(),
                list.join(", ")
            );
            return ExitCode::from(2);
        }
        print!("{}", report::render_terminal(&r, &terminal));
        println!();
        reports.push(r);
        programs.push(program);
    }
    if matches!(scope, mica::train::Scope::Shard { .. }) {
        // A share writes only the cache: the report comes from `mica report`.
        return ExitCode::SUCCESS;
    }
    finish(&reports, &programs, opts, false)
}

/// With `-k PATTERN`, each file keeps only the claims whose title contains the pattern
/// (ignoring case) and the estimates they read; files left without claims are skipped, and a
/// pattern that matches nothing anywhere is an input error.
fn select_claims(
    loaded: Vec<(Source, mica::ir::Program)>,
    opts: &RunOpts,
) -> Result<Vec<(Source, mica::ir::Program)>, ExitCode> {
    let Some(pattern) = &opts.filter else {
        return Ok(loaded);
    };
    let needle = pattern.to_lowercase();
    let total: usize = loaded.iter().map(|(_, p)| p.claims.len()).sum();
    let kept: Vec<_> = loaded
        .into_iter()
        .map(|(src, p)| {
            let p = p.retain_claims(|c| c.title.to_lowercase().contains(&needle));
            (src, p)
        })
        .filter(|(_, p)| !p.claims.is_empty())
        .collect();
    if kept.is_empty() {
        print_reports(&[miette::Report::new(IoError::NoClaimMatches {
            pattern: pattern.clone(),
            claims: total,
        })]);
        return Err(ExitCode::from(2));
    }
    Ok(kept)
}

/// SIGINT and SIGTERM stop the run: no job starts after the first, training stops at its
/// next step, and `interrupted` says what finished. A second signal exits at once.
fn stop_on_signals(cancel: &mica::train::Cancel) {
    let cancel = cancel.clone();
    // Fails only if a handler is already installed (a second call in one process).
    let _ = ctrlc::set_handler(move || {
        if cancel.is_cancelled() {
            std::process::exit(130);
        }
        cancel.cancel();
        eprintln!("\nstopping: finishing no more jobs (signal again to quit at once)");
    });
}

/// Reports an interrupted run: what finished, and that nothing was written. The files
/// already reported were printed in full; their report files are not written either, since
/// one report covers the whole command.
fn interrupted(done: &[Report], stopped: &Report, cached: bool) -> ExitCode {
    eprint!("{}", report::interrupted_summary(stopped));
    // Claims whose every seed finished are decided; the others read a job that did not run.
    let (decided, not_run): (Vec<_>, Vec<_>) = stopped.claims.iter().cloned().partition(|c| {
        !c.evidence.iter().any(|e| {
            e.reason
                .as_deref()
                .is_some_and(|r| r.contains(mica::train::NOT_RUN))
        })
    });
    if !decided.is_empty() {
        let partial = Report {
            claims: decided,
            ..stopped.clone()
        };
        eprint!(
            "claims the finished jobs decide:\n{}",
            report::summary_table(&partial, false)
        );
    }
    if !not_run.is_empty() {
        let titles: Vec<&str> = not_run.iter().map(|c| c.title.as_str()).collect();
        eprintln!("not run: {}", titles.join("; "));
    }
    if cached && stopped.runs.values().any(|r| r.unfinished.len() < r.seeds) {
        eprintln!("finished jobs are in the cache: running the file again resumes");
    }
    let met: usize = done.iter().map(|r| r.met()).sum();
    let total: usize = done.iter().map(|r| r.claims.len()).sum();
    let earlier = match done.len() {
        0 => String::new(),
        n => format!(
            "; {n} earlier file{} finished, shown above ({met} of {total} claims met)",
            if n == 1 { "" } else { "s" }
        ),
    };
    eprintln!("interrupted: no report was written and no file was changed{earlier}");
    ExitCode::from(130)
}

fn run(files: &[PathBuf], opts: &RunOpts) -> ExitCode {
    run_files(files, opts)
}

fn test(dir: &Path, opts: &RunOpts) -> ExitCode {
    let mut files = Vec::new();
    collect_mica(dir, &mut files);
    files.sort();
    if files.is_empty() {
        let e = if dir.is_dir() {
            IoError::EmptySuite {
                path: dir.display().to_string(),
            }
        } else {
            IoError::Read {
                path: dir.display().to_string(),
                reason: if dir.exists() {
                    "it is not a directory (use `mica run FILE` for one claim file)".into()
                } else {
                    "it does not exist".into()
                },
            }
        };
        print_reports(&[miette::Report::new(e)]);
        return ExitCode::from(2);
    }
    println!("suite {}: {} files", dir.display(), files.len());
    run_files(&files, opts)
}

fn collect_mica(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect_mica(&p, out);
        } else if p.extension().is_some_and(|x| x == "mica") {
            out.push(p);
        }
    }
}
