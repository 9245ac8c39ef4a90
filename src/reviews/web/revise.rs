//! E-kontoret's triage and reclassification of a comment, and its author's
//! edit: each refused change comes back on the thread with what was chosen
//! and typed, the error linked to its field.

use crate::web::Refusals;
use crate::web::csrf::Checked;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::accounts::Action;
use crate::reviews::model::{Class, Status};
use crate::web::page::confirmed;
use crate::web::session::require;
use crate::web::{AppState, WebError};

use super::thread::{Refused, TextForm, acting, back, load, page};

#[derive(Deserialize)]
pub(super) struct TriageForm {
    #[serde(default)]
    status: String,
    #[serde(default)]
    skal: String,
    /// Set when triaged from the list: its filters, to go back to it.
    lista: Option<String>,
}

pub(super) async fn triage(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Checked(form): Checked<TriageForm>,
) -> Result<Response, WebError> {
    let (u, c) = acting(&state, id, Action::Triage).await?;
    let error = match Status::parse(&form.status) {
        None => "Välj en status.".to_string(),
        Some(status) => {
            match crate::reviews::changes::triage(&state.store, id, status, &form.skal, &u)
                .await
                .refused()?
            {
                Ok(()) => {
                    // On to the next comment that waits, as a queue does.
                    let next = crate::reviews::news::next_untriaged(&state.store, c.version_id, id)
                        .await?;
                    let to = match (form.lista, next) {
                        (Some(query), next) => list_after_triage(&state, &c, &query, next).await?,
                        (None, Some(n)) => confirmed(&format!("/synpunkter/{n}"), "triage-nasta"),
                        (None, None) => confirmed(&format!("/synpunkter/{id}"), "triage"),
                    };
                    return Ok(axum::response::Redirect::to(&to).into_response());
                }
                Err(e) => e.to_string(),
            }
        }
    };
    // Back to the thread with the chosen status and the reason field marked.
    let refused = Refused::Triage {
        status: form.status,
        reason: form.skal,
        error,
    };
    refused_on_thread(&state, &headers, c, refused).await
}

/// The list the comment was triaged from, with its filters, a confirmation
/// and the next comment waiting for a position as the place to go on from.
async fn list_after_triage(
    state: &AppState,
    c: &crate::reviews::Comment,
    query: &str,
    next: Option<i64>,
) -> Result<String, WebError> {
    let v = crate::services::store::version_by_id(&state.store, c.version_id)
        .await?
        .ok_or_else(|| WebError::NotFound("Versionen finns inte längre.".into()))?;
    let query = super::list::Filter::from_query(query).query();
    let url = format!(
        "/tjanster/{}/{}/synpunkter?{query}",
        v.service_id, v.version
    );
    let code = if next.is_some() {
        "triage-lista"
    } else {
        "triage-lista-klar"
    };
    let url = confirmed(&url, code);
    Ok(match next {
        Some(n) => format!("{url}&nasta={n}#c-{n}"),
        None => url,
    })
}

#[derive(Deserialize)]
pub(super) struct ClassForm {
    #[serde(default)]
    klass: String,
    #[serde(default)]
    anteckning: String,
}

pub(super) async fn reclassify(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Checked(form): Checked<ClassForm>,
) -> Result<Response, WebError> {
    let (u, c) = acting(&state, id, Action::Triage).await?;
    let error = match Class::parse(&form.klass) {
        None => "Välj en klass.".to_string(),
        Some(class) => {
            match crate::reviews::changes::reclassify(&state.store, id, class, &form.anteckning, &u)
                .await
                .refused()?
            {
                Ok(()) => return Ok(back(id)),
                Err(e) => e.to_string(),
            }
        }
    };
    let refused = Refused::Reclassify {
        class: form.klass,
        note: form.anteckning,
        error,
    };
    refused_on_thread(&state, &headers, c, refused).await
}

pub(super) async fn edit(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Checked(form): Checked<TextForm>,
) -> Result<Response, WebError> {
    let u = require()?;
    let c = load(&state, id).await?;
    if c.author_id != u.id {
        return Err(WebError::Forbidden(
            "Bara den som skrev synpunkten kan ändra texten.".into(),
        ));
    }
    let error = match crate::reviews::changes::edit(&state.store, id, &form.text, &u)
        .await
        .refused()?
    {
        Ok(()) => return Ok(back(id)),
        Err(e) => e.to_string(),
    };
    let refused = Refused::Edit {
        text: form.text,
        error,
    };
    refused_on_thread(&state, &headers, c, refused).await
}

/// Back to the thread with the refused change and what was typed (400).
async fn refused_on_thread(
    state: &AppState,
    headers: &HeaderMap,
    c: crate::reviews::Comment,
    refused: Refused,
) -> Result<Response, WebError> {
    let mut r = page(state, headers, c, Some(refused)).await?;
    *r.status_mut() = StatusCode::BAD_REQUEST;
    Ok(r)
}
