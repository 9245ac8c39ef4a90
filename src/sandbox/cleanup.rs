//! Anyone with the link may start a sandbox session, so sessions and their
//! uploads must not pile up: a session idle for [`IDLE`] expires (it no
//! longer loads, and the sweep deletes it), and an uploaded file is removed
//! from disk once no session, case or evidence refers to it
//! (`sandbox::uploads`).

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
            .map(|r| r.get("sha256"))
            .collect();
    let mut files = 0;
    for sha in candidates {
        if super::uploads::settle(store, artifacts, &sha).await? {
            files += 1;
        }
    }
    Ok(Swept { sessions, files })
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
