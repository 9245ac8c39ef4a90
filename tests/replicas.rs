//! Two `provrum serve` replicas on one database behave as one (issue 16):
//! a session from one works on the other, failed logins count across both,
//! a job's progress shows on the other, and a cancel on one stops the job
//! the other runs.

mod common;

use std::sync::atomic::Ordering;
use std::time::Duration;

use provrum::accounts::Role;
use provrum::jobs::Kind;

on_both_backends! {
    async fn two_replicas_on_one_database_behave_as_one(a) {
        let b = common::spawn_replica(&a).await;

        // Log in on one, continue on the other.
        a.login_as("eva", Role::EKontoret, &[]).await;
        let on_b = b.get("/konto").await;
        assert_eq!(on_b.status, 200);
        on_b.assert_contains("Test eva");

        // Failed logins count across both: three on A, then B makes wait.
        let guesser = reqwest::Client::builder().cookie_store(true).build().unwrap();
        let attempt = |app: &common::TestApp| {
            let (guesser, url) = (guesser.clone(), app.url.clone());
            async move {
                let form = guesser.get(format!("{url}/konto/logga-in")).send().await.unwrap().text().await.unwrap();
                let token = form.split("name=\"_csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
                let r = guesser.post(format!("{url}/konto/logga-in")).form(&[("username", "eva"), ("password", "fel lösenord"), ("_csrf", &token)]).send().await.unwrap();
                r.status().as_u16()
            }
        };
        for _ in 0..provrum::accounts::limiter::FREE_FAILURES {
            assert_eq!(attempt(&a).await, 401);
        }
        assert_eq!(attempt(&b).await, 429, "B knows A's failures");

        // A job running on A: its progress shows on B's page.
        let v = provrum::services::store::find_version(&a.store, "anmalan-om-olagenhet", None).await.unwrap().unwrap();
        let (saw_cancel_tx, saw_cancel) = tokio::sync::oneshot::channel::<()>();
        let started = a.state.jobs.start(&a.store, Kind::Comparison, v.id, "eva", None, |job| async move {
            job.progress(3, 64);
            while !job.cancel.load(Ordering::SeqCst) {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            let _ = saw_cancel_tx.send(());
            Ok(())
        }).await.unwrap();
        assert!(started);
        let page = format!("/tjanster/anmalan-om-olagenhet/{}/jamforelse", v.version);
        let mut shown = String::new();
        for _ in 0..50 {
            shown = b.get(&page).await.body;
            if shown.contains("data-compare-progress=\"3/64\"") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(shown.contains("data-compare-progress=\"3/64\""), "{shown}");

        // A cancel asked on B stops the job on A.
        assert!(b.state.jobs.cancel(&b.store, Kind::Comparison, v.id, "eva").await.unwrap());
        tokio::time::timeout(Duration::from_secs(5), saw_cancel).await.expect("the job on A saw B's cancel").unwrap();
        let mut status = String::new();
        for _ in 0..50 {
            status = provrum::jobs::latest(&b.store, Kind::Comparison, v.id).await.unwrap().unwrap().status;
            if status != "running" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(status, "done");
        assert!(!b.state.jobs.cancel(&b.store, Kind::Comparison, v.id, "eva").await.unwrap(), "nothing left to cancel");
    }
}

/// E-kontoret stops a run from its page; a reviewer may not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_is_stopped_from_its_page_on_another_replica() {
    let web_only = provrum::web::Settings {
        workers: 0,
        ..provrum::web::Settings::default()
    };
    let a = common::spawn_demo_with(common::Backend::Sqlite, web_only)
        .await
        .unwrap();
    let b = common::spawn_replica(&a).await;
    let v = provrum::services::store::find_version(&a.store, "anmalan-om-olagenhet", None)
        .await
        .unwrap()
        .unwrap();
    // A run with its cells queued (A's worker is off: the cells wait).
    let files = provrum::scenarios::execute::scenario_files(
        &[],
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios"),
    );
    let plan =
        provrum::scenarios::execute::plan(&a.store, &v.service_id, Some(&v.version), &files, &[])
            .await
            .unwrap();
    let options = provrum::scenarios::runner::Options {
        capture: provrum::scenarios::runner::Capture::Pages,
        axe: false,
    };
    let run = provrum::scenarios::execute::enqueue(&a.store, &plan, "eva", 1, options)
        .await
        .unwrap();
    b.login_as("granskare", Role::Reviewer, &["arvika"]).await;
    let page = b.get(&format!("/korningar/{run}")).await;
    assert!(
        !page.body.contains("data-action=\"cancel-run\""),
        "a reviewer does not stop runs"
    );
    let token = b.get("/konto").await.csrf();
    let refused = b
        .post_form(&format!("/korningar/{run}/avbryt"), &[("_csrf", &token)])
        .await;
    assert_eq!(refused.status, 403);
    b.login_as("eva", Role::EKontoret, &[]).await;
    let page = b.get(&format!("/korningar/{run}")).await;
    assert!(
        page.body.contains("data-action=\"cancel-run\""),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("data-run-waiting")
            && page.body.contains("Ingen dator kör körningar just nu"),
        "no worker runs the cells: the page says so"
    );
    b.post_form(
        &format!("/korningar/{run}/avbryt"),
        &[("_csrf", &page.csrf())],
    )
    .await;
    let after = provrum::scenarios::store::get(&a.store, run)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        after.status,
        provrum::scenarios::RunStatus::Interrupted,
        "the run ended for every replica"
    );
    assert_eq!(
        after.counts.total(),
        plan.cells.len() as i64,
        "its cells are stored as not run"
    );
}

/// A run started where the workers' browser cannot start waits, and its
/// page says why instead of "in line".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_waiting_on_a_broken_browser_says_so() {
    let app = common::spawn_demo_without_browser(common::Backend::Sqlite)
        .await
        .unwrap();
    app.login_as("eva", Role::EKontoret, &[]).await;
    let v = provrum::services::store::find_version(&app.store, "anmalan-om-olagenhet", None)
        .await
        .unwrap()
        .unwrap();
    let token = app.get("/konto").await.csrf();
    let started = app
        .post_form(
            &format!("/tjanster/{}/{}/korningar", v.service_id, v.version),
            &[("_csrf", &token)],
        )
        .await;
    assert_eq!(started.status, 200);
    let run_page = started.path();
    assert!(run_page.starts_with("/korningar/"), "{run_page}");
    let mut body = String::new();
    for _ in 0..100 {
        body = app.get(&run_page).await.body;
        if body.contains("kan inte starta sin webbläsare") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(body.contains("kan inte starta sin webbläsare"), "{body}");
    assert!(body.contains("i kö"));
}

/// Issue 25: a comparison whose replica died (its lease lapsed, nothing
/// stored since) does not stall: a live replica carries it on — the walks
/// made are reused, the rest queued again — and finishes the diff.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_comparison_whose_replica_died_is_carried_on_by_another() {
    let Some(_) = common::chromium() else {
        return;
    };
    let Some(app) = common::spawn_demo(common::Backend::Postgres).await else {
        return;
    };
    let v = provrum::services::store::find_version(&app.store, "anmalan-om-olagenhet", None)
        .await
        .unwrap()
        .unwrap();
    let request = provrum::compare::Request {
        service: v.service_id.clone(),
        version: Some(v.version.clone()),
        against: provrum::compare::Against::Default,
        viewports: vec![provrum::compare::capture::Viewport::desktop()],
        fresh: false,
    };
    // What the replica that started it left: running, its lease long gone.
    sqlx::query("insert into jobs (kind, subject, status, started_by, host, started_at, lease_until, request) values ('comparison', $1, 'running', 'eva', 'dead-pod:1', '2026-01-01T00:00:00.000Z', 1, $2)")
        .bind(v.id)
        .bind(serde_json::to_string(&request).unwrap())
        .execute(&app.store.pool)
        .await
        .unwrap();
    let start = std::time::Instant::now();
    let (status, host, error) = loop {
        let (status, host, error): (String, String, Option<String>) = sqlx::query_as(
            "select status, host, error from jobs where kind = 'comparison' and subject = $1",
        )
        .bind(v.id)
        .fetch_one(&app.store.pool)
        .await
        .unwrap();
        if status != "running" {
            break (status, host, error);
        }
        assert!(
            start.elapsed() < Duration::from_secs(240),
            "the comparison was never carried on (host {host})"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    assert_eq!(status, "done", "{error:?}");
    assert_eq!(
        host,
        provrum::work::presence::host_id(),
        "this replica took it over"
    );
    let captures: i64 = sqlx::query_scalar("select count(*) from captures where version_id = $1")
        .bind(v.id)
        .fetch_one(&app.store.pool)
        .await
        .unwrap();
    assert!(captures > 0, "the walks were made");
    // Its page shows the comparison done, not running for ever.
    app.login_as("eva", Role::EKontoret, &[]).await;
    let page = app
        .get(&format!(
            "/tjanster/{}/{}/jamforelse",
            v.service_id, v.version
        ))
        .await;
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("data-compare-running"), "{}", page.body);
}
