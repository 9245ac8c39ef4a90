//! E-kontoret's view of the append-only audit log, filtered by actor,
//! action and text, newest first.

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Html;
use axum::routing::get;
use serde::Deserialize;
use sqlx::Row;

use crate::accounts::Action;
use crate::web::page::Page;
use crate::web::session::require_to;
use crate::web::{AppState, WebError, render};

pub fn router() -> Router<AppState> {
    Router::new().route("/logg", get(log))
}

#[derive(Deserialize, Default)]
struct Filter {
    #[serde(default)]
    aktor: String,
    #[serde(default)]
    handling: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    sida: Option<u64>,
}

struct Entry {
    at: String,
    actor: String,
    action: String,
    subject: String,
    detail: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct LogPage {
    page: Page,
    filter: Filter,
    entries: Vec<Entry>,
    actions: Vec<String>,
    next: Option<u64>,
}

const PAGE: i64 = 100;

async fn log(
    State(state): State<AppState>,
    Query(f): Query<Filter>,
) -> Result<Html<String>, WebError> {
    require_to(Action::ReadAudit)?;
    let offset = crate::web::page_offset(f.sida, PAGE as u64)?;
    let page = f.sida.unwrap_or(0);
    let like = |s: &str| {
        format!(
            "%{}%",
            s.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        )
    };
    let rows = sqlx::query(
        "select at, actor, action, subject, detail from audit_log where ($1 = '' or actor = $1) and ($2 = '' or action = $2) and ($3 = '' or subject like $4 escape '\\' or detail like $4 escape '\\') order by id desc limit $5 offset $6",
    )
    .bind(f.aktor.trim())
    .bind(f.handling.trim())
    .bind(f.text.trim())
    .bind(like(f.text.trim()))
    .bind(PAGE + 1)
    .bind(offset)
    .fetch_all(&state.store.pool)
    .await?;
    let more = rows.len() as i64 > PAGE;
    let entries = rows
        .iter()
        .take(PAGE as usize)
        .map(|r| Entry {
            at: r.get(0),
            actor: r.get(1),
            action: r.get(2),
            subject: r.get(3),
            detail: r.get(4),
        })
        .collect();
    let actions = sqlx::query("select distinct action from audit_log order by action")
        .fetch_all(&state.store.pool)
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    render(&LogPage {
        page: Page::plain("Logg – Provrum"),
        next: more.then_some(page + 1),
        filter: f,
        entries,
        actions,
    })
}
