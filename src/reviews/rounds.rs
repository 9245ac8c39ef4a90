//! Review rounds: e-kontoret opens one for a version with a deadline; each
//! municipality answers antar / antar med synpunkter / avstår (with a
//! reason: it keeps its own working solution).

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use serde::Serialize;
use serde_json::json;
use sqlx::Row;

use crate::accounts::User;
use crate::store::{Store, audit, now};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    Antar,
    AntarMedSynpunkter,
    Avstar,
}

impl Answer {
    pub const ALL: [Answer; 3] = [Answer::Antar, Answer::AntarMedSynpunkter, Answer::Avstar];
    pub fn slug(self) -> &'static str {
        match self {
            Answer::Antar => "antar",
            Answer::AntarMedSynpunkter => "antar_med_synpunkter",
            Answer::Avstar => "avstar",
        }
    }
    pub fn swedish(self) -> &'static str {
        match self {
            Answer::Antar => "antar",
            Answer::AntarMedSynpunkter => "antar med synpunkter",
            Answer::Avstar => "avstår",
        }
    }
    pub fn parse(s: &str) -> Option<Answer> {
        Answer::ALL.into_iter().find(|a| a.slug() == s)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RoundError {
    #[error("Ange sista svarsdag som ÅÅÅÅ-MM-DD.")]
    Deadline,
    #[error("Sista svarsdagen har redan passerat.")]
    DeadlineInPast,
    #[error("Det finns redan en öppen granskningsomgång för versionen.")]
    AlreadyOpen,
    #[error("Ett skäl krävs när kommunen avstår.")]
    Reason,
    #[error(
        "Välj vilka av kommunens synpunkter svaret gäller, eller skriv synpunkterna i fältet för skäl."
    )]
    Comments,
    #[error("Granskningsomgången är stängd: den tar inte emot fler svar.")]
    Closed,
    #[error("databas: {0}")]
    Db(#[from] sqlx::Error),
}

crate::store::wraps_db!(RoundError);

#[derive(Debug, Clone, Serialize)]
pub struct Round {
    pub id: i64,
    pub version_id: i64,
    pub deadline: String,
    pub opened_by: String,
    pub opened_at: String,
    /// Closed before (or at) its deadline by e-kontoret: no more answers.
    pub closed_at: Option<String>,
    pub closed_by: Option<String>,
}

impl Round {
    /// Whether answers are still taken: not closed. (Late answers after the
    /// deadline are taken, and shown as late.)
    pub fn is_closed(&self) -> bool {
        self.closed_at.is_some()
    }

    /// Whether the round still runs: neither closed nor past its deadline.
    pub fn is_running(&self, now: DateTime<Utc>) -> bool {
        !self.is_closed() && !is_past(&self.deadline, now)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct RoundAnswer {
    pub municipality: String,
    pub answer: Answer,
    pub reason: Option<String>,
    pub user_name: String,
    pub answered_at: String,
    /// The comments an "antar med synpunkter" refers to.
    pub comments: Vec<i64>,
}

/// The end of the deadline day in Swedish time: 00:00 the day after.
pub fn deadline_end(deadline: &str) -> Option<DateTime<Utc>> {
    let d = NaiveDate::parse_from_str(deadline, "%Y-%m-%d").ok()?;
    let midnight = d.succ_opt()?.and_hms_opt(0, 0, 0)?;
    // Guess CET, then correct with the offset in force at that instant.
    let guess = Utc.from_utc_datetime(&midnight) - chrono::Duration::hours(1);
    let off = crate::clock::offset_hours(guess);
    Some(Utc.from_utc_datetime(&midnight) - chrono::Duration::hours(off))
}

/// Calendar days from `now`'s date in Sweden to the deadline day: 0 on the
/// last day, negative once it has passed.
pub fn days_left(deadline: &str, now: DateTime<Utc>) -> i64 {
    let today = crate::clock::swedish_day(now);
    match NaiveDate::parse_from_str(deadline, "%Y-%m-%d") {
        Ok(d) => (d - today).num_days(),
        Err(_) => 0,
    }
}

pub fn is_past(deadline: &str, at: DateTime<Utc>) -> bool {
    deadline_end(deadline).is_some_and(|end| at >= end)
}

pub async fn open(
    db: &Store,
    version_id: i64,
    deadline: &str,
    actor: &User,
) -> Result<i64, RoundError> {
    if deadline_end(deadline).is_none() {
        return Err(RoundError::Deadline);
    }
    if is_past(deadline, Utc::now()) {
        return Err(RoundError::DeadlineInPast);
    }
    let mut tx = db.begin().await?;
    if let Some(r) = sqlx::query(
        "select deadline, closed_at from review_rounds where version_id = $1 order by id desc limit 1",
    )
    .bind(version_id)
    .fetch_optional(&mut *tx)
    .await?
        && !is_past(&r.get::<String, _>("deadline"), Utc::now())
        && r.get::<Option<String>, _>("closed_at").is_none()
    {
        return Err(RoundError::AlreadyOpen);
    }
    let id: i64 = sqlx::query("insert into review_rounds (version_id, deadline, opened_by, opened_at) values ($1, $2, $3, $4) returning id")
        .bind(version_id)
        .bind(deadline)
        .bind(&actor.name)
        .bind(now())
        .fetch_one(&mut *tx)
        .await?
        .get("id");
    audit(
        &mut tx,
        &actor.username,
        "round.open",
        &format!("omgång #{id}"),
        &json!({ "before": null, "after": { "version_id": version_id, "deadline": deadline } }),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Move the deadline of a round (earlier or later, not into the past):
/// the municipalities' answers stand, late or not is judged by the new day.
pub async fn move_deadline(
    db: &Store,
    round_id: i64,
    deadline: &str,
    actor: &User,
) -> Result<(), RoundError> {
    if deadline_end(deadline).is_none() {
        return Err(RoundError::Deadline);
    }
    if is_past(deadline, Utc::now()) {
        return Err(RoundError::DeadlineInPast);
    }
    let mut tx = db.begin().await?;
    let before: String = sqlx::query("select deadline from review_rounds where id = $1")
        .bind(round_id)
        .fetch_one(&mut *tx)
        .await?
        .get("deadline");
    sqlx::query("update review_rounds set deadline = $1 where id = $2")
        .bind(deadline)
        .bind(round_id)
        .execute(&mut *tx)
        .await?;
    audit(
        &mut tx,
        &actor.username,
        "round.deadline",
        &format!("omgång #{round_id}"),
        &json!({ "before": { "deadline": before }, "after": { "deadline": deadline } }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Close a round before its deadline: it takes no more answers; those who
/// did not answer stay unanswered (the release check says so).
pub async fn close(db: &Store, round: &Round, actor: &User) -> Result<(), RoundError> {
    if round.is_closed() {
        return Err(RoundError::Closed);
    }
    let mut tx = db.begin().await?;
    let at = now();
    sqlx::query("update review_rounds set closed_at = $1, closed_by = $2 where id = $3 and closed_at is null")
        .bind(&at)
        .bind(&actor.name)
        .bind(round.id)
        .execute(&mut *tx)
        .await?;
    audit(
        &mut tx,
        &actor.username,
        "round.close",
        &format!("omgång #{}", round.id),
        &json!({ "before": { "deadline": round.deadline }, "after": { "closed_at": at } }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn latest(db: &Store, version_id: i64) -> Result<Option<Round>, sqlx::Error> {
    Ok(sqlx::query("select id, version_id, deadline, opened_by, opened_at, closed_at, closed_by from review_rounds where version_id = $1 order by id desc limit 1")
        .bind(version_id)
        .fetch_optional(&db.pool)
        .await?
        .map(|r| Round {
            id: r.get("id"),
            version_id: r.get("version_id"),
            deadline: r.get("deadline"),
            opened_by: r.get("opened_by"),
            opened_at: r.get("opened_at"),
            closed_at: r.get("closed_at"),
            closed_by: r.get("closed_by"),
        }))
}

pub async fn answers(db: &Store, round_id: i64) -> Result<Vec<RoundAnswer>, sqlx::Error> {
    let links: Vec<(String, i64)> = sqlx::query(
        "select municipality, comment_id from round_answer_comments where round_id = $1 order by comment_id",
    )
    .bind(round_id)
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|r| (r.get("municipality"), r.get("comment_id")))
    .collect();
    Ok(sqlx::query("select municipality, answer, reason, user_name, answered_at from round_answers where round_id = $1 order by municipality")
        .bind(round_id)
        .fetch_all(&db.pool)
        .await?
        .iter()
        .filter_map(|r| {
            let municipality: String = r.get("municipality");
            Some(RoundAnswer {
                comments: links
                    .iter()
                    .filter(|(m, _)| *m == municipality)
                    .map(|(_, c)| *c)
                    .collect(),
                municipality,
                answer: Answer::parse(&r.get::<String, _>("answer"))?,
                reason: r.get("reason"),
                user_name: r.get("user_name"),
                answered_at: r.get("answered_at"),
            })
        })
        .collect())
}

/// What a municipality answers: the answer, its reason, and for "antar med
/// synpunkter" the comments (of this version, by this municipality) it
/// refers to.
pub struct Given<'a> {
    pub answer: Answer,
    pub reason: &'a str,
    pub comments: &'a [i64],
}

/// A municipality's answer; answering again replaces it (the change is audited).
pub async fn answer(
    db: &Store,
    round: &Round,
    municipality: &str,
    given: Given<'_>,
    user: &User,
) -> Result<(), RoundError> {
    let Given {
        answer,
        reason,
        comments,
    } = given;
    let reason = reason.trim();
    if round.is_closed() {
        return Err(RoundError::Closed);
    }
    if answer == Answer::Avstar && reason.is_empty() {
        return Err(RoundError::Reason);
    }
    if answer == Answer::AntarMedSynpunkter && comments.is_empty() && reason.is_empty() {
        return Err(RoundError::Comments);
    }
    // Only the municipality's own comments on this version can be referred to.
    let mut own = Vec::new();
    if answer == Answer::AntarMedSynpunkter {
        for id in comments {
            let found = sqlx::query("select 1 from comments where id = $1 and version_id = $2 and author_municipality = $3")
                .bind(id)
                .bind(round.version_id)
                .bind(municipality)
                .fetch_optional(&db.pool)
                .await?;
            if found.is_some() && !own.contains(id) {
                own.push(*id);
            }
        }
        if own.is_empty() && reason.is_empty() {
            return Err(RoundError::Comments);
        }
    }
    let reason = (!reason.is_empty()).then_some(reason);
    let mut tx = db.begin().await?;
    let before: Option<String> =
        sqlx::query("select answer from round_answers where round_id = $1 and municipality = $2")
            .bind(round.id)
            .bind(municipality)
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| r.get("answer"));
    for table in ["round_answers", "round_answer_comments"] {
        sqlx::query(&format!(
            "delete from {table} where round_id = $1 and municipality = $2"
        ))
        .bind(round.id)
        .bind(municipality)
        .execute(&mut *tx)
        .await?;
    }
    for id in &own {
        sqlx::query("insert into round_answer_comments (round_id, municipality, comment_id) values ($1, $2, $3)")
            .bind(round.id)
            .bind(municipality)
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    let at = now();
    sqlx::query("insert into round_answers (round_id, municipality, answer, reason, user_id, user_name, answered_at) values ($1, $2, $3, $4, $5, $6, $7)")
        .bind(round.id)
        .bind(municipality)
        .bind(answer.slug())
        .bind(reason)
        .bind(user.id)
        .bind(&user.name)
        .bind(&at)
        .execute(&mut *tx)
        .await?;
    let late = is_past(&round.deadline, Utc::now());
    audit(
        &mut tx,
        &user.username,
        "round.answer",
        &format!("omgång #{} {municipality}", round.id),
        &json!({ "before": before, "after": answer.slug(), "reason": reason, "comments": own, "late": late }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A municipality's standing in a round.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    Answered,
    AnsweredLate,
    Waiting,
    Late,
    /// The round was closed before it answered.
    Unanswered,
}

/// A municipality's standing in this round (closing ends the waiting).
pub fn standing_in(round: &Round, answered_at: Option<&str>, now: DateTime<Utc>) -> Standing {
    match standing(&round.deadline, answered_at, now) {
        Standing::Waiting | Standing::Late if round.is_closed() => Standing::Unanswered,
        s => s,
    }
}

pub fn standing(deadline: &str, answered_at: Option<&str>, now: DateTime<Utc>) -> Standing {
    match answered_at {
        Some(at) => match DateTime::parse_from_rfc3339(at) {
            Ok(t) if is_past(deadline, t.with_timezone(&Utc)) => Standing::AnsweredLate,
            _ => Standing::Answered,
        },
        None if is_past(deadline, now) => Standing::Late,
        None => Standing::Waiting,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn the_deadline_day_ends_at_swedish_midnight() {
        // Winter (CET): 2026-12-01 ends at 2026-12-01T23:00Z.
        assert!(!is_past("2026-12-01", at("2026-12-01T22:59:59Z")));
        assert!(is_past("2026-12-01", at("2026-12-01T23:00:00Z")));
        // Summer (CEST): 2026-06-10 ends at 2026-06-10T22:00Z.
        assert!(!is_past("2026-06-10", at("2026-06-10T21:59:00Z")));
        assert!(is_past("2026-06-10", at("2026-06-10T22:00:00Z")));
        assert!(deadline_end("2026-13-01").is_none());
    }

    #[test]
    fn standing_says_who_is_late() {
        let now = at("2026-12-05T10:00:00Z");
        assert_eq!(standing("2026-12-01", None, now), Standing::Late);
        assert_eq!(standing("2026-12-10", None, now), Standing::Waiting);
        assert_eq!(
            standing("2026-12-01", Some("2026-11-30T09:00:00.000Z"), now),
            Standing::Answered
        );
        assert_eq!(
            standing("2026-12-01", Some("2026-12-02T09:00:00.000Z"), now),
            Standing::AnsweredLate
        );
    }

    #[test]
    fn days_left_count_the_deadline_day_and_lateness() {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        assert_eq!(days_left("2026-12-01", at("2026-12-01T10:00:00Z")), 0);
        assert_eq!(days_left("2026-12-03", at("2026-12-01T10:00:00Z")), 2);
        assert_eq!(days_left("2026-11-30", at("2026-12-01T10:00:00Z")), -1);
        // 23.30 UTC on 30 November is already 1 December in Sweden.
        assert_eq!(days_left("2026-12-01", at("2026-11-30T23:30:00Z")), 0);
    }
}

/// A round's deadline, as the review-round mail looks at every round.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RoundDeadline {
    pub id: i64,
    pub version_id: i64,
    pub deadline: String,
}

/// Every round's deadline, oldest round first.
pub async fn deadlines(db: &Store) -> Result<Vec<RoundDeadline>, sqlx::Error> {
    sqlx::query_as("select id, version_id, deadline from review_rounds order by id")
        .fetch_all(&db.pool)
        .await
}
