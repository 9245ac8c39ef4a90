//! A legal question answered by a legal adviser: on the question's page they
//! pick the checklist item it concerns, give their assessment, and the
//! question is closed with a link to that assessment (one transaction).

use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::accounts::{Action, User};
use crate::checklists::store::{AssessError, Assessed, NewAssessment};
use crate::reviews::model::{Class, Comment};
use crate::web::session::require_to;
use crate::web::{AppState, WebError, csrf};

/// The answer form on a legal question's page, with what was typed.
pub(super) struct AnswerForm {
    /// (`checklist|item`, "Checklist › Item").
    pub items: Vec<(String, String)>,
    pub statuses: Vec<(&'static str, &'static str)>,
    /// (municipality or "", words).
    pub scopes: Vec<(String, String)>,
    pub typed: Typed,
    pub error: Option<String>,
    pub form_key: String,
}

#[derive(Deserialize, Default)]
pub(super) struct Typed {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(rename = "_nyckel", default)]
    nyckel: String,
    #[serde(default)]
    pub punkt: String,
    #[serde(default)]
    pub bedomning: String,
    #[serde(default)]
    pub omfattning: String,
    #[serde(default)]
    pub kommentar: String,
    #[serde(default)]
    pub hanvisning: String,
}

/// The form, for a legal adviser on an open legal question.
pub(super) fn form(
    state: &AppState,
    u: &User,
    c: &Comment,
    typed: Typed,
    error: Option<String>,
) -> Result<Option<AnswerForm>, WebError> {
    if c.class != Class::Juridisk || !c.status.is_open() || !u.may(Action::Assess) {
        return Ok(None);
    }
    let lists = crate::checklists::load_dir(&state.checklists_dir)
        .map_err(|_| WebError::BadRequest("Checklistorna kan inte läsas.".into()))?;
    let items = lists
        .iter()
        .flat_map(|l| {
            l.items.iter().map(move |i| {
                (
                    format!("{}|{}", l.id, i.id),
                    format!("{} › {}", l.title, i.title),
                )
            })
        })
        .collect();
    let mut scopes = vec![(
        String::new(),
        "Regionalt – gäller alla kommuner".to_string(),
    )];
    if let Some(m) = &c.municipality {
        scopes.push((m.clone(), format!("Bara {}", state.registry.short_name(m))));
    }
    Ok(Some(AnswerForm {
        items,
        statuses: Assessed::ALL
            .iter()
            .map(|a| (a.slug(), a.swedish()))
            .collect(),
        scopes,
        typed,
        error,
        form_key: crate::store::new_form_key(),
    }))
}

/// Where the assessment that answered `c` is, and what it concerns.
pub(super) async fn answered(
    state: &AppState,
    c: &Comment,
) -> Result<Option<(String, String)>, WebError> {
    let Some(id) = c.answered_by else {
        return Ok(None);
    };
    let all = crate::checklists::store::all(&state.store, c.version_id).await?;
    Ok(all.into_iter().find(|a| a.id == id).map(|a| {
        (
            format!(
                "/tjanster/{}/{}/checklistor/{}/{}",
                c.service_id, c.version, a.checklist, a.item
            ),
            format!("{} ({})", a.item, a.status.swedish()),
        )
    }))
}

pub(super) async fn answer(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Form(f): Form<Typed>,
) -> Result<Response, WebError> {
    csrf::verify(&headers, &f.csrf)?;
    let u = require_to(Action::Assess)?;
    let c = super::thread::load(&state, id).await?;
    if c.class != Class::Juridisk {
        return Err(WebError::BadRequest(
            "Bara juridiska frågor besvaras med en bedömning.".into(),
        ));
    }
    let lists = crate::checklists::load_dir(&state.checklists_dir)
        .map_err(|_| WebError::BadRequest("Checklistorna kan inte läsas.".into()))?;
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
            {
                Ok(_) => return Ok(Redirect::to(&format!("/synpunkter/{id}")).into_response()),
                Err(AssessError::Db(e)) => return Err(WebError::Db(e)),
                Err(e) => Some(e.to_string()),
            }
        }
    };
    let mut r =
        super::thread::page(&state, &headers, c, Some((f, problem.unwrap_or_default()))).await?;
    *r.status_mut() = StatusCode::BAD_REQUEST;
    Ok(r)
}
