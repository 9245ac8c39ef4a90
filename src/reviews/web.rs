//! Feedback in the browser: a version's comments with filters and export,
//! the comment form (also reached from inside the sandbox), a comment's
//! thread with endorsements, triage and history, and review rounds.

use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use crate::accounts::session::{require, require_to};
use crate::accounts::{Action, User};
use crate::services::Variant;
use crate::services::store::VersionSummary;
use crate::web::page::Page;
use crate::web::{AppState, WebError, csrf, render};

use super::model::{Class, Comment, Priority, Status};
use super::rounds::{self, Answer, Standing};
use super::store::{self as comments, NewComment, ReviewError};

pub fn router() -> Router<AppState> {
    let v = "/tjanster/{service}/{version}";
    Router::new()
        .route(&format!("{v}/synpunkter"), get(list).post(create))
        .route(&format!("{v}/synpunkter.csv"), get(export_csv))
        .route(&format!("{v}/synpunkter.json"), get(export_json))
        .route(&format!("{v}/synpunkter/ny"), get(new_form))
        .route(&format!("{v}/omgang"), get(round_page).post(open_round))
        .route(&format!("{v}/omgang/svar"), post(answer_round))
        .route("/synpunkter/{id}", get(show))
        .route("/synpunkter/{id}/svar", post(reply))
        .route("/synpunkter/{id}/instam", post(endorse))
        .route("/synpunkter/{id}/triage", post(triage))
        .route("/synpunkter/{id}/klass", post(reclassify))
        .route("/synpunkter/{id}/redigera", post(edit))
}

fn bad(e: ReviewError) -> WebError {
    match e {
        ReviewError::Db(e) => WebError::Db(e),
        ReviewError::Missing => WebError::NotFound(e.to_string()),
        other => WebError::BadRequest(other.to_string()),
    }
}

#[derive(Deserialize, Default, Clone)]
struct Filter {
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
    sida: Option<usize>,
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

    fn query(&self) -> String {
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
    page: Page,
    version: VersionSummary,
    filter: Filter,
    query: String,
    rows: Vec<Row>,
    total: usize,
    /// How many match the filters, and the neighbouring pages of them.
    matching: usize,
    prev_page: Option<usize>,
    next_page: Option<usize>,
    municipalities: Vec<(String, String)>,
    steps: Vec<(String, String)>,
    classes: Vec<(&'static str, &'static str)>,
    statuses: Vec<(&'static str, &'static str)>,
    participating: usize,
}

fn step_titles(variants: &[Variant]) -> Vec<(String, String)> {
    variants
        .first()
        .map(|v| {
            v.steps
                .iter()
                .map(|s| (s.id.clone(), s.title.clone()))
                .collect()
        })
        .unwrap_or_default()
}

async fn list(
    State(state): State<AppState>,
    Path((service, ver)): Path<(String, String)>,
    Query(filter): Query<Filter>,
) -> Result<Response, WebError> {
    require()?;
    let v = state.require_version(&service, &ver).await?;
    let variants = state.variants(v.id).await?;
    let steps = step_titles(&variants);
    let db_filter = comments::Filter {
        municipality: filter.kommun.clone(),
        class: filter.klass.clone(),
        status: filter.status.clone(),
        step: filter.steg.clone(),
        min_endorsements: filter.instammer.parse().ok(),
    };
    let page_no = filter.sida.unwrap_or(0);
    let (found, matching, total) = comments::page(
        &state.store,
        v.id,
        &db_filter,
        (page_no * PAGE) as i64,
        PAGE as i64,
    )
    .await?;
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
            step_title: c
                .step
                .as_ref()
                .map(|s| {
                    steps
                        .iter()
                        .find(|(id, _)| id == s)
                        .map(|(_, t)| t.clone())
                        .unwrap_or_else(|| s.clone())
                })
                .unwrap_or_default(),
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
        page: Page::plain(&title),
        matching,
        prev_page: page_no.checked_sub(1),
        next_page: ((page_no + 1) * PAGE < matching).then_some(page_no + 1),
        query: filter.query(),
        filter,
        rows,
        total,
        participating: municipalities.len(),
        municipalities,
        steps,
        classes: Class::ALL.iter().map(|c| (c.slug(), c.swedish())).collect(),
        statuses: Status::ALL
            .iter()
            .map(|c| (c.slug(), c.swedish()))
            .collect(),
        version: v,
    })?;
    Ok(html.into_response())
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

async fn export_csv(
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
        super::export::csv(&list),
    )
        .into_response())
}

async fn export_json(
    State(state): State<AppState>,
    Path((service, ver)): Path<(String, String)>,
    Query(filter): Query<Filter>,
) -> Result<Response, WebError> {
    let (v, list) = filtered(&state, &service, &ver, &filter).await?;
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        // `<`, `>` and `&` as \u escapes: the same JSON, but inert should
        // anyone paste it into a page.
        serde_json::to_string_pretty(&super::export::json(&v.service_id, &v.version, &list))
            .unwrap_or_default()
            .replace('<', "\\u003c")
            .replace('>', "\\u003e")
            .replace('&', "\\u0026"),
    )
        .into_response())
}

#[derive(Deserialize, Default)]
struct NewQuery {
    #[serde(default)]
    kommun: String,
    #[serde(default)]
    steg: String,
}

struct Place {
    value: String,
    label: String,
}

#[derive(Template)]
#[template(path = "reviews/new.html")]
struct NewPage {
    page: Page,
    version: VersionSummary,
    csrf: String,
    municipalities: Vec<(String, String)>,
    selected: String,
    places: Vec<Place>,
    selected_place: String,
    classes: Vec<(&'static str, &'static str)>,
    priorities: Vec<(&'static str, &'static str)>,
    screenshot: Option<String>,
    error: Option<String>,
}

/// The municipalities `u` may comment for.
fn commentable(state: &AppState, u: &User, variants: &[Variant]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = variants
        .iter()
        .filter(|v| u.may(Action::Comment(Some(&v.municipality))))
        .map(|v| {
            (
                v.municipality.clone(),
                state.registry.short_name(&v.municipality),
            )
        })
        .collect();
    out.sort_by_key(|(_, n)| crate::municipalities::swedish_sort_key(n));
    out
}

fn places(v: Option<&Variant>) -> Vec<Place> {
    let mut out = vec![Place {
        value: String::new(),
        label: "Hela tjänsten".into(),
    }];
    if let Some(v) = v {
        for s in &v.steps {
            out.push(Place {
                value: s.id.clone(),
                label: format!("Steget ”{}”", s.title),
            });
            for f in s.fields.iter().filter(|f| !f.hidden) {
                let label = if f.label.is_empty() {
                    f.id.clone()
                } else {
                    f.label.clone()
                };
                out.push(Place {
                    value: format!("{}|{}", s.id, f.id),
                    label: format!("{} › {label}", s.title),
                });
            }
        }
    }
    out
}

/// The newest desktop capture of this variant's step, to pin a region on.
async fn screenshot(
    state: &AppState,
    version_id: i64,
    municipality: &str,
    step: &str,
) -> Option<String> {
    use sqlx::Row;
    let row = sqlx::query("select pages from captures where version_id = $1 and target = $2 and viewport = 'desktop' and status = 'ok' order by id desc limit 1")
        .bind(version_id)
        .bind(municipality)
        .fetch_optional(&state.store.pool)
        .await
        .ok()??;
    let pages: Vec<crate::compare::capture::PageShot> =
        serde_json::from_str(&row.get::<String, _>(0)).ok()?;
    pages
        .into_iter()
        .find(|p| p.step == format!("steg/{step}"))
        .map(|p| p.screenshot)
}

async fn new_page(
    state: &AppState,
    headers: &HeaderMap,
    v: VersionSummary,
    kommun: &str,
    place: &str,
    error: Option<String>,
) -> Result<Response, WebError> {
    let u = require()?;
    let variants = state.variants(v.id).await?;
    let municipalities = commentable(state, &u, &variants);
    let selected = if municipalities.iter().any(|(m, _)| m == kommun) {
        kommun.to_string()
    } else {
        municipalities
            .first()
            .map(|(m, _)| m.clone())
            .unwrap_or_default()
    };
    let variant = variants.iter().find(|x| x.municipality == selected);
    let step = place.split('|').next().unwrap_or_default();
    let shot = if step.is_empty() {
        None
    } else {
        screenshot(state, v.id, &selected, step).await
    };
    let (csrf, set) = csrf::token(headers, state.secure_cookies);
    let title = format!("Lämna synpunkt på {} {} – Provrum", v.title, v.version);
    let html = render(&NewPage {
        page: Page::plain(&title),
        csrf,
        places: places(variant),
        selected_place: place.to_string(),
        municipalities,
        selected,
        classes: Class::ALL.iter().map(|c| (c.slug(), c.swedish())).collect(),
        priorities: Priority::ALL
            .iter()
            .map(|c| (c.slug(), c.swedish()))
            .collect(),
        screenshot: shot,
        error,
        version: v,
    })?;
    let mut resp = crate::web::with_cookie(html, set);
    if resp.status() == StatusCode::OK && !resp.headers().contains_key(header::CACHE_CONTROL) {
        resp.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(resp)
}

async fn new_form(
    State(state): State<AppState>,
    Path((service, ver)): Path<(String, String)>,
    Query(q): Query<NewQuery>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let v = state.require_version(&service, &ver).await?;
    new_page(&state, &headers, v, &q.kommun, &q.steg, None).await
}

#[derive(Deserialize)]
struct CreateForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    kommun: String,
    #[serde(default)]
    plats: String,
    #[serde(default)]
    klass: String,
    #[serde(default)]
    motivering: String,
    #[serde(default)]
    prioritet: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    citat: String,
    #[serde(default)]
    x: String,
    #[serde(default)]
    y: String,
    #[serde(default)]
    w: String,
    #[serde(default)]
    h: String,
}

async fn create(
    State(state): State<AppState>,
    Path((service, ver)): Path<(String, String)>,
    headers: HeaderMap,
    Form(form): Form<CreateForm>,
) -> Result<Response, WebError> {
    csrf::verify(&headers, &form.csrf)?;
    let v = state.require_version(&service, &ver).await?;
    let kommun = Some(form.kommun.trim().to_string()).filter(|s| !s.is_empty());
    let user = require_to(Action::Comment(kommun.as_deref()))?;
    let variant = match &kommun {
        Some(m) => Some(state.variant(v.id, m).await?.ok_or_else(|| {
            WebError::BadRequest(format!("{service} {ver} har ingen variant för {m}."))
        })?),
        None => None,
    };
    let (step, field) = match form.plats.split_once('|') {
        Some((s, f)) => (Some(s.to_string()), Some(f.to_string())),
        None => (Some(form.plats.clone()).filter(|s| !s.is_empty()), None),
    };
    if let (Some(var), Some(s)) = (&variant, &step)
        && !var.steps.iter().any(|x| &x.id == s)
    {
        return Err(WebError::BadRequest(format!(
            "Steget ”{s}” finns inte i varianten."
        )));
    }
    let num = |s: &str| {
        s.trim()
            .parse::<i64>()
            .ok()
            .filter(|n| (0..=20000).contains(n))
    };
    let region = match (num(&form.x), num(&form.y), num(&form.w), num(&form.h)) {
        (Some(x), Some(y), Some(w), Some(h)) if w > 0 && h > 0 => Some((x, y, w, h)),
        _ => None,
    };
    // The quote's context, so the pin survives small edits around it.
    let quote = Some(form.citat.trim().to_string()).filter(|q| !q.is_empty());
    let (prefix, suffix) = match (&quote, &variant, &step) {
        (Some(q), Some(var), Some(s)) => {
            let text = super::carry::step_text(var, s).unwrap_or_default();
            match text.find(q.as_str()) {
                Some(i) => {
                    let before: String = text[..i]
                        .chars()
                        .rev()
                        .take(32)
                        .collect::<Vec<_>>()
                        .into_iter()
                        .rev()
                        .collect();
                    let after: String = text[i + q.len()..].chars().take(32).collect();
                    (Some(before), Some(after))
                }
                None => (None, None),
            }
        }
        _ => (None, None),
    };
    let new = NewComment {
        service_id: v.service_id.clone(),
        version_id: v.id,
        parent_id: None,
        municipality: kommun.clone(),
        step,
        field,
        region,
        quote,
        quote_prefix: prefix,
        quote_suffix: suffix,
        class: Class::parse(&form.klass),
        motivation: Some(form.motivering.clone()),
        priority: Priority::parse(&form.prioritet),
        body: form.text.clone(),
    };
    if Class::parse(&form.klass).is_none() {
        return new_page(
            &state,
            &headers,
            v,
            form.kommun.as_str(),
            &form.plats,
            Some("Välj vad synpunkten är: krav, önskemål, juridisk fråga eller fel.".into()),
        )
        .await
        .map(|mut r| {
            *r.status_mut() = StatusCode::BAD_REQUEST;
            r
        });
    }
    match comments::create(&state.store, &new, &user).await {
        Ok(id) => Ok(Redirect::to(&format!("/synpunkter/{id}")).into_response()),
        Err(ReviewError::Db(e)) => Err(WebError::Db(e)),
        Err(e) => new_page(
            &state,
            &headers,
            v,
            form.kommun.as_str(),
            &form.plats,
            Some(e.to_string()),
        )
        .await
        .map(|mut r| {
            *r.status_mut() = StatusCode::BAD_REQUEST;
            r
        }),
    }
}

#[derive(Template)]
#[template(path = "reviews/show.html")]
struct ShowPage {
    page: Page,
    csrf: String,
    c: Comment,
    service_title: String,
    municipality_name: String,
    endorsed_by: Vec<String>,
    participating: usize,
    replies: Vec<Comment>,
    history: Vec<comments::Revision>,
    /// Municipalities this user may still endorse for.
    can_endorse: Vec<(String, String)>,
    can_triage: bool,
    can_edit: bool,
    can_reply: bool,
    screenshot: Option<String>,
    classes: Vec<(&'static str, &'static str)>,
    statuses: Vec<(&'static str, &'static str)>,
}

async fn show(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let u = require()?;
    let c = comments::get(&state.store, id)
        .await?
        .ok_or_else(|| WebError::NotFound(format!("Det finns ingen synpunkt #{id}.")))?;
    let all = comments::list(&state.store, c.version_id).await?;
    let replies = all
        .into_iter()
        .filter(|r| r.parent_id == Some(id))
        .collect();
    let history = comments::revisions(&state.store, id).await?;
    let variants = state.variants(c.version_id).await?;
    let can_endorse = u
        .municipalities
        .iter()
        .filter(|m| u.may(Action::Endorse(m)) && !c.endorsements.contains(m))
        .map(|m| (m.clone(), state.registry.short_name(m)))
        .collect();
    let screenshot = match (&c.municipality, &c.step, c.region) {
        (Some(m), Some(s), Some(_)) => screenshot(&state, c.version_id, m, s).await,
        _ => None,
    };
    let (csrf, set) = csrf::token(&headers, state.secure_cookies);
    let service_title = variants
        .first()
        .map(|v| v.title.clone())
        .unwrap_or_else(|| c.service_id.clone());
    let title = format!(
        "Synpunkt #{id}: {} – {service_title} {} – Provrum",
        c.class.swedish(),
        c.version
    );
    let html = render(&ShowPage {
        page: Page::plain(&title),
        csrf,
        municipality_name: c
            .municipality
            .as_deref()
            .map(|m| state.registry.short_name(m))
            .unwrap_or_else(|| "Hela tjänsten".into()),
        endorsed_by: c
            .endorsements
            .iter()
            .map(|m| state.registry.short_name(m))
            .collect(),
        participating: variants.len(),
        replies,
        history,
        can_endorse,
        can_triage: u.may(Action::Triage),
        can_edit: u.id == c.author_id,
        can_reply: u.may(Action::Comment(None))
            || c.municipality
                .as_deref()
                .is_some_and(|m| u.may(Action::Comment(Some(m)))),
        screenshot,
        classes: Class::ALL.iter().map(|c| (c.slug(), c.swedish())).collect(),
        statuses: Status::ALL
            .iter()
            .map(|c| (c.slug(), c.swedish()))
            .collect(),
        service_title,
        c,
    })?;
    Ok(crate::web::with_cookie(html, set))
}

async fn load(state: &AppState, id: i64) -> Result<Comment, WebError> {
    comments::get(&state.store, id)
        .await?
        .ok_or_else(|| WebError::NotFound(format!("Det finns ingen synpunkt #{id}.")))
}

#[derive(Deserialize)]
struct TextForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    text: String,
}

async fn reply(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Form(form): Form<TextForm>,
) -> Result<Response, WebError> {
    csrf::verify(&headers, &form.csrf)?;
    let c = load(&state, id).await?;
    let u = require()?;
    if !(u.may(Action::Comment(None))
        || c.municipality
            .as_deref()
            .is_some_and(|m| u.may(Action::Comment(Some(m)))))
    {
        return Err(WebError::Forbidden(
            "Du kan inte svara på den här synpunkten.".into(),
        ));
    }
    let new = NewComment {
        service_id: c.service_id.clone(),
        version_id: c.version_id,
        parent_id: Some(c.id),
        municipality: c.municipality.clone(),
        step: c.step.clone(),
        field: c.field.clone(),
        class: Some(c.class),
        body: form.text,
        ..NewComment::default()
    };
    comments::create(&state.store, &new, &u)
        .await
        .map_err(bad)?;
    Ok(Redirect::to(&format!("/synpunkter/{id}")).into_response())
}

#[derive(Deserialize)]
struct EndorseForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    kommun: String,
}

async fn endorse(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Form(form): Form<EndorseForm>,
) -> Result<Response, WebError> {
    csrf::verify(&headers, &form.csrf)?;
    let u = require_to(Action::Endorse(&form.kommun))?;
    load(&state, id).await?;
    comments::endorse(&state.store, id, &form.kommun, &u)
        .await
        .map_err(bad)?;
    Ok(Redirect::to(&format!("/synpunkter/{id}")).into_response())
}

#[derive(Deserialize)]
struct TriageForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    skal: String,
}

async fn triage(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Form(form): Form<TriageForm>,
) -> Result<Response, WebError> {
    csrf::verify(&headers, &form.csrf)?;
    let u = require_to(Action::Triage)?;
    load(&state, id).await?;
    let status = Status::parse(&form.status)
        .ok_or_else(|| WebError::BadRequest("Välj en status.".into()))?;
    comments::triage(&state.store, id, status, &form.skal, &u)
        .await
        .map_err(bad)?;
    Ok(Redirect::to(&format!("/synpunkter/{id}")).into_response())
}

#[derive(Deserialize)]
struct ClassForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    klass: String,
    #[serde(default)]
    anteckning: String,
}

async fn reclassify(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Form(form): Form<ClassForm>,
) -> Result<Response, WebError> {
    csrf::verify(&headers, &form.csrf)?;
    let u = require_to(Action::Triage)?;
    load(&state, id).await?;
    let class =
        Class::parse(&form.klass).ok_or_else(|| WebError::BadRequest("Välj en klass.".into()))?;
    comments::reclassify(&state.store, id, class, &form.anteckning, &u)
        .await
        .map_err(bad)?;
    Ok(Redirect::to(&format!("/synpunkter/{id}")).into_response())
}

async fn edit(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Form(form): Form<TextForm>,
) -> Result<Response, WebError> {
    csrf::verify(&headers, &form.csrf)?;
    let u = require()?;
    let c = load(&state, id).await?;
    if c.author_id != u.id {
        return Err(WebError::Forbidden(
            "Bara den som skrev synpunkten kan ändra texten.".into(),
        ));
    }
    comments::edit(&state.store, id, &form.text, &u)
        .await
        .map_err(bad)?;
    Ok(Redirect::to(&format!("/synpunkter/{id}")).into_response())
}

struct RoundRow {
    municipality: String,
    name: String,
    answer: Option<rounds::RoundAnswer>,
    standing: Standing,
}

#[derive(Template)]
#[template(path = "reviews/round.html")]
struct RoundPage {
    page: Page,
    version: VersionSummary,
    csrf: String,
    round: Option<rounds::Round>,
    rows: Vec<RoundRow>,
    counts: [usize; 5],
    can_open: bool,
    /// Municipalities this user answers for.
    mine: Vec<(String, String)>,
    answers: Vec<(&'static str, &'static str)>,
    error: Option<String>,
}

async fn round_view(
    state: &AppState,
    headers: &HeaderMap,
    v: VersionSummary,
    error: Option<String>,
) -> Result<Response, WebError> {
    let u = require()?;
    let round = rounds::latest(&state.store, v.id).await?;
    let variants = state.variants(v.id).await?;
    let answers = match &round {
        Some(r) => rounds::answers(&state.store, r.id).await?,
        None => Vec::new(),
    };
    let now = chrono::Utc::now();
    let mut rows: Vec<RoundRow> = variants
        .iter()
        .map(|x| {
            let a = answers
                .iter()
                .find(|a| a.municipality == x.municipality)
                .cloned();
            let standing = match &round {
                Some(r) => {
                    rounds::standing(&r.deadline, a.as_ref().map(|a| a.answered_at.as_str()), now)
                }
                None => Standing::Waiting,
            };
            RoundRow {
                municipality: x.municipality.clone(),
                name: state.registry.short_name(&x.municipality),
                answer: a,
                standing,
            }
        })
        .collect();
    rows.sort_by_key(|r| crate::municipalities::swedish_sort_key(&r.name));
    let count = |f: &dyn Fn(&RoundRow) -> bool| rows.iter().filter(|r| f(r)).count();
    let counts = [
        count(&|r| r.answer.as_ref().is_some_and(|a| a.answer == Answer::Antar)),
        count(&|r| {
            r.answer
                .as_ref()
                .is_some_and(|a| a.answer == Answer::AntarMedSynpunkter)
        }),
        count(&|r| {
            r.answer
                .as_ref()
                .is_some_and(|a| a.answer == Answer::Avstar)
        }),
        count(&|r| r.standing == Standing::Waiting),
        count(&|r| r.standing == Standing::Late),
    ];
    let mine = rows
        .iter()
        .filter(|r| u.may(Action::AnswerRound(&r.municipality)))
        .map(|r| (r.municipality.clone(), r.name.clone()))
        .collect();
    let (csrf, set) = csrf::token(headers, state.secure_cookies);
    let title = format!("Granskningsomgång för {} {} – Provrum", v.title, v.version);
    let html = render(&RoundPage {
        page: Page::plain(&title),
        csrf,
        round,
        rows,
        counts,
        can_open: u.may(Action::OpenRound),
        mine,
        answers: Answer::ALL
            .iter()
            .map(|a| (a.slug(), a.swedish()))
            .collect(),
        error,
        version: v,
    })?;
    Ok(crate::web::with_cookie(html, set))
}

async fn round_page(
    State(state): State<AppState>,
    Path((service, ver)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let v = state.require_version(&service, &ver).await?;
    round_view(&state, &headers, v, None).await
}

#[derive(Deserialize)]
struct OpenForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    deadline: String,
}

async fn open_round(
    State(state): State<AppState>,
    Path((service, ver)): Path<(String, String)>,
    headers: HeaderMap,
    Form(form): Form<OpenForm>,
) -> Result<Response, WebError> {
    csrf::verify(&headers, &form.csrf)?;
    let u = require_to(Action::OpenRound)?;
    let v = state.require_version(&service, &ver).await?;
    match rounds::open(&state.store, v.id, form.deadline.trim(), &u).await {
        Ok(_) => {
            Ok(Redirect::to(&format!("/tjanster/{service}/{}/omgang", v.version)).into_response())
        }
        Err(rounds::RoundError::Db(e)) => Err(WebError::Db(e)),
        Err(e) => round_view(&state, &headers, v, Some(e.to_string()))
            .await
            .map(|mut r| {
                *r.status_mut() = StatusCode::BAD_REQUEST;
                r
            }),
    }
}

#[derive(Deserialize)]
struct AnswerForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    kommun: String,
    #[serde(default)]
    svar: String,
    #[serde(default)]
    skal: String,
}

async fn answer_round(
    State(state): State<AppState>,
    Path((service, ver)): Path<(String, String)>,
    headers: HeaderMap,
    Form(form): Form<AnswerForm>,
) -> Result<Response, WebError> {
    csrf::verify(&headers, &form.csrf)?;
    let u = require_to(Action::AnswerRound(&form.kommun))?;
    let v = state.require_version(&service, &ver).await?;
    let Some(round) = rounds::latest(&state.store, v.id).await? else {
        return Err(WebError::BadRequest(
            "Ingen granskningsomgång är öppnad för versionen.".into(),
        ));
    };
    let Some(answer) = Answer::parse(&form.svar) else {
        return Err(WebError::BadRequest(
            "Välj antar, antar med synpunkter eller avstår.".into(),
        ));
    };
    match rounds::answer(&state.store, &round, &form.kommun, answer, &form.skal, &u).await {
        Ok(()) => {
            Ok(Redirect::to(&format!("/tjanster/{service}/{}/omgang", v.version)).into_response())
        }
        Err(rounds::RoundError::Db(e)) => Err(WebError::Db(e)),
        Err(e) => round_view(&state, &headers, v, Some(e.to_string()))
            .await
            .map(|mut r| {
                *r.status_mut() = StatusCode::BAD_REQUEST;
                r
            }),
    }
}
