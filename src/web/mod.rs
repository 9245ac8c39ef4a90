//! The HTTP kit every domain's pages are built with: the shared state,
//! the logged-in user (`session`), CSRF tokens, security headers, errors,
//! page chrome and static files. It stands on the domain floor (the
//! `services` catalog in the state, the request's `accounts::User`) and on
//! nothing above it: `startup` mounts the domains' routers on it.

pub mod csrf;
mod error;

pub mod page;
pub mod passes;
pub mod rates;
mod security;
pub mod session;
mod span;
mod state;
pub mod static_files;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;

pub use error::{Refusals, WebError};
pub use state::{AppState, Inner, Settings, default_workers};

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

/// Largest request body of an ordinary form (login, comment, triage…):
/// kilobytes are what they carry. The sandbox's step forms set their own
/// limit from what the step may hold (see `sandbox::input::body_limit`).
pub const BODY_LIMIT: usize = 64 * 1024;

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

/// The value of cookie `name` in a request.
pub fn cookie(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    cookie_map(headers, &cookie_name_for(name, session::secure_cookies()))
}

/// A cookie by its exact name.
pub fn cookie_map(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
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

/// The name a cookie of the whole site goes by: with secure cookies on,
/// `__Host-` (Secure, Path=/, no Domain: no other host can set or shadow it).
pub fn cookie_name_for(base: &str, secure: bool) -> String {
    prefixed("__Host-", base, secure)
}

/// The name of a cookie scoped to a path (which `__Host-` does not allow):
/// `__Secure-` when secure cookies are on.
pub fn path_cookie_name_for(base: &str, secure: bool) -> String {
    prefixed("__Secure-", base, secure)
}

fn prefixed(prefix: &str, base: &str, secure: bool) -> String {
    if secure {
        format!("{prefix}{base}")
    } else {
        base.to_string()
    }
}

/// A rendered page, with the CSRF cookie when the browser had none yet.
pub fn with_cookie(
    html: axum::response::Html<String>,
    set: Option<axum::http::HeaderValue>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let mut resp = html.into_response();
    if let Some(c) = set {
        resp.headers_mut().insert(axum::http::header::SET_COOKIE, c);
    }
    resp
}

/// Render an askama template as an HTML response.
pub fn render<T: askama::Template>(t: &T) -> Result<axum::response::Html<String>, WebError> {
    Ok(axum::response::Html(t.render()?))
}
