//! Parser unit tests: every construct of the language parses to the expected AST shape.

use mica::syntax::ast::*;
use mica::syntax::{parse, parse_expr};

fn expr(src: &str) -> ExprKind {
    parse_expr(src)
        .unwrap_or_else(|e| panic!("{src}: {e:?}"))
        .into_kind()
}

fn num(e: &Expr) -> f64 {
    match e.kind {
        ExprKind::Number(n) => n,
        ref k => panic!("not a number: {k:?}"),
    }
}

#[test]
fn numbers_in_every_notation() {
    for (src, v) in [
        ("5", 5.0),
        ("0.25", 0.25),
        ("5e-4", 5e-4),
        ("1.5E+3", 1500.0),
        ("12", 12.0),
    ] {
        assert_eq!(num(&parse_expr(src).unwrap()), v, "{src}");
    }
}

#[test]
fn strings_booleans_and_lists() {
    assert_eq!(expr(r#""a \"q\"""#), ExprKind::Str("a \"q\"".into()));
    assert_eq!(expr("true"), ExprKind::Bool(true));
    assert_eq!(expr("false"), ExprKind::Bool(false));
    match expr("[16, 64, 256,]") {
        ExprKind::List(items) => assert_eq!(
            items.iter().map(num).collect::<Vec<_>>(),
            vec![16.0, 64.0, 256.0]
        ),
        k => panic!("{k:?}"),
    }
    assert_eq!(expr("[]"), ExprKind::List(vec![]));
}

#[test]
fn names_and_indexed_names() {
    assert!(matches!(expr("gauss"), ExprKind::Name(ref i) if i.name == "gauss"));
    match expr("r[K, 64]") {
        ExprKind::Indexed(id, idx) => {
            assert_eq!(id.name, "r");
            assert_eq!(idx.len(), 2);
        }
        k => panic!("{k:?}"),
    }
}

#[test]
fn calls_with_positional_named_and_lambda_arguments() {
    match expr("train(infonce, critic: sep, lr: 5e-4)") {
        ExprKind::Call(f, args) => {
            assert_eq!(f.name, "train");
            assert_eq!(args.len(), 3);
            assert!(args[0].name.is_none());
            assert_eq!(args[1].name.as_ref().unwrap().name, "critic");
            assert_eq!(num(&args[2].value), 5e-4);
        }
        k => panic!("{k:?}"),
    }
    match expr("increasing(K -> estimate(r[K]))") {
        ExprKind::Call(_, args) => {
            assert!(matches!(args[0].value.kind, ExprKind::Lambda(ref v, None, _) if v.name == "K"))
        }
        k => panic!("{k:?}"),
    }
    match expr("decreasing(K in [1, 2] -> x)") {
        ExprKind::Call(_, args) => assert!(matches!(
            args[0].value.kind,
            ExprKind::Lambda(_, Some(_), _)
        )),
        k => panic!("{k:?}"),
    }
}

#[test]
fn arithmetic_precedence_and_unary_minus() {
    // 1 + 2 * 3 parses as 1 + (2 * 3)
    match expr("1 + 2 * 3") {
        ExprKind::Binary(BinOp::Add, a, b) => {
            assert_eq!(num(&a), 1.0);
            assert!(matches!(b.kind, ExprKind::Binary(BinOp::Mul, _, _)));
        }
        k => panic!("{k:?}"),
    }
    // a - b - c is left-associative
    match expr("a - b - c") {
        ExprKind::Binary(BinOp::Sub, a, _) => {
            assert!(matches!(a.kind, ExprKind::Binary(BinOp::Sub, _, _)))
        }
        k => panic!("{k:?}"),
    }
    assert!(matches!(expr("-(1 / 2)"), ExprKind::Neg(_)));
    assert!(matches!(expr("--1"), ExprKind::Neg(ref e) if matches!(e.kind, ExprKind::Neg(_))));
    assert!(matches!(
        expr("(1 + 2) * 3"),
        ExprKind::Binary(BinOp::Mul, _, _)
    ));
}

#[test]
fn comparisons_and_conjunctions() {
    for (src, op) in [
        ("a < b", CmpOp::Lt),
        ("a <= b", CmpOp::Le),
        ("a > b", CmpOp::Gt),
        ("a >= b", CmpOp::Ge),
    ] {
        assert!(
            matches!(expr(src), ExprKind::Compare(o, _, _) if o == op),
            "{src}"
        );
    }
    match expr("a < b and c >= d and e > f") {
        ExprKind::And(l, r) => {
            assert!(matches!(l.kind, ExprKind::And(..)));
            assert!(matches!(r.kind, ExprKind::Compare(CmpOp::Gt, _, _)));
        }
        k => panic!("{k:?}"),
    }
    assert!(parse_expr("a < b < c").is_err(), "comparisons do not chain");
}

#[test]
fn functions_and_forall() {
    assert!(matches!(expr("ln(64)"), ExprKind::Call(ref f, _) if f.name == "ln"));
    assert!(matches!(expr("max(a, b, c)"), ExprKind::Call(_, ref a) if a.len() == 3));
    match expr("forall K in [16, 64]: estimate(r[K]) <= ln(K)") {
        ExprKind::Quantified(Quantifier::Forall, v, list, body) => {
            assert_eq!(v.name, "K");
            assert!(matches!(list.kind, ExprKind::List(_)));
            assert!(matches!(body.kind, ExprKind::Compare(..)));
        }
        k => panic!("{k:?}"),
    }
}

#[test]
fn exists_and_equivalence() {
    assert!(matches!(
        expr("exists K in [1, 2]: f(K) >= 1"),
        ExprKind::Quantified(Quantifier::Exists, ..)
    ));
    assert!(matches!(expr("a == b"), ExprKind::Compare(CmpOp::Eq, _, _)));
    assert!(matches!(expr("a ~= b"), ExprKind::Compare(CmpOp::Eq, _, _)));
    // A comparison may carry its own tolerance.
    match expr("a == b within 0.02 and c <= d within 0.1") {
        ExprKind::And(l, r) => {
            assert!(matches!(l.kind, ExprKind::Within(..)));
            assert!(matches!(r.kind, ExprKind::Within(..)));
        }
        k => panic!("{k:?}"),
    }
    match expr("corr(X -> a, X -> b, method: kendall)") {
        ExprKind::Call(_, args) => {
            assert!(matches!(args[1].value.kind, ExprKind::Lambda(..)));
            assert_eq!(args[2].name.as_ref().unwrap().name, "method");
        }
        k => panic!("{k:?}"),
    }
}

#[test]
fn declarations_of_every_kind() {
    let f = parse(
        "data d = gaussian(dim: 20, mi: 10.0)\n\
         encoder g = mlp(hidden: [256, 256], out: 32, act: relu)\n\
         critic c = separable(g, g, normalize: true)\n\
         run r = train(infonce, critic: c, data: d)\n\
         let Ks = [16, 64]\n",
    )
    .unwrap();
    let kinds: Vec<DeclKind> = f
        .items
        .iter()
        .map(|i| match i {
            Item::Decl(d) => d.kind,
            _ => panic!(),
        })
        .collect();
    assert_eq!(
        kinds,
        [
            DeclKind::Data,
            DeclKind::Encoder,
            DeclKind::Critic,
            DeclKind::Run,
            DeclKind::Let
        ]
    );
}

#[test]
fn nested_sweeps_with_indexed_runs() {
    let f = parse("sweep K in [16, 64] { sweep D in Ds { run r[K, D] = train(infonce, critic: c, data: d[D]) } }").unwrap();
    let Item::Sweep(outer) = &f.items[0] else {
        panic!()
    };
    assert_eq!(outer.var.name, "K");
    let Item::Sweep(inner) = &outer.items[0] else {
        panic!()
    };
    assert_eq!(inner.var.name, "D");
    let Item::Decl(d) = &inner.items[0] else {
        panic!()
    };
    assert_eq!(d.index.as_ref().unwrap().len(), 2);
}

#[test]
fn claims_with_all_options() {
    let f = parse(r#"claim "t": estimate(r) <= ln(64) at 99% within 0.05 expect refuted"#).unwrap();
    let Item::Claim(c) = &f.items[0] else {
        panic!()
    };
    assert_eq!(c.title, "t");
    assert_eq!(c.confidence.unwrap().0, 99.0);
    assert_eq!(num(c.tolerance.as_ref().unwrap()), 0.05);
    assert_eq!(c.expect.unwrap().0, Expect::Refuted);
    // Options in any order; each at most once.
    assert!(parse(r#"claim "t": a <= b expect inconclusive at 90%"#).is_ok());
    assert!(parse(r#"claim "t": a <= b at 90% at 95%"#).is_err());
}

#[test]
fn comments_whitespace_and_spans() {
    let src = "# heading\ndata d = gaussian(dim: 2, rho: 0.5) # trailing\n\nclaim \"c\": mi(d) >= 0 # done\n";
    let f = parse(src).unwrap();
    assert_eq!(f.items.len(), 2);
    let Item::Claim(c) = &f.items[1] else {
        panic!()
    };
    // Spans end at the last token, not at a trailing comment.
    assert_eq!(&src[c.body.span.start..c.body.span.end], "mi(d) >= 0");
    let Item::Decl(d) = &f.items[0] else { panic!() };
    assert_eq!(&src[d.name.span.start..d.name.span.end], "d");
    assert_eq!(
        &src[d.value.span.start..d.value.span.end],
        "gaussian(dim: 2, rho: 0.5)"
    );
}

#[test]
fn keywords_are_reserved_but_may_name_parameters() {
    assert!(parse("data run = gaussian(dim: 2, rho: 0.5)").is_err());
    assert!(parse("run r = train(infonce, critic: c, data: d)").is_ok());
    // A keyword prefix is an ordinary name.
    assert!(parse("data dataset = gaussian(dim: 2, rho: 0.5)").is_ok());
    assert!(parse("data income = gaussian(dim: 2, rho: 0.5)").is_ok());
}

#[test]
fn syntax_errors_point_at_the_offending_token() {
    let src = "data d = gaussian(dim: 2,, rho: 0.5)";
    let e = parse(src).unwrap_err();
    assert_eq!(e.span().start, 25);
    let deep = format!("claim \"c\": {}1{} <= 2", "(".repeat(500), ")".repeat(500));
    assert!(
        parse(&deep).is_err(),
        "deep nesting is refused, not a stack overflow"
    );
}

/// After a syntax error the file is parsed item by item: the good items keep the file's
/// spans, each broken item gives its error, and the names broken items declare are listed.
#[test]
fn recovery_parses_the_other_items_in_place() {
    let src =
        "data d = gaussian(dim: 2, rho: 0.5)\nrun r = train(\nclaim \"c\": mi(d) > 0\nlet k = )\n";
    let rec = mica::syntax::parse_recovering(src);
    assert_eq!(rec.errors.len(), 2, "{:?}", rec.errors);
    assert_eq!(rec.file.items.len(), 2);
    match &rec.file.items[1] {
        Item::Claim(c) => assert_eq!(&src[c.span.start..c.span.end], "claim \"c\": mi(d) > 0"),
        other => panic!("{other:?}"),
    }
    let lost: Vec<&str> = rec.lost_names.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(lost, ["r", "k"]);
    let r = &rec.lost_names[0];
    assert_eq!(&src[r.span.start..r.span.end], "r");
    // A file without mistakes is parsed once, as by `parse`.
    let ok = mica::syntax::parse_recovering("claim \"c\": 1 < 2\n");
    assert!(ok.errors.is_empty() && ok.file.items.len() == 1);
}
