//! The release check: one verdict for a version (`gate`), from rules in a
//! policy file (`policy`), with e-kontoret's waivers (`waivers`), reports
//! (`report`: JSON, JUnit, self-contained HTML) and pages (`web`: the
//! release page, the Release action, the dashboard).

pub mod gate;
pub mod policy;
pub mod report;
pub mod waivers;
pub mod web;

pub use gate::{Blocker, GateResult, Verdict, check};
pub use policy::Policy;

use crate::services::store::VersionSummary;
use crate::web::{AppState, WebError};

/// The gate's verdict on `v` with the checklists and policy the server was
/// started with (a broken checklist or policy file is a clear error page).
pub async fn evaluate(state: &AppState, v: &VersionSummary) -> Result<GateResult, WebError> {
    let lists = crate::checklists::loaded(state)?;
    let policy = Policy::load_cached(&state.release_policy).map_err(|d| {
        WebError::BadRequest(format!(
            "Releasepolicyn har fel: {}",
            d.iter()
                .map(|x| x.to_string())
                .collect::<Vec<_>>()
                .join("; ")
        ))
    })?;
    Ok(gate::check(&state.store, v, &lists, &policy).await?)
}
