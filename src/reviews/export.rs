//! Comments as CSV (UTF-8 with BOM, `;`-separated, CRLF: opens correctly in
//! Swedish Excel) and as JSON.

use serde_json::json;

use super::model::Comment;
use crate::spreadsheet::cell;

const HEADER: [&str; 19] = [
    "id",
    "version",
    "kommun",
    "steg",
    "fält",
    "klass",
    "prioritet",
    "status",
    "skäl",
    "instämmer (antal)",
    "instämmer (kommuner)",
    "författare",
    "författarens kommun",
    "text",
    "motivering",
    "citat",
    "föräldralös",
    "svar på",
    "skapad",
];

fn opt(s: &Option<String>) -> String {
    s.clone().unwrap_or_default()
}

/// How the export names things for people: municipalities by name, and a
/// comment's place as its step title and field label.
pub struct Words<'a> {
    pub municipality: &'a dyn Fn(&str) -> String,
    pub place: &'a dyn Fn(&Comment) -> (String, String),
}

/// The same words as the pages use, in Swedish local time.
pub fn csv(comments: &[Comment], words: &Words) -> String {
    let mut out = String::from("\u{feff}");
    out.push_str(&HEADER.map(cell).join(";"));
    out.push_str("\r\n");
    for c in comments {
        let row = [
            c.id.to_string(),
            c.version.clone(),
            c.municipality
                .as_deref()
                .map(words.municipality)
                .unwrap_or_default(),
            (words.place)(c).0,
            (words.place)(c).1,
            c.class.swedish().to_string(),
            c.priority.swedish().to_string(),
            c.status.swedish().to_string(),
            opt(&c.status_reason),
            c.endorsements.len().to_string(),
            c.endorsements
                .iter()
                .map(|m| (words.municipality)(m))
                .collect::<Vec<_>>()
                .join(", "),
            c.author_name.clone(),
            c.author_municipality
                .as_deref()
                .map(words.municipality)
                .unwrap_or_default(),
            c.body.clone(),
            opt(&c.motivation),
            opt(&c.quote),
            opt(&c.orphaned),
            c.parent_id.map(|p| p.to_string()).unwrap_or_default(),
            crate::clock::local_sortable(&c.created_at),
        ];
        out.push_str(&row.iter().map(|s| cell(s)).collect::<Vec<_>>().join(";"));
        out.push_str("\r\n");
    }
    out
}

pub fn json(service: &str, version: &str, comments: &[Comment]) -> serde_json::Value {
    json!({
        "schema": "provrum-comments/1",
        "service": service,
        "version": version,
        "comments": comments.iter().map(|c| {
            let mut v = serde_json::to_value(c).unwrap_or_default();
            v["class"] = json!(c.class.slug());
            v["status"] = json!(c.status.slug());
            v["priority"] = json!(c.priority.slug());
            v["endorsement_count"] = json!(c.endorsements.len());
            v
        }).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_and_never_formulas() {
        assert_eq!(cell("enkel"), "enkel");
        assert_eq!(cell("a;b"), "\"a;b\"");
        assert_eq!(cell("säger \"nej\""), "\"säger \"\"nej\"\"\"");
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(cell("rad1\nrad2"), "\"rad1\nrad2\"");
        // What the hardening review got through in a comma locale.
        let c = cell("Se bilaga,=cmd|' /C calc'!A0,tack");
        assert_eq!(c, "\"Se bilaga,'=cmd|' /C calc'!A0,tack\"");
        for part in c.split(',') {
            assert!(
                !part
                    .trim_start_matches('"')
                    .starts_with(['=', '+', '-', '@']),
                "{part}"
            );
        }
        assert_eq!(cell("a\n@SUM(1)"), "\"a\n'@SUM(1)\"");
    }
}
