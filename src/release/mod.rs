//! The release check: one verdict for a version (`gate`), from rules in a
//! policy file (`policy`), with e-kontoret's waivers (`waivers`), reports
//! (`report`: JSON, JUnit, self-contained HTML) and pages (`web`: the
//! release page, the Release action, the dashboard).

pub mod gate;
pub mod policy;
pub mod report;
pub mod waivers;
pub mod web;

pub use gate::{Blocker, GateResult, Verdict, check};
pub use policy::Policy;
