//! `crate::services` as the parsers see it.

#[path = "../../src/services/check.rs"]
mod check;
#[path = "../../src/services/check_overlay.rs"]
mod check_overlay;
#[path = "../../src/services/contrast.rs"]
pub mod contrast;
#[path = "../../src/services/merge.rs"]
pub mod merge;
#[path = "../../src/services/model.rs"]
pub mod model;
#[path = "../../src/services/oeflow/mod.rs"]
pub mod oeflow;
#[path = "../../src/services/package.rs"]
pub mod package;
#[path = "../../src/services/parse.rs"]
mod parse;
#[path = "../../src/services/parse_overlay.rs"]
mod parse_overlay;
#[path = "../../src/services/richtext.rs"]
pub mod richtext;

pub use model::*;
pub use package::{LoadError, Package, find_packages, from_files, load};
