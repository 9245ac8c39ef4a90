//! Importing an Open ePlatform flow on the catalogue page: e-kontoret
//! uploads the flow (and municipalities' own copies, each named after its
//! municipality, `kil.oeflow`), sees what the conversion carried over and
//! what not, and only then imports it. Between the two, the converted
//! package waits in `flow_uploads` (a day at most).

use crate::web::csrf::Checked;
use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};

use crate::accounts::Action;
use crate::services::oeflow::{self, Options};
use crate::services::store::ImportOutcome;
use crate::web::page::Layout;
use crate::web::session::require_to;
use crate::web::{AppState, WebError, csrf, render};

/// The largest upload: a flow and a few copies.
pub const MAX_BYTES: usize = 48 * 1024 * 1024;

#[derive(Template)]
#[template(path = "catalogue/flow_review.html")]
struct ReviewPage {
    page: Layout,
    title: String,
    refused: Option<String>,
    summary: String,
    service_title: String,
    version: String,
    variants: usize,
    own: Vec<String>,
    /// (where, what).
    notes: Vec<(String, String)>,
    token: String,
    csrf: String,
}

/// What the review page says of an upload, kept with it.
#[derive(serde::Serialize, serde::Deserialize)]
struct Report {
    summary: String,
    service_title: String,
    version: String,
    variants: usize,
    own: Vec<String>,
    notes: Vec<(String, String)>,
    /// What the flow says for the catalogue, kept until the confirmation.
    #[serde(default)]
    entry: crate::services::oeflow::FlowEntry,
}

fn refused(problem: String) -> Result<Response, WebError> {
    let html = render(&ReviewPage {
        page: Layout::plain("Importera ett flöde – Provrum"),
        title: "Importera ett flöde från Open ePlatform".into(),
        refused: Some(problem),
        summary: String::new(),
        service_title: String::new(),
        version: String::new(),
        variants: 0,
        own: Vec::new(),
        notes: Vec::new(),
        token: String::new(),
        csrf: String::new(),
    })?;
    Ok((StatusCode::BAD_REQUEST, html).into_response())
}

/// The upload: convert, check, keep, and show the report.
pub(super) async fn upload(
    State(state): State<AppState>,
    headers: HeaderMap,
    mut mp: Multipart,
) -> Result<Response, WebError> {
    let mut token = String::new();
    let mut flow: Option<(String, Vec<u8>)> = None;
    let mut copies: Vec<(String, Vec<u8>)> = Vec::new();
    let mut version = String::new();
    let bad = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            WebError::TooLarge(format!(
                "Filerna är större än {} MB tillsammans. Kontrollera att du valt rätt filer.",
                MAX_BYTES / (1024 * 1024)
            ))
        } else {
            WebError::BadRequest("Formuläret kunde inte läsas. Välj filerna igen.".into())
        }
    };
    while let Some(f) = mp.next_field().await.map_err(bad)? {
        let field = f.name().unwrap_or_default().to_string();
        let name = f
            .file_name()
            .and_then(|n| n.rsplit(['/', '\\']).next())
            .unwrap_or_default()
            .to_string();
        match field.as_str() {
            "_csrf" => token = f.text().await.map_err(bad)?,
            "version" => version = f.text().await.map_err(bad)?.trim().to_string(),
            "floede" => flow = Some((name, f.bytes().await.map_err(bad)?.to_vec())),
            "kopior" => {
                let bytes = f.bytes().await.map_err(bad)?.to_vec();
                if !bytes.is_empty() {
                    copies.push((name, bytes));
                }
            }
            _ => {}
        }
    }
    csrf::verify(&headers, &token)?;
    let user = require_to(Action::ImportService)?;
    let Some((flow_name, flow)) = flow.filter(|(_, b)| !b.is_empty()) else {
        return refused("Välj flödet (.oeflow) som exporterats från Open ePlatform.".into());
    };
    let mut own = Vec::new();
    for (name, bytes) in copies {
        let m = name.strip_suffix(".oeflow").unwrap_or(&name).to_lowercase();
        if state.registry.get(&m).is_none() {
            return refused(format!(
                "Kopian ”{name}” ska heta som sin kommun, till exempel kil.oeflow; ”{m}” är ingen kommun i provrummet."
            ));
        }
        own.push((m, bytes));
    }
    let opts = Options {
        version: (!version.is_empty()).then_some(version),
        ..Options::default()
    };
    let c = match oeflow::convert_family(&flow, &own, state.registry, &opts) {
        Ok(c) => c,
        Err((who, p)) => {
            let file = who.map_or(flow_name.clone(), |m| format!("{m}.oeflow"));
            return refused(format!(
                "{file}, rad {}, kolumn {}: {}",
                p.line, p.col, p.message
            ));
        }
    };
    let pkg = match crate::services::from_files(
        std::path::Path::new(&flow_name),
        c.files.clone(),
        state.registry,
    ) {
        Ok(p) => p,
        Err(crate::services::LoadError::Invalid(d)) => {
            let said: Vec<String> = d.iter().map(|x| x.to_string()).collect();
            return refused(format!(
                "Flödet blev en tjänst som provrummet inte kan ta emot:\n{}",
                said.join("\n")
            ));
        }
        Err(e) => return refused(e.to_string()),
    };
    let notes = c
        .notes
        .iter()
        .map(|n| {
            let place = match &n.municipality {
                Some(m) => format!(
                    "{} kopia",
                    crate::municipalities::genitive(&state.registry.short_name(m))
                ),
                None => format!("{flow_name}, rad {} kolumn {}", n.line, n.col),
            };
            (place, n.message.clone())
        })
        .collect();
    let report = Report {
        summary: c.summary(),
        service_title: pkg.base.title.clone(),
        version: pkg.base.version.clone(),
        variants: pkg.variants.len(),
        own: own
            .iter()
            .map(|(m, _)| state.registry.get(m).map_or(m.clone(), |x| x.name.clone()))
            .collect(),
        notes,
        entry: c.entry.clone(),
    };
    let key = hex::encode(rand::random::<[u8; 16]>());
    let files = serde_json::to_string(&c.files).map_err(std::io::Error::other)?;
    let report = serde_json::to_string(&report).map_err(std::io::Error::other)?;
    let mut tx = state.store.begin().await?;
    sqlx::query("delete from flow_uploads where created_at < $1")
        .bind(crate::sandbox::cleanup::before_now(
            std::time::Duration::from_secs(24 * 3600),
        ))
        .execute(&mut *tx)
        .await?;
    sqlx::query("insert into flow_uploads (token, user_id, files, report, created_at) values ($1, $2, $3, $4, $5)")
        .bind(&key)
        .bind(user.id)
        .bind(files)
        .bind(report)
        .bind(crate::store::now())
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    // Post, then redirect: the report can be reloaded without uploading again.
    Ok(Redirect::to(&format!("/katalog/oeflow/{key}")).into_response())
}

/// The report of an upload waiting for its confirmation.
pub(super) async fn review(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let user = require_to(Action::ImportService)?;
    let r: Report = kept(&state, &token, user.id, "report").await?;
    let (csrf_token, set) = csrf::token(&headers, state.secure_cookies);
    let html = render(&ReviewPage {
        page: Layout::plain("Importera ett flöde – Provrum"),
        title: format!("Granska flödet ”{}” innan det importeras", r.service_title),
        refused: None,
        summary: r.summary,
        service_title: r.service_title,
        version: r.version,
        variants: r.variants,
        own: r.own,
        notes: r.notes,
        token,
        csrf: csrf_token,
    })?;
    let mut resp = html.into_response();
    if let Some(c) = set {
        resp.headers_mut().append(axum::http::header::SET_COOKIE, c);
    }
    Ok(resp)
}

/// A JSON column (`report` or `files`) of an upload this user made.
async fn kept<T: serde::de::DeserializeOwned>(
    state: &AppState,
    token: &str,
    user: i64,
    column: &'static str,
) -> Result<T, WebError> {
    let json: Option<String> = sqlx::query_scalar(&format!(
        "select {column} from flow_uploads where token = $1 and user_id = $2"
    ))
    .bind(token)
    .bind(user)
    .fetch_optional(&state.store.pool)
    .await?;
    let Some(json) = json else {
        return Err(WebError::NotFound(
            "Uppladdningen finns inte längre (den sparas ett dygn). Ladda upp flödet igen.".into(),
        ));
    };
    Ok(serde_json::from_str(&json).map_err(std::io::Error::other)?)
}

/// The confirmation: import the package the upload became.
pub(super) async fn confirm(
    State(state): State<AppState>,
    Path(token): Path<String>,
    _: Checked,
) -> Result<Response, WebError> {
    let user = require_to(Action::ImportService)?;
    let files: Vec<(String, String)> = kept(&state, &token, user.id, "files").await?;
    let pkg =
        crate::services::from_files(std::path::Path::new("flow.oeflow"), files, state.registry)
            .map_err(|e| WebError::BadRequest(format!("Flödet kunde inte läsas igen: {e}")))?;
    let report: Report = kept(&state, &token, user.id, "report").await?;
    let outcome = crate::intake::import(&state.store, &pkg, state.registry, &user.username).await;
    if outcome.is_ok() {
        crate::catalogue::flows::remember(
            &state.store,
            &pkg.base.id,
            &report.entry,
            &user.username,
        )
        .await?;
    }
    sqlx::query("delete from flow_uploads where token = $1")
        .bind(&token)
        .execute(&state.store.pool)
        .await?;
    match outcome {
        Ok(ImportOutcome::Imported { .. }) | Ok(ImportOutcome::Unchanged { .. }) => Ok(
            Redirect::to(&format!("/tjanster/{}/{}", pkg.base.id, pkg.base.version))
                .into_response(),
        ),
        Err(crate::services::store::ImportError::Conflict { version, .. }) => {
            Err(WebError::BadRequest(format!(
                "Version {version} av tjänsten finns redan med annat innehåll. Ladda upp flödet igen och ge det ett nytt versionsnummer."
            )))
        }
        Err(crate::services::store::ImportError::Db(e)) => Err(e.into()),
    }
}
