//! A cell (one scenario on one municipality's variant), what it is run with, and what came of it.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use serde::Serialize;

use crate::browser::{BrowserOptions, PageLog};
use crate::scenarios::model::Scenario;
use crate::services::Variant;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Passed,
    Failed,
    Error,
    Skipped,
}

impl Status {
    /// A stored status; anything unknown reads as an error, never a pass.
    pub fn parse(s: &str) -> Status {
        match s {
            "passed" => Status::Passed,
            "failed" => Status::Failed,
            "skipped" => Status::Skipped,
            _ => Status::Error,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Passed => "passed",
            Status::Failed => "failed",
            Status::Error => "error",
            Status::Skipped => "skipped",
        }
    }
}

/// When to take a screenshot and the page text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capture {
    /// After every step that acts (expectations reuse the page's last capture).
    EveryStep,
    /// Only when a new page has loaded, at checkpoints, and on failure.
    Pages,
}

#[derive(Debug, Clone)]
pub struct Cell {
    pub scenario: Arc<Scenario>,
    pub variant: Arc<Variant>,
    /// `/tjanster/<service>/<version>/<municipality>`.
    pub path: String,
    /// The queued task this cell is (`None`: a cell run straight from memory).
    pub task: Option<i64>,
    /// Raised when the cell's run is cancelled, wherever that was asked.
    pub cancel: Arc<AtomicBool>,
    /// How its run captures, when not as the runner's configuration says.
    pub options: Option<Options>,
}

/// How a run's cells are captured (stored with a queued run).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    pub capture: Capture,
    pub axe: bool,
}

impl Cell {
    pub fn new(scenario: Arc<Scenario>, variant: Arc<Variant>, path: String) -> Cell {
        Cell {
            scenario,
            variant,
            path,
            task: None,
            cancel: Arc::new(AtomicBool::new(false)),
            options: None,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct StepOutcome {
    pub position: usize,
    pub action: String,
    pub label: String,
    pub status: Status,
    pub reason: Option<String>,
    pub duration_ms: u64,
    pub url: Option<String>,
    pub screenshot: Option<String>,
    pub text: Option<String>,
    pub log: PageLog,
    /// axe-core's violations and incomplete results for this capture.
    pub accessibility: Option<serde_json::Value>,
    /// The document as it was (artifact hash), at checkpoints and failures.
    pub dom: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CellOutcome {
    pub scenario: String,
    pub scenario_title: String,
    pub municipality: String,
    pub status: Status,
    pub reason: Option<String>,
    pub failed_step: Option<usize>,
    pub duration_ms: u64,
    pub case_number: Option<String>,
    pub steps: Vec<StepOutcome>,
    /// The run whose result this is, reused unchanged (`scenarios::reuse`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reused_from_run: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct RunnerConfig {
    /// The test room's own origin, e.g. `http://127.0.0.1:3000`: the only one pages may reach.
    pub origin: String,
    pub browser: BrowserOptions,
    pub concurrency: usize,
    pub capture: Capture,
    pub full_page: bool,
    /// Relaunch a browser after this many cells: empty contexts live until the browser exits.
    pub cells_per_browser: usize,
    /// Run axe-core (WCAG 2.1 A/AA) on every capture.
    pub axe: bool,
}

impl RunnerConfig {
    pub fn new(origin: &str, browser: BrowserOptions) -> RunnerConfig {
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        RunnerConfig {
            origin: origin.trim_end_matches('/').to_string(),
            browser,
            concurrency: cores,
            capture: Capture::EveryStep,
            full_page: true,
            cells_per_browser: 40,
            axe: true,
        }
    }
}
