//! Deviations gathered into what e-kontoret decides on (Chromatic's "one
//! review per story", better where variants allow it):
//!
//! - a **change** is one page of one variant against one reference, with all
//!   its evidence together (text, structure, the pixels of every viewport);
//!   one decision settles every piece, and each piece keeps its own
//!   fingerprint, so the change is asked again when any of them changes;
//! - an **item** is the same change in several municipalities (the same
//!   text and structure evidence on the same page against the same kind of
//!   reference): one decision for all of them. Pixel evidence differs with
//!   each municipality's branding, so it groups only changes that have
//!   nothing else to say.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use super::{Judged, Status};

/// One page of one variant against one reference.
#[derive(Debug, Clone)]
pub struct Change {
    pub reference: String,
    pub municipality: String,
    pub step: String,
    /// The decidable deviations (not declared ones, not capture errors).
    pub evidence: Vec<Judged>,
}

impl Change {
    /// Pending when any evidence is; else flagged when any is; else approved.
    pub fn status(&self) -> Status {
        if self.evidence.iter().any(|j| j.status == Status::Pending) {
            Status::Pending
        } else if self.evidence.iter().any(|j| j.status == Status::Flagged) {
            Status::Flagged
        } else {
            Status::Approved
        }
    }

    /// The colour swap this change is, when all its evidence is pixels
    /// naming the same swap ("#1f5f99", "#2b7a3d").
    pub fn swap(&self) -> Option<(String, String)> {
        let mut swaps = self.evidence.iter().map(|j| {
            let c = j.deviation.detail.get("colour").filter(|c| !c.is_null())?;
            j.deviation.kind.starts_with("pixels:").then_some(())?;
            Some((
                c["from"].as_str()?.to_string(),
                c["to"].as_str()?.to_string(),
            ))
        });
        let first = swaps.next()??;
        swaps.all(|s| s.as_ref() == Some(&first)).then_some(first)
    }

    /// The kinds and fingerprints of its text, structure and page evidence
    /// (what does not differ with the reference's branding), sorted.
    pub fn semantic(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .evidence
            .iter()
            .filter(|j| !j.deviation.kind.starts_with("pixels:"))
            .map(|j| format!("{}={}", j.deviation.kind, j.deviation.fingerprint))
            .collect();
        out.sort();
        out
    }

    /// What tells this change apart from another on the same page: the
    /// fingerprints of its text, structure and page evidence, or of its
    /// pixels when that is all there is.
    fn signature(&self) -> Vec<String> {
        let semantic = self.semantic();
        let mut sig = if semantic.is_empty() {
            self.evidence
                .iter()
                .map(|j| format!("{}={}", j.deviation.kind, j.deviation.fingerprint))
                .collect()
        } else {
            semantic
        };
        sig.sort();
        sig
    }
}

/// The same change in one or more municipalities: one decision.
#[derive(Debug, Clone)]
pub struct Item {
    /// Stable across page loads while the evidence is the same (a URL key).
    pub key: String,
    pub reference: String,
    pub step: String,
    /// In municipality order.
    pub changes: Vec<Change>,
}

impl Item {
    pub fn status(&self) -> Status {
        let all: Vec<Status> = self.changes.iter().map(Change::status).collect();
        if all.contains(&Status::Pending) {
            Status::Pending
        } else if all.contains(&Status::Flagged) {
            Status::Flagged
        } else {
            Status::Approved
        }
    }

    /// The pages the item's changes are on, in first-seen order.
    pub fn pages(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for c in &self.changes {
            let steps = std::iter::once(c.step.as_str())
                .chain(c.evidence.iter().map(|j| j.deviation.step.as_str()));
            for step in steps {
                if !out.contains(&step) {
                    out.push(step);
                }
            }
        }
        out
    }

    pub fn is_pending(&self) -> bool {
        self.status() == Status::Pending
    }

    /// "Text och formulär", "Text", "Bara bilden", …: what kind of change
    /// it is, for grouping the queue.
    pub fn kind_words(&self) -> &'static str {
        let kinds: Vec<&str> = self.changes[0]
            .evidence
            .iter()
            .map(|j| j.deviation.kind.as_str())
            .collect();
        let has = |k: &str| kinds.contains(&k);
        if self.changes[0].swap().is_some() {
            "Färgbyten"
        } else if has("page") {
            "Sidor som finns bara på ena sidan"
        } else if has("structure") {
            "Formulärets uppbyggnad"
        } else if has("text") {
            "Text"
        } else {
            "Bara utseendet"
        }
    }

    /// The evidence summaries of the first change, text and structure first.
    pub fn summaries(&self) -> Vec<String> {
        let mut out: Vec<(bool, String)> = self.changes[0]
            .evidence
            .iter()
            .map(|j| {
                (
                    j.deviation.kind.starts_with("pixels:"),
                    j.deviation.summary.clone(),
                )
            })
            .collect();
        out.sort_by_key(|(pixels, _)| *pixels);
        out.into_iter().map(|(_, s)| s).collect()
    }

    /// Every deviation the item's one decision records.
    pub fn deviations(&self) -> Vec<super::store::StoredDeviation> {
        self.changes
            .iter()
            .flat_map(|c| c.evidence.iter().map(|j| j.deviation.clone()))
            .collect()
    }
}

/// The summary page ("Granska och skicka") repeats every step's heading
/// and answers, so a step's changed words show there too. A change on the
/// summary page (with no structure or page evidence of its own) whose every
/// changed line repeats the same variant's step changes is part of the step
/// change it shares most words with: one item, one decision. A line repeats
/// the steps when each of its words was added (or removed) on a step too, or
/// when it is a question added (or removed) on a step followed by its answer
/// ("+Bor du i en hyresrätt? Ja" for the added "Bor du i en hyresrätt?").
fn fold_summary_repeats(changes: &mut BTreeMap<(String, String, String), Change>) {
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
            .any(|j| matches!(j.deviation.kind.as_str(), "structure" | "page"));
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
fn fold_page_repeats(changes: &mut BTreeMap<(String, String, String), Change>) {
    type Key = (String, String, String);
    let lines = |c: &Change| -> std::collections::BTreeSet<(bool, String)> {
        text_lines(c).into_iter().collect()
    };
    let own = |c: &Change| {
        c.evidence
            .iter()
            .any(|j| matches!(j.deviation.kind.as_str(), "structure" | "page"))
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
        .filter(|j| j.deviation.kind == "text")
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
            .filter(|j| j.deviation.kind == "structure")
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

/// Gather a version's judged deviations into changes and items: pending
/// items first, then in page order of first appearance.
pub fn items(judged: &[Judged]) -> Vec<Item> {
    let mut changes: BTreeMap<(String, String, String), Change> = BTreeMap::new();
    for j in judged {
        if matches!(j.deviation.kind.as_str(), "declared" | "capture") {
            continue;
        }
        let d = &j.deviation;
        changes
            .entry((d.reference.clone(), d.step.clone(), d.municipality.clone()))
            .or_insert_with(|| Change {
                reference: d.reference.clone(),
                municipality: d.municipality.clone(),
                step: d.step.clone(),
                evidence: Vec::new(),
            })
            .evidence
            .push(j.clone());
    }
    fold_summary_repeats(&mut changes);
    fold_page_repeats(&mut changes);
    // First appearance of each page, to keep the walk's order.
    let mut order: Vec<String> = Vec::new();
    for j in judged {
        if !order.contains(&j.deviation.step) {
            order.push(j.deviation.step.clone());
        }
    }
    let mut items: BTreeMap<String, Item> = BTreeMap::new();
    for c in changes.into_values() {
        let mut h = Sha256::new();
        h.update(super::reference_kind(&c.reference));
        h.update([0]);
        // A colour swapped for another is one change on every page it
        // shows on: one item, not one per page and viewport.
        if let Some((from, to)) = c.swap() {
            h.update(format!("colour\0{from}\0{to}"));
        } else {
            h.update(&c.step);
            for s in c.signature() {
                h.update([0]);
                h.update(s);
            }
        }
        let key = hex::encode(&h.finalize()[..8]);
        items
            .entry(key.clone())
            .or_insert_with(|| Item {
                key,
                reference: c.reference.clone(),
                step: c.step.clone(),
                changes: Vec::new(),
            })
            .changes
            .push(c);
    }
    let mut out: Vec<Item> = items.into_values().collect();
    let at = |step: &str| order.iter().position(|s| s == step).unwrap_or(usize::MAX);
    for i in &mut out {
        // A colour swap's changes walk its pages in order.
        i.changes
            .sort_by_key(|c| (at(&c.step), c.municipality.clone()));
        i.step = i.changes[0].step.clone();
    }
    out.sort_by_key(|i| {
        (
            !i.is_pending(),
            order
                .iter()
                .position(|s| *s == i.step)
                .unwrap_or(usize::MAX),
            i.changes[0].municipality.clone(),
        )
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::store::StoredDeviation;

    fn j(id: i64, m: &str, step: &str, kind: &str, fp: &str, status: Status) -> Judged {
        Judged {
            deviation: StoredDeviation {
                id,
                reference: "base".into(),
                municipality: m.into(),
                step: step.into(),
                kind: kind.into(),
                fingerprint: fp.into(),
                summary: format!("{kind} {fp}"),
                detail: serde_json::Value::Null,
            },
            status,
            decision: None,
        }
    }

    #[test]
    fn one_change_per_page_and_one_item_per_identical_change() {
        use Status::*;
        let judged = vec![
            // The same added field in Kil and Säffle: text, structure and
            // pixels that differ with the brand colour.
            j(1, "kil", "steg/plats", "text", "T1", Pending),
            j(2, "kil", "steg/plats", "structure", "S1", Pending),
            j(3, "kil", "steg/plats", "pixels:desktop", "Pk", Pending),
            j(4, "kil", "steg/plats", "pixels:mobile", "Pk2", Pending),
            j(5, "saffle", "steg/plats", "text", "T1", Pending),
            j(6, "saffle", "steg/plats", "structure", "S1", Pending),
            j(7, "saffle", "steg/plats", "pixels:desktop", "Ps", Approved),
            // Another change on the same page elsewhere.
            j(8, "eda", "steg/plats", "text", "T2", Pending),
            // Branding only, on two pages of one variant.
            j(9, "kil", "start", "pixels:desktop", "B1", Approved),
            j(10, "kil", "steg/om-dig", "declared", "D", Declared),
        ];
        let items = items(&judged);
        assert_eq!(items.len(), 3, "{items:#?}");
        let shared = items
            .iter()
            .find(|i| i.changes.len() == 2)
            .expect("Kil and Säffle together");
        assert_eq!(shared.deviations().len(), 7, "every piece of evidence");
        assert_eq!(shared.status(), Pending);
        assert_eq!(shared.kind_words(), "Formulärets uppbyggnad");
        assert_eq!(shared.summaries()[0], "text T1", "text before pixels");
        assert!(items[..2].iter().all(Item::is_pending), "pending first");
        assert_eq!(items[2].status(), Approved);
        assert_eq!(items[2].kind_words(), "Bara utseendet");
        // The key is stable.
        assert_eq!(super::items(&judged)[0].key, items[0].key);
    }

    #[test]
    fn one_colour_swap_on_many_pages_is_one_item() {
        use Status::*;
        let swap = |mut j: Judged, to: &str| {
            j.deviation.detail = serde_json::json!({ "colour": { "from": "#1f5f99", "to": to } });
            j
        };
        let judged = vec![
            swap(
                j(1, "kil", "start", "pixels:desktop", "C", Pending),
                "#2b7a3d",
            ),
            swap(
                j(2, "kil", "start", "pixels:mobile", "C", Pending),
                "#2b7a3d",
            ),
            swap(
                j(3, "kil", "steg/plats", "pixels:desktop", "C", Pending),
                "#2b7a3d",
            ),
            swap(
                j(4, "eda", "kvitto", "pixels:desktop", "C", Pending),
                "#2b7a3d",
            ),
            // Another colour is another change; pixels without a swap stay per page.
            swap(
                j(5, "arvika", "start", "pixels:desktop", "D", Pending),
                "#990000",
            ),
            j(6, "kil", "kvitto", "pixels:desktop", "P", Pending),
        ];
        let items = items(&judged);
        assert_eq!(items.len(), 3, "{items:#?}");
        let green = items
            .iter()
            .find(|i| i.changes.len() == 3)
            .expect("one item for #1f5f99 → #2b7a3d");
        assert_eq!(green.pages(), vec!["start", "steg/plats", "kvitto"]);
        assert_eq!(green.deviations().len(), 4);
        assert_eq!(green.kind_words(), "Färgbyten");
    }

    #[test]
    fn the_summary_page_repeating_a_step_change_is_part_of_it() {
        use Status::*;
        let text = |mut j: Judged, changes: &[&str]| {
            j.deviation.detail = serde_json::json!({ "changes": changes });
            j
        };
        let judged = vec![
            text(
                j(1, "kil", "steg/plats", "text", "T1", Pending),
                &["-Plats", "+Om platsen"],
            ),
            j(2, "kil", "steg/plats", "pixels:desktop", "P1", Pending),
            text(
                j(3, "kil", "granska", "text", "T2", Pending),
                &["-Plats", "+Om platsen", "-Plats"],
            ),
            j(4, "kil", "granska", "pixels:desktop", "P2", Pending),
            // Eda's summary says something its steps do not: its own change.
            text(
                j(5, "eda", "steg/plats", "text", "T1", Pending),
                &["-Plats", "+Om platsen"],
            ),
            text(
                j(6, "eda", "granska", "text", "T3", Pending),
                &["+Avgift 200 kr"],
            ),
        ];
        let items = items(&judged);
        let kil: Vec<&Item> = items
            .iter()
            .filter(|i| i.changes.iter().any(|c| c.municipality == "kil"))
            .collect();
        assert_eq!(kil.len(), 1, "{items:#?}");
        assert_eq!(kil[0].step, "steg/plats");
        assert_eq!(kil[0].deviations().len(), 4, "the summary's evidence too");
        let eda_summary = items
            .iter()
            .filter(|i| {
                i.changes
                    .iter()
                    .any(|c| c.municipality == "eda" && c.step == "granska")
            })
            .count();
        assert_eq!(eda_summary, 1, "{items:#?}");
    }

    /// The demo's cases: a question added on a step shows on the summary
    /// with its answer, a removed one without it; a heading renamed on one
    /// step shows twice on the summary, beside the added question.
    #[test]
    fn a_summary_line_with_an_added_or_removed_question_and_its_answer_is_a_repeat() {
        use Status::*;
        let with = |mut j: Judged, detail: serde_json::Value| {
            j.deviation.detail = detail;
            j
        };
        let field = |change: &str, label: &str| serde_json::json!({ "changes": [{ "change": change, "id": "f", "label": label }] });
        let text = |lines: &[&str]| serde_json::json!({ "changes": lines });
        let q = "Bor du i en hyresrätt?";
        let judged = vec![
            with(
                j(1, "torsby", "steg/plats", "text", "T1", Pending),
                text(&["+Bor du i en hyresrätt? Ja Nej"]),
            ),
            with(
                j(2, "torsby", "steg/plats", "structure", "S1", Pending),
                field("added", q),
            ),
            with(
                j(3, "torsby", "granska", "text", "T2", Pending),
                text(&["+Bor du i en hyresrätt? Ja"]),
            ),
            with(
                j(4, "eda", "steg/plats", "structure", "S2", Pending),
                field("removed", "Hur många hushåll berörs, ungefär?"),
            ),
            with(
                j(5, "eda", "granska", "text", "T3", Pending),
                text(&["-Hur många hushåll berörs, ungefär? 12"]),
            ),
            with(
                j(6, "arvika", "steg/storningen", "text", "T4", Pending),
                text(&["-Om", "+Beskriv", "+Vill du ha hembesök? Ja Nej"]),
            ),
            with(
                j(7, "arvika", "steg/storningen", "structure", "S3", Pending),
                field("added", "Vill du ha hembesök?"),
            ),
            with(
                j(8, "arvika", "granska", "text", "T5", Pending),
                text(&[
                    "-Om",
                    "+Beskriv",
                    "-Om",
                    "+Beskriv",
                    "+Vill du ha hembesök? Ja",
                ]),
            ),
            // An added question's label on a step does not cover a summary
            // line that adds it where it was removed.
            with(
                j(9, "kil", "steg/plats", "structure", "S4", Pending),
                field("added", q),
            ),
            with(
                j(10, "kil", "granska", "text", "T6", Pending),
                text(&["-Bor du i en hyresrätt? Nej"]),
            ),
        ];
        let items = items(&judged);
        for m in ["torsby", "eda", "arvika"] {
            let own: Vec<&Item> = items
                .iter()
                .filter(|i| i.changes.iter().any(|c| c.municipality == m))
                .collect();
            assert_eq!(own.len(), 1, "{m}: {items:#?}");
            assert_ne!(own[0].step, "granska", "{m}");
        }
        let kil = items
            .iter()
            .filter(|i| i.changes.iter().any(|c| c.municipality == "kil"))
            .count();
        assert_eq!(kil, 2, "{items:#?}");
    }

    /// Karlstad's organisation renamed: on the start page and in a step's
    /// text; one decision, both pages its evidence. A page that says one
    /// thing more stays its own change.
    #[test]
    fn the_same_words_changed_on_two_pages_are_one_change() {
        use Status::*;
        let text = |mut j: Judged, lines: &[&str]| {
            j.deviation.detail = serde_json::json!({ "changes": lines });
            j
        };
        let org = [
            "-Miljö-",
            "+Miljönämnden,",
            "-och hälsoskyddsnämnden",
            "+Karlstads kommun",
        ];
        let judged = vec![
            text(j(1, "karlstad", "start", "text", "T1", Pending), &org),
            j(2, "karlstad", "start", "pixels:desktop", "P1", Pending),
            text(
                j(3, "karlstad", "steg/om-dig", "text", "T2", Pending),
                &org[..2],
            ),
            j(
                4,
                "karlstad",
                "steg/om-dig",
                "pixels:desktop",
                "P2",
                Pending,
            ),
            text(
                j(5, "karlstad", "steg/plats", "text", "T3", Pending),
                &["-Miljö-", "+Miljönämnden,", "+Ring oss"],
            ),
        ];
        let items = items(&judged);
        assert_eq!(items.len(), 2, "{items:#?}");
        let org = items.iter().find(|i| i.step == "start").expect("start");
        assert_eq!(org.pages(), vec!["start", "steg/om-dig"]);
        assert_eq!(org.deviations().len(), 4);
        assert!(items.iter().any(|i| i.step == "steg/plats"));
    }

    #[test]
    fn a_flag_on_any_evidence_flags_the_change() {
        use Status::*;
        let judged = vec![
            j(1, "kil", "start", "text", "T", Approved),
            j(2, "kil", "start", "pixels:desktop", "P", Flagged),
        ];
        assert_eq!(items(&judged)[0].status(), Flagged);
    }
}
