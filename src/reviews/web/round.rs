//! The review round: open it with a deadline, answer it per municipality.

use crate::store::WrapsDb;
use crate::web::csrf::Checked;
use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::accounts::Action;
use crate::services::store::VersionSummary;
use crate::web::page::{Layout, confirmed};
use crate::web::session::{require, require_to};
use crate::web::{AppState, WebError, csrf, render};

use crate::reviews::rounds::{self, Answer, Standing};

struct RoundRow {
    municipality: String,
    name: String,
    answer: Option<rounds::RoundAnswer>,
    standing: Standing,
    /// The comments an "antar med synpunkter" refers to: (id, words).
    linked: Vec<(i64, String)>,
}

/// A municipality this user answers for, with its comments on the version
/// that an "antar med synpunkter" can refer to: (id, words, chosen).
struct Answering {
    municipality: String,
    name: String,
    comments: Vec<(i64, String, bool)>,
}

/// How far the round has come.
struct Progress {
    antar: usize,
    with_comments: usize,
    opted_out: usize,
    waiting: usize,
    late: usize,
    unanswered: usize,
    answered: usize,
    total: usize,
}

/// A comment in a few words: its class and the start of its text.
fn words(c: &crate::reviews::model::Comment) -> String {
    let body: String = c.body.chars().take(70).collect();
    let more = if c.body.chars().count() > 70 {
        "…"
    } else {
        ""
    };
    format!("{}: {body}{more}", c.class.swedish())
}

#[derive(Template)]
#[template(path = "reviews/round.html")]
struct RoundPage {
    page: Layout,
    version: VersionSummary,
    csrf: String,
    round: Option<rounds::Round>,
    rows: Vec<RoundRow>,
    progress: Progress,
    can_open: bool,
    /// Municipalities this user answers for.
    mine: Vec<Answering>,
    answers: Vec<(&'static str, &'static str)>,
    error: Option<String>,
    /// Whether and how the reviewers hear of the round by e-mail.
    mail_note: String,
}

async fn round_view(
    state: &AppState,
    headers: &HeaderMap,
    v: VersionSummary,
    error: Option<String>,
) -> Result<Response, WebError> {
    let u = require()?;
    let round = rounds::latest(&state.store, v.id).await?;
    let variants = state.variants(v.id).await?;
    let answers = match &round {
        Some(r) => rounds::answers(&state.store, r.id).await?,
        None => Vec::new(),
    };
    let now = chrono::Utc::now();
    let comments: Vec<crate::reviews::model::Comment> =
        crate::reviews::store::list(&state.store, v.id)
            .await?
            .into_iter()
            .filter(|c| c.parent_id.is_none())
            .collect();
    let mut rows: Vec<RoundRow> = variants
        .iter()
        .map(|x| {
            let a = answers
                .iter()
                .find(|a| a.municipality == x.municipality)
                .cloned();
            let standing = match &round {
                Some(r) => rounds::standing_in(r, a.as_ref().map(|a| a.answered_at.as_str()), now),
                None => Standing::Waiting,
            };
            let linked = a
                .iter()
                .flat_map(|a| &a.comments)
                .filter_map(|id| comments.iter().find(|c| c.id == *id))
                .map(|c| (c.id, words(c)))
                .collect();
            RoundRow {
                municipality: x.municipality.clone(),
                name: state.registry.short_name(&x.municipality),
                answer: a,
                standing,
                linked,
            }
        })
        .collect();
    rows.sort_by_key(|r| crate::municipalities::swedish_sort_key(&r.name));
    let count = |f: &dyn Fn(&RoundRow) -> bool| rows.iter().filter(|r| f(r)).count();
    let said = |a: Answer| move |r: &RoundRow| r.answer.as_ref().is_some_and(|x| x.answer == a);
    let progress = Progress {
        antar: count(&said(Answer::Antar)),
        with_comments: count(&said(Answer::AntarMedSynpunkter)),
        opted_out: count(&said(Answer::Avstar)),
        waiting: count(&|r| r.standing == Standing::Waiting),
        late: count(&|r| r.standing == Standing::Late),
        unanswered: count(&|r| r.standing == Standing::Unanswered),
        answered: count(&|r| r.answer.is_some()),
        total: rows.len(),
    };
    let mine = rows
        .iter()
        .filter(|r| u.may(Action::AnswerRound(&r.municipality)))
        .map(|r| Answering {
            municipality: r.municipality.clone(),
            name: r.name.clone(),
            comments: comments
                .iter()
                .filter(|c| c.author_municipality.as_deref() == Some(r.municipality.as_str()))
                .map(|c| (c.id, words(c), r.linked.iter().any(|(id, _)| *id == c.id)))
                .collect(),
        })
        .collect();
    let (csrf, set) = csrf::token(headers, state.secure_cookies);
    let title = format!("Granskningsomgång för {} {} – Provrum", v.title, v.version);
    let html = render(&RoundPage {
        mail_note: match &state.mail {
            None => "E-post är inte inställd i provrummet: ingen får e-post om omgången. Berätta för granskarna att den är öppen.".into(),
            Some(m) => format!(
                "Granskarna i de deltagande kommunerna får e-post när omgången öppnas och en påminnelse {} dagar före sista dagen om kommunen inte har svarat. E-kontoret får veta när någon svarar sent.",
                m.reminder_days
            ),
        },
        page: Layout::plain(&title),
        csrf,
        round,
        rows,
        progress,
        can_open: u.may(Action::OpenRound),
        mine,
        answers: Answer::ALL
            .iter()
            .map(|a| (a.slug(), a.swedish()))
            .collect(),
        error,
        version: v,
    })?;
    Ok(crate::web::with_cookie(html, set))
}

pub(super) async fn round_page(
    State(state): State<AppState>,
    Path((service, ver)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let v = state.require_version(&service, &ver).await?;
    round_view(&state, &headers, v, None).await
}

#[derive(Deserialize)]
pub(super) struct OpenForm {
    #[serde(default)]
    deadline: String,
}

pub(super) async fn open_round(
    State(state): State<AppState>,
    Path((service, ver)): Path<(String, String)>,
    headers: HeaderMap,
    Checked(form): Checked<OpenForm>,
) -> Result<Response, WebError> {
    let u = require_to(Action::OpenRound)?;
    let v = state.require_version(&service, &ver).await?;
    match rounds::open(&state.store, v.id, form.deadline.trim(), &u).await {
        Ok(_) => {
            // The reviewers hear of it now, not at the next tick.
            if let Some(mailing) = crate::mail::web::mailing(&state) {
                tokio::spawn(async move {
                    if let Err(e) = crate::mail::send_due(&mailing).await {
                        tracing::warn!(error = %e, "mailing a new review round");
                    }
                });
            }
            Ok(Redirect::to(&format!("/tjanster/{service}/{}/omgang", v.version)).into_response())
        }
        Err(e) => refused(&state, &headers, v, e).await,
    }
}

/// E-kontoret's change to the version's round: the permission checked, the version and its current round found.
async fn staff_round(
    state: &AppState,
    (service, ver): (&str, &str),
) -> Result<(crate::accounts::User, VersionSummary, rounds::Round), WebError> {
    let u = require_to(Action::OpenRound)?;
    let v = state.require_version(service, ver).await?;
    let round = current(state, &v).await?;
    Ok((u, v, round))
}

/// Back to the round page after a change, or the page again with why not.
async fn after(
    state: &AppState,
    headers: &HeaderMap,
    v: VersionSummary,
    done: Result<(), rounds::RoundError>,
) -> Result<Response, WebError> {
    match done {
        Ok(()) => Ok(
            Redirect::to(&format!("/tjanster/{}/{}/omgang", v.service_id, v.version))
                .into_response(),
        ),
        Err(e) => refused(state, headers, v, e).await,
    }
}

/// E-kontoret moves the round's deadline (earlier or later).
pub(super) async fn move_deadline(
    State(state): State<AppState>,
    Path((service, ver)): Path<(String, String)>,
    headers: HeaderMap,
    Checked(form): Checked<OpenForm>,
) -> Result<Response, WebError> {
    let (u, v, round) = staff_round(&state, (&service, &ver)).await?;
    let done = rounds::move_deadline(&state.store, round.id, form.deadline.trim(), &u).await;
    after(&state, &headers, v, done).await
}

/// E-kontoret closes the round before its deadline.
pub(super) async fn close_round(
    State(state): State<AppState>,
    Path((service, ver)): Path<(String, String)>,
    headers: HeaderMap,
    Checked(_form): Checked<OpenForm>,
) -> Result<Response, WebError> {
    let (u, v, round) = staff_round(&state, (&service, &ver)).await?;
    let done = rounds::close(&state.store, &round, &u).await;
    after(&state, &headers, v, done).await
}

pub(super) async fn answer_round(
    State(state): State<AppState>,
    Path((service, ver)): Path<(String, String)>,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    // Pairs, not a struct: the comments it refers to are a repeated key.
    let value = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    };
    csrf::verify(&headers, value("_csrf"))?;
    let kommun = value("kommun");
    let u = require_to(Action::AnswerRound(kommun))?;
    let v = state.require_version(&service, &ver).await?;
    let round = current(&state, &v).await?;
    let Some(answer) = Answer::parse(value("svar")) else {
        return Err(WebError::BadRequest(
            "Välj antar, antar med synpunkter eller avstår.".into(),
        ));
    };
    let comments: Vec<i64> = pairs
        .iter()
        .filter(|(k, _)| k == "synpunkt")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    let given = rounds::Given {
        answer,
        reason: value("skal"),
        comments: &comments,
    };
    match rounds::answer(&state.store, &round, kommun, given, &u).await {
        Ok(()) => Ok(Redirect::to(&confirmed(
            &format!("/tjanster/{service}/{}/omgang", v.version),
            "svar",
        ))
        .into_response()),
        Err(e) => refused(&state, &headers, v, e).await,
    }
}

/// A refused round action: back to the round page with the reason (400);
/// a database failure is a 500.
async fn refused(
    state: &AppState,
    headers: &HeaderMap,
    v: crate::services::store::VersionSummary,
    e: rounds::RoundError,
) -> Result<Response, WebError> {
    let e = match e.db() {
        Ok(db) => return Err(WebError::Db(db)),
        Err(refusal) => refusal,
    };
    let mut r = round_view(state, headers, v, Some(e.to_string())).await?;
    *r.status_mut() = StatusCode::BAD_REQUEST;
    Ok(r)
}

/// The version's round, which an answer or a new deadline is for.
async fn current(
    state: &AppState,
    v: &crate::services::store::VersionSummary,
) -> Result<rounds::Round, WebError> {
    rounds::latest(&state.store, v.id).await?.ok_or_else(|| {
        WebError::BadRequest("Ingen granskningsomgång är öppnad för versionen.".into())
    })
}
