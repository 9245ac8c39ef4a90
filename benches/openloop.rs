//! Open-loop load on the sandbox's step page (issue 29): requests arrive at
//! a fixed rate whether or not earlier ones have been answered, as citizens
//! do, unlike the closed loop of `benches/foundation.rs` where each client
//! waits for its answer (which hides queueing: a slow server is simply asked
//! less). The server runs in its own process (`scripts/bench-openloop`
//! starts `provrum serve --demo` on PostgreSQL); this process only sends.
//!
//! Reported per rate: the server-side time (its `Server-Timing` header) and
//! the round trip measured from when the request was *due* — so a request
//! the generator could not send on time counts its wait (no coordinated
//! omission) — and how late the generator itself was.
//!
//! Run: `scripts/bench-openloop` (needs `OPENLOOP_URL`).

#[path = "../tests/common/mod.rs"]
mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

const SESSIONS: usize = 50;

fn summary(label: &str, mut ms: Vec<f64>) {
    ms.sort_by(|a, b| a.total_cmp(b));
    println!(
        "{label:<40} n={:<6} p50={:>7.3} ms  p99={:>7.3} ms  max={:>8.3} ms",
        ms.len(),
        common::percentile(&ms, 0.50),
        common::percentile(&ms, 0.99),
        ms.last().copied().unwrap_or(f64::NAN)
    );
}

/// `rate` requests a second for `seconds`, each sent when due.
async fn at_rate(sessions: &Arc<Vec<(reqwest::Client, String)>>, rate: u32, seconds: u32) {
    let n = (rate * seconds) as usize;
    let every = Duration::from_secs_f64(1.0 / rate as f64);
    let start = tokio::time::Instant::now() + Duration::from_millis(200);
    let mut tasks = Vec::with_capacity(n);
    for i in 0..n {
        let sessions = sessions.clone();
        let due = start + every * i as u32;
        tasks.push(tokio::spawn(async move {
            tokio::time::sleep_until(due).await;
            let late = due.elapsed().as_secs_f64() * 1000.0;
            let (client, url) = &sessions[i % sessions.len()];
            let res = client.get(url).send().await.expect("GET step");
            assert_eq!(res.status(), 200);
            let server = res
                .headers()
                .get("server-timing")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("app;dur="))
                .and_then(|v| v.parse::<f64>().ok())
                .expect("Server-Timing header");
            let body = res.bytes().await.expect("body");
            assert!(body.len() > 1000);
            (server, due.elapsed().as_secs_f64() * 1000.0, late)
        }));
    }
    let began = Instant::now();
    let (mut server, mut round_trip, mut late) = (Vec::new(), Vec::new(), Vec::new());
    for t in tasks {
        let (s, r, l) = t.await.expect("request task");
        server.push(s);
        round_trip.push(r);
        late.push(l);
    }
    let wall = began.elapsed().as_secs_f64();
    summary(&format!("open loop {rate}/s: server-side"), server);
    summary(
        &format!("open loop {rate}/s: round trip from due"),
        round_trip,
    );
    summary(&format!("open loop {rate}/s: generator lateness"), late);
    println!(
        "open loop {rate}/s: {n} requests answered in {wall:.2} s ({:.0}/s)",
        n as f64 / wall
    );
}

fn main() {
    let Ok(origin) = std::env::var("OPENLOOP_URL") else {
        println!("skipped: OPENLOOP_URL is not set (run scripts/bench-openloop)");
        return;
    };
    let rates: Vec<u32> = std::env::var("OPENLOOP_RATES")
        .unwrap_or_else(|_| "200,1000".into())
        .split(',')
        .filter_map(|r| r.trim().parse().ok())
        .collect();
    let seconds: u32 = std::env::var("OPENLOOP_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let mut sessions = Vec::new();
        for n in 0..SESSIONS {
            sessions.push(common::sandbox_session(&origin, n).await);
        }
        let sessions = Arc::new(sessions);
        // Warm-up: connections opened, the server's caches filled.
        at_rate(&sessions, 100, 2).await;
        println!("# measured:");
        for rate in rates {
            at_rate(&sessions, rate, seconds).await;
        }
    });
}
