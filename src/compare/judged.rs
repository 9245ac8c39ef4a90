//! Each stored deviation with where it stands: declared, approved, flagged,
//! pending or an error — what the pages, the CLI and the release gate read.

use serde::Serialize;

use super::Kind;
use super::store::{self, Decision, StoredDeviation};
use crate::store::Store;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// An expected difference the variant declares (branding, contact).
    Declared,
    Approved,
    Flagged,
    /// Not decided yet, or changed since the last decision.
    Pending,
    /// The variant could not be captured: nothing is known.
    Error,
}

impl Status {
    pub fn is_settled(self) -> bool {
        matches!(self, Status::Declared | Status::Approved)
    }
    pub fn swedish(self) -> &'static str {
        match self {
            Status::Declared => "godkänd genom deklaration",
            Status::Approved => "godkänd",
            Status::Flagged => "flaggad",
            Status::Pending => "behöver granskas",
            Status::Error => "fel vid fångst",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Judged {
    #[serde(flatten)]
    pub deviation: StoredDeviation,
    pub status: Status,
    pub decision: Option<Decision>,
}

/// The boxes of a pixel deviation in the candidate's coordinates: changed
/// regions, added bands, and a one-pixel line where a band was removed.
pub(crate) fn pixel_boxes(d: &StoredDeviation) -> Vec<(i64, i64, i64, i64)> {
    let rect = |r: &serde_json::Value| {
        Some((
            r["x"].as_i64()?,
            r["y"].as_i64()?,
            r["w"].as_i64()?,
            r["h"].as_i64()?,
        ))
    };
    let mut boxes: Vec<_> = ["regions", "added"]
        .iter()
        .flat_map(|k| d.detail[*k].as_array().into_iter().flatten())
        .filter_map(rect)
        .collect();
    boxes.extend(
        d.detail["removed"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(rect)
            .map(|(x, y, w, _)| (x, y, w, 1)),
    );
    boxes
}

/// A pixel deviation that lies wholly inside regions e-kontoret chose to
/// ignore on that page is no deviation.
fn ignored(d: &StoredDeviation, regions: &[crate::services::ignores::Ignored]) -> bool {
    let Some(viewport) = d.kind.viewport() else {
        return false;
    };
    crate::services::ignores::covers(regions, &d.step, viewport, &pixel_boxes(d))
}

/// Every stored deviation of a version with its standing decision (those
/// inside ignored regions left out).
pub async fn judged(
    db: &Store,
    service: &str,
    version_id: i64,
) -> Result<Vec<Judged>, sqlx::Error> {
    let regions = crate::services::ignores::active(db, service).await?;
    Ok(store::deviations_with_decisions(db, service, version_id)
        .await?
        .into_iter()
        .filter(|(d, _)| !ignored(d, &regions))
        .map(|(deviation, decision)| {
            let (status, decision) = match deviation.kind {
                Kind::Declared => (Status::Declared, None),
                Kind::Capture => (Status::Error, None),
                _ => {
                    let status = match decision.as_ref().map(|x| x.decision) {
                        Some(store::DecisionKind::Approved) => Status::Approved,
                        Some(store::DecisionKind::Flagged) => Status::Flagged,
                        None => Status::Pending,
                    };
                    (status, decision)
                }
            };
            Judged {
                deviation,
                status,
                decision,
            }
        })
        .collect())
}

/// 0 when every deviation is settled (approved or declared), 1 when some
/// are not, 2 when a variant could not be captured.
pub fn exit_code(deviations: &[Judged]) -> u8 {
    if deviations.iter().any(|d| d.status == Status::Error) {
        2
    } else if deviations.iter().all(|d| d.status.is_settled()) {
        0
    } else {
        1
    }
}
