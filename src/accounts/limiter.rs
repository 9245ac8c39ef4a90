//! Login attempts, rate-limited in memory: at most `MAX_FAILURES` failed
//! attempts per username and per client address in a sliding window. One
//! Provrum instance serves a region, so memory is enough; a restart forgets.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const MAX_FAILURES: usize = 5;
pub const WINDOW: Duration = Duration::from_secs(15 * 60);

#[derive(Default)]
pub struct Limiter {
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl Limiter {
    fn prune(q: &mut VecDeque<Instant>, now: Instant) {
        while q.front().is_some_and(|t| now.duration_since(*t) > WINDOW) {
            q.pop_front();
        }
    }

    /// Whether any of `keys` (e.g. `user:anna`, `ip:10.0.0.1`) has used up its attempts.
    pub fn blocked(&self, keys: &[String]) -> bool {
        let now = Instant::now();
        let Ok(mut map) = self.failures.lock() else {
            return true;
        };
        keys.iter().any(|k| {
            map.get_mut(k).is_some_and(|q| {
                Self::prune(q, now);
                q.len() >= MAX_FAILURES * if k.starts_with("ip:") { 4 } else { 1 }
            })
        })
    }

    pub fn failed(&self, keys: &[String]) {
        let now = Instant::now();
        if let Ok(mut map) = self.failures.lock() {
            if map.len() > 100_000 {
                map.retain(|_, q| q.back().is_some_and(|t| now.duration_since(*t) <= WINDOW));
            }
            for k in keys {
                map.entry(k.clone()).or_default().push_back(now);
            }
        }
    }

    pub fn succeeded(&self, keys: &[String]) {
        if let Ok(mut map) = self.failures.lock() {
            for k in keys.iter().filter(|k| k.starts_with("user:")) {
                map.remove(k);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_five_failures_for_that_user_only() {
        let l = Limiter::default();
        let anna = vec!["user:anna".to_string()];
        for _ in 0..MAX_FAILURES {
            assert!(!l.blocked(&anna));
            l.failed(&anna);
        }
        assert!(l.blocked(&anna));
        assert!(!l.blocked(&["user:bo".to_string()]));
    }
}
