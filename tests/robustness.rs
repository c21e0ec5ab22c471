//! Robustness: thousands of random and mutated inputs go through parse + check; none may
//! panic. (Checking never trains, so this is fast.)

mod common;

use mica::pipeline::{compile, Source};
use rand::{RngExt as _, SeedableRng};

/// Tokens that are not words of the language (which come from the grammar's keywords and the
/// catalogue's entries and parameters, see `vocab`).
const SYMBOLS: &[&str] = &[
    "relu", "(", ")", "[", "]", "{", "}", ",", ":", "=", "->", "<", "<=", ">", ">=", "+", "-", "*",
    "/", "%", "\"t\"", "0", "1", "2", "0.5", "1e9", "-3", "1e400", "99%", "#", "\n", " ", "K",
    "r[K]", "x", "\u{e9}", "\"",
];

/// Every keyword, every entry and parameter name of the catalogue, and the symbols above.
fn vocab() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = mica::syntax::KEYWORDS.to_vec();
    for e in mica::catalog::ENTRIES {
        v.push(e.name);
        v.extend(e.params.iter().map(|p| p.name));
    }
    v.extend_from_slice(SYMBOLS);
    v.sort_unstable();
    v.dedup();
    v
}

fn seeds_texts() -> Vec<String> {
    common::mica_files(&["examples", "tests/fixtures", "tests/diagnostics", "specs"])
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect()
}

fn mutate(text: &str, rng: &mut rand_chacha::ChaCha8Rng) -> String {
    let vocab = vocab();
    let mut chars: Vec<char> = text.chars().collect();
    for _ in 0..rng.random_range(1..6) {
        let len = chars.len();
        let at = if len == 0 {
            0
        } else {
            rng.random_range(0..len)
        };
        match rng.random_range(0..7) {
            0 if len > 0 => {
                let end = (at + rng.random_range(1..12)).min(len);
                chars.drain(at..end);
            }
            1 => {
                let tok = vocab[rng.random_range(0..vocab.len())];
                for (i, c) in tok.chars().enumerate() {
                    chars.insert(at + i, c);
                }
            }
            2 if len > 0 => {
                chars[at] = vocab[rng.random_range(0..vocab.len())]
                    .chars()
                    .next()
                    .unwrap_or(' ')
            }
            3 if len > 0 => {
                let end = (at + rng.random_range(1..30)).min(len);
                let piece: Vec<char> = chars[at..end].to_vec();
                let to = rng.random_range(0..len);
                for (i, c) in piece.into_iter().enumerate() {
                    chars.insert(to + i, c);
                }
            }
            4 => {
                // A structural extreme: a deep chain, a long line, a long name, odd unicode.
                let pieces: [String; 8] = [
                    "-".repeat(rng.random_range(1..400)),
                    " + 1".repeat(rng.random_range(1..300)),
                    " and 1 < 2".repeat(rng.random_range(1..300)),
                    " ".repeat(rng.random_range(60_000..70_000)),
                    "x".repeat(rng.random_range(1..5_000)),
                    "\u{202e}\u{301}\u{1f600}\u{0}\u{feff}\u{10ffff}".into(),
                    "[".repeat(rng.random_range(1..70)),
                    "9".repeat(rng.random_range(300..2_000)),
                ];
                let piece = &pieces[rng.random_range(0..pieces.len())];
                for (i, c) in piece.chars().enumerate() {
                    chars.insert(at + i, c);
                }
            }
            5 => {
                // Swap or duplicate whole whitespace-separated tokens.
                let text: String = chars.iter().collect();
                let mut tokens: Vec<&str> = text.split(' ').collect();
                if tokens.len() > 1 {
                    let (a, b) = (
                        rng.random_range(0..tokens.len()),
                        rng.random_range(0..tokens.len()),
                    );
                    if rng.random_range(0..2) == 0 {
                        tokens.swap(a, b);
                    } else {
                        let tok = tokens[a];
                        tokens.insert(b, tok);
                    }
                }
                chars = tokens.join(" ").chars().collect();
            }
            _ => {
                // Swap a digit for an extreme number.
                if let Some(pos) = chars.iter().position(|c| c.is_ascii_digit()) {
                    let ext = ["0", "1e308", "-1", "0.9999999", "1e-320", "65537"]
                        [rng.random_range(0..6)];
                    chars.splice(pos..pos + 1, ext.chars());
                }
            }
        }
    }
    chars.into_iter().collect()
}

/// Parses, checks and renders every diagnostic of one input; how long that took.
fn front_end(text: &str) -> (bool, std::time::Duration) {
    let start = std::time::Instant::now();
    let refused = match compile(&Source::new("fuzz", text.to_string())) {
        Ok(_) => false,
        Err(reports) => {
            for r in &reports {
                let _ = mica::pipeline::render_plain(r);
            }
            true
        }
    };
    (refused, start.elapsed())
}

/// The fuzz harness: grammar-aware mutations of every claim file in the repository (deletions,
/// insertions of the language's words, swapped and duplicated tokens, copied spans, extreme
/// numbers, deep chains, long lines and names, odd unicode) through parse, check and
/// rendering. Nothing may panic. `cargo test` runs 3,000 inputs with a fixed seed; the long
/// mode is `MICA_FUZZ_CASES=100000 MICA_FUZZ_SEED=N MICA_FUZZ_TIMEOUT_S=5 cargo test --release
/// --test robustness mutated_inputs`, which also fails on any input slower than the limit.
#[test]
fn mutated_inputs_never_panic() {
    let texts = seeds_texts();
    assert!(!texts.is_empty());
    let env = |k: &str, d: u64| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(d)
    };
    let n = env("MICA_FUZZ_CASES", 3000) as usize;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(env("MICA_FUZZ_SEED", 42));
    // A hang shows as a test that does not finish; the long mode can also set a per-input
    // limit (not by default: a timed assertion fails on a busy machine, not on a slow parser).
    let timeout = std::env::var("MICA_FUZZ_TIMEOUT_S")
        .ok()
        .and_then(|v| v.parse::<u64>().ok());
    let mut refused = 0;
    let mut slowest = std::time::Duration::ZERO;
    for i in 0..n {
        let base = &texts[i % texts.len()];
        let m = mutate(base, &mut rng);
        let r = std::panic::catch_unwind(|| front_end(&m));
        match r {
            Ok((was_refused, took)) => {
                refused += usize::from(was_refused);
                slowest = slowest.max(took);
                if let Some(limit) = timeout {
                    assert!(took.as_secs() < limit, "{took:?} on input {i}:\n{m}");
                }
            }
            Err(_) => panic!("panic on input {i}:\n{m}"),
        }
    }
    eprintln!("{n} inputs, {refused} refused, slowest {slowest:?}");
    // The mutations do break most files: the test exercises the error paths.
    assert!(refused > n / 3, "{refused}");
}

#[test]
fn random_token_soup_never_panics() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let vocab = vocab();
    for _ in 0..2000 {
        let n = rng.random_range(0..40);
        let s: String = (0..n)
            .map(|_| vocab[rng.random_range(0..vocab.len())])
            .collect::<Vec<_>>()
            .join(" ");
        let r = std::panic::catch_unwind(|| compile(&Source::new("soup", s.clone())));
        assert!(r.is_ok(), "panic on input:\n{s}");
    }
}

/// A mistake 70,000 columns into a line is shown against a window of that line: no renderer
/// panic (miette cannot pad past 65,535 columns), a short quote, and the real position named.
#[test]
fn a_mistake_far_into_a_long_line_is_quoted_in_a_window() {
    let text = format!(
        "data d = gaussian(dim: 2, rho: 0.5){} + bogus\nclaim \"c\": mi(d) > 0\n",
        " ".repeat(70_000)
    );
    let reports = compile(&Source::new("long.mica", text)).unwrap_err();
    assert_eq!(reports.len(), 2);
    let last = reports
        .iter()
        .find(|r| r.to_string().contains("bogus"))
        .unwrap();
    let shown = mica::pipeline::render_plain(last);
    assert!(shown.contains("mica::check::unknown_name"), "{shown}");
    assert!(shown.contains("line 1, column 70039"), "{shown}");
    assert!(shown.len() < 2_000, "{} bytes", shown.len());
}

/// Long chains build trees as deep as they are long; they are refused by depth before anything
/// recurses on them (they overflowed the stack); a 10-million-digit number and a
/// 5-million-element list are refused without parsing them. Each gives its coded diagnostic.
#[test]
fn long_chains_and_huge_numbers_are_refused_with_a_code() {
    let cases = [
        (
            format!("let x = {}1\nclaim \"c\": x < 2\n", "-".repeat(20_000)),
            "mica::syntax::too_complex",
        ),
        (
            format!("let x = 1{}\nclaim \"c\": x < 2\n", " + 1".repeat(30_000)),
            "mica::syntax::too_complex",
        ),
        (
            format!("claim \"c\": 1 < 2{}\n", " and 1 < 2".repeat(10_000)),
            "mica::syntax::too_complex",
        ),
        (
            format!("let x = {}\nclaim \"c\": x < 2\n", "9".repeat(10_000_000)),
            "mica::syntax::bad_number",
        ),
        (
            format!(
                "let x = [{}1]\nclaim \"c\": x < 2\n",
                "1,".repeat(5_000_000)
            ),
            "mica::syntax::too_long",
        ),
    ];
    for (text, code) in cases {
        let reports = compile(&Source::new("t", text)).unwrap_err();
        let codes: Vec<String> = reports
            .iter()
            .filter_map(|r| r.code().map(|c| c.to_string()))
            .collect();
        assert_eq!(codes, [code]);
    }
    // A chain at the limit still checks.
    let ok = format!("let x = 1{}\nclaim \"c\": x > 2\n", " + 1".repeat(150));
    assert!(compile(&Source::new("t", ok)).is_ok());
    // Long digit runs that are not numbers (in a title, a comment, a name) are not refused.
    let digits = "7".repeat(1_000);
    let ok = format!("# {digits}\nlet x{digits} = 1\nclaim \"c {digits}\": x{digits} < 2\n");
    assert!(compile(&Source::new("t", ok)).is_ok());
}

/// 10,000 unknown names in one list give 50 diagnostics and one that counts the rest.
#[test]
fn many_mistakes_are_capped_and_counted() {
    let names: Vec<String> = (0..10_000).map(|i| format!("u{i}")).collect();
    let text = format!("let x = [{}]\nclaim \"c\": 1 < 2\n", names.join(", "));
    let reports = compile(&Source::new("t", text)).unwrap_err();
    assert_eq!(reports.len(), 51);
    let last = reports.last().unwrap();
    assert_eq!(last.code().unwrap().to_string(), "mica::check::too_many");
    assert!(last.to_string().contains("9950 more"), "{last}");
    let shown: usize = reports
        .iter()
        .map(|r| mica::pipeline::render_plain(r).len())
        .sum();
    assert!(shown < 100_000, "{shown} bytes");
}
