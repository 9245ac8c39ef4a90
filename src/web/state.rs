//! The state every handler shares: the store, the version cache (versions and
//! their variants), the artifact store, the jobs registry, the settings the server
//! was started with, and the helpers handlers use on them (a version or 404,
//! the browser for a job, a printed PDF).

use std::sync::Arc;

use crate::artifacts::Artifacts;
use crate::municipalities::Registry;
use crate::services::Variant;
use crate::services::cache::VersionCache;
use crate::services::store::VersionSummary;
use crate::store::Store;

use super::{WebError, passes};

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
            chromium: crate::browser::default_chromium(),
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
    pub cache: Arc<VersionCache>,
    /// Review-round e-mail settings (`None`: not configured).
    pub mail: Option<crate::config::MailConfig>,
    /// The address people reach the test room at (no trailing slash).
    pub public_url: Option<String>,
    /// Browser threads of this process's worker (0: it runs no cells).
    pub workers: usize,
    /// The staff's panel on sandbox pages (set by `startup::app`).
    pub staff_panel: std::sync::OnceLock<Box<dyn StaffPanel>>,
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
            cache: Arc::new(VersionCache::new(store.clone(), Registry::builtin())),
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

    /// A version by service and number (the version cache keeps it).
    pub async fn version(
        &self,
        service: &str,
        version: &str,
    ) -> Result<Option<VersionSummary>, sqlx::Error> {
        self.cache.version(service, version).await
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
        self.cache.variants(version_id).await
    }

    /// One variant, or `<municipality>~bas` for the comparison reference.
    pub async fn variant(
        &self,
        version_id: i64,
        municipality: &str,
    ) -> Result<Option<Arc<Variant>>, sqlx::Error> {
        self.cache.variant(version_id, municipality).await
    }
}

/// Where a sandbox page is: a variant of a version and a place in it (a step
/// id, or one of the pages around the steps, see `reviews::places`).
pub struct Spot {
    pub service_id: String,
    pub version: String,
    pub version_id: i64,
    pub municipality: String,
    pub place: String,
    /// The page's own path and query, to come back to after commenting.
    pub url: String,
}

pub type PanelFuture<'a> = std::pin::Pin<Box<dyn Future<Output = Option<String>> + Send + 'a>>;

/// The staff's panel on a sandbox page. The sandbox sits below the reviews
/// in the layers, so the reviews register theirs when the app is built
/// (`startup::app`) and the sandbox asks for it through the state.
pub trait StaffPanel: Send + Sync {
    fn render<'a>(&'a self, state: &'a AppState, spot: &'a Spot) -> PanelFuture<'a>;
}
