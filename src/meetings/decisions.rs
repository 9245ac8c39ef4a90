//! What was decided about one service within a period: releases, waivers
//! granted and withdrawn, comments triaged (with their reasons), deviations
//! approved as local adaptations (with their motivations) or flagged, and
//! regional positions on checklist items. Each is read through the table's
//! owner (`*_within`), where each decision has its time and its words.

use crate::checklists::Checklist;
use crate::compare::store::DecisionKind;
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

    for r in crate::services::releases::within(db, service, &start, &end).await? {
        let (id, version, at, by) = (r.id, r.version, r.released_at, r.released_by);
        out.push((
            at.clone(),
            Line {
                key: format!("release:{id}"),
                text: format!("{}: version {version} släpptes ({by}).", day(&at)),
                link: format!("/tjanster/{service}/{version}/release"),
            },
        ));
    }

    for w in crate::release::waivers::decided_within(db, service, &start, &end).await? {
        let (id, version, blocker) = (w.id, w.version, w.blocker);
        let (reason, expires, by, at) = (w.reason, w.expires, w.decided_by, w.decided_at);
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
        if let (Some(who), Some(when)) = (w.withdrawn_by, w.withdrawn_at)
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

    for t in crate::reviews::changes::triaged_within(db, service, &start, &end).await? {
        let (id, comment) = (t.id, t.comment_id);
        let (before, after) = (t.before_value, t.after_value);
        let (note, by, at) = (t.note, t.actor_name, t.at);
        let (body, class, m) = (t.body, t.class, t.municipality);
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
    for d in crate::compare::store::decisions_within(db, service, &start, &end).await? {
        let (id, m, decision) = (d.id, d.municipality, d.decision);
        let (comment, actor, version) = (d.comment, d.actor, d.version);
        let (at, n, pages) = (d.decided_at, d.deviations, d.pages);
        let name = words.municipality(m.trim_end_matches(crate::services::reference::BASE_SUFFIX));
        let what = format!(
            "{} {}",
            changes_in_words(pages, n),
            match decision {
                DecisionKind::Approved => "godkändes som lokal anpassning",
                DecisionKind::Flagged => "flaggades",
            }
        );
        let why = if comment.trim().is_empty() {
            " Ingen motivering angavs.".to_string()
        } else if decision == DecisionKind::Approved {
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

    for p in crate::checklists::store::positions_within(db, service, &start, &end).await? {
        let (id, version, checklist, item) = (p.id, p.version, p.checklist, p.item);
        let (position, by, at) = (p.position, p.decided_by, p.decided_at);
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
