//! Waivers: e-kontoret lifts one named blocker, with a reason, until a date.

use serde::Serialize;
use serde_json::json;
use sqlx::Row;

use crate::accounts::User;
use crate::store::{Store, audit, now};

#[derive(Debug, Clone, Serialize)]
pub struct Waiver {
    pub id: i64,
    pub blocker: String,
    pub reason: String,
    pub expires: String,
    pub decided_by: String,
    pub decided_at: String,
}

#[derive(Debug, thiserror::Error)]
pub enum WaiverError {
    #[error("Skriv ett skäl till undantaget.")]
    Reason,
    #[error("Ange ett slutdatum (ÅÅÅÅ-MM-DD) som inte har passerat.")]
    Expiry,
    #[error("databas: {0}")]
    Db(#[from] sqlx::Error),
}

pub async fn grant(
    db: &Store,
    version_id: i64,
    blocker: &str,
    reason: &str,
    expires: &str,
    by: &User,
) -> Result<(), WaiverError> {
    if reason.trim().is_empty() {
        return Err(WaiverError::Reason);
    }
    if crate::reviews::rounds::deadline_end(expires).is_none()
        || crate::reviews::rounds::is_past(expires, chrono::Utc::now())
    {
        return Err(WaiverError::Expiry);
    }
    let mut tx = db.begin().await?;
    sqlx::query("insert into waivers (version_id, blocker, reason, expires, decided_by, decided_at) values ($1, $2, $3, $4, $5, $6)")
        .bind(version_id)
        .bind(blocker)
        .bind(reason.trim())
        .bind(expires)
        .bind(&by.name)
        .bind(now())
        .execute(&mut *tx)
        .await?;
    audit(&mut tx, &by.username, "release.waive", blocker, &json!({ "version_id": version_id, "before": null, "after": { "reason": reason.trim(), "expires": expires } })).await?;
    tx.commit().await?;
    Ok(())
}

/// Waivers of a version that have not expired.
pub async fn active(db: &Store, version_id: i64) -> Result<Vec<Waiver>, sqlx::Error> {
    let now = chrono::Utc::now();
    Ok(sqlx::query("select id, blocker, reason, expires, decided_by, decided_at from waivers where version_id = $1 order by id desc")
        .bind(version_id)
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(|r| Waiver { id: r.get(0), blocker: r.get(1), reason: r.get(2), expires: r.get(3), decided_by: r.get(4), decided_at: r.get(5) })
        .filter(|w| !crate::reviews::rounds::is_past(&w.expires, now))
        .collect())
}
