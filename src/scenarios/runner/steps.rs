//! Performing one scenario step on a page, in plain words when it fails.

use std::path::Path;

use serde_json::Value;

use crate::browser::{BrowserError, Page};

use super::super::model::{Action, Target};

/// Why a step did not pass.
#[derive(Debug)]
pub enum StepError {
    /// The expectation did not hold, or the page did not offer what the step needs.
    Failed(String),
    /// The browser failed: crashed, timed out, or was killed.
    Browser(BrowserError),
}

impl From<BrowserError> for StepError {
    fn from(e: BrowserError) -> Self {
        StepError::Browser(e)
    }
}

/// What a cell's steps share: where the variant lives and what it produced.
pub struct Context<'a> {
    pub start_url: &'a str,
    pub origin: &'a str,
    pub identity: Option<&'a str>,
    pub case_number: Option<String>,
}

fn js_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// A JS expression for the element a target names.
fn element(t: &Target) -> String {
    match t {
        Target::Css(css) => format!("document.querySelector({})", js_str(css)),
        Target::Field { id, part: Some(p) } => {
            // A part is a sub-input (`kontakt.email`) or, for checkboxes, an option value.
            let name = format!("{id}.{p}");
            format!(
                "(document.querySelector('[name=\"' + CSS.escape({}) + '\"]') || document.querySelector('input[name=\"' + CSS.escape({}) + '\"][value=\"' + CSS.escape({}) + '\"]'))",
                js_str(&name),
                js_str(id),
                js_str(p)
            )
        }
        Target::Field { id, part: None } => format!(
            "document.querySelector('[name=\"' + CSS.escape({}) + '\"]')",
            js_str(id)
        ),
    }
}

fn wrapper(t: &Target) -> String {
    match t {
        Target::Css(css) => format!("document.querySelector({})", js_str(css)),
        Target::Field { id, .. } => format!(
            "document.querySelector('[data-field=\"' + CSS.escape({}) + '\"]')",
            js_str(id)
        ),
    }
}

const SET_VALUE: &str = "(el, v) => { const proto = el instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : el instanceof HTMLSelectElement ? HTMLSelectElement.prototype : HTMLInputElement.prototype; Object.getOwnPropertyDescriptor(proto, 'value').set.call(el, v); el.dispatchEvent(new Event('input', { bubbles: true })); el.dispatchEvent(new Event('change', { bubbles: true })); }";

fn click_and_wait(page: &Page, selector: &str, what: &str) -> Result<(), StepError> {
    let js = format!(
        "(() => {{ const el = document.querySelector({sel}); if (!el) return {missing}; el.click(); return true; }})()",
        sel = js_str(selector),
        missing = js_str(&format!(
            "there is no {what} button on this page ({selector})"
        )),
    );
    page.act_and_wait(&js, what).map_err(|e| match e {
        BrowserError::Page(why) => StepError::Failed(why),
        other => StepError::Browser(other),
    })
}

fn fail(msg: impl Into<String>) -> Result<(), StepError> {
    Err(StepError::Failed(msg.into()))
}

fn page_title(page: &Page) -> String {
    page.eval("document.title")
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

pub fn perform(page: &Page, action: &Action, cx: &mut Context) -> Result<(), StepError> {
    match action {
        Action::Open => Ok(page.goto(cx.start_url)?),
        Action::Start => click_and_wait(page, "[data-action=start]", "start"),
        Action::SignIn { identity } => sign_in(page, cx, identity),
        Action::Fill { values } => fill_in(page, values),
        Action::Choose { values } => choose(page, values),
        Action::Check { targets } | Action::Uncheck { targets } => {
            set_checked(page, action, targets)
        }
        Action::Attach { files } => attach(page, files),
        Action::Next => click_and_wait(page, "[data-action=next]", "next"),
        Action::Back => click_and_wait(page, "[data-action=back]", "back"),
        Action::Submit => {
            click_and_wait(page, "[data-action=submit], [data-action=next]", "submit")
        }
        Action::Sign => click_and_wait(page, "[data-action=sign]", "sign"),
        Action::Press { selector } => {
            click_and_wait(page, selector, &format!("pressing {selector}"))
        }
        Action::Click { selector } => click(page, selector),
        Action::ExpectText { text } | Action::ExpectNoText { text } => {
            expect_text(page, action, text)
        }
        Action::ExpectError { target, contains } => expect_error(page, target, contains),
        Action::ExpectVisible { target } | Action::ExpectHidden { target } => {
            expect_visible(page, action, target)
        }
        Action::ExpectRequired { target } => expect_required(page, target),
        Action::ExpectReceipt => expect_receipt(page, cx),
        Action::ExpectSubmitted { path, equals } => expect_submitted(page, cx, path, equals),
        Action::Checkpoint { .. } => Ok(()),
    }
}

fn sign_in(page: &Page, cx: &Context, identity: &Option<String>) -> Result<(), StepError> {
    let id = identity.as_deref().or(cx.identity).unwrap_or_default();
    let js = format!(
        "(() => {{ const el = document.querySelector('#personnummer'); if (!el) return 'this is not the sign-in page'; ({SET_VALUE})(el, {id}); document.querySelector('[data-action=login]').click(); return true; }})()",
        id = js_str(id)
    );
    page.act_and_wait(&js, "signing in").map_err(|e| match e {
        BrowserError::Page(why) => StepError::Failed(why),
        other => StepError::Browser(other),
    })?;
    if page.url().ends_with("/logga-in") {
        let why = page
            .eval("(document.querySelector('.error-message') || {}).innerText || ''")
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        return fail(format!("signing in with {id} was refused: {}", why.trim()));
    }
    Ok(())
}

fn fill_in(page: &Page, values: &[(Target, String)]) -> Result<(), StepError> {
    for (t, v) in values {
        let js = format!(
            "(() => {{ const el = {el}; if (!el) return false; ({SET_VALUE})(el, {v}); return true; }})()",
            el = element(t),
            v = js_str(v)
        );
        if page.eval(&js)? != Value::Bool(true) {
            return fail(format!(
                "there is no field `{}` to fill on this page ({})",
                t.describe(),
                page_title(page)
            ));
        }
    }
    Ok(())
}

fn choose(page: &Page, values: &[(Target, String)]) -> Result<(), StepError> {
    for (t, v) in values {
        let js = match t {
            Target::Field { id, .. } => format!(
                "(() => {{ const n = {nth}; const sel = document.querySelector('select[name=\"' + CSS.escape({id}) + '\"]'); if (sel) {{ const opts = [...sel.options].filter(o => o.value !== ''); const o = n ? opts[n - 1] : opts.find(o => o.value === {v}); if (!o) return 'option'; ({SET_VALUE})(sel, o.value); return true; }} const radios = [...document.querySelectorAll('input[type=radio][name=\"' + CSS.escape({id}) + '\"]')]; if (!radios.length) return false; const r = n ? radios[n - 1] : radios.find(x => x.value === {v}); if (!r) return 'option'; r.click(); return true; }})()",
                id = js_str(id),
                v = js_str(v),
                nth = super::super::model::nth_option(v)
                    .map(|n| n.to_string())
                    .unwrap_or_else(|| "0".into())
            ),
            Target::Css(_) => format!(
                "(() => {{ const el = {el}; if (!el) return false; if (el.tagName === 'SELECT') ({SET_VALUE})(el, {v}); else el.click(); return true; }})()",
                el = element(t),
                v = js_str(v)
            ),
        };
        match page.eval(&js)? {
            Value::Bool(true) => {}
            Value::String(_) => {
                return fail(format!(
                    "`{}` offers no option `{v}` on this page",
                    t.describe()
                ));
            }
            _ => {
                return fail(format!(
                    "there is no field `{}` to choose in on this page ({})",
                    t.describe(),
                    page_title(page)
                ));
            }
        }
    }
    Ok(())
}

fn set_checked(page: &Page, action: &Action, targets: &[Target]) -> Result<(), StepError> {
    let want = matches!(action, Action::Check { .. });
    for t in targets {
        let js = format!(
            "(() => {{ const el = {el}; if (!el) return false; if (el.checked !== {want}) el.click(); return el.checked === {want}; }})()",
            el = element(t)
        );
        if page.eval(&js)? != Value::Bool(true) {
            return fail(format!(
                "could not {} `{}` on this page",
                action.name(),
                t.describe()
            ));
        }
    }
    Ok(())
}

fn attach(page: &Page, files: &[(Target, std::path::PathBuf)]) -> Result<(), StepError> {
    for (t, path) in files {
        let selector = match t {
            Target::Css(css) => css.clone(),
            Target::Field { id, .. } => format!("input[type=file][name=\"{id}\"]"),
        };
        let abs = std::fs::canonicalize(path).unwrap_or_else(|_| Path::new(path).to_path_buf());
        page.set_files(&selector, &[abs.display().to_string()])
            .map_err(|e| match e {
                BrowserError::Page(why) => StepError::Failed(format!(
                    "could not attach {} to `{}`: {why}",
                    path.display(),
                    t.describe()
                )),
                other => StepError::Browser(other),
            })?;
    }
    Ok(())
}

fn click(page: &Page, selector: &str) -> Result<(), StepError> {
    let js = format!(
        "(() => {{ const el = document.querySelector({}); if (!el) return false; el.click(); return true; }})()",
        js_str(selector)
    );
    if page.eval(&js)? != Value::Bool(true) {
        return fail(format!("there is nothing matching `{selector}` to click"));
    }
    Ok(())
}

fn expect_text(page: &Page, action: &Action, text: &str) -> Result<(), StepError> {
    let body = page.text()?;
    let present = body.contains(text);
    match (matches!(action, Action::ExpectText { .. }), present) {
        (true, false) => fail(format!(
            "expected the text {text:?} on the page, but it is not there (page: {})",
            page_title(page)
        )),
        (false, true) => fail(format!(
            "the text {text:?} is on the page, but should not be (page: {})",
            page_title(page)
        )),
        _ => Ok(()),
    }
}

fn expect_error(page: &Page, target: &Target, contains: &str) -> Result<(), StepError> {
    let id = match target {
        Target::Field { id, .. } => id.clone(),
        Target::Css(css) => css.clone(),
    };
    let js = format!(
        "(() => {{ const el = document.querySelector('[data-error=\"' + CSS.escape({}) + '\"]'); return el ? el.innerText : null; }})()",
        js_str(&id)
    );
    match page.eval(&js)? {
        Value::String(msg) if msg.contains(contains) => Ok(()),
        Value::String(msg) => fail(format!(
            "the error at `{id}` says {:?}, which does not contain {contains:?}",
            msg.trim()
        )),
        _ => fail(format!(
            "expected an error at `{id}`, but the field shows none (page: {})",
            page_title(page)
        )),
    }
}

fn expect_visible(page: &Page, action: &Action, target: &Target) -> Result<(), StepError> {
    let js = format!(
        "(() => {{ const el = {w}; if (!el) return false; const s = getComputedStyle(el); return !el.closest('[hidden]') && s.display !== 'none' && s.visibility !== 'hidden' && el.getClientRects().length > 0; }})()",
        w = wrapper(target)
    );
    let visible = page.eval(&js)? == Value::Bool(true);
    match (matches!(action, Action::ExpectVisible { .. }), visible) {
        (true, false) => fail(format!(
            "expected `{}` to be visible, but it is not",
            target.describe()
        )),
        (false, true) => fail(format!(
            "expected `{}` to be hidden, but it is visible",
            target.describe()
        )),
        _ => Ok(()),
    }
}

fn expect_required(page: &Page, target: &Target) -> Result<(), StepError> {
    let js = format!(
        "(() => {{ const el = {w}; return el ? el.getAttribute('data-required') : null; }})()",
        w = wrapper(target)
    );
    match page.eval(&js)? {
        Value::String(s) if s == "true" => Ok(()),
        Value::String(_) => fail(format!(
            "expected `{}` to be required, but it is optional",
            target.describe()
        )),
        _ => fail(format!(
            "there is no field `{}` on this page",
            target.describe()
        )),
    }
}

fn expect_receipt(page: &Page, cx: &mut Context) -> Result<(), StepError> {
    let js = "(() => { const r = document.querySelector('[data-receipt]'); const c = document.querySelector('[data-case-number]'); const t = document.querySelector('[data-submitted-at]'); return r && c && t ? [c.innerText.trim(), t.innerText.trim()] : null; })()";
    match page.eval(js)? {
        Value::Array(a)
            if a.len() == 2 && a.iter().all(|x| x.as_str().is_some_and(|s| !s.is_empty())) =>
        {
            cx.case_number = a[0].as_str().map(str::to_string);
            Ok(())
        }
        _ => fail(format!(
            "expected a receipt with case number and time, but this page has none (page: {})",
            page_title(page)
        )),
    }
}

fn expect_submitted(
    page: &Page,
    cx: &mut Context,
    path: &str,
    equals: &serde_json::Value,
) -> Result<(), StepError> {
    let Some(case) = cx.case_number.clone() else {
        return fail("expect_submitted needs a receipt first: add `expect_receipt` before it");
    };
    let js = format!(
        "fetch({}).then(r => r.json())",
        js_str(&format!("{}/inkorg/{case}/payload.json", cx.origin))
    );
    let payload = page.eval(&js)?;
    let got = lookup(&payload, path);
    // Scenario values are YAML text: `true` or `180` match JSON true or 180.
    let same = |g: &Value| {
        g == equals
            || matches!((g, equals), (Value::Bool(_) | Value::Number(_), Value::String(e)) if &g.to_string() == e)
    };
    if got.as_ref().is_some_and(same) {
        Ok(())
    } else {
        fail(format!(
            "case {case}: `{path}` is {}, expected {equals}",
            got.map(|g| g.to_string())
                .unwrap_or_else(|| "missing".into())
        ))
    }
}

/// `values.kontakt.email`, `steps[1].title`.
pub fn lookup(v: &Value, path: &str) -> Option<Value> {
    let mut cur = v;
    for part in path.split('.') {
        let (key, index) = match part.split_once('[') {
            Some((k, rest)) => (k, rest.trim_end_matches(']').parse::<usize>().ok()),
            None => (part, None),
        };
        if !key.is_empty() {
            cur = cur.get(key)?;
        }
        if let Some(i) = index {
            cur = cur.get(i)?;
        }
    }
    Some(cur.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn looks_up_paths_in_a_payload() {
        let v = serde_json::json!({ "values": { "kontakt": { "email": "a@b.se" } }, "steps": [{ "id": "a" }, { "id": "b" }] });
        assert_eq!(
            lookup(&v, "values.kontakt.email"),
            Some(Value::String("a@b.se".into()))
        );
        assert_eq!(lookup(&v, "steps[1].id"), Some(Value::String("b".into())));
        assert_eq!(lookup(&v, "values.saknas"), None);
    }
}
