//! The meeting's pages: the brief for a period (since the last meeting by
//! default) as a page and as a PDF printed by Provrum's own Chromium, and
//! the form where e-kontoret records that a meeting was held.

use crate::web::Refusals;
use crate::web::csrf::Checked;
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

use crate::accounts::Action;
use crate::web::page::Layout;
use crate::web::session::{require, require_to};
use crate::web::{AppState, WebError, csrf, render};

use super::brief::{Brief, gather};
use super::{Meeting, MeetingError, Period};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/moten", get(show).post(record))
        .route("/moten/underlag.pdf", get(pdf))
}

#[derive(serde::Deserialize, Default)]
pub struct PeriodQuery {
    #[serde(default)]
    fran: Option<String>,
    #[serde(default)]
    till: Option<String>,
    #[serde(default)]
    utskrift: Option<String>,
    #[serde(default)]
    registrerat: Option<String>,
}

#[derive(Template)]
#[template(path = "meetings/brief.html")]
struct BriefPage {
    page: Layout,
    brief: Brief,
    from: String,
    to: String,
    /// The same period as a query string, for the PDF link.
    query: String,
    held: Vec<Meeting>,
    can_record: bool,
    csrf: String,
    print: bool,
    /// A meeting just recorded (its Swedish date).
    recorded: Option<String>,
    error: Option<String>,
    error_field: &'static str,
    /// What the form had, when it was refused.
    typed: (String, String),
}

/// The period asked for, or the one since the last meeting.
fn period(q: &PeriodQuery, held: &[Meeting]) -> Result<Period, MeetingError> {
    let fallback = super::default_period(held);
    let day = |s: &Option<String>, d| match s.as_deref().map(str::trim) {
        Some(s) if !s.is_empty() => super::parse_day(s),
        _ => Ok(d),
    };
    Period::new(day(&q.fran, fallback.from)?, day(&q.till, fallback.to)?)
}

async fn show(
    State(state): State<AppState>,
    Query(q): Query<PeriodQuery>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    // Provrum's own browser prints the brief with a pass, not a login.
    let printing = state.passes.carried(&headers).await;
    if !printing {
        require()?;
    }
    let held = super::held(&state.store).await?;
    let p = period(&q, &held).map_err(|e| WebError::BadRequest(e.to_string()))?;
    let recorded = q
        .registrerat
        .as_deref()
        .filter(|d| held.iter().any(|m| m.held_on == *d))
        .map(crate::clock::swedish_date);
    view(
        &state,
        &headers,
        p,
        held,
        recorded,
        q.utskrift.is_some(),
        None,
    )
    .await
}

async fn view(
    state: &AppState,
    headers: &HeaderMap,
    p: Period,
    held: Vec<Meeting>,
    recorded: Option<String>,
    print: bool,
    refused: Option<(MeetingError, RecordForm)>,
) -> Result<Response, WebError> {
    let rules = crate::release::web::rules(state)?;
    let brief = gather(&state.store, &state.cache, &rules, p).await?;
    let (from, to) = (p.from.to_string(), p.to.to_string());
    let (csrf, set) = csrf::token(headers, state.secure_cookies);
    let error_field = match refused.as_ref().map(|r| &r.0) {
        Some(MeetingError::Name) => "meeting-name",
        _ => "held-on",
    };
    let typed = refused
        .as_ref()
        .map(|(_, f)| (f.held_on.clone(), f.name.clone()))
        .unwrap_or_else(|| (super::today().to_string(), "CESAM".into()));
    let status = if refused.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let html = render(&BriefPage {
        page: Layout::plain(&format!("Underlag till mötet, {} – Provrum", p.swedish())),
        query: format!("fran={from}&till={to}"),
        from,
        to,
        brief,
        can_record: crate::web::session::user().is_some_and(|u| u.may(Action::RecordMeeting)),
        held,
        csrf,
        print,
        recorded,
        error: refused.as_ref().map(|(e, _)| e.to_string()),
        error_field,
        typed,
    })?;
    Ok((status, crate::web::with_cookie(html, set)).into_response())
}

#[derive(serde::Deserialize)]
pub struct RecordForm {
    #[serde(default)]
    held_on: String,
    #[serde(default)]
    name: String,
}

async fn record(
    State(state): State<AppState>,
    headers: HeaderMap,
    Checked(form): Checked<RecordForm>,
) -> Result<Response, WebError> {
    let u = require_to(Action::RecordMeeting)?;
    match super::record(&state.store, &form.held_on, &form.name, &u)
        .await
        .refused()?
    {
        Ok(m) => Ok(Redirect::to(&format!("/moten?registrerat={}", m.held_on)).into_response()),
        Err(e) => {
            let held = super::held(&state.store).await?;
            let p = super::default_period(&held);
            view(&state, &headers, p, held, None, false, Some((e, form))).await
        }
    }
}

/// The brief as an A4 PDF for the meeting's papers.
async fn pdf(
    State(state): State<AppState>,
    Query(q): Query<PeriodQuery>,
) -> Result<Response, WebError> {
    require()?;
    let held = super::held(&state.store).await?;
    let p = period(&q, &held).map_err(|e| WebError::BadRequest(e.to_string()))?;
    let pdf = state
        .print_pdf(&format!("/moten?fran={}&till={}&utskrift=1", p.from, p.to))
        .await?;
    let disposition = format!("attachment; filename=\"underlag-{}-{}.pdf\"", p.from, p.to);
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        pdf,
    )
        .into_response())
}
