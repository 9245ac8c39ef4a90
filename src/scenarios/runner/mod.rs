//! The runner: every scenario × variant of a plan on a pool of headless
//! Chromium browsers, one worker thread each (headless_chrome blocks, so it
//! never runs on the async executor). Each cell gets a fresh browser context
//! (own cookies and storage) and a page sealed to the test room's origin.

mod capture;
mod cell;
mod files;
pub(crate) mod steps;
pub use cell::{Capture, Cell, CellOutcome, Options, RunnerConfig, Status, StepOutcome};

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::artifacts::Artifacts;
use crate::browser::{Browser, BrowserError, PageLog};

use super::model::Action;
use capture::Captured;
use files::{Files, Write, infrastructure};
pub use steps::lookup;
use steps::{Context, StepError};

/// Where a runner's threads take their next cell from: a list in memory or
/// the database's queue. `None` ends the thread.
pub trait Source: Sync {
    fn next(&self) -> Option<Cell>;
}

impl Source for Mutex<VecDeque<Cell>> {
    fn next(&self) -> Option<Cell> {
        // The guard is dropped here: the list is never held while a cell runs.
        self.lock().ok().and_then(|mut q| q.pop_front())
    }
}

/// What hears of each finished cell.
pub type OnDone<'a> = &'a (dyn Fn(&Cell, CellOutcome) + Sync);

/// Run every cell; `on_done` gets each outcome as soon as it is known.
/// Returns an error only when no browser can be started at all.
pub fn run(
    cells: Vec<Cell>,
    cfg: &RunnerConfig,
    artifacts: &Artifacts,
    cancel: &AtomicBool,
    on_done: OnDone,
) -> Result<(), BrowserError> {
    let queue = Mutex::new(cells.into_iter().collect::<VecDeque<_>>());
    run_from(&queue, cfg, artifacts, cancel, on_done)
}

/// Run cells from `source` until it has none; `cancel` stops every cell,
/// a cell's own flag only that cell.
pub fn run_from(
    source: &dyn Source,
    cfg: &RunnerConfig,
    artifacts: &Artifacts,
    cancel: &AtomicBool,
    on_done: OnDone,
) -> Result<(), BrowserError> {
    // Fail fast with a clear message when Chromium is missing.
    if cfg.browser.remote.is_none() && !cfg.browser.chromium.exists() {
        return Err(BrowserError::NotFound(cfg.browser.chromium.clone()));
    }
    let (file_tx, file_rx) = mpsc::channel::<Write>();
    let launch_error: Mutex<Option<BrowserError>> = Mutex::new(None);
    let unstored: files::Unstored = Arc::default();
    std::thread::scope(|scope| {
        // Writing artifacts overlaps with driving the next step.
        let failed = unstored.clone();
        let writer = scope.spawn(move || files::write_all(file_rx, artifacts, &failed, cancel));
        for _ in 0..cfg.concurrency.max(1) {
            let files = Files::new(file_tx.clone(), unstored.clone());
            let launch_error = &launch_error;
            scope.spawn(move || worker(source, cfg, &files, cancel, on_done, launch_error));
        }
        drop(file_tx);
        let _ = writer.join();
    });
    match launch_error.into_inner().ok().flatten() {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

fn worker(
    source: &dyn Source,
    cfg: &RunnerConfig,
    files: &Files,
    cancel: &AtomicBool,
    on_done: OnDone,
    launch_error: &Mutex<Option<BrowserError>>,
) {
    let mut browser: Option<Browser> = None;
    let mut used = 0;
    while let Some(cell) = source.next() {
        if stopped(cancel, &cell) {
            let outcome = not_run(
                &cell,
                Status::Error,
                "the run was interrupted before this cell started",
            );
            on_done(&cell, outcome);
            continue;
        }
        if used >= cfg.cells_per_browser || browser.as_ref().is_some_and(|b| !b.is_alive()) {
            if let Some(b) = browser.take() {
                b.close();
            }
            used = 0;
        }
        if browser.is_none() {
            match Browser::launch(&cfg.browser) {
                Ok(b) => browser = Some(b),
                Err(e) => {
                    let outcome = not_run(
                        &cell,
                        Status::Error,
                        &format!("{}: {e}", crate::browser::NOT_STARTED),
                    );
                    on_done(&cell, outcome);
                    if let Ok(mut slot) = launch_error.lock() {
                        slot.get_or_insert(e);
                    }
                    continue;
                }
            }
        }
        let Some(b) = browser.as_ref() else { continue };
        used += 1;
        let mut outcome = run_cell(b, &cell, cfg, files, cancel);
        infrastructure(&mut outcome, b.is_alive(), files);
        let broken = outcome.status == Status::Error;
        on_done(&cell, outcome);
        if broken && !b.is_alive() {
            // Relaunch for the next cell; this one is already marked `error`.
            if let Some(b) = browser.take() {
                b.close();
            }
        }
    }
    if let Some(b) = browser.take() {
        b.close();
    }
    // No cell is left for this thread: a stage waiting on its turn may open
    // a browser in its place (the release check's walks).
    if let Some(turns) = &cfg.browser.turns {
        turns.give_back();
    }
}

/// Whether the whole runner or this cell's run was asked to stop.
fn stopped(cancel: &AtomicBool, cell: &Cell) -> bool {
    cancel.load(Ordering::SeqCst) || cell.cancel.load(Ordering::SeqCst)
}

fn not_run(cell: &Cell, status: Status, reason: &str) -> CellOutcome {
    CellOutcome::not_run(
        &cell.scenario.id,
        &cell.scenario.title,
        &cell.variant.municipality,
        status,
        reason,
    )
}

fn origin_of(url: &str) -> Option<String> {
    let rest = url.split_once("://")?;
    let host = rest.1.split('/').next()?;
    Some(format!("{}://{host}", rest.0))
}

fn run_cell(
    browser: &Browser,
    cell: &Cell,
    cfg: &RunnerConfig,
    files: &Files,
    cancel: &AtomicBool,
) -> CellOutcome {
    let started = Instant::now();
    let own;
    let cfg = match cell.options {
        Some(o) => {
            own = RunnerConfig {
                capture: o.capture,
                axe: o.axe,
                ..cfg.clone()
            };
            &own
        }
        None => cfg,
    };
    let v = &cell.variant;
    let s = &cell.scenario;
    let start_url = v
        .external_url
        .clone()
        .unwrap_or_else(|| format!("{}{}", cfg.origin, cell.path));
    let mut allowed = vec![cfg.origin.clone()];
    if let Some(o) = v.external_url.as_deref().and_then(origin_of) {
        allowed.push(o);
    }
    let mut out = not_run(cell, Status::Passed, "");
    out.reason = None;
    let page = match browser.page(allowed) {
        Ok(p) => p,
        Err(e) => {
            out.status = Status::Error;
            out.reason = Some(format!("could not open a page: {e}"));
            return out;
        }
    };
    if let Err(e) = page.set_axe(cfg.axe) {
        out.status = Status::Error;
        out.reason = Some(format!("could not add axe-core to the page: {e}"));
        page.close();
        return out;
    }
    let mut cx = Context {
        start_url: &start_url,
        origin: &cfg.origin,
        identity: s.identity.as_deref(),
        case_number: None,
    };
    let mut last: Option<(Option<String>, Option<String>)> = None;
    let mut audits = capture::Audits::default();
    for (position, step) in s
        .steps
        .iter()
        .enumerate()
        .filter(|(_, st)| st.applies_to(&v.municipality))
    {
        let label = step.action.label();
        if out.status != Status::Passed || stopped(cancel, cell) {
            if out.status == Status::Passed {
                out.status = Status::Error;
                out.reason = Some("the run was interrupted".into());
                out.failed_step = Some(position);
            }
            out.steps.push(StepOutcome {
                position,
                action: step.action.name().to_string(),
                label,
                status: Status::Skipped,
                reason: None,
                duration_ms: 0,
                url: None,
                screenshot: None,
                text: None,
                log: PageLog::default(),
                accessibility: None,
                dom: None,
            });
            continue;
        }
        let t = Instant::now();
        let action = step.action_for(v);
        let result = steps::perform(&page, &action, &mut cx);
        let is_expectation = step.action.name().starts_with("expect_");
        let changes_page = !is_expectation && !matches!(step.action, Action::Checkpoint { .. });
        let wanted = match cfg.capture {
            Capture::EveryStep => !(is_expectation && last.is_some()),
            Capture::Pages => {
                step.action.navigates() || matches!(step.action, Action::Checkpoint { .. })
            }
        } || result.is_err();
        if changes_page {
            last = None;
        }
        let (status, reason) = match &result {
            Ok(()) => (Status::Passed, None),
            Err(StepError::Failed(why)) => (Status::Failed, Some(why.clone())),
            Err(StepError::Browser(e)) => (Status::Error, Some(e.to_string())),
        };
        let captured = if wanted && status != Status::Error {
            match capture::capture(&page, cfg, files, &mut audits) {
                Ok(c) => {
                    last = Some((c.screenshot.clone(), c.text.clone()));
                    c
                }
                Err(_) => Captured::default(),
            }
        } else {
            let (screenshot, text) = last.clone().unwrap_or((None, None));
            Captured {
                screenshot,
                text,
                accessibility: None,
            }
        };
        let url = if status == Status::Error {
            None
        } else {
            Some(page.url())
        };
        // The page as it was, to open later: where it failed, and at each
        // checkpoint the scenario names.
        let dom = (status == Status::Failed || matches!(step.action, Action::Checkpoint { .. }))
            .then(|| page.dom_snapshot().ok())
            .flatten()
            .map(|html| {
                let hash = Artifacts::hash(html.as_bytes());
                files.put(&hash, html.into_bytes());
                hash
            });
        out.steps.push(StepOutcome {
            position,
            action: step.action.name().to_string(),
            label: label.clone(),
            status,
            reason: reason.clone(),
            duration_ms: t.elapsed().as_millis() as u64,
            url,
            screenshot: captured.screenshot,
            text: captured.text,
            log: page.take_log(),
            accessibility: captured.accessibility,
            dom,
        });
        if status != Status::Passed {
            out.status = status;
            out.failed_step = Some(position);
            out.reason = Some(format!(
                "step {} ({label}): {}",
                position + 1,
                reason.unwrap_or_default()
            ));
        }
    }
    out.case_number = cx.case_number.clone();
    out.duration_ms = started.elapsed().as_millis() as u64;
    // The next cell on this browser reuses the tab, unless this one broke
    // down (a hung or crashed page is not worth resetting).
    if out.status == Status::Error {
        page.close();
    } else {
        browser.give_back(page);
    }
    out
}
