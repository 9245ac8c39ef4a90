//! The sandbox as a citizen meets it: start, simulated e-legitimation, the
//! steps, summary, simulated signing, receipt; and the inbox that shows what
//! the case system would have received.

use axum::Router;
use axum::extract::{DefaultBodyLimit, Form, FromRequest, Multipart, Path, Request, State};
use axum::handler::Handler;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;

use crate::identities::{self, Personnummer};
use crate::services::Variant;
use crate::web::{AppState, WebError};

use crate::sandbox::input::{self, StoredFile};
use crate::sandbox::session::{self, Session};
use crate::sandbox::uploads;
use visit::{Continuing, Ctx, Started, Visit, Visitor};

mod cases;
mod multipart;
mod pages;
pub mod visit;

type VariantPath = Path<(String, String, String)>;

use visit::COOKIE;

pub fn router(state: &AppState) -> Router<AppState> {
    let base = "/tjanster/{service}/{version}/{kommun}";
    Router::new()
        .route(base, get(start_page))
        .route(&format!("{base}/starta"), axum::routing::post(start))
        .route(&format!("{base}/logga-in"), get(login_page).post(login))
        .route(
            &format!("{base}/steg/{{step}}"),
            // The step sets its own body limit from what it may carry.
            get(step_page).post(step_submit.layer(DefaultBodyLimit::disable())),
        )
        .route(
            &format!("{base}/granska"),
            get(summary_page).post(summary_submit),
        )
        .route(&format!("{base}/signera"), get(sign_page).post(sign_submit))
        .route(&format!("{base}/kvittens"), get(receipt_page))
        .route(&format!("{base}/inkorg"), get(cases::inbox))
        .route(&format!("{base}/brand.css"), get(brand))
        .route("/inkorg/{case}", get(cases::case))
        .route("/inkorg/{case}/arende.pdf", get(cases::case_pdf))
        .route("/inkorg/{case}/payload.json", get(cases::case_json))
        .route("/inkorg/{case}/bilagor/{id}", get(cases::attachment))
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            visit::reference_guard,
        ))
}

async fn start_page(
    State(state): State<AppState>,
    Visit(c): Visit,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Html<String>, WebError> {
    let s = visit::current(&state, &headers, &c).await?;
    pages::start(&here(&state, &uri), &c, s.as_ref()).await
}

async fn start(
    State(state): State<AppState>,
    Visit(c): Visit,
    Path((.., kommun)): VariantPath,
    headers: HeaderMap,
    ext: axum::http::Extensions,
) -> Result<Response, WebError> {
    let who = Visitor::of(&state, &headers, &ext).await;
    who.may_use(&kommun)?;
    who.within(&state, "start", crate::web::rates::SESSION_STARTS)
        .await?;
    if c.variant.external_url.is_some() {
        return Err(WebError::BadRequest(
            "Den här varianten finns hos en extern leverantör och kan inte provas i sandlådan."
                .into(),
        ));
    }
    let s = session::create(&state.store, c.version.id, &c.variant.municipality).await?;
    let secure = if state.secure_cookies { "; Secure" } else { "" };
    let cookie = format!(
        "{}={}; Path={}; HttpOnly; SameSite=Lax{secure}",
        crate::web::path_cookie_name_for(COOKIE, state.secure_cookies),
        s.id,
        c.base_url
    );
    let next = if c.variant.authentication.required {
        format!("{}/logga-in", c.base_url)
    } else {
        first_step_url(&c, &s)
    };
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to(&next)).into_response())
}

fn here<'a>(state: &'a AppState, uri: &'a Uri) -> pages::Here<'a> {
    pages::Here {
        state,
        query: uri.query(),
    }
}

fn first_step_url(c: &Ctx, s: &Session) -> String {
    match input::visible_steps(&c.variant, &s.answers).first() {
        Some(step) => format!("{}/steg/{}", c.base_url, step.id),
        None => after_steps_url(c),
    }
}

fn after_steps_url(c: &Ctx) -> String {
    if c.variant.summary {
        format!("{}/granska", c.base_url)
    } else if c.variant.signing.required {
        format!("{}/signera", c.base_url)
    } else {
        format!("{}/granska", c.base_url)
    }
}

async fn login_page(
    State(state): State<AppState>,
    Started(c, s): Started,
    uri: Uri,
) -> Result<Response, WebError> {
    pages::login(&here(&state, &uri), &c, &s, None, "", StatusCode::OK).await
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    person: String,
    #[serde(default)]
    personnummer: String,
}

async fn login(
    State(state): State<AppState>,
    Started(c, mut s): Started,
    uri: Uri,
    Form(form): Form<LoginForm>,
) -> Result<Response, WebError> {
    visit::check_csrf(&s, &form.csrf)?;
    let typed = form.personnummer.trim();
    let chosen = if typed.is_empty() {
        form.person.trim()
    } else {
        typed
    };
    if chosen.is_empty() {
        return pages::login(
            &here(&state, &uri),
            &c,
            &s,
            Some("Välj en testperson eller skriv ett testpersonnummer."),
            typed,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let pnr = match Personnummer::parse_test_number(chosen) {
        Ok(p) => p,
        Err(e) => {
            return pages::login(
                &here(&state, &uri),
                &c,
                &s,
                Some(&e.to_string()),
                typed,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let person = identities::person(&pnr);
    prefill(&c.variant, &mut s, &person);
    s.personnummer = Some(pnr.as_str().to_string());
    session::save(&state.store, &s).await?;
    Ok(Redirect::to(&first_step_url(&c, &s)).into_response())
}

/// Fill contact, address and personnummer questions from the e-legitimation
/// and the population register, as real services do. A protected identity's
/// address is never filled in.
fn prefill(v: &Variant, s: &mut Session, p: &identities::TestPerson) {
    use crate::services::FieldKind;
    use serde_json::{Value, json};
    for f in v.steps.iter().flat_map(|st| &st.fields) {
        if s.answers.contains_key(&f.id) {
            continue;
        }
        let value = match f.kind {
            FieldKind::Personnummer => Some(Value::String(p.personnummer.display())),
            FieldKind::Contact => {
                Some(json!({ "name": p.full_name(), "email": p.email, "phone": p.phone }))
            }
            FieldKind::Address if !p.protected && p.street.is_some() => {
                Some(json!({ "street": p.street, "postal_code": p.postal_code, "city": p.city }))
            }
            _ => None,
        };
        if let Some(mut value) = value {
            if let Value::Object(m) = &mut value {
                m.retain(|_, v| !v.is_null());
            }
            s.answers.insert(f.id.clone(), value);
        }
    }
}

async fn step_page(
    State(state): State<AppState>,
    Continuing(c, s): Continuing,
    Path((.., step)): Path<(String, String, String, String)>,
    uri: Uri,
) -> Result<Response, WebError> {
    pages::step(&here(&state, &uri), &c, &s, &step, &[], StatusCode::OK).await
}

async fn step_submit(
    State(state): State<AppState>,
    Continuing(c, mut s): Continuing,
    Path((.., step_id)): Path<(String, String, String, String)>,
    headers: HeaderMap,
    req: Request,
) -> Result<Response, WebError> {
    let who = Visitor::of(&state, &headers, req.extensions()).await;
    let Some(step) = c.variant.steps.iter().find(|st| st.id == step_id) else {
        return Err(WebError::NotFound(format!(
            "Steget {step_id} finns inte i den här e-tjänsten."
        )));
    };
    let limit = input::body_limit(step);
    let req = req.map(|body| axum::body::Body::new(http_body_util::Limited::new(body, limit)));
    let mp = Multipart::from_request(req, &state)
        .await
        .map_err(|e| WebError::BadRequest(format!("Formuläret kunde inte läsas: {e}")))?;
    let input = multipart::read_multipart(mp).await?;
    visit::check_csrf(
        &s,
        input
            .values
            .get("_csrf")
            .and_then(|v| v.first())
            .map(String::as_str)
            .unwrap_or_default(),
    )?;
    let before = s.answers.clone();
    let files_before: Vec<String> = s.files.iter().map(|f| f.sha256.clone()).collect();
    let outcome = input::apply_step(step, &input, &mut s.answers, &mut s.files);
    let incoming: u64 = outcome.accepted.iter().map(|u| u.bytes.len() as u64).sum();
    if incoming > 0
        && !who.runs()
        && let Some(refused) = uploads::admit(&state.store, who.client(), incoming).await?
    {
        return Err(WebError::TooMany(refused.swedish()));
    }
    for u in outcome.accepted {
        let size = u.bytes.len() as u64;
        let sha256 = uploads::put(&state.store, &state.artifacts, u.bytes).await?;
        let ext = crate::filetypes::extension(&u.filename);
        s.files.push(StoredFile {
            field: u.field,
            filename: crate::filetypes::clean_filename(&u.filename),
            content_type: crate::filetypes::content_type_for(&ext)
                .unwrap_or("application/octet-stream")
                .to_string(),
            size,
            sha256,
        });
    }
    // Only valid answers are stored: a refused answer is shown back to the
    // citizen with its error, but the session keeps what it had before.
    let mut stored = s.clone();
    for e in &outcome.errors {
        match before.get(&e.field) {
            Some(v) => stored.answers.insert(e.field.clone(), v.clone()),
            None => stored.answers.remove(&e.field),
        };
    }
    session::save(&state.store, &stored).await?;
    // A file the citizen removed leaves the disk now if nothing else uses
    // it, not at the next sweep.
    for gone in files_before
        .iter()
        .filter(|sha| !stored.files.iter().any(|f| &f.sha256 == *sha))
    {
        uploads::settle(&state.store, &state.artifacts, gone).await?;
    }
    let action = input
        .values
        .get("_action")
        .and_then(|v| v.first())
        .map(String::as_str)
        .unwrap_or("next");
    let steps = input::visible_steps(&c.variant, &s.answers);
    let here = steps.iter().position(|st| st.id == step.id);
    if action == "comment" {
        // Staff leaving a comment from the step: what they typed is saved
        // above (valid answers), then the comment form, which comes back
        // here with the answers in place.
        return Ok(Redirect::to(&comment_form(&c, &step.id)).into_response());
    }
    if action == "back" {
        let prev = here
            .and_then(|i| i.checked_sub(1))
            .and_then(|i| steps.get(i));
        return Ok(match prev {
            Some(p) => Redirect::to(&format!("{}/steg/{}", c.base_url, p.id)),
            None => Redirect::to(&c.base_url),
        }
        .into_response());
    }
    if !outcome.errors.is_empty() {
        let here = pages::Here {
            state: &state,
            query: None,
        };
        return pages::step(
            &here,
            &c,
            &s,
            &step.id,
            &outcome.errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let next = here.and_then(|i| steps.get(i + 1));
    Ok(match next {
        Some(n) => Redirect::to(&format!("{}/steg/{}", c.base_url, n.id)),
        None if c.variant.summary => Redirect::to(&format!("{}/granska", c.base_url)),
        None => return finish(&state, &c, s, &who).await,
    }
    .into_response())
}

async fn summary_page(
    State(state): State<AppState>,
    Continuing(c, s): Continuing,
    uri: Uri,
) -> Result<Response, WebError> {
    if let Some(step) = input::first_incomplete(&c.variant, &s.answers, &s.files) {
        return Ok(Redirect::to(&format!("{}/steg/{}", c.base_url, step.id)).into_response());
    }
    pages::summary(&here(&state, &uri), &c, &s).await
}

async fn summary_submit(
    State(state): State<AppState>,
    Continuing(c, s): Continuing,
    headers: HeaderMap,
    ext: axum::http::Extensions,
    Form(form): Form<crate::web::csrf::TokenForm>,
) -> Result<Response, WebError> {
    visit::check_csrf(&s, &form.csrf)?;
    let who = Visitor::of(&state, &headers, &ext).await;
    finish(&state, &c, s, &who).await
}

/// After the last step (or the summary): sign if required, otherwise send.
async fn finish(
    state: &AppState,
    c: &Ctx,
    s: Session,
    who: &Visitor,
) -> Result<Response, WebError> {
    if let Some(step) = input::first_incomplete(&c.variant, &s.answers, &s.files) {
        return Ok(Redirect::to(&format!("{}/steg/{}", c.base_url, step.id)).into_response());
    }
    if c.variant.signing.required && s.signed_at.is_none() {
        return Ok(Redirect::to(&format!("{}/signera", c.base_url)).into_response());
    }
    send(state, c, &s, who).await
}

async fn send(state: &AppState, c: &Ctx, s: &Session, who: &Visitor) -> Result<Response, WebError> {
    who.may_use(&c.base_url)?;
    who.within(state, "case", crate::web::rates::CASES).await?;
    let person = s
        .personnummer
        .as_deref()
        .and_then(|p| Personnummer::parse(p).ok())
        .map(|p| identities::person(&p));
    let code = c.code.as_deref();
    let result = crate::sandbox::inbox::submit(&state.store, s, code, |case_number, at| {
        crate::sandbox::inbox::payload(
            &c.variant,
            &c.version,
            code,
            s,
            person.as_ref(),
            case_number,
            at,
        )
    })
    .await;
    match result {
        Ok(_) | Err(crate::sandbox::inbox::SubmitError::AlreadySent) => {
            Ok(Redirect::to(&format!("{}/kvittens", c.base_url)).into_response())
        }
        Err(crate::sandbox::inbox::SubmitError::Db(e)) => Err(e.into()),
    }
}

async fn sign_page(
    State(state): State<AppState>,
    Continuing(c, s): Continuing,
    uri: Uri,
) -> Result<Response, WebError> {
    if !c.variant.signing.required {
        return Ok(Redirect::to(&format!("{}/granska", c.base_url)).into_response());
    }
    if let Some(step) = input::first_incomplete(&c.variant, &s.answers, &s.files) {
        return Ok(Redirect::to(&format!("{}/steg/{}", c.base_url, step.id)).into_response());
    }
    pages::sign(&here(&state, &uri), &c, &s).await
}

async fn sign_submit(
    State(state): State<AppState>,
    Continuing(c, mut s): Continuing,
    headers: HeaderMap,
    ext: axum::http::Extensions,
    Form(form): Form<crate::web::csrf::TokenForm>,
) -> Result<Response, WebError> {
    visit::check_csrf(&s, &form.csrf)?;
    s.signed_at = Some(crate::store::now());
    session::save(&state.store, &s).await?;
    let who = Visitor::of(&state, &headers, &ext).await;
    finish(&state, &c, s, &who).await
}

async fn receipt_page(
    State(state): State<AppState>,
    Started(c, s): Started,
    uri: Uri,
) -> Result<Response, WebError> {
    let Some(id) = s.submission_id else {
        return Ok(Redirect::to(&c.base_url).into_response());
    };
    let Some(captured) = crate::sandbox::inbox::by_id(&state.store, id).await? else {
        return Err(WebError::NotFound(
            "Ärendet finns inte längre i inkorgen.".into(),
        ));
    };
    pages::receipt(&here(&state, &uri), &c, &captured).await
}

/// The variant's own brand colour (its overlay's, else the municipality's).
async fn brand(Visit(c): Visit) -> Result<Response, WebError> {
    Ok(crate::web::static_files::brand_css(c.variant.branding.colour.as_deref()).into_response())
}

/// The comment form for a step of this variant, coming back to the step;
/// the step itself for anyone not logged in (only staff comment).
fn comment_form(c: &Ctx, step: &str) -> String {
    let back = format!("{}/steg/{step}", c.base_url);
    if crate::web::session::user().is_none() {
        return back;
    }
    crate::web::page::comment_form_url(
        &c.version.service_id,
        &c.version.version,
        &c.variant.municipality,
        step,
        &back,
    )
}
