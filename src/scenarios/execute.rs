//! From "run these scenarios on these variants" to a stored run: planning
//! (with every scenario checked against the version first) and executing on
//! blocking worker threads while outcomes are stored as they arrive.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::artifacts::Artifacts;
use crate::browser::BrowserError;
use crate::municipalities::Registry;
use crate::services::store::{self as versions, VersionSummary};
use crate::store::Store;
use crate::yaml::Diagnostic;

use super::model::Scenario;
use super::runner::{self, Cell, CellOutcome, RunnerConfig};
use super::store::{self, Counts};

#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("no version {1} of service `{0}` is imported (see `provrum services`)")]
    NoVersion(String, String),
    #[error("{} problem(s) in the scenarios", .0.len())]
    Invalid(Vec<Diagnostic>),
    #[error("no scenario for `{0}` was found (scenarios name their service with `service:`)")]
    NoScenarios(String),
    #[error("`{0}` has no variant for {1}")]
    UnknownMunicipality(String, String),
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
}

pub struct Plan {
    pub version: VersionSummary,
    pub scenarios: Vec<Arc<Scenario>>,
    pub cells: Vec<Cell>,
}

/// Scenario files for `service`: the given files, or every scenario below `dir`.
pub fn scenario_files(files: &[PathBuf], dir: &std::path::Path) -> Vec<PathBuf> {
    if files.is_empty() {
        super::find_files(dir)
    } else {
        files.iter().flat_map(|f| super::find_files(f)).collect()
    }
}

pub async fn plan(
    db: &Store,
    service: &str,
    version: Option<&str>,
    files: &[PathBuf],
    municipalities: &[String],
) -> Result<Plan, PlanError> {
    let Some(v) = versions::find_version(db, service, version).await? else {
        return Err(PlanError::NoVersion(
            service.to_string(),
            version.unwrap_or("(newest)").to_string(),
        ));
    };
    let variants = versions::variants(db, v.id).await?;
    for m in municipalities {
        if !variants.iter().any(|x| &x.municipality == m) {
            return Err(PlanError::UnknownMunicipality(
                format!("{service} {}", v.version),
                m.clone(),
            ));
        }
    }
    let mut diags = Vec::new();
    let mut scenarios = Vec::new();
    for f in files {
        let text = match crate::yaml::read_text(f) {
            Ok(text) => text,
            Err(d) => {
                diags.push(d);
                continue;
            }
        };
        if !super::looks_like_scenario(&text) {
            continue;
        }
        match super::parse(f, &text) {
            Ok(s)
                if s.service == service
                    && s.version.as_deref().is_none_or(|sv| sv == v.version) =>
            {
                let problems = super::check(&s, &variants, Registry::builtin());
                if problems.is_empty() {
                    scenarios.push(Arc::new(s));
                } else {
                    diags.extend(problems);
                }
            }
            Ok(_) => {}
            // A broken file of another service must not stop this run.
            Err(d) if super::declared_service(&text).is_none_or(|s| s == service) => {
                diags.extend(d)
            }
            Err(_) => {}
        }
    }
    if !diags.is_empty() {
        return Err(PlanError::Invalid(diags));
    }
    if scenarios.is_empty() {
        return Err(PlanError::NoScenarios(service.to_string()));
    }
    let mut cells = Vec::new();
    for s in &scenarios {
        for var in variants.iter().filter(|x| {
            s.variants.includes(&x.municipality)
                && (municipalities.is_empty() || municipalities.contains(&x.municipality))
        }) {
            cells.push(Cell {
                scenario: s.clone(),
                variant: Arc::new(var.clone()),
                path: format!(
                    "/tjanster/{}/{}/{}",
                    v.service_id, v.version, var.municipality
                ),
            });
        }
    }
    Ok(Plan {
        version: v,
        scenarios,
        cells,
    })
}

pub struct Finished {
    pub run_id: i64,
    pub counts: Counts,
    pub outcomes: Vec<CellOutcome>,
    pub status: &'static str,
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Browser(#[from] BrowserError),
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
}

/// Execute a plan as a stored run. `progress` sees each outcome once stored.
pub async fn execute(
    db: &Store,
    artifacts: &Artifacts,
    plan: Plan,
    cfg: RunnerConfig,
    started_by: &str,
    cancel: Arc<AtomicBool>,
    progress: impl Fn(&CellOutcome),
) -> Result<Finished, RunError> {
    let run_id = store::create(
        db,
        plan.version.id,
        started_by,
        cfg.concurrency,
        plan.cells.len(),
    )
    .await?;
    execute_run(db, artifacts, run_id, plan, cfg, cancel, progress).await
}

/// Execute a plan into a run already created (so a page can show it at once).
pub async fn execute_run(
    db: &Store,
    artifacts: &Artifacts,
    run_id: i64,
    plan: Plan,
    cfg: RunnerConfig,
    cancel: Arc<AtomicBool>,
    progress: impl Fn(&CellOutcome),
) -> Result<Finished, RunError> {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<CellOutcome>();
    let (artifacts2, cancel2) = (artifacts.clone(), cancel.clone());
    let cells = plan.cells;
    let worker = tokio::task::spawn_blocking(move || {
        runner::run(cells, &cfg, &artifacts2, &cancel2, &move |o| {
            let _ = tx.send(o);
        })
    });
    let mut counts = Counts::default();
    let mut outcomes = Vec::new();
    while let Some(o) = rx.recv().await {
        store::record(db, run_id, &o).await?;
        counts.add(o.status);
        progress(&o);
        outcomes.push(o);
    }
    let result = worker.await.unwrap_or_else(|e| {
        Err(BrowserError::Launch(format!(
            "the runner thread failed: {e}"
        )))
    });
    let interrupted = cancel.load(Ordering::SeqCst);
    store::finish(db, run_id, &counts, interrupted).await?;
    if let Err(e) = result
        && counts.passed == 0
        && counts.failed == 0
    {
        return Err(e.into());
    }
    Ok(Finished {
        run_id,
        status: counts.verdict(interrupted),
        counts,
        outcomes,
    })
}
