//! Checks of one municipality's overlay against the base: it may only touch
//! what the base has, and its municipality must exist.

use std::collections::{HashMap, HashSet};

use crate::municipalities::Registry;
use crate::yaml::{Decoder, Pos, did_you_mean};

use super::check::{Seen, condition, field};
use super::model::*;

/// The overlay may only touch what the base has, and its municipality must exist.
pub fn overlay(d: &mut Decoder, b: &BaseService, o: &Overlay, registry: &Registry) {
    let root = Pos { line: 1, col: 1 };
    let at = |k: &str| o.spans.at(k);
    if registry.get(&o.municipality).is_none() {
        let hint = match did_you_mean(&o.municipality, registry.ids()) {
            Some(m) => format!("did you mean `{m}.yaml`?"),
            None => "name the file after a municipality id in fixtures/municipalities.yaml".into(),
        };
        d.error_hint(
            root,
            "",
            format!("unknown municipality `{}`", o.municipality),
            hint,
        );
    }
    if let Some(url) = &o.external_url {
        if !(url.starts_with("https://") || url.starts_with("http://"))
            || url.contains(char::is_whitespace)
        {
            d.error_hint(
                at("external_url"),
                "external_url",
                format!("`{url}` is not an http(s) URL"),
                "write the full address, e.g. https://e-tjanster.example.se/olagenhet",
            );
        }
        if !o.fields.is_empty() || !o.add_fields.is_empty() || !o.steps.is_empty() {
            d.error_hint(
                at("external_url"),
                "external_url",
                "a variant hosted elsewhere cannot also change steps or fields",
                "remove either external_url or the steps/fields/add_fields changes",
            );
        }
    }
    if let Some(c) = &o.branding.colour {
        match crate::services::contrast::with_white(c) {
            None => d.error_hint(
                at("branding.colour"),
                "branding.colour",
                format!("`{c}` is not a colour"),
                "write it as #rrggbb",
            ),
            // The header and buttons put white text on the brand colour.
            Some(ratio) if ratio < crate::services::contrast::AA => d.error_hint(
                at("branding.colour"),
                "branding.colour",
                format!(
                    "`{c}` gives the white text on it a contrast of {ratio:.1}:1; WCAG 2.1 AA needs 4.5:1"
                ),
                format!(
                    "use a darker shade, e.g. {}",
                    crate::services::contrast::darkened(c)
                ),
            ),
            Some(_) => {}
        }
    }
    let base_fields: Vec<&Field> = b.steps.iter().flat_map(|s| &s.fields).collect();
    let steps: HashMap<&str, &Step> = b.steps.iter().map(|s| (s.id.as_str(), s)).collect();
    for s in &o.steps {
        if !steps.contains_key(s.id.as_str()) {
            unknown(
                d,
                s.pos,
                &format!("steps.{}", s.id),
                "step",
                &s.id,
                b.steps.iter().map(|x| x.id.as_str()),
            );
        }
    }
    // The base's fields, then each added one: lookups stay linear overall.
    let mut known = Seen::default();
    base_fields.iter().for_each(|f| known.push(f));
    let mut added: HashSet<&str> = HashSet::new();
    for (i, a) in o.add_fields.iter().enumerate() {
        let path = format!("add_fields[{i}]");
        let Some(step) = steps.get(a.step.as_str()) else {
            unknown(
                d,
                a.pos,
                &format!("{path}.step"),
                "step",
                &a.step,
                b.steps.iter().map(|x| x.id.as_str()),
            );
            continue;
        };
        if let Some(after) = &a.after
            && !step.fields.iter().any(|f| &f.id == after)
            && !added.contains(after.as_str())
        {
            let known: Vec<&str> = step.fields.iter().map(|x| x.id.as_str()).collect();
            let hint = match did_you_mean(after, known.iter().copied()) {
                Some(m) => format!("did you mean `{m}`?"),
                None => format!("fields in `{}`: {}", step.id, known.join(", ")),
            };
            d.error_hint(
                a.after_pos.unwrap_or(a.pos),
                &format!("{path}.after"),
                format!("step `{}` has no field `{after}` to add after", step.id),
                hint,
            );
        }
        if known.get(&a.field.id).is_some() {
            d.error_hint(
                a.field.pos,
                &format!("{path}.field.id"),
                format!("field id `{}` already exists", a.field.id),
                "to change an existing field, use `fields:` instead of `add_fields:`",
            );
        }
        field(d, &a.field, &format!("{path}.field"));
        condition(d, &a.field, &format!("{path}.field"), &known);
        added.insert(&a.field.id);
        known.push(&a.field);
    }
    for p in &o.fields {
        let path = format!("fields.{}", p.id);
        let Some(f) = known.get(&p.id) else {
            d.error_hint(
                p.pos,
                &path,
                format!("overlay changes field `{}` that the base lacks", p.id),
                match did_you_mean(&p.id, base_fields.iter().map(|f| f.id.as_str())) {
                    Some(m) => format!("did you mean `{m}`? to add a new field use `add_fields:`"),
                    None => "to add a new field use `add_fields:`".into(),
                },
            );
            continue;
        };
        let mut merged = (*f).clone();
        super::merge::apply_field_patch(&mut merged, p);
        merged.pos = p.pos;
        merged.spans = crate::services::FieldSpans {
            id: Some(p.pos),
            validation: p.validation_pos,
            file: p.file_pos,
            ..Default::default()
        };
        field(d, &merged, &path);
    }
}

fn unknown<'a>(
    d: &mut Decoder,
    pos: Pos,
    path: &str,
    what: &str,
    id: &str,
    known: impl Iterator<Item = &'a str> + Clone,
) {
    let hint = match did_you_mean(id, known.clone()) {
        Some(m) => format!("did you mean `{m}`?"),
        None => {
            let mut list: Vec<&str> = known.take(SHOWN_IDS + 1).collect();
            if list.len() > SHOWN_IDS {
                list[SHOWN_IDS] = "…";
            }
            format!("known: {}", list.join(", "))
        }
    };
    d.error_hint(
        pos,
        path,
        format!("unknown {what} `{id}` (the base has no such {what})"),
        hint,
    );
}

/// How many known ids a hint lists before "…".
const SHOWN_IDS: usize = 20;
