//! Checklists in the browser: a version's items with automatic results and
//! verdicts, one item with its per-variant results, assessments, history and
//! carry-over offers, and the conflicts view.

use crate::store::WrapsDb;
use crate::web::Refusals;
use crate::web::csrf::Checked;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use crate::accounts::Action;
use crate::services::store::VersionSummary;
use crate::web::page::{Layout, confirmed};
use crate::web::session::{require, require_to};
use crate::web::{AppState, WebError, csrf, render};

use super::Checklist;
use super::evaluate::{self, ItemStatus, Offer, Verdict};
use super::store::{self, Assessed, Assessment, NewAssessment};

pub fn router() -> Router<AppState> {
    let v = "/tjanster/{service}/{version}/checklistor";
    Router::new()
        .route(v, get(overview))
        .route(&format!("{v}/konflikter"), get(conflicts))
        .route(
            &format!("{v}/{{checklist}}/{{item}}"),
            get(item_page).post(assess),
        )
        .route(
            &format!("{v}/{{checklist}}/{{item}}/position"),
            post(position),
        )
        .route(
            &format!("{v}/{{checklist}}/{{item}}/overfor"),
            post(confirm_offer),
        )
}

fn checklists(state: &AppState) -> Result<std::sync::Arc<Vec<Checklist>>, WebError> {
    Ok(super::loaded(&state.checklists_dir)?)
}

/// What the assessment rules refuse (its text is Swedish, for people) is a
/// 400 page; a database failure the logged 500.
impl From<store::AssessError> for WebError {
    fn from(e: store::AssessError) -> WebError {
        match e.db() {
            Ok(db) => WebError::Db(db),
            Err(other) => WebError::BadRequest(other.to_string()),
        }
    }
}

/// A broken checklist or policy file is a page that says which file and
/// line to fix.
impl From<super::BrokenRules> for WebError {
    fn from(e: super::BrokenRules) -> WebError {
        WebError::BadRequest(e.to_string())
    }
}

pub fn verdict_class(v: &Verdict) -> &'static str {
    match v {
        Verdict::Ok => "passed",
        Verdict::Failed(_) => "failed",
        Verdict::Unassessed(_) => "error",
    }
}

pub fn verdict_sv(v: &Verdict) -> String {
    match v {
        Verdict::Ok => "uppfylld".into(),
        Verdict::Failed(r) => format!("ej uppfylld: {r}"),
        Verdict::Unassessed(r) => format!("ej avgjord: {r}"),
    }
}

#[derive(Template)]
#[template(path = "checklists/overview.html")]
struct OverviewPage {
    page: Layout,
    version: VersionSummary,
    lists: Vec<(Checklist, Vec<ItemStatus>)>,
    blocking: usize,
    conflicts: usize,
}

async fn overview(
    State(state): State<AppState>,
    Path((service, ver)): Path<(String, String)>,
) -> Result<Response, WebError> {
    require()?;
    let v = state.require_version(&service, &ver).await?;
    let lists = checklists(&state)?;
    let eval = evaluate::evaluate(&state.store, v.id, &lists).await?;
    let blocking = eval.items.iter().filter(|i| i.blocks()).count();
    let conflicts = eval.items.iter().filter(|i| i.conflict).count();
    let lists = lists
        .iter()
        .map(|c| {
            let items = eval
                .items
                .iter()
                .filter(|i| i.checklist == c.id)
                .cloned()
                .collect();
            (c.clone(), items)
        })
        .collect();
    let title = format!("Checklistor för {} {} – Provrum", v.title, v.version);
    Ok(render(&OverviewPage {
        page: Layout::plain(&title),
        version: v,
        lists,
        blocking,
        conflicts,
    })?
    .into_response())
}

#[derive(Template)]
#[template(path = "checklists/item.html")]
struct ItemPage {
    page: Layout,
    version: VersionSummary,
    csrf: String,
    status: ItemStatus,
    names: Vec<(String, String)>,
    history: Vec<Assessment>,
    offers: Vec<Offer>,
    can_assess: bool,
    can_position: bool,
    can_propose: bool,
    statuses: Vec<(&'static str, &'static str)>,
    error: Option<String>,
    /// One-time key of the assessment form.
    form_key: String,
}

async fn item_view(
    state: &AppState,
    headers: &HeaderMap,
    v: VersionSummary,
    checklist: &str,
    item: &str,
    error: Option<String>,
) -> Result<Response, WebError> {
    let u = require()?;
    let lists = checklists(state)?;
    if !lists
        .iter()
        .any(|c| c.id == checklist && c.items.iter().any(|i| i.id == item))
    {
        return Err(WebError::NotFound(format!(
            "Checklistan {checklist} har ingen punkt {item}."
        )));
    }
    let eval = evaluate::evaluate(&state.store, v.id, &lists).await?;
    let status = eval
        .items
        .into_iter()
        .find(|i| i.checklist == checklist && i.item.id == item)
        .ok_or_else(|| WebError::NotFound("Punkten finns inte.".into()))?;
    let history = eval
        .history
        .into_iter()
        .filter(|a| a.checklist == checklist && a.item == item)
        .rev()
        .collect();
    let offers = evaluate::offers(&state.store, v.id)
        .await?
        .into_iter()
        .filter(|o| o.assessment.checklist == checklist && o.assessment.item == item)
        .collect();
    let variants = state.variants(v.id).await?;
    let mut names: Vec<(String, String)> = variants
        .iter()
        .map(|x| {
            (
                x.municipality.clone(),
                state.registry.short_name(&x.municipality),
            )
        })
        .collect();
    names.sort_by_key(|(_, n)| crate::municipalities::swedish_sort_key(n));
    let (csrf, set) = csrf::token(headers, state.secure_cookies);
    let title = format!(
        "{} – checklista för {} {} – Provrum",
        status.item.title, v.title, v.version
    );
    let html = render(&ItemPage {
        page: Layout::plain(&title),
        csrf,
        status,
        names,
        history,
        offers,
        can_assess: u.may(Action::Assess),
        can_position: u.may(Action::DecidePosition),
        can_propose: u.may(Action::ProposePosition),
        statuses: Assessed::ALL
            .iter()
            .map(|a| (a.slug(), a.swedish()))
            .collect(),
        error,
        form_key: crate::store::new_form_key(),
        version: v,
    })?;
    Ok(crate::web::with_cookie(html, set))
}

async fn item_page(
    State(state): State<AppState>,
    Path((service, ver, checklist, item)): Path<(String, String, String, String)>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let v = state.require_version(&service, &ver).await?;
    item_view(&state, &headers, v, &checklist, &item, None).await
}

#[derive(Deserialize)]
struct AssessForm {
    #[serde(default)]
    status: String,
    #[serde(default)]
    kommentar: String,
    #[serde(default)]
    referenser: String,
    #[serde(default)]
    kommun: String,
    #[serde(rename = "_nyckel", default)]
    nyckel: String,
}

async fn assess(
    State(state): State<AppState>,
    Path((service, ver, checklist, item)): Path<(String, String, String, String)>,
    headers: HeaderMap,
    Checked(form): Checked<AssessForm>,
) -> Result<Response, WebError> {
    let u = require_to(Action::Assess)?;
    let v = state.require_version(&service, &ver).await?;
    let lists = checklists(&state)?;
    if !lists
        .iter()
        .any(|c| c.id == checklist && c.items.iter().any(|i| i.id == item))
    {
        return Err(WebError::NotFound(format!(
            "Checklistan {checklist} har ingen punkt {item}."
        )));
    }
    let Some(status) = Assessed::parse(&form.status) else {
        return item_view(
            &state,
            &headers,
            v,
            &checklist,
            &item,
            Some("Välj en bedömning.".into()),
        )
        .await;
    };
    let municipality = Some(form.kommun.trim()).filter(|m| !m.is_empty());
    if municipality.is_some_and(|m| m.ends_with(crate::services::reference::BASE_SUFFIX)) {
        return Err(WebError::BadRequest(
            "Jämförelsebasen är ingen kommun: bedöm grundtjänsten för hela regionen eller en kommuns variant."
                .into(),
        ));
    }
    if let Some(m) = municipality
        && state.variant(v.id, m).await?.is_none()
    {
        return Err(WebError::BadRequest(format!(
            "{service} {ver} har ingen variant för {m}."
        )));
    }
    let new = NewAssessment {
        version_id: v.id,
        checklist: &checklist,
        item: &item,
        municipality,
        status,
        annotation: &form.kommentar,
        refs: &form.referenser,
        carried_from: None,
        form_key: &form.nyckel,
    };
    match store::assess(&state.store, &new, &u).await.refused()? {
        Ok(_) => Ok(Redirect::to(&confirmed(
            &format!("/tjanster/{service}/{ver}/checklistor/{checklist}/{item}"),
            "bedomning",
        ))
        .into_response()),
        Err(e) => item_view(&state, &headers, v, &checklist, &item, Some(e.to_string())).await,
    }
}

#[derive(Deserialize)]
struct OfferForm {
    #[serde(default)]
    kommun: String,
}

async fn confirm_offer(
    State(state): State<AppState>,
    Path((service, ver, checklist, item)): Path<(String, String, String, String)>,
    Checked(form): Checked<OfferForm>,
) -> Result<Response, WebError> {
    let u = require_to(Action::Assess)?;
    let v = state.require_version(&service, &ver).await?;
    let municipality = Some(form.kommun.clone()).filter(|m| !m.is_empty());
    let Some(offer) = evaluate::offers(&state.store, v.id)
        .await?
        .into_iter()
        .find(|o| {
            o.assessment.checklist == checklist
                && o.assessment.item == item
                && o.assessment.municipality == municipality
        })
    else {
        return Err(WebError::BadRequest(
            "Det finns ingen tidigare bedömning att föra över (delen kan ha ändrats).".into(),
        ));
    };
    let a = &offer.assessment;
    let new = NewAssessment {
        version_id: v.id,
        checklist: &checklist,
        item: &item,
        municipality: a.municipality.as_deref(),
        status: a.status,
        annotation: &a.annotation,
        refs: &a.refs,
        carried_from: Some(&offer.from_version),
        form_key: "",
    };
    store::assess(&state.store, &new, &u).await?;
    Ok(Redirect::to(&confirmed(
        &format!("/tjanster/{service}/{ver}/checklistor/{checklist}/{item}"),
        "bedomning",
    ))
    .into_response())
}

#[derive(Deserialize)]
struct PositionForm {
    #[serde(default)]
    position: String,
}

/// E-kontoret's regional position, or a legal adviser's proposal for one:
/// the same form, its weight decided by who sends it.
async fn position(
    State(state): State<AppState>,
    Path((service, ver, checklist, item)): Path<(String, String, String, String)>,
    Checked(form): Checked<PositionForm>,
) -> Result<Response, WebError> {
    let u = require()?;
    let (kind, done) = if u.may(Action::DecidePosition) {
        (store::PositionKind::Decision, "hallning")
    } else if u.may(Action::ProposePosition) {
        (store::PositionKind::Proposal, "forslag")
    } else {
        return Err(WebError::Forbidden(
            "Bara e-kontoret tar regional hållning, och bara jurister föreslår en.".into(),
        ));
    };
    let v = state.require_version(&service, &ver).await?;
    store::record_position(
        &state.store,
        v.id,
        (&checklist, &item),
        kind,
        &form.position,
        &u,
    )
    .await
    .refused()?
    .map_err(|_| {
        WebError::BadRequest(match kind {
            store::PositionKind::Decision => "Skriv e-kontorets ställningstagande.".into(),
            store::PositionKind::Proposal => "Skriv ditt förslag till regional hållning.".into(),
        })
    })?;
    Ok(Redirect::to(&format!(
        "{}#c-{item}",
        confirmed(
            &format!("/tjanster/{service}/{ver}/checklistor/konflikter"),
            done
        )
    ))
    .into_response())
}

#[derive(Template)]
#[template(path = "checklists/conflicts.html")]
struct ConflictsPage {
    page: Layout,
    version: VersionSummary,
    items: Vec<ItemStatus>,
    names: Vec<(String, String)>,
    /// E-kontoret takes the regional position right here.
    can_position: bool,
    /// A legal adviser proposes one here.
    can_propose: bool,
    csrf: String,
}

async fn conflicts(
    State(state): State<AppState>,
    Path((service, ver)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let u = require()?;
    let (csrf, _) = csrf::token(&headers, state.secure_cookies);
    let v = state.require_version(&service, &ver).await?;
    let lists = checklists(&state)?;
    let eval = evaluate::evaluate(&state.store, v.id, &lists).await?;
    let items = eval.items.into_iter().filter(|i| i.conflict).collect();
    let variants = state.variants(v.id).await?;
    let names = variants
        .iter()
        .map(|x| {
            (
                x.municipality.clone(),
                state.registry.short_name(&x.municipality),
            )
        })
        .collect();
    let title = format!("Olika bedömningar – {} {} – Provrum", v.title, v.version);
    Ok(render(&ConflictsPage {
        page: Layout::plain(&title),
        version: v,
        items,
        names,
        can_position: u.may(Action::DecidePosition),
        can_propose: u.may(Action::ProposePosition),
        csrf,
    })?
    .into_response())
}
