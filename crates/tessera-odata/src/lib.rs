//! OData v4 `$filter` as Microsoft Graph accepts it on directory objects:
//! comparisons (`eq ne gt ge lt le`), `in`, `startswith`, `and`/`or`/`not`,
//! parentheses, and lambda `any()` over collection properties.
//!
//! Written by hand because no maintained crate parses OData (the few that
//! exist are abandoned or cover another dialect), and because the output
//! must be exactly what the directory API can translate to SQL with bound
//! parameters — never text pasted into a query. Inputs are bounded (length,
//! depth, nodes, `in` list size) and every failure is an [`Error`] with a
//! position, never a panic (a property test throws arbitrary input at it).
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod lexer;
pub mod options;
mod parser;
pub mod sql;

pub use parser::parse;

/// A literal value in a filter.
#[derive(Clone, Debug, PartialEq)]
pub enum Literal {
    String(String),
    Int(i64),
    Bool(bool),
    Null,
    /// A bare GUID (`eq 8f3c…`), as OData writes them.
    Guid(String),
    /// An ISO 8601 date-time (`2024-01-01T00:00:00Z`), kept as written.
    DateTime(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

/// A property path: `displayName`, `onPremisesExtensionAttributes/extensionAttribute1`.
pub type Path = Vec<String>;

/// A parsed filter. Properties are always on the left of comparisons.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Cmp(Path, CmpOp, Literal),
    In(Path, Vec<Literal>),
    StartsWith(Path, String),
    /// `collection/any(v: body)`; inside `body`, the path `[v]` (or
    /// `[v, …]`) is the collection element.
    Any {
        collection: Path,
        var: String,
        body: Box<Expr>,
    },
}

/// Why a filter was refused; `at` is a byte offset into the input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    pub at: usize,
    pub message: String,
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Invalid filter clause: {} (at position {}).",
            self.message, self.at
        )
    }
}

impl std::error::Error for Error {}

/// Limits on what a filter may be.
pub mod limits {
    /// Characters in the whole `$filter` value.
    pub const MAX_LEN: usize = 4096;
    /// Nesting of parentheses, `not` and `any()`.
    pub const MAX_DEPTH: usize = 32;
    /// Comparisons and functions in one filter.
    pub const MAX_TERMS: usize = 100;
    /// Values in one `in (…)` list (Graph allows 15).
    pub const MAX_IN: usize = 15;
}
