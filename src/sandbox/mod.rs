//! The sandbox: hosted variants rendered step by step, validated as the real
//! service would, with test identities only, and every submission captured
//! in an inbox. Nothing leaves the box.

mod answers;
mod cases;
pub mod cleanup;
mod display;
pub mod inbox;
pub mod input;
mod pages;
pub mod places;
pub mod rendering;
pub mod routes;
pub mod session;
pub mod uploads;
pub mod views;
mod visibility;
pub mod visit;
