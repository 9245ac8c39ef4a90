//! From "run these scenarios on these variants" to a stored run: planning
//! (with every scenario checked against the version first), queueing its
//! cells (`queue`) and working on them here (a `work::Worker` doing only its `Cells`) until the run ends.

use std::collections::HashMap;
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
use super::queue;
use super::runner::{Cell, CellOutcome, Options, RunnerConfig};
use super::store::{self, Counts};
use crate::work::worker::{Setup, Worker};

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
    /// Each scenario's file as read, by id: it travels with the run to its workers.
    pub sources: HashMap<String, String>,
    pub cells: Vec<Cell>,
    /// Run every cell, reusing no stored result ("Kör om allt").
    pub fresh: bool,
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
    let mut scenarios: Vec<Arc<Scenario>> = Vec::new();
    let mut sources = HashMap::new();
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
                if let Some(other) = scenarios.iter().find(|o| o.id == s.id) {
                    diags.push(Diagnostic {
                        file: f.clone(),
                        line: 1,
                        col: 1,
                        path: "scenario".into(),
                        message: format!(
                            "the scenario id `{}` is also used by {}",
                            s.id,
                            other.file.display()
                        ),
                        hint: Some("give each scenario of a service its own `scenario:` id".into()),
                    });
                } else if problems.is_empty() {
                    sources.insert(s.id.clone(), text);
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
            cells.push(Cell::new(
                s.clone(),
                Arc::new(var.clone()),
                format!(
                    "/tjanster/{}/{}/{}",
                    v.service_id, v.version, var.municipality
                ),
            ));
        }
    }
    Ok(Plan {
        version: v,
        scenarios,
        sources,
        cells,
        fresh: false,
    })
}

/// Store a plan as a run with its cells queued for workers.
pub async fn enqueue(
    db: &Store,
    plan: &Plan,
    started_by: &str,
    concurrency: usize,
    options: Options,
) -> Result<i64, sqlx::Error> {
    queue::create(db, new_run(plan, started_by, concurrency, options, None)).await
}

fn new_run<'a>(
    plan: &'a Plan,
    started_by: &'a str,
    concurrency: usize,
    options: Options,
    unrunnable: Option<String>,
) -> queue::NewRun<'a> {
    let scenarios = plan
        .scenarios
        .iter()
        .map(|s| {
            let source = plan.sources.get(&s.id).cloned().unwrap_or_default();
            (s.id.clone(), s.file.display().to_string(), source)
        })
        .collect();
    let fingerprints = plan
        .cells
        .iter()
        .map(|c| {
            let source = plan.sources.get(&c.scenario.id)?;
            super::reuse::fingerprint(&plan.version, &c.variant, &c.scenario, source, options)
        })
        .collect();
    queue::NewRun {
        version_id: plan.version.id,
        scenarios,
        cells: &plan.cells,
        fingerprints,
        fresh: plan.fresh,
        started_by,
        concurrency,
        options,
        unrunnable,
    }
}

pub struct Finished {
    pub run_id: i64,
    pub counts: Counts,
    /// Every cell of the run, whichever worker ran it.
    pub outcomes: Vec<CellOutcome>,
    pub status: super::RunStatus,
}

impl Finished {
    /// (cells run now, cells reused from an earlier run).
    pub fn run_and_reused(&self) -> (usize, usize) {
        let reused = self
            .outcomes
            .iter()
            .filter(|o| o.reused_from_run.is_some())
            .count();
        (self.outcomes.len() - reused, reused)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Browser(#[from] BrowserError),
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
}

/// Queue a plan as a run and work on it here until it has ended (workers
/// elsewhere on the same database may take cells too). Raising `cancel`
/// asks the run to stop wherever its cells run. `progress` sees each outcome
/// this process stored.
pub async fn execute(
    db: &Store,
    artifacts: &Artifacts,
    plan: Plan,
    cfg: RunnerConfig,
    started_by: &str,
    cancel: Arc<AtomicBool>,
    progress: impl Fn(&CellOutcome) + Send + Sync,
) -> Result<Finished, RunError> {
    let options = Options {
        capture: cfg.capture,
        axe: cfg.axe,
    };
    // Without a browser to start here the run is stored as not run at once:
    // a worker elsewhere must not pick its cells up meanwhile and run them.
    let missing = (cfg.browser.remote.is_none() && !cfg.browser.chromium.exists())
        .then(|| BrowserError::NotFound(cfg.browser.chromium.clone()));
    if let Some(e) = missing {
        let why = format!("{}: {e}", crate::browser::NOT_STARTED);
        let run = new_run(&plan, started_by, cfg.concurrency, options, Some(why));
        queue::create(db, run).await?;
        return Err(e.into());
    }
    let run_id = enqueue(db, &plan, started_by, cfg.concurrency, options).await?;
    let setup: Setup<RunnerConfig> = Box::new(move || Ok(cfg.clone()));
    let here = Worker::new(db.clone(), artifacts.clone(), setup, crate::work::lease()).impatient();
    let cells = super::work::Cells::new(Some(run_id), &progress);
    let (db2, by) = (db.clone(), started_by.to_string());
    let asker = tokio::spawn(async move {
        while !cancel.load(Ordering::SeqCst) {
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        let _ = queue::cancel(&db2, run_id, &by).await;
    });
    let worked = here
        .work(&[&cells], &Arc::new(AtomicBool::new(false)))
        .await;
    asker.abort();
    if let Err(e) = &worked {
        queue::abandon(db, run_id, &format!("{}: {e}", crate::browser::NOT_STARTED)).await?;
    }
    let run = store::get(db, run_id).await?;
    let (counts, status) = run
        .map(|r| (r.counts, r.status))
        .unwrap_or_else(|| (Counts::default(), super::RunStatus::Error));
    if let Err(e) = worked
        && counts.passed == 0
        && counts.failed == 0
    {
        return Err(e.into());
    }
    // Every cell as stored, also those other workers ran.
    let outcomes = super::outcomes::of_run(db, run_id).await?;
    Ok(Finished {
        run_id,
        counts,
        outcomes,
        status,
    })
}
