//! Who deviates from the base, and why: every local adaptation of a
//! version with the municipalities that have it, the majority that keeps
//! the base's wording, the motivations recorded when e-kontoret approved
//! the municipality's deviations, and the share of variants identical to
//! the base across the service's versions.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Html;

use crate::services::changes::local_changes;
use crate::services::store::{self, VersionSummary};
use crate::services::{BaseService, Variant};
use crate::web::page::Page;
use crate::web::session::require;
use crate::web::{AppState, WebError, render};

/// One local adaptation and who has it.
struct Group {
    change: String,
    /// (name, motivations recorded for it).
    municipalities: Vec<(String, Vec<String>)>,
}

#[derive(Template)]
#[template(path = "compare/harmony.html")]
struct HarmonyPage {
    page: Page,
    version: VersionSummary,
    groups: Vec<Group>,
    /// Hosted variants, and how many of them are the base unchanged.
    hosted: usize,
    as_base: usize,
    /// (version, percent identical to the base), newest first.
    trend: Vec<(String, usize)>,
}

/// Percent of hosted variants with no local adaptation.
fn share(base: &BaseService, variants: &[Variant]) -> (usize, usize) {
    let hosted: Vec<&Variant> = variants
        .iter()
        .filter(|v| v.external_url.is_none())
        .collect();
    let same = hosted
        .iter()
        .filter(|v| local_changes(base, v).is_empty())
        .count();
    (same, hosted.len())
}

fn percent((same, of): (usize, usize)) -> usize {
    (same * 100).checked_div(of).unwrap_or(100)
}

pub(super) async fn harmony(
    State(state): State<AppState>,
    Path((service, ver)): Path<(String, String)>,
) -> Result<Html<String>, WebError> {
    require()?;
    let v = state.require_version(&service, &ver).await?;
    let base = store::base(&state.store, v.id)
        .await?
        .ok_or_else(|| WebError::NotFound("Versionen saknar bas.".into()))?;
    let variants = state.variants(v.id).await?;
    // What e-kontoret wrote when approving a municipality's deviations (from
    // the base or from the last release: either explains the adaptation).
    let judged = crate::compare::judged(&state.store, &service, v.id).await?;
    let motivations = |m: &str| -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for j in judged.iter().filter(|j| j.deviation.municipality == m) {
            if let Some(d) = &j.decision
                && d.decision == "approved"
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
        let name = state.registry.short_name(&var.municipality);
        for change in local_changes(&base, var) {
            let entry = (name.clone(), motivations(&var.municipality));
            match groups.iter_mut().find(|g| g.change == change) {
                Some(g) => g.municipalities.push(entry),
                None => groups.push(Group {
                    change,
                    municipalities: vec![entry],
                }),
            }
        }
    }
    for g in &mut groups {
        g.municipalities
            .sort_by_key(|(n, _)| crate::municipalities::swedish_sort_key(n));
    }
    // The most widespread adaptations first: the ones worth asking about.
    groups.sort_by_key(|g| std::cmp::Reverse(g.municipalities.len()));
    let (as_base, hosted) = share(&base, &variants);
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
            trend.push((other.version.clone(), percent(share(&b, &vs))));
        }
    }
    render(&HarmonyPage {
        page: Page::plain(&format!("Vem avviker: {} {} – Provrum", v.title, v.version)),
        version: v,
        groups,
        hosted,
        as_base,
        trend,
    })
}
