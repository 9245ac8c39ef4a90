//! Work queued in the database and done by whichever worker claims it: the
//! lease rules every queue follows (`lease`), the worker that does the kinds
//! of work it is given (`worker`) and which workers are alive (`presence`),
//! whatever the work is (scenario cells, capture walks). Knows no domain.

pub mod lease;
pub mod presence;
pub mod worker;

pub use lease::{Leases, MAX_ATTEMPTS, lease, now_ms};
