//! CSRF protection for the test room's own forms (the sandbox has its own,
//! per session). For a logged-in user the token is derived from the session
//! token, so it is bound to the session: a cookie planted by someone else
//! (a sibling subdomain can set cookies) does not help them. Before login
//! (the login form itself) it is a double-submit token: a random value in a
//! SameSite=Strict HttpOnly cookie that the form must echo. On top of both,
//! `security::same_site_request` refuses state-changing requests a browser marks
//! as coming from another site.

use axum::http::{HeaderMap, HeaderValue};

use super::WebError;

const COOKIE: &str = "provrum_csrf";

fn cookie(headers: &HeaderMap) -> Option<String> {
    super::cookie(headers, COOKIE).filter(|v| v.len() == 32)
}

/// The token bound to a session: a hash of its (secret) token, so it can be
/// recomputed but not guessed.
fn bound(session_token: &str) -> String {
    use sha2::{Digest, Sha256};
    let h = Sha256::digest(format!("provrum-csrf:{session_token}").as_bytes());
    hex::encode(&h[..16])
}

/// The token for a page's forms, and the cookie to set when the browser has none.
pub fn token(headers: &HeaderMap, secure: bool) -> (String, Option<HeaderValue>) {
    if let Some(s) = super::session::token() {
        return (bound(&s), None);
    }
    if let Some(t) = cookie(headers) {
        return (t, None);
    }
    let t = hex::encode(rand::random::<[u8; 16]>());
    let name = super::cookie_name_for(COOKIE, secure);
    let secure = if secure { "; Secure" } else { "" };
    let set = HeaderValue::from_str(&format!(
        "{name}={t}; Path=/; HttpOnly; SameSite=Strict{secure}"
    ))
    .ok();
    (t, set)
}

/// Compare tokens without an early exit, so timing says nothing about them.
pub fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

pub fn verify(headers: &HeaderMap, form_token: &str) -> Result<(), WebError> {
    let expected = match super::session::token() {
        Some(s) => Some(bound(&s)),
        None => cookie(headers),
    };
    match expected {
        Some(c) if same_token(&c, form_token) => Ok(()),
        _ => Err(WebError::Forbidden(
            "Formuläret har gått ut. Ladda om sidan och försök igen.".into(),
        )),
    }
}

/// A form that carries nothing but its token (a button that starts or
/// confirms something).
#[derive(serde::Deserialize)]
pub struct TokenForm {
    #[serde(rename = "_csrf", default)]
    pub csrf: String,
}
