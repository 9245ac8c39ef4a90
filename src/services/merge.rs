//! Applying a municipality's overlay to the base.

use crate::municipalities::Municipality;

use super::model::*;
use super::parse::apply_file_patch;

pub fn apply_field_patch(f: &mut Field, p: &FieldPatch) {
    if let Some(v) = &p.label {
        f.label = v.clone();
    }
    if let Some(v) = &p.help {
        f.help = Some(v.clone());
    }
    if let Some(v) = &p.text {
        f.text = Some(v.clone());
    }
    if let Some(v) = p.required {
        f.required = v;
    }
    if let Some(v) = p.hidden {
        f.hidden = v;
        // Hiding a field implies it is no longer asked for.
        if v && p.required.is_none() {
            f.required = false;
        }
    }
    if let Some(v) = &p.options {
        f.options = v.clone();
    }
    let (v, o) = (&mut f.validation, &p.validation);
    macro_rules! over {
        ($($k:ident),*) => { $( if o.$k.is_some() { v.$k = o.$k.clone(); } )* };
    }
    over!(
        min_length,
        max_length,
        pattern,
        pattern_message,
        min,
        max,
        min_date,
        max_date
    );
    if let Some(rules) = &mut f.file {
        apply_file_patch(rules, &p.file);
    }
}

/// The variant a citizen of `m` meets. `overlay` is `None` for a
/// municipality that takes the base unchanged.
pub fn resolve(base: &BaseService, overlay: Option<&Overlay>, m: &Municipality) -> Variant {
    let empty = Overlay::default();
    let o = overlay.unwrap_or(&empty);
    let mut steps = base.steps.clone();
    for a in &o.add_fields {
        if let Some(step) = steps.iter_mut().find(|s| s.id == a.step) {
            let at = match &a.after {
                Some(after) => step
                    .fields
                    .iter()
                    .position(|f| &f.id == after)
                    .map(|i| i + 1)
                    .unwrap_or(step.fields.len()),
                None => step.fields.len(),
            };
            step.fields.insert(at, a.field.clone());
        }
    }
    for p in &o.steps {
        if let Some(step) = steps.iter_mut().find(|s| s.id == p.id) {
            if let Some(t) = &p.title {
                step.title = t.clone();
            }
            if let Some(t) = &p.intro {
                step.intro = Some(t.clone());
            }
        }
    }
    for p in &o.fields {
        if let Some(f) = steps
            .iter_mut()
            .flat_map(|s| s.fields.iter_mut())
            .find(|f| f.id == p.id)
        {
            apply_field_patch(f, p);
        }
    }
    let personal_data = base.personal_data.clone().map(|mut pd| {
        if let Some(p) = &o.personal_data {
            if let Some(v) = &p.controller {
                pd.controller = v.clone();
            }
            if let Some(v) = &p.retention {
                pd.retention = v.clone();
            }
            if p.dpo_contact.is_some() {
                pd.dpo_contact = p.dpo_contact.clone();
            }
            if p.recipients.is_some() {
                pd.recipients = p.recipients.clone();
            }
        }
        pd
    });
    let contact = m
        .contact
        .merged(&base.contact)
        .merged(o.contact.as_ref().unwrap_or(&Contact::default()));
    let mut signing = base.signing.clone();
    if let Some(r) = o.signing_required {
        signing.required = r;
    }
    let mut v = Variant {
        municipality: m.id.clone(),
        municipality_name: m.name.clone(),
        external_url: o.external_url.clone(),
        handling_days: o.handling_days,
        title: o.title.clone().unwrap_or_else(|| base.title.clone()),
        description: o
            .description
            .clone()
            .unwrap_or_else(|| base.description.clone()),
        organisation: o.organisation.clone().or_else(|| base.organisation.clone()),
        authentication: base.authentication.clone(),
        signing,
        summary: base.summary,
        personal_data,
        receipt_text: o
            .receipt_text
            .clone()
            .unwrap_or_else(|| base.receipt_text.clone()),
        contact,
        branding: Branding {
            colour: o.branding.colour.clone().or_else(|| m.brand_colour.clone()),
            logo_text: o
                .branding
                .logo_text
                .clone()
                .or_else(|| Some(m.name.clone())),
        },
        privacy_policy_url: m.privacy_policy_url.clone(),
        accessibility_statement_url: m.accessibility_statement_url.clone(),
        steps,
        volatile: base.volatile.iter().chain(&o.volatile).cloned().collect(),
    };
    fill_placeholders(&mut v, &m.name);
    v
}

/// Shared texts may say `{kommun}`; each variant reads its own name there.
fn fill_placeholders(v: &mut Variant, name: &str) {
    let sub = |s: &mut String| {
        if s.contains("{kommun}") {
            *s = s.replace("{kommun}", name);
        }
    };
    let sub_opt = |s: &mut Option<String>| {
        if let Some(s) = s {
            sub(s);
        }
    };
    sub(&mut v.title);
    sub(&mut v.description);
    sub(&mut v.receipt_text);
    sub_opt(&mut v.organisation);
    sub_opt(&mut v.signing.text);
    sub_opt(&mut v.contact.text);
    sub_opt(&mut v.contact.name);
    if let Some(pd) = &mut v.personal_data {
        sub(&mut pd.controller);
        sub(&mut pd.purpose);
        sub(&mut pd.retention);
        sub_opt(&mut pd.recipients);
        sub_opt(&mut pd.dpo_contact);
    }
    for s in &mut v.steps {
        sub(&mut s.title);
        sub_opt(&mut s.intro);
        for f in &mut s.fields {
            sub(&mut f.label);
            sub_opt(&mut f.help);
            sub_opt(&mut f.text);
        }
    }
}
