//! CSRF protection for the test room's own forms (the sandbox has its own,
//! per session). For a logged-in user the token is derived from the session
//! token, so it is bound to the session: a cookie planted by someone else
//! (a sibling subdomain can set cookies) does not help them. Before login
//! (the login form itself) it is a double-submit token: a random value in a
//! SameSite=Strict HttpOnly cookie that the form must echo. On top of both,
//! `security::same_site_request` refuses state-changing requests a browser marks
//! as coming from another site.

use axum::extract::rejection::RawFormRejection;
use axum::extract::{FromRequest, RawForm, Request};
use axum::http::{HeaderMap, HeaderValue, StatusCode};

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

/// A form that carries nothing but its token, for a check by hand (the
/// sandbox's own forms check their session's token).
#[derive(serde::Deserialize)]
pub struct TokenForm {
    #[serde(rename = "_csrf", default)]
    pub csrf: String,
}

/// A form that carries nothing but its token (a button that starts or
/// confirms something): `_: Checked` in a handler.
#[derive(serde::Deserialize)]
pub struct NoFields {}

/// A posted form whose token has been checked before the handler runs: the
/// handler names `Checked(form): Checked<MyForm>` and never sees the token,
/// so no handler can forget to check it. The body is read once; `_csrf` is
/// taken from it and the rest decoded as `F` (which need not name the token).
/// A bad token is the "form expired" page; a form that does not decode says
/// so in Swedish rather than as the framework's English text.
pub struct Checked<F = NoFields>(pub F);

/// A body that is not a form, or larger than a form may be, in Swedish.
fn unreadable(e: RawFormRejection) -> WebError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        WebError::TooLarge(
            "Formuläret är större än vad det kan innehålla. Korta texten och försök igen.".into(),
        )
    } else {
        WebError::BadRequest(
            "Formuläret kom inte fram som ett formulär. Ladda om sidan och försök igen.".into(),
        )
    }
}

impl<S, F> FromRequest<S> for Checked<F>
where
    S: Send + Sync,
    F: serde::de::DeserializeOwned,
{
    type Rejection = WebError;

    async fn from_request(req: Request, state: &S) -> Result<Self, WebError> {
        let headers = req.headers().clone();
        let RawForm(body) = RawForm::from_request(req, state)
            .await
            .map_err(unreadable)?;
        let token = form_urlencoded::parse(&body)
            .find(|(k, _)| k == "_csrf")
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
        verify(&headers, &token)?;
        serde_urlencoded::from_bytes(&body).map(Checked).map_err(|e| {
            tracing::warn!(error = %e, "a checked form did not decode");
            WebError::BadRequest(
                "Formuläret saknar något eller har ett fält i fel form. Ladda om sidan och försök igen."
                    .into(),
            )
        })
    }
}
