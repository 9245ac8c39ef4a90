//! Failed logins, throttled so that guessing is slow but nobody can lock a
//! colleague out.
//!
//! - Per (account, client address): the first [`FREE_FAILURES`] failures cost
//!   nothing; after that each attempt must wait twice as long as the last
//!   (1 s, 2 s, 4 s … at most [`MAX_DELAY`]). A guesser on one address gets
//!   a handful of tries an hour; the account's owner elsewhere is unaffected.
//! - Per account, from all addresses together: [`ACCOUNT_CEILING`] failures
//!   in [`WINDOW`] lock the account until the window passes or e-kontoret
//!   lifts the lock (a distributed attack on one name).
//! - Per client address, over all accounts: [`CLIENT_CEILING`] failures in
//!   the window (a password spray); high, because a whole municipality may
//!   sit behind one proxy address.
//!
//! Kept in memory: one Provrum instance serves a region and a restart
//! forgets (docs/security.md says so).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const FREE_FAILURES: u32 = 3;
pub const MAX_DELAY: Duration = Duration::from_secs(15 * 60);
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
pub const ACCOUNT_CEILING: usize = 100;
pub const CLIENT_CEILING: usize = 300;

/// Whether a login attempt may be tried now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    /// This client must wait this long before trying this account again.
    Wait(Duration),
    /// The account has too many failures from everywhere: locked.
    AccountLocked,
    /// This client address has too many failures over all accounts.
    ClientBlocked,
}

#[derive(Default)]
pub struct Limiter {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// (account, client) → failures in a row and when the last one was.
    pairs: HashMap<(String, String), (u32, Instant)>,
    accounts: HashMap<String, VecDeque<Instant>>,
    clients: HashMap<String, VecDeque<Instant>>,
}

fn prune(q: &mut VecDeque<Instant>, now: Instant) -> usize {
    while q.front().is_some_and(|t| now.duration_since(*t) > WINDOW) {
        q.pop_front();
    }
    q.len()
}

/// The wait after `failures` failures in a row.
fn delay(failures: u32) -> Duration {
    if failures < FREE_FAILURES {
        return Duration::ZERO;
    }
    let exp = (failures - FREE_FAILURES).min(20);
    Duration::from_secs(1u64 << exp).min(MAX_DELAY)
}

impl Limiter {
    pub fn check(&self, account: &str, client: &str) -> Verdict {
        self.check_at(account, client, Instant::now())
    }

    fn check_at(&self, account: &str, client: &str, now: Instant) -> Verdict {
        let Ok(mut s) = self.state.lock() else {
            return Verdict::AccountLocked;
        };
        if s.accounts
            .get_mut(account)
            .is_some_and(|q| prune(q, now) >= ACCOUNT_CEILING)
        {
            return Verdict::AccountLocked;
        }
        if s.clients
            .get_mut(client)
            .is_some_and(|q| prune(q, now) >= CLIENT_CEILING)
        {
            return Verdict::ClientBlocked;
        }
        match s.pairs.get(&(account.to_string(), client.to_string())) {
            Some((n, last)) => {
                let until = *last + delay(*n);
                if until > now {
                    Verdict::Wait(until - now)
                } else {
                    Verdict::Allowed
                }
            }
            None => Verdict::Allowed,
        }
    }

    pub fn failed(&self, account: &str, client: &str) {
        self.failed_at(account, client, Instant::now())
    }

    fn failed_at(&self, account: &str, client: &str, now: Instant) {
        let Ok(mut s) = self.state.lock() else { return };
        if s.pairs.len() > 100_000 {
            s.pairs
                .retain(|_, (n, last)| now.duration_since(*last) <= WINDOW.max(delay(*n)));
            s.accounts.retain(|_, q| prune(q, now) > 0);
            s.clients.retain(|_, q| prune(q, now) > 0);
        }
        let pair = s
            .pairs
            .entry((account.to_string(), client.to_string()))
            .or_insert((0, now));
        // A failure streak is forgotten once the window has passed quietly.
        if now.duration_since(pair.1) > WINDOW.max(delay(pair.0)) {
            pair.0 = 0;
        }
        pair.0 += 1;
        pair.1 = now;
        s.accounts
            .entry(account.to_string())
            .or_default()
            .push_back(now);
        s.clients
            .entry(client.to_string())
            .or_default()
            .push_back(now);
    }

    /// A successful login clears this client's streak for the account.
    pub fn succeeded(&self, account: &str, client: &str) {
        if let Ok(mut s) = self.state.lock() {
            s.pairs.remove(&(account.to_string(), client.to_string()));
        }
    }

    /// Accounts locked now, with their failures in the window (for e-kontoret).
    pub fn locked(&self) -> Vec<(String, usize)> {
        let now = Instant::now();
        let Ok(mut s) = self.state.lock() else {
            return Vec::new();
        };
        let mut out: Vec<(String, usize)> = s
            .accounts
            .iter_mut()
            .map(|(a, q)| (a.clone(), prune(q, now)))
            .filter(|(_, n)| *n >= ACCOUNT_CEILING)
            .collect();
        out.sort();
        out
    }

    /// Lift an account's lock and every client's streak for it.
    pub fn lift(&self, account: &str) {
        if let Ok(mut s) = self.state.lock() {
            s.accounts.remove(account);
            s.pairs.retain(|(a, _), _| a != account);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_guesser_waits_longer_and_longer_but_only_on_their_address() {
        let l = Limiter::default();
        let t0 = Instant::now();
        for _ in 0..FREE_FAILURES {
            assert_eq!(l.check_at("anna", "10.0.0.9", t0), Verdict::Allowed);
            l.failed_at("anna", "10.0.0.9", t0);
        }
        assert_eq!(
            l.check_at("anna", "10.0.0.9", t0),
            Verdict::Wait(Duration::from_secs(1))
        );
        // Anna herself, from her own address, is not held up.
        assert_eq!(l.check_at("anna", "10.0.0.1", t0), Verdict::Allowed);
        let t1 = t0 + Duration::from_secs(1);
        assert_eq!(l.check_at("anna", "10.0.0.9", t1), Verdict::Allowed);
        l.failed_at("anna", "10.0.0.9", t1);
        assert_eq!(
            l.check_at("anna", "10.0.0.9", t1),
            Verdict::Wait(Duration::from_secs(2))
        );
        l.succeeded("anna", "10.0.0.9");
        assert_eq!(l.check_at("anna", "10.0.0.9", t1), Verdict::Allowed);
        assert_eq!(delay(40), MAX_DELAY);
    }

    #[test]
    fn a_shared_proxy_does_not_lock_every_account() {
        let l = Limiter::default();
        let t = Instant::now();
        // 20 people behind one address each mistype twice.
        for i in 0..20 {
            for _ in 0..2 {
                l.failed_at(&format!("user{i}"), "proxy", t);
            }
        }
        assert_eq!(l.check_at("user0", "proxy", t), Verdict::Allowed);
        assert_eq!(l.check_at("someone-else", "proxy", t), Verdict::Allowed);
    }

    #[test]
    fn the_account_ceiling_locks_until_lifted() {
        let l = Limiter::default();
        let t = Instant::now();
        for i in 0..ACCOUNT_CEILING {
            l.failed_at("anna", &format!("10.0.{}.{}", i / 250, i % 250), t);
        }
        assert_eq!(l.check_at("anna", "10.9.9.9", t), Verdict::AccountLocked);
        assert_eq!(l.locked(), vec![("anna".to_string(), ACCOUNT_CEILING)]);
        l.lift("anna");
        assert_eq!(l.check_at("anna", "10.9.9.9", t), Verdict::Allowed);
        assert!(l.locked().is_empty());
    }
}
