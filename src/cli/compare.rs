//! `provrum compare`: capture every variant and compare it with the base and
//! the last release (or a given version). Exit 0 when every deviation is
//! approved, 1 when some are not, 2 when the comparison could not be made.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Args;
use serde_json::json;

use super::run::Sandbox;
use super::{StoreArgs, config, open};
use crate::browser::BrowserOptions;
use crate::compare::capture::Viewport;
use crate::compare::execute::{Against, Env, Report, Request};
use crate::compare::{Judged, Kind, Status};

#[derive(Args)]
pub struct CompareArgs {
    /// The service id, e.g. anmalan-om-olagenhet.
    #[arg(long)]
    service: String,
    /// The version [default: the newest imported].
    #[arg(long)]
    version: Option<String>,
    /// base, released, or a VERSION [default: the base, and the last release if any].
    #[arg(long)]
    against: Option<String>,
    /// Viewports: desktop, mobil, or NAME=WIDTHxHEIGHT [default: desktop mobil].
    #[arg(long = "viewport", num_args = 1..)]
    viewports: Vec<String>,
    /// Capture again even when a capture of the same rendering is stored.
    #[arg(long)]
    fresh: bool,
    /// Browsers side by side [default: number of cores].
    #[arg(long)]
    concurrency: Option<usize>,
    /// Where required-file questions take their files from.
    #[arg(long, default_value = "scenarios/files")]
    files: PathBuf,
    /// Write the result as JSON (schema provrum-compare/1, docs/formats.md).
    #[arg(long)]
    json: Option<PathBuf>,
    #[command(flatten)]
    store: StoreArgs,
}

pub async fn run(args: CompareArgs) -> Result<ExitCode, ExitCode> {
    let viewports = if args.viewports.is_empty() {
        vec![Viewport::desktop(), Viewport::mobile()]
    } else {
        args.viewports
            .iter()
            .map(|s| Viewport::parse(s))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| {
                eprintln!("error: --viewport: {e}");
                ExitCode::from(2)
            })?
    };
    let config = config(&args.store)?;
    let db = open(&config).await?;
    let artifacts = super::artifacts(&config)?;
    let sandbox = Sandbox::start(&db, &artifacts, &config).await?;
    let env = Env {
        origin: sandbox.origin.clone(),
        browser: BrowserOptions {
            chromium: config.chromium_path.clone(),
            remote: config.chromium_url.clone(),
            pass: sandbox.pass(),
            ..BrowserOptions::default()
        },
        concurrency: args.concurrency.unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2)
        }),
        files_dir: args.files.clone(),
        cancel: crate::startup::flag_on_signal("stopping: the walks not started are not made"),
    };
    let req = Request {
        service: args.service.clone(),
        version: args.version.clone(),
        against: args
            .against
            .as_deref()
            .map(Against::parse)
            .unwrap_or(Against::Default),
        viewports,
        fresh: args.fresh,
    };
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} captures [{elapsed}]")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let b = bar.clone();
    let progress = Arc::new(move |done: usize, total: usize| {
        b.set_length(total as u64);
        b.set_position(done as u64);
    });
    let result = crate::compare::execute(&db, &artifacts, &env, &req, progress).await;
    bar.finish_and_clear();
    sandbox.stop().await;
    db.close().await;
    let report = result.map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(2)
    })?;
    print_summary(&report);
    let code = crate::compare::exit_code(&report.deviations);
    if let Some(path) = &args.json {
        let doc = json_report(&report, code);
        if let Err(e) = std::fs::write(path, serde_json::to_string_pretty(&doc).unwrap_or_default())
        {
            eprintln!("error: writing {}: {e}", path.display());
            return Err(ExitCode::from(2));
        }
    }
    Ok(ExitCode::from(code))
}

fn print_summary(r: &Report) {
    println!(
        "{} {}: {} capture(s) made, {} reused",
        r.version.service_id, r.version.version, r.captured, r.reused
    );
    for info in &r.references {
        let mine: Vec<&Judged> = r
            .deviations
            .iter()
            .filter(|d| d.deviation.reference == info.reference)
            .collect();
        let changed = |m: &str| {
            mine.iter()
                .any(|d| d.deviation.municipality == m && d.deviation.kind != Kind::Declared)
        };
        let n_changed = info.compared.iter().filter(|m| changed(m)).count();
        let against = if info.reference == "base" {
            "mot basen".to_string()
        } else {
            format!("mot {}", info.reference)
        };
        println!(
            "{against}: ändrad för {n_changed} av {} varianter",
            info.compared.len()
        );
        for (m, why) in &info.skipped {
            println!("  {m}: inte jämförd ({why})");
        }
        for d in mine.iter().filter(|d| !d.status.is_settled()) {
            println!(
                "  {} {} {} [{}]: {}",
                d.deviation.municipality,
                d.deviation.step,
                d.deviation.kind,
                d.status.swedish(),
                d.deviation.summary
            );
        }
    }
    let pending = r
        .deviations
        .iter()
        .filter(|d| !d.status.is_settled())
        .count();
    println!(
        "{} avvikelse(r), {pending} ej godkända",
        r.deviations
            .iter()
            .filter(|d| d.deviation.kind != Kind::Declared)
            .count()
    );
}

pub fn json_report(r: &Report, exit: u8) -> serde_json::Value {
    let count = |reference: &str, s: Status| {
        r.deviations
            .iter()
            .filter(|d| d.deviation.reference == reference && d.status == s)
            .count()
    };
    json!({
        "schema": "provrum-compare/1",
        "service": r.version.service_id,
        "version": r.version.version,
        "exit": exit,
        "captures": { "made": r.captured, "reused": r.reused },
        "references": r.references.iter().map(|i| json!({
            "reference": i.reference,
            "compared": i.compared,
            "skipped": i.skipped.iter().map(|(m, why)| json!({ "municipality": m, "reason": why })).collect::<Vec<_>>(),
            "counts": {
                "pending": count(&i.reference, Status::Pending),
                "approved": count(&i.reference, Status::Approved),
                "flagged": count(&i.reference, Status::Flagged),
                "declared": count(&i.reference, Status::Declared),
                "error": count(&i.reference, Status::Error),
            },
        })).collect::<Vec<_>>(),
        "deviations": r.deviations,
    })
}
