//! The release page (verdict, blockers by condition and municipality with
//! their evidence, waivers, the Release action), the offline report, and
//! the dashboard of services × municipalities.

use crate::web::Refusals;
use crate::web::csrf::Checked;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use crate::accounts::Action;
use crate::services::store::VersionSummary;
use crate::web::page::{Layout, confirmed};
use crate::web::session::{require, require_to};
use crate::web::{AppState, WebError, csrf, render};

use super::gate::{self, GateResult, Verdict};
use super::{Rules, report, waivers};

pub fn router() -> Router<AppState> {
    let v = "/tjanster/{service}/{version}/release";
    Router::new()
        .route(v, get(page).post(release))
        .route(&format!("{v}/undantag"), post(waive))
        .route(&format!("{v}/undantag/{{id}}/aterkalla"), post(withdraw))
        .route(&format!("{v}/rapport.html"), get(report_html))
        .route("/oversikt", get(dashboard))
}

struct Group {
    condition: super::policy::Condition,
    title: &'static str,
    /// Each blocker with its number on the page (its waiver form's ids).
    blockers: Vec<(usize, gate::Blocker)>,
    /// The same, by municipality ("Hela tjänsten" first), for folding.
    by_municipality: Vec<Fold>,
    /// "12 väntar i Karlstad (5), Kil (7)".
    summary: String,
    /// Where the first of its blockers is dealt with.
    next: Option<String>,
}

/// Blockers numbered on the page.
type Numbered = Vec<(usize, gate::Blocker)>;
/// A municipality's name and its blockers.
type Fold = (String, Numbered);

/// A condition's blockers by municipality, and the line that sums them up.
fn folded(blockers: &[(usize, gate::Blocker)]) -> (Vec<Fold>, String) {
    super::report::fold(blockers, |(_, b)| b)
}

/// A waiver that was refused: what was typed, shown again in its form with
/// the error linked to the field to fix.
struct RefusedWaiver {
    blocker: String,
    reason: String,
    until: String,
    /// "skal" or "till".
    field: &'static str,
}

#[derive(Template)]
#[template(path = "release/page.html")]
struct ReleasePage {
    page: Layout,
    version: VersionSummary,
    csrf: String,
    g: GateResult,
    groups: Vec<Group>,
    can_release: bool,
    error: Option<String>,
    refused: Option<RefusedWaiver>,
    /// Every waiver of the version with what it lifts, in words.
    waivers: Vec<(waivers::Waiver, String)>,
}

impl ReleasePage {
    /// What was typed into this blocker's waiver form before it was refused.
    fn typed(&self, key: &str) -> Option<&RefusedWaiver> {
        self.refused.as_ref().filter(|r| r.blocker == key)
    }

    /// A municipality's blockers are shown open when they are few, or when
    /// a refused waiver among them waits to be corrected.
    fn opened(&self, list: &[(usize, gate::Blocker)]) -> bool {
        list.len() <= 3
            || self
                .refused
                .as_ref()
                .is_some_and(|r| list.iter().any(|(_, b)| b.key == r.blocker))
    }

    /// The field the error summary links to.
    fn error_target(&self) -> String {
        let Some(r) = &self.refused else {
            return String::new();
        };
        self.groups
            .iter()
            .flat_map(|g| g.blockers.iter())
            .find(|(_, b)| b.key == r.blocker)
            .map(|(n, _)| format!("#{}-{n}", r.field))
            .unwrap_or_default()
    }
}

async fn view(
    state: &AppState,
    headers: &HeaderMap,
    v: VersionSummary,
    error: Option<String>,
    refused: Option<RefusedWaiver>,
) -> Result<Response, WebError> {
    let u = require()?;
    let g = evaluate(state, &v).await?;
    let groups = g
        .conditions
        .iter()
        .map(|c| {
            let blockers: Vec<(usize, gate::Blocker)> = g
                .blockers
                .iter()
                .enumerate()
                .filter(|(_, b)| b.condition == *c)
                .map(|(n, b)| (n, b.clone()))
                .collect();
            let (by_municipality, summary) = folded(&blockers);
            let next = blockers.iter().find_map(|(_, b)| b.evidence.clone());
            Group {
                condition: *c,
                title: c.swedish(),
                blockers,
                by_municipality,
                summary,
                next,
            }
        })
        .collect();
    let words = |key: &str| {
        g.waived
            .iter()
            .map(|(b, _)| b)
            .chain(g.blockers.iter())
            .find(|b| b.key == key)
            .map(|b| b.message.clone())
            .unwrap_or_else(|| "Ett hinder som inte längre finns".into())
    };
    let waivers = waivers::all(&state.store, v.id)
        .await?
        .into_iter()
        .map(|w| {
            let what = words(&w.blocker);
            (w, what)
        })
        .collect();
    let (csrf, set) = csrf::token(headers, state.secure_cookies);
    let title = format!("Release av {} {} – Provrum", v.title, v.version);
    let html = render(&ReleasePage {
        page: Layout::plain(&title),
        csrf,
        groups,
        can_release: u.may(Action::Release),
        error,
        refused,
        waivers,
        g,
        version: v,
    })?;
    Ok(crate::web::with_cookie(html, set))
}

async fn page(
    State(state): State<AppState>,
    Path((service, ver)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let v = state.require_version(&service, &ver).await?;
    view(&state, &headers, v, None, None).await
}

async fn release(
    State(state): State<AppState>,
    Path((service, ver)): Path<(String, String)>,
    _: Checked,
) -> Result<Response, WebError> {
    let u = require_to(Action::Release)?;
    let v = state.require_version(&service, &ver).await?;
    let g = evaluate(&state, &v).await?;
    if g.verdict != Verdict::Ready {
        return Err(WebError::BadRequest(format!(
            "Versionen kan inte släppas: {} hinder återstår (se releasesidan).",
            g.blockers.len()
        )));
    }
    if g.released {
        return Ok(
            Redirect::to(&format!("/tjanster/{service}/{}/release", v.version)).into_response(),
        );
    }
    crate::services::releases::mark_released(&state.store, &service, v.id, &u.username).await?;
    Ok(Redirect::to(&format!("/tjanster/{service}/{}/release", v.version)).into_response())
}

#[derive(Deserialize)]
struct WaiveForm {
    #[serde(default)]
    hinder: String,
    #[serde(default)]
    skal: String,
    #[serde(default)]
    till: String,
}

async fn waive(
    State(state): State<AppState>,
    Path((service, ver)): Path<(String, String)>,
    headers: HeaderMap,
    Checked(form): Checked<WaiveForm>,
) -> Result<Response, WebError> {
    let u = require_to(Action::Release)?;
    let v = state.require_version(&service, &ver).await?;
    let g = evaluate(&state, &v).await?;
    if !g.blockers.iter().any(|b| b.key == form.hinder) {
        return Err(WebError::BadRequest(
            "Det finns inget sådant hinder (kanske redan åtgärdat).".into(),
        ));
    }
    match waivers::grant(
        &state.store,
        v.id,
        &form.hinder,
        &form.skal,
        form.till.trim(),
        &u,
    )
    .await
    .refused()?
    {
        Ok(()) => Ok(Redirect::to(&confirmed(
            &format!("/tjanster/{service}/{}/release", v.version),
            "undantag",
        ))
        .into_response()),
        Err(e) => {
            let refused = RefusedWaiver {
                blocker: form.hinder,
                reason: form.skal,
                until: form.till,
                field: match e {
                    waivers::WaiverError::Expiry => "till",
                    _ => "skal",
                },
            };
            let mut r = view(&state, &headers, v, Some(e.to_string()), Some(refused)).await?;
            *r.status_mut() = axum::http::StatusCode::BAD_REQUEST;
            Ok(r)
        }
    }
}

#[derive(Deserialize)]
struct WithdrawForm {}

/// Withdraw a waiver: its blocker blocks again (audited).
async fn withdraw(
    State(state): State<AppState>,
    Path((service, ver, id)): Path<(String, String, i64)>,
    Checked(_form): Checked<WithdrawForm>,
) -> Result<Response, WebError> {
    let u = require_to(Action::Release)?;
    let v = state.require_version(&service, &ver).await?;
    match waivers::withdraw(&state.store, v.id, id, &u)
        .await
        .refused()?
    {
        Ok(()) => Ok(Redirect::to(&confirmed(
            &format!("/tjanster/{service}/{}/release", v.version),
            "undantag-tillbaka",
        ))
        .into_response()),
        Err(e) => Err(WebError::NotFound(e.to_string())),
    }
}

async fn report_html(
    State(state): State<AppState>,
    Path((service, ver)): Path<(String, String)>,
) -> Result<Response, WebError> {
    require()?;
    let v = state.require_version(&service, &ver).await?;
    let g = evaluate(&state, &v).await?;
    let origin = state.public_url.clone().unwrap_or_default();
    let html = report::html(&g, &state.artifacts, &origin)?;
    let name = format!(
        "attachment; filename=\"release-{}-{}.html\"",
        v.service_id, v.version
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, name),
        ],
        html,
    )
        .into_response())
}

/// The dashboard's symbol for a round answer (the words stay for screen
/// readers and as the tooltip; the legend explains the symbols).
pub fn answer_symbol(label: &str) -> &'static str {
    match label {
        "antar" => "✓",
        "antar med synpunkter" => "✓+",
        "avstår" => "–",
        _ => "?",
    }
}

struct DashRow {
    service: String,
    title: String,
    version: String,
    verdict: Verdict,
    blockers: usize,
    released: Option<String>,
    /// Whether a review round was opened: without one, the row says so once.
    has_round: bool,
    /// Per municipality: (id, short name, state label, css class).
    cells: Vec<(String, String, &'static str)>,
}

#[derive(Template)]
#[template(path = "release/dashboard.html")]
struct Dashboard {
    page: Layout,
    municipalities: Vec<(String, String)>,
    rows: Vec<DashRow>,
}

async fn dashboard(State(state): State<AppState>) -> Result<Response, WebError> {
    require()?;
    let services = crate::services::store::list(&state.store).await?;
    let municipalities = state.registry.municipalities_by_name();
    // One reading of the rules for every service on the page.
    let rules = rules(&state)?;
    let mut rows = Vec::new();
    for s in services {
        let Some(v) = crate::services::store::find_version(&state.store, &s.id, None).await? else {
            continue;
        };
        let g = super::evaluate(&state.store, &rules, &v).await?;
        let released =
            match crate::services::releases::last_release(&state.store, &s.id, -1).await? {
                Some(id) => crate::services::store::version_by_id(&state.store, id)
                    .await?
                    .map(|x| x.version),
                None => None,
            };
        let round = crate::reviews::rounds::latest(&state.store, v.id).await?;
        let answers = match &round {
            Some(r) => crate::reviews::rounds::answers(&state.store, r.id).await?,
            None => Vec::new(),
        };
        let variants = state.variants(v.id).await?;
        let cells = municipalities
            .iter()
            .map(|(m, _)| {
                let label = if !variants.iter().any(|x| &x.municipality == m) {
                    ("ingen variant", "none")
                } else {
                    match answers
                        .iter()
                        .find(|a| &a.municipality == m)
                        .map(|a| a.answer)
                    {
                        Some(crate::reviews::rounds::Answer::Antar) => ("antar", "approved"),
                        Some(crate::reviews::rounds::Answer::AntarMedSynpunkter) => {
                            ("antar med synpunkter", "approved")
                        }
                        Some(crate::reviews::rounds::Answer::Avstar) => ("avstår", "same"),
                        None => ("inget svar", "review"),
                    }
                };
                (m.clone(), label.0.to_string(), label.1)
            })
            .collect();
        rows.push(DashRow {
            service: s.id.clone(),
            title: v.title.clone(),
            version: v.version.clone(),
            verdict: g.verdict,
            blockers: g.blockers.len(),
            released,
            has_round: round.is_some(),
            cells,
        });
    }
    Ok(render(&Dashboard {
        page: Layout::plain("Översikt – Provrum"),
        municipalities,
        rows,
    })?
    .into_response())
}

/// The rules the server was started with (a broken file is an error page).
pub fn rules(state: &AppState) -> Result<Rules, WebError> {
    Ok(Rules::load(&state.checklists_dir, &state.release_policy)?)
}

/// The gate's verdict on `v` under the server's rules.
pub async fn evaluate(state: &AppState, v: &VersionSummary) -> Result<GateResult, WebError> {
    Ok(super::evaluate(&state.store, &rules(state)?, v).await?)
}
