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
            if !out.contains(&c.step.as_str()) {
                out.push(&c.step);
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
/// summary page whose text changes all repeat text changes of the same
/// variant's steps (and that has no structure or page evidence of its own)
/// is part of the first such step's change: one item, one decision.
fn fold_summary_repeats(changes: &mut BTreeMap<(String, String, String), Change>) {
    const SUMMARY: &str = "granska";
    let words = |c: &Change| -> Option<Vec<String>> {
        let mut out = Vec::new();
        for j in c.evidence.iter().filter(|j| j.deviation.kind == "text") {
            out.extend(
                j.deviation.detail["changes"]
                    .as_array()?
                    .iter()
                    .filter_map(|x| x.as_str().map(str::to_string)),
            );
        }
        Some(out)
    };
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
        let Some(repeated) = words(summary).filter(|w| !w.is_empty() && !own) else {
            continue;
        };
        let steps: Vec<((String, String, String), Vec<String>)> = changes
            .iter()
            .filter(|((r, step, m), _)| r == reference && m == municipality && step != SUMMARY)
            .filter_map(|(k, c)| Some((k.clone(), words(c)?)))
            .collect();
        let all: Vec<&String> = steps.iter().flat_map(|(_, w)| w).collect();
        if !repeated.iter().all(|w| all.contains(&w)) {
            continue;
        }
        let Some((target, _)) = steps
            .iter()
            .find(|(_, w)| w.iter().any(|x| repeated.contains(x)))
        else {
            continue;
        };
        let folded = changes.remove(&key).expect("listed above");
        if let Some(step) = changes.get_mut(target) {
            step.evidence.extend(folded.evidence);
        }
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
