//! Review rounds reach officials where they live: e-mail over SMTP when a
//! round opens (to the participating municipalities' reviewers, with the
//! deadline and a link), a reminder some days before the deadline to those
//! whose municipality has not answered, and a note to e-kontoret when a
//! municipality answers late. Each mail has a key (`open:ROUND:USER`…) that
//! is stored in the same transaction as it is sent, so it goes out once, also
//! across restarts; a failed send leaves no key and is tried again. The
//! server sends what is due every ten minutes; `provrum mail` does it once
//! (for cron). Nothing is sent when `[mail]` is not configured. "Fråga
//! varför" questions reach the asked municipality's reviewers the same way.

mod outgoing;
mod questions;
mod send;
pub mod web;
pub use outgoing::Outgoing;
use outgoing::footer;

use std::collections::BTreeMap;

use chrono::Utc;

use crate::config::MailConfig;
use crate::reviews::rounds::{self, Standing};
use crate::services::cache::VersionCache;
use crate::store::Store;

pub use send::MailError;

/// What sending review-round mail needs: the database, the stored versions'
/// variants (who takes part) and the mail settings.
#[derive(Clone)]
pub struct Mailing {
    pub store: Store,
    pub cache: std::sync::Arc<VersionCache>,
    pub cfg: MailConfig,
}

/// How long after its deadline a round is still looked at (late answers).
const LOOK_BACK_DAYS: i64 = 30;

/// Every mail that is due now, whether or not it was sent already.
pub async fn due(m: &Mailing) -> Result<Vec<Outgoing>, sqlx::Error> {
    let (store, cache, cfg) = (&m.store, &m.cache, &m.cfg);
    let people = crate::accounts::store::with_email(store).await?;
    let rows = rounds::deadlines(store).await?;
    let base = cfg.public_url.trim_end_matches('/');
    let mut out = Vec::new();
    for r in rows {
        let (round, version_id, deadline) = (r.id, r.version_id, r.deadline);
        let left = rounds::days_left(&deadline, Utc::now());
        if left < -LOOK_BACK_DAYS {
            continue;
        }
        let Some(v) = crate::services::store::version_by_id(store, version_id).await? else {
            continue;
        };
        let latest = rounds::latest(store, version_id).await?;
        // Only the version's newest round mails, and not once it is closed.
        if latest.as_ref().map(|l| l.id) != Some(round)
            || latest.as_ref().is_some_and(|l| l.is_closed())
        {
            continue;
        }
        let participating: Vec<String> = cache
            .variants(version_id)
            .await?
            .iter()
            .map(|x| x.municipality.clone())
            .collect();
        let answers = rounds::answers(store, round).await?;
        let link = format!("{base}/tjanster/{}/{}/omgang", v.service_id, v.version);
        let day = crate::clock::swedish_date(&deadline);
        let what = format!("{} {}", v.title, v.version);
        let names = |ms: &[&String]| {
            ms.iter()
                .map(|m| cache.registry().short_name(m))
                .collect::<Vec<_>>()
                .join(", ")
        };
        // Reviewers of participating municipalities, each once per round.
        for (u, email) in people
            .iter()
            .filter(|(u, _)| u.role == crate::accounts::Role::Reviewer)
        {
            let theirs: Vec<&String> = u
                .municipalities
                .iter()
                .filter(|m| participating.contains(m))
                .collect();
            if theirs.is_empty() {
                continue;
            }
            if left >= 0 {
                out.push(Outgoing {
                    key: format!("open:{round}:{}", u.id),
                    to: email.clone(),
                    subject: format!("Granska {what} – svara senast {day}"),
                    body: format!(
                        "Hej {}!\n\nE-kontoret har öppnat en granskningsomgång för {what}. {} svarar senast {day}: antar, antar med synpunkter eller avstår.\n\nProva tjänsten, lämna synpunkter och svara här:\n{link}{}",
                        u.name,
                        names(&theirs),
                        footer(cfg)
                    ),
                });
            }
            let waiting: Vec<&String> = theirs
                .iter()
                .copied()
                .filter(|m| !answers.iter().any(|a| &&a.municipality == m))
                .collect();
            if !waiting.is_empty() && (0..=cfg.reminder_days).contains(&left) {
                let when = match left {
                    0 => "i dag".to_string(),
                    1 => "i morgon".to_string(),
                    n => format!("om {n} dagar"),
                };
                out.push(Outgoing {
                    key: format!("remind:{round}:{}", u.id),
                    to: email.clone(),
                    subject: format!("Påminnelse: svara på {what} senast {day}"),
                    body: format!(
                        "Hej {}!\n\n{} har inte svarat i granskningsomgången för {what}. Sista dagen är {when}, {day}.\n\nSvara här:\n{link}{}",
                        u.name,
                        names(&waiting),
                        footer(cfg)
                    ),
                });
            }
        }
        // E-kontoret hears of late answers.
        let late: BTreeMap<&str, &str> = answers
            .iter()
            .filter(|a| {
                rounds::standing(&deadline, Some(&a.answered_at), Utc::now())
                    == Standing::AnsweredLate
            })
            .map(|a| (a.municipality.as_str(), a.answer.swedish()))
            .collect();
        for (m, answer) in late {
            for (u, email) in people
                .iter()
                .filter(|(u, _)| u.role == crate::accounts::Role::EKontoret)
            {
                let name = cache.registry().short_name(m);
                out.push(Outgoing {
                    key: format!("late:{round}:{m}:{}", u.id),
                    to: email.clone(),
                    subject: format!("{name} svarade sent på {what}"),
                    body: format!(
                        "Hej {}!\n\n{name} svarade ”{answer}” i granskningsomgången för {what} efter sista dagen {day}.\n\nSe omgången:\n{link}{}",
                        u.name,
                        footer(cfg)
                    ),
                });
            }
        }
    }
    out.extend(questions::due(store, cache, cfg, &people).await?);
    Ok(out)
}

/// Send what is due and not yet sent; returns how many went out.
pub async fn send_due(mailing: &Mailing) -> Result<usize, MailError> {
    let mailer = send::Mailer::new(&mailing.cfg)?;
    let mut sent = 0;
    for m in due(mailing).await? {
        if send::once(&mailing.store, &mailer, &mailing.cfg, &m).await? {
            sent += 1;
        }
    }
    Ok(sent)
}

/// The server's timer: what is due every ten minutes (nothing when mail is
/// not configured).
pub async fn run_forever(mailing: Option<Mailing>) {
    let Some(mailing) = mailing else {
        return;
    };
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(600));
    loop {
        tick.tick().await;
        match send_due(&mailing).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(sent = n, "review-round mail sent"),
            Err(e) => tracing::warn!(error = %e, "sending review-round mail"),
        }
    }
}
