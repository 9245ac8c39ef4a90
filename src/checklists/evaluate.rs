//! A version against its checklists: each item's automatic results, standing
//! assessments and verdict; conflicts between municipalities' readings; and
//! earlier assessments offered for carry-over where nothing relevant changed.

use serde::Serialize;
use sqlx::Row;

use crate::store::Store;

use super::auto::{self, Evidence, Outcome, VariantResult};
use super::model::{Checklist, Item, Severity};
use super::store::{self, Assessed, Assessment, Position, Positions};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", content = "reason", rename_all = "snake_case")]
pub enum Verdict {
    Ok,
    Failed(String),
    Unassessed(String),
}

#[derive(Debug, Clone, Serialize)]
pub struct ItemStatus {
    pub checklist: String,
    pub item: Item,
    pub results: Vec<VariantResult>,
    pub regional: Option<Assessment>,
    pub local: Vec<Assessment>,
    pub position: Option<Position>,
    /// A legal adviser's proposal for the regional position, made after the
    /// standing one (if any): e-kontoret adopts it or writes its own.
    pub proposal: Option<Position>,
    pub verdict: Verdict,
    /// "fails in 2 of 16: Eda, Torsby"
    pub summary: String,
    /// Municipalities whose standing readings disagree (incl. the regional one).
    pub conflict: bool,
}

impl ItemStatus {
    pub fn blocks(&self) -> bool {
        self.item.severity == Severity::Blocking && self.verdict != Verdict::Ok
    }
}

fn names(ms: &[&str]) -> String {
    let r = crate::municipalities::Registry::builtin();
    ms.iter()
        .map(|m| {
            r.get(m)
                .map(|x| x.short_name.clone())
                .unwrap_or_else(|| m.to_string())
        })
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn judge(
    checklist: &Checklist,
    item: &Item,
    ev: &Evidence,
    current: &[Assessment],
    positions: &Positions,
) -> ItemStatus {
    let results = if item.check.is_some() {
        auto::run(item, ev)
    } else {
        Vec::new()
    };
    let failed: Vec<&str> = results
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Failed(_)))
        .map(|r| r.municipality.as_str())
        .collect();
    let unknown: Vec<&str> = results
        .iter()
        .filter(|r| matches!(&r.outcome, Outcome::Unknown(_)) && !r.outcome.is_outside())
        .map(|r| r.municipality.as_str())
        .collect();
    let outside: Vec<&str> = results
        .iter()
        .filter(|r| r.outcome.is_outside())
        .map(|r| r.municipality.as_str())
        .collect();
    let checked = results
        .iter()
        .filter(|r| !matches!(r.outcome, Outcome::NotApplicable) && !r.outcome.is_outside())
        .count();
    let mine: Vec<&Assessment> = current
        .iter()
        .filter(|a| a.checklist == checklist.id && a.item == item.id)
        .collect();
    let regional = mine
        .iter()
        .find(|a| a.municipality.is_none())
        .map(|a| (*a).clone());
    let local: Vec<Assessment> = mine
        .iter()
        .filter(|a| a.municipality.is_some())
        .map(|a| (*a).clone())
        .collect();
    let mut statuses: Vec<Assessed> = mine.iter().map(|a| a.status).collect();
    statuses.dedup();
    let conflict = mine.iter().any(|a| a.status != mine[0].status);
    let summary = if item.check.is_none() {
        "bedöms av jurist".to_string()
    } else if !failed.is_empty() {
        format!(
            "underkänd i {} av {checked}: {}",
            failed.len(),
            names(&failed)
        )
    } else if !unknown.is_empty() {
        format!(
            "okänd i {} av {checked}: {}",
            unknown.len(),
            names(&unknown)
        )
    } else if checked > 0 {
        format!("godkänd i alla {checked}")
    } else if outside.is_empty() {
        "gäller ingen av varianterna".to_string()
    } else {
        "ingen variant kunde kontrolleras automatiskt".to_string()
    };
    // Say which variants the check did not reach, so no line reads as if
    // every municipality had passed.
    let summary = match outside.len() {
        0 => summary,
        1 => format!(
            "{summary}; ej kontrollerad i {} (egen e-tjänst utanför provrummet)",
            names(&outside)
        ),
        _ => format!(
            "{summary}; ej kontrollerad i {} (egna e-tjänster utanför provrummet)",
            names(&outside)
        ),
    };
    let not_met: Vec<String> = mine
        .iter()
        .filter(|a| a.status == Assessed::EjUppfyllt)
        .map(|a| match &a.municipality {
            Some(m) => names(&[m.as_str()]),
            None => "regionalt".into(),
        })
        .collect();
    let verdict = if !failed.is_empty() {
        Verdict::Failed(format!("automatisk kontroll {summary}"))
    } else if !not_met.is_empty() {
        Verdict::Failed(format!("bedömd som ej uppfylld: {}", not_met.join(", ")))
    } else if !unknown.is_empty() {
        Verdict::Unassessed(format!("automatisk kontroll {summary}"))
    } else if item.check.is_some() && checked == 0 && !outside.is_empty() {
        // Nothing was checked, yet the item applies: a person must judge it.
        match &regional {
            Some(a) if a.status == Assessed::Uppfyllt => Verdict::Ok,
            _ => Verdict::Unassessed(
                "ingen variant kunde kontrolleras automatiskt: en jurist behöver bedöma punkten"
                    .into(),
            ),
        }
    } else if item.kind.needs_person() {
        match &regional {
            None => Verdict::Unassessed("ingen regional bedömning ännu".into()),
            Some(a) if a.status == Assessed::BehoverUtredas => {
                Verdict::Unassessed("behöver utredas".into())
            }
            Some(_) => Verdict::Ok,
        }
    } else {
        Verdict::Ok
    };
    ItemStatus {
        checklist: checklist.id.clone(),
        position: positions
            .decided
            .iter()
            .find(|p| p.checklist == checklist.id && p.item == item.id)
            .cloned(),
        proposal: positions
            .proposed
            .iter()
            .find(|p| p.checklist == checklist.id && p.item == item.id)
            .cloned(),
        item: item.clone(),
        results,
        regional,
        local,
        verdict,
        summary,
        conflict,
    }
}

pub struct Evaluation {
    pub items: Vec<ItemStatus>,
    pub history: Vec<Assessment>,
}

impl Evaluation {
    /// Items the municipalities read differently with no regional position
    /// yet: what e-kontoret still has to settle.
    pub fn unsettled(&self) -> impl Iterator<Item = &ItemStatus> {
        self.items
            .iter()
            .filter(|i| i.conflict && i.position.is_none())
    }
}

pub async fn evaluate(
    db: &Store,
    version_id: i64,
    checklists: &[Checklist],
) -> Result<Evaluation, sqlx::Error> {
    let ev = auto::gather(db, version_id).await?;
    let history = store::all(db, version_id).await?;
    let current = store::current(&history);
    let positions = store::positions(db, version_id).await?;
    let items = checklists
        .iter()
        .flat_map(|c| c.items.iter().map(move |i| (c, i)))
        .map(|(c, i)| judge(c, i, &ev, &current, &positions))
        .collect();
    Ok(Evaluation { items, history })
}

/// An earlier version's standing assessment, offered for this version
/// because what it judged did not change.
#[derive(Debug, Clone, Serialize)]
pub struct Offer {
    pub from_version: String,
    pub assessment: Assessment,
}

/// Offers for (checklist, item, municipality) pairs not yet assessed in this version.
pub async fn offers(db: &Store, version_id: i64) -> Result<Vec<Offer>, sqlx::Error> {
    let Some(prev) = sqlx::query("select p.id from service_versions p join service_versions v on v.service_id = p.service_id where v.id = $1 and p.id < v.id order by p.id desc limit 1")
        .bind(version_id)
        .fetch_optional(&db.pool)
        .await?
        .map(|r| r.get::<i64, _>("id"))
    else {
        return Ok(Vec::new());
    };
    let here = store::current(&store::all(db, version_id).await?);
    let before = store::current(&store::all(db, prev).await?);
    let (vars_now, vars_then) = (
        crate::services::store::variants(db, version_id).await?,
        crate::services::store::variants(db, prev).await?,
    );
    let base_json = |b: Option<crate::services::BaseService>| {
        b.map(|mut b| {
            b.version.clear();
            serde_json::to_value(&b).unwrap_or_default()
        })
    };
    let base_same = base_json(crate::services::store::base(db, version_id).await?)
        == base_json(crate::services::store::base(db, prev).await?);
    let unchanged = |m: &Option<String>| match m {
        None => base_same,
        Some(m) => {
            let a = vars_now
                .iter()
                .find(|v| &v.municipality == m)
                .map(|v| serde_json::to_value(v).unwrap_or_default());
            let b = vars_then
                .iter()
                .find(|v| &v.municipality == m)
                .map(|v| serde_json::to_value(v).unwrap_or_default());
            a.is_some() && a == b
        }
    };
    Ok(before
        .into_iter()
        .filter(|a| {
            !here.iter().any(|h| {
                h.checklist == a.checklist && h.item == a.item && h.municipality == a.municipality
            })
        })
        .filter(|a| unchanged(&a.municipality))
        .map(|a| Offer {
            from_version: a.version.clone(),
            assessment: a,
        })
        .collect())
}
