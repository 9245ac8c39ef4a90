//! Decoding a municipality's overlay (`variants/<municipality>.yaml`).

use crate::yaml::{Decoder, Node};

use super::model::*;
use super::parse::{choices, contact, field, file_patch, validation};

pub fn overlay(d: &mut Decoder, root: &Node, municipality: &str) -> Option<Overlay> {
    let mut m = d.map(root, "")?;
    let mut spans = crate::yaml::Spans::default();
    m.record(&mut spans);
    if let Some(n) = m.get("branding")
        && let crate::yaml::NodeKind::Map(_) = n.kind
        && let Some(sub) = d.map(n, "branding")
    {
        sub.record(&mut spans);
    }
    let mut o = Overlay {
        municipality: municipality.to_string(),
        spans,
        ..Overlay::default()
    };
    o.title = m.opt_str(d, "title");
    o.description = m.opt_str(d, "description");
    o.organisation = m.opt_str(d, "organisation");
    o.external_url = m.opt_str(d, "external_url");
    o.handling_days = m.opt_u64(d, "handling_days");
    o.volatile = m.opt_str_list(d, "volatile").unwrap_or_default();
    o.contact = m.get("contact").and_then(|n| contact(d, n, "contact"));
    if let Some(n) = m.get("branding")
        && let Some(mut b) = d.map(n, "branding")
    {
        o.branding = Branding {
            colour: b.opt_str(d, "colour"),
            logo_text: b.opt_str(d, "logo_text"),
        };
        b.finish(d);
    }
    if let Some(n) = m.get("receipt")
        && let Some(mut r) = d.map(n, "receipt")
    {
        o.receipt_text = r.opt_str(d, "text");
        r.finish(d);
    }
    if let Some(n) = m.get("signing")
        && let Some(mut s) = d.map(n, "signing")
    {
        o.signing_required = s.opt_bool(d, "required");
        s.finish(d);
    }
    if let Some(n) = m.get("personal_data")
        && let Some(mut p) = d.map(n, "personal_data")
    {
        o.personal_data = Some(PersonalDataPatch {
            controller: p.opt_str(d, "controller"),
            retention: p.opt_str(d, "retention"),
            dpo_contact: p.opt_str(d, "dpo_contact"),
            recipients: p.opt_str(d, "recipients"),
        });
        p.finish(d);
    }
    if let Some(n) = m.get("steps") {
        o.steps = step_patches(d, n);
    }
    if let Some(n) = m.get("fields") {
        o.fields = field_patches(d, n);
    }
    if let Some(n) = m.get("add_fields") {
        o.add_fields = add_fields(d, n);
    }
    m.finish(d);
    Some(o)
}

/// `steps:` is a mapping from step id to the changes for that step.
fn step_patches(d: &mut Decoder, node: &Node) -> Vec<StepPatch> {
    let Some(mut m) = d.map(node, "steps") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (k, v) in m.entries() {
        let Some(id) = d.str(k, "steps") else {
            continue;
        };
        let path = format!("steps.{id}");
        let Some(mut s) = d.map(v, &path) else {
            continue;
        };
        let patch = StepPatch {
            id,
            title: s.opt_str(d, "title"),
            intro: s.opt_str(d, "intro"),
            pos: k.pos,
        };
        s.finish(d);
        out.push(patch);
    }
    out
}

/// `fields:` is a mapping from field id to the changes for that field.
fn field_patches(d: &mut Decoder, node: &Node) -> Vec<FieldPatch> {
    let Some(mut m) = d.map(node, "fields") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (k, v) in m.entries() {
        let Some(id) = d.str(k, "fields") else {
            continue;
        };
        let path = format!("fields.{id}");
        let Some(mut f) = d.map(v, &path) else {
            continue;
        };
        let patch = FieldPatch {
            id,
            validation_pos: f.value_pos("validation"),
            file_pos: f.value_pos("file"),
            label: f.opt_str(d, "label"),
            help: f.opt_str(d, "help"),
            text: f.opt_str(d, "text"),
            required: f.opt_bool(d, "required"),
            hidden: f.opt_bool(d, "hidden"),
            options: f
                .get("options")
                .map(|n| choices(d, n, &format!("{path}.options"))),
            validation: f
                .get("validation")
                .map(|n| validation(d, n, &format!("{path}.validation")))
                .unwrap_or_default(),
            file: f
                .get("file")
                .map(|n| file_patch(d, n, &format!("{path}.file")))
                .unwrap_or_default(),
            pos: k.pos,
        };
        f.finish(d);
        out.push(patch);
    }
    out
}

fn add_fields(d: &mut Decoder, node: &Node) -> Vec<AddField> {
    let Some(items) = d.seq(node, "add_fields") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let path = format!("add_fields[{i}]");
        let Some(mut a) = d.map(item, &path) else {
            continue;
        };
        let step = a.req_str(d, "step");
        let after = a.opt_str(d, "after");
        let after_pos = a.value_pos("after");
        let f = a
            .require(d, "field")
            .and_then(|n| field(d, n, &format!("{path}.field")));
        a.finish(d);
        if let (Some(step), Some(field)) = (step, f) {
            out.push(AddField {
                step,
                after,
                after_pos,
                field,
                pos: item.pos,
            });
        }
    }
    out
}
