//! A legal question answered by a legal adviser: on the question's page they
//! pick the checklist item it concerns, give their assessment, and the
//! question is closed with a link to that assessment (one transaction; the
//! action is `thread::answer`).

use serde::Deserialize;

use crate::accounts::{Action, User};
use crate::checklists::store::Assessed;
use crate::reviews::model::{Class, Comment};
use crate::web::{AppState, WebError};

/// The answer form on a legal question's page, with what was typed.
pub(super) struct AnswerForm {
    /// (`checklist|item`, "Checklist › Item").
    pub items: Vec<(String, String)>,
    pub statuses: Vec<(&'static str, &'static str)>,
    /// (municipality or "", words).
    pub scopes: Vec<(String, String)>,
    pub typed: Typed,
    pub error: Option<String>,
    pub form_key: String,
}

#[derive(Deserialize, Default)]
pub(super) struct Typed {
    #[serde(rename = "_nyckel", default)]
    pub nyckel: String,
    #[serde(default)]
    pub punkt: String,
    #[serde(default)]
    pub bedomning: String,
    #[serde(default)]
    pub omfattning: String,
    #[serde(default)]
    pub kommentar: String,
    #[serde(default)]
    pub hanvisning: String,
}

/// The form, for a legal adviser on an open legal question.
pub(super) fn form(
    state: &AppState,
    u: &User,
    c: &Comment,
    typed: Typed,
    error: Option<String>,
) -> Result<Option<AnswerForm>, WebError> {
    if c.class != Class::Juridisk || !c.status.is_open() || !u.may(Action::Assess) {
        return Ok(None);
    }
    let lists = crate::checklists::loaded(&state.checklists_dir)?;
    let items = lists
        .iter()
        .flat_map(|l| {
            l.items.iter().map(move |i| {
                (
                    format!("{}|{}", l.id, i.id),
                    format!("{} › {}", l.title, i.title),
                )
            })
        })
        .collect();
    let mut scopes = vec![(
        String::new(),
        "Regionalt – gäller alla kommuner".to_string(),
    )];
    if let Some(m) = &c.municipality {
        scopes.push((m.clone(), format!("Bara {}", state.registry.short_name(m))));
    }
    Ok(Some(AnswerForm {
        items,
        statuses: Assessed::ALL
            .iter()
            .map(|a| (a.slug(), a.swedish()))
            .collect(),
        scopes,
        typed,
        error,
        form_key: crate::store::new_form_key(),
    }))
}

/// Where the assessment that answered `c` is, and what it concerns.
pub(super) async fn answered(
    state: &AppState,
    c: &Comment,
) -> Result<Option<(String, String)>, WebError> {
    let Some(id) = c.answered_by else {
        return Ok(None);
    };
    let all = crate::checklists::store::all(&state.store, c.version_id).await?;
    Ok(all.into_iter().find(|a| a.id == id).map(|a| {
        (
            format!(
                "/tjanster/{}/{}/checklistor/{}/{}",
                c.service_id, c.version, a.checklist, a.item
            ),
            format!("{} ({})", a.item, a.status.swedish()),
        )
    }))
}
