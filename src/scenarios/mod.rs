//! Scenarios: scripted citizen journeys (model, parsing, checking against a
//! service) and the runner that drives them in headless Chromium.

mod check;
mod claims;
pub mod execute;
pub mod model;
pub mod outcomes;
mod parse;
pub mod queue;
pub mod reasons;
pub mod report;
pub mod results;
pub mod reuse;
pub mod runner;
pub mod status;
pub mod store;
pub mod web;
pub mod words;
pub mod work;

pub use status::RunStatus;

pub use check::check;
pub use model::*;
pub use parse::{partial as parse_partial, scenario as parse};

use std::path::{Path, PathBuf};

/// Scenario files named by paths: files themselves, or `*.yaml` below folders.
/// Links below the named path are not followed (a link back to `.` would make
/// the walk endless); linked files are listed, and reading them reports the
/// link.
pub fn find_files(path: &Path) -> Vec<PathBuf> {
    if path.is_file() {
        return vec![path.to_path_buf()];
    }
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(path) {
        let mut paths: Vec<(PathBuf, bool)> = entries
            .filter_map(|e| e.ok())
            .map(|e| (e.path(), e.file_type().is_ok_and(|t| t.is_dir())))
            .collect();
        paths.sort();
        for (p, is_dir) in paths {
            if is_dir {
                out.extend(find_files(&p));
            } else if matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")) {
                out.push(p);
            }
        }
    }
    out
}

/// Whether a YAML file is a scenario (it says `steps:` and `service:`) rather than a package file.
pub fn looks_like_scenario(text: &str) -> bool {
    text.lines().any(|l| l.starts_with("service:")) && text.lines().any(|l| l.starts_with("steps:"))
}

/// The `service:` a scenario file declares, read without parsing (for files
/// that do not parse).
pub fn declared_service(text: &str) -> Option<&str> {
    text.lines()
        .find_map(|l| l.strip_prefix("service:"))
        .map(|s| s.trim().trim_matches(['"', '\'']))
}

/// Every problem of a scenario file: its own, and against the variants.
/// `broken` says whether the service's package was given but has problems
/// of its own: the scenario's own mistakes are still reported then, only
/// the checks against its fields wait for the package.
pub fn problems(
    file: &Path,
    text: &str,
    variants_of: impl Fn(&Scenario) -> Option<Vec<crate::services::Variant>>,
    broken: impl Fn(&str) -> bool,
) -> (Option<Scenario>, Vec<crate::yaml::Diagnostic>) {
    let (s, mut diags) = parse_partial(file, text);
    if let Some(s) = &s {
        let registry = crate::municipalities::Registry::builtin();
        match variants_of(s) {
            Some(vars) => diags.extend(check(s, &vars, registry)),
            None => {
                // Its own mistakes (identities) need no variant.
                diags.extend(check(s, &[], registry));
                let at = service_pos(text);
                let d = if broken(&s.service) {
                    crate::yaml::Diagnostic::new(file, at, "service", format!("the package of service `{}` has problems (above), so this scenario's fields were not checked", s.service))
                        .with_hint("fix the package's problems and validate both again")
                } else {
                    crate::yaml::Diagnostic::new(file, at, "service", format!("service `{}` is not among the packages given", s.service))
                        .with_hint("validate it together with its package, e.g. `provrum validate fixtures/services scenarios`")
                };
                diags.push(d);
            }
        }
    }
    diags.sort_by_key(|d| (d.line, d.col));
    (s, diags)
}

/// Where `service:`'s value is written (1:1 when it cannot be found).
fn service_pos(text: &str) -> crate::yaml::Pos {
    text.lines()
        .enumerate()
        .find_map(|(i, l)| {
            let rest = l.strip_prefix("service:")?;
            let col = "service:".len() + rest.len() - rest.trim_start().len() + 1;
            Some(crate::yaml::Pos { line: i + 1, col })
        })
        .unwrap_or(crate::yaml::Pos { line: 1, col: 1 })
}
