//! The comment list's pages: a version's top-level comments matching the
//! list's filters, a page at a time, with how many match and how many there
//! are in all.

use sqlx::Row;

use crate::store::Store;

use super::model::Comment;
use super::store::{COLUMNS, row};

/// What the list page filters by; empty strings mean "any".
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub municipality: String,
    pub class: String,
    /// A status slug, or `oppna` for every open status.
    pub status: String,
    pub step: String,
    pub min_endorsements: Option<i64>,
}

/// Where a page of the list starts: after the comment with this id (the
/// "Nästa" link carries it, so a page reads only its own rows by index), or
/// at an offset (a page reached any other way).
#[derive(Debug, Clone, Copy)]
pub enum Start {
    After(i64),
    Offset(i64),
}

/// One page of a version's top-level comments matching `f`, with reply
/// counts, how many match, and how many there are in all. Only the filters
/// in use become SQL conditions; the counts of endorsements and replies are
/// the comments' own columns, a municipality's comments and endorsements are
/// found by index, and the page reads only its own rows: a view no longer
/// touches every comment of the version.
pub async fn page(
    db: &Store,
    version_id: i64,
    f: &Filter,
    from: Start,
    limit: i64,
) -> Result<(Vec<(Comment, i64)>, i64, i64), sqlx::Error> {
    let mut cond = vec![
        "c.version_id = $1".to_string(),
        "c.parent_id is null".to_string(),
    ];
    let mut texts: Vec<String> = Vec::new();
    let param = |value: &str, texts: &mut Vec<String>| {
        texts.push(value.to_string());
        format!("${}", texts.len() + 1)
    };
    if !f.municipality.is_empty() {
        let p = param(&f.municipality, &mut texts);
        cond.push(format!("(c.municipality = {p} or c.id in (select e.comment_id from endorsements e where e.municipality = {p}))"));
    }
    if !f.class.is_empty() {
        let p = param(&f.class, &mut texts);
        cond.push(format!("c.class = {p}"));
    }
    match f.status.as_str() {
        "" => {}
        "oppna" => cond.push("c.status in ('ny', 'accepterad', 'uppskjuten')".into()),
        s => {
            let p = param(s, &mut texts);
            cond.push(format!("c.status = {p}"));
        }
    }
    if !f.step.is_empty() {
        let p = param(&f.step, &mut texts);
        cond.push(format!("c.step = {p}"));
    }
    if let Some(n) = f.min_endorsements.filter(|n| *n > 0) {
        // An integer we parsed: safe to inline.
        cond.push(format!("c.endorsement_count >= {n}"));
    }
    let n = texts.len();
    let (after, offset) = match from {
        Start::After(id) => (id, 0),
        Start::Offset(o) => (0, o.max(0)),
    };
    let sql = format!(
        "select {COLUMNS}, c.reply_count as replies from comments c join service_versions v on v.id = c.version_id where {} and c.id > ${} order by c.id limit ${} offset ${}",
        cond.join(" and "),
        n + 2,
        n + 3,
        n + 4
    );
    let mut q = sqlx::query(&sql).bind(version_id);
    for t in &texts {
        q = q.bind(t.clone());
    }
    let rows = q
        .bind(after)
        .bind(limit)
        .bind(offset)
        .fetch_all(&db.pool)
        .await?;
    let count = format!(
        "select count(*) from comments c where {}",
        cond.join(" and ")
    );
    let mut q = sqlx::query_scalar(&count).bind(version_id);
    for t in &texts {
        q = q.bind(t.clone());
    }
    let matching: i64 = q.fetch_one(&db.pool).await?;
    let total: i64 = if texts.is_empty() && cond.len() == 2 {
        matching
    } else {
        sqlx::query_scalar(
            "select count(*) from comments where version_id = $1 and parent_id is null",
        )
        .bind(version_id)
        .fetch_one(&db.pool)
        .await?
    };
    let mut out: Vec<(Comment, i64)> = rows
        .iter()
        .map(|r| (row(r), r.get::<i64, _>("replies")))
        .collect();
    if !out.is_empty() {
        let ids: Vec<String> = out.iter().map(|(c, _)| c.id.to_string()).collect();
        // Integers from our own rows: safe to inline.
        let sql = format!(
            "select comment_id, municipality from endorsements where comment_id in ({}) order by municipality",
            ids.join(",")
        );
        let rows = sqlx::query(&sql).fetch_all(&db.pool).await?;
        for r in &rows {
            let id: i64 = r.get(0);
            if let Some((c, _)) = out.iter_mut().find(|(c, _)| c.id == id) {
                c.endorsements.push(r.get(1));
            }
        }
    }
    Ok((out, matching, total))
}
