//! Infrastructure: launching (or connecting to) headless Chromium, pages that
//! can reach only allowed origins, screenshots and page text. Knows nothing of
//! services or scenarios.
//!
//! Pitfalls handled here (see ../shared/design/headless-chrome-notes.md):
//! the idle timeout is set far above any run, a browser is health-checked and
//! relaunched by its owner, tabs are closed explicitly, Chromium's own profile
//! folder is ours and removed once every process of that browser is gone, and
//! waits block on the page's own load events instead of polling.

pub mod axe;
mod options;
mod page;
mod paint;
pub mod process;
mod remote;
mod turns;
use options::program;
pub use options::{BrowserError, BrowserOptions, DEBIAN_CHROMIUMS, Pass, default_chromium};

use std::path::PathBuf;
use std::time::Duration;

pub use page::{Page, PageLog};
pub use process::alive as process_alive;
pub use process::sweep_profiles;
pub use turns::{Turn, Turns};

/// How the reason of work that no browser could be started for begins (a
/// cell stored as not run, a walk given back to the queue).
pub const NOT_STARTED: &str = "Chromium could not be started";
/// How the reason of a cell begins whose browser died under it.
pub const DIED: &str = "Chromium died during the cell";
/// How the reason of a cell begins whose evidence the artifact store did not take.
pub const UNSTORED: &str = "the screenshots could not be stored";
/// The reasons of work the test room could not carry out (not a finding
/// about the service): run again, and shown as "kunde inte köras".
pub const INFRASTRUCTURE: [&str; 3] = [NOT_STARTED, DIED, UNSTORED];

/// Whether `reason` says the test room, not the service, failed.
pub fn infrastructure(reason: &str) -> bool {
    INFRASTRUCTURE.iter().any(|p| reason.starts_with(p))
}

/// One Chromium process tree, owned by one worker thread.
pub struct Browser {
    inner: Option<headless_chrome::Browser>,
    process: process::Tree,
    options: BrowserOptions,
    /// The page the last cell or walk gave back, for the next.
    spare: std::sync::Mutex<Option<Page>>,
}

impl Browser {
    pub fn launch(options: &BrowserOptions) -> Result<Browser, BrowserError> {
        if let Some(pool) = &options.remote {
            // Each endpoint of the pool in turn; the first that answers.
            let mut failures = Vec::new();
            for remote in remote::in_turn(pool) {
                let connected = remote::websocket_url(&remote).and_then(|ws| {
                    headless_chrome::Browser::connect_with_timeout(ws, Duration::from_secs(60))
                        .map_err(|e| format!("connecting to {remote}: {e:#}"))
                });
                match connected {
                    Ok(inner) => {
                        return Ok(Browser {
                            inner: Some(inner),
                            process: process::Tree::remote(),
                            options: options.clone(),
                            spare: Default::default(),
                        });
                    }
                    Err(e) => {
                        tracing::warn!(endpoint = %remote, error = %e, "remote Chromium skipped");
                        failures.push(e);
                    }
                }
            }
            return Err(BrowserError::Launch(if failures.is_empty() {
                "PROVRUM_CHROMIUM_URL names no endpoint".into()
            } else {
                failures.join("; ")
            }));
        }
        if !options.chromium.exists() {
            return Err(BrowserError::NotFound(options.chromium.clone()));
        }
        // The owner's pid in the name: a later start sweeps the profiles of
        // processes that died without removing them (`process::sweep_profiles`).
        let profile = tempfile::Builder::new()
            .prefix(&format!("provrum-chromium-{}-", std::process::id()))
            .tempdir()
            .map_err(|e| BrowserError::Launch(e.to_string()))?;
        let args: Vec<&std::ffi::OsStr> = [
            "--disable-quic",
            "--disable-component-update",
            "--disable-gpu",
            "--mute-audio",
            "--hide-scrollbars",
            "--font-render-hinting=none",
            "--disable-features=Translate,OptimizationHints,MediaRouter,InterestFeedContentSuggestions",
        ]
        .iter()
        .map(std::ffi::OsStr::new)
        .collect();
        let launch = headless_chrome::LaunchOptions::default_builder()
            .path(Some(program(&options.chromium)))
            .headless(true)
            .sandbox(false)
            .enable_gpu(false)
            .window_size(Some((options.width, options.height)))
            .user_data_dir(Some(profile.path().to_path_buf()))
            // headless_chrome drops a browser whose connection is silent this
            // long, and uses the same figure as every call's timeout (#390,
            // #544). A minute is far above any step of ours, yet a hung
            // Chromium is noticed; the owner health-checks and relaunches.
            .idle_browser_timeout(Duration::from_secs(60))
            .args(args)
            .build()
            .map_err(|e| BrowserError::Launch(e.to_string()))?;
        let inner = headless_chrome::Browser::new(launch)
            .map_err(|e| BrowserError::Launch(format!("{e:#}")))?;
        let pid = inner.get_process_id();
        Ok(Browser {
            inner: Some(inner),
            process: process::Tree::new(pid, profile),
            options: options.clone(),
            spare: Default::default(),
        })
    }

    /// The DevTools websocket of this browser.
    pub fn ws_url(&self) -> Option<String> {
        self.inner.as_ref().map(|b| b.get_ws_url())
    }

    /// Whether the browser still answers.
    pub fn is_alive(&self) -> bool {
        (self.options.remote.is_some() || self.process.is_running())
            && self.inner.as_ref().is_some_and(|b| b.get_version().is_ok())
    }

    /// A fresh page in a fresh browser context (its own cookies and storage),
    /// able to reach only `allowed` origins (`http://127.0.0.1:3000`).
    pub fn new_page(&self, allowed: Vec<String>) -> Result<Page, BrowserError> {
        let inner = self
            .inner
            .as_ref()
            .ok_or_else(|| BrowserError::Gone("closed".into()))?;
        let context = inner.new_context().map_err(BrowserError::from_cdp)?;
        let tab = context.new_tab().map_err(BrowserError::from_cdp)?;
        let page = Page::new(tab, allowed, &self.options)?;
        self.give_pass(&page)?;
        Ok(page)
    }

    /// A page for the next cell or walk, as clean as a new one: the page
    /// the last one gave back ([`Browser::give_back`]), reset, or else a new
    /// one. Cells and walks on one browser run one after the other.
    pub fn page(&self, allowed: Vec<String>) -> Result<Page, BrowserError> {
        let spare = self.spare.lock().ok().and_then(|mut s| s.take());
        if let Some(page) = spare {
            match page
                .reset(allowed.clone())
                .and_then(|()| self.give_pass(&page))
            {
                Ok(()) => return Ok(page),
                Err(e) => {
                    tracing::debug!(error = %e, "a page could not be reset; opening a new one");
                    page.close();
                }
            }
        }
        self.new_page(allowed)
    }

    /// Keep `page` for the next [`Browser::page`].
    pub fn give_back(&self, page: Page) {
        let old = self.spare.lock().ok().and_then(|mut s| s.replace(page));
        if let Some(old) = old {
            old.close();
        }
    }

    /// The pass cookie, only for the test room's origin: never sent to another host.
    fn give_pass(&self, page: &Page) -> Result<(), BrowserError> {
        if let Some(p) = &self.options.pass {
            page.set_cookie(&p.url, &p.name, &p.value, "/")?;
        }
        Ok(())
    }

    /// Close the browser and wait until every one of its processes is gone.
    pub fn close(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        // Collect the process tree first: dropping the Browser kills only the
        // main process, and its children must be seen to exit too.
        self.process.snapshot_children();
        drop(self.inner.take());
        self.process.reap(Duration::from_secs(5));
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// The browser's own version line ("Chromium 156.0.8078.73 …"), asked once
/// per program; a browser running elsewhere is asked each time (its
/// `/json/version`: it may be replaced by another version at the same
/// address). Part of a capture's and a cell's reuse key: another Chromium
/// may render the same page differently — so is the program's name, since
/// the headless shell and the full browser of one version print nearly the
/// same line yet are different programs.
pub fn version(opts: &BrowserOptions) -> String {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static SEEN: OnceLock<Mutex<HashMap<PathBuf, String>>> = OnceLock::new();
    if let Some(remote) = &opts.remote {
        return format!("remote {}", remote::browser_versions(remote));
    }
    let seen = SEEN.get_or_init(Default::default);
    if let Some(v) = seen
        .lock()
        .ok()
        .and_then(|m| m.get(&opts.chromium).cloned())
    {
        return v;
    }
    let v = std::process::Command::new(&opts.chromium)
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| {
            let program = opts
                .chromium
                .file_name()
                .unwrap_or_default()
                .to_string_lossy();
            format!("{} ({program})", String::from_utf8_lossy(&o.stdout).trim())
        })
        .unwrap_or_else(|| format!("unknown {}", opts.chromium.display()));
    if let Ok(mut m) = seen.lock() {
        m.insert(opts.chromium.clone(), v.clone());
    }
    v
}
