//! The start page: what waits for the person logged in, then every service.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Html;
use axum::routing::get;

use crate::accounts::Role;
use crate::municipalities::Municipality;
use crate::reviews::news::Note;
use crate::services::store::ServiceSummary;
use crate::web::page::Layout;
use crate::web::{AppState, WebError, render};

use super::{LegalVersion, OfficeDesk, RoundDue};

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(home))
}

/// A round in words: "sista dag 15 december, 3 dagar kvar" / "2 dagar sen".
struct DueView {
    url: String,
    title: String,
    who: String,
    when: String,
    late: bool,
    /// A reviewer's next steps: their variant to try, and their comments.
    try_url: Option<String>,
    comments_url: Option<String>,
    /// "Arvikas", "Hagfors".
    whose: String,
}

/// A comment in a list: who said what about which service, when.
struct NoteView {
    url: String,
    class: String,
    about: String,
    author: String,
    excerpt: String,
    when: String,
}

struct ReviewerView {
    rounds: Vec<DueView>,
    replies: Vec<NoteView>,
    comments: Vec<NoteView>,
}

struct OfficeView {
    desk: OfficeDesk,
    closing: Vec<DueView>,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage<'a> {
    page: Layout,
    heading: String,
    since: String,
    reviewer: Option<ReviewerView>,
    legal: Option<Vec<(LegalVersion, Vec<NoteView>)>>,
    office: Option<OfficeView>,
    services: Vec<ServiceSummary>,
    municipalities: &'a [Municipality],
}

fn plural(n: i64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

fn due(d: RoundDue) -> DueView {
    let day = crate::clock::swedish_date(&d.deadline);
    let when = match d.days_left {
        0 => format!("sista dagen är i dag, {day}"),
        n if n < 0 => format!("sista dagen var {day}, {} sen", plural(-n, "dag", "dagar")),
        n => format!("sista dagen {day}, {} kvar", plural(n, "dag", "dagar")),
    };
    let version_url = format!("/tjanster/{}/{}", d.version.service_id, d.version.version);
    DueView {
        url: format!("{version_url}/omgang"),
        title: format!("{} {}", d.version.title, d.version.version),
        try_url: d
            .municipality
            .as_ref()
            .map(|m| format!("{version_url}/{m}")),
        comments_url: d
            .municipality
            .as_ref()
            .map(|m| format!("{version_url}/synpunkter?kommun={m}")),
        whose: crate::municipalities::genitive(&d.who),
        who: d.who,
        when,
        late: d.late,
    }
}

fn note(state: &AppState, n: Note) -> NoteView {
    let class = crate::reviews::Class::parse(&n.class)
        .map(|c| c.swedish())
        .unwrap_or_default()
        .to_string();
    let about = match &n.municipality {
        Some(m) => format!(
            "{} {}, {}",
            n.service_title,
            n.version,
            state.registry.short_name(m)
        ),
        None => format!("{} {}", n.service_title, n.version),
    };
    NoteView {
        url: format!("/synpunkter/{}", n.thread),
        class,
        about,
        author: n.author_name,
        excerpt: crate::reviews::model::excerpt(&n.body, 140),
        when: crate::clock::swedish(&n.created_at),
    }
}

async fn home(State(state): State<AppState>) -> Result<Html<String>, WebError> {
    let u = crate::web::session::require()?;
    let (since, first_visit) = crate::accounts::store::desk_visit(&state.store, u.id).await?;
    let (mut reviewer, mut legal, mut office) = (None, None, None);
    match u.role {
        Role::Reviewer => {
            let d = super::reviewer(&state.store, &state.cache, &u, &since).await?;
            reviewer = Some(ReviewerView {
                rounds: d.rounds.into_iter().map(due).collect(),
                replies: d.replies.into_iter().map(|n| note(&state, n)).collect(),
                comments: d.comments.into_iter().map(|n| note(&state, n)).collect(),
            });
        }
        Role::LegalAdviser => {
            let list = super::legal(&state.store, &crate::release::web::rules(&state)?).await?;
            legal = Some(
                list.into_iter()
                    .map(|mut l| {
                        let qs = std::mem::take(&mut l.questions)
                            .into_iter()
                            .map(|n| note(&state, n))
                            .collect();
                        (l, qs)
                    })
                    .collect(),
            );
        }
        Role::EKontoret => {
            let mut desk =
                super::office(&state.store, &crate::release::web::rules(&state)?).await?;
            let closing = std::mem::take(&mut desk.closing)
                .into_iter()
                .map(due)
                .collect();
            office = Some(OfficeView { desk, closing });
        }
    }
    render(&HomePage {
        page: Layout::plain("Start – Provrum"),
        heading: format!("Att göra för {}", u.name),
        // Always true: within half an hour of a first visit the moment is
        // still the fortnight before it, not a visit.
        since: format!(
            "Nytt sedan {}{}.",
            crate::clock::swedish(&since),
            if first_visit {
                " (ditt första besök: de senaste två veckorna)"
            } else {
                ""
            }
        ),
        reviewer,
        legal,
        office,
        services: crate::services::store::list(&state.store).await?,
        municipalities: state.registry.all(),
    })
}
