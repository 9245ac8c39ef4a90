//! Capturing what each variant renders: a deterministic walk through every
//! page (start, sign-in, each step, summary, signing, receipt) in headless
//! Chromium, with a settled screenshot, the visible text and the form's
//! structure per page and viewport.
//!
//! Determinism: a fixed viewport, fonts awaited, animations, transitions
//! and the caret switched off, focus removed, the page scrolled to the top,
//! and volatile parts (case number, time, selectors a package declares)
//! replaced by a fixed placeholder before anything is taken.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::artifacts::Artifacts;
use crate::browser::{Browser, BrowserError, BrowserOptions, Page};
use crate::scenarios::Action;
use crate::scenarios::runner::steps::{self, Context, StepError};
use crate::services::Variant;

use super::structure::FieldShape;
use super::walk;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Viewport {
    pub name: String,
    pub width: u32,
    pub height: u32,
    pub mobile: bool,
}

impl Viewport {
    pub fn desktop() -> Viewport {
        Viewport {
            name: "desktop".into(),
            width: 1280,
            height: 800,
            mobile: false,
        }
    }
    pub fn mobile() -> Viewport {
        Viewport {
            name: "mobil".into(),
            width: 390,
            height: 844,
            mobile: true,
        }
    }

    /// `desktop`, `mobil`, or `NAME=WIDTHxHEIGHT`.
    pub fn parse(s: &str) -> Result<Viewport, String> {
        match s {
            "desktop" => return Ok(Viewport::desktop()),
            "mobil" | "mobile" => return Ok(Viewport::mobile()),
            _ => {}
        }
        let err = || {
            format!(
                "`{s}` is not a viewport: use desktop, mobil or NAME=WIDTHxHEIGHT (e.g. surfplatta=768x1024)"
            )
        };
        let (name, size) = s.split_once('=').ok_or_else(err)?;
        let (w, h) = size.split_once('x').ok_or_else(err)?;
        let (width, height) = (w.parse().map_err(|_| err())?, h.parse().map_err(|_| err())?);
        if name.is_empty() || !(200..=4000).contains(&width) || !(200..=4000).contains(&height) {
            return Err(err());
        }
        Ok(Viewport {
            name: name.into(),
            width,
            height,
            mobile: width < 600,
        })
    }
}

/// One variant (or reference rendering) in one viewport.
#[derive(Debug, Clone)]
pub struct Job {
    /// `arvika`, or `arvika~bas` for the base as Arvika would show it.
    pub target: String,
    pub variant: Arc<Variant>,
    /// `/tjanster/<service>/<version>/<target>`.
    pub path: String,
    pub viewport: Viewport,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PageShot {
    /// `start`, `logga-in`, `steg/<id>`, `granska`, `signera`, `kvittens`.
    pub step: String,
    pub title: String,
    /// Artifact hashes.
    pub screenshot: String,
    pub text: String,
    pub structure: Vec<FieldShape>,
    /// Whether two screenshots in a row were identical.
    pub stable: bool,
    /// `<html lang>`, for the checklists.
    #[serde(default)]
    pub lang: String,
    /// Whether the page links the accessibility statement.
    #[serde(default)]
    pub statement_link: bool,
    /// How many of case number and submission time the page shows (receipt).
    #[serde(default)]
    pub receipt_fields: u32,
}

#[derive(Debug, Clone)]
pub struct Captured {
    pub job: Job,
    pub pages: Vec<PageShot>,
    pub error: Option<String>,
}

#[derive(Debug, Clone)]
pub struct CaptureConfig {
    pub origin: String,
    pub browser: BrowserOptions,
    pub concurrency: usize,
    /// Where `bild.png` and `anteckningar.pdf` are, for required file questions.
    pub files_dir: PathBuf,
    /// One screenshot per page when nothing on it can still paint
    /// (`Page::settled_screenshot`); `false`: always until two agree.
    pub single_shot: bool,
}

/// Always volatile: what differs between two submissions of the same answers,
/// and what is derived from the generated answers (the signing page's
/// checksum changes whenever a variant's walk fills in anything else).
pub const VOLATILE: [&str; 3] = [
    "[data-case-number]",
    "[data-submitted-at]",
    "[data-signed-digest]",
];

const PREPARE: &str = r#"(async (masks) => {
  if (document.fonts) await document.fonts.ready;
  const css = '*,*::before,*::after{animation:none!important;transition:none!important;caret-color:transparent!important;scroll-behavior:auto!important}';
  try { const s = new CSSStyleSheet(); s.replaceSync(css); document.adoptedStyleSheets = [...document.adoptedStyleSheets, s]; } catch (e) {}
  if (document.activeElement && document.activeElement !== document.body) document.activeElement.blur();
  for (const sel of masks) {
    let found; try { found = document.querySelectorAll(sel); } catch (e) { continue; }
    for (const el of found) {
      if (el.children.length === 0) el.textContent = '[maskerat]'; else el.style.visibility = 'hidden';
    }
  }
  window.scrollTo(0, 0);
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  return true;
})"#;

const STRUCTURE: &str = r#"[...document.querySelectorAll('[data-field]')].map(w => {
  const lab = w.querySelector('legend, label, h2');
  const clean = t => (t || '').replace(/\s+/g, ' ').replace(/\s*\(frivilligt\)\s*$/, '').trim();
  let options = [...w.querySelectorAll('[data-option]')].map(o => clean(o.labels && o.labels[0] ? o.labels[0].innerText : o.value));
  if (!options.length) options = [...w.querySelectorAll('select option')].filter(o => o.value !== '').map(o => clean(o.textContent));
  const hint = w.querySelector('.hint');
  return { id: w.dataset.field, label: clean(lab ? lab.innerText : ''), kind: w.dataset.kind || '', required: w.dataset.required === 'true', options, help: clean(hint ? hint.innerText : '') };
})"#;

/// Capture every job on a pool of browsers; `on_done` sees each as it ends.
pub fn capture(
    jobs: Vec<Job>,
    cfg: &CaptureConfig,
    artifacts: &Artifacts,
    on_done: &(dyn Fn(&Captured) + Sync),
) -> Result<Vec<Captured>, BrowserError> {
    let queue = Mutex::new(jobs.into_iter().collect::<VecDeque<_>>());
    let results = Mutex::new(Vec::new());
    let next = || {
        let job = queue.lock().ok()?.pop_front()?;
        Some(((), job, cfg.files_dir.clone()))
    };
    let launched = capture_from(&next, cfg, artifacts, &|(), c| {
        on_done(&c);
        if let Ok(mut r) = results.lock() {
            r.push(c);
        }
    });
    let results = results.into_inner().unwrap_or_default();
    match launched {
        Err(e) if results.is_empty() => Err(e),
        _ => Ok(results),
    }
}

/// A walk to make: the caller's tag for it, the job, and where the files for
/// required file questions are.
pub type Walk<T> = (T, Job, PathBuf);

/// Capture what `next` hands out until it has nothing more, on
/// `cfg.concurrency` browsers, each started when its first walk comes
/// (`cfg.files_dir` is not used: every walk says where its files are).
/// An error when a browser could not start (its walk is then not made).
pub fn capture_from<T: Send>(
    next: &(dyn Fn() -> Option<Walk<T>> + Sync),
    cfg: &CaptureConfig,
    artifacts: &Artifacts,
    on_done: &(dyn Fn(T, Captured) + Sync),
) -> Result<(), BrowserError> {
    if cfg.browser.remote.is_none() && !cfg.browser.chromium.exists() {
        return Err(BrowserError::NotFound(cfg.browser.chromium.clone()));
    }
    let launch_error: Mutex<Option<BrowserError>> = Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..cfg.concurrency.max(1) {
            let launch_error = &launch_error;
            scope.spawn(move || {
                // After the stage before has let a browser go (`Turns`).
                let _turn = cfg.browser.turns.as_ref().map(|t| t.take());
                let mut browser: Option<Browser> = None;
                while let Some((tag, job, files)) = next() {
                    if browser.is_none() {
                        match Browser::launch(&cfg.browser) {
                            Ok(b) => browser = Some(b),
                            Err(e) => {
                                let why = format!("{}: {e}", crate::browser::NOT_STARTED);
                                on_done(
                                    tag,
                                    Captured {
                                        job,
                                        pages: Vec::new(),
                                        error: Some(why),
                                    },
                                );
                                if let Ok(mut slot) = launch_error.lock() {
                                    slot.get_or_insert(e);
                                }
                                return;
                            }
                        }
                    }
                    let Some(b) = browser.as_ref() else { return };
                    let mut c = capture_one(b, job, cfg, &files, artifacts);
                    if c.error.is_some() && !b.is_alive() {
                        // The test room's trouble, not the variant's: said
                        // so (the walk is tried again), and a new browser
                        // for the next walk.
                        c.error = c.error.map(|e| format!("{} ({e})", crate::browser::DIED));
                        if let Some(b) = browser.take() {
                            b.close();
                        }
                    }
                    on_done(tag, c);
                }
                if let Some(b) = browser {
                    b.close();
                }
            });
        }
    });
    match launch_error.into_inner().ok().flatten() {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

fn step_key(url: &str, base: &str) -> String {
    let path = url.split_once(base).map(|(_, rest)| rest).unwrap_or(url);
    let path = path.split(['?', '#']).next().unwrap_or_default();
    match path.trim_matches('/') {
        "" => "start".into(),
        other => other.to_string(),
    }
}

fn capture_one(
    browser: &Browser,
    job: Job,
    cfg: &CaptureConfig,
    files: &Path,
    artifacts: &Artifacts,
) -> Captured {
    let mut out = Captured {
        job,
        pages: Vec::new(),
        error: None,
    };
    let page = match browser.page(vec![cfg.origin.clone()]) {
        Ok(p) => p,
        Err(e) => {
            out.error = Some(format!("could not open a page: {e}"));
            return out;
        }
    };
    // Walks reuse the tab (its renderer stays warm) unless one failed.
    if let Err(e) = page
        .set_axe(false)
        .and_then(|()| page.watch_paint())
        .map_err(|e| e.to_string())
        .and_then(|()| walk_pages(&page, &mut out, cfg, files, artifacts))
    {
        out.error = Some(e);
        page.close();
    } else {
        browser.give_back(page);
    }
    out
}

const FACTS: &str = r#"({ lang: document.documentElement.lang || '', link: !!document.querySelector('[data-link="accessibility-statement"]'), receipt: [...document.querySelectorAll('[data-case-number], [data-submitted-at]')].filter(e => e.innerText.trim() !== '').length })"#;

fn snap(
    page: &Page,
    step: &str,
    masks: &[String],
    artifacts: &Artifacts,
    single_shot: bool,
) -> Result<PageShot, BrowserError> {
    // Facts the checklists need, read before the volatile parts are masked.
    let facts = page.eval(FACTS)?;
    let masks = serde_json::to_string(masks).unwrap_or_else(|_| "[]".into());
    page.eval(&format!("{PREPARE}({masks})"))?;
    let (png, stable) = if single_shot {
        page.settled_screenshot(true, 5)?
    } else {
        page.stable_screenshot(true, 5)?
    };
    let text = page.text()?;
    let structure: Vec<FieldShape> =
        serde_json::from_value(page.eval(STRUCTURE)?).unwrap_or_default();
    let title = page
        .eval("document.title")?
        .as_str()
        .unwrap_or_default()
        .to_string();
    let put = |bytes: &[u8]| {
        artifacts
            .put(bytes)
            .map_err(|e| BrowserError::Page(format!("storing a capture: {e}")))
    };
    Ok(PageShot {
        step: step.to_string(),
        title,
        screenshot: put(&png)?,
        text: put(text.as_bytes())?,
        structure,
        stable,
        lang: facts["lang"].as_str().unwrap_or_default().to_string(),
        statement_link: facts["link"].as_bool().unwrap_or(false),
        receipt_fields: facts["receipt"].as_u64().unwrap_or(0) as u32,
    })
}

fn perform(page: &Page, action: &Action, cx: &mut Context) -> Result<(), String> {
    steps::perform(page, action, cx).map_err(|e| match e {
        StepError::Failed(why) => why,
        StepError::Browser(e) => e.to_string(),
    })
}

fn walk_pages(
    page: &Page,
    out: &mut Captured,
    cfg: &CaptureConfig,
    files: &Path,
    artifacts: &Artifacts,
) -> Result<(), String> {
    let vp = &out.job.viewport;
    page.set_viewport(vp.width, vp.height, vp.mobile)
        .map_err(|e| e.to_string())?;
    let start = format!("{}{}", cfg.origin, out.job.path);
    let mut masks: Vec<String> = VOLATILE.iter().map(|s| s.to_string()).collect();
    masks.extend(out.job.variant.volatile.iter().cloned());
    let mut cx = Context {
        start_url: &start,
        origin: &cfg.origin,
        identity: Some(walk::IDENTITY),
        case_number: None,
    };
    perform(page, &Action::Open, &mut cx)?;
    let mut given = walk::Given::new();
    let variant = out.job.variant.clone();
    let mut seen: Vec<String> = Vec::new();
    for _ in 0..60 {
        let key = step_key(&page.url(), &out.job.path);
        if seen.contains(&key) {
            let why = page
                .eval("[...document.querySelectorAll('.error-message')].map(e => e.innerText.trim()).join(' / ')")
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            return Err(format!(
                "the walk came back to `{key}`: the generated answers were not accepted ({why})"
            ));
        }
        seen.push(key.clone());
        let shot =
            snap(page, &key, &masks, artifacts, cfg.single_shot).map_err(|e| e.to_string())?;
        out.pages.push(shot);
        let action = match key.as_str() {
            "start" => Action::Start,
            "logga-in" => Action::SignIn { identity: None },
            "granska" => Action::Submit,
            "signera" => Action::Sign,
            "kvittens" => return Ok(()),
            k => {
                let Some(step) = k
                    .strip_prefix("steg/")
                    .and_then(|id| variant.steps.iter().find(|s| s.id == id))
                else {
                    return Err(format!("the walk reached a page it does not know: {k}"));
                };
                for a in walk::answers(step, &mut given, files) {
                    perform(page, &a, &mut cx)?;
                }
                Action::Next
            }
        };
        let before = page.url();
        perform(page, &action, &mut cx)?;
        settle(page, &before);
    }
    Err("the walk did not reach the receipt within 60 pages".into())
}

/// Wait (up to 5 s) until the page after a navigating action has loaded:
/// a new address, or the same one showing errors. A load event that
/// arrives late from the previous page must not make the walk read the old one.
fn settle(page: &Page, before: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while std::time::Instant::now() < deadline {
        let ready = page
            .eval("document.readyState === 'complete' && !!document.body")
            .ok()
            == Some(Value::Bool(true));
        let errors = page
            .eval("!!document.querySelector('.error-message, .error-summary')")
            .ok()
            == Some(Value::Bool(true));
        if ready && (page.url() != before || errors) {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}
