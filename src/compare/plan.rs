//! Which captures and which pairs a comparison needs: for each reference
//! (the base as each municipality would show it, an earlier version), every
//! variant to capture, the pairs to diff, the variants left out and why, and
//! the deviations known without capturing (declared changes, new variants).

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::json;

use crate::municipalities::Registry;
use crate::services::Variant;
use crate::services::reference;
use crate::services::store::{self as versions, VersionSummary};
use crate::store::Store;

use super::diff::{self, Deviation};
use super::request::{Against, CompareError, ReferenceInfo, Request};

/// One capture: (version id, target, viewport).
pub(super) type Key = (i64, String, String);

pub(super) struct Pair {
    pub reference: String,
    pub municipality: String,
    /// (version id, target) of both sides.
    pub theirs: (i64, String),
    pub ours: (i64, String),
}

/// What a comparison must capture and diff.
pub(super) struct Planned {
    /// Each capture with the variant as served and its version's number.
    pub jobs: BTreeMap<Key, (Arc<Variant>, String)>,
    pub pairs: Vec<Pair>,
    pub infos: Vec<ReferenceInfo>,
    /// Deviations known without capturing, by reference.
    pub extra: Vec<(String, Deviation)>,
}

/// The references `req` asks `v` to be compared with (`None`: the base).
pub(super) async fn references(
    db: &Store,
    req: &Request,
    v: &VersionSummary,
) -> Result<Vec<Option<VersionSummary>>, CompareError> {
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
    Ok(refs)
}

/// Every capture and pair of `v` against `refs`.
pub(super) async fn plan(
    db: &Store,
    req: &Request,
    v: &VersionSummary,
    refs: &[Option<VersionSummary>],
) -> Result<Planned, CompareError> {
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
    for r in refs {
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
                                    kind: super::Kind::Declared,
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
                    want(v, &m, var.clone());
                    if serde_json::to_value(&b).ok() == serde_json::to_value(var).ok() {
                        continue;
                    }
                    let target = reference::base_target(&m);
                    want(v, &target, b);
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
                                kind: super::Kind::Page,
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
                    want(v, &m, var.clone());
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

    Ok(Planned {
        jobs,
        pairs,
        infos,
        extra,
    })
}
