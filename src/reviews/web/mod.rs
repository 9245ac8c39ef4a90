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
mod words;

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
