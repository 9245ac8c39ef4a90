//! A stored run read back as the runner's outcomes: the reports of a run
//! (JSON, JUnit) list every cell, also those other workers ran.

use crate::browser::PageLog;
use crate::store::Store;

use super::runner::{CellOutcome, Status, StepOutcome};
use super::store;

/// Every cell of `run_id` with its steps, by scenario and municipality.
pub async fn of_run(db: &Store, run_id: i64) -> Result<Vec<CellOutcome>, sqlx::Error> {
    let mut out = Vec::new();
    for c in store::cells(db, run_id).await? {
        let steps = store::cell(db, c.id)
            .await?
            .map(|(_, _, steps)| steps)
            .unwrap_or_default();
        out.push(CellOutcome {
            scenario: c.scenario,
            scenario_title: c.scenario_title,
            municipality: c.municipality,
            status: Status::parse(&c.status),
            reason: c.reason,
            failed_step: c.failed_step.map(|p| p as usize),
            duration_ms: c.duration_ms.max(0) as u64,
            case_number: c.case_number,
            reused_from_run: c.reused_from_run,
            steps: steps
                .into_iter()
                .map(|s| StepOutcome {
                    position: s.position as usize,
                    action: s.action,
                    label: s.label,
                    status: Status::parse(&s.status),
                    reason: s.reason,
                    duration_ms: s.duration_ms.max(0) as u64,
                    url: s.url,
                    screenshot: s.screenshot,
                    text: s.text_hash,
                    log: PageLog {
                        console_errors: s.console_errors,
                        page_errors: s.page_errors,
                        blocked: s.blocked_requests,
                        failed: s.failed_requests,
                    },
                    accessibility: s.accessibility,
                    dom: s.dom_snapshot,
                })
                .collect(),
        });
    }
    Ok(out)
}
