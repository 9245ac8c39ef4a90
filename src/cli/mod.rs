//! The command line: each command a thin call into the modules.
//!
//! Exit codes: 0 success, 1 the input is wrong (invalid package, refused
//! import), 2 usage, I/O or database errors.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::municipalities::Registry;
use crate::services::{self, LoadError, store::ImportOutcome};
use crate::store::Store;

mod bundle;
mod checklist;
mod compare;
mod convert;
mod release;
mod run;
mod setup;
mod user;
mod validate;
mod worker;
pub(crate) use setup::{StoreArgs, artifacts, config, open};

#[derive(Parser)]
#[command(
    name = "provrum",
    version,
    about = "Provrum – a test room for shared municipal e-services"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the test room over HTTP.
    Serve {
        /// Address to listen on [default: 127.0.0.1:3000]
        #[arg(long, env = "PROVRUM_ADDR")]
        addr: Option<String>,
        /// Import the demo services from fixtures/services first.
        #[arg(long)]
        demo: bool,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Check service packages; prints every problem as file:line:col.
    Validate {
        /// Package folders, files inside them, or folders holding packages.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// The region's catalogue: check it, and every service and variant
        /// against its term list (warnings).
        #[arg(long)]
        catalogue: Option<PathBuf>,
        /// Fail (exit 1) on warnings too.
        #[arg(long)]
        strict: bool,
    },
    /// Import service packages as immutable versions.
    Import {
        /// Package folders, folders holding packages, or Open ePlatform
        /// flows (`.oeflow`).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        #[command(flatten)]
        flow: convert::FlowArgs,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Convert an Open ePlatform flow (.oeflow) into a package folder:
    /// service.yaml (with a comment wherever something was approximated)
    /// and one overlay per municipality, to keep in git and adapt.
    Convert(convert::ConvertArgs),
    /// Write a tested variant as an Open ePlatform flow (.oeflow), to load
    /// into the platform instead of re-typing it.
    Export(convert::ExportArgs),
    /// Send the review-round e-mail that is due (for cron; `serve` also does
    /// it every ten minutes). Needs `[mail]` in provrum.toml.
    Mail {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// List imported services: one line per service, its id then its versions.
    Services {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Run scenarios against every variant in headless Chromium.
    Run(run::RunArgs),
    /// Run queued scenario cells from the database until stopped (any number of machines).
    Worker(worker::WorkerArgs),
    /// Compare every variant's rendering with the base and the last release.
    Compare(compare::CompareArgs),
    /// May this version ship? The release gate, with reports.
    ReleaseCheck(release::ReleaseArgs),
    /// Check a version against the legal checklists (fixtures/checklists).
    Checklist(checklist::ChecklistArgs),
    /// Share a service with its catalogue entry between regions' test rooms.
    Bundle {
        #[command(subcommand)]
        cmd: bundle::BundleCmd,
    },
    /// Manage accounts (reviewers, legal advisers, e-kontoret).
    User {
        #[command(subcommand)]
        cmd: user::UserCmd,
    },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: starting the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    runtime.block_on(run(cli))
}

fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("PROVRUM_LOG")
        .unwrap_or_else(|_| EnvFilter::new("provrum=info,warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

async fn run(cli: Cli) -> ExitCode {
    let result = match cli.command {
        Command::Validate {
            paths,
            catalogue,
            strict,
        } => Ok(validate::validate(&paths, catalogue.as_deref(), strict)),
        Command::Import { paths, flow, store } => import_cmd(&paths, &flow.options(), &store).await,
        Command::Convert(args) => Ok(convert::run(&args)),
        Command::Export(args) => convert::export(&args).await,
        Command::Services { store } => services_cmd(&store).await,
        Command::Mail { store } => mail_cmd(&store).await,
        Command::Serve { addr, demo, store } => serve_cmd(addr, demo, &store).await,
        Command::Run(args) => run::run(args).await,
        Command::Worker(args) => worker::run(args).await,
        Command::Compare(args) => compare::run(args).await,
        Command::User { cmd } => user::run(cmd).await,
        Command::Bundle { cmd } => bundle::run(cmd).await,
        Command::Checklist(args) => checklist::run(args).await,
        Command::ReleaseCheck(args) => release::run(args).await,
    };
    result.unwrap_or_else(|code| code)
}

async fn import_cmd(
    paths: &[PathBuf],
    flow: &services::oeflow::Options,
    args: &StoreArgs,
) -> Result<ExitCode, ExitCode> {
    let config = config(args)?;
    let store = open(&config).await?;
    let code = import_all(&store, paths, flow, true).await;
    store.close().await;
    Ok(code)
}

/// Import every package below `paths`; each package is its own transaction.
/// Flows (`.oeflow`) are converted with `flow` first.
pub async fn import_all(
    store: &Store,
    paths: &[PathBuf],
    flow: &services::oeflow::Options,
    verbose: bool,
) -> ExitCode {
    let registry = Registry::builtin();
    let mut code = ExitCode::SUCCESS;
    for path in paths {
        let packages = services::find_packages(path);
        if packages.is_empty() {
            eprintln!(
                "error: {}: no service package here (a package folder holds service.yaml)",
                path.display()
            );
            return ExitCode::from(2);
        }
        for dir in packages {
            let mut entry = None;
            let loaded = if services::oeflow::is_flow(&dir) {
                services::oeflow::load(&dir, registry, flow).map(|(p, c)| {
                    validate::say_conversion(&dir, &c);
                    entry = Some(c.entry);
                    p
                })
            } else {
                services::load(&dir, registry)
            };
            let pkg = match loaded {
                Ok(p) => p,
                Err(LoadError::Invalid(diags)) => {
                    for d in &diags {
                        println!("{d}");
                    }
                    println!(
                        "{}: not imported, {} problem(s)",
                        dir.display(),
                        diags.len()
                    );
                    code = ExitCode::from(1);
                    continue;
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            };
            let outcome = crate::intake::import(store, &pkg, registry, "cli").await;
            if outcome.is_ok()
                && let Some(e) = &entry
                && let Err(e) =
                    crate::catalogue::flows::remember(store, &pkg.base.id, e, "cli").await
            {
                eprintln!("error: database: {e}");
                return ExitCode::from(2);
            }
            match outcome {
                Ok(ImportOutcome::Imported { variants, .. }) => {
                    if verbose {
                        println!(
                            "imported: {} {} ({variants} variants, {:.12})",
                            pkg.base.id, pkg.base.version, pkg.content_hash
                        );
                    }
                }
                Ok(ImportOutcome::Unchanged { .. }) => {
                    if verbose {
                        println!(
                            "unchanged: {} {} is already imported with this content",
                            pkg.base.id, pkg.base.version
                        );
                    }
                }
                Err(e @ services::store::ImportError::Conflict { .. }) => {
                    println!("refused: {e}");
                    code = ExitCode::from(1);
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            }
        }
    }
    code
}

async fn services_cmd(args: &StoreArgs) -> Result<ExitCode, ExitCode> {
    let config = config(args)?;
    let store = open(&config).await?;
    let list = services::store::list(&store).await.map_err(|e| {
        eprintln!("error: database: {e}");
        ExitCode::from(2)
    })?;
    for s in list {
        let versions: Vec<&str> = s.versions.iter().map(|v| v.version.as_str()).collect();
        println!("{} {}", s.id, versions.join(" "));
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

/// The demo's services from Open ePlatform: each folder of
/// `fixtures/open-eplatform` holds a flow (`flode.oeflow`) and
/// municipalities' own copies of it (`<municipality>.oeflow`).
async fn import_demo_flows(store: &Store) -> ExitCode {
    let Ok(dirs) = std::fs::read_dir("fixtures/open-eplatform") else {
        return ExitCode::SUCCESS;
    };
    let mut dirs: Vec<PathBuf> = dirs
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for dir in dirs {
        let flow = dir.join("flode.oeflow");
        let mut variants: Vec<(String, PathBuf)> = std::fs::read_dir(&dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| services::oeflow::is_flow(p) && *p != flow)
            .filter_map(|p| Some((p.file_stem()?.to_str()?.to_string(), p)))
            .collect();
        variants.sort();
        let opts = services::oeflow::Options {
            variants,
            ..Default::default()
        };
        let code = import_all(store, &[flow], &opts, true).await;
        if code != ExitCode::SUCCESS {
            return code;
        }
    }
    ExitCode::SUCCESS
}

async fn mail_cmd(args: &StoreArgs) -> Result<ExitCode, ExitCode> {
    let config = config(args)?;
    let Some(cfg) = config.mail.clone() else {
        eprintln!("error: no [mail] section in the configuration; nothing can be sent");
        return Err(ExitCode::from(2));
    };
    // Only the database: sending mail needs no web state, and must not
    // touch what a running server holds (its runs, its jobs).
    let store = crate::store::Store::open(&config.database_url())
        .await
        .map_err(|e| {
            eprintln!("error: {e}");
            ExitCode::from(2)
        })?;
    let mailing = crate::mail::Mailing {
        cache: std::sync::Arc::new(crate::services::cache::VersionCache::new(
            store.clone(),
            crate::municipalities::Registry::builtin(),
        )),
        store,
        cfg,
    };
    match crate::mail::send_due(&mailing).await {
        Ok(n) => {
            println!("sent {n} e-mail(s)");
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("error: {e}");
            Err(ExitCode::from(1))
        }
    }
}

async fn serve_cmd(
    addr: Option<String>,
    demo: bool,
    args: &StoreArgs,
) -> Result<ExitCode, ExitCode> {
    let mut config = config(args)?;
    if let Some(a) = addr {
        config.addr = a;
    }
    let state = crate::startup::state(&config).await.map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(2)
    })?;
    let mut demo_accounts = None;
    if demo {
        let dir = PathBuf::from("fixtures/services");
        if !dir.is_dir() {
            eprintln!(
                "error: --demo needs fixtures/services; run it from the repository's top folder"
            );
            return Err(ExitCode::from(2));
        }
        let mut code = import_all(&state.store, &[dir], &Default::default(), true).await;
        if code == ExitCode::SUCCESS {
            code = import_demo_flows(&state.store).await;
        }
        if code != ExitCode::SUCCESS {
            eprintln!(
                "error: the demo fixtures did not import cleanly. If one was refused as already imported with different content, the data folder ({}) was filled from older fixtures: move it away (or set PROVRUM_DATA_DIR to a new folder) and start the demo again",
                config.data_dir.display()
            );
            return Err(code);
        }
        demo_accounts = Some(
            user::demo_users(&state.store, &config.data_dir)
                .await
                .map_err(|e| {
                    eprintln!("error: creating the demo users: {e}");
                    ExitCode::from(2)
                })?,
        );
    }
    let listener = tokio::net::TcpListener::bind(&config.addr)
        .await
        .map_err(|e| {
            eprintln!("error: listening on {}: {e}", config.addr);
            ExitCode::from(2)
        })?;
    let local = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_else(|_| config.addr.clone());
    println!(
        "Provrum is serving on http://{local}/ (database {})",
        redact(&config.database_url())
    );
    if let Some((pw, users)) = &demo_accounts {
        println!(
            "Demo: open http://{local}/ and log in as one of these (password {pw} for all, new at every start):"
        );
        for (u, what) in users {
            println!("  {u:<20} {what}");
        }
        println!("Inside a service, sign in with a test identity such as 19901114-2388.");
    }
    let store = state.store.clone();
    let served = crate::startup::serve(listener, state, crate::startup::shutdown_signal()).await;
    store.close().await;
    match served {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) => {
            eprintln!("error: serving: {e}");
            Err(ExitCode::from(2))
        }
    }
}

/// Hide a password in a database URL before printing it.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => match url[s + 3..at].split_once(':') {
            Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
            None => url.to_string(),
        },
        _ => url.to_string(),
    }
}
