//! Runs in the database: a run row, one row per scenario × variant cell, one
//! per step. A run left `running` by a process that died is marked
//! `interrupted` when the next process starts, never shown as passed.

use serde::Serialize;
use sqlx::Row;

use super::RunStatus;
use crate::store::{self, Store};

use super::runner::{CellOutcome, Status};

pub async fn create(
    store: &Store,
    version_id: i64,
    started_by: &str,
    concurrency: usize,
    planned: usize,
) -> Result<i64, sqlx::Error> {
    let id: i64 = sqlx::query("insert into runs (version_id, status, started_at, started_by, host, concurrency, summary) values ($1, 'running', $2, $3, $4, $5, $6) returning id")
        .bind(version_id)
        .bind(store::now())
        .bind(started_by)
        .bind(host_id())
        .bind(concurrency as i64)
        .bind(serde_json::json!({ "planned": planned }).to_string())
        .fetch_one(&store.pool)
        .await?
        .try_get("id")?;
    Ok(id)
}

/// This process, as written on the runs it starts.
pub use crate::work::presence::host_id;

/// Store one finished cell and its steps in one transaction.
pub async fn record(store: &Store, run_id: i64, o: &CellOutcome) -> Result<(), sqlx::Error> {
    let mut tx = store.begin().await?;
    record_in(&mut tx, run_id, o).await?;
    tx.commit().await
}

/// Store one finished cell and its steps inside the caller's transaction.
pub async fn record_in(
    tx: &mut store::WriteTx,
    run_id: i64,
    o: &CellOutcome,
) -> Result<i64, sqlx::Error> {
    let cell_id: i64 = sqlx::query(
        "insert into run_cells (run_id, scenario, scenario_title, municipality, status, reason, failed_step, duration_ms, case_number)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning id",
    )
    .bind(run_id)
    .bind(&o.scenario)
    .bind(&o.scenario_title)
    .bind(&o.municipality)
    .bind(o.status.as_str())
    .bind(&o.reason)
    .bind(o.failed_step.map(|p| p as i64))
    .bind(o.duration_ms as i64)
    .bind(&o.case_number)
    .fetch_one(&mut **tx)
    .await?
    .try_get("id")?;
    for s in &o.steps {
        sqlx::query(
            "insert into step_results (cell_id, position, action, label, status, reason, duration_ms, url, screenshot, text_hash, console_errors, page_errors, blocked_requests, accessibility, failed_requests, dom_snapshot)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
        )
        .bind(cell_id)
        .bind(s.position as i64)
        .bind(&s.action)
        .bind(&s.label)
        .bind(s.status.as_str())
        .bind(&s.reason)
        .bind(s.duration_ms as i64)
        .bind(&s.url)
        .bind(&s.screenshot)
        .bind(&s.text)
        .bind(serde_json::to_string(&s.log.console_errors).unwrap_or_default())
        .bind(serde_json::to_string(&s.log.page_errors).unwrap_or_default())
        .bind(serde_json::to_string(&s.log.blocked).unwrap_or_default())
        .bind(s.accessibility.as_ref().map(|a| a.to_string()))
        .bind(serde_json::to_string(&s.log.failed).unwrap_or_default())
        .bind(&s.dom)
        .execute(&mut **tx)
        .await?;
    }
    Ok(cell_id)
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Counts {
    pub passed: i64,
    pub failed: i64,
    pub error: i64,
    pub skipped: i64,
}

impl Counts {
    pub fn total(&self) -> i64 {
        self.passed + self.failed + self.error + self.skipped
    }

    pub fn add(&mut self, s: Status) {
        self.add_n(s, 1);
    }

    pub fn add_n(&mut self, s: Status, n: i64) {
        match s {
            Status::Passed => self.passed += n,
            Status::Failed => self.failed += n,
            Status::Error => self.error += n,
            Status::Skipped => self.skipped += n,
        }
    }

    pub fn verdict(&self, interrupted: bool) -> RunStatus {
        if interrupted {
            RunStatus::Interrupted
        } else if self.error > 0 || self.total() == 0 {
            // A run that ran nothing (no browser could start) did not pass.
            RunStatus::Error
        } else if self.failed > 0 {
            RunStatus::Failed
        } else {
            RunStatus::Passed
        }
    }
}

pub async fn finish(
    store: &Store,
    run_id: i64,
    counts: &Counts,
    interrupted: bool,
) -> Result<(), sqlx::Error> {
    let planned = counts.total();
    sqlx::query("update runs set status = $1, finished_at = $2, summary = $3 where id = $4")
        .bind(counts.verdict(interrupted).slug())
        .bind(store::now())
        .bind(serde_json::json!({ "planned": planned, "counts": counts }).to_string())
        .bind(run_id)
        .execute(&store.pool)
        .await?;
    Ok(())
}

/// Runs still `running` whose process is gone (this host, another PID, or
/// any host when the PID is unknown) are marked interrupted. A queued run
/// (with cells in `run_tasks`) is not: any worker takes its cells over once
/// their leases have run out.
pub async fn mark_interrupted(store: &Store) -> Result<u64, sqlx::Error> {
    let rows = sqlx::query("select r.id, r.host from runs r where r.status = 'running' and not exists (select 1 from run_tasks t where t.run_id = r.id)")
        .fetch_all(&store.pool)
        .await?;
    let mut n = 0;
    for r in rows {
        let (id, host): (i64, String) = (r.try_get("id")?, r.try_get("host")?);
        if crate::work::presence::owner_gone(&host) {
            sqlx::query("update runs set status = 'interrupted', finished_at = $1 where id = $2 and status = 'running'").bind(store::now()).bind(id).execute(&store.pool).await?;
            n += 1;
        }
    }
    Ok(n)
}

#[derive(Debug, Clone, Serialize)]
pub struct RunRow {
    pub id: i64,
    pub version_id: i64,
    pub service_id: String,
    pub version: String,
    pub title: String,
    pub status: RunStatus,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub started_by: String,
    pub concurrency: i64,
    pub counts: Counts,
    /// Cells the run was planned with.
    pub planned: i64,
}

const RUN_SELECT: &str = "select r.id, r.version_id, v.service_id, v.version, v.title, r.status, r.started_at, r.finished_at, r.started_by, r.concurrency, r.summary,
    (select count(*) from run_cells c where c.run_id = r.id and c.status = 'passed') as passed,
    (select count(*) from run_cells c where c.run_id = r.id and c.status = 'failed') as failed,
    (select count(*) from run_cells c where c.run_id = r.id and c.status = 'error') as error,
    (select count(*) from run_cells c where c.run_id = r.id and c.status = 'skipped') as skipped
    from runs r join service_versions v on v.id = r.version_id";

fn run_row(r: &sqlx::any::AnyRow) -> Result<RunRow, sqlx::Error> {
    Ok(RunRow {
        id: r.try_get("id")?,
        version_id: r.try_get("version_id")?,
        service_id: r.try_get("service_id")?,
        version: r.try_get("version")?,
        title: r.try_get("title")?,
        status: RunStatus::try_from(r.try_get::<String, _>("status")?)
            .map_err(|e| sqlx::Error::Decode(e.into()))?,
        started_at: r.try_get("started_at")?,
        finished_at: r.try_get("finished_at")?,
        started_by: r.try_get("started_by")?,
        concurrency: r.try_get("concurrency")?,
        counts: Counts {
            passed: r.try_get("passed")?,
            failed: r.try_get("failed")?,
            error: r.try_get("error")?,
            skipped: r.try_get("skipped")?,
        },
        planned: r
            .try_get::<String, _>("summary")
            .ok()
            .and_then(|s| serde_json::from_str::<serde_json::Value>(&s).ok())
            .and_then(|v| v["planned"].as_i64())
            .unwrap_or(0),
    })
}

pub async fn list(store: &Store, limit: i64) -> Result<Vec<RunRow>, sqlx::Error> {
    let rows = sqlx::query(&format!("{RUN_SELECT} order by r.id desc limit $1"))
        .bind(limit)
        .fetch_all(&store.pool)
        .await?;
    rows.iter().map(run_row).collect()
}

pub async fn get(store: &Store, id: i64) -> Result<Option<RunRow>, sqlx::Error> {
    let row = sqlx::query(&format!("{RUN_SELECT} where r.id = $1"))
        .bind(id)
        .fetch_optional(&store.pool)
        .await?;
    row.as_ref().map(run_row).transpose()
}

#[derive(Debug, Clone, Serialize)]
pub struct CellRow {
    pub id: i64,
    pub scenario: String,
    pub scenario_title: String,
    pub municipality: String,
    pub status: String,
    pub reason: Option<String>,
    pub failed_step: Option<i64>,
    pub duration_ms: i64,
    pub case_number: Option<String>,
    /// The run this cell's result was taken from unchanged (`reuse`).
    pub reused_from_run: Option<i64>,
}

/// A cell's columns, with the run its result was reused from.
const CELL_COLUMNS: &str = "c.id, c.scenario, c.scenario_title, c.municipality, c.status, c.reason, c.failed_step, c.duration_ms, c.case_number, o.run_id as reused_from_run";

pub async fn cells(store: &Store, run_id: i64) -> Result<Vec<CellRow>, sqlx::Error> {
    let rows = sqlx::query(&format!("select {CELL_COLUMNS} from run_cells c left join run_cells o on o.id = c.reused_from where c.run_id = $1 order by c.scenario, c.municipality"))
        .bind(run_id)
        .fetch_all(&store.pool)
        .await?;
    rows.iter().map(cell_row).collect()
}

fn cell_row(r: &sqlx::any::AnyRow) -> Result<CellRow, sqlx::Error> {
    Ok(CellRow {
        id: r.try_get("id")?,
        scenario: r.try_get("scenario")?,
        scenario_title: r.try_get("scenario_title")?,
        municipality: r.try_get("municipality")?,
        status: r.try_get("status")?,
        reason: r.try_get("reason")?,
        failed_step: r.try_get("failed_step")?,
        duration_ms: r.try_get("duration_ms")?,
        case_number: r.try_get("case_number")?,
        reused_from_run: r.try_get("reused_from_run")?,
    })
}

#[derive(Debug, Clone, Serialize)]
pub struct StepRow {
    pub position: i64,
    pub action: String,
    pub label: String,
    pub status: String,
    pub reason: Option<String>,
    pub duration_ms: i64,
    pub url: Option<String>,
    pub screenshot: Option<String>,
    pub text_hash: Option<String>,
    pub console_errors: Vec<String>,
    pub page_errors: Vec<String>,
    pub blocked_requests: Vec<String>,
    pub failed_requests: Vec<String>,
    pub accessibility: Option<serde_json::Value>,
    /// The document as it was (artifact hash), at checkpoints and failures.
    pub dom_snapshot: Option<String>,
}

pub async fn cell(
    store: &Store,
    cell_id: i64,
) -> Result<Option<(i64, CellRow, Vec<StepRow>)>, sqlx::Error> {
    let Some(r) = sqlx::query(&format!("select c.run_id, {CELL_COLUMNS} from run_cells c left join run_cells o on o.id = c.reused_from where c.id = $1"))
        .bind(cell_id)
        .fetch_optional(&store.pool)
        .await?
    else {
        return Ok(None);
    };
    let run_id: i64 = r.try_get("run_id")?;
    let cell = cell_row(&r)?;
    let rows = sqlx::query("select * from step_results where cell_id = $1 order by position")
        .bind(cell_id)
        .fetch_all(&store.pool)
        .await?;
    let list = |r: &sqlx::any::AnyRow, c: &str| -> Vec<String> {
        r.try_get::<String, _>(c)
            .ok()
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default()
    };
    let mut steps = Vec::new();
    for r in &rows {
        steps.push(StepRow {
            position: r.try_get("position")?,
            action: r.try_get("action")?,
            label: r.try_get("label")?,
            status: r.try_get("status")?,
            reason: r.try_get("reason")?,
            duration_ms: r.try_get("duration_ms")?,
            url: r.try_get("url")?,
            screenshot: r.try_get("screenshot")?,
            text_hash: r.try_get("text_hash")?,
            console_errors: list(r, "console_errors"),
            page_errors: list(r, "page_errors"),
            blocked_requests: list(r, "blocked_requests"),
            failed_requests: list(r, "failed_requests"),
            dom_snapshot: r.try_get("dom_snapshot")?,
            accessibility: r
                .try_get::<Option<String>, _>("accessibility")?
                .and_then(|s| serde_json::from_str(&s).ok()),
        });
    }
    Ok(Some((run_id, cell, steps)))
}
