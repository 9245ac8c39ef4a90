//! Provrum's parsers of human-written input, compiled alone for fuzzing: the
//! same source files as the main crate (by `#[path]`), arranged in the same
//! module tree so that their `crate::…` and `super::…` paths resolve. What a
//! file here does not include, the parsers must not need: a parser that
//! starts to depend on the store or the web breaks this build, on purpose.
#![allow(dead_code, unused_imports)]

#[path = "../../src/contact.rs"]
pub mod contact;
#[path = "../../src/filetypes.rs"]
pub mod filetypes;
#[path = "../../src/identities.rs"]
pub mod identities;
#[path = "../../src/municipalities.rs"]
pub mod municipalities;
#[path = "../../src/yaml/mod.rs"]
pub mod yaml;

pub mod checklists;
pub mod sandbox;
pub mod scenarios;
pub mod services;

use std::path::Path;

/// The fixture service every overlay and scenario target is checked against.
pub fn fixture_base() -> &'static (String, Vec<(String, String)>) {
    static BASE: std::sync::OnceLock<(String, Vec<(String, String)>)> = std::sync::OnceLock::new();
    BASE.get_or_init(|| {
        let base = include_str!("../../fixtures/services/anmalan-om-olagenhet/service.yaml");
        let arvika =
            include_str!("../../fixtures/services/anmalan-om-olagenhet/variants/arvika.yaml");
        (
            base.to_string(),
            vec![("variants/arvika.yaml".to_string(), arvika.to_string())],
        )
    })
}

/// The fixture service's resolved variants (for scenario checks).
pub fn fixture_variants() -> &'static [services::Variant] {
    static VARIANTS: std::sync::OnceLock<Vec<services::Variant>> = std::sync::OnceLock::new();
    VARIANTS.get_or_init(|| {
        let (base, overlays) = fixture_base();
        let mut files = vec![("service.yaml".to_string(), base.clone())];
        files.extend(overlays.iter().cloned());
        services::from_files(
            Path::new("fixture"),
            files,
            municipalities::Registry::builtin(),
        )
        .map(|p| p.variants)
        .unwrap_or_default()
    })
}

/// Split fuzz input into files at NUL bytes: the first is `service.yaml`,
/// the rest are overlays of real municipalities in turn.
pub fn files_of(data: &str) -> Vec<(String, String)> {
    const NAMES: [&str; 4] = ["arvika", "eda", "karlstad", "kil"];
    data.split('\0')
        .take(1 + NAMES.len())
        .enumerate()
        .map(|(i, text)| match i {
            0 => ("service.yaml".to_string(), text.to_string()),
            n => (format!("variants/{}.yaml", NAMES[n - 1]), text.to_string()),
        })
        .collect()
}
