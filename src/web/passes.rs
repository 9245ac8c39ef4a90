//! Passes for the test room's own browsers. A scenario run or capture walk
//! reads sandbox cases (the inbox is for staff) and submits many of them
//! (citizens are rate-limited): its browser carries a pass instead of a
//! staff login. A pass is a random token issued for one run, handed to the
//! run's browser as an HttpOnly cookie for the test room's origin alone, and
//! revoked when the run ends (the last copy of its browser options is
//! dropped).
//!
//! The issuing process knows its passes at once (memory); the token's
//! SHA-256 also goes into `runner_passes`, so a replica the browser reaches
//! through a load balancer honours it too. A pass expires after
//! [`LIFETIME`] even if its process died without revoking it.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};

use crate::browser::Pass;
use crate::store::Store;

pub const COOKIE: &str = "provrum_runner";

/// The longest a pass lives (a release check's runs take minutes).
const LIFETIME: chrono::Duration = chrono::Duration::hours(12);

pub struct Passes {
    valid: Mutex<HashSet<String>>,
    store: Store,
}

/// Revokes its token when dropped.
struct Revoke {
    passes: Arc<Passes>,
    token: String,
}

impl Drop for Revoke {
    fn drop(&mut self) {
        if let Ok(mut v) = self.passes.valid.lock() {
            v.remove(&self.token);
        }
        let (store, hash) = (self.passes.store.clone(), hash(&self.token));
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            rt.spawn(async move {
                let _ = sqlx::query("delete from runner_passes where token_hash = $1")
                    .bind(hash)
                    .execute(&store.pool)
                    .await;
            });
        }
    }
}

fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

impl Passes {
    pub fn new(store: Store) -> Passes {
        Passes {
            valid: Mutex::new(HashSet::new()),
            store,
        }
    }

    /// A new pass for a run's browsers on `origin`.
    pub fn issue(self: &Arc<Self>, origin: &str) -> Pass {
        let token = hex::encode(rand::random::<[u8; 32]>());
        if let Ok(mut v) = self.valid.lock() {
            v.insert(token.clone());
        }
        // Other replicas learn of it as soon as the row is in; the browser
        // that carries it takes far longer to start.
        let (store, h) = (self.store.clone(), hash(&token));
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            rt.spawn(async move {
                let now = chrono::Utc::now();
                let _ = sqlx::query("delete from runner_passes where expires_at <= $1")
                    .bind(crate::clock::stored(now))
                    .execute(&store.pool)
                    .await;
                let _ = sqlx::query(
                    "insert into runner_passes (token_hash, expires_at) values ($1, $2)",
                )
                .bind(h)
                .bind(crate::clock::stored(now + LIFETIME))
                .execute(&store.pool)
                .await;
            });
        }
        Pass {
            url: origin.to_string(),
            name: COOKIE.to_string(),
            value: token.clone(),
            keep: Arc::new(Revoke {
                passes: self.clone(),
                token,
            }),
        }
    }

    /// Whether `token` is a live pass of this process or of any replica.
    pub async fn is_valid(&self, token: &str) -> bool {
        if self.valid.lock().is_ok_and(|v| v.contains(token)) {
            return true;
        }
        let found: Result<i64, _> = sqlx::query_scalar(
            "select count(*) from runner_passes where token_hash = $1 and expires_at > $2",
        )
        .bind(hash(token))
        .bind(crate::clock::stored(chrono::Utc::now()))
        .fetch_one(&self.store.pool)
        .await;
        found.is_ok_and(|n| n > 0)
    }

    /// Whether this request comes from one of the test room's runs.
    pub async fn carried(&self, headers: &axum::http::HeaderMap) -> bool {
        match super::cookies::cookie_map(headers, COOKIE) {
            Some(t) if t.len() == 64 => self.is_valid(&t).await,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_pass_is_valid_on_every_replica_until_its_run_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("p.db").display());
        let store = Store::open(&url).await.unwrap();
        let here = Arc::new(Passes::new(store.clone()));
        let there = Passes::new(Store::open(&url).await.unwrap());
        let pass = here.issue("http://127.0.0.1:1");
        let copy = pass.clone();
        assert!(here.is_valid(&pass.value).await);
        assert!(!here.is_valid("forged").await);
        let mut seen = false;
        for _ in 0..50 {
            if there.is_valid(&pass.value).await {
                seen = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert!(seen, "another replica honours the pass");
        drop(pass);
        assert!(here.is_valid(&copy.value).await, "a copy still holds it");
        let token = copy.value.clone();
        drop(copy);
        let mut gone = false;
        for _ in 0..50 {
            if !there.is_valid(&token).await && !here.is_valid(&token).await {
                gone = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert!(gone, "revoked everywhere");
    }
}
