//! The SQLite and PostgreSQL migrations describe the same schema: the same
//! files in the same order, and in each the same tables with the same
//! columns, the same indexes and the same column additions. Types differ by
//! design (`integer primary key autoincrement` against `bigint generated
//! always as identity`), so only names are compared.

use std::collections::BTreeMap;
use std::path::Path;

/// Per file: tables with their column names, index names, added columns.
fn schema(dir: &str) -> BTreeMap<String, Vec<String>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(dir);
    let mut files: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let mut out = BTreeMap::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let mut facts = Vec::new();
        let mut table: Option<String> = None;
        for line in text.lines() {
            let line = line.split("--").next().unwrap().trim().to_lowercase();
            if line.is_empty() {
                continue;
            }
            let words: Vec<&str> = line.split_whitespace().collect();
            if line.starts_with("create table") {
                let name = words[2].trim_end_matches('(').to_string();
                facts.push(format!("table {name}"));
                table = Some(name);
            } else if line.starts_with(')') {
                table = None;
            } else if let Some(t) = &table {
                let first = words[0].trim_end_matches(',');
                if !matches!(
                    first,
                    "primary" | "unique" | "foreign" | "check" | "constraint"
                ) {
                    facts.push(format!("column {t}.{first}"));
                }
            } else if line.starts_with("create index") || line.starts_with("create unique index") {
                let at = words.iter().position(|w| *w == "index").unwrap() + 1;
                facts.push(format!("index {}", words[at]));
            } else if line.starts_with("alter table") {
                facts.push(
                    line.trim_end_matches(';')
                        .split(" default")
                        .next()
                        .unwrap()
                        .split_whitespace()
                        .take(6)
                        .collect::<Vec<_>>()
                        .join(" "),
                );
            }
        }
        out.insert(f.file_name().unwrap().to_string_lossy().into_owned(), facts);
    }
    out
}

#[test]
fn sqlite_and_postgres_migrations_are_in_step() {
    let (sqlite, postgres) = (schema("sqlite"), schema("postgres"));
    assert_eq!(
        sqlite.keys().collect::<Vec<_>>(),
        postgres.keys().collect::<Vec<_>>(),
        "the two migration folders must hold the same files"
    );
    for (file, facts) in &sqlite {
        assert!(!facts.is_empty(), "{file}: nothing recognised");
        assert_eq!(
            facts, &postgres[file],
            "{file}: tables, columns or indexes differ between sqlite and postgres"
        );
    }
}
