//! Reading the catalogue file, every problem as file:line:col with a hint.

use std::path::Path;

use crate::yaml::{Decoder, Diagnostic, Node, NodeKind, did_you_mean, parse as parse_yaml};

use super::model::*;

/// The municipalities' size classes, as the registry names them.
const SIZE_CLASSES: [&str; 3] = ["liten", "medel", "stor"];

fn reference(d: &mut Decoder, n: &Node, path: &str) -> Option<Reference> {
    let mut m = d.map(n, path)?;
    let r = Reference {
        law: m.req_str(d, "law")?,
        section: m.req_str(d, "section").unwrap_or_default(),
        verified: m.opt_bool(d, "verified").unwrap_or(false),
    };
    m.finish(d);
    Some(r)
}

fn term(d: &mut Decoder, n: &Node, path: &str) -> Option<Term> {
    let mut m = d.map(n, path)?;
    let preferred = m.req_str(d, "preferred");
    let avoid_pos = m.value_pos("avoid");
    let avoid = m.opt_str_list(d, "avoid").unwrap_or_default();
    if avoid.is_empty() {
        d.error_hint(
            avoid_pos.unwrap_or(m.pos()),
            &m.at("avoid"),
            "a term needs the words to avoid",
            "write `avoid: [störning]`",
        );
    }
    let why = m.opt_str(d, "why");
    let scope_pos = m.value_pos("in");
    let mut scope = Vec::new();
    for s in m.opt_str_list(d, "in").unwrap_or_default() {
        match Scope::ALL.iter().find(|(name, _)| *name == s) {
            Some((_, sc)) => scope.push(*sc),
            None => {
                let names = Scope::ALL.map(|(n, _)| n);
                let hint = match did_you_mean(&s, names) {
                    Some(x) => format!("did you mean `{x}`?"),
                    None => format!("use {}", names.join(", ")),
                };
                d.error_hint(
                    scope_pos.unwrap_or(m.pos()),
                    &m.at("in"),
                    format!("unknown place `{s}`"),
                    hint,
                );
            }
        }
    }
    if scope.is_empty() {
        scope = Scope::ALL.map(|(_, s)| s).to_vec();
    }
    let pos = m.pos();
    m.finish(d);
    Some(Term {
        preferred: preferred?,
        avoid: avoid
            .iter()
            .map(|w| w.trim().to_lowercase())
            .filter(|w| !w.is_empty())
            .collect(),
        why,
        scope,
        pos,
    })
}

fn signing(d: &mut Decoder, n: &Node, path: &str) -> Option<SigningStandard> {
    let mut m = d.map(n, path)?;
    let required = m
        .get("required")
        .and_then(|v| d.bool(v, &format!("{path}.required")));
    if required.is_none() {
        d.error_hint(
            m.pos(),
            &m.at("required"),
            "say whether the service needs a signature",
            "write `required: true` or `required: false`",
        );
    }
    let basis = m.req_str(d, "basis");
    let mut references = Vec::new();
    if let Some(list) = m.get("references")
        && let Some(seq) = d.seq(list, &format!("{path}.references"))
    {
        for (i, r) in seq.iter().enumerate() {
            references.extend(reference(d, r, &format!("{path}.references[{i}]")));
        }
    }
    m.finish(d);
    Some(SigningStandard {
        required: required?,
        basis: basis?,
        references,
    })
}

fn handling(d: &mut Decoder, n: &Node, path: &str) -> Option<HandlingDays> {
    let mut m = d.map(n, path)?;
    let mut days = [None; 3];
    for (i, class) in SIZE_CLASSES.iter().enumerate() {
        days[i] = m
            .get(class)
            .and_then(|v| d.u64(v, &format!("{path}.{class}")));
        if days[i].is_none() && m.value_pos(class).is_none() {
            d.error_hint(
                m.pos(),
                &m.at(class),
                format!("missing the handling time for `{class}` municipalities"),
                "give days for liten, medel and stor",
            );
        }
    }
    m.finish(d);
    Some(HandlingDays {
        small: days[0]?,
        medium: days[1]?,
        large: days[2]?,
    })
}

fn entry(d: &mut Decoder, id: &str, n: &Node, path: &str) -> Option<Entry> {
    let mut m = d.map(n, path)?;
    let name = m.req_str(d, "name");
    let avoid_names = m.opt_str_list(d, "avoid_names").unwrap_or_default();
    let description = m.req_str(d, "description");
    let category = m.req_str(d, "category");
    let committee = m.req_str(d, "committee");
    let signing = m
        .require(d, "signing")
        .and_then(|v| signing(d, v, &format!("{path}.signing")));
    let handling_days = m
        .require(d, "handling_days")
        .and_then(|v| handling(d, v, &format!("{path}.handling_days")));
    let pos = m.pos();
    m.finish(d);
    Some(Entry {
        id: id.to_string(),
        name: name?,
        avoid_names,
        description: description?,
        category: category?,
        committee: committee?,
        signing: signing?,
        handling_days: handling_days?,
        management: Vec::new(),
        tags: Vec::new(),
        from_region: None,
        pos,
    })
}

/// A catalogue from its text, or every problem in it.
pub fn catalogue(file: &Path, text: &str) -> Result<Catalogue, Vec<Diagnostic>> {
    let root = parse_yaml(file, text).map_err(|e| vec![e])?;
    let mut d = Decoder::new(file);
    let mut out = None;
    if let Some(mut m) = d.map(&root, "") {
        let region = m.req_str(&mut d, "region");
        let mut terms = Vec::new();
        if let Some(list) = m.get("terms")
            && let Some(seq) = d.seq(list, "terms")
        {
            for (i, n) in seq.iter().enumerate() {
                terms.extend(term(&mut d, n, &format!("terms[{i}]")));
            }
        }
        let mut services = Vec::new();
        if let Some(list) = m.require(&mut d, "services")
            && let Some(mut sm) = d.map(list, "services")
        {
            for (k, v) in sm.entries() {
                let NodeKind::Scalar { value: id, .. } = &k.kind else {
                    continue;
                };
                services.extend(entry(&mut d, id, v, &format!("services.{id}")));
            }
        }
        m.finish(&mut d);
        if let Some(region) = region {
            out = Some(Catalogue {
                file: file.to_path_buf(),
                region,
                terms,
                services,
            });
        }
    }
    match out {
        Some(c) if d.diags.is_empty() => Ok(c),
        _ => Err(d.diags),
    }
}
