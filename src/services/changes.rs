//! A short Swedish list of what a variant changes from the base, for people
//! choosing which variant to try. (The full comparison lives in `compare`.)

use super::model::{BaseService, FieldKind, Variant};
use crate::filetypes::human_size;

/// Of the variants the test room hosts, how many are the base unchanged:
/// (identical, hosted).
pub fn as_base(base: &BaseService, variants: &[Variant]) -> (usize, usize) {
    let hosted: Vec<&Variant> = variants
        .iter()
        .filter(|v| v.external_url.is_none())
        .collect();
    let same = hosted
        .iter()
        .filter(|v| local_changes(base, v).is_empty())
        .count();
    (same, hosted.len())
}

pub fn local_changes(base: &BaseService, v: &Variant) -> Vec<String> {
    local_changes_by_step(base, v)
        .into_iter()
        .map(|(c, _)| c)
        .collect()
}

/// [`local_changes`], each with the step it is on (None: the whole
/// variant, like its contact text or signing), so a decision taken on a
/// step's deviations can be told apart from one on another step's.
pub fn local_changes_by_step(base: &BaseService, v: &Variant) -> Vec<(String, Option<String>)> {
    let mut all: Vec<(String, Option<String>)> = Vec::new();
    let mut out: Vec<String> = Vec::new();
    if v.external_url.is_some() {
        return vec![("Tjänsten finns hos en extern leverantör".into(), None)];
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
    all.extend(out.drain(..).map(|c| (c, None)));
    for step in &v.steps {
        let Some(bs) = base.steps.iter().find(|s| s.id == step.id) else {
            continue;
        };
        if bs.title != step.title && !bs.title.contains("{kommun}") {
            out.push(format!("Steget ”{}” heter ”{}”", bs.title, step.title));
        }
        if bs.intro != step.intro && bs.intro.as_ref().is_none_or(|i| !i.contains("{kommun}")) {
            out.push(format!("Egen inledning i steget ”{}”", step.title));
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
            if let (Some(a), Some(b)) = (&f.file, &bf.file)
                && a.accept != b.accept
            {
                out.push(format!(
                    "Bara {} i ”{}”",
                    a.accept
                        .iter()
                        .map(|e| e.to_uppercase())
                        .collect::<Vec<_>>()
                        .join(", "),
                    f.label
                ));
            }
            validation_changes(&f.label, &f.validation, &bf.validation, &mut out);
            if f.help != bf.help && bf.help.as_ref().is_none_or(|h| !h.contains("{kommun}")) {
                out.push(format!("Egen hjälptext för ”{}”", f.label));
            }
            if f.options != bf.options {
                out.push(format!("Andra svarsalternativ i ”{}”", f.label));
            }
        }
        all.extend(out.drain(..).map(|c| (c, Some(step.id.clone()))));
    }
    // A step and its field renamed alike say the same thing once.
    let twins: Vec<String> = all
        .iter()
        .filter_map(|(c, _)| c.strip_prefix("Steget "))
        .filter(|rest| all.iter().any(|(c, _)| c == rest))
        .map(str::to_string)
        .collect();
    all.retain(|(c, _)| !twins.contains(c));
    for (c, _) in &mut all {
        if let Some(rest) = c.strip_prefix("Steget ")
            && twins.iter().any(|t| t == rest)
        {
            *c = format!("Steget och fältet {rest}");
        }
    }
    let mut seen = std::collections::HashSet::new();
    all.retain(|(c, _)| seen.insert(c.clone()));
    all
}

/// What a variant's own validation rules change, in words.
fn validation_changes(
    label: &str,
    v: &super::model::Validation,
    b: &super::model::Validation,
    out: &mut Vec<String>,
) {
    let num = |x: f64| {
        if x.fract() == 0.0 {
            format!("{}", x as i64)
        } else {
            format!("{x}").replace('.', ",")
        }
    };
    if v.max_length != b.max_length
        && let Some(n) = v.max_length
    {
        out.push(format!("”{label}” högst {n} tecken"));
    }
    if v.min_length != b.min_length
        && let Some(n) = v.min_length
    {
        out.push(format!("”{label}” minst {n} tecken"));
    }
    if v.max != b.max
        && let Some(n) = v.max
    {
        out.push(format!("”{label}” högst {}", num(n)));
    }
    if v.min != b.min
        && let Some(n) = v.min
    {
        out.push(format!("”{label}” minst {}", num(n)));
    }
    if v.pattern != b.pattern {
        out.push(format!("Annat krav på formatet i ”{label}”"));
    }
    if v.min_date != b.min_date || v.max_date != b.max_date {
        out.push(format!("Andra tillåtna datum i ”{label}”"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn changes_of(m: &str) -> Vec<String> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/services/anmalan-varmepump");
        let pkg = crate::services::package::load(&dir, crate::municipalities::Registry::builtin())
            .expect("the fixture loads");
        let v = pkg.variants.iter().find(|v| v.municipality == m).expect(m);
        local_changes(&pkg.base, v)
    }

    #[test]
    fn validation_and_file_types_count_as_local_changes_and_none_is_said_twice() {
        let hammaro = changes_of("hammaro");
        assert!(
            hammaro.iter().any(|c| c.contains("högst 250")),
            "{hammaro:?}"
        );
        assert!(
            hammaro.iter().any(|c| c.starts_with("Egen hjälptext")),
            "{hammaro:?}"
        );
        let sunne = changes_of("sunne");
        assert!(sunne.iter().any(|c| c.starts_with("Bara PDF")), "{sunne:?}");
        let grums = changes_of("grums");
        assert_eq!(
            grums,
            vec!["Steget och fältet ”Situationsplan” heter ”Karta över fastigheten”".to_string()]
        );
    }
}
