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

/// The checklists the server was started with; a broken file is an error
/// page that says which file and line to fix.
pub fn loaded(
    state: &crate::web::AppState,
) -> Result<std::sync::Arc<Vec<Checklist>>, crate::web::WebError> {
    load_cached(&state.checklists_dir).map_err(|d| {
        crate::web::WebError::BadRequest(format!(
            "Checklistorna har fel: {}",
            d.iter()
                .map(|x| x.to_string())
                .collect::<Vec<_>>()
                .join("; ")
        ))
    })
}
