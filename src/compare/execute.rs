//! From "compare this version" to stored, judged deviations: choose the
//! references, capture what is not captured yet (reusing captures of the
//! exact same rendering), diff, and store the result atomically.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use serde::Serialize;
use serde_json::json;

use crate::artifacts::Artifacts;
use crate::browser::{BrowserError, BrowserOptions};
use crate::municipalities::Registry;
use crate::services::Variant;
use crate::services::store::{self as versions, VersionSummary};
use crate::store::Store;

use super::capture::{CaptureConfig, Job, PageShot, Viewport};
use super::diff::{self, Deviation, Side};
use super::queue::NewWalk;
use super::{Judged, store, work};
use crate::services::reference;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub enum Against {
    /// The base, and the last release when there is one.
    Default,
    Base,
    Released,
    Version(String),
}

impl Against {
    pub fn parse(s: &str) -> Against {
        match s {
            "base" | "bas" => Against::Base,
            "released" | "release" => Against::Released,
            v => Against::Version(v.to_string()),
        }
    }
}

/// What a comparison is asked to do; kept with its job, so that another
/// replica can carry a comparison on when the one that started it died.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Request {
    pub service: String,
    pub version: Option<String>,
    pub against: Against,
    pub viewports: Vec<Viewport>,
    /// Capture again even when a capture of the same rendering exists.
    pub fresh: bool,
}

/// Where captures are made: the walks go on the queue (`compare::queue`)
/// for any worker, and this process walks them too with `concurrency`
/// browsers on `origin` (0: it leaves them to the workers, as a web replica).
#[derive(Debug, Clone)]
pub struct Env {
    pub origin: String,
    pub browser: BrowserOptions,
    pub concurrency: usize,
    pub files_dir: PathBuf,
    /// Raised: the walks not started are not made and the comparison stops.
    pub cancel: Arc<AtomicBool>,
}

#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    #[error("no version {1} of service `{0}` is imported (see `provrum services`)")]
    NoVersion(String, String),
    #[error("`{0}` has no released version yet: compare with --against base or --against VERSION")]
    NoRelease(String),
    #[error("Chromium: {0}")]
    Browser(#[from] BrowserError),
    #[error("{0}")]
    Diff(#[from] diff::DiffError),
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("{0}")]
    Task(String),
    #[error("the comparison was stopped")]
    Cancelled,
}

impl From<work::WalkError> for CompareError {
    fn from(e: work::WalkError) -> CompareError {
        match e {
            work::WalkError::Db(e) => CompareError::Db(e),
            work::WalkError::Browser(e) => CompareError::Browser(e),
            work::WalkError::Cancelled => CompareError::Cancelled,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ReferenceInfo {
    /// `base` or a version.
    pub reference: String,
    /// Municipalities whose variant is compared.
    pub compared: Vec<String>,
    /// Municipalities left out, with why (hosted elsewhere, new variant…).
    pub skipped: Vec<(String, String)>,
}

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

struct Pair {
    reference: String,
    municipality: String,
    /// (version id, target) of both sides.
    theirs: (i64, String),
    ours: (i64, String),
}

type Key = (i64, String, String);

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
    let mut refs: Vec<Option<VersionSummary>> = Vec::new();
    match &req.against {
        Against::Base => refs.push(None),
        Against::Default => {
            refs.push(None);
            if let Some(id) =
                crate::services::releases::last_release(db, &req.service, v.id).await?
            {
                refs.push(versions::version_by_id(db, id).await?);
            }
        }
        Against::Released => {
            match crate::services::releases::last_release(db, &req.service, v.id).await? {
                Some(id) => refs.push(versions::version_by_id(db, id).await?),
                None => return Err(CompareError::NoRelease(req.service.clone())),
            }
        }
        Against::Version(x) => match versions::find_version(db, &req.service, Some(x)).await? {
            Some(o) => refs.push(Some(o)),
            None => return Err(CompareError::NoVersion(req.service.clone(), x.clone())),
        },
    }
    let registry = Registry::builtin();
    let ours = versions::variants(db, v.id).await?;
    let base = versions::base(db, v.id).await?;
    let mut jobs: BTreeMap<Key, (Arc<Variant>, String)> = BTreeMap::new();
    let mut pairs: Vec<Pair> = Vec::new();
    let mut infos = Vec::new();
    let mut extra: Vec<(String, Deviation)> = Vec::new();
    let mut want = |version: &VersionSummary, target: &str, var: Variant| {
        for vp in &req.viewports {
            jobs.entry((version.id, target.to_string(), vp.name.clone()))
                .or_insert_with(|| (Arc::new(var.clone()), version.version.clone()));
        }
    };
    for r in &refs {
        let label = r
            .as_ref()
            .map(|x| x.version.clone())
            .unwrap_or_else(|| "base".into());
        let mut info = ReferenceInfo {
            reference: label.clone(),
            compared: Vec::new(),
            skipped: Vec::new(),
        };
        let theirs = match r {
            Some(x) => versions::variants(db, x.id).await?,
            None => Vec::new(),
        };
        for var in &ours {
            let m = var.municipality.clone();
            if var.external_url.is_some() {
                info.skipped
                    .push((m, "egen e-tjänst utanför provrummet".into()));
                continue;
            }
            match r {
                None => {
                    let Some(b) = base
                        .as_ref()
                        .and_then(|b| reference::base_as(b, var, registry))
                    else {
                        info.skipped.push((m, "basen saknas".into()));
                        continue;
                    };
                    if let Some(b) = &base {
                        let declared = reference::declared(b, var, registry);
                        if !declared.is_empty() {
                            extra.push((
                                label.clone(),
                                Deviation {
                                    municipality: m.clone(),
                                    step: "*".into(),
                                    kind: "declared".into(),
                                    fingerprint: diff::fingerprint(
                                        &declared.iter().map(String::as_str).collect::<Vec<_>>(),
                                    ),
                                    summary: declared.join("; "),
                                    detail: json!({ "declared": declared }),
                                },
                            ));
                        }
                    }
                    info.compared.push(m.clone());
                    // Every variant is captured (its pages are evidence for the
                    // checklists too); a reference with the same definition
                    // renders the same, so it is neither captured nor compared.
                    want(&v, &m, var.clone());
                    if serde_json::to_value(&b).ok() == serde_json::to_value(var).ok() {
                        continue;
                    }
                    let target = reference::base_target(&m);
                    want(&v, &target, b);
                    pairs.push(Pair {
                        reference: label.clone(),
                        municipality: m.clone(),
                        theirs: (v.id, target),
                        ours: (v.id, m),
                    });
                }
                Some(x) => {
                    let Some(old) = theirs.iter().find(|o| o.municipality == m) else {
                        extra.push((
                            label.clone(),
                            Deviation {
                                municipality: m.clone(),
                                step: "*".into(),
                                kind: "page".into(),
                                fingerprint: diff::fingerprint(&["new-variant", &m]),
                                summary: format!("Varianten är ny sedan {}", x.version),
                                detail: json!({}),
                            },
                        ));
                        info.compared.push(m);
                        continue;
                    };
                    if old.external_url.is_some() {
                        info.skipped
                            .push((m, format!("egen e-tjänst i {}", x.version)));
                        continue;
                    }
                    info.compared.push(m.clone());
                    want(&v, &m, var.clone());
                    want(x, &m, old.clone());
                    pairs.push(Pair {
                        reference: label.clone(),
                        municipality: m.clone(),
                        theirs: (x.id, m.clone()),
                        ours: (v.id, m),
                    });
                }
            }
        }
        infos.push(info);
    }

    // Captures: reuse those of the exact same rendering (in any version),
    // make each of the rest once — a variant that renders the same in both
    // versions compared is captured once for both.
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
    for ((vid, target, vp), (var, version)) in &jobs {
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
                                        kind: "capture".into(),
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
