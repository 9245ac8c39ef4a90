//! A short Swedish list of what a variant changes from the base, for people
//! choosing which variant to try. (The full comparison lives in `compare`.)

use super::model::{BaseService, FieldKind, Variant};
use crate::filetypes::human_size;

pub fn local_changes(base: &BaseService, v: &Variant) -> Vec<String> {
    let mut out = Vec::new();
    if v.external_url.is_some() {
        out.push("Tjänsten finns hos en extern leverantör".into());
        return out;
    }
    let base_contact_text = base
        .contact
        .text
        .as_ref()
        .map(|t| t.replace("{kommun}", &v.municipality_name));
    if v.contact.text != base_contact_text && v.contact.text.is_some() {
        out.push("Egen kontakttext".into());
    }
    if v.signing.required != base.signing.required {
        out.push(if v.signing.required {
            "Kräver underskrift".into()
        } else {
            "Kräver ingen underskrift".into()
        });
    }
    for step in &v.steps {
        let Some(bs) = base.steps.iter().find(|s| s.id == step.id) else {
            continue;
        };
        if bs.title != step.title && !bs.title.contains("{kommun}") {
            out.push(format!("Steget ”{}” heter ”{}”", bs.title, step.title));
        }
        for f in &step.fields {
            let Some(bf) = base
                .steps
                .iter()
                .flat_map(|s| &s.fields)
                .find(|b| b.id == f.id)
            else {
                out.push(format!("Extra fält: ”{}”", f.label));
                continue;
            };
            if f.hidden && !bf.hidden {
                out.push(format!("Döljer ”{}”", bf.label));
            } else if f.required != bf.required {
                out.push(format!(
                    "”{}” är {}",
                    f.label,
                    if f.required {
                        "obligatoriskt"
                    } else {
                        "frivilligt"
                    }
                ));
            }
            if f.label != bf.label && !bf.label.contains("{kommun}") {
                out.push(format!("”{}” heter ”{}”", bf.label, f.label));
            }
            if f.kind == FieldKind::File
                && let (Some(a), Some(b)) = (&f.file, &bf.file)
            {
                if a.max_files != b.max_files {
                    out.push(format!("Högst {} filer i ”{}”", a.max_files, f.label));
                }
                if a.max_size_kb != b.max_size_kb {
                    out.push(format!(
                        "Filer upp till {} i ”{}”",
                        human_size(a.max_size_kb),
                        f.label
                    ));
                }
            }
            if f.validation.max_length != bf.validation.max_length
                && let Some(n) = f.validation.max_length
            {
                out.push(format!("”{}” högst {n} tecken", f.label));
            }
            if f.options != bf.options {
                out.push(format!("Andra svarsalternativ i ”{}”", f.label));
            }
        }
    }
    out
}
