//! How the comparison reads on the pages: a page's Swedish name and the
//! badge a matrix cell shows for its deviations.

use std::collections::HashMap;

use crate::compare::{Judged, Status};

/// Step titles by step id, from the first variant (the walk's page names).
pub(super) fn step_titles(variants: &[crate::services::Variant]) -> HashMap<String, String> {
    variants
        .first()
        .map(|x| {
            x.steps
                .iter()
                .map(|s| (s.id.clone(), s.title.clone()))
                .collect()
        })
        .unwrap_or_default()
}

/// A page's name in Swedish.
pub(super) fn step_label(step: &str, titles: &HashMap<String, String>) -> String {
    crate::services::page_label(step, titles)
}

/// The pages of a queue item: "Fastighet och sökande", or for a colour
/// swap on several, "Startsida och 3 sidor till".
pub(super) fn item_pages_label(
    item: &crate::compare::changes::Item,
    titles: &HashMap<String, String>,
) -> String {
    let pages = item.pages();
    let first = step_label(pages[0], titles);
    match pages.len() {
        1 => first,
        2 => format!("{first} och en sida till"),
        n => format!("{first} och {} sidor till", n - 1),
    }
}

pub(super) struct Badge {
    pub class: &'static str,
    pub label: &'static str,
    pub symbol: &'static str,
}

pub(super) fn badge(list: &[&Judged]) -> Badge {
    if list.is_empty() {
        return Badge {
            class: "same",
            label: "lika",
            symbol: "=",
        };
    }
    if list.iter().any(|d| d.status == Status::Error) {
        return Badge {
            class: "error",
            label: "kunde inte fångas",
            symbol: "!",
        };
    }
    let open: Vec<&&Judged> = list.iter().filter(|d| !d.status.is_settled()).collect();
    if open.iter().any(|d| d.deviation.reference != "base") {
        return Badge {
            class: "changed",
            label: "ändrad sedan den senast släppta versionen",
            symbol: "Δ",
        };
    }
    if !open.is_empty() {
        return Badge {
            class: "review",
            label: "behöver granskas",
            symbol: "?",
        };
    }
    Badge {
        class: "approved",
        label: "godkänd",
        symbol: "✓",
    }
}

/// A path segment percent-encoded for a link (`/` kept).
pub(super) fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
