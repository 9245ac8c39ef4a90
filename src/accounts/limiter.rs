//! Failed logins, throttled so that guessing is slow but nobody can lock a
//! colleague out.
//!
//! - Per (account, client address): the first [`FREE_FAILURES`] failures cost
//!   nothing; after that each attempt must wait twice as long as the last
//!   (1 s, 2 s, 4 s … at most [`MAX_DELAY`]). A guesser on one address gets
//!   a handful of tries an hour; the account's owner elsewhere is unaffected.
//! - Per account, from all addresses together: [`ACCOUNT_CEILING`] failures
//!   in [`WINDOW`] lock the account for unknown devices until the window
//!   passes or e-kontoret lifts the lock (`provrum user unlock`, or the
//!   users page): a distributed attack on one name.
//! - Per client address, over all accounts: [`CLIENT_CEILING`] failures in
//!   the window (a password spray); high, because a whole municipality may
//!   sit behind one proxy address.
//! - A known device (a browser that has logged in to the account before and
//!   keeps its device cookie, OWASP's "device cookies") is held to its own
//!   streak only: neither ceiling applies to it, so nobody can lock the
//!   owner — e-kontoret included — out from a browser they already use, and
//!   a stolen device cookie still buys only a slow trickle of guesses.
//!
//! Kept in the database (`login_failures`, `login_streaks`): every web
//! replica on one database counts the same failures, and a restart does not
//! forget them. The decision itself is the pure [`judge`].

use chrono::{DateTime, Utc};
use sqlx::Row;
use std::time::Duration;

use crate::store::Store;

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

/// The wait after `failures` failures in a row.
fn delay(failures: u32) -> Duration {
    if failures < FREE_FAILURES {
        return Duration::ZERO;
    }
    let exp = (failures - FREE_FAILURES).min(20);
    Duration::from_secs(1u64 << exp).min(MAX_DELAY)
}

fn window_start(now: DateTime<Utc>) -> String {
    crate::clock::stored(now - chrono::Duration::from_std(WINDOW).unwrap_or_default())
}

/// What the failures say: the account's and the client's failures in the
/// window, and this pair's streak (failures in a row, the last one's time).
pub fn judge(
    account_failures: usize,
    client_failures: usize,
    streak: Option<(u32, DateTime<Utc>)>,
    now: DateTime<Utc>,
) -> Verdict {
    if account_failures >= ACCOUNT_CEILING {
        return Verdict::AccountLocked;
    }
    if client_failures >= CLIENT_CEILING {
        return Verdict::ClientBlocked;
    }
    match streak {
        Some((n, last)) => {
            let until = last + chrono::Duration::from_std(delay(n)).unwrap_or_default();
            match (until - now).to_std() {
                Ok(d) if !d.is_zero() => Verdict::Wait(d),
                _ => Verdict::Allowed,
            }
        }
        None => Verdict::Allowed,
    }
}

async fn count(db: &Store, column: &str, value: &str, since: &str) -> Result<usize, sqlx::Error> {
    let n: i64 = sqlx::query_scalar(&format!(
        "select count(*) from login_failures where {column} = $1 and at > $2"
    ))
    .bind(value)
    .bind(since)
    .fetch_one(&db.pool)
    .await?;
    Ok(n as usize)
}

async fn streak(
    db: &Store,
    account: &str,
    client: &str,
) -> Result<Option<(u32, DateTime<Utc>)>, sqlx::Error> {
    let row = sqlx::query(
        "select failures, last_at from login_streaks where account = $1 and client = $2",
    )
    .bind(account)
    .bind(client)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.and_then(|r| {
        let n: i64 = r.get("failures");
        let at: String = r.get("last_at");
        let at = DateTime::parse_from_rfc3339(&at).ok()?.with_timezone(&Utc);
        Some((n as u32, at))
    }))
}

/// Who tries to log in to an account: the client address, and the device
/// cookie the browser sent (if any).
#[derive(Debug, Clone, Copy)]
pub struct Attempt<'a> {
    pub account: &'a str,
    pub client: &'a str,
    pub device: Option<&'a str>,
}

/// The cookie that marks a browser as a known device of its accounts.
pub const DEVICE_COOKIE: &str = "provrum_enhet";
/// How long a device is remembered.
pub const DEVICE_DAYS: i64 = 180;

fn device_hash(token: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(token.as_bytes()))
}

/// The streak key of a known device of this account, else `None`.
async fn known_device(db: &Store, a: Attempt<'_>) -> Result<Option<String>, sqlx::Error> {
    let Some(token) = a.device.filter(|t| t.len() == 64) else {
        return Ok(None);
    };
    let h = device_hash(token);
    let since = crate::clock::stored(Utc::now() - chrono::Duration::days(DEVICE_DAYS));
    let found: Option<String> = sqlx::query_scalar(
        "select token_hash from login_devices where token_hash = $1 and account = $2 and created_at > $3",
    )
    .bind(&h)
    .bind(a.account)
    .bind(since)
    .fetch_optional(&db.pool)
    .await?;
    Ok(found.map(|h| format!("enhet:{}", &h[..16])))
}

pub async fn check(db: &Store, a: Attempt<'_>) -> Result<Verdict, sqlx::Error> {
    let now = Utc::now();
    if let Some(key) = known_device(db, a).await? {
        return Ok(judge(0, 0, streak(db, a.account, &key).await?, now));
    }
    let since = window_start(now);
    Ok(judge(
        count(db, "account", a.account, &since).await?,
        count(db, "client", a.client, &since).await?,
        streak(db, a.account, a.client).await?,
        now,
    ))
}

/// Record a failed attempt: on a known device against its own streak,
/// elsewhere against the address's.
pub async fn failed(db: &Store, a: Attempt<'_>) -> Result<(), sqlx::Error> {
    match known_device(db, a).await? {
        Some(key) => failed_from(db, a.account, &key).await,
        None => failed_from(db, a.account, a.client).await,
    }
}

/// A successful login clears the streak; a browser without a device
/// cookie for this account gets one (returned, to be set).
pub async fn succeeded(db: &Store, a: Attempt<'_>) -> Result<Option<String>, sqlx::Error> {
    if let Some(key) = known_device(db, a).await? {
        clear_streak(db, a.account, &key).await?;
        return Ok(None);
    }
    clear_streak(db, a.account, a.client).await?;
    let token = hex::encode(rand::random::<[u8; 32]>());
    sqlx::query("insert into login_devices (token_hash, account, created_at) values ($1, $2, $3)")
        .bind(device_hash(&token))
        .bind(a.account)
        .bind(crate::store::now())
        .execute(&db.pool)
        .await?;
    Ok(Some(token))
}

/// Record a failed attempt (one transaction): the failure, and the pair's
/// streak, restarted when the last failure is older than the window.
async fn failed_from(db: &Store, account: &str, client: &str) -> Result<(), sqlx::Error> {
    let now = Utc::now();
    let previous = streak(db, account, client).await?;
    let failures = match previous {
        Some((n, last))
            if (now - last)
                .to_std()
                .is_ok_and(|d| d <= WINDOW.max(delay(n))) =>
        {
            n + 1
        }
        _ => 1,
    };
    let mut tx = db.begin().await?;
    // Failures older than the window count for nothing: drop them here.
    sqlx::query("delete from login_failures where at <= $1")
        .bind(window_start(now))
        .execute(&mut *tx)
        .await?;
    sqlx::query("insert into login_failures (account, client, at) values ($1, $2, $3)")
        .bind(account)
        .bind(client)
        .bind(crate::clock::stored(now))
        .execute(&mut *tx)
        .await?;
    sqlx::query("insert into login_streaks (account, client, failures, last_at) values ($1, $2, $3, $4) on conflict (account, client) do update set failures = excluded.failures, last_at = excluded.last_at")
        .bind(account)
        .bind(client)
        .bind(failures as i64)
        .bind(crate::clock::stored(now))
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

async fn clear_streak(db: &Store, account: &str, client: &str) -> Result<(), sqlx::Error> {
    sqlx::query("delete from login_streaks where account = $1 and client = $2")
        .bind(account)
        .bind(client)
        .execute(&db.pool)
        .await
        .map(|_| ())
}

/// Accounts locked now, with their failures in the window (for e-kontoret).
pub async fn locked(db: &Store) -> Result<Vec<(String, usize)>, sqlx::Error> {
    let rows = sqlx::query("select account, count(*) from login_failures where at > $1 group by account having count(*) >= $2 order by account")
        .bind(window_start(Utc::now()))
        .bind(ACCOUNT_CEILING as i64)
        .fetch_all(&db.pool)
        .await?;
    Ok(rows
        .iter()
        .map(|r| (r.get("account"), r.get::<i64, _>(1) as usize))
        .collect())
}

/// Lift an account's lock and every client's streak for it.
pub async fn lift(db: &Store, account: &str) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    sqlx::query("delete from login_failures where account = $1")
        .bind(account)
        .execute(&mut *tx)
        .await?;
    sqlx::query("delete from login_streaks where account = $1")
        .bind(account)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_guesser_waits_longer_and_longer() {
        let t0 = Utc::now();
        for n in 0..FREE_FAILURES {
            assert_eq!(judge(0, 0, Some((n, t0)), t0), Verdict::Allowed);
        }
        assert_eq!(
            judge(0, 0, Some((FREE_FAILURES, t0)), t0),
            Verdict::Wait(Duration::from_secs(1))
        );
        let t1 = t0 + chrono::Duration::seconds(1);
        assert_eq!(judge(0, 0, Some((FREE_FAILURES, t0)), t1), Verdict::Allowed);
        assert_eq!(
            judge(0, 0, Some((FREE_FAILURES + 1, t1)), t1),
            Verdict::Wait(Duration::from_secs(2))
        );
        // Another address has no streak: not held up.
        assert_eq!(judge(FREE_FAILURES as usize, 0, None, t1), Verdict::Allowed);
        assert_eq!(delay(40), MAX_DELAY);
    }

    #[test]
    fn ceilings_lock_the_account_and_block_the_client() {
        let t = Utc::now();
        assert_eq!(judge(ACCOUNT_CEILING, 0, None, t), Verdict::AccountLocked);
        assert_eq!(judge(ACCOUNT_CEILING - 1, 0, None, t), Verdict::Allowed);
        assert_eq!(judge(0, CLIENT_CEILING, None, t), Verdict::ClientBlocked);
        // 20 people behind one proxy mistyping twice each are far below it.
        assert_eq!(judge(2, 40, Some((2, t)), t), Verdict::Allowed);
    }
}
