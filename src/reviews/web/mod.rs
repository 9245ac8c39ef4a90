//! Feedback in the browser: a version's comments with filters and export,
//! the comment form (also reached from inside the sandbox), a comment's
//! thread with endorsements, triage and history, and review rounds.

//!
//! `list`: the comment list with filters and its CSV/JSON export; `new`: the
//! new-comment form (also from inside the sandbox); `thread`: one comment with
//! its replies and the actions on it; `round`: the review round.

mod answer;
mod list;
mod new;
pub mod panel;
mod pin;
mod revise;
mod round;
mod thread;

use crate::store::WrapsDb;
use axum::Router;
use axum::routing::{get, post};

use crate::web::{AppState, WebError};

use super::store::ReviewError;

pub fn router() -> Router<AppState> {
    let v = "/tjanster/{service}/{version}";
    Router::new()
        .route(
            &format!("{v}/synpunkter"),
            get(list::list).post(new::create),
        )
        .route(&format!("{v}/synpunkter.csv"), get(list::export_csv))
        .route(&format!("{v}/synpunkter.json"), get(list::export_json))
        .route(&format!("{v}/synpunkter/ny"), get(new::new_form))
        .route(&format!("{v}/{{kommun}}/peka"), post(pin::point))
        .route(
            &format!("{v}/omgang"),
            get(round::round_page).post(round::open_round),
        )
        .route(&format!("{v}/omgang/svar"), post(round::answer_round))
        .route(&format!("{v}/omgang/sista-dag"), post(round::move_deadline))
        .route(&format!("{v}/omgang/stang"), post(round::close_round))
        .route("/synpunkter/{id}", get(thread::show))
        .route("/synpunkter/{id}/svar", post(thread::reply))
        .route("/synpunkter/{id}/instam", post(thread::endorse))
        .route(
            "/synpunkter/{id}/instam/ta-tillbaka",
            post(thread::withdraw),
        )
        .route("/synpunkter/{id}/triage", post(revise::triage))
        .route("/synpunkter/{id}/bedomning", post(thread::answer))
        .route("/synpunkter/{id}/klass", post(revise::reclassify))
        .route("/synpunkter/{id}/redigera", post(revise::edit))
}

/// Municipalities as (id, name), for buttons.
pub(super) type Named = Vec<(String, String)>;

/// The municipalities `u` may still endorse `c` for, and those whose
/// endorsement they may withdraw, as (id, name). Authors do not endorse
/// their own comment; an endorsement given can be withdrawn.
pub(super) fn endorsement_choices(
    u: &crate::accounts::User,
    c: &crate::reviews::Comment,
    name: &dyn Fn(&str) -> String,
) -> (Named, Named) {
    let own = u.id == c.author_id;
    let (mut endorse, mut withdraw) = (Vec::new(), Vec::new());
    for m in u
        .municipalities
        .iter()
        .filter(|m| u.may(crate::accounts::Action::Endorse(m)))
    {
        if c.endorsements.contains(m) {
            withdraw.push((m.clone(), name(m)));
        } else if !own {
            endorse.push((m.clone(), name(m)));
        }
    }
    (endorse, withdraw)
}

/// A field's label in `v`, else its id.
pub(super) fn field_label(v: &crate::services::Variant, field: &str) -> String {
    v.steps
        .iter()
        .flat_map(|s| &s.fields)
        .find(|x| x.id == field)
        .map(|x| x.label.clone())
        .filter(|l| !l.is_empty())
        .unwrap_or_else(|| field.to_string())
}

/// Where a comment is pinned, in words: "Om dig › Personnummer", "Granska
/// och skicka"; an id only when the variant no longer has the place.
pub(super) fn place_words(
    variants: &[crate::services::Variant],
    municipality: Option<&str>,
    step: Option<&str>,
    field: Option<&str>,
) -> String {
    let Some(step) = step else {
        return String::new();
    };
    let v = municipality
        .and_then(|m| variants.iter().find(|v| v.municipality == m))
        .or(variants.first());
    let Some(v) = v else {
        return step.to_string();
    };
    let title = crate::sandbox::places::title(v, step).unwrap_or_else(|| step.to_string());
    match field {
        Some(f) => format!("{title} › {}", field_label(v, f)),
        None => title,
    }
}

/// What the comment rules refuse reaches people as a 400/404 page; a
/// database failure as a logged 500.
impl From<ReviewError> for WebError {
    fn from(e: ReviewError) -> WebError {
        match e.db() {
            Ok(db) => WebError::Db(db),
            Err(ReviewError::Missing) => WebError::NotFound(ReviewError::Missing.to_string()),
            Err(other) => WebError::BadRequest(other.to_string()),
        }
    }
}
