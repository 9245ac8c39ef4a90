//! E-kontoret's page for managing users: the list, a new user, (in)activating one.

use crate::web::Refusals;
use crate::web::csrf::Checked;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::web::page::Layout;
use crate::web::{AppState, WebError, csrf, render};

use super::super::store::{self, NewUser};
use super::super::{Action, Role, User, password};
use super::login::with_cookies;
use crate::web::session::require_to;

struct UserRow {
    user: User,
    municipality_names: String,
    email: String,
}

/// What was typed into the new-user form, shown again after an error (the
/// password is never sent back).
#[derive(Default)]
pub(super) struct TypedUser {
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

pub(super) async fn users_page(
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
        locks: super::super::limiter::locked(&state.store).await?,
    })?;
    Ok(with_cookies(html, status, &[set]))
}

pub(super) async fn users(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
) -> Result<Response, WebError> {
    require_to(Action::ManageUsers)?;
    users_page(&state, &headers, None, TypedUser::default(), StatusCode::OK).await
}

#[derive(Deserialize)]
pub(super) struct CreateForm {
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

pub(super) async fn create_user(
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

pub(super) fn swedish(e: &store::AccountError) -> String {
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
pub(super) fn field_of(e: &store::AccountError) -> &'static str {
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

pub(super) fn password_in_swedish(e: &password::PasswordError) -> String {
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
pub(super) struct ActiveForm {
    #[serde(default)]
    active: String,
}

pub(super) async fn set_active(
    State(state): State<AppState>,
    Path(id): Path<i64>,
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
