//! Server-side validation of a citizen's answers, as the real service would
//! do it, with messages in Swedish.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::identities::Personnummer;
use crate::services::{Field, FieldKind, Step, Variant};

pub use super::answers::{ADDRESS_PARTS, Answers, CONTACT_PARTS, StoredFile, input_id, parts};
pub use super::display::display;
pub use super::visibility::{step_visible, visible, visible_steps};

/// The most characters any text answer may have, whatever the package says.
pub const MAX_TEXT_CHARS: u64 = 10_000;

/// The largest request body a step's form can legitimately carry: its text
/// answers at their ceilings (4 bytes a character, 3× for URL or form
/// encoding), its uploads at `max_size_kb × max_files`, and a margin so an
/// oversized file gets the field's own "too large" message rather than a
/// refused request.
pub fn body_limit(step: &Step) -> usize {
    const MARGIN: u64 = 64 * 1024;
    let mut limit = MARGIN;
    for f in &step.fields {
        limit += match &f.file {
            Some(rules) if f.kind == FieldKind::File => {
                let files = rules.max_size_kb * 1024 * rules.max_files.max(1);
                files + (files / 4).max(1024 * 1024) + rules.max_files.max(1) * 1024
            }
            _ => {
                let chars = text_ceiling(f);
                // Contact and address fields carry several parts.
                chars * 4 * 3 * parts(f.kind).len().max(1) as u64 + 1024
            }
        };
    }
    usize::try_from(limit).unwrap_or(usize::MAX)
}

/// The most characters a text answer to `f` may have: its declared
/// `max_length`, never above [`MAX_TEXT_CHARS`].
fn text_ceiling(f: &Field) -> u64 {
    f.validation
        .max_length
        .unwrap_or(MAX_TEXT_CHARS)
        .min(MAX_TEXT_CHARS)
}

/// What the browser sent for one step.
#[derive(Debug, Default)]
pub struct StepInput {
    pub values: HashMap<String, Vec<String>>,
    pub uploads: Vec<Upload>,
}

impl StepInput {
    fn first(&self, name: &str) -> String {
        self.values
            .get(name)
            .and_then(|v| v.first())
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    }
}

#[derive(Debug, Clone)]
pub struct Upload {
    pub field: String,
    pub filename: String,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldError {
    pub field: String,
    /// The id of the element to focus (the first input of the field).
    pub anchor: String,
    pub message: String,
}

pub struct Outcome {
    pub errors: Vec<FieldError>,
    /// Uploads that passed their checks; the caller stores them even when
    /// other fields failed, so the citizen need not attach them again.
    pub accepted: Vec<Upload>,
}

/// Validate one step's input, updating `answers` and removing files the
/// citizen chose to remove from `files`.
pub fn apply_step(
    step: &Step,
    input: &StepInput,
    answers: &mut Answers,
    files: &mut Vec<StoredFile>,
) -> Outcome {
    // First take the raw values, so that conditions on this same step see them.
    for f in &step.fields {
        answers.remove(&f.id);
        if let Some(v) = raw_value(f, input) {
            answers.insert(f.id.clone(), v);
        }
    }
    let mut errors = Vec::new();
    let mut accepted = Vec::new();
    for f in &step.fields {
        if f.kind.is_block() {
            continue;
        }
        if !visible(f, answers) {
            answers.remove(&f.id);
            files.retain(|x| x.field != f.id);
            continue;
        }
        if f.kind == FieldKind::File {
            let removed: Vec<&String> = input
                .values
                .get(&format!("{}.remove", f.id))
                .map(|v| v.iter().collect())
                .unwrap_or_default();
            files.retain(|x| !(x.field == f.id && removed.contains(&&x.sha256)));
            check_uploads(f, input, files, &mut accepted, &mut errors);
            continue;
        }
        if let Some(message) = check_value(f, answers.get(&f.id)) {
            errors.push(FieldError {
                field: f.id.clone(),
                anchor: anchor(f),
                message,
            });
        }
        // Normalise what was accepted, as a case system would store it.
        if let Some(Value::String(s)) = answers.get(&f.id)
            && f.kind == FieldKind::Personnummer
            && let Ok(p) = Personnummer::parse(s)
        {
            answers.insert(f.id.clone(), Value::String(p.display()));
        }
    }
    Outcome { errors, accepted }
}

fn anchor(f: &Field) -> String {
    match f.kind {
        FieldKind::Contact | FieldKind::Address => {
            format!("{}-{}", input_id(&f.id), parts(f.kind)[0].0)
        }
        FieldKind::Radio | FieldKind::Checkbox if !f.options.is_empty() => {
            format!("{}-0", input_id(&f.id))
        }
        _ => input_id(&f.id),
    }
}

fn raw_value(f: &Field, input: &StepInput) -> Option<Value> {
    match f.kind {
        FieldKind::Info | FieldKind::GdprNotice | FieldKind::File => None,
        FieldKind::Checkbox if !f.options.is_empty() => {
            let chosen: Vec<Value> = input
                .values
                .get(&f.id)
                .into_iter()
                .flatten()
                .filter(|s| !s.is_empty())
                .map(|s| Value::String(s.clone()))
                .collect();
            (!chosen.is_empty()).then_some(Value::Array(chosen))
        }
        FieldKind::Contact | FieldKind::Address => {
            let mut m = Map::new();
            for (part, _, _) in parts(f.kind) {
                let v = input.first(&format!("{}.{part}", f.id));
                if !v.is_empty() {
                    m.insert(part.to_string(), Value::String(v));
                }
            }
            (!m.is_empty()).then_some(Value::Object(m))
        }
        _ => {
            let v = input.first(&f.id);
            (!v.is_empty()).then_some(Value::String(v))
        }
    }
}

fn check_value(f: &Field, value: Option<&Value>) -> Option<String> {
    let label = &f.label;
    let Some(value) = value else {
        if !f.required {
            return None;
        }
        return Some(match f.kind {
            FieldKind::Radio | FieldKind::Select => format!("Välj ett alternativ för ”{label}”."),
            FieldKind::Checkbox if f.options.is_empty() => format!("Du måste kryssa i ”{label}”."),
            FieldKind::Checkbox => format!("Välj minst ett alternativ för ”{label}”."),
            _ => format!("Fyll i ”{label}”."),
        });
    };
    match (f.kind, value) {
        (FieldKind::Contact | FieldKind::Address, Value::Object(m)) => check_parts(f, m),
        (FieldKind::Checkbox, Value::Array(items)) => {
            let bad = items
                .iter()
                .filter_map(Value::as_str)
                .find(|v| !f.options.iter().any(|o| o.value == *v));
            if bad.is_some() {
                return Some(format!("Välj bland alternativen för ”{label}”."));
            }
            // How many boxes the question takes (Open ePlatform's
            // minChecked/maxChecked).
            let n = items.len() as f64;
            match (f.validation.min, f.validation.max) {
                (Some(min), _) if n < min => Some(format!(
                    "Välj minst {min} alternativ för ”{label}” (nu {n})."
                )),
                (_, Some(max)) if n > max => Some(format!(
                    "Välj högst {max} alternativ för ”{label}” (nu {n})."
                )),
                _ => None,
            }
        }
        (_, Value::String(s)) => check_text(f, s),
        _ => Some(format!("”{label}” har ett värde som inte kan tolkas.")),
    }
}

fn check_parts(f: &Field, m: &Map<String, Value>) -> Option<String> {
    let get = |k: &str| m.get(k).and_then(Value::as_str).unwrap_or_default();
    for (part, part_label, _) in parts(f.kind) {
        let len = get(part).chars().count() as u64;
        if len > MAX_TEXT_CHARS {
            return Some(format!(
                "{part_label} i ”{}” får vara högst {MAX_TEXT_CHARS} tecken (nu {len}).",
                f.label
            ));
        }
        // A required contact needs a name and one way to reach the person;
        // a required address needs all three parts.
        let needed = f.required && (f.kind == FieldKind::Address || *part == "name");
        if needed && get(part).is_empty() {
            return Some(format!(
                "Fyll i {} i ”{}”.",
                part_label.to_lowercase(),
                f.label
            ));
        }
    }
    if f.kind == FieldKind::Contact {
        if f.required && get("email").is_empty() && get("phone").is_empty() {
            return Some(format!(
                "Ange e-postadress eller telefonnummer i ”{}”.",
                f.label
            ));
        }
        if !get("email").is_empty() && !valid_email(get("email")) {
            return Some(EMAIL_MESSAGE.into());
        }
        if !get("phone").is_empty() && !valid_phone(get("phone")) {
            return Some(PHONE_MESSAGE.into());
        }
    }
    if f.kind == FieldKind::Address && !get("postal_code").is_empty() {
        let digits: String = get("postal_code")
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        if digits.len() != 5 || !digits.chars().all(|c| c.is_ascii_digit()) {
            return Some("Ange postnumret med fem siffror, till exempel 671 31.".into());
        }
    }
    None
}

const EMAIL_MESSAGE: &str = "Ange en giltig e-postadress, till exempel namn@exempel.se.";
const PHONE_MESSAGE: &str = "Ange ett giltigt telefonnummer, till exempel 070-123 45 67.";

fn valid_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.contains(char::is_whitespace)
        && !domain.contains('@')
}

fn valid_phone(s: &str) -> bool {
    let digits = s.chars().filter(|c| c.is_ascii_digit()).count();
    s.chars().all(|c| c.is_ascii_digit() || " -+()".contains(c)) && (7..=15).contains(&digits)
}

fn check_text(f: &Field, s: &str) -> Option<String> {
    let label = &f.label;
    let v = &f.validation;
    let len = s.chars().count() as u64;
    if let Some(min) = v.min_length
        && len < min
    {
        return Some(format!(
            "”{label}” måste vara minst {min} tecken (nu {len})."
        ));
    }
    // Every text has a ceiling, declared or not: an answer is stored in the
    // session and the case, and the sandbox is open to anyone.
    let max = text_ceiling(f);
    if len > max {
        return Some(format!("”{label}” får vara högst {max} tecken (nu {len})."));
    }
    if let Some(p) = &v.pattern
        && let Ok(re) = regex::Regex::new(&format!("^(?:{p})$"))
        && !re.is_match(s)
    {
        return Some(
            v.pattern_message
                .clone()
                .unwrap_or_else(|| format!("”{label}” har fel format.")),
        );
    }
    match f.kind {
        FieldKind::Email if !valid_email(s) => Some(EMAIL_MESSAGE.into()),
        FieldKind::Phone if !valid_phone(s) => Some(PHONE_MESSAGE.into()),
        FieldKind::Personnummer => Personnummer::parse_test_number(s)
            .err()
            .map(|e| e.to_string()),
        FieldKind::Number => check_number(f, s),
        FieldKind::Date => check_date(f, s),
        FieldKind::Radio | FieldKind::Select if !f.options.iter().any(|o| o.value == s) => {
            Some(format!("Välj ett av alternativen för ”{label}”."))
        }
        FieldKind::Checkbox if f.options.is_empty() && s != "ja" => {
            Some(format!("”{label}” kan bara kryssas i."))
        }
        _ => None,
    }
}

fn check_number(f: &Field, s: &str) -> Option<String> {
    let label = &f.label;
    let Ok(n) = s.replace(' ', "").replace(',', ".").parse::<f64>() else {
        return Some(format!(
            "”{label}” måste vara ett tal, till exempel 12 eller 12,5."
        ));
    };
    let fmt = |x: f64| x.to_string().replace('.', ",");
    match (f.validation.min, f.validation.max) {
        (Some(lo), Some(hi)) if n < lo || n > hi => Some(format!(
            "”{label}” måste vara mellan {} och {}.",
            fmt(lo),
            fmt(hi)
        )),
        (Some(lo), None) if n < lo => Some(format!("”{label}” måste vara minst {}.", fmt(lo))),
        (None, Some(hi)) if n > hi => Some(format!("”{label}” får vara högst {}.", fmt(hi))),
        _ => None,
    }
}

fn check_date(f: &Field, s: &str) -> Option<String> {
    let label = &f.label;
    let Ok(d) = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") else {
        return Some(format!(
            "Ange ”{label}” som ÅÅÅÅ-MM-DD, till exempel 2026-03-15."
        ));
    };
    let resolve = |x: &Option<String>| {
        x.as_deref().and_then(|v| {
            if v == "today" {
                Some(chrono::Utc::now().date_naive())
            } else {
                chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").ok()
            }
        })
    };
    if let Some(min) = resolve(&f.validation.min_date)
        && d < min
    {
        return Some(format!("”{label}” kan inte vara tidigare än {min}."));
    }
    if let Some(max) = resolve(&f.validation.max_date)
        && d > max
    {
        return Some(format!("”{label}” kan inte vara senare än {max}."));
    }
    None
}

fn check_uploads(
    f: &Field,
    input: &StepInput,
    files: &[StoredFile],
    accepted: &mut Vec<Upload>,
    errors: &mut Vec<FieldError>,
) {
    let Some(rules) = &f.file else { return };
    let mut count = files.iter().filter(|x| x.field == f.id).count() as u64;
    let before = errors.len();
    let mut push = |message: String| {
        errors.push(FieldError {
            field: f.id.clone(),
            anchor: input_id(&f.id),
            message,
        })
    };
    for u in input
        .uploads
        .iter()
        .filter(|u| u.field == f.id && !u.filename.is_empty())
    {
        let ext = crate::filetypes::extension(&u.filename);
        let name = crate::filetypes::clean_filename(&u.filename);
        if !rules.accept.contains(&ext) {
            push(format!(
                "Filen ”{name}” har en filtyp som inte tas emot. Tillåtna filtyper: {}.",
                rules.accept.join(", ")
            ));
        } else if !crate::filetypes::content_matches(&ext, &u.bytes) {
            push(format!(
                "Filen ”{name}” är inte en riktig {}-fil. Kontrollera filen och försök igen.",
                ext.to_uppercase()
            ));
        } else if u.bytes.len() as u64 > rules.max_size_kb * 1024 {
            push(format!(
                "Filen ”{name}” är för stor. Största tillåtna storlek är {}.",
                crate::filetypes::human_size(rules.max_size_kb)
            ));
        } else if u.bytes.is_empty() {
            push(format!("Filen ”{name}” är tom."));
        } else if count >= rules.max_files {
            push(format!(
                "Du kan bifoga högst {} {} i ”{}”.",
                rules.max_files,
                if rules.max_files == 1 { "fil" } else { "filer" },
                f.label
            ));
        } else {
            count += 1;
            accepted.push(u.clone());
        }
    }
    if f.required && count == 0 && errors.len() == before {
        errors.push(FieldError {
            field: f.id.clone(),
            anchor: input_id(&f.id),
            message: format!("Bifoga minst en fil i ”{}”.", f.label),
        });
    }
}

/// The first visible step whose stored answers would not pass validation:
/// the server re-checks everything before sending, whatever URLs were visited.
pub fn first_incomplete<'v>(
    v: &'v Variant,
    answers: &Answers,
    files: &[StoredFile],
) -> Option<&'v Step> {
    visible_steps(v, answers).into_iter().find(|step| {
        step.fields
            .iter()
            .filter(|f| !f.kind.is_block() && visible(f, answers))
            .any(|f| {
                if f.kind == FieldKind::File {
                    f.required && !files.iter().any(|x| x.field == f.id)
                } else {
                    check_value(f, answers.get(&f.id)).is_some()
                }
            })
    })
}

#[cfg(test)]
mod tests;
