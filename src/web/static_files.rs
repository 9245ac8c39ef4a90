//! Stylesheet, the small progressive-enhancement script, and the brand-colour
//! stylesheet each variant serves (inline styles are forbidden by our
//! Content-Security-Policy).

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

use super::AppState;

const CSS: &str = include_str!("../../static/provrum.css");
const JS: &str = include_str!("../../static/provrum.js");

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/static/provrum.css",
            get(|| async {
                (
                    [
                        (header::CONTENT_TYPE, "text/css; charset=utf-8"),
                        (header::CACHE_CONTROL, "public, max-age=300"),
                    ],
                    CSS,
                )
            }),
        )
        .route(
            "/static/provrum.js",
            get(|| async {
                (
                    [
                        (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
                        (header::CACHE_CONTROL, "public, max-age=300"),
                    ],
                    JS,
                )
            }),
        )
}

/// `:root { --brand: … }` for a colour that was checked to be `#rrggbb`
/// (anything else falls back to the default: CSS is never built from free text).
pub fn brand_css(colour: Option<&str>) -> impl IntoResponse {
    let colour = colour
        .filter(|c| {
            c.len() == 7 && c.starts_with('#') && c[1..].chars().all(|x| x.is_ascii_hexdigit())
        })
        .unwrap_or("#1f4e79");
    let css = format!(":root {{ --brand: {colour}; }}\n");
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        css,
    )
}
