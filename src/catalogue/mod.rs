//! The region's service catalogue: per service the recommended name and the
//! names not to use, what it is for, its category and committee, whether
//! signing is needed with its legal basis, and the expected handling time
//! per size class; and the region's term list (preferred terms and the
//! synonyms to avoid), checked against every service and variant
//! (`terms`). Read from one YAML file with every problem as file:line:col.

pub mod flows;
mod model;
mod parse;
pub mod terms;
pub mod web;
pub use model::{Catalogue, Entry, HandlingDays, Reference, Scope, SigningStandard, Term};

use std::path::{Path, PathBuf};

use crate::yaml::Diagnostic;

pub use parse::catalogue as parse;

/// The catalogue as last read, with the file's modification time: pages
/// and the checklist's term check (once per variant) ask for it often,
/// and it changes only when someone edits the file.
static LAST: std::sync::Mutex<Option<(PathBuf, std::time::SystemTime, std::sync::Arc<Catalogue>)>> =
    std::sync::Mutex::new(None);

/// [`load`], read again only when the file changed.
pub fn shared(file: &Path) -> Result<std::sync::Arc<Catalogue>, Vec<Diagnostic>> {
    let modified = std::fs::metadata(file).and_then(|m| m.modified()).ok();
    if let (Some(at), Ok(last)) = (modified, LAST.lock())
        && let Some((p, t, c)) = last.as_ref()
        && p == file
        && *t == at
    {
        return Ok(c.clone());
    }
    let c = std::sync::Arc::new(load(file)?);
    if let (Some(at), Ok(mut last)) = (modified, LAST.lock()) {
        *last = Some((file.to_path_buf(), at, c.clone()));
    }
    Ok(c)
}

/// Read and check a catalogue file.
pub fn load(file: &Path) -> Result<Catalogue, Vec<Diagnostic>> {
    let text = crate::yaml::read_text(file).map_err(|d| vec![d])?;
    parse(file, &text)
}

/// Entries that came with services imported from another region's test
/// room (stored in the database, see `bundles`), for services this
/// region's own file does not describe.
pub async fn with_imported(
    cat: std::sync::Arc<Catalogue>,
    db: &crate::store::Store,
) -> Result<std::sync::Arc<Catalogue>, sqlx::Error> {
    use sqlx::Row;
    let rows = sqlx::query("select region, entry from catalogue_imports order by service_id")
        .fetch_all(&db.pool)
        .await?;
    let extra: Vec<Entry> = rows
        .iter()
        .filter_map(|r| {
            let mut e: Entry = serde_json::from_str(&r.get::<String, _>("entry")).ok()?;
            e.from_region = Some(r.get("region"));
            Some(e)
        })
        .filter(|e| cat.entry(&e.id).is_none())
        .collect();
    if extra.is_empty() {
        return Ok(cat);
    }
    let mut all = (*cat).clone();
    all.services.extend(extra);
    Ok(std::sync::Arc::new(all))
}

/// Keep another region's catalogue entry for `service` (replacing the one
/// kept), in the transaction that imports the service.
pub async fn keep_imported(
    tx: &mut crate::store::WriteTx,
    service: &str,
    region: &str,
    entry_json: &str,
    actor: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("insert into catalogue_imports (service_id, region, entry, imported_by, imported_at) values ($1, $2, $3, $4, $5) on conflict (service_id) do update set region = excluded.region, entry = excluded.entry, imported_by = excluded.imported_by, imported_at = excluded.imported_at")
        .bind(service)
        .bind(region)
        .bind(entry_json)
        .bind(actor)
        .bind(crate::store::now())
        .execute(&mut **tx)
        .await?;
    Ok(())
}
