//! View models for the sandbox's step pages: everything a template needs,
//! computed here so templates stay plain.

use serde_json::Value;

use crate::services::{Field, FieldKind, Step, Variant, richtext};

use super::input::{self, Answers, FieldError, StoredFile, input_id, parts};
use crate::filetypes::human_size;

pub struct OptionView {
    pub value: String,
    pub label: String,
    pub checked: bool,
    pub input_id: String,
}

pub struct PartView {
    pub name: String,
    pub label: String,
    pub input_id: String,
    pub value: String,
    pub autocomplete: String,
}

/// A question the page shows or hides as the citizen answers (provrum.js):
/// its conditions as JSON, with the answers from earlier steps they name,
/// and the note shown instead when scripts are off.
pub struct ShownWhen {
    pub json: String,
    pub note: String,
}

pub struct FieldView {
    pub id: String,
    pub kind: &'static str,
    pub input_id: String,
    pub label: String,
    /// Help and information texts as safe HTML (`services::richtext`).
    pub help: Option<String>,
    pub text: Option<String>,
    pub required: bool,
    pub error: Option<String>,
    pub value: String,
    pub input_type: &'static str,
    pub autocomplete: Option<&'static str>,
    pub inputmode: Option<&'static str>,
    pub options: Vec<OptionView>,
    pub parts: Vec<PartView>,
    pub files: Vec<StoredFile>,
    pub accept: String,
    /// The accepted types for people: "PDF, JPG eller PNG".
    pub accept_words: String,
    pub max_files: u64,
    pub max_size: String,
    pub multiple: bool,
    pub maxlength: Option<u64>,
    pub min: Option<String>,
    pub max: Option<String>,
    pub shown_when: Option<ShownWhen>,
    /// Space-separated ids for `aria-describedby` (hint and error).
    pub describedby: String,
}

impl FieldView {
    pub fn hint_id(&self) -> String {
        format!("{}-hint", self.input_id)
    }

    pub fn error_id(&self) -> String {
        format!("{}-error", self.input_id)
    }
}

/// Fields of `step` as the citizen sees them. Conditions on earlier steps are
/// decided here; conditions on this step are left to the page (see provrum.js).
pub fn fields(
    v: &Variant,
    step: &Step,
    answers: &Answers,
    files: &[StoredFile],
    errors: &[FieldError],
) -> Vec<FieldView> {
    let same_step: Vec<&str> = step.fields.iter().map(|f| f.id.as_str()).collect();
    step.fields
        .iter()
        .filter(|f| !f.hidden)
        .filter(|f| page_decides(f, &same_step) || input::visible(f, answers))
        .map(|f| view(v, f, answers, files, errors, &same_step))
        .collect()
}

fn view(
    v: &Variant,
    f: &Field,
    answers: &Answers,
    files: &[StoredFile],
    errors: &[FieldError],
    same_step: &[&str],
) -> FieldView {
    let iid = input_id(&f.id);
    let error = errors
        .iter()
        .find(|e| e.field == f.id)
        .map(|e| e.message.clone());
    let answer = answers.get(&f.id);
    let value = match answer {
        Some(Value::String(s)) => s.clone(),
        _ => String::new(),
    };
    let chosen = |val: &str| match answer {
        Some(Value::String(s)) => s == val,
        Some(Value::Array(items)) => items.iter().any(|i| i.as_str() == Some(val)),
        _ => false,
    };
    let options = f
        .options
        .iter()
        .enumerate()
        .map(|(i, o)| OptionView {
            value: o.value.clone(),
            label: o.label.clone(),
            checked: chosen(&o.value),
            input_id: format!("{iid}-{i}"),
        })
        .collect();
    let parts = parts(f.kind)
        .iter()
        .map(|(name, label, ac)| PartView {
            name: format!("{}.{name}", f.id),
            label: label.to_string(),
            input_id: format!("{iid}-{name}"),
            value: answer
                .and_then(|a| a.get(name))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            autocomplete: ac.to_string(),
        })
        .collect();
    let (input_type, autocomplete, inputmode) = match f.kind {
        FieldKind::Email => ("email", Some("email"), None),
        FieldKind::Phone => ("tel", Some("tel"), None),
        FieldKind::Number => ("text", None, Some("decimal")),
        FieldKind::Date => ("date", None, None),
        FieldKind::Personnummer => ("text", None, Some("numeric")),
        _ => ("text", None, None),
    };
    let rules = f.file.clone().unwrap_or_default();
    let shown_when = page_decides(f, same_step).then(|| condition_view(v, f, answers, same_step));
    let mut describedby = Vec::new();
    if f.help.is_some() || f.kind == FieldKind::File || f.kind == FieldKind::Personnummer {
        describedby.push(format!("{iid}-hint"));
    }
    if error.is_some() {
        describedby.push(format!("{iid}-error"));
    }
    FieldView {
        id: f.id.clone(),
        kind: f.kind.name(),
        input_id: iid,
        label: f.label.clone(),
        help: f.help.as_deref().map(richtext::to_html),
        text: f.text.as_deref().map(richtext::to_html),
        required: f.required,
        error,
        value,
        input_type,
        autocomplete,
        inputmode,
        options,
        parts,
        files: files.iter().filter(|x| x.field == f.id).cloned().collect(),
        accept: rules
            .accept
            .iter()
            .map(|e| format!(".{e}"))
            .collect::<Vec<_>>()
            .join(","),
        accept_words: or_list(
            &rules
                .accept
                .iter()
                .map(|e| e.to_uppercase())
                .collect::<Vec<_>>(),
        ),
        max_files: rules.max_files,
        max_size: human_size(rules.max_size_kb),
        multiple: rules.max_files > 1,
        maxlength: f.validation.max_length,
        min: f
            .validation
            .min
            .map(|x| x.to_string())
            .or_else(|| f.validation.min_date.clone().filter(|d| d != "today")),
        max: f
            .validation
            .max
            .map(|x| x.to_string())
            .or_else(|| f.validation.max_date.clone().filter(|d| d != "today")),
        shown_when,
        describedby: describedby.join(" "),
    }
}

/// One step's answers on the summary page.
pub struct SummaryStep {
    pub id: String,
    pub title: String,
    pub edit_url: String,
    pub answers: Vec<(String, String, String)>,
}

pub fn summary(
    v: &Variant,
    base_url: &str,
    answers: &Answers,
    files: &[StoredFile],
) -> Vec<SummaryStep> {
    input::visible_steps(v, answers)
        .into_iter()
        .map(|s| SummaryStep {
            id: s.id.clone(),
            title: s.title.clone(),
            edit_url: format!("{base_url}/steg/{}", s.id),
            answers: s
                .fields
                .iter()
                .filter(|f| !f.kind.is_block() && input::visible(f, answers))
                .map(|f| {
                    (
                        f.id.clone(),
                        f.label.clone(),
                        input::display(f, answers, files),
                    )
                })
                .collect(),
        })
        .collect()
}

/// "A", "A eller B", "A, B eller C".
fn or_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} eller {last}", init.join(", ")),
    }
}

/// Whether the page decides a field's visibility: one of its conditions
/// names a question on the same step. Conditions on earlier steps only are
/// decided by the server before the page is drawn.
fn page_decides(f: &Field, same_step: &[&str]) -> bool {
    f.conditions()
        .any(|c| same_step.contains(&c.field.as_str()))
}

fn condition_view(v: &Variant, f: &Field, answers: &Answers, same_step: &[&str]) -> ShownWhen {
    let mut known = serde_json::Map::new();
    for c in f.conditions() {
        if !same_step.contains(&c.field.as_str()) {
            let values = match answers.get(&c.field) {
                Some(Value::String(s)) => vec![Value::String(s.clone())],
                Some(Value::Array(items)) => items.clone(),
                _ => Vec::new(),
            };
            known.insert(c.field.clone(), Value::Array(values));
        }
    }
    let json = serde_json::json!({
        "shown": f.shown_when,
        "hidden": f.hidden_when,
        "known": known,
    });
    let mut note = String::new();
    if let Some(c) = &f.shown_when {
        note.push_str(&format!(
            "Besvara bara om du har valt {}.",
            choices_words(v, c)
        ));
    }
    if let Some(c) = &f.hidden_when {
        if !note.is_empty() {
            note.push(' ');
        }
        note.push_str(&format!(
            "Hoppa över frågan om du har valt {}.",
            choices_words(v, c)
        ));
    }
    ShownWhen {
        json: json.to_string(),
        note,
    }
}

/// "”Fukt” eller ”Mögel” i ”Vad gäller det?”", with "eller" between the
/// alternatives of a condition.
fn choices_words(v: &Variant, c: &crate::services::Condition) -> String {
    c.each()
        .iter()
        .map(|c| {
            let target = v.field(&c.field).map(|(_, t)| t);
            let labels: Vec<String> = c
                .equals
                .iter()
                .map(|val| {
                    target
                        .and_then(|t| t.options.iter().find(|o| &o.value == val))
                        .map(|o| o.label.clone())
                        .unwrap_or_else(|| val.clone())
                })
                .collect();
            let target_label = target.map(|t| t.label.clone()).unwrap_or_default();
            let joined = labels.join(if c.all {
                "” och ”"
            } else {
                "” eller ”"
            });
            format!("”{joined}” i ”{target_label}”")
        })
        .collect::<Vec<_>>()
        .join(" eller ")
}
