//! Files citizens upload to sandbox sessions, and what else the content-
//! addressed file store holds. Anyone with a link may upload, so uploads are
//! bounded (per client address per hour, and all uploads not yet swept
//! together), and the files are removed once nothing refers to them — but
//! only files an upload brought: the same bytes stored earlier as evidence
//! (a run's screenshot, a pin, a diff image) are never the sweep's to take.

use crate::artifacts::Artifacts;
use crate::store::{Store, WriteTx};
use crate::web::rates;

/// All sandbox uploads not yet swept, together: the most the open sandbox
/// may hold on the test room's disk at once.
pub const CEILING: u64 = 2 * 1024 * 1024 * 1024;

/// Why an upload was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("this address has uploaded its quota for the hour")]
    Address,
    #[error("the sandbox holds as many uploads as it may")]
    Full,
}

impl Refused {
    /// What the citizen (a reviewer, in practice) is told.
    pub fn swedish(self) -> String {
        match self {
            Refused::Address => format!(
                "Du har laddat upp {} MB den senaste timmen, så mycket som testrummet tar emot från en och samma dator. Försök igen senare, eller testa med mindre filer.",
                rates::UPLOAD_BYTES.max / (1024 * 1024)
            ),
            Refused::Full => "Testrummet tar inte emot fler bilagor just nu: utrymmet för uppladdade filer är fullt. Försök igen om en stund."
                .into(),
        }
    }
}

/// Whether `client` may upload `bytes` more now (counted if so).
pub async fn admit(
    store: &Store,
    client: &str,
    bytes: u64,
) -> Result<Option<Refused>, sqlx::Error> {
    let held: i64 =
        sqlx::query_scalar("select cast(coalesce(sum(size), 0) as bigint) from sandbox_uploads")
            .fetch_one(&store.pool)
            .await?;
    if (held.max(0) as u64).saturating_add(bytes) > CEILING {
        return Ok(Some(Refused::Full));
    }
    let key = format!("upload-bytes:{client}");
    if !rates::allow_weighted(store, &key, bytes, rates::UPLOAD_BYTES).await? {
        return Ok(Some(Refused::Address));
    }
    Ok(None)
}

/// Store an uploaded file and register it for the sweep, unless its bytes
/// were already stored by something else (then the file is not the
/// sandbox's: it stays whatever the session does with it).
pub async fn put(store: &Store, artifacts: &Artifacts, bytes: Vec<u8>) -> std::io::Result<String> {
    let size = bytes.len() as u64;
    let files = artifacts.clone();
    let (sha, existed) = tokio::task::spawn_blocking(move || {
        let sha = Artifacts::hash(&bytes);
        let existed = files.exists(&sha)?;
        files.put_hashed(&sha, &bytes)?;
        Ok::<_, std::io::Error>((sha, existed))
    })
    .await
    .map_err(std::io::Error::other)??;
    let ours: bool = !existed
        || sqlx::query_scalar::<_, String>("select sha256 from sandbox_uploads where sha256 = $1")
            .bind(&sha)
            .fetch_optional(&store.pool)
            .await
            .map_err(std::io::Error::other)?
            .is_some();
    if ours {
        sqlx::query(
            "insert into sandbox_uploads (sha256, uploaded_at, size) values ($1, $2, $3)
             on conflict (sha256) do update set uploaded_at = excluded.uploaded_at",
        )
        .bind(&sha)
        .bind(crate::store::now())
        .bind(size as i64)
        .execute(&store.pool)
        .await
        .map_err(std::io::Error::other)?;
    }
    Ok(sha)
}

/// How a file is referred to now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refs {
    /// By nothing: the sweep may remove it.
    None,
    /// By a sandbox session only: look again when sessions have expired.
    Sessions,
    /// By a case or by evidence: kept for good.
    Kept,
}

async fn refs(tx: &mut WriteTx, sha: &str) -> Result<Refs, sqlx::Error> {
    let like = format!("%{sha}%");
    let kept: i64 = sqlx::query_scalar(
        "select (select count(*) from attachments where sha256 = $1)
              + (select count(*) from step_results where screenshot = $1 or text_hash = $1 or dom_snapshot = $1)
              + (select count(*) from pin_shots where artifact = $1)
              + (select count(*) from captures where pages like $2)
              + (select count(*) from deviations where detail like $2)",
    )
    .bind(sha)
    .bind(&like)
    .fetch_one(&mut **tx)
    .await?;
    if kept > 0 {
        return Ok(Refs::Kept);
    }
    let sessions: i64 =
        sqlx::query_scalar("select count(*) from sandbox_sessions where files like $1")
            .bind(&like)
            .fetch_one(&mut **tx)
            .await?;
    Ok(if sessions > 0 {
        Refs::Sessions
    } else {
        Refs::None
    })
}

/// Look at one registered upload: forget it if a case or evidence keeps it
/// now, remove it if nothing refers to it, leave it while a session does.
/// Returns whether the file was removed.
pub async fn settle(store: &Store, artifacts: &Artifacts, sha: &str) -> Result<bool, sqlx::Error> {
    // The reference check and the forgetting in one transaction, so a save
    // that refers to the hash meanwhile keeps it (its upload registers again).
    let mut tx = store.begin().await?;
    let registered: Option<String> =
        sqlx::query_scalar("select sha256 from sandbox_uploads where sha256 = $1")
            .bind(sha)
            .fetch_optional(&mut *tx)
            .await?;
    if registered.is_none() {
        tx.rollback().await?;
        return Ok(false);
    }
    let now = refs(&mut tx, sha).await?;
    if now != Refs::Sessions {
        sqlx::query("delete from sandbox_uploads where sha256 = $1")
            .bind(sha)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    if now != Refs::None {
        return Ok(false);
    }
    let files = artifacts.clone();
    let sha = sha.to_string();
    let removed = tokio::task::spawn_blocking(move || files.remove(&sha).is_ok())
        .await
        .unwrap_or(false);
    Ok(removed)
}

/// Whether `sha` is evidence staff may look at through `/artefakter`: a run
/// step's screenshot, text or document, a comparison's capture or diff
/// image, a pin's shot. A citizen's attachment alone is not: it is read
/// through its case, by those who may read the case.
pub async fn is_evidence(store: &Store, sha: &str) -> Result<bool, sqlx::Error> {
    // Most looked-at first, each found by index before the scans.
    let indexed = [
        "select count(*) from step_results where screenshot = $1",
        "select count(*) from pin_shots where artifact = $1",
    ];
    for q in indexed {
        let n: i64 = sqlx::query_scalar(q)
            .bind(sha)
            .fetch_one(&store.pool)
            .await?;
        if n > 0 {
            return Ok(true);
        }
    }
    let like = format!("%{sha}%");
    let n: i64 = sqlx::query_scalar(
        "select (select count(*) from captures where pages like $2)
              + (select count(*) from deviations where detail like $2)
              + (select count(*) from step_results where text_hash = $1 or dom_snapshot = $1)",
    )
    .bind(sha)
    .bind(&like)
    .fetch_one(&store.pool)
    .await?;
    Ok(n > 0)
}
