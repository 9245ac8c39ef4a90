//! Decoding scenario files with every problem at `file:line:col`.

use std::path::Path;

use crate::yaml::{self, Decoder, Diagnostic, Node, NodeKind, Pos, did_you_mean};

use super::model::*;

pub const ACTIONS: &[&str] = &[
    "open",
    "start",
    "sign_in",
    "fill",
    "choose",
    "check",
    "uncheck",
    "attach",
    "next",
    "back",
    "submit",
    "sign",
    "click",
    "press",
    "expect_text",
    "expect_no_text",
    "expect_error",
    "expect_visible",
    "expect_hidden",
    "expect_required",
    "expect_receipt",
    "expect_submitted",
    "checkpoint",
];

/// Parse one scenario file's text.
pub fn scenario(file: &Path, text: &str) -> Result<Scenario, Vec<Diagnostic>> {
    match partial(file, text) {
        (Some(s), d) if d.is_empty() => Ok(s),
        (_, d) => Err(d),
    }
}

/// Parse what can be parsed, with every problem: steps that did not parse are
/// left out, so the rest can still be checked against the service.
pub fn partial(file: &Path, text: &str) -> (Option<Scenario>, Vec<Diagnostic>) {
    let root = match yaml::parse(file, text) {
        Ok(r) => r,
        Err(e) => return (None, vec![e]),
    };
    let mut d = Decoder::new(file);
    let out = decode(&mut d, &root, file);
    (out, d.diags)
}

fn decode(d: &mut Decoder, root: &Node, file: &Path) -> Option<Scenario> {
    let mut m = d.map(root, "")?;
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let id = m.opt_str(d, "scenario").unwrap_or(stem);
    let title = m.req_str(d, "title");
    let service = m.req_str(d, "service");
    let version = m.opt_str(d, "version");
    let identity = m.opt_str(d, "identity");
    let identity_pos = m.value_pos("identity");
    let variants = match m.get("variants") {
        None => VariantSelection::All,
        Some(n) => variants(d, n),
    };
    let steps = match m.require(d, "steps") {
        Some(n) => steps(d, n, file),
        None => Vec::new(),
    };
    m.finish(d);
    Some(Scenario {
        id,
        title: title?,
        service: service?,
        version,
        variants,
        identity,
        identity_pos,
        steps,
        file: file.to_path_buf(),
    })
}

fn variants(d: &mut Decoder, n: &Node) -> VariantSelection {
    match &n.kind {
        NodeKind::Scalar { value, .. } if value == "all" => VariantSelection::All,
        NodeKind::Map(_) => {
            let Some(mut m) = d.map(n, "variants") else {
                return VariantSelection::All;
            };
            let only = m.opt_str_list(d, "only");
            let except = m.opt_str_list(d, "except");
            m.finish(d);
            match (only, except) {
                (Some(o), None) => VariantSelection::Only(o),
                (None, Some(e)) => VariantSelection::Except(e),
                (None, None) => VariantSelection::All,
                (Some(o), Some(_)) => {
                    d.error(
                        n.pos,
                        "variants",
                        "give either `only` or `except`, not both",
                    );
                    VariantSelection::Only(o)
                }
            }
        }
        _ => d
            .str_list(n, "variants")
            .map(VariantSelection::Only)
            .unwrap_or(VariantSelection::All),
    }
}

fn steps(d: &mut Decoder, n: &Node, file: &Path) -> Vec<Step> {
    let Some(items) = d.seq(n, "steps") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let path = format!("steps[{i}]");
        if let Some(s) = step(d, item, &path, file) {
            out.push(s);
        }
    }
    out
}

fn unknown_action(d: &mut Decoder, node: &Node, path: &str, name: &str) {
    let hint = match did_you_mean(name, ACTIONS.iter().copied()) {
        Some(m) => format!("did you mean `{m}`?"),
        None => format!("actions: {}", ACTIONS.join(", ")),
    };
    d.error_hint(node.pos, path, format!("unknown action `{name}`"), hint);
}

fn step(d: &mut Decoder, item: &Node, path: &str, file: &Path) -> Option<Step> {
    if let NodeKind::Scalar { value, .. } = &item.kind {
        let action = match value.as_str() {
            "open" => Action::Open,
            "start" => Action::Start,
            "sign_in" => Action::SignIn { identity: None },
            "next" => Action::Next,
            "back" => Action::Back,
            "submit" => Action::Submit,
            "sign" => Action::Sign,
            "expect_receipt" => Action::ExpectReceipt,
            other if ACTIONS.contains(&other) => {
                d.error_hint(
                    item.pos,
                    path,
                    format!("`{other}` needs a value"),
                    format!("write `- {other}: …`"),
                );
                return None;
            }
            other => {
                unknown_action(d, item, path, other);
                return None;
            }
        };
        return Some(Step {
            action,
            only: None,
            except: None,
            skip_where_hidden: Vec::new(),
            pos: item.pos,
            target_pos: Vec::new(),
        });
    }
    let NodeKind::Map(pairs) = &item.kind else {
        d.error(
            item.pos,
            path,
            format!(
                "a step is an action name or `action: value`, found {}",
                item.describe()
            ),
        );
        return None;
    };
    let mut only = None;
    let mut except = None;
    let mut skip_where_hidden: Option<(Vec<String>, Pos, String)> = None;
    let mut action = None;
    let mut target_pos = Vec::new();
    for (k, v) in pairs {
        let Some(key) = d.str(k, path) else { continue };
        let kp = format!("{path}.{key}");
        match key.as_str() {
            "only" => only = d.str_list(v, &kp),
            "except" => except = d.str_list(v, &kp),
            "skip_where_hidden" => {
                skip_where_hidden = d.str_list(v, &kp).map(|l| (l, v.pos, kp.clone()))
            }
            name if ACTIONS.contains(&name) => {
                if action.is_some() {
                    d.error_hint(
                        k.pos,
                        &kp,
                        "a step has exactly one action",
                        "split it into two steps",
                    );
                    continue;
                }
                target_pos = match &v.kind {
                    NodeKind::Map(entries) => entries.iter().map(|(key, _)| key.pos).collect(),
                    NodeKind::Seq(items) => items.iter().map(|i| i.pos).collect(),
                    NodeKind::Scalar { .. } => vec![v.pos],
                };
                action = Some(decode_action(d, name, v, &kp, file));
            }
            other => unknown_action(d, k, &kp, other),
        }
    }
    let Some(action) = action else {
        d.error(item.pos, path, "the step has no action");
        return None;
    };
    let action = action?;
    let skip = match skip_where_hidden {
        Some((list, pos, kp)) => {
            // Only fields this step acts on can be skipped.
            let named: Vec<String> = action.field_ids();
            for id in list.iter().filter(|id| !named.contains(id)) {
                d.error_hint(
                    pos,
                    &kp,
                    format!("`{id}` is not a field this step fills, chooses, checks or attaches"),
                    match named.is_empty() {
                        true => "`skip_where_hidden` belongs on a fill, choose, check, uncheck or attach step".to_string(),
                        false => format!("fields of this step: {}", named.join(", ")),
                    },
                );
            }
            list
        }
        None => Vec::new(),
    };
    Some(Step {
        action,
        only,
        except,
        skip_where_hidden: skip,
        pos: item.pos,
        target_pos,
    })
}

fn pairs(d: &mut Decoder, v: &Node, path: &str) -> Vec<(Target, String)> {
    let Some(mut m) = d.map(v, path) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (k, val) in m.entries() {
        let (Some(key), Some(value)) = (d.str(k, path), scalar_text(d, val, path)) else {
            continue;
        };
        out.push((Target::parse(&key), value));
    }
    if out.is_empty() {
        d.error(v.pos, path, "give at least one `field: value`");
    }
    out
}

/// Any scalar as text; numbers and booleans are typed as the browser would.
fn scalar_text(d: &mut Decoder, v: &Node, path: &str) -> Option<String> {
    match &v.kind {
        NodeKind::Scalar { value, .. } => Some(value.clone()),
        _ => {
            d.error(
                v.pos,
                path,
                format!("expected a value, found {}", v.describe()),
            );
            None
        }
    }
}

fn decode_action(d: &mut Decoder, name: &str, v: &Node, path: &str, file: &Path) -> Option<Action> {
    let text = |d: &mut Decoder| d.str(v, path);
    Some(match name {
        "open" => Action::Open,
        "start" => Action::Start,
        "next" => Action::Next,
        "back" => Action::Back,
        "submit" => Action::Submit,
        "sign" => Action::Sign,
        "expect_receipt" => Action::ExpectReceipt,
        "sign_in" => Action::SignIn {
            identity: if v.is_null() { None } else { Some(text(d)?) },
        },
        "fill" => Action::Fill {
            values: pairs(d, v, path),
        },
        "choose" => Action::Choose {
            values: pairs(d, v, path),
        },
        "check" => Action::Check {
            targets: d
                .str_list(v, path)?
                .iter()
                .map(|s| Target::parse(s))
                .collect(),
        },
        "uncheck" => Action::Uncheck {
            targets: d
                .str_list(v, path)?
                .iter()
                .map(|s| Target::parse(s))
                .collect(),
        },
        "attach" => {
            let base = file.parent().unwrap_or(Path::new("."));
            let files = pairs(d, v, path)
                .into_iter()
                .map(|(t, p)| (t, base.join(p)))
                .collect::<Vec<_>>();
            for (_, p) in &files {
                if !p.is_file() {
                    d.error_hint(
                        v.pos,
                        path,
                        format!("no such file `{}`", p.display()),
                        "paths are relative to the scenario file",
                    );
                }
            }
            Action::Attach { files }
        }
        "click" => Action::Click { selector: text(d)? },
        "press" => Action::Press { selector: text(d)? },
        "expect_text" => Action::ExpectText { text: text(d)? },
        "expect_no_text" => Action::ExpectNoText { text: text(d)? },
        "expect_visible" => Action::ExpectVisible {
            target: Target::parse(&text(d)?),
        },
        "expect_hidden" => Action::ExpectHidden {
            target: Target::parse(&text(d)?),
        },
        "expect_required" => Action::ExpectRequired {
            target: Target::parse(&text(d)?),
        },
        "checkpoint" => Action::Checkpoint { name: text(d)? },
        "expect_error" => {
            let mut m = d.map(v, path)?;
            let field = m.req_str(d, "field");
            let contains = m.req_str(d, "contains");
            m.finish(d);
            Action::ExpectError {
                target: Target::parse(&field?),
                contains: contains?,
            }
        }
        "expect_submitted" => {
            let mut m = d.map(v, path)?;
            let p = m.req_str(d, "path");
            let equals = match m.require(d, "equals") {
                Some(n) => match &n.kind {
                    NodeKind::Seq(_) => {
                        d.str_list(n, &m.at("equals")).map(|l| serde_json::json!(l))
                    }
                    _ => scalar_text(d, n, &m.at("equals")).map(serde_json::Value::String),
                },
                None => None,
            };
            m.finish(d);
            Action::ExpectSubmitted {
                path: p?,
                equals: equals?,
            }
        }
        _ => return None,
    })
}
