//! Users, their municipalities and sessions in the database.

use sha2::{Digest, Sha256};
use sqlx::Row;
use std::collections::HashMap;

use crate::store::{Store, audit, now};

use super::{Role, User};

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("the username `{0}` is taken")]
    Taken(String),
    #[error("a username is 2–40 characters: lower-case letters, digits, `.`, `-`, `_` (got `{0}`)")]
    BadUsername(String),
    #[error("a name is 1–100 characters")]
    BadName,
    #[error("`{0}` is not a municipality in the register (see fixtures/municipalities.yaml)")]
    UnknownMunicipality(String),
    #[error("a reviewer needs at least one --municipality")]
    ReviewerWithoutMunicipality,
    #[error("only reviewers are bound to municipalities")]
    MunicipalityForNonReviewer,
    #[error("`{0}` is not an e-mail address")]
    BadEmail(String),
    #[error("{0}")]
    Password(#[from] super::password::PasswordError),
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
}

crate::store::wraps_db!(AccountError);

pub struct NewUser<'a> {
    pub username: &'a str,
    pub name: &'a str,
    pub role: Role,
    pub municipalities: &'a [String],
    pub password: &'a str,
    /// Where the review rounds' e-mail goes (optional; people can set it
    /// themselves on their account page).
    pub email: Option<&'a str>,
}

/// A plausible address: one `@`, no spaces, at most 254 characters. Whether
/// it reaches anyone only the mail server can tell.
pub fn valid_email(e: &str) -> bool {
    e.len() <= 254
        && e.matches('@').count() == 1
        && !e.starts_with('@')
        && !e.ends_with('@')
        && !e.contains(|c: char| c.is_whitespace() || c.is_control())
}

fn valid_username(u: &str) -> bool {
    (2..=40).contains(&u.len())
        && u.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
}

/// Create a user (checked, hashed, audited) and return its id.
pub async fn create(db: &Store, new: &NewUser<'_>, actor: &str) -> Result<i64, AccountError> {
    if !valid_username(new.username) {
        return Err(AccountError::BadUsername(new.username.to_string()));
    }
    let name = new.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AccountError::BadName);
    }
    let registry = crate::municipalities::Registry::builtin();
    for m in new.municipalities {
        if registry.get(m).is_none() {
            return Err(AccountError::UnknownMunicipality(m.clone()));
        }
    }
    match (new.role, new.municipalities.is_empty()) {
        (Role::Reviewer, true) => return Err(AccountError::ReviewerWithoutMunicipality),
        (Role::LegalAdviser | Role::EKontoret, false) => {
            return Err(AccountError::MunicipalityForNonReviewer);
        }
        _ => {}
    }
    let email = new.email.map(str::trim).filter(|e| !e.is_empty());
    if let Some(e) = email.filter(|e| !valid_email(e)) {
        return Err(AccountError::BadEmail(e.to_string()));
    }
    super::password::check(new.password, new.username)?;
    let hash = super::password::hash(new.password)?;
    let mut tx = db.begin().await?;
    let taken = sqlx::query("select id from users where username = $1")
        .bind(new.username)
        .fetch_optional(&mut *tx)
        .await?;
    if taken.is_some() {
        return Err(AccountError::Taken(new.username.to_string()));
    }
    let id: i64 = sqlx::query(
        "insert into users (username, name, role, password_hash, active, created_at, email) values ($1, $2, $3, $4, 1, $5, $6) returning id",
    )
    .bind(new.username)
    .bind(name)
    .bind(new.role.as_str())
    .bind(&hash)
    .bind(now())
    .bind(email)
    .fetch_one(&mut *tx)
    .await?
    .get("id");
    for m in new.municipalities {
        sqlx::query("insert into user_municipalities (user_id, municipality) values ($1, $2)")
            .bind(id)
            .bind(m)
            .execute(&mut *tx)
            .await?;
    }
    audit(
        &mut tx,
        actor,
        "user.create",
        new.username,
        &serde_json::json!({ "before": null, "after": { "name": name, "role": new.role.as_str(), "municipalities": new.municipalities } }),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Set a new password (demo users get a fresh one at every `serve --demo`).
pub async fn set_password(
    db: &Store,
    username: &str,
    password: &str,
    actor: &str,
) -> Result<(), AccountError> {
    super::password::check(password, username)?;
    let hash = super::password::hash(password)?;
    let mut tx = db.begin().await?;
    sqlx::query("update users set password_hash = $1 where username = $2")
        .bind(&hash)
        .bind(username)
        .execute(&mut *tx)
        .await?;
    // Existing sessions end with the old password.
    sqlx::query(
        "delete from user_sessions where user_id in (select id from users where username = $1)",
    )
    .bind(username)
    .execute(&mut *tx)
    .await?;
    audit(
        &mut tx,
        actor,
        "user.password",
        username,
        &serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn set_active(db: &Store, id: i64, active: bool, actor: &str) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    let before: Option<(String, i64)> =
        sqlx::query("select username, active from users where id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| (r.get("username"), r.get("active")));
    let Some((username, was)) = before else {
        return Ok(());
    };
    sqlx::query("update users set active = $1 where id = $2")
        .bind(i64::from(active))
        .bind(id)
        .execute(&mut *tx)
        .await?;
    if !active {
        sqlx::query("delete from user_sessions where user_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    audit(
        &mut tx,
        actor,
        if active {
            "user.activate"
        } else {
            "user.deactivate"
        },
        &username,
        &serde_json::json!({ "before": { "active": was == 1 }, "after": { "active": active } }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

async fn municipalities_of(db: &Store, id: i64) -> Result<Vec<String>, sqlx::Error> {
    Ok(sqlx::query(
        "select municipality from user_municipalities where user_id = $1 order by municipality",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|r| r.get("municipality"))
    .collect())
}

fn user_row(r: &sqlx::any::AnyRow, municipalities: Vec<String>) -> Option<User> {
    Some(User {
        id: r.get(0),
        username: r.get(1),
        name: r.get(2),
        role: Role::parse(&r.get::<String, _>(3))?,
        municipalities,
        active: r.get::<i64, _>(4) == 1,
    })
}

/// The user and password hash for a login name.
pub async fn for_login(db: &Store, username: &str) -> Result<Option<(User, String)>, sqlx::Error> {
    let Some(r) = sqlx::query(
        "select id, username, name, role, active, password_hash from users where username = $1",
    )
    .bind(username)
    .fetch_optional(&db.pool)
    .await?
    else {
        return Ok(None);
    };
    let id: i64 = r.get("id");
    let m = municipalities_of(db, id).await?;
    Ok(user_row(&r, m).map(|u| (u, r.get("password_hash"))))
}

pub async fn list(db: &Store) -> Result<Vec<User>, sqlx::Error> {
    let rows = sqlx::query("select id, username, name, role, active from users order by username")
        .fetch_all(&db.pool)
        .await?;
    let mut out = Vec::new();
    for r in &rows {
        let m = municipalities_of(db, r.get("id")).await?;
        out.extend(user_row(r, m));
    }
    Ok(out)
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub const SESSION_HOURS: i64 = 12;

/// A new session; the returned token goes into the cookie, only its hash is stored.
pub async fn create_session(db: &Store, user_id: i64) -> Result<String, sqlx::Error> {
    let token = hex::encode(rand::random::<[u8; 32]>());
    let expires = (chrono::Utc::now() + chrono::Duration::hours(SESSION_HOURS))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    sqlx::query("insert into user_sessions (token_hash, user_id, created_at, expires_at) values ($1, $2, $3, $4)")
        .bind(token_hash(&token))
        .bind(user_id)
        .bind(now())
        .bind(expires)
        .execute(&db.pool)
        .await?;
    Ok(token)
}

/// A staff session not used for this long has ended (ASVS 3.3: sessions
/// end after inactivity, not only at their fixed end).
pub const IDLE_MINUTES: i64 = 120;
/// How stale `last_seen` may get before a request refreshes it: one write a
/// minute per session, not one per request.
const TOUCH_SECONDS: i64 = 60;

fn ago(d: chrono::Duration) -> String {
    (chrono::Utc::now() - d).to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The active user a session token belongs to, if it has neither expired
/// nor been idle for [`IDLE_MINUTES`].
pub async fn session_user(db: &Store, token: &str) -> Result<Option<User>, sqlx::Error> {
    let hash = token_hash(token);
    let Some(r) = sqlx::query(
        "select u.id, u.username, u.name, u.role, u.active, coalesce(s.last_seen, s.created_at) as seen
         from user_sessions s join users u on u.id = s.user_id
         where s.token_hash = $1 and s.expires_at > $2 and u.active = 1
           and coalesce(s.last_seen, s.created_at) > $3",
    )
    .bind(&hash)
    .bind(now())
    .bind(ago(chrono::Duration::minutes(IDLE_MINUTES)))
    .fetch_optional(&db.pool)
    .await?
    else {
        return Ok(None);
    };
    let seen: String = r.try_get("seen")?;
    if seen < ago(chrono::Duration::seconds(TOUCH_SECONDS)) {
        sqlx::query("update user_sessions set last_seen = $1 where token_hash = $2")
            .bind(now())
            .bind(&hash)
            .execute(&db.pool)
            .await?;
    }
    let m = municipalities_of(db, r.get(0)).await?;
    Ok(user_row(&r, m))
}

pub async fn end_session(db: &Store, token: &str) -> Result<(), sqlx::Error> {
    sqlx::query("delete from user_sessions where token_hash = $1")
        .bind(token_hash(token))
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Record that e-kontoret lifted a login lock.
pub async fn audit_lift(db: &Store, actor: &str, username: &str) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    audit(
        &mut tx,
        actor,
        "user.unlock",
        username,
        &serde_json::json!({}),
    )
    .await?;
    tx.commit().await
}

/// Record a visit to the start page and return the moment it counts "new"
/// from: the previous visit. Moving around the test room within half an hour
/// keeps that moment, so going back to the start page does not empty it; a
/// first visit counts the last fortnight.
pub async fn desk_visit(db: &Store, user_id: i64) -> Result<(String, bool), sqlx::Error> {
    use chrono::{DateTime, Duration, SecondsFormat, Utc};
    let now = Utc::now();
    let stamp = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Millis, true);
    let mut tx = db.begin().await?;
    let row = sqlx::query("select desk_seen_at, desk_since from users where id = $1")
        .bind(user_id)
        .fetch_optional(&mut *tx)
        .await?;
    let (seen, since): (Option<String>, Option<String>) = match &row {
        Some(r) => (r.get("desk_seen_at"), r.get("desk_since")),
        None => (None, None),
    };
    let parse = |s: &str| {
        DateTime::parse_from_rfc3339(s)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    };
    let first = seen.is_none();
    let since = match (seen.as_deref().and_then(parse), since) {
        (Some(seen), Some(since)) if now - seen < Duration::minutes(30) => since,
        (Some(seen), _) => stamp(seen),
        (None, _) => stamp(now - Duration::days(14)),
    };
    sqlx::query("update users set desk_seen_at = $1, desk_since = $2 where id = $3")
        .bind(stamp(now))
        .bind(&since)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok((since, first))
}

/// Set (or clear, with an empty string) where a person gets review e-mail.
pub async fn set_email(db: &Store, user_id: i64, email: &str) -> Result<(), sqlx::Error> {
    let email = email.trim();
    sqlx::query("update users set email = $1 where id = $2")
        .bind(Some(email).filter(|e| !e.is_empty()))
        .bind(user_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Active users who gave an e-mail address, with it.
pub async fn with_email(db: &Store) -> Result<Vec<(User, String)>, sqlx::Error> {
    let rows = sqlx::query(
        "select id, username, name, role, active, email from users where active = 1 and email is not null order by username",
    )
    .fetch_all(&db.pool)
    .await?;
    let mut out = Vec::new();
    for r in &rows {
        let m = municipalities_of(db, r.get("id")).await?;
        if let Some(u) = user_row(r, m) {
            out.push((u, r.get("email")));
        }
    }
    Ok(out)
}

/// Where a person's review-round e-mail goes, if anywhere.
/// Every address people have given, by user id.
pub async fn emails(db: &Store) -> Result<HashMap<i64, String>, sqlx::Error> {
    let rows = sqlx::query("select id, email from users where email is not null")
        .fetch_all(&db.pool)
        .await?;
    Ok(rows.iter().map(|r| (r.get("id"), r.get("email"))).collect())
}

pub async fn email_of(db: &Store, user_id: i64) -> Result<Option<String>, sqlx::Error> {
    Ok(sqlx::query("select email from users where id = $1")
        .bind(user_id)
        .fetch_optional(&db.pool)
        .await?
        .and_then(|r| r.get("email")))
}
