//! E-kontoret's review queue: every change of a version once, the same
//! change in several municipalities as one item (`compare::changes`), with
//! a count, next/previous, keyboard shortcuts and "approve all pending for
//! one municipality" behind a confirmation that lists what it approves.
//! Each decision is recorded per piece of evidence (`store::decide`), so
//! the audit names every fingerprint and a changed piece is asked again.

use crate::web::csrf::Checked;
use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::accounts::Action;
use crate::compare::changes::{self, Item};
use crate::compare::{Judged, Status, store};
use crate::services::store::VersionSummary;
use crate::web::page::Layout;
use crate::web::session::{require, require_to};
use crate::web::{AppState, WebError, csrf, render};

use super::evidence::DeviationView;
use super::view::step_label;

/// An item as a line in the queue.
struct Line {
    key: String,
    what: String,
    page: String,
    reference: String,
    municipalities: String,
    status: Status,
}

#[derive(Template)]
#[template(path = "compare/queue.html")]
struct QueuePage {
    page: Layout,
    version: VersionSummary,
    csrf: String,
    /// (kind of change, lines), pending first.
    groups: Vec<(&'static str, Vec<Line>)>,
    decided: usize,
    total: usize,
    /// Municipalities with pending changes: (id, name, count).
    pending_by_municipality: Vec<(String, String, usize)>,
    can_decide: bool,
}

#[derive(Template)]
#[template(path = "compare/item.html")]
struct ItemPage {
    page: Layout,
    version: VersionSummary,
    csrf: String,
    key: String,
    what: String,
    page_label: String,
    reference: String,
    status: Status,
    /// (id, name, status of that municipality's change, cell URL).
    members: Vec<(String, String, Status, String)>,
    summaries: Vec<String>,
    /// The evidence of the first municipality's change, shown in full.
    shown_for: String,
    evidence: Vec<DeviationView>,
    position: usize,
    total: usize,
    previous: Option<String>,
    next: Option<String>,
    can_decide: bool,
    error: Option<String>,
    typed: (String, String),
}

#[derive(Template)]
#[template(path = "compare/approve_all.html")]
struct ConfirmPage {
    page: Layout,
    version: VersionSummary,
    csrf: String,
    municipality: String,
    municipality_name: String,
    /// (what, page) of each pending change it would approve.
    listed: Vec<(String, String)>,
}

struct Ctx {
    version: VersionSummary,
    items: Vec<Item>,
    titles: HashMap<String, String>,
}

async fn load(state: &AppState, service: &str, ver: &str) -> Result<Ctx, WebError> {
    let version = state.require_version(service, ver).await?;
    let judged: Vec<Judged> = crate::compare::judged(&state.store, service, version.id).await?;
    let variants = state.variants(version.id).await?;
    let titles = super::view::step_titles(&variants);
    Ok(Ctx {
        items: list_order(changes::items(&judged)),
        version,
        titles,
    })
}

/// The items in the order the queue's list shows them: pending ones by
/// kind (in the order the kinds first appear), then the decided ones. The
/// item pages' "Nästa" and "n av N" walk the same order.
fn list_order(items: Vec<Item>) -> Vec<Item> {
    let mut kinds: Vec<&'static str> = Vec::new();
    for i in items.iter().filter(|i| i.is_pending()) {
        if !kinds.contains(&i.kind_words()) {
            kinds.push(i.kind_words());
        }
    }
    let mut items = items;
    items.sort_by_key(|i| {
        if i.is_pending() {
            kinds.iter().position(|k| *k == i.kind_words()).unwrap_or(0)
        } else {
            kinds.len()
        }
    });
    items
}

fn reference_words(reference: &str) -> String {
    if reference == "base" {
        "mot basen".into()
    } else {
        format!("mot version {reference}")
    }
}

fn first_line(item: &Item) -> String {
    item.summaries().into_iter().next().unwrap_or_default()
}

fn names(state: &AppState, item: &Item) -> String {
    // A colour swap holds one change per page: each municipality once.
    let mut list: Vec<String> = Vec::new();
    for c in &item.changes {
        let name = state.registry.short_name(&c.municipality);
        if !list.contains(&name) {
            list.push(name);
        }
    }
    list.join(", ")
}

fn base_url(v: &VersionSummary) -> String {
    format!("/tjanster/{}/{}/jamforelse", v.service_id, v.version)
}

pub(super) async fn queue(
    State(state): State<AppState>,
    Path((service, ver)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let user = require()?;
    let ctx = load(&state, &service, &ver).await?;
    let mut groups: Vec<(&'static str, Vec<Line>)> = Vec::new();
    for item in &ctx.items {
        let line = Line {
            key: item.key.clone(),
            what: first_line(item),
            page: super::view::item_pages_label(item, &ctx.titles),
            reference: reference_words(&item.reference),
            municipalities: names(&state, item),
            status: item.status(),
        };
        let kind = if item.is_pending() {
            item.kind_words()
        } else {
            "Redan beslutade"
        };
        match groups.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, lines)) => lines.push(line),
            None => groups.push((kind, vec![line])),
        }
    }
    let mut by: Vec<(String, String, usize)> = Vec::new();
    for item in ctx.items.iter() {
        for c in item
            .changes
            .iter()
            .filter(|c| c.status() == Status::Pending)
        {
            match by.iter_mut().find(|(m, _, _)| *m == c.municipality) {
                Some((_, _, n)) => *n += 1,
                None => by.push((
                    c.municipality.clone(),
                    state.registry.short_name(&c.municipality),
                    1,
                )),
            }
        }
    }
    by.sort_by_key(|(_, name, _)| crate::municipalities::swedish_sort_key(name));
    let (csrf, set) = csrf::token(&headers, state.secure_cookies);
    let v = &ctx.version;
    let title = format!("Granskningskö för {} {} – Provrum", v.title, v.version);
    let html = render(&QueuePage {
        page: Layout::plain(&title),
        csrf,
        decided: ctx.items.iter().filter(|i| !i.is_pending()).count(),
        total: ctx.items.len(),
        groups,
        pending_by_municipality: by,
        can_decide: user.may(Action::DecideDeviation),
        version: ctx.version,
    })?;
    Ok(crate::web::with_cookie(html, set))
}

pub(super) async fn item(
    State(state): State<AppState>,
    Path((service, ver, key)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    require()?;
    let ctx = load(&state, &service, &ver).await?;
    item_view(&state, &headers, ctx, &key, None).await
}

async fn item_view(
    state: &AppState,
    headers: &HeaderMap,
    ctx: Ctx,
    key: &str,
    refused: Option<(String, String, String)>,
) -> Result<Response, WebError> {
    let user = require()?;
    let Some(at) = ctx.items.iter().position(|i| i.key == key) else {
        return Err(WebError::NotFound(
            "Ändringen finns inte längre: den kan ha ändrats vid en ny jämförelse. Gå tillbaka till kön."
                .into(),
        ));
    };
    let item = &ctx.items[at];
    let base = base_url(&ctx.version);
    let several_pages = item.pages().len() > 1;
    let members = item
        .changes
        .iter()
        .map(|c| {
            let name = state.registry.short_name(&c.municipality);
            (
                c.municipality.clone(),
                if several_pages {
                    format!("{name} – {}", step_label(&c.step, &ctx.titles))
                } else {
                    name
                },
                c.status(),
                format!(
                    "{base}/{}?steg={}",
                    c.municipality,
                    super::view::urlencode(&c.step)
                ),
            )
        })
        .collect();
    let stored = store::deviations(&state.store, ctx.version.id).await?;
    let shown = &item.changes[0];
    let evidence = super::evidence::evidence_views(state, shown.evidence.clone(), &stored).await;
    let link = |i: Option<&Item>| i.map(|i| format!("{base}/ko/{}", i.key));
    let (csrf, set) = csrf::token(headers, state.secure_cookies);
    let page_label = super::view::item_pages_label(item, &ctx.titles);
    let title = format!(
        "{page_label}: {} – granskningskö för {} {} – Provrum",
        names(state, item),
        ctx.version.title,
        ctx.version.version
    );
    let (error, typed) = match refused {
        Some((e, d, c)) => (Some(e), (d, c)),
        None => (None, (String::new(), String::new())),
    };
    let html = render(&ItemPage {
        page: Layout::plain(&title),
        csrf,
        key: item.key.clone(),
        what: first_line(item),
        page_label,
        reference: reference_words(&item.reference),
        status: item.status(),
        members,
        summaries: item.summaries(),
        shown_for: state.registry.short_name(&shown.municipality),
        evidence,
        position: at + 1,
        total: ctx.items.len(),
        previous: link(at.checked_sub(1).and_then(|p| ctx.items.get(p))),
        next: link(ctx.items.get(at + 1)),
        can_decide: user.may(Action::DecideDeviation),
        error,
        typed,
        version: ctx.version,
    })?;
    Ok(crate::web::with_cookie(html, set))
}

#[derive(Deserialize)]
pub(super) struct DecideForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    comment: String,
}

/// One decision for every municipality of the item, then on to the next
/// pending item (or back to the queue when none is left).
pub(super) async fn decide(
    State(state): State<AppState>,
    Path((service, ver, key)): Path<(String, String, String)>,
    headers: HeaderMap,
    Checked(form): Checked<DecideForm>,
) -> Result<Response, WebError> {
    let user = require_to(Action::DecideDeviation)?;
    let ctx = load(&state, &service, &ver).await?;
    let Some(item) = ctx.items.iter().find(|i| i.key == key).cloned() else {
        return Err(WebError::NotFound(
            "Ändringen finns inte längre: den kan ha ändrats vid en ny jämförelse.".into(),
        ));
    };
    let comment = form.comment.trim();
    let decision = match super::decide::decision_of(&form.decision, comment, "en ändring") {
        Ok(d) => d,
        Err(message) => {
            let refused = (message, form.decision, form.comment);
            let mut r = item_view(&state, &headers, ctx, &key, Some(refused)).await?;
            *r.status_mut() = StatusCode::BAD_REQUEST;
            return Ok(r);
        }
    };
    store::decide(
        &state.store,
        &service,
        &ctx.version.version,
        &item.deviations(),
        decision,
        comment,
        &user.name,
    )
    .await?;
    let base = base_url(&ctx.version);
    // The next pending item after this one, else the first pending one.
    let at = ctx.items.iter().position(|i| i.key == key).unwrap_or(0);
    let next = ctx.items[at + 1..]
        .iter()
        .chain(ctx.items[..at].iter())
        .find(|i| i.is_pending());
    Ok(Redirect::to(&match next {
        Some(i) => format!("{base}/ko/{}", i.key),
        None => format!("{base}/ko"),
    })
    .into_response())
}

#[derive(Deserialize)]
pub(super) struct AllForm {
    #[serde(default)]
    kommun: String,
    /// Set by the confirmation page's button: nothing is approved before.
    #[serde(default)]
    bekraftat: String,
}

/// "Godkänn alla väntande för Kil": first a page that lists them, then,
/// confirmed, one approval per change.
pub(super) async fn approve_all(
    State(state): State<AppState>,
    Path((service, ver)): Path<(String, String)>,
    headers: HeaderMap,
    Checked(form): Checked<AllForm>,
) -> Result<Response, WebError> {
    let user = require_to(Action::DecideDeviation)?;
    let ctx = load(&state, &service, &ver).await?;
    let pending: Vec<(&Item, &changes::Change)> = ctx
        .items
        .iter()
        .flat_map(|i| i.changes.iter().map(move |c| (i, c)))
        .filter(|(_, c)| c.municipality == form.kommun && c.status() == Status::Pending)
        .collect();
    if form.bekraftat != "ja" {
        let (csrf, set) = csrf::token(&headers, state.secure_cookies);
        let name = state.registry.short_name(&form.kommun);
        let title = format!(
            "Godkänn alla väntande ändringar för {name} – {} {} – Provrum",
            ctx.version.title, ctx.version.version
        );
        let listed = pending
            .iter()
            .map(|(i, _)| (first_line(i), super::view::item_pages_label(i, &ctx.titles)))
            .collect();
        let html = render(&ConfirmPage {
            page: Layout::plain(&title),
            csrf,
            municipality: form.kommun.clone(),
            municipality_name: name,
            listed,
            version: ctx.version,
        })?;
        return Ok(crate::web::with_cookie(html, set));
    }
    let targets: Vec<store::StoredDeviation> = pending
        .iter()
        .flat_map(|(_, c)| c.evidence.iter().map(|j| j.deviation.clone()))
        .collect();
    store::decide(
        &state.store,
        &service,
        &ctx.version.version,
        &targets,
        store::DecisionKind::Approved,
        &format!(
            "Alla väntande ändringar för {} godkända på en gång",
            state.registry.short_name(&form.kommun)
        ),
        &user.name,
    )
    .await?;
    Ok(Redirect::to(&format!("{}/ko", base_url(&ctx.version))).into_response())
}
