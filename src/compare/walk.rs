//! Deterministic answers derived from a variant's definition, so a capture
//! can walk every step without a hand-written scenario: the same definition
//! always gets the same answers, hence the same summary page.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::scenarios::{Action, Target};
use crate::services::{Field, FieldKind, Step};

/// The test identity captures sign in with (Skatteverket's test number).
pub const IDENTITY: &str = "199011142388";

/// Answers given so far, by field id: conditions on later fields read them.
pub type Given = BTreeMap<String, Vec<String>>;

fn text_for(f: &Field, fallback: &str) -> String {
    let v = &f.validation;
    if let Some(p) = &v.pattern
        && let Ok(re) = regex::Regex::new(&format!("^(?:{p})$"))
    {
        let candidates = [
            "Provgården 1:1",
            "Provgården 1",
            "12345",
            "123 45",
            "Prov",
            "A1",
            "provrum@exempel.se",
        ];
        if let Some(c) = candidates.iter().find(|c| re.is_match(c)) {
            return c.to_string();
        }
    }
    let mut s = fallback.to_string();
    let min = v.min_length.unwrap_or(0) as usize;
    while s.chars().count() < min {
        s.push_str(" och mer text");
    }
    if let Some(max) = v.max_length {
        s = s.chars().take(max as usize).collect();
    }
    s
}

fn number_for(f: &Field) -> String {
    let v = &f.validation;
    let n = v.min.unwrap_or(1.0).max(1.0).min(v.max.unwrap_or(f64::MAX));
    if n.fract() == 0.0 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// A fixed date that meets the field's limits (`today` read as today), so
/// the same definition gets the same answer on any day.
fn date_for(f: &Field) -> String {
    let v = &f.validation;
    let today = chrono::Utc::now().date_naive();
    let limit = |s: &Option<String>| {
        s.as_deref().and_then(|d| match d {
            "today" => Some(today),
            d => chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok(),
        })
    };
    let (min, max) = (limit(&v.min_date), limit(&v.max_date));
    ["2030-06-14", "2020-01-15", "2026-01-15"]
        .iter()
        .filter_map(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .find(|d| min.is_none_or(|m| *d >= m) && max.is_none_or(|m| *d <= m))
        .or(min)
        .or(max)
        .unwrap_or(today)
        .format("%Y-%m-%d")
        .to_string()
}

fn file_for(f: &Field, files: &Path) -> Option<PathBuf> {
    let accept = f
        .file
        .as_ref()
        .map(|r| r.accept.clone())
        .unwrap_or_default();
    let ok = |ext: &str| accept.is_empty() || accept.iter().any(|a| a == ext);
    if ok("png") {
        Some(files.join("bild.png"))
    } else if ok("pdf") {
        Some(files.join("anteckningar.pdf"))
    } else {
        None
    }
}

/// As the sandbox decides it (`Field::asked`).
fn shown(f: &Field, given: &Given) -> bool {
    f.asked(&|field| {
        given
            .get(field)
            .map(|vals| vals.iter().map(String::as_str).collect())
            .unwrap_or_default()
    })
}

/// The actions that answer `step`: every shown question gets a valid answer
/// (first option, shortest valid text…); optional files are left out.
pub fn answers(step: &Step, given: &mut Given, files: &Path) -> Vec<Action> {
    let (mut fill, mut choose, mut check, mut attach) = (vec![], vec![], vec![], vec![]);
    let field = |id: &str, part: Option<&str>| Target::Field {
        id: id.to_string(),
        part: part.map(str::to_string),
    };
    for f in &step.fields {
        if f.kind.is_block() || !shown(f, given) {
            continue;
        }
        let value = match f.kind {
            FieldKind::Text => Some(text_for(f, "Provsvar")),
            FieldKind::Textarea => Some(text_for(f, "Provsvar för jämförelsen av varianter.")),
            FieldKind::Email => Some("provrum@exempel.se".to_string()),
            FieldKind::Phone => Some("070-123 45 67".to_string()),
            FieldKind::Personnummer => Some(IDENTITY.to_string()),
            FieldKind::Number => Some(number_for(f)),
            FieldKind::Date => Some(date_for(f)),
            _ => None,
        };
        if let Some(v) = value {
            fill.push((field(&f.id, None), v.clone()));
            given.insert(f.id.clone(), vec![v]);
            continue;
        }
        match f.kind {
            FieldKind::Radio | FieldKind::Select => {
                if let Some(o) = f.options.first() {
                    choose.push((field(&f.id, None), o.value.clone()));
                    given.insert(f.id.clone(), vec![o.value.clone()]);
                }
            }
            FieldKind::Checkbox if f.options.is_empty() && f.required => {
                check.push(field(&f.id, None));
                given.insert(f.id.clone(), vec!["ja".into()]);
            }
            FieldKind::Checkbox if f.options.is_empty() => {}
            FieldKind::Checkbox => {
                // As few as the question takes (`validation.min`), at least one.
                let n = f.validation.min.map_or(1, |m| m.max(1.0) as usize);
                let chosen: Vec<String> =
                    f.options.iter().take(n).map(|o| o.value.clone()).collect();
                for v in &chosen {
                    check.push(field(&f.id, Some(v)));
                }
                if !chosen.is_empty() {
                    given.insert(f.id.clone(), chosen);
                }
            }
            FieldKind::File if f.required => {
                if let Some(p) = file_for(f, files) {
                    attach.push((field(&f.id, None), p));
                }
            }
            // Contact details come prefilled from the register except e-mail.
            FieldKind::Contact => {
                fill.push((field(&f.id, Some("email")), "provrum@exempel.se".into()));
                fill.push((field(&f.id, Some("phone")), "070-123 45 67".into()));
            }
            FieldKind::Address => {
                fill.push((field(&f.id, Some("street")), "Provgatan 1".into()));
                fill.push((field(&f.id, Some("postal_code")), "123 45".into()));
                fill.push((field(&f.id, Some("city")), "Provstad".into()));
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    if !fill.is_empty() {
        out.push(Action::Fill { values: fill });
    }
    if !choose.is_empty() {
        out.push(Action::Choose { values: choose });
    }
    if !check.is_empty() {
        out.push(Action::Check { targets: check });
    }
    if !attach.is_empty() {
        out.push(Action::Attach { files: attach });
    }
    out
}

/// Where this machine keeps the files required file questions get, when
/// the folder a walk names is not here (a worker on another machine): the
/// same two small files, built into the program and written out once.
pub fn files_here(named: &Path) -> PathBuf {
    if named.join("bild.png").is_file() {
        return named.to_path_buf();
    }
    static BUILT_IN: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BUILT_IN
        .get_or_init(|| {
            let dir = std::env::temp_dir().join(format!(
                "provrum-walk-files-{}-{}",
                env!("CARGO_PKG_VERSION"),
                std::process::id()
            ));
            let files: [(&str, &[u8]); 2] = [
                ("bild.png", include_bytes!("../../scenarios/files/bild.png")),
                (
                    "anteckningar.pdf",
                    include_bytes!("../../scenarios/files/anteckningar.pdf"),
                ),
            ];
            let written = std::fs::create_dir_all(&dir).and_then(|()| {
                files
                    .iter()
                    .try_for_each(|(name, bytes)| std::fs::write(dir.join(name), bytes))
            });
            if let Err(e) = written {
                tracing::warn!(error = %e, dir = %dir.display(), "writing the walk's files failed");
            }
            dir
        })
        .clone()
}
