//! What a comparison is asked to do (`Request`, `Against`), where its
//! captures are made (`Env`), what it tells of each reference
//! (`ReferenceInfo`) and how it can fail (`CompareError`).

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use serde::Serialize;

use crate::browser::{BrowserError, BrowserOptions};

use super::capture::Viewport;
use super::{diff, work};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub enum Against {
    /// The base, and the last release when there is one.
    Default,
    Base,
    Released,
    Version(String),
}

impl Against {
    pub fn parse(s: &str) -> Against {
        match s {
            "base" | "bas" => Against::Base,
            "released" | "release" => Against::Released,
            v => Against::Version(v.to_string()),
        }
    }
}

/// What a comparison is asked to do; kept with its job, so that another
/// replica can carry a comparison on when the one that started it died.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Request {
    pub service: String,
    pub version: Option<String>,
    pub against: Against,
    pub viewports: Vec<Viewport>,
    /// Capture again even when a capture of the same rendering exists.
    pub fresh: bool,
}

/// Where captures are made: the walks go on the queue (`compare::queue`)
/// for any worker, and this process walks them too with `concurrency`
/// browsers on `origin` (0: it leaves them to the workers, as a web replica).
#[derive(Debug, Clone)]
pub struct Env {
    pub origin: String,
    pub browser: BrowserOptions,
    pub concurrency: usize,
    pub files_dir: PathBuf,
    /// Raised: the walks not started are not made and the comparison stops.
    pub cancel: Arc<AtomicBool>,
}

#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    #[error("no version {1} of service `{0}` is imported (see `provrum services`)")]
    NoVersion(String, String),
    #[error("`{0}` has no released version yet: compare with --against base or --against VERSION")]
    NoRelease(String),
    #[error("Chromium: {0}")]
    Browser(#[from] BrowserError),
    #[error("{0}")]
    Diff(#[from] diff::DiffError),
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("{0}")]
    Task(String),
    #[error("the comparison was stopped")]
    Cancelled,
}

impl From<work::WalkError> for CompareError {
    fn from(e: work::WalkError) -> CompareError {
        match e {
            work::WalkError::Db(e) => CompareError::Db(e),
            work::WalkError::Browser(e) => CompareError::Browser(e),
            work::WalkError::Cancelled => CompareError::Cancelled,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ReferenceInfo {
    /// `base` or a version.
    pub reference: String,
    /// Municipalities whose variant is compared.
    pub compared: Vec<String>,
    /// Municipalities left out, with why (hosted elsewhere, new variant…).
    pub skipped: Vec<(String, String)>,
}
