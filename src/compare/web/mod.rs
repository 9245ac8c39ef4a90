//! Comparison in the browser: the matrix (municipality × page), a cell's
//! deviations side by side with overlay, strobe and diff image, the text and
//! structural diffs, and e-kontoret's approve / flag decisions.

use crate::web::csrf::Checked;
use std::collections::{HashMap, HashSet};

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use crate::jobs::Kind;
use crate::services::store::VersionSummary;
use crate::web::page::Layout;
use crate::web::{AppState, WebError, csrf, render};

use super::{Judged, store};
use evidence::{DeviationView, evidence_views};
use view::{Badge, badge, step_label};

mod evidence;
mod harmony;
mod ignore;
mod queue;
mod start;

pub use start::adopt_forever;
mod view;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/tjanster/{service}/{version}/jamforelse",
            get(matrix).post(start::start),
        )
        .route(
            "/tjanster/{service}/{version}/jamforelse/{kommun}",
            get(cell),
        )
        .route(
            "/tjanster/{service}/{version}/jamforelse/avvikelser/{id}",
            post(decide),
        )
        .route(
            "/tjanster/{service}/{version}/jamforelse/avvikelser/{id}/ignorera",
            post(ignore::ignore),
        )
        .route(
            "/tjanster/{service}/{version}/jamforelse/ko",
            get(queue::queue),
        )
        .route(
            "/tjanster/{service}/{version}/avvikare",
            get(harmony::harmony),
        )
        .route(
            "/tjanster/{service}/{version}/avvikare/fraga",
            post(harmony::ask),
        )
        .route(
            "/tjanster/{service}/{version}/jamforelse/ko/godkann-alla",
            post(queue::approve_all),
        )
        .route(
            "/tjanster/{service}/{version}/jamforelse/ko/{key}",
            get(queue::item).post(queue::decide),
        )
}

struct MatrixRow {
    municipality: String,
    name: String,
    external: bool,
    /// (step, step URL-encoded, badge, deviations).
    cells: Vec<(String, String, Badge, usize)>,
}

#[derive(Template)]
#[template(path = "compare/matrix.html")]
struct MatrixPage {
    page: Layout,
    version: VersionSummary,
    csrf: String,
    steps: Vec<(String, String)>,
    rows: Vec<MatrixRow>,
    compared: bool,
    running: bool,
    /// Why a running comparison waits (no worker can walk it now).
    waiting: Option<&'static str>,
    /// Captures done of all, while a comparison runs.
    progress: Option<(i64, i64)>,
    failed: Option<String>,
    references: Vec<String>,
    /// Deviations without a decision, and the changes they make up (as the
    /// queue counts them: the same change in several places is one).
    pending: usize,
    pending_changes: usize,
    /// Renderings taken over from versions with the same content (the fast
    /// loop): (version, how many variant × viewport).
    reused: Vec<(String, i64)>,
    changed_variants: usize,
    total_variants: usize,
    /// Comparing again is e-kontoret's tool.
    can_compare: bool,
}

async fn matrix(
    State(state): State<AppState>,
    Path((service, ver)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    crate::web::session::require()?;
    let v = state.require_version(&service, &ver).await?;
    let judged = super::judged(&state.store, &service, v.id).await?;
    let variants = state.variants(v.id).await?;
    let titles = view::step_titles(&variants);
    // Columns: the walk's pages in order, then any other page a deviation names.
    let mut steps: Vec<String> = vec!["*".into(), "start".into(), "logga-in".into()];
    if let Some(x) = variants.first() {
        steps.extend(x.steps.iter().map(|s| format!("steg/{}", s.id)));
    }
    steps.extend(["granska", "signera", "kvittens"].map(String::from));
    for j in &judged {
        if !steps.contains(&j.deviation.step) {
            steps.push(j.deviation.step.clone());
        }
    }
    let mut rows: Vec<MatrixRow> = variants
        .iter()
        .map(|x| MatrixRow {
            municipality: x.municipality.clone(),
            name: state
                .registry
                .get(&x.municipality)
                .map(|m| m.short_name.clone())
                .unwrap_or_else(|| x.municipality.clone()),
            external: x.external_url.is_some(),
            cells: steps
                .iter()
                .map(|s| {
                    let mine: Vec<&Judged> = judged
                        .iter()
                        .filter(|j| {
                            // "Hela varianten" sums up every page of it.
                            j.deviation.municipality == x.municipality
                                && (&j.deviation.step == s || s == "*")
                        })
                        .collect();
                    (s.clone(), urlencode(s), badge(&mine), mine.len())
                })
                .collect(),
        })
        .collect();
    rows.sort_by_key(|r| crate::municipalities::swedish_sort_key(&r.name));
    let mut references: Vec<String> = judged
        .iter()
        .map(|j| j.deviation.reference.clone())
        .collect();
    references.sort();
    references.dedup();
    let compared = !judged.is_empty()
        || sqlx::query_scalar::<_, i64>("select count(*) from captures where version_id = $1")
            .bind(v.id)
            .fetch_one(&state.store.pool)
            .await?
            > 0;
    let changed: HashSet<&str> = judged
        .iter()
        .filter(|j| j.deviation.kind != super::Kind::Declared)
        .map(|j| j.deviation.municipality.as_str())
        .collect();
    let job = crate::jobs::latest(&state.store, Kind::Comparison, v.id).await?;
    let waiting = match &job {
        Some(j) if j.running() && j.done == 0 => start::waiting_for_workers(&state).await?,
        _ => None,
    };
    let (csrf, set_cookie) = csrf::token(&headers, state.secure_cookies);
    let title = format!(
        "Jämförelse av varianter: {} {} – Provrum",
        v.title, v.version
    );
    let html = render(&MatrixPage {
        can_compare: crate::web::session::user()
            .is_some_and(|u| u.may(crate::accounts::Action::ProduceEvidence)),
        page: Layout::plain(&title),
        csrf,
        steps: steps
            .iter()
            .map(|s| (s.clone(), step_label(s, &titles)))
            .collect(),
        compared,
        running: job.as_ref().is_some_and(|j| j.running()),
        waiting,
        progress: job
            .as_ref()
            .filter(|j| j.running() && j.total > 0)
            .map(|j| (j.done, j.total)),
        failed: job.as_ref().and_then(|j| match j.status.as_str() {
            "failed" => j.error.clone(),
            "interrupted" => {
                Some("Jämförelsen avbröts när servern startades om. Starta den igen.".into())
            }
            _ => None,
        }),
        references,
        reused: crate::compare::store::reused_from_versions(&state.store, v.id).await?,
        pending: judged.iter().filter(|j| !j.status.is_settled()).count(),
        pending_changes: crate::compare::changes::items(&judged)
            .iter()
            .filter(|i| i.is_pending())
            .count(),
        changed_variants: changed.len(),
        total_variants: rows.iter().filter(|r| !r.external).count(),
        rows,
        version: v,
    })?;
    Ok(crate::web::with_cookie(html, set_cookie))
}

#[derive(Deserialize)]
struct CellQuery {
    #[serde(default)]
    steg: String,
}

#[derive(Template)]
#[template(path = "compare/cell.html")]
struct CellPage {
    page: Layout,
    version: VersionSummary,
    municipality: String,
    municipality_name: String,
    step: String,
    step_label: String,
    csrf: String,
    deviations: Vec<DeviationView>,
    /// Only e-kontoret sees the decision forms.
    can_decide: bool,
    /// A refused decision: which deviation, why, and what was typed.
    refused: Option<Refused>,
}

impl CellPage {
    /// The refused decision on deviation `id`, if that is the one refused.
    fn refused_for(&self, id: &i64) -> Option<&Refused> {
        self.refused
            .as_ref()
            .filter(|r| r.deviation == *id && r.decision != "ignore")
    }

    /// The reason typed into a refused "ignore these regions" form.
    fn ignore_typed(&self, id: &i64) -> Option<&str> {
        self.refused
            .as_ref()
            .filter(|r| r.deviation == *id && r.decision == "ignore")
            .map(|r| r.comment.as_str())
    }
}

/// A decision that was not saved, shown again on its deviation with what
/// was chosen and typed (never a dead end).
pub(super) struct Refused {
    deviation: i64,
    message: String,
    decision: String,
    comment: String,
}

async fn cell(
    State(state): State<AppState>,
    Path((service, ver, kommun)): Path<(String, String, String)>,
    Query(q): Query<CellQuery>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    crate::web::session::require()?;
    let v = state.require_version(&service, &ver).await?;
    cell_view(&state, &headers, v, kommun, q.steg, None).await
}

/// One variant's page in the comparison, with its deviations and (for
/// e-kontoret) their decision forms.
async fn cell_view(
    state: &AppState,
    headers: &HeaderMap,
    v: VersionSummary,
    kommun: String,
    steg: String,
    refused: Option<Refused>,
) -> Result<Response, WebError> {
    let service = v.service_id.clone();
    let ver = v.version.clone();
    let judged = super::judged(&state.store, &service, v.id).await?;
    let stored = store::deviations(&state.store, v.id).await?;
    let variant = state.variant(v.id, &kommun).await?.ok_or_else(|| {
        WebError::NotFound(format!("{service} {ver} har ingen variant för {kommun}."))
    })?;
    let titles: HashMap<String, String> = variant
        .steps
        .iter()
        .map(|s| (s.id.clone(), s.title.clone()))
        .collect();
    let mine: Vec<Judged> = judged
        .into_iter()
        .filter(|j| j.deviation.municipality == kommun && (j.deviation.step == steg || steg == "*"))
        .collect();
    let views = evidence_views(state, mine, &stored).await;
    let label = step_label(&steg, &titles);
    let (csrf, set_cookie) = csrf::token(headers, state.secure_cookies);
    let title = format!(
        "{label} i {} – jämförelse av {} {} – Provrum",
        variant.municipality_name, v.title, v.version
    );
    let html = render(&CellPage {
        page: Layout::plain(&title),
        municipality: kommun,
        municipality_name: variant.municipality_name.clone(),
        step: steg,
        step_label: label,
        csrf,
        deviations: views,
        can_decide: crate::web::session::user()
            .is_some_and(|u| u.may(crate::accounts::Action::DecideDeviation)),
        refused,
        version: v,
    })?;
    Ok(crate::web::with_cookie(html, set_cookie))
}

#[derive(Deserialize)]
struct DecideForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    comment: String,
    #[serde(default)]
    all_identical: Option<String>,
}

/// E-kontoret acting on one deviation: the token and permission checked,
/// the version and the deviation found.
pub(super) async fn deviation_to_decide(
    state: &AppState,
    (service, ver): (&str, &str),
    id: i64,
) -> Result<
    (
        crate::accounts::User,
        VersionSummary,
        store::StoredDeviation,
    ),
    WebError,
> {
    let user = crate::web::session::require_to(crate::accounts::Action::DecideDeviation)?;
    let v = state.require_version(service, ver).await?;
    match store::deviation(&state.store, v.id, id).await? {
        Some(d) => Ok((user, v, d)),
        None => Err(WebError::NotFound(format!(
            "{service} {ver} har ingen avvikelse {id}."
        ))),
    }
}

async fn decide(
    State(state): State<AppState>,
    Path((service, ver, id)): Path<(String, String, i64)>,
    headers: HeaderMap,
    Checked(form): Checked<DecideForm>,
) -> Result<Response, WebError> {
    let (user, v, d) = deviation_to_decide(&state, (&service, &ver), id).await?;
    if !d.kind.decidable() {
        return Err(WebError::BadRequest(
            "Den här avvikelsen kan inte godkännas eller flaggas: den är deklarerad eller ett fel vid fångsten.".into(),
        ));
    }
    let comment = form.comment.trim();
    let actor = user.name.as_str();
    let decided = decision_of(&form.decision, comment, "en avvikelse");
    let decision = match decided {
        Ok(d) => d,
        Err(message) => {
            // Back to the same page, the choice and the comment kept.
            let refused = Refused {
                deviation: d.id,
                message,
                decision: form.decision.clone(),
                comment: form.comment.clone(),
            };
            let (kommun, steg) = (d.municipality.clone(), d.step.clone());
            let mut r = cell_view(&state, &headers, v, kommun, steg, Some(refused)).await?;
            *r.status_mut() = axum::http::StatusCode::BAD_REQUEST;
            return Ok(r);
        }
    };
    let targets: Vec<_> = if form.all_identical.is_some() {
        store::deviations(&state.store, v.id)
            .await?
            .into_iter()
            .filter(|s| {
                s.kind == d.kind
                    && s.step == d.step
                    && s.reference == d.reference
                    && s.fingerprint == d.fingerprint
            })
            .collect()
    } else {
        vec![d.clone()]
    };
    store::decide(
        &state.store,
        &service,
        &v.version,
        &targets,
        decision,
        comment,
        actor,
    )
    .await?;
    Ok(Redirect::to(&format!(
        "/tjanster/{service}/{}/jamforelse/{}?steg={}",
        v.version,
        d.municipality,
        urlencode(&d.step)
    ))
    .into_response())
}

/// The decision a form asks for, or why it cannot be saved: approve or
/// flag, and a flag says what is wrong. `what` names the thing ("en avvikelse").
pub(super) fn decision_of(
    decision: &str,
    comment: &str,
    what: &str,
) -> Result<store::DecisionKind, String> {
    let Some(kind) = store::DecisionKind::parse(decision) else {
        return Err("Välj ”Godkänn som lokal anpassning” eller ”Flagga”.".into());
    };
    if kind == store::DecisionKind::Flagged && comment.is_empty() {
        Err(format!(
            "Skriv en kommentar som säger vad som är fel när du flaggar {what}."
        ))
    } else if comment.chars().count() > 2000 {
        Err("Kommentaren får vara högst 2000 tecken.".into())
    } else {
        Ok(kind)
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
