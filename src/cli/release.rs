//! `provrum release-check`: may this version ship? With `--run`, first runs
//! the scenarios (when this version has no run yet) and the comparison
//! (captures are reused when fresh). Exit 0 ready, 1 blocked, 2 could not decide.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::run::Sandbox;
use super::{StoreArgs, config, open};
use crate::browser::BrowserOptions;
use crate::release::prepare::{Bench, PrepareError, Stage, prepare};
use crate::release::{Policy, Verdict, check, report};

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
        let bench = Bench {
            db: &db,
            artifacts: &artifacts,
            scenarios_dir: &args.scenarios_dir,
            origin: &sandbox.origin,
            browser: &browser,
            fresh: args.fresh,
        };
        let prepared = prepare(&bench, &v, |stage| match stage {
            Stage::Cells(n) => println!("running {n} scenario cell(s)…"),
            Stage::Walks => println!("capturing and comparing the variants…"),
        })
        .await;
        let prepared = match prepared {
            Err(PrepareError::Plan(e)) => {
                eprintln!("error: {e}");
                if let crate::scenarios::execute::PlanError::Invalid(d) = &e {
                    for x in d {
                        println!("{x}");
                    }
                }
                return Err(ExitCode::from(2));
            }
            other => other.map_err(fail)?,
        };
        match prepared.cells {
            Some(c) => println!(
                "  {} cell(s) run, {} reused, done in {:.1} s",
                c.made,
                c.reused,
                c.took.as_secs_f64()
            ),
            None => println!("no scenarios for {}", v.service_id),
        }
        let w = prepared.walks;
        println!(
            "  {} capture walk(s), {} reused, compared in {:.1} s",
            w.made,
            w.reused,
            w.took.as_secs_f64()
        );
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
