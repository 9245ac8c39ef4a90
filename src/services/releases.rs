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
    Ok(row.map(|r| r.get(0)))
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
