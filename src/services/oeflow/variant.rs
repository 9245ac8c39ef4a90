//! A municipality's own copy of a regional flow as its overlay: what turns
//! the base into that municipality's flow — other texts, questions removed
//! (hidden) or added, other alternatives, requirements and limits. Each
//! installation numbers its own ids, so steps and questions are matched by
//! name (their ids are slugs of their names), then by position.

use std::collections::HashMap;
use std::fmt::Write;

use super::out::{Field, Service, Step, file_yaml, q, write_options};

/// The overlay (as YAML) that turns `base` into `own`, and what it could
/// not say.
pub fn overlay(base: &Service, own: &Service, municipality: &str) -> (String, Vec<String>) {
    let mut y = String::new();
    let mut said = Vec::new();
    let _ = writeln!(
        y,
        "# Kommunens egen kopia av Open ePlatform-flödet ”{}” ({municipality}).",
        own.title
    );
    for (key, b, o) in [
        ("title", &base.title, &own.title),
        ("description", &base.description, &own.description),
    ] {
        if b != o {
            let _ = writeln!(y, "{key}: {}", q(o));
        }
    }
    if base.organisation != own.organisation
        && let Some(o) = &own.organisation
    {
        let _ = writeln!(y, "organisation: {}", q(o));
    }
    if base.receipt != own.receipt {
        let _ = writeln!(y, "receipt:\n  text: {}", q(&own.receipt));
    }
    if base.signing != own.signing {
        let _ = writeln!(y, "signing: {{ required: {} }}", own.signing);
    }
    if base.contact != own.contact && !own.contact.is_empty() {
        let _ = writeln!(y, "contact:");
        for (k, v) in &own.contact {
            let _ = writeln!(y, "  {k}: {}", q(v));
        }
    }
    if base.authentication != own.authentication || base.summary != own.summary {
        said.push("inloggning och granskningssteg kan inte skilja sig mellan kommunerna i provrummet; grundtjänstens gäller".into());
    }
    let pairs = pair_steps(&base.steps, &own.steps, &mut said);
    let mut step_titles = Vec::new();
    let mut patches: Vec<(String, Vec<String>)> = Vec::new();
    let mut added: Vec<(String, Option<String>, Field)> = Vec::new();
    let mut taken: std::collections::HashSet<String> = base
        .steps
        .iter()
        .flat_map(|s| s.fields.iter().map(|f| f.id.clone()))
        .collect();
    // Own field id → the id it has in the variant.
    let mut renamed: HashMap<String, String> = HashMap::new();
    for (bi, oi) in &pairs {
        let b = &base.steps[*bi];
        match oi {
            None => {
                for f in &b.fields {
                    patches.push((f.id.clone(), vec!["hidden: true".into()]));
                }
            }
            Some(oi) => {
                let o = &own.steps[*oi];
                if b.title != o.title {
                    step_titles.push((b.id.clone(), o.title.clone()));
                }
                fields(
                    b,
                    o,
                    municipality,
                    &mut patches,
                    &mut added,
                    &mut taken,
                    &mut renamed,
                    &mut said,
                );
            }
        }
    }
    if !step_titles.is_empty() {
        let _ = writeln!(y, "steps:");
        for (id, title) in &step_titles {
            let _ = writeln!(y, "  {}:\n    title: {}", q(id), q(title));
        }
    }
    if !patches.is_empty() {
        let _ = writeln!(y, "fields:");
        for (id, lines) in &patches {
            let _ = writeln!(y, "  {}:", q(id));
            for l in lines {
                let _ = writeln!(y, "    {l}");
            }
        }
    }
    if !added.is_empty() {
        let _ = writeln!(y, "add_fields:");
        for (step, after, f) in &mut added {
            for (on, _, _) in f.shown_when.iter_mut().chain(f.hidden_when.iter_mut()) {
                if let Some(id) = renamed.get(on) {
                    *on = id.clone();
                }
            }
            let _ = writeln!(y, "  - step: {}", q(step));
            if let Some(a) = after {
                let _ = writeln!(y, "    after: {}", q(a));
            }
            let _ = writeln!(y, "    field:");
            f.write_at(&mut y, "      ", "      ");
        }
    }
    (y, said)
}

/// Each base step with its own counterpart (by id, then in order).
fn pair_steps(base: &[Step], own: &[Step], said: &mut Vec<String>) -> Vec<(usize, Option<usize>)> {
    let mut used = vec![false; own.len()];
    let mut pairs: Vec<(usize, Option<usize>)> = base
        .iter()
        .map(|b| {
            let hit = own.iter().position(|o| o.id == b.id);
            if let Some(i) = hit {
                used[i] = true;
            }
            hit
        })
        .enumerate()
        .collect();
    for (bi, slot) in pairs.iter_mut() {
        if slot.is_none() {
            let free = (0..own.len())
                .find(|&i| !used[i] && i >= (*bi).min(own.len().saturating_sub(1)))
                .or_else(|| (0..own.len()).find(|&i| !used[i]));
            if let Some(i) = free {
                used[i] = true;
                *slot = Some(i);
            }
        }
    }
    for (i, o) in own.iter().enumerate() {
        if !used[i] {
            said.push(format!(
                "steget ”{}” finns bara i kommunens flöde; provrummet kan inte lägga till steg, så dess frågor förs inte över",
                o.title
            ));
        }
    }
    pairs
}

#[allow(clippy::too_many_arguments)]
fn fields(
    b: &Step,
    o: &Step,
    municipality: &str,
    patches: &mut Vec<(String, Vec<String>)>,
    added: &mut Vec<(String, Option<String>, Field)>,
    taken: &mut std::collections::HashSet<String>,
    renamed: &mut HashMap<String, String>,
    said: &mut Vec<String>,
) {
    // Match by id (same name), then the rest in order when of the same kind.
    let mut partner: Vec<Option<usize>> = b
        .fields
        .iter()
        .map(|bf| o.fields.iter().position(|of| of.id == bf.id))
        .collect();
    let mut used: Vec<bool> = (0..o.fields.len())
        .map(|i| partner.contains(&Some(i)))
        .collect();
    for (bi, slot) in partner.iter_mut().enumerate() {
        if slot.is_none() {
            let kind = b.fields[bi].kind;
            if let Some(i) = (0..o.fields.len()).find(|&i| !used[i] && o.fields[i].kind == kind) {
                used[i] = true;
                *slot = Some(i);
            }
        }
    }
    for (bi, slot) in partner.iter().enumerate() {
        let bf = &b.fields[bi];
        match slot {
            None => patches.push((bf.id.clone(), vec!["hidden: true".into()])),
            Some(oi) => {
                let of = &o.fields[*oi];
                renamed.insert(of.id.clone(), bf.id.clone());
                let lines = patch(bf, of, said);
                if !lines.is_empty() {
                    patches.push((bf.id.clone(), lines));
                }
            }
        }
    }
    // The municipality's own questions, each after the one before it.
    let mut previous: Option<String> = None;
    for (oi, of) in o.fields.iter().enumerate() {
        if let Some(bi) = partner.iter().position(|p| *p == Some(oi)) {
            previous = Some(b.fields[bi].id.clone());
            continue;
        }
        let mut f = of.clone();
        if taken.contains(&f.id) {
            f.id = format!("{}-{municipality}", f.id);
        }
        taken.insert(f.id.clone());
        renamed.insert(of.id.clone(), f.id.clone());
        let after = previous.clone();
        previous = Some(f.id.clone());
        added.push((b.id.clone(), after, f));
    }
}

/// The changes that make `b` into `o`, as the overlay's lines.
fn patch(b: &Field, o: &Field, said: &mut Vec<String>) -> Vec<String> {
    let mut lines = Vec::new();
    if b.label != o.label && !o.label.is_empty() {
        lines.push(format!("label: {}", q(&o.label)));
    }
    if b.help != o.help {
        lines.push(format!("help: {}", q(o.help.as_deref().unwrap_or(""))));
    }
    if b.text != o.text
        && let Some(t) = &o.text
    {
        lines.push(format!("text: {}", q(t)));
    }
    if b.required != o.required {
        lines.push(format!("required: {}", o.required));
    }
    if b.hidden != o.hidden {
        lines.push(format!("hidden: {}", o.hidden));
    }
    if b.options != o.options && !o.options.is_empty() {
        let mut y = String::from("options:\n");
        write_options(&mut y, "  ", &o.options);
        lines.push(y.trim_end().replace("\n  ", "\n    "));
    }
    let changed: Vec<&(&str, String)> = o
        .validation
        .iter()
        .filter(|kv| !b.validation.contains(kv))
        .collect();
    if !changed.is_empty() {
        let mut l = String::from("validation:");
        for (k, v) in changed {
            l.push_str(&format!("\n      {k}: {v}"));
        }
        lines.push(l);
    }
    if b.validation
        .iter()
        .any(|(k, _)| !o.validation.iter().any(|(ok, _)| ok == k))
    {
        said.push(format!(
            "”{}”: en kontroll som bara grundtjänsten har kan ett tillägg inte ta bort",
            o.label
        ));
    }
    if b.file != o.file
        && let Some(file) = &o.file
    {
        lines.push(format!("file: {}", file_yaml(file)));
    }
    if b.shown_when != o.shown_when || b.hidden_when != o.hidden_when {
        said.push(format!(
            "”{}” visas på andra villkor i kommunens flöde; ett tillägg kan inte ändra villkoret, grundtjänstens gäller",
            if o.label.is_empty() { &o.id } else { &o.label }
        ));
    }
    lines
}
