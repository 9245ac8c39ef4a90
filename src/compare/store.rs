//! Stored captures, deviations, decisions and releases.

use serde::Serialize;
use sqlx::Row;

use crate::store::{Store, WriteTx, now};

use super::capture::PageShot;

/// A capture of exactly this rendering in any version (the newest), for a
/// version whose variant renders as another's did: copied to `version_id`
/// (the same page files, marked with where it came from) and its pages
/// returned. A version's own capture is taken as it is.
pub async fn reuse_capture(
    db: &Store,
    version_id: i64,
    target: &str,
    viewport: &str,
    definition: &str,
) -> Result<Option<Vec<PageShot>>, sqlx::Error> {
    let row = sqlx::query(
        "select id, version_id, pages from captures where definition = $1 and target = $2 and viewport = $3 and status = 'ok' order by (version_id = $4) desc, id desc limit 1",
    )
    .bind(definition)
    .bind(target)
    .bind(viewport)
    .bind(version_id)
    .fetch_optional(&db.pool)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let (id, from_version, pages): (i64, i64, String) =
        (row.get("id"), row.get("version_id"), row.get("pages"));
    if from_version != version_id {
        sqlx::query(
            "insert into captures (version_id, target, viewport, definition, status, error, pages, created_at, reused_from) values ($1, $2, $3, $4, 'ok', null, $5, $6, $7)",
        )
        .bind(version_id)
        .bind(target)
        .bind(viewport)
        .bind(definition)
        .bind(&pages)
        .bind(now())
        .bind(id)
        .execute(&db.pool)
        .await?;
    }
    Ok(Some(serde_json::from_str(&pages).unwrap_or_default()))
}

/// The renderings of a version taken over from other versions because they
/// had the same content: (that version, how many variant × viewport).
pub async fn reused_from_versions(
    db: &Store,
    version_id: i64,
) -> Result<Vec<(String, i64)>, sqlx::Error> {
    let rows = sqlx::query(
        "select v.version, count(distinct c.target || ' ' || c.viewport) from captures c join captures o on o.id = c.reused_from join service_versions v on v.id = o.version_id where c.version_id = $1 group by v.version order by v.version",
    )
    .bind(version_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.iter().map(|r| (r.get("version"), r.get(1))).collect())
}

/// The pages of a stored capture.
pub async fn capture_pages(db: &Store, id: i64) -> Result<Option<Vec<PageShot>>, sqlx::Error> {
    let pages: Option<String> = sqlx::query_scalar("select pages from captures where id = $1")
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(pages.map(|p| serde_json::from_str(&p).unwrap_or_default()))
}

/// Store a capture, inside a transaction the caller commits (a worker's
/// walk is stored with the end of its claim).
pub async fn save_capture(
    tx: &mut WriteTx,
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
    .fetch_one(&mut **tx)
    .await?;
    Ok(row.get("id"))
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct StoredDeviation {
    pub id: i64,
    pub reference: String,
    pub municipality: String,
    pub step: String,
    pub kind: super::Kind,
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
        .bind(d.kind.as_str().into_owned())
        .bind(&d.fingerprint)
        .bind(&d.summary)
        .bind(d.detail.to_string())
        .bind(&at)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}

/// The stored word of a deviation's kind, as a [`Kind`](super::Kind): a
/// word no version of Provrum wrote is a decoding error, not a guess.
fn kind(stored: &str) -> Result<super::Kind, sqlx::Error> {
    super::Kind::parse(stored).ok_or_else(|| {
        sqlx::Error::Decode(format!("deviations.kind: unknown kind {stored:?}").into())
    })
}

fn deviation_row(r: &sqlx::any::AnyRow) -> Result<StoredDeviation, sqlx::Error> {
    Ok(StoredDeviation {
        id: r.get(0),
        reference: r.get(1),
        municipality: r.get(2),
        step: r.get(3),
        kind: kind(r.get(4))?,
        fingerprint: r.get(5),
        summary: r.get(6),
        detail: serde_json::from_str(&r.get::<String, _>(7)).unwrap_or_default(),
    })
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
    rows.iter().map(deviation_row).collect()
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
    row.as_ref().map(deviation_row).transpose()
}

/// Every deviation of a version with the standing decision on its
/// fingerprint (the newest in any version of the service), in one query: the
/// matrix, the cell page, the gate and the dashboard all read this.
pub async fn deviations_with_decisions(
    db: &Store,
    service: &str,
    version_id: i64,
) -> Result<Vec<(StoredDeviation, Option<Decision>)>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Row {
        id: i64,
        reference: String,
        municipality: String,
        step: String,
        kind: String,
        fingerprint: String,
        summary: String,
        detail: String,
        decision: Option<String>,
        comment: Option<String>,
        actor: Option<String>,
        decided_at: Option<String>,
        decided_in: Option<String>,
    }
    let rows: Vec<Row> = sqlx::query_as(
        "select d.id, d.reference, d.municipality, d.step, d.kind, d.fingerprint, d.summary, d.detail,
                x.decision, x.comment, x.actor, x.decided_at, x.version as decided_in
         from deviations d
         left join deviation_decisions x on x.id = (
             select max(y.id) from deviation_decisions y
             where y.service_id = $2 and y.municipality = d.municipality and y.step = d.step
               and y.kind = d.kind and y.fingerprint = d.fingerprint
               and y.reference_kind = case when d.reference = 'base' then 'base' else 'version' end)
         where d.version_id = $1
         order by d.id",
    )
    .bind(version_id)
    .bind(service)
    .fetch_all(&db.pool)
    .await?;
    rows.into_iter()
        .map(|r| {
            let decision = match (
                r.decision.as_deref().and_then(DecisionKind::parse),
                r.actor,
                r.decided_at,
            ) {
                (Some(decision), Some(actor), Some(decided_at)) => Some(Decision {
                    decision,
                    comment: r.comment.unwrap_or_default(),
                    actor,
                    decided_at,
                    version: r.decided_in.unwrap_or_default(),
                }),
                _ => None,
            };
            let deviation = StoredDeviation {
                id: r.id,
                reference: r.reference,
                municipality: r.municipality,
                step: r.step,
                kind: kind(&r.kind)?,
                fingerprint: r.fingerprint,
                summary: r.summary,
                detail: serde_json::from_str(&r.detail).unwrap_or_default(),
            };
            Ok((deviation, decision))
        })
        .collect()
}

/// What e-kontoret decided about a deviation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DecisionKind {
    /// Approved as a local adaptation.
    Approved,
    /// Flagged: to be fixed.
    Flagged,
}

impl DecisionKind {
    pub fn slug(self) -> &'static str {
        match self {
            DecisionKind::Approved => "approved",
            DecisionKind::Flagged => "flagged",
        }
    }

    pub fn parse(s: &str) -> Option<DecisionKind> {
        [DecisionKind::Approved, DecisionKind::Flagged]
            .into_iter()
            .find(|d| d.slug() == s)
    }
}

/// Read from the database's text (`#[sqlx(try_from = "String")]`).
impl TryFrom<String> for DecisionKind {
    type Error = String;
    fn try_from(s: String) -> Result<DecisionKind, String> {
        DecisionKind::parse(&s).ok_or_else(|| format!("unknown decision `{s}`"))
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Decision {
    pub decision: DecisionKind,
    pub comment: String,
    pub actor: String,
    pub decided_at: String,
    pub version: String,
}

/// Record one decision for each of `targets`, with an audit entry naming the evidence.
pub async fn decide(
    db: &Store,
    service: &str,
    version: &str,
    targets: &[StoredDeviation],
    decision: DecisionKind,
    comment: &str,
    actor: &str,
) -> Result<(), sqlx::Error> {
    let decision = decision.slug();
    let mut tx = db.begin().await?;
    let at = now();
    for d in targets {
        let before = sqlx::query(
            "select decision from deviation_decisions where service_id = $1 and municipality = $2 and step = $3 and kind = $4 and reference_kind = $5 and fingerprint = $6 order by id desc limit 1",
        )
        .bind(service)
        .bind(&d.municipality)
        .bind(&d.step)
        .bind(d.kind.as_str().into_owned())
        .bind(super::reference_kind(&d.reference))
        .bind(&d.fingerprint)
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| r.get::<String, _>("decision"));
        sqlx::query(
            "insert into deviation_decisions (service_id, municipality, step, kind, reference_kind, fingerprint, decision, comment, actor, decided_at, version) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(service)
        .bind(&d.municipality)
        .bind(&d.step)
        .bind(d.kind.as_str().into_owned())
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

/// A version's captures: how many there are at all, and of the newest of
/// each variant and viewport how many were made and how many reused
/// unchanged from another version's (issue 29).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct CaptureProvenance {
    pub total: i64,
    pub made: i64,
    pub reused: i64,
}

pub async fn capture_provenance(
    db: &Store,
    version_id: i64,
) -> Result<CaptureProvenance, sqlx::Error> {
    sqlx::query_as(
        "select (select count(*) from captures a where a.version_id = $1) as total,
                count(c.id) - count(c.reused_from) as made, count(c.reused_from) as reused
         from captures c where c.version_id = $1 and c.status = 'ok'
           and c.id = (select max(x.id) from captures x where x.version_id = c.version_id and x.target = c.target and x.viewport = c.viewport)",
    )
    .bind(version_id)
    .fetch_one(&db.pool)
    .await
}

/// How many captures (of any variant and viewport) a version has.
pub async fn capture_count(db: &Store, version_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("select count(*) from captures where version_id = $1")
        .bind(version_id)
        .fetch_one(&db.pool)
        .await
}

/// The pages of `target`'s newest good desktop capture in a version.
pub async fn latest_desktop_capture(
    db: &Store,
    version_id: i64,
    target: &str,
) -> Result<Option<Vec<super::capture::PageShot>>, sqlx::Error> {
    let pages: Option<String> = sqlx::query_scalar("select pages from captures where version_id = $1 and target = $2 and viewport = 'desktop' and status = 'ok' order by id desc limit 1")
        .bind(version_id)
        .bind(target)
        .fetch_optional(&db.pool)
        .await?;
    Ok(pages.and_then(|p| serde_json::from_str(&p).ok()))
}

/// The pages of each variant's newest good desktop capture (not the
/// references'), by municipality: what the checklists read facts from.
pub async fn latest_desktop_pages(
    db: &Store,
    version_id: i64,
) -> Result<std::collections::HashMap<String, Vec<super::capture::PageShot>>, sqlx::Error> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "select c.target, c.pages from captures c
         where c.version_id = $1 and c.viewport = 'desktop' and c.status = 'ok'
           and c.id = (select max(x.id) from captures x where x.version_id = c.version_id
                       and x.target = c.target and x.viewport = 'desktop' and x.status = 'ok')",
    )
    .bind(version_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .filter(|(target, _)| !target.contains('~'))
        .map(|(target, pages)| (target, serde_json::from_str(&pages).unwrap_or_default()))
        .collect())
}

/// Deviation decisions taken together (same municipality, words, person and
/// version), as the meeting brief tells them.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DecisionTaken {
    pub id: i64,
    pub municipality: String,
    #[sqlx(try_from = "String")]
    pub decision: DecisionKind,
    pub comment: String,
    pub actor: String,
    pub version: String,
    pub decided_at: String,
    /// Deviations settled.
    pub deviations: i64,
    /// Pages (changes) they were on.
    pub pages: i64,
}

/// The deviation decisions on `service` in `[start, end)`, one per decision taken.
pub async fn decisions_within(
    db: &Store,
    service: &str,
    start: &str,
    end: &str,
) -> Result<Vec<DecisionTaken>, sqlx::Error> {
    crate::store::rows_within(db, "select min(id) as id, municipality, decision, comment, actor, version, min(decided_at) as decided_at, count(*) as deviations, count(distinct step) as pages from deviation_decisions where service_id = $1 and decided_at >= $2 and decided_at < $3 group by municipality, decision, comment, actor, version", service, start, end).await
}
