//! Which workers are alive: each checks in every few seconds (with what
//! keeps it from working, if anything), so a run or comparison page can say
//! why queued work waits. Owns the `workers` table.

use super::now_ms;
use crate::store::Store;

/// A worker is taken for gone when it has not checked in for this long.
pub const WORKER_SILENCE_MS: i64 = 30_000;

/// A worker says it is alive, and whether it cannot run cells (`problem`).
pub async fn check_in(db: &Store, worker: &str, problem: Option<&str>) -> Result<(), sqlx::Error> {
    let now = now_ms();
    sqlx::query(
        "insert into workers (id, seen_at, problem) values ($1, $2, $3)
         on conflict (id) do update set seen_at = excluded.seen_at, problem = excluded.problem",
    )
    .bind(worker)
    .bind(now)
    .bind(problem)
    .execute(&db.pool)
    .await?;
    sqlx::query("delete from workers where seen_at < $1")
        .bind(now - 24 * 3600 * 1000)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// A stopping worker's goodbye.
pub async fn check_out(db: &Store, worker: &str) -> Result<(), sqlx::Error> {
    sqlx::query("delete from workers where id = $1")
        .bind(worker)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// The workers heard from lately: how many, and how many of them cannot
/// run cells now.
pub async fn workers_alive(db: &Store) -> Result<(i64, i64), sqlx::Error> {
    sqlx::query_as("select count(*), count(problem) from workers where seen_at > $1")
        .bind(now_ms() - WORKER_SILENCE_MS)
        .fetch_one(&db.pool)
        .await
}

/// This process as `host:pid`: who owns a running job or scenario run.
pub fn host_id() -> String {
    format!(
        "{}:{}",
        std::env::var("HOSTNAME").unwrap_or_else(|_| "local".into()),
        std::process::id()
    )
}

/// Whether the process `owner` (a [`host_id`]) is gone: on this machine when
/// its PID no longer runs; on another machine, or when the PID is unknown,
/// it is taken to be gone (nothing here can ask it).
pub fn owner_gone(owner: &str) -> bool {
    let me = host_id();
    if owner == me {
        return false;
    }
    let same_machine = owner.split(':').next() == me.split(':').next();
    let pid_alive = owner
        .rsplit(':')
        .next()
        .and_then(|p| p.parse::<u32>().ok())
        .is_some_and(crate::browser::process_alive);
    !same_machine || !pid_alive
}
