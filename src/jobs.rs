//! Background work started from the web (comparisons; scenario runs are a
//! queue of their own, `scenarios::queue`) in one registry: start (at most
//! one job per kind and subject at a time), cancel,
//! progress, last error, and stop everything on shutdown. Each job is also a
//! row in `jobs`, held by its process with a lease it renews every second,
//! so a job whose process died shows as interrupted once the lease lapses
//! (whichever replica looks), and the pages read progress from the database.
//! A cancel is a request in the job's row as well, which the process that
//! runs the job polls: any web replica on the database can stop it.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use crate::store::{Store, now};
use crate::work::presence::{host_id, owner_gone};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A comparison of a version's variants; the subject is the version id.
    Comparison,
}

impl Kind {
    fn slug(self) -> &'static str {
        match self {
            Kind::Comparison => "comparison",
        }
    }
}

/// What a job is handed: its cancel flag and a way to report progress.
#[derive(Clone)]
pub struct Handle {
    pub cancel: Arc<AtomicBool>,
    id: i64,
    store: Store,
    /// Progress may be reported from the job's worker threads.
    runtime: tokio::runtime::Handle,
}

impl Handle {
    /// Record progress (`done` of `total`), best effort.
    pub fn progress(&self, done: usize, total: usize) {
        let (store, id) = (self.store.clone(), self.id);
        self.runtime.spawn(async move {
            let _ = sqlx::query("update jobs set done = $1, total = $2 where id = $3")
                .bind(done as i64)
                .bind(total as i64)
                .bind(id)
                .execute(&store.pool)
                .await;
        });
    }
}

/// The latest job of a kind on a subject, as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct JobRow {
    pub id: i64,
    pub status: String,
    pub error: Option<String>,
    pub done: i64,
    pub total: i64,
}

impl JobRow {
    pub fn running(&self) -> bool {
        self.status == "running"
    }
}

type Running = Arc<Mutex<HashMap<(Kind, i64), Arc<AtomicBool>>>>;

#[derive(Default)]
pub struct Jobs {
    /// Cancel flags of the jobs this process runs, pruned when they end.
    running: Running,
    /// Raised by [`Jobs::stop_all`]: a job that another replica may carry
    /// on is handed over, not ended as failed.
    shutting_down: Arc<AtomicBool>,
}

impl Jobs {
    /// Start `work` in the background unless the same job is running here;
    /// `false` when it was already running.
    ///
    /// `request` (JSON) is kept with the job: a job that has one is taken
    /// over by another replica when this process dies ([`adopt`]).
    pub async fn start<F, Fut>(
        &self,
        store: &Store,
        kind: Kind,
        subject: i64,
        started_by: &str,
        request: Option<&str>,
        work: F,
    ) -> Result<bool, sqlx::Error>
    where
        F: FnOnce(Handle) -> Fut,
        Fut: Future<Output = Result<(), String>> + Send + 'static,
    {
        let cancel = Arc::new(AtomicBool::new(false));
        {
            let mut r = lock(&self.running);
            if r.contains_key(&(kind, subject)) {
                return Ok(false);
            }
            r.insert((kind, subject), cancel.clone());
        }
        let id: i64 = match sqlx::query_scalar(
            "insert into jobs (kind, subject, status, started_by, host, started_at, lease_until, request) values ($1, $2, 'running', $3, $4, $5, $6, $7) returning id",
        )
        .bind(kind.slug())
        .bind(subject)
        .bind(started_by)
        .bind(host_id())
        .bind(now())
        .bind(lease_end())
        .bind(request)
        .fetch_one(&store.pool)
        .await
        {
            Ok(id) => id,
            Err(e) => {
                self.forget(kind, subject);
                return Err(e);
            }
        };
        self.run(store, (kind, subject, id), request.is_some(), cancel, work);
        Ok(true)
    }

    /// Carry on a job another process held whose lease lapsed (see
    /// [`adoptable`]): this process takes the row over if nobody was
    /// quicker, and runs `work` under the same job id. `false` when another
    /// replica took it first or it runs here already.
    pub async fn adopt<F, Fut>(
        &self,
        store: &Store,
        job: &Adoptable,
        work: F,
    ) -> Result<bool, sqlx::Error>
    where
        F: FnOnce(Handle) -> Fut,
        Fut: Future<Output = Result<(), String>> + Send + 'static,
    {
        let (kind, subject) = (job.kind, job.subject);
        let cancel = Arc::new(AtomicBool::new(false));
        {
            let mut r = lock(&self.running);
            if r.contains_key(&(kind, subject)) {
                return Ok(false);
            }
            r.insert((kind, subject), cancel.clone());
        }
        let now_ms = chrono::Utc::now().timestamp_millis();
        let taken = sqlx::query(
            "update jobs set host = $1, lease_until = $2 where id = $3 and status = 'running' and lease_until < $4",
        )
        .bind(host_id())
        .bind(lease_end())
        .bind(job.id)
        .bind(now_ms)
        .execute(&store.pool)
        .await;
        match taken {
            Ok(r) if r.rows_affected() == 1 => {}
            Ok(_) => {
                self.forget(kind, subject);
                return Ok(false);
            }
            Err(e) => {
                self.forget(kind, subject);
                return Err(e);
            }
        }
        tracing::info!(
            job = job.id,
            kind = kind.slug(),
            subject,
            "carrying on a job whose process is gone"
        );
        self.run(store, (kind, subject, job.id), true, cancel, work);
        Ok(true)
    }

    fn run<F, Fut>(
        &self,
        store: &Store,
        (kind, subject, id): (Kind, i64, i64),
        adoptable: bool,
        cancel: Arc<AtomicBool>,
        work: F,
    ) where
        F: FnOnce(Handle) -> Fut,
        Fut: Future<Output = Result<(), String>> + Send + 'static,
    {
        let handle = Handle {
            cancel: cancel.clone(),
            id,
            store: store.clone(),
            runtime: tokio::runtime::Handle::current(),
        };
        let fut = work(handle);
        let store = store.clone();
        let registry = self.running.clone();
        let watcher = tokio::spawn(watch_for_cancel(store.clone(), id, cancel));
        let shutting_down = self.shutting_down.clone();
        tokio::spawn(async move {
            let result = fut.await;
            watcher.abort();
            if adoptable && shutting_down.load(Ordering::SeqCst) {
                // Stopped by this server's shutdown, not by anyone's
                // cancel: another replica carries it on at once.
                let _ = sqlx::query(
                    "update jobs set lease_until = 0 where id = $1 and status = 'running'",
                )
                .bind(id)
                .execute(&store.pool)
                .await;
                lock(&registry).remove(&(kind, subject));
                return;
            }
            if let Err(e) = &result {
                tracing::error!(kind = kind.slug(), subject, error = %e, "background job failed");
            }
            let (status, error) = match result {
                Ok(()) => ("done", None),
                Err(e) => ("failed", Some(e)),
            };
            let _ = sqlx::query(
                "update jobs set status = $1, error = $2, finished_at = $3 where id = $4",
            )
            .bind(status)
            .bind(error)
            .bind(now())
            .bind(id)
            .execute(&store.pool)
            .await;
            lock(&registry).remove(&(kind, subject));
        });
    }

    fn forget(&self, kind: Kind, subject: i64) {
        lock(&self.running).remove(&(kind, subject));
    }

    /// Whether this process runs the job now.
    pub fn is_running(&self, kind: Kind, subject: i64) -> bool {
        lock(&self.running).contains_key(&(kind, subject))
    }

    /// Ask a job to stop at its next check, whichever process runs it:
    /// here at once, elsewhere within [`CANCEL_POLL`]. `false` when no such
    /// job is running.
    pub async fn cancel(
        &self,
        store: &Store,
        kind: Kind,
        subject: i64,
        by: &str,
    ) -> Result<bool, sqlx::Error> {
        if let Some(c) = lock(&self.running).get(&(kind, subject)) {
            c.store(true, Ordering::SeqCst);
        }
        let asked = sqlx::query(
            "update jobs set cancel_requested = $1 where kind = $2 and subject = $3 and status = 'running'",
        )
        .bind(format!("{by} {}", now()))
        .bind(kind.slug())
        .bind(subject)
        .execute(&store.pool)
        .await?;
        Ok(asked.rows_affected() > 0)
    }

    /// Ask every job to stop (on shutdown): runs finish the cells in progress
    /// and close their browsers.
    pub fn stop_all(&self) {
        self.shutting_down.store(true, Ordering::SeqCst);
        for c in lock(&self.running).values() {
            c.store(true, Ordering::SeqCst);
        }
    }
}

/// How often the process running a job looks for a cancel request.
pub const CANCEL_POLL: std::time::Duration = std::time::Duration::from_secs(1);

/// How long a job stays its process's without a renewal.
pub const LEASE: std::time::Duration = std::time::Duration::from_secs(30);

fn lease_end() -> i64 {
    chrono::Utc::now().timestamp_millis() + LEASE.as_millis() as i64
}

/// Renew the job's lease, and raise its cancel flag when its row asks for
/// it (from any process).
async fn watch_for_cancel(store: Store, id: i64, cancel: Arc<AtomicBool>) {
    let mut tick = tokio::time::interval(CANCEL_POLL);
    loop {
        tick.tick().await;
        let _ =
            sqlx::query("update jobs set lease_until = $1 where id = $2 and status = 'running'")
                .bind(lease_end())
                .bind(id)
                .execute(&store.pool)
                .await;
        let asked: Result<Option<String>, _> =
            sqlx::query_scalar("select cancel_requested from jobs where id = $1")
                .bind(id)
                .fetch_one(&store.pool)
                .await;
        if let Ok(Some(_)) = asked {
            cancel.store(true, Ordering::SeqCst);
            return;
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding the lock leaves a map that is still consistent.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The newest job of `kind` on `subject`.
pub async fn latest(
    store: &Store,
    kind: Kind,
    subject: i64,
) -> Result<Option<JobRow>, sqlx::Error> {
    // A job whose process died shows as interrupted, not running forever.
    mark_interrupted(store).await?;
    sqlx::query_as(
        "select id, status, error, done, total from jobs where kind = $1 and subject = $2 order by id desc limit 1",
    )
    .bind(kind.slug())
    .bind(subject)
    .fetch_optional(&store.pool)
    .await
}

/// A job another replica may take over: running, with a request, and its
/// lease lapsed.
#[derive(Debug, Clone)]
pub struct Adoptable {
    pub id: i64,
    pub kind: Kind,
    pub subject: i64,
    pub started_by: String,
    pub request: String,
}

/// Jobs of `kind` whose process is gone and that another may carry on.
pub async fn adoptable(store: &Store, kind: Kind) -> Result<Vec<Adoptable>, sqlx::Error> {
    let rows: Vec<(i64, i64, String, String)> = sqlx::query_as(
        "select id, subject, started_by, request from jobs
         where kind = $1 and status = 'running' and request is not null and lease_until < $2",
    )
    .bind(kind.slug())
    .bind(chrono::Utc::now().timestamp_millis())
    .fetch_all(&store.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, subject, started_by, request)| Adoptable {
            id,
            kind,
            subject,
            started_by,
            request,
        })
        .collect())
}

/// Jobs left `running` by a process that is gone are interrupted: their
/// lease has lapsed (a live process renews its jobs' every second, on any
/// machine, whatever its host name), or — for rows from before leases —
/// their owner is known to be gone. Called at start and when a job's page
/// is read; a live server's jobs on the same database are left alone.
pub async fn mark_interrupted(store: &Store) -> Result<u64, sqlx::Error> {
    // A job with a request is carried on by a live replica (`adopt`), not
    // given up.
    let running: Vec<(i64, String, Option<i64>)> = sqlx::query_as(
        "select id, host, lease_until from jobs where status = 'running' and request is null",
    )
    .fetch_all(&store.pool)
    .await?;
    let now_ms = chrono::Utc::now().timestamp_millis();
    let mut n = 0;
    let lapsed = running.iter().filter(|(_, host, lease)| match lease {
        Some(until) => *until < now_ms,
        None => owner_gone(host),
    });
    for (id, _, _) in lapsed {
        n += sqlx::query(
            "update jobs set status = 'interrupted', finished_at = $1 where id = $2 and status = 'running'",
        )
        .bind(now())
        .bind(id)
        .execute(&store.pool)
        .await?
        .rows_affected();
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_process_that_is_gone_loses_its_jobs() {
        let me = host_id();
        assert!(!owner_gone(&me), "this process is alive");
        let machine = me.split(':').next().unwrap();
        assert!(
            owner_gone(&format!("{machine}:4194300")),
            "no such PID here"
        );
        assert!(owner_gone("another-machine:1"), "nothing here can ask it");
        assert!(owner_gone(machine), "no PID recorded");
    }
}

#[cfg(test)]
mod lease_tests {
    use super::*;

    /// Issue 25: a replica starting under another host name does not take
    /// a live job on another replica for a dead one; a lapsed lease does.
    #[tokio::test]
    async fn a_job_is_interrupted_by_its_lapsed_lease_not_by_a_host_name() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("j.db").display());
        let store = Store::open(&url).await.unwrap();
        let future = chrono::Utc::now().timestamp_millis() + 60_000;
        for (host, lease) in [
            ("other-pod:1", Some(future)),
            ("other-pod:2", Some(1)),
            ("old:3", None),
        ] {
            sqlx::query("insert into jobs (kind, subject, status, started_by, host, started_at, lease_until) values ('comparison', 1, 'running', 'x', $1, '2026-01-01T00:00:00.000Z', $2)")
                .bind(host)
                .bind(lease)
                .execute(&store.pool)
                .await
                .unwrap();
        }
        assert_eq!(mark_interrupted(&store).await.unwrap(), 2);
        let hosts: Vec<String> =
            sqlx::query_scalar("select host from jobs where status = 'running'")
                .fetch_all(&store.pool)
                .await
                .unwrap();
        assert_eq!(
            hosts,
            ["other-pod:1"],
            "the live lease on another host is kept"
        );
    }
}
