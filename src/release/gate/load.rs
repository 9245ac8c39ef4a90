//! Everything the gate's conditions look at, loaded once: a fixed number of
//! queries whatever the number of variants, cells, deviations or comments.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};

use crate::checklists::{Checklist, Evaluation};
use crate::compare::Judged;
use crate::release::policy::{Condition, Policy};
use crate::release::waivers::Waiver;
use crate::reviews::model::Comment;
use crate::reviews::rounds::{self, Answer, Round, RoundAnswer};
use crate::scenarios::results::{self, AxeStep, LatestRun};
use crate::scenarios::store::CellRow;
use crate::services::store::VersionSummary;
use crate::store::Store;

/// The last released version, as the deviation and accessibility conditions see it.
pub struct Released {
    pub version: String,
    /// Whether that version was ever captured (so it can be compared with).
    pub captured: bool,
    /// (municipality, rule) of every axe-core violation in its counting run.
    pub violations: Option<BTreeSet<(String, String)>>,
}

pub struct GateInput {
    pub version: VersionSummary,
    /// `/tjanster/<service>/<version>`: where evidence links start.
    pub base_url: String,
    pub participating: Vec<String>,
    pub opted_out: Vec<(String, String)>,
    /// Participating municipalities whose variant the test room hosts.
    pub hosted: Vec<String>,
    pub run: Option<LatestRun>,
    pub cells: Vec<CellRow>,
    /// The last screenshot of each cell of `run`.
    pub screenshots: HashMap<i64, String>,
    pub axe: Vec<AxeStep>,
    pub judged: Vec<Judged>,
    /// Whether this version was captured at all.
    pub captured: bool,
    /// The newest captures: made, or reused from another version.
    pub captures: crate::compare::store::CaptureProvenance,
    pub last_release: Option<Released>,
    pub checklists: Evaluation,
    pub comments: Vec<Comment>,
    pub round: Option<Round>,
    pub answers: Vec<RoundAnswer>,
    pub waivers: Vec<Waiver>,
    /// This version is the service's last release.
    pub released: bool,
    pub now: DateTime<Utc>,
    /// Each step's title by its id (the first variant that has it), so
    /// blockers name pages as people see them.
    pub step_titles: HashMap<String, String>,
}

impl GateInput {
    pub fn takes_part(&self, m: &str) -> bool {
        self.participating.iter().any(|p| p == m)
    }
}

pub async fn load(
    db: &Store,
    v: &VersionSummary,
    checklists: &[Checklist],
    policy: &Policy,
) -> Result<GateInput, sqlx::Error> {
    let variants = crate::services::store::variants(db, v.id).await?;
    let round = rounds::latest(db, v.id).await?;
    let answers = match &round {
        Some(r) => rounds::answers(db, r.id).await?,
        None => Vec::new(),
    };
    let opted_out: Vec<(String, String)> = answers
        .iter()
        .filter(|a| a.answer == Answer::Avstar)
        .map(|a| (a.municipality.clone(), a.reason.clone().unwrap_or_default()))
        .collect();
    let participating: Vec<String> = variants
        .iter()
        .map(|x| x.municipality.clone())
        .filter(|m| !opted_out.iter().any(|(o, _)| o == m))
        .collect();
    let hosted = variants
        .iter()
        .filter(|x| x.external_url.is_none() && participating.contains(&x.municipality))
        .map(|x| x.municipality.clone())
        .collect();

    let run = results::latest_run(db, v.id).await?;
    let (cells, screenshots, axe) = match &run {
        Some(r) => (
            crate::scenarios::store::cells(db, r.id).await?,
            results::last_screenshots(db, r.id).await?,
            results::axe_steps(db, r.id).await?,
        ),
        None => (Vec::new(), HashMap::new(), Vec::new()),
    };

    let judged = if policy.applies(Condition::Deviations) {
        crate::compare::judged(db, &v.service_id, v.id).await?
    } else {
        Vec::new()
    };
    let captures = crate::compare::store::capture_provenance(db, v.id).await?;
    let last_release =
        match crate::services::releases::last_release(db, &v.service_id, v.id).await? {
            Some(id) => Some(released(db, id, policy).await?),
            None => None,
        }
        .flatten();

    let mut step_titles = HashMap::new();
    for s in variants.iter().flat_map(|x| &x.steps) {
        step_titles
            .entry(s.id.clone())
            .or_insert_with(|| s.title.clone());
    }
    Ok(GateInput {
        step_titles,
        base_url: format!("/tjanster/{}/{}", v.service_id, v.version),
        participating,
        opted_out,
        hosted,
        run,
        cells,
        screenshots,
        axe,
        judged,
        captured: captures.total > 0,
        captures,
        last_release,
        checklists: crate::checklists::evaluate(db, v.id, checklists).await?,
        comments: crate::reviews::store::list(db, v.id).await?,
        round,
        answers,
        waivers: crate::release::waivers::active(db, v.id).await?,
        released: crate::services::releases::last_release(db, &v.service_id, -1).await?
            == Some(v.id),
        now: Utc::now(),
        version: v.clone(),
    })
}

async fn released(db: &Store, id: i64, policy: &Policy) -> Result<Option<Released>, sqlx::Error> {
    let Some(r) = crate::services::store::version_by_id(db, id).await? else {
        return Ok(None);
    };
    let violations = if policy.accessibility_no_new_violations {
        match results::latest_run(db, id).await? {
            Some(run) => Some(
                results::axe_steps(db, run.id)
                    .await?
                    .iter()
                    .flat_map(|s| {
                        s.violations()
                            .into_iter()
                            .map(|(rule, _)| (s.municipality.clone(), rule))
                    })
                    .collect(),
            ),
            None => None,
        }
    } else {
        None
    };
    Ok(Some(Released {
        version: r.version,
        captured: crate::compare::store::capture_count(db, id).await? > 0,
        violations,
    }))
}
