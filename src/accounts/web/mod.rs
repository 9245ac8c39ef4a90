//! Logging in and out (`login`), e-kontoret's page for managing users
//! (`users`) and a user's own account page (`account`).

use axum::Router;
use axum::routing::{get, post};

use crate::web::AppState;

mod account;
mod login;
mod users;

pub use users::form_urlencoded;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/konto/logga-in", get(login::login_page).post(login::login))
        .route(
            "/konto/logga-ut",
            get(login::logout_page).post(login::logout),
        )
        .route("/anvandare", get(users::users).post(users::create_user))
        .route("/anvandare/{id}/aktiv", post(users::set_active))
        .route("/anvandare/hav-sparr", post(account::lift_lock))
        .route("/konto", get(account::account))
        .route("/konto/losenord", post(account::change_password))
        .route("/konto/epost", post(account::set_email))
}
