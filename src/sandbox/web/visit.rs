//! Opening a citizen's visit to a variant: which version and variant the URL
//! names, the visitor's sandbox session, and where they belong if not on the
//! page they asked for. Every sandbox handler starts here, most of them as
//! an argument: `Visit`, `Started` or `Continuing`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{FromRequestParts, Path};
use axum::http::HeaderMap;
use axum::http::request::Parts;

use crate::services::Variant;
use crate::services::store::VersionSummary;
use crate::web::{AppState, WebError};

use crate::sandbox::session::{self, Session};

/// The sandbox session cookie (scoped to the variant's path).
pub const COOKIE: &str = "provrum_sandbox";

/// The version and variant a sandbox URL names.
pub struct Ctx {
    pub version: VersionSummary,
    pub variant: Arc<Variant>,
    pub base_url: String,
    pub code: Option<String>,
}

pub async fn ctx(
    state: &AppState,
    service: &str,
    version: &str,
    kommun: &str,
) -> Result<Ctx, WebError> {
    let v = state.require_version(service, version).await?;
    let Some(variant) = state.variant(v.id, kommun).await? else {
        return Err(WebError::NotFound(format!(
            "{service} {version} har ingen variant för {kommun}."
        )));
    };
    Ok(Ctx {
        base_url: format!("/tjanster/{service}/{version}/{kommun}"),
        code: state.registry.get(kommun).and_then(|m| m.code.clone()),
        version: v,
        variant,
    })
}

/// The visitor's session on this variant, if they started one.
pub async fn current(
    state: &AppState,
    headers: &HeaderMap,
    c: &Ctx,
) -> Result<Option<Session>, WebError> {
    let name = crate::web::path_cookie_name_for(COOKIE, crate::web::session::secure_cookies());
    let Some(id) = crate::web::cookie_map(headers, &name) else {
        return Ok(None);
    };
    Ok(session::load(&state.store, &id, c.version.id, &c.variant.municipality).await?)
}

/// The variant and a started session (else back to the start page).
pub async fn started(
    state: &AppState,
    (service, version, kommun): (&str, &str, &str),
    headers: &HeaderMap,
) -> Result<(Ctx, Session), WebError> {
    let c = ctx(state, service, version, kommun).await?;
    match current(state, headers, &c).await? {
        Some(s) => Ok((c, s)),
        None => Err(WebError::Redirect(c.base_url)),
    }
}

/// The variant and a session that may fill in the form now: started, signed
/// in when the variant asks for it, not yet sent (else where it belongs).
pub async fn continuing(
    state: &AppState,
    names: (&str, &str, &str),
    headers: &HeaderMap,
) -> Result<(Ctx, Session), WebError> {
    let (c, s) = started(state, names, headers).await?;
    if s.submission_id.is_some() {
        return Err(WebError::Redirect(format!("{}/kvittens", c.base_url)));
    }
    if c.variant.authentication.required && s.personnummer.is_none() {
        return Err(WebError::Redirect(format!("{}/logga-in", c.base_url)));
    }
    Ok((c, s))
}

/// The variant a sandbox URL names (`/tjanster/{service}/{version}/{kommun}/…`),
/// as a handler argument: `Visit(c): Visit`.
pub struct Visit(pub Ctx);

/// The variant and the visitor's started session; without one, back to the
/// variant's start page.
pub struct Started(pub Ctx, pub Session);

/// The variant and a session that may fill in the form now (see
/// [`continuing`]); otherwise where the visitor belongs.
pub struct Continuing(pub Ctx, pub Session);

/// The service, version and municipality of the route, by name, whatever
/// else the route names (a step).
async fn names(parts: &mut Parts, state: &AppState) -> Result<[String; 3], WebError> {
    let Path(mut named) = Path::<HashMap<String, String>>::from_request_parts(parts, state)
        .await
        .map_err(|_| WebError::NotFound("Sidan finns inte.".into()))?;
    let mut take = |name: &str| named.remove(name).unwrap_or_default();
    Ok([take("service"), take("version"), take("kommun")])
}

impl FromRequestParts<AppState> for Visit {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, WebError> {
        let [service, version, kommun] = names(parts, state).await?;
        Ok(Visit(ctx(state, &service, &version, &kommun).await?))
    }
}

impl FromRequestParts<AppState> for Started {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, WebError> {
        let [service, version, kommun] = names(parts, state).await?;
        let (c, s) = started(state, (&service, &version, &kommun), &parts.headers).await?;
        Ok(Started(c, s))
    }
}

impl FromRequestParts<AppState> for Continuing {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, WebError> {
        let [service, version, kommun] = names(parts, state).await?;
        let (c, s) = continuing(state, (&service, &version, &kommun), &parts.headers).await?;
        Ok(Continuing(c, s))
    }
}

pub fn check_csrf(s: &Session, token: &str) -> Result<(), WebError> {
    if crate::web::csrf::same_token(&s.csrf, token) {
        Ok(())
    } else {
        Err(WebError::Forbidden(
            "Formuläret har gått ut. Gå tillbaka, ladda om sidan och försök igen.".into(),
        ))
    }
}

/// Who is using the sandbox: a client address, and whether it is one of the
/// test room's own runs (a pass) or a logged-in member of staff.
pub struct Visitor {
    client: String,
    pass: bool,
    staff: bool,
}

impl Visitor {
    pub async fn of(
        state: &AppState,
        headers: &HeaderMap,
        ext: &axum::http::Extensions,
    ) -> Visitor {
        let client = crate::web::rates::client(ext);
        Visitor {
            client,
            pass: state.passes.carried(headers).await,
            staff: crate::web::session::user().is_some(),
        }
    }

    /// The client's address, for per-client limits.
    pub fn client(&self) -> &str {
        &self.client
    }

    /// Whether this is one of the test room's own runs (not limited).
    pub fn runs(&self) -> bool {
        self.pass
    }

    /// The comparison reference (`<kommun>~bas`) is the test room's own
    /// rendering of the base, not a municipality's service: only its runs
    /// and its staff open it.
    pub fn may_use(&self, kommun: &str) -> Result<(), WebError> {
        if kommun.ends_with(crate::services::reference::BASE_SUFFIX) && !self.pass && !self.staff {
            return Err(WebError::Forbidden(
                "Jämförelsebasen är provrummets egen återgivning av grundtjänsten och kan bara öppnas av provrummets personal. Välj en kommuns variant i stället."
                    .into(),
            ));
        }
        Ok(())
    }

    /// Count one `what` against this client's limit (runs are not limited).
    pub async fn within(
        &self,
        state: &AppState,
        what: &str,
        limit: crate::web::rates::Limit,
    ) -> Result<(), WebError> {
        if self.pass
            || crate::web::rates::allow(&state.store, &format!("{what}:{}", self.client), limit)
                .await?
        {
            Ok(())
        } else {
            Err(WebError::TooMany(format!(
                "Du har gjort det här många gånger på kort tid. Vänta några minuter och försök igen (högst {} gånger per {} minuter).",
                limit.max,
                limit.window.as_secs() / 60
            )))
        }
    }
}

/// Every page of a comparison reference (`<kommun>~bas`), read or posted,
/// is for staff and the test room's own runs only: a route layer on the
/// sandbox's variant routes.
pub async fn reference_guard(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    // "", "tjanster", service, version, municipality, …
    let mut parts = req.uri().path().split('/');
    let segment = match (parts.nth(1), parts.nth(2)) {
        (Some("tjanster"), Some(m)) => m,
        _ => "",
    };
    let kommun = segment.replace("%7E", "~").replace("%7e", "~");
    if kommun.ends_with(crate::services::reference::BASE_SUFFIX) {
        let who = Visitor::of(&state, req.headers(), req.extensions()).await;
        if let Err(e) = who.may_use(&kommun) {
            return e.into_response();
        }
    }
    next.run(req).await
}
