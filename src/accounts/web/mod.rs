//! Logging in and out, and e-kontoret's page for managing users.

use crate::web::Refusals;
use crate::web::csrf::Checked;
use crate::web::rates::Client;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use crate::web::page::Layout;
use crate::web::{AppState, WebError, csrf, render};

use super::store::{self, NewUser};
use super::{Action, Role, User, password};
use crate::web::session::{self, require_to};

mod account;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/konto/logga-in", get(login_page).post(login))
        .route("/konto/logga-ut", get(logout_page).post(logout))
        .route("/anvandare", get(users).post(create_user))
        .route("/anvandare/{id}/aktiv", post(set_active))
        .route("/anvandare/hav-sparr", post(account::lift_lock))
        .route("/konto", get(account::account))
        .route("/konto/losenord", post(account::change_password))
        .route("/konto/epost", post(account::set_email))
}

use crate::web::safe_back;

#[derive(Template)]
#[template(path = "accounts/login.html")]
struct LoginPage {
    page: Layout,
    csrf: String,
    till: String,
    username: String,
    error: Option<String>,
}

#[derive(Deserialize)]
struct LoginQuery {
    till: Option<String>,
}

fn with_cookies(
    html: Html<String>,
    status: StatusCode,
    cookies: &[Option<header::HeaderValue>],
) -> Response {
    let mut resp = (status, html).into_response();
    for c in cookies.iter().flatten() {
        resp.headers_mut().append(header::SET_COOKIE, c.clone());
    }
    resp
}

async fn login_page(
    State(state): State<AppState>,
    Query(q): Query<LoginQuery>,
    headers: axum::http::HeaderMap,
) -> Result<Response, WebError> {
    let (csrf, set) = csrf::token(&headers, state.secure_cookies);
    let html = render(&LoginPage {
        page: Layout::plain("Logga in – Provrum"),
        csrf,
        till: safe_back(q.till.as_deref()),
        username: String::new(),
        error: None,
    })?;
    Ok(with_cookies(html, StatusCode::OK, &[set]))
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    till: String,
}

async fn login(
    State(state): State<AppState>,
    Client(ip): Client,
    headers: axum::http::HeaderMap,
    Checked(form): Checked<LoginForm>,
) -> Result<Response, WebError> {
    let username = form.username.trim().to_lowercase();
    let again = |error: &str, status: StatusCode| -> Result<Response, WebError> {
        let (csrf, _) = csrf::token(&headers, state.secure_cookies);
        let html = render(&LoginPage {
            page: Layout::plain("Logga in – Provrum"),
            csrf,
            till: safe_back(Some(&form.till)),
            username: username.clone(),
            error: Some(error.to_string()),
        })?;
        Ok(with_cookies(html, status, &[]))
    };
    let device = device_of(&headers, state.secure_cookies);
    let attempt = super::limiter::Attempt {
        account: &username,
        client: &ip,
        device: device.as_deref(),
    };
    let refusal = refusal(super::limiter::check(&state.store, attempt).await?);
    if let Some(refusal) = refusal {
        return again(&refusal, StatusCode::TOO_MANY_REQUESTS);
    }
    let found = store::for_login(&state.store, &username).await?;
    let pw = form.password.clone();
    let (user, ok) = match found {
        Some((u, hash)) => {
            let ok = tokio::task::spawn_blocking(move || password::verify(&pw, &hash))
                .await
                .unwrap_or(false);
            (Some(u), ok)
        }
        None => {
            // As slow as a real check, so the answer says nothing about which names exist.
            let _ =
                tokio::task::spawn_blocking(move || password::verify(&pw, password::dummy_hash()))
                    .await;
            (None, false)
        }
    };
    let Some(user) = user.filter(|u| ok && u.active) else {
        super::limiter::failed(&state.store, attempt).await?;
        return again("Fel användarnamn eller lösenord.", StatusCode::UNAUTHORIZED);
    };
    let new_device = super::limiter::succeeded(&state.store, attempt).await?;
    let token = store::create_session(&state.store, user.id).await?;
    let mut resp = Redirect::to(&safe_back(Some(&form.till))).into_response();
    if let Some(c) = session::cookie(Some(&token), state.secure_cookies) {
        resp.headers_mut().append(header::SET_COOKIE, c);
    }
    if let Some(c) = new_device.and_then(|d| device_cookie(&d, state.secure_cookies)) {
        resp.headers_mut().append(header::SET_COOKIE, c);
    }
    Ok(resp)
}

/// The device cookie this browser sent, if any.
fn device_of(headers: &axum::http::HeaderMap, secure: bool) -> Option<String> {
    let name = crate::web::cookie_name_for(super::limiter::DEVICE_COOKIE, secure);
    crate::web::cookie_map(headers, &name)
}

fn device_cookie(token: &str, secure: bool) -> Option<header::HeaderValue> {
    let name = crate::web::cookie_name_for(super::limiter::DEVICE_COOKIE, secure);
    let secure = if secure { "; Secure" } else { "" };
    header::HeaderValue::from_str(&format!(
        "{name}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
        super::limiter::DEVICE_DAYS * 24 * 3600
    ))
    .ok()
}

/// Why a login (or a password change) may not be tried now, in Swedish.
fn refusal(verdict: super::limiter::Verdict) -> Option<String> {
    use super::limiter::Verdict;
    match verdict {
        Verdict::Allowed => None,
        Verdict::Wait(d) => Some(format!(
            "För många misslyckade inloggningar. Vänta {} och försök igen.",
            wait_in_swedish(d)
        )),
        Verdict::AccountLocked => Some(
            "För många misslyckade inloggningar på det här kontot från okända datorer. Logga in från en dator du har loggat in från förut, be e-kontoret häva spärren, eller vänta en kvart."
                .into(),
        ),
        Verdict::ClientBlocked => Some(
            "För många misslyckade inloggningar från din adress. Logga in från en dator du har loggat in från förut, eller vänta en kvart och försök igen.".into(),
        ),
    }
}

fn wait_in_swedish(d: std::time::Duration) -> String {
    let secs = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    match secs {
        0..=1 => "en sekund".into(),
        2..=90 => format!("{secs} sekunder"),
        _ => format!("{} minuter", secs.div_ceil(60)),
    }
}

#[derive(Template)]
#[template(path = "accounts/logout.html")]
struct LogoutPage {
    page: Layout,
    csrf: String,
}

async fn logout_page(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
) -> Result<Response, WebError> {
    session::require()?;
    let (csrf, set) = csrf::token(&headers, state.secure_cookies);
    let html = render(&LogoutPage {
        page: Layout::plain("Logga ut – Provrum"),
        csrf,
    })?;
    Ok(with_cookies(html, StatusCode::OK, &[set]))
}

async fn logout(
    State(state): State<AppState>,
    _headers: axum::http::HeaderMap,
    _: Checked,
) -> Result<Response, WebError> {
    if let Some(t) = session::token() {
        store::end_session(&state.store, &t).await?;
    }
    let mut resp = Redirect::to("/konto/logga-in").into_response();
    if let Some(c) = session::cookie(None, state.secure_cookies) {
        resp.headers_mut().append(header::SET_COOKIE, c);
    }
    Ok(resp)
}

struct UserRow {
    user: User,
    municipality_names: String,
    email: String,
}

/// What was typed into the new-user form, shown again after an error (the
/// password is never sent back).
#[derive(Default)]
struct TypedUser {
    username: String,
    name: String,
    role: String,
    municipalities: Vec<String>,
    email: String,
}

#[derive(Template)]
#[template(path = "accounts/users.html")]
struct UsersPage {
    page: Layout,
    csrf: String,
    rows: Vec<UserRow>,
    roles: Vec<(&'static str, &'static str)>,
    municipalities: Vec<(String, String)>,
    /// The error and the id of the field it is about.
    message: Option<(String, &'static str)>,
    typed: TypedUser,
    /// Accounts locked by failed logins, with the failures counted.
    locks: Vec<(String, usize)>,
}

async fn users_page(
    state: &AppState,
    headers: &axum::http::HeaderMap,
    message: Option<(String, &'static str)>,
    typed: TypedUser,
    status: StatusCode,
) -> Result<Response, WebError> {
    let registry = state.registry;
    let mut emails = store::emails(&state.store).await?;
    let rows = store::list(&state.store)
        .await?
        .into_iter()
        .map(|u| UserRow {
            municipality_names: u
                .municipalities
                .iter()
                .map(|m| {
                    registry
                        .get(m)
                        .map(|x| x.short_name.clone())
                        .unwrap_or_else(|| m.clone())
                })
                .collect::<Vec<_>>()
                .join(", "),
            email: emails.remove(&u.id).unwrap_or_default(),
            user: u,
        })
        .collect();
    let municipalities = registry.municipalities_by_name();
    let (csrf, set) = csrf::token(headers, state.secure_cookies);
    let html = render(&UsersPage {
        page: Layout::plain("Användare – Provrum"),
        csrf,
        rows,
        roles: Role::ALL
            .iter()
            .map(|r| (r.as_str(), r.swedish()))
            .collect(),
        municipalities,
        message,
        typed,
        locks: super::limiter::locked(&state.store).await?,
    })?;
    Ok(with_cookies(html, status, &[set]))
}

async fn users(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
) -> Result<Response, WebError> {
    require_to(Action::ManageUsers)?;
    users_page(&state, &headers, None, TypedUser::default(), StatusCode::OK).await
}

#[derive(Deserialize)]
struct CreateForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    municipality: Vec<String>,
    #[serde(default)]
    password: String,
    #[serde(default)]
    email: String,
}

async fn create_user(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, WebError> {
    // Checkbox groups repeat their key, which serde_urlencoded cannot read into a Vec.
    let mut form = CreateForm {
        csrf: String::new(),
        username: String::new(),
        name: String::new(),
        role: String::new(),
        municipality: Vec::new(),
        password: String::new(),
        email: String::new(),
    };
    for (k, v) in form_urlencoded(&body) {
        match k.as_str() {
            "_csrf" => form.csrf = v,
            "username" => form.username = v,
            "name" => form.name = v,
            "role" => form.role = v,
            "municipality" => form.municipality.push(v),
            "password" => form.password = v,
            "email" => form.email = v,
            _ => {}
        }
    }
    csrf::verify(&headers, &form.csrf)?;
    let admin = require_to(Action::ManageUsers)?;
    let problem = match Role::parse(&form.role) {
        None => ("Välj en roll.".to_string(), "new-role"),
        Some(role) => {
            let new = NewUser {
                username: form.username.trim(),
                name: &form.name,
                role,
                municipalities: &form.municipality,
                password: &form.password,
                email: Some(form.email.as_str()),
            };
            match store::create(&state.store, &new, &admin.username)
                .await
                .refused()?
            {
                Ok(_) => return Ok(Redirect::to("/anvandare").into_response()),
                Err(e) => (swedish(&e), field_of(&e)),
            }
        }
    };
    let typed = TypedUser {
        username: form.username,
        name: form.name,
        role: form.role,
        municipalities: form.municipality,
        email: form.email,
    };
    users_page(
        &state,
        &headers,
        Some(problem),
        typed,
        StatusCode::BAD_REQUEST,
    )
    .await
}

fn swedish(e: &store::AccountError) -> String {
    use store::AccountError as E;
    match e {
        E::Taken(u) => format!("Användarnamnet ”{u}” är upptaget."),
        E::BadUsername(_) => "Användarnamnet ska vara 2–40 tecken: små bokstäver a–z, siffror, punkt, bindestreck eller understreck.".into(),
        E::BadName => "Skriv ett namn (högst 100 tecken).".into(),
        E::UnknownMunicipality(m) => format!("”{m}” är ingen kommun i registret."),
        E::ReviewerWithoutMunicipality => "En granskare ska vara knuten till minst en kommun.".into(),
        E::MunicipalityForNonReviewer => "Bara granskare knyts till kommuner.".into(),
        E::BadEmail(a) => format!("”{a}” är ingen e-postadress."),
        E::Password(p) => password_in_swedish(p),
        E::Db(_) => "Ett tekniskt fel inträffade.".into(),
    }
}

/// The form field an account error is about (the error summary links there).
fn field_of(e: &store::AccountError) -> &'static str {
    use store::AccountError as E;
    match e {
        E::Taken(_) | E::BadUsername(_) => "new-username",
        E::BadName => "new-name",
        E::UnknownMunicipality(_)
        | E::ReviewerWithoutMunicipality
        | E::MunicipalityForNonReviewer => "new-municipalities",
        E::BadEmail(_) => "new-email",
        E::Password(_) | E::Db(_) => "new-password",
    }
}

fn password_in_swedish(e: &password::PasswordError) -> String {
    use password::PasswordError as P;
    match e {
        P::TooShort(n) => format!("Lösenordet ska vara minst {n} tecken."),
        P::TooLong => format!("Lösenordet får vara högst {} tecken.", password::MAX_LENGTH),
        P::ContainsUsername => "Lösenordet får inte innehålla användarnamnet.".into(),
        P::Common => {
            "Lösenordet är för vanligt eller lätt att gissa. Välj en längre fras med flera ord."
                .into()
        }
        P::Hash(_) => "Ett tekniskt fel inträffade.".into(),
    }
}

/// `a=1&b=2` into pairs, keeping repeated keys (checkbox groups).
pub fn form_urlencoded(body: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(body).into_owned().collect()
}

#[derive(Deserialize)]
struct ActiveForm {
    #[serde(default)]
    active: String,
}

async fn set_active(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    _headers: axum::http::HeaderMap,
    Checked(form): Checked<ActiveForm>,
) -> Result<Response, WebError> {
    let admin = require_to(Action::ManageUsers)?;
    if admin.id == id && form.active != "ja" {
        return Err(WebError::BadRequest(
            "Du kan inte inaktivera ditt eget konto.".into(),
        ));
    }
    store::set_active(&state.store, id, form.active == "ja", &admin.username).await?;
    Ok(Redirect::to("/anvandare").into_response())
}
