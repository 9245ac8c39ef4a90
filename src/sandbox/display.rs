//! How an answer reads to people: on the summary page and in the inbox.

use serde_json::Value;

use crate::services::{Field, FieldKind};

use super::answers::{Answers, StoredFile, parts};

/// How an answer reads on the summary page and in the inbox.
pub fn display(f: &Field, answers: &Answers, files: &[StoredFile]) -> String {
    if f.kind == FieldKind::File {
        let names: Vec<&str> = files
            .iter()
            .filter(|x| x.field == f.id)
            .map(|x| x.filename.as_str())
            .collect();
        return if names.is_empty() {
            "Ingen fil bifogad".into()
        } else {
            names.join(", ")
        };
    }
    let label_of = |v: &str| {
        f.options
            .iter()
            .find(|o| o.value == v)
            .map(|o| o.label.clone())
            .unwrap_or_else(|| v.to_string())
    };
    match answers.get(&f.id) {
        None => "Inte ifyllt".into(),
        Some(Value::String(s)) if f.kind == FieldKind::Checkbox && f.options.is_empty() => {
            if s == "ja" { "Ja".into() } else { s.clone() }
        }
        Some(Value::String(s)) => label_of(s),
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(label_of)
            .collect::<Vec<_>>()
            .join(", "),
        Some(Value::Object(m)) => parts(f.kind)
            .iter()
            .filter_map(|(k, _, _)| m.get(*k).and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join(", "),
        Some(other) => other.to_string(),
    }
}
