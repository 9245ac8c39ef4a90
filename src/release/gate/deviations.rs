//! Condition 2, every deviation from the base and the last release is
//! approved, said once per change: a page of one variant that changed is
//! one blocker whether it differs from the base, from the last release or
//! both, in text, structure and every viewport's pixels; a colour swapped
//! for another is one blocker for all the pages it shows on.

use crate::compare::{Judged, Kind, Status as DevStatus};
use crate::release::policy::Condition;

use super::blocker::Blocker;
use super::conditions::{blocker, name, page_words};
use super::load::GateInput;

pub fn deviations(g: &GateInput) -> Vec<Blocker> {
    let c = Condition::Deviations;
    let base = &g.base_url;
    let mut out = Vec::new();
    if g.judged.is_empty() && !g.captured {
        out.push(blocker(
            c,
            "deviations:*:not-compared".into(),
            None,
            "Varianterna har inte jämförts: starta en jämförelse från versionens sida.".into(),
            Some(format!("{base}/jamforelse")),
            None,
        ));
    }
    if let Some(r) = &g.last_release
        && g.captured
        && !r.captured
        && !g.judged.iter().any(|j| j.deviation.reference == r.version)
    {
        out.push(blocker(
            c,
            format!("deviations:*:not-compared-{}", r.version),
            None,
            format!(
                "Versionen har inte jämförts med den släppta versionen {}.",
                r.version
            ),
            Some(format!("{base}/jamforelse")),
            None,
        ));
    }
    for change in changes(g) {
        out.push(change.blocker(g));
    }
    out
}

/// One change that waits for a decision, with all its unsettled evidence.
struct Change<'a> {
    municipality: String,
    /// The page the change is on (a summary page repeating it folds in).
    step: String,
    /// The queue item that holds the leading evidence.
    item: Option<String>,
    evidence: Vec<&'a Judged>,
    swap: Option<(String, String)>,
}

/// The unsettled evidence of participating municipalities, gathered by
/// what changed: the colour swap, or the page and what its text and
/// structure say (its pixels differ with the reference, so a page whose
/// text did not change is one change of its look).
fn changes(g: &GateInput) -> Vec<Change<'_>> {
    let by_id: std::collections::HashMap<i64, &Judged> =
        g.judged.iter().map(|j| (j.deviation.id, j)).collect();
    let mut out: Vec<(String, Change)> = Vec::new();
    for item in crate::compare::changes::items(&g.judged) {
        for c in &item.changes {
            let unsettled: Vec<&Judged> = c
                .evidence
                .iter()
                .filter_map(|e| by_id.get(&e.deviation.id).copied())
                .filter(|j| !j.status.is_settled())
                .collect();
            if unsettled.is_empty() || !g.takes_part(&c.municipality) {
                continue;
            }
            let swap = c.swap();
            let semantic = c.semantic();
            let identity = match &swap {
                Some((from, to)) => format!("{}\0colour\0{from}\0{to}", c.municipality),
                None => format!("{}\0{}\0{}", c.municipality, c.step, semantic.join(",")),
            };
            match out.iter_mut().find(|(id, _)| *id == identity) {
                Some((_, change)) => change.evidence.extend(unsettled),
                None => out.push((
                    identity,
                    Change {
                        municipality: c.municipality.clone(),
                        step: c.step.clone(),
                        item: Some(item.key.clone()),
                        evidence: unsettled,
                        swap,
                    },
                )),
            }
        }
    }
    // What no queue item holds (a page that could not be captured) is its
    // own change.
    let held: std::collections::HashSet<i64> = out
        .iter()
        .flat_map(|(_, c)| c.evidence.iter().map(|e| e.deviation.id))
        .collect();
    for j in g.judged.iter().filter(|j| {
        !j.status.is_settled()
            && g.takes_part(&j.deviation.municipality)
            && !held.contains(&j.deviation.id)
    }) {
        out.push((
            format!("deviation\0{}", j.deviation.id),
            Change {
                municipality: j.deviation.municipality.clone(),
                step: j.deviation.step.clone(),
                item: None,
                evidence: vec![j],
                swap: None,
            },
        ));
    }
    out.into_iter()
        .map(|(_, mut c)| {
            // The base before a release, the change's own page before a
            // page repeating it, words before pixels: what leads.
            c.evidence.sort_by_key(|j| {
                (
                    j.deviation.reference != "base",
                    j.deviation.step != c.step,
                    j.deviation.kind.is_pixels(),
                    j.deviation.step.clone(),
                    j.deviation.kind.clone(),
                )
            });
            c
        })
        .collect()
}

impl Change<'_> {
    fn blocker(&self, g: &GateInput) -> Blocker {
        let lead = &self.evidence[0].deviation;
        let mut references: Vec<String> = Vec::new();
        let mut pages: Vec<&str> = Vec::new();
        for j in &self.evidence {
            let against = match j.deviation.reference.as_str() {
                "base" => "basen".to_string(),
                r => format!("version {r}"),
            };
            if !references.contains(&against) {
                references.push(against);
            }
            if !pages.contains(&j.deviation.step.as_str()) {
                pages.push(&j.deviation.step);
            }
        }
        let what = if self.evidence.iter().any(|j| j.status == DevStatus::Flagged) {
            "är flaggad"
        } else if self.evidence.iter().any(|j| j.status == DevStatus::Error) {
            "kunde inte fångas"
        } else {
            "är inte godkänd"
        };
        let against = references.join(" och ");
        let municipality = name(&self.municipality);
        let message = match &self.swap {
            Some((from, to)) => format!(
                "Färgbytet {from} → {to} i {municipality} mot {against} ({}) {what}",
                match pages.len() {
                    1 => page_words(pages[0], &g.step_titles),
                    n => format!("på {n} sidor"),
                }
            ),
            None => {
                let mut kinds: Vec<String> = Vec::new();
                for j in &self.evidence {
                    let k = kind_words(&j.deviation.kind);
                    if !kinds.contains(&k) {
                        kinds.push(k);
                    }
                }
                // A change repeated on other pages (the summary page, the
                // same words elsewhere) says so: one decision covers them.
                let more = match pages.len() {
                    1 => String::new(),
                    2 => " och 1 sida till".to_string(),
                    n => format!(" och {} sidor till", n - 1),
                };
                format!(
                    "Avvikelsen i {} mot {against} på {}{more} i {municipality} {what}: {}",
                    kinds.join(", "),
                    page_words(&lead.step, &g.step_titles),
                    lead.summary
                )
            }
        };
        let base = &g.base_url;
        let mut b = blocker(
            Condition::Deviations,
            // The leading deviation's key, as when each was its own blocker,
            // so a waiver given for it still holds.
            format!(
                "deviations:{}:{}:{}:{}:{}",
                lead.municipality, lead.reference, lead.step, lead.kind, lead.fingerprint
            ),
            Some(&self.municipality),
            message,
            Some(match &self.item {
                Some(key) => format!("{base}/jamforelse/ko/{key}"),
                None => format!("{base}/jamforelse/{}?steg={}", lead.municipality, lead.step),
            }),
            None,
        );
        // The first diff image, and its first changed region or added band.
        if let Some(d) = self
            .evidence
            .iter()
            .map(|j| &j.deviation.detail)
            .find(|d| d["diff"].is_string())
        {
            b.screenshot = d["diff"].as_str().map(str::to_string);
            let region = |key: &str| {
                let r = d[key].get(0)?;
                let n = |k: &str| r[k].as_u64().map(|v| v as u32);
                Some([n("x")?, n("y")?, n("w")?, n("h")?])
            };
            b.focus = region("regions").or_else(|| region("added"));
        }
        b
    }
}

/// What a deviation is about, in words ("texten", "bilden, mobil (390 px)").
fn kind_words(kind: &Kind) -> String {
    match kind {
        Kind::Text => "texten".into(),
        Kind::Structure => "formulärets uppbyggnad".into(),
        Kind::Page => "sidorna".into(),
        Kind::Capture => "fångsten".into(),
        Kind::Declared => "de deklarerade anpassningarna".into(),
        Kind::Pixels(viewport) => format!(
            "bilden, {}",
            crate::services::ignores::viewport_words(viewport)
        ),
    }
}
