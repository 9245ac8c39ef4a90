//! The comparison's matrix: every municipality's variant against the base, step by step, with what is still undecided.

use std::collections::HashSet;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;

use crate::jobs::Kind;
use crate::services::store::VersionSummary;
use crate::web::page::Layout;
use crate::web::{AppState, WebError, csrf, render};

use super::super::Judged;
use super::view::{Badge, badge, step_label, urlencode};

pub(super) struct MatrixRow {
    municipality: String,
    name: String,
    external: bool,
    /// (step, step URL-encoded, badge, deviations).
    cells: Vec<(String, String, Badge, usize)>,
}

#[derive(Template)]
#[template(path = "compare/matrix.html")]
pub(super) struct MatrixPage {
    page: Layout,
    version: VersionSummary,
    csrf: String,
    steps: Vec<(String, String)>,
    rows: Vec<MatrixRow>,
    compared: bool,
    running: bool,
    /// Why a running comparison waits (no worker can walk it now).
    waiting: Option<&'static str>,
    /// Captures done of all, while a comparison runs.
    progress: Option<(i64, i64)>,
    failed: Option<String>,
    references: Vec<String>,
    /// Deviations without a decision, and the changes they make up (as the
    /// queue counts them: the same change in several places is one).
    pending: usize,
    pending_changes: usize,
    /// Renderings taken over from versions with the same content (the fast
    /// loop): (version, how many variant × viewport).
    reused: Vec<(String, i64)>,
    changed_variants: usize,
    total_variants: usize,
    /// Comparing again is e-kontoret's tool.
    can_compare: bool,
}

pub(super) async fn matrix(
    State(state): State<AppState>,
    Path((service, ver)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    crate::web::session::require()?;
    let v = state.require_version(&service, &ver).await?;
    let judged = super::super::judged(&state.store, &service, v.id).await?;
    let variants = state.variants(v.id).await?;
    let titles = super::view::step_titles(&variants);
    // Columns: the walk's pages in order, then any other page a deviation names.
    let mut steps: Vec<String> = vec!["*".into(), "start".into(), "logga-in".into()];
    if let Some(x) = variants.first() {
        steps.extend(x.steps.iter().map(|s| format!("steg/{}", s.id)));
    }
    steps.extend(["granska", "signera", "kvittens"].map(String::from));
    for j in &judged {
        if !steps.contains(&j.deviation.step) {
            steps.push(j.deviation.step.clone());
        }
    }
    let mut rows: Vec<MatrixRow> = variants
        .iter()
        .map(|x| MatrixRow {
            municipality: x.municipality.clone(),
            name: state
                .registry
                .get(&x.municipality)
                .map(|m| m.short_name.clone())
                .unwrap_or_else(|| x.municipality.clone()),
            external: x.external_url.is_some(),
            cells: steps
                .iter()
                .map(|s| {
                    let mine: Vec<&Judged> = judged
                        .iter()
                        .filter(|j| {
                            // "Hela varianten" sums up every page of it.
                            j.deviation.municipality == x.municipality
                                && (&j.deviation.step == s || s == "*")
                        })
                        .collect();
                    (s.clone(), urlencode(s), badge(&mine), mine.len())
                })
                .collect(),
        })
        .collect();
    rows.sort_by_key(|r| crate::municipalities::swedish_sort_key(&r.name));
    let mut references: Vec<String> = judged
        .iter()
        .map(|j| j.deviation.reference.clone())
        .collect();
    references.sort();
    references.dedup();
    let compared = !judged.is_empty()
        || sqlx::query_scalar::<_, i64>("select count(*) from captures where version_id = $1")
            .bind(v.id)
            .fetch_one(&state.store.pool)
            .await?
            > 0;
    let changed: HashSet<&str> = judged
        .iter()
        .filter(|j| j.deviation.kind != super::super::Kind::Declared)
        .map(|j| j.deviation.municipality.as_str())
        .collect();
    let job = crate::jobs::latest(&state.store, Kind::Comparison, v.id).await?;
    let waiting = match &job {
        Some(j) if j.running() && j.done == 0 => super::start::waiting_for_workers(&state).await?,
        _ => None,
    };
    let (csrf, set_cookie) = csrf::token(&headers, state.secure_cookies);
    let title = format!(
        "Jämförelse av varianter: {} {} – Provrum",
        v.title, v.version
    );
    let html = render(&MatrixPage {
        can_compare: crate::web::session::user()
            .is_some_and(|u| u.may(crate::accounts::Action::ProduceEvidence)),
        page: Layout::plain(&title),
        csrf,
        steps: steps
            .iter()
            .map(|s| (s.clone(), step_label(s, &titles)))
            .collect(),
        compared,
        running: job.as_ref().is_some_and(|j| j.running()),
        waiting,
        progress: job
            .as_ref()
            .filter(|j| j.running() && j.total > 0)
            .map(|j| (j.done, j.total)),
        failed: job.as_ref().and_then(|j| match j.status.as_str() {
            "failed" => j.error.clone(),
            "interrupted" => {
                Some("Jämförelsen avbröts när servern startades om. Starta den igen.".into())
            }
            _ => None,
        }),
        references,
        reused: crate::compare::store::reused_from_versions(&state.store, v.id).await?,
        pending: judged.iter().filter(|j| !j.status.is_settled()).count(),
        pending_changes: crate::compare::changes::items(&judged)
            .iter()
            .filter(|i| i.is_pending())
            .count(),
        changed_variants: changed.len(),
        total_variants: rows.iter().filter(|r| !r.external).count(),
        rows,
        version: v,
    })?;
    Ok(crate::web::with_cookie(html, set_cookie))
}
