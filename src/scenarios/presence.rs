//! Which workers are alive: each checks in every few seconds (with what
//! keeps it from running cells, if anything), so a run page can say why a
//! queued run waits.

use crate::store::Store;
use crate::work::now_ms;

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
