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
