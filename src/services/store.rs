//! Storing and reading immutable service versions.

use serde::Serialize;
use sqlx::Row;

use crate::municipalities::Registry;
use crate::store::{self, Store};

use super::model::{BaseService, Variant};
use super::package::Package;

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(
        "{service} {version} is already imported with different content (stored {stored:.12}…, this package {new:.12}…). Versions are immutable: give the changed package a new version number in service.yaml"
    )]
    Conflict {
        service: String,
        version: String,
        stored: String,
        new: String,
    },
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportOutcome {
    Imported {
        version_id: i64,
        variants: usize,
    },
    /// The same content was imported before: nothing to do.
    Unchanged {
        version_id: i64,
    },
}

/// What importing `pkg` means when its version is already stored: a no-op
/// (`Unchanged`) for the same content, a `Conflict` for other content;
/// `None` when the version is not stored yet.
pub async fn already_stored(
    conn: &mut sqlx::AnyConnection,
    pkg: &Package,
) -> Result<Option<Result<ImportOutcome, ImportError>>, sqlx::Error> {
    let existing = sqlx::query(
        "select id, content_hash from service_versions where service_id = $1 and version = $2",
    )
    .bind(&pkg.base.id)
    .bind(&pkg.base.version)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = existing else {
        return Ok(None);
    };
    let (id, stored): (i64, String) = (row.try_get("id")?, row.try_get("content_hash")?);
    Ok(Some(if stored == pkg.content_hash {
        Ok(ImportOutcome::Unchanged { version_id: id })
    } else {
        Err(ImportError::Conflict {
            service: pkg.base.id.clone(),
            version: pkg.base.version.clone(),
            stored,
            new: pkg.content_hash.clone(),
        })
    }))
}

/// Write a package as a new version inside the caller's transaction
/// (`intake::import` owns it: carrying comments over belongs to the same
/// all-or-nothing step). `Unchanged` means nothing was written.
pub async fn insert_version(
    tx: &mut sqlx::AnyConnection,
    pkg: &Package,
    registry: &Registry,
) -> Result<ImportOutcome, ImportError> {
    if let Some(already) = already_stored(&mut *tx, pkg).await? {
        return already;
    }
    let now = store::now();
    for v in &pkg.variants {
        if let Some(m) = registry.get(&v.municipality) {
            sqlx::query(
                "insert into municipalities (id, name, code, kind, data) values ($1, $2, $3, $4, $5)
                 on conflict (id) do update set name = excluded.name, code = excluded.code, kind = excluded.kind, data = excluded.data",
            )
            .bind(&m.id)
            .bind(&m.name)
            .bind(&m.code)
            .bind(&m.kind)
            .bind(json(m))
            .execute(&mut *tx)
            .await?;
        }
    }
    sqlx::query("insert into services (id, title, created_at) values ($1, $2, $3) on conflict (id) do update set title = excluded.title")
        .bind(&pkg.base.id)
        .bind(&pkg.base.title)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
    let version_id: i64 = sqlx::query(
        "insert into service_versions (service_id, version, title, content_hash, files, base, imported_at)
         values ($1, $2, $3, $4, $5, $6, $7) returning id",
    )
    .bind(&pkg.base.id)
    .bind(&pkg.base.version)
    .bind(&pkg.base.title)
    .bind(&pkg.content_hash)
    .bind(json(&pkg.files))
    .bind(json(&pkg.base))
    .bind(&now)
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    for v in &pkg.variants {
        sqlx::query("insert into variants (version_id, municipality, external_url, definition) values ($1, $2, $3, $4)")
            .bind(version_id)
            .bind(&v.municipality)
            .bind(&v.external_url)
            .bind(json(v))
            .execute(&mut *tx)
            .await?;
    }
    Ok(ImportOutcome::Imported {
        version_id,
        variants: pkg.variants.len(),
    })
}

fn json<T: Serialize>(v: &T) -> String {
    // Serialising plain data structs to a String cannot fail.
    serde_json::to_string(v).unwrap_or_default()
}

#[derive(Debug, Clone, Serialize)]
pub struct VersionSummary {
    pub id: i64,
    pub service_id: String,
    pub version: String,
    pub title: String,
    pub content_hash: String,
    pub imported_at: String,
    pub variants: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ServiceSummary {
    pub id: String,
    pub title: String,
    /// Newest first.
    pub versions: Vec<VersionSummary>,
}

fn version_row(r: &sqlx::any::AnyRow) -> Result<VersionSummary, sqlx::Error> {
    Ok(VersionSummary {
        id: r.try_get("id")?,
        service_id: r.try_get("service_id")?,
        version: r.try_get("version")?,
        title: r.try_get("title")?,
        content_hash: r.try_get("content_hash")?,
        imported_at: r.try_get("imported_at")?,
        variants: r.try_get("variants")?,
    })
}

const VERSION_SELECT: &str = "select v.id, v.service_id, v.version, v.title, v.content_hash, v.imported_at,
    (select count(*) from variants x where x.version_id = v.id) as variants from service_versions v";

pub async fn list(store: &Store) -> Result<Vec<ServiceSummary>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "{VERSION_SELECT} order by v.service_id, v.id desc"
    ))
    .fetch_all(&store.pool)
    .await?;
    let mut out: Vec<ServiceSummary> = Vec::new();
    for r in &rows {
        let v = version_row(r)?;
        match out.last_mut() {
            Some(s) if s.id == v.service_id => s.versions.push(v),
            _ => out.push(ServiceSummary {
                id: v.service_id.clone(),
                title: v.title.clone(),
                versions: vec![v],
            }),
        }
    }
    Ok(out)
}

/// A version by number, or the newest imported one when `version` is `None`.
pub async fn find_version(
    store: &Store,
    service: &str,
    version: Option<&str>,
) -> Result<Option<VersionSummary>, sqlx::Error> {
    let row = match version {
        Some(v) => {
            sqlx::query(&format!(
                "{VERSION_SELECT} where v.service_id = $1 and v.version = $2"
            ))
            .bind(service)
            .bind(v)
            .fetch_optional(&store.pool)
            .await?
        }
        None => {
            sqlx::query(&format!(
                "{VERSION_SELECT} where v.service_id = $1 order by v.id desc limit 1"
            ))
            .bind(service)
            .fetch_optional(&store.pool)
            .await?
        }
    };
    row.as_ref().map(version_row).transpose()
}

/// The version with this id.
pub async fn version_by_id(store: &Store, id: i64) -> Result<Option<VersionSummary>, sqlx::Error> {
    let row = sqlx::query(&format!("{VERSION_SELECT} where v.id = $1"))
        .bind(id)
        .fetch_optional(&store.pool)
        .await?;
    row.as_ref().map(version_row).transpose()
}

pub async fn base(store: &Store, version_id: i64) -> Result<Option<BaseService>, sqlx::Error> {
    let row = sqlx::query("select base from service_versions where id = $1")
        .bind(version_id)
        .fetch_optional(&store.pool)
        .await?;
    Ok(row
        .and_then(|r| r.try_get::<String, _>("base").ok())
        .and_then(|s| serde_json::from_str(&s).ok()))
}

pub async fn variant(
    store: &Store,
    version_id: i64,
    municipality: &str,
) -> Result<Option<Variant>, sqlx::Error> {
    let row =
        sqlx::query("select definition from variants where version_id = $1 and municipality = $2")
            .bind(version_id)
            .bind(municipality)
            .fetch_optional(&store.pool)
            .await?;
    Ok(row
        .and_then(|r| r.try_get::<String, _>("definition").ok())
        .and_then(|s| serde_json::from_str(&s).ok()))
}

pub async fn variants(store: &Store, version_id: i64) -> Result<Vec<Variant>, sqlx::Error> {
    let rows =
        sqlx::query("select definition from variants where version_id = $1 order by municipality")
            .bind(version_id)
            .fetch_all(&store.pool)
            .await?;
    Ok(rows
        .iter()
        .filter_map(|r| r.try_get::<String, _>("definition").ok())
        .filter_map(|s| serde_json::from_str(&s).ok())
        .collect())
}
