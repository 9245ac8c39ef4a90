//! Legal checklists: the format (`model`, `parse`, fixtures in
//! `fixtures/checklists/`), automatic checks (`auto`), legal advisers'
//! assessments with history and e-kontoret's regional positions (`store`),
//! verdicts, conflicts and carry-over (`evaluate`), and the pages (`web`).

pub mod auto;
pub mod evaluate;
pub mod model;
pub mod parse;
pub mod store;
pub mod web;

pub use evaluate::{Evaluation, ItemStatus, Verdict, evaluate};
pub use model::{Checklist, Item, Kind, Severity};
pub use parse::{checklist as parse, load_dir};

/// The checklists of `dir`, read again only when a file in it changed
/// (`yaml::cache`).
pub fn load_cached(
    dir: &std::path::Path,
) -> Result<std::sync::Arc<Vec<Checklist>>, Vec<crate::yaml::Diagnostic>> {
    use crate::yaml::cache;
    cache::cached(dir, cache::stamp(&cache::yaml_files(dir)), || load_dir(dir))
}

/// A checklist or policy file people must fix before the rules can be read.
#[derive(Debug, thiserror::Error)]
#[error("{what} har fel: {}", .problems.iter().map(|x| x.to_string()).collect::<Vec<_>>().join("; "))]
pub struct BrokenRules {
    /// Which rules, in Swedish ("Checklistorna", "Releasepolicyn").
    pub what: &'static str,
    pub problems: Vec<crate::yaml::Diagnostic>,
}

/// The checklists of `dir` (cached by file modification time); a broken
/// file is an error that says which file and line to fix.
pub fn loaded(dir: &std::path::Path) -> Result<std::sync::Arc<Vec<Checklist>>, BrokenRules> {
    load_cached(dir).map_err(|problems| BrokenRules {
        what: "Checklistorna",
        problems,
    })
}
