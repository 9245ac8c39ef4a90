//! One municipality's variant on one step against the base: the captures, the deviations and their evidence.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;

use crate::services::store::VersionSummary;
use crate::web::page::Layout;
use crate::web::{AppState, WebError, csrf, render};

use super::super::{Judged, store};
use super::evidence::{DeviationView, evidence_views};
use super::view::step_label;

#[derive(Deserialize)]
pub(super) struct CellQuery {
    #[serde(default)]
    steg: String,
}

#[derive(Template)]
#[template(path = "compare/cell.html")]
pub(super) struct CellPage {
    page: Layout,
    version: VersionSummary,
    municipality: String,
    municipality_name: String,
    step: String,
    step_label: String,
    csrf: String,
    deviations: Vec<DeviationView>,
    /// Only e-kontoret sees the decision forms.
    can_decide: bool,
    /// A refused decision: which deviation, why, and what was typed.
    refused: Option<Refused>,
}

impl CellPage {
    /// The refused decision on deviation `id`, if that is the one refused.
    fn refused_for(&self, id: &i64) -> Option<&Refused> {
        self.refused
            .as_ref()
            .filter(|r| r.deviation == *id && r.decision != "ignore")
    }

    /// The reason typed into a refused "ignore these regions" form.
    fn ignore_typed(&self, id: &i64) -> Option<&str> {
        self.refused
            .as_ref()
            .filter(|r| r.deviation == *id && r.decision == "ignore")
            .map(|r| r.comment.as_str())
    }
}

/// A decision that was not saved, shown again on its deviation with what
/// was chosen and typed (never a dead end).
pub(super) struct Refused {
    pub(super) deviation: i64,
    pub(super) message: String,
    pub(super) decision: String,
    pub(super) comment: String,
}

pub(super) async fn cell(
    State(state): State<AppState>,
    Path((service, ver, kommun)): Path<(String, String, String)>,
    Query(q): Query<CellQuery>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    crate::web::session::require()?;
    let v = state.require_version(&service, &ver).await?;
    cell_view(&state, &headers, v, kommun, q.steg, None).await
}

/// One variant's page in the comparison, with its deviations and (for
/// e-kontoret) their decision forms.
pub(super) async fn cell_view(
    state: &AppState,
    headers: &HeaderMap,
    v: VersionSummary,
    kommun: String,
    steg: String,
    refused: Option<Refused>,
) -> Result<Response, WebError> {
    let service = v.service_id.clone();
    let ver = v.version.clone();
    let judged = super::super::judged(&state.store, &service, v.id).await?;
    let stored = store::deviations(&state.store, v.id).await?;
    let variant = state.variant(v.id, &kommun).await?.ok_or_else(|| {
        WebError::NotFound(format!("{service} {ver} har ingen variant för {kommun}."))
    })?;
    let titles: HashMap<String, String> = variant
        .steps
        .iter()
        .map(|s| (s.id.clone(), s.title.clone()))
        .collect();
    let mine: Vec<Judged> = judged
        .into_iter()
        .filter(|j| j.deviation.municipality == kommun && (j.deviation.step == steg || steg == "*"))
        .collect();
    let views = evidence_views(state, mine, &stored).await;
    let label = step_label(&steg, &titles);
    let (csrf, set_cookie) = csrf::token(headers, state.secure_cookies);
    let title = format!(
        "{label} i {} – jämförelse av {} {} – Provrum",
        variant.municipality_name, v.title, v.version
    );
    let html = render(&CellPage {
        page: Layout::plain(&title),
        municipality: kommun,
        municipality_name: variant.municipality_name.clone(),
        step: steg,
        step_label: label,
        csrf,
        deviations: views,
        can_decide: crate::web::session::user()
            .is_some_and(|u| u.may(crate::accounts::Action::DecideDeviation)),
        refused,
        version: v,
    })?;
    Ok(crate::web::with_cookie(html, set_cookie))
}
