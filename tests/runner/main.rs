//! The scenario runner in real headless Chromium against a real server.
//! Browser tests run one at a time so that "no Chromium process is left"
//! can be checked after each.

// The serialising guard is held across awaits on purpose: each test has its
// own runtime, and the guard only keeps browser tests from overlapping.
#![allow(clippy::await_holding_lock)]

mod accessibility;
mod browsers;
mod cells;
mod command;
#[path = "../common/mod.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use provrum::browser::{Browser, BrowserOptions};
use provrum::scenarios::runner::{CellOutcome, Status};

static SERIAL: Mutex<()> = Mutex::new(());

/// How most browser tests start: Chromium at hand (else the test skips),
/// the browser tests' turn (held for the test), the demo served on SQLite.
async fn browser_test() -> Option<(std::sync::MutexGuard<'static, ()>, common::TestApp)> {
    common::chromium()?;
    let serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let app = common::spawn_demo(common::Backend::Sqlite)
        .await
        .expect("app");
    Some((serial, app))
}

fn scenario(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(rel)
}

/// Live (non-zombie) processes below this test process: none may remain.
/// A closed browser's helpers exit on their own a moment later (under a
/// loaded CI machine, after the assertion once): give them ten seconds.
fn assert_no_browser_left() {
    let live = || -> Vec<u32> {
        provrum::browser::process::descendants(std::process::id())
            .into_iter()
            .filter(|p| provrum::browser::process_alive(*p))
            .collect()
    };
    let t = std::time::Instant::now();
    let mut left = live();
    while !left.is_empty() && t.elapsed() < std::time::Duration::from_secs(10) {
        std::thread::sleep(std::time::Duration::from_millis(200));
        left = live();
    }
    assert!(left.is_empty(), "processes left behind: {left:?}");
}

fn describe(o: &CellOutcome) -> String {
    format!(
        "{} {}: {:?} {:?}\n{:#?}",
        o.scenario,
        o.municipality,
        o.status,
        o.reason,
        o.steps
            .iter()
            .map(|s| (&s.label, s.status, &s.reason))
            .collect::<Vec<_>>()
    )
}
