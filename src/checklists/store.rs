//! Assessments (append-only, with history) and e-kontoret's regional positions.

use serde::Serialize;
use serde_json::json;
use sqlx::Row;

use crate::accounts::User;
use crate::store::{Store, audit, now};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Assessed {
    Uppfyllt,
    EjUppfyllt,
    EjTillampligt,
    BehoverUtredas,
}

impl Assessed {
    pub const ALL: [Assessed; 4] = [
        Assessed::Uppfyllt,
        Assessed::EjUppfyllt,
        Assessed::EjTillampligt,
        Assessed::BehoverUtredas,
    ];
    pub fn slug(self) -> &'static str {
        match self {
            Assessed::Uppfyllt => "uppfyllt",
            Assessed::EjUppfyllt => "ej_uppfyllt",
            Assessed::EjTillampligt => "ej_tillampligt",
            Assessed::BehoverUtredas => "behover_utredas",
        }
    }
    pub fn swedish(self) -> &'static str {
        match self {
            Assessed::Uppfyllt => "uppfyllt",
            Assessed::EjUppfyllt => "ej uppfyllt",
            Assessed::EjTillampligt => "ej tillämpligt",
            Assessed::BehoverUtredas => "behöver utredas",
        }
    }
    pub fn parse(s: &str) -> Option<Assessed> {
        Assessed::ALL.into_iter().find(|a| a.slug() == s)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Assessment {
    pub id: i64,
    pub checklist: String,
    pub item: String,
    pub municipality: Option<String>,
    pub status: Assessed,
    pub annotation: String,
    pub refs: String,
    pub assessed_by: String,
    pub assessor_name: String,
    pub assessed_at: String,
    pub carried_from: Option<String>,
    pub version: String,
}

#[derive(Debug, thiserror::Error)]
pub enum AssessError {
    #[error("Skriv en kommentar till bedömningen (högst 4000 tecken).")]
    Annotation,
    #[error("{0}")]
    Question(String),
    #[error("databas: {0}")]
    Db(#[from] sqlx::Error),
}

crate::store::wraps_db!(AssessError);

pub struct NewAssessment<'a> {
    pub version_id: i64,
    pub checklist: &'a str,
    pub item: &'a str,
    pub municipality: Option<&'a str>,
    pub status: Assessed,
    pub annotation: &'a str,
    pub refs: &'a str,
    pub carried_from: Option<&'a str>,
    /// The form's one-time key: a retried post is stored once.
    pub form_key: &'a str,
}

pub async fn assess(db: &Store, a: &NewAssessment<'_>, by: &User) -> Result<i64, AssessError> {
    assess_answering(db, a, by, None).await
}

/// Assess, and when `question` is a legal question (a comment), answer it
/// with this assessment in the same transaction: both are stored or neither.
pub async fn assess_answering(
    db: &Store,
    a: &NewAssessment<'_>,
    by: &User,
    question: Option<(i64, &str)>,
) -> Result<i64, AssessError> {
    let annotation = a.annotation.trim();
    if annotation.is_empty() || annotation.chars().count() > 4000 {
        return Err(AssessError::Annotation);
    }
    let mut tx = db.begin().await?;
    if let Some(earlier) = crate::store::claim_form_key(&mut tx, a.form_key).await? {
        tx.rollback().await?;
        return Ok(earlier.parse().unwrap_or_default());
    }
    let before: Option<String> = sqlx::query("select status from assessments where version_id = $1 and checklist = $2 and item = $3 and coalesce(municipality, '') = $4 order by id desc limit 1")
        .bind(a.version_id)
        .bind(a.checklist)
        .bind(a.item)
        .bind(a.municipality.unwrap_or(""))
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| r.get("status"));
    let id: i64 = sqlx::query("insert into assessments (version_id, checklist, item, municipality, status, annotation, refs, assessed_by, assessor_name, assessed_at, carried_from) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) returning id")
        .bind(a.version_id)
        .bind(a.checklist)
        .bind(a.item)
        .bind(a.municipality)
        .bind(a.status.slug())
        .bind(annotation)
        .bind(a.refs.trim())
        .bind(&by.username)
        .bind(&by.name)
        .bind(now())
        .bind(a.carried_from)
        .fetch_one(&mut *tx)
        .await?
        .get("id");
    audit(
        &mut tx,
        &by.username,
        "checklist.assess",
        &format!("{}/{} {}", a.checklist, a.item, a.municipality.unwrap_or("regionalt")),
        &json!({ "version_id": a.version_id, "before": before, "after": a.status.slug(), "annotation": annotation, "carried_from": a.carried_from }),
    )
    .await?;
    if let Some((comment, item_title)) = question {
        let answer = format!(
            "Besvarad med en bedömning av ”{item_title}”: {}. {annotation}",
            a.status.swedish()
        );
        crate::reviews::changes::answered_in(&mut tx, comment, id, &answer, by)
            .await
            .map_err(|e| match e {
                crate::reviews::store::ReviewError::Db(e) => AssessError::Db(e),
                other => AssessError::Question(other.to_string()),
            })?;
    }
    crate::store::settle_form_key(&mut tx, a.form_key, &id.to_string()).await?;
    tx.commit().await?;
    Ok(id)
}

fn row(r: &sqlx::any::AnyRow) -> Assessment {
    Assessment {
        id: r.get(0),
        checklist: r.get(1),
        item: r.get(2),
        municipality: r.get(3),
        status: Assessed::parse(&r.get::<String, _>(4)).unwrap_or(Assessed::BehoverUtredas),
        annotation: r.get(5),
        refs: r.get(6),
        assessed_by: r.get(7),
        assessor_name: r.get(8),
        assessed_at: r.get(9),
        carried_from: r.get(10),
        version: r.get(11),
    }
}

/// Every assessment of a version, oldest first (the history).
pub async fn all(db: &Store, version_id: i64) -> Result<Vec<Assessment>, sqlx::Error> {
    Ok(sqlx::query("select a.id, a.checklist, a.item, a.municipality, a.status, a.annotation, a.refs, a.assessed_by, a.assessor_name, a.assessed_at, a.carried_from, v.version from assessments a join service_versions v on v.id = a.version_id where a.version_id = $1 order by a.id")
        .bind(version_id)
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(row)
        .collect())
}

/// The standing assessments: the newest per (checklist, item, municipality).
pub fn current(all: &[Assessment]) -> Vec<Assessment> {
    let mut out: Vec<Assessment> = Vec::new();
    for a in all.iter().rev() {
        if !out.iter().any(|x| {
            x.checklist == a.checklist && x.item == a.item && x.municipality == a.municipality
        }) {
            out.push(a.clone());
        }
    }
    out.reverse();
    out
}

#[derive(Debug, Clone, Serialize)]
pub struct Position {
    pub checklist: String,
    pub item: String,
    pub position: String,
    pub decided_by: String,
    pub decided_at: String,
}

/// What a row of `regional_positions` is: e-kontoret's decision, or a legal
/// adviser's proposal for one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PositionKind {
    Decision,
    Proposal,
}

impl PositionKind {
    fn slug(self) -> &'static str {
        match self {
            PositionKind::Decision => "decision",
            PositionKind::Proposal => "proposal",
        }
    }
}

/// E-kontoret's regional position (a decision) or a legal adviser's
/// proposal for one, appended with an audit entry.
pub async fn record_position(
    db: &Store,
    version_id: i64,
    (checklist, item): (&str, &str),
    kind: PositionKind,
    position: &str,
    by: &User,
) -> Result<(), AssessError> {
    let position = position.trim();
    if position.is_empty() || position.chars().count() > 4000 {
        return Err(AssessError::Annotation);
    }
    let mut tx = db.begin().await?;
    sqlx::query("insert into regional_positions (version_id, checklist, item, position, decided_by, decided_at, kind) values ($1, $2, $3, $4, $5, $6, $7)")
        .bind(version_id)
        .bind(checklist)
        .bind(item)
        .bind(position)
        .bind(&by.name)
        .bind(now())
        .bind(kind.slug())
        .execute(&mut *tx)
        .await?;
    let action = match kind {
        PositionKind::Decision => "checklist.position",
        PositionKind::Proposal => "checklist.proposal",
    };
    audit(
        &mut tx,
        &by.username,
        action,
        &format!("{checklist}/{item}"),
        &json!({ "version_id": version_id, "after": position }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Each item's standing regional position and the proposal still waiting
/// for e-kontoret (one made after the item's latest decision).
#[derive(Debug, Default)]
pub struct Positions {
    pub decided: Vec<Position>,
    pub proposed: Vec<Position>,
}

pub async fn positions(db: &Store, version_id: i64) -> Result<Positions, sqlx::Error> {
    let rows = sqlx::query("select checklist, item, position, decided_by, decided_at, kind from regional_positions where version_id = $1 order by id desc")
        .bind(version_id)
        .fetch_all(&db.pool)
        .await?;
    let mut out = Positions::default();
    // Newest first: the first decision per item stands; a proposal counts
    // only if no decision on its item came after it.
    let mut seen = std::collections::HashSet::new();
    for r in &rows {
        let p = Position {
            checklist: r.get("checklist"),
            item: r.get("item"),
            position: r.get("position"),
            decided_by: r.get("decided_by"),
            decided_at: r.get("decided_at"),
        };
        let kind: String = r.get("kind");
        let key = (p.checklist.clone(), p.item.clone());
        let same = |x: &Position| x.checklist == p.checklist && x.item == p.item;
        if kind == PositionKind::Proposal.slug() {
            if !seen.contains(&key) {
                out.proposed.push(p);
            }
        } else if !out.decided.iter().any(same) {
            out.decided.push(p);
        }
        seen.insert(key);
    }
    Ok(out)
}

/// A regional position decided, as the meeting brief tells it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PositionDecided {
    pub id: i64,
    pub version: String,
    pub checklist: String,
    pub item: String,
    pub position: String,
    pub decided_by: String,
    pub decided_at: String,
}

/// The regional positions decided on `service` in `[start, end)`.
pub async fn positions_within(
    db: &Store,
    service: &str,
    start: &str,
    end: &str,
) -> Result<Vec<PositionDecided>, sqlx::Error> {
    crate::store::rows_within(db, "select p.id, v.version, p.checklist, p.item, p.position, p.decided_by, p.decided_at from regional_positions p join service_versions v on v.id = p.version_id where v.service_id = $1 and p.kind = 'decision' and p.decided_at >= $2 and p.decided_at < $3", service, start, end).await
}
