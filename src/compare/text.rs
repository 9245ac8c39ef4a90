//! Word-level text diffs of what a page shows, as escaped HTML with
//! `<ins>`/`<del>`, and a fingerprint of the change alone.

use serde::Serialize;
use similar::{ChangeTag, TextDiff};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    Same,
    Removed,
    Added,
    /// Text that is in both, at another place: where it was…
    MovedAway,
    /// …and where it is now.
    MovedHere,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Segment {
    pub op: Op,
    pub text: String,
}

/// The segments of a word diff, neighbours with the same op joined.
pub fn diff(reference: &str, candidate: &str) -> Vec<Segment> {
    let d = TextDiff::configure()
        .algorithm(similar::Algorithm::Patience)
        .diff_words(reference, candidate);
    let mut out: Vec<Segment> = Vec::new();
    for c in d.iter_all_changes() {
        let op = match c.tag() {
            ChangeTag::Equal => Op::Same,
            ChangeTag::Delete => Op::Removed,
            ChangeTag::Insert => Op::Added,
        };
        match out.last_mut() {
            Some(last) if last.op == op => last.text.push_str(c.value()),
            _ => out.push(Segment {
                op,
                text: c.value().to_string(),
            }),
        }
    }
    mark_moves(&mut out);
    out
}

fn normalized(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A removal and an addition of the same words (a field or paragraph that
/// moved) read as one move, not as two changes.
fn mark_moves(segments: &mut [Segment]) {
    let mut taken = vec![false; segments.len()];
    for i in 0..segments.len() {
        if segments[i].op != Op::Removed {
            continue;
        }
        let words = normalized(&segments[i].text);
        // One short word (a changed "och") is an edit, not a move.
        if words.chars().count() < 6 {
            continue;
        }
        let found = (0..segments.len()).find(|&j| {
            !taken[j] && segments[j].op == Op::Added && normalized(&segments[j].text) == words
        });
        if let Some(j) = found {
            taken[j] = true;
            segments[i].op = Op::MovedAway;
            segments[j].op = Op::MovedHere;
        }
    }
}

pub fn changed(segments: &[Segment]) -> bool {
    segments
        .iter()
        .any(|s| s.op != Op::Same && !s.text.trim().is_empty())
}

/// One change of `change_summary` as a summary quotes it: "+”ny text”",
/// "−”gammal text”", "flyttad ”text”" (at most 60 characters of it).
pub fn quoted(change: &str) -> String {
    let mut chars = change.chars();
    let sign = chars.next().unwrap_or('-');
    let words: String = chars.take(60).collect();
    match sign {
        '+' => format!("+”{words}”"),
        '~' => format!("flyttad ”{words}”"),
        _ => format!("−”{words}”"),
    }
}

/// What changed, without the unchanged text around it: the same edit on two
/// variants gets the same fingerprint input, whatever else their pages say.
pub fn change_summary(segments: &[Segment]) -> Vec<String> {
    segments
        .iter()
        .filter(|s| s.op != Op::Same && s.op != Op::MovedAway && !s.text.trim().is_empty())
        .map(|s| {
            let sign = match s.op {
                Op::Added => '+',
                Op::MovedHere => '~',
                _ => '-',
            };
            format!(
                "{sign}{}",
                s.text.split_whitespace().collect::<Vec<_>>().join(" ")
            )
        })
        .collect()
}

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Escaped HTML: unchanged text as is, removals in `<del>`, additions in `<ins>`.
/// Long unchanged runs are shortened to their ends so the change stands out.
pub fn to_html(segments: &[Segment], context_chars: usize) -> String {
    let mut out = String::new();
    let n = segments.len();
    for (i, s) in segments.iter().enumerate() {
        match s.op {
            Op::Same => {
                let text = s.text.as_str();
                let chars: Vec<char> = text.chars().collect();
                if chars.len() > 2 * context_chars + 10 {
                    let head: String = if i > 0 {
                        chars[..context_chars].iter().collect()
                    } else {
                        String::new()
                    };
                    let tail: String = if i + 1 < n {
                        chars[chars.len() - context_chars..].iter().collect()
                    } else {
                        String::new()
                    };
                    out.push_str(&escape(&head));
                    out.push_str("<span class=\"elided\">…</span>");
                    out.push_str(&escape(&tail));
                } else {
                    out.push_str(&escape(text));
                }
            }
            Op::Removed => {
                out.push_str("<del>");
                out.push_str(&escape(&s.text));
                out.push_str("</del>");
            }
            Op::Added => {
                out.push_str("<ins>");
                out.push_str(&escape(&s.text));
                out.push_str("</ins>");
            }
            Op::MovedAway => {
                out.push_str("<span class=\"moved-away\" data-moved=\"away\"><span class=\"visually-hidden\">(flyttat härifrån) </span>");
                out.push_str(&escape(&s.text));
                out.push_str("</span>");
            }
            Op::MovedHere => {
                out.push_str("<span class=\"moved-here\" data-moved=\"here\"><span class=\"visually-hidden\">(flyttat hit) </span>");
                out.push_str(&escape(&s.text));
                out.push_str("</span>");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_changed_word_is_one_removal_and_one_addition() {
        let s = diff("Beskriv störningen kort", "Beskriv olägenheten kort");
        assert!(changed(&s));
        assert_eq!(change_summary(&s), vec!["-störningen", "+olägenheten"]);
    }

    #[test]
    fn a_moved_field_reads_as_moved() {
        let s = diff(
            "Adress\nFastighetsbeteckning\nBeskriv olägenheten",
            "Fastighetsbeteckning\nAdress\nBeskriv olägenheten",
        );
        assert!(changed(&s), "a move is a change");
        let html = to_html(&s, 40);
        assert!(
            html.contains("data-moved=\"away\"") && html.contains("data-moved=\"here\""),
            "{html}"
        );
        assert!(!html.contains("<del>") && !html.contains("<ins>"), "{html}");
        assert!(
            change_summary(&s).iter().all(|c| c.starts_with('~')),
            "{:?}",
            change_summary(&s)
        );
        // …and a summary says it moved, not that it went.
        let said: Vec<String> = change_summary(&s).iter().map(|c| quoted(c)).collect();
        assert!(said.iter().all(|q| q.starts_with("flyttad ”")), "{said:?}");
        assert_eq!(quoted("-störningen"), "−”störningen”");
        assert_eq!(quoted("+olägenheten"), "+”olägenheten”");
        // A changed short word is still an edit.
        let s = diff("Beskriv störningen kort", "Beskriv olägenheten kort");
        assert_eq!(change_summary(&s), vec!["-störningen", "+olägenheten"]);
    }

    #[test]
    fn equal_texts_do_not_change() {
        let s = diff("Om dig\nNamn", "Om dig\nNamn");
        assert!(!changed(&s));
        assert!(change_summary(&s).is_empty());
    }

    #[test]
    fn html_is_escaped_and_marked() {
        let s = diff("a <b> c", "a <i> c");
        let html = to_html(&s, 40);
        assert!(html.contains("<del>&lt;b&gt;</del>"), "{html}");
        assert!(html.contains("<ins>&lt;i&gt;</ins>"), "{html}");
        assert!(!html.contains("<b>"));
    }

    #[test]
    fn long_unchanged_text_is_shortened() {
        let long = "ord ".repeat(100);
        let s = diff(&format!("{long}slut"), &format!("{long}start"));
        let html = to_html(&s, 20);
        assert!(html.len() < 200, "{html}");
        assert!(html.contains("…"));
    }
}
