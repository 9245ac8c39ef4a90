//! A worker's share of the scenario cells: claim queued cells (`queue`,
//! through `claims`), run them in this worker's browsers and store each
//! outcome with its claim. [`Cells`] is the kind of work `work::Worker`
//! does first (a person waits on a run page), before capture walks.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::browser::BrowserError;
use crate::store::Store;
use crate::work::worker::{Kind, Pending, Shift};

use super::claims::{Claims, Held, lock};
use super::queue::{self, Task};
use super::runner::{self, CellOutcome, RunnerConfig};

/// What a worker is told of each outcome it stored.
pub type Stored<'a> = &'a (dyn Fn(&CellOutcome) + Send + Sync);

/// The queued scenario cells as a kind of work: every run's, or with
/// `only_run` one run's alone (its worker stops when the run has ended).
pub struct Cells<'a> {
    only_run: Option<i64>,
    stored: Stored<'a>,
}

impl<'a> Cells<'a> {
    /// `stored` hears of every outcome this worker stored.
    pub fn new(only_run: Option<i64>, stored: Stored<'a>) -> Cells<'a> {
        Cells { only_run, stored }
    }
}

impl Kind<RunnerConfig> for Cells<'_> {
    fn waiting<'a>(&'a self, db: &'a Store) -> Pending<'a, Result<bool, sqlx::Error>> {
        Box::pin(queue::claimable(db, self.only_run))
    }

    fn work<'a>(
        &'a self,
        shift: Shift<'a>,
        cfg: RunnerConfig,
    ) -> Pending<'a, Result<(), BrowserError>> {
        Box::pin(async move { self.batch(&shift, cfg).await })
    }

    fn sweep<'a>(&'a self, db: &'a Store) -> Pending<'a, Result<u64, sqlx::Error>> {
        Box::pin(queue::sweep(db))
    }

    fn ended<'a>(&'a self, db: &'a Store) -> Pending<'a, Result<bool, sqlx::Error>> {
        Box::pin(async move {
            match self.only_run {
                Some(run) => queue::finished(db, run).await,
                None => Ok(false),
            }
        })
    }
}

impl Cells<'_> {
    /// Run cells while there are any, with one runner and its browsers.
    async fn batch(&self, shift: &Shift<'_>, cfg: RunnerConfig) -> Result<(), BrowserError> {
        let stop = shift.stop;
        let held: Held = Arc::default();
        let setup = super::reuse::setup(&cfg);
        let beat = tokio::spawn(heartbeat(
            shift.db.clone(),
            shift.worker.to_string(),
            shift.lease,
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
            db: shift.db.clone(),
            worker: shift.worker.to_string(),
            only_run: self.only_run,
            lease: shift.lease,
            known: Mutex::default(),
            setup: setup.clone(),
            held: held.clone(),
            stop: stop.clone(),
        };
        let (artifacts, halt) = (shift.artifacts.clone(), stop.clone());
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
                self.settle(shift, &task, &setup, &outcome, &cancelled)
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
        shift: &Shift<'_>,
        task: &Task,
        setup: &str,
        outcome: &CellOutcome,
        cancelled: &AtomicBool,
    ) {
        let (db, worker, stop) = (shift.db, shift.worker, shift.stop);
        let cut_short = outcome.status == runner::Status::Error
            && stop.load(Ordering::SeqCst)
            && !cancelled.load(Ordering::SeqCst);
        if cut_short {
            if let Err(e) = queue::release(db, task, worker).await {
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
            if let Err(e) = queue::retry(db, task, worker).await {
                tracing::warn!(error = %e, task = task.id, "giving a cell back failed");
            }
            return;
        }
        match queue::complete(db, task, worker, setup, outcome).await {
            Ok(true) => (self.stored)(outcome),
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
            let _ = crate::work::presence::check_in(&db, &worker, None).await;
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
