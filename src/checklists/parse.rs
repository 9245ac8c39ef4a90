//! Reading checklist files with every problem reported as file:line:col.

use std::path::{Path, PathBuf};

use crate::yaml::{Decoder, Diagnostic, Node, NodeKind, did_you_mean, parse as parse_yaml};

use super::model::*;

fn reference(d: &mut Decoder, n: &Node, path: &str) -> Option<Reference> {
    let mut m = d.map(n, path)?;
    let r = Reference {
        law: m.req_str(d, "law")?,
        section: m.req_str(d, "section").unwrap_or_default(),
        link: m.opt_str(d, "link"),
        verified: m.opt_bool(d, "verified").unwrap_or(false),
    };
    m.finish(d);
    Some(r)
}

fn scalar(n: &Node) -> &str {
    match &n.kind {
        NodeKind::Scalar { value, .. } => value,
        _ => "",
    }
}

/// A check's parameters as JSON (plain numbers and booleans typed).
fn json_of(n: &Node) -> serde_json::Value {
    match &n.kind {
        NodeKind::Map(entries) => serde_json::Value::Object(
            entries
                .iter()
                .map(|(k, v)| (scalar(k).to_string(), json_of(v)))
                .collect(),
        ),
        NodeKind::Seq(items) => serde_json::Value::Array(items.iter().map(json_of).collect()),
        NodeKind::Scalar { value: s, .. } => s
            .parse::<i64>()
            .map(serde_json::Value::from)
            .or_else(|_| s.parse::<bool>().map(serde_json::Value::from))
            .unwrap_or_else(|_| serde_json::Value::from(s.as_str())),
    }
}

fn item(d: &mut Decoder, file: &Path, n: &Node, path: &str) -> Option<Item> {
    let mut m = d.map(n, path)?;
    let id = m.req_str(d, "id");
    let title = m.req_str(d, "title");
    let description = m.opt_str(d, "description").unwrap_or_default();
    let mut references = Vec::new();
    if let Some(list) = m.get("references")
        && let Some(seq) = d.seq(list, &format!("{path}.references"))
    {
        for (i, r) in seq.iter().enumerate() {
            references.extend(reference(d, r, &format!("{path}.references[{i}]")));
        }
    }
    let kind_pos = m.value_pos("kind");
    let kind = match m.req_str(d, "kind") {
        Some(k) => match Kind::parse(&k) {
            Some(k) => Some(k),
            None => {
                d.error_hint(
                    kind_pos.unwrap_or(m.pos()),
                    &format!("{path}.kind"),
                    format!("unknown kind `{k}`"),
                    "use automatic, manual or both",
                );
                None
            }
        },
        None => None,
    };
    let check_pos = m.value_pos("check");
    let check = m.opt_str(d, "check");
    if let Some(c) = &check
        && !CHECKS.contains(&c.as_str())
    {
        let hint = did_you_mean(c, CHECKS.iter().copied())
            .map(|s| format!("did you mean `{s}`?"))
            .unwrap_or_else(|| format!("known checks: {}", CHECKS.join(", ")));
        d.error_hint(
            check_pos.unwrap_or(m.pos()),
            &format!("{path}.check"),
            format!("unknown automatic check `{c}`"),
            hint,
        );
    }
    if matches!(kind, Some(Kind::Automatic | Kind::Both)) && check.is_none() {
        d.error_hint(
            m.pos(),
            path,
            "an automatic item needs a `check`",
            format!("known checks: {}", CHECKS.join(", ")),
        );
    }
    let params_pos = m.value_pos("params");
    let mut params = m
        .get("params")
        .map(json_of)
        .unwrap_or(serde_json::Value::Null);
    // The term check reads the region's catalogue, named relative to the
    // checklist file: resolved here, where the file is known.
    if check.as_deref() == Some("preferred_terms") {
        match params["catalogue"].as_str() {
            Some(rel) => {
                let at = file.parent().unwrap_or(Path::new(".")).join(rel);
                params["catalogue"] = serde_json::Value::from(at.display().to_string());
            }
            None => d.error_hint(
                params_pos.unwrap_or(m.pos()),
                &format!("{path}.params"),
                "preferred_terms needs the region's catalogue",
                "write `params: { catalogue: ../catalogue.yaml }` (relative to this file)",
            ),
        }
    }
    let cond_pos = m.value_pos("applies_when");
    let mut applies_when = Vec::new();
    for c in m.opt_str_list(d, "applies_when").unwrap_or_default() {
        match Condition::ALL.iter().find(|(n, _)| *n == c) {
            Some((_, cond)) => applies_when.push(*cond),
            None => d.error_hint(
                cond_pos.unwrap_or(m.pos()),
                &format!("{path}.applies_when"),
                format!("unknown condition `{c}`"),
                "use personal_data, signing, authentication or attachments",
            ),
        }
    }
    let sev_pos = m.value_pos("severity");
    let severity = match m.opt_str(d, "severity").as_deref() {
        None | Some("blocking") => Severity::Blocking,
        Some("advisory") => Severity::Advisory,
        Some(other) => {
            d.error_hint(
                sev_pos.unwrap_or(m.pos()),
                &format!("{path}.severity"),
                format!("unknown severity `{other}`"),
                "use blocking or advisory",
            );
            Severity::Blocking
        }
    };
    m.finish(d);
    Some(Item {
        id: id?,
        title: title?,
        description,
        references,
        kind: kind?,
        check,
        params,
        applies_when,
        severity,
    })
}

/// A checklist from its text, or every problem in it.
pub fn checklist(file: &Path, text: &str) -> Result<Checklist, Vec<Diagnostic>> {
    let root = parse_yaml(file, text).map_err(|e| vec![e])?;
    let mut d = Decoder::new(file);
    let mut out = None;
    if let Some(mut m) = d.map(&root, "") {
        let id = m.req_str(&mut d, "checklist");
        let title = m.req_str(&mut d, "title");
        let mut items: Vec<Item> = Vec::new();
        if let Some(list) = m.require(&mut d, "items")
            && let Some(seq) = d.seq(list, "items")
        {
            let mut ids = std::collections::HashSet::new();
            for (i, n) in seq.iter().enumerate() {
                let path = format!("items[{i}]");
                // Duplicates are found even among items with other problems.
                if let NodeKind::Map(pairs) = &n.kind
                    && let Some((_, v)) = pairs.iter().find(|(k, _)| scalar(k) == "id")
                {
                    let id = scalar(v).to_string();
                    if ids.contains(&id) {
                        d.error(
                            v.pos,
                            &format!("{path}.id"),
                            format!("duplicate item id `{id}`"),
                        );
                    }
                    ids.insert(id);
                }
                items.extend(item(&mut d, file, n, &path));
            }
        }
        m.finish(&mut d);
        if let (Some(id), Some(title)) = (id, title) {
            out = Some(Checklist { id, title, items });
        }
    }
    match out {
        Some(c) if d.diags.is_empty() => Ok(c),
        _ => Err(d.diags),
    }
}

/// Every checklist under `dir` (`*.yaml`), sorted by file name.
pub fn load_dir(dir: &Path) -> Result<Vec<Checklist>, Vec<Diagnostic>> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| {
            vec![Diagnostic::new(
                dir,
                crate::yaml::Pos { line: 1, col: 1 },
                "",
                format!("cannot read the folder: {e}"),
            )]
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")))
        .collect();
    paths.sort();
    let (mut out, mut diags) = (Vec::new(), Vec::new());
    for p in paths {
        match crate::yaml::read_text(&p) {
            Ok(text) => match checklist(&p, &text) {
                Ok(c) => out.push(c),
                Err(d) => diags.extend(d),
            },
            Err(d) => diags.push(d),
        }
    }
    if diags.is_empty() {
        Ok(out)
    } else {
        Err(diags)
    }
}
