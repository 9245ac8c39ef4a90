//! The two composite questions: a private person's contact details and an
//! organisation's. Each part is HIDDEN, VISIBLE or REQUIRED in the flow
//! (old files say it with `require…`/`show…` flags instead).

use roxmltree::Node;

use super::Notes;
use super::out::{Field, Ids, q};
use super::read::{flag, pos, text};

/// A part's state: the current element, else the legacy flags.
fn part(
    t: Node,
    field: &str,
    legacy_require: Option<&str>,
    legacy_show: Option<&str>,
) -> &'static str {
    match text(t, field).as_deref() {
        Some("REQUIRED") => "REQUIRED",
        Some("VISIBLE") => "VISIBLE",
        Some("HIDDEN") => "HIDDEN",
        _ => {
            if legacy_require.is_some_and(|k| flag(t, k)) {
                "REQUIRED"
            } else if legacy_show.is_none_or(|k| flag(t, k)) {
                "VISIBLE"
            } else {
                "HIDDEN"
            }
        }
    }
}

pub fn contact(
    t: Node,
    name: &str,
    help: &Option<String>,
    required: bool,
    hidden: bool,
    ids: &mut Ids,
    notes: &mut Notes,
) -> Vec<Field> {
    let mut out = Vec::new();
    let citizen = part(
        t,
        "fieldCitizenID",
        None,
        Some("showSocialSecurityNumberField"),
    );
    if citizen != "HIDDEN" {
        out.push(Field {
            id: ids.unique("personnummer"),
            kind: "personnummer",
            label: "Personnummer".into(),
            required: required && citizen == "REQUIRED",
            optional_part: citizen != "REQUIRED",
            hidden,
            ..Field::default()
        });
    }
    let email = part(t, "fieldEmail", Some("requireEmail"), None);
    let phone = part(t, "fieldPhone", Some("requirePhone"), None);
    let mobile = part(t, "fieldMobilePhone", Some("requireMobilePhone"), None);
    let mut contact = Field {
        id: ids.unique(if name.is_empty() { "kontakt" } else { name }),
        kind: "contact",
        label: if name.is_empty() {
            "Kontaktuppgifter".into()
        } else {
            name.to_string()
        },
        help: help.clone(),
        required,
        hidden,
        ..Field::default()
    };
    let said = format!(
        "Open ePlatform: e-post {}, telefon {}, mobil {}. Provrummets kontaktfråga tar namn och e-post eller telefon.",
        words(email),
        words(phone),
        words(mobile)
    );
    if (email, phone, mobile) != ("REQUIRED", "VISIBLE", "VISIBLE") {
        notes.warn(pos(t), format!("”{}”: {said}", contact.label));
    }
    contact.comments.push(said);
    out.push(contact);
    let address = part(t, "fieldAddress", Some("requireAddress"), None);
    if address != "HIDDEN" {
        out.push(Field {
            id: ids.unique("adress"),
            kind: "address",
            label: "Adress".into(),
            required: required && address == "REQUIRED",
            optional_part: address != "REQUIRED",
            hidden,
            ..Field::default()
        });
    }
    if part(t, "fieldCareOf", None, Some("showCareOf")) != "HIDDEN" {
        notes.warn(
            pos(t),
            "c/o-adressen i kontaktuppgifterna har ingen motsvarighet i provrummet och visas inte"
                .into(),
        );
    }
    out
}

pub fn organisation(
    t: Node,
    name: &str,
    help: &Option<String>,
    required: bool,
    hidden: bool,
    ids: &mut Ids,
    notes: &mut Notes,
) -> Vec<Field> {
    let title = if name.is_empty() {
        "Organisationens uppgifter"
    } else {
        name
    };
    notes.warn(
        pos(t),
        format!("”{title}”: organisationsuppgifterna blir separata frågor (organisationsnummer, namn, kontakt)"),
    );
    let mut out = vec![
        Field {
            id: ids.unique("organisationsnummer"),
            kind: "text",
            label: "Organisationsnummer".into(),
            help: help.clone(),
            required,
            hidden,
            validation: vec![
                ("pattern", q(r"(16)?[0-9]{6}-?[0-9]{4}")),
                (
                    "pattern_message",
                    q("Ange organisationsnumret med tio siffror, till exempel 212000-1355."),
                ),
            ],
            ..Field::default()
        },
        Field {
            id: ids.unique("organisationens-namn"),
            kind: "text",
            label: "Organisationens namn".into(),
            required,
            hidden,
            validation: vec![("max_length", "255".into())],
            ..Field::default()
        },
    ];
    let email = part(t, "fieldEmail", None, None);
    let phone = part(t, "fieldPhone", None, None);
    if email != "HIDDEN" || phone != "HIDDEN" {
        out.push(Field {
            id: ids.unique("kontaktperson"),
            kind: "contact",
            label: "Kontaktperson".into(),
            required: required && (email == "REQUIRED" || phone == "REQUIRED"),
            hidden,
            ..Field::default()
        });
    }
    if part(t, "fieldAddress", None, None) != "HIDDEN" {
        out.push(Field {
            id: ids.unique("organisationens-adress"),
            kind: "address",
            label: "Organisationens adress".into(),
            required: required && part(t, "fieldAddress", None, None) == "REQUIRED",
            hidden,
            ..Field::default()
        });
    }
    out
}

fn words(state: &str) -> &'static str {
    match state {
        "REQUIRED" => "krävs",
        "VISIBLE" => "frivillig",
        _ => "visas inte",
    }
}
