//! What the comment pages say in words: where a comment is pinned, a
//! field's label, and which municipalities a reviewer may endorse for.

/// Municipalities as (id, name), for buttons.
pub(super) type Named = Vec<(String, String)>;

/// The municipalities `u` may still endorse `c` for, and those whose
/// endorsement they may withdraw, as (id, name). Authors do not endorse
/// their own comment; an endorsement given can be withdrawn.
pub(super) fn endorsement_choices(
    u: &crate::accounts::User,
    c: &crate::reviews::Comment,
    name: &dyn Fn(&str) -> String,
) -> (Named, Named) {
    let own = u.id == c.author_id;
    let (mut endorse, mut withdraw) = (Vec::new(), Vec::new());
    for m in u
        .municipalities
        .iter()
        .filter(|m| u.may(crate::accounts::Action::Endorse(m)))
    {
        if c.endorsements.contains(m) {
            withdraw.push((m.clone(), name(m)));
        } else if !own {
            endorse.push((m.clone(), name(m)));
        }
    }
    (endorse, withdraw)
}

/// A field's label in `v`, else its id.
pub(super) fn field_label(v: &crate::services::Variant, field: &str) -> String {
    v.steps
        .iter()
        .flat_map(|s| &s.fields)
        .find(|x| x.id == field)
        .map(|x| x.label.clone())
        .filter(|l| !l.is_empty())
        .unwrap_or_else(|| field.to_string())
}

/// Where a comment is pinned, in words: "Om dig › Personnummer", "Granska
/// och skicka"; an id only when the variant no longer has the place.
pub(super) fn place_words(
    variants: &[crate::services::Variant],
    municipality: Option<&str>,
    step: Option<&str>,
    field: Option<&str>,
) -> String {
    let Some(step) = step else {
        return String::new();
    };
    let v = municipality
        .and_then(|m| variants.iter().find(|v| v.municipality == m))
        .or(variants.first());
    let Some(v) = v else {
        return step.to_string();
    };
    let title = crate::sandbox::places::title(v, step).unwrap_or_else(|| step.to_string());
    match field {
        Some(f) => format!("{title} › {}", field_label(v, f)),
        None => title,
    }
}
