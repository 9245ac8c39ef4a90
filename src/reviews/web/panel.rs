//! The staff's panel on every sandbox page (BugHerd's "see others' pins in
//! place"): the comments already pinned to this variant and place with their
//! class, status and endorsements, "Instäm" right there, and "Lämna synpunkt"
//! that comes back to this page with a confirmation. Plain HTML: it works
//! without JavaScript; with it, fields that have comments are marked.

use askama::Template;

use crate::accounts::User;
use crate::reviews::model::Comment;
use crate::reviews::store as comments;
use crate::sandbox::places;
use crate::web::{AppState, WebError, csrf, render};
use crate::web::{PanelFuture, Spot, StaffPanel};

/// What the sandbox shows a logged-in user (registered by `startup::app`).
pub struct Panel;

impl StaffPanel for Panel {
    fn render<'a>(&'a self, state: &'a AppState, spot: &'a Spot) -> PanelFuture<'a> {
        Box::pin(async move {
            match panel(state, spot).await {
                Ok(html) => html,
                // The citizen's page still works without the panel.
                Err(e) => {
                    tracing::warn!(error = %e, "the comments panel could not be shown");
                    None
                }
            }
        })
    }
}

struct Item {
    c: Comment,
    /// "om Karlstads variant", for a comment on another municipality's variant.
    about: Option<String>,
    excerpt: String,
    who: String,
    field_label: Option<String>,
    endorsed_by: String,
    /// Municipalities the user may still endorse it for / withdraw for.
    endorse: Vec<(String, String)>,
    withdraw: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "reviews/panel.html")]
struct PanelView {
    items: Vec<Item>,
    /// Open comments other municipalities left at the same place.
    others: Vec<Item>,
    heading: String,
    by_class: String,
    new_url: String,
    back: String,
    csrf: String,
    saved: Option<i64>,
    /// Pin by click (shown by the page's script): the place, where the
    /// script asks for the screenshot and where the comment is saved.
    place: String,
    municipality: String,
    point_url: String,
    create_url: String,
    form_key: String,
    classes: Vec<(&'static str, &'static str)>,
    priorities: Vec<(&'static str, &'static str)>,
}

/// The page's address without the confirmation parameter, and the id of a
/// comment just saved (`?sparad=ID`).
fn split_saved(url: &str) -> (String, Option<i64>) {
    let Some((path, query)) = url.split_once('?') else {
        return (url.to_string(), None);
    };
    let mut saved = None;
    let rest: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .filter(|(k, v)| {
            if k == "sparad" {
                saved = v.parse().ok();
                false
            } else {
                true
            }
        })
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if rest.is_empty() {
        return (path.to_string(), saved);
    }
    let q = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(rest)
        .finish();
    (format!("{path}?{q}"), saved)
}

fn count_words(n: usize) -> String {
    match n {
        1 => "1 synpunkt".into(),
        n => format!("{n} synpunkter"),
    }
}

async fn panel(state: &AppState, spot: &Spot) -> Result<Option<String>, WebError> {
    let Some(user) = crate::web::session::user() else {
        return Ok(None);
    };
    let Some(variant) = state.variant(spot.version_id, &spot.municipality).await? else {
        return Ok(None);
    };
    let list = comments::at_place(
        &state.store,
        spot.version_id,
        &spot.municipality,
        &spot.place,
    )
    .await?;
    let elsewhere = comments::elsewhere_at_place(
        &state.store,
        spot.version_id,
        &spot.municipality,
        &spot.place,
    )
    .await?;
    let (back, saved) = split_saved(&spot.url);
    let name = |m: &str| state.registry.short_name(m);
    let items: Vec<Item> = list
        .into_iter()
        .map(|c| item(c, &user, &variant, &name))
        .collect();
    let others: Vec<Item> = elsewhere
        .into_iter()
        .filter(|c| c.status.is_open())
        .map(|c| item(c, &user, &variant, &name))
        .collect();
    let mut by_class: Vec<String> = Vec::new();
    for class in crate::reviews::model::Class::ALL {
        let n = items.iter().filter(|i| i.c.class == *class).count();
        if n > 0 {
            by_class.push(format!("{n} {}", class.swedish()));
        }
    }
    let place_title = places::title(&variant, &spot.place).unwrap_or_default();
    let open = items.iter().filter(|i| i.c.status.is_open()).count();
    let heading = match (items.len(), open) {
        (0, _) => format!("Inga synpunkter på ”{place_title}” ännu"),
        (n, o) if o == n => format!("{} på ”{place_title}”", count_words(n)),
        (n, o) => format!("{} på ”{place_title}”, {o} öppna", count_words(n)),
    };
    let (csrf, _) = csrf::token(&axum::http::HeaderMap::new(), state.secure_cookies);
    use crate::reviews::model::{Class, Priority};
    let version_url = format!("/tjanster/{}/{}", spot.service_id, spot.version);
    let view = PanelView {
        items,
        others,
        heading,
        by_class: by_class.join(", "),
        new_url: crate::web::page::comment_form_url(
            &spot.service_id,
            &spot.version,
            &spot.municipality,
            &spot.place,
            &back,
        ),
        back,
        csrf,
        saved,
        place: spot.place.clone(),
        point_url: format!("{version_url}/{}/peka", spot.municipality),
        create_url: format!("{version_url}/synpunkter"),
        municipality: spot.municipality.clone(),
        form_key: crate::store::new_form_key(),
        classes: Class::ALL.iter().map(|c| (c.slug(), c.swedish())).collect(),
        priorities: Priority::ALL
            .iter()
            .map(|c| (c.slug(), c.swedish()))
            .collect(),
    };
    Ok(Some(render(&view)?.0))
}

fn item(
    c: Comment,
    user: &User,
    variant: &crate::services::Variant,
    name: &dyn Fn(&str) -> String,
) -> Item {
    let (endorse, withdraw) = super::words::endorsement_choices(user, &c, name);
    let field_label = c
        .field
        .as_deref()
        .map(|f| super::words::field_label(variant, f));
    let who = match &c.author_municipality {
        Some(m) => format!("{}, {}", c.author_name, name(m)),
        None => c.author_name.clone(),
    };
    Item {
        about: c
            .municipality
            .as_deref()
            .filter(|m| *m != variant.municipality)
            .map(|m| format!("om {} variant", crate::municipalities::genitive(&name(m)))),
        excerpt: crate::reviews::model::excerpt(&c.body, 180),
        endorsed_by: c
            .endorsements
            .iter()
            .map(|m| name(m))
            .collect::<Vec<_>>()
            .join(", "),
        who,
        field_label,
        endorse,
        withdraw,
        c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_confirmation_is_read_and_left_out_of_the_way_back() {
        assert_eq!(
            split_saved("/t/s/1/arvika/steg/plats?sparad=12"),
            ("/t/s/1/arvika/steg/plats".to_string(), Some(12))
        );
        assert_eq!(
            split_saved("/t/s/1/arvika?a=b&sparad=3"),
            ("/t/s/1/arvika?a=b".to_string(), Some(3))
        );
        assert_eq!(split_saved("/x"), ("/x".to_string(), None));
    }

    #[test]
    fn excerpts_are_one_line_and_bounded() {
        use crate::reviews::model::excerpt;
        assert_eq!(excerpt("a\n  b", 180), "a b");
        let long = "ord ".repeat(100);
        let e = excerpt(&long, 180);
        assert!(e.ends_with('…') && e.chars().count() <= 181, "{e}");
    }
}
