//! Candidate e-services: the package format, its validation, overlay merge,
//! and storage of immutable versions.

pub mod catalog;
pub mod changes;
mod check;
mod check_overlay;
pub mod contrast;
pub mod ignores;
pub mod merge;
pub mod model;
pub mod package;
mod parse;
mod parse_overlay;
pub mod reference;
pub mod releases;
pub mod store;
pub mod web;

pub use model::*;
pub use package::{LoadError, Package, find_packages, from_files, load};

/// A captured page's name as people see it: "Startsida", a step's title.
pub fn page_label(step: &str, titles: &std::collections::HashMap<String, String>) -> String {
    match step {
        "*" => "Hela varianten".into(),
        "start" => "Startsida".into(),
        "logga-in" => "Inloggning".into(),
        "granska" => "Granska".into(),
        "signera" => "Signera".into(),
        "kvittens" => "Kvittens".into(),
        s => s
            .strip_prefix("steg/")
            .and_then(|id| titles.get(id).cloned())
            .unwrap_or_else(|| s.to_string()),
    }
}
