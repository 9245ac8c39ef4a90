//! A cell's evidence on its way to the artifact store, and what a cell the
//! test room itself could not carry out becomes.

use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use super::cell::{CellOutcome, Status};

/// A cell's files on their way to the artifact store, written by one
/// thread while the browsers go on.
pub(super) enum Write {
    File(String, Vec<u8>),
    /// Answered when every file sent before it has been tried.
    Flush(mpsc::Sender<()>),
}

/// A browser thread's end of the writer: send files, and learn which ones
/// could not be stored.
/// Write every file sent, in order, remembering those the store refused.
/// Once the runner is stopping, files are no longer tried (a store that does
/// not answer must not hold a stopping worker for a timeout per file): they
/// count as refused, and their cells go back to the queue anyway.
pub(super) fn write_all(
    files: mpsc::Receiver<Write>,
    artifacts: &crate::artifacts::Artifacts,
    unstored: &Mutex<std::collections::HashSet<String>>,
    stopping: &std::sync::atomic::AtomicBool,
) {
    for w in files {
        match w {
            Write::File(hash, bytes) => {
                let tried = if stopping.load(std::sync::atomic::Ordering::SeqCst) {
                    Err(std::io::Error::other("the runner is stopping"))
                } else {
                    artifacts.put_hashed(&hash, &bytes)
                };
                if let Err(e) = tried {
                    tracing::error!(%hash, error = %e, "storing an artifact failed");
                    if let Ok(mut f) = unstored.lock() {
                        f.insert(hash);
                    }
                }
            }
            Write::Flush(done) => {
                let _ = done.send(());
            }
        }
    }
}

/// The hashes the store refused, shared by every browser thread.
pub(super) type Unstored = Arc<Mutex<std::collections::HashSet<String>>>;

pub(super) struct Files {
    tx: mpsc::Sender<Write>,
    unstored: Unstored,
}

impl Files {
    pub(super) fn new(tx: mpsc::Sender<Write>, unstored: Unstored) -> Files {
        Files { tx, unstored }
    }

    pub(super) fn put(&self, hash: &str, bytes: Vec<u8>) {
        let _ = self.tx.send(Write::File(hash.to_string(), bytes));
    }

    /// Wait until this thread's files are written; whether any of
    /// `hashes` could not be.
    fn any_unstored<'a>(&self, hashes: impl Iterator<Item = &'a String>) -> bool {
        let (done, wait) = mpsc::channel();
        if self.tx.send(Write::Flush(done)).is_ok() {
            let _ = wait.recv();
        }
        let Ok(unstored) = self.unstored.lock() else {
            return true;
        };
        hashes.into_iter().any(|h| unstored.contains(h))
    }
}

/// A cell the test room itself could not carry out is not the service's
/// failure: a browser that died under it, or evidence the artifact store did
/// not take (a cell stored as passed must have its screenshots). Such a cell
/// becomes an error whose reason says so ([`crate::browser::INFRASTRUCTURE`]),
/// which the worker runs again and the pages show as "kunde inte köras".
pub(super) fn infrastructure(outcome: &mut CellOutcome, browser_alive: bool, files: &Files) {
    let why = if !browser_alive && outcome.status != Status::Passed {
        Some(crate::browser::DIED)
    } else if files.any_unstored(
        outcome
            .steps
            .iter()
            .flat_map(|s| [&s.screenshot, &s.text, &s.dom])
            .flatten(),
    ) {
        Some(crate::browser::UNSTORED)
    } else {
        None
    };
    if let Some(why) = why {
        outcome.status = Status::Error;
        outcome.reason = Some(match outcome.reason.take() {
            Some(r) => format!("{why} ({r})"),
            None => why.to_string(),
        });
    }
}

impl CellOutcome {
    /// A cell with no steps run: never started, or stopped before its first.
    pub fn not_run(
        scenario: &str,
        title: &str,
        municipality: &str,
        status: Status,
        reason: &str,
    ) -> CellOutcome {
        CellOutcome {
            scenario: scenario.to_string(),
            scenario_title: title.to_string(),
            municipality: municipality.to_string(),
            status,
            reason: Some(reason.to_string()),
            failed_step: None,
            duration_ms: 0,
            case_number: None,
            steps: Vec::new(),
            reused_from_run: None,
        }
    }
}
