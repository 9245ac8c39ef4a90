//! A worker's source of cells: each `next` claims a queued cell in the
//! database, and stores it at once as a copy when an equal one was stored
//! before (`reuse`) instead of handing it to a browser.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::services::Variant;
use crate::services::store as versions;
use crate::store::Store;

use super::model::Scenario;
use super::queue::{self, Task};
use super::runner::{self, Cell, CellOutcome, Options, Source};

/// Cells this worker holds now: the claim and its run's cancel flag.
pub(super) type Held = Arc<Mutex<HashMap<i64, (Task, Arc<AtomicBool>)>>>;

/// A run's cells as this worker knows them.
pub(super) struct Known {
    scenarios: HashMap<String, Arc<Scenario>>,
    variants: HashMap<String, Arc<Variant>>,
    base_path: String,
    options: Options,
    /// Reuse no stored cell ("Kör om allt").
    fresh: bool,
    cancel: Arc<AtomicBool>,
}

/// The runner's source: each `next` claims a cell in the database.
pub(super) struct Claims {
    pub(super) rt: tokio::runtime::Handle,
    pub(super) db: Store,
    pub(super) worker: String,
    pub(super) only_run: Option<i64>,
    pub(super) lease: Duration,
    pub(super) known: Mutex<HashMap<i64, Arc<Known>>>,
    /// This worker's browser set-up (`reuse::setup`).
    pub(super) setup: String,
    pub(super) held: Held,
    pub(super) stop: Arc<AtomicBool>,
}

impl Source for Claims {
    fn next(&self) -> Option<Cell> {
        while !self.stop.load(Ordering::SeqCst) {
            let claimed = self.rt.block_on(queue::claim(
                &self.db,
                &self.worker,
                self.only_run,
                self.lease,
            ));
            let task = match claimed {
                Ok(Some(task)) => task,
                Ok(None) => return None,
                Err(e) => {
                    tracing::warn!(error = %e, "claiming a cell failed");
                    return None;
                }
            };
            match self.rt.block_on(self.cell(&task)) {
                Ok((cell, fresh)) => {
                    if !fresh && self.reused(&task) {
                        continue;
                    }
                    lock(&self.held).insert(task.id, (task, cell.cancel.clone()));
                    return Some(cell);
                }
                Err(why) => {
                    // A run this worker cannot read (a newer scenario format):
                    // stored as an error rather than passed on forever.
                    let outcome = CellOutcome::not_run(
                        &task.scenario,
                        &task.scenario,
                        &task.municipality,
                        runner::Status::Error,
                        &why,
                    );
                    let _ = self.rt.block_on(queue::complete(
                        &self.db,
                        &task,
                        &self.worker,
                        &self.setup,
                        &outcome,
                    ));
                }
            }
        }
        None
    }
}

impl Claims {
    /// Whether the claimed cell was stored as a copy of an equal stored one
    /// (`reuse`); on any trouble it is simply run.
    fn reused(&self, task: &Task) -> bool {
        let taken = self.rt.block_on(super::reuse::take_over(
            &self.db,
            task,
            &self.worker,
            &self.setup,
        ));
        match taken {
            Ok(copy) => copy.is_some(),
            Err(e) => {
                tracing::warn!(error = %e, task = task.id, "reusing a stored cell failed; running it");
                false
            }
        }
    }

    /// The claimed cell, and whether its run reuses nothing.
    async fn cell(&self, task: &Task) -> Result<(Cell, bool), String> {
        let cached = lock(&self.known).get(&task.run_id).cloned();
        let known = match cached {
            Some(k) => k,
            None => {
                let k = Arc::new(self.learn(task.run_id).await?);
                lock(&self.known).insert(task.run_id, k.clone());
                k
            }
        };
        let scenario = known.scenarios.get(&task.scenario).cloned();
        let variant = known.variants.get(&task.municipality).cloned();
        let (Some(scenario), Some(variant)) = (scenario, variant) else {
            return Err(format!(
                "the run has no scenario `{}` or no variant for {}",
                task.scenario, task.municipality
            ));
        };
        let cell = Cell {
            path: format!("{}/{}", known.base_path, variant.municipality),
            scenario,
            variant,
            task: Some(task.id),
            cancel: known.cancel.clone(),
            options: Some(known.options),
        };
        Ok((cell, known.fresh))
    }

    /// Read a run's scenarios (as stored with the run) and variants.
    async fn learn(&self, run_id: i64) -> Result<Known, String> {
        let spec = queue::spec(&self.db, run_id)
            .await
            .map_err(|e| format!("reading the run failed: {e}"))?;
        let mut scenarios = HashMap::new();
        for (id, path, source) in &spec.scenarios {
            let s = super::parse(Path::new(path), source).map_err(|d| {
                let first = d.first().map(|d| d.to_string()).unwrap_or_default();
                format!("the run's scenario `{id}` cannot be read: {first}")
            })?;
            scenarios.insert(id.clone(), Arc::new(s));
        }
        let variants = versions::variants(&self.db, spec.version_id)
            .await
            .map_err(|e| format!("reading the variants failed: {e}"))?
            .into_iter()
            .map(|v| (v.municipality.clone(), Arc::new(v)))
            .collect();
        Ok(Known {
            scenarios,
            variants,
            base_path: spec.base_path,
            options: spec.options,
            fresh: spec.fresh,
            cancel: Arc::new(AtomicBool::new(false)),
        })
    }
}

pub(super) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
