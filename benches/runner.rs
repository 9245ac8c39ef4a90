//! Scenario-matrix benchmark against the Playwright baseline in
//! ../shared/bench: the same 16-variant, 4-page static form, the same work
//! per variant (fill, Nästa, fill, Nästa, Skicka, expect receipt), the same
//! captures (a 1280×800 PNG and the page text at each of the 4 pages), one
//! browser, one fresh context per variant.
//!
//! Run through `scripts/bench-runner`, which serves the site and runs
//! Playwright in the same sitting. Usage:
//!   cargo bench --bench runner -- --port 18731 --conc 1,2 --runs 3

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use provrum::artifacts::Artifacts;
use provrum::browser::{Browser, BrowserOptions};
use provrum::scenarios::runner::{self, Capture, Cell, RunnerConfig, Status};
use provrum::services::{AssuranceLevel, Authentication, Branding, Contact, Signing, Variant};

const SCENARIO: &str = r##"
title: Peer baseline form
service: bench
steps:
  - open
  - fill: { namn: Anna Andersson, personnummer: 19800101-1234, epost: anna.andersson@example.se }
  - press: "#next"
  - fill: { beskrivning: Det låter mycket från fläkten på grannhuset varje natt mellan 02 och 04. }
  - check: [css:#typ-buller]
  - press: "#next"
  - expect_text: Anna Andersson
  - press: "#send"
  - expect_text: Tack! Ditt ärende har registrerats
"##;

fn arg(name: &str, default: &str) -> String {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == &format!("--{name}"))
        .and_then(|i| args.get(i + 1).cloned())
        .unwrap_or_else(|| default.to_string())
}

fn variant(slug: &str, base: &str) -> Variant {
    Variant {
        municipality: slug.to_string(),
        municipality_name: slug.to_string(),
        external_url: Some(format!("{base}/v/{slug}/step1.html")),
        title: "bench".into(),
        description: String::new(),
        organisation: None,
        authentication: Authentication {
            required: false,
            level: AssuranceLevel::Substantial,
            foreign_eid: false,
        },
        signing: Signing {
            required: false,
            text: None,
        },
        summary: false,
        personal_data: None,
        receipt_text: String::new(),
        contact: Contact::default(),
        branding: Branding::default(),
        privacy_policy_url: None,
        accessibility_statement_url: None,
        steps: Vec::new(),
        volatile: Vec::new(),
        handling_days: None,
    }
}

fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn main() {
    let port = arg("port", "18731");
    let base = format!("http://127.0.0.1:{port}");
    let concs: Vec<usize> = arg("conc", "1,2")
        .split(',')
        .filter_map(|s| s.parse().ok())
        .collect();
    let runs: usize = arg("runs", "3").parse().unwrap_or(3);
    let chromium = std::env::var("PROVRUM_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|_| provrum::browser::default_chromium());
    let slugs = [
        "arvika",
        "eda",
        "filipstad",
        "forshaga",
        "grums",
        "hagfors",
        "hammaro",
        "karlstad",
        "kil",
        "kristinehamn",
        "munkfors",
        "storfors",
        "sunne",
        "saffle",
        "torsby",
        "arjang",
    ];
    let scenario = Arc::new(
        provrum::scenarios::parse(std::path::Path::new("bench.yaml"), SCENARIO)
            .expect("bench scenario parses"),
    );
    let data = tempfile::tempdir().expect("tmp");
    let artifacts = Artifacts::new(data.path());
    let options = BrowserOptions {
        chromium,
        ..BrowserOptions::default()
    };

    // Launch cost, measured apart: Playwright's figures exclude launch and close.
    let mut launches = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        let b = Browser::launch(&options).expect("launch Chromium");
        launches.push(t.elapsed().as_secs_f64());
        b.close();
    }
    launches.sort_by(f64::total_cmp);
    let launch = launches[1];

    let axes: Vec<bool> = arg("axe", "off").split(',').map(|v| v == "on").collect();
    println!(
        "tool      mode  axe  conc  wall_s  wall_excl_launch_s  per_scen_ms  cells  peak_rss_mb"
    );
    for &axe in &axes {
        for &conc in &concs {
            let mut walls = Vec::new();
            let mut per = Vec::new();
            for r in 0..runs + 1 {
                let cells: Vec<Cell> = slugs
                    .iter()
                    .map(|s| {
                        Cell::new(scenario.clone(), Arc::new(variant(s, &base)), String::new())
                    })
                    .collect();
                let mut cfg = RunnerConfig::new(&base, options.clone());
                cfg.concurrency = conc;
                cfg.capture = Capture::Pages;
                cfg.full_page = false;
                cfg.axe = axe;
                let outcomes = Mutex::new(Vec::new());
                let cancel = AtomicBool::new(false);
                let t = Instant::now();
                runner::run(cells, &cfg, &artifacts, &cancel, &|_, o| {
                    outcomes.lock().expect("lock").push(o)
                })
                .expect("run");
                let wall = t.elapsed().as_secs_f64();
                let outcomes = outcomes.into_inner().expect("outcomes");
                let failed: Vec<_> = outcomes
                    .iter()
                    .filter(|o| o.status != Status::Passed)
                    .map(|o| format!("{}: {:?}", o.municipality, o.reason))
                    .collect();
                assert!(failed.is_empty(), "every variant passes: {failed:#?}");
                let captures = outcomes
                    .iter()
                    .flat_map(|o| &o.steps)
                    .filter(|s| s.screenshot.is_some())
                    .map(|s| s.screenshot.clone())
                    .collect::<std::collections::HashSet<_>>()
                    .len();
                assert!(captures >= 16 * 4 - 16, "4 captures per variant");
                if r == 0 {
                    continue; // warm-up, as Playwright's --warmup 1
                }
                walls.push(wall);
                per.push(
                    outcomes.iter().map(|o| o.duration_ms as f64).sum::<f64>()
                        / outcomes.len() as f64,
                );
            }
            walls.sort_by(f64::total_cmp);
            per.sort_by(f64::total_cmp);
            let wall = walls[walls.len() / 2];
            println!(
                "provrum   full  {:>3}  {conc:>4}  {wall:>6.2}  {:>18.2}  {:>11.0}  {:>5}  {:>11.1}",
                if axe { "on" } else { "off" },
                wall - launch * (conc as f64).min(1.0),
                per[per.len() / 2],
                slugs.len(),
                peak_rss_kb() as f64 / 1024.0
            );
        }
    }
    println!(
        "(launch of one Chromium: {:.0} ms median of 3, included in wall_s, excluded in wall_excl_launch_s)",
        launch * 1000.0
    );
}
