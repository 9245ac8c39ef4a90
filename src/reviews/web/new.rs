//! Writing a new comment, from the list or from inside the sandbox.

use crate::web::Refusals;
use crate::web::csrf::Checked;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::accounts::{Action, User};
use crate::services::Variant;
use crate::services::store::VersionSummary;
use crate::web::page::Layout;
use crate::web::session::{require, require_to};
use crate::web::{AppState, WebError, csrf, render};

use crate::reviews::model::{Class, Priority};
use crate::reviews::store::{self as comments, NewComment, ReviewError};

#[derive(Deserialize, Default)]
pub(super) struct NewQuery {
    #[serde(default)]
    kommun: String,
    #[serde(default)]
    steg: String,
    /// The sandbox page the reviewer came from, to return to after saving.
    #[serde(default)]
    tillbaka: String,
}

struct Place {
    value: String,
    label: String,
}

#[derive(Template)]
#[template(path = "reviews/new.html")]
struct NewPage {
    page: Layout,
    version: VersionSummary,
    csrf: String,
    municipalities: Vec<(String, String)>,
    selected: String,
    places: Vec<Place>,
    selected_place: String,
    classes: Vec<(&'static str, &'static str)>,
    priorities: Vec<(&'static str, &'static str)>,
    error: Option<FormError>,
    /// One-time key of the form.
    form_key: String,
    /// What the person typed, shown again after an error.
    typed: Typed,
    /// The sandbox page to return to after saving (empty: the comment's thread).
    back: String,
}

/// A problem with the form, and the id of the field to fix it in (the error
/// summary links there).
pub(super) struct FormError {
    message: String,
    field: &'static str,
}

/// What was typed into the comment form: never lost to an error.
#[derive(Default)]
pub(super) struct Typed {
    text: String,
    class: String,
    motivation: String,
    priority: String,
    quote: String,
    /// The screenshot of the reviewer's page when they pointed at it (the
    /// token from `pin::point`), kept through an error.
    shot: String,
    /// The sandbox page the reviewer came from (a hidden field).
    back: String,
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
    use crate::sandbox::places::{self as pages, PAGES};
    let mut out = vec![Place {
        value: String::new(),
        label: "Hela tjänsten".into(),
    }];
    let page = |key: &str| Place {
        value: key.to_string(),
        label: PAGES
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, t)| t.to_string())
            .unwrap_or_default(),
    };
    if let Some(v) = v {
        out.push(page(pages::START));
        if v.authentication.required {
            out.push(page(pages::LOGIN));
        }
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
        if v.summary {
            out.push(page(pages::SUMMARY));
        }
        if v.signing.required {
            out.push(page(pages::SIGN));
        }
        out.push(page(pages::RECEIPT));
    }
    out
}

async fn new_page(
    state: &AppState,
    headers: &HeaderMap,
    v: VersionSummary,
    kommun: &str,
    place: &str,
    error: Option<FormError>,
    typed: Typed,
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
    let (csrf, set) = csrf::token(headers, state.secure_cookies);
    let title = format!("Lämna synpunkt på {} {} – Provrum", v.title, v.version);
    let html = render(&NewPage {
        page: Layout::plain(&title),
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
        error,
        form_key: crate::store::new_form_key(),
        back: if typed.back.is_empty() {
            String::new()
        } else {
            crate::web::safe_back(Some(&typed.back))
        },
        typed,
        version: v,
    })?;
    let mut resp = crate::web::with_cookie(html, set);
    if resp.status() == StatusCode::OK && !resp.headers().contains_key(header::CACHE_CONTROL) {
        resp.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(resp)
}

pub(super) async fn new_form(
    State(state): State<AppState>,
    Path((service, ver)): Path<(String, String)>,
    Query(q): Query<NewQuery>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let v = state.require_version(&service, &ver).await?;
    new_page(
        &state,
        &headers,
        v,
        &q.kommun,
        &q.steg,
        None,
        Typed {
            back: q.tillbaka,
            ..Typed::default()
        },
    )
    .await
}

#[derive(Deserialize)]
pub(super) struct CreateForm {
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
    /// The screenshot token from pointing at the page (`pin::point`).
    #[serde(default)]
    bild: String,
    #[serde(rename = "_nyckel", default)]
    nyckel: String,
    #[serde(default)]
    tillbaka: String,
}

pub(super) async fn create(
    State(state): State<AppState>,
    Path((service, ver)): Path<(String, String)>,
    headers: HeaderMap,
    Checked(form): Checked<CreateForm>,
) -> Result<Response, WebError> {
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
        && !crate::sandbox::places::exists(var, s)
    {
        return Err(WebError::BadRequest(format!(
            "Steget ”{s}” finns inte i varianten."
        )));
    }
    // The quote's context, so the pin survives small edits around it.
    let quote = Some(form.citat.trim().to_string()).filter(|q| !q.is_empty());
    let (prefix, suffix) = match (&quote, &variant, &step) {
        (Some(q), Some(var), Some(s)) => {
            let text = crate::reviews::carry::step_text(var, s).unwrap_or_default();
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
        region: None,
        quote,
        quote_prefix: prefix,
        quote_suffix: suffix,
        class: Class::parse(&form.klass),
        motivation: Some(form.motivering.clone()),
        priority: Priority::parse(&form.prioritet),
        body: form.text.clone(),
        pin_shot: Some(form.bild.trim().to_string()).filter(|b| !b.is_empty()),
        form_key: form.nyckel.clone(),
    };
    let problem = match Class::parse(&form.klass) {
        None => FormError {
            message: "Välj vad synpunkten är: krav, önskemål, juridisk fråga eller fel.".into(),
            field: "c-klass-krav",
        },
        Some(_) => match comments::create(&state.store, &new, &user)
            .await
            .refused()?
        {
            Ok(id) => return Ok(Redirect::to(&saved_to(&form.tillbaka, id)).into_response()),
            Err(e) => FormError {
                field: match e {
                    ReviewError::Motivation(_) => "c-motivering",
                    _ => "c-text",
                },
                message: e.to_string(),
            },
        },
    };
    // Back to the form with everything that was typed and the error linked
    // to its field.
    let typed = Typed {
        text: form.text,
        class: form.klass,
        motivation: form.motivering,
        priority: form.prioritet,
        quote: form.citat,
        shot: form.bild,
        back: form.tillbaka,
    };
    let mut r = new_page(
        &state,
        &headers,
        v,
        &form.kommun,
        &form.plats,
        Some(problem),
        typed,
    )
    .await?;
    *r.status_mut() = StatusCode::BAD_REQUEST;
    Ok(r)
}

/// After saving: back to the sandbox page the reviewer came from, which then
/// confirms it (`sparad`), or to the comment's thread.
fn saved_to(back: &str, id: i64) -> String {
    if back.is_empty() {
        return format!("/synpunkter/{id}");
    }
    let back = crate::web::safe_back(Some(back));
    let sep = if back.contains('?') { '&' } else { '?' };
    format!("{back}{sep}sparad={id}")
}
