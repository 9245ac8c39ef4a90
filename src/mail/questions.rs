//! "Fråga varför" by e-mail: each reviewer of a municipality e-kontoret
//! asked to motivate a local adaptation hears of it, with a link to the
//! question's thread where the answer goes.

use crate::accounts::{Role, User};
use crate::config::MailConfig;
use crate::services::cache::VersionCache;
use crate::store::Store;

use super::outgoing::Outgoing;

/// Questions older than this are not mailed (e.g. when mail is configured
/// long after they were asked).
const LOOK_BACK_DAYS: i64 = 14;

pub async fn due(
    store: &Store,
    cache: &VersionCache,
    cfg: &MailConfig,
    people: &[(User, String)],
) -> Result<Vec<Outgoing>, sqlx::Error> {
    let since = crate::clock::stored(chrono::Utc::now() - chrono::Duration::days(LOOK_BACK_DAYS));
    let rows = crate::reviews::why::asked_since(store, &since).await?;
    let base = cfg.public_url.trim_end_matches('/');
    let mut out = Vec::new();
    for r in rows {
        let (m, change, comment) = (r.municipality, r.change, r.comment_id);
        let (asked_by, title, version) = (r.asked_by, r.title, r.version);
        let name = cache.registry().short_name(&m);
        for (u, email) in people
            .iter()
            .filter(|(u, _)| u.role == Role::Reviewer && u.municipalities.contains(&m))
        {
            out.push(Outgoing {
                key: format!("why:{comment}:{}", u.id),
                to: email.clone(),
                subject: format!("Varför avviker {name} i {title} {version}?"),
                body: format!(
                    "Hej {}!\n\nE-kontoret ({asked_by}) frågar varför {name} avviker från regionens bas i {title} {version}:\n\n  {change}\n\nSvara med kommunens motivering, eller skriv att kommunen går över till basens lösning:\n{base}/synpunkter/{comment}{}",
                    u.name,
                    super::outgoing::footer(cfg)
                ),
            });
        }
    }
    Ok(out)
}
