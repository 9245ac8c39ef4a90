//! `provrum validate`: packages, scenarios and the region's catalogue.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::municipalities::Registry;
use crate::services::{self, LoadError};

/// Check packages and scenarios (errors: exit 1), and with a catalogue the
/// catalogue itself and every package against its term list (warnings:
/// exit 0 unless `strict`).
pub fn validate(paths: &[PathBuf], catalogue: Option<&Path>, strict: bool) -> ExitCode {
    let catalogue = match catalogue.map(crate::catalogue::load) {
        None => None,
        Some(Ok(c)) => {
            println!(
                "ok: {} ({} services, {} terms)",
                c.file.display(),
                c.services.len(),
                c.terms.len()
            );
            Some(c)
        }
        Some(Err(diags)) => {
            for d in &diags {
                println!("{d}");
            }
            println!("{} problem(s) in the catalogue", diags.len());
            return ExitCode::from(1);
        }
    };
    let mut warnings = 0;
    let registry = Registry::builtin();
    let mut invalid = false;
    let mut packages = Vec::new();
    let mut scenario_files = Vec::new();
    for path in paths {
        if !path.exists() {
            eprintln!("error: {}: no such file or folder", path.display());
            return ExitCode::from(2);
        }
        let found = services::find_packages(path);
        let scenarios: Vec<PathBuf> = crate::scenarios::find_files(path)
            .into_iter()
            .filter(|f| {
                crate::yaml::read_text(f).is_ok_and(|t| crate::scenarios::looks_like_scenario(&t))
            })
            .collect();
        if found.is_empty() && scenarios.is_empty() {
            eprintln!(
                "error: {}: no service package (a folder with service.yaml) or scenario file here",
                path.display()
            );
            return ExitCode::from(2);
        }
        packages.extend(found);
        scenario_files.extend(scenarios);
    }
    let mut loaded = Vec::new();
    // Services whose package was given but has problems.
    let mut broken: Vec<String> = Vec::new();
    for dir in packages {
        match load_and_say(&dir, registry) {
            Ok(p) => {
                println!(
                    "ok: {} {} ({} variants)",
                    p.base.id,
                    p.base.version,
                    p.variants.len()
                );
                if let Some(c) = &catalogue {
                    let found = crate::catalogue::terms::in_files(c, &dir, &p.files);
                    for d in &found {
                        println!("{d}");
                    }
                    warnings += found.len();
                    for v in &p.variants {
                        let named = crate::catalogue::terms::in_variant(c, &p.base.id, v);
                        for u in named.iter().filter(|u| u.word == v.title) {
                            warnings += 1;
                            println!(
                                "{}: warning: {}'s variant is called ”{}”: the catalogue names the service ”{}”",
                                dir.display(),
                                v.municipality,
                                u.word,
                                u.preferred
                            );
                        }
                    }
                }
                loaded.push(p);
            }
            Err(LoadError::Invalid(diags)) => {
                invalid = true;
                broken.extend(declared_id(&dir));
                for d in &diags {
                    println!("{d}");
                }
                println!("{}: {} problem(s)", dir.display(), diags.len());
            }
            Err(e @ LoadError::Io { .. }) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        }
    }
    for file in scenario_files {
        let text = match crate::yaml::read_text(&file) {
            Ok(t) => t,
            Err(d) => {
                invalid = true;
                println!("{d}");
                println!("{}: 1 problem(s)", file.display());
                continue;
            }
        };
        let (_, diags) = crate::scenarios::problems(
            &file,
            &text,
            |s| {
                loaded
                    .iter()
                    .find(|p| {
                        p.base.id == s.service
                            && s.version.as_deref().is_none_or(|v| v == p.base.version)
                    })
                    .map(|p| p.variants.clone())
            },
            |service| broken.iter().any(|b| b == service),
        );
        if diags.is_empty() {
            println!("ok: {}", file.display());
        } else {
            invalid = true;
            for d in &diags {
                println!("{d}");
            }
            println!("{}: {} problem(s)", file.display(), diags.len());
        }
    }
    if warnings > 0 {
        println!("{warnings} warning(s) against the region's term list");
    }
    if invalid || (strict && warnings > 0) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// A package, or a flow read as one: then what its conversion could not
/// carry over is said, each at its line and column, with the summary.
fn load_and_say(dir: &Path, registry: &Registry) -> Result<services::Package, LoadError> {
    if !services::oeflow::is_flow(dir) {
        return services::load(dir, registry);
    }
    let (pkg, conversion) = services::oeflow::load(dir, registry, &Default::default())?;
    say_conversion(dir, &conversion);
    Ok(pkg)
}

/// A flow's conversion report: one line per note, then the summary.
pub fn say_conversion(file: &Path, c: &services::oeflow::Conversion) {
    for n in &c.notes {
        match &n.municipality {
            None => println!(
                "{}:{}:{}: warning: {}",
                file.display(),
                n.line,
                n.col,
                n.message
            ),
            Some(m) => println!("{}: warning: {m}: {}", file.display(), n.message),
        }
    }
    println!("{}: {}", file.display(), c.summary());
}

/// The `id:` a package folder's service.yaml declares, read without parsing
/// (the package did not load).
fn declared_id(dir: &std::path::Path) -> Option<String> {
    let text = std::fs::read_to_string(dir.join(crate::services::package::BASE_FILE)).ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix("id:"))
        .map(|v| v.trim().trim_matches(['"', '\'']).to_string())
}
