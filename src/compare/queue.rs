//! A comparison's capture walks as a queue in the database, worked by the
//! same workers as the scenario cells (`work::Worker`), so that a web
//! replica starts no browser and any number of machines share the walks.
//!
//! The same rules as `scenarios::queue`: a walk is claimed for a lease the
//! worker renews; a worker that dies loses it when the lease lapses and
//! another walks it again; the capture is stored only in the transaction
//! that marks the worker's own claim done, so each walk is stored once. A
//! walk whose workers died [`MAX_ATTEMPTS`] times is stored as failed.
//!
//! Whoever asks for the walks (`compare::execute`) waits for its *batch* to
//! be done and reads the captures back; it may cancel the walks not started.

use std::path::PathBuf;
use std::time::Duration;

use crate::store::Store;
use crate::work::lease::{EXHAUSTED, LAPSED_OR_QUEUED, Leases};
use crate::work::{MAX_ATTEMPTS, now_ms};

use super::capture::{Captured, Job, Viewport};
use super::store::save_capture;

/// A walk a worker holds.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: i64,
    pub version_id: i64,
    pub definition: String,
    pub job: Job,
    pub files_dir: PathBuf,
    /// How many times it was claimed, this claim included.
    pub attempts: i64,
}

/// A walk to queue: whose version, what to walk and the capture's
/// definition (what makes it reusable).
pub struct NewWalk<'a> {
    pub version_id: i64,
    pub job: &'a Job,
    pub definition: &'a str,
}

/// How a batch stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    pub done: i64,
    pub total: i64,
}

impl Progress {
    pub fn finished(&self) -> bool {
        self.done >= self.total
    }
}

/// What became of one walk: the stored capture, or why there is none.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub version_id: i64,
    pub target: String,
    pub viewport: String,
    pub result: Result<i64, String>,
}

/// Queue a batch of walks in one transaction.
pub async fn enqueue(
    db: &Store,
    batch: &str,
    walks: &[NewWalk<'_>],
    files_dir: &std::path::Path,
) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    for w in walks {
        sqlx::query(
            "insert into capture_tasks (batch, version_id, target, viewport, definition, path, variant, viewport_spec, files_dir)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(batch)
        .bind(w.version_id)
        .bind(&w.job.target)
        .bind(&w.job.viewport.name)
        .bind(w.definition)
        .bind(&w.job.path)
        .bind(serde_json::to_string(&*w.job.variant).unwrap_or_default())
        .bind(serde_json::to_string(&w.job.viewport).unwrap_or_default())
        .bind(files_dir.to_string_lossy().as_ref())
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}

const WALKS: Leases = Leases {
    table: "capture_tasks",
};

/// Walks waiting for a worker: queued, or held by a worker whose lease ran
/// out (`$3`: one batch, or '' for any).
fn claimable_walks() -> String {
    format!("from capture_tasks t where {LAPSED_OR_QUEUED} and ($3 = '' or t.batch = $3)")
}

/// Whether a walk is waiting (of `only_batch`, or of any batch).
pub async fn claimable(db: &Store, only_batch: Option<&str>) -> Result<bool, sqlx::Error> {
    let row = sqlx::query(&format!("select t.id {} limit 1", claimable_walks()))
        .bind(now_ms())
        .bind(MAX_ATTEMPTS)
        .bind(only_batch.unwrap_or_default())
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.is_some())
}

type Row = (
    i64,
    i64,
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
);

/// Claim the oldest waiting walk for `worker` until `now + lease`.
pub async fn claim(
    db: &Store,
    worker: &str,
    only_batch: Option<&str>,
    lease: Duration,
) -> Result<Option<Result<Claimed, (i64, String)>>, sqlx::Error> {
    let sql = WALKS.claim_sql(
        db,
        &claimable_walks(),
        "id, version_id, target, definition, path, variant, viewport_spec, files_dir, attempts",
    );
    let row: Option<Row> = sqlx::query_as(&sql)
        .bind(now_ms())
        .bind(MAX_ATTEMPTS)
        .bind(only_batch.unwrap_or_default())
        .bind(worker)
        .bind(Leases::until(lease))
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.map(
        |(id, version_id, target, definition, path, variant, viewport, files, attempts)| {
            let variant = serde_json::from_str(&variant)
                .map_err(|e| (id, format!("the walk's variant cannot be read: {e}")))?;
            let viewport: Viewport = serde_json::from_str(&viewport)
                .map_err(|e| (id, format!("the walk's viewport cannot be read: {e}")))?;
            Ok(Claimed {
                id,
                version_id,
                definition,
                job: Job {
                    target,
                    variant: std::sync::Arc::new(variant),
                    path,
                    viewport,
                },
                files_dir: PathBuf::from(files),
                attempts,
            })
        },
    ))
}

/// Renew `worker`'s leases on walks.
pub async fn heartbeat(db: &Store, worker: &str, lease: Duration) -> Result<(), sqlx::Error> {
    WALKS.renew(db, worker, lease).await
}

/// Store a walk's capture if the claim is still `worker`'s; `false` when
/// another worker took the walk over (nothing is stored then).
pub async fn complete(
    db: &Store,
    walk: &Claimed,
    worker: &str,
    c: &Captured,
) -> Result<bool, sqlx::Error> {
    let mut tx = db.begin().await?;
    let capture = save_capture(
        &mut tx,
        walk.version_id,
        &c.job.target,
        &c.job.viewport.name,
        &walk.definition,
        c.error.as_deref(),
        &c.pages,
    )
    .await?;
    let mine = sqlx::query(&WALKS.done_sql(", error = $3, capture_id = $4"))
        .bind(walk.id)
        .bind(worker)
        .bind(c.error.as_deref())
        .bind(capture)
        .execute(&mut *tx)
        .await?
        .rows_affected()
        == 1;
    if !mine {
        // The capture goes with the rollback.
        tx.rollback().await?;
        return Ok(false);
    }
    tx.commit().await?;
    Ok(true)
}

/// End a walk that cannot be made at all (its claim is `worker`'s).
pub async fn fail(db: &Store, id: i64, worker: &str, why: &str) -> Result<(), sqlx::Error> {
    sqlx::query(&WALKS.done_sql(", error = $3"))
        .bind(id)
        .bind(worker)
        .bind(why)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Give back a walk the test room could not make (its browser died, the
/// test room did not answer): tried again, the claim counted as an attempt.
pub async fn retry(db: &Store, id: i64, worker: &str) -> Result<(), sqlx::Error> {
    WALKS.retry(db, id, worker).await
}

/// Give a walk back to the queue (the worker is shutting down).
pub async fn release(db: &Store, id: i64, worker: &str) -> Result<(), sqlx::Error> {
    WALKS.release(db, id, worker).await
}

/// Walks not started of a batch are not made (the comparison was stopped).
pub async fn cancel(db: &Store, batch: &str) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "update capture_tasks set state = 'cancelled', error = 'avbruten' where batch = $1 and state = 'queued'",
    )
    .bind(batch)
    .execute(&db.pool)
    .await?
    .rows_affected())
}

/// Walks whose workers died [`MAX_ATTEMPTS`] times end as failed.
pub async fn sweep(db: &Store) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(&format!(
        "update capture_tasks set state = 'done', lease_until = null, error = $3 where {}",
        EXHAUSTED
    ))
    .bind(now_ms())
    .bind(MAX_ATTEMPTS)
    .bind(format!(
        "the worker making this capture stopped {MAX_ATTEMPTS} times without finishing it"
    ))
    .execute(&db.pool)
    .await?
    .rows_affected())
}

/// How many of a batch's walks have ended (done or cancelled).
pub async fn progress(db: &Store, batch: &str) -> Result<Progress, sqlx::Error> {
    let (done, total): (i64, i64) = sqlx::query_as(
        "select coalesce(sum(case when state in ('done', 'cancelled') then 1 else 0 end), 0), count(*)
         from capture_tasks where batch = $1",
    )
    .bind(batch)
    .fetch_one(&db.pool)
    .await?;
    Ok(Progress { done, total })
}

/// Each walk of a batch that has ended, with its capture or why there is none.
pub async fn outcomes(db: &Store, batch: &str) -> Result<Vec<Outcome>, sqlx::Error> {
    type Ended = (i64, String, String, Option<i64>, Option<String>);
    let rows: Vec<Ended> = sqlx::query_as(
        "select version_id, target, viewport, capture_id, error from capture_tasks
         where batch = $1 and state in ('done', 'cancelled') order by id",
    )
    .bind(batch)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(version_id, target, viewport, capture, error)| Outcome {
            version_id,
            target,
            viewport,
            result: match (capture, error) {
                (Some(id), None) => Ok(id),
                (_, Some(e)) => Err(e),
                (None, None) => Err("no capture was stored".into()),
            },
        })
        .collect())
}
