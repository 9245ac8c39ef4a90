//! The release check: one verdict for a version (`gate`), from rules in a
//! policy file (`policy`), with e-kontoret's waivers (`waivers`), reports
//! (`report`: JSON, JUnit, self-contained HTML) and pages (`web`: the
//! release page, the Release action, the dashboard).

pub mod gate;
pub mod policy;
pub mod prepare;
pub mod report;
pub mod waivers;
pub mod web;

pub use gate::{Blocker, GateResult, Verdict, check};
pub use policy::Policy;

use std::path::Path;
use std::sync::Arc;

use crate::checklists::{BrokenRules, Checklist};
use crate::services::store::VersionSummary;
use crate::store::Store;

/// The rules a verdict is reached by: the legal checklists and the release
/// policy, each read again only when its file changed.
#[derive(Clone)]
pub struct Rules {
    pub checklists: Arc<Vec<Checklist>>,
    pub policy: Arc<Policy>,
}

impl Rules {
    pub fn load(checklists: &Path, policy: &Path) -> Result<Rules, BrokenRules> {
        Ok(Rules {
            checklists: crate::checklists::loaded(checklists)?,
            policy: Policy::load_cached(policy).map_err(|problems| BrokenRules {
                what: "Releasepolicyn",
                problems,
            })?,
        })
    }
}

/// The gate's verdict on `v` under `rules`.
pub async fn evaluate(
    store: &Store,
    rules: &Rules,
    v: &VersionSummary,
) -> Result<GateResult, sqlx::Error> {
    gate::check(store, v, &rules.checklists, &rules.policy).await
}
