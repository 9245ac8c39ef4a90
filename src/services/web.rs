//! A version's page: what can be tried, and where (the start page is `desk`).

use crate::web::Refusals;
use crate::web::csrf::Checked;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use crate::services::changes::local_changes;
use crate::services::store::{self, VersionSummary};
use crate::web::page::Layout;
use crate::web::{AppState, WebError, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/tjanster/{service}/{version}", get(version))
        .route(
            "/tjanster/{service}/{version}/{kommun}/open-eplatform.oeflow",
            get(oeflow),
        )
        .route(
            "/tjanster/{service}/{version}/ignorerade/{id}/ta-bort",
            post(unignore),
        )
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
    page: Layout,
    csrf: String,
    imported: String,
    version: VersionSummary,
    rows: Vec<VariantRow>,
    /// Running every scenario is e-kontoret's tool; reviewers and legal
    /// advisers are not offered it.
    can_run: bool,
    /// Regions comparisons of the service ignore, with their page's name.
    ignored: Vec<(super::ignores::Ignored, String)>,
    /// Whether this user may stop ignoring one (e-kontoret).
    can_unignore: bool,
    /// The region's terms this version's variants avoid: (what the region
    /// writes, the words used instead, the municipalities using them).
    /// `None` when no catalogue is configured.
    terms: Option<Vec<TermUse>>,
    /// Variants the test room hosts (the terms' denominator).
    hosted: usize,
}

struct TermUse {
    preferred: String,
    words: Vec<String>,
    municipalities: Vec<String>,
}

/// Which variants use which of the words the region avoids.
fn term_uses(
    cat: &crate::catalogue::Catalogue,
    service: &str,
    variants: &[super::Variant],
    name: impl Fn(&str) -> String,
) -> Vec<TermUse> {
    let mut out: Vec<TermUse> = Vec::new();
    // A municipality's own e-service elsewhere: its texts are not here.
    for v in variants.iter().filter(|v| v.external_url.is_none()) {
        for u in crate::catalogue::terms::in_variant(cat, service, v) {
            let i = match out.iter().position(|t| t.preferred == u.preferred) {
                Some(i) => i,
                None => {
                    out.push(TermUse {
                        preferred: u.preferred.clone(),
                        words: Vec::new(),
                        municipalities: Vec::new(),
                    });
                    out.len() - 1
                }
            };
            let t = &mut out[i];
            let word = u.word.to_lowercase();
            if !t.words.contains(&word) {
                t.words.push(word);
            }
            let m = name(&v.municipality);
            if !t.municipalities.contains(&m) {
                t.municipalities.push(m);
            }
        }
    }
    for t in &mut out {
        t.municipalities
            .sort_by_key(|m| crate::municipalities::swedish_sort_key(m));
    }
    out
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
    let all_variants = store::variants(&state.store, v.id).await?;
    let terms = crate::catalogue::shared(&state.catalogue).ok().map(|cat| {
        term_uses(&cat, &service, &all_variants, |m| {
            state.registry.short_name(m)
        })
    });
    let count = |m: &str| counts.get(m).copied().unwrap_or(0);
    let mut rows: Vec<VariantRow> = all_variants
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
    let titles = base
        .steps
        .iter()
        .map(|s| (s.id.clone(), s.title.clone()))
        .collect();
    let ignored = super::ignores::active(&state.store, &service)
        .await?
        .into_iter()
        .map(|i| {
            let page = super::page_label(&i.step, &titles);
            (i, page)
        })
        .collect();
    let hosted = rows.iter().filter(|r| r.external_url.is_none()).count();
    let title = format!("{} {} – Provrum", v.title, v.version);
    let html = render(&VersionPage {
        page: Layout::plain(&title),
        csrf,
        imported: crate::clock::swedish(&v.imported_at),
        version: v,
        rows,
        can_run: crate::web::session::user()
            .is_some_and(|u| u.may(crate::accounts::Action::ProduceEvidence)),
        ignored,
        terms,
        hosted,
        can_unignore: crate::web::session::user()
            .is_some_and(|u| u.may(crate::accounts::Action::DecideDeviation)),
    })?;
    Ok(crate::web::with_cookie(html, set_cookie))
}

#[derive(Deserialize)]
struct CsrfOnly {}

/// E-kontoret stops ignoring a region (kept with who and when, audited).
async fn unignore(
    State(state): State<AppState>,
    Path((service, version, id)): Path<(String, String, i64)>,
    Checked(_form): Checked<CsrfOnly>,
) -> Result<Response, WebError> {
    let u = crate::web::session::require_to(crate::accounts::Action::DecideDeviation)?;
    let v = state.require_version(&service, &version).await?;
    let by = super::ignores::By {
        username: &u.username,
        name: &u.name,
    };
    match super::ignores::remove(&state.store, &v.service_id, id, by)
        .await
        .refused()?
    {
        Ok(()) => {
            Ok(Redirect::to(&format!("/tjanster/{service}/{version}#ignorerade")).into_response())
        }
        Err(e) => Err(WebError::NotFound(e.to_string())),
    }
}

/// A variant as an Open ePlatform flow, to load into the platform instead
/// of typing the tested variant in again (`services::oeflow::export`).
async fn oeflow(
    axum::extract::State(state): axum::extract::State<AppState>,
    axum::extract::Path((service, ver, kommun)): axum::extract::Path<(String, String, String)>,
) -> Result<axum::response::Response, WebError> {
    use axum::response::IntoResponse;
    crate::web::session::require()?;
    let v = state.require_version(&service, &ver).await?;
    let Some(variant) = state.variant(v.id, &kommun).await? else {
        return Err(WebError::NotFound(format!(
            "Versionen har ingen variant för {kommun}."
        )));
    };
    let xml = super::oeflow::export(&variant, &v.version);
    let name = format!(
        "{}-{}-{}.oeflow",
        v.service_id, v.version, variant.municipality
    );
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/oeflow; charset=utf-8".to_string(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        xml,
    )
        .into_response())
}
