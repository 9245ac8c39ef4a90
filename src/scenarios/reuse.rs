//! A scenario cell whose inputs have not changed is not run again: its
//! stored result is copied (issue 29).
//!
//! A cell's *fingerprint* is everything its result can depend on that the
//! run knows when it is queued: the variant as served (texts, fields, rules,
//! brand colour, contact — the whole merged variant), the scenario file as
//! read and where it lies, the bytes of every file it attaches, how the run
//! captures (every step or pages, axe-core on or off), and the build's
//! runner sources (`PROVRUM_RUN_DIGEST`: templates, stylesheet, sandbox,
//! services, browser and runner code, the scenario format, the test persons
//! and municipalities, axe-core). The version's number and content hash
//! join it only when the scenario can see them: an `expect_submitted` that
//! reads the case's `service` part, or a `click`/`press` that may lead to a
//! page showing the version. What the worker's browser adds — Chromium's
//! version, the window, full-page shots, the time limit — is its
//! [`setup`], stored beside the result and matched too.
//!
//! A false reuse is worse than a slow check: anything that can change a
//! result belongs in one of the two. A variant hosted elsewhere is never
//! reused (its pages are not ours to fingerprint), nor a cell that ended in
//! an error or was skipped.

use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::services::Variant;
use crate::services::store::VersionSummary;
use crate::store::Store;

use super::model::{Action, Scenario};
use super::queue::{self, Task};
use super::runner::{Capture, Options, RunnerConfig};

/// Bumped whenever what a cell records changes in a way the sources'
/// digest cannot see.
const CELL_FORMAT: &str = "cell/1";

/// The fingerprint of one cell's inputs; `None` when it is never reused.
pub fn fingerprint(
    version: &VersionSummary,
    variant: &Variant,
    scenario: &Scenario,
    source: &str,
    options: Options,
) -> Option<String> {
    if variant.external_url.is_some() {
        return None;
    }
    let mut h = Sha256::new();
    let mut part = |p: &[u8]| {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p);
    };
    part(CELL_FORMAT.as_bytes());
    part(env!("CARGO_PKG_VERSION").as_bytes());
    part(env!("PROVRUM_RUN_DIGEST").as_bytes());
    part(version.service_id.as_bytes());
    part(&serde_json::to_vec(variant).unwrap_or_default());
    part(scenario.file.to_string_lossy().as_bytes());
    part(source.as_bytes());
    let capture = match options.capture {
        Capture::EveryStep => "every_step",
        Capture::Pages => "pages",
    };
    part(format!("capture={capture} axe={}", options.axe).as_bytes());
    for file in attached(scenario) {
        part(file.to_string_lossy().as_bytes());
        match std::fs::read(&file) {
            Ok(bytes) => part(&Sha256::digest(&bytes)),
            Err(e) => part(format!("unreadable: {e}").as_bytes()),
        }
    }
    if sees_version(scenario) {
        part(version.version.as_bytes());
        part(version.content_hash.as_bytes());
    }
    Some(hex::encode(h.finalize()))
}

/// The files a scenario attaches, in order.
fn attached(scenario: &Scenario) -> Vec<std::path::PathBuf> {
    scenario
        .steps
        .iter()
        .filter_map(|s| match &s.action {
            Action::Attach { files } => Some(files.iter().map(|(_, p)| p.clone())),
            _ => None,
        })
        .flatten()
        .collect()
}

/// The parts of the sent case that do not name the version: a scenario
/// reading only these gives the same result in every version.
const VERSIONLESS: &[&str] = &[
    "values",
    "steps",
    "applicant",
    "municipality",
    "organisation",
    "attachments",
    "signature",
    "sandbox",
    "case_number",
    "submitted_at",
];

/// Whether the scenario can see which version it runs in.
fn sees_version(scenario: &Scenario) -> bool {
    scenario.steps.iter().any(|s| match &s.action {
        Action::ExpectSubmitted { path, .. } => {
            let head = path.split(['.', '[']).next().unwrap_or_default();
            !VERSIONLESS.contains(&head)
        }
        Action::Click { .. } | Action::Press { .. } => true,
        _ => false,
    })
}

/// What a worker's browser adds to a result: Chromium's version, the
/// window, whole-page shots and the time limit.
pub fn setup(cfg: &RunnerConfig) -> String {
    format!(
        "{} window={}x{} full_page={} timeout_ms={}",
        crate::browser::version(&cfg.browser),
        cfg.browser.width,
        cfg.browser.height,
        cfg.full_page,
        cfg.browser.timeout.as_millis()
    )
}

/// Store a claimed cell as a copy of the newest stored result with the same
/// fingerprint and browser set-up, if there is one and the claim is still
/// `worker`'s; the copy's id. Its evidence files are the same files.
pub async fn take_over(
    db: &Store,
    task: &Task,
    worker: &str,
    setup: &str,
) -> Result<Option<i64>, sqlx::Error> {
    let Some(fp) = &task.fingerprint else {
        return Ok(None);
    };
    let source: Option<(i64, i64)> = sqlx::query_as(
        "select id, coalesce(reused_from, id) from run_cells
         where fingerprint = $1 and browser = $2 and status in ('passed', 'failed')
           and scenario = $3 and municipality = $4
         order by id desc limit 1",
    )
    .bind(fp)
    .bind(setup)
    .bind(&task.scenario)
    .bind(&task.municipality)
    .fetch_optional(&db.pool)
    .await?;
    let Some((from, origin)) = source else {
        return Ok(None);
    };
    let mut tx = db.begin().await?;
    if !queue::mark_done(&mut tx, task, worker).await? {
        tx.rollback().await?;
        return Ok(None);
    }
    let cell: i64 = sqlx::query(
        "insert into run_cells (run_id, scenario, scenario_title, municipality, status, reason, failed_step, duration_ms, case_number, fingerprint, browser, reused_from)
         select $1, scenario, scenario_title, municipality, status, reason, failed_step, duration_ms, case_number, fingerprint, browser, $2
         from run_cells where id = $3 returning id",
    )
    .bind(task.run_id)
    .bind(origin)
    .bind(from)
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    sqlx::query(
        "insert into step_results (cell_id, position, action, label, status, reason, duration_ms, url, screenshot, text_hash, console_errors, page_errors, blocked_requests, accessibility, failed_requests, dom_snapshot)
         select $1, position, action, label, status, reason, duration_ms, url, screenshot, text_hash, console_errors, page_errors, blocked_requests, accessibility, failed_requests, dom_snapshot
         from step_results where cell_id = $2",
    )
    .bind(cell)
    .bind(from)
    .execute(&mut *tx)
    .await?;
    queue::finish_if_done(&mut tx, task.run_id).await?;
    tx.commit().await?;
    Ok(Some(cell))
}
