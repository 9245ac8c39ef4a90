//! E-kontoret marks the changed regions of a pixel deviation as ignored in
//! comparisons of the service (stored in `services::ignores`, listed and
//! removable on the version page).

use crate::web::Refusals;
use crate::web::csrf::Checked;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::services::ignores::{self, Place};
use crate::web::{AppState, WebError};

use super::cell::{Refused, cell_view};
use super::decide::deviation_to_decide;
use super::view::urlencode;

#[derive(Deserialize)]
pub(super) struct IgnoreForm {
    #[serde(default)]
    reason: String,
}

/// The regions are read from the stored deviation, never from the form.
pub(super) async fn ignore(
    State(state): State<AppState>,
    Path((service, ver, id)): Path<(String, String, i64)>,
    headers: HeaderMap,
    Checked(form): Checked<IgnoreForm>,
) -> Result<Response, WebError> {
    let (user, v, d) = deviation_to_decide(&state, (&service, &ver), id).await?;
    let Some(viewport) = d.kind.viewport() else {
        return Err(WebError::BadRequest(
            "Bara områden i en bild kan ignoreras.".into(),
        ));
    };
    let place = Place {
        service: &service,
        step: &d.step,
        viewport,
    };
    let boxes = crate::compare::pixel_boxes(&d);
    let by = ignores::By {
        username: &user.username,
        name: &user.name,
    };
    match ignores::add(&state.store, place, &boxes, &form.reason, by)
        .await
        .refused()?
    {
        Ok(()) => Ok(Redirect::to(&format!(
            "/tjanster/{service}/{ver}/jamforelse/{}?steg={}",
            d.municipality,
            urlencode(&d.step)
        ))
        .into_response()),
        Err(e) => {
            let refused = Refused {
                deviation: d.id,
                message: e.to_string(),
                decision: "ignore".into(),
                comment: form.reason.clone(),
            };
            let (kommun, steg) = (d.municipality.clone(), d.step.clone());
            let mut r = cell_view(&state, &headers, v, kommun, steg, Some(refused)).await?;
            *r.status_mut() = axum::http::StatusCode::BAD_REQUEST;
            Ok(r)
        }
    }
}
