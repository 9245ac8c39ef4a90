//! Passes for the test room's own browsers. A scenario run or capture walk
//! reads sandbox cases (the inbox is for staff) and submits many of them
//! (citizens are rate-limited): its browser carries a pass instead of a
//! staff login. A pass is a random token issued for one run, held only in
//! this process's memory, handed to the run's browser as an HttpOnly cookie
//! for the test room's origin alone, and revoked when the run ends (the last
//! copy of its browser options is dropped).

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use crate::browser::Pass;

pub const COOKIE: &str = "provrum_runner";

#[derive(Default)]
pub struct Passes {
    valid: Mutex<HashSet<String>>,
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
    }
}

impl Passes {
    /// A new pass for a run's browsers on `origin`.
    pub fn issue(self: &Arc<Self>, origin: &str) -> Pass {
        let token = hex::encode(rand::random::<[u8; 32]>());
        if let Ok(mut v) = self.valid.lock() {
            v.insert(token.clone());
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

    pub fn is_valid(&self, token: &str) -> bool {
        self.valid.lock().is_ok_and(|v| v.contains(token))
    }
}

/// Whether this request comes from one of this process's runs.
pub fn carried(state: &super::AppState, headers: &axum::http::HeaderMap) -> bool {
    super::cookie_map(headers, COOKIE).is_some_and(|t| state.passes.is_valid(&t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pass_is_valid_until_its_run_lets_go() {
        let passes = Arc::new(Passes::default());
        let pass = passes.issue("http://127.0.0.1:1");
        let copy = pass.clone();
        assert!(passes.is_valid(&pass.value));
        assert!(!passes.is_valid("forged"));
        drop(pass);
        assert!(passes.is_valid(&copy.value), "a copy still holds it");
        let token = copy.value.clone();
        drop(copy);
        assert!(!passes.is_valid(&token));
    }
}
