//! Pin by click (BugHerd's pin, without its browser extension): a reviewer
//! points at something on a sandbox page; Provrum renders that very sandbox
//! session's page in its own headless Chromium (the session lives on the
//! server, so nothing is uploaded), finds what was pointed at, draws the
//! marker into the PNG and keeps it with the comment that is then saved.
//!
//! The page is rendered at the reviewer's own width with what they had typed
//! but not yet saved filled in, so the picture is what they saw. What was
//! pointed at travels as a path of element positions from `<body>` (the
//! staff's own additions skipped), because the test room's render has no
//! staff panel and coordinates would not carry over.

mod pointed;
mod render;

pub use pointed::{PointError, Pointed};
pub use render::{Marker, Rendered, Session, render};

use sqlx::Row;

use crate::store::{Store, WriteTx};

/// A shot as stored.
#[derive(Debug, Clone)]
pub struct Shot {
    pub token: String,
    pub state: ShotState,
    pub artifact: Option<String>,
    pub marker: Option<(i64, i64, i64, i64)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShotState {
    Pending,
    Ready,
    Failed,
}

impl ShotState {
    pub fn slug(self) -> &'static str {
        match self {
            ShotState::Pending => "pending",
            ShotState::Ready => "ok",
            ShotState::Failed => "failed",
        }
    }

    fn parse(s: &str) -> ShotState {
        match s {
            "ok" => ShotState::Ready,
            "failed" => ShotState::Failed,
            _ => ShotState::Pending,
        }
    }
}

/// Record a shot about to be rendered, owned by `user_id`; returns its token.
pub async fn begin(
    store: &Store,
    user_id: i64,
    version_id: i64,
    municipality: &str,
    place: &str,
) -> Result<String, sqlx::Error> {
    let token = hex::encode(rand::random::<[u8; 16]>());
    sqlx::query("insert into pin_shots (token, user_id, version_id, municipality, place, state, created_at) values ($1, $2, $3, $4, $5, 'pending', $6)")
        .bind(&token)
        .bind(user_id)
        .bind(version_id)
        .bind(municipality)
        .bind(place)
        .bind(crate::store::now())
        .execute(&store.pool)
        .await?;
    Ok(token)
}

/// Store the outcome of a render.
pub async fn finish(
    store: &Store,
    token: &str,
    done: Option<(&str, &Rendered)>,
) -> Result<(), sqlx::Error> {
    let (state, artifact, w, h, m) = match done {
        Some((sha, r)) => (
            ShotState::Ready,
            Some(sha),
            Some(i64::from(r.width)),
            Some(i64::from(r.height)),
            r.marker,
        ),
        None => (ShotState::Failed, None, None, None, None),
    };
    sqlx::query("update pin_shots set state = $1, artifact = $2, width = $3, height = $4, box_x = $5, box_y = $6, box_w = $7, box_h = $8 where token = $9")
        .bind(state.slug())
        .bind(artifact)
        .bind(w)
        .bind(h)
        .bind(m.map(|m| m.x))
        .bind(m.map(|m| m.y))
        .bind(m.map(|m| m.w))
        .bind(m.map(|m| m.h))
        .bind(token)
        .execute(&store.pool)
        .await?;
    Ok(())
}

/// The token if it names a shot of `user_id` on this variant, else `None`
/// (someone else's or a stale token is not kept with a comment).
pub async fn owned(
    tx: &mut WriteTx,
    token: &str,
    user_id: i64,
    version_id: i64,
    municipality: &str,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("select token from pin_shots where token = $1 and user_id = $2 and version_id = $3 and municipality = $4")
        .bind(token)
        .bind(user_id)
        .bind(version_id)
        .bind(municipality)
        .fetch_optional(&mut **tx)
        .await
}

pub async fn get(store: &Store, token: &str) -> Result<Option<Shot>, sqlx::Error> {
    let row = sqlx::query(
        "select token, state, artifact, box_x, box_y, box_w, box_h from pin_shots where token = $1",
    )
    .bind(token)
    .fetch_optional(&store.pool)
    .await?;
    Ok(row.map(|r| Shot {
        token: r.get("token"),
        state: ShotState::parse(&r.get::<String, _>("state")),
        artifact: r.get("artifact"),
        marker: match (
            r.get("box_x"),
            r.get("box_y"),
            r.get("box_w"),
            r.get("box_h"),
        ) {
            (Some(x), Some(y), Some(w), Some(h)) => Some((x, y, w, h)),
            _ => None,
        },
    }))
}

/// Forget shots older than `before` that no comment keeps (the reviewer
/// pointed and then did not save).
pub async fn sweep(store: &Store, before: &str) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("delete from pin_shots where created_at < $1 and token not in (select pin_shot from comments where pin_shot is not null)")
        .bind(before)
        .execute(&store.pool)
        .await?
        .rows_affected())
}

/// Sweep unused shots with the sandbox's own rhythm and age limit.
pub async fn sweep_forever(store: Store) {
    use crate::sandbox::cleanup::{EVERY, IDLE, before_now};
    let mut tick = tokio::time::interval(EVERY);
    loop {
        tick.tick().await;
        match sweep(&store, &before_now(IDLE)).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(shots = n, "unused pin screenshots forgotten"),
            Err(e) => tracing::warn!(error = %e, "sweeping pin screenshots failed"),
        }
    }
}
