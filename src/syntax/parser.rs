//! Turns source text into an AST: pest does the recognising (grammar/mica.pest), this module
//! walks the parse tree into `ast` nodes and turns pest's errors into diagnostics.

use pest::iterators::Pair;
use pest::Parser as _;

use super::ast::*;
use super::error::SyntaxError;

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/mica.pest"]
struct MicaParser;

/// Parses a whole file.
pub fn parse(src: &str) -> Result<File, SyntaxError> {
    check_nesting(src)?;
    let mut pairs = MicaParser::parse(Rule::file, src).map_err(|e| syntax_error(e, src))?;
    let file = pairs.next().expect("the file rule always yields one pair");
    let span = span_of(&file);
    let items = file
        .into_inner()
        .filter(|p| p.as_rule() != Rule::EOI)
        .map(item)
        .collect::<Result<Vec<_>, _>>()?;
    for e in item_exprs(&items) {
        check_depth(e)?;
    }
    Ok(File { items, span })
}

/// A file parsed item by item after a syntax error: the items that parse, every item's syntax
/// error, and the names the broken items declare (so that the checker can treat them as
/// declared but unusable, rather than report each use as unknown).
#[derive(Debug)]
pub struct Recovered {
    pub file: File,
    pub errors: Vec<SyntaxError>,
    pub lost_names: Vec<Ident>,
}

/// Most items recovery re-parses one by one, and the largest file it does so for: each item
/// costs a pass over the whole file.
const MAX_RECOVERED_ITEMS: usize = 2_000;
const MAX_RECOVERED_BYTES: usize = 1 << 20;
/// Most bytes recovery re-parses in all (items x file length): beyond it, only the first error
/// is reported, so that a long file with a very long line cannot take seconds.
const MAX_RECOVERY_WORK: usize = 4 << 20;

/// Parses a file; after a syntax error, parses it again item by item so that every item's
/// mistake is found in one pass. An item starts at a line whose first column begins a
/// declaration, sweep or claim keyword (items inside a sweep are indented and stay with it).
/// Each item is parsed in place, the rest of the text blanked, so its spans are the file's.
pub fn parse_recovering(src: &str) -> Recovered {
    let first = match parse(src) {
        Ok(file) => {
            return Recovered {
                file,
                errors: Vec::new(),
                lost_names: Vec::new(),
            }
        }
        Err(e) => e,
    };
    let starts = item_starts(src);
    let whole = Span::new(0, src.len());
    if starts.len() < 2
        || starts.len() > MAX_RECOVERED_ITEMS
        || src.len() > MAX_RECOVERED_BYTES
        || starts.len() * src.len() > MAX_RECOVERY_WORK
    {
        return Recovered {
            file: File {
                items: Vec::new(),
                span: whole,
            },
            errors: vec![first],
            lost_names: Vec::new(),
        };
    }
    let mut items = Vec::new();
    let mut errors = Vec::new();
    let mut lost_names = Vec::new();
    for (i, &start) in starts.iter().enumerate() {
        let end = starts.get(i + 1).copied().unwrap_or(src.len());
        match parse(&blank_outside(src, start, end)) {
            Ok(f) => items.extend(f.items),
            Err(alone) => {
                // With the text that follows in place, pest stops where it did in the whole
                // file ("found `claim`" rather than "found end of file") when that is in or
                // just after this item.
                let with_rest = match parse(&blank_outside(src, start, src.len())) {
                    Err(e) if e.span().start <= end => e,
                    _ => alone,
                };
                errors.push(with_rest);
                lost_names.extend(declared_names(src, start, end));
            }
        }
    }
    Recovered {
        file: File { items, span: whole },
        errors,
        lost_names,
    }
}

/// Byte offsets of the lines that start an item (the first line starts one too, whatever it
/// holds, so that leading comments belong to the first item).
fn item_starts(src: &str) -> Vec<usize> {
    let mut starts = vec![0];
    let mut offset = 0;
    for line in src.split_inclusive('\n') {
        let word: String = line
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let starts_item =
            DeclKind::from_keyword(&word).is_some() || word == "sweep" || word == "claim";
        if offset > 0 && starts_item {
            starts.push(offset);
        }
        offset += line.len();
    }
    starts
}

/// The text with everything outside `start..end` replaced by spaces (newlines kept), so that
/// byte offsets, lines and columns stay those of the file.
fn blank_outside(src: &str, start: usize, end: usize) -> String {
    let mut out = String::with_capacity(src.len());
    for (i, c) in src.char_indices() {
        if (start..end).contains(&i) || c == '\n' {
            out.push(c);
        } else {
            out.extend(std::iter::repeat_n(' ', c.len_utf8()));
        }
    }
    out
}

/// The names declared by the lines of `start..end` that begin with a declaration keyword.
fn declared_names(src: &str, start: usize, end: usize) -> Vec<Ident> {
    let mut out = Vec::new();
    let mut offset = start;
    for line in src[start..end].split_inclusive('\n') {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        let mut words = trimmed.splitn(2, char::is_whitespace);
        if let (Some(kw), Some(rest)) = (words.next(), words.next()) {
            if DeclKind::from_keyword(kw).is_some() {
                let rest_trim = rest.trim_start();
                let name: String = rest_trim
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    let at = offset + indent + kw.len() + (rest.len() - rest_trim.len()) + 1;
                    out.push(Ident {
                        span: Span::new(at, at + name.len()),
                        name,
                    });
                }
            }
        }
        offset += line.len();
    }
    out
}

/// Deepest expression tree accepted. Chains (`a + b + ...`, `- - - x`, `p and q and ...`)
/// build trees as deep as they are long, and the checker recurses on trees: deeper input is
/// refused here, before anything recurses on it.
pub const MAX_EXPR_DEPTH: usize = 200;

fn check_depth(e: &Expr) -> Result<(), SyntaxError> {
    let depth = e.depth();
    if depth > MAX_EXPR_DEPTH {
        return Err(SyntaxError::TooComplex {
            span: e.span,
            depth,
        });
    }
    Ok(())
}

/// Every top-level expression of the items, sweeps included.
fn item_exprs(items: &[Item]) -> Vec<&Expr> {
    let mut out = Vec::new();
    let mut stack: Vec<&Item> = items.iter().collect();
    while let Some(it) = stack.pop() {
        match it {
            Item::Decl(d) => {
                out.extend(d.index.iter().flatten());
                out.push(&d.value);
            }
            Item::Sweep(s) => {
                out.push(&s.values);
                stack.extend(&s.items);
            }
            Item::Claim(c) => {
                out.push(&c.body);
                out.extend(c.tolerance.as_ref());
            }
        }
    }
    out
}

/// Deepest bracket nesting accepted; deeper input is refused before the recursive descent
/// (which could otherwise exhaust the stack).
pub const MAX_NESTING: usize = 64;

/// Most items in one bracketed list: an explicit covariance over 512 + 512 coordinates has
/// 1,048,576 entries. Longer lists are refused before pest queues a token per element (a
/// 5-million-element line made it allocate 2.7 GB).
pub const MAX_LIST_ITEMS: usize = 1 << 20;

fn check_nesting(src: &str) -> Result<(), SyntaxError> {
    check_number_lengths(src)?;
    // The open brackets, each with its position and the commas seen directly inside it.
    let mut open: Vec<(usize, usize)> = Vec::new();
    for (i, c) in src.char_indices() {
        match c {
            '(' | '[' | '{' => {
                open.push((i, 0));
                if open.len() > MAX_NESTING {
                    return Err(SyntaxError::too_deep(Span::new(i, i + 1)));
                }
            }
            ')' | ']' | '}' => {
                open.pop();
            }
            ',' => {
                if let Some((at, commas)) = open.last_mut() {
                    *commas += 1;
                    if *commas >= MAX_LIST_ITEMS {
                        return Err(SyntaxError::TooLong {
                            span: Span::new(*at, i + 1),
                        });
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Refuses a run of digits longer than any number mica accepts before pest scans it (a
/// 10-million-digit literal took seconds to tokenise in a debug build). Digits inside strings,
/// comments and names are not numbers and are skipped.
fn check_number_lengths(src: &str) -> Result<(), SyntaxError> {
    let bytes = src.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && !matches!(bytes[i], b'"' | b'\n') {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b if b.is_ascii_alphabetic() || b == b'_' => {
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
            }
            b if b.is_ascii_digit() => {
                let start = i;
                while i < bytes.len() && bytes[i].is_ascii_digit() {
                    i += 1;
                }
                if i - start > MAX_NUMBER_LEN {
                    return Err(SyntaxError::bad_number(Span::new(start, i)));
                }
            }
            _ => i += 1,
        }
    }
    Ok(())
}

/// Parses a single expression (used by tests and by the REPL-like `mica check -e`).
pub fn parse_expr(src: &str) -> Result<Expr, SyntaxError> {
    check_nesting(src)?;
    let mut pairs = MicaParser::parse(Rule::expr, src).map_err(|e| syntax_error(e, src))?;
    let e = pairs.next().expect("the expr rule always yields one pair");
    if e.as_span().end() != src.trim_end().len() {
        let at = e.as_span().end();
        return Err(SyntaxError::trailing(src, at));
    }
    let e = expr(e)?;
    check_depth(&e)?;
    Ok(e)
}

/// The span of a parse-tree node, without the whitespace and comments pest may have consumed
/// at its end (an optional trailing part that did not match leaves them inside the node).
fn span_of(p: &Pair<Rule>) -> Span {
    let s = p.as_span();
    Span::new(s.start(), s.start() + content_len(p.as_str()))
}

/// The length of `text` up to the end of its last token (outside comments).
fn content_len(text: &str) -> usize {
    let (mut end, mut in_str, mut in_comment, mut escaped) = (0, false, false, false);
    for (i, c) in text.char_indices() {
        if in_comment {
            in_comment = c != '\n';
        } else if in_str {
            end = i + c.len_utf8();
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_str = false;
            }
        } else if c == '#' {
            in_comment = true;
        } else if c == '"' {
            in_str = true;
            end = i + 1;
        } else if !c.is_whitespace() {
            end = i + c.len_utf8();
        }
    }
    end
}

fn ident(p: Pair<Rule>) -> Ident {
    Ident {
        name: p.as_str().to_string(),
        span: span_of(&p),
    }
}

fn item(p: Pair<Rule>) -> Result<Item, SyntaxError> {
    match p.as_rule() {
        Rule::decl => decl(p).map(Item::Decl),
        Rule::sweep => sweep(p).map(Item::Sweep),
        Rule::claim => claim(p).map(Item::Claim),
        r => unreachable!("item rule {r:?}"),
    }
}

fn decl(p: Pair<Rule>) -> Result<Decl, SyntaxError> {
    let span = span_of(&p);
    let mut it = p.into_inner();
    let kind_pair = it.next().unwrap();
    let kind_span = span_of(&kind_pair);
    let kind = match kind_pair.into_inner().next().unwrap().as_rule() {
        Rule::kw_data => DeclKind::Data,
        Rule::kw_encoder => DeclKind::Encoder,
        Rule::kw_critic => DeclKind::Critic,
        Rule::kw_run => DeclKind::Run,
        Rule::kw_let => DeclKind::Let,
        r => unreachable!("decl kind {r:?}"),
    };
    let mut name_parts = it.next().unwrap().into_inner();
    let name = ident(name_parts.next().unwrap());
    let index = name_parts.next().map(index).transpose()?;
    let value = expr(it.next().unwrap())?;
    Ok(Decl {
        kind,
        kind_span,
        name,
        index,
        value,
        span,
    })
}

fn index(p: Pair<Rule>) -> Result<Vec<Expr>, SyntaxError> {
    p.into_inner().map(expr).collect()
}

fn sweep(p: Pair<Rule>) -> Result<Sweep, SyntaxError> {
    let span = span_of(&p);
    let mut it = p.into_inner().filter(|p| !is_keyword(p));
    let var = ident(it.next().unwrap());
    let values = expr(it.next().unwrap())?;
    let items = it.map(item).collect::<Result<_, _>>()?;
    Ok(Sweep {
        var,
        values,
        items,
        span,
    })
}

fn is_keyword(p: &Pair<Rule>) -> bool {
    matches!(
        p.as_rule(),
        Rule::kw_sweep | Rule::kw_in | Rule::kw_claim | Rule::kw_forall | Rule::kw_and
    )
}

fn claim(p: Pair<Rule>) -> Result<Claim, SyntaxError> {
    let span = span_of(&p);
    let mut it = p.into_inner().filter(|p| !is_keyword(p));
    let title_pair = it.next().unwrap();
    let title_span = span_of(&title_pair);
    let title = unescape(title_pair.into_inner().next().unwrap().as_str());
    let body = expr(it.next().unwrap())?;
    let mut claim = Claim {
        title,
        title_span,
        body,
        confidence: None,
        tolerance: None,
        expect: None,
        span,
    };
    for opt in it {
        let opt_span = span_of(&opt);
        let rule = opt.as_rule();
        let value = opt.into_inner().nth(1).unwrap();
        let duplicate = match rule {
            Rule::confidence => {
                let num = value.into_inner().next().unwrap();
                let pct = number(&num)?;
                claim.confidence.replace((pct, opt_span)).is_some()
            }
            Rule::tolerance => claim.tolerance.replace(expr(value)?).is_some(),
            Rule::expectation => {
                let v = match value.into_inner().next().unwrap().as_rule() {
                    Rule::kw_verified => Expect::Verified,
                    Rule::kw_refuted => Expect::Refuted,
                    _ => Expect::Inconclusive,
                };
                claim.expect.replace((v, opt_span)).is_some()
            }
            r => unreachable!("claim option {r:?}"),
        };
        if duplicate {
            return Err(SyntaxError::duplicate_option(opt_span));
        }
    }
    Ok(claim)
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(other) => out.push(other),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Longest number text accepted (a float needs at most about 25 significant characters; a
/// 10-million-digit literal is refused without parsing it).
const MAX_NUMBER_LEN: usize = 400;

fn number(p: &Pair<Rule>) -> Result<f64, SyntaxError> {
    if p.as_str().len() > MAX_NUMBER_LEN {
        return Err(SyntaxError::bad_number(span_of(p)));
    }
    p.as_str()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| SyntaxError::bad_number(span_of(p)))
}

fn expr(p: Pair<Rule>) -> Result<Expr, SyntaxError> {
    let span = span_of(&p);
    match p.as_rule() {
        Rule::expr | Rule::paren => expr(p.into_inner().next().unwrap()),
        Rule::quantifier => {
            let mut it = p.into_inner().filter(|p| {
                !is_keyword(p) || p.as_rule() == Rule::kw_exists || p.as_rule() == Rule::kw_forall
            });
            let q = match it.next().unwrap().as_rule() {
                Rule::kw_exists => Quantifier::Exists,
                _ => Quantifier::Forall,
            };
            let var = ident(it.next().unwrap());
            let list = expr(it.next().unwrap())?;
            let body = expr(it.next().unwrap())?;
            Ok(Expr::new(
                ExprKind::Quantified(q, var, Box::new(list), Box::new(body)),
                span,
            ))
        }
        Rule::conjunction => {
            let mut it = p.into_inner().filter(|p| !is_keyword(p));
            let mut acc = expr(it.next().unwrap())?;
            for rhs in it {
                let rhs = expr(rhs)?;
                let s = acc.span.join(rhs.span);
                acc = Expr::new(ExprKind::And(Box::new(acc), Box::new(rhs)), s);
            }
            Ok(acc)
        }
        Rule::comparison => {
            let mut it = p.into_inner();
            let lhs = expr(it.next().unwrap())?;
            match it.next() {
                None => Ok(lhs),
                Some(op) => {
                    let op = match op.as_str() {
                        "<" => CmpOp::Lt,
                        "<=" => CmpOp::Le,
                        ">" => CmpOp::Gt,
                        ">=" => CmpOp::Ge,
                        _ => CmpOp::Eq,
                    };
                    let rhs = expr(it.next().unwrap())?;
                    let cmp_span = lhs.span.join(rhs.span);
                    let cmp = Expr::new(
                        ExprKind::Compare(op, Box::new(lhs), Box::new(rhs)),
                        cmp_span,
                    );
                    match it.next() {
                        None => Ok(cmp),
                        Some(tol) => {
                            let tol = expr(tol.into_inner().nth(1).unwrap())?;
                            Ok(Expr::new(
                                ExprKind::Within(Box::new(cmp), Box::new(tol)),
                                span,
                            ))
                        }
                    }
                }
            }
        }
        Rule::sum | Rule::product => {
            let mut it = p.into_inner();
            let mut acc = expr(it.next().unwrap())?;
            while let Some(op) = it.next() {
                let op = match op.as_str() {
                    "+" => BinOp::Add,
                    "-" => BinOp::Sub,
                    "*" => BinOp::Mul,
                    _ => BinOp::Div,
                };
                let rhs = expr(it.next().unwrap())?;
                let s = acc.span.join(rhs.span);
                acc = Expr::new(ExprKind::Binary(op, Box::new(acc), Box::new(rhs)), s);
            }
            Ok(acc)
        }
        Rule::unary => {
            let parts: Vec<_> = p.into_inner().collect();
            let (negs, rest) = parts.split_at(parts.len() - 1);
            let mut acc = expr(rest[0].clone())?;
            for n in negs.iter().rev() {
                let s = span_of(n).join(acc.span);
                acc = Expr::new(ExprKind::Neg(Box::new(acc)), s);
            }
            Ok(acc)
        }
        Rule::number => Ok(Expr::new(ExprKind::Number(number(&p)?), span)),
        Rule::string => {
            let inner = p.into_inner().next().unwrap();
            Ok(Expr::new(ExprKind::Str(unescape(inner.as_str())), span))
        }
        Rule::boolean => {
            let v = p.into_inner().next().unwrap().as_rule() == Rule::kw_true;
            Ok(Expr::new(ExprKind::Bool(v), span))
        }
        Rule::list => {
            let items = p.into_inner().map(expr).collect::<Result<_, _>>()?;
            Ok(Expr::new(ExprKind::List(items), span))
        }
        Rule::ident => Ok(Expr::new(ExprKind::Name(ident(p)), span)),
        Rule::indexed => {
            let mut it = p.into_inner();
            let name = ident(it.next().unwrap());
            let idx = index(it.next().unwrap())?;
            Ok(Expr::new(ExprKind::Indexed(name, idx), span))
        }
        Rule::call => {
            let mut it = p.into_inner();
            let func = ident(it.next().unwrap());
            let args = it.map(arg).collect::<Result<_, _>>()?;
            Ok(Expr::new(ExprKind::Call(func, args), span))
        }
        Rule::lambda => {
            let parts: Vec<_> = p.into_inner().filter(|p| !is_keyword(p)).collect();
            let var = ident(parts[0].clone());
            let (list, body) = if parts.len() == 3 {
                (
                    Some(Box::new(expr(parts[1].clone())?)),
                    expr(parts[2].clone())?,
                )
            } else {
                (None, expr(parts[1].clone())?)
            };
            Ok(Expr::new(ExprKind::Lambda(var, list, Box::new(body)), span))
        }
        r => unreachable!("expression rule {r:?}"),
    }
}

fn arg(p: Pair<Rule>) -> Result<Arg, SyntaxError> {
    let span = span_of(&p);
    if p.as_rule() == Rule::named_arg {
        let mut it = p.into_inner();
        let name = ident(it.next().unwrap());
        let value = expr(it.next().unwrap())?;
        Ok(Arg {
            name: Some(name),
            value,
            span,
        })
    } else {
        Ok(Arg {
            name: None,
            value: expr(p)?,
            span,
        })
    }
}

/// The friendly name of a grammar rule, as it appears in "expected ..." messages.
/// pest's failure as a diagnostic that names what was expected in words, not rule names.
fn syntax_error(e: pest::error::Error<Rule>, src: &str) -> SyntaxError {
    use pest::error::{ErrorVariant, InputLocation};
    let at = match e.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    let (expected, unexpected) = match &e.variant {
        ErrorVariant::ParsingError {
            positives,
            negatives,
        } => (names(positives), names(negatives)),
        ErrorVariant::CustomError { message } => (vec![message.clone()], vec![]),
    };
    SyntaxError::unexpected(src, at, expected, unexpected)
}

fn names(rules: &[Rule]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for r in rules {
        let n = rule_name(r)
            .map(str::to_string)
            .unwrap_or_else(|| format!("{r:?}").replace("kw_", "`") + "`");
        if !out.contains(&n) {
            out.push(n);
        }
    }
    out
}

fn rule_name(rule: &Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::EOI => "end of file",
        Rule::decl_kind => "a declaration (data, encoder, critic, run, let)",
        Rule::kw_sweep => "`sweep`",
        Rule::kw_claim => "`claim`",
        Rule::ident => "a name",
        Rule::param_name => "a parameter name",
        Rule::number => "a number",
        Rule::string => "a string",
        Rule::expr | Rule::quantifier | Rule::conjunction | Rule::comparison => "an expression",
        Rule::sum | Rule::product | Rule::unary => "an expression",
        Rule::list => "a list",
        Rule::cmp_op => "a comparison (< <= > >= ==)",
        Rule::add_op => "`+` or `-`",
        Rule::mul_op => "`*` or `/`",
        Rule::kw_and => "`and`",
        Rule::kw_in => "`in`",
        Rule::confidence => "`at NN%`",
        Rule::tolerance => "`within`",
        Rule::expectation => "`expect`",
        Rule::verdict => "verified, refuted or inconclusive",
        Rule::percent => "a percentage like 99%",
        Rule::index => "an index `[...]`",
        Rule::named_arg | Rule::lambda => "an argument",
        Rule::boolean => "true or false",
        Rule::call => "a call",
        _ => return None,
    })
}
