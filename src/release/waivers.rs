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
    /// Who withdrew it and when, if someone did.
    pub withdrawn: Option<(String, String)>,
}

impl Waiver {
    pub fn expired(&self) -> bool {
        crate::reviews::rounds::is_past(&self.expires, chrono::Utc::now())
    }

    /// In force: neither withdrawn nor past its date.
    pub fn in_force(&self) -> bool {
        self.withdrawn.is_none() && !self.expired()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum WaiverError {
    #[error("Skriv ett skäl till undantaget.")]
    Reason,
    #[error("Ange ett slutdatum (ÅÅÅÅ-MM-DD) som inte har passerat.")]
    Expiry,
    #[error("Undantaget finns inte eller är redan återkallat.")]
    Missing,
    #[error("databas: {0}")]
    Db(#[from] sqlx::Error),
}

crate::store::wraps_db!(WaiverError);

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

/// Waivers of a version that are in force (not withdrawn, not expired).
pub async fn active(db: &Store, version_id: i64) -> Result<Vec<Waiver>, sqlx::Error> {
    Ok(all(db, version_id)
        .await?
        .into_iter()
        .filter(Waiver::in_force)
        .collect())
}

/// Every waiver of a version, newest first, also withdrawn and expired ones.
pub async fn all(db: &Store, version_id: i64) -> Result<Vec<Waiver>, sqlx::Error> {
    Ok(sqlx::query("select id, blocker, reason, expires, decided_by, decided_at, withdrawn_by, withdrawn_at from waivers where version_id = $1 order by id desc")
        .bind(version_id)
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(|r| Waiver {
            id: r.get("id"),
            blocker: r.get("blocker"),
            reason: r.get("reason"),
            expires: r.get("expires"),
            decided_by: r.get("decided_by"),
            decided_at: r.get("decided_at"),
            withdrawn: match (r.get::<Option<String>, _>("withdrawn_by"), r.get::<Option<String>, _>("withdrawn_at")) {
                (Some(by), Some(at)) => Some((by, at)),
                _ => None,
            },
        })
        .collect())
}

/// Withdraw a waiver in force: its blocker blocks again.
pub async fn withdraw(db: &Store, version_id: i64, id: i64, by: &User) -> Result<(), WaiverError> {
    let mut tx = db.begin().await?;
    let row = sqlx::query("select blocker, reason, expires from waivers where id = $1 and version_id = $2 and withdrawn_at is null")
        .bind(id)
        .bind(version_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(WaiverError::Missing)?;
    let (blocker, reason, expires): (String, String, String) =
        (row.get("blocker"), row.get("reason"), row.get("expires"));
    sqlx::query("update waivers set withdrawn_by = $1, withdrawn_at = $2 where id = $3")
        .bind(&by.name)
        .bind(now())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit(&mut tx, &by.username, "release.waiver.withdraw", &blocker, &json!({ "version_id": version_id, "before": { "reason": reason, "expires": expires }, "after": null })).await?;
    tx.commit().await?;
    Ok(())
}

/// A waiver granted or withdrawn, with its version, as the meeting brief tells it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WaiverDecided {
    pub id: i64,
    pub version: String,
    pub blocker: String,
    pub reason: String,
    pub expires: String,
    pub decided_by: String,
    pub decided_at: String,
    pub withdrawn_by: Option<String>,
    pub withdrawn_at: Option<String>,
}

/// The waivers of `service` granted or withdrawn in `[start, end)`.
pub async fn decided_within(
    db: &Store,
    service: &str,
    start: &str,
    end: &str,
) -> Result<Vec<WaiverDecided>, sqlx::Error> {
    crate::store::rows_within(db, "select w.id, v.version, w.blocker, w.reason, w.expires, w.decided_by, w.decided_at, w.withdrawn_by, w.withdrawn_at from waivers w join service_versions v on v.id = w.version_id where v.service_id = $1 and ((w.decided_at >= $2 and w.decided_at < $3) or (w.withdrawn_at >= $2 and w.withdrawn_at < $3))", service, start, end).await
}
