//! `provrum worker`: runs queued scenario cells and comparisons' capture
//! walks (started on any web replica, by `provrum run`, `provrum compare` or
//! `release-check --run`) with its own browsers, until stopped. Start as many as there are machines; each claims
//! cells for a lease it renews, so a worker that dies loses its cells to the
//! others (`scenarios::queue`). Ctrl-C or SIGTERM: the cells in progress go
//! back to the queue.

use std::process::ExitCode;

use clap::Args;

use super::run::Sandbox;
use super::{StoreArgs, config, open};
use crate::browser::BrowserOptions;
use crate::scenarios::runner::RunnerConfig;
use crate::work::worker::{Setup, Worker};

#[derive(Args)]
pub struct WorkerArgs {
    /// Browsers side by side [default: number of cores].
    #[arg(long)]
    concurrency: Option<usize>,
    #[command(flatten)]
    store: StoreArgs,
}

pub async fn run(args: WorkerArgs) -> Result<ExitCode, ExitCode> {
    let config = config(&args.store)?;
    let db = open(&config).await?;
    let artifacts = super::artifacts(&config)?;
    // A worker killed before this one left its browser profiles behind.
    let swept = crate::browser::sweep_profiles();
    if swept > 0 {
        tracing::info!(
            profiles = swept,
            "removed browser profiles of workers that died"
        );
    }
    // The browsers visit the web tier at PROVRUM_BROWSER_ORIGIN when set
    // (their passes are in the database, so any replica honours them), else
    // this process's own sandbox server.
    let sandbox = Sandbox::start(&db, &artifacts, &config).await?;
    let (origin, passes) = (sandbox.origin.clone(), sandbox.passes());
    let (chromium, remote) = (config.chromium_path.clone(), config.chromium_url.clone());
    let concurrency = args.concurrency.unwrap_or_else(crate::web::default_workers);
    let setup: Setup<RunnerConfig> = Box::new(move || {
        let options = BrowserOptions {
            chromium: chromium.clone(),
            remote: remote.clone(),
            pass: Some(passes.issue(&origin)),
            ..BrowserOptions::default()
        };
        let mut cfg = RunnerConfig::new(&origin, options);
        cfg.concurrency = concurrency.max(1);
        Ok(cfg)
    });
    let here = Worker::new(db.clone(), artifacts, setup, crate::work::lease());
    println!(
        "worker {} with {concurrency} browser(s), browsing {}: waiting for cells and capture walks",
        here.id(),
        sandbox.origin
    );
    let stop =
        crate::startup::flag_on_signal("stopping: the cells in progress go back to the queue");
    let print = |o: &crate::scenarios::runner::CellOutcome| {
        println!("{} {} {}", o.status.as_str(), o.scenario, o.municipality)
    };
    let cells = crate::scenarios::work::Cells::new(None, &print);
    let walks = crate::compare::work::Walks;
    let worked = here.work(&[&cells, &walks], &stop).await;
    sandbox.stop().await;
    db.close().await;
    match worked {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) => {
            eprintln!("error: {e}");
            Err(ExitCode::from(2))
        }
    }
}
