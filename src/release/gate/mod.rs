//! The release gate: may this version ship, and if not, exactly what blocks
//! it. Six conditions over the participating municipalities (those that did
//! not opt out in the review round); each blocker names itself and links its
//! evidence; e-kontoret's waivers (with reason and expiry) lift single blockers.
//!
//! Everything the conditions look at is loaded once into a [`GateInput`]
//! (`load`, a bounded number of queries however many deviations, cells or
//! comments there are); each condition is a pure function of it
//! (`conditions`) that returns its blockers.

mod blocker;
mod conditions;
mod deviations;
mod load;
pub use blocker::Blocker;

use serde::Serialize;

use crate::checklists::Checklist;
use crate::services::store::VersionSummary;
use crate::store::Store;

use super::policy::{Condition, Policy};
use super::waivers::Waiver;

pub use load::GateInput;

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
    /// What the verdict stands on: which run, and how much of it and of the
    /// captures was made for this check or reused unchanged.
    pub evidence: Provenance,
}

/// How much of the evidence was made anew and how much reused because its
/// inputs had not changed (issue 29).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Provenance {
    /// The run the scenario condition judged.
    pub run: Option<i64>,
    pub cells_run: usize,
    pub cells_reused: usize,
    /// The earlier runs reused cells come from.
    pub reused_from_runs: Vec<i64>,
    pub captures_made: i64,
    pub captures_reused: i64,
}

/// "9", "9 och 11", "7, 9 och 11".
fn and_list(items: &[String]) -> String {
    match items.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} och {last}", rest.join(", ")),
    }
}

impl Provenance {
    /// In words, for the release page and the report: what was made for
    /// this check and what was taken over unchanged, and from where.
    pub fn swedish(&self) -> String {
        let mut out = Vec::new();
        if let Some(run) = self.run {
            let mut s = format!("Scenarierna: körning {run}");
            if self.cells_reused > 0 {
                let from: Vec<String> = self
                    .reused_from_runs
                    .iter()
                    .map(|r| r.to_string())
                    .collect();
                let many = if from.len() == 1 {
                    "körning"
                } else {
                    "körningarna"
                };
                let ran = match self.cells_run {
                    0 => "där alla".to_string(),
                    1 => "där 1 cell kördes och".to_string(),
                    n => format!("där {n} celler kördes och"),
                };
                s.push_str(&format!(
                    ", {ran} {} togs oförändrade från {many} {} (samma innehåll, så de kördes inte igen)",
                    match self.cells_reused {
                        1 => "1 cell".to_string(),
                        n => format!("{n} celler"),
                    },
                    and_list(&from)
                ));
            }
            out.push(s);
        }
        if self.captures_made + self.captures_reused > 0 {
            let mut s = format!(
                "Sidbilderna: {} {}",
                self.captures_made,
                if self.captures_made == 1 {
                    "serie fångad"
                } else {
                    "serier fångade"
                }
            );
            if self.captures_reused > 0 {
                s.push_str(&format!(
                    ", {} oförändrade från en tidigare version",
                    self.captures_reused
                ));
            }
            out.push(s);
        }
        if out.is_empty() {
            String::new()
        } else {
            format!("{}.", out.join(". "))
        }
    }

    fn of(input: &GateInput) -> Provenance {
        let mut from: Vec<i64> = input
            .cells
            .iter()
            .filter_map(|c| c.reused_from_run)
            .collect();
        from.sort_unstable();
        from.dedup();
        let reused = input
            .cells
            .iter()
            .filter(|c| c.reused_from_run.is_some())
            .count();
        Provenance {
            run: input.run.as_ref().map(|r| r.id),
            cells_run: input.cells.len() - reused,
            cells_reused: reused,
            reused_from_runs: from,
            captures_made: input.captures.made,
            captures_reused: input.captures.reused,
        }
    }
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
        evidence: Provenance::of(input),
    }
}
