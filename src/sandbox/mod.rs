//! The sandbox: hosted variants rendered step by step, validated as the real
//! service would, with test identities only, and every submission captured
//! in an inbox. Nothing leaves the box.

mod answers;
pub mod cleanup;
mod display;
pub mod inbox;
pub mod input;
pub mod places;
pub mod rendering;
pub mod session;
pub mod uploads;
pub mod views;
mod visibility;
pub mod web;
