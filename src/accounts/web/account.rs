//! A user's own account page (changing their password), and e-kontoret
//! lifting a login lock.

use crate::web::Refusals;
use crate::web::csrf::Checked;
use crate::web::rates::Client;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::web::page::Layout;
use crate::web::session::{self, require_to};
use crate::web::{AppState, WebError, csrf, render};

use super::super::store;
use super::super::{Action, User, password};
use super::login::{device_of, refusal, with_cookies};
use super::users::swedish;

#[derive(Deserialize)]
pub(super) struct LiftForm {
    #[serde(default)]
    username: String,
}

/// E-kontoret lifts a lock that failed logins put on an account.
pub(super) async fn lift_lock(
    State(state): State<AppState>,
    Checked(form): Checked<LiftForm>,
) -> Result<Response, WebError> {
    let admin = require_to(Action::ManageUsers)?;
    let name = form.username.trim().to_lowercase();
    if store::for_login(&state.store, &name).await?.is_none() {
        return Err(WebError::BadRequest(format!(
            "Det finns inget konto som heter ”{name}”."
        )));
    }
    crate::accounts::limiter::lift(&state.store, &name).await?;
    store::audit_lift(&state.store, &admin.username, &name).await?;
    Ok(Redirect::to("/anvandare").into_response())
}

#[derive(Template)]
#[template(path = "accounts/account.html")]
struct AccountPage {
    page: Layout,
    csrf: String,
    user: User,
    error: Option<String>,
    /// What was just done ("Lösenordet är bytt…").
    notice: Option<&'static str>,
    /// Where review-round e-mail goes (empty: none).
    email: String,
}

#[derive(Deserialize)]
pub(super) struct AccountQuery {
    #[serde(default)]
    sparat: Option<String>,
    #[serde(default)]
    epost: Option<String>,
}

pub(super) async fn account(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    Query(q): Query<AccountQuery>,
) -> Result<Response, WebError> {
    let user = session::require()?;
    let notice = if q.sparat.is_some() {
        Some("Lösenordet är bytt. Du är utloggad på andra enheter.")
    } else if q.epost.is_some() {
        Some("E-postadressen är sparad.")
    } else {
        None
    };
    account_page(&state, &headers, user, None, notice, StatusCode::OK).await
}

async fn account_page(
    state: &AppState,
    headers: &axum::http::HeaderMap,
    user: User,
    error: Option<String>,
    notice: Option<&'static str>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let (csrf, set) = csrf::token(headers, state.secure_cookies);
    let email = store::email_of(&state.store, user.id)
        .await?
        .unwrap_or_default();
    let html = render(&AccountPage {
        page: Layout::plain("Ditt konto – Provrum"),
        csrf,
        user,
        error,
        notice,
        email,
    })?;
    Ok(with_cookies(html, status, &[set]))
}

#[derive(Deserialize)]
pub(super) struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    repeat: String,
}

/// A user changes their own password: the current one first, the new one
/// twice. Other sessions end; this one continues under a new session.
pub(super) async fn change_password(
    State(state): State<AppState>,
    Client(ip): Client,
    headers: axum::http::HeaderMap,
    Checked(form): Checked<PasswordForm>,
) -> Result<Response, WebError> {
    let user = session::require()?;
    // A stolen session must not become a way to guess the password: wrong
    // current passwords count as failed logins of the account.
    let device = device_of(&headers, state.secure_cookies);
    let attempt = crate::accounts::limiter::Attempt {
        account: &user.username,
        client: &ip,
        device: device.as_deref(),
    };
    if let Some(refusal) = refusal(crate::accounts::limiter::check(&state.store, attempt).await?) {
        return account_page(
            &state,
            &headers,
            user,
            Some(refusal),
            None,
            StatusCode::TOO_MANY_REQUESTS,
        )
        .await;
    }
    let again = |e: String| {
        account_page(
            &state,
            &headers,
            user.clone(),
            Some(e),
            None,
            StatusCode::BAD_REQUEST,
        )
    };
    let hash = store::for_login(&state.store, &user.username)
        .await?
        .map(|(_, h)| h)
        .unwrap_or_default();
    let current = form.current.clone();
    let ok = tokio::task::spawn_blocking(move || password::verify(&current, &hash))
        .await
        .unwrap_or(false);
    if !ok {
        crate::accounts::limiter::failed(&state.store, attempt).await?;
        return again("Det nuvarande lösenordet stämmer inte.".into()).await;
    }
    if form.new != form.repeat {
        return again("Det nya lösenordet och upprepningen är inte lika.".into()).await;
    }
    match store::set_password(&state.store, &user.username, &form.new, &user.username)
        .await
        .refused()?
    {
        Ok(()) => {}
        Err(e) => return again(swedish(&e)).await,
    }
    let token = store::create_session(&state.store, user.id).await?;
    let mut resp = Redirect::to("/konto?sparat=1").into_response();
    if let Some(c) = session::cookie(Some(&token), state.secure_cookies) {
        resp.headers_mut().append(header::SET_COOKIE, c);
    }
    Ok(resp)
}

#[derive(Deserialize)]
pub(super) struct EmailForm {
    #[serde(default)]
    email: String,
}

/// A user sets (or clears) where their review-round e-mail goes.
pub(super) async fn set_email(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    Checked(form): Checked<EmailForm>,
) -> Result<Response, WebError> {
    let user = session::require()?;
    let email = form.email.trim();
    if !email.is_empty() && !store::valid_email(email) {
        return account_page(
            &state,
            &headers,
            user,
            Some(format!("”{email}” är ingen e-postadress.")),
            None,
            StatusCode::BAD_REQUEST,
        )
        .await;
    }
    store::set_email(&state.store, user.id, email).await?;
    Ok(axum::response::Redirect::to("/konto?epost=1").into_response())
}
