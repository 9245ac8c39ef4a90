//! A digest of every source that shapes what a sandbox page looks like and
//! what a capture walk records, as `PROVRUM_RENDER_DIGEST`: part of a
//! capture's reuse key (`compare::execute::definition`), so that a build
//! whose rendering code changed in any way never reuses an older build's
//! captures. Cargo re-runs this when anything under these paths changes.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};

const SOURCES: &[&str] = &[
    "templates",
    "static",
    "src/sandbox",
    "src/services",
    "src/browser",
    "src/compare/walk.rs",
    "src/compare/capture.rs",
    "fixtures/test-identities",
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

fn main() {
    let mut all = Vec::new();
    for s in SOURCES {
        println!("cargo:rerun-if-changed={s}");
        files(Path::new(s), &mut all);
    }
    let mut h = DefaultHasher::new();
    for f in &all {
        f.to_string_lossy().hash(&mut h);
        std::fs::read(f).unwrap_or_default().hash(&mut h);
    }
    println!("cargo:rustc-env=PROVRUM_RENDER_DIGEST={:016x}", h.finish());
}
