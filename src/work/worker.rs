//! A worker: looks for queued work of the kinds it was given, in their
//! order, and does it on browsers it sets up for each batch. It knows no
//! domain: scenario cells (`scenarios::work::Cells`) and capture walks
//! (`compare::work::Walks`) are two [`Kind`]s. `provrum worker` is one on its
//! own; `serve` runs one inside the web process (SQLite's one machine needs
//! no other process) and `provrum run` one for its own run.
//!
//! Browsers live only while there is work: when nothing waits, a kind's
//! work ends and closes them, and the worker looks again every [`POLL`].

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::artifacts::Artifacts;
use crate::browser::BrowserError;
use crate::store::Store;

use super::presence;

/// How often an idle worker looks for work.
pub const POLL: Duration = Duration::from_millis(500);

/// How often a worker says it is alive (see `presence::workers_alive`).
const CHECK_IN: Duration = Duration::from_secs(5);

/// A future a trait object can return.
pub type Pending<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The browsers' configuration for a batch of work (a fresh one each time:
/// what it carries, such as a pass, may expire).
pub type Setup<C> = Box<dyn Fn() -> Result<C, String> + Send + Sync>;

/// Who works and for how long: what a kind of work needs from its worker.
pub struct Shift<'a> {
    pub db: &'a Store,
    pub artifacts: &'a Artifacts,
    pub worker: &'a str,
    pub lease: Duration,
    /// Only this batch's work (whoever asked for a batch works on it too).
    pub only: Option<&'a str>,
    /// Raised: claim nothing more, give what is in progress back.
    pub stop: &'a Arc<AtomicBool>,
}

/// One kind of queued work, done on browsers configured by a `C`.
pub trait Kind<C>: Send + Sync {
    /// Whether any of it waits.
    fn waiting<'a>(&'a self, db: &'a Store) -> Pending<'a, Result<bool, sqlx::Error>>;
    /// Do it while there is any; an error only when the browsers cannot
    /// start (what was claimed meanwhile is given back).
    fn work<'a>(&'a self, shift: Shift<'a>, cfg: C) -> Pending<'a, Result<(), BrowserError>>;
    /// End what dead workers left behind too often.
    fn sweep<'a>(&'a self, db: &'a Store) -> Pending<'a, Result<u64, sqlx::Error>>;
    /// Whether the worker has nothing more to wait for (a worker for one
    /// run stops when it has ended). Never, unless a kind says so.
    fn ended<'a>(&'a self, _db: &'a Store) -> Pending<'a, Result<bool, sqlx::Error>> {
        Box::pin(async { Ok(false) })
    }
}

pub struct Worker<C> {
    id: String,
    db: Store,
    artifacts: Artifacts,
    setup: Setup<C>,
    lease: Duration,
    /// Give up at the first batch whose browsers cannot start (a worker
    /// for one run, whose caller says so), rather than trying again.
    impatient: bool,
}

impl<C> Worker<C> {
    pub fn new(db: Store, artifacts: Artifacts, setup: Setup<C>, lease: Duration) -> Worker<C> {
        let tag = hex::encode(rand::random::<[u8; 3]>());
        Worker {
            id: format!("{}:{tag}", presence::host_id()),
            db,
            artifacts,
            setup,
            lease,
            impatient: false,
        }
    }

    /// Return the error when the browsers cannot start, instead of waiting
    /// and trying again.
    pub fn impatient(mut self) -> Worker<C> {
        self.impatient = true;
        self
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// Do `kinds` of work, the first that waits first, until `stop` is
    /// raised (work in progress goes back to its queue) or a kind says it
    /// has ended. An error only for an impatient worker whose browsers
    /// cannot start.
    pub async fn work(
        &self,
        kinds: &[&dyn Kind<C>],
        stop: &Arc<AtomicBool>,
    ) -> Result<(), BrowserError> {
        let mut problem: Option<String> = None;
        let mut checked_in: Option<Instant> = None;
        while !stop.load(Ordering::SeqCst) {
            if checked_in.is_none_or(|t| t.elapsed() >= CHECK_IN) {
                if let Err(e) = presence::check_in(&self.db, &self.id, problem.as_deref()).await {
                    tracing::warn!(error = %e, "checking in failed");
                }
                checked_in = Some(Instant::now());
            }
            if self.ended(kinds).await {
                break;
            }
            let kind = match self.waiting(kinds).await {
                Ok(Some(kind)) => kind,
                Ok(None) => {
                    for kind in kinds {
                        if let Err(e) = kind.sweep(&self.db).await {
                            tracing::warn!(error = %e, "sweeping stuck work failed");
                        }
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
                    let _ = presence::check_in(&self.db, &self.id, Some(&e)).await;
                    problem = Some(e);
                    tokio::time::sleep(POLL * 4).await;
                    continue;
                }
            };
            let shift = Shift {
                db: &self.db,
                artifacts: &self.artifacts,
                worker: &self.id,
                lease: self.lease,
                only: None,
                stop,
            };
            match kind.work(shift, cfg).await {
                Ok(()) => problem = None,
                Err(e) => {
                    if self.impatient {
                        let _ = presence::check_out(&self.db, &self.id).await;
                        return Err(e);
                    }
                    tracing::error!(error = %e, "the worker's browsers could not start; trying again");
                    let _ = presence::check_in(&self.db, &self.id, Some(&e.to_string())).await;
                    problem = Some(e.to_string());
                    tokio::time::sleep(POLL * 20).await;
                }
            }
        }
        let _ = presence::check_out(&self.db, &self.id).await;
        Ok(())
    }

    /// Whether a kind says there is nothing more to wait for.
    async fn ended(&self, kinds: &[&dyn Kind<C>]) -> bool {
        for kind in kinds {
            if kind.ended(&self.db).await.unwrap_or(false) {
                return true;
            }
        }
        false
    }

    /// The first kind of work that waits, if any.
    async fn waiting<'k>(
        &self,
        kinds: &[&'k dyn Kind<C>],
    ) -> Result<Option<&'k dyn Kind<C>>, sqlx::Error> {
        for kind in kinds {
            if kind.waiting(&self.db).await? {
                return Ok(Some(*kind));
            }
        }
        Ok(None)
    }
}
