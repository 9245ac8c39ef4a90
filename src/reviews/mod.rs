//! Reviewers' feedback: comments pinned to a variant, step, field, region
//! or quoted text; classes (krav, önskemål, juridisk fråga, fel); endorsements
//! per municipality; e-kontoret's triage; carry-over to the next version;
//! export; and review rounds where each municipality answers.

pub mod carry;
pub mod changes;
pub mod export;
pub mod listing;
pub mod model;
pub mod news;
pub mod pins;
pub mod rounds;
pub mod store;
pub mod web;
pub mod why;

pub use model::{Class, Comment, Priority, Status};
