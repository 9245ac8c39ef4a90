//! What other domains read of a version's runs: which run counts, the axe-core
//! findings of its steps, and the screenshot that shows a cell's failure. The
//! release gate and the checklists ask the same questions here, so they judge
//! the same run.

use std::collections::HashMap;

use crate::store::Store;

/// The run that counts for a version: its newest finished run, whatever the
/// outcome (`passed`, `failed`, or `error` when the browser failed). A run
/// still going or interrupted says nothing yet.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LatestRun {
    pub id: i64,
    #[sqlx(try_from = "String")]
    pub status: super::RunStatus,
}

impl LatestRun {
    /// Whether the run ran to its end without a browser error.
    pub fn completed(&self) -> bool {
        self.status != super::RunStatus::Error
    }
}

pub async fn latest_run(db: &Store, version_id: i64) -> Result<Option<LatestRun>, sqlx::Error> {
    sqlx::query_as(
        "select id, status from runs where version_id = $1 and status in ('passed', 'failed', 'error') order by id desc limit 1",
    )
    .bind(version_id)
    .fetch_optional(&db.pool)
    .await
}

/// One step's axe-core result in a run.
#[derive(Debug, Clone)]
pub struct AxeStep {
    pub municipality: String,
    /// The step's label, as people read it.
    pub label: String,
    pub cell_id: i64,
    pub screenshot: Option<String>,
    /// The address the page was at when axe-core looked: which page of the
    /// service the violation is on (the step's label is how it got there).
    pub url: Option<String>,
    /// axe-core's result; `Err` with the reason when the stored JSON is
    /// unreadable (never read as "no violations").
    pub result: Result<serde_json::Value, String>,
}

impl AxeStep {
    /// (rule, impact) of each violation.
    pub fn violations(&self) -> Vec<(String, String)> {
        let Ok(v) = &self.result else {
            return Vec::new();
        };
        v["violations"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|x| {
                (
                    x["id"].as_str().unwrap_or("?").to_string(),
                    x["impact"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect()
    }
}

/// Every step of a run that has an axe-core result, in cell and step order.
pub async fn axe_steps(db: &Store, run_id: i64) -> Result<Vec<AxeStep>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Row {
        municipality: String,
        label: String,
        accessibility: String,
        cell_id: i64,
        screenshot: Option<String>,
        url: Option<String>,
    }
    let rows: Vec<Row> = sqlx::query_as(
        "select c.municipality, s.label, s.accessibility, c.id as cell_id, s.screenshot, s.url
         from step_results s join run_cells c on c.id = s.cell_id
         where c.run_id = $1 and s.accessibility is not null order by c.id, s.position",
    )
    .bind(run_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| AxeStep {
            result: serde_json::from_str(&r.accessibility)
                .map_err(|e| format!("axe-core-resultatet kunde inte läsas ({e})")),
            municipality: r.municipality,
            label: r.label,
            cell_id: r.cell_id,
            screenshot: r.screenshot,
            url: r.url,
        })
        .collect())
}

/// The last screenshot of each of a run's cells (what the failure looked like).
pub async fn last_screenshots(
    db: &Store,
    run_id: i64,
) -> Result<HashMap<i64, String>, sqlx::Error> {
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "select s.cell_id, s.screenshot from step_results s join run_cells c on c.id = s.cell_id
         where c.run_id = $1 and s.screenshot is not null
           and s.position = (select max(t.position) from step_results t
                             where t.cell_id = s.cell_id and t.screenshot is not null)",
    )
    .bind(run_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.into_iter().collect())
}
