//! A package folder on disk: `service.yaml` plus `variants/<municipality>.yaml`.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::municipalities::Registry;
use crate::yaml::{self, Decoder, Diagnostic};

use super::model::{BaseService, Overlay, Variant};
use super::{check, check_overlay, merge, parse, parse_overlay};

pub const BASE_FILE: &str = "service.yaml";
pub const VARIANTS_DIR: &str = "variants";

#[derive(Debug, Clone)]
pub struct Package {
    pub dir: PathBuf,
    pub base: BaseService,
    pub overlays: Vec<Overlay>,
    pub variants: Vec<Variant>,
    /// sha256 over every file's name and content: the identity of a version.
    pub content_hash: String,
    /// (path relative to the package, content) in a stable order.
    pub files: Vec<(String, String)>,
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} problem(s) in {}", .0.len(), .0.first().map(|d| d.file.display().to_string()).unwrap_or_default())]
    Invalid(Vec<Diagnostic>),
}

/// Read, check and resolve a package folder. Reports every problem found:
/// an unreadable, binary or oversized file is a problem at its `file:1:1`,
/// and the other files are still checked.
pub fn load(dir: &Path, registry: &Registry) -> Result<Package, LoadError> {
    let mut unreadable = Vec::new();
    let base_text = yaml::read_text(&dir.join(BASE_FILE)).map_err(|d| unreadable.push(d));
    let mut files = vec![(BASE_FILE.to_string(), base_text.unwrap_or_default())];
    let vdir = dir.join(VARIANTS_DIR);
    // `symlink_metadata`: a linked `variants` folder is not followed.
    if std::fs::symlink_metadata(&vdir).is_ok_and(|m| m.is_dir()) {
        let io = |source| LoadError::Io {
            path: vdir.clone(),
            source,
        };
        let mut paths = Vec::new();
        for entry in std::fs::read_dir(&vdir).map_err(io)? {
            let p = entry.map_err(io)?.path();
            if matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")) {
                paths.push(p);
            }
        }
        paths.sort();
        for p in paths {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            match yaml::read_text(&p) {
                Ok(text) => files.push((format!("{VARIANTS_DIR}/{name}"), text)),
                Err(d) => unreadable.push(d),
            }
        }
    }
    if unreadable
        .first()
        .is_some_and(|d| d.file.ends_with(BASE_FILE))
    {
        // Without the base no variant can be checked; report what could not be read.
        return Err(LoadError::Invalid(unreadable));
    }
    match from_files(dir, files, registry) {
        Ok(p) if unreadable.is_empty() => Ok(p),
        Ok(_) => Err(LoadError::Invalid(unreadable)),
        Err(LoadError::Invalid(mut diags)) => {
            unreadable.append(&mut diags);
            Err(LoadError::Invalid(unreadable))
        }
        Err(e) => Err(e),
    }
}

/// Check and resolve a package given its files' texts: `service.yaml`
/// first, then `variants/<municipality>.yaml` in a stable order. Paths in
/// problems are `dir` joined with each file's name.
pub fn from_files(
    dir: &Path,
    files: Vec<(String, String)>,
    registry: &Registry,
) -> Result<Package, LoadError> {
    let mut diags = Vec::new();
    let mut base = None;
    let mut overlays = Vec::new();
    for (i, (name, text)) in files.iter().enumerate() {
        let path = dir.join(name);
        let root = match yaml::parse(&path, text) {
            Ok(root) => root,
            Err(e) => {
                diags.push(e);
                continue;
            }
        };
        let mut d = Decoder::new(&path);
        if i == 0 {
            base = parse::base(&mut d, &root);
            if let Some(b) = &base {
                check::base(&mut d, b);
            }
        } else {
            let municipality = Path::new(name)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            if let Some(o) = parse_overlay::overlay(&mut d, &root, &municipality) {
                if let Some(b) = &base {
                    check_overlay::overlay(&mut d, b, &o, registry);
                }
                overlays.push(o);
            }
        }
        diags.append(&mut d.diags);
    }
    let Some(base) = base else {
        return Err(LoadError::Invalid(diags));
    };
    if !diags.is_empty() {
        return Err(LoadError::Invalid(diags));
    }
    let variants = overlays
        .iter()
        .filter_map(|o| {
            registry
                .get(&o.municipality)
                .map(|m| merge::resolve(&base, Some(o), m))
        })
        .collect();
    Ok(Package {
        dir: dir.to_path_buf(),
        content_hash: hash(&files),
        base,
        overlays,
        variants,
        files,
    })
}

fn hash(files: &[(String, String)]) -> String {
    let mut h = Sha256::new();
    for (name, content) in files {
        h.update(name.as_bytes());
        h.update([0]);
        h.update(content.as_bytes());
        h.update([0]);
    }
    hex::encode(h.finalize())
}

/// Package folders named by a path: the folder itself, the package a
/// `service.yaml` or variant file belongs to, or every package below a folder.
pub fn find_packages(path: &Path) -> Vec<PathBuf> {
    // Links are not followed: `a -> .` would make the walk endless, and a
    // link out of the folder would read what its author did not name.
    let Ok(meta) = std::fs::metadata(path) else {
        return Vec::new();
    };
    if meta.is_file() {
        let parent = path.parent().unwrap_or(Path::new("."));
        let dir = if parent.file_name().is_some_and(|n| n == VARIANTS_DIR) {
            parent.parent().unwrap_or(Path::new("."))
        } else {
            parent
        };
        // A file outside any package (a scenario, say) names no package.
        return if dir.join(BASE_FILE).is_file() {
            vec![dir.to_path_buf()]
        } else {
            Vec::new()
        };
    }
    if path.join(BASE_FILE).is_file() {
        return vec![path.to_path_buf()];
    }
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(path) {
        let mut dirs: Vec<PathBuf> = entries
            .filter_map(|e| e.ok())
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .map(|e| e.path())
            .collect();
        dirs.sort();
        for d in dirs {
            out.extend(find_packages(&d));
        }
    }
    out
}
