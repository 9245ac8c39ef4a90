//! Comparison in the browser: the matrix (municipality × page, `matrix`), a
//! cell's deviations side by side with overlay, strobe and diff image, the
//! text and structural diffs (`cell`, `evidence`), and e-kontoret's approve /
//! flag decisions (`decide`, `queue`, `ignore`).

use axum::Router;
use axum::routing::{get, post};

use crate::web::AppState;

mod cell;
mod decide;
mod evidence;
mod harmony;
mod ignore;
mod matrix;
mod queue;
mod start;
mod view;

pub use start::adopt_forever;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/tjanster/{service}/{version}/jamforelse",
            get(matrix::matrix).post(start::start),
        )
        .route(
            "/tjanster/{service}/{version}/jamforelse/{kommun}",
            get(cell::cell),
        )
        .route(
            "/tjanster/{service}/{version}/jamforelse/avvikelser/{id}",
            post(decide::decide),
        )
        .route(
            "/tjanster/{service}/{version}/jamforelse/avvikelser/{id}/ignorera",
            post(ignore::ignore),
        )
        .route(
            "/tjanster/{service}/{version}/jamforelse/ko",
            get(queue::queue),
        )
        .route(
            "/tjanster/{service}/{version}/avvikare",
            get(harmony::harmony),
        )
        .route(
            "/tjanster/{service}/{version}/avvikare/fraga",
            post(harmony::ask),
        )
        .route(
            "/tjanster/{service}/{version}/jamforelse/ko/godkann-alla",
            post(queue::approve_all),
        )
        .route(
            "/tjanster/{service}/{version}/jamforelse/ko/{key}",
            get(queue::item).post(queue::decide),
        )
}
