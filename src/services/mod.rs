//! Candidate e-services: the package format, its validation, overlay merge,
//! and storage of immutable versions.

pub mod catalog;
pub mod changes;
mod check;
mod check_overlay;
pub mod contrast;
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
