//! A scenario step in plain Swedish for the run pages: "Fyll i E-postadress:
//! britta@exempel.se" rather than `fill kontakt.email=britta@exempel.se`.
//! Runs store the technical label (reports and JUnit keep it); pages read it
//! back with the variant's own field labels and option texts.

use crate::services::Variant;

/// The field's label in `v` ("E-postadress" for `kontakt.email`), else the id.
fn field(v: Option<&Variant>, target: &str) -> String {
    if let Some(css) = target.strip_prefix("css:") {
        return format!("elementet {css}");
    }
    let (id, part) = match target.split_once('.') {
        Some((id, p)) => (id, Some(p)),
        None => (target, None),
    };
    let Some(f) = v.and_then(|v| v.steps.iter().flat_map(|s| &s.fields).find(|f| f.id == id))
    else {
        return format!("”{target}”");
    };
    let part_name = part.map(|p| match p {
        "name" => "namn",
        "email" => "e-postadress",
        "phone" => "telefonnummer",
        "street" => "gatuadress",
        "postal_code" => "postnummer",
        "city" => "ort",
        "remove" => "ta bort",
        other => other,
    });
    match part_name {
        Some(p) => format!("”{}” ({p})", f.label),
        None => format!("”{}”", f.label),
    }
}

/// An option's text for a value ("Buller" for `buller`), else the value.
fn option(v: Option<&Variant>, target: &str, value: &str) -> String {
    v.and_then(|v| {
        v.steps
            .iter()
            .flat_map(|s| &s.fields)
            .find(|f| f.id == target)
    })
    .and_then(|f| f.options.iter().find(|o| o.value == value))
    .map(|o| o.label.clone())
    .unwrap_or_else(|| value.to_string())
}

/// `a=b, c=d` as (target, value) pairs.
fn pairs(rest: &str) -> Vec<(&str, &str)> {
    rest.split(", ").filter_map(|p| p.split_once('=')).collect()
}

fn unquote(s: &str) -> String {
    serde_json::from_str::<String>(s.trim()).unwrap_or_else(|_| s.trim().to_string())
}

/// The step's label (see `Action::label`) in words.
pub fn step(label: &str, v: Option<&Variant>) -> String {
    let (name, rest) = label.split_once(' ').unwrap_or((label, ""));
    let list = |verb: &str, fmt: &dyn Fn(&str, &str) -> String| {
        let parts: Vec<String> = pairs(rest).into_iter().map(|(t, x)| fmt(t, x)).collect();
        format!("{verb} {}", parts.join("; "))
    };
    match name {
        "open" => "Öppna e-tjänstens startsida".into(),
        "start" => "Starta e-tjänsten".into(),
        "sign_in" if rest.is_empty() => "Logga in med e-legitimation".into(),
        "sign_in" => format!("Logga in som testperson {rest}"),
        "fill" => list("Fyll i", &|t, x| format!("{}: {x}", field(v, t))),
        "choose" => list("Välj", &|t, x| {
            format!("{}: {}", field(v, t), option(v, t, x))
        }),
        "check" => format!(
            "Kryssa i {}",
            rest.split(", ")
                .map(|t| field(v, t))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        "uncheck" => format!(
            "Kryssa ur {}",
            rest.split(", ")
                .map(|t| field(v, t))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        "attach" => list("Bifoga", &|t, x| {
            let file = x.rsplit('/').next().unwrap_or(x);
            format!("{file} i {}", field(v, t))
        }),
        "next" => "Gå till nästa steg".into(),
        "back" => "Gå tillbaka ett steg".into(),
        "submit" => "Skicka".into(),
        "sign" => "Underteckna".into(),
        "click" => format!("Klicka på {rest}"),
        "press" => format!("Tryck på {rest} och vänta på nästa sida"),
        "expect_text" => format!("Kontrollera att sidan visar ”{}”", unquote(rest)),
        "expect_no_text" => format!("Kontrollera att sidan inte visar ”{}”", unquote(rest)),
        "expect_error" => match rest.split_once(' ') {
            Some((t, text)) => {
                format!("Kontrollera felet vid {}: ”{}”", field(v, t), unquote(text))
            }
            None => format!("Kontrollera felet vid {}", field(v, rest)),
        },
        "expect_visible" => format!("Kontrollera att {} visas", field(v, rest)),
        "expect_hidden" => format!("Kontrollera att {} inte visas", field(v, rest)),
        "expect_required" => format!("Kontrollera att {} är obligatoriskt", field(v, rest)),
        "expect_receipt" => "Kontrollera kvittensen".into(),
        "expect_submitted" => match rest.split_once(" = ") {
            Some((path, value)) => format!("Kontrollera att ärendet har {path} = {value}"),
            None => format!("Kontrollera ärendet: {rest}"),
        },
        "checkpoint" => format!("Skärmbild: {rest}"),
        _ => label.to_string(),
    }
}

/// Milliseconds as people read them: "0,4 s", "9,2 s", "1 min 12 s".
pub fn duration(ms: i64) -> String {
    if ms < 60_000 {
        let tenths = (ms + 50) / 100;
        format!("{},{} s", tenths / 10, tenths % 10)
    } else {
        let s = (ms + 500) / 1000;
        format!("{} min {} s", s / 60, s % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn technical_labels_read_as_swedish() {
        assert_eq!(
            step("fill kontakt.email=a@b.se", None),
            "Fyll i ”kontakt.email”: a@b.se"
        );
        assert_eq!(step("next", None), "Gå till nästa steg");
        assert_eq!(
            step("expect_text \"Tack\"", None),
            "Kontrollera att sidan visar ”Tack”"
        );
        assert_eq!(
            step("attach filer=files/natt.png", None),
            "Bifoga natt.png i ”filer”"
        );
        assert_eq!(
            step("sign_in 199011142388", None),
            "Logga in som testperson 199011142388"
        );
    }

    #[test]
    fn durations_in_seconds() {
        assert_eq!(duration(9203), "9,2 s");
        assert_eq!(duration(40), "0,0 s");
        assert_eq!(duration(72_400), "1 min 12 s");
    }
}
