//! The brief for one meeting: per service, what happened in the period
//! (new comments by class with their endorsements, decisions) and what
//! waits (the krav most municipalities stand behind, legal questions and
//! diverging readings, the release gate's blockers, review rounds and what
//! each municipality must decide at home). Every line links to its place.

use crate::checklists::Checklist;
use crate::release::Blocker;
use crate::release::Rules;
use crate::release::policy::Condition;
use crate::reviews::rounds::{self, Standing};
use crate::reviews::{Class, Comment, model::excerpt};
use crate::services::cache::VersionCache;
use crate::services::store::VersionSummary;
use crate::store::Store;

pub use super::Line;
use super::decisions::{self, Words};
use super::{Period, day};

/// Lines under one heading; `more` lines left out, to be read at `more_link`.
#[derive(Debug, Clone)]
pub struct Group {
    pub heading: String,
    pub lines: Vec<Line>,
    pub more: usize,
    pub more_link: String,
}

/// A review round as the meeting needs it.
#[derive(Debug, Clone)]
pub struct RoundBrief {
    pub key: String,
    pub text: String,
    pub link: String,
    /// Municipalities that must still decide at home, and by when.
    pub to_decide: Vec<String>,
    /// Answers given within the period.
    pub answered: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct ServiceBrief {
    pub title: String,
    pub version: String,
    pub link: String,
    pub new_comments: Vec<Group>,
    pub top_krav: Vec<Line>,
    pub legal: Vec<Line>,
    pub awaiting: Vec<Group>,
    pub rounds: Vec<RoundBrief>,
    pub decisions: Vec<Line>,
}

impl ServiceBrief {
    /// Nothing happened and nothing waits: one line in "Inget nytt".
    pub fn is_quiet(&self) -> bool {
        self.new_comments.is_empty()
            && self.top_krav.is_empty()
            && self.legal.is_empty()
            && self.awaiting.is_empty()
            && self.rounds.is_empty()
            && self.decisions.is_empty()
    }

    pub fn new_comment_count(&self) -> usize {
        self.new_comments.iter().map(|g| g.lines.len()).sum()
    }
}

pub struct Brief {
    pub period: Period,
    pub services: Vec<ServiceBrief>,
    /// Services with nothing new and nothing waiting.
    pub quiet: Vec<String>,
}

/// How many lines a gate condition shows before "och N till".
const BLOCKER_LINES: usize = 3;
/// How many krav the "most stand behind" list shows.
const TOP_KRAV: usize = 5;

/// Municipalities behind a comment: its author's and every endorser's.
fn backers(c: &Comment) -> usize {
    let mut all: Vec<&str> = c.endorsements.iter().map(String::as_str).collect();
    if let Some(m) = &c.author_municipality {
        all.push(m);
    }
    all.sort_unstable();
    all.dedup();
    all.len()
}

pub async fn gather(
    store: &Store,
    cache: &VersionCache,
    rules: &Rules,
    period: Period,
) -> Result<Brief, sqlx::Error> {
    let mut services = Vec::new();
    let mut quiet = Vec::new();
    for s in crate::services::store::list(store).await? {
        let Some(newest) = s.versions.first().cloned() else {
            continue;
        };
        let b = service(store, cache, rules, &s.versions, newest, &period).await?;
        if b.is_quiet() {
            quiet.push(b.title);
        } else {
            services.push(b);
        }
    }
    Ok(Brief {
        period,
        services,
        quiet,
    })
}

async fn service(
    store: &Store,
    cache: &VersionCache,
    rules: &Rules,
    versions: &[VersionSummary],
    v: VersionSummary,
    period: &Period,
) -> Result<ServiceBrief, sqlx::Error> {
    let lists: &[Checklist] = &rules.checklists;
    let name = |m: &str| cache.registry().short_name(m);
    let base = format!("/tjanster/{}/{}", v.service_id, v.version);
    let taking_part = cache.variants(v.id).await?.len();
    let of_all = |c: &Comment| match backers(c) {
        0 | 1 => "ingen annan kommun har instämt ännu".to_string(),
        n => format!("{n} av {taking_part} instämmer"),
    };
    let whose = |c: &Comment| {
        c.municipality
            .as_deref()
            .map(&name)
            .unwrap_or_else(|| "Hela tjänsten".into())
    };

    // Every version's comments, read once: the newest's also say what waits.
    let mut current: Vec<Comment> = Vec::new();
    let mut new: Vec<Comment> = Vec::new();
    for ver in versions {
        let all = crate::reviews::store::list(store, ver.id).await?;
        let is_new = |c: &Comment| {
            c.parent_id.is_none() && c.carried_from.is_none() && period.contains(&c.created_at)
        };
        new.extend(all.iter().filter(|c| is_new(c)).cloned());
        if ver.id == v.id {
            current = all;
        }
    }
    // New comments in the period, on any version, by class.
    let new_comments = Class::ALL
        .iter()
        .filter_map(|class| {
            let mut of: Vec<&Comment> = new.iter().filter(|c| c.class == *class).collect();
            of.sort_by_key(|c| std::cmp::Reverse(backers(c)));
            (!of.is_empty()).then(|| Group {
                heading: format!("{} ({})", capitalised(class.swedish()), of.len()),
                lines: of
                    .iter()
                    .map(|c| Line {
                        key: format!("comment:{}", c.id),
                        text: format!(
                            "{} ({}, {}): ”{}” – {}",
                            whose(c),
                            c.author_name,
                            day(&c.created_at),
                            excerpt(&c.body, 140),
                            of_all(c)
                        ),
                        link: format!("/synpunkter/{}", c.id),
                    })
                    .collect(),
                more: 0,
                more_link: String::new(),
            })
        })
        .collect();

    // What waits on the newest version.
    let open_top = || {
        current
            .iter()
            .filter(|c| c.parent_id.is_none() && c.status.is_open())
    };
    let mut krav: Vec<&Comment> = open_top().filter(|c| c.class == Class::Krav).collect();
    krav.sort_by_key(|c| (std::cmp::Reverse(backers(c)), c.id));
    let top_krav = krav
        .iter()
        .filter(|c| !c.endorsements.is_empty())
        .take(TOP_KRAV)
        .map(|c| Line {
            key: format!("krav:{}", c.id),
            text: format!("{} – ”{}” ({})", of_all(c), excerpt(&c.body, 140), whose(c)),
            link: format!("/synpunkter/{}", c.id),
        })
        .collect();

    let mut legal: Vec<Line> = open_top()
        .filter(|c| c.class == Class::Juridisk)
        .map(|c| Line {
            key: format!("legal:{}", c.id),
            text: format!(
                "{} frågar: ”{}” – väntar på ställningstagande",
                whose(c),
                excerpt(&c.body, 140)
            ),
            link: format!("/synpunkter/{}", c.id),
        })
        .collect();
    let eval = crate::checklists::evaluate(store, v.id, lists).await?;
    for i in eval.unsettled() {
        let mut readers: Vec<String> = i
            .local
            .iter()
            .filter_map(|a| a.municipality.as_deref().map(&name))
            .collect();
        readers.dedup();
        legal.push(Line {
            key: format!("conflict:{}/{}", i.checklist, i.item.id),
            text: format!(
                "Kommunerna läser ”{}” olika ({}) – regionen har inte tagit ställning",
                i.item.title,
                readers.join(", ")
            ),
            link: format!("{base}/checklistor"),
        });
    }

    let gate = crate::release::evaluate(store, rules, &v).await?;
    let awaiting = if gate.released {
        Vec::new()
    } else {
        blockers(&gate.blockers, &base)
    };

    let rounds = round(store, cache, &v, period, &base)
        .await?
        .into_iter()
        .collect();

    let words = Words {
        registry: cache.registry(),
        gate: &gate,
        lists,
    };
    let decisions = decisions::within(store, &v.service_id, period, &words).await?;

    Ok(ServiceBrief {
        title: v.title.clone(),
        version: v.version.clone(),
        link: base,
        new_comments,
        top_krav,
        legal,
        awaiting,
        rounds,
        decisions,
    })
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// The gate's blockers by condition, each condition's first lines.
fn blockers(all: &[Blocker], base: &str) -> Vec<Group> {
    Condition::ALL
        .iter()
        .filter_map(|cond| {
            let of: Vec<&Blocker> = all.iter().filter(|b| b.condition == *cond).collect();
            (!of.is_empty()).then(|| Group {
                heading: format!("{} ({})", cond.swedish(), of.len()),
                lines: of
                    .iter()
                    .take(BLOCKER_LINES)
                    .map(|b| Line {
                        key: format!("blocker:{}", b.key),
                        text: b.message.clone(),
                        link: b
                            .evidence
                            .clone()
                            .unwrap_or_else(|| format!("{base}/release")),
                    })
                    .collect(),
                more: of.len().saturating_sub(BLOCKER_LINES),
                more_link: format!("{base}/release"),
            })
        })
        .collect()
}

/// The newest version's latest round, if it matters to this meeting: still
/// open, or opened, closed or answered within the period.
async fn round(
    store: &Store,
    cache: &VersionCache,
    v: &VersionSummary,
    period: &Period,
    base: &str,
) -> Result<Option<RoundBrief>, sqlx::Error> {
    let Some(r) = rounds::latest(store, v.id).await? else {
        return Ok(None);
    };
    let answers = rounds::answers(store, r.id).await?;
    let in_period = period.contains(&r.opened_at)
        || r.closed_at.as_deref().is_some_and(|c| period.contains(c))
        || answers.iter().any(|a| period.contains(&a.answered_at));
    if r.is_closed() && !in_period {
        return Ok(None);
    }
    let participating: Vec<String> = cache
        .variants(v.id)
        .await?
        .iter()
        .map(|x| x.municipality.clone())
        .collect();
    let deadline = crate::clock::swedish_date(&r.deadline);
    let now = chrono::Utc::now();
    let state_words = if r.is_closed() {
        format!(
            "stängdes {}",
            r.closed_at.as_deref().map(day).unwrap_or_default()
        )
    } else if rounds::is_past(&r.deadline, now) {
        format!("sista svarsdagen {deadline} har passerat")
    } else {
        format!("sista svarsdag {deadline}")
    };
    // One line for all who still must decide: the same words for each.
    let waiting: Vec<String> = participating
        .iter()
        .filter(|m| !r.is_closed() && !answers.iter().any(|a| &a.municipality == *m))
        .map(|m| cache.registry().short_name(m))
        .collect();
    let to_decide = if waiting.is_empty() {
        Vec::new()
    } else {
        let when = if rounds::standing_in(&r, None, now) == Standing::Late {
            format!("sista dagen var {deadline}")
        } else {
            format!("senast {deadline}")
        };
        vec![format!(
            "{} ska ta ställning hemma – antar, antar med synpunkter eller avstår – {when}.",
            waiting.join(", ")
        )]
    };
    let answered = answers
        .iter()
        .filter(|a| period.contains(&a.answered_at))
        .map(|a| {
            let why = a
                .reason
                .as_deref()
                .filter(|r| !r.trim().is_empty())
                .map(|r| format!(": {}", excerpt(r, 120)))
                .unwrap_or_default();
            format!(
                "{} svarade ”{}” {}{why}",
                cache.registry().short_name(&a.municipality),
                a.answer.swedish(),
                day(&a.answered_at)
            )
        })
        .collect();
    Ok(Some(RoundBrief {
        key: format!("round:{}", r.id),
        text: format!(
            "Granskningsomgången för version {} öppnades {}, {state_words}: {} av {} kommuner har svarat.",
            v.version,
            day(&r.opened_at),
            answers.len(),
            participating.len()
        ),
        link: format!("{base}/omgang"),
        to_decide,
        answered,
    }))
}
