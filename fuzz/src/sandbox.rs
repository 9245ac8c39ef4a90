//! `crate::sandbox::input::parts`, which scenario checks use.

#[path = "sandbox_input.rs"]
pub mod input;
