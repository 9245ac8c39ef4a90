//! One tab: navigation that waits on the page's own load event, script
//! evaluation, screenshots, and a sealed network (only allowed origins).

use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use headless_chrome::Tab;
use headless_chrome::browser::tab::RequestPausedDecision;
use headless_chrome::protocol::cdp::types::{Event, Method};
use headless_chrome::protocol::cdp::{
    DOM, Emulation, Fetch, Log, Network, Page as Cdp, Runtime, Storage, Target,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::{BrowserError, BrowserOptions};

/// What happened on the page besides what we asked for.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct PageLog {
    pub console_errors: Vec<String>,
    pub page_errors: Vec<String>,
    /// Requests to origins outside the sandbox, refused.
    pub blocked: Vec<String>,
    /// Requests that failed inside it: an HTTP error ("404 /path") or a
    /// network error ("net::ERR_… /path").
    pub failed: Vec<String>,
}

pub struct Page {
    tab: Arc<Tab>,
    loads: Mutex<Receiver<()>>,
    log: Arc<Mutex<PageLog>>,
    timeout: Duration,
    /// The origins requests may reach; replaced when the page is reused.
    origins: Arc<Mutex<Vec<String>>>,
    /// axe-core's new-document script, while it is added.
    axe_script: Mutex<Option<String>>,
    /// Whether documents this page loads count their pending timers (`paint`).
    pub(super) paint_watch: std::sync::atomic::AtomicBool,
    /// The viewport a reused page starts from again.
    size: (u32, u32),
}

/// Build a CDP method from JSON, so optional parameters need not be spelt out.
fn method<M: DeserializeOwned>(v: Value) -> Result<M, BrowserError> {
    serde_json::from_value(v).map_err(|e| BrowserError::Page(format!("building a CDP call: {e}")))
}

fn allowed(url: &str, origins: &[String]) -> bool {
    url.starts_with("data:")
        || url.starts_with("about:")
        || url.starts_with("blob:")
        || origins
            .iter()
            .any(|o| url == o || url.starts_with(&format!("{o}/")))
}

impl Page {
    pub(super) fn new(
        tab: Arc<Tab>,
        origins: Vec<String>,
        options: &BrowserOptions,
    ) -> Result<Page, BrowserError> {
        let log = Arc::new(Mutex::new(PageLog::default()));
        let (tx, rx): (Sender<()>, Receiver<()>) = channel();
        let origins = Arc::new(Mutex::new(origins));
        let page = Page {
            tab,
            loads: Mutex::new(rx),
            log: log.clone(),
            timeout: options.timeout,
            origins: origins.clone(),
            axe_script: Mutex::default(),
            paint_watch: Default::default(),
            size: (options.width, options.height),
        };
        page.call::<Emulation::SetDeviceMetricsOverride>(json!({ "width": options.width, "height": options.height, "deviceScaleFactor": 1.0, "mobile": false }))?;
        page.call::<Runtime::Enable>(json!(null))?;
        page.call::<Log::Enable>(json!(null))?;
        // Small buffers: only the status and URL of each response are read.
        page.call::<Network::Enable>(
            json!({ "maxTotalBufferSize": 0, "maxResourceBufferSize": 0 }),
        )?;
        let events = log.clone();
        let urls: Mutex<std::collections::HashMap<String, String>> = Mutex::default();
        let load_tx = Mutex::new(tx);
        page.tab
            .add_event_listener(Arc::new(move |event: &Event| match event {
                Event::PageLoadEventFired(_) => {
                    if let Ok(tx) = load_tx.lock() {
                        let _ = tx.send(());
                    }
                }
                Event::RuntimeConsoleAPICalled(e) if format!("{:?}", e.params.Type) == "Error" => {
                    let text = e
                        .params
                        .args
                        .iter()
                        .map(|a| {
                            a.value
                                .as_ref()
                                .map(|v| v.to_string())
                                .or_else(|| a.description.clone())
                                .unwrap_or_default()
                        })
                        .collect::<Vec<_>>()
                        .join(" ");
                    if let Ok(mut l) = events.lock() {
                        l.console_errors.push(text);
                    }
                }
                Event::RuntimeExceptionThrown(e) => {
                    let d = &e.params.exception_details;
                    let text = d
                        .exception
                        .as_ref()
                        .and_then(|x| x.description.clone())
                        .unwrap_or_else(|| d.text.clone());
                    if let Ok(mut l) = events.lock() {
                        l.page_errors.push(text);
                    }
                }
                Event::LogEntryAdded(e) if format!("{:?}", e.params.entry.level) == "Error" => {
                    if let Ok(mut l) = events.lock() {
                        l.console_errors.push(e.params.entry.text.clone());
                    }
                }
                Event::NetworkRequestWillBeSent(e) => {
                    if let Ok(mut u) = urls.lock() {
                        u.insert(e.params.request_id.clone(), e.params.request.url.clone());
                    }
                }
                // The browser's own favicon guess is not the page's request.
                Event::NetworkResponseReceived(e)
                    if e.params.response.status >= 400
                        && !e.params.response.url.ends_with("/favicon.ico") =>
                {
                    if let Ok(mut l) = events.lock() {
                        l.failed.push(format!(
                            "{} {}",
                            e.params.response.status, e.params.response.url
                        ));
                    }
                }
                Event::NetworkLoadingFailed(e)
                    // Refused by the sandbox (listed as blocked) or given up
                    // by the page itself: not a failure of the test room.
                    if !e.params.error_text.starts_with("net::ERR_BLOCKED_BY_CLIENT")
                        && e.params.canceled != Some(true) =>
                {
                    let url = urls
                        .lock()
                        .ok()
                        .and_then(|u| u.get(&e.params.request_id).cloned())
                        .unwrap_or_default();
                    if let Ok(mut l) = events.lock() {
                        l.failed.push(format!("{} {url}", e.params.error_text));
                    }
                }
                _ => {}
            }))
            .map_err(BrowserError::from_cdp)?;
        let blocked = log.clone();
        page.tab
            .enable_request_interception(Arc::new(
                move |_transport, _session, event: Fetch::events::RequestPausedEvent| {
                    let url = event.params.request.url.clone();
                    let ok = origins.lock().is_ok_and(|o| allowed(&url, &o));
                    if ok {
                        return RequestPausedDecision::Continue(None);
                    }
                    if let Ok(mut l) = blocked.lock() {
                        l.blocked.push(url);
                    }
                    RequestPausedDecision::Fail(Fetch::FailRequest {
                        request_id: event.params.request_id,
                        error_reason: Network::ErrorReason::BlockedByClient,
                    })
                },
            ))
            .map_err(BrowserError::from_cdp)?;
        page.call::<Fetch::Enable>(
            json!({ "patterns": [{ "urlPattern": "*", "requestStage": "Request" }] }),
        )?;
        Ok(page)
    }

    pub(super) fn call<M>(&self, params: Value) -> Result<M::ReturnObject, BrowserError>
    where
        M: Method + Serialize + DeserializeOwned,
    {
        let m: M = if params.is_null() {
            method(json!(null)).or_else(|_| method(json!({})))?
        } else {
            method(params)?
        };
        self.tab.call_method(m).map_err(BrowserError::from_cdp)
    }

    fn drain_loads(&self) {
        if let Ok(rx) = self.loads.lock() {
            while rx.try_recv().is_ok() {}
        }
    }

    fn wait_load(&self, what: &str) -> Result<(), BrowserError> {
        let rx = self
            .loads
            .lock()
            .map_err(|_| BrowserError::Page("load channel poisoned".into()))?;
        rx.recv_timeout(self.timeout).map_err(|_| {
            BrowserError::Timeout(self.timeout, format!("the page to load after {what}"))
        })
    }

    /// Load `url` and wait for its load event.
    pub fn goto(&self, url: &str) -> Result<(), BrowserError> {
        self.drain_loads();
        let r = self.call::<Cdp::Navigate>(json!({ "url": url }))?;
        if let Some(e) = r.error_text {
            return Err(BrowserError::Page(format!("could not load {url}: {e}")));
        }
        self.wait_load(&format!("opening {url}"))
    }

    /// Evaluate `js` (an expression; promises are awaited) and return its value.
    pub fn eval(&self, js: &str) -> Result<Value, BrowserError> {
        let r = self.call::<Runtime::Evaluate>(
            json!({ "expression": js, "returnByValue": true, "awaitPromise": true }),
        )?;
        if let Some(ex) = r.exception_details {
            let text = ex.exception.and_then(|x| x.description).unwrap_or(ex.text);
            return Err(BrowserError::Page(format!("script failed: {text}")));
        }
        Ok(r.result.value.unwrap_or(Value::Null))
    }

    /// Run `js`, which must return `true` once it has started a navigation
    /// (or a string saying why it could not), then wait for the new page.
    pub fn act_and_wait(&self, js: &str, what: &str) -> Result<(), BrowserError> {
        self.drain_loads();
        match self.eval(js)? {
            Value::Bool(true) => self.wait_load(what),
            Value::String(why) => Err(BrowserError::Page(why)),
            other => Err(BrowserError::Page(format!(
                "{what}: unexpected result {other}"
            ))),
        }
    }

    /// Give the page an HttpOnly cookie for `url` (scoped to `path`) before
    /// it loads it: a sandbox session rendered as its owner sees it.
    pub fn set_cookie(
        &self,
        url: &str,
        name: &str,
        value: &str,
        path: &str,
    ) -> Result<(), BrowserError> {
        let cookie = method::<Network::CookieParam>(json!({
            "name": name, "value": value, "url": url, "path": path, "httpOnly": true,
        }))?;
        self.tab
            .set_cookies(vec![cookie])
            .map_err(BrowserError::from_cdp)
    }

    /// PNG of the viewport, or of the whole page when `full_page`.
    pub fn screenshot(&self, full_page: bool) -> Result<Vec<u8>, BrowserError> {
        let mut params = json!({ "format": "png", "optimizeForSpeed": true, "fromSurface": true });
        if full_page {
            let m = self.call::<Cdp::GetLayoutMetrics>(json!(null))?;
            let (w, h) = (
                m.css_content_size.width.ceil(),
                m.css_content_size.height.ceil(),
            );
            params["clip"] =
                json!({ "x": 0, "y": 0, "width": w, "height": h.min(16384.0), "scale": 1 });
            params["captureBeyondViewport"] = json!(true);
        }
        let r = self.call::<Cdp::CaptureScreenshot>(params)?;
        use base64::Engine;
        base64::engine::general_purpose::STANDARD
            .decode(r.data)
            .map_err(|e| BrowserError::Page(format!("screenshot: {e}")))
    }

    /// The document printed to an A4 PDF (`Page.printToPDF`), with its
    /// backgrounds and the fonts it uses embedded, page numbers in the footer.
    pub fn pdf(&self) -> Result<Vec<u8>, BrowserError> {
        let r = self.call::<Cdp::PrintToPDF>(json!({
            "printBackground": true,
            "paperWidth": 8.27,
            "paperHeight": 11.69,
            "marginTop": 0.6,
            "marginBottom": 0.7,
            "marginLeft": 0.6,
            "marginRight": 0.6,
            "displayHeaderFooter": true,
            "headerTemplate": "<span></span>",
            "footerTemplate": "<div style='font-size:8px;width:100%;text-align:center'>Sida <span class='pageNumber'></span> av <span class='totalPages'></span></div>",
        }))?;
        use base64::Engine;
        base64::engine::general_purpose::STANDARD
            .decode(r.data)
            .map_err(|e| BrowserError::Page(format!("pdf: {e}")))
    }

    /// Emulate a screen `width` × `height` CSS pixels wide (a phone when `mobile`).
    pub fn set_viewport(&self, width: u32, height: u32, mobile: bool) -> Result<(), BrowserError> {
        self.call::<Emulation::SetDeviceMetricsOverride>(
            json!({ "width": width, "height": height, "deviceScaleFactor": 1.0, "mobile": mobile }),
        )?;
        Ok(())
    }

    /// A screenshot taken again until two in a row are identical (at most
    /// `tries`), as Playwright does: late fonts, images or layout settle.
    /// Returns the PNG and whether it settled.
    pub fn stable_screenshot(
        &self,
        full_page: bool,
        tries: usize,
    ) -> Result<(Vec<u8>, bool), BrowserError> {
        let mut last = self.screenshot(full_page)?;
        for _ in 1..tries.max(2) {
            let next = self.screenshot(full_page)?;
            if next == last {
                return Ok((next, true));
            }
            last = next;
        }
        Ok((last, false))
    }

    /// The page's visible text, as a reader sees it.
    pub fn text(&self) -> Result<String, BrowserError> {
        Ok(self
            .eval("document.body ? document.body.innerText : ''")?
            .as_str()
            .unwrap_or_default()
            .to_string())
    }

    /// The document's address, asked of the page itself: the tab's own record
    /// follows target events and can still name the previous page just after a load.
    pub fn url(&self) -> String {
        self.eval("location.href")
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_else(|| self.tab.get_url())
    }

    /// Set the files of the `<input type=file>` matching `selector`.
    pub fn set_files(&self, selector: &str, files: &[String]) -> Result<(), BrowserError> {
        let el = self
            .tab
            .find_element(selector)
            .map_err(|e| BrowserError::Page(format!("no element {selector}: {e}")))?;
        self.call::<DOM::SetFileInputFiles>(
            json!({ "files": files, "backendNodeId": el.backend_node_id }),
        )?;
        Ok(())
    }

    /// Add axe-core to every document this page loads from now on, or
    /// (`on` false) no longer.
    pub fn set_axe(&self, on: bool) -> Result<(), BrowserError> {
        let mut added = self
            .axe_script
            .lock()
            .map_err(|_| BrowserError::Page("axe state poisoned".into()))?;
        match (on, added.as_ref()) {
            (true, None) => {
                let r = self.call::<Cdp::AddScriptToEvaluateOnNewDocument>(
                    json!({ "source": super::axe::AXE_SOURCE }),
                )?;
                *added = Some(r.identifier);
            }
            (false, Some(id)) => {
                self.call::<Cdp::RemoveScriptToEvaluateOnNewDocument>(json!({ "identifier": id }))?;
                *added = None;
            }
            _ => {}
        }
        Ok(())
    }

    /// What tells one document state from another: the serialized HTML's
    /// length and two independent 32-bit hashes of it (FNV-1a and a
    /// multiplicative one), computed in the page so the HTML stays there.
    pub fn document_key(&self) -> Result<String, BrowserError> {
        let v = self.eval(
            "(() => { const s = document.documentElement.outerHTML; let a = 0x811c9dc5, b = 0;
               for (let i = 0; i < s.length; i++) { const c = s.charCodeAt(i);
                 a = Math.imul(a ^ c, 16777619); b = (Math.imul(b, 31) + c) | 0; }
               return s.length + ':' + (a >>> 0).toString(16) + ':' + (b >>> 0).toString(16); })()",
        )?;
        Ok(v.as_str().unwrap_or_default().to_string())
    }

    /// Run axe-core on the current document (see `set_axe`); `None` when it is not loaded.
    pub fn axe(&self) -> Result<Option<Value>, BrowserError> {
        Ok(Some(self.eval(super::axe::RUN)?).filter(|v| !v.is_null()))
    }

    /// What happened since the last call.
    /// The document as it is now, form values included, as one HTML file
    /// (served inert later: no script of it runs when it is looked at).
    pub fn dom_snapshot(&self) -> Result<String, BrowserError> {
        let v = self.eval(
            "(() => {
              for (const el of document.querySelectorAll('input, textarea, select')) {
                if (el.type === 'checkbox' || el.type === 'radio') { el.toggleAttribute('checked', el.checked); }
                else if (el.tagName === 'TEXTAREA') { el.textContent = el.value; }
                else if (el.tagName === 'SELECT') { for (const o of el.options) o.toggleAttribute('selected', o.selected); }
                else if (el.type !== 'file' && el.type !== 'password') { el.setAttribute('value', el.value); }
              }
              return '<!doctype html>\\n' + document.documentElement.outerHTML;
            })()",
        )?;
        v.as_str()
            .map(str::to_string)
            .ok_or_else(|| BrowserError::Page("the page gave no document".into()))
    }

    pub fn take_log(&self) -> PageLog {
        self.log
            .lock()
            .map(|mut l| std::mem::take(&mut *l))
            .unwrap_or_default()
    }

    /// Make the page like a new one for the next cell or walk, reaching only
    /// `allowed`: the last document left (its session storage cleared first),
    /// cookies and the origins' stored data gone, history, viewport and log
    /// reset. The tab and its renderer process stay, and with them the
    /// compiled code of the test room's pages and of axe-core: a fresh tab
    /// costs a new renderer process each time (see docs/performance.md).
    pub(super) fn reset(&self, allowed: Vec<String>) -> Result<(), BrowserError> {
        let _ = self.eval(
            "try { sessionStorage.clear(); localStorage.clear(); window.name = ''; } catch (e) {}",
        );
        // The blank page between cells is not worth loading axe-core into.
        self.set_axe(false)?;
        self.goto("about:blank")?;
        let before = self
            .origins
            .lock()
            .map(|mut o| std::mem::replace(&mut *o, allowed))
            .map_err(|_| BrowserError::Page("origins poisoned".into()))?;
        self.call::<Network::ClearBrowserCookies>(json!(null))?;
        for origin in before {
            self.call::<Storage::ClearDataForOrigin>(json!({
                "origin": origin,
                "storageTypes": "local_storage,indexeddb,websql,cache_storage,service_workers,file_systems",
            }))?;
        }
        self.call::<Cdp::ResetNavigationHistory>(json!(null))?;
        self.set_viewport(self.size.0, self.size.1, false)?;
        self.drain_loads();
        self.take_log();
        Ok(())
    }

    /// Close the tab (and so its renderer) explicitly: tabs are never leaked.
    pub fn close(self) {
        let id = self.tab.get_target_id().clone();
        let _ = self.tab.call_method(Target::CloseTarget { target_id: id });
    }
}
