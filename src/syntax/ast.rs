//! The abstract syntax tree of a mica file. Every node carries the byte span it came from, so
//! that every later phase can point at the source when it reports a problem.

use std::fmt;

/// A byte range in the source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    /// The smallest span covering both.
    pub fn join(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }

    pub fn len(&self) -> usize {
        self.end.saturating_sub(self.start)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl From<Span> for miette::SourceSpan {
    fn from(s: Span) -> Self {
        (s.start, s.len()).into()
    }
}

/// An identifier with its span.
#[derive(Debug, Clone, PartialEq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// A whole file.
#[derive(Debug, Clone, PartialEq)]
pub struct File {
    pub items: Vec<Item>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Decl(Decl),
    Sweep(Sweep),
    Claim(Claim),
}

/// The kind keyword of a declaration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeclKind {
    Data,
    Encoder,
    Critic,
    Run,
    Let,
}

impl DeclKind {
    /// Every kind of declaration.
    pub const ALL: [DeclKind; 5] = [
        DeclKind::Data,
        DeclKind::Encoder,
        DeclKind::Critic,
        DeclKind::Run,
        DeclKind::Let,
    ];

    /// The kind a declaration keyword introduces.
    pub fn from_keyword(word: &str) -> Option<DeclKind> {
        DeclKind::ALL.into_iter().find(|k| k.keyword() == word)
    }

    pub fn keyword(self) -> &'static str {
        match self {
            DeclKind::Data => "data",
            DeclKind::Encoder => "encoder",
            DeclKind::Critic => "critic",
            DeclKind::Run => "run",
            DeclKind::Let => "let",
        }
    }
}

/// `KIND NAME[INDEX] = VALUE`
#[derive(Debug, Clone, PartialEq)]
pub struct Decl {
    pub kind: DeclKind,
    pub kind_span: Span,
    pub name: Ident,
    /// `r[K]`: the index expressions of an indexed declaration.
    pub index: Option<Vec<Expr>>,
    pub value: Expr,
    pub span: Span,
}

/// `sweep VAR in VALUES { ITEMS }`
#[derive(Debug, Clone, PartialEq)]
pub struct Sweep {
    pub var: Ident,
    pub values: Expr,
    pub items: Vec<Item>,
    pub span: Span,
}

/// What a claim expects its verdict to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Expect {
    Verified,
    Refuted,
    Inconclusive,
}

impl fmt::Display for Expect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Expect::Verified => "verified",
            Expect::Refuted => "refuted",
            Expect::Inconclusive => "inconclusive",
        })
    }
}

/// `claim "TITLE": BODY at 99% within 0.05 expect refuted`
#[derive(Debug, Clone, PartialEq)]
pub struct Claim {
    pub title: String,
    pub title_span: Span,
    pub body: Expr,
    /// The confidence level in percent, with its span.
    pub confidence: Option<(f64, Span)>,
    pub tolerance: Option<Expr>,
    pub expect: Option<(Expect, Span)>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

impl Expr {
    /// The node's kind, taken out of it (an `Expr` cannot be destructured by moving: it has a
    /// `Drop`).
    pub fn into_kind(mut self) -> ExprKind {
        std::mem::replace(&mut self.kind, ExprKind::Bool(false))
    }

    /// The sub-expressions directly below this one.
    pub fn children(&self) -> Vec<&Expr> {
        match &self.kind {
            ExprKind::Number(_) | ExprKind::Str(_) | ExprKind::Bool(_) | ExprKind::Name(_) => {
                vec![]
            }
            ExprKind::List(items) | ExprKind::Indexed(_, items) => items.iter().collect(),
            ExprKind::Call(_, args) => args.iter().map(|a| &a.value).collect(),
            ExprKind::Neg(a) => vec![a],
            ExprKind::Binary(_, a, b)
            | ExprKind::Compare(_, a, b)
            | ExprKind::Within(a, b)
            | ExprKind::And(a, b)
            | ExprKind::Quantified(_, _, a, b) => vec![a, b],
            ExprKind::Lambda(_, list, body) => list.iter().map(|l| &**l).chain([&**body]).collect(),
        }
    }

    /// The depth of the tree below and including this node, computed without recursion (so
    /// that a tree too deep to check can still be measured).
    pub fn depth(&self) -> usize {
        let mut deepest = 0;
        let mut stack = vec![(self, 1usize)];
        while let Some((e, d)) = stack.pop() {
            deepest = deepest.max(d);
            stack.extend(e.children().into_iter().map(|c| (c, d + 1)));
        }
        deepest
    }
}

/// Dropping a deep tree without recursion: children are moved onto a heap stack first, so a
/// chain of 20,000 unary minus signs (refused by the parser) cannot overflow the stack.
impl Drop for Expr {
    fn drop(&mut self) {
        fn take(kind: &mut ExprKind, out: &mut Vec<Expr>) {
            match std::mem::replace(kind, ExprKind::Bool(false)) {
                ExprKind::List(items) | ExprKind::Indexed(_, items) => out.extend(items),
                ExprKind::Call(_, args) => out.extend(args.into_iter().map(|mut a| {
                    let span = a.value.span;
                    let placeholder = Expr {
                        kind: ExprKind::Bool(false),
                        span,
                    };
                    std::mem::replace(&mut a.value, placeholder)
                })),
                ExprKind::Neg(a) => out.push(*a),
                ExprKind::Binary(_, a, b)
                | ExprKind::Compare(_, a, b)
                | ExprKind::Within(a, b)
                | ExprKind::And(a, b)
                | ExprKind::Quantified(_, _, a, b) => out.extend([*a, *b]),
                ExprKind::Lambda(_, list, body) => {
                    out.extend(list.map(|l| *l));
                    out.push(*body);
                }
                _ => {}
            }
        }
        let mut stack = Vec::new();
        take(&mut self.kind, &mut stack);
        while let Some(mut e) = stack.pop() {
            take(&mut e.kind, &mut stack);
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum CmpOp {
    #[serde(rename = "<")]
    Lt,
    #[serde(rename = "<=")]
    Le,
    #[serde(rename = ">")]
    Gt,
    #[serde(rename = ">=")]
    Ge,
    /// `==` or `~=`: equal within the claim's tolerance.
    #[serde(rename = "==")]
    Eq,
}

impl CmpOp {
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
            CmpOp::Eq => "==",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Quantifier {
    Forall,
    Exists,
}

/// A call argument: positional or named.
#[derive(Debug, Clone, PartialEq)]
pub struct Arg {
    pub name: Option<Ident>,
    pub value: Expr,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Number(f64),
    Str(String),
    Bool(bool),
    List(Vec<Expr>),
    Name(Ident),
    /// `r[K, D]`
    Indexed(Ident, Vec<Expr>),
    Call(Ident, Vec<Arg>),
    Neg(Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    Compare(CmpOp, Box<Expr>, Box<Expr>),
    /// `COMPARISON within TOLERANCE`
    Within(Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    /// `forall VAR in LIST: BODY` or `exists VAR in LIST: BODY`
    Quantified(Quantifier, Ident, Box<Expr>, Box<Expr>),
    /// `VAR -> BODY` or `VAR in LIST -> BODY` (only as a call argument).
    Lambda(Ident, Option<Box<Expr>>, Box<Expr>),
}

impl Expr {
    pub fn new(kind: ExprKind, span: Span) -> Self {
        Expr { kind, span }
    }

    /// A short human name for what this expression is, for diagnostics.
    pub fn describe(&self) -> &'static str {
        match &self.kind {
            ExprKind::Number(_) => "a number",
            ExprKind::Str(_) => "a string",
            ExprKind::Bool(_) => "a boolean",
            ExprKind::List(_) => "a list",
            ExprKind::Name(_) | ExprKind::Indexed(..) => "a name",
            ExprKind::Call(..) => "a call",
            ExprKind::Neg(_) | ExprKind::Binary(..) => "an arithmetic expression",
            ExprKind::Compare(..) | ExprKind::Within(..) => "a comparison",
            ExprKind::And(..) => "a conjunction",
            ExprKind::Quantified(Quantifier::Forall, ..) => "a forall",
            ExprKind::Quantified(Quantifier::Exists, ..) => "an exists",
            ExprKind::Lambda(..) => "a function of a sweep index",
        }
    }
}
