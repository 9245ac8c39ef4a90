//! Changing a comment after it was written: triage, reclassification and
//! edits of the text, each one transaction with its history row and audit
//! entry (before/after).

use serde_json::json;
use sqlx::Row;

use crate::accounts::User;
use crate::store::{Store, audit, now};

use super::model::{Class, Status};
use super::store::ReviewError;

#[derive(Debug, Clone, Serialize)]
pub struct Revision {
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub note: Option<String>,
    pub actor_name: String,
    pub at: String,
}

use serde::Serialize;

impl Revision {
    /// The changed column as people say it: "status", "typ", "texten".
    pub fn field_words(&self) -> &str {
        match self.field.as_str() {
            "class" => "typ",
            "body" => "texten",
            "priority" => "prioritet",
            other => other,
        }
    }

    /// A stored value as people read it: "Åtgärdad", not `atgardad`.
    pub fn words(&self, value: &str) -> String {
        use super::model::{Class, Priority, Status};
        let known = match self.field.as_str() {
            "status" => Status::parse(value).map(Status::swedish),
            "class" => Class::parse(value).map(Class::swedish),
            "priority" => Priority::parse(value).map(Priority::swedish),
            _ => None,
        };
        known.map_or_else(|| value.to_string(), str::to_string)
    }
}

pub async fn revisions(db: &Store, id: i64) -> Result<Vec<Revision>, sqlx::Error> {
    Ok(sqlx::query("select field, before_value, after_value, note, actor_name, at from comment_revisions where comment_id = $1 order by id")
        .bind(id)
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(|r| Revision {
            field: r.get("field"),
            before: r.get("before_value"),
            after: r.get("after_value"),
            note: r.get("note"),
            actor_name: r.get("actor_name"),
            at: r.get("at"),
        })
        .collect())
}

/// One change to one column of a comment.
struct Change<'a> {
    column: &'static str,
    value: &'a str,
    /// Another column set along with it (the triage reason).
    extra: Option<(&'static str, Option<&'a str>)>,
    note: Option<&'a str>,
    action: &'static str,
}

/// Change one column of a comment, keeping the old value in its history.
async fn change(db: &Store, id: i64, ch: Change<'_>, actor: &User) -> Result<(), ReviewError> {
    let mut tx = db.begin().await?;
    change_in(&mut tx, id, ch, actor).await?;
    tx.commit().await?;
    Ok(())
}

/// `change` inside a transaction the caller commits.
async fn change_in(
    tx: &mut sqlx::AnyConnection,
    id: i64,
    ch: Change<'_>,
    actor: &User,
) -> Result<(), ReviewError> {
    let Change {
        column,
        value,
        extra,
        note,
        action,
    } = ch;
    let before: Option<String> =
        sqlx::query(&format!("select {column} from comments where id = $1"))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(ReviewError::Missing)?
            .get(0);
    sqlx::query(&format!(
        "update comments set {column} = $1, updated_at = $2 where id = $3"
    ))
    .bind(value)
    .bind(now())
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if let Some((col, v)) = extra {
        sqlx::query(&format!("update comments set {col} = $1 where id = $2"))
            .bind(v)
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query("insert into comment_revisions (comment_id, field, before_value, after_value, note, actor_id, actor_name, at) values ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(id)
        .bind(column)
        .bind(&before)
        .bind(value)
        .bind(note)
        .bind(actor.id)
        .bind(&actor.name)
        .bind(now())
        .execute(&mut *tx)
        .await?;
    audit(
        &mut *tx,
        &actor.username,
        action,
        &format!("synpunkt #{id}"),
        &json!({ "before": { column: before }, "after": { column: value }, "note": note }),
    )
    .await?;
    Ok(())
}

/// A legal question answered by a legal adviser's assessment (`assessment`),
/// inside the transaction that stores the assessment: the question is
/// closed as handled, with the answer as its reason and a link to it.
pub async fn answered_in(
    tx: &mut sqlx::AnyConnection,
    id: i64,
    assessment: i64,
    answer: &str,
    actor: &User,
) -> Result<(), ReviewError> {
    let ch = Change {
        column: "status",
        value: Status::Atgardad.slug(),
        extra: Some(("status_reason", Some(answer))),
        note: Some(answer),
        action: "comment.answer",
    };
    change_in(tx, id, ch, actor).await?;
    sqlx::query("update comments set answered_by = $1 where id = $2")
        .bind(assessment)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// E-kontoret's triage: a new status; rejecting needs a reason.
pub async fn triage(
    db: &Store,
    id: i64,
    status: Status,
    reason: &str,
    actor: &User,
) -> Result<(), ReviewError> {
    let reason = reason.trim();
    if status == Status::Avvisad && reason.is_empty() {
        return Err(ReviewError::Reason);
    }
    let r = (!reason.is_empty()).then_some(reason);
    let ch = Change {
        column: "status",
        value: status.slug(),
        extra: Some(("status_reason", r)),
        note: r,
        action: "comment.triage",
    };
    change(db, id, ch, actor).await
}

/// E-kontoret reclassifies (a "krav" that is really an "önskemål"), with a note.
pub async fn reclassify(
    db: &Store,
    id: i64,
    class: Class,
    note: &str,
    actor: &User,
) -> Result<(), ReviewError> {
    let note = note.trim();
    if note.is_empty() {
        return Err(ReviewError::Note);
    }
    let ch = Change {
        column: "class",
        value: class.slug(),
        extra: None,
        note: Some(note),
        action: "comment.reclassify",
    };
    change(db, id, ch, actor).await
}

/// The author edits the text; the old text stays in the history.
pub async fn edit(db: &Store, id: i64, body: &str, actor: &User) -> Result<(), ReviewError> {
    let body = body.trim();
    if body.is_empty() || body.chars().count() > 5000 {
        return Err(ReviewError::Body);
    }
    let ch = Change {
        column: "body",
        value: body,
        extra: None,
        note: None,
        action: "comment.edit",
    };
    change(db, id, ch, actor).await
}

/// A comment's status changed by triage, as the meeting brief tells it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Triaged {
    pub id: i64,
    pub comment_id: i64,
    pub before_value: Option<String>,
    pub after_value: Option<String>,
    pub note: Option<String>,
    pub actor_name: String,
    pub at: String,
    pub body: String,
    pub class: String,
    pub municipality: Option<String>,
}

/// The status changes of `service`'s comments in `[start, end)`.
pub async fn triaged_within(
    db: &Store,
    service: &str,
    start: &str,
    end: &str,
) -> Result<Vec<Triaged>, sqlx::Error> {
    crate::store::rows_within(db, "select r.id, r.comment_id, r.before_value, r.after_value, r.note, r.actor_name, r.at, c.body, c.class, c.municipality from comment_revisions r join comments c on c.id = r.comment_id where c.service_id = $1 and r.field = 'status' and r.at >= $2 and r.at < $3", service, start, end).await
}
