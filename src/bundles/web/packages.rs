//! A candidate version from a package folder, uploaded on the catalogue
//! page (e-kontoret): the folder's `service.yaml` and `variants/*.yaml`,
//! checked as `provrum validate` checks them, every problem shown with its
//! file, line and column, and imported only when there is none — the same
//! import as `provrum import`, so nothing is half stored.

use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::accounts::Action;
use crate::services::package::{BASE_FILE, VARIANTS_DIR};
use crate::services::store::{ImportError, ImportOutcome};
use crate::services::{LoadError, from_files};
use crate::web::page::Layout;
use crate::web::session::require_to;
use crate::web::{AppState, WebError, csrf, render};

/// The outcome of an import from the catalogue page (a package folder
/// here, a bundle in `web`): what happened and where to go next.
#[derive(Template)]
#[template(path = "catalogue/imported.html")]
pub(super) struct ImportedPage {
    pub page: Layout,
    pub heading: &'static str,
    pub ok: bool,
    pub message: String,
    /// Where to go next: (link, words).
    pub next: Vec<(String, String)>,
}

/// A package is text: a few hundred kilobytes at most.
pub const MAX_BYTES: usize = crate::bundles::MAX_BYTES as usize;
const MAX_FILES: usize = 200;

/// Where a file of the folder belongs in the package, from the path the
/// browser gives (`mapp/service.yaml`, `mapp/variants/kil.yaml`): the
/// folder's own name is dropped; anything else (assets, notes, hidden
/// files) is not part of what is checked here.
fn place_of(browser_path: &str) -> Option<String> {
    let parts: Vec<&str> = browser_path.split(['/', '\\']).collect();
    let inner = match parts.as_slice() {
        [_, rest @ ..] if !rest.is_empty() => rest,
        all => all,
    };
    match inner {
        [name] if *name == BASE_FILE => Some(BASE_FILE.to_string()),
        [dir, name]
            if *dir == VARIANTS_DIR
                && (name.ends_with(".yaml") || name.ends_with(".yml"))
                && !name.starts_with('.')
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)) =>
        {
            Some(format!("{VARIANTS_DIR}/{name}"))
        }
        _ => None,
    }
}

pub(super) async fn upload(
    State(state): State<AppState>,
    headers: HeaderMap,
    mut mp: Multipart,
) -> Result<Response, WebError> {
    let bad = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            WebError::TooLarge(format!(
                "Mappen är större än {} MB. Välj bara paketets mapp (service.yaml och variants).",
                MAX_BYTES / (1024 * 1024)
            ))
        } else {
            WebError::BadRequest(
                "Formuläret kunde inte läsas. Välj mappen igen och försök på nytt.".into(),
            )
        }
    };
    let mut token = String::new();
    let mut files: Vec<(String, String)> = Vec::new();
    let mut unreadable: Vec<String> = Vec::new();
    let mut seen = 0;
    while let Some(f) = mp.next_field().await.map_err(bad)? {
        match f.name().unwrap_or_default() {
            "_csrf" => token = f.text().await.map_err(bad)?,
            "filer" => {
                seen += 1;
                if seen > MAX_FILES {
                    return Err(WebError::BadRequest(format!(
                        "Mappen har fler än {MAX_FILES} filer. Välj bara paketets mapp."
                    )));
                }
                let path = f.file_name().unwrap_or_default().to_string();
                let bytes = f.bytes().await.map_err(bad)?;
                let Some(place) = place_of(&path) else {
                    continue;
                };
                match String::from_utf8(bytes.to_vec()) {
                    Ok(text) => files.push((place, text)),
                    Err(_) => unreadable.push(place),
                }
            }
            _ => {}
        }
    }
    csrf::verify(&headers, &token)?;
    let u = require_to(Action::ImportService)?;
    let back = vec![(
        "/katalog".to_string(),
        "Tillbaka till katalogen".to_string(),
    )];
    if !unreadable.is_empty() {
        let said = format!(
            "{} är inte text i UTF-8. Spara filen som UTF-8 och försök igen.",
            unreadable.join(", ")
        );
        return answer(false, said, back);
    }
    // service.yaml first, then the overlays in a stable order, as a
    // folder on disk is read.
    files.sort_by(|a, b| (a.0 != BASE_FILE, &a.0).cmp(&(b.0 != BASE_FILE, &b.0)));
    if files.first().is_none_or(|(name, _)| name != BASE_FILE) {
        return answer(
            false,
            "Mappen har ingen service.yaml. Välj paketets mapp, den som har service.yaml och mappen variants.".into(),
            back,
        );
    }
    let dir = std::path::Path::new("paket");
    let pkg = match from_files(dir, files, state.registry) {
        Ok(p) => p,
        Err(LoadError::Invalid(diags)) => {
            let lines: Vec<String> = diags.iter().map(|d| d.to_string()).collect();
            let said = format!(
                "{} problem i paketet; inget är sparat. Rätta och ladda upp mappen igen:\n{}",
                lines.len(),
                lines.join("\n")
            );
            return answer(false, said, back);
        }
        Err(e) => return answer(false, e.to_string(), back),
    };
    match crate::intake::import(&state.store, &pkg, state.registry, &u.username).await {
        Ok(outcome) => {
            let said = match outcome {
                ImportOutcome::Imported { variants, .. } => format!(
                    "{} version {} är importerad med {}.",
                    pkg.base.title,
                    pkg.base.version,
                    if variants == 1 {
                        "1 kommuns variant".to_string()
                    } else {
                        format!("{variants} kommuners varianter")
                    }
                ),
                ImportOutcome::Unchanged { .. } => format!(
                    "Version {} av {} fanns redan med samma innehåll; inget ändrades.",
                    pkg.base.version, pkg.base.title
                ),
            };
            answer(
                true,
                said,
                vec![(
                    format!("/tjanster/{}/{}", pkg.base.id, pkg.base.version),
                    "Öppna versionen".into(),
                )],
            )
        }
        Err(ImportError::Conflict { version, .. }) => answer(
            false,
            format!(
                "Version {version} finns redan med ett annat innehåll. En version ändras aldrig: ge paketet ett nytt versionsnummer i service.yaml."
            ),
            back,
        ),
        Err(ImportError::Db(e)) => Err(e.into()),
    }
}

fn answer(ok: bool, message: String, next: Vec<(String, String)>) -> Result<Response, WebError> {
    imported("Importera en ny version", ok, message, next)
}

/// The outcome page of an import from the catalogue page: 200 when it was
/// imported, 400 with what to do when it was not.
pub(super) fn imported(
    heading: &'static str,
    ok: bool,
    message: String,
    next: Vec<(String, String)>,
) -> Result<Response, WebError> {
    let html = render(&ImportedPage {
        page: Layout::plain(&format!("{heading} – Provrum")),
        heading,
        ok,
        message,
        next,
    })?;
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    Ok((status, html).into_response())
}

#[cfg(test)]
mod tests {
    use super::place_of;

    #[test]
    fn only_the_package_files_of_the_folder_count() {
        assert_eq!(
            place_of("olagenhet/service.yaml").as_deref(),
            Some("service.yaml")
        );
        assert_eq!(
            place_of("olagenhet/variants/kil.yaml").as_deref(),
            Some("variants/kil.yaml")
        );
        assert_eq!(place_of("service.yaml").as_deref(), Some("service.yaml"));
        for other in [
            "olagenhet/README.md",
            "olagenhet/variants/.kil.yaml",
            "olagenhet/variants/../../etc.yaml",
            "olagenhet/assets/logo.png",
            "olagenhet/a/service.yaml",
        ] {
            assert_eq!(place_of(other), None, "{other}");
        }
    }
}
