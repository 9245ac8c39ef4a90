//! Every request's tracing span, keyed by the route it matched
//! (`/tjanster/{service}/{version}/{kommun}/steg/{step}`) as well as its
//! path: everything logged while serving it (a failed query, an error
//! number) carries both, and log lines group by page rather than by every
//! address a page has.

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

pub async fn layer(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        // The fallback (404) matched no route.
        .unwrap_or_else(|| "-".into());
    let span = tracing::info_span!(
        "request",
        method = %req.method(),
        %route,
        path = %req.uri().path()
    );
    next.run(req).instrument(span).await
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use axum::Router;
    use axum::routing::get;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[derive(Clone, Default)]
    struct Log(Arc<Mutex<Vec<u8>>>);

    impl Write for Log {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// A line logged by a handler carries the route it matched and its path.
    #[tokio::test(flavor = "current_thread")]
    async fn a_handlers_log_line_names_its_route() {
        let log = Log::default();
        let writer = log.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        let _guard = tracing::subscriber::set_default(subscriber);
        let app = Router::new()
            .route(
                "/tjanster/{service}",
                get(|| async {
                    tracing::info!("served");
                    "ok"
                }),
            )
            .layer(axum::middleware::from_fn(super::layer));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        tcp.write_all(b"GET /tjanster/bygglov HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut answer = String::new();
        tcp.read_to_string(&mut answer).await.unwrap();
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        let text = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
        assert!(
            text.contains("route=/tjanster/{service}") && text.contains("path=/tjanster/bygglov"),
            "{text}"
        );
    }
}
