//! What stands in the way of a release: one blocker, with its condition,
//! municipality and evidence.

use serde::Serialize;

use crate::release::policy::Condition;

#[derive(Debug, Clone, Serialize)]
pub struct Blocker {
    /// Stable across checks, so a waiver can name it: `scenarios:eda:bilaga`.
    pub key: String,
    pub condition: Condition,
    pub municipality: Option<String>,
    pub message: String,
    /// A page of the test room that shows the evidence.
    pub evidence: Option<String>,
    /// A screenshot (artifact hash) that shows it, for the offline report.
    pub screenshot: Option<String>,
    /// Where on that screenshot to look (x, y, w, h): a changed region.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub focus: Option<[u32; 4]>,
}
