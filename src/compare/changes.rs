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

use super::{Judged, Kind, Status};

mod repeats;
#[cfg(test)]
mod tests;

use repeats::{fold_page_repeats, fold_summary_repeats};

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
            j.deviation.kind.is_pixels().then_some(())?;
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
            .filter(|j| !j.deviation.kind.is_pixels())
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
        let has = |k: Kind| {
            self.changes[0]
                .evidence
                .iter()
                .any(|j| j.deviation.kind == k)
        };
        if self.changes[0].swap().is_some() {
            "Färgbyten"
        } else if has(Kind::Page) {
            "Sidor som finns bara på ena sidan"
        } else if has(Kind::Structure) {
            "Formulärets uppbyggnad"
        } else if has(Kind::Text) {
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
            .map(|j| (j.deviation.kind.is_pixels(), j.deviation.summary.clone()))
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

/// Gather a version's judged deviations into changes and items: pending
/// items first, then in page order of first appearance.
pub fn items(judged: &[Judged]) -> Vec<Item> {
    let mut changes: BTreeMap<(String, String, String), Change> = BTreeMap::new();
    for j in judged {
        if !j.deviation.kind.decidable() {
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
