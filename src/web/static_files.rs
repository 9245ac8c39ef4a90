//! Stylesheet, the small progressive-enhancement script, and a stylesheet per
//! municipality carrying its brand colour (inline styles are forbidden by
//! our Content-Security-Policy).

use axum::Router;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

use super::{AppState, WebError};

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
        .route("/static/brand/{file}", get(brand))
}

async fn brand(
    State(state): State<AppState>,
    Path(file): Path<String>,
) -> Result<impl IntoResponse, WebError> {
    let id = file.strip_suffix(".css").unwrap_or(&file);
    let m = state
        .registry
        .get(id)
        .ok_or_else(|| WebError::NotFound(format!("Ingen kommun heter {id}.")))?;
    Ok(brand_css(m.brand_colour.as_deref()))
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
