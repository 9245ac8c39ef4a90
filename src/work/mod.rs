//! Work queued in the database and done by whichever worker claims it: the
//! lease rules every queue follows, whatever its work is (scenario cells,
//! capture walks). Knows no domain.

pub mod lease;

pub use lease::{Leases, MAX_ATTEMPTS, lease, now_ms};
