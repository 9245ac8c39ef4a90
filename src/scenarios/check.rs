//! Checking a scenario against the service it names: every field it touches
//! must exist (and every option be offered) in every variant it runs on.

use crate::identities::Personnummer;
use crate::municipalities::Registry;
use crate::services::{FieldKind, Variant};
use crate::yaml::{Decoder, Diagnostic, did_you_mean};

use super::model::*;

/// Problems in `s` given the variants of the version it will run against.
pub fn check(s: &Scenario, variants: &[Variant], registry: &Registry) -> Vec<Diagnostic> {
    let mut d = Decoder::new(&s.file);
    let root = crate::yaml::Pos { line: 1, col: 1 };
    let known: Vec<&str> = variants.iter().map(|v| v.municipality.as_str()).collect();
    let names = |d: &mut Decoder, list: &[String], pos, path: &str| {
        for m in list {
            if !known.contains(&m.as_str()) {
                let hint = match did_you_mean(m, known.iter().copied().chain(registry.ids())) {
                    Some(x) => format!("did you mean `{x}`?"),
                    None => format!("{} has variants for: {}", s.service, known.join(", ")),
                };
                let what = if registry.get(m).is_some() {
                    "has no variant for"
                } else {
                    "knows no municipality"
                };
                d.error_hint(pos, path, format!("{} {what} `{m}`", s.service), hint);
            }
        }
    };
    // Without variants (its package is not here) only its own mistakes count.
    let against = !variants.is_empty();
    match &s.variants {
        VariantSelection::Only(l) | VariantSelection::Except(l) if against => {
            names(&mut d, l, root, "variants")
        }
        _ => {}
    }
    if let Some(id) = &s.identity
        && let Err(e) = Personnummer::parse_test_number(id)
    {
        d.error_hint(
            s.identity_pos.unwrap_or(root),
            "identity",
            format!("`{id}` cannot sign in: {e}"),
            "use one of Skatteverket's test personal identity numbers",
        );
    }
    for (i, step) in s.steps.iter().enumerate() {
        let path = format!("steps[{i}]");
        for l in [&step.only, &step.except]
            .into_iter()
            .flatten()
            .filter(|_| against)
        {
            names(&mut d, l, step.pos, &path);
        }
        if matches!(step.action, Action::SignIn { identity: None }) && s.identity.is_none() {
            d.error_hint(
                step.pos,
                &path,
                "sign_in without an identity",
                "set `identity:` on the scenario or write `sign_in: 19901114-2388`",
            );
        }
        if let Action::SignIn { identity: Some(id) } = &step.action
            && let Err(e) = Personnummer::parse_test_number(id)
        {
            d.error(step.pos, &path, format!("`{id}` cannot sign in: {e}"));
        }
        for v in variants
            .iter()
            .filter(|v| s.variants.includes(&v.municipality) && step.applies_to(&v.municipality))
        {
            check_step(&mut d, step, &path, v);
        }
    }
    // One message per problem, not one per variant.
    d.diags
        .dedup_by(|a, b| a.line == b.line && a.col == b.col && a.message == b.message);
    merge_variants(d.diags)
}

/// The same problem in several variants is one message naming them: "`x`
/// is not offered for `typ` in 16 variants (arvika, eda, …)", not sixteen.
/// The text before and after a message's municipality, and the
/// municipalities it was said for.
type Said = (String, String, Vec<String>);

fn merge_variants(diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
    const MARK: &str = "'s variant";
    // Each message once, with the text before and after the municipality
    // and the municipalities it was said for.
    let mut out: Vec<(Diagnostic, Option<Said>)> = Vec::new();
    for d in diags {
        let split = d.message.find(MARK).and_then(|end| {
            let start = d.message[..end].rfind(" in ")? + 4;
            Some((start, end))
        });
        let Some((start, end)) = split else {
            out.push((d, None));
            continue;
        };
        let (before, m) = (&d.message[..start], &d.message[start..end]);
        let after = &d.message[end + MARK.len()..];
        let same = out.iter_mut().find_map(|(o, parts)| match parts {
            Some((b, a, names))
                if o.line == d.line
                    && o.col == d.col
                    && o.path == d.path
                    && b == before
                    && a == after =>
            {
                Some(names)
            }
            _ => None,
        });
        match same {
            Some(names) => names.push(m.to_string()),
            None => {
                let parts = (before.to_string(), after.to_string(), vec![m.to_string()]);
                out.push((d, Some(parts)));
            }
        }
    }
    out.into_iter()
        .map(|(mut d, parts)| {
            if let Some((before, after, names)) = parts {
                let which = match names.as_slice() {
                    [one] => format!("{one}{MARK}"),
                    many => format!("{} variants ({})", many.len(), many.join(", ")),
                };
                d.message = format!("{before}{which}{after}");
            }
            d
        })
        .collect()
}

fn targets(action: &Action) -> Vec<(&Target, Option<&str>)> {
    match action {
        Action::Fill { values } | Action::Choose { values } => {
            values.iter().map(|(t, v)| (t, Some(v.as_str()))).collect()
        }
        Action::Check { targets } | Action::Uncheck { targets } => {
            targets.iter().map(|t| (t, None)).collect()
        }
        Action::Attach { files } => files.iter().map(|(t, _)| (t, None)).collect(),
        Action::ExpectError { target, .. }
        | Action::ExpectVisible { target }
        | Action::ExpectHidden { target }
        | Action::ExpectRequired { target } => vec![(target, None)],
        _ => Vec::new(),
    }
}

fn check_step(d: &mut Decoder, step: &Step, path: &str, v: &Variant) {
    let m = &v.municipality;
    for (n, (target, value)) in targets(&step.action).into_iter().enumerate() {
        // The target's own line; the step's when it was not written apart.
        let at = step.target_pos.get(n).copied().unwrap_or(step.pos);
        let Target::Field { id, part } = target else {
            continue;
        };
        if v.external_url.is_some() {
            d.error_hint(
                at,
                path,
                format!("`{m}` is hosted elsewhere: address its fields with `css:` selectors"),
                format!("or leave it out: `except: [{m}]`"),
            );
            continue;
        }
        let shown = v.field(id).filter(|(_, f)| !f.hidden);
        if shown.is_none() && step.skippable(id) {
            // Left out where the variant does not show it.
            continue;
        }
        let Some((_, f)) = v.field(id) else {
            let all: Vec<&str> = v
                .steps
                .iter()
                .flat_map(|s| &s.fields)
                .map(|f| f.id.as_str())
                .collect();
            let hint = match did_you_mean(id, all.iter().copied()) {
                Some(x) => format!("did you mean `{x}`?"),
                None => format!(
                    "limit the step to the variants that have it: `only: [...]`; fields in {m}: {}",
                    all.join(", ")
                ),
            };
            d.error_hint(
                at,
                path,
                format!("field `{id}` does not exist in {m}'s variant"),
                hint,
            );
            continue;
        };
        if f.hidden && !matches!(step.action, Action::ExpectHidden { .. }) {
            let hint = if step.action.field_ids().len() > 1 {
                format!(
                    "add `skip_where_hidden: [{id}]` to the step to fill the rest there, or `except: [{m}]` to skip the whole step"
                )
            } else {
                format!("add `except: [{m}]` to the step")
            };
            d.error_hint(
                at,
                path,
                format!("field `{id}` is hidden in {m}'s variant"),
                hint,
            );
        }
        let parts = crate::sandbox::input::parts(f.kind);
        match part {
            Some(p)
                if f.kind == FieldKind::Checkbox && !f.options.iter().any(|o| &o.value == p) =>
            {
                let offered: Vec<&str> = f.options.iter().map(|o| o.value.as_str()).collect();
                d.error_hint(
                    at,
                    path,
                    format!("`{p}` is not an option of `{id}` in {m}'s variant"),
                    format!("options there: {}", offered.join(", ")),
                );
            }
            // A checkbox's part is one of its options.
            Some(_) if f.kind == FieldKind::Checkbox => {}
            Some(p) if !parts.iter().any(|(n, _, _)| n == p) => {
                let names: Vec<&str> = parts.iter().map(|(n, _, _)| *n).collect();
                d.error(
                    at,
                    path,
                    format!(
                        "`{id}` has no part `{p}`{}",
                        if names.is_empty() {
                            String::new()
                        } else {
                            format!(" (parts: {})", names.join(", "))
                        }
                    ),
                );
            }
            None if !parts.is_empty() && matches!(step.action, Action::Fill { .. }) => {
                d.error_hint(
                    at,
                    path,
                    format!("`{id}` is a {} field: fill its parts", f.kind.name()),
                    format!("e.g. `{id}.{}: …`", parts[0].0),
                );
            }
            _ => {}
        }
        let kind_ok = match &step.action {
            Action::Fill { .. } => !matches!(
                f.kind,
                FieldKind::Radio
                    | FieldKind::Checkbox
                    | FieldKind::File
                    | FieldKind::Info
                    | FieldKind::GdprNotice
            ),
            Action::Choose { .. } => matches!(f.kind, FieldKind::Radio | FieldKind::Select),
            Action::Check { .. } | Action::Uncheck { .. } => f.kind == FieldKind::Checkbox,
            Action::Attach { .. } => f.kind == FieldKind::File,
            _ => true,
        };
        if !kind_ok {
            let verb = match f.kind {
                FieldKind::Radio | FieldKind::Select => "choose",
                FieldKind::Checkbox => "check",
                FieldKind::File => "attach",
                _ => "fill",
            };
            d.error_hint(
                at,
                path,
                format!(
                    "`{}` does not apply to `{id}`, a {} field",
                    step.action.name(),
                    f.kind.name()
                ),
                format!("use `{verb}`"),
            );
        }
        if let (Action::Choose { .. }, Some(value)) = (&step.action, value)
            && !f.options.iter().any(|o| o.value == value)
            && !super::model::nth_option(value).is_some_and(|n| n >= 1 && n <= f.options.len())
        {
            let offered: Vec<&str> = f.options.iter().map(|o| o.value.as_str()).collect();
            d.error_hint(
                at,
                path,
                format!("`{value}` is not offered for `{id}` in {m}'s variant"),
                format!("options there: {}", offered.join(", ")),
            );
        }
    }
}
