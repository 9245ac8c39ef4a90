//! Runs in the browser: the list, a run's matrix (scenario × municipality),
//! a cell's step timeline with screenshots, and starting a run.

use crate::web::csrf::Checked;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use crate::web::page::Layout;
use crate::web::{AppState, WebError, render};

use crate::scenarios::execute::{self, PlanError};
use crate::scenarios::queue;
use crate::scenarios::store::{self, CellRow, RunRow, StepRow};
mod evidence;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/korningar", get(runs))
        .route("/korningar/{id}", get(run))
        .route("/korningar/{id}/avbryt", post(cancel))
        .route("/korningar/{id}/celler/{cell}", get(cell))
        .route(
            "/korningar/{id}/celler/{cell}/steg/{pos}/sidan",
            get(snapshot),
        )
        .route("/artefakter/{hash}", get(evidence::artifact))
        .route("/tjanster/{service}/{version}/korningar", post(start))
}

#[derive(Template)]
#[template(path = "runs/list.html")]
struct RunsPage {
    page: Layout,
    runs: Vec<RunRow>,
}

async fn runs(State(state): State<AppState>) -> Result<Html<String>, WebError> {
    crate::web::session::require()?;
    let runs = store::list(&state.store, 100).await?;
    render(&RunsPage {
        page: Layout::plain("Körningar – Provrum"),
        runs,
    })
}

pub fn status_sv(s: &str) -> &'static str {
    match s {
        "passed" => "godkänd",
        "failed" => "underkänd",
        "error" => "fel i körningen",
        "skipped" => "hoppades över",
        "running" => "pågår",
        "interrupted" => "avbruten",
        _ => "okänd",
    }
}

struct MatrixRow {
    scenario: String,
    title: String,
    cells: Vec<Option<CellRow>>,
}

#[derive(Template)]
#[template(path = "runs/run.html")]
struct RunPage {
    page: Layout,
    run: RunRow,
    municipalities: Vec<(String, String)>,
    rows: Vec<MatrixRow>,
    failures: Vec<(CellRow, String)>,
    refresh: bool,
    /// (status, words, count, chosen) for the filter over the cells.
    filters: Vec<(&'static str, &'static str, usize, bool)>,
    /// The cells the filter shows, each with its municipality's name.
    listed: Vec<(CellRow, String)>,
    /// For e-kontoret while the run goes on: the stop form's CSRF token.
    cancel_csrf: Option<String>,
    /// Running, but no cell has started yet: what it waits for, in words.
    waiting: Option<&'static str>,
    /// Cells run now, cells reused, and the earlier runs they come from.
    reuse: (usize, usize, Vec<i64>),
}

#[derive(serde::Deserialize)]
struct RunQuery {
    #[serde(default)]
    status: Option<String>,
}

async fn run(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<RunQuery>,
    headers: axum::http::HeaderMap,
) -> Result<Response, WebError> {
    let user = crate::web::session::require()?;
    let run = store::get(&state.store, id)
        .await?
        .ok_or_else(|| WebError::NotFound(format!("Det finns ingen körning {id}.")))?;
    let cells = store::cells(&state.store, id).await?;
    let mut municipalities: Vec<(String, String)> = cells
        .iter()
        .map(|c| {
            (
                c.municipality.clone(),
                state
                    .registry
                    .get(&c.municipality)
                    .map(|m| m.short_name.clone())
                    .unwrap_or_else(|| c.municipality.clone()),
            )
        })
        .collect();
    municipalities.sort_by_key(|(_, n)| crate::municipalities::swedish_sort_key(n));
    municipalities.dedup();
    let mut rows: Vec<MatrixRow> = Vec::new();
    for c in &cells {
        if !rows.iter().any(|r| r.scenario == c.scenario) {
            rows.push(MatrixRow {
                scenario: c.scenario.clone(),
                title: c.scenario_title.clone(),
                cells: Vec::new(),
            });
        }
    }
    for r in &mut rows {
        r.cells = municipalities
            .iter()
            .map(|(m, _)| {
                cells
                    .iter()
                    .find(|c| c.scenario == r.scenario && &c.municipality == m)
                    .cloned()
            })
            .collect();
    }
    let name = |m: &str| state.registry.short_name(m);
    let mut from: Vec<i64> = cells.iter().filter_map(|c| c.reused_from_run).collect();
    from.sort_unstable();
    from.dedup();
    let reused = cells.iter().filter(|c| c.reused_from_run.is_some()).count();
    let reuse = (cells.len() - reused, reused, from);
    let failures = cells
        .iter()
        .filter(|c| c.status != "passed")
        .map(|c| (c.clone(), name(&c.municipality)))
        .collect();
    // Filter the cells by status, as a test report does.
    let chosen = q.status.as_deref().unwrap_or("");
    let filters = [
        ("", "Alla"),
        ("passed", "Godkända"),
        ("failed", "Underkända"),
        ("error", "Fel i körningen"),
        ("skipped", "Hoppades över"),
    ]
    .into_iter()
    .map(|(status, words)| {
        let n = cells
            .iter()
            .filter(|c| status.is_empty() || c.status == status)
            .count();
        (status, words, n, status == chosen)
    })
    .filter(|(status, _, n, _)| status.is_empty() || *n > 0)
    .collect();
    let mut listed: Vec<(CellRow, String)> = cells
        .iter()
        .filter(|c| chosen.is_empty() || c.status == chosen)
        .map(|c| (c.clone(), name(&c.municipality)))
        .collect();
    // The slowest first: what to look at when a run takes long.
    // A reused cell took no time in this run: it goes last.
    listed.sort_by_key(|(c, _)| std::cmp::Reverse(c.reused_from_run.map_or(c.duration_ms, |_| -1)));
    let title = format!("Körning {id}: {} {} – Provrum", run.title, run.version);
    let (csrf, set) = crate::web::csrf::token(&headers, state.secure_cookies);
    let running = run.status == crate::scenarios::RunStatus::Running;
    let waiting = if running
        && run.counts.total() == 0
        && queue::in_progress(&state.store, run.id).await? == 0
    {
        Some(
            match crate::work::presence::workers_alive(&state.store).await? {
                (0, _) => {
                    "Ingen dator kör körningar just nu, så den här väntar. Be den som sköter provrummet att starta en; körningen börjar då av sig själv."
                }
                (alive, broken) if broken == alive => {
                    "Datorerna som kör körningar kan inte starta sin webbläsare just nu, så den här väntar. Be den som sköter provrummet att se efter; körningen börjar av sig själv när det fungerar igen."
                }
                _ => {
                    "Körningen står i kö och startar av sig själv så snart en dator blir ledig att köra den."
                }
            },
        )
    } else {
        None
    };
    let html = render(&RunPage {
        waiting,
        page: Layout::plain(&title),
        cancel_csrf: (running && user.may(crate::accounts::Action::ProduceEvidence))
            .then_some(csrf),
        refresh: running,
        run,
        municipalities,
        rows,
        failures,
        filters,
        listed,
        reuse,
    })?;
    Ok(crate::web::with_cookie(html, set))
}

/// E-kontoret stops a run: the cells in progress finish, the rest are not
/// started. Every worker holding one of its cells stops it within a second.
async fn cancel(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    _: Checked,
) -> Result<Response, WebError> {
    let user = crate::web::session::require_to(crate::accounts::Action::ProduceEvidence)?;
    queue::cancel(&state.store, id, &user.username).await?;
    Ok(Redirect::to(&format!("/korningar/{id}")).into_response())
}

struct StepView {
    /// What the step did, in words.
    said: String,
    took: String,
    row: StepRow,
    text: String,
    a11y: Option<A11yView>,
}

struct Violation {
    id: String,
    impact: String,
    help: String,
    wcag: String,
    nodes: Vec<(String, String)>,
}

/// axe-core's findings for one capture, with boxes to outline on the screenshot.
struct A11yView {
    violations: Vec<Violation>,
    incomplete: usize,
    width: u32,
    height: u32,
    boxes: Vec<(i64, i64, i64, i64)>,
}

fn png_size(bytes: &[u8]) -> Option<(u32, u32)> {
    if bytes.len() < 24 || !bytes.starts_with(b"\x89PNG") {
        return None;
    }
    let w = u32::from_be_bytes(bytes[16..20].try_into().ok()?);
    let h = u32::from_be_bytes(bytes[20..24].try_into().ok()?);
    Some((w, h))
}

fn a11y_view(v: &serde_json::Value, size: Option<(u32, u32)>) -> A11yView {
    let list = v["violations"].as_array().cloned().unwrap_or_default();
    let mut boxes = Vec::new();
    let violations = list
        .iter()
        .map(|x| {
            let nodes: Vec<(String, String)> = x["nodes"]
                .as_array()
                .map(|n| {
                    n.iter()
                        .map(|n| {
                            (
                                n["target"].as_str().unwrap_or_default().to_string(),
                                n["html"].as_str().unwrap_or_default().to_string(),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            for n in x["nodes"].as_array().into_iter().flatten() {
                let b = &n["box"];
                if let (Some(x), Some(y), Some(w), Some(h)) = (
                    b["x"].as_i64(),
                    b["y"].as_i64(),
                    b["w"].as_i64(),
                    b["h"].as_i64(),
                ) {
                    boxes.push((x - 3, y - 3, w + 6, h + 6));
                }
            }
            Violation {
                id: x["id"].as_str().unwrap_or_default().to_string(),
                impact: x["impact"].as_str().unwrap_or("okänd").to_string(),
                help: x["help"].as_str().unwrap_or_default().to_string(),
                wcag: x["wcag"]
                    .as_array()
                    .map(|t| {
                        t.iter()
                            .filter_map(|t| t.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                    .unwrap_or_default(),
                nodes,
            }
        })
        .collect();
    let (width, height) = size.unwrap_or((1280, 800));
    A11yView {
        violations,
        incomplete: v["incomplete"].as_array().map(Vec::len).unwrap_or(0),
        width,
        height,
        boxes,
    }
}

#[derive(Template)]
#[template(path = "runs/cell.html")]
struct CellPage {
    page: Layout,
    run_id: i64,
    cell: CellRow,
    municipality_name: String,
    steps: Vec<StepView>,
    took: String,
}

async fn cell(
    State(state): State<AppState>,
    Path((id, cell_id)): Path<(i64, i64)>,
) -> Result<Html<String>, WebError> {
    crate::web::session::require()?;
    let Some((run_id, cell, steps)) = store::cell(&state.store, cell_id)
        .await?
        .filter(|(r, _, _)| *r == id)
    else {
        return Err(WebError::NotFound(format!(
            "Körning {id} har ingen cell {cell_id}."
        )));
    };
    let variant = match crate::scenarios::store::get(&state.store, run_id).await? {
        Some(run) => state.variant(run.version_id, &cell.municipality).await?,
        None => None,
    };
    let mut views = Vec::new();
    for row in steps {
        let text = match &row.text_hash {
            Some(h) => state
                .artifacts
                .read(h)
                .await
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default(),
            None => String::new(),
        };
        let a11y = match &row.accessibility {
            Some(v) => {
                let size = match &row.screenshot {
                    Some(h) => state
                        .artifacts
                        .read(h)
                        .await
                        .ok()
                        .and_then(|b| png_size(&b)),
                    None => None,
                };
                Some(a11y_view(v, size))
            }
            None => None,
        };
        views.push(StepView {
            said: crate::scenarios::words::step(&row.label, variant.as_deref()),
            took: crate::scenarios::words::duration(row.duration_ms),
            row,
            text,
            a11y,
        });
    }
    let municipality_name = state
        .registry
        .get(&cell.municipality)
        .map(|m| m.name.clone())
        .unwrap_or_else(|| cell.municipality.clone());
    let title = format!(
        "{} i {} – körning {run_id} – Provrum",
        cell.scenario_title, municipality_name
    );
    render(&CellPage {
        page: Layout::plain(&title),
        took: crate::scenarios::words::duration(cell.duration_ms),
        run_id,
        cell,
        municipality_name,
        steps: views,
    })
}

#[derive(serde::Deserialize)]
struct StartForm {
    /// "Kör om allt": reuse no stored cell, run every one again.
    allt: Option<String>,
}

async fn start(
    State(state): State<AppState>,
    Path((service, version)): Path<(String, String)>,
    Checked(form): Checked<StartForm>,
) -> Result<Response, WebError> {
    let user = crate::web::session::require_to(crate::accounts::Action::ProduceEvidence)?;
    let limit = crate::web::rates::RUN_STARTS;
    if !crate::web::rates::allow(&state.store, &format!("run:{}", user.username), limit).await? {
        return Err(WebError::TooMany(format!(
            "Du har startat {} körningar de senaste {} minuterna. Vänta en stund; de körningar som redan går syns under Körningar.",
            limit.max,
            limit.window.as_secs() / 60
        )));
    }
    let files = execute::scenario_files(&[], &state.scenarios_dir);
    let mut plan = match execute::plan(&state.store, &service, Some(&version), &files, &[]).await {
        Ok(p) => p,
        Err(PlanError::Invalid(diags)) => {
            let list = diags
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join("\n");
            return Err(WebError::BadRequest(format!(
                "Scenarierna har fel och inget kördes:\n{list}"
            )));
        }
        Err(e) => {
            return Err(WebError::BadRequest(format!(
                "Körningen kunde inte planeras: {e}"
            )));
        }
    };
    plan.fresh = form.allt.is_some();
    // The cells wait in the queue for a worker: this server's own, or
    // `provrum worker` processes on other machines.
    let options = crate::scenarios::runner::Options {
        capture: crate::scenarios::runner::Capture::EveryStep,
        axe: true,
    };
    let run_id =
        execute::enqueue(&state.store, &plan, &user.username, state.workers, options).await?;
    Ok(Redirect::to(&format!("/korningar/{run_id}")).into_response())
}

/// The document a step left, as it was: served inert (no script runs, no
/// request leaves but for the test room's own styles and images).
async fn snapshot(
    State(state): State<AppState>,
    Path((id, cell_id, pos)): Path<(i64, i64, i64)>,
) -> Result<Response, WebError> {
    crate::web::session::require()?;
    let missing = || WebError::NotFound("Steget har ingen sparad sida.".into());
    let (run_id, _, steps) = store::cell(&state.store, cell_id)
        .await?
        .ok_or_else(missing)?;
    let hash = steps
        .into_iter()
        .find(|s| run_id == id && s.position == pos)
        .and_then(|s| s.dom_snapshot)
        .ok_or_else(missing)?;
    let html = state.artifacts.read(&hash).await.map_err(|_| missing())?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (
                header::CONTENT_SECURITY_POLICY,
                "sandbox; default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'",
            ),
        ],
        html,
    )
        .into_response())
}
