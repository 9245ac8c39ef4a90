//! The type-specific elements of an exported question: text fields with
//! their validator class names, alternatives, file limits, contact parts.

use std::fmt::Write;

use crate::services::{Field, FieldKind};

pub enum Body<'a> {
    Text(&'a [&'a Field]),
    Area(&'a Field),
    Choice(&'a Field, Option<&'a str>),
    File(&'a Field),
    /// Personnummer and address parts: required, optional or absent.
    Contact(Option<bool>, Option<bool>),
    Info,
}

/// The validator class (and message) a field's kind or pattern stands for:
/// the reverse of the import's table, so a flow read back checks the same.
fn validator(f: &Field) -> Option<String> {
    let prefix = "se.unlogic.standardutils.";
    Some(match f.kind {
        FieldKind::Email => "se.unlogic.emailutils.validation.StringEmailValidator".into(),
        FieldKind::Phone => format!("{prefix}populators.StringSwedishPhoneNumberPopulator"),
        FieldKind::Personnummer => format!("{prefix}populators.SocialSecurityPopulator"),
        _ => {
            let p = f.validation.pattern.as_deref()?;
            let class = match p {
                "[0-9]{3} ?[0-9]{2}" => "populators.SwedishPostalCodePopulator",
                "0*[1-9][0-9]*" => "validation.PositiveStringIntegerValidator",
                "[0-9]+" => "validation.NonNegativeStringIntegerValidator",
                r"(16)?[0-9]{6}-?[0-9]{4}" => "populators.OrganizationNumberPopulator",
                r"([0-9]{2})?[0-9]{6}[-+]?[0-9]{4}" => {
                    "populators.SwedishSocialSecurityOrOrganizationNumberPopulator"
                }
                p if p.contains("6[1-9]") => {
                    "populators.UniversalSwedishSocialSecurityCoordinationPopulator"
                }
                _ => return None,
            };
            format!("{prefix}{class}")
        }
    })
}

fn text_field(x: &mut String, id: u32, sort: usize, f: &Field, label: &str) {
    let _ = write!(
        x,
        "<TextField><textFieldID>{id}</textFieldID><label>{}</label><required>{}</required><sortIndex>{sort}</sortIndex>",
        esc(label),
        f.required
    );
    if let Some(n) = f.validation.min_length {
        let _ = write!(x, "<minContentLength>{n}</minContentLength>");
    }
    if let Some(n) = f.validation.max_length {
        let _ = write!(x, "<maxContentLength>{n}</maxContentLength>");
    }
    if let Some(class) = validator(f) {
        let _ = write!(x, "<formatValidator>{class}</formatValidator>");
        if let Some(m) = &f.validation.pattern_message {
            let _ = write!(x, "<invalidFormatMessage>{}</invalidFormatMessage>", esc(m));
        }
    }
    x.push_str("</TextField>");
}

/// Write the elements of the question `id` of this kind.
pub fn body(x: &mut String, id: u32, b: &Body) {
    match b {
        Body::Text(fields) => {
            x.push_str("<layout>NEW_LINE</layout><Fields>");
            let mut n = 0;
            for f in fields.iter() {
                if f.kind == FieldKind::Address {
                    // Provrum's address question: street, postal code, city.
                    for (label, pattern) in [
                        ("Gatuadress", None),
                        ("Postnummer", Some("[0-9]{3} ?[0-9]{2}")),
                        ("Ort", None),
                    ] {
                        let mut part = (*f).clone();
                        part.kind = FieldKind::Text;
                        part.validation.pattern = pattern.map(str::to_string);
                        text_field(x, id * 100 + n, n as usize, &part, label);
                        n += 1;
                    }
                    continue;
                }
                text_field(x, id * 100 + n, n as usize, f, &f.label);
                n += 1;
            }
            x.push_str("</Fields>");
        }
        Body::Area(f) => {
            if let Some(n) = f.validation.max_length {
                let _ = write!(x, "<maxLength>{n}</maxLength>");
            }
        }
        Body::Choice(f, free) => {
            let item = match f.kind {
                FieldKind::Radio => "RadioButtonAlternative",
                FieldKind::Select => "DropDownAlternative",
                _ => "CheckboxAlternative",
            };
            if f.kind == FieldKind::Checkbox {
                let min = f.validation.min.map_or(u64::from(f.required), |m| m as u64);
                if min > 0 {
                    let _ = write!(x, "<minChecked>{min}</minChecked>");
                }
                if let Some(max) = f.validation.max {
                    let _ = write!(x, "<maxChecked>{}</maxChecked>", max as u64);
                }
            }
            x.push_str("<Alternatives>");
            let options = if free.is_some() {
                &f.options[..f.options.len().saturating_sub(1)]
            } else {
                &f.options[..]
            };
            // Provrum's single "I confirm" box: one alternative saying it.
            let confirm = [crate::services::Choice {
                value: "ja".into(),
                label: f.label.clone(),
            }];
            let options = if options.is_empty() {
                &confirm[..]
            } else {
                options
            };
            for (i, o) in options.iter().enumerate() {
                let _ = write!(
                    x,
                    "<{item}><alternativeID>{}</alternativeID><name>{}</name><sortIndex>{i}</sortIndex><xmlValue>{}</xmlValue></{item}>",
                    id * 100 + i as u32,
                    esc(&o.label),
                    esc(&o.value)
                );
            }
            x.push_str("</Alternatives>");
            if let Some(label) = free {
                let _ = write!(
                    x,
                    "<freeTextAlternative>{}</freeTextAlternative>",
                    esc(label)
                );
            }
        }
        Body::File(f) => {
            if let Some(rules) = &f.file {
                let _ = write!(
                    x,
                    "<maxFileCount>{}</maxFileCount><maxFileSize>{}</maxFileSize><allowedFileExtensions>",
                    rules.max_files,
                    rules.max_size_kb * 1024
                );
                for e in &rules.accept {
                    let _ = write!(x, "<value>{}</value>", esc(e));
                }
                x.push_str("</allowedFileExtensions>");
            }
        }
        Body::Contact(citizen, address) => {
            let state = |part: Option<bool>| match part {
                Some(true) => "REQUIRED",
                Some(false) => "VISIBLE",
                None => "HIDDEN",
            };
            let _ = write!(
                x,
                "<fieldCitizenID>{}</fieldCitizenID><fieldName>REQUIRED</fieldName><fieldAddress>{}</fieldAddress><fieldCareOf>HIDDEN</fieldCareOf><fieldEmail>REQUIRED</fieldEmail><fieldPhone>VISIBLE</fieldPhone><fieldMobilePhone>VISIBLE</fieldMobilePhone>",
                state(*citizen),
                state(*address)
            );
        }
        Body::Info => {}
    }
}

/// Text as XML character data.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
