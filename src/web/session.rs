//! The logged-in user of the current request. A middleware resolves the
//! session cookie once per request and keeps the user in a task-local
//! (`current`), so handlers and page chrome ask `user()` / `require()`
//! without a lookup.

use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;

use super::current::{CURRENT, Current};
pub use super::current::{confirmation_code, secure_cookies, token, user};
use super::{AppState, WebError};

use crate::accounts::{Action, User};

pub const COOKIE: &str = "provrum_konto";

/// Resolve the session cookie for this request.
pub async fn layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let secure = state.secure_cookies;
    let name = crate::web::cookie_name_for(COOKIE, secure);
    let token = crate::web::cookie_map(req.headers(), &name).filter(|t| t.len() == 64);
    let user = match &token {
        Some(t) => crate::accounts::store::session_user(&state.store, t)
            .await
            .ok()
            .flatten(),
        None => None,
    };
    // Only a token that resolved to a user binds CSRF tokens.
    let token = token.filter(|_| user.is_some());
    let path = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".into());
    CURRENT
        .scope(
            Current {
                user,
                path,
                token,
                secure,
            },
            next.run(req),
        )
        .await
}

/// The logged-in user, or a redirect to the login page that comes back here.
pub fn require() -> Result<User, WebError> {
    user().ok_or_else(|| WebError::LoginRequired(super::current::path()))
}

/// The logged-in user if they may do `action`; otherwise why not.
pub fn require_to(action: Action) -> Result<User, WebError> {
    let u = require()?;
    if u.may(action) {
        Ok(u)
    } else {
        Err(WebError::Forbidden(refusal(&u, action)))
    }
}

fn refusal(u: &User, action: Action) -> String {
    match action {
        Action::Comment(Some(m)) | Action::Endorse(m) | Action::AnswerRound(m) => format!(
            "Du ({}) kan bara agera för {}, inte för {m}.",
            u.role.swedish().to_lowercase(),
            if u.municipalities.is_empty() {
                "någon kommun".to_string()
            } else {
                u.municipalities.join(", ")
            }
        ),
        Action::Assess => "Bara juridiska rådgivare bedömer punkter i checklistor.".into(),
        Action::ReadCases(_) => format!(
            "Som granskare läser du sandlådans ärenden för {}. Juridiska rådgivare och e-kontoret läser alla.",
            if u.municipalities.is_empty() {
                "dina kommuner".to_string()
            } else {
                u.municipalities.join(", ")
            }
        ),
        _ => "Bara e-kontoret får göra det här.".into(),
    }
}

/// The session cookie to set after logging in (or to clear, with `None`).
pub fn cookie(token: Option<&str>, secure: bool) -> Option<HeaderValue> {
    let name = crate::web::cookie_name_for(COOKIE, secure);
    let secure = if secure { "; Secure" } else { "" };
    let value = match token {
        Some(t) => format!(
            "{name}={t}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
            crate::accounts::store::SESSION_HOURS * 3600
        ),
        None => format!("{name}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}"),
    };
    HeaderValue::from_str(&value).ok()
}
