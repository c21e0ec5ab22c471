//! L7, the phases wired together for one file: read, parse, check, execute, decide, report. The
//! CLI and the integration tests both drive mica through here.

use std::path::Path;

use miette::{Diagnostic, NamedSource};
use thiserror::Error;

use crate::ir::Program;
use crate::report::Report;
use crate::train::{execute, ExecOptions};

/// A file's name and text.
#[derive(Debug, Clone)]
pub struct Source {
    pub name: String,
    pub text: String,
}

impl Source {
    /// The folder relative data paths in the file are read from: the file's own (the working
    /// directory for standard input).
    pub fn base_dir(&self) -> std::path::PathBuf {
        let path = std::path::Path::new(&self.name);
        match path.parent() {
            Some(p) if self.name != "-" && !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => std::path::PathBuf::from("."),
        }
    }

    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        Source {
            name: name.into(),
            text: text.into(),
        }
    }

    fn named(&self) -> NamedSource<String> {
        NamedSource::new(&self.name, self.text.clone())
    }

    /// A diagnostic about this file, with the file attached; one whose labels sit far into a
    /// long line quotes a window of that line instead (miette cannot pad past 65,535 columns,
    /// and a 10 MB line is no quote).
    fn report<D: Diagnostic + Send + Sync + 'static>(&self, d: D) -> miette::Report {
        match window(&d, self) {
            Some((excerpt, labels)) => miette::Report::new(Windowed {
                inner: Box::new(d),
                excerpt,
                labels,
            }),
            None => miette::Report::new(d).with_source_code(self.named()),
        }
    }
}

/// Lines longer than this are quoted as a window around the first label.
const LONG_LINE: usize = 200;
/// Bytes of context on each side of the label in a window.
const WINDOW_CONTEXT: usize = 60;

/// A diagnostic shown against a window of one long line.
#[derive(Debug)]
struct Windowed {
    inner: Box<dyn Diagnostic + Send + Sync>,
    excerpt: NamedSource<String>,
    labels: Vec<miette::LabeledSpan>,
}

/// The excerpt and shifted labels that show `d` against a window of its first label's line,
/// if that line is longer than `LONG_LINE`.
fn window(
    d: &dyn Diagnostic,
    src: &Source,
) -> Option<(NamedSource<String>, Vec<miette::LabeledSpan>)> {
    let labels: Vec<miette::LabeledSpan> = d.labels()?.collect();
    let first = labels.first()?;
    let text = &src.text;
    let at = first.offset().min(text.len());
    let line_start = text[..at].rfind('\n').map(|i| i + 1).unwrap_or(0);
    let line_end = text[at..].find('\n').map(|i| at + i).unwrap_or(text.len());
    if line_end - line_start <= LONG_LINE {
        return None;
    }
    let floor = |mut i: usize| {
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let from = floor(at.saturating_sub(WINDOW_CONTEXT).max(line_start));
    let label_end = (at + first.len().min(WINDOW_CONTEXT)).min(line_end);
    let to = floor((label_end + WINDOW_CONTEXT).min(line_end));
    let (pre, post) = (
        if from > line_start { "..." } else { "" },
        if to < line_end { "..." } else { "" },
    );
    let line_no = text[..line_start].matches('\n').count() + 1;
    let column = text[line_start..at].chars().count() + 1;
    let shift = |o: usize| o - from + pre.len();
    let labels = labels
        .iter()
        .filter(|l| l.offset() >= from && l.offset() <= to)
        .map(|l| {
            let len = l.len().min(to.saturating_sub(l.offset()));
            miette::LabeledSpan::new(l.label().map(str::to_string), shift(l.offset()), len)
        })
        .collect();
    let excerpt = NamedSource::new(
        format!(
            "{} (line {line_no}, column {column}, a window of a long line)",
            src.name
        ),
        format!("{pre}{}{post}", &text[from..to]),
    );
    Some((excerpt, labels))
}

impl std::fmt::Display for Windowed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&self.inner, f)
    }
}

impl std::error::Error for Windowed {}

impl Diagnostic for Windowed {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.inner.code()
    }
    fn severity(&self) -> Option<miette::Severity> {
        self.inner.severity()
    }
    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.inner.help()
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.excerpt)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }
}

/// Problems with files and paths (not with their contents).
#[derive(Debug, Error, Diagnostic)]
pub enum IoError {
    #[error("cannot read `{path}`: {reason}")]
    #[diagnostic(
        code(mica::io::read),
        help("check the path; mica reads UTF-8 text files ending in .mica")
    )]
    Read { path: String, reason: String },
    #[error("no claim files in `{path}`")]
    #[diagnostic(
        code(mica::io::empty_suite),
        help("a suite folder holds files ending in .mica")
    )]
    EmptySuite { path: String },
    #[error("no claim title contains `{pattern}` (of {claims} claims)")]
    #[diagnostic(
        code(mica::cli::no_claim_matches),
        help("-k keeps the claims whose title contains the pattern, ignoring case; `mica check -v FILE` lists nothing to match against, so look at the `claim \"...\"` lines of the file")
    )]
    NoClaimMatches { pattern: String, claims: usize },
}

/// An output path that cannot be written, pointed at on the command line.
#[derive(Debug, Error, Diagnostic)]
#[error("cannot write `{path}`: {reason}")]
#[diagnostic(
    code(mica::io::write),
    help("choose a path in a folder that exists and is writable")
)]
pub struct WriteError {
    pub path: String,
    pub reason: String,
    #[source_code]
    pub command_line: NamedSource<String>,
    #[label("this output path")]
    pub span: miette::SourceSpan,
}

/// A command-line flag that the command does not take, pointed at on the command line.
#[derive(Debug, Error, Diagnostic)]
#[error("`{flag}` does not apply to `mica report`")]
#[diagnostic(
    code(mica::cli::not_for_report),
    help("mica report assembles the verdicts from the cache that `mica run` or its `--shard I/N` runs filled; drop the flag, or train with `mica run`")
)]
pub struct ReportFlagError {
    pub flag: String,
    #[source_code]
    pub command_line: NamedSource<String>,
    #[label("reads nothing but the cache")]
    pub span: miette::SourceSpan,
}

/// Reads a claim file; `-` reads standard input. A UTF-8 byte-order mark is dropped; text
/// that is not UTF-8 is refused with the offset of the first bad byte.
pub fn read_source(path: &Path) -> Result<Source, IoError> {
    let name = path.display().to_string();
    let read_err = |reason: String| IoError::Read {
        path: name.clone(),
        reason,
    };
    let bytes = if path == Path::new("-") {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf)
            .map_err(|e| read_err(e.to_string()))?;
        buf
    } else if path.is_dir() {
        return Err(read_err(
            "it is a directory (use `mica test DIR` for a folder of claim files)".into(),
        ));
    } else {
        std::fs::read(path).map_err(|e| read_err(e.to_string()))?
    };
    let bytes = bytes
        .strip_prefix(b"\xEF\xBB\xBF".as_slice())
        .map(<[u8]>::to_vec)
        .unwrap_or(bytes);
    match String::from_utf8(bytes) {
        Ok(text) => Ok(Source::new(
            if name == "-" {
                "<stdin>".into()
            } else {
                name.clone()
            },
            text,
        )),
        Err(e) => Err(read_err(format!(
            "it is not UTF-8 text (the first bad byte is at offset {})",
            e.utf8_error().valid_up_to()
        ))),
    }
}

/// Parses and checks a file; on failure returns every diagnostic, with the source attached.
pub fn compile(src: &Source) -> Result<Program, Vec<miette::Report>> {
    compile_with_warnings(src).map(|(program, _)| program)
}

/// Parses and checks a file, returning the program with its warnings as reports to print
/// (they do not stop it running); on failure every diagnostic, with the source attached.
pub fn compile_with_warnings(
    src: &Source,
) -> Result<(Program, Vec<miette::Report>), Vec<miette::Report>> {
    // Parsing and checking recurse once per bracket level (at most `MAX_NESTING`); a thread
    // of its own with a generous stack keeps that bound safe whatever the caller's stack and
    // the build profile's frame sizes.
    std::thread::scope(|scope| {
        let worker = std::thread::Builder::new()
            .name("mica-check".into())
            .stack_size(FRONT_END_STACK)
            .spawn_scoped(scope, || compile_on_this_thread(src));
        match worker {
            Ok(handle) => handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            // No thread to be had: check on this one.
            Err(_) => compile_on_this_thread(src),
        }
    })
}

/// Stack for the front end's thread.
const FRONT_END_STACK: usize = 64 << 20;

fn compile_on_this_thread(
    src: &Source,
) -> Result<(Program, Vec<miette::Report>), Vec<miette::Report>> {
    let recovered = crate::syntax::parse_recovering(&src.text);
    let base_dir = src.base_dir();
    if !recovered.errors.is_empty() {
        // Every item's syntax error, and the checker's findings in the items that parsed.
        let checked = crate::check::check_recovered(
            &recovered.file,
            &src.text,
            &recovered.lost_names,
            &base_dir,
        );
        let mut found: Vec<(usize, miette::Report)> = recovered
            .errors
            .into_iter()
            .map(|e| (e.span().start, src.report(e)))
            .chain(
                checked
                    .into_iter()
                    .map(|e| (e.span().offset(), src.report(e))),
            )
            .collect();
        found.sort_by_key(|(at, _)| *at);
        return Err(found.into_iter().map(|(_, r)| r).collect());
    }
    let file = recovered.file;
    let checked = crate::check::check(&file, &src.text, &base_dir)
        .map_err(|errs| errs.into_iter().map(|e| src.report(e)).collect::<Vec<_>>())?;
    let warnings = checked
        .warnings
        .into_iter()
        .map(|w| src.report(w))
        .collect();
    Ok((checked.program, warnings))
}

/// The title of the claim `mica show` adds to a file to read one quantity.
pub const SHOW_TITLE: &str = "mica show";

/// The file with a claim that reads `quantity` appended (always true for a finite value), so
/// that checking, running and caching treat the quantity exactly as a claim's.
pub fn with_shown(src: &Source, quantity: &str) -> Source {
    Source::new(
        src.name.clone(),
        format!(
            "{}\nclaim \"{SHOW_TITLE}\": ({quantity}) > -1e300\n",
            src.text
        ),
    )
}

/// Parses and checks arbitrary bytes (invalid UTF-8 is read lossily), as the fuzz target in
/// tests/fuzz and its corpus test do; true if they check clean. It must never panic.
pub fn check_bytes(data: &[u8]) -> bool {
    let text = String::from_utf8_lossy(data);
    compile(&Source::new("fuzz", text.into_owned())).is_ok()
}

/// The user's data the program reads, each once, by the name it was declared with.
fn data_sources(program: &Program) -> Vec<(String, String)> {
    let declared = program.data.values().cloned();
    let used = program.runs.values().map(|r| r.data().clone());
    let probed = program.probes.iter().map(|p| p.data().clone());
    let mut out: Vec<(String, String)> = Vec::new();
    for d in declared.chain(used).chain(probed) {
        if let Some(source) = d.dist.source() {
            if !out.iter().any(|(_, s)| *s == source) {
                let name = if d.name.is_empty() {
                    "(inline)".to_string()
                } else {
                    d.name.clone()
                };
                out.push((name, source));
            }
        }
    }
    out
}

/// Trains, evaluates and decides a checked program.
pub fn run_program(
    name: &str,
    program: &Program,
    opts: &ExecOptions,
    settings: &crate::verdicts::Settings,
) -> Report {
    let results = execute(program, opts);
    let settings = crate::verdicts::Settings {
        seed: opts.file_seed,
        ..*settings
    };
    let claims = crate::verdicts::evaluate_claims(program, &results, &settings);
    let estimates = program
        .estimates
        .iter()
        .zip(&results.estimates)
        .map(|(spec, r)| (spec.label.clone(), r.values()))
        .chain(
            program
                .probes
                .iter()
                .zip(&results.probes)
                .map(|(spec, r)| (spec.label.clone(), r.values())),
        )
        .collect();
    Report {
        file: name.to_string(),
        seed: opts.file_seed,
        device: format!("{:?}", opts.device.location()).to_lowercase(),
        quick: opts.quick,
        bootstrap: settings.bootstrap,
        claims,
        run_declarations: results
            .runs
            .keys()
            .filter_map(|k| Some((k.clone(), program.run_declarations.get(k)?.clone())))
            .collect(),
        runs: results.runs,
        estimates,
        data_sources: data_sources(program),
        unused_runs: program
            .unused_runs()
            .iter()
            .map(|s| s.to_string())
            .collect(),
        seconds: results.seconds,
        interrupted: results.interrupted,
        missing: results.missing,
    }
}

/// Renders a diagnostic as plain text (no colour), as the terminal and snapshot tests show it.
pub fn render_plain(report: &miette::Report) -> String {
    let handler =
        miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
            .with_width(100);
    let mut out = String::new();
    let _ = handler.render_report(&mut out, report.as_ref());
    out
}
