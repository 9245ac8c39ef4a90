//! `provrum release-check`: may this version ship? With `--run`, first runs
//! the scenarios (when this version has no run yet) and the comparison
//! (captures are reused when fresh). Exit 0 ready, 1 blocked, 2 could not decide.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use clap::Args;

use super::run::Sandbox;
use super::{StoreArgs, config, open};
use crate::artifacts::Artifacts;
use crate::browser::BrowserOptions;
use crate::release::{Policy, Verdict, check, report};
use crate::services::store::VersionSummary;
use crate::store::Store;

#[derive(Args)]
pub struct ReleaseArgs {
    #[arg(long)]
    service: String,
    /// The version [default: the newest imported].
    #[arg(long)]
    version: Option<String>,
    /// Run the scenarios, captures and automatic checks the verdict needs first.
    #[arg(long)]
    run: bool,
    /// With --run: run every cell and capture every variant again, reusing nothing.
    #[arg(long, requires = "run")]
    fresh: bool,
    #[arg(long, default_value = "fixtures/checklists")]
    checklists: PathBuf,
    #[arg(long, default_value = "release-policy.yaml")]
    policy: PathBuf,
    #[arg(long, default_value = "scenarios")]
    scenarios_dir: PathBuf,
    /// Write the verdict as JSON (schema provrum-release/1).
    #[arg(long)]
    json: Option<PathBuf>,
    /// Write JUnit XML: one testcase per gate condition per municipality.
    #[arg(long)]
    junit: Option<PathBuf>,
    /// Write the self-contained HTML report.
    #[arg(long)]
    html: Option<PathBuf>,
    #[command(flatten)]
    store: StoreArgs,
}

/// What `--run` works with.
struct Here<'a> {
    db: &'a Store,
    artifacts: &'a Artifacts,
    v: &'a VersionSummary,
    scenarios_dir: &'a std::path::Path,
    origin: &'a str,
    browser: &'a BrowserOptions,
    /// Capture again even what could be reused.
    fresh: bool,
}

/// The run the gate will judge: every cell of the version's scenarios as
/// they are now; a cell whose inputs did not change since an earlier run
/// takes that result (`scenarios::reuse`), unless `--fresh`.
async fn run_scenarios(here: &Here<'_>) -> Result<(), ExitCode> {
    let files = crate::scenarios::execute::scenario_files(&[], here.scenarios_dir);
    let mut plan = match crate::scenarios::execute::plan(
        here.db,
        &here.v.service_id,
        Some(&here.v.version),
        &files,
        &[],
    )
    .await
    {
        Ok(plan) => plan,
        Err(crate::scenarios::execute::PlanError::NoScenarios(_)) => {
            println!("no scenarios for {}", here.v.service_id);
            return Ok(());
        }
        Err(e) => return Err(fail(e)),
    };
    plan.fresh = here.fresh;
    println!("running {} scenario cell(s)…", plan.cells.len());
    let started = std::time::Instant::now();
    let cfg = crate::scenarios::runner::RunnerConfig::new(here.origin, here.browser.clone());
    let done = crate::scenarios::execute::execute(
        here.db,
        here.artifacts,
        plan,
        cfg,
        "release-check",
        Arc::new(AtomicBool::new(false)),
        |_| {},
    )
    .await
    .map_err(fail)?;
    let (ran, reused) = done.run_and_reused();
    println!(
        "  {ran} cell(s) run, {reused} reused, done in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Every variant against the base and the last release, in two viewports.
async fn compare_variants(here: &Here<'_>) -> Result<(), ExitCode> {
    println!("capturing and comparing the variants…");
    let env = crate::compare::execute::Env {
        origin: here.origin.to_string(),
        browser: here.browser.clone(),
        concurrency: std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2),
        files_dir: here.scenarios_dir.join("files"),
        cancel: Arc::new(AtomicBool::new(false)),
    };
    let req = crate::compare::Request {
        service: here.v.service_id.clone(),
        version: Some(here.v.version.clone()),
        against: crate::compare::Against::Default,
        viewports: vec![
            crate::compare::capture::Viewport::desktop(),
            crate::compare::capture::Viewport::mobile(),
        ],
        fresh: here.fresh,
    };
    let started = std::time::Instant::now();
    let compared =
        crate::compare::execute(here.db, here.artifacts, &env, &req, Arc::new(|_, _| {}))
            .await
            .map_err(fail)?;
    println!(
        "  {} capture walk(s), {} reused, compared in {:.1} s",
        compared.captured,
        compared.reused,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn fail(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {msg}");
    ExitCode::from(2)
}

pub async fn run(args: ReleaseArgs) -> Result<ExitCode, ExitCode> {
    let lists = crate::checklists::load_dir(&args.checklists).map_err(|d| {
        for x in &d {
            println!("{x}");
        }
        fail(format!("{} problem(s) in the checklists", d.len()))
    })?;
    let policy = Policy::load(&args.policy).map_err(|d| {
        for x in &d {
            println!("{x}");
        }
        fail(format!("{} problem(s) in the release policy", d.len()))
    })?;
    let config = config(&args.store)?;
    let db = open(&config).await?;
    let Some(v) = crate::services::store::find_version(&db, &args.service, args.version.as_deref())
        .await
        .map_err(fail)?
    else {
        return Err(fail(format!(
            "no version {} of service `{}` is imported (see `provrum services`)",
            args.version.as_deref().unwrap_or("(newest)"),
            args.service
        )));
    };
    let artifacts = super::artifacts(&config)?;
    if args.run {
        let sandbox = Sandbox::start(&db, &artifacts, &config).await?;
        let browser = BrowserOptions {
            chromium: config.chromium_path.clone(),
            remote: config.chromium_url.clone(),
            pass: sandbox.pass(),
            ..BrowserOptions::default()
        };
        // One after the other: side by side (each with a browser per core)
        // took longer on two cores, from nothing (206 s against 179 s) and
        // after one word in one overlay (22 s against 18 s): four browsers
        // take turns on two cores (docs/performance.md, 2026-12-03).
        let here = Here {
            db: &db,
            artifacts: &artifacts,
            v: &v,
            scenarios_dir: &args.scenarios_dir,
            origin: &sandbox.origin,
            browser: &browser,
            fresh: args.fresh,
        };
        run_scenarios(&here).await?;
        compare_variants(&here).await?;
        sandbox.stop().await;
    }
    let g = check(&db, &v, &lists, &policy).await.map_err(fail)?;
    db.close().await;
    let code = if g.verdict == Verdict::Ready { 0 } else { 1 };
    println!(
        "{} {}: {}",
        g.service,
        g.version,
        if code == 0 {
            "READY to release"
        } else {
            "BLOCKED"
        }
    );
    for c in &g.conditions {
        let mine: Vec<_> = g.blockers.iter().filter(|b| b.condition == *c).collect();
        println!(
            "  {:<14} {}",
            c,
            if mine.is_empty() {
                "ok".to_string()
            } else {
                format!("{} blocker(s)", mine.len())
            }
        );
        for b in mine {
            println!("    - {} [{}]", b.message, b.key);
        }
    }
    for (b, w) in &g.waived {
        println!(
            "  waived: {} ({}, until {}, by {})",
            b.message, w.reason, w.expires, w.decided_by
        );
    }
    let write = |path: &PathBuf, text: String| {
        std::fs::write(path, text).map_err(|e| fail(format!("writing {}: {e}", path.display())))
    };
    if let Some(p) = &args.json {
        write(
            p,
            serde_json::to_string_pretty(&report::json(&g, code)).unwrap_or_default(),
        )?;
    }
    if let Some(p) = &args.junit {
        write(p, report::junit(&g))?;
    }
    if let Some(p) = &args.html {
        write(
            p,
            report::html(&g, &artifacts, &config.public_base().unwrap_or_default())
                .map_err(fail)?,
        )?;
    }
    Ok(ExitCode::from(code))
}
