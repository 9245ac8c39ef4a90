//! A run's cells as a queue in the database, so that any number of worker
//! processes on any number of machines share a run (issue 16).
//!
//! A worker *claims* a queued cell for a lease (`lease_until`) and renews it
//! while the cell runs ([`heartbeat`]). A worker that dies stops renewing;
//! when the lease has run out another worker claims the cell again. A result
//! is stored only together with marking the claim done, in one transaction
//! that first checks the claim is still the worker's: a worker that lost its
//! lease (paused, cut off) cannot store a second result, so every cell is in
//! the results exactly once. The worker storing the last cell finishes the
//! run, with the run's row locked so two last cells cannot both miss it.
//!
//! The lease rules themselves are `work::lease`, shared with the capture
//! walks. Why not a queue crate: docs/architecture.md.

use sqlx::Row;

use crate::store::{self, Store, WriteTx};
use crate::work::lease::{EXHAUSTED, LAPSED_OR_QUEUED, Leases};

use super::runner::{Capture, Cell, CellOutcome, Options, Status};
use super::store::{Counts, record_in};

use crate::work::{MAX_ATTEMPTS, now_ms};

const TASKS: Leases = Leases { table: "run_tasks" };

fn options_json(o: Options, fresh: bool) -> String {
    let capture = match o.capture {
        Capture::EveryStep => "every_step",
        Capture::Pages => "pages",
    };
    serde_json::json!({ "capture": capture, "axe": o.axe, "fresh": fresh }).to_string()
}

/// Whether a run was asked to reuse no stored cell ("Kör om allt").
fn fresh_from(text: Option<&str>) -> bool {
    text.and_then(|t| serde_json::from_str::<serde_json::Value>(t).ok())
        .and_then(|v| v["fresh"].as_bool())
        .unwrap_or(false)
}

fn options_from(text: Option<&str>) -> Options {
    let v: serde_json::Value = text
        .and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or_default();
    Options {
        capture: match v["capture"].as_str() {
            Some("pages") => Capture::Pages,
            _ => Capture::EveryStep,
        },
        axe: v["axe"].as_bool().unwrap_or(true),
    }
}

/// A cell a worker holds.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Task {
    pub id: i64,
    pub run_id: i64,
    pub scenario: String,
    pub municipality: String,
    pub attempts: i64,
    /// The cell's inputs (`reuse::fingerprint`); `None`: never reused.
    pub fingerprint: Option<String>,
}

/// What a worker needs to know of a run to run its cells.
#[derive(Debug, Clone)]
pub struct RunSpec {
    pub version_id: i64,
    pub base_path: String,
    pub options: Options,
    /// Reuse no stored cell.
    pub fresh: bool,
    /// (scenario id, file path, source)
    pub scenarios: Vec<(String, String, String)>,
}

/// A run to queue: its version, its scenarios as (id, file, source) and
/// its cells.
pub struct NewRun<'a> {
    pub version_id: i64,
    pub scenarios: Vec<(String, String, String)>,
    pub cells: &'a [Cell],
    /// Each cell's fingerprint, in the order of `cells`.
    pub fingerprints: Vec<Option<String>>,
    /// Reuse no stored cell (the fingerprints are still kept for later runs).
    pub fresh: bool,
    pub started_by: &'a str,
    pub concurrency: usize,
    pub options: Options,
    /// Why no cell can run at all (no browser to start): the run is stored
    /// with every cell as not run, ended, before any worker could claim one.
    pub unrunnable: Option<String>,
}

/// Create a run with every cell queued, in one transaction.
pub async fn create(db: &Store, run: NewRun<'_>) -> Result<i64, sqlx::Error> {
    let mut tx = db.begin().await?;
    let run_id: i64 = sqlx::query("insert into runs (version_id, status, started_at, started_by, host, concurrency, summary, options) values ($1, 'running', $2, $3, $4, $5, $6, $7) returning id")
        .bind(run.version_id)
        .bind(store::now())
        .bind(run.started_by)
        .bind(crate::work::presence::host_id())
        .bind(run.concurrency as i64)
        .bind(serde_json::json!({ "planned": run.cells.len() }).to_string())
        .bind(options_json(run.options, run.fresh))
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?;
    for (id, path, source) in &run.scenarios {
        sqlx::query(
            "insert into run_scenarios (run_id, scenario, path, source) values ($1, $2, $3, $4)",
        )
        .bind(run_id)
        .bind(id)
        .bind(path)
        .bind(source)
        .execute(&mut *tx)
        .await?;
    }
    for (i, c) in run.cells.iter().enumerate() {
        sqlx::query("insert into run_tasks (run_id, scenario, scenario_title, municipality, fingerprint) values ($1, $2, $3, $4, $5)")
            .bind(run_id)
            .bind(&c.scenario.id)
            .bind(&c.scenario.title)
            .bind(&c.variant.municipality)
            .bind(run.fingerprints.get(i).cloned().flatten())
            .execute(&mut *tx)
            .await?;
    }
    if let Some(why) = &run.unrunnable {
        settle_queued(&mut tx, run_id, why).await?;
        finish_if_done(&mut tx, run_id).await?;
    }
    tx.commit().await?;
    Ok(run_id)
}

/// Cells waiting for a worker: queued, or held by a worker whose lease ran
/// out, of a running run not asked to stop (`$3`: one run, or 0 for any).
fn claimable_cells() -> String {
    format!(
        "from run_tasks t join runs r on r.id = t.run_id
         where r.status = 'running' and r.cancel_requested is null
           and {LAPSED_OR_QUEUED} and ($3 = 0 or t.run_id = $3)"
    )
}

/// Whether a cell is waiting (of `only_run`, or of any run when `None`).
pub async fn claimable(db: &Store, only_run: Option<i64>) -> Result<bool, sqlx::Error> {
    let row = sqlx::query(&format!("select t.id {} limit 1", claimable_cells()))
        .bind(now_ms())
        .bind(MAX_ATTEMPTS)
        .bind(only_run.unwrap_or(0))
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.is_some())
}

/// Claim the oldest waiting cell for `worker` until `now + lease`.
pub async fn claim(
    db: &Store,
    worker: &str,
    only_run: Option<i64>,
    lease: std::time::Duration,
) -> Result<Option<Task>, sqlx::Error> {
    let sql = TASKS.claim_sql(
        db,
        &claimable_cells(),
        "id, run_id, scenario, municipality, attempts, fingerprint",
    );
    sqlx::query_as::<_, Task>(&sql)
        .bind(now_ms())
        .bind(MAX_ATTEMPTS)
        .bind(only_run.unwrap_or(0))
        .bind(worker)
        .bind(Leases::until(lease))
        .fetch_optional(&db.pool)
        .await
}

/// Renew `worker`'s leases; returns the ids of its cells whose run was asked
/// to stop (the heartbeat is also how a cancel reaches every worker).
pub async fn heartbeat(
    db: &Store,
    worker: &str,
    lease: std::time::Duration,
) -> Result<Vec<i64>, sqlx::Error> {
    TASKS.renew(db, worker, lease).await?;
    sqlx::query_scalar(
        "select t.id from run_tasks t join runs r on r.id = t.run_id
         where t.worker = $1 and t.state = 'claimed' and r.cancel_requested is not null",
    )
    .bind(worker)
    .fetch_all(&db.pool)
    .await
}

/// Mark a claimed cell done if the claim is still `worker`'s (with the run
/// locked, so that the last cell's transaction sees it was last); `false`
/// when another worker took the cell over.
pub(super) async fn mark_done(
    tx: &mut WriteTx,
    task: &Task,
    worker: &str,
) -> Result<bool, sqlx::Error> {
    lock_run(tx, task.run_id).await?;
    TASKS.done_in(tx, task.id, worker).await
}

/// Store a cell's outcome if the claim is still `worker`'s, with its
/// fingerprint and the browser `setup` it ran on (so a later run may reuse
/// it); `false` when another worker took the cell over (nothing is stored).
pub async fn complete(
    db: &Store,
    task: &Task,
    worker: &str,
    setup: &str,
    outcome: &CellOutcome,
) -> Result<bool, sqlx::Error> {
    let mut tx = db.begin().await?;
    if !mark_done(&mut tx, task, worker).await? {
        tx.rollback().await?;
        return Ok(false);
    }
    let cell = record_in(&mut tx, task.run_id, outcome).await?;
    sqlx::query("update run_cells set fingerprint = $1, browser = $2 where id = $3")
        .bind(&task.fingerprint)
        .bind(setup)
        .bind(cell)
        .execute(&mut *tx)
        .await?;
    finish_if_done(&mut tx, task.run_id).await?;
    tx.commit().await?;
    Ok(true)
}

/// Give a cell back to the queue (the worker is shutting down).
pub async fn release(db: &Store, task: &Task, worker: &str) -> Result<(), sqlx::Error> {
    TASKS.release(db, task.id, worker).await
}

/// Give a cell the test room could not carry out (its browser died, the
/// artifact store failed) back to the queue to be tried again; the claim
/// still counts as an attempt.
pub async fn retry(db: &Store, task: &Task, worker: &str) -> Result<(), sqlx::Error> {
    TASKS.retry(db, task.id, worker).await
}

/// Ask a run to stop: cells not started are stored as not run at once, the
/// workers holding the others see it at their next heartbeat. `false` when
/// the run was not running (or already asked).
pub async fn cancel(db: &Store, run_id: i64, by: &str) -> Result<bool, sqlx::Error> {
    let mut tx = db.begin().await?;
    let asked = sqlx::query(
        "update runs set cancel_requested = $1 where id = $2 and status = 'running' and cancel_requested is null",
    )
    .bind(format!("{by} {}", store::now()))
    .bind(run_id)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if asked {
        settle_queued(
            &mut tx,
            run_id,
            "the run was interrupted before this cell started",
        )
        .await?;
        finish_if_done(&mut tx, run_id).await?;
    }
    tx.commit().await?;
    Ok(asked)
}

/// Store every cell not yet started as an error (no browser could start for
/// the run that needed one): the run ends as `error`, not left waiting.
pub async fn abandon(db: &Store, run_id: i64, reason: &str) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    lock_run(&mut tx, run_id).await?;
    settle_queued(&mut tx, run_id, reason).await?;
    finish_if_done(&mut tx, run_id).await?;
    tx.commit().await
}

/// Cells whose workers died [`MAX_ATTEMPTS`] times are stored as errors.
pub async fn sweep(db: &Store) -> Result<u64, sqlx::Error> {
    let stuck: Vec<(i64, i64)> = sqlx::query_as(&format!(
        "select id, run_id from run_tasks where {}",
        EXHAUSTED
    ))
    .bind(now_ms())
    .bind(MAX_ATTEMPTS)
    .fetch_all(&db.pool)
    .await?;
    let mut n = 0;
    for (id, run_id) in stuck {
        let mut tx = db.begin().await?;
        lock_run(&mut tx, run_id).await?;
        let row: Option<(String, String, String)> = sqlx::query_as(
            "update run_tasks set state = 'done', lease_until = null
             where id = $1 and state = 'claimed' and lease_until < $2
             returning scenario, scenario_title, municipality",
        )
        .bind(id)
        .bind(now_ms())
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(cell) = row {
            let why = format!(
                "the worker running this cell stopped {MAX_ATTEMPTS} times without finishing it"
            );
            record_in(&mut tx, run_id, &not_run(cell, &why)).await?;
            finish_if_done(&mut tx, run_id).await?;
            n += 1;
        }
        tx.commit().await?;
    }
    Ok(n)
}

/// How many of a run's cells a worker runs right now.
pub async fn in_progress(db: &Store, run_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("select count(*) from run_tasks where run_id = $1 and state = 'claimed'")
        .bind(run_id)
        .fetch_one(&db.pool)
        .await
}

/// Whether a run has ended (finished, failed, interrupted).
pub async fn finished(db: &Store, run_id: i64) -> Result<bool, sqlx::Error> {
    let status: Option<String> = sqlx::query_scalar("select status from runs where id = $1")
        .bind(run_id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(status.is_none_or(|s| s != "running"))
}

/// What a worker needs to run the cells of `run_id`.
pub async fn spec(db: &Store, run_id: i64) -> Result<RunSpec, sqlx::Error> {
    let (version_id, service, version, options): (i64, String, String, Option<String>) =
        sqlx::query_as(
            "select r.version_id, v.service_id, v.version, r.options
             from runs r join service_versions v on v.id = r.version_id where r.id = $1",
        )
        .bind(run_id)
        .fetch_one(&db.pool)
        .await?;
    let scenarios = sqlx::query_as(
        "select scenario, path, source from run_scenarios where run_id = $1 order by scenario",
    )
    .bind(run_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(RunSpec {
        version_id,
        base_path: format!("/tjanster/{service}/{version}"),
        options: options_from(options.as_deref()),
        fresh: fresh_from(options.as_deref()),
        scenarios,
    })
}

/// On PostgreSQL a row lock on the run: transactions that may finish it
/// take turns, so the last two cells cannot both miss that they were last.
/// (SQLite's write transactions already take turns.)
async fn lock_run(tx: &mut WriteTx, run_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("update runs set status = status where id = $1")
        .bind(run_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

async fn settle_queued(tx: &mut WriteTx, run_id: i64, reason: &str) -> Result<(), sqlx::Error> {
    let queued: Vec<(String, String, String)> = sqlx::query_as(
        "update run_tasks set state = 'cancelled' where run_id = $1 and state = 'queued'
         returning scenario, scenario_title, municipality",
    )
    .bind(run_id)
    .fetch_all(&mut **tx)
    .await?;
    for cell in queued {
        record_in(tx, run_id, &not_run(cell, reason)).await?;
    }
    Ok(())
}

fn not_run((scenario, title, municipality): (String, String, String), why: &str) -> CellOutcome {
    CellOutcome::not_run(&scenario, &title, &municipality, Status::Error, why)
}

/// When no cell of the run waits or runs any more, store its verdict.
pub(super) async fn finish_if_done(tx: &mut WriteTx, run_id: i64) -> Result<(), sqlx::Error> {
    let open: i64 = sqlx::query_scalar(
        "select count(*) from run_tasks where run_id = $1 and state in ('queued', 'claimed')",
    )
    .bind(run_id)
    .fetch_one(&mut **tx)
    .await?;
    if open > 0 {
        return Ok(());
    }
    let by_status: Vec<(String, i64)> =
        sqlx::query_as("select status, count(*) from run_cells where run_id = $1 group by status")
            .bind(run_id)
            .fetch_all(&mut **tx)
            .await?;
    let mut counts = Counts::default();
    for (status, n) in by_status {
        counts.add_n(Status::parse(&status), n);
    }
    let (cancelled, planned): (Option<String>, i64) = sqlx::query_as(
        "select r.cancel_requested, (select count(*) from run_tasks t where t.run_id = r.id) from runs r where r.id = $1",
    )
    .bind(run_id)
    .fetch_one(&mut **tx)
    .await?;
    sqlx::query(
        "update runs set status = $1, finished_at = $2, summary = $3 where id = $4 and status = 'running'",
    )
    .bind(counts.verdict(cancelled.is_some()).slug())
    .bind(store::now())
    .bind(serde_json::json!({ "planned": planned, "counts": counts }).to_string())
    .bind(run_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
