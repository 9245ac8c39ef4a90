//! `crate::scenarios` as the parsers see it.

#[path = "../../src/scenarios/check.rs"]
mod check;
#[path = "../../src/scenarios/model.rs"]
pub mod model;
#[path = "../../src/scenarios/parse.rs"]
mod parse;

pub use check::check;
pub use model::*;
pub use parse::{partial as parse_partial, scenario as parse};
