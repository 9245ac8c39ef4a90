//! Headers every response carries: a Content-Security-Policy that allows only
//! the test room's own origin, and timing for benchmarks and devtools.

use std::time::Instant;

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;

const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

pub async fn headers(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let uri = req.uri().path().to_string();
    // Everything logged while serving the request (a failed query, an error
    // number) carries its method and path.
    let span = tracing::info_span!("request", %method, path = %uri);
    let mut res = tracing::Instrument::instrument(next.run(req), span).await;
    let h = res.headers_mut();
    h.insert("content-security-policy", HeaderValue::from_static(CSP));
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
