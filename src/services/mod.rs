//! Candidate e-services: the package format, its validation, overlay merge,
//! and storage of immutable versions.

pub mod cache;
pub mod changes;
mod check;
mod check_overlay;
pub mod contrast;
pub mod ignores;
pub mod merge;
pub mod model;
pub mod oeflow;
pub mod package;
mod parse;
mod parse_overlay;
pub mod reference;
pub mod releases;
pub mod richtext;
pub mod store;
pub mod web;

pub use model::*;
pub use package::{LoadError, Package, from_files};

/// Read, check and resolve a package folder (`package::load`), or an Open
/// ePlatform flow file (`.oeflow`) as the package it converts to, every
/// municipality of the registry taking part (`oeflow`).
pub fn load(
    path: &std::path::Path,
    registry: &crate::municipalities::Registry,
) -> Result<Package, LoadError> {
    if oeflow::is_flow(path) {
        return oeflow::load(path, registry, &Default::default()).map(|(p, _)| p);
    }
    package::load(path, registry)
}

/// The packages below `path` (`package::find_packages`); a flow file is a
/// package of its own.
pub fn find_packages(path: &std::path::Path) -> Vec<std::path::PathBuf> {
    if oeflow::is_flow(path) && path.is_file() {
        return vec![path.to_path_buf()];
    }
    package::find_packages(path)
}

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
