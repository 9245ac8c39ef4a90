//! Variant comparison: what each municipality's variant renders, against the
//! base and against an earlier (released) version. Captures come from a
//! deterministic walk in headless Chromium (`capture`); text, structure and
//! pixel diffs find deviations (`text`, `structure`, `pixels`); e-kontoret
//! approves or flags each deviation, remembered by fingerprint (`store`).

pub mod capture;
pub mod changes;
pub mod diff;
pub mod execute;
mod judged;
pub mod kind;
pub mod pixels;
mod plan;
pub mod queue;
mod request;
pub mod store;
pub mod structure;
pub mod text;
mod walk;
pub mod web;
pub mod work;

pub use diff::{Deviation, compare_captures};
pub use execute::{Against, Request, execute};
pub(crate) use judged::pixel_boxes;
pub use judged::{Judged, Status, exit_code, judged};
pub use kind::{Kind, reference_kind};
