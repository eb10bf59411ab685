//! Property tests standing in for a fuzzer (cargo-fuzz needs a nightly
//! toolchain; these run in the ordinary suite): arbitrary input never
//! panics; generated filters survive print → parse unchanged; and whatever
//! values a filter holds, none of their text reaches the SQL — only
//! placeholders do.
use proptest::prelude::*;
use tessera_odata::sql::{translate, Column, Kind, Schema};
use tessera_odata::{parse, CmpOp, Expr, Literal, Path};

struct Anything;

impl Schema for Anything {
    fn column(&self, path: &Path) -> Option<Column> {
        let kind = match path[0].as_str() {
            "flag" => Kind::Bool,
            "count" => Kind::Int,
            "tags" => Kind::TextCollection {
                from: "tags c WHERE c.owner = t.id".into(),
            },
            _ => Kind::Text { ci: true },
        };
        Some(Column {
            sql: format!("t.col_{}", path.len()),
            kind,
        })
    }
}

fn prop_name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("name".to_string()),
        Just("mail".to_string()),
        Just("displayName".to_string())
    ]
}

fn text() -> impl Strategy<Value = String> {
    // Quotes, SQL and LIKE metacharacters, unicode letters.
    "[a-zA-Z0-9 ';%_\\\\\"()=-]{0,12}|[\\p{L}]{0,6}"
}

fn leaf() -> impl Strategy<Value = Expr> {
    prop_oneof![
        (prop_name(), text()).prop_map(|(p, v)| Expr::Cmp(vec![p], CmpOp::Eq, Literal::String(v))),
        (prop_name(), text()).prop_map(|(p, v)| Expr::Cmp(vec![p], CmpOp::Ne, Literal::String(v))),
        (prop_name(), text()).prop_map(|(p, v)| Expr::StartsWith(vec![p], v)),
        (prop_name(), proptest::collection::vec(text(), 1..4))
            .prop_map(|(p, vs)| Expr::In(vec![p], vs.into_iter().map(Literal::String).collect())),
        any::<bool>().prop_map(|b| Expr::Cmp(vec!["flag".into()], CmpOp::Eq, Literal::Bool(b))),
        any::<i32>().prop_map(|n| Expr::Cmp(
            vec!["count".into()],
            CmpOp::Ge,
            Literal::Int(n.into())
        )),
        text().prop_map(|v| Expr::Any {
            collection: vec!["tags".into()],
            var: "t".into(),
            body: Box::new(Expr::Cmp(vec!["t".into()], CmpOp::Eq, Literal::String(v))),
        }),
    ]
}

fn expr() -> impl Strategy<Value = Expr> {
    leaf().prop_recursive(4, 24, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Expr::And(Box::new(a), Box::new(b))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Expr::Or(Box::new(a), Box::new(b))),
            inner.prop_map(|a| Expr::Not(Box::new(a))),
        ]
    })
}

fn lit(l: &Literal) -> String {
    match l {
        Literal::String(s) => format!("'{}'", s.replace('\'', "''")),
        Literal::Int(n) => n.to_string(),
        Literal::Bool(b) => b.to_string(),
        Literal::Null => "null".into(),
        Literal::Guid(g) | Literal::DateTime(g) => g.clone(),
    }
}

/// OData text for `e`, fully parenthesised.
fn print(e: &Expr) -> String {
    match e {
        Expr::And(a, b) => format!("({} and {})", print(a), print(b)),
        Expr::Or(a, b) => format!("({} or {})", print(a), print(b)),
        Expr::Not(a) => format!("not ({})", print(a)),
        Expr::Cmp(p, op, l) => {
            let op = match op {
                CmpOp::Eq => "eq",
                CmpOp::Ne => "ne",
                CmpOp::Gt => "gt",
                CmpOp::Ge => "ge",
                CmpOp::Lt => "lt",
                CmpOp::Le => "le",
            };
            format!("{} {op} {}", p.join("/"), lit(l))
        }
        Expr::In(p, vs) => format!(
            "{} in ({})",
            p.join("/"),
            vs.iter().map(lit).collect::<Vec<_>>().join(", ")
        ),
        Expr::StartsWith(p, v) => format!(
            "startswith({}, {})",
            p.join("/"),
            lit(&Literal::String(v.clone()))
        ),
        Expr::Any {
            collection,
            var,
            body,
        } => format!("{}/any({var}: {})", collection.join("/"), print(body)),
    }
}

/// `e` with every string value replaced.
fn blank(e: &Expr) -> Expr {
    let v = |l: &Literal| match l {
        Literal::String(_) => Literal::String("v".into()),
        other => other.clone(),
    };
    match e {
        Expr::And(a, b) => Expr::And(Box::new(blank(a)), Box::new(blank(b))),
        Expr::Or(a, b) => Expr::Or(Box::new(blank(a)), Box::new(blank(b))),
        Expr::Not(a) => Expr::Not(Box::new(blank(a))),
        Expr::Cmp(p, op, l) => Expr::Cmp(p.clone(), *op, v(l)),
        Expr::In(p, vs) => Expr::In(p.clone(), vs.iter().map(v).collect()),
        Expr::StartsWith(p, _) => Expr::StartsWith(p.clone(), "v".into()),
        Expr::Any {
            collection,
            var,
            body,
        } => Expr::Any {
            collection: collection.clone(),
            var: var.clone(),
            body: Box::new(blank(body)),
        },
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_input_never_panics(s in "\\PC{0,200}") {
        let _ = parse(&s).map(|e| translate(&e, &Anything, 1));
    }

    #[test]
    fn near_miss_input_never_panics(s in "[a-z()' ,/:0-9-]{0,80}") {
        let _ = parse(&s).map(|e| translate(&e, &Anything, 1));
    }

    #[test]
    fn query_options_never_panic(
        pairs in proptest::collection::vec(("\\$?(filter|select|top|orderby|count|skiptoken|expand|x)", "\\PC{0,40}"), 0..6)
    ) {
        let _ = tessera_odata::options::QueryOptions::parse(&pairs);
    }

    #[test]
    fn printed_filters_parse_back(e in expr()) {
        let text = print(&e);
        prop_assert_eq!(parse(&text).unwrap(), e);
    }

    #[test]
    fn values_never_reach_the_sql(e in expr()) {
        // The SQL text does not depend on the values at all: they are
        // all parameters.
        let c = translate(&e, &Anything, 1).unwrap();
        let blanked = translate(&blank(&e), &Anything, 1).unwrap();
        prop_assert_eq!(&c.sql, &blanked.sql);
        prop_assert_eq!(c.params.len(), blanked.params.len());
        // Only our own characters: identifiers, placeholders, operators.
        prop_assert!(
            c.sql.chars().all(|ch| ch.is_ascii_alphanumeric() || " _.$()=<>,%'\\".contains(ch)),
            "{}",
            c.sql
        );
    }
}
