//! Anyone with the link may start a sandbox session, so sessions and their
//! uploads must not pile up: a session idle for [`IDLE`] expires (it no
//! longer loads, and the sweep deletes it), and an uploaded file is removed
//! from disk once no session, case or run artifact refers to it.

use std::time::Duration;

use sqlx::Row;

use crate::artifacts::Artifacts;
use crate::store::Store;

/// A sandbox session not changed for this long has expired.
pub const IDLE: Duration = Duration::from_secs(24 * 3600);
/// An upload younger than this is never removed: its session may not have
/// been saved yet.
pub const UPLOAD_GRACE: Duration = Duration::from_secs(3600);
/// How often a serving test room sweeps.
pub const EVERY: Duration = Duration::from_secs(15 * 60);

/// The RFC 3339 time `age` before now (the format `store::now` writes, so
/// text comparison orders it).
pub fn before_now(age: Duration) -> String {
    let age = chrono::Duration::from_std(age).unwrap_or(chrono::Duration::zero());
    (chrono::Utc::now() - age).to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// What one sweep removed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Swept {
    pub sessions: u64,
    pub files: u64,
}

/// Delete sessions idle since before `idle_before`, then every sandbox upload
/// older than `uploaded_before` that nothing refers to any more.
pub async fn sweep(
    store: &Store,
    artifacts: &Artifacts,
    idle_before: &str,
    uploaded_before: &str,
) -> Result<Swept, sqlx::Error> {
    let sessions = sqlx::query("delete from sandbox_sessions where updated_at < $1")
        .bind(idle_before)
        .execute(&store.pool)
        .await?
        .rows_affected();
    let candidates: Vec<String> =
        sqlx::query("select sha256 from sandbox_uploads where uploaded_at < $1")
            .bind(uploaded_before)
            .fetch_all(&store.pool)
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect();
    let mut files = 0;
    for sha in candidates {
        // Forget the upload and check for references in one transaction, so
        // a concurrent save that refers to the hash keeps it (its own upload
        // re-registers it).
        let mut tx = store.begin().await?;
        let referenced: i64 = sqlx::query_scalar(
            "select (select count(*) from sandbox_sessions where files like $2)
                  + (select count(*) from attachments where sha256 = $1)
                  + (select count(*) from step_results where screenshot = $1 or text_hash = $1)
                  + (select count(*) from captures where pages like $2)",
        )
        .bind(&sha)
        .bind(format!("%{sha}%"))
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query("delete from sandbox_uploads where sha256 = $1")
            .bind(&sha)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        if referenced > 0 {
            continue;
        }
        // Uploaded again since (the same bytes): keep it.
        let again: Option<String> =
            sqlx::query_scalar("select sha256 from sandbox_uploads where sha256 = $1")
                .bind(&sha)
                .fetch_optional(&store.pool)
                .await?;
        if again.is_none() && artifacts.remove(&sha).is_ok() {
            files += 1;
        }
    }
    Ok(Swept { sessions, files })
}

/// Register a sandbox upload, so a later sweep may remove it when unused.
pub async fn registered(store: &Store, sha256: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into sandbox_uploads (sha256, uploaded_at) values ($1, $2)
         on conflict (sha256) do update set uploaded_at = excluded.uploaded_at",
    )
    .bind(sha256)
    .bind(crate::store::now())
    .execute(&store.pool)
    .await?;
    Ok(())
}

/// Sweep every [`EVERY`] while the server runs.
pub async fn run_forever(store: Store, artifacts: Artifacts) {
    let mut tick = tokio::time::interval(EVERY);
    loop {
        tick.tick().await;
        match sweep(
            &store,
            &artifacts,
            &before_now(IDLE),
            &before_now(UPLOAD_GRACE),
        )
        .await
        {
            Ok(s) if s != Swept::default() => {
                tracing::info!(sessions = s.sessions, files = s.files, "sandbox sweep")
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "sandbox sweep failed"),
        }
    }
}
