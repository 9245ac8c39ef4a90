//! A version's page: what can be tried, and where (the start page is `desk`).

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::routing::get;

use crate::services::changes::local_changes;
use crate::services::store::{self, VersionSummary};
use crate::web::page::Page;
use crate::web::{AppState, WebError, render};

pub fn router() -> Router<AppState> {
    Router::new().route("/tjanster/{service}/{version}", get(version))
}

struct VariantRow {
    municipality: String,
    name: String,
    short_name: String,
    url: String,
    external_url: Option<String>,
    changes: Vec<String>,
    submissions: i64,
}

#[derive(Template)]
#[template(path = "version.html")]
struct VersionPage {
    page: Page,
    csrf: String,
    imported: String,
    version: VersionSummary,
    rows: Vec<VariantRow>,
    /// Running every scenario is e-kontoret's tool; reviewers and legal
    /// advisers are not offered it.
    can_run: bool,
}

async fn version(
    State(state): State<AppState>,
    Path((service, version)): Path<(String, String)>,
    headers: axum::http::HeaderMap,
) -> Result<axum::response::Response, WebError> {
    crate::web::session::require()?;
    let (csrf, set_cookie) = crate::web::csrf::token(&headers, state.secure_cookies);
    let v = state.require_version(&service, &version).await?;
    let base = store::base(&state.store, v.id)
        .await?
        .ok_or_else(|| WebError::NotFound("Versionen saknar bas.".into()))?;
    let counts = crate::sandbox::inbox::counts(&state.store, v.id).await?;
    let count = |m: &str| counts.get(m).copied().unwrap_or(0);
    let mut rows: Vec<VariantRow> = store::variants(&state.store, v.id)
        .await?
        .into_iter()
        .map(|var| VariantRow {
            url: format!("/tjanster/{service}/{version}/{}", var.municipality),
            short_name: state
                .registry
                .get(&var.municipality)
                .map(|m| m.short_name.clone())
                .unwrap_or_else(|| var.municipality_name.clone()),
            name: var.municipality_name.clone(),
            external_url: var.external_url.clone(),
            changes: local_changes(&base, &var),
            submissions: count(&var.municipality),
            municipality: var.municipality,
        })
        .collect();
    rows.sort_by_key(|r| crate::municipalities::swedish_sort_key(&r.name));
    let title = format!("{} {} – Provrum", v.title, v.version);
    let html = render(&VersionPage {
        page: Page::plain(&title),
        csrf,
        imported: crate::clock::swedish(&v.imported_at),
        version: v,
        rows,
        can_run: crate::web::session::user()
            .is_some_and(|u| u.may(crate::accounts::Action::ProduceEvidence)),
    })?;
    Ok(crate::web::with_cookie(html, set_cookie))
}
