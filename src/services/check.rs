//! Semantic checks that need more than one node: ids, references, limits,
//! regexes (overlays against their base: `check_overlay`).

use std::collections::{HashMap, HashSet};

use crate::yaml::{Decoder, Pos, did_you_mean};

use super::model::*;

fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

pub fn base(d: &mut Decoder, b: &BaseService) {
    let at = |k: &str| b.spans.at(k);
    if !is_slug(&b.id) {
        d.error_hint(
            at("id"),
            "id",
            format!("service id `{}` is not a slug", b.id),
            "use lower-case a–z, digits and `-`, e.g. anmalan-om-olagenhet",
        );
    }
    if b.version.is_empty()
        || !b
            .version
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-+".contains(c))
    {
        d.error_hint(
            at("version"),
            "version",
            format!("version `{}` is not a version number", b.version),
            "use semantic versioning, e.g. 2.1.0-rc1",
        );
    }
    if b.steps.is_empty() {
        d.error(at("steps"), "steps", "a service needs at least one step");
    }
    if b.receipt_text.trim().is_empty() {
        d.error_hint(
            at("receipt.text"),
            "receipt.text",
            "missing receipt text",
            "add `receipt: { text: … }` telling the citizen what happens next",
        );
    }
    if b.signing.required && !b.authentication.required {
        d.error_hint(
            at("signing.required"),
            "signing.required",
            "signing requires authentication",
            "set `authentication.required: true`",
        );
    }
    let collects_personal_data = b.authentication.required
        || b.steps
            .iter()
            .flat_map(|s| &s.fields)
            .any(|f| f.kind.is_personal_data());
    if collects_personal_data && b.personal_data.is_none() {
        d.error_hint(
            at("personal_data"),
            "personal_data",
            "the service collects personal data but declares no `personal_data`",
            "declare controller, purpose, legal_basis and retention (GDPR art. 13)",
        );
    }

    let mut step_ids: HashMap<&str, Pos> = HashMap::new();
    let mut seen_fields = Seen::default();
    for (si, step) in b.steps.iter().enumerate() {
        let sp = format!("steps[{si}]");
        if !is_slug(&step.id) {
            d.error_hint(
                step.id_pos.unwrap_or(step.pos),
                &format!("{sp}.id"),
                format!("step id `{}` is not a slug", step.id),
                "use lower-case a–z, digits, `-` and `_`",
            );
        }
        if let Some(first) = step_ids.insert(&step.id, step.pos) {
            d.error(
                step.id_pos.unwrap_or(step.pos),
                &format!("{sp}.id"),
                format!(
                    "duplicate step id `{}` (first defined on line {})",
                    step.id, first.line
                ),
            );
        }
        for (fi, f) in step.fields.iter().enumerate() {
            let fp = if f.spans.path.is_empty() {
                format!("{sp}.fields[{fi}]")
            } else {
                f.spans.path.clone()
            };
            field(d, f, &fp);
            if let Some(first) = seen_fields.get(&f.id) {
                d.error_hint(
                    f.at(f.spans.id),
                    &format!("{fp}.id"),
                    format!(
                        "duplicate field id `{}` (first defined on line {})",
                        f.id, first.pos.line
                    ),
                    "field ids must be unique across all steps: scenarios address fields by id",
                );
            }
            condition(d, f, &fp, &seen_fields);
            seen_fields.push(f);
        }
    }
}

/// Rules that concern one field alone.
pub fn field(d: &mut Decoder, f: &Field, path: &str) {
    let (at_id, at_options, at_validation, at_file) = (
        f.at(f.spans.id),
        f.at(f.spans.options),
        f.at(f.spans.validation),
        f.at(f.spans.file),
    );
    if !is_slug(&f.id) {
        d.error_hint(
            at_id,
            &format!("{path}.id"),
            format!("field id `{}` is not a slug", f.id),
            "use lower-case a–z, digits, `-` and `_`",
        );
    }
    if f.hidden && f.required {
        d.error(
            f.pos,
            path,
            format!(
                "field `{}` is both hidden and required: a citizen could never send the form",
                f.id
            ),
        );
    }
    if f.kind.has_options() {
        if f.options.is_empty() && f.kind != FieldKind::Checkbox {
            d.error_hint(
                at_options,
                &format!("{path}.options"),
                format!("a `{}` field needs options", f.kind.name()),
                "add `options:` with `value` and `label` for each choice",
            );
        }
        let mut values = HashSet::new();
        for (i, o) in f.options.iter().enumerate() {
            if !values.insert(&o.value) {
                d.error(
                    at_options,
                    &format!("{path}.options[{i}]"),
                    format!("duplicate option value `{}`", o.value),
                );
            }
        }
    } else if !f.options.is_empty() {
        d.error(
            at_options,
            &format!("{path}.options"),
            format!("a `{}` field takes no options", f.kind.name()),
        );
    }
    let v = &f.validation;
    if (v.min_length.is_some() || v.max_length.is_some() || v.pattern.is_some())
        && !f.kind.takes_length()
        && f.kind != FieldKind::Personnummer
    {
        d.error_hint(
            at_validation,
            &format!("{path}.validation"),
            format!(
                "length and pattern rules do not apply to a `{}` field",
                f.kind.name()
            ),
            "use them on text, textarea, email or phone fields",
        );
    }
    if let (Some(lo), Some(hi)) = (v.min_length, v.max_length)
        && lo > hi
    {
        d.error(
            at_validation,
            &format!("{path}.validation"),
            format!("min_length {lo} is greater than max_length {hi}"),
        );
    }
    // A number's range, or how many boxes of a checkbox question are ticked.
    let counted = f.kind == FieldKind::Checkbox && !f.options.is_empty();
    if (v.min.is_some() || v.max.is_some()) && f.kind != FieldKind::Number && !counted {
        d.error(
            at_validation,
            &format!("{path}.validation"),
            format!(
                "min/max apply only to number fields and checkbox questions with options, not `{}`",
                f.kind.name()
            ),
        );
    }
    if let (Some(lo), Some(hi)) = (v.min, v.max)
        && lo > hi
    {
        d.error(
            at_validation,
            &format!("{path}.validation"),
            format!("min {lo} is greater than max {hi}"),
        );
    }
    for (key, date) in [("min_date", &v.min_date), ("max_date", &v.max_date)] {
        if let Some(s) = date {
            if f.kind != FieldKind::Date {
                d.error(
                    at_validation,
                    &format!("{path}.validation.{key}"),
                    format!("{key} applies only to date fields"),
                );
            } else if chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_err() && s != "today" {
                d.error_hint(
                    at_validation,
                    &format!("{path}.validation.{key}"),
                    format!("`{s}` is not a date"),
                    "write YYYY-MM-DD or `today`",
                );
            }
        }
    }
    if let Some(p) = &v.pattern
        && let Err(e) = regex::Regex::new(&format!("^(?:{p})$"))
    {
        let detail = e
            .to_string()
            .lines()
            .last()
            .unwrap_or_default()
            .trim()
            .to_string();
        d.error_hint(
            at_validation,
            &format!("{path}.validation.pattern"),
            format!("invalid regular expression `{p}`: {detail}"),
            "patterns use Rust regex syntax and must match the whole answer",
        );
    }
    if let Some(rules) = &f.file {
        if rules.max_size_kb == 0 {
            d.error(
                at_file,
                &format!("{path}.file.max_size_kb"),
                "max_size_kb must be at least 1",
            );
        }
        if rules.max_files == 0 {
            d.error(
                at_file,
                &format!("{path}.file.max_files"),
                "max_files must be at least 1",
            );
        }
        if rules.accept.is_empty() {
            d.error_hint(
                at_file,
                &format!("{path}.file.accept"),
                "no file types accepted",
                "list extensions, e.g. [pdf, jpg, png]",
            );
        }
        for ext in &rules.accept {
            if crate::filetypes::content_type_for(ext).is_none() {
                d.error_hint(
                    at_file,
                    &format!("{path}.file.accept"),
                    format!("unknown file type `{ext}`"),
                    format!("known: {}", crate::filetypes::KNOWN_EXTENSIONS.join(", ")),
                );
            }
        }
    }
    if f.kind.is_block() && f.kind == FieldKind::Info && f.text.as_deref().unwrap_or("").is_empty()
    {
        d.error(f.pos, &format!("{path}.text"), "an info block needs `text`");
    }
    if !f.kind.is_block() && f.label.trim().is_empty() {
        // An input without words: a screen reader announces nothing and
        // the citizen cannot tell what is asked (WCAG 2.1 3.3.2).
        d.error_hint(
            f.pos,
            &format!("{path}.label"),
            format!("`{}` has an empty label", f.id),
            "write the question as the citizen should read it",
        );
    }
}

/// `shown_when` and `hidden_when` (and each of their `or` alternatives)
/// must point at an earlier field and at values it can take.
pub fn condition(d: &mut Decoder, f: &Field, path: &str, earlier: &Seen) {
    for (key, c, span) in [
        ("shown_when", &f.shown_when, f.spans.shown_when),
        ("hidden_when", &f.hidden_when, f.spans.hidden_when),
    ] {
        if let Some(c) = c {
            one_condition(d, f, c, &format!("{path}.{key}"), f.at(span), earlier);
        }
    }
}

fn one_condition(d: &mut Decoder, f: &Field, c: &Condition, cp: &str, at: Pos, earlier: &Seen) {
    let key = cp.rsplit('.').next().unwrap_or(cp);
    match earlier.get(&c.field) {
        None => {
            let hint = match did_you_mean(&c.field, earlier.ids()) {
                Some(m) => format!("did you mean `{m}`? the field must come before `{}`", f.id),
                None => format!("the field must exist and come before `{}`", f.id),
            };
            d.error_hint(
                at,
                &format!("{cp}.field"),
                format!("{key} refers to unknown field `{}`", c.field),
                hint,
            );
        }
        Some(target) if target.kind.has_options() && !target.options.is_empty() => {
            for v in &c.equals {
                if !target.options.iter().any(|o| &o.value == v) {
                    let known: Vec<&str> =
                        target.options.iter().map(|o| o.value.as_str()).collect();
                    d.error_hint(
                        at,
                        &format!("{cp}.equals"),
                        format!("`{v}` is not an option of `{}`", target.id),
                        format!("options: {}", known.join(", ")),
                    );
                }
            }
        }
        Some(_) => {}
    }
    for (i, o) in c.or.iter().enumerate() {
        one_condition(d, f, o, &format!("{cp}.or[{i}]"), at, earlier);
    }
}

/// Fields met so far, in order, with an index by id. A crafted package with
/// tens of thousands of fields must be checked in linear time, not by
/// scanning every earlier field for every field.
#[derive(Default)]
pub struct Seen<'a> {
    order: Vec<&'a Field>,
    by_id: HashMap<&'a str, &'a Field>,
}

impl<'a> Seen<'a> {
    /// The first field with this id.
    pub fn get(&self, id: &str) -> Option<&'a Field> {
        self.by_id.get(id).copied()
    }

    pub fn push(&mut self, f: &'a Field) {
        self.order.push(f);
        self.by_id.entry(f.id.as_str()).or_insert(f);
    }

    /// Ids in the order they were met (for "did you mean").
    pub fn ids(&self) -> impl Iterator<Item = &'a str> + Clone + '_ {
        self.order.iter().map(|f| f.id.as_str())
    }
}
