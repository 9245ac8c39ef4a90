//! Digests of the sources that shape what the test room records, so that a
//! build whose recording code changed in any way never reuses an older
//! build's results:
//! - `PROVRUM_RENDER_DIGEST`: what a sandbox page looks like and what a
//!   capture walk records (part of `compare::execute::definition`);
//! - `PROVRUM_RUN_DIGEST`: what a scenario cell records — the pages, the
//!   runner, the scenario format, the test persons and axe-core (part of
//!   `scenarios::reuse::fingerprint`).
//!
//! Cargo re-runs this when anything under these paths changes.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};

const RENDER: &[&str] = &[
    "templates",
    "static",
    "src/sandbox",
    "src/services",
    "src/browser",
    "src/compare/walk.rs",
    "src/compare/capture.rs",
    "fixtures/test-identities",
];

const RUN: &[&str] = &[
    "templates",
    "static",
    "src/sandbox",
    "src/services",
    "src/browser",
    "src/identities.rs",
    "src/municipalities.rs",
    "fixtures/test-identities",
    "src/scenarios/runner",
    "src/scenarios/model.rs",
    "src/scenarios/parse.rs",
    "src/scenarios/reuse.rs",
    "vendor/axe-core",
];

fn files(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
            .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        entries.sort();
        for e in entries {
            files(&e, out);
        }
    } else if path.is_file() {
        out.push(path.to_path_buf());
    }
}

fn digest(sources: &[&str]) -> String {
    let mut all = Vec::new();
    for s in sources {
        println!("cargo:rerun-if-changed={s}");
        files(Path::new(s), &mut all);
    }
    let mut h = DefaultHasher::new();
    for f in &all {
        f.to_string_lossy().hash(&mut h);
        std::fs::read(f).unwrap_or_default().hash(&mut h);
    }
    format!("{:016x}", h.finish())
}

fn main() {
    println!("cargo:rustc-env=PROVRUM_RENDER_DIGEST={}", digest(RENDER));
    println!("cargo:rustc-env=PROVRUM_RUN_DIGEST={}", digest(RUN));
}
