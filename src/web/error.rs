//! Errors at the HTTP edge: shown to people as a Swedish page, logged in full.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use super::page::Layout;

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Forbidden(String),
    /// The request body is larger than the form can legitimately carry.
    #[error("{0}")]
    TooLarge(String),
    /// Too many requests of this kind from this client in a short time.
    #[error("{0}")]
    TooMany(String),
    /// A part the page needs (the browser that prints a PDF) is not
    /// available right now; trying again later may work.
    #[error("{0}")]
    Unavailable(String),
    /// Not logged in: go to the login page, then back to this path.
    #[error("login required for {0}")]
    LoginRequired(String),
    /// Not an error for the person: they belong on another page (303 See Other).
    #[error("go to {0}")]
    Redirect(String),
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("template: {0}")]
    Template(#[from] askama::Error),
    #[error("file: {0}")]
    Io(#[from] std::io::Error),
}

/// `domain_call().await.refused()?`: a database failure inside a domain
/// error leaves the handler as the logged error page; what the person did
/// wrong stays in the inner result, for the handler to show on its form.
pub trait Refusals<T, E> {
    fn refused(self) -> Result<Result<T, E>, WebError>;
}

impl<T, E: crate::store::WrapsDb> Refusals<T, E> for Result<T, E> {
    fn refused(self) -> Result<Result<T, E>, WebError> {
        match self {
            Ok(v) => Ok(Ok(v)),
            Err(e) => match e.db() {
                Ok(db) => Err(WebError::Db(db)),
                Err(e) => Ok(Err(e)),
            },
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    page: Layout,
    heading: String,
    message: String,
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        if let WebError::LoginRequired(back) = &self {
            let back = if back.starts_with('/') && !back.starts_with("//") {
                back.as_str()
            } else {
                "/"
            };
            let mut to = String::from("/konto/logga-in?till=");
            for b in back.bytes() {
                match b {
                    b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                        to.push(b as char)
                    }
                    _ => to.push_str(&format!("%{b:02X}")),
                }
            }
            return axum::response::Redirect::to(&to).into_response();
        }
        if let WebError::Redirect(to) = &self {
            return axum::response::Redirect::to(to).into_response();
        }
        let (status, heading, message) = match &self {
            WebError::NotFound(m) => (StatusCode::NOT_FOUND, "Sidan finns inte", m.clone()),
            WebError::BadRequest(m) => (
                StatusCode::BAD_REQUEST,
                "Något blev fel i förfrågan",
                m.clone(),
            ),
            WebError::Forbidden(m) => (
                StatusCode::FORBIDDEN,
                "Åtgärden är inte tillåten",
                m.clone(),
            ),
            WebError::TooLarge(m) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "Det du skickade är för stort",
                m.clone(),
            ),
            WebError::TooMany(m) => (
                StatusCode::TOO_MANY_REQUESTS,
                "För många försök på kort tid",
                m.clone(),
            ),
            WebError::Unavailable(m) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "Det gick inte just nu",
                m.clone(),
            ),
            _ => {
                // The id ties what the person reports to the full error in the log.
                let id = format!("{:08x}", rand::random::<u32>());
                tracing::error!(error = %self, error_id = %id, "request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Ett tekniskt fel inträffade",
                    format!("Försök igen om en stund. Felet har loggats med nummer {id}."),
                )
            }
        };
        let page = ErrorPage {
            page: Layout::plain(&format!("{heading} – Provrum")),
            heading: heading.into(),
            message,
        };
        match page.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(_) => (status, heading).into_response(),
        }
    }
}

pub async fn not_found() -> WebError {
    WebError::NotFound(
        "Kontrollera adressen, eller gå till startsidan och välj tjänst därifrån.".into(),
    )
}
