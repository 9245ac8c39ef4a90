//! One comment with its replies, and the actions on it: reply, endorse,
//! triage, reclassify, edit.

use crate::web::Refusals;
use crate::web::csrf::Checked;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::accounts::Action;
use crate::checklists::store::{Assessed, NewAssessment};
use crate::web::page::{Layout, confirmed};
use crate::web::session::{require, require_to};
use crate::web::{AppState, WebError, csrf, render};

use crate::reviews::model::{Class, Comment, Status};
use crate::reviews::store::{self as comments, NewComment};

#[derive(Template)]
#[template(path = "reviews/show.html")]
struct ShowPage {
    page: Layout,
    csrf: String,
    c: Comment,
    service_title: String,
    municipality_name: String,
    /// Where it is pinned, in words.
    place: String,
    author_municipality: String,
    endorsed_by: Vec<String>,
    participating: usize,
    replies: Vec<Comment>,
    history: Vec<crate::reviews::changes::Revision>,
    /// Municipalities this user may still endorse for.
    can_endorse: Vec<(String, String)>,
    can_withdraw: Vec<(String, String)>,
    /// One-time key of the reply form.
    form_key: String,
    can_triage: bool,
    can_edit: bool,
    can_reply: bool,
    screenshot: Option<String>,
    /// What the reviewer saw when they pointed at the page.
    pin: Option<crate::reviews::pins::Shot>,
    classes: Vec<(&'static str, &'static str)>,
    statuses: Vec<(&'static str, &'static str)>,
    /// A legal adviser answers a legal question with an assessment.
    answer: Option<super::answer::AnswerForm>,
    /// The assessment that answered it: (page, what).
    answered: Option<(String, String)>,
    /// The triage form: (status, reason, error).
    triage: (String, String, Option<String>),
    /// The class form: (class, note, error).
    reclass: (String, String, Option<String>),
    /// The edit form: (text, error).
    edit: (String, Option<String>),
}

pub(super) async fn show(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    require()?;
    let c = comments::get(&state.store, id)
        .await?
        .ok_or_else(|| WebError::NotFound(format!("Det finns ingen synpunkt #{id}.")))?;
    page(&state, &headers, c, None).await
}

/// A form on the thread page that was refused, shown again with what was
/// typed and the error linked to its field.
pub(super) enum Refused {
    Answer(super::answer::Typed, String),
    Triage {
        status: String,
        reason: String,
        error: String,
    },
    /// A new class without its note.
    Reclassify {
        class: String,
        note: String,
        error: String,
    },
    /// An edited text that was refused (empty or too long).
    Edit {
        text: String,
        error: String,
    },
}

/// The thread page; `refused` re-renders a refused form with what was typed.
pub(super) async fn page(
    state: &AppState,
    headers: &HeaderMap,
    c: Comment,
    refused: Option<Refused>,
) -> Result<Response, WebError> {
    let u = require()?;
    let id = c.id;
    // This comment's replies only, by index: not the whole version's comments.
    let replies = comments::replies(&state.store, id).await?;
    let history = crate::reviews::changes::revisions(&state.store, id).await?;
    let variants = state.variants(c.version_id).await?;
    let name = |m: &str| state.registry.short_name(m);
    let (can_endorse, can_withdraw) = super::words::endorsement_choices(&u, &c, &name);
    let screenshot = match (&c.municipality, &c.step, c.region) {
        (Some(m), Some(s), Some(_)) => screenshot(state, c.version_id, m, s).await,
        _ => None,
    };
    let pin = match &c.pin_shot {
        Some(token) => crate::reviews::pins::get(&state.store, token).await?,
        None => None,
    };
    let (csrf, set) = csrf::token(headers, state.secure_cookies);
    let service_title = variants
        .first()
        .map(|v| v.title.clone())
        .unwrap_or_else(|| c.service_id.clone());
    let title = format!(
        "Synpunkt #{id}: {} – {service_title} {} – Provrum",
        c.class.swedish(),
        c.version
    );
    let html = render(&ShowPage {
        page: Layout::plain(&title),
        csrf,
        author_municipality: c
            .author_municipality
            .as_deref()
            .map(|m| state.registry.short_name(m))
            .unwrap_or_default(),
        place: super::words::place_words(
            &variants,
            c.municipality.as_deref(),
            c.step.as_deref(),
            c.field.as_deref(),
        ),
        municipality_name: c
            .municipality
            .as_deref()
            .map(|m| state.registry.short_name(m))
            .unwrap_or_else(|| "Hela tjänsten".into()),
        endorsed_by: c
            .endorsements
            .iter()
            .map(|m| state.registry.short_name(m))
            .collect(),
        participating: variants.len(),
        replies,
        history,
        can_endorse,
        can_withdraw,
        form_key: crate::store::new_form_key(),
        can_triage: u.may(Action::Triage),
        can_edit: u.id == c.author_id,
        can_reply: u.may(Action::Comment(None))
            || c.municipality
                .as_deref()
                .is_some_and(|m| u.may(Action::Comment(Some(m)))),
        screenshot,
        pin,
        classes: Class::ALL.iter().map(|c| (c.slug(), c.swedish())).collect(),
        statuses: Status::ALL
            .iter()
            .map(|c| (c.slug(), c.swedish()))
            .collect(),
        triage: match &refused {
            Some(Refused::Triage {
                status,
                reason,
                error,
            }) => (status.clone(), reason.clone(), Some(error.clone())),
            _ => (c.status.slug().to_string(), String::new(), None),
        },
        reclass: match &refused {
            Some(Refused::Reclassify { class, note, error }) => {
                (class.clone(), note.clone(), Some(error.clone()))
            }
            _ => (c.class.slug().to_string(), String::new(), None),
        },
        edit: match &refused {
            Some(Refused::Edit { text, error }) => (text.clone(), Some(error.clone())),
            _ => (c.body.clone(), None),
        },
        answer: match refused {
            Some(Refused::Answer(typed, error)) => {
                super::answer::form(state, &u, &c, typed, Some(error))?
            }
            _ => super::answer::form(state, &u, &c, Default::default(), None)?,
        },
        answered: super::answer::answered(state, &c).await?,
        service_title,
        c,
    })?;
    Ok(crate::web::with_cookie(html, set))
}

pub(super) async fn load(state: &AppState, id: i64) -> Result<Comment, WebError> {
    comments::get(&state.store, id)
        .await?
        .ok_or_else(|| WebError::NotFound(format!("Det finns ingen synpunkt #{id}.")))
}

#[derive(Deserialize)]
pub(super) struct TextForm {
    #[serde(default)]
    pub(super) text: String,
    #[serde(rename = "_nyckel", default)]
    nyckel: String,
}

pub(super) async fn reply(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Checked(form): Checked<TextForm>,
) -> Result<Response, WebError> {
    let c = load(&state, id).await?;
    let u = require()?;
    if !(u.may(Action::Comment(None))
        || c.municipality
            .as_deref()
            .is_some_and(|m| u.may(Action::Comment(Some(m)))))
    {
        return Err(WebError::Forbidden(
            "Du kan inte svara på den här synpunkten.".into(),
        ));
    }
    // A reply speaks for its author's municipality, not for the one the
    // thread is about (Arvika answering Karlstad is Arvika's word).
    let municipality = match &c.municipality {
        Some(m) if u.speaks_for(m) => Some(m.clone()),
        _ => u.municipalities.first().cloned(),
    };
    let new = NewComment {
        service_id: c.service_id.clone(),
        version_id: c.version_id,
        parent_id: Some(c.id),
        municipality,
        step: c.step.clone(),
        field: c.field.clone(),
        class: Some(c.class),
        body: form.text,
        form_key: form.nyckel,
        ..NewComment::default()
    };
    comments::create(&state.store, &new, &u).await?;
    Ok(back(id))
}

#[derive(Deserialize)]
pub(super) struct EndorseForm {
    #[serde(default)]
    kommun: String,
    /// Where the button was pressed (a sandbox page), else the thread.
    #[serde(default)]
    tillbaka: String,
}

pub(super) async fn endorse(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Checked(form): Checked<EndorseForm>,
) -> Result<Response, WebError> {
    change_endorsement(&state, id, &form, true).await
}

pub(super) async fn withdraw(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Checked(form): Checked<EndorseForm>,
) -> Result<Response, WebError> {
    change_endorsement(&state, id, &form, false).await
}

/// Give (`add`) or withdraw a municipality's endorsement.
async fn change_endorsement(
    state: &AppState,
    id: i64,
    form: &EndorseForm,
    add: bool,
) -> Result<Response, WebError> {
    let action = Action::Endorse(&form.kommun);
    let (u, _) = acting(state, id, action).await?;
    if add {
        comments::endorse(&state.store, id, &form.kommun, &u).await?;
    } else {
        comments::withdraw_endorsement(&state.store, id, &form.kommun, &u).await?;
    }
    if !form.tillbaka.is_empty() {
        return Ok(Redirect::to(&crate::web::safe_back(Some(&form.tillbaka))).into_response());
    }
    Ok(back(id))
}

/// What every action on a comment starts with (its form token already
/// checked by `Checked`): the permission for the action, and the comment (404 when there is none).
pub(super) async fn acting(
    state: &AppState,
    id: i64,
    action: Action<'_>,
) -> Result<(crate::accounts::User, Comment), WebError> {
    let u = require_to(action)?;
    Ok((u, load(state, id).await?))
}

/// Back to the comment's thread after an action.
pub(super) fn back(id: i64) -> Response {
    Redirect::to(&format!("/synpunkter/{id}")).into_response()
}

/// A legal adviser answers a legal question with an assessment (see `answer`).
pub(super) async fn answer(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Checked(f): Checked<super::answer::Typed>,
) -> Result<Response, WebError> {
    let u = require_to(Action::Assess)?;
    let c = load(&state, id).await?;
    if c.class != Class::Juridisk {
        return Err(WebError::BadRequest(
            "Bara juridiska frågor besvaras med en bedömning.".into(),
        ));
    }
    let lists = crate::checklists::loaded(&state.checklists_dir)?;
    let (checklist, item) = f.punkt.split_once('|').unwrap_or_default();
    let found = lists
        .iter()
        .find(|l| l.id == checklist)
        .and_then(|l| l.items.iter().find(|i| i.id == item));
    let status = Assessed::parse(&f.bedomning);
    let scope = Some(f.omfattning.trim()).filter(|s| !s.is_empty());
    if scope.is_some_and(|m| Some(m) != c.municipality.as_deref()) {
        return Err(WebError::BadRequest(
            "Bedömningen gäller regionen eller frågans kommun.".into(),
        ));
    }
    let problem = match (found, status) {
        (None, _) => Some("Välj vilken punkt i checklistorna frågan gäller.".to_string()),
        (_, None) => Some("Välj din bedömning.".to_string()),
        (Some(i), Some(status)) => {
            let new = NewAssessment {
                version_id: c.version_id,
                checklist,
                item,
                municipality: scope,
                status,
                annotation: &f.kommentar,
                refs: &f.hanvisning,
                carried_from: None,
                form_key: &f.nyckel,
            };
            match crate::checklists::store::assess_answering(
                &state.store,
                &new,
                &u,
                Some((id, &i.title)),
            )
            .await
            .refused()?
            {
                Ok(_) => {
                    return Ok(
                        Redirect::to(&confirmed(&format!("/synpunkter/{id}"), "bedomning"))
                            .into_response(),
                    );
                }
                Err(e) => Some(e.to_string()),
            }
        }
    };
    let refused = Refused::Answer(f, problem.unwrap_or_default());
    let mut r = page(&state, &headers, c, Some(refused)).await?;
    *r.status_mut() = StatusCode::BAD_REQUEST;
    Ok(r)
}

/// The newest desktop capture of this variant's step: comments from before
/// pin-by-click pinned a region on it.
async fn screenshot(
    state: &AppState,
    version_id: i64,
    municipality: &str,
    step: &str,
) -> Option<String> {
    crate::compare::store::latest_desktop_capture(&state.store, version_id, municipality)
        .await
        .ok()??
        .into_iter()
        .find(|p| p.step == format!("steg/{step}"))
        .map(|p| p.screenshot)
}
