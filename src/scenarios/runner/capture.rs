//! One capture of a step: the screenshot and the visible text, handed to
//! the artifact writer, and axe-core's audit of the document.
//!
//! A cell audits each distinct document once. Filling a field sets the
//! input's value, not its markup, so the steps that fill a form in one page
//! leave the serialized document unchanged: axe-core would find the same
//! again at ≈ 100 ms a time. The document's key is its serialized HTML's
//! length and two 32-bit hashes (`Page::document_key`); a document that
//! changes (an error summary, a question shown) is audited anew.

use std::collections::HashMap;

use serde_json::Value;

use crate::artifacts::Artifacts;
use crate::browser::{BrowserError, Page};

use super::cell::RunnerConfig;

#[derive(Default)]
pub(super) struct Captured {
    pub screenshot: Option<String>,
    pub text: Option<String>,
    pub accessibility: Option<Value>,
}

/// axe-core's results for the documents a cell has audited, by key.
#[derive(Default)]
pub(super) struct Audits(HashMap<String, Value>);

impl Audits {
    fn of(&mut self, page: &Page) -> Result<Option<Value>, BrowserError> {
        let key = page.document_key()?;
        if key.is_empty() {
            return page.axe();
        }
        if let Some(found) = self.0.get(&key) {
            tracing::debug!(%key, "document audited before in this cell");
            return Ok(Some(found.clone()));
        }
        let result = page.axe()?;
        // Not loaded (`None`) is not remembered: the next document may have it.
        if let Some(r) = &result {
            self.0.insert(key, r.clone());
        }
        Ok(result)
    }
}

pub(super) fn capture(
    page: &Page,
    cfg: &RunnerConfig,
    files: &super::files::Files,
    audits: &mut Audits,
) -> Result<Captured, BrowserError> {
    let png = page.screenshot(cfg.full_page)?;
    let text = page.text()?;
    let (shot_hash, text_hash) = (Artifacts::hash(&png), Artifacts::hash(text.as_bytes()));
    files.put(&shot_hash, png);
    files.put(&text_hash, text.into_bytes());
    let accessibility = if cfg.axe { audits.of(page)? } else { None };
    Ok(Captured {
        screenshot: Some(shot_hash),
        text: Some(text_hash),
        accessibility,
    })
}
