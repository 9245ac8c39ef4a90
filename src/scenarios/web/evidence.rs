//! Evidence files on the web: `/artefakter/<sha256>`, the screenshots,
//! texts, diff images and pin shots the run, comparison and comment pages
//! show.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};

use crate::web::{AppState, WebError};

/// A stored file of the evidence (screenshots, texts, diff images, pin
/// shots), for staff and the test room's own printing browser. Files are
/// content-addressed, so a hash says nothing of what it shows: a file is
/// served only if evidence refers to it, never a citizen's attachment (read
/// through its case), and never cached on the way.
pub(super) async fn artifact(
    State(state): State<AppState>,
    Path(hash): Path<String>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    if crate::web::session::user().is_none() && !state.passes.carried(&headers).await {
        crate::web::session::require()?;
    }
    let missing = || WebError::NotFound("Filen finns inte.".into());
    if !evidence_seen(&hash) {
        if !crate::sandbox::uploads::is_evidence(&state.store, &hash).await? {
            return Err(missing());
        }
        remember_evidence(&hash);
    }
    let bytes = state.artifacts.read(&hash).await.map_err(|_| missing())?;
    let kind = if bytes.starts_with(b"\x89PNG") {
        "image/png"
    } else {
        "text/plain; charset=utf-8"
    };
    Ok((
        [
            (header::CONTENT_TYPE, kind),
            (header::CACHE_CONTROL, "no-store"),
        ],
        bytes,
    )
        .into_response())
}

/// Hashes found to be evidence (evidence is not deleted, so a yes stays a
/// yes): a run's page of thumbnails asks the database once per file.
static EVIDENCE: std::sync::LazyLock<std::sync::Mutex<std::collections::HashSet<String>>> =
    std::sync::LazyLock::new(Default::default);

fn evidence_seen(hash: &str) -> bool {
    EVIDENCE.lock().is_ok_and(|s| s.contains(hash))
}

fn remember_evidence(hash: &str) {
    if let Ok(mut s) = EVIDENCE.lock() {
        if s.len() >= 100_000 {
            s.clear();
        }
        s.insert(hash.to_string());
    }
}
