//! The dashboard, the release page and the comparison matrix run a bounded
//! number of database queries however many deviations a version has: the
//! same count with 10 deviations as with 1 000. Queries are counted from
//! sqlx's own statement events, so nothing in the product is instrumented.
//! One test in its own binary, because the counter is process-wide.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};

use common::{Backend, TestApp};
use provrum::accounts::Role;

static QUERIES: AtomicUsize = AtomicUsize::new(0);

/// A subscriber that only counts sqlx's per-statement events.
struct CountQueries;

impl tracing::Subscriber for CountQueries {
    fn enabled(&self, m: &tracing::Metadata<'_>) -> bool {
        m.target() == "sqlx::query"
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, e: &tracing::Event<'_>) {
        if e.metadata().target() == "sqlx::query" {
            QUERIES.fetch_add(1, Ordering::SeqCst);
        }
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

const SERVICE: &str = "anmalan-varmepump";
const VERSION: &str = "1.0.0";

/// Replace the version's deviations by `n` text deviations spread over the
/// municipalities and steps, a third of them decided.
async fn plant(app: &TestApp, n: usize) {
    let v = provrum::services::store::find_version(&app.store, SERVICE, Some(VERSION))
        .await
        .unwrap()
        .unwrap();
    let variants = provrum::services::store::variants(&app.store, v.id)
        .await
        .unwrap();
    let mut tx = app.store.begin().await.unwrap();
    sqlx::query("delete from deviations where version_id = $1")
        .bind(v.id)
        .execute(&mut *tx)
        .await
        .unwrap();
    for i in 0..n {
        let m = &variants[i % variants.len()].municipality;
        let step = format!("steg/s{}", i % 7);
        let fingerprint = format!("fp{n}-{i}");
        sqlx::query("insert into deviations (version_id, reference, municipality, step, kind, fingerprint, summary, detail, created_at) values ($1, 'base', $2, $3, 'text', $4, 'ändrad text', '{}', '2026-11-30T12:00:00Z')")
            .bind(v.id)
            .bind(m)
            .bind(&step)
            .bind(&fingerprint)
            .execute(&mut *tx)
            .await
            .unwrap();
        if i % 3 == 0 {
            sqlx::query("insert into deviation_decisions (service_id, municipality, step, kind, reference_kind, fingerprint, decision, comment, actor, decided_at, version) values ($1, $2, $3, 'text', 'base', $4, 'approved', '', 'test', '2026-11-30T12:00:00Z', $5)")
                .bind(SERVICE)
                .bind(m)
                .bind(&step)
                .bind(&fingerprint)
                .bind(VERSION)
                .execute(&mut *tx)
                .await
                .unwrap();
        }
    }
    tx.commit().await.unwrap();
}

/// Queries run while serving `path` (which must answer 200).
async fn queries(app: &TestApp, path: &str) -> usize {
    let before = QUERIES.load(Ordering::SeqCst);
    let page = app.get(path).await;
    assert_eq!(page.status, 200, "{path}: {}", page.body);
    QUERIES.load(Ordering::SeqCst) - before
}

async fn check(backend: Backend) {
    let Some(app) = common::spawn_demo(backend).await else {
        return;
    };
    app.login_as("ekontoret", Role::EKontoret, &[]).await;
    let pages = [
        "/oversikt".to_string(),
        format!("/tjanster/{SERVICE}/{VERSION}/release"),
        format!("/tjanster/{SERVICE}/{VERSION}/jamforelse"),
    ];
    let mut counts = Vec::new();
    for n in [10, 1000] {
        plant(&app, n).await;
        let mut these = Vec::new();
        for p in &pages {
            // The first view warms caches; the fewest of three more is what
            // a view costs (a view may also open a pool connection, whose
            // setup statements sqlx reports too).
            queries(&app, p).await;
            let mut fewest = usize::MAX;
            for _ in 0..3 {
                fewest = fewest.min(queries(&app, p).await);
            }
            these.push(fewest);
        }
        counts.push(these);
    }
    for (i, p) in pages.iter().enumerate() {
        assert!(counts[0][i] > 0, "{backend:?} {p}: no queries counted");
        assert_eq!(
            counts[0][i], counts[1][i],
            "{backend:?} {p}: {} queries with 10 deviations, {} with 1 000",
            counts[0][i], counts[1][i]
        );
    }
    eprintln!(
        "{backend:?}: queries per view (dashboard, release, matrix) = {:?}",
        counts[0]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_run_a_bounded_number_of_queries() {
    tracing::subscriber::set_global_default(CountQueries).expect("one subscriber");
    check(Backend::Sqlite).await;
    check(Backend::Postgres).await;
}
