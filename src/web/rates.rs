//! Sliding-window rate limits for what anyone may do in bulk: start sandbox
//! sessions and send cases (per client address), start scenario runs (per
//! user). Kept in memory, like the login throttle.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

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
/// Scenario runs started per user.
pub const RUN_STARTS: Limit = Limit {
    max: 5,
    window: TEN_MINUTES,
};

#[derive(Default)]
pub struct Rates {
    hits: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl Rates {
    /// Count one request for `key` if the limit allows it.
    pub fn allow(&self, key: &str, limit: Limit) -> bool {
        self.allow_at(key, limit, Instant::now())
    }

    fn allow_at(&self, key: &str, limit: Limit, now: Instant) -> bool {
        let Ok(mut hits) = self.hits.lock() else {
            return false;
        };
        if hits.len() > 100_000 {
            hits.retain(|_, q| {
                q.back()
                    .is_some_and(|t| now.duration_since(*t) < TEN_MINUTES)
            });
        }
        let q = hits.entry(key.to_string()).or_default();
        while q
            .front()
            .is_some_and(|t| now.duration_since(*t) >= limit.window)
        {
            q.pop_front();
        }
        if q.len() >= limit.max {
            return false;
        }
        q.push_back(now);
        true
    }
}

/// The client's address, for per-client limits.
pub fn client(req_ext: &axum::http::Extensions) -> String {
    req_ext
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_gets_its_quota_per_window() {
        let r = Rates::default();
        let limit = Limit {
            max: 3,
            window: Duration::from_secs(60),
        };
        let t = Instant::now();
        assert!((0..3).all(|_| r.allow_at("a", limit, t)));
        assert!(!r.allow_at("a", limit, t));
        assert!(r.allow_at("b", limit, t), "another key is not affected");
        assert!(r.allow_at("a", limit, t + Duration::from_secs(61)));
    }
}
