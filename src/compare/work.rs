//! A worker's share of the capture walks: claim queued walks (`queue`), make
//! them on this worker's browsers and store each capture with its claim.
//! Called by `scenarios::worker` (every worker does both kinds of work) and
//! by a comparison that walks its own batch (`provrum compare`).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::artifacts::Artifacts;
use crate::browser::BrowserError;
use crate::store::Store;

use super::capture::{self, CaptureConfig, Captured};
use super::queue::{self, Claimed};

/// Who works and for how long.
pub struct Shift<'a> {
    pub db: &'a Store,
    pub artifacts: &'a Artifacts,
    pub worker: &'a str,
    pub lease: Duration,
    /// Only this batch's walks (a comparison working on its own).
    pub only_batch: Option<&'a str>,
    /// Raised: claim nothing more, give the walks in progress back.
    pub stop: &'a Arc<AtomicBool>,
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
    let only = shift.only_batch.map(str::to_string);
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
    let mut launch_failed = false;
    while let Some((walk, c)) = rx.recv().await {
        let given_back = shift.stop.load(Ordering::SeqCst) && c.error.is_some();
        let unlaunched = c.pages.is_empty()
            && c.error
                .as_deref()
                .is_some_and(|e| e.starts_with("Chromium could not be started"));
        if given_back || unlaunched {
            // Another worker (or this one, later) walks it again.
            launch_failed |= unlaunched;
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
    let walked = walker.await.unwrap_or_else(|e| {
        Err(BrowserError::Launch(format!(
            "the capture thread failed: {e}"
        )))
    });
    match walked {
        Err(e) => Err(e),
        Ok(()) if launch_failed => Err(BrowserError::Launch(
            "a browser for the capture walks could not be started".into(),
        )),
        Ok(()) => Ok(()),
    }
}

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
