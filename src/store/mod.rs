//! Storage: one pool over SQLite (embedded default) or PostgreSQL (shared
//! deployments), migrations per backend, and small helpers. Domain modules
//! own their queries; this module knows none of them.
//!
//! Queries use `$1` placeholders, which both backends accept, and only
//! `bigint`/`text` columns so the same query decodes identically on both.

use std::path::Path;
use std::str::FromStr;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Sqlx(#[from] sqlx::Error),
    #[error("migrating the database: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{0}")]
    Artifacts(String),
    #[error("unsupported database URL `{0}`: use sqlite://FILE or postgres://…")]
    Url(String),
    #[error("creating {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

/// A domain error that is either the database failing underneath (its `Db`
/// arm) or a rule the person broke. The faces split the two with
/// `web::Refusals::refused`: the first becomes the logged error page, the
/// second is shown to the person, usually on the form they sent.
pub trait WrapsDb: Sized {
    /// The database's error when that is what this is; otherwise `self` back.
    fn db(self) -> Result<sqlx::Error, Self>;
}

/// `wraps_db!(MyError)` for an error enum whose `Db(sqlx::Error)` arm is the
/// database failing.
macro_rules! wraps_db {
    ($($error:ty),+ $(,)?) => {$(
        impl $crate::store::WrapsDb for $error {
            fn db(self) -> Result<sqlx::Error, Self> {
                match self {
                    Self::Db(e) => Ok(e),
                    other => Err(other),
                }
            }
        }
    )+};
}
pub(crate) use wraps_db;

#[derive(Clone, Debug)]
pub struct Store {
    pub pool: AnyPool,
    pub backend: Backend,
    /// SQLite allows one writer: transactions take turns here instead of
    /// meeting in SQLite's busy handler, which sleeps in steps of up to 100 ms.
    write_turn: Option<std::sync::Arc<tokio::sync::Mutex<()>>>,
}

/// A write transaction (on SQLite, holding the process's write turn).
/// Derefs to the connection: `query.execute(&mut *tx)`.
pub struct WriteTx {
    tx: sqlx::Transaction<'static, sqlx::Any>,
    _turn: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl std::ops::Deref for WriteTx {
    type Target = sqlx::AnyConnection;
    fn deref(&self) -> &sqlx::AnyConnection {
        &self.tx
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut sqlx::AnyConnection {
        &mut self.tx
    }
}

impl WriteTx {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }

    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        self.tx.rollback().await
    }
}

impl Store {
    /// Connect and bring the schema up to date.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(StoreError::Url(url.to_string()));
        };
        let url = match backend {
            Backend::Sqlite => prepare_sqlite_url(url)?,
            Backend::Postgres => url.to_string(),
        };
        let options = AnyConnectOptions::from_str(&url)?;
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 8 } else { 32 })
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets the web server read while an import writes;
                        // NORMAL sync is durable across process crashes in WAL mode.
                        conn.execute("pragma journal_mode = wal; pragma synchronous = normal; pragma foreign_keys = on; pragma busy_timeout = 5000").await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        let write_turn =
            (backend == Backend::Sqlite).then(|| std::sync::Arc::new(tokio::sync::Mutex::new(())));
        let store = Store {
            pool,
            backend,
            write_turn,
        };
        store.migrate().await?;
        Ok(store)
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        match self.backend {
            Backend::Sqlite => {
                sqlx::migrate!("./migrations/sqlite")
                    .run(&self.pool)
                    .await?
            }
            Backend::Postgres => {
                sqlx::migrate!("./migrations/postgres")
                    .run(&self.pool)
                    .await?
            }
        }
        Ok(())
    }

    /// Begin a transaction that writes.
    pub async fn begin(&self) -> Result<WriteTx, sqlx::Error> {
        let turn = match &self.write_turn {
            Some(m) => Some(m.clone().lock_owned().await),
            None => None,
        };
        let tx = match self.backend {
            // Take SQLite's write lock at the start: a deferred transaction
            // that reads first and then writes fails at once with "database
            // is locked" when another process wrote meanwhile, instead of
            // waiting its turn (busy_timeout) as an immediate one does.
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        };
        Ok(WriteTx { tx, _turn: turn })
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// `sqlite://path/to/file.db`: create the folder, and the file if missing.
fn prepare_sqlite_url(url: &str) -> Result<String, StoreError> {
    let rest = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return Err(StoreError::Url(format!(
            "{url} (Provrum needs a file so that nothing is lost)"
        )));
    }
    if let Some(parent) = Path::new(path).parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent).map_err(|source| StoreError::Io {
            path: parent.display().to_string(),
            source,
        })?;
    }
    Ok(if rest.contains("mode=") {
        url.to_string()
    } else if rest.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    })
}

/// Now as RFC 3339 UTC with milliseconds; sorts as text.
pub fn now() -> String {
    crate::clock::stored(chrono::Utc::now())
}

/// A fresh one-time key for a form that creates something (a comment, an
/// assessment), sent back in its hidden `_nyckel` field.
pub fn new_form_key() -> String {
    hex::encode(rand::random::<[u8; 16]>())
}

/// Claim a form's one-time key inside the transaction that stores what the
/// form creates. `None`: first use, go on and call [`settle_form_key`].
/// `Some(target)`: an earlier post with this key was stored (the answer was
/// lost and the person pressed again); store nothing and lead to `target`.
/// A key that is not one of ours is no key: the post is stored as usual.
pub async fn claim_form_key(
    tx: &mut sqlx::AnyConnection,
    key: &str,
) -> Result<Option<String>, sqlx::Error> {
    if key.len() != 32 || !key.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    // A concurrent retry waits here (PostgreSQL) or behind the write lock
    // (SQLite) until the first commits, and then finds the key used.
    let fresh = sqlx::query(
        "insert into form_keys (key, used_at, target) values ($1, $2, '') on conflict (key) do nothing",
    )
    .bind(key)
    .bind(now())
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if fresh {
        return Ok(None);
    }
    sqlx::query_scalar("select target from form_keys where key = $1")
        .bind(key)
        .fetch_one(&mut *tx)
        .await
        .map(Some)
}

/// Record what a claimed key's post created.
pub async fn settle_form_key(
    tx: &mut sqlx::AnyConnection,
    key: &str,
    target: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("update form_keys set target = $1 where key = $2")
        .bind(target)
        .bind(key)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// Append one decision or change to the audit log, inside the caller's transaction.
pub async fn audit(
    tx: &mut sqlx::AnyConnection,
    actor: &str,
    action: &str,
    subject: &str,
    detail: &serde_json::Value,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into audit_log (at, actor, action, subject, detail) values ($1, $2, $3, $4, $5)",
    )
    .bind(now())
    .bind(actor)
    .bind(action)
    .bind(subject)
    .bind(detail.to_string())
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// The rows of `sql` for one service within a period, read by name into `T`:
/// `$1` is the service, `[$2, $3)` the period as stored times. What each
/// owner's `*_within` function asks for the meeting brief.
pub async fn rows_within<T>(
    db: &Store,
    sql: &str,
    service: &str,
    start: &str,
    end: &str,
) -> Result<Vec<T>, sqlx::Error>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
{
    sqlx::query_as(sql)
        .bind(service)
        .bind(start)
        .bind(end)
        .fetch_all(&db.pool)
        .await
}
