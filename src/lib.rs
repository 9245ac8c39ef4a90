//! Provrum: a test room where a region's municipalities try out shared
//! citizen e-services before release.
//!
//! Data flows one way: packages are validated and imported into the store;
//! the sandbox renders stored variants and captures submissions. See
//! `docs/architecture.md`.

pub mod accounts;
pub mod artifacts;
pub mod audit;
pub mod browser;
pub mod bundles;
pub mod catalogue;
pub mod checklists;
pub mod cli;
pub mod clock;
pub mod compare;
pub mod config;
pub mod contact;
pub mod desk;
pub mod filetypes;
pub mod identities;
pub mod intake;
pub mod jobs;
pub mod mail;
pub mod meetings;
pub mod municipalities;
pub mod release;
pub mod reviews;
pub mod sandbox;
pub mod scenarios;
pub mod services;
pub mod spreadsheet;
pub mod startup;
pub mod store;
pub mod web;
pub mod work;
pub mod yaml;
