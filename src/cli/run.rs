//! `provrum run`: scenarios × variants in headless Chromium, with a progress
//! bar, a summary, and JSON / JUnit reports. Exit 0 all passed, 1 any failed
//! or errored, 2 could not run (no browser, bad input).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::{StoreArgs, config, open};
use crate::artifacts::Artifacts;
use crate::browser::BrowserOptions;
use crate::scenarios::execute::{self, PlanError};
use crate::scenarios::report;
use crate::scenarios::runner::{Capture, RunnerConfig, Status};
use crate::web::AppState;

#[derive(Args)]
pub struct RunArgs {
    /// The service id, e.g. anmalan-om-olagenhet.
    #[arg(long)]
    service: String,
    /// The version [default: the newest imported].
    #[arg(long)]
    version: Option<String>,
    /// Scenario files (or folders) to run [default: every scenario of the service under --scenarios-dir].
    #[arg(long = "scenario", num_args = 1..)]
    scenarios: Vec<PathBuf>,
    /// Run every scenario on every variant (the default when nothing narrows the run).
    #[arg(long, conflicts_with_all = ["scenarios", "municipalities"])]
    all: bool,
    /// Only these municipalities' variants [default: all].
    #[arg(long = "municipality", num_args = 1..)]
    municipalities: Vec<String>,
    #[arg(long, default_value = "scenarios")]
    scenarios_dir: PathBuf,
    /// Browsers run side by side [default: number of cores].
    #[arg(long)]
    concurrency: Option<usize>,
    /// Write the run as JSON (schema in docs/formats.md).
    #[arg(long)]
    json: Option<PathBuf>,
    /// Write JUnit XML: one testcase per scenario × variant.
    #[arg(long)]
    junit: Option<PathBuf>,
    /// Screenshot only when a new page loads (faster), not after every acting step.
    #[arg(long)]
    pages_only: bool,
    /// Run every cell again, reusing no stored result (by default a cell
    /// whose inputs are unchanged takes its last result).
    #[arg(long)]
    fresh: bool,
    #[command(flatten)]
    store: StoreArgs,
}

pub async fn run(args: RunArgs) -> Result<ExitCode, ExitCode> {
    let config = config(&args.store)?;
    let db = open(&config).await?;
    let _ = crate::scenarios::store::mark_interrupted(&db).await;
    let files = execute::scenario_files(&args.scenarios, &args.scenarios_dir);
    let plan = match execute::plan(
        &db,
        &args.service,
        args.version.as_deref(),
        &files,
        &args.municipalities,
    )
    .await
    {
        Ok(p) => p,
        Err(PlanError::Invalid(diags)) => {
            for d in &diags {
                println!("{d}");
            }
            eprintln!(
                "error: {} problem(s) in the scenarios; nothing was run",
                diags.len()
            );
            return Err(ExitCode::from(2));
        }
        Err(e) => {
            eprintln!("error: {e}");
            return Err(ExitCode::from(2));
        }
    };
    let mut plan = plan;
    plan.fresh = args.fresh;
    let service = plan.version.service_id.clone();
    let version = plan.version.version.clone();
    println!(
        "Running {} scenario(s) on {} cell(s) of {service} {version}",
        plan.scenarios.len(),
        plan.cells.len()
    );

    let artifacts = super::artifacts(&config)?;
    let sandbox = Sandbox::start(&db, &artifacts, &config).await?;
    let origin = sandbox.origin.clone();
    let mut cfg = RunnerConfig::new(
        &origin,
        BrowserOptions {
            chromium: config.chromium_path.clone(),
            remote: config.chromium_url.clone(),
            pass: sandbox.pass(),
            ..BrowserOptions::default()
        },
    );
    if let Some(n) = args.concurrency {
        cfg.concurrency = n.max(1);
    }
    if args.pages_only {
        cfg.capture = Capture::Pages;
    }
    let cancel = crate::startup::flag_on_signal(
        "interrupted: stopping the run's cells wherever they run, closing the browsers",
    );

    let bar = indicatif::ProgressBar::new(plan.cells.len() as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {msg} [{elapsed}]")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let result = execute::execute(&db, &artifacts, plan, cfg, "cli", cancel, |o| {
        bar.set_message(format!(
            "{} {} {}",
            o.status.as_str(),
            o.scenario,
            o.municipality
        ));
        bar.inc(1);
    })
    .await;
    bar.finish_and_clear();
    sandbox.stop().await;
    let finished = match result {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return Err(ExitCode::from(2));
        }
    };

    print_summary(&finished.outcomes);
    if let Some(path) = &args.json {
        let doc = report::json(
            finished.run_id,
            &service,
            &version,
            finished.status.slug(),
            &finished.counts,
            &finished.outcomes,
        );
        if let Err(e) = std::fs::write(path, serde_json::to_string_pretty(&doc).unwrap_or_default())
        {
            eprintln!("error: writing {}: {e}", path.display());
            return Err(ExitCode::from(2));
        }
    }
    if let Some(path) = &args.junit
        && let Err(e) = std::fs::write(path, report::junit(&service, &version, &finished.outcomes))
    {
        eprintln!("error: writing {}: {e}", path.display());
        return Err(ExitCode::from(2));
    }
    let c = &finished.counts;
    println!("run {}: {}", finished.run_id, finished.status);
    let (ran, reused) = finished.run_and_reused();
    println!("{ran} cell(s) run, {reused} reused (inputs unchanged since an earlier run)");
    println!(
        "{} passed, {} failed, {} errors, {} skipped",
        c.passed, c.failed, c.error, c.skipped
    );
    db.close().await;
    Ok(if finished.status == crate::scenarios::RunStatus::Passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn print_summary(outcomes: &[crate::scenarios::runner::CellOutcome]) {
    let mut scenarios: Vec<&str> = outcomes.iter().map(|o| o.scenario.as_str()).collect();
    scenarios.sort();
    scenarios.dedup();
    let width = scenarios.iter().map(|s| s.len()).max().unwrap_or(10);
    println!(
        "{:<width$}  {:>6}  {:>6}  {:>6}",
        "scenario", "passed", "failed", "error"
    );
    for s in scenarios {
        let mine: Vec<_> = outcomes.iter().filter(|o| o.scenario == s).collect();
        let n = |st: Status| mine.iter().filter(|o| o.status == st).count();
        println!(
            "{s:<width$}  {:>6}  {:>6}  {:>6}",
            n(Status::Passed),
            n(Status::Failed),
            n(Status::Error)
        );
        for o in mine.iter().filter(|o| o.status != Status::Passed) {
            println!(
                "  {} {}: {}",
                o.status.as_str(),
                o.municipality,
                o.reason.as_deref().unwrap_or("")
            );
        }
    }
    print_accessibility(outcomes);
}

/// One line for axe-core over the run, and where the violations are.
fn print_accessibility(outcomes: &[crate::scenarios::runner::CellOutcome]) {
    let mut pages = 0;
    let mut found: Vec<(String, String, usize)> = Vec::new();
    for o in outcomes {
        for step in &o.steps {
            let Some(a) = &step.accessibility else {
                continue;
            };
            pages += 1;
            for v in a["violations"].as_array().into_iter().flatten() {
                let rule = v["id"].as_str().unwrap_or("?").to_string();
                match found
                    .iter_mut()
                    .find(|(m, r, _)| m == &o.municipality && r == &rule)
                {
                    Some(entry) => entry.2 += 1,
                    None => found.push((o.municipality.clone(), rule, 1)),
                }
            }
        }
    }
    if pages == 0 {
        return;
    }
    let total: usize = found.iter().map(|(_, _, n)| n).sum();
    println!("axe-core (WCAG 2.1 A/AA): {total} violation(s) on {pages} audited page(s)");
    for (m, rule, n) in &found {
        println!("  {m}: {rule} on {n} page(s)");
    }
}

/// The sandbox the browsers visit: this same binary, on a free local port.
pub(super) struct Sandbox {
    pub origin: String,
    passes: std::sync::Arc<crate::web::passes::Passes>,
    stop: tokio::sync::oneshot::Sender<()>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Sandbox {
    pub async fn start(
        db: &crate::store::Store,
        artifacts: &Artifacts,
        config: &crate::config::Config,
    ) -> Result<Sandbox, ExitCode> {
        // Serves pages only: the cells are this command's (or a worker's).
        let settings = crate::web::Settings {
            workers: 0,
            ..crate::startup::settings(config)
        };
        let state = AppState::build(db.clone(), artifacts.clone(), settings);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| {
                eprintln!("error: starting the sandbox server: {e}");
                ExitCode::from(2)
            })?;
        let local = format!(
            "http://{}",
            listener
                .local_addr()
                .map(|a| a.to_string())
                .unwrap_or_default()
        );
        let (stop, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let passes = state.passes.clone();
        let server = tokio::spawn(crate::startup::serve(listener, state, async move {
            let _ = stop_rx.await;
        }));
        Ok(Sandbox {
            origin: config.browser_origin.clone().unwrap_or(local),
            passes,
            stop,
            server,
        })
    }

    pub fn passes(&self) -> std::sync::Arc<crate::web::passes::Passes> {
        self.passes.clone()
    }

    /// A pass for this run's browsers (to read the cases they send).
    pub fn pass(&self) -> Option<crate::browser::Pass> {
        Some(self.passes.issue(&self.origin))
    }

    pub async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.server.await;
    }
}
