//! `provrum bundle export|import`: a service package with its catalogue
//! entry, between regions' test rooms (`bundles`). Exit 0 on success, 1
//! when the bundle is refused, 2 on usage, I/O or database errors.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;

use super::{StoreArgs, config, open};
use crate::bundles::{self, BundleError};
use crate::municipalities::Registry;
use crate::services::store::ImportOutcome;

#[derive(Subcommand)]
pub enum BundleCmd {
    /// Write a stored version and its catalogue entry to one JSON file.
    Export {
        service: String,
        /// The version [default: the newest imported].
        #[arg(long)]
        version: Option<String>,
        /// The file to write [default: provrum-SERVICE-VERSION.json].
        #[arg(long, short)]
        out: Option<PathBuf>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Import a bundle exported by another test room.
    Import {
        file: PathBuf,
        #[command(flatten)]
        store: StoreArgs,
    },
}

pub async fn run(cmd: BundleCmd) -> Result<ExitCode, ExitCode> {
    match cmd {
        BundleCmd::Export {
            service,
            version,
            out,
            store,
        } => {
            let config = config(&store)?;
            let db = open(&config).await?;
            // The region's own file: an entry imported from elsewhere is
            // not this region's to pass on.
            let cat = crate::catalogue::shared(&config.catalogue).ok();
            let b = bundles::export(&db, cat.as_deref(), &service, version.as_deref()).await;
            db.close().await;
            let b = match b {
                Ok(b) => b,
                Err(BundleError::Db(e)) => return Err(fail(e)),
                Err(e) => {
                    println!("refused: {e}");
                    return Ok(ExitCode::from(1));
                }
            };
            let out =
                out.unwrap_or_else(|| format!("provrum-{}-{}.json", b.service, b.version).into());
            let text = serde_json::to_string_pretty(&b).unwrap_or_default();
            std::fs::write(&out, text).map_err(|e| {
                eprintln!("error: {}: {e}", out.display());
                ExitCode::from(2)
            })?;
            println!(
                "exported: {} {} ({} files{}) to {}",
                b.service,
                b.version,
                b.files.len(),
                if b.catalogue.is_some() {
                    ", with its catalogue entry"
                } else {
                    ", no catalogue entry"
                },
                out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        BundleCmd::Import { file, store } => {
            let text = match bundles::read(&file) {
                Ok(t) => t,
                Err(e) => {
                    println!("refused: {e}");
                    return Ok(ExitCode::from(1));
                }
            };
            let config = config(&store)?;
            let db = open(&config).await?;
            let done = match bundles::parse(&file, &text) {
                Ok(b) => bundles::import(&db, Registry::builtin(), &file, &b, "cli").await,
                Err(e) => Err(e),
            };
            db.close().await;
            match done {
                Ok(d) => {
                    let what = match d.outcome {
                        ImportOutcome::Imported { variants, .. } => format!(
                            "imported: {} {} ({variants} variants)",
                            d.service, d.version
                        ),
                        ImportOutcome::Unchanged { .. } => format!(
                            "unchanged: {} {} is already imported with this content",
                            d.service, d.version
                        ),
                    };
                    println!(
                        "{what}{}",
                        if d.entry {
                            ", with its catalogue entry"
                        } else {
                            ""
                        }
                    );
                    if !d.left_out.is_empty() {
                        println!(
                            "left out (not in this test room's registry): {}",
                            d.left_out.join(", ")
                        );
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(BundleError::Db(e)) => Err(fail(e)),
                Err(e) => {
                    println!("refused: {e}");
                    Ok(ExitCode::from(1))
                }
            }
        }
    }
}

fn fail(e: sqlx::Error) -> ExitCode {
    eprintln!("error: {e}");
    ExitCode::from(2)
}
