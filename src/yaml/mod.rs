//! A YAML tree that remembers where every node came from.
//!
//! Package, scenario and checklist files are written by people, so every
//! problem must point at `file:line:col`. `serde` stops at the first error and
//! forgets positions; this module keeps a small spanned tree (built from
//! `yaml-rust2` parser events) and a [`Decoder`] that collects *all* problems.

pub mod cache;
mod decode;
mod diagnostic;
mod source;
mod tree;

pub use decode::{Decoder, MapReader};
pub use diagnostic::{Diagnostic, Pos, Spans, did_you_mean};
pub use source::{MAX_FILE_BYTES, decode as decode_text, read_text};
pub use tree::{MAX_DEPTH, Node, NodeKind, parse};
