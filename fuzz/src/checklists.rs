//! `crate::checklists` as the parsers see it.

#[path = "../../src/checklists/model.rs"]
pub mod model;
#[path = "../../src/checklists/parse.rs"]
pub mod parse;
