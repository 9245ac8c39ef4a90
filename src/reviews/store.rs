//! Comments, endorsements, triage and their history in the database. Every
//! change is one transaction with its audit entry (before/after).

use std::collections::HashMap;

use serde_json::json;
use sqlx::Row;

use crate::accounts::User;
use crate::store::{Store, audit, now};

use super::model::{Class, Comment, Priority, Status};

#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error("Skriv en synpunkt (högst 5000 tecken).")]
    Body,
    #[error(
        "En synpunkt av klassen ”{0}” behöver en motivering: ett lagstöd eller ett verksamhetsbehov."
    )]
    Motivation(&'static str),
    #[error("Ett skäl krävs när en synpunkt avvisas.")]
    Reason,
    #[error("Skriv en anteckning som säger varför klassen ändras.")]
    Note,
    #[error("Synpunkten finns inte.")]
    Missing,
    #[error("Du kan inte instämma i din egen synpunkt; andra kommuner instämmer i den.")]
    OwnComment,
    #[error("databas: {0}")]
    Db(#[from] sqlx::Error),
}

crate::store::wraps_db!(ReviewError);

#[derive(Debug, Clone, Default)]
pub struct NewComment {
    pub service_id: String,
    pub version_id: i64,
    pub parent_id: Option<i64>,
    pub municipality: Option<String>,
    pub step: Option<String>,
    pub field: Option<String>,
    pub region: Option<(i64, i64, i64, i64)>,
    pub quote: Option<String>,
    pub quote_prefix: Option<String>,
    pub quote_suffix: Option<String>,
    pub class: Option<Class>,
    pub motivation: Option<String>,
    pub priority: Option<Priority>,
    pub body: String,
    /// The screenshot of the reviewer's own sandbox page, when they pointed
    /// at something (`reviews::pins`); checked to be theirs before it is kept.
    pub pin_shot: Option<String>,
    /// The form's one-time key: a retried post is stored once.
    pub form_key: String,
}

fn some(s: &Option<String>) -> Option<String> {
    s.as_ref()
        .map(|x| x.trim().to_string())
        .filter(|x| !x.is_empty())
}

pub async fn create(db: &Store, c: &NewComment, author: &User) -> Result<i64, ReviewError> {
    let mut tx = db.begin().await?;
    if let Some(earlier) = crate::store::claim_form_key(&mut tx, &c.form_key).await? {
        tx.rollback().await?;
        return earlier.parse().map_err(|_| ReviewError::Missing);
    }
    let id = insert(&mut tx, c, author).await?;
    crate::store::settle_form_key(&mut tx, &c.form_key, &id.to_string()).await?;
    tx.commit().await?;
    Ok(id)
}

/// Store one comment inside the caller's transaction (checked and audited).
pub(crate) async fn insert(
    tx: &mut crate::store::WriteTx,
    c: &NewComment,
    author: &User,
) -> Result<i64, ReviewError> {
    let body = c.body.trim();
    if body.is_empty() || body.chars().count() > 5000 {
        return Err(ReviewError::Body);
    }
    let class = c.class.unwrap_or(Class::Onskemal);
    let motivation = some(&c.motivation);
    if class.needs_motivation() && motivation.is_none() && c.parent_id.is_none() {
        return Err(ReviewError::Motivation(class.swedish()));
    }
    let author_municipality = match &c.municipality {
        Some(m) if author.speaks_for(m) => Some(m.clone()),
        _ => author.municipalities.first().cloned(),
    };
    let at = now();
    let (x, y, w, h) = match c.region {
        Some((x, y, w, h)) => (Some(x), Some(y), Some(w), Some(h)),
        None => (None, None, None, None),
    };
    // A screenshot is kept only if it is the author's own, of this variant.
    let pin_shot = match (&c.pin_shot, &c.municipality) {
        (Some(token), Some(m)) => {
            crate::reviews::pins::owned(tx, token, author.id, c.version_id, m).await?
        }
        _ => None,
    };
    let id: i64 = sqlx::query_scalar(
        "insert into comments (service_id, version_id, parent_id, municipality, step, field, region_x, region_y, region_w, region_h, quote, quote_prefix, quote_suffix, class, motivation, priority, body, status, author_id, author_name, author_municipality, created_at, updated_at, pin_shot) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, 'ny', $18, $19, $20, $21, $21, $22) returning id",
    )
    .bind(&c.service_id)
    .bind(c.version_id)
    .bind(c.parent_id)
    .bind(some(&c.municipality))
    .bind(some(&c.step))
    .bind(some(&c.field))
    .bind(x)
    .bind(y)
    .bind(w)
    .bind(h)
    .bind(some(&c.quote))
    .bind(c.quote_prefix.clone())
    .bind(c.quote_suffix.clone())
    .bind(class.slug())
    .bind(&motivation)
    .bind(c.priority.unwrap_or(Priority::Normal).slug())
    .bind(body)
    .bind(author.id)
    .bind(&author.name)
    .bind(&author_municipality)
    .bind(&at)
    .bind(&pin_shot)
    .fetch_one(&mut **tx)
    .await?;
    if let Some(parent) = c.parent_id {
        sqlx::query("update comments set reply_count = reply_count + 1 where id = $1")
            .bind(parent)
            .execute(&mut **tx)
            .await?;
    }
    audit(
        tx,
        &author.username,
        if c.parent_id.is_some() { "comment.reply" } else { "comment.create" },
        &format!("synpunkt #{id}"),
        &json!({ "before": null, "after": { "class": class.slug(), "municipality": c.municipality, "step": c.step, "body": body } }),
    )
    .await?;
    Ok(id)
}

pub(super) const COLUMNS: &str = "c.id, c.service_id, c.version_id, v.version, c.parent_id, c.municipality, c.step, c.field, c.region_x, c.region_y, c.region_w, c.region_h, c.quote, c.quote_prefix, c.quote_suffix, c.class, c.motivation, c.priority, c.body, c.status, c.status_reason, c.author_id, c.author_name, c.author_municipality, c.orphaned, c.carried_from, c.created_at, c.updated_at, c.answered_by, c.pin_shot";

/// A comment from a row of [`COLUMNS`], read by column name.
pub(super) fn row(r: &sqlx::any::AnyRow) -> Comment {
    let region = match (
        r.get::<Option<i64>, _>("region_x"),
        r.get::<Option<i64>, _>("region_y"),
        r.get::<Option<i64>, _>("region_w"),
        r.get::<Option<i64>, _>("region_h"),
    ) {
        (Some(x), Some(y), Some(w), Some(h)) => Some((x, y, w, h)),
        _ => None,
    };
    Comment {
        id: r.get("id"),
        service_id: r.get("service_id"),
        version_id: r.get("version_id"),
        version: r.get("version"),
        parent_id: r.get("parent_id"),
        municipality: r.get("municipality"),
        step: r.get("step"),
        field: r.get("field"),
        region,
        quote: r.get("quote"),
        quote_prefix: r.get("quote_prefix"),
        quote_suffix: r.get("quote_suffix"),
        class: Class::parse(&r.get::<String, _>("class")).unwrap_or(Class::Onskemal),
        motivation: r.get("motivation"),
        priority: Priority::parse(&r.get::<String, _>("priority")).unwrap_or(Priority::Normal),
        body: r.get("body"),
        status: Status::parse(&r.get::<String, _>("status")).unwrap_or(Status::Ny),
        status_reason: r.get("status_reason"),
        author_id: r.get("author_id"),
        author_name: r.get("author_name"),
        author_municipality: r.get("author_municipality"),
        orphaned: r.get("orphaned"),
        carried_from: r.get("carried_from"),
        created_at: r.get("created_at"),
        updated_at: r.get("updated_at"),
        answered_by: r.get("answered_by"),
        pin_shot: r.get("pin_shot"),
        endorsements: Vec::new(),
    }
}

async fn with_endorsements(
    db: &Store,
    mut list: Vec<Comment>,
    version_id: i64,
) -> Result<Vec<Comment>, sqlx::Error> {
    let rows = sqlx::query(
        "select e.comment_id, e.municipality from endorsements e join comments c on c.id = e.comment_id where c.version_id = $1 order by e.municipality",
    )
    .bind(version_id)
    .fetch_all(&db.pool)
    .await?;
    let mut by: HashMap<i64, Vec<String>> = HashMap::new();
    for r in &rows {
        by.entry(r.get("comment_id"))
            .or_default()
            .push(r.get("municipality"));
    }
    for c in &mut list {
        c.endorsements = by.remove(&c.id).unwrap_or_default();
    }
    Ok(list)
}

/// Every comment (and reply) on a version, oldest first.
pub async fn list(db: &Store, version_id: i64) -> Result<Vec<Comment>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "select {COLUMNS} from comments c join service_versions v on v.id = c.version_id where c.version_id = $1 order by c.id"
    ))
    .bind(version_id)
    .fetch_all(&db.pool)
    .await?;
    with_endorsements(db, rows.iter().map(row).collect(), version_id).await
}

/// The top-level comments pinned to one place of a variant (a step or a page
/// around the steps), with the regional ones on that place: open ones first,
/// then by endorsements and age. What the sandbox panel shows.
pub async fn at_place(
    db: &Store,
    version_id: i64,
    municipality: &str,
    place: &str,
) -> Result<Vec<Comment>, sqlx::Error> {
    placed(db, version_id, municipality, place, false).await
}

/// The comments other municipalities left at the same place in their own
/// variants of the version (a reviewer sees them where they test, and can
/// agree without going looking).
pub async fn elsewhere_at_place(
    db: &Store,
    version_id: i64,
    municipality: &str,
    place: &str,
) -> Result<Vec<Comment>, sqlx::Error> {
    placed(db, version_id, municipality, place, true).await
}

async fn placed(
    db: &Store,
    version_id: i64,
    municipality: &str,
    place: &str,
    elsewhere: bool,
) -> Result<Vec<Comment>, sqlx::Error> {
    let which = if elsewhere {
        "c.municipality <> $3"
    } else {
        "(c.municipality = $3 or c.municipality is null)"
    };
    let rows = sqlx::query(&format!(
        "select {COLUMNS} from comments c join service_versions v on v.id = c.version_id where c.version_id = $1 and c.parent_id is null and c.step = $2 and {which} order by c.id"
    ))
    .bind(version_id)
    .bind(place)
    .bind(municipality)
    .fetch_all(&db.pool)
    .await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.get("id")).collect();
    let mut list: Vec<Comment> = rows.iter().map(row).collect();
    if !ids.is_empty() {
        let marks = (1..=ids.len())
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "select comment_id, municipality from endorsements where comment_id in ({marks}) order by municipality"
        );
        let mut q = sqlx::query(&sql);
        for id in &ids {
            q = q.bind(id);
        }
        let mut by: HashMap<i64, Vec<String>> = HashMap::new();
        for r in q.fetch_all(&db.pool).await? {
            by.entry(r.get("comment_id"))
                .or_default()
                .push(r.get("municipality"));
        }
        for c in &mut list {
            c.endorsements = by.remove(&c.id).unwrap_or_default();
        }
    }
    list.sort_by_key(|c| {
        (
            !c.status.is_open(),
            std::cmp::Reverse(c.endorsements.len()),
            c.id,
        )
    });
    Ok(list)
}

/// The replies to a comment, oldest first.
pub async fn replies(db: &Store, id: i64) -> Result<Vec<Comment>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "select {COLUMNS} from comments c join service_versions v on v.id = c.version_id where c.parent_id = $1 order by c.id"
    ))
    .bind(id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.iter().map(row).collect())
}

pub async fn get(db: &Store, id: i64) -> Result<Option<Comment>, sqlx::Error> {
    let Some(r) = sqlx::query(&format!(
        "select {COLUMNS} from comments c join service_versions v on v.id = c.version_id where c.id = $1"
    ))
    .bind(id)
    .fetch_optional(&db.pool)
    .await?
    else {
        return Ok(None);
    };
    let mut c = row(&r);
    c.endorsements = sqlx::query_scalar(
        "select municipality from endorsements where comment_id = $1 order by municipality",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await?;
    Ok(Some(c))
}

/// Endorse on behalf of `municipality`: counted once per municipality, even
/// when many of its reviewers press at the same moment. Returns whether it was new.
pub async fn endorse(
    db: &Store,
    id: i64,
    municipality: &str,
    user: &User,
) -> Result<bool, ReviewError> {
    let mut tx = db.begin().await?;
    let author: Option<i64> = sqlx::query_scalar("select author_id from comments where id = $1")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
    match author {
        None => return Err(ReviewError::Missing),
        Some(a) if a == user.id => return Err(ReviewError::OwnComment),
        Some(_) => {}
    }
    let inserted = sqlx::query(
        "insert into endorsements (comment_id, municipality, user_id, created_at) values ($1, $2, $3, $4) on conflict do nothing",
    )
    .bind(id)
    .bind(municipality)
    .bind(user.id)
    .bind(now())
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if inserted {
        sqlx::query("update comments set endorsement_count = endorsement_count + 1 where id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        audit(
            &mut tx,
            &user.username,
            "comment.endorse",
            &format!("synpunkt #{id}"),
            &json!({ "before": null, "after": { "municipality": municipality } }),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(inserted)
}

/// Withdraw a municipality's endorsement (the reviewer changed their mind,
/// or pressed the wrong button). Returns whether there was one.
pub async fn withdraw_endorsement(
    db: &Store,
    id: i64,
    municipality: &str,
    user: &User,
) -> Result<bool, ReviewError> {
    let mut tx = db.begin().await?;
    let removed =
        sqlx::query("delete from endorsements where comment_id = $1 and municipality = $2")
            .bind(id)
            .bind(municipality)
            .execute(&mut *tx)
            .await?
            .rows_affected()
            > 0;
    if removed {
        sqlx::query("update comments set endorsement_count = endorsement_count - 1 where id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        audit(
            &mut tx,
            &user.username,
            "comment.endorse.withdraw",
            &format!("synpunkt #{id}"),
            &json!({ "before": { "municipality": municipality }, "after": null }),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(removed)
}
