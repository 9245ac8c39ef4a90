//! "What waits for me": the start page's work list for each role, gathered
//! from the domains below. A reviewer sees their municipalities' review
//! rounds and what was said to and about them since their last visit; a
//! legal adviser the checklist items awaiting an assessment, the open legal
//! questions and the diverging readings without a regional position;
//! e-kontoret each service's gate, rounds closing soon and untriaged comments.

pub mod web;

use chrono::Utc;

use crate::accounts::User;
use crate::release::Rules;
use crate::reviews::news::{self, Note};
use crate::reviews::rounds::{self, Standing, days_left};
use crate::services::cache::VersionCache;
use crate::services::store::VersionSummary;
use crate::store::Store;

/// How many notes a list shows before "see all".
const NOTES: i64 = 10;
/// A round closes "soon" within this many days.
const SOON_DAYS: i64 = 7;

/// A review round as one municipality (or e-kontoret) stands in it.
pub struct RoundDue {
    pub version: VersionSummary,
    pub deadline: String,
    /// Whole days until the deadline's end (negative: late).
    pub days_left: i64,
    /// For a reviewer: the municipality that owes the answer; for
    /// e-kontoret: how many have not answered.
    pub who: String,
    pub late: bool,
    /// For a reviewer: that municipality's id (its variant to try).
    pub municipality: Option<String>,
}

pub struct ReviewerDesk {
    pub rounds: Vec<RoundDue>,
    pub replies: Vec<Note>,
    pub comments: Vec<Note>,
}

/// One version's work for the legal advisers.
pub struct LegalVersion {
    pub version: VersionSummary,
    /// Checklist items a person must judge that have no standing assessment.
    pub awaiting: Vec<String>,
    /// Items where municipalities read the law differently and e-kontoret
    /// has not taken a regional position, each with whether a legal
    /// adviser has proposed one.
    pub conflicts: Vec<(String, bool)>,
    pub questions: Vec<Note>,
}

/// One service's newest version for e-kontoret.
pub struct ServiceGate {
    pub version: VersionSummary,
    pub ready: bool,
    pub blockers: usize,
    pub untriaged: i64,
    /// Checklist items the municipalities read differently, with no
    /// regional position yet (e-kontoret records one).
    pub conflicts: usize,
    /// Of those, how many a legal adviser has proposed a position for.
    pub proposals: usize,
}

pub struct OfficeDesk {
    pub gates: Vec<ServiceGate>,
    pub closing: Vec<RoundDue>,
}

/// Each service's newest version: what the region is reviewing now.
async fn newest(store: &Store) -> Result<Vec<VersionSummary>, sqlx::Error> {
    Ok(crate::services::store::list(store)
        .await?
        .into_iter()
        .filter_map(|s| s.versions.into_iter().next())
        .collect())
}

pub async fn reviewer(
    store: &Store,
    cache: &VersionCache,
    u: &User,
    since: &str,
) -> Result<ReviewerDesk, sqlx::Error> {
    let now = Utc::now();
    let mut due = Vec::new();
    for v in newest(store).await? {
        let Some(round) = rounds::latest(store, v.id).await? else {
            continue;
        };
        let answers = rounds::answers(store, round.id).await?;
        let variants = cache.variants(v.id).await?;
        for m in &u.municipalities {
            if !variants.iter().any(|x| &x.municipality == m) {
                continue;
            }
            let answered = answers.iter().find(|a| &a.municipality == m);
            let standing =
                rounds::standing_in(&round, answered.map(|a| a.answered_at.as_str()), now);
            if matches!(standing, Standing::Waiting | Standing::Late) {
                due.push(RoundDue {
                    version: v.clone(),
                    deadline: round.deadline.clone(),
                    days_left: days_left(&round.deadline, now),
                    who: cache.registry().short_name(m),
                    late: standing == Standing::Late,
                    municipality: Some(m.to_string()),
                });
            }
        }
    }
    due.sort_by_key(|r| r.days_left);
    Ok(ReviewerDesk {
        rounds: due,
        replies: {
            // Replies and decisions on their comments, newest first.
            let mut news = news::replies_to(store, u.id, since, NOTES).await?;
            news.extend(news::decisions_on(store, u.id, since, NOTES).await?);
            news.sort_by(|a, b| b.created_at.cmp(&a.created_at));
            news.truncate(NOTES as usize);
            news
        },
        comments: news::on_variants(store, &u.municipalities, u.id, since, NOTES).await?,
    })
}

pub async fn legal(store: &Store, rules: &Rules) -> Result<Vec<LegalVersion>, sqlx::Error> {
    let lists = &rules.checklists;
    let mut out = Vec::new();
    for v in newest(store).await? {
        let eval = crate::checklists::evaluate::evaluate(store, v.id, lists).await?;
        let awaiting = eval
            .items
            .iter()
            // A person must judge it and no standing regional reading settles
            // it (an automatic check still to run is not theirs to do).
            .filter(|i| {
                i.item.kind.needs_person()
                    && i.regional.as_ref().is_none_or(|a| {
                        a.status == crate::checklists::store::Assessed::BehoverUtredas
                    })
            })
            .map(|i| i.item.title.clone())
            .collect();
        let conflicts = eval
            .unsettled()
            .map(|i| (i.item.title.clone(), i.proposal.is_some()))
            .collect();
        let questions = news::open_of_class(store, v.id, crate::reviews::Class::Juridisk).await?;
        out.push(LegalVersion {
            version: v,
            awaiting,
            conflicts,
            questions,
        });
    }
    Ok(out)
}

pub async fn office(store: &Store, rules: &Rules) -> Result<OfficeDesk, sqlx::Error> {
    let now = Utc::now();
    let lists = &rules.checklists;
    let mut gates = Vec::new();
    let mut closing = Vec::new();
    for v in newest(store).await? {
        let g = crate::release::evaluate(store, rules, &v).await?;
        if let Some(round) = rounds::latest(store, v.id).await? {
            let left = days_left(&round.deadline, now);
            if (-SOON_DAYS..=SOON_DAYS).contains(&left) {
                let answered = rounds::answers(store, round.id).await?.len();
                let waiting = (v.variants as usize).saturating_sub(answered);
                if waiting > 0 {
                    closing.push(RoundDue {
                        version: v.clone(),
                        deadline: round.deadline.clone(),
                        days_left: left,
                        who: match waiting {
                            1 => "1 kommun har inte svarat".into(),
                            n => format!("{n} kommuner har inte svarat"),
                        },
                        late: left < 0,
                        municipality: None,
                    });
                }
            }
        }
        let eval = crate::checklists::evaluate::evaluate(store, v.id, lists).await?;
        gates.push(ServiceGate {
            conflicts: eval.unsettled().count(),
            proposals: eval.unsettled().filter(|i| i.proposal.is_some()).count(),
            untriaged: news::untriaged(store, v.id).await?,
            ready: g.verdict == crate::release::Verdict::Ready,
            blockers: g.blockers.len(),
            version: v,
        });
    }
    closing.sort_by_key(|r| r.days_left);
    Ok(OfficeDesk { gates, closing })
}
