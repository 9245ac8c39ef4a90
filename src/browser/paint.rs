//! Whether a page has anything left that can still change what it shows:
//! an image or font still loading, a running animation, a pending timer.
//! A page with none of these looks the same in every later screenshot, so
//! one screenshot is enough where otherwise two in a row must agree
//! (issue 29: a capture walk takes one per page instead of two).
//!
//! Timers are counted by a script every document of the page runs first
//! (`watch`), wrapping `setTimeout`/`setInterval` and their `clear…`:
//! the page's own code cannot be read for what it has scheduled.

use std::sync::atomic::Ordering;

use headless_chrome::protocol::cdp::Page as Cdp;
use serde_json::{Value, json};

use super::BrowserError;
use super::page::Page;

/// Counts the timers a document has pending, as `window.__provrumPending`.
const COUNT_TIMERS: &str = r#"(() => {
  if ('__provrumPending' in window) return;
  const live = new Set();
  const st = window.setTimeout, ct = window.clearTimeout, si = window.setInterval, ci = window.clearInterval;
  window.setTimeout = function (f, d, ...a) {
    const id = st.call(window, function () { live.delete(id); if (typeof f === 'function') return f.apply(this, arguments); }, d, ...a);
    live.add(id); return id;
  };
  window.clearTimeout = function (id) { live.delete(id); return ct.call(window, id); };
  window.setInterval = function (...args) { const id = si.apply(window, args); live.add(id); return id; };
  window.clearInterval = function (id) { live.delete(id); return ci.call(window, id); };
  Object.defineProperty(window, '__provrumPending', { get: () => live.size });
})();"#;

/// True when nothing can paint any more: every image loaded, the fonts
/// loaded, no animation running, no timer pending (unknown counts as
/// pending), and nothing that paints on its own (video, canvas, frames).
const NOTHING_PENDING: &str = r#"(() => document.readyState === 'complete'
  && [...document.images].every(i => i.complete)
  && (!document.fonts || document.fonts.status === 'loaded')
  && (!document.getAnimations || document.getAnimations().every(a => a.playState !== 'running'))
  && window.__provrumPending === 0
  && !document.querySelector('video, canvas, iframe, embed, object'))()"#;

impl Page {
    /// Count the timers of every document this page loads from now on.
    pub fn watch_paint(&self) -> Result<(), BrowserError> {
        if !self.paint_watch.swap(true, Ordering::SeqCst) {
            self.call::<Cdp::AddScriptToEvaluateOnNewDocument>(json!({ "source": COUNT_TIMERS }))?;
        }
        Ok(())
    }

    /// Whether nothing on the page can still change what it shows (always
    /// false unless [`watch_paint`](Page::watch_paint) was on when it loaded).
    pub fn nothing_pending(&self) -> Result<bool, BrowserError> {
        Ok(self.eval(NOTHING_PENDING)? == Value::Bool(true))
    }

    /// A screenshot that later ones would repeat: one when nothing is
    /// pending, else up to `tries` until two in a row agree. `true` when
    /// it is known to be settled.
    pub fn settled_screenshot(
        &self,
        full_page: bool,
        tries: usize,
    ) -> Result<(Vec<u8>, bool), BrowserError> {
        if self.nothing_pending()? {
            return Ok((self.screenshot(full_page)?, true));
        }
        self.stable_screenshot(full_page, tries)
    }
}
