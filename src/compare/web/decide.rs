//! E-kontoret's decision on one deviation: approved as a local adaptation, or flagged.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::services::store::VersionSummary;
use crate::web::csrf::Checked;
use crate::web::{AppState, WebError};

use super::super::store;
use super::cell::{Refused, cell_view};
use super::view::urlencode;

#[derive(Deserialize)]
pub(super) struct DecideForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    comment: String,
    #[serde(default)]
    all_identical: Option<String>,
}

/// E-kontoret acting on one deviation: the token and permission checked,
/// the version and the deviation found.
pub(super) async fn deviation_to_decide(
    state: &AppState,
    (service, ver): (&str, &str),
    id: i64,
) -> Result<
    (
        crate::accounts::User,
        VersionSummary,
        store::StoredDeviation,
    ),
    WebError,
> {
    let user = crate::web::session::require_to(crate::accounts::Action::DecideDeviation)?;
    let v = state.require_version(service, ver).await?;
    match store::deviation(&state.store, v.id, id).await? {
        Some(d) => Ok((user, v, d)),
        None => Err(WebError::NotFound(format!(
            "{service} {ver} har ingen avvikelse {id}."
        ))),
    }
}

pub(super) async fn decide(
    State(state): State<AppState>,
    Path((service, ver, id)): Path<(String, String, i64)>,
    headers: HeaderMap,
    Checked(form): Checked<DecideForm>,
) -> Result<Response, WebError> {
    let (user, v, d) = deviation_to_decide(&state, (&service, &ver), id).await?;
    if !d.kind.decidable() {
        return Err(WebError::BadRequest(
            "Den här avvikelsen kan inte godkännas eller flaggas: den är deklarerad eller ett fel vid fångsten.".into(),
        ));
    }
    let comment = form.comment.trim();
    let actor = user.name.as_str();
    let decided = decision_of(&form.decision, comment, "en avvikelse");
    let decision = match decided {
        Ok(d) => d,
        Err(message) => {
            // Back to the same page, the choice and the comment kept.
            let refused = Refused {
                deviation: d.id,
                message,
                decision: form.decision.clone(),
                comment: form.comment.clone(),
            };
            let (kommun, steg) = (d.municipality.clone(), d.step.clone());
            let mut r = cell_view(&state, &headers, v, kommun, steg, Some(refused)).await?;
            *r.status_mut() = axum::http::StatusCode::BAD_REQUEST;
            return Ok(r);
        }
    };
    let targets: Vec<_> = if form.all_identical.is_some() {
        store::deviations(&state.store, v.id)
            .await?
            .into_iter()
            .filter(|s| {
                s.kind == d.kind
                    && s.step == d.step
                    && s.reference == d.reference
                    && s.fingerprint == d.fingerprint
            })
            .collect()
    } else {
        vec![d.clone()]
    };
    store::decide(
        &state.store,
        &service,
        &v.version,
        &targets,
        decision,
        comment,
        actor,
    )
    .await?;
    Ok(Redirect::to(&format!(
        "/tjanster/{service}/{}/jamforelse/{}?steg={}",
        v.version,
        d.municipality,
        urlencode(&d.step)
    ))
    .into_response())
}

/// The decision a form asks for, or why it cannot be saved: approve or
/// flag, and a flag says what is wrong. `what` names the thing ("en avvikelse").
pub(super) fn decision_of(
    decision: &str,
    comment: &str,
    what: &str,
) -> Result<store::DecisionKind, String> {
    let Some(kind) = store::DecisionKind::parse(decision) else {
        return Err("Välj ”Godkänn som lokal anpassning” eller ”Flagga”.".into());
    };
    if kind == store::DecisionKind::Flagged && comment.is_empty() {
        Err(format!(
            "Skriv en kommentar som säger vad som är fel när du flaggar {what}."
        ))
    } else if comment.chars().count() > 2000 {
        Err("Kommentaren får vara högst 2000 tecken.".into())
    } else {
        Ok(kind)
    }
}
