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
    Ok(AppState::new(
        store,
        Artifacts::new(&config.data_dir),
        config.secure_cookies,
    ))
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
    let app = web::app(state);
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
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
