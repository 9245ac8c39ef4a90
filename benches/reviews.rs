//! Load benchmark for reviewers' feedback: 100 concurrent logged-in
//! reviewers (16 accounts, one per municipality, each with several
//! sessions) read comment pages and post comments for BENCH_SECONDS
//! (default 60) on 127.0.0.1, on SQLite and (when configured) PostgreSQL.
//! Goal: 0 errors, p99 ≤ 50 ms. Each reviewer waits BENCH_THINK_MS
//! (default 500, ±50 %) between requests — a person reading a page — so
//! 100 reviewers offer ~200 requests/s; BENCH_THINK_MS=0 measures the
//! saturated server instead (closed loop, no pause).
//!
//! Run with `scripts/bench-reviews`; record the figures in docs/performance.md.

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use provrum::accounts::Role;

const MUNICIPALITIES: [&str; 16] = [
    "arjang",
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
    "saffle",
    "storfors",
    "sunne",
    "torsby",
];
const V: &str = "/tjanster/anmalan-om-olagenhet/2.1.0-rc1";

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[(((sorted.len() - 1) as f64) * p).round() as usize]
}

fn summary(label: &str, mut ms: Vec<f64>) {
    ms.sort_by(|a, b| a.total_cmp(b));
    println!(
        "{label:<40} n={:<7} p50={:>7.2} ms  p95={:>7.2} ms  p99={:>7.2} ms  max={:>8.2} ms",
        ms.len(),
        percentile(&ms, 0.50),
        percentile(&ms, 0.95),
        percentile(&ms, 0.99),
        ms.last().copied().unwrap_or(f64::NAN)
    );
}

async fn login(app: &common::TestApp, username: &str) -> (reqwest::Client, String) {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .pool_max_idle_per_host(1)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let page = client
        .get(format!("{}/konto/logga-in", app.url))
        .send()
        .await
        .expect("login page")
        .text()
        .await
        .expect("body");
    let csrf = token_in(&page);
    let res = client
        .post(format!("{}/konto/logga-in", app.url))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("username", username),
            ("password", common::PASSWORD),
            ("till", "/"),
        ])
        .send()
        .await
        .expect("login");
    assert_eq!(res.status(), 303, "logged in");
    // The token is renewed at login: forms after it carry the new one.
    let page = client
        .get(format!("{}/konto", app.url))
        .send()
        .await
        .expect("account page")
        .text()
        .await
        .expect("body");
    (client, token_in(&page))
}

/// The CSRF token a page's forms carry.
fn token_in(page: &str) -> String {
    let marker = "name=\"_csrf\" value=\"";
    let at = page.find(marker).expect("csrf") + marker.len();
    page[at..].split('"').next().unwrap_or_default().to_string()
}

async fn run(app: &common::TestApp, backend: &str) {
    let clients_n = env_usize("BENCH_CLIENTS", 100);
    let think = env_usize("BENCH_THINK_MS", 500) as u64;
    let seconds = env_usize("BENCH_SECONDS", 60);
    for m in MUNICIPALITIES {
        let list = vec![m.to_string()];
        let new = provrum::accounts::store::NewUser {
            username: &format!("granskare-{m}"),
            name: &format!("Granskare i {m}"),
            role: Role::Reviewer,
            municipalities: &list,
            password: common::PASSWORD,
            email: None,
        };
        provrum::accounts::store::create(&app.store, &new, "bench")
            .await
            .expect("user");
    }
    let mut clients = Vec::new();
    for i in 0..clients_n {
        let m = MUNICIPALITIES[i % 16];
        let (c, csrf) = login(app, &format!("granskare-{m}")).await;
        clients.push((m, c, csrf));
    }
    // A realistic starting point: a few comments per municipality.
    for (i, (m, c, csrf)) in clients.iter().take(16).enumerate() {
        for k in 0..5 {
            let res = c
                .post(format!("{}{V}/synpunkter", app.url))
                .form(&[
                    ("_csrf", csrf.as_str()),
                    ("kommun", m),
                    ("plats", "storningen"),
                    ("klass", "onskemal"),
                    ("text", &format!("Startsynpunkt {i}.{k}")),
                ])
                .send()
                .await
                .expect("seed");
            assert_eq!(res.status(), 303);
        }
    }
    let deadline = Instant::now() + Duration::from_secs(seconds as u64);
    let url = app.url.clone();
    let tasks: Vec<_> = clients
        .into_iter()
        .enumerate()
        .map(|(i, (m, c, csrf))| {
            let url = url.clone();
            tokio::spawn(async move {
                let (mut reads, mut writes, mut errors) = (Vec::new(), Vec::new(), Vec::new());
                let mut server: Vec<f64> = Vec::new();
                let mut n = 0usize;
                let mut last_comment = 1i64;
                while Instant::now() < deadline {
                    n += 1;
                    if think > 0 {
                        // Spread out, so the reviewers do not click in step.
                        let jitter = (i as u64 * 7919 + n as u64 * 104_729) % think;
                        tokio::time::sleep(Duration::from_millis(think / 2 + jitter)).await;
                    }
                    let t = Instant::now();
                    // A reviewer's loop: the list for their municipality, a
                    // comment's page, and now and then a new comment.
                    let (is_write, res) = if n.is_multiple_of(10) {
                        let r = c
                            .post(format!("{url}{V}/synpunkter"))
                            .form(&[
                                ("_csrf", csrf.as_str()),
                                ("kommun", m),
                                ("plats", "plats"),
                                ("klass", "fel"),
                                ("text", &format!("Synpunkt {i}.{n} under last")),
                            ])
                            .send()
                            .await;
                        (true, r)
                    } else if n.is_multiple_of(2) {
                        (
                            false,
                            c.get(format!("{url}{V}/synpunkter?kommun={m}"))
                                .send()
                                .await,
                        )
                    } else {
                        (
                            false,
                            c.get(format!("{url}/synpunkter/{last_comment}"))
                                .send()
                                .await,
                        )
                    };
                    match res {
                        Ok(r) if r.status().is_success() || r.status().is_redirection() => {
                            let location = r
                                .headers()
                                .get("location")
                                .and_then(|v| v.to_str().ok())
                                .unwrap_or_default()
                                .to_string();
                            if let Some(ms) = r
                                .headers()
                                .get("server-timing")
                                .and_then(|v| v.to_str().ok())
                                .and_then(|v| v.strip_prefix("app;dur="))
                                .and_then(|v| v.parse::<f64>().ok())
                            {
                                server.push(ms);
                            }
                            let _ = r.bytes().await;
                            if is_write {
                                if let Some(id) =
                                    location.rsplit('/').next().and_then(|s| s.parse().ok())
                                {
                                    last_comment = id;
                                }
                                writes.push(t.elapsed().as_secs_f64() * 1000.0);
                            } else {
                                reads.push(t.elapsed().as_secs_f64() * 1000.0);
                            }
                        }
                        Ok(r) => errors.push(format!("{} {}", r.status(), r.url())),
                        Err(e) => errors.push(e.to_string()),
                    }
                }
                (reads, writes, errors, server)
            })
        })
        .collect();
    let (mut reads, mut writes, mut errors, mut server) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for t in tasks {
        let (r, w, e, s) = t.await.expect("client");
        reads.extend(r);
        writes.extend(w);
        errors.extend(e);
        server.extend(s);
    }
    let total = reads.len() + writes.len();
    let mut all = reads.clone();
    all.extend(writes.iter().copied());
    summary(&format!("[{backend}] reads (list, comment page)"), reads);
    summary(&format!("[{backend}] writes (new comment)"), writes);
    summary(&format!("[{backend}] all requests, round trip"), all);
    summary(&format!("[{backend}] all requests, server-side"), server);
    println!(
        "[{backend}] {clients_n} clients, think {think} ms, {seconds} s: {total} requests ({:.0}/s), {} errors{}",
        total as f64 / seconds as f64,
        errors.len(),
        errors
            .first()
            .map(|e| format!(" (first: {e})"))
            .unwrap_or_default()
    );
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        for (backend, name) in [
            (common::Backend::Sqlite, "sqlite"),
            (common::Backend::Postgres, "postgres"),
        ] {
            let Some(app) = common::spawn_demo(backend).await else {
                println!("[{name}] skipped: set PROVRUM_TEST_POSTGRES_URL to measure PostgreSQL");
                continue;
            };
            run(&app, name).await;
            drop(app);
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    });
}
