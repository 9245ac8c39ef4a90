//! What is new for one person: replies to their comments and comments on
//! their municipalities' variants since a moment, open legal questions, and
//! untriaged comments. The start page ("what waits for me") reads these.

use sqlx::Row;

use crate::store::Store;

/// A comment or reply in a short list, with where it belongs.
#[derive(Debug, Clone)]
pub struct Note {
    /// The thread to open (the comment itself, or the one replied to).
    pub thread: i64,
    pub service_id: String,
    pub version: String,
    pub service_title: String,
    pub municipality: Option<String>,
    pub class: String,
    pub author_name: String,
    pub body: String,
    pub created_at: String,
}

const NOTE: &str = "v.service_id, v.version, v.title, c.municipality, c.class, c.author_name, c.body, c.created_at";

fn note(thread: i64, r: &sqlx::any::AnyRow) -> Note {
    Note {
        thread,
        service_id: r.get(1),
        version: r.get(2),
        service_title: r.get(3),
        municipality: r.get(4),
        class: r.get(5),
        author_name: r.get(6),
        body: r.get(7),
        created_at: r.get(8),
    }
}

/// Replies by others to `author`'s comments after `since`, newest first.
pub async fn replies_to(
    db: &Store,
    author: i64,
    since: &str,
    limit: i64,
) -> Result<Vec<Note>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "select c.parent_id, {NOTE} from comments c join comments p on p.id = c.parent_id join service_versions v on v.id = c.version_id
         where p.author_id = $1 and c.author_id <> $1 and c.created_at > $2 order by c.id desc limit $3"
    ))
    .bind(author)
    .bind(since)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.iter().map(|r| note(r.get("parent_id"), r)).collect())
}

/// Others' comments on `municipalities`' variants after `since`, newest first.
/// Decisions by others on `author`'s comments after `since` (a new status,
/// with its reason), newest first: what became of what they said.
pub async fn decisions_on(
    db: &Store,
    author: i64,
    since: &str,
    limit: i64,
) -> Result<Vec<Note>, sqlx::Error> {
    let rows = sqlx::query(
        "select c.id, v.service_id, v.version, v.title, c.municipality, c.class, r.actor_name, r.after_value, r.at, r.note
         from comment_revisions r join comments c on c.id = r.comment_id join service_versions v on v.id = c.version_id
         where c.author_id = $1 and r.actor_id <> $1 and r.field = 'status' and r.at > $2 order by r.id desc limit $3",
    )
    .bind(author)
    .bind(since)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .iter()
        .map(|r| {
            let after: Option<String> = r.get("after_value");
            let status = after
                .as_deref()
                .and_then(super::Status::parse)
                .map_or("ändrad", super::Status::swedish);
            let reason: Option<String> = r.get("note");
            let mut n = note(r.get("id"), r);
            n.body = match reason.filter(|t| !t.trim().is_empty()) {
                Some(why) => format!("Ny status: {status}. {why}"),
                None => format!("Ny status: {status}."),
            };
            n
        })
        .collect())
}

pub async fn on_variants(
    db: &Store,
    municipalities: &[String],
    not_by: i64,
    since: &str,
    limit: i64,
) -> Result<Vec<Note>, sqlx::Error> {
    if municipalities.is_empty() {
        return Ok(Vec::new());
    }
    let marks: Vec<String> = (0..municipalities.len())
        .map(|i| format!("${}", i + 4))
        .collect();
    let sql = format!(
        "select c.id, {NOTE} from comments c join service_versions v on v.id = c.version_id
         where c.parent_id is null and c.author_id <> $1 and c.created_at > $2 and c.municipality in ({})
         order by c.id desc limit $3",
        marks.join(", ")
    );
    let mut q = sqlx::query(&sql).bind(not_by).bind(since).bind(limit);
    for m in municipalities {
        q = q.bind(m);
    }
    let rows = q.fetch_all(&db.pool).await?;
    Ok(rows.iter().map(|r| note(r.get(0), r)).collect())
}

/// Open comments of one class on a version (the legal questions), oldest first.
pub async fn open_of_class(
    db: &Store,
    version_id: i64,
    class: super::Class,
) -> Result<Vec<Note>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "select c.id, {NOTE} from comments c join service_versions v on v.id = c.version_id
         where c.version_id = $1 and c.parent_id is null and c.class = $2 and c.status in ('ny', 'accepterad', 'uppskjuten')
         order by c.id"
    ))
    .bind(version_id)
    .bind(class.slug())
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.iter().map(|r| note(r.get("id"), r)).collect())
}

/// How many comments on a version e-kontoret has not triaged yet.
pub async fn untriaged(db: &Store, version_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "select count(*) from comments where version_id = $1 and parent_id is null and status = 'ny'",
    )
    .bind(version_id)
    .fetch_one(&db.pool)
    .await
}

/// The next comment of the version that waits for e-kontoret's position
/// (status "ny"), after `after` in order and then from the start: where
/// triage goes on to.
pub async fn next_untriaged(
    db: &Store,
    version_id: i64,
    after: i64,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "select id from comments where version_id = $1 and parent_id is null and status = 'ny' and id <> $2
         order by case when id > $2 then 0 else 1 end, id limit 1",
    )
    .bind(version_id)
    .bind(after)
    .fetch_optional(&db.pool)
    .await
}
