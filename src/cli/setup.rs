//! What every command starts with: the store's arguments, the
//! configuration, the artifact store and the database.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use crate::config::Config;
use crate::store::Store;

#[derive(Args, Clone)]
pub(crate) struct StoreArgs {
    /// Database URL: sqlite://FILE or postgres://… [default: sqlite://DATA_DIR/provrum.db]
    #[arg(long, env = "PROVRUM_DATABASE_URL")]
    database: Option<String>,
    /// Folder for artifacts (attachments, screenshots) and the default SQLite file.
    #[arg(long, env = "PROVRUM_DATA_DIR")]
    data_dir: Option<PathBuf>,
}

pub(crate) fn config(store: &StoreArgs) -> Result<Config, ExitCode> {
    let mut config = Config::load().map_err(|e| {
        eprintln!("error: configuration: {e}");
        ExitCode::from(2)
    })?;
    if let Some(d) = &store.data_dir {
        config.data_dir = d.clone();
    }
    if let Some(u) = &store.database {
        config.database_url = Some(u.clone());
    }
    Ok(config)
}

/// The artifact store the configuration names (folder or bucket).
pub(crate) fn artifacts(config: &Config) -> Result<crate::artifacts::Artifacts, ExitCode> {
    crate::artifacts::Artifacts::open(config.artifacts_url.as_deref(), &config.data_dir).map_err(
        |e| {
            eprintln!("error: {e}");
            ExitCode::from(2)
        },
    )
}

pub(crate) async fn open(config: &Config) -> Result<Store, ExitCode> {
    Store::open(&config.database_url()).await.map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(2)
    })
}
