//! Stored captures, deviations, decisions and releases.

use sqlx::Row;

use crate::store::{Store, now};

use super::capture::PageShot;

#[derive(Debug, Clone)]
pub struct StoredCapture {
    pub id: i64,
    pub target: String,
    pub viewport: String,
    pub error: Option<String>,
    pub pages: Vec<PageShot>,
}

/// The newest capture of exactly this rendering, if any.
pub async fn find_capture(
    db: &Store,
    version_id: i64,
    target: &str,
    viewport: &str,
    definition: &str,
) -> Result<Option<StoredCapture>, sqlx::Error> {
    let row = sqlx::query(
        "select id, target, viewport, error, pages from captures where version_id = $1 and target = $2 and viewport = $3 and definition = $4 and status = 'ok' order by id desc limit 1",
    )
    .bind(version_id)
    .bind(target)
    .bind(viewport)
    .bind(definition)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(|r| StoredCapture {
        id: r.get(0),
        target: r.get(1),
        viewport: r.get(2),
        error: r.get(3),
        pages: serde_json::from_str(&r.get::<String, _>(4)).unwrap_or_default(),
    }))
}

pub async fn save_capture(
    db: &Store,
    version_id: i64,
    target: &str,
    viewport: &str,
    definition: &str,
    error: Option<&str>,
    pages: &[PageShot],
) -> Result<i64, sqlx::Error> {
    let row = sqlx::query(
        "insert into captures (version_id, target, viewport, definition, status, error, pages, created_at) values ($1, $2, $3, $4, $5, $6, $7, $8) returning id",
    )
    .bind(version_id)
    .bind(target)
    .bind(viewport)
    .bind(definition)
    .bind(if error.is_some() { "error" } else { "ok" })
    .bind(error)
    .bind(serde_json::to_string(pages).unwrap_or_else(|_| "[]".into()))
    .bind(now())
    .fetch_one(&db.pool)
    .await?;
    Ok(row.get(0))
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct StoredDeviation {
    pub id: i64,
    pub reference: String,
    pub municipality: String,
    pub step: String,
    pub kind: String,
    pub fingerprint: String,
    pub summary: String,
    pub detail: serde_json::Value,
}

/// Replace the deviations of (version, reference) by a new comparison's, atomically.
pub async fn replace_deviations(
    db: &Store,
    version_id: i64,
    reference: &str,
    list: &[super::Deviation],
) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    sqlx::query("delete from deviations where version_id = $1 and reference = $2")
        .bind(version_id)
        .bind(reference)
        .execute(&mut *tx)
        .await?;
    let at = now();
    for d in list {
        sqlx::query(
            "insert into deviations (version_id, reference, municipality, step, kind, fingerprint, summary, detail, created_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(version_id)
        .bind(reference)
        .bind(&d.municipality)
        .bind(&d.step)
        .bind(&d.kind)
        .bind(&d.fingerprint)
        .bind(&d.summary)
        .bind(d.detail.to_string())
        .bind(&at)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}

fn deviation_row(r: &sqlx::any::AnyRow) -> StoredDeviation {
    StoredDeviation {
        id: r.get(0),
        reference: r.get(1),
        municipality: r.get(2),
        step: r.get(3),
        kind: r.get(4),
        fingerprint: r.get(5),
        summary: r.get(6),
        detail: serde_json::from_str(&r.get::<String, _>(7)).unwrap_or_default(),
    }
}

const DEVIATION_COLUMNS: &str =
    "id, reference, municipality, step, kind, fingerprint, summary, detail";

pub async fn deviations(db: &Store, version_id: i64) -> Result<Vec<StoredDeviation>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "select {DEVIATION_COLUMNS} from deviations where version_id = $1 order by id"
    ))
    .bind(version_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.iter().map(deviation_row).collect())
}

pub async fn deviation(
    db: &Store,
    version_id: i64,
    id: i64,
) -> Result<Option<StoredDeviation>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "select {DEVIATION_COLUMNS} from deviations where version_id = $1 and id = $2"
    ))
    .bind(version_id)
    .bind(id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.as_ref().map(deviation_row))
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Decision {
    pub decision: String,
    pub comment: String,
    pub actor: String,
    pub decided_at: String,
    pub version: String,
}

/// The latest decision on a deviation with this fingerprint, in any version.
pub async fn decision(
    db: &Store,
    service: &str,
    municipality: &str,
    step: &str,
    kind: &str,
    reference_kind: &str,
    fingerprint: &str,
) -> Result<Option<Decision>, sqlx::Error> {
    let row = sqlx::query(
        "select decision, comment, actor, decided_at, version from deviation_decisions where service_id = $1 and municipality = $2 and step = $3 and kind = $4 and reference_kind = $5 and fingerprint = $6 order by id desc limit 1",
    )
    .bind(service)
    .bind(municipality)
    .bind(step)
    .bind(kind)
    .bind(reference_kind)
    .bind(fingerprint)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(|r| Decision {
        decision: r.get(0),
        comment: r.get(1),
        actor: r.get(2),
        decided_at: r.get(3),
        version: r.get(4),
    }))
}

/// Record one decision for each of `targets`, with an audit entry naming the evidence.
pub async fn decide(
    db: &Store,
    service: &str,
    version: &str,
    targets: &[StoredDeviation],
    decision: &str,
    comment: &str,
    actor: &str,
) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    let at = now();
    for d in targets {
        let before = sqlx::query(
            "select decision from deviation_decisions where service_id = $1 and municipality = $2 and step = $3 and kind = $4 and reference_kind = $5 and fingerprint = $6 order by id desc limit 1",
        )
        .bind(service)
        .bind(&d.municipality)
        .bind(&d.step)
        .bind(&d.kind)
        .bind(super::reference_kind(&d.reference))
        .bind(&d.fingerprint)
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| r.get::<String, _>(0));
        sqlx::query(
            "insert into deviation_decisions (service_id, municipality, step, kind, reference_kind, fingerprint, decision, comment, actor, decided_at, version) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(service)
        .bind(&d.municipality)
        .bind(&d.step)
        .bind(&d.kind)
        .bind(super::reference_kind(&d.reference))
        .bind(&d.fingerprint)
        .bind(decision)
        .bind(comment)
        .bind(actor)
        .bind(&at)
        .bind(version)
        .execute(&mut *tx)
        .await?;
        crate::store::audit(
            &mut tx,
            actor,
            &format!("deviation.{decision}"),
            &format!(
                "{service} {version} {} {} {}",
                d.municipality, d.step, d.kind
            ),
            &serde_json::json!({
                "reference": d.reference,
                "fingerprint": d.fingerprint,
                "summary": d.summary,
                "before": before,
                "after": decision,
                "comment": comment,
                "evidence": d.detail.get("evidence"),
            }),
        )
        .await?;
    }
    tx.commit().await
}

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
