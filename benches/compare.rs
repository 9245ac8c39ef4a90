//! Comparison benchmark: the diff work of `provrum compare` on real captures.
//!
//! Setup (not timed): the fixture service `anmalan-om-olagenhet` is served on
//! 127.0.0.1 and its 15 hosted variants are captured at 1280 px in Chromium.
//! Timed:
//! 1. every variant's pages against Karlstad's (worst case: every page
//!    differs in name, colour and text, so every pixel diff runs and every
//!    diff image is encoded) — text + structure + pixels, on all cores;
//! 2. the pixel diff of one 1280×2000 pair (a real page made 2000 px tall,
//!    and a copy with a changed block), without encoding the diff image.
//!
//! Run: `scripts/bench-compare` (= `cargo bench --bench compare`).

use std::sync::Arc;
use std::time::Instant;

use image::{ImageBuffer, Rgba, RgbaImage};
use provrum::artifacts::Artifacts;
use provrum::browser::BrowserOptions;
use provrum::compare::capture::{self, CaptureConfig, Job, Viewport};
use provrum::compare::execute::{Sides, diff_all};
use provrum::compare::pixels;
use provrum::municipalities::Registry;
use provrum::store::Store;
use provrum::web::AppState;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("tmp");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let (url, store, variants, version, pass) = rt.block_on(async {
        let store = Store::open(&format!("sqlite://{}", dir.path().join("b.db").display()))
            .await
            .expect("store");
        let pkg = provrum::services::load(
            &root.join("fixtures/services/anmalan-om-olagenhet"),
            Registry::builtin(),
        )
        .expect("package");
        provrum::intake::import(&store, &pkg, Registry::builtin(), "bench")
            .await
            .expect("import");
        let v = provrum::services::store::find_version(&store, "anmalan-om-olagenhet", None)
            .await
            .expect("db")
            .expect("version");
        let variants = provrum::services::store::variants(&store, v.id)
            .await
            .expect("variants");
        let state = AppState::new(store.clone(), Artifacts::new(dir.path()), false);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        // The walks send a case per variant and open `~bas`: a run's pass.
        let pass = state.passes.issue(&url);
        tokio::spawn(provrum::startup::serve(
            listener,
            state,
            std::future::pending(),
        ));
        (url, store, variants, v.version, pass)
    });
    let artifacts = Artifacts::new(dir.path());
    let jobs: Vec<Job> = variants
        .iter()
        .filter(|x| x.external_url.is_none())
        .map(|x| Job {
            target: x.municipality.clone(),
            variant: Arc::new(x.clone()),
            path: format!(
                "/tjanster/anmalan-om-olagenhet/{version}/{}",
                x.municipality
            ),
            viewport: Viewport::desktop(),
        })
        .collect();
    let mut cfg = CaptureConfig {
        origin: url,
        browser: BrowserOptions {
            chromium: std::env::var("PROVRUM_CHROMIUM")
                .map(Into::into)
                .unwrap_or_else(|_| provrum::browser::default_chromium()),
            pass: Some(pass),
            ..BrowserOptions::default()
        },
        concurrency: 2,
        files_dir: root.join("scenarios/files"),
        single_shot: false,
    };
    // The capture walk itself, each way of screenshotting alone (issue 29):
    // until two screenshots in a row agree, and one when nothing can paint.
    // A warm-up walk first, so that neither pays for a cold browser cache.
    let _ = capture::capture(jobs[..1].to_vec(), &cfg, &artifacts, &|_| {});
    let t = Instant::now();
    let _ = capture::capture(jobs.clone(), &cfg, &artifacts, &|_| {}).expect("capture");
    let two_s = t.elapsed().as_secs_f64();
    cfg.single_shot = true;
    let t = Instant::now();
    let captured = capture::capture(jobs, &cfg, &artifacts, &|_| {}).expect("capture");
    let capture_s = t.elapsed().as_secs_f64();
    println!(
        "capture walks: until two screenshots agree {two_s:.1} s; one screenshot when nothing can paint {capture_s:.1} s"
    );
    assert!(
        captured.iter().all(|c| c.error.is_none()),
        "a capture failed"
    );
    let pages: usize = captured.iter().map(|c| c.pages.len()).sum();
    println!(
        "setup: captured {} variants ({pages} pages, 1280 px) in {capture_s:.1} s",
        captured.len()
    );

    let reference = captured
        .iter()
        .find(|c| c.job.target == "karlstad")
        .expect("karlstad")
        .pages
        .clone();
    let sides = || -> Sides {
        captured
            .iter()
            .filter(|c| c.job.target != "karlstad")
            .map(|c| {
                (
                    "base".to_string(),
                    c.job.target.clone(),
                    Ok((
                        vec![("desktop".to_string(), reference.clone())],
                        vec![("desktop".to_string(), c.pages.clone())],
                    )),
                )
            })
            .collect()
    };
    let compared_pages: usize = captured
        .iter()
        .filter(|c| c.job.target != "karlstad")
        .map(|c| c.pages.len())
        .sum();
    let mut times = Vec::new();
    let mut found = 0;
    for _ in 0..5 {
        let t = Instant::now();
        let out = diff_all(sides(), &artifacts).expect("diff");
        times.push(t.elapsed().as_secs_f64());
        found = out.len();
    }
    let m = median(times);
    println!(
        "compare: {} variants × {} pages each = {compared_pages} page pairs, {found} deviations: median {:.3} s ({:.1} ms per page pair; 16 × 5 pages ≈ {:.2} s)",
        captured.len() - 1,
        compared_pages / (captured.len() - 1),
        m,
        m * 1000.0 / compared_pages as f64,
        m / compared_pages as f64 * 80.0
    );

    // One 1280×2000 pair.
    let page = reference
        .iter()
        .find(|p| p.step == "granska")
        .expect("summary page");
    let png = artifacts.get(&page.screenshot).expect("png");
    let src = image::load_from_memory(&png).expect("decode").to_rgba8();
    let tall: RgbaImage = ImageBuffer::from_fn(1280, 2000, |x, y| {
        if x < src.width() {
            *src.get_pixel(x, y % src.height())
        } else {
            Rgba([255, 255, 255, 255])
        }
    });
    let mut changed = tall.clone();
    for y in 900..960 {
        for x in 100..700 {
            changed.put_pixel(x, y, Rgba([31, 95, 58, 255]));
        }
    }
    for (label, b) in [
        ("identical copy", tall.clone()),
        ("a changed block", changed),
    ] {
        let mut t = Vec::new();
        let mut d = None;
        for _ in 0..20 {
            let s = Instant::now();
            d = Some(pixels::diff(&tall, &b, pixels::Options::default()));
            t.push(s.elapsed().as_secs_f64() * 1000.0);
        }
        let d = d.expect("diff");
        println!(
            "pixel diff 1280×2000 vs {label}: median {:.1} ms ({} changed, {} regions)",
            median(t),
            d.changed,
            d.regions.len()
        );
    }
    rt.block_on(store.close());
}
