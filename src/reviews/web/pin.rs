//! Pointing at a sandbox page (the page's script posts here when a reviewer
//! clicks in pin mode): the shot of their own session's page is started in
//! the background, and the token that names it goes into the comment form,
//! which keeps it when the comment is saved.
//!
//! The route lives under the variant's path so that the browser sends the
//! sandbox session's cookie (it is scoped to that path and HttpOnly).

use crate::web::csrf::Checked;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::accounts::Action;
use crate::reviews::pins::{self, Pointed};
use crate::sandbox::places;
use crate::sandbox::web::visit;
use crate::web::session::require_to;
use crate::web::{AppState, WebError};

/// One render at a time: each starts a Chromium, and a room full of
/// reviewers pointing must not start a dozen at once.
static TURN: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);

/// Each reviewer's newest pointing: a render whose turn comes after its
/// reviewer pointed again is skipped, so one reviewer clicking a hundred
/// times holds one render in the line, not a hundred before a colleague's.
static NEWEST: std::sync::LazyLock<std::sync::Mutex<std::collections::HashMap<i64, String>>> =
    std::sync::LazyLock::new(Default::default);

fn newest_is(user: i64, token: &str) -> bool {
    NEWEST
        .lock()
        .is_ok_and(|m| m.get(&user).is_some_and(|t| t == token))
}

#[derive(Deserialize)]
pub(super) struct PointForm {
    /// The place (a step id or a page key, see `sandbox::places`).
    #[serde(default)]
    plats: String,
    /// The page's own path and query.
    #[serde(default)]
    sida: String,
    /// Element positions from `<body>` ("3.0.2").
    #[serde(default)]
    element: String,
    #[serde(default)]
    fx: String,
    #[serde(default)]
    fy: String,
    #[serde(default)]
    bredd: String,
    /// The step form's values and control names, as JSON.
    #[serde(default)]
    varden: String,
    #[serde(default)]
    namn: String,
}

pub(super) async fn point(
    State(state): State<AppState>,
    Path((service, ver, kommun)): Path<(String, String, String)>,
    headers: HeaderMap,
    Checked(form): Checked<PointForm>,
) -> Result<Response, WebError> {
    let user = require_to(Action::Comment(Some(&kommun)))?;
    let c = visit::ctx(&state, &service, &ver, &kommun).await?;
    if !places::exists(&c.variant, &form.plats) {
        return Err(WebError::BadRequest(format!(
            "Sidan ”{}” finns inte i varianten.",
            form.plats
        )));
    }
    let page = crate::web::safe_back(Some(&form.sida));
    if !places::within(&page, &c.base_url) {
        return Err(WebError::BadRequest(
            "Bara sidor i den här varianten kan fotograferas.".into(),
        ));
    }
    let pointed = Pointed::parse(
        &form.element,
        &form.fx,
        &form.fy,
        &form.bredd,
        &form.varden,
        &form.namn,
    )
    .map_err(|e| WebError::BadRequest(format!("Det utpekade kunde inte läsas: {e}.")))?;
    let cookie_name =
        crate::web::path_cookie_name_for(visit::COOKIE, crate::web::session::secure_cookies());
    // Without a session (the start page before "Starta") the page is the
    // same for everyone: render it without one.
    let session = pins::Session {
        id: crate::web::cookie_map(&headers, &cookie_name).unwrap_or_default(),
        cookie_name,
        path: c.base_url.clone(),
    };
    // The render is the reviewer's own session as a visitor sees it: no
    // pass, so nothing a sandbox visitor may not read (the inbox, cases).
    let (origin, options) = state.visitor_browser()?;
    let token = pins::begin(&state.store, user.id, c.version.id, &kommun, &form.plats).await?;
    if let Ok(mut m) = NEWEST.lock() {
        m.insert(user.id, token.clone());
    }
    let job = token.clone();
    let owner = user.id;
    tokio::spawn(async move {
        let Ok(_turn) = TURN.acquire().await else {
            return;
        };
        if !newest_is(owner, &job) {
            // Pointed again since: that render shows what they want now.
            if let Err(e) = pins::finish(&state.store, &job, None).await {
                tracing::warn!(error = %e, "storing a superseded pin");
            }
            return;
        }
        let artifacts = state.artifacts.clone();
        let done = tokio::task::spawn_blocking(move || {
            let r = pins::render(&options, &origin, &session, &page, &pointed)
                .map_err(|e| e.to_string())?;
            let sha = artifacts.put(&r.png).map_err(|e| e.to_string())?;
            Ok::<_, String>((sha, r))
        })
        .await
        .unwrap_or_else(|e| Err(e.to_string()));
        let stored = match &done {
            Ok((sha, r)) => pins::finish(&state.store, &job, Some((sha, r))).await,
            Err(e) => {
                tracing::warn!(error = %e, "the screenshot of a pointed-at page failed");
                pins::finish(&state.store, &job, None).await
            }
        };
        if let Err(e) = stored {
            tracing::warn!(error = %e, "storing a pin's screenshot");
        }
    });
    Ok((
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        token,
    )
        .into_response())
}
