//! A citizen's journey through one variant, kept server-side so that a
//! restart loses nothing and the browser holds only a random id.

use sqlx::Row;

use crate::store::{self, Store};

use super::input::{Answers, StoredFile};

#[derive(Debug, Clone)]
pub struct Session {
    pub id: String,
    pub csrf: String,
    pub version_id: i64,
    pub municipality: String,
    pub personnummer: Option<String>,
    pub answers: Answers,
    pub files: Vec<StoredFile>,
    pub signed_at: Option<String>,
    pub submission_id: Option<i64>,
}

fn token() -> String {
    hex::encode(rand::random::<[u8; 16]>())
}

pub async fn create(
    store: &Store,
    version_id: i64,
    municipality: &str,
) -> Result<Session, sqlx::Error> {
    let s = Session {
        id: token(),
        csrf: token(),
        version_id,
        municipality: municipality.to_string(),
        personnummer: None,
        answers: Answers::new(),
        files: Vec::new(),
        signed_at: None,
        submission_id: None,
    };
    let now = store::now();
    sqlx::query(
        "insert into sandbox_sessions (id, csrf, version_id, municipality, answers, files, created_at, updated_at)
         values ($1, $2, $3, $4, '{}', '[]', $5, $5)",
    )
    .bind(&s.id)
    .bind(&s.csrf)
    .bind(version_id)
    .bind(municipality)
    .bind(now)
    .execute(&store.pool)
    .await?;
    Ok(s)
}

/// The session with this id, if it belongs to this variant and has not expired.
pub async fn load(
    store: &Store,
    id: &str,
    version_id: i64,
    municipality: &str,
) -> Result<Option<Session>, sqlx::Error> {
    let row = sqlx::query(
        "select id, csrf, version_id, municipality, personnummer, answers, files, signed_at, submission_id
         from sandbox_sessions where id = $1 and version_id = $2 and municipality = $3 and updated_at > $4",
    )
    .bind(id)
    .bind(version_id)
    .bind(municipality)
    // An idle session has expired even before the sweep deletes it.
    .bind(super::cleanup::before_now(super::cleanup::IDLE))
    .fetch_optional(&store.pool)
    .await?;
    let Some(r) = row else { return Ok(None) };
    let answers: String = r.try_get("answers")?;
    let files: String = r.try_get("files")?;
    Ok(Some(Session {
        id: r.try_get("id")?,
        csrf: r.try_get("csrf")?,
        version_id: r.try_get("version_id")?,
        municipality: r.try_get("municipality")?,
        personnummer: r.try_get("personnummer")?,
        answers: serde_json::from_str(&answers).unwrap_or_default(),
        files: serde_json::from_str(&files).unwrap_or_default(),
        signed_at: r.try_get("signed_at")?,
        submission_id: r.try_get("submission_id")?,
    }))
}

pub async fn save(store: &Store, s: &Session) -> Result<(), sqlx::Error> {
    sqlx::query("update sandbox_sessions set personnummer = $1, answers = $2, files = $3, signed_at = $4, updated_at = $5 where id = $6")
        .bind(&s.personnummer)
        .bind(serde_json::Value::Object(s.answers.clone()).to_string())
        .bind(serde_json::to_string(&s.files).unwrap_or_else(|_| "[]".into()))
        .bind(&s.signed_at)
        .bind(store::now())
        .bind(&s.id)
        .execute(&store.pool)
        .await?;
    Ok(())
}
