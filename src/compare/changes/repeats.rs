//! Changes that repeat another page's change: the summary page repeating a
//! step's words, the same words changed on two pages. Each is part of the
//! change it repeats, so it is decided once.

use std::collections::BTreeMap;

use super::Change;
use crate::compare::Kind;

/// The summary page ("Granska och skicka") repeats every step's heading
/// and answers, so a step's changed words show there too. A change on the
/// summary page (with no structure or page evidence of its own) whose every
/// changed line repeats the same variant's step changes is part of the step
/// change it shares most words with: one item, one decision. A line repeats
/// the steps when each of its words was added (or removed) on a step too, or
/// when it is a question added (or removed) on a step followed by its answer
/// ("+Bor du i en hyresrätt? Ja" for the added "Bor du i en hyresrätt?").
pub(super) fn fold_summary_repeats(changes: &mut BTreeMap<(String, String, String), Change>) {
    const SUMMARY: &str = "granska";
    let summaries: Vec<(String, String, String)> = changes
        .keys()
        .filter(|(_, step, _)| step == SUMMARY)
        .cloned()
        .collect();
    for key in summaries {
        let (reference, _, municipality) = &key;
        let summary = &changes[&key];
        let own = summary
            .evidence
            .iter()
            .any(|j| matches!(j.deviation.kind, Kind::Structure | Kind::Page));
        let lines = text_lines(summary);
        if own || lines.is_empty() {
            continue;
        }
        let steps: Vec<(&(String, String, String), Said)> = changes
            .iter()
            .filter(|((r, step, m), _)| r == reference && m == municipality && step != SUMMARY)
            .map(|(k, c)| (k, Said::of(c)))
            .collect();
        let repeats = |line: &(bool, String)| {
            steps.iter().any(|(_, said)| {
                said.fields
                    .iter()
                    .any(|(added, label)| *added == line.0 && line.1.starts_with(label.as_str()))
            }) || line.1.split_whitespace().all(|w| {
                steps
                    .iter()
                    .any(|(_, said)| said.words.contains(&(line.0, w.to_string())))
            })
        };
        if !lines.iter().all(repeats) {
            continue;
        }
        let shared = |said: &Said| {
            lines
                .iter()
                .flat_map(|(added, l)| l.split_whitespace().map(move |w| (*added, w.to_string())))
                .filter(|w| said.words.contains(w))
                .count()
        };
        let Some(target) = steps
            .iter()
            .filter(|(_, said)| shared(said) > 0)
            .max_by_key(|(k, said)| (shared(said), std::cmp::Reverse((*k).clone())))
            .map(|(k, _)| (*k).clone())
        else {
            continue;
        };
        let folded = changes.remove(&key).expect("listed above");
        if let Some(step) = changes.get_mut(&target) {
            step.evidence.extend(folded.evidence);
        }
    }
}

/// A text that changed the same way on several pages of a variant (the
/// organisation's name in a page's heading and in a step's information
/// text) is one change: a page whose changed lines (and nothing else but
/// its pixels) all change on another page of the same variant too is part
/// of that page's change. Pages with structure changes of their own stay
/// their own.
pub(super) fn fold_page_repeats(changes: &mut BTreeMap<(String, String, String), Change>) {
    type Key = (String, String, String);
    let lines = |c: &Change| -> std::collections::BTreeSet<(bool, String)> {
        text_lines(c).into_iter().collect()
    };
    let own = |c: &Change| {
        c.evidence
            .iter()
            .any(|j| matches!(j.deviation.kind, Kind::Structure | Kind::Page))
    };
    // Fewest lines first, so a page folds into the fullest one saying it.
    let mut keys: Vec<(usize, Key)> = changes
        .iter()
        .filter(|(_, c)| !own(c))
        .map(|(k, c)| (lines(c).len(), k.clone()))
        .filter(|(n, _)| *n > 0)
        .collect();
    keys.sort();
    for (_, key) in keys {
        let Some(change) = changes.get(&key) else {
            continue;
        };
        let mine = lines(change);
        let target = changes
            .iter()
            .filter(|(k, _)| **k != key && k.0 == key.0 && k.2 == key.2)
            .map(|(k, c)| (k, lines(c)))
            .filter(|(k, theirs)| {
                mine.is_subset(theirs) && (theirs.len() > mine.len() || **k < key)
            })
            .max_by_key(|(k, theirs)| (theirs.len(), std::cmp::Reverse((*k).clone())))
            .map(|(k, _)| k.clone());
        if let Some(target) = target {
            let folded = changes.remove(&key).expect("looked up above");
            if let Some(t) = changes.get_mut(&target) {
                t.evidence.extend(folded.evidence);
            }
        }
    }
}

/// A change's changed text lines, each as (added, words without the sign).
fn text_lines(c: &Change) -> Vec<(bool, String)> {
    c.evidence
        .iter()
        .filter(|j| j.deviation.kind == Kind::Text)
        .filter_map(|j| j.deviation.detail["changes"].as_array())
        .flatten()
        .filter_map(|x| x.as_str())
        .filter_map(|line| {
            let added = line.starts_with('+');
            let body = line.strip_prefix(['+', '-', '−'])?;
            Some((added, body.trim().to_string()))
        })
        .collect()
}

/// What a step's change says: its changed words and the questions it adds
/// or removes, each with whether it was added.
struct Said {
    words: std::collections::HashSet<(bool, String)>,
    fields: Vec<(bool, String)>,
}

impl Said {
    fn of(c: &Change) -> Said {
        let fields: Vec<(bool, String)> = c
            .evidence
            .iter()
            .filter(|j| j.deviation.kind == Kind::Structure)
            .filter_map(|j| j.deviation.detail["changes"].as_array())
            .flatten()
            .filter_map(|x| {
                let added = match x["change"].as_str()? {
                    "added" => true,
                    "removed" => false,
                    _ => return None,
                };
                Some((added, x["label"].as_str()?.to_string()))
            })
            .filter(|(_, label)| !label.is_empty())
            .collect();
        // The questions' own words count as changed words too.
        let words = text_lines(c)
            .into_iter()
            .chain(fields.iter().cloned())
            .flat_map(|(added, l)| {
                l.split_whitespace()
                    .map(|w| (added, w.to_string()))
                    .collect::<Vec<_>>()
            })
            .collect();
        Said { words, fields }
    }
}
