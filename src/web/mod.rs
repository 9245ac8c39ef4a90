//! The HTTP kit every domain's pages are built with: the shared state,
//! the logged-in user (`session`), CSRF tokens, security headers, errors,
//! page chrome and static files. It stands on the domain floor (the
//! `services` catalog in the state, the request's `accounts::User`) and on
//! nothing above it: `startup` mounts the domains' routers on it.

pub mod csrf;
mod current;
mod error;

mod cookies;
pub mod page;
pub mod passes;
pub mod rates;
mod security;
pub mod session;
mod span;
mod state;
pub mod static_files;
pub use cookies::{cookie, cookie_map, cookie_name_for, path_cookie_name_for, with_cookie};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;

pub use error::{Refusals, WebError};
pub use security::BODY_LIMIT;
pub use state::{AppState, Inner, PanelFuture, Settings, Spot, StaffPanel, default_workers};

/// Where to go back to after a form: only paths on this site, never an open
/// redirect. Browsers drop tabs and newlines from URLs and read `\\` as `/`,
/// so `/\t/evil.example` would be `//evil.example`: a path must start with
/// exactly one `/` and hold no control character, whitespace or backslash.
pub fn safe_back(till: Option<&str>) -> String {
    match till {
        Some(t)
            if t.starts_with('/')
                && !t[1..].starts_with('/')
                && !t.contains(|c: char| c == '\\' || c.is_control() || c.is_whitespace()) =>
        {
            t.to_string()
        }
        _ => "/".to_string(),
    }
}

/// The kit's own routes (health, favicon, static files) merged with the
/// domains' `routes`, wrapped in the layers every page needs: body limit,
/// the logged-in user, security headers, a request span, the 404 page.
pub fn app(routes: Router<AppState>, state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        // Browsers ask for it on every page; a 404 would be console noise in every run.
        .route(
            "/favicon.ico",
            get(|| async { axum::http::StatusCode::NO_CONTENT }),
        )
        .merge(routes)
        .merge(static_files::router())
        .fallback(error::not_found)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            session::layer,
        ))
        .layer(axum::middleware::from_fn(span::layer))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::headers,
        ))
        .with_state(state)
}

async fn healthz(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> Result<&'static str, WebError> {
    sqlx::query("select 1").execute(&state.store.pool).await?;
    Ok("ok\n")
}

/// The offset of page `sida` (0-based) of `per_page` rows, or a 400 for a
/// page no list can have (a huge number would overflow into a negative
/// OFFSET, which PostgreSQL refuses).
pub fn page_offset(sida: Option<u64>, per_page: u64) -> Result<i64, WebError> {
    const MAX_PAGE: u64 = 1_000_000;
    match sida.unwrap_or(0) {
        p if p <= MAX_PAGE => Ok((p * per_page) as i64),
        _ => Err(WebError::BadRequest(
            "Sidnumret är för stort. Gå till första sidan och bläddra därifrån.".into(),
        )),
    }
}

/// Render an askama template as an HTML response.
pub fn render<T: askama::Template>(t: &T) -> Result<axum::response::Html<String>, WebError> {
    Ok(axum::response::Html(t.render()?))
}
