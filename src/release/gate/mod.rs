//! The release gate: may this version ship, and if not, exactly what blocks
//! it. Six conditions over the participating municipalities (those that did
//! not opt out in the review round); each blocker names itself and links its
//! evidence; e-kontoret's waivers (with reason and expiry) lift single blockers.
//!
//! Everything the conditions look at is loaded once into a [`GateInput`]
//! (`load`, a bounded number of queries however many deviations, cells or
//! comments there are); each condition is a pure function of it
//! (`conditions`) that returns its blockers.

mod conditions;
mod deviations;
mod load;

use serde::Serialize;

use crate::checklists::Checklist;
use crate::services::store::VersionSummary;
use crate::store::Store;

use super::policy::{Condition, Policy};
use super::waivers::Waiver;

pub use load::GateInput;

#[derive(Debug, Clone, Serialize)]
pub struct Blocker {
    /// Stable across checks, so a waiver can name it: `scenarios:eda:bilaga`.
    pub key: String,
    pub condition: Condition,
    pub municipality: Option<String>,
    pub message: String,
    /// A page of the test room that shows the evidence.
    pub evidence: Option<String>,
    /// A screenshot (artifact hash) that shows it, for the offline report.
    pub screenshot: Option<String>,
    /// Where on that screenshot to look (x, y, w, h): a changed region.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub focus: Option<[u32; 4]>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Ready,
    Blocked,
}

#[derive(Debug, Clone, Serialize)]
pub struct GateResult {
    pub service: String,
    pub version: String,
    pub title: String,
    pub verdict: Verdict,
    pub participating: Vec<String>,
    pub opted_out: Vec<(String, String)>,
    pub conditions: Vec<Condition>,
    pub blockers: Vec<Blocker>,
    pub waived: Vec<(Blocker, Waiver)>,
    pub released: bool,
    pub checked_at: String,
}

/// Load what the gate needs and apply the conditions the policy names.
pub async fn check(
    db: &Store,
    v: &VersionSummary,
    checklists: &[Checklist],
    policy: &Policy,
) -> Result<GateResult, sqlx::Error> {
    let input = load::load(db, v, checklists, policy).await?;
    Ok(decide(&input, policy))
}

/// The verdict over a loaded input: pure, so each condition can be tested
/// on its own.
pub fn decide(input: &GateInput, policy: &Policy) -> GateResult {
    let applied: Vec<Condition> = Condition::ALL
        .into_iter()
        .filter(|c| policy.applies(*c))
        .collect();
    let blockers = applied.iter().flat_map(|c| match c {
        Condition::Scenarios => conditions::scenarios(input),
        Condition::Deviations => deviations::deviations(input),
        Condition::Checklists => conditions::checklists(input, policy),
        Condition::Accessibility => conditions::accessibility(input, policy),
        Condition::Feedback => conditions::feedback(input, policy),
        Condition::Round => conditions::round(input),
    });
    // Waivers lift single blockers until they expire.
    let (mut open, mut waived) = (Vec::new(), Vec::new());
    for b in blockers {
        match input.waivers.iter().find(|w| w.blocker == b.key) {
            Some(w) => waived.push((b, w.clone())),
            None => open.push(b),
        }
    }
    let v = &input.version;
    GateResult {
        service: v.service_id.clone(),
        version: v.version.clone(),
        title: v.title.clone(),
        verdict: if open.is_empty() {
            Verdict::Ready
        } else {
            Verdict::Blocked
        },
        participating: input.participating.clone(),
        opted_out: input.opted_out.clone(),
        conditions: applied,
        blockers: open,
        waived,
        released: input.released,
        checked_at: crate::store::now(),
    }
}
