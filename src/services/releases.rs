//! Releases: which version of a service was released, when and by whom.
//! The release check records them; comparisons use the last one as a
//! reference. A version's life cycle, so it belongs with the versions.

use sqlx::Row;

use crate::store::{Store, now};

/// The newest released version of a service other than `except`.
pub async fn last_release(
    db: &Store,
    service: &str,
    except_version_id: i64,
) -> Result<Option<i64>, sqlx::Error> {
    let row = sqlx::query(
        "select version_id from releases where service_id = $1 and version_id <> $2 order by id desc limit 1",
    )
    .bind(service)
    .bind(except_version_id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(|r| r.get("version_id")))
}

/// Record a release (the release check's action will call this; tests and
/// `serve --demo` use it to set a baseline).
pub async fn mark_released(
    db: &Store,
    service: &str,
    version_id: i64,
    actor: &str,
) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    sqlx::query(
        "insert into releases (service_id, version_id, released_at, released_by) values ($1, $2, $3, $4)",
    )
    .bind(service)
    .bind(version_id)
    .bind(now())
    .bind(actor)
    .execute(&mut *tx)
    .await?;
    crate::store::audit(
        &mut tx,
        actor,
        "release",
        service,
        &serde_json::json!({ "version_id": version_id }),
    )
    .await?;
    tx.commit().await
}

/// A release as the meeting brief tells it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Released {
    pub id: i64,
    pub version: String,
    pub released_at: String,
    pub released_by: String,
}

/// The releases of `service` in `[start, end)` (stored times).
pub async fn within(
    db: &Store,
    service: &str,
    start: &str,
    end: &str,
) -> Result<Vec<Released>, sqlx::Error> {
    crate::store::rows_within(db, "select r.id, v.version, r.released_at, r.released_by from releases r join service_versions v on v.id = r.version_id where r.service_id = $1 and r.released_at >= $2 and r.released_at < $3", service, start, end).await
}
