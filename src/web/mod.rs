//! The HTTP kit every domain's pages are built with: the shared state,
//! the logged-in user (`session`), CSRF tokens, security headers, errors,
//! page chrome and static files. It imports no domain: `startup` mounts the
//! domains' routers on it.

pub mod csrf;
mod error;

pub mod page;
pub mod passes;
pub mod rates;
mod security;
pub mod session;
pub mod static_files;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;

use crate::artifacts::Artifacts;
use crate::municipalities::Registry;
use crate::services::Variant;
use crate::services::catalog::Catalog;
use crate::services::store::VersionSummary;
use crate::store::Store;

pub use error::WebError;

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

/// What the web layer needs from the configuration.
pub struct Settings {
    pub secure_cookies: bool,
    pub chromium: std::path::PathBuf,
    pub scenarios_dir: std::path::PathBuf,
    pub chromium_url: Option<String>,
    pub browser_origin: Option<String>,
    /// Where the legal checklists are read from.
    pub checklists_dir: std::path::PathBuf,
    /// The region's catalogue and term list.
    pub catalogue: std::path::PathBuf,
    /// The release gate's policy file (defaults when absent).
    pub release_policy: std::path::PathBuf,
    /// Review-round e-mail; `None`: nothing is sent (and pages say so).
    pub mail: Option<crate::config::MailConfig>,
    /// The address people reach the test room at, for links in downloads.
    pub public_url: Option<String>,
    /// Browser threads of the worker inside `serve` that runs queued cells;
    /// 0: none (a web-only replica, with `provrum worker` elsewhere).
    pub workers: usize,
}

/// One browser thread per core (at least one): the default worker.
pub fn default_workers() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            secure_cookies: false,
            chromium: std::path::PathBuf::from("/usr/bin/chromium"),
            scenarios_dir: std::path::PathBuf::from("scenarios"),
            chromium_url: None,
            browser_origin: None,
            checklists_dir: std::path::PathBuf::from("fixtures/checklists"),
            catalogue: std::path::PathBuf::from("fixtures/catalogue.yaml"),
            release_policy: std::path::PathBuf::from("release-policy.yaml"),
            mail: None,
            public_url: None,
            workers: default_workers(),
        }
    }
}

pub struct Inner {
    pub store: Store,
    /// The test room's own origin (`http://127.0.0.1:3000`), known once listening:
    /// the only origin a sandbox browser may reach.
    pub origin: std::sync::OnceLock<String>,
    pub chromium: std::path::PathBuf,
    /// Where runs started from the web find their scenarios.
    pub scenarios_dir: std::path::PathBuf,
    pub checklists_dir: std::path::PathBuf,
    pub catalogue: std::path::PathBuf,
    pub release_policy: std::path::PathBuf,
    pub chromium_url: Option<String>,
    /// How a remote browser reaches this server, when not at `origin`.
    pub browser_origin: Option<String>,
    /// Runs and comparisons started from the web, stopped on shutdown.
    pub jobs: crate::jobs::Jobs,
    pub artifacts: Artifacts,
    pub registry: &'static Registry,
    pub secure_cookies: bool,
    /// Passes of this process's runs to the inbox (see `passes`).
    pub passes: Arc<passes::Passes>,
    /// Stored versions and their resolved variants (cached: versions never change).
    pub catalog: Arc<Catalog>,
    /// Review-round e-mail settings (`None`: not configured).
    pub mail: Option<crate::config::MailConfig>,
    /// The address people reach the test room at (no trailing slash).
    pub public_url: Option<String>,
    /// Browser threads of this process's worker (0: it runs no cells).
    pub workers: usize,
    /// The staff's panel on sandbox pages (set by `startup::app`).
    pub staff_panel: std::sync::OnceLock<Box<dyn page::StaffPanel>>,
}

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

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    /// State with default settings (tests).
    pub fn new(store: Store, artifacts: Artifacts, secure_cookies: bool) -> AppState {
        Self::build(
            store,
            artifacts,
            Settings {
                secure_cookies,
                ..Settings::default()
            },
        )
    }

    pub fn build(store: Store, artifacts: Artifacts, settings: Settings) -> AppState {
        let Settings {
            secure_cookies,
            chromium,
            scenarios_dir,
            chromium_url,
            browser_origin,
            checklists_dir,
            catalogue,
            release_policy,
            mail,
            public_url,
            workers,
        } = settings;
        AppState(Arc::new(Inner {
            catalog: Arc::new(Catalog::new(store.clone(), Registry::builtin())),
            passes: Arc::new(passes::Passes::new(store.clone())),
            store,
            origin: std::sync::OnceLock::new(),
            chromium,
            scenarios_dir,
            checklists_dir,
            catalogue,
            release_policy,
            chromium_url,
            browser_origin,
            jobs: Default::default(),
            artifacts,
            registry: Registry::builtin(),
            secure_cookies,
            staff_panel: std::sync::OnceLock::new(),
            mail,
            public_url,
            workers,
        }))
    }

    /// A version by service and number (the catalog caches it).
    pub async fn version(
        &self,
        service: &str,
        version: &str,
    ) -> Result<Option<VersionSummary>, sqlx::Error> {
        self.catalog.version(service, version).await
    }

    /// The version a page is about, or a Swedish "not found".
    pub async fn require_version(
        &self,
        service: &str,
        version: &str,
    ) -> Result<VersionSummary, WebError> {
        self.version(service, version).await?.ok_or_else(|| {
            WebError::NotFound(format!(
                "Det finns ingen version {version} av den tjänsten i provrummet. Tjänsterna och deras versioner finns på startsidan."
            ))
        })
    }

    /// Where a browser started for a background job (a run, a comparison)
    /// reaches the sandbox, and how to start or reach that browser.
    pub fn job_browser(&self) -> Result<(String, crate::browser::BrowserOptions), WebError> {
        self.browser_with_pass(true)
    }

    /// A browser for the test room that reads as an anonymous visitor (no
    /// pass): what a reviewer's own sandbox session renders, such as a pin's
    /// shot, must not see more than that session could.
    pub fn visitor_browser(&self) -> Result<(String, crate::browser::BrowserOptions), WebError> {
        self.browser_with_pass(false)
    }

    fn browser_with_pass(
        &self,
        pass: bool,
    ) -> Result<(String, crate::browser::BrowserOptions), WebError> {
        let Some(origin) = self.origin.get().cloned() else {
            return Err(WebError::BadRequest(
                "Servern vet inte sin egen adress ännu.".into(),
            ));
        };
        let origin = self.browser_origin.clone().unwrap_or(origin);
        Ok((
            origin.clone(),
            crate::browser::BrowserOptions {
                chromium: self.chromium.clone(),
                remote: self.chromium_url.clone(),
                pass: pass.then(|| self.passes.issue(&origin)),
                ..crate::browser::BrowserOptions::default()
            },
        ))
    }

    /// One of the test room's own pages (`path`, with its query) printed to
    /// an A4 PDF by Provrum's own Chromium, reading with a pass: the case
    /// for the archive, the meeting's brief.
    pub async fn print_pdf(&self, path: &str) -> Result<Vec<u8>, WebError> {
        let (origin, options) = self.job_browser()?;
        let url = format!("{origin}{path}");
        tokio::task::spawn_blocking(move || {
            let browser = crate::browser::Browser::launch(&options)?;
            let page = browser.new_page(vec![origin])?;
            let out = page.goto(&url).and_then(|_| page.pdf());
            page.close();
            browser.close();
            out
        })
        .await
        .map_err(std::io::Error::other)?
        .map_err(|e| {
            tracing::warn!(error = %e, path, "printing a page to PDF");
            WebError::Unavailable(
                "Sidan kunde inte skrivas ut som PDF just nu. Försök igen om en stund.".into(),
            )
        })
    }

    /// Every variant of a version.
    pub async fn variants(&self, version_id: i64) -> Result<Arc<Vec<Variant>>, sqlx::Error> {
        self.catalog.variants(version_id).await
    }

    /// One variant, or `<municipality>~bas` for the comparison reference.
    pub async fn variant(
        &self,
        version_id: i64,
        municipality: &str,
    ) -> Result<Option<Arc<Variant>>, sqlx::Error> {
        self.catalog.variant(version_id, municipality).await
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
