//! Preparing a version's verdict: the evidence the gate judges, made now.
//! Every cell of the version's scenarios as they are (a cell whose inputs
//! did not change takes its earlier result, `scenarios::reuse`, unless
//! `fresh`), and every variant captured and compared against the base and
//! the last release in two viewports (captures reused likewise).
//!
//! The two stages share one browser per core (`browser::Turns`): the cells
//! hold every browser from the start, and the walks open one each time a
//! browser of the cells has no cell left. Side by side with a browser per
//! core each, they took longer on two cores (four browsers taking turns:
//! 206 s against 179 s from nothing, 22 s against 18 s after one word);
//! strictly one after the other, the last cells run alone while a core
//! waits (docs/performance.md, 2026-12-03).

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::artifacts::Artifacts;
use crate::browser::{BrowserOptions, Turns};
use crate::compare::capture::Viewport;
use crate::compare::execute::{CompareError, Env};
use crate::compare::{Against, Request};
use crate::scenarios::execute::{PlanError, RunError};
use crate::services::store::VersionSummary;
use crate::store::Store;

/// Where the evidence is made: the sandbox hosting the version and the
/// browser that visits it.
pub struct Bench<'a> {
    pub db: &'a Store,
    pub artifacts: &'a Artifacts,
    pub scenarios_dir: &'a Path,
    /// The test room's origin as the browser reaches it.
    pub origin: &'a str,
    pub browser: &'a BrowserOptions,
    /// Run and capture again even what could be reused.
    pub fresh: bool,
}

/// The stage `prepare` is about to start, for the caller to tell.
#[derive(Debug, Clone, Copy)]
pub enum Stage {
    /// Running this many scenario cells.
    Cells(usize),
    /// Capturing and comparing the variants.
    Walks,
}

/// What was made, for the caller to tell.
#[derive(Debug, Clone, Default)]
pub struct Prepared {
    /// `None`: the service has no scenarios.
    pub cells: Option<Counted>,
    pub walks: Counted,
}

/// How many pieces were made now and how many taken from earlier results.
#[derive(Debug, Clone, Copy, Default)]
pub struct Counted {
    pub made: usize,
    pub reused: usize,
    pub took: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum PrepareError {
    #[error("{0}")]
    Plan(PlanError),
    #[error("{0}")]
    Run(#[from] RunError),
    #[error("{0}")]
    Compare(#[from] CompareError),
}

/// Run the scenarios and the comparison, the walks taking each browser the
/// cells let go; `started` is told each stage as it starts.
pub async fn prepare(
    bench: &Bench<'_>,
    v: &VersionSummary,
    started: impl Fn(Stage),
) -> Result<Prepared, PrepareError> {
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2);
    let turns = Turns::held_by_first(cores);
    let browser = BrowserOptions {
        turns: Some(turns.clone()),
        ..bench.browser.clone()
    };
    let shared = Bench {
        browser: &browser,
        ..*bench
    };
    // Told in the order a reader expects: the cells, then the walks.
    let walks_told = AtomicBool::new(false);
    let tell_walks = || {
        if !walks_told.swap(true, Ordering::SeqCst) {
            started(Stage::Walks);
        }
    };
    let tell = |stage: Stage| {
        started(stage);
        if matches!(stage, Stage::Cells(_)) {
            tell_walks();
        }
    };
    let cells = async {
        let cells = run_scenarios(&shared, v, cores, &tell).await;
        tell_walks();
        // Also when the cells' browsers never started, or there were none.
        turns.release_all();
        cells
    };
    let walks = compare_variants(&shared, v, cores);
    let (cells, walks) = tokio::join!(cells, walks);
    Ok(Prepared {
        cells: cells?,
        walks: walks?,
    })
}

/// `concurrency` runner threads, as many as the turns they give back.
async fn run_scenarios(
    bench: &Bench<'_>,
    v: &VersionSummary,
    concurrency: usize,
    started: &impl Fn(Stage),
) -> Result<Option<Counted>, PrepareError> {
    use crate::scenarios::execute;
    let files = execute::scenario_files(&[], bench.scenarios_dir);
    let mut plan = match execute::plan(bench.db, &v.service_id, Some(&v.version), &files, &[]).await
    {
        Ok(plan) => plan,
        Err(PlanError::NoScenarios(_)) => return Ok(None),
        Err(e) => return Err(PrepareError::Plan(e)),
    };
    plan.fresh = bench.fresh;
    started(Stage::Cells(plan.cells.len()));
    let clock = Instant::now();
    let mut cfg = crate::scenarios::runner::RunnerConfig::new(bench.origin, bench.browser.clone());
    cfg.concurrency = concurrency;
    let done = execute::execute(
        bench.db,
        bench.artifacts,
        plan,
        cfg,
        "release-check",
        Arc::new(AtomicBool::new(false)),
        |_| {},
    )
    .await?;
    let (made, reused) = done.run_and_reused();
    Ok(Some(Counted {
        made,
        reused,
        took: clock.elapsed(),
    }))
}

async fn compare_variants(
    bench: &Bench<'_>,
    v: &VersionSummary,
    concurrency: usize,
) -> Result<Counted, PrepareError> {
    let env = Env {
        origin: bench.origin.to_string(),
        browser: bench.browser.clone(),
        concurrency,
        files_dir: bench.scenarios_dir.join("files"),
        cancel: Arc::new(AtomicBool::new(false)),
    };
    let req = Request {
        service: v.service_id.clone(),
        version: Some(v.version.clone()),
        against: Against::Default,
        viewports: vec![Viewport::desktop(), Viewport::mobile()],
        fresh: bench.fresh,
    };
    let clock = Instant::now();
    let report =
        crate::compare::execute(bench.db, bench.artifacts, &env, &req, Arc::new(|_, _| {})).await?;
    Ok(Counted {
        made: report.captured,
        reused: report.reused,
        took: clock.elapsed(),
    })
}
