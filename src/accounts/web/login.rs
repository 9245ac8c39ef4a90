//! Logging in (with the limits on failed logins) and out.

use crate::web::csrf::Checked;
use crate::web::rates::Client;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::web::page::Layout;
use crate::web::{AppState, WebError, csrf, render};

use super::super::password;
use super::super::store;
use crate::web::safe_back;
use crate::web::session;

#[derive(Template)]
#[template(path = "accounts/login.html")]
struct LoginPage {
    page: Layout,
    csrf: String,
    till: String,
    username: String,
    error: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct LoginQuery {
    till: Option<String>,
}

pub(super) fn with_cookies(
    html: Html<String>,
    status: StatusCode,
    cookies: &[Option<header::HeaderValue>],
) -> Response {
    let mut resp = (status, html).into_response();
    for c in cookies.iter().flatten() {
        resp.headers_mut().append(header::SET_COOKIE, c.clone());
    }
    resp
}

pub(super) async fn login_page(
    State(state): State<AppState>,
    Query(q): Query<LoginQuery>,
    headers: axum::http::HeaderMap,
) -> Result<Response, WebError> {
    let (csrf, set) = csrf::token(&headers, state.secure_cookies);
    let html = render(&LoginPage {
        page: Layout::plain("Logga in – Provrum"),
        csrf,
        till: safe_back(q.till.as_deref()),
        username: String::new(),
        error: None,
    })?;
    Ok(with_cookies(html, StatusCode::OK, &[set]))
}

#[derive(Deserialize)]
pub(super) struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    till: String,
}

pub(super) async fn login(
    State(state): State<AppState>,
    Client(ip): Client,
    headers: axum::http::HeaderMap,
    Checked(form): Checked<LoginForm>,
) -> Result<Response, WebError> {
    let username = form.username.trim().to_lowercase();
    let again = |error: &str, status: StatusCode| -> Result<Response, WebError> {
        let (csrf, _) = csrf::token(&headers, state.secure_cookies);
        let html = render(&LoginPage {
            page: Layout::plain("Logga in – Provrum"),
            csrf,
            till: safe_back(Some(&form.till)),
            username: username.clone(),
            error: Some(error.to_string()),
        })?;
        Ok(with_cookies(html, status, &[]))
    };
    let device = device_of(&headers, state.secure_cookies);
    let attempt = super::super::limiter::Attempt {
        account: &username,
        client: &ip,
        device: device.as_deref(),
    };
    let refusal = refusal(super::super::limiter::check(&state.store, attempt).await?);
    if let Some(refusal) = refusal {
        return again(&refusal, StatusCode::TOO_MANY_REQUESTS);
    }
    let found = store::for_login(&state.store, &username).await?;
    let pw = form.password.clone();
    let (user, ok) = match found {
        Some((u, hash)) => {
            let ok = tokio::task::spawn_blocking(move || password::verify(&pw, &hash))
                .await
                .unwrap_or(false);
            (Some(u), ok)
        }
        None => {
            // As slow as a real check, so the answer says nothing about which names exist.
            let _ =
                tokio::task::spawn_blocking(move || password::verify(&pw, password::dummy_hash()))
                    .await;
            (None, false)
        }
    };
    let Some(user) = user.filter(|u| ok && u.active) else {
        super::super::limiter::failed(&state.store, attempt).await?;
        return again("Fel användarnamn eller lösenord.", StatusCode::UNAUTHORIZED);
    };
    let new_device = super::super::limiter::succeeded(&state.store, attempt).await?;
    let token = store::create_session(&state.store, user.id).await?;
    let mut resp = Redirect::to(&safe_back(Some(&form.till))).into_response();
    if let Some(c) = session::cookie(Some(&token), state.secure_cookies) {
        resp.headers_mut().append(header::SET_COOKIE, c);
    }
    if let Some(c) = new_device.and_then(|d| device_cookie(&d, state.secure_cookies)) {
        resp.headers_mut().append(header::SET_COOKIE, c);
    }
    Ok(resp)
}

/// The device cookie this browser sent, if any.
pub(super) fn device_of(headers: &axum::http::HeaderMap, secure: bool) -> Option<String> {
    let name = crate::web::cookie_name_for(super::super::limiter::DEVICE_COOKIE, secure);
    crate::web::cookie_map(headers, &name)
}

pub(super) fn device_cookie(token: &str, secure: bool) -> Option<header::HeaderValue> {
    let name = crate::web::cookie_name_for(super::super::limiter::DEVICE_COOKIE, secure);
    let secure = if secure { "; Secure" } else { "" };
    header::HeaderValue::from_str(&format!(
        "{name}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
        super::super::limiter::DEVICE_DAYS * 24 * 3600
    ))
    .ok()
}

/// Why a login (or a password change) may not be tried now, in Swedish.
pub(super) fn refusal(verdict: super::super::limiter::Verdict) -> Option<String> {
    use super::super::limiter::Verdict;
    match verdict {
        Verdict::Allowed => None,
        Verdict::Wait(d) => Some(format!(
            "För många misslyckade inloggningar. Vänta {} och försök igen.",
            wait_in_swedish(d)
        )),
        Verdict::AccountLocked => Some(
            "För många misslyckade inloggningar på det här kontot från okända datorer. Logga in från en dator du har loggat in från förut, be e-kontoret häva spärren, eller vänta en kvart."
                .into(),
        ),
        Verdict::ClientBlocked => Some(
            "För många misslyckade inloggningar från din adress. Logga in från en dator du har loggat in från förut, eller vänta en kvart och försök igen.".into(),
        ),
    }
}

pub(super) fn wait_in_swedish(d: std::time::Duration) -> String {
    let secs = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    match secs {
        0..=1 => "en sekund".into(),
        2..=90 => format!("{secs} sekunder"),
        _ => format!("{} minuter", secs.div_ceil(60)),
    }
}

#[derive(Template)]
#[template(path = "accounts/logout.html")]
struct LogoutPage {
    page: Layout,
    csrf: String,
}

pub(super) async fn logout_page(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
) -> Result<Response, WebError> {
    session::require()?;
    let (csrf, set) = csrf::token(&headers, state.secure_cookies);
    let html = render(&LogoutPage {
        page: Layout::plain("Logga ut – Provrum"),
        csrf,
    })?;
    Ok(with_cookies(html, StatusCode::OK, &[set]))
}

pub(super) async fn logout(
    State(state): State<AppState>,
    _: Checked,
) -> Result<Response, WebError> {
    if let Some(t) = session::token() {
        store::end_session(&state.store, &t).await?;
    }
    let mut resp = Redirect::to("/konto/logga-in").into_response();
    if let Some(c) = session::cookie(None, state.secure_cookies) {
        resp.headers_mut().append(header::SET_COOKIE, c);
    }
    Ok(resp)
}
