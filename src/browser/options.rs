//! What a browser is started with: which Chromium (Debian's headless shell
//! first), its window, timeouts and pass; and what goes wrong starting or
//! driving it.

use std::path::PathBuf;
use std::time::Duration;

use super::turns::Turns;

/// Debian's two builds of Chromium, the one to prefer first. Both are the
/// same engine at the same version; the headless shell (package
/// `chromium-headless-shell`) is built headless only — no window system, no
/// full browser's UI process — and takes about 30 % less time per release
/// check than the full `chromium` for the same screenshots and audits
/// (docs/performance.md, issue 29). The shell is named by its program in
/// `/usr/lib`, not by Debian's `/usr/bin` script, which runs it without
/// `exec`: the script's shell would stand between its owner and the browser
/// and keep the browser alive when the owner is killed.
pub const DEBIAN_CHROMIUMS: [&str; 2] = [HEADLESS_SHELL, "/usr/bin/chromium"];

pub(super) const HEADLESS_SHELL: &str = "/usr/lib/chromium/chromium-headless-shell";

pub(super) const HEADLESS_SHELL_SCRIPT: &str = "/usr/bin/chromium-headless-shell";

/// The Chromium to launch when none is configured: the first of
/// [`DEBIAN_CHROMIUMS`] installed (the full browser's path when neither is,
/// for the error to name).
pub fn default_chromium() -> PathBuf {
    DEBIAN_CHROMIUMS
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .unwrap_or_else(|| PathBuf::from(DEBIAN_CHROMIUMS[1]))
}

/// The program to start for a configured path: Debian's headless-shell
/// script is replaced by the program it runs (see [`DEBIAN_CHROMIUMS`]).
pub(super) fn program(configured: &std::path::Path) -> PathBuf {
    if configured == std::path::Path::new(HEADLESS_SHELL_SCRIPT)
        && std::path::Path::new(HEADLESS_SHELL).exists()
    {
        return PathBuf::from(HEADLESS_SHELL);
    }
    configured.to_path_buf()
}

#[derive(Debug, thiserror::Error)]
pub enum BrowserError {
    #[error(
        "Chromium not found at {0}: install Debian's `chromium-headless-shell` (or `chromium`) or set PROVRUM_CHROMIUM"
    )]
    NotFound(PathBuf),
    #[error("starting Chromium: {0}")]
    Launch(String),
    #[error("{0}")]
    Page(String),
    #[error("timed out after {0:?} waiting for {1}")]
    Timeout(Duration, String),
    #[error("the browser is gone (crashed or killed): {0}")]
    Gone(String),
}

impl BrowserError {
    /// Classify a headless_chrome error: a dead connection is `Gone`.
    pub(crate) fn from_cdp(e: anyhow::Error) -> BrowserError {
        let text = format!("{e:#}");
        if text.contains("closed")
            || text.contains("ConnectionClosed")
            || text.contains("Unable to make method calls")
            || text.contains("No such") && text.contains("target")
        {
            BrowserError::Gone(text)
        } else {
            BrowserError::Page(text)
        }
    }
}

#[derive(Debug, Clone)]
pub struct BrowserOptions {
    pub chromium: PathBuf,
    /// A Chromium already running elsewhere (docker-compose): `http://chromium:9222`
    /// or a `ws://…/devtools/browser/…` URL, or several of them separated by
    /// commas (a pool: taken in turn, a dead one skipped). Then nothing is
    /// launched or killed here.
    pub remote: Option<String>,
    pub width: u32,
    pub height: u32,
    /// Longest wait for one page load or one call.
    pub timeout: Duration,
    /// A cookie every new page gets for the test room's origin before it
    /// loads anything: a run's pass to what its scenarios read.
    pub pass: Option<Pass>,
    /// Shared with another stage of the same job: how many browsers may be
    /// open at once between them ([`Turns`]). `None`: no limit here.
    pub turns: Option<std::sync::Arc<Turns>>,
}

/// A cookie for one origin, and what keeps it valid while copies exist.
#[derive(Clone)]
pub struct Pass {
    pub url: String,
    pub name: String,
    pub value: String,
    pub keep: std::sync::Arc<dyn std::any::Any + Send + Sync>,
}

impl std::fmt::Debug for Pass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the token.
        write!(f, "Pass({} for {})", self.name, self.url)
    }
}

impl Default for BrowserOptions {
    fn default() -> Self {
        BrowserOptions {
            chromium: default_chromium(),
            remote: None,
            width: 1280,
            height: 800,
            timeout: Duration::from_secs(20),
            pass: None,
            turns: None,
        }
    }
}
