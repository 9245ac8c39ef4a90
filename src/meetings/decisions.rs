//! What was decided about one service within a period: releases, waivers
//! granted and withdrawn, comments triaged (with their reasons), deviations
//! approved as local adaptations (with their motivations) or flagged, and
//! regional positions on checklist items. Read from the domains' own
//! tables, where each decision has its time and its words.

use sqlx::Row;

use crate::checklists::Checklist;
use crate::municipalities::Registry;
use crate::release::GateResult;
use crate::reviews::{Class, Status, model::excerpt};
use crate::store::Store;

use super::{Line, Period, day};

/// What the brief needs to say a decision in words, never by key.
pub struct Words<'a> {
    pub registry: &'a Registry,
    /// The newest version's gate: its blockers' and waivers' messages.
    pub gate: &'a GateResult,
    pub lists: &'a [Checklist],
}

impl Words<'_> {
    fn municipality(&self, m: &str) -> String {
        self.registry.short_name(m)
    }

    /// A blocker's message by its key, where the gate still knows it.
    fn blocker(&self, key: &str) -> Option<String> {
        let g = self.gate;
        g.blockers
            .iter()
            .chain(g.waived.iter().map(|(b, _)| b))
            .find(|b| b.key == key)
            .map(|b| b.message.clone())
    }

    /// A checklist item's title by (checklist, item).
    fn item(&self, checklist: &str, item: &str) -> Option<String> {
        self.lists
            .iter()
            .find(|l| l.id == checklist)
            .and_then(|l| l.items.iter().find(|i| i.id == item))
            .map(|i| i.title.clone())
    }
}

/// Every decision on `service` within `period`, oldest first.
pub async fn within(
    db: &Store,
    service: &str,
    period: &Period,
    words: &Words<'_>,
) -> Result<Vec<Line>, sqlx::Error> {
    let (start, end) = period.bounds();
    let mut out: Vec<(String, Line)> = Vec::new();

    let rows = sqlx::query("select r.id, v.version, r.released_at, r.released_by from releases r join service_versions v on v.id = r.version_id where r.service_id = $1 and r.released_at >= $2 and r.released_at < $3")
        .bind(service).bind(&start).bind(&end).fetch_all(&db.pool).await?;
    for r in &rows {
        let (id, version, at, by): (i64, String, String, String) =
            (r.get(0), r.get(1), r.get(2), r.get(3));
        out.push((
            at.clone(),
            Line {
                key: format!("release:{id}"),
                text: format!("{}: version {version} släpptes ({by}).", day(&at)),
                link: format!("/tjanster/{service}/{version}/release"),
            },
        ));
    }

    let rows = sqlx::query("select w.id, v.version, w.blocker, w.reason, w.expires, w.decided_by, w.decided_at, w.withdrawn_by, w.withdrawn_at from waivers w join service_versions v on v.id = w.version_id where v.service_id = $1 and ((w.decided_at >= $2 and w.decided_at < $3) or (w.withdrawn_at >= $2 and w.withdrawn_at < $3))")
        .bind(service).bind(&start).bind(&end).fetch_all(&db.pool).await?;
    for r in &rows {
        let (id, version, blocker): (i64, String, String) = (r.get(0), r.get(1), r.get(2));
        let (reason, expires, by, at): (String, String, String, String) =
            (r.get(3), r.get(4), r.get(5), r.get(6));
        let what = words
            .blocker(&blocker)
            .map(|m| format!("”{m}”"))
            .unwrap_or_else(|| "ett hinder som inte längre finns".into());
        let link = format!("/tjanster/{service}/{version}/release");
        if period.contains(&at) {
            out.push((
                at.clone(),
                Line {
                    key: format!("waiver:{id}"),
                    text: format!(
                        "{}: undantag från {what} till och med {} ({by}). Skäl: {reason}",
                        day(&at),
                        crate::clock::swedish_date(&expires)
                    ),
                    link: link.clone(),
                },
            ));
        }
        let withdrawn: (Option<String>, Option<String>) = (r.get(7), r.get(8));
        if let (Some(who), Some(when)) = withdrawn
            && period.contains(&when)
        {
            out.push((
                when.clone(),
                Line {
                    key: format!("waiver-withdrawn:{id}"),
                    text: format!(
                        "{}: undantaget från {what} återkallades ({who}).",
                        day(&when)
                    ),
                    link,
                },
            ));
        }
    }

    let rows = sqlx::query("select r.id, r.comment_id, r.before_value, r.after_value, r.note, r.actor_name, r.at, c.body, c.class, c.municipality from comment_revisions r join comments c on c.id = r.comment_id where c.service_id = $1 and r.field = 'status' and r.at >= $2 and r.at < $3")
        .bind(service).bind(&start).bind(&end).fetch_all(&db.pool).await?;
    for r in &rows {
        let (id, comment): (i64, i64) = (r.get(0), r.get(1));
        let (before, after): (Option<String>, Option<String>) = (r.get(2), r.get(3));
        let (note, by, at): (Option<String>, String, String) = (r.get(4), r.get(5), r.get(6));
        let (body, class, m): (String, String, Option<String>) = (r.get(7), r.get(8), r.get(9));
        let status = |s: Option<String>| {
            s.as_deref()
                .and_then(Status::parse)
                .map(|s| s.swedish())
                .unwrap_or("–")
        };
        let class = Class::parse(&class).map(|c| c.swedish()).unwrap_or("");
        let whose = m
            .as_deref()
            .map(|m| format!(", {}", words.municipality(m)))
            .unwrap_or_default();
        let reason = note
            .filter(|n| !n.trim().is_empty())
            .map(|n| format!(" Skäl: {n}"))
            .unwrap_or_default();
        out.push((
            at.clone(),
            Line {
                key: format!("triage:{id}"),
                text: format!(
                    "{}: synpunkten ”{}” ({class}{whose}) gick från {} till {} ({by}).{reason}",
                    day(&at),
                    excerpt(&body, 80),
                    status(before),
                    status(after)
                ),
                link: format!("/synpunkter/{comment}"),
            },
        ));
    }

    // One line per decision as it was taken: a change's deviations are
    // decided together (same municipality, words, person and version).
    let rows = sqlx::query("select min(id), municipality, decision, comment, actor, version, min(decided_at), count(*), count(distinct step) from deviation_decisions where service_id = $1 and decided_at >= $2 and decided_at < $3 group by municipality, decision, comment, actor, version")
        .bind(service).bind(&start).bind(&end).fetch_all(&db.pool).await?;
    for r in &rows {
        let (id, m, decision): (i64, String, String) = (r.get(0), r.get(1), r.get(2));
        let (comment, actor, version): (String, String, String) = (r.get(3), r.get(4), r.get(5));
        let (at, n, pages): (String, i64, i64) = (r.get(6), r.get(7), r.get(8));
        let name = words.municipality(m.trim_end_matches(crate::services::reference::BASE_SUFFIX));
        let what = format!(
            "{} {}",
            changes_in_words(pages, n),
            match decision.as_str() {
                "approved" => "godkändes som lokal anpassning",
                _ => "flaggades",
            }
        );
        let why = if comment.trim().is_empty() {
            " Ingen motivering angavs.".to_string()
        } else if decision == "approved" {
            format!(" Motivering: {}", comment.trim())
        } else {
            format!(" Varför: {}", comment.trim())
        };
        out.push((
            at.clone(),
            Line {
                key: format!("deviation:{id}"),
                text: format!(
                    "{}: {name} – {what} (version {version}, {actor}).{why}",
                    day(&at)
                ),
                link: format!("/tjanster/{service}/{version}/jamforelse/{m}"),
            },
        ));
    }

    let rows = sqlx::query("select p.id, v.version, p.checklist, p.item, p.position, p.decided_by, p.decided_at from regional_positions p join service_versions v on v.id = p.version_id where v.service_id = $1 and p.kind = 'decision' and p.decided_at >= $2 and p.decided_at < $3")
        .bind(service).bind(&start).bind(&end).fetch_all(&db.pool).await?;
    for r in &rows {
        let (id, version, checklist, item): (i64, String, String, String) =
            (r.get(0), r.get(1), r.get(2), r.get(3));
        let (position, by, at): (String, String, String) = (r.get(4), r.get(5), r.get(6));
        let title = words
            .item(&checklist, &item)
            .unwrap_or_else(|| "en punkt".into());
        out.push((
            at.clone(),
            Line {
                key: format!("position:{id}"),
                text: format!(
                    "{}: regional ställning om ”{title}” ({by}): {}",
                    day(&at),
                    excerpt(&position, 160)
                ),
                link: format!("/tjanster/{service}/{version}/checklistor"),
            },
        ));
    }

    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out.into_iter().map(|(_, l)| l).collect())
}

/// Decisions counted as the queue counts them: changes (a page of one
/// variant), with the pieces of evidence they settled in brackets —
/// "en ändring", "3 ändringar (16 avvikelser)".
fn changes_in_words(pages: i64, deviations: i64) -> String {
    let changes = match pages {
        1 => "en ändring".to_string(),
        n => format!("{n} ändringar"),
    };
    match deviations {
        d if d <= pages => changes,
        d => format!("{changes} ({d} avvikelser)"),
    }
}
