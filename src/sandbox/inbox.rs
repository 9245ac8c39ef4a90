//! Sending a case: building the payload a case system would receive, and
//! capturing it (with its attachments) in the sandbox inbox.

use serde::Serialize;
use serde_json::{Value, json};
use sqlx::Row;

use crate::identities::TestPerson;
use crate::services::Variant;
use crate::services::store::VersionSummary;
use crate::store::{self, Store};

use super::input::{self, visible_steps};
use super::session::Session;

#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error("the case was already sent")]
    AlreadySent,
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
}

/// The case as the case system would get it. `values` is flat by field id so
/// that scenarios can address `values.<field>`.
pub fn payload(
    v: &Variant,
    version: &VersionSummary,
    code: Option<&str>,
    s: &Session,
    person: Option<&TestPerson>,
    case_number: &str,
    submitted_at: &str,
) -> Value {
    let steps: Vec<Value> = visible_steps(v, &s.answers)
        .into_iter()
        .map(|step| {
            let answers: Vec<Value> = step
                .fields
                .iter()
                .filter(|f| !f.kind.is_block() && input::visible(f, &s.answers))
                .map(|f| json!({ "field": f.id, "label": f.label, "value": s.answers.get(&f.id).cloned().unwrap_or(Value::Null), "text": input::display(f, &s.answers, &s.files) }))
                .collect();
            json!({ "id": step.id, "title": step.title, "answers": answers })
        })
        .collect();
    let applicant = person.map(|p| {
        let mut a = json!({
            "personnummer": p.personnummer.display(),
            "name": p.full_name(),
            "authenticated_with": "Test-e-legitimation (provrum)",
            "assurance_level": v.authentication.level,
            "protected_identity": p.protected,
        });
        if !p.protected {
            a["address"] =
                json!({ "street": p.street, "postal_code": p.postal_code, "city": p.city });
        }
        a
    });
    let attachments: Vec<Value> = s
        .files
        .iter()
        .map(|f| json!({ "field": f.field, "filename": f.filename, "content_type": f.content_type, "size": f.size, "sha256": f.sha256 }))
        .collect();
    json!({
        "case_number": case_number,
        "submitted_at": submitted_at,
        "service": { "id": version.service_id, "version": version.version, "title": v.title, "content_hash": version.content_hash },
        "municipality": { "id": v.municipality, "name": v.municipality_name, "code": code },
        "organisation": v.organisation,
        "applicant": applicant,
        "signature": s.signed_at.as_ref().map(|at| json!({ "signed_at": at, "signer": person.map(|p| p.personnummer.display()), "method": "Simulerad underskrift (provrum)" })),
        "steps": steps,
        "values": s.answers,
        "attachments": attachments,
        "sandbox": true,
    })
}

/// Capture the case, all or nothing, and mark the session as sent.
pub async fn submit(
    store: &Store,
    s: &Session,
    code: Option<&str>,
    build: impl FnOnce(&str, &str) -> Value,
) -> Result<(i64, String), SubmitError> {
    let mut tx = store.begin().await?;
    let submitted_at = store::now();
    let placeholder = format!("pending-{}", s.id);
    let id: i64 = sqlx::query("insert into submissions (version_id, municipality, case_number, submitted_at, personnummer, payload) values ($1, $2, $3, $4, $5, '{}') returning id")
        .bind(s.version_id)
        .bind(&s.municipality)
        .bind(&placeholder)
        .bind(&submitted_at)
        .bind(&s.personnummer)
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?;
    let year = &submitted_at[..4];
    let case_number = format!("{}-{year}-{id:05}", code.unwrap_or("FB"));
    let payload = build(&case_number, &submitted_at);
    sqlx::query("update submissions set case_number = $1, payload = $2 where id = $3")
        .bind(&case_number)
        .bind(payload.to_string())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    for f in &s.files {
        sqlx::query("insert into attachments (submission_id, field, filename, content_type, size, sha256) values ($1, $2, $3, $4, $5, $6)")
            .bind(id)
            .bind(&f.field)
            .bind(&f.filename)
            .bind(&f.content_type)
            .bind(f.size as i64)
            .bind(&f.sha256)
            .execute(&mut *tx)
            .await?;
    }
    let marked = sqlx::query("update sandbox_sessions set submission_id = $1, updated_at = $2 where id = $3 and submission_id is null")
        .bind(id)
        .bind(&submitted_at)
        .bind(&s.id)
        .execute(&mut *tx)
        .await?;
    if marked.rows_affected() != 1 {
        tx.rollback().await?;
        return Err(SubmitError::AlreadySent);
    }
    tx.commit().await?;
    Ok((id, case_number))
}

#[derive(Debug, Clone, Serialize)]
pub struct Captured {
    pub id: i64,
    pub version_id: i64,
    pub municipality: String,
    pub case_number: String,
    pub submitted_at: String,
    pub personnummer: Option<String>,
    pub payload: Value,
    pub attachments: Vec<Attachment>,
}

impl Captured {
    pub fn attachment_count(&self) -> usize {
        self.payload["attachments"]
            .as_array()
            .map(Vec::len)
            .unwrap_or(0)
    }

    pub fn protected_identity(&self) -> bool {
        self.payload["applicant"]["protected_identity"]
            .as_bool()
            .unwrap_or(false)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Attachment {
    pub id: i64,
    pub field: String,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
}

fn captured(r: &sqlx::any::AnyRow) -> Result<Captured, sqlx::Error> {
    let payload: String = r.try_get("payload")?;
    Ok(Captured {
        id: r.try_get("id")?,
        version_id: r.try_get("version_id")?,
        municipality: r.try_get("municipality")?,
        case_number: r.try_get("case_number")?,
        submitted_at: r.try_get("submitted_at")?,
        personnummer: r.try_get("personnummer")?,
        payload: serde_json::from_str(&payload).unwrap_or(Value::Null),
        attachments: Vec::new(),
    })
}

/// Newest first.
pub async fn list(
    store: &Store,
    version_id: i64,
    municipality: &str,
) -> Result<Vec<Captured>, sqlx::Error> {
    let rows = sqlx::query(
        "select * from submissions where version_id = $1 and municipality = $2 order by id desc",
    )
    .bind(version_id)
    .bind(municipality)
    .fetch_all(&store.pool)
    .await?;
    rows.iter().map(captured).collect()
}

pub async fn get(store: &Store, case_number: &str) -> Result<Option<Captured>, sqlx::Error> {
    let Some(row) = sqlx::query("select * from submissions where case_number = $1")
        .bind(case_number)
        .fetch_optional(&store.pool)
        .await?
    else {
        return Ok(None);
    };
    let mut c = captured(&row)?;
    let rows = sqlx::query("select id, field, filename, content_type, size, sha256 from attachments where submission_id = $1 order by id").bind(c.id).fetch_all(&store.pool).await?;
    for r in rows {
        c.attachments.push(Attachment {
            id: r.try_get("id")?,
            field: r.try_get("field")?,
            filename: r.try_get("filename")?,
            content_type: r.try_get("content_type")?,
            size: r.try_get("size")?,
            sha256: r.try_get("sha256")?,
        });
    }
    Ok(Some(c))
}

pub async fn by_id(store: &Store, id: i64) -> Result<Option<Captured>, sqlx::Error> {
    let row = sqlx::query("select case_number from submissions where id = $1")
        .bind(id)
        .fetch_optional(&store.pool)
        .await?;
    match row {
        Some(r) => get(store, &r.try_get::<String, _>("case_number")?).await,
        None => Ok(None),
    }
}

/// How many cases each municipality's variant of a version has received.
pub async fn counts(
    store: &Store,
    version_id: i64,
) -> Result<std::collections::HashMap<String, i64>, sqlx::Error> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "select municipality, count(*) from submissions where version_id = $1 group by municipality",
    )
    .bind(version_id)
    .fetch_all(&store.pool)
    .await?;
    Ok(rows.into_iter().collect())
}

/// (municipality, personal identity number) of every signed-in case of a version.
pub async fn submitted_numbers(
    store: &Store,
    version_id: i64,
) -> Result<Vec<(String, String)>, sqlx::Error> {
    sqlx::query_as(
        "select municipality, personnummer from submissions where version_id = $1 and personnummer is not null",
    )
    .bind(version_id)
    .fetch_all(&store.pool)
    .await
}
