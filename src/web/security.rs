//! Headers every response carries (a Content-Security-Policy that allows
//! only the test room's own origin, `Cache-Control: no-store` for everything
//! that is not a static file, HSTS behind TLS, timing for benchmarks), and
//! the refusal of state-changing requests a browser says come from another
//! site.

use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;

const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/// Whether a state-changing request comes from this site, as far as the
/// browser tells: `Sec-Fetch-Site` (all current browsers) and `Origin`.
/// Clients that send neither (curl, the tests' HTTP client) still need the
/// CSRF token.
fn same_site_request(headers: &HeaderMap) -> bool {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = text("sec-fetch-site")
        && !matches!(site, "same-origin" | "none")
    {
        return false;
    }
    let Some(origin) = text("origin") else {
        return true;
    };
    let Some((_, authority)) = origin.split_once("://") else {
        // `Origin: null` (a sandboxed frame, a cross-site redirect).
        return false;
    };
    // Behind a reverse proxy the Host may be the proxy's upstream name; the
    // proxy then says the public one in X-Forwarded-Host.
    [text("host"), text("x-forwarded-host")]
        .into_iter()
        .flatten()
        .any(|h| authority.eq_ignore_ascii_case(h))
}

/// A NUL character in a URL or form: no page or form has a use for it, and
/// PostgreSQL refuses it in text (a 500 otherwise).
fn has_nul(bytes: &[u8]) -> bool {
    bytes.contains(&0) || bytes.windows(3).any(|w| w == b"%00")
}

/// Refuse NUL in the URL and in form bodies before any handler sees them.
/// Form bodies are read here (within the ordinary form limit) and handed on.
async fn without_nul(req: Request) -> Result<Request, Response> {
    let bad = || {
        (
            StatusCode::BAD_REQUEST,
            "Förfrågan innehåller ett otillåtet tecken (NUL). Ta bort det och försök igen.",
        )
            .into_response()
    };
    if has_nul(req.uri().to_string().as_bytes()) {
        return Err(bad());
    }
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Ok(req);
    }
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, BODY_LIMIT).await.map_err(|_| {
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            "Formuläret är större än det här formuläret tar emot.",
        )
            .into_response()
    })?;
    if has_nul(&bytes) {
        return Err(bad());
    }
    Ok(Request::from_parts(parts, axum::body::Body::from(bytes)))
}

pub async fn headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let uri = req.uri().path().to_string();
    let safe = matches!(method, Method::GET | Method::HEAD | Method::OPTIONS);
    let mut res = if !safe && !same_site_request(req.headers()) {
        tracing::warn!(%method, path = %uri, "cross-site request refused");
        (
            StatusCode::FORBIDDEN,
            "Förfrågan kom från en annan webbplats och togs inte emot.",
        )
            .into_response()
    } else {
        match without_nul(req).await {
            // The request's span is its own layer (`span`), inside this one.
            Ok(req) => next.run(req).await,
            Err(refused) => refused,
        }
    };
    let h = res.headers_mut();
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        );
    }
    // Pages show non-public data (cases, comments, logs, exports): no copy
    // stays in a browser's or proxy's cache. Static files set their own.
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if state.secure_cookies {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    let micros = started.elapsed().as_micros();
    // Server-side time, read by the benchmark and visible in browser devtools.
    if let Ok(v) = HeaderValue::from_str(&format!("app;dur={:.3}", micros as f64 / 1000.0)) {
        h.insert("server-timing", v);
    }
    tracing::debug!(%method, path = %uri, status = res.status().as_u16(), micros, "request");
    res
}

/// Largest request body of an ordinary form (login, comment, triage…):
/// kilobytes are what they carry. The sandbox's step forms set their own
/// limit from what the step may hold (see `sandbox::input::body_limit`).
pub const BODY_LIMIT: usize = 64 * 1024;
