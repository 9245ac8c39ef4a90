//! From "compare this version" to stored, judged deviations: choose the
//! references, capture what is not captured yet (reusing captures of the
//! exact same rendering), diff, and store the result atomically.

use std::collections::HashMap;
use std::sync::Arc;

use serde::Serialize;
use serde_json::json;

use crate::artifacts::Artifacts;
use crate::services::Variant;
use crate::services::store::{self as versions, VersionSummary};
use crate::store::Store;

use super::capture::{CaptureConfig, Job, PageShot, Viewport};
use super::diff::{self, Deviation, Side};
use super::plan::{self, Key, Planned};
use super::queue::NewWalk;
use super::{Judged, store, work};

pub use super::request::{Against, CompareError, Env, ReferenceInfo, Request};

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub version: VersionSummary,
    pub references: Vec<ReferenceInfo>,
    pub deviations: Vec<Judged>,
    pub captured: usize,
    pub reused: usize,
}

/// Bumped whenever the capture walk changes what it records.
const CAPTURE_FORMAT: &str = "capture/4";

/// Everything a capture's pages depend on: the capture code, the sandbox's
/// templates, stylesheet, script and test persons, the service, the
/// resolved variant as served (texts, fields, rules, brand colour, contact),
/// the viewport and the browser. Equal definitions render equal pages, in
/// any version, so a capture with the same definition is reused — a false
/// reuse is worse than a slow check, so anything that can change a page
/// belongs here.
fn definition(service: &str, v: &Variant, vp: &Viewport, browser: &str) -> String {
    diff::fingerprint(&[
        CAPTURE_FORMAT,
        env!("CARGO_PKG_VERSION"),
        crate::sandbox::rendering::digest(),
        service,
        &serde_json::to_string(v).unwrap_or_default(),
        &serde_json::to_string(vp).unwrap_or_default(),
        browser,
    ])
}

pub async fn execute(
    db: &Store,
    artifacts: &Artifacts,
    env: &Env,
    req: &Request,
    progress: Arc<dyn Fn(usize, usize) + Send + Sync>,
) -> Result<Report, CompareError> {
    let Some(v) = versions::find_version(db, &req.service, req.version.as_deref()).await? else {
        return Err(CompareError::NoVersion(
            req.service.clone(),
            req.version.clone().unwrap_or_else(|| "(newest)".into()),
        ));
    };
    let refs = plan::references(db, req, &v).await?;
    let Planned {
        jobs,
        pairs,
        infos,
        extra,
    } = plan::plan(db, req, &v, &refs).await?;

    let Captures {
        have,
        captured,
        reused,
    } = capture_all(db, artifacts, env, req, &jobs, progress).await?;

    // Diffs, on blocking threads (image decoding and pixel work).
    let mut sides: Sides = Vec::new();
    for p in &pairs {
        let side = |(vid, target): &(i64, String)| -> Result<Side, String> {
            req.viewports
                .iter()
                .map(
                    |vp| match have.get(&(*vid, target.clone(), vp.name.clone())) {
                        Some(Ok(pages)) => Ok((vp.name.clone(), pages.clone())),
                        Some(Err(e)) => Err(format!("{target} ({}): {e}", vp.name)),
                        None => Err(format!("{target} ({}) was not captured", vp.name)),
                    },
                )
                .collect()
        };
        let both = side(&p.theirs).and_then(|a| side(&p.ours).map(|b| (a, b)));
        sides.push((p.reference.clone(), p.municipality.clone(), both));
    }
    let arts = artifacts.clone();
    let found = tokio::task::spawn_blocking(move || diff_all(sides, &arts))
        .await
        .map_err(|e| CompareError::Task(e.to_string()))??;
    for info in &infos {
        let mut list: Vec<Deviation> = extra
            .iter()
            .filter(|(r, _)| r == &info.reference)
            .map(|(_, d)| d.clone())
            .collect();
        list.extend(
            found
                .iter()
                .filter(|(r, _)| r == &info.reference)
                .map(|(_, d)| d.clone()),
        );
        store::replace_deviations(db, v.id, &info.reference, &list).await?;
    }
    let compared: Vec<&str> = infos.iter().map(|i| i.reference.as_str()).collect();
    let deviations = super::judged(db, &req.service, v.id)
        .await?
        .into_iter()
        .filter(|j| compared.contains(&j.deviation.reference.as_str()))
        .collect();
    Ok(Report {
        version: v,
        references: infos,
        deviations,
        captured,
        reused,
    })
}

/// Every capture a comparison needs, with how many were made and reused.
struct Captures {
    have: HashMap<Key, Result<Vec<PageShot>, String>>,
    captured: usize,
    reused: usize,
}

/// Reuse the captures of the exact same rendering (in any version), make
/// each of the rest once — a variant that renders the same in both versions
/// compared is captured once for both.
async fn capture_all(
    db: &Store,
    artifacts: &Artifacts,
    env: &Env,
    req: &Request,
    jobs: &std::collections::BTreeMap<Key, (Arc<crate::services::Variant>, String)>,
    progress: Arc<dyn Fn(usize, usize) + Send + Sync>,
) -> Result<Captures, CompareError> {
    let mut have: HashMap<Key, Result<Vec<PageShot>, String>> = HashMap::new();
    let mut todo = Vec::new();
    let mut twins: Vec<(Key, Key, String)> = Vec::new();
    let mut planned: HashMap<(String, String, String), Key> = HashMap::new();
    let viewport = |name: &str| req.viewports.iter().find(|x| x.name == name).cloned();
    let browser = {
        let opts = env.browser.clone();
        tokio::task::spawn_blocking(move || crate::browser::version(&opts))
            .await
            .map_err(|e| CompareError::Task(e.to_string()))?
    };
    for ((vid, target, vp), (var, version)) in jobs {
        let Some(vpx) = viewport(vp) else { continue };
        let def = definition(&req.service, var, &vpx, &browser);
        let key = (*vid, target.clone(), vp.clone());
        if !req.fresh
            && let Some(pages) = store::reuse_capture(db, *vid, target, vp, &def).await?
        {
            have.insert(key, Ok(pages));
            continue;
        }
        let same = (def.clone(), target.clone(), vp.clone());
        if let Some(first) = planned.get(&same) {
            twins.push((key, first.clone(), def));
            continue;
        }
        planned.insert(same, key);
        todo.push((
            Job {
                target: target.clone(),
                variant: var.clone(),
                path: format!("/tjanster/{}/{version}/{target}", req.service),
                viewport: vpx,
            },
            *vid,
            def,
        ));
    }
    let reused = have.len() + twins.len();
    let captured = todo.len();
    if !todo.is_empty() {
        let walks: Vec<NewWalk> = todo
            .iter()
            .map(|(job, vid, def)| NewWalk {
                version_id: *vid,
                job,
                definition: def,
            })
            .collect();
        let own = (env.concurrency > 0).then(|| CaptureConfig {
            origin: env.origin.clone(),
            browser: env.browser.clone(),
            concurrency: env.concurrency,
            files_dir: env.files_dir.clone(),
            single_shot: true,
        });
        let asked = work::Batch {
            walks: &walks,
            files_dir: &env.files_dir,
            own,
            cancel: &env.cancel,
        };
        for o in work::walk_batch(db, artifacts, asked, progress).await? {
            let pages = match o.result {
                Ok(id) => store::capture_pages(db, id)
                    .await?
                    .ok_or_else(|| "the capture was not stored".to_string()),
                Err(e) => Err(e),
            };
            have.insert((o.version_id, o.target, o.viewport), pages);
        }
    }
    // A twin gets its own row of the capture made for the first.
    for (key, first, def) in twins {
        let pages = match have.get(&first) {
            Some(Ok(_)) => store::reuse_capture(db, key.0, &key.1, &key.2, &def)
                .await?
                .ok_or_else(|| format!("{} ({}) was not stored", key.1, key.2)),
            Some(Err(e)) => Err(e.clone()),
            None => Err(format!("{} ({}) was not captured", first.1, first.2)),
        };
        have.insert(key, pages);
    }

    Ok(Captures {
        have,
        captured,
        reused,
    })
}

/// (reference, municipality, both sides or why they are missing).
pub type Sides = Vec<(String, String, Result<(Side, Side), String>)>;

/// Every pair's deviations, split over the cores.
pub fn diff_all(
    sides: Sides,
    artifacts: &Artifacts,
) -> Result<Vec<(String, Deviation)>, CompareError> {
    let opt = diff::Options::default();
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2);
    let chunk = sides.len().div_ceil(threads).max(1);
    let results: Vec<Result<Vec<(String, Deviation)>, diff::DiffError>> =
        std::thread::scope(|scope| {
            let handles: Vec<_> = sides
                .chunks(chunk)
                .map(|part| {
                    scope.spawn(move || {
                        let mut out = Vec::new();
                        for (reference, m, both) in part {
                            match both {
                                Ok((a, b)) => {
                                    for d in diff::compare_captures(m, a, b, artifacts, &opt)? {
                                        out.push((reference.clone(), d));
                                    }
                                }
                                Err(e) => out.push((
                                    reference.clone(),
                                    Deviation {
                                        municipality: m.clone(),
                                        step: "*".into(),
                                        kind: super::Kind::Capture,
                                        fingerprint: diff::fingerprint(&["capture", e]),
                                        summary: format!("Kunde inte fångas: {e}"),
                                        detail: json!({ "error": e }),
                                    },
                                )),
                            }
                        }
                        Ok(out)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|_| Ok(Vec::new())))
                .collect()
        });
    let mut out = Vec::new();
    for r in results {
        out.extend(r?);
    }
    Ok(out)
}
