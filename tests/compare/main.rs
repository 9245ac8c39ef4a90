//! Variant comparison in real headless Chromium against a real server: the
//! trust bar of the comparison — no noise, no missed change.

// The serialising guard is held across awaits on purpose (see tests/runner/main.rs).
#![allow(clippy::await_holding_lock)]

#[path = "../common/mod.rs"]
mod common;
mod decisions;
mod planted;
mod same_version;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use common::{Backend, TestApp};
use provrum::browser::{Browser, BrowserOptions};
use provrum::compare::capture::{self, CaptureConfig, Job, Viewport};
use provrum::compare::execute::{Against, Env, Request};
use provrum::compare::{Kind, Status, diff, store};
use provrum::municipalities::Registry;

static SERIAL: Mutex<()> = Mutex::new(());

const SERVICE: &str = "anmalan-om-olagenhet";

fn files_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/files")
}

fn env(app: &TestApp, chromium: PathBuf) -> Env {
    Env {
        origin: app.url.clone(),
        browser: BrowserOptions {
            chromium,
            pass: app.pass(),
            ..BrowserOptions::default()
        },
        concurrency: 2,
        files_dir: files_dir(),
        cancel: Default::default(),
    }
}

fn no_progress() -> Arc<dyn Fn(usize, usize) + Send + Sync> {
    Arc::new(|_, _| {})
}

/// Copy the fixture package as `version` with each planted edit applied.
fn planted_copy(dir: &Path, version: &str, edits: &[(&str, &str)]) -> PathBuf {
    let src = common::fixtures().join("services").join(SERVICE);
    let dst = dir.join(format!("{SERVICE}-{version}"));
    std::fs::create_dir_all(dst.join("variants")).unwrap();
    let service = std::fs::read_to_string(src.join("service.yaml"))
        .unwrap()
        .replace("version: 2.1.0-rc1", &format!("version: {version}"));
    std::fs::write(dst.join("service.yaml"), service).unwrap();
    for e in std::fs::read_dir(src.join("variants")).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_str().unwrap().to_string();
        let mut text = std::fs::read_to_string(&p).unwrap();
        for (file, edit) in edits {
            if name == format!("{file}.yaml") {
                text = edit.replace("{old}", &text);
            }
        }
        std::fs::write(dst.join("variants").join(name), text).unwrap();
    }
    dst
}

async fn import(app: &TestApp, dir: &Path) -> i64 {
    let pkg = provrum::services::load(dir, Registry::builtin()).expect("planted package is valid");
    provrum::intake::import(&app.store, &pkg, Registry::builtin(), "test")
        .await
        .expect("import");
    provrum::services::store::find_version(&app.store, SERVICE, Some(&pkg.base.version))
        .await
        .unwrap()
        .unwrap()
        .id
}
