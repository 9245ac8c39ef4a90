//! Leases on queued work, the same for every queue table: a task is claimed
//! for a lease its worker renews; a worker that dies loses it when the lease
//! lapses and another claims it again; a task whose workers died
//! [`MAX_ATTEMPTS`] times is left to the queue's own sweep. A worker's writes
//! name its claim (`id`, `worker`, `state = 'claimed'`), so one that lost its
//! lease changes nothing.
//!
//! A queue table has the columns `id`, `state` ('queued', 'claimed', 'done'
//! or the queue's own), `worker`, `lease_until` (ms since the epoch) and
//! `attempts`.

use std::time::Duration;

use crate::store::{Backend, Store, WriteTx};

/// How many claims a task gets before its queue's sweep ends it: a task
/// that kills its worker is ended (stored as an error or failed) instead of
/// taking every worker down in turn.
pub const MAX_ATTEMPTS: i64 = 3;

/// How long a claim holds without a heartbeat (`PROVRUM_LEASE_SECONDS`).
pub fn lease() -> Duration {
    let secs = std::env::var("PROVRUM_LEASE_SECONDS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .filter(|s| *s > 0)
        .unwrap_or(30);
    Duration::from_secs(secs)
}

pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// The lease operations on one queue table (a constant of the code, never
/// input: it is part of the SQL).
#[derive(Debug, Clone, Copy)]
pub struct Leases {
    pub table: &'static str,
}

/// Claimed tasks whose lease lapsed and whose attempts are used up: the
/// condition a queue's sweep ends them by (`$1` = now, `$2` = [`MAX_ATTEMPTS`]).
pub const EXHAUSTED: &str = "state = 'claimed' and lease_until < $1 and attempts >= $2";

/// Of rows aliased `t`: waiting, or claimed by a worker whose lease lapsed
/// with attempts left. Binds `$1` = now (ms), `$2` = [`MAX_ATTEMPTS`].
pub const LAPSED_OR_QUEUED: &str =
    "(t.state = 'queued' or (t.state = 'claimed' and t.lease_until < $1 and t.attempts < $2))";

impl Leases {
    /// How a claim's inner select skips rows another worker is claiming:
    /// PostgreSQL locks them; SQLite's one writer makes the update exclusive.
    pub fn skip_locked(db: &Store) -> &'static str {
        match db.backend {
            Backend::Postgres => " for update of t skip locked",
            Backend::Sqlite => "",
        }
    }

    /// The claim statement: the oldest row of `candidates` (a `from … where …`
    /// over this table as `t`, using [`LAPSED_OR_QUEUED`] and binds from `$3`) is
    /// claimed by `$4` until `$5`, returning `returning`. Bind `now`,
    /// [`MAX_ATTEMPTS`], the queue's own `$3`, the worker and
    /// [`Leases::until`].
    pub fn claim_sql(&self, db: &Store, candidates: &str, returning: &str) -> String {
        let (table, lock) = (self.table, Self::skip_locked(db));
        format!(
            "update {table} set state = 'claimed', worker = $4, lease_until = $5, attempts = attempts + 1
             where id = (select t.id {candidates} order by t.id limit 1{lock})
             returning {returning}"
        )
    }

    /// When a lease taken or renewed now ends.
    pub fn until(lease: Duration) -> i64 {
        now_ms() + lease.as_millis() as i64
    }

    /// Renew every lease `worker` holds in this table.
    pub async fn renew(
        &self,
        db: &Store,
        worker: &str,
        lease: Duration,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(&format!(
            "update {} set lease_until = $1 where worker = $2 and state = 'claimed'",
            self.table
        ))
        .bind(Self::until(lease))
        .bind(worker)
        .execute(&db.pool)
        .await?;
        Ok(())
    }

    /// Give a task back to the queue uncounted (the worker is shutting down).
    pub async fn release(&self, db: &Store, id: i64, worker: &str) -> Result<(), sqlx::Error> {
        self.requeue(db, id, worker, ", attempts = attempts - 1")
            .await
    }

    /// Give back a task the test room could not carry out (its browser died,
    /// the artifact store failed): tried again, the claim counted.
    pub async fn retry(&self, db: &Store, id: i64, worker: &str) -> Result<(), sqlx::Error> {
        self.requeue(db, id, worker, "").await
    }

    async fn requeue(
        &self,
        db: &Store,
        id: i64,
        worker: &str,
        attempts: &str,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(&format!(
            "update {} set state = 'queued', worker = null, lease_until = null{attempts}
             where id = $1 and worker = $2 and state = 'claimed'",
            self.table
        ))
        .bind(id)
        .bind(worker)
        .execute(&db.pool)
        .await?;
        Ok(())
    }

    /// The statement that marks `worker`'s claim on `$1` done (`$2` = the
    /// worker), setting also `more` (binds from `$3`, e.g. `, error = $3`).
    /// Run it where the rest of the outcome is stored: one row affected means
    /// the claim was still the worker's.
    pub fn done_sql(&self, more: &str) -> String {
        format!(
            "update {} set state = 'done', lease_until = null{more}
             where id = $1 and worker = $2 and state = 'claimed'",
            self.table
        )
    }

    /// Mark `worker`'s claim on `id` done inside `tx`; `false` when another
    /// worker took the task over.
    pub async fn done_in(
        &self,
        tx: &mut WriteTx,
        id: i64,
        worker: &str,
    ) -> Result<bool, sqlx::Error> {
        let r = sqlx::query(&self.done_sql(""))
            .bind(id)
            .bind(worker)
            .execute(&mut **tx)
            .await?;
        Ok(r.rows_affected() == 1)
    }
}
