//! Foundation benchmark: package import time and sandbox step-page latency
//! under 50 concurrent clients, on SQLite and (when configured) PostgreSQL.
//!
//! Run with `scripts/bench` (or `cargo bench --bench foundation`); record the
//! figures in docs/performance.md. Goals: import of a 16-variant package
//! ≤ 100 ms; step page p99 ≤ 5 ms server-side.

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use provrum::municipalities::Registry;
use provrum::services;

const IMPORTS: usize = 40;
fn client_count() -> usize {
    std::env::var("BENCH_CLIENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50)
}
const REQUESTS_PER_CLIENT: usize = 200;

fn summary(label: &str, mut ms: Vec<f64>) {
    ms.sort_by(|a, b| a.total_cmp(b));
    println!(
        "{label:<44} n={:<6} p50={:>7.3} ms  p95={:>7.3} ms  p99={:>7.3} ms  max={:>7.3} ms",
        ms.len(),
        common::percentile(&ms, 0.50),
        common::percentile(&ms, 0.95),
        common::percentile(&ms, 0.99),
        ms.last().copied().unwrap_or(f64::NAN)
    );
}

/// Read the package once, then import it under a new version number each
/// time: parse, validate, merge 16 variants and write them in one transaction.
async fn bench_import(app: &common::TestApp, backend: &str) {
    let dir = common::fixtures().join("services/anmalan-om-olagenhet");
    let mut files = vec![(
        "service.yaml".to_string(),
        std::fs::read_to_string(dir.join("service.yaml")).expect("read"),
    )];
    let mut names: Vec<_> = std::fs::read_dir(dir.join("variants"))
        .expect("variants")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .collect();
    names.sort();
    for p in names {
        files.push((
            format!(
                "variants/{}",
                p.file_name().unwrap_or_default().to_string_lossy()
            ),
            std::fs::read_to_string(&p).expect("read"),
        ));
    }
    let (mut parse_ms, mut total_ms) = (Vec::new(), Vec::new());
    for i in 0..IMPORTS {
        let mut f = files.clone();
        f[0].1 = f[0]
            .1
            .replace("version: 2.1.0-rc1", &format!("version: 9.{i}.0"));
        let started = Instant::now();
        let pkg = services::from_files(&dir, f, Registry::builtin()).expect("valid package");
        let parsed = started.elapsed();
        assert_eq!(pkg.variants.len(), 16);
        provrum::intake::import(&app.store, &pkg, Registry::builtin(), "bench")
            .await
            .expect("import");
        let total = started.elapsed();
        parse_ms.push(parsed.as_secs_f64() * 1000.0);
        total_ms.push(total.as_secs_f64() * 1000.0);
    }
    summary(
        &format!("[{backend}] parse+validate+merge (16 variants)"),
        parse_ms,
    );
    summary(&format!("[{backend}] import total (16 variants)"), total_ms);
}

async fn bench_step_pages(app: &common::TestApp, backend: &str) {
    let mut clients = Vec::new();
    for n in 0..client_count() {
        clients.push(common::sandbox_session(&app.url, n).await);
    }
    let started = Instant::now();
    let tasks: Vec<_> = clients
        .into_iter()
        .map(|(client, url)| {
            tokio::spawn(async move {
                let mut server = Vec::with_capacity(REQUESTS_PER_CLIENT);
                let mut round_trip = Vec::with_capacity(REQUESTS_PER_CLIENT);
                for _ in 0..REQUESTS_PER_CLIENT {
                    let t = Instant::now();
                    let res = client.get(&url).send().await.expect("GET step");
                    assert_eq!(res.status(), 200);
                    let timing = res
                        .headers()
                        .get("server-timing")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.strip_prefix("app;dur="))
                        .and_then(|v| v.parse::<f64>().ok());
                    let body = res.bytes().await.expect("body");
                    assert!(body.len() > 1000);
                    round_trip.push(t.elapsed().as_secs_f64() * 1000.0);
                    server.push(timing.expect("Server-Timing header"));
                }
                (server, round_trip)
            })
        })
        .collect();
    let (mut server, mut round_trip) = (Vec::new(), Vec::new());
    for t in tasks {
        let (s, r) = t.await.expect("client task");
        server.extend(s);
        round_trip.extend(r);
    }
    let wall = started.elapsed();
    summary(
        &format!(
            "[{backend}] step page, server-side ({} clients)",
            client_count()
        ),
        server,
    );
    summary(
        &format!(
            "[{backend}] step page, round trip ({} clients)",
            client_count()
        ),
        round_trip,
    );
    println!(
        "[{backend}] throughput: {:.0} requests/s over {:.2} s",
        (client_count() * REQUESTS_PER_CLIENT) as f64 / wall.as_secs_f64(),
        wall.as_secs_f64()
    );
}

fn main() {
    // Load generator and server share one runtime and the machine's two cores
    // (with PostgreSQL), as on a laptop; server-side time is read from the
    // Server-Timing header each response carries. `BENCH_SEPARATE_RUNTIME=1`
    // gives the load generator a runtime of its own (as if the clients were
    // other processes): measured 2026-12-01, that is slower on two cores —
    // four busy threads then take turns by the OS's time slices, and a
    // request preempted mid-way waits out a slice (docs/performance.md).
    let shared = !std::env::var("BENCH_SEPARATE_RUNTIME").is_ok_and(|v| v == "1");
    let runtime = || {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .expect("runtime")
    };
    let server_rt = runtime();
    let client_rt = if shared { None } else { Some(runtime()) };
    let clients = client_rt.as_ref().unwrap_or(&server_rt);
    println!(
        "# load generator in {} runtime",
        if shared { "the server's" } else { "its own" }
    );
    for (backend, name) in [
        (common::Backend::Sqlite, "sqlite"),
        (common::Backend::Postgres, "postgres"),
    ] {
        let Some(app) = server_rt.block_on(common::spawn_demo(backend)) else {
            println!("[{name}] skipped: set PROVRUM_TEST_POSTGRES_URL to measure PostgreSQL");
            continue;
        };
        server_rt.block_on(bench_import(&app, name));
        clients.block_on(bench_step_pages(&app, name));
        server_rt.block_on(async {
            drop(app);
            tokio::time::sleep(Duration::from_millis(100)).await;
        });
    }
}
