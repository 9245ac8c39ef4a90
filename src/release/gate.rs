//! The release gate: may this version ship, and if not, exactly what blocks
//! it. Six conditions over the participating municipalities (those that did
//! not opt out in the review round); each blocker names itself and links its
//! evidence; e-kontoret's waivers (with reason and expiry) lift single blockers.

use std::collections::BTreeSet;

use chrono::Utc;
use serde::Serialize;
use sqlx::Row;

use crate::checklists::{Checklist, Verdict, auto::Outcome};
use crate::compare::Status as DevStatus;
use crate::reviews::rounds::{self, Answer};
use crate::services::store::VersionSummary;
use crate::store::Store;

use super::policy::Policy;
use super::waivers::{self, Waiver};

#[derive(Debug, Clone, Serialize)]
pub struct Blocker {
    /// Stable across checks, so a waiver can name it: `scenarios:eda:bilaga`.
    pub key: String,
    pub condition: &'static str,
    pub municipality: Option<String>,
    pub message: String,
    /// A page of the test room that shows the evidence.
    pub evidence: Option<String>,
    /// A screenshot (artifact hash) that shows it, for the offline report.
    pub screenshot: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict2 {
    Ready,
    Blocked,
}

#[derive(Debug, Clone, Serialize)]
pub struct GateResult {
    pub service: String,
    pub version: String,
    pub title: String,
    pub verdict: Verdict2,
    pub participating: Vec<String>,
    pub opted_out: Vec<(String, String)>,
    pub conditions: Vec<&'static str>,
    pub blockers: Vec<Blocker>,
    pub waived: Vec<(Blocker, Waiver)>,
    pub released: bool,
    pub checked_at: String,
}

fn name(m: &str) -> String {
    crate::municipalities::Registry::builtin().short_name(m)
}

async fn latest_run(db: &Store, version_id: i64) -> Result<Option<i64>, sqlx::Error> {
    Ok(sqlx::query("select id from runs where version_id = $1 and status in ('passed', 'failed', 'error') order by id desc limit 1")
        .bind(version_id)
        .fetch_optional(&db.pool)
        .await?
        .map(|r| r.get(0)))
}

/// (municipality, rule, impact, page label, cell id, screenshot) of a run's axe results.
async fn violations(
    db: &Store,
    run: i64,
) -> Result<Vec<(String, String, String, String, i64, Option<String>)>, sqlx::Error> {
    let rows = sqlx::query("select c.municipality, s.label, s.accessibility, c.id, s.screenshot from step_results s join run_cells c on c.id = s.cell_id where c.run_id = $1 and s.accessibility is not null")
        .bind(run)
        .fetch_all(&db.pool)
        .await?;
    let mut out = Vec::new();
    for r in &rows {
        let v: serde_json::Value = serde_json::from_str(&r.get::<String, _>(2)).unwrap_or_default();
        for x in v["violations"].as_array().into_iter().flatten() {
            out.push((
                r.get::<String, _>(0),
                x["id"].as_str().unwrap_or("?").to_string(),
                x["impact"].as_str().unwrap_or("").to_string(),
                r.get::<String, _>(1),
                r.get::<i64, _>(3),
                r.get::<Option<String>, _>(4),
            ));
        }
    }
    Ok(out)
}

pub async fn check(
    db: &Store,
    v: &VersionSummary,
    checklists: &[Checklist],
    policy: &Policy,
) -> Result<GateResult, sqlx::Error> {
    let base = format!("/tjanster/{}/{}", v.service_id, v.version);
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
    let takes_part = |m: &str| participating.iter().any(|p| p == m);
    let hosted: Vec<&str> = variants
        .iter()
        .filter(|x| x.external_url.is_none() && takes_part(&x.municipality))
        .map(|x| x.municipality.as_str())
        .collect();
    let mut blockers: Vec<Blocker> = Vec::new();
    let mut block = |key: String,
                     condition: &'static str,
                     municipality: Option<&str>,
                     message: String,
                     evidence: Option<String>,
                     screenshot: Option<String>| {
        blockers.push(Blocker {
            key,
            condition,
            municipality: municipality.map(str::to_string),
            message,
            evidence,
            screenshot,
        });
    };
    let run = latest_run(db, v.id).await?;

    // 1. Scenarios pass on every participating hosted variant.
    if policy.applies("scenarios") {
        match run {
            None => block(
                "scenarios:*:no-run".into(),
                "scenarios",
                None,
                "Inga scenarier har körts för versionen.".into(),
                Some("/korningar".into()),
                None,
            ),
            Some(run) => {
                let cells = crate::scenarios::store::cells(db, run).await?;
                for m in &hosted {
                    let mine: Vec<_> = cells.iter().filter(|c| &c.municipality == m).collect();
                    if mine.is_empty() {
                        block(
                            format!("scenarios:{m}:not-run"),
                            "scenarios",
                            Some(m),
                            format!(
                                "Inget scenario kördes i {} i den senaste körningen ({run}).",
                                name(m)
                            ),
                            Some(format!("/korningar/{run}")),
                            None,
                        );
                    }
                    for c in mine.iter().filter(|c| c.status != "passed") {
                        let shot: Option<String> = sqlx::query("select screenshot from step_results where cell_id = $1 and screenshot is not null order by position desc limit 1")
                            .bind(c.id)
                            .fetch_optional(&db.pool)
                            .await?
                            .and_then(|r| r.get(0));
                        let at = c
                            .failed_step
                            .map(|s| format!(" i steg {}", s + 1))
                            .unwrap_or_default();
                        block(
                            format!("scenarios:{m}:{}", c.scenario),
                            "scenarios",
                            Some(m),
                            format!(
                                "Scenariot ”{}” {} i {}{at}: {}",
                                c.scenario,
                                if c.status == "failed" {
                                    "misslyckas"
                                } else {
                                    "gav fel"
                                },
                                name(m),
                                c.reason.clone().unwrap_or_default()
                            ),
                            Some(format!("/korningar/{run}/celler/{}", c.id)),
                            shot,
                        );
                    }
                }
            }
        }
    }

    // 2. Every deviation from the base and the last release is approved.
    if policy.applies("deviations") {
        let judged = crate::compare::judged(db, &v.service_id, v.id).await?;
        let captured: i64 =
            sqlx::query_scalar("select count(*) from captures where version_id = $1")
                .bind(v.id)
                .fetch_one(&db.pool)
                .await?;
        if judged.is_empty() && captured == 0 {
            block(
                "deviations:*:not-compared".into(),
                "deviations",
                None,
                "Varianterna har inte jämförts (provrum compare).".into(),
                Some(format!("{base}/jamforelse")),
                None,
            );
        }
        if let Some(released) = crate::compare::store::last_release(db, &v.service_id, v.id).await?
            && let Some(r) = crate::services::store::version_by_id(db, released).await?
            && !judged.iter().any(|j| j.deviation.reference == r.version)
            && captured > 0
        {
            let compared_any: i64 =
                sqlx::query_scalar("select count(*) from captures where version_id = $1")
                    .bind(released)
                    .fetch_one(&db.pool)
                    .await?;
            if compared_any == 0 {
                block(
                    format!("deviations:*:not-compared-{}", r.version),
                    "deviations",
                    None,
                    format!(
                        "Versionen har inte jämförts med den släppta versionen {}.",
                        r.version
                    ),
                    Some(format!("{base}/jamforelse")),
                    None,
                );
            }
        }
        for j in judged
            .iter()
            .filter(|j| !j.status.is_settled() && takes_part(&j.deviation.municipality))
        {
            let d = &j.deviation;
            let against = if d.reference == "base" {
                "basen".to_string()
            } else {
                format!("version {}", d.reference)
            };
            let what = match j.status {
                DevStatus::Flagged => "är flaggad",
                DevStatus::Error => "kunde inte fångas",
                _ => "är inte godkänd",
            };
            block(
                format!(
                    "deviations:{}:{}:{}:{}:{}",
                    d.municipality, d.reference, d.step, d.kind, d.fingerprint
                ),
                "deviations",
                Some(&d.municipality),
                format!(
                    "Avvikelsen ({}) mot {against} på ”{}” i {} {what}: {}",
                    d.kind,
                    d.step,
                    name(&d.municipality),
                    d.summary
                ),
                Some(format!(
                    "{base}/jamforelse/{}?steg={}",
                    d.municipality, d.step
                )),
                d.detail["diff"].as_str().map(str::to_string),
            );
        }
    }

    // 3. No blocking checklist item failed or unassessed (for participants).
    let eval = crate::checklists::evaluate(db, v.id, checklists).await?;
    if policy.applies("checklists") {
        for i in eval.items.iter().filter(|i| {
            policy.checklist_severities.iter().any(|s| {
                s == match i.item.severity {
                    crate::checklists::Severity::Blocking => "blocking",
                    crate::checklists::Severity::Advisory => "advisory",
                }
            })
        }) {
            let evidence = Some(format!("{base}/checklistor/{}/{}", i.checklist, i.item.id));
            let failed_here: BTreeSet<String> = i
                .results
                .iter()
                .filter(|r| matches!(r.outcome, Outcome::Failed(_)) && takes_part(&r.municipality))
                .map(|r| r.municipality.clone())
                .chain(
                    i.local
                        .iter()
                        .filter(|a| a.status == crate::checklists::store::Assessed::EjUppfyllt)
                        .filter_map(|a| a.municipality.clone())
                        .filter(|m| takes_part(m)),
                )
                .collect();
            for m in &failed_here {
                block(
                    format!("checklists:{m}:{}/{}", i.checklist, i.item.id),
                    "checklists",
                    Some(m),
                    format!(
                        "Checklistpunkten ”{}” är inte uppfylld i {}.",
                        i.item.title,
                        name(m)
                    ),
                    evidence.clone(),
                    None,
                );
            }
            match &i.verdict {
                Verdict::Failed(_)
                    if i.regional.as_ref().is_some_and(|a| {
                        a.status == crate::checklists::store::Assessed::EjUppfyllt
                    }) =>
                {
                    block(
                        format!("checklists:*:{}/{}", i.checklist, i.item.id),
                        "checklists",
                        None,
                        format!(
                            "Checklistpunkten ”{}” är bedömd som ej uppfylld regionalt.",
                            i.item.title
                        ),
                        evidence.clone(),
                        None,
                    );
                }
                Verdict::Unassessed(why) => {
                    let unknown_here = i.results.iter().any(|r| {
                        matches!(&r.outcome, Outcome::Unknown(w) if !w.contains("utanför"))
                            && takes_part(&r.municipality)
                    });
                    if unknown_here || i.item.kind.needs_person() {
                        block(
                            format!("checklists:*:{}/{}", i.checklist, i.item.id),
                            "checklists",
                            None,
                            format!(
                                "Checklistpunkten ”{}” är inte avgjord: {why}.",
                                i.item.title
                            ),
                            evidence.clone(),
                            None,
                        );
                    }
                }
                _ => {}
            }
        }
    }

    // 4. axe-core: no blocking impact anywhere, nothing new since the release.
    if policy.applies("accessibility") {
        match run {
            None => block(
                "accessibility:*:no-run".into(),
                "accessibility",
                None,
                "Ingen körning med axe-core för versionen.".into(),
                Some("/korningar".into()),
                None,
            ),
            Some(run) => {
                let found = violations(db, run).await?;
                let mut seen = BTreeSet::new();
                for (m, rule, impact, label, cell, shot) in found.iter().filter(|x| {
                    takes_part(&x.0) && policy.accessibility_impacts.iter().any(|i| i == &x.2)
                }) {
                    if seen.insert((m.clone(), rule.clone())) {
                        block(
                            format!("accessibility:{m}:{rule}"),
                            "accessibility",
                            Some(m),
                            format!("axe-core: {rule} ({impact}) i {} vid ”{label}”.", name(m)),
                            Some(format!("/korningar/{run}/celler/{cell}")),
                            shot.clone(),
                        );
                    }
                }
                if policy.accessibility_no_new_violations
                    && let Some(released) =
                        crate::compare::store::last_release(db, &v.service_id, v.id).await?
                    && let Some(old_run) = latest_run(db, released).await?
                {
                    let old: BTreeSet<(String, String)> = violations(db, old_run)
                        .await?
                        .into_iter()
                        .map(|x| (x.0, x.1))
                        .collect();
                    for (m, rule, _, label, cell, shot) in found.iter().filter(|x| takes_part(&x.0))
                    {
                        if !old.contains(&(m.clone(), rule.clone()))
                            && seen.insert((m.clone(), rule.clone()))
                        {
                            block(
                                format!("accessibility:{m}:{rule}"),
                                "accessibility",
                                Some(m),
                                format!(
                                    "axe-core: {rule} i {} vid ”{label}” är ny sedan den släppta versionen.",
                                    name(m)
                                ),
                                Some(format!("/korningar/{run}/celler/{cell}")),
                                shot.clone(),
                            );
                        }
                    }
                }
            }
        }
    }

    // 5. No open krav or juridisk fråga.
    if policy.applies("feedback") {
        for c in crate::reviews::store::list(db, v.id)
            .await?
            .into_iter()
            .filter(|c| {
                c.parent_id.is_none()
                    && c.status.is_open()
                    && policy.feedback_classes.iter().any(|k| k == c.class.slug())
            })
        {
            if c.municipality.as_deref().is_some_and(|m| !takes_part(m)) {
                continue;
            }
            let from = c
                .author_municipality
                .as_deref()
                .map(name)
                .unwrap_or_else(|| c.author_name.clone());
            block(
                format!(
                    "feedback:{}:{}",
                    c.municipality.clone().unwrap_or_else(|| "*".into()),
                    c.id
                ),
                "feedback",
                c.municipality.as_deref(),
                format!(
                    "{} #{} från {from}, {} kommuner instämmer, är {}.",
                    c.class.swedish(),
                    c.id,
                    c.endorsements.len(),
                    c.status.swedish()
                ),
                Some(format!("/synpunkter/{}", c.id)),
                None,
            );
        }
    }

    // 6. Every participating municipality answered the review round.
    if policy.applies("round") {
        match &round {
            None => block(
                "round:*:none".into(),
                "round",
                None,
                "Ingen granskningsomgång är öppnad för versionen.".into(),
                Some(format!("{base}/omgang")),
                None,
            ),
            Some(r) => {
                for m in participating
                    .iter()
                    .filter(|m| !answers.iter().any(|a| &a.municipality == *m))
                {
                    let late = rounds::is_past(&r.deadline, Utc::now());
                    block(
                        format!("round:{m}"),
                        "round",
                        Some(m),
                        format!(
                            "{} har inte svarat i granskningsomgången{}.",
                            name(m),
                            if late {
                                " (sista svarsdag har passerat)"
                            } else {
                                ""
                            }
                        ),
                        Some(format!("{base}/omgang")),
                        None,
                    );
                }
            }
        }
    }

    // Waivers lift single blockers until they expire.
    let active = waivers::active(db, v.id).await?;
    let (mut open, mut waived) = (Vec::new(), Vec::new());
    for b in blockers {
        match active.iter().find(|w| w.blocker == b.key) {
            Some(w) => waived.push((b, w.clone())),
            None => open.push(b),
        }
    }
    let released = crate::compare::store::last_release(db, &v.service_id, -1).await? == Some(v.id);
    Ok(GateResult {
        service: v.service_id.clone(),
        version: v.version.clone(),
        title: v.title.clone(),
        verdict: if open.is_empty() {
            Verdict2::Ready
        } else {
            Verdict2::Blocked
        },
        participating,
        opted_out,
        conditions: super::policy::CONDITIONS
            .iter()
            .copied()
            .filter(|c| policy.applies(c))
            .collect(),
        blockers: open,
        waived,
        released,
        checked_at: crate::store::now(),
    })
}
