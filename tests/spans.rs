//! Fixture folders in the manner of ruff's parser tests. Valid fixtures (examples/, specs/,
//! tests/fixtures/) parse and check clean without warnings, and their ASTs obey the span
//! invariants: every span lies within the text and starts before it ends, every child lies
//! inside its parent, and siblings come in source order without overlapping. Invalid
//! fixtures (tests/diagnostics/) are refused, each diagnostic with a span inside the text.

mod common;

use mica::pipeline::{compile_with_warnings, Source};
use mica::syntax::ast::{Arg, Expr, ExprKind, File, Item, Span};

/// Collects violations of the span invariants.
struct Walker<'a> {
    len: usize,
    file: &'a str,
    errors: Vec<String>,
}

impl Walker<'_> {
    fn fail(&mut self, what: &str, span: Span) {
        self.errors.push(format!(
            "{}: {what} at {}..{}",
            self.file, span.start, span.end
        ));
    }

    /// `children` (in source order) lie inside `parent`, in order, without overlap.
    fn nest(&mut self, parent: Span, what: &str, children: &[Span]) {
        if parent.start > parent.end || parent.end > self.len {
            self.fail(&format!("{what}: span outside the text"), parent);
        }
        let mut prev_end = parent.start;
        for &c in children {
            if c.start < parent.start || c.end > parent.end {
                self.fail(&format!("a child of {what} outside its parent"), c);
            }
            if c.start < prev_end {
                self.fail(
                    &format!("children of {what} out of order or overlapping"),
                    c,
                );
            }
            if c.start > c.end {
                self.fail(&format!("a child of {what} ends before it starts"), c);
            }
            prev_end = c.end;
        }
    }

    fn file(&mut self, f: &File) {
        let spans: Vec<Span> = f.items.iter().map(item_span).collect();
        self.nest(f.span, "the file", &spans);
        for it in &f.items {
            self.item(it);
        }
    }

    fn item(&mut self, item: &Item) {
        match item {
            Item::Decl(d) => {
                let mut spans = vec![d.kind_span, d.name.span];
                spans.extend(d.index.iter().flatten().map(|e| e.span));
                spans.push(d.value.span);
                self.nest(d.span, "a declaration", &spans);
                for e in d.index.iter().flatten() {
                    self.expr(e);
                }
                self.expr(&d.value);
            }
            Item::Sweep(s) => {
                let mut spans = vec![s.var.span, s.values.span];
                spans.extend(s.items.iter().map(item_span));
                self.nest(s.span, "a sweep", &spans);
                self.expr(&s.values);
                for it in &s.items {
                    self.item(it);
                }
            }
            Item::Claim(c) => {
                self.nest(c.span, "a claim", &[c.title_span, c.body.span]);
                // The options follow the body, in any order among themselves.
                let mut options: Vec<Span> = c
                    .confidence
                    .iter()
                    .map(|(_, s)| *s)
                    .chain(c.tolerance.iter().map(|e| e.span))
                    .chain(c.expect.iter().map(|(_, s)| *s))
                    .collect();
                options.sort_by_key(|s| s.start);
                let after_body = Span {
                    start: c.body.span.end,
                    end: c.span.end,
                };
                self.nest(after_body, "a claim's options", &options);
                self.expr(&c.body);
                if let Some(t) = &c.tolerance {
                    self.expr(t);
                }
            }
        }
    }

    fn expr(&mut self, e: &Expr) {
        let children: Vec<&Expr> = match &e.kind {
            ExprKind::Number(_) | ExprKind::Str(_) | ExprKind::Bool(_) => vec![],
            ExprKind::Name(id) => {
                self.nest(e.span, "a name", &[id.span]);
                vec![]
            }
            ExprKind::List(items) => items.iter().collect(),
            ExprKind::Indexed(id, idx) => {
                let mut spans = vec![id.span];
                spans.extend(idx.iter().map(|i| i.span));
                self.nest(e.span, "an indexed name", &spans);
                idx.iter().collect()
            }
            ExprKind::Call(f, args) => {
                let mut spans = vec![f.span];
                spans.extend(args.iter().map(|a| a.span));
                self.nest(e.span, "a call", &spans);
                for a in args {
                    self.arg(a);
                }
                vec![]
            }
            ExprKind::Neg(a) => vec![a],
            ExprKind::Binary(_, a, b)
            | ExprKind::Compare(_, a, b)
            | ExprKind::Within(a, b)
            | ExprKind::And(a, b) => vec![a, b],
            ExprKind::Quantified(_, var, list, body) => {
                self.nest(e.span, "a quantifier", &[var.span, list.span, body.span]);
                vec![list, body]
            }
            ExprKind::Lambda(var, list, body) => {
                let mut spans = vec![var.span];
                spans.extend(list.iter().map(|l| l.span));
                spans.push(body.span);
                self.nest(e.span, "a lambda", &spans);
                list.iter().map(|l| &**l).chain([&**body]).collect()
            }
        };
        let spans: Vec<Span> = children.iter().map(|c| c.span).collect();
        self.nest(e.span, e.describe(), &spans);
        for c in children {
            self.expr(c);
        }
    }

    fn arg(&mut self, a: &Arg) {
        let mut spans: Vec<Span> = a.name.iter().map(|n| n.span).collect();
        spans.push(a.value.span);
        self.nest(a.span, "an argument", &spans);
        self.expr(&a.value);
    }
}

fn item_span(it: &Item) -> Span {
    match it {
        Item::Decl(d) => d.span,
        Item::Sweep(s) => s.span,
        Item::Claim(c) => c.span,
    }
}

#[test]
fn valid_fixtures_check_clean_and_keep_the_span_invariants() {
    let files = common::mica_files(&["examples", "specs", "tests/fixtures"]);
    assert!(files.len() >= 10, "{files:?}");
    let mut errors = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let name = path.display().to_string();
        match compile_with_warnings(&Source::new(&name, text.clone())) {
            Ok((_, warnings)) => assert!(warnings.is_empty(), "{name} has warnings"),
            Err(e) => panic!("{name} does not check: {e:?}"),
        }
        let ast = mica::syntax::parse(&text).unwrap();
        let mut w = Walker {
            len: text.len(),
            file: &name,
            errors: Vec::new(),
        };
        w.file(&ast);
        errors.extend(w.errors);
    }
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

#[test]
fn the_walker_finds_a_child_outside_its_parent() {
    let text = "data d = gaussian(dim: 2, rho: 0.5)\nclaim \"c\": mi(d) > 0\n";
    let mut ast = mica::syntax::parse(text).unwrap();
    if let Item::Decl(d) = &mut ast.items[0] {
        d.value.span.end = text.len() + 5;
    }
    let mut w = Walker {
        len: text.len(),
        file: "t",
        errors: Vec::new(),
    };
    w.file(&ast);
    assert!(!w.errors.is_empty());
}

#[test]
fn invalid_fixtures_point_inside_the_text() {
    let files: Vec<_> = common::mica_files(&["tests/diagnostics"])
        .into_iter()
        .filter(|p| {
            !p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("warn_")
        })
        .collect();
    assert!(files.len() >= 20);
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let reports = match compile_with_warnings(&Source::new("t", text.clone())) {
            Ok(_) => panic!("{} checks clean", path.display()),
            Err(r) => r,
        };
        for r in reports {
            for label in r.labels().into_iter().flatten() {
                let end = label.offset() + label.len();
                assert!(
                    end <= text.len().max(1),
                    "{}: label {}..{end} past the end ({} bytes)",
                    path.display(),
                    label.offset(),
                    text.len()
                );
            }
        }
    }
}
