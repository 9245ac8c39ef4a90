//! Bundles on the catalogue's pages: download a service with its catalogue
//! entry, and (e-kontoret) import one exported by another region.

use axum::Router;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::accounts::Action;
use crate::services::store::ImportOutcome;
use crate::web::session::{require, require_to};
use crate::web::{AppState, WebError, csrf};
mod flows;
mod packages;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/katalog/{service}/paket.json", get(download))
        .route(
            "/katalog/oeflow",
            post(flows::upload).layer(axum::extract::DefaultBodyLimit::max(flows::MAX_BYTES)),
        )
        .route("/katalog/oeflow/{token}", get(flows::review))
        .route("/katalog/oeflow/{token}/importera", post(flows::confirm))
        .route(
            "/katalog/paket",
            post(packages::upload).layer(axum::extract::DefaultBodyLimit::max(packages::MAX_BYTES)),
        )
        .route(
            "/katalog/importera",
            // A bundle is larger than an ordinary form: its own limit.
            post(upload).layer(axum::extract::DefaultBodyLimit::max(
                crate::bundles::MAX_BYTES as usize + 64 * 1024,
            )),
        )
}

async fn download(
    State(state): State<AppState>,
    Path(service): Path<String>,
) -> Result<Response, WebError> {
    require()?;
    let cat = crate::catalogue::shared(&state.catalogue).ok();
    let b = crate::bundles::export(&state.store, cat.as_deref(), &service, None)
        .await
        .map_err(|e| match e {
            crate::bundles::BundleError::Db(e) => e.into(),
            other => WebError::NotFound(other.to_string()),
        })?;
    let disposition = format!(
        "attachment; filename=\"provrum-{}-{}.json\"",
        b.service, b.version
    );
    Ok((
        [
            (header::CONTENT_TYPE, "application/json".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        serde_json::to_string_pretty(&b).unwrap_or_default(),
    )
        .into_response())
}

async fn upload(
    State(state): State<AppState>,
    headers: HeaderMap,
    mut mp: Multipart,
) -> Result<Response, WebError> {
    let mut token = String::new();
    let mut file: Option<(String, Vec<u8>)> = None;
    let bad = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            WebError::TooLarge(format!(
                "Filen är större än {} MB, så stor blir ingen exporterad tjänst. Kontrollera att du valt rätt fil.",
                crate::bundles::MAX_BYTES / (1024 * 1024)
            ))
        } else {
            WebError::BadRequest(
                "Formuläret kunde inte läsas. Välj filen igen och försök på nytt.".into(),
            )
        }
    };
    while let Some(f) = mp.next_field().await.map_err(bad)? {
        match f.name().unwrap_or_default() {
            "_csrf" => token = f.text().await.map_err(bad)?,
            "paket" => {
                // Only the file's own name: a browser's path says nothing.
                let name = f
                    .file_name()
                    .and_then(|n| n.rsplit(['/', '\\']).next())
                    .filter(|n| !n.is_empty() && *n != "." && *n != "..")
                    .unwrap_or("paket.json")
                    .chars()
                    .filter(|c| !c.is_control())
                    .take(100)
                    .collect::<String>();
                file = Some((name, f.bytes().await.map_err(bad)?.to_vec()));
            }
            _ => {}
        }
    }
    csrf::verify(&headers, &token)?;
    let u = require_to(Action::ImportService)?;
    let answer = |ok: bool, message: String, next: Vec<(String, String)>| {
        packages::imported(
            "Importera en tjänst från en annan region",
            ok,
            message,
            next,
        )
    };
    let back = vec![(
        "/katalog".to_string(),
        "Tillbaka till katalogen".to_string(),
    )];
    let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return answer(false, "Välj filen med tjänsten att importera.".into(), back);
    };
    let path = std::path::PathBuf::from(&name);
    let text = String::from_utf8_lossy(&bytes);
    let outcome = match crate::bundles::parse(&path, &text) {
        Ok(b) => crate::bundles::import(&state.store, state.registry, &path, &b, &u.username).await,
        Err(e) => Err(e),
    };
    match outcome {
        Ok(done) => {
            let said = match done.outcome {
                ImportOutcome::Imported { variants, .. } => format!(
                    "Tjänsten är importerad som version {} med {variants} kommuners varianter.",
                    done.version
                ),
                _ => format!(
                    "Version {} av tjänsten fanns redan i provrummet med samma innehåll.",
                    done.version
                ),
            };
            let left = if done.left_out.is_empty() {
                String::new()
            } else {
                format!(
                    " {} av paketets varianter togs inte med: deras kommuner finns inte i det här provrummet.",
                    done.left_out.len()
                )
            };
            let entry = if done.entry {
                " Katalogposten följde med."
            } else {
                ""
            };
            answer(
                true,
                format!("{said}{left}{entry}"),
                vec![
                    (
                        format!("/tjanster/{}/{}", done.service, done.version),
                        "Öppna versionen".into(),
                    ),
                    (
                        format!("/katalog/{}", done.service),
                        "Se tjänsten i katalogen".into(),
                    ),
                ],
            )
        }
        Err(crate::bundles::BundleError::Db(e)) => Err(e.into()),
        Err(crate::bundles::BundleError::Import(
            crate::services::store::ImportError::Conflict { version, .. },
        )) => answer(
            false,
            format!(
                "Version {version} av tjänsten finns redan i provrummet med ett annat innehåll. En version ändras aldrig: be den andra regionen ge paketet ett nytt versionsnummer."
            ),
            back,
        ),
        Err(e) => answer(false, e.to_string(), back),
    }
}
