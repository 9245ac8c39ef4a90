//! The comment list of a version, filtered and paged in SQL, and its export.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::accounts::Action;
use crate::services::Variant;
use crate::services::store::VersionSummary;
use crate::web::page::Layout;
use crate::web::session::require;
use crate::web::{AppState, WebError, csrf, render};

use crate::reviews::model::{Class, Comment, Status};
use crate::reviews::store::{self as comments};

#[derive(Deserialize, Default, Clone)]
pub(super) struct Filter {
    #[serde(default)]
    kommun: String,
    #[serde(default)]
    klass: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    steg: String,
    #[serde(default)]
    instammer: String,
    #[serde(default)]
    sida: Option<u64>,
    /// The last comment of the page before (set by "Nästa").
    efter: Option<i64>,
    /// The comment a triage from the list goes on to, marked in the list.
    nasta: Option<i64>,
}

/// Comments per list page.
const PAGE: usize = 100;

impl Filter {
    fn keeps(&self, c: &Comment) -> bool {
        (self.kommun.is_empty()
            || c.municipality.as_deref() == Some(self.kommun.as_str())
            || c.endorsements.contains(&self.kommun))
            && (self.klass.is_empty() || c.class.slug() == self.klass)
            && (self.status.is_empty()
                || c.status.slug() == self.status
                || (self.status == "oppna" && c.status.is_open()))
            && (self.steg.is_empty() || c.step.as_deref() == Some(self.steg.as_str()))
            && self
                .instammer
                .parse::<usize>()
                .map(|n| c.endorsements.len() >= n)
                .unwrap_or(true)
    }

    /// A list's filters read back from the query string a triage form
    /// carried: only the known keys, so the address it leads back to is
    /// built here, never taken from the form.
    pub(super) fn from_query(q: &str) -> Filter {
        let mut f = Filter::default();
        for (k, v) in form_urlencoded::parse(q.as_bytes()) {
            let slot = match k.as_ref() {
                "kommun" => &mut f.kommun,
                "klass" => &mut f.klass,
                "status" => &mut f.status,
                "steg" => &mut f.steg,
                "instammer" => &mut f.instammer,
                _ => continue,
            };
            *slot = v.into_owned();
        }
        f
    }

    pub(super) fn query(&self) -> String {
        let pairs = [
            ("kommun", &self.kommun),
            ("klass", &self.klass),
            ("status", &self.status),
            ("steg", &self.steg),
            ("instammer", &self.instammer),
        ];
        form_urlencoded::Serializer::new(String::new())
            .extend_pairs(
                pairs
                    .iter()
                    .filter(|(_, v)| !v.is_empty())
                    .map(|(k, v)| (*k, v.as_str())),
            )
            .finish()
    }
}

struct Row {
    comment: Comment,
    replies: usize,
    municipality_name: String,
    step_title: String,
}

#[derive(Template)]
#[template(path = "reviews/list.html")]
struct ListPage {
    page: Layout,
    version: VersionSummary,
    filter: Filter,
    query: String,
    rows: Vec<Row>,
    total: usize,
    /// How many match the filters, and the neighbouring pages of them.
    matching: usize,
    prev_page: Option<usize>,
    /// The next page's number and the last comment on this one.
    next_page: Option<(usize, i64)>,
    municipalities: Vec<(String, String)>,
    steps: Vec<(String, String)>,
    classes: Vec<(&'static str, &'static str)>,
    statuses: Vec<(&'static str, &'static str)>,
    participating: usize,
    /// E-kontoret takes a position on each comment right in the list.
    can_triage: bool,
    csrf: String,
}

/// The places comments can be filtered by: the steps and the pages around them.
fn step_titles(variants: &[Variant]) -> Vec<(String, String)> {
    use crate::sandbox::places::PAGES;
    let Some(v) = variants.first() else {
        return Vec::new();
    };
    let page = |i: usize| (PAGES[i].0.to_string(), PAGES[i].1.to_string());
    let mut out = vec![page(0), page(1)];
    out.extend(v.steps.iter().map(|s| (s.id.clone(), s.title.clone())));
    out.extend((2..PAGES.len()).map(page));
    out
}

pub(super) async fn list(
    State(state): State<AppState>,
    Path((service, ver)): Path<(String, String)>,
    Query(filter): Query<Filter>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let u = require()?;
    let (csrf, set) = csrf::token(&headers, state.secure_cookies);
    let v = state.require_version(&service, &ver).await?;
    let variants = state.variants(v.id).await?;
    let steps = step_titles(&variants);
    let db_filter = crate::reviews::listing::Filter {
        municipality: filter.kommun.clone(),
        class: filter.klass.clone(),
        status: filter.status.clone(),
        step: filter.steg.clone(),
        min_endorsements: filter.instammer.parse().ok(),
    };
    let offset = crate::web::page_offset(filter.sida, PAGE as u64)?;
    let page_no = filter.sida.unwrap_or(0) as usize;
    let from = match filter.efter {
        Some(id) if page_no > 0 => crate::reviews::listing::Start::After(id),
        _ => crate::reviews::listing::Start::Offset(offset),
    };
    let (found, matching, total) =
        crate::reviews::listing::page(&state.store, v.id, &db_filter, from, PAGE as i64).await?;
    let last_id = found.last().map(|(c, _)| c.id);
    let (matching, total) = (matching as usize, total as usize);
    let rows: Vec<Row> = found
        .into_iter()
        .map(|(c, replies)| Row {
            replies: replies as usize,
            municipality_name: c
                .municipality
                .as_deref()
                .map(|m| state.registry.short_name(m))
                .unwrap_or_else(|| "Hela tjänsten".into()),
            step_title: super::words::place_words(
                &variants,
                c.municipality.as_deref(),
                c.step.as_deref(),
                c.field.as_deref(),
            ),
            comment: c,
        })
        .collect();
    let mut municipalities: Vec<(String, String)> = variants
        .iter()
        .map(|x| {
            (
                x.municipality.clone(),
                state.registry.short_name(&x.municipality),
            )
        })
        .collect();
    municipalities.sort_by_key(|(_, n)| crate::municipalities::swedish_sort_key(n));
    let title = format!("Synpunkter på {} {} – Provrum", v.title, v.version);
    let html = render(&ListPage {
        page: Layout::plain(&title),
        matching,
        prev_page: page_no.checked_sub(1),
        next_page: ((page_no + 1) * PAGE < matching)
            .then_some(last_id.map(|id| (page_no + 1, id)))
            .flatten(),
        query: filter.query(),
        filter,
        rows,
        total,
        participating: municipalities.len(),
        can_triage: u.may(Action::Triage),
        csrf,
        municipalities,
        steps,
        classes: Class::ALL.iter().map(|c| (c.slug(), c.swedish())).collect(),
        statuses: Status::ALL
            .iter()
            .map(|c| (c.slug(), c.swedish()))
            .collect(),
        version: v,
    })?;
    Ok(crate::web::with_cookie(html, set))
}

async fn filtered(
    state: &AppState,
    service: &str,
    ver: &str,
    filter: &Filter,
) -> Result<(VersionSummary, Vec<Comment>), WebError> {
    require()?;
    let v = state.require_version(service, ver).await?;
    let list = comments::list(&state.store, v.id)
        .await?
        .into_iter()
        .filter(|c| c.parent_id.is_some() || filter.keeps(c))
        .collect();
    Ok((v, list))
}

pub(super) async fn export_csv(
    State(state): State<AppState>,
    Path((service, ver)): Path<(String, String)>,
    Query(filter): Query<Filter>,
) -> Result<Response, WebError> {
    let (v, list) = filtered(&state, &service, &ver, &filter).await?;
    let disposition = format!(
        "attachment; filename=\"synpunkter-{}-{}.csv\"",
        v.service_id, v.version
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        {
            let variants = state.variants(v.id).await?;
            let municipality = |m: &str| state.registry.short_name(m);
            let place = |c: &crate::reviews::Comment| {
                let step = super::words::place_words(
                    &variants,
                    c.municipality.as_deref(),
                    c.step.as_deref(),
                    None,
                );
                let field = match c.field.as_deref() {
                    Some(_) => super::words::place_words(
                        &variants,
                        c.municipality.as_deref(),
                        c.step.as_deref(),
                        c.field.as_deref(),
                    )
                    .rsplit(" › ")
                    .next()
                    .unwrap_or_default()
                    .to_string(),
                    None => String::new(),
                };
                (step, field)
            };
            crate::reviews::export::csv(
                &list,
                &crate::reviews::export::Words {
                    municipality: &municipality,
                    place: &place,
                },
            )
        },
    )
        .into_response())
}

pub(super) async fn export_json(
    State(state): State<AppState>,
    Path((service, ver)): Path<(String, String)>,
    Query(filter): Query<Filter>,
) -> Result<Response, WebError> {
    let (v, list) = filtered(&state, &service, &ver, &filter).await?;
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        // `<`, `>` and `&` as \u escapes: the same JSON, but inert should
        // anyone paste it into a page.
        serde_json::to_string_pretty(&crate::reviews::export::json(
            &v.service_id,
            &v.version,
            &list,
        ))
        .unwrap_or_default()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026"),
    )
        .into_response())
}
