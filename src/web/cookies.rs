//! Cookies by name: reading one from a request, the `__Host-`/`__Secure-`
//! names secure cookies go by, and a rendered page with the CSRF cookie it
//! sets.

/// The value of cookie `name` in a request.
pub fn cookie(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    cookie_map(
        headers,
        &cookie_name_for(name, super::current::secure_cookies()),
    )
}

/// A cookie by its exact name.
pub fn cookie_map(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// The name a cookie of the whole site goes by: with secure cookies on,
/// `__Host-` (Secure, Path=/, no Domain: no other host can set or shadow it).
pub fn cookie_name_for(base: &str, secure: bool) -> String {
    prefixed("__Host-", base, secure)
}

/// The name of a cookie scoped to a path (which `__Host-` does not allow):
/// `__Secure-` when secure cookies are on.
pub fn path_cookie_name_for(base: &str, secure: bool) -> String {
    prefixed("__Secure-", base, secure)
}

pub(super) fn prefixed(prefix: &str, base: &str, secure: bool) -> String {
    if secure {
        format!("{prefix}{base}")
    } else {
        base.to_string()
    }
}

/// A rendered page, with the CSRF cookie when the browser had none yet.
pub fn with_cookie(
    html: axum::response::Html<String>,
    set: Option<axum::http::HeaderValue>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let mut resp = html.into_response();
    if let Some(c) = set {
        resp.headers_mut().insert(axum::http::header::SET_COOKIE, c);
    }
    resp
}
