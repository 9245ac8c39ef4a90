//! A worker: takes queued cells from the database (`queue`), runs them in
//! its own browsers and stores each outcome; when no cell waits, it makes
//! comparisons' queued capture walks (`compare::work`). `provrum worker` is one on its
//! own; `serve` runs one inside the web process (SQLite's one machine needs
//! no other process) and `provrum run` one for its own run.
//!
//! Browsers live only while there is work: when nothing waits, the runner's
//! threads end and close them, and the worker looks again every [`POLL`].

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::artifacts::Artifacts;
use crate::browser::BrowserError;
use crate::store::Store;

use super::claims::{Claims, Held, lock};
use super::queue::{self, Task};
use super::runner::{self, CellOutcome, RunnerConfig};

/// How often an idle worker looks for work.
pub const POLL: Duration = Duration::from_millis(500);

/// How often a worker says it is alive (see `queue::workers_alive`).
const CHECK_IN: Duration = Duration::from_secs(5);

pub use crate::work::lease;

/// The browsers' configuration for a batch of work (a fresh pass each time:
/// passes expire).
pub type Setup = Box<dyn Fn() -> Result<RunnerConfig, String> + Send + Sync>;

pub struct Worker {
    id: String,
    db: Store,
    artifacts: Artifacts,
    setup: Setup,
    lease: Duration,
    only_run: Option<i64>,
    other: Option<Arc<dyn OtherWork>>,
}

/// The two kinds of queued work.
enum Work {
    /// A run's scenario cells (`queue`).
    Cells,
    /// What [`OtherWork`] does (a comparison's capture walks).
    Other,
}

/// A future a trait object can return.
pub type Pending<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// Queued work of another kind that a worker does when no cell waits,
/// handed to it from a higher layer (a comparison's capture walks:
/// `compare::work::Walks`), so that this one need not know it.
pub trait OtherWork: Send + Sync {
    /// Whether any of it waits.
    fn waiting<'a>(&'a self, db: &'a Store) -> Pending<'a, Result<bool, sqlx::Error>>;
    /// Do it while there is any, on browsers configured like the cells'.
    fn work<'a>(
        &'a self,
        shift: Shift<'a>,
        cfg: RunnerConfig,
    ) -> Pending<'a, Result<(), BrowserError>>;
    /// End what dead workers left behind too often.
    fn sweep<'a>(&'a self, db: &'a Store) -> Pending<'a, Result<u64, sqlx::Error>>;
}

/// Who works and for how long.
pub struct Shift<'a> {
    pub db: &'a Store,
    pub artifacts: &'a Artifacts,
    pub worker: &'a str,
    pub lease: Duration,
    /// Only this batch's work (whoever asked works on it too).
    pub only: Option<&'a str>,
    /// Raised: claim nothing more, give what is in progress back.
    pub stop: &'a Arc<AtomicBool>,
}

impl Worker {
    /// `only_run`: work on that run alone and stop when it has ended.
    pub fn new(
        db: Store,
        artifacts: Artifacts,
        setup: Setup,
        lease: Duration,
        only_run: Option<i64>,
    ) -> Worker {
        let tag = hex::encode(rand::random::<[u8; 3]>());
        Worker {
            id: format!("{}:{tag}", crate::jobs::host_id()),
            db,
            artifacts,
            setup,
            lease,
            only_run,
            other: None,
        }
    }

    /// Also do `other` work when no cell waits.
    pub fn also(mut self, other: Arc<dyn OtherWork>) -> Worker {
        self.other = Some(other);
        self
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// Work until `stop` is raised (cells in progress go back to the queue),
    /// or with `only_run` until that run has ended. `stored` hears of every
    /// outcome this worker stored. An error only when Chromium cannot start
    /// for a worker on one run.
    pub async fn work(
        &self,
        stop: &Arc<AtomicBool>,
        stored: &(dyn Fn(&CellOutcome) + Send + Sync),
    ) -> Result<(), BrowserError> {
        let mut problem: Option<String> = None;
        let mut checked_in: Option<std::time::Instant> = None;
        while !stop.load(Ordering::SeqCst) {
            if checked_in.is_none_or(|t| t.elapsed() >= CHECK_IN) {
                if let Err(e) = queue::check_in(&self.db, &self.id, problem.as_deref()).await {
                    tracing::warn!(error = %e, "checking in failed");
                }
                checked_in = Some(std::time::Instant::now());
            }
            if let Some(run) = self.only_run
                && queue::finished(&self.db, run).await.unwrap_or(false)
            {
                break;
            }
            // Cells first (a person waits on a run page), then capture walks.
            let kind = match self.waiting().await {
                Ok(Some(kind)) => kind,
                Ok(None) => {
                    if let Err(e) = queue::sweep(&self.db).await {
                        tracing::warn!(error = %e, "sweeping stuck cells failed");
                    }
                    if let Some(other) = &self.other
                        && let Err(e) = other.sweep(&self.db).await
                    {
                        tracing::warn!(error = %e, "sweeping stuck work failed");
                    }
                    tokio::time::sleep(POLL).await;
                    continue;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "looking for queued work failed");
                    tokio::time::sleep(POLL * 4).await;
                    continue;
                }
            };
            let cfg = match (self.setup)() {
                Ok(cfg) => cfg,
                Err(e) => {
                    tracing::warn!(error = %e, "the worker cannot set up its browsers yet");
                    let _ = queue::check_in(&self.db, &self.id, Some(&e)).await;
                    problem = Some(e);
                    tokio::time::sleep(POLL * 4).await;
                    continue;
                }
            };
            let worked = match kind {
                Work::Cells => self.batch(cfg, stop, stored).await,
                Work::Other => self.other(cfg, stop).await,
            };
            match worked {
                Ok(()) => problem = None,
                Err(e) => {
                    if self.only_run.is_some() {
                        let _ = queue::check_out(&self.db, &self.id).await;
                        return Err(e);
                    }
                    tracing::error!(error = %e, "the worker's browsers could not start; trying again");
                    let _ = queue::check_in(&self.db, &self.id, Some(&e.to_string())).await;
                    problem = Some(e.to_string());
                    tokio::time::sleep(POLL * 20).await;
                }
            }
        }
        let _ = queue::check_out(&self.db, &self.id).await;
        Ok(())
    }

    /// What kind of work waits for this worker, if any.
    async fn waiting(&self) -> Result<Option<Work>, sqlx::Error> {
        if queue::claimable(&self.db, self.only_run).await? {
            return Ok(Some(Work::Cells));
        }
        if self.only_run.is_none()
            && let Some(other) = &self.other
            && other.waiting(&self.db).await?
        {
            return Ok(Some(Work::Other));
        }
        Ok(None)
    }

    /// Do the other kind of work while there is any, on browsers like the cells'.
    async fn other(&self, cfg: RunnerConfig, stop: &Arc<AtomicBool>) -> Result<(), BrowserError> {
        let Some(other) = &self.other else {
            return Ok(());
        };
        let shift = Shift {
            db: &self.db,
            artifacts: &self.artifacts,
            worker: &self.id,
            lease: self.lease,
            only: None,
            stop,
        };
        other.work(shift, cfg).await
    }

    /// Run cells while there are any, with one runner and its browsers.
    async fn batch(
        &self,
        cfg: RunnerConfig,
        stop: &Arc<AtomicBool>,
        stored: &(dyn Fn(&CellOutcome) + Send + Sync),
    ) -> Result<(), BrowserError> {
        let held: Held = Arc::default();
        let setup = super::reuse::setup(&cfg);
        let beat = tokio::spawn(heartbeat(
            self.db.clone(),
            self.id.clone(),
            self.lease,
            held.clone(),
        ));
        // Each outcome travels with a word back once it is stored: the
        // browser thread waits for it before claiming its next cell, so a
        // worker never holds more claims than it has browsers.
        type Settled = std::sync::mpsc::SyncSender<()>;
        let (tx, mut rx) =
            tokio::sync::mpsc::unbounded_channel::<(Option<i64>, CellOutcome, Settled)>();
        let source = Claims {
            rt: tokio::runtime::Handle::current(),
            db: self.db.clone(),
            worker: self.id.clone(),
            only_run: self.only_run,
            lease: self.lease,
            known: Mutex::default(),
            setup: setup.clone(),
            held: held.clone(),
            stop: stop.clone(),
        };
        let (artifacts, halt) = (self.artifacts.clone(), stop.clone());
        let runner = tokio::task::spawn_blocking(move || {
            runner::run_from(&source, &cfg, &artifacts, &halt, &move |cell, o| {
                let (settled, wait) = std::sync::mpsc::sync_channel(1);
                if tx.send((cell.task, o, settled)).is_ok() {
                    let _ = wait.recv();
                }
            })
        });
        while let Some((task, outcome, settled)) = rx.recv().await {
            if let Some((task, cancelled)) = task.and_then(|id| lock(&held).remove(&id)) {
                self.settle(&task, &setup, &outcome, &cancelled, stop, stored)
                    .await;
            }
            let _ = settled.send(());
        }
        beat.abort();
        runner.await.unwrap_or_else(|e| {
            Err(BrowserError::Launch(format!(
                "the runner thread failed: {e}"
            )))
        })
    }

    /// Store a cell's outcome, or give the cell back when it was cut short
    /// because this worker is stopping (another worker runs it again).
    async fn settle(
        &self,
        task: &Task,
        setup: &str,
        outcome: &CellOutcome,
        cancelled: &AtomicBool,
        stop: &AtomicBool,
        stored: &(dyn Fn(&CellOutcome) + Send + Sync),
    ) {
        let cut_short = outcome.status == runner::Status::Error
            && stop.load(Ordering::SeqCst)
            && !cancelled.load(Ordering::SeqCst);
        if cut_short {
            if let Err(e) = queue::release(&self.db, task, &self.id).await {
                tracing::warn!(error = %e, task = task.id, "giving a cell back failed");
            }
            return;
        }
        let infrastructure = outcome.status == runner::Status::Error
            && outcome
                .reason
                .as_deref()
                .is_some_and(crate::browser::infrastructure);
        if infrastructure && task.attempts < INFRASTRUCTURE_ATTEMPTS {
            tracing::warn!(
                task = task.id,
                attempts = task.attempts,
                reason = outcome.reason.as_deref().unwrap_or_default(),
                "the test room could not run a cell; it goes back to the queue"
            );
            if let Err(e) = queue::retry(&self.db, task, &self.id).await {
                tracing::warn!(error = %e, task = task.id, "giving a cell back failed");
            }
            return;
        }
        match queue::complete(&self.db, task, &self.id, setup, outcome).await {
            Ok(true) => stored(outcome),
            Ok(false) => tracing::warn!(
                task = task.id,
                "another worker took this cell over (lease lapsed); its result was dropped"
            ),
            Err(e) => tracing::error!(error = %e, task = task.id, "storing a cell failed"),
        }
    }
}

/// How many times a cell the test room could not carry out is tried before
/// it is stored as not run ("kunde inte köras").
const INFRASTRUCTURE_ATTEMPTS: i64 = 3;

/// Renew the leases and pass cancel requests on to the cells, about three
/// times per lease and at least each second.
async fn heartbeat(db: Store, worker: String, lease: Duration, held: Held) {
    let every = (lease / 3).min(Duration::from_secs(1));
    let mut beats = 0u32;
    loop {
        tokio::time::sleep(every).await;
        beats += 1;
        if beats.is_multiple_of(5) {
            let _ = queue::check_in(&db, &worker, None).await;
        }
        match queue::heartbeat(&db, &worker, lease).await {
            Ok(cancelled) => {
                let held = lock(&held);
                for id in cancelled {
                    if let Some((_, flag)) = held.get(&id) {
                        flag.store(true, Ordering::SeqCst);
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "renewing leases failed"),
        }
    }
}
