//! The region's term list against services: where a service or a variant
//! uses a word the region avoids (`störningen` where the region writes
//! *olägenhet*). Two views of the same question: in the package's files,
//! with line and column for `provrum validate`; and in a variant as it is
//! served (base and overlay merged), for the checklist and the version page.

use std::path::Path;

use serde::Serialize;

use crate::services::Variant;
use crate::yaml::{Diagnostic, Pos};

use super::{Catalogue, Scope};

/// Where `word` (lower case) starts a word in `text`, as char offsets,
/// with the whole word as written there: `störning` finds "Störningen".
pub fn find(text: &str, word: &str) -> Vec<(usize, String)> {
    let chars: Vec<char> = text.chars().collect();
    let lower: Vec<char> = chars
        .iter()
        .map(|c| c.to_lowercase().next().unwrap_or(*c))
        .collect();
    let w: Vec<char> = word.chars().collect();
    let mut out = Vec::new();
    if w.is_empty() {
        return out;
    }
    let mut i = 0;
    while i + w.len() <= lower.len() {
        let starts_word = i == 0 || !lower[i - 1].is_alphanumeric();
        if starts_word && lower[i..i + w.len()] == w[..] {
            let end = (i..chars.len())
                .find(|&j| !chars[j].is_alphanumeric() && chars[j] != '-')
                .unwrap_or(chars.len());
            out.push((i, chars[i..end].iter().collect()));
            i = end.max(i + 1);
        } else {
            i += 1;
        }
    }
    out
}

/// One use of an avoided word.
#[derive(Debug, Clone, Serialize)]
pub struct Use {
    /// The word as written ("störningen").
    pub word: String,
    /// What the region writes instead.
    pub preferred: String,
    pub scope: Scope,
    /// Where, in words: "steget ”Om störningen”".
    pub place: String,
}

/// The texts of a variant as served, each with its scope and place.
fn texts(v: &Variant) -> Vec<(Scope, String, &str)> {
    let mut out = vec![
        (
            Scope::Service,
            "tjänstens namn".to_string(),
            v.title.as_str(),
        ),
        (
            Scope::Service,
            "tjänstens beskrivning".to_string(),
            v.description.as_str(),
        ),
        (
            Scope::Receipt,
            "kvittensen".to_string(),
            v.receipt_text.as_str(),
        ),
    ];
    for s in &v.steps {
        out.push((
            Scope::Steps,
            format!("steget ”{}”", s.title),
            s.title.as_str(),
        ));
        if let Some(intro) = &s.intro {
            out.push((
                Scope::Steps,
                format!("inledningen till ”{}”", s.title),
                intro,
            ));
        }
        for f in s.fields.iter().filter(|f| !f.hidden) {
            let at = || format!("frågan ”{}” i ”{}”", f.label, s.title);
            out.push((Scope::Fields, at(), f.label.as_str()));
            for t in [&f.help, &f.text].into_iter().flatten() {
                out.push((Scope::Fields, at(), t.as_str()));
            }
            for o in &f.options {
                out.push((Scope::Fields, at(), o.label.as_str()));
            }
        }
    }
    out
}

/// Every use of an avoided word in a variant as it is served, and a
/// service name the catalogue says not to use.
pub fn in_variant(cat: &Catalogue, service: &str, v: &Variant) -> Vec<Use> {
    let mut out = Vec::new();
    for (scope, place, text) in texts(v) {
        for t in cat.terms.iter().filter(|t| t.scope.contains(&scope)) {
            for w in &t.avoid {
                for (_, word) in find(text, w) {
                    out.push(Use {
                        word,
                        preferred: t.preferred.clone(),
                        scope,
                        place: place.clone(),
                    });
                }
            }
        }
    }
    if let Some(e) = cat.entry(service)
        && e.avoid_names
            .iter()
            .any(|n| n.trim().eq_ignore_ascii_case(v.title.trim()))
    {
        out.push(Use {
            word: v.title.clone(),
            preferred: e.name.clone(),
            scope: Scope::Service,
            place: "tjänstens namn".into(),
        });
    }
    out
}

/// Keys whose values people read, and the scope they belong to given the
/// keys above them.
fn scope_of(key: &str, above: &[(usize, String)], indent: usize) -> Option<Scope> {
    let under = |k: &str| above.iter().any(|(_, a)| a == k);
    if key == "receipt_text" || (key == "text" && under("receipt")) {
        return Some(Scope::Receipt);
    }
    match key {
        "label" | "help" | "placeholder" | "pattern_message" => Some(Scope::Fields),
        "text" if under("fields") || under("add_fields") || under("field") => Some(Scope::Fields),
        "title" | "intro" if under("steps") => Some(Scope::Steps),
        "title" | "description" if indent == 0 => Some(Scope::Service),
        _ => None,
    }
}

/// `key: rest` at the start of `s` (after any `- `), with rest's offset.
fn key_value(s: &str) -> Option<(&str, &str, usize)> {
    let colon = s.find(':')?;
    let key = &s[..colon];
    if key.is_empty()
        || !key
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
    {
        return None;
    }
    let rest = &s[colon + 1..];
    if !(rest.is_empty() || rest.starts_with(' ')) {
        return None;
    }
    Some((key, rest, colon + 1))
}

/// Warnings for the avoided words in a package's files (`service.yaml`,
/// `variants/*.yaml`), each at its line and column with the preferred term.
pub fn in_files(cat: &Catalogue, dir: &Path, files: &[(String, String)]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (name, text) in files {
        if !(name == "service.yaml" || name.starts_with("variants/")) {
            continue;
        }
        let file = dir.join(name);
        // The keys above the current line, by indentation.
        let mut above: Vec<(usize, String)> = Vec::new();
        // A text value that continues on more-indented lines.
        let mut block: Option<(usize, Scope)> = None;
        for (n, line) in text.lines().enumerate() {
            let trimmed = line.trim_start();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let mut indent = line.len() - trimmed.len();
            let mut s = trimmed;
            while let Some(rest) = s.strip_prefix("- ") {
                indent += 2;
                s = rest;
            }
            let char_col = |byte: usize| line[..byte].chars().count();
            let at = line.len() - s.len();
            let mut spans: Vec<(Scope, usize, &str)> = Vec::new();
            match key_value(s) {
                Some((key, rest, off)) => {
                    above.retain(|(i, _)| *i < indent);
                    block = None;
                    let value_at = at + off;
                    if let Some(scope) = scope_of(key, &above, indent) {
                        let v = rest.trim_start();
                        if matches!(v, "|" | ">" | "|-" | ">-" | "") {
                            block = Some((indent, scope));
                        } else {
                            spans.push((scope, value_at, rest));
                            block = Some((indent, scope));
                        }
                    } else if rest.trim_start().starts_with('{') {
                        // A flow mapping on one line: `receipt: { text: Tack }`.
                        let mut inner = above.clone();
                        inner.push((indent, key.to_string()));
                        let mut from = value_at;
                        for part in rest.split([',', '{', '}']) {
                            let p = part.trim_start();
                            let lead = part.len() - p.len();
                            if let Some((k, r, o)) = key_value(p)
                                && let Some(scope) = scope_of(k, &inner, indent + 2)
                            {
                                spans.push((scope, from + lead + o, r));
                            }
                            from += part.len() + 1;
                        }
                    }
                    above.push((indent, key.to_string()));
                }
                None => {
                    if let Some((i, scope)) = block
                        && indent > i
                    {
                        spans.push((scope, at, s));
                    }
                }
            }
            for (scope, byte, value) in spans {
                for t in cat.terms.iter().filter(|t| t.scope.contains(&scope)) {
                    for w in &t.avoid {
                        for (c, word) in find(value, w) {
                            let pos = Pos {
                                line: n + 1,
                                col: char_col(byte) + c + 1,
                            };
                            let mut d = Diagnostic::new(
                                &file,
                                pos,
                                "",
                                format!(
                                    "warning: ”{word}” in {}: the region writes ”{}”",
                                    scope.swedish(),
                                    t.preferred
                                ),
                            );
                            if let Some(why) = &t.why {
                                d = d.with_hint(why.clone());
                            }
                            out.push(d);
                        }
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_word_matches_at_a_word_start_with_any_ending() {
        assert_eq!(
            find("Om störningen och Störningar", "störning"),
            vec![
                (3, "störningen".to_string()),
                (18, "Störningar".to_string())
            ]
        );
        assert!(find("ljudstörning", "störning").is_empty());
        assert_eq!(
            find("BankID-appen", "bankid"),
            vec![(0, "BankID-appen".to_string())]
        );
    }
}
