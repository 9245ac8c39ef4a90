//! Starting a comparison from its page: the walks go on the queue for the
//! workers (this server's own, when it runs one), and the page says why a
//! comparison waits when no worker can walk it.

use crate::web::csrf::Checked;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};

use crate::jobs::Kind;
use crate::web::{AppState, WebError};

use super::super::capture::Viewport;
use super::super::execute::{Against, CompareError, Env, Request};

/// Why a comparison's walks wait, when no worker can make them now.
pub(super) async fn waiting_for_workers(
    state: &AppState,
) -> Result<Option<&'static str>, WebError> {
    Ok(
        match crate::work::presence::workers_alive(&state.store).await? {
            (0, _) => Some(
                "Ingen dator fångar sidor just nu, så jämförelsen väntar. Be den som sköter provrummet att starta en; jämförelsen fortsätter då av sig själv.",
            ),
            (alive, broken) if broken == alive => Some(
                "Datorerna som fångar sidor kan inte starta sin webbläsare just nu, så jämförelsen väntar. Be den som sköter provrummet att se efter.",
            ),
            _ => None,
        },
    )
}

#[derive(serde::Deserialize)]
pub(super) struct StartForm {
    /// "Fånga om allt": reuse no capture (after a change outside the
    /// variants that the reuse key cannot see, or to be sure).
    allt: Option<String>,
}

pub(super) async fn start(
    State(state): State<AppState>,
    Path((service, ver)): Path<(String, String)>,
    Checked(form): Checked<StartForm>,
) -> Result<Response, WebError> {
    let user = crate::web::session::require_to(crate::accounts::Action::ProduceEvidence)?;
    let v = state.require_version(&service, &ver).await?;
    let req = Request {
        service: service.clone(),
        version: Some(v.version.clone()),
        against: Against::Default,
        viewports: vec![Viewport::desktop(), Viewport::mobile()],
        fresh: form.allt.is_some(),
    };
    let kept = serde_json::to_string(&req).map_err(std::io::Error::other)?;
    // A comparison already running for the version is not started twice.
    let work = comparison(&state, req)?;
    state
        .jobs
        .start(
            &state.store,
            Kind::Comparison,
            v.id,
            &user.username,
            Some(&kept),
            work,
        )
        .await?;
    Ok(Redirect::to(&format!("/tjanster/{service}/{}/jamforelse", v.version)).into_response())
}

/// A job's work, as the registry runs it.
type JobWork = std::pin::Pin<Box<dyn Future<Output = Result<(), String>> + Send>>;

/// A comparison as a job of this server: the walks go on the queue for the
/// workers (this server's own, when it runs one) — a web replica starts no
/// browser of its own — and the diff runs here when they are made.
fn comparison(
    state: &AppState,
    req: Request,
) -> Result<impl FnOnce(crate::jobs::Handle) -> JobWork, WebError> {
    let (origin, browser) = state.job_browser()?;
    let env = Env {
        origin,
        browser,
        concurrency: 0,
        files_dir: state.scenarios_dir.join("files"),
        cancel: Arc::default(),
    };
    let (db, artifacts) = (state.store.clone(), state.artifacts.clone());
    Ok(move |job: crate::jobs::Handle| {
        Box::pin(async move {
            let env = Env {
                cancel: job.cancel.clone(),
                ..env
            };
            let progress = Arc::new(move |done: usize, total: usize| job.progress(done, total));
            super::super::execute(&db, &artifacts, &env, &req, progress)
                .await
                .map(|_| ())
                .map_err(|e| match e {
                    CompareError::Cancelled => {
                        "jämförelsen stoppades innan alla sidor var fångade.".to_string()
                    }
                    e => e.to_string(),
                })
        }) as JobWork
    })
}

/// How often a server looks for comparisons whose replica died.
const ADOPT_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// Carry on, from this server, comparisons whose server died (their lease
/// lapsed): the walks already made are reused, the rest queued again, and
/// the diff runs here. Every web replica runs this; one takes each job.
pub async fn adopt_forever(state: AppState) {
    let mut tick = tokio::time::interval(ADOPT_EVERY);
    loop {
        tick.tick().await;
        let orphans = match crate::jobs::adoptable(&state.store, Kind::Comparison).await {
            Ok(o) => o,
            Err(e) => {
                tracing::warn!(error = %e, "looking for comparisons to carry on failed");
                continue;
            }
        };
        for job in orphans {
            let req: Request = match serde_json::from_str(&job.request) {
                Ok(r) => r,
                Err(e) => {
                    tracing::warn!(job = job.id, error = %e, "a comparison's request cannot be read");
                    continue;
                }
            };
            let Ok(work) = comparison(&state, req) else {
                continue;
            };
            if let Err(e) = state.jobs.adopt(&state.store, &job, work).await {
                tracing::warn!(job = job.id, error = %e, "carrying on a comparison failed");
            }
        }
    }
}
