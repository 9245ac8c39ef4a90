//! Runs survive their process: one left `running` by a process that died is
//! shown as interrupted, never as running forever or passed.

mod common;

use provrum::scenarios::store;
use sqlx::Row;

on_both_backends! {
    async fn a_run_whose_process_died_is_marked_interrupted(app) {
        let version = provrum::services::store::find_version(&app.store, "anmalan-om-olagenhet", None).await.expect("db").expect("version");
        let mine = store::create(&app.store, version.id, "test", 1, 3).await.expect("create");
        // Another machine's run, and one of this machine whose PID is gone.
        let me = store::host_id();
        let host = me.split(':').next().unwrap_or("local").to_string();
        let mut ids = Vec::new();
        for h in ["another-machine:4242".to_string(), format!("{host}:999999999")] {
            let id: i64 = sqlx::query("insert into runs (version_id, status, started_at, started_by, host, concurrency, summary) values ($1, 'running', '2026-01-01T00:00:00.000Z', 'cli', $2, 1, '{}') returning id")
                .bind(version.id)
                .bind(h)
                .fetch_one(&app.store.pool)
                .await
                .expect("insert")
                .try_get(0)
                .expect("id");
            ids.push(id);
        }
        let n = store::mark_interrupted(&app.store).await.expect("mark");
        assert_eq!(n, 2);
        for id in ids {
            let run = store::get(&app.store, id).await.expect("db").expect("run");
            assert_eq!(run.status, provrum::scenarios::RunStatus::Interrupted);
            assert!(run.finished_at.is_some());
        }
        let still = store::get(&app.store, mine).await.expect("db").expect("run");
        assert_eq!(still.status, provrum::scenarios::RunStatus::Running, "this process's own run is left alone");
        app.login_as("ekontoret", provrum::accounts::Role::EKontoret, &[]).await;
        let page = app.get(&format!("/korningar/{mine}")).await;
        assert_eq!(page.status, 200);
        page.assert_contains(&format!("Körning {mine}"));
    }
}

on_both_backends! {
    /// Without a browser nothing runs, and the run is stored as an error, never as passed.
    async fn a_run_without_chromium_is_an_error_not_a_pass(app) {
        let files = vec![std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios/anmalan-om-olagenhet/villkorade-fragor.yaml")];
        let plan = provrum::scenarios::execute::plan(&app.store, "anmalan-om-olagenhet", None, &files, &["kil".to_string()]).await.expect("plan");
        let cfg = provrum::scenarios::runner::RunnerConfig::new(&app.url, provrum::browser::BrowserOptions { chromium: "/finns/inte/chromium".into(), ..Default::default() });
        let artifacts = provrum::artifacts::Artifacts::new(app.data_dir.path());
        let result = provrum::scenarios::execute::execute(&app.store, &artifacts, plan, cfg, "test", std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false)), |_| {}).await;
        let err = result.err().expect("no browser: an error");
        assert!(err.to_string().contains("Chromium not found at /finns/inte/chromium"), "{err}");
        let runs = store::list(&app.store, 10).await.expect("runs");
        assert_eq!(runs[0].status, provrum::scenarios::RunStatus::Error);
    }
}
