//! The audit log page: who did what, when, with what evidence. Writing to
//! the log is `store::audit`, used inside each domain's transactions.

pub mod web;
