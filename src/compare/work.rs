//! A worker's share of the capture walks: claim queued walks (`queue`), make
//! them on this worker's browsers and store each capture with its claim.
//! Given to every `work::Worker` as a kind of work ([`Walks`]), and
//! by a comparison that walks its own batch (`provrum compare`); and the
//! other side, [`walk_batch`]: queue a comparison's walks and wait for them.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::artifacts::Artifacts;
use crate::browser::BrowserError;
use crate::store::Store;

use crate::scenarios::runner::RunnerConfig;
use crate::work::worker::{Kind, Pending, Shift};

use super::capture::{self, CaptureConfig, Captured};
use super::queue::{self, Claimed, NewWalk};

/// The capture walks as a kind of work for `work::Worker` (after the cells).
pub struct Walks;

impl Kind<RunnerConfig> for Walks {
    fn waiting<'a>(&'a self, db: &'a Store) -> Pending<'a, Result<bool, sqlx::Error>> {
        Box::pin(queue::claimable(db, None))
    }

    fn work<'a>(
        &'a self,
        shift: Shift<'a>,
        cfg: RunnerConfig,
    ) -> Pending<'a, Result<(), BrowserError>> {
        let cfg = CaptureConfig {
            origin: cfg.origin,
            browser: cfg.browser,
            concurrency: cfg.concurrency,
            // Each walk says where its files are.
            files_dir: std::path::PathBuf::new(),
            single_shot: true,
        };
        Box::pin(async move { work(&shift, cfg).await })
    }

    fn sweep<'a>(&'a self, db: &'a Store) -> Pending<'a, Result<u64, sqlx::Error>> {
        Box::pin(queue::sweep(db))
    }
}

/// Make walks while there are any; an error when the browsers cannot start
/// (the walks claimed meanwhile are given back).
pub async fn work(shift: &Shift<'_>, cfg: CaptureConfig) -> Result<(), BrowserError> {
    let beat = tokio::spawn(heartbeat(
        shift.db.clone(),
        shift.worker.to_string(),
        shift.lease,
    ));
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(Claimed, Captured)>();
    let rt = tokio::runtime::Handle::current();
    let (db, worker, lease) = (shift.db.clone(), shift.worker.to_string(), shift.lease);
    let only = shift.only.map(str::to_string);
    let (stop, artifacts) = (shift.stop.clone(), shift.artifacts.clone());
    let walker = tokio::task::spawn_blocking(move || {
        let next = || loop {
            if stop.load(Ordering::SeqCst) {
                return None;
            }
            match rt.block_on(queue::claim(&db, &worker, only.as_deref(), lease)) {
                Ok(Some(Ok(c))) => {
                    let (job, files) = (c.job.clone(), super::walk::files_here(&c.files_dir));
                    return Some((c, job, files));
                }
                Ok(Some(Err((id, why)))) => {
                    // A walk this worker cannot read (a newer format): ended
                    // as failed rather than passed on forever.
                    let _ = rt.block_on(queue::fail(&db, id, &worker, &why));
                }
                Ok(None) => return None,
                Err(e) => {
                    tracing::warn!(error = %e, "claiming a capture walk failed");
                    return None;
                }
            }
        };
        capture::capture_from(&next, &cfg, &artifacts, &|c, out| {
            let _ = tx.send((c, out));
        })
    });
    while let Some((walk, c)) = rx.recv().await {
        let given_back = shift.stop.load(Ordering::SeqCst) && c.error.is_some();
        let unlaunched = c.pages.is_empty()
            && c.error
                .as_deref()
                .is_some_and(|e| e.starts_with(crate::browser::NOT_STARTED));
        // The browser died, or the test room did not answer it: try again
        // (elsewhere, or later) a bounded number of times before it stands
        // as the walk's error.
        let infrastructure = c
            .error
            .as_deref()
            .is_some_and(|e| crate::browser::infrastructure(e) || e.contains("net::ERR_"));
        if infrastructure && !unlaunched && !given_back && walk.attempts < WALK_ATTEMPTS {
            tracing::warn!(
                walk = walk.id,
                attempts = walk.attempts,
                error = c.error.as_deref().unwrap_or_default(),
                "a capture walk could not be made; it goes back to the queue"
            );
            if let Err(e) = queue::retry(shift.db, walk.id, shift.worker).await {
                tracing::warn!(error = %e, walk = walk.id, "giving a walk back failed");
            }
            continue;
        }
        if given_back || unlaunched {
            // Another worker (or this one, later) walks it again; a browser
            // that did not start is also capture_from's error below.
            if let Err(e) = queue::release(shift.db, walk.id, shift.worker).await {
                tracing::warn!(error = %e, walk = walk.id, "giving a walk back failed");
            }
            continue;
        }
        match queue::complete(shift.db, &walk, shift.worker, &c).await {
            Ok(true) => {}
            Ok(false) => tracing::warn!(
                walk = walk.id,
                "another worker took this walk over (lease lapsed); its capture was dropped"
            ),
            Err(e) => tracing::error!(error = %e, walk = walk.id, "storing a capture failed"),
        }
    }
    beat.abort();
    walker.await.unwrap_or_else(|e| {
        Err(BrowserError::Launch(format!(
            "the capture thread failed: {e}"
        )))
    })
}

/// How many times a walk the test room could not make is tried.
const WALK_ATTEMPTS: i64 = 3;

/// Renew this worker's leases on walks, about three times per lease and at
/// least each second.
async fn heartbeat(db: Store, worker: String, lease: Duration) {
    let every = (lease / 3).min(Duration::from_secs(1));
    loop {
        tokio::time::sleep(every).await;
        if let Err(e) = queue::heartbeat(&db, &worker, lease).await {
            tracing::warn!(error = %e, "renewing capture leases failed");
        }
    }
}

/// How often whoever waits for a batch of walks looks at it.
const WAIT: Duration = Duration::from_millis(250);

/// Walks someone asks for, to be made as one batch.
pub struct Batch<'a> {
    pub walks: &'a [NewWalk<'a>],
    pub files_dir: &'a std::path::Path,
    /// Walk them with this process's own browsers too; `None`: leave them
    /// to the workers (a web replica).
    pub own: Option<CaptureConfig>,
    /// Raised: the walks not started are not made.
    pub cancel: &'a AtomicBool,
}

#[derive(Debug, thiserror::Error)]
pub enum WalkError {
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("Chromium: {0}")]
    Browser(#[from] BrowserError),
    #[error("the walks were stopped")]
    Cancelled,
}

/// Queue the walks as one batch and wait until every one has ended (by any
/// worker, and by this process when `own`). A cancel ends the walks not
/// started; Chromium that cannot start here ends the batch with that error.
pub async fn walk_batch(
    db: &Store,
    artifacts: &Artifacts,
    asked: Batch<'_>,
    progress: Arc<dyn Fn(usize, usize) + Send + Sync>,
) -> Result<Vec<queue::Outcome>, WalkError> {
    let batch = hex::encode(rand::random::<[u8; 8]>());
    queue::enqueue(db, &batch, asked.walks, asked.files_dir).await?;
    let ended = Arc::new(AtomicBool::new(false));
    let failed: Mutex<Option<BrowserError>> = Mutex::new(None);
    let worker = format!(
        "{}:compare-{}",
        crate::work::presence::host_id(),
        &batch[..6]
    );
    let own = async {
        let Some(cfg) = asked.own.clone() else {
            return;
        };
        let shift = Shift {
            db,
            artifacts,
            worker: &worker,
            lease: crate::work::lease(),
            only: Some(&batch),
            stop: &ended,
        };
        while !ended.load(Ordering::SeqCst) {
            // Also walks taken back from a worker that died.
            if queue::claimable(db, Some(&batch)).await.unwrap_or(false) {
                if let Err(e) = work(&shift, cfg.clone()).await {
                    *lock(&failed) = Some(e);
                    return;
                }
            } else {
                tokio::time::sleep(WAIT).await;
            }
        }
    };
    let wait = async {
        let result: Result<(), WalkError> = async {
            loop {
                let p = queue::progress(db, &batch).await?;
                progress(p.done as usize, p.total as usize);
                if p.finished() {
                    return Ok(());
                }
                let failed_now = lock(&failed).take();
                if let Some(e) = failed_now {
                    queue::cancel(db, &batch).await?;
                    return Err(WalkError::Browser(e));
                }
                if asked.cancel.load(Ordering::SeqCst) {
                    queue::cancel(db, &batch).await?;
                    return Err(WalkError::Cancelled);
                }
                let _ = queue::sweep(db).await;
                tokio::time::sleep(WAIT).await;
            }
        }
        .await;
        // Whatever ended the wait (also a database error) ends this
        // process's own walking.
        ended.store(true, Ordering::SeqCst);
        result
    };
    let ((), waited) = tokio::join!(own, wait);
    waited?;
    Ok(queue::outcomes(db, &batch).await?)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
