//! `provrum checklist`: a version against the legal checklists. Exit 0 when
//! no blocking item is failed or unassessed, 1 otherwise, 2 on error.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use serde_json::json;

use super::{StoreArgs, config, open};
use crate::checklists::{Verdict, evaluate, load_dir};

#[derive(Args)]
pub struct ChecklistArgs {
    #[arg(long)]
    service: String,
    /// The version [default: the newest imported].
    #[arg(long)]
    version: Option<String>,
    #[arg(long, default_value = "fixtures/checklists")]
    checklists: PathBuf,
    /// Write the result as JSON (schema provrum-checklist/1, docs/formats.md).
    #[arg(long)]
    json: Option<PathBuf>,
    #[command(flatten)]
    store: StoreArgs,
}

pub async fn run(args: ChecklistArgs) -> Result<ExitCode, ExitCode> {
    let lists = load_dir(&args.checklists).map_err(|diags| {
        for d in &diags {
            println!("{d}");
        }
        eprintln!("error: {} problem(s) in the checklists", diags.len());
        ExitCode::from(2)
    })?;
    let config = config(&args.store)?;
    let db = open(&config).await?;
    let Some(v) = crate::services::store::find_version(&db, &args.service, args.version.as_deref())
        .await
        .map_err(|e| {
            eprintln!("error: {e}");
            ExitCode::from(2)
        })?
    else {
        eprintln!(
            "error: no version {} of service `{}` is imported (see `provrum services`)",
            args.version.as_deref().unwrap_or("(newest)"),
            args.service
        );
        return Err(ExitCode::from(2));
    };
    let eval = evaluate(&db, v.id, &lists).await.map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(2)
    })?;
    db.close().await;
    println!(
        "{} {}: {} item(s) in {} checklist(s)",
        v.service_id,
        v.version,
        eval.items.len(),
        lists.len()
    );
    for i in &eval.items {
        let mark = match &i.verdict {
            Verdict::Ok => "ok        ",
            Verdict::Failed(_) => "FAILED    ",
            Verdict::Unassessed(_) => "UNASSESSED",
        };
        let sev = if i.blocks() {
            "blocking"
        } else if i.item.severity == crate::checklists::Severity::Blocking {
            ""
        } else {
            "advisory"
        };
        println!("{mark} {}/{} {sev}: {}", i.checklist, i.item.id, i.summary);
        if let Verdict::Failed(r) | Verdict::Unassessed(r) = &i.verdict {
            println!("           {r}");
        }
    }
    let blocking = eval.items.iter().filter(|i| i.blocks()).count();
    println!("{blocking} blocking item(s) failed or unassessed");
    let code = if blocking == 0 { 0 } else { 1 };
    if let Some(path) = &args.json {
        let doc = json!({
            "schema": "provrum-checklist/1",
            "service": v.service_id,
            "version": v.version,
            "exit": code,
            "blocking": blocking,
            "items": eval.items,
        });
        std::fs::write(path, serde_json::to_string_pretty(&doc).unwrap_or_default()).map_err(
            |e| {
                eprintln!("error: writing {}: {e}", path.display());
                ExitCode::from(2)
            },
        )?;
    }
    Ok(ExitCode::from(code))
}
