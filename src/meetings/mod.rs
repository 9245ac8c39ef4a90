//! The region's monthly meetings and their brief. The collaboration meets
//! without a mandate of its own: members take the material home, treat it
//! in their own municipality and bring the answer to the next meeting. The
//! brief gathers, per service, what happened since the last meeting and
//! what waits for a decision, each line linked to its place in Provrum;
//! e-kontoret records the day a meeting was held so the next brief starts
//! there.

pub mod brief;
mod decisions;
pub mod web;

use chrono::{NaiveDate, Utc};
use serde_json::json;
use sqlx::Row;

use crate::accounts::User;
use crate::store::{Store, audit, now};

#[derive(Debug, thiserror::Error)]
pub enum MeetingError {
    #[error("Ange datumet som ÅÅÅÅ-MM-DD.")]
    Date,
    #[error("Mötet kan inte ha hållits i framtiden.")]
    Future,
    #[error("Perioden slutar innan den börjar.")]
    Backwards,
    #[error("Skriv vilket möte det var, till exempel CESAM.")]
    Name,
    #[error("databas: {0}")]
    Db(#[from] sqlx::Error),
}

crate::store::wraps_db!(MeetingError);

/// One line of the brief: what to say, where it lives, and a stable key
/// (for tests and the page's `data-` attributes, never shown).
#[derive(Debug, Clone)]
pub struct Line {
    pub key: String,
    pub text: String,
    pub link: String,
}

/// The Swedish calendar day of a timestamp: "27 november 2026".
pub fn day(stamp: &str) -> String {
    let said = crate::clock::swedish(stamp);
    said.split(" kl.").next().unwrap_or_default().to_string()
}

/// A meeting that was held.
#[derive(Debug, Clone)]
pub struct Meeting {
    pub held_on: String,
    pub name: String,
    pub recorded_by: String,
}

/// A period of whole Swedish calendar days, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Period, MeetingError> {
        if to < from {
            return Err(MeetingError::Backwards);
        }
        Ok(Period { from, to })
    }

    /// The instants the period covers, as stored timestamps compare:
    /// `[start, end)` in UTC.
    pub fn bounds(&self) -> (String, String) {
        let edge = |d: NaiveDate| -> String {
            crate::reviews::rounds::deadline_end(&d.format("%Y-%m-%d").to_string())
                .map(crate::clock::stored)
                .unwrap_or_default()
        };
        let start = self.from.pred_opt().map(edge).unwrap_or_default();
        (start, edge(self.to))
    }

    pub fn contains(&self, stamp: &str) -> bool {
        let (start, end) = self.bounds();
        stamp >= start.as_str() && stamp < end.as_str()
    }

    /// "1 november – 30 november 2026".
    pub fn swedish(&self) -> String {
        let day = |d: NaiveDate| crate::clock::swedish_date(&d.format("%Y-%m-%d").to_string());
        format!("{} – {}", day(self.from), day(self.to))
    }
}

/// Today's date in Sweden.
pub fn today() -> NaiveDate {
    crate::clock::swedish_day(Utc::now())
}

pub fn parse_day(s: &str) -> Result<NaiveDate, MeetingError> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| MeetingError::Date)
}

/// Record that a meeting was held on `held_on`.
pub async fn record(
    db: &Store,
    held_on: &str,
    name: &str,
    actor: &User,
) -> Result<Meeting, MeetingError> {
    let day = parse_day(held_on)?;
    if day > today() {
        return Err(MeetingError::Future);
    }
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(MeetingError::Name);
    }
    let held_on = day.format("%Y-%m-%d").to_string();
    let mut tx = db.begin().await?;
    sqlx::query(
        "insert into meetings (held_on, name, recorded_by, recorded_at) values ($1, $2, $3, $4)",
    )
    .bind(&held_on)
    .bind(name)
    .bind(&actor.name)
    .bind(now())
    .execute(&mut *tx)
    .await?;
    audit(
        &mut tx,
        &actor.username,
        "meeting.record",
        &format!("möte {held_on}"),
        &json!({ "held_on": held_on, "name": name }),
    )
    .await?;
    tx.commit().await?;
    Ok(Meeting {
        held_on,
        name: name.to_string(),
        recorded_by: actor.name.clone(),
    })
}

/// The meetings held, newest first.
pub async fn held(db: &Store) -> Result<Vec<Meeting>, sqlx::Error> {
    let rows = sqlx::query(
        "select held_on, name, recorded_by from meetings order by held_on desc, id desc",
    )
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .iter()
        .map(|r| Meeting {
            held_on: r.get("held_on"),
            name: r.get("name"),
            recorded_by: r.get("recorded_by"),
        })
        .collect())
}

/// The period a new brief covers by default: from the last meeting's day
/// (its own day included: what happened after the meeting that day must
/// not be lost) to today; without a meeting, the last 30 days.
pub fn default_period(held: &[Meeting]) -> Period {
    let to = today();
    let from = held
        .first()
        .and_then(|m| parse_day(&m.held_on).ok())
        .filter(|d| *d <= to)
        .unwrap_or(to - chrono::Duration::days(30));
    Period { from, to }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_period_covers_whole_swedish_days() {
        let d = |s| parse_day(s).unwrap();
        let p = Period::new(d("2026-11-02"), d("2026-11-30")).unwrap();
        // Midnight in Sweden is 23:00 UTC the day before in winter.
        assert!(p.contains("2026-11-01T23:00:00.000Z"));
        assert!(!p.contains("2026-11-01T22:59:59.999Z"));
        assert!(p.contains("2026-11-30T22:59:59.999Z"));
        assert!(!p.contains("2026-11-30T23:00:00.000Z"));
        assert!(Period::new(d("2026-11-30"), d("2026-11-02")).is_err());
    }
}
