//! Building and running the application: tests bind port 0 and call
//! [`serve`] with their own shutdown signal.

use std::future::Future;

use tokio::net::TcpListener;

use crate::artifacts::Artifacts;
use crate::config::Config;
use crate::store::{Store, StoreError};
use crate::web::{self, AppState};

pub async fn state(config: &Config) -> Result<AppState, StoreError> {
    let store = Store::open(&config.database_url()).await?;
    // A run left `running` by a process that died is shown as interrupted.
    if let Err(e) = crate::scenarios::store::mark_interrupted(&store).await {
        tracing::warn!(error = %e, "could not mark interrupted runs");
    }
    if let Err(e) = crate::jobs::mark_interrupted(&store).await {
        tracing::warn!(error = %e, "could not mark interrupted jobs");
    }
    let artifacts = Artifacts::open(config.artifacts_url.as_deref(), &config.data_dir)
        .map_err(|e| StoreError::Artifacts(e.to_string()))?;
    Ok(AppState::build(store, artifacts, settings(config)))
}

/// Every domain's pages on the web kit.
pub fn app(state: AppState) -> axum::Router {
    // The sandbox shows the reviews' panel without depending on them.
    let _ = state
        .staff_panel
        .set(Box::new(crate::reviews::web::panel::Panel));
    let routes = axum::Router::new()
        .merge(crate::desk::web::router())
        .merge(crate::services::web::router())
        .merge(crate::catalogue::web::router())
        .merge(crate::meetings::web::router())
        .merge(crate::bundles::web::router())
        .merge(crate::sandbox::web::router(&state))
        .merge(crate::scenarios::web::router())
        .merge(crate::compare::web::router())
        .merge(crate::accounts::web::router())
        .merge(crate::reviews::web::router())
        .merge(crate::checklists::web::router())
        .merge(crate::release::web::router())
        .merge(crate::audit::web::router());
    web::app(routes, state)
}

/// Serve until `shutdown` resolves, then finish in-flight requests.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    if let Ok(addr) = listener.local_addr() {
        let host = if addr.ip().is_unspecified() {
            "127.0.0.1".to_string()
        } else {
            addr.ip().to_string()
        };
        let _ = state.origin.set(format!("http://{host}:{}", addr.port()));
    }
    let app = app(state.clone());
    // The server's periodic tasks, in one list stopped together below: the
    // sandbox's cleanup, the mail, the pins' sweep, and adopting
    // comparisons whose web process is gone.
    let mut periodic = tokio::task::JoinSet::new();
    periodic.spawn(crate::sandbox::cleanup::run_forever(
        state.store.clone(),
        state.artifacts.clone(),
    ));
    periodic.spawn(crate::mail::run_forever(crate::mail::web::mailing(&state)));
    periodic.spawn(crate::reviews::pins::sweep_forever(state.store.clone()));
    periodic.spawn(crate::compare::web::adopt_forever(state.clone()));
    let (worker, stop_worker) = in_process_worker(&state);
    let served = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await;
    // Runs started from the web stop their browsers; the runtime then waits
    // for their worker threads, and the next start marks them interrupted.
    state.jobs.stop_all();
    stop_worker.store(true, std::sync::atomic::Ordering::SeqCst);
    if let Some(w) = worker {
        // Cells in progress go back to the queue for the next worker.
        let _ = w.await;
    }
    periodic.shutdown().await;
    served
}

/// The worker inside `serve` that runs queued cells with this server's
/// browsers, unless `workers` is 0 (a web-only replica).
fn in_process_worker(
    state: &AppState,
) -> (
    Option<tokio::task::JoinHandle<()>>,
    std::sync::Arc<std::sync::atomic::AtomicBool>,
) {
    use crate::scenarios::runner::RunnerConfig;
    use crate::work::worker::{Setup, Worker};
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    if state.workers == 0 {
        return (None, stop);
    }
    // A server killed before this one left its browser profiles behind.
    let swept = crate::browser::sweep_profiles();
    if swept > 0 {
        tracing::info!(
            profiles = swept,
            "removed browser profiles of processes that died"
        );
    }
    let for_setup = state.clone();
    let setup: Setup<RunnerConfig> = Box::new(move || {
        let (origin, browser) = for_setup.job_browser().map_err(|e| format!("{e:?}"))?;
        let mut cfg = RunnerConfig::new(&origin, browser);
        cfg.concurrency = for_setup.workers;
        Ok(cfg)
    });
    let w = Worker::new(
        state.store.clone(),
        state.artifacts.clone(),
        setup,
        crate::work::lease(),
    );
    let halt = stop.clone();
    let handle = tokio::spawn(async move {
        tracing::info!(worker = w.id(), "running queued cells in this process");
        let cells = crate::scenarios::work::Cells::new(None, &|_| {});
        let walks = crate::compare::work::Walks;
        let _ = w.work(&[&cells, &walks], &halt).await;
    });
    (Some(handle), stop)
}

/// A flag raised on SIGINT or SIGTERM, after saying `what` happens then.
pub fn flag_on_signal(what: &'static str) -> std::sync::Arc<std::sync::atomic::AtomicBool> {
    let flag = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let raised = flag.clone();
    tokio::spawn(async move {
        shutdown_signal().await;
        eprintln!("\n{what}");
        raised.store(true, std::sync::atomic::Ordering::SeqCst);
    });
    flag
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM (docker stop, systemd).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => tracing::info!("SIGINT received, shutting down"),
        _ = term => tracing::info!("SIGTERM received, shutting down"),
    }
}

pub fn settings(config: &Config) -> crate::web::Settings {
    crate::web::Settings {
        secure_cookies: config.secure_cookies,
        chromium: config.chromium_path.clone(),
        scenarios_dir: config.scenarios_dir.clone(),
        catalogue: config.catalogue.clone(),
        chromium_url: config.chromium_url.clone(),
        browser_origin: config.browser_origin.clone(),
        mail: config.mail.clone(),
        public_url: config.public_base(),
        workers: config.workers.unwrap_or_else(crate::web::default_workers),
        ..crate::web::Settings::default()
    }
}
