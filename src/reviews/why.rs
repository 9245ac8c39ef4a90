//! "Fråga varför": e-kontoret asks the municipalities that deviate from the
//! base to motivate the adaptation or adopt the base. Each question is a
//! comment addressed to that municipality (so its reviewers see it where
//! they work), tied here to the adaptation it asks about; the answers are
//! the replies in its thread.

use sqlx::Row;

use crate::accounts::User;
use crate::store::{Store, now};

use super::model::Class;
use super::store::{NewComment, ReviewError, insert};

/// A question asked, and how many replies its thread has.
#[derive(Debug, Clone)]
pub struct Asked {
    pub municipality: String,
    pub change: String,
    pub comment_id: i64,
    pub asked_at: String,
    pub replies: i64,
}

/// What is asked: one adaptation of one version, of these municipalities.
pub struct Question<'a> {
    pub service_id: &'a str,
    pub version_id: i64,
    pub change: &'a str,
    /// (id, name) of each municipality that has the adaptation.
    pub municipalities: &'a [(String, String)],
}

/// Ask every municipality in one transaction: a comment to each, and the
/// row that ties it to the adaptation.
pub async fn ask(db: &Store, q: Question<'_>, actor: &User) -> Result<Vec<i64>, ReviewError> {
    let mut tx = db.begin().await?;
    let at = now();
    let mut ids = Vec::new();
    for (m, name) in q.municipalities {
        let c = NewComment {
            service_id: q.service_id.to_string(),
            version_id: q.version_id,
            municipality: Some(m.clone()),
            class: Some(Class::Onskemal),
            body: format!(
                "E-kontoret frågar varför {name} avviker från regionens bas: {}. Svara här med kommunens motivering, eller skriv att kommunen går över till basens lösning.",
                q.change
            ),
            ..Default::default()
        };
        let id = insert(&mut tx, &c, actor).await?;
        sqlx::query("insert into why_questions (version_id, municipality, change, comment_id, asked_by, asked_at) values ($1, $2, $3, $4, $5, $6)")
            .bind(q.version_id)
            .bind(m)
            .bind(q.change)
            .bind(id)
            .bind(&actor.name)
            .bind(&at)
            .execute(&mut *tx)
            .await?;
        ids.push(id);
    }
    tx.commit().await?;
    Ok(ids)
}

/// Every question asked about a version, oldest first.
pub async fn asked(db: &Store, version_id: i64) -> Result<Vec<Asked>, sqlx::Error> {
    let rows = sqlx::query("select q.municipality, q.change, q.comment_id, q.asked_at, (select count(*) from comments r where r.parent_id = q.comment_id) from why_questions q where q.version_id = $1 order by q.id")
        .bind(version_id)
        .fetch_all(&db.pool)
        .await?;
    Ok(rows
        .iter()
        .map(|r| Asked {
            municipality: r.get("municipality"),
            change: r.get("change"),
            comment_id: r.get("comment_id"),
            asked_at: r.get("asked_at"),
            replies: r.get(4),
        })
        .collect())
}

/// A question asked since a time, with its version's title and number: what
/// the mail to the asked municipality's reviewers says.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AskedSince {
    pub municipality: String,
    pub change: String,
    pub comment_id: i64,
    pub asked_by: String,
    pub title: String,
    pub version: String,
}

/// Every question asked at or after `since` (a stored time), oldest first.
pub async fn asked_since(db: &Store, since: &str) -> Result<Vec<AskedSince>, sqlx::Error> {
    sqlx::query_as("select q.municipality, q.change, q.comment_id, q.asked_by, v.title, v.version from why_questions q join service_versions v on v.id = q.version_id where q.asked_at >= $1 order by q.id")
        .bind(since)
        .fetch_all(&db.pool)
        .await
}
