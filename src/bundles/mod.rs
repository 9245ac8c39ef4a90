//! A service package together with its catalogue entry as one file that
//! another region's test room can import: Värmland's core of services
//! offered to other counties. The bundle carries the package's files as
//! they were imported (so the receiving test room checks them like any
//! package) and the region's catalogue entry for the service.
//!
//! Variants of municipalities the receiving test room does not know are
//! left out (named in the outcome); the base and the rest import as one
//! version, and the entry is stored with it in the same transaction.

pub mod web;

use std::path::Path;

use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::catalogue::{Catalogue, Entry};
use crate::municipalities::Registry;
use crate::services::package::{self, LoadError};
use crate::services::store::{ImportError, ImportOutcome, insert_version};
use crate::store::{Store, now};

pub const FORMAT: &str = "provrum-bundle/1";

/// The largest bundle file read: a package of at most 16 files of
/// [`crate::yaml::MAX_FILE_BYTES`] each, as JSON (escapes may double it).
pub const MAX_BYTES: u64 = 8 * 1024 * 1024;
/// The largest package a bundle may carry, all files together.
pub const MAX_PACKAGE_BYTES: usize = 4 * 1024 * 1024;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Bundle {
    pub format: String,
    /// The region whose test room exported it.
    pub region: String,
    pub exported_at: String,
    pub service: String,
    pub version: String,
    pub title: String,
    /// (path in the package, text): `service.yaml` first, then the variants.
    pub files: Vec<(String, String)>,
    /// The exporting region's catalogue entry, if it has one.
    pub catalogue: Option<Entry>,
}

#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("Det finns ingen version {1} av tjänsten {0} i provrummet.")]
    NoVersion(String, String),
    #[error("Det finns ingen tjänst {0} i provrummet.")]
    NoService(String),
    #[error(
        "{file}:{line}:{column}: filen är inte ett tjänstepaket från ett provrum ({what}). Exportera tjänsten på nytt från katalogsidan."
    )]
    Unreadable {
        file: String,
        line: usize,
        column: usize,
        what: String,
    },
    #[error(
        "{file}: paketformatet {found} känns inte igen (väntade {FORMAT}). Exportera med en nyare version av provrummet eller uppdatera det här."
    )]
    Format { file: String, found: String },
    #[error(
        "{file}: ingen av paketets kommuner finns i det här provrummet ({0}). Lägg till minst en av dem i kommunregistret först.",
        .names.join(", ")
    )]
    NoKnownMunicipality { file: String, names: Vec<String> },
    #[error("{file}: {what}")]
    File { file: String, what: String },
    #[error(
        "{file}: filen {path} i paketet har ett namn som ett tjänstepaket inte har (väntade service.yaml eller variants/KOMMUN.yaml). Exportera tjänsten på nytt från katalogsidan."
    )]
    BadPath { file: String, path: String },
    #[error(
        "{file}: paketet har två filer för {path}. Exportera tjänsten på nytt från katalogsidan."
    )]
    Duplicate { file: String, path: String },
    #[error(
        "{file}: paketets filer är {size} KB tillsammans; ett paket får vara högst {} KB (en fil högst {} KB).",
        MAX_PACKAGE_BYTES / 1024,
        crate::yaml::MAX_FILE_BYTES / 1024
    )]
    TooLarge { file: String, size: usize },
    #[error("{0}")]
    Package(String),
    #[error(transparent)]
    Import(#[from] ImportError),
    #[error("databas: {0}")]
    Db(#[from] sqlx::Error),
}

/// What an import did.
#[derive(Debug)]
pub struct Imported {
    pub outcome: ImportOutcome,
    pub service: String,
    pub version: String,
    /// Variants left out: their municipalities are not in this test room.
    pub left_out: Vec<String>,
    /// Whether the catalogue entry was stored.
    pub entry: bool,
}

/// A stored version (the newest when `version` is None) as a bundle.
pub async fn export(
    db: &Store,
    catalogue: Option<&Catalogue>,
    service: &str,
    version: Option<&str>,
) -> Result<Bundle, BundleError> {
    let row = match version {
        Some(v) => sqlx::query("select version, title, files from service_versions where service_id = $1 and version = $2")
            .bind(service).bind(v).fetch_optional(&db.pool).await?,
        None => sqlx::query("select version, title, files from service_versions where service_id = $1 order by id desc limit 1")
            .bind(service).fetch_optional(&db.pool).await?,
    };
    let Some(row) = row else {
        return Err(match version {
            Some(v) => BundleError::NoVersion(service.into(), v.into()),
            None => BundleError::NoService(service.into()),
        });
    };
    let files: Vec<(String, String)> = serde_json::from_str(&row.get::<String, _>("files"))
        .map_err(|e| BundleError::Package(e.to_string()))?;
    Ok(Bundle {
        format: FORMAT.into(),
        region: catalogue.map(|c| c.region.clone()).unwrap_or_default(),
        exported_at: now(),
        service: service.into(),
        version: row.get("version"),
        title: row.get("title"),
        files,
        catalogue: catalogue
            .and_then(|c| c.entry(service))
            .filter(|e| e.from_region.is_none())
            .cloned(),
    })
}

/// Read a bundle file's text; problems say where.
pub fn parse(file: &Path, text: &str) -> Result<Bundle, BundleError> {
    let name = file.display().to_string();
    let b: Bundle = serde_json::from_str(text).map_err(|e| BundleError::Unreadable {
        file: name.clone(),
        line: e.line(),
        column: e.column(),
        what: e
            .to_string()
            .split(" at line")
            .next()
            .unwrap_or_default()
            .to_string(),
    })?;
    if b.format != FORMAT {
        return Err(BundleError::Format {
            file: name,
            found: b.format,
        });
    }
    check_files(&name, &b)?;
    Ok(b)
}

/// The bundle's files are a package's: `service.yaml` first, then one
/// `variants/<slug>.yaml` per municipality, each once, within the caps.
fn check_files(name: &str, b: &Bundle) -> Result<(), BundleError> {
    let mut seen = std::collections::HashSet::new();
    let mut size = 0usize;
    for (i, (path, text)) in b.files.iter().enumerate() {
        let ok = if i == 0 {
            path == package::BASE_FILE
        } else {
            path.strip_prefix("variants/")
                .and_then(|p| p.strip_suffix(".yaml").or_else(|| p.strip_suffix(".yml")))
                .is_some_and(|m| {
                    !m.is_empty()
                        && m.bytes().all(|c| {
                            c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-' || c == b'_'
                        })
                })
        };
        if !ok {
            return Err(BundleError::BadPath {
                file: name.into(),
                path: path.chars().take(120).collect(),
            });
        }
        let stem = Path::new(path).file_stem().unwrap_or_default();
        if !seen.insert(stem) {
            return Err(BundleError::Duplicate {
                file: name.into(),
                path: path.clone(),
            });
        }
        size += text.len();
        if text.len() as u64 > crate::yaml::MAX_FILE_BYTES || size > MAX_PACKAGE_BYTES {
            return Err(BundleError::TooLarge {
                file: name.into(),
                size: size.div_ceil(1024),
            });
        }
    }
    Ok(())
}

/// Read a bundle file from disk: a regular file (not a link, a pipe or a
/// device) of at most [`MAX_BYTES`], as UTF-8 text.
pub fn read(file: &Path) -> Result<String, BundleError> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let name = file.display().to_string();
    let fail = |what: String| BundleError::File {
        file: name.clone(),
        what,
    };
    // Not following a link, and not blocking on a FIFO when opening it:
    // what was opened is then checked to be a regular file.
    let f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(file)
        .map_err(|e| match e.raw_os_error() {
            Some(libc::ELOOP) => fail("är en symbolisk länk; ange själva filen".into()),
            _ => fail(format!("kan inte läsas: {e}")),
        })?;
    let meta = f
        .metadata()
        .map_err(|e| fail(format!("kan inte läsas: {e}")))?;
    if !meta.is_file() {
        return Err(fail(
            "är ingen vanlig fil (en mapp, en enhet eller ett rör); ange den exporterade paketfilen".into(),
        ));
    }
    let too_large = |len: u64| {
        fail(format!(
            "är {} KB; en paketfil är högst {} KB",
            len.div_ceil(1024),
            MAX_BYTES / 1024
        ))
    };
    if meta.len() > MAX_BYTES {
        return Err(too_large(meta.len()));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    f.take(MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| fail(format!("kan inte läsas: {e}")))?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(too_large(bytes.len() as u64));
    }
    String::from_utf8(bytes).map_err(|e| {
        fail(format!(
            "är inte UTF-8-text (byte {} är fel)",
            e.utf8_error().valid_up_to()
        ))
    })
}

/// Import a bundle: its package (checked as any package is) and its
/// catalogue entry, in one transaction.
pub async fn import(
    db: &Store,
    registry: &Registry,
    file: &Path,
    b: &Bundle,
    actor: &str,
) -> Result<Imported, BundleError> {
    let name = file.display().to_string();
    let mut left_out = Vec::new();
    let mut files = Vec::new();
    for (i, (path, text)) in b.files.iter().enumerate() {
        let municipality = Path::new(path)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        if i > 0 && registry.get(&municipality).is_none() {
            left_out.push(municipality);
            continue;
        }
        files.push((path.clone(), text.clone()));
    }
    if files.len() < 2 {
        return Err(BundleError::NoKnownMunicipality {
            file: name,
            names: left_out,
        });
    }
    let dir = file.join(&b.service);
    let pkg = package::from_files(&dir, files, registry).map_err(|e| match e {
        LoadError::Invalid(d) => BundleError::Package(
            d.iter()
                .map(|x| x.to_string())
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        other => BundleError::Package(other.to_string()),
    })?;
    let mut tx = db.begin().await?;
    let outcome = insert_version(&mut tx, &pkg, registry).await?;
    crate::intake::follow_up(&mut tx, &pkg, &outcome, actor).await?;
    let entry = match &b.catalogue {
        Some(e) if e.id == pkg.base.id => {
            let json = serde_json::to_string(e).map_err(|e| BundleError::Package(e.to_string()))?;
            crate::catalogue::keep_imported(&mut tx, &pkg.base.id, &b.region, &json, actor).await?;
            true
        }
        _ => false,
    };
    tx.commit().await?;
    Ok(Imported {
        outcome,
        service: pkg.base.id.clone(),
        version: pkg.base.version.clone(),
        left_out,
        entry,
    })
}
