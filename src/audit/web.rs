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
use crate::web::page::Layout;
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
    /// In words, municipalities named.
    detail: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct LogPage {
    page: Layout,
    filter: Filter,
    entries: Vec<Entry>,
    actions: Vec<String>,
    next: Option<u64>,
}

const PAGE: i64 = 100;

/// What an entry is about, in words: a checklist item by its title (and the
/// municipality whose reading it is), a service by its title; comments,
/// accounts and the rest as they are stored ("synpunkt #3", a login).
fn subjects(
    state: &AppState,
    services: &[crate::services::store::ServiceSummary],
) -> impl Fn(&str, &str) -> String {
    let items: Vec<(String, String)> = crate::checklists::loaded(&state.checklists_dir)
        .unwrap_or_default()
        .iter()
        .flat_map(|c| {
            c.items
                .iter()
                .map(move |i| (format!("{}/{}", c.id, i.id), i.title.clone()))
        })
        .collect();
    let services: Vec<(String, String)> = services
        .iter()
        .map(|s| (s.id.clone(), s.title.clone()))
        .collect();
    let registry = state.registry;
    move |action: &str, subject: &str| {
        let find = |list: &[(String, String)], key: &str| {
            list.iter().find(|(k, _)| k == key).map(|(_, t)| t.clone())
        };
        if action.starts_with("checklist.") {
            let (item, municipality) = subject.split_once(' ').unwrap_or((subject, ""));
            if let Some(title) = find(&items, item) {
                return match (registry.get(municipality), municipality) {
                    (Some(m), _) => format!("{title} ({})", m.short_name),
                    (None, "") => title,
                    (None, other) => format!("{title} ({other})"),
                };
            }
        }
        if matches!(action, "import" | "release")
            && let Some(title) = find(&services, subject)
        {
            return title;
        }
        subject.to_string()
    }
}

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
    // One read of the services names both the services and the versions.
    let services = crate::services::store::list(&state.store).await?;
    let subject = subjects(&state, &services);
    let versions: Vec<(i64, String)> = services
        .iter()
        .flat_map(|s| &s.versions)
        .map(|v| (v.id, format!("{} {}", v.title, v.version)))
        .collect();
    let entries = rows
        .iter()
        .take(PAGE as usize)
        .map(|r| Entry {
            at: r.get("at"),
            actor: r.get("actor"),
            action: r.get("action"),
            subject: subject(r.get("action"), r.get("subject")),
            detail: super::detail_words_named(r.get("detail"), &|key, id| match key {
                "version_id" => versions
                    .iter()
                    .find(|(v, _)| v.to_string() == id)
                    .map(|(_, words)| words.clone()),
                _ => state.registry.get(id).map(|x| x.short_name.clone()),
            }),
        })
        .collect();
    let actions = sqlx::query("select distinct action from audit_log order by action")
        .fetch_all(&state.store.pool)
        .await?
        .iter()
        .map(|r| r.get("action"))
        .collect();
    render(&LogPage {
        page: Layout::plain("Logg – Provrum"),
        next: more.then_some(page + 1),
        filter: f,
        entries,
        actions,
    })
}
