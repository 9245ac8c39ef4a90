//! Sliding-window rate limits for what anyone may do in bulk: start sandbox
//! sessions and send cases (per client address), start scenario runs (per
//! user). Kept in the database, like the login throttle, so that replicas
//! share them.

use std::time::Duration;

use crate::store::Store;

/// How many of one kind of request a key may make in a window.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub max: usize,
    pub window: Duration,
}

const TEN_MINUTES: Duration = Duration::from_secs(600);
/// Sandbox sessions started per client address.
pub const SESSION_STARTS: Limit = Limit {
    max: 60,
    window: TEN_MINUTES,
};
/// Sandbox cases sent per client address.
pub const CASES: Limit = Limit {
    max: 20,
    window: TEN_MINUTES,
};
/// Bytes a client address may upload to sandbox sessions in an hour: a
/// reviewer trying every file question of a service with large files many
/// times over stays far below; a script filling the disk does not.
pub const UPLOAD_BYTES: Limit = Limit {
    max: 200 * 1024 * 1024,
    window: Duration::from_secs(3600),
};
/// Scenario runs started per user.
pub const RUN_STARTS: Limit = Limit {
    max: 5,
    window: TEN_MINUTES,
};

/// Count one request for `key` if the limit allows it. Counted in the
/// database, so every replica on it shares the count; the check and the
/// count are one transaction (two replicas may still both let the last
/// request of a window through: a limit, not an exact quota).
pub async fn allow(db: &Store, key: &str, limit: Limit) -> Result<bool, sqlx::Error> {
    allow_weighted(db, key, 1, limit).await
}

/// [`allow`] for a request that counts `weight` towards `limit.max` (bytes
/// uploaded, say): refused when the window's total would pass the limit.
pub async fn allow_weighted(
    db: &Store,
    key: &str,
    weight: u64,
    limit: Limit,
) -> Result<bool, sqlx::Error> {
    let now = chrono::Utc::now();
    let window = chrono::Duration::from_std(limit.window).unwrap_or_default();
    let mut tx = db.begin().await?;
    sqlx::query("delete from rate_hits where key = $1 and at <= $2")
        .bind(key)
        .bind(crate::clock::stored(now - window))
        .execute(&mut *tx)
        .await?;
    let n: i64 = sqlx::query_scalar(
        "select cast(coalesce(sum(weight), 0) as bigint) from rate_hits where key = $1",
    )
    .bind(key)
    .fetch_one(&mut *tx)
    .await?;
    if (n.max(0) as u64).saturating_add(weight) > limit.max as u64 {
        tx.rollback().await?;
        return Ok(false);
    }
    sqlx::query("insert into rate_hits (key, at, weight) values ($1, $2, $3)")
        .bind(key)
        .bind(crate::clock::stored(now))
        .bind(weight.min(i64::MAX as u64) as i64)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(true)
}

/// The client's address, for per-client limits.
pub fn client(req_ext: &axum::http::Extensions) -> String {
    req_ext
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// The client's address as a handler argument (`Client(ip): Client`), for
/// handlers that also read their form with `csrf::Checked`.
pub struct Client(pub String);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(Client(client(&parts.extensions)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_key_gets_its_quota_per_window_on_every_replica() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("r.db").display());
        let (one, two) = (
            Store::open(&url).await.unwrap(),
            Store::open(&url).await.unwrap(),
        );
        let limit = Limit {
            max: 3,
            window: Duration::from_secs(60),
        };
        assert!(allow(&one, "a", limit).await.unwrap());
        assert!(allow(&two, "a", limit).await.unwrap());
        assert!(allow(&one, "a", limit).await.unwrap());
        assert!(
            !allow(&two, "a", limit).await.unwrap(),
            "the other replica counts too"
        );
        assert!(
            allow(&two, "b", limit).await.unwrap(),
            "another key is not affected"
        );
        sqlx::query("update rate_hits set at = '2000-01-01T00:00:00.000Z'")
            .execute(&one.pool)
            .await
            .unwrap();
        assert!(allow(&one, "a", limit).await.unwrap(), "a new window");
    }
}
