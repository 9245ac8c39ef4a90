//! A text field's `formatValidator` (a Java class name of the source
//! installation) as Provrum's checks, and a file question's limits.

use roxmltree::Node;

use super::Notes;
use super::out::{Field, q};
use super::read::{flag, number, pos, text, values};

/// What a validator class name means here, by the end of its name.
enum Check {
    Kind(&'static str),
    Pattern(&'static str, &'static str),
}

fn check_for(class: &str) -> Option<Check> {
    let name = class.rsplit('.').next().unwrap_or(class);
    Some(match name {
        "StringEmailValidator" | "EmailPopulator" => Check::Kind("email"),
        "StringSwedishPhoneNumberPopulator"
        | "SwedishPhoneNumberPopulator"
        | "PhoneNumberPopulator" => Check::Kind("phone"),
        n if n.contains("Coordination") => Check::Pattern(
            r"(19|20)?[0-9]{2}(0[1-9]|1[0-2])(6[1-9]|[78][0-9]|9[01])[-+]?[0-9]{4}",
            "Ange samordningsnumret med tio eller tolv siffror.",
        ),
        "SwedishSocialSecurityOrOrganizationNumberPopulator" => Check::Pattern(
            r"([0-9]{2})?[0-9]{6}[-+]?[0-9]{4}",
            "Ange ett personnummer eller organisationsnummer med tio eller tolv siffror.",
        ),
        n if n.contains("SocialSecurity") => Check::Kind("personnummer"),
        n if n.contains("OrganizationNumber") => Check::Pattern(
            r"(16)?[0-9]{6}-?[0-9]{4}",
            "Ange organisationsnumret med tio siffror, till exempel 212000-1355.",
        ),
        "SwedishPostalCodePopulator" | "PostalCodePopulator" => Check::Pattern(
            r"[0-9]{3} ?[0-9]{2}",
            "Ange postnumret med fem siffror, till exempel 123 45.",
        ),
        n if n.starts_with("PositiveString") => {
            Check::Pattern("0*[1-9][0-9]*", "Ange ett heltal större än noll.")
        }
        n if n.starts_with("NonNegativeString") => Check::Pattern("[0-9]+", "Ange ett heltal."),
        _ => return None,
    })
}

/// A `TextField`'s checks on `f` (a `text` field to begin with).
pub fn apply(tf: Node, f: &mut Field, notes: &mut Notes) {
    let max = number(tf, "maxContentLength")
        .filter(|n| *n > 0)
        .map(|n| n.min(255))
        .unwrap_or(255);
    let min = number(tf, "minContentLength").filter(|n| *n > 0);
    let message = text(tf, "invalidFormatMessage");
    match text(tf, "formatValidator").map(|c| (check_for(&c), c)) {
        Some((Some(Check::Kind(kind)), _)) => {
            f.kind = kind;
            if kind == "personnummer" {
                // The kind has its own format; a length would only confuse.
                return;
            }
            if let Some(m) = &message {
                f.comments.push(format!(
                    "Felmeddelandet ”{m}” gäller i Open ePlatform; provrummet säger sitt eget för {kind}."
                ));
            }
        }
        Some((Some(Check::Pattern(pattern, default_message)), _)) => {
            f.validation.push(("pattern", q(pattern)));
            f.validation.push((
                "pattern_message",
                q(message.as_deref().unwrap_or(default_message)),
            ));
        }
        Some((None, class)) => {
            notes.warn(
                pos(tf),
                format!(
                    "fältet ”{}” kontrolleras med {class}, som provrummet inte känner; svaret tas emot som fritext",
                    f.label
                ),
            );
            f.comments.push(format!(
                "Okänd kontroll i Open ePlatform: {class}. Svaret tas emot som fritext."
            ));
        }
        None => {}
    }
    if let Some(min) = min {
        f.validation.push(("min_length", min.to_string()));
    }
    f.validation.push(("max_length", max.to_string()));
    if flag(tf, "disabled") {
        notes.warn(
            pos(tf),
            format!(
                "fältet ”{}” är skrivskyddat i Open ePlatform; i provrummet kan det fyllas i",
                f.label
            ),
        );
    }
}

/// `FileUploadQuery`: the accepted extensions Provrum knows, the size per
/// file (bytes in the file) and the number of files.
pub fn file_rules(t: Node, notes: &mut Notes) -> (Vec<String>, u64, u64) {
    let known = crate::filetypes::KNOWN_EXTENSIONS;
    let wanted = values(t, "allowedFileExtensions", "value");
    let mut accept: Vec<String> = Vec::new();
    let mut unknown = Vec::new();
    for e in &wanted {
        let e = e.trim_start_matches('.').to_ascii_lowercase();
        if known.contains(&e.as_str()) {
            if !accept.contains(&e) {
                accept.push(e);
            }
        } else {
            unknown.push(e);
        }
    }
    if !unknown.is_empty() {
        notes.warn(
            pos(t),
            format!(
                "filtyperna {} tas inte emot i provrummet (det känner {})",
                unknown.join(", "),
                known.join(", ")
            ),
        );
    }
    if wanted.is_empty() || accept.is_empty() {
        accept = known.iter().map(|e| e.to_string()).collect();
    }
    let size_kb = number(t, "maxFileSize")
        .filter(|b| *b > 0)
        .map(|b| (b as u64).div_ceil(1024))
        .unwrap_or(10 * 1024);
    let files = number(t, "maxFileCount").filter(|n| *n > 0).unwrap_or(1) as u64;
    (accept, size_kb, files)
}
