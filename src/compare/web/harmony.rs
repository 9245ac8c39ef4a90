//! Who deviates from the base, and why: every local adaptation of a
//! version with the municipalities that have it, the majority that keeps
//! the base's wording, the motivations recorded when e-kontoret approved
//! the municipality's deviations, and the share of variants identical to
//! the base across the service's versions.

use crate::web::Refusals;
use crate::web::csrf::Checked;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::accounts::Action;
use crate::reviews::why;
use crate::services::changes::local_changes_by_step;
use crate::services::store::{self, VersionSummary};
use crate::services::{BaseService, Variant};
use crate::web::page::{Layout, confirmed};
use crate::web::session::{require, require_to};
use crate::web::{AppState, WebError, csrf, render};

/// One local adaptation and who has it.
struct Group {
    change: String,
    /// Each municipality that has it: id, name, the motivations recorded
    /// for it, and the question asked about it (its thread, its replies).
    municipalities: Vec<Member>,
}

struct Member {
    id: String,
    name: String,
    why: Vec<String>,
    asked: Option<why::Asked>,
}

#[derive(Template)]
#[template(path = "compare/harmony.html")]
struct HarmonyPage {
    page: Layout,
    version: VersionSummary,
    csrf: String,
    /// E-kontoret may ask the deviating municipalities why.
    can_ask: bool,
    groups: Vec<Group>,
    /// Hosted variants, and how many of them are the base unchanged.
    hosted: usize,
    as_base: usize,
    /// (version, percent identical to the base), newest first.
    trend: Vec<(String, usize)>,
}

fn percent((same, of): (usize, usize)) -> usize {
    (same * 100).checked_div(of).unwrap_or(100)
}

/// The version's adaptations, each with its municipalities.
async fn groups(
    state: &AppState,
    v: &VersionSummary,
    base: &BaseService,
    variants: &[Variant],
) -> Result<Vec<Group>, WebError> {
    // What e-kontoret wrote when approving a municipality's deviations (from
    // the base or from the last release: either explains the adaptation).
    let judged = crate::compare::judged(&state.store, &v.service_id, v.id).await?;
    let asked = why::asked(&state.store, v.id).await?;
    // A step's adaptation is explained by what was written when that step's
    // deviations were approved; a whole-variant one (contact text,
    // signing) by the decisions on pages no step adaptation explains.
    let motivations = |m: &str, step: Option<&str>, changed: &[&str]| -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        // Deviations name their page (`steg/<id>`), changes their step.
        let mine = |page: &str| {
            let d = page.strip_prefix("steg/").unwrap_or(page);
            match step {
                Some(s) => d == s,
                None => !changed.contains(&d),
            }
        };
        for j in judged
            .iter()
            .filter(|j| j.deviation.municipality == m && mine(&j.deviation.step))
        {
            if let Some(d) = &j.decision
                && d.decision == crate::compare::store::DecisionKind::Approved
                && !d.comment.trim().is_empty()
                && !out.contains(&d.comment)
            {
                out.push(d.comment.clone());
            }
        }
        out
    };
    let mut groups: Vec<Group> = Vec::new();
    for var in variants.iter().filter(|x| x.external_url.is_none()) {
        let changes = local_changes_by_step(base, var);
        let changed: Vec<&str> = changes.iter().filter_map(|(_, s)| s.as_deref()).collect();
        for (change, step) in &changes {
            let change = change.clone();
            let member = Member {
                id: var.municipality.clone(),
                name: state.registry.short_name(&var.municipality),
                why: motivations(&var.municipality, step.as_deref(), &changed),
                asked: asked
                    .iter()
                    .rfind(|a| a.municipality == var.municipality && a.change == change)
                    .cloned(),
            };
            match groups.iter_mut().find(|g| g.change == change) {
                Some(g) => g.municipalities.push(member),
                None => groups.push(Group {
                    change,
                    municipalities: vec![member],
                }),
            }
        }
    }
    for g in &mut groups {
        g.municipalities
            .sort_by_key(|m| crate::municipalities::swedish_sort_key(&m.name));
    }
    // The most widespread adaptations first: the ones worth asking about.
    groups.sort_by_key(|g| std::cmp::Reverse(g.municipalities.len()));
    Ok(groups)
}

/// The version's base, its variants and their adaptations.
async fn adaptations(
    state: &AppState,
    v: &VersionSummary,
) -> Result<(BaseService, std::sync::Arc<Vec<Variant>>, Vec<Group>), WebError> {
    let base = store::base(&state.store, v.id)
        .await?
        .ok_or_else(|| WebError::NotFound("Versionen saknar bas.".into()))?;
    let variants = state.variants(v.id).await?;
    let groups = groups(state, v, &base, &variants).await?;
    Ok((base, variants, groups))
}

pub(super) async fn harmony(
    State(state): State<AppState>,
    Path((service, ver)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let u = require()?;
    let v = state.require_version(&service, &ver).await?;
    let (base, variants, groups) = adaptations(&state, &v).await?;
    let (as_base, hosted) = crate::services::changes::as_base(&base, &variants);
    let mut trend = Vec::new();
    if let Some(s) = store::list(&state.store)
        .await?
        .into_iter()
        .find(|s| s.id == service)
    {
        for other in s.versions {
            let (Some(b), vs) = (
                store::base(&state.store, other.id).await?,
                state.variants(other.id).await?,
            ) else {
                continue;
            };
            trend.push((
                other.version.clone(),
                percent(crate::services::changes::as_base(&b, &vs)),
            ));
        }
    }
    let (token, set_cookie) = csrf::token(&headers, state.secure_cookies);
    let html = render(&HarmonyPage {
        page: Layout::plain(&format!("Vem avviker: {} {} – Provrum", v.title, v.version)),
        version: v,
        csrf: token,
        can_ask: u.may(Action::DecideDeviation),
        groups,
        hosted,
        as_base,
        trend,
    })?;
    Ok(crate::web::with_cookie(html, set_cookie))
}

#[derive(Deserialize)]
pub(super) struct AskForm {
    #[serde(default)]
    change: String,
}

/// "Fråga varför": a question to each municipality that has the adaptation
/// (taken from the version as it is, not from the form).
pub(super) async fn ask(
    State(state): State<AppState>,
    Path((service, ver)): Path<(String, String)>,
    Checked(form): Checked<AskForm>,
) -> Result<Response, WebError> {
    let u = require_to(Action::DecideDeviation)?;
    let v = state.require_version(&service, &ver).await?;
    let (_, _, groups) = adaptations(&state, &v).await?;
    let Some(g) = groups.iter().find(|g| g.change == form.change) else {
        return Err(WebError::NotFound(
            "Ingen kommun har den anpassningen i den här versionen.".into(),
        ));
    };
    let members: Vec<(String, String)> = g
        .municipalities
        .iter()
        .map(|m| (m.id.clone(), m.name.clone()))
        .collect();
    let q = why::Question {
        service_id: &service,
        version_id: v.id,
        change: &g.change,
        municipalities: &members,
    };
    match why::ask(&state.store, q, &u).await.refused()? {
        Ok(_) => Ok(Redirect::to(&confirmed(
            &format!("/tjanster/{service}/{ver}/avvikare"),
            "fraga",
        ))
        .into_response()),
        Err(e) => Err(WebError::BadRequest(e.to_string())),
    }
}
