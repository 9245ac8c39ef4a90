//! The six conditions, each a pure function of the loaded [`GateInput`]
//! returning its blockers, in Swedish, with stable keys for waivers.

use std::collections::BTreeSet;

use crate::checklists::auto::Outcome;
use crate::checklists::store::Assessed;
use crate::checklists::{Severity, Verdict as ItemVerdict};
use crate::release::policy::{Condition, Policy};
use crate::reviews::rounds;

use super::blocker::Blocker;
use super::load::GateInput;

pub(super) fn name(m: &str) -> String {
    crate::municipalities::Registry::builtin().short_name(m)
}

pub(super) fn blocker(
    condition: Condition,
    key: String,
    municipality: Option<&str>,
    message: String,
    evidence: Option<String>,
    screenshot: Option<String>,
) -> Blocker {
    Blocker {
        key,
        condition,
        municipality: municipality.map(str::to_string),
        message,
        evidence,
        screenshot,
        focus: None,
    }
}

/// 1. Scenarios pass on every participating variant.
///
/// Hosted ones must have run; a municipality's own e-service elsewhere
/// counts when a scenario was written for it (its cells ran), and is not
/// required to have one.
pub fn scenarios(g: &GateInput) -> Vec<Blocker> {
    let c = Condition::Scenarios;
    let Some(run) = &g.run else {
        return vec![blocker(
            c,
            "scenarios:*:no-run".into(),
            None,
            "Inga scenarier har körts för versionen.".into(),
            Some("/korningar".into()),
            None,
        )];
    };
    let run = run.id;
    let mut out = Vec::new();
    for m in &g.participating {
        let mine: Vec<_> = g.cells.iter().filter(|c| &c.municipality == m).collect();
        if mine.is_empty() && g.hosted.contains(m) {
            out.push(blocker(
                c,
                format!("scenarios:{m}:not-run"),
                Some(m),
                format!(
                    "Inget scenario kördes i {} i den senaste körningen ({run}).",
                    name(m)
                ),
                Some(format!("/korningar/{run}")),
                None,
            ));
        }
        for cell in mine.iter().filter(|x| x.status != "passed") {
            let at = cell
                .failed_step
                .map(|s| format!(" i steg {}", s + 1))
                .unwrap_or_default();
            let reason = cell.reason.as_deref().unwrap_or_default();
            // The test room's own trouble is no finding about the service:
            // it says so, and that the cure is to run again.
            let what = if cell.status == "failed" {
                "misslyckas"
            } else if crate::browser::infrastructure(reason) {
                "kunde inte köras (kör scenarierna igen)"
            } else {
                "gav fel"
            };
            out.push(blocker(
                c,
                format!("scenarios:{m}:{}", cell.scenario),
                Some(m),
                format!(
                    "Scenariot ”{}” {what} i {}{at}: {}",
                    cell.scenario_title,
                    name(m),
                    crate::scenarios::reasons::in_swedish(reason)
                ),
                Some(format!("/korningar/{run}/celler/{}", cell.id)),
                g.screenshots.get(&cell.id).cloned(),
            ));
        }
    }
    out
}

/// A captured page in words: "startsidan", "steget ”anlaggning”".
pub(super) fn page_words(step: &str, titles: &std::collections::HashMap<String, String>) -> String {
    match step {
        "*" => "hela varianten".into(),
        "start" => "startsidan".into(),
        "logga-in" => "inloggningen".into(),
        "granska" => "granskningssidan".into(),
        "signera" => "signeringssidan".into(),
        "kvittens" => "kvittensen".into(),
        s => {
            let id = s.trim_start_matches("steg/");
            format!(
                "steget ”{}”",
                titles.get(id).map(String::as_str).unwrap_or(id)
            )
        }
    }
}

/// 3. No blocking checklist item failed or unassessed (for participants).
pub fn checklists(g: &GateInput, policy: &Policy) -> Vec<Blocker> {
    let c = Condition::Checklists;
    let mut out = Vec::new();
    let severity = |s: Severity| match s {
        Severity::Blocking => "blocking",
        Severity::Advisory => "advisory",
    };
    for i in g.checklists.items.iter().filter(|i| {
        policy
            .checklist_severities
            .iter()
            .any(|s| s == severity(i.item.severity))
    }) {
        let evidence = Some(format!(
            "{}/checklistor/{}/{}",
            g.base_url, i.checklist, i.item.id
        ));
        let failed_here: BTreeSet<String> = i
            .results
            .iter()
            .filter(|r| matches!(r.outcome, Outcome::Failed(_)) && g.takes_part(&r.municipality))
            .map(|r| r.municipality.clone())
            .chain(
                i.local
                    .iter()
                    .filter(|a| a.status == Assessed::EjUppfyllt)
                    .filter_map(|a| a.municipality.clone())
                    .filter(|m| g.takes_part(m)),
            )
            .collect();
        for m in &failed_here {
            out.push(blocker(
                c,
                format!("checklists:{m}:{}/{}", i.checklist, i.item.id),
                Some(m),
                format!(
                    "Checklistpunkten ”{}” är inte uppfylld i {}.",
                    i.item.title,
                    name(m)
                ),
                evidence.clone(),
                None,
            ));
        }
        let regional = format!("checklists:*:{}/{}", i.checklist, i.item.id);
        match &i.verdict {
            ItemVerdict::Failed(_)
                if i.regional
                    .as_ref()
                    .is_some_and(|a| a.status == Assessed::EjUppfyllt) =>
            {
                out.push(blocker(
                    c,
                    regional,
                    None,
                    format!(
                        "Checklistpunkten ”{}” är bedömd som ej uppfylld regionalt.",
                        i.item.title
                    ),
                    evidence,
                    None,
                ));
            }
            ItemVerdict::Unassessed(why) => {
                let unknown_here = i.results.iter().any(|r| {
                    matches!(&r.outcome, Outcome::Unknown(w) if !w.contains("utanför"))
                        && g.takes_part(&r.municipality)
                });
                if unknown_here || i.item.kind.needs_person() {
                    out.push(blocker(
                        c,
                        regional,
                        None,
                        format!(
                            "Checklistpunkten ”{}” är inte avgjord: {why}.",
                            i.item.title
                        ),
                        evidence,
                        None,
                    ));
                }
            }
            _ => {}
        }
    }
    out
}

/// 4. axe-core: no blocking impact anywhere, nothing new since the release.
pub fn accessibility(g: &GateInput, policy: &Policy) -> Vec<Blocker> {
    let c = Condition::Accessibility;
    let Some(run) = &g.run else {
        return vec![blocker(
            c,
            "accessibility:*:no-run".into(),
            None,
            "Ingen körning med axe-core för versionen.".into(),
            Some("/korningar".into()),
            None,
        )];
    };
    let run = run.id;
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    let steps: Vec<_> = g
        .axe
        .iter()
        .filter(|s| g.takes_part(&s.municipality))
        .collect();
    // An unreadable result is no evidence of "no violations".
    for s in &steps {
        if let Err(why) = &s.result
            && seen.insert((s.municipality.clone(), "unreadable".to_string()))
        {
            out.push(blocker(
                c,
                format!("accessibility:{}:unreadable", s.municipality),
                Some(&s.municipality),
                format!(
                    "{} i {} vid ”{}”.",
                    capitalised(why),
                    name(&s.municipality),
                    crate::scenarios::words::step(&s.label, None)
                ),
                Some(format!("/korningar/{run}/celler/{}", s.cell_id)),
                s.screenshot.clone(),
            ));
        }
    }
    for s in &steps {
        for (rule, impact) in s.violations() {
            if policy.accessibility_impacts.contains(&impact)
                && seen.insert((s.municipality.clone(), rule.clone()))
            {
                let m = &s.municipality;
                out.push(blocker(
                    c,
                    format!("accessibility:{m}:{rule}"),
                    Some(m),
                    format!(
                        "axe-core: {rule} ({impact}) i {} {}.",
                        name(m),
                        found_at(s, &g.step_titles)
                    ),
                    Some(format!("/korningar/{run}/celler/{}", s.cell_id)),
                    s.screenshot.clone(),
                ));
            }
        }
    }
    let old = g.last_release.as_ref().and_then(|r| r.violations.as_ref());
    if policy.accessibility_no_new_violations
        && let Some(old) = old
    {
        for s in &steps {
            for (rule, _) in s.violations() {
                let m = &s.municipality;
                if !old.contains(&(m.clone(), rule.clone()))
                    && seen.insert((m.clone(), rule.clone()))
                {
                    out.push(blocker(
                        c,
                        format!("accessibility:{m}:{rule}"),
                        Some(m),
                        format!(
                            "axe-core: {rule} i {} {} är ny sedan den släppta versionen.",
                            name(m),
                            found_at(s, &g.step_titles)
                        ),
                        Some(format!("/korningar/{run}/celler/{}", s.cell_id)),
                        s.screenshot.clone(),
                    ));
                }
            }
        }
    }
    out
}

/// Where a violation was found: the page it is on, by its title, with the
/// scenario step that led there as context ("på steget ”Fastighet och
/// sökande” (efter ”Logga in med e-legitimation”)"); the step alone when
/// the page's address was not kept.
fn found_at(
    s: &crate::scenarios::results::AxeStep,
    titles: &std::collections::HashMap<String, String>,
) -> String {
    let step = crate::scenarios::words::step(&s.label, None);
    match s.url.as_deref().and_then(page_of_url) {
        Some(page) => format!("på {} (efter ”{step}”)", page_words(&page, titles)),
        None => format!("vid ”{step}”"),
    }
}

/// The page of the sandbox an address is on, as `page_words` names pages:
/// `…/steg/fastighet` → `steg/fastighet`, `…/granska` → `granska`.
fn page_of_url(url: &str) -> Option<String> {
    let path = url.split(['?', '#']).next()?.trim_end_matches('/');
    if let Some((_, step)) = path.rsplit_once("/steg/") {
        return Some(format!("steg/{step}"));
    }
    let last = path.rsplit('/').next()?;
    Some(
        match last {
            "logga-in" | "granska" | "signera" | "kvittens" => last,
            _ => "start",
        }
        .to_string(),
    )
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// 5. No open krav or juridisk fråga.
pub fn feedback(g: &GateInput, policy: &Policy) -> Vec<Blocker> {
    g.comments
        .iter()
        .filter(|c| {
            c.parent_id.is_none()
                && c.status.is_open()
                && policy.feedback_classes.iter().any(|k| k == c.class.slug())
                && c.municipality.as_deref().is_none_or(|m| g.takes_part(m))
        })
        .map(|c| {
            let from = c
                .author_municipality
                .as_deref()
                .map(name)
                .unwrap_or_else(|| c.author_name.clone());
            blocker(
                Condition::Feedback,
                format!(
                    "feedback:{}:{}",
                    c.municipality.as_deref().unwrap_or("*"),
                    c.id
                ),
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
            )
        })
        .collect()
}

/// 6. Every participating municipality answered the review round.
pub fn round(g: &GateInput) -> Vec<Blocker> {
    let c = Condition::Round;
    let evidence = Some(format!("{}/omgang", g.base_url));
    let Some(r) = &g.round else {
        return vec![blocker(
            c,
            "round:*:none".into(),
            None,
            "Ingen granskningsomgång är öppnad för versionen.".into(),
            evidence,
            None,
        )];
    };
    let late = if r.is_closed() {
        " (omgången stängdes innan kommunen svarade)"
    } else if rounds::is_past(&r.deadline, g.now) {
        " (sista svarsdag har passerat)"
    } else {
        ""
    };
    g.participating
        .iter()
        .filter(|m| !g.answers.iter().any(|a| &a.municipality == *m))
        .map(|m| {
            blocker(
                c,
                format!("round:{m}"),
                Some(m),
                format!("{} har inte svarat i granskningsomgången{late}.", name(m)),
                evidence.clone(),
                None,
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_violation_is_on_the_page_its_address_names() {
        let page = |u: &str| super::page_of_url(u);
        let base = "http://127.0.0.1:1/provrum/anmalan/2.1.0/hagfors";
        assert_eq!(
            page(&format!("{base}/steg/fastighet?x=1")).as_deref(),
            Some("steg/fastighet")
        );
        assert_eq!(page(&format!("{base}/granska")).as_deref(), Some("granska"));
        assert_eq!(
            page(&format!("{base}/kvittens/")).as_deref(),
            Some("kvittens")
        );
        assert_eq!(page(base).as_deref(), Some("start"));
    }
}
