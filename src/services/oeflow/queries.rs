//! One query (question) of a flow as Provrum fields. The type comes from the
//! type element's tag (the child of `QueryDescriptor` that is none of the
//! descriptor's own fields), never from `queryTypeID`, which old files
//! carry as a number.

use roxmltree::Node;

use super::html;
use super::out::{Field, Ids};
use super::read::{child, flag, number, pos, sorted, text};
use super::{Notes, Problem};

/// The descriptor's own children; any other element is the type element.
const DESCRIPTOR_FIELDS: &[&str] = &[
    "queryID",
    "name",
    "comment",
    "sortIndex",
    "defaultQueryState",
    "queryTypeID",
    "exported",
    "xsdElementName",
    "queryInstanceDescriptors",
    "EvaluatorDescriptors",
    "mergeWithPreviousQuery",
];

/// The query's type element and its tag name.
pub fn type_element<'a, 'i>(q: Node<'a, 'i>) -> Option<(Node<'a, 'i>, &'a str)> {
    q.children()
        .filter(|c| c.is_element())
        .find(|c| !DESCRIPTOR_FIELDS.contains(&c.tag_name().name()))
        .map(|c| (c, c.tag_name().name()))
}

/// A question as converted: its fields, and what a rule needs to know of it.
pub struct Converted {
    pub fields: Vec<Field>,
    /// alternativeID → option value (choice questions).
    pub alternatives: Vec<(String, String)>,
    /// The free-text alternative's option value, when the question has one.
    pub free_text: Option<String>,
    /// The field a rule on this question tests (choice questions).
    pub choice_field: Option<String>,
}

/// Convert the query `q`: `state` is its `defaultQueryState`.
pub fn convert(q: Node, ids: &mut Ids, notes: &mut Notes) -> Result<Converted, Problem> {
    let name = text(q, "name").unwrap_or_default();
    let state = text(q, "defaultQueryState").unwrap_or_else(|| "VISIBLE".into());
    let required = state == "VISIBLE_REQUIRED";
    let hidden = state == "HIDDEN";
    let mut done = Converted {
        fields: Vec::new(),
        alternatives: Vec::new(),
        free_text: None,
        choice_field: None,
    };
    let Some((t, tag)) = type_element(q) else {
        notes.warn(
            pos(q),
            format!("frågan ”{name}” saknar sin typ; den visas som information"),
        );
        done.fields.push(info(ids, &name, None, hidden));
        return Ok(done);
    };
    let help = help_of(t, notes);
    let base = |ids: &mut Ids, kind: &'static str, label: &str| Field {
        id: ids.unique(label),
        kind,
        label: label.to_string(),
        help: help.clone(),
        required,
        hidden,
        ..Field::default()
    };
    match tag {
        "TextFieldQuery" => {
            let fields = sorted(t, "Fields", "TextField");
            if fields.len() > 1 {
                // The question's title over its fields.
                done.fields.push(info(ids, &name, help.clone(), hidden));
            }
            for tf in fields {
                let label = match text(tf, "label") {
                    Some(l) if fields_len(t) > 1 => l,
                    _ => name.clone(),
                };
                let mut f = base(ids, "text", &label);
                if fields_len(t) > 1 {
                    f.help = None;
                }
                f.required = required && flag(tf, "required");
                f.optional_part = !flag(tf, "required");
                super::validators::apply(tf, &mut f, notes);
                done.fields.push(f);
            }
            if done.fields.is_empty() {
                notes.warn(pos(t), format!("textfrågan ”{name}” har inga fält"));
            }
        }
        "TextAreaQuery" => {
            let mut f = base(ids, "textarea", &name);
            if let Some(n) = number(t, "maxLength").filter(|n| *n > 0) {
                f.validation.push(("max_length", n.to_string()));
            }
            done.fields.push(f);
        }
        "RadioButtonQuery" | "DropDownQuery" | "CheckboxQuery" => {
            let (kind, item) = match tag {
                "RadioButtonQuery" => ("radio", "RadioButtonAlternative"),
                "DropDownQuery" => ("select", "DropDownAlternative"),
                _ => ("checkbox", "CheckboxAlternative"),
            };
            let mut f = base(ids, kind, &name);
            let mut taken = Ids::default();
            for a in sorted(t, "Alternatives", item) {
                let label = text(a, "name").unwrap_or_default();
                let wanted = text(a, "xmlValue")
                    .or_else(|| text(a, "value"))
                    .unwrap_or_else(|| label.clone());
                let value = taken.unique(&wanted);
                if let Some(id) = text(a, "alternativeID") {
                    done.alternatives.push((id, value.clone()));
                }
                f.options.push((value, label));
            }
            let free = text(t, "freeTextAlternative");
            if f.options.is_empty() && free.is_none() {
                let (line, col) = pos(t);
                return Err(Problem::at(
                    line,
                    col,
                    format!(
                        "valfrågan ”{name}” har inga alternativ; exportera flödet på nytt eller lägg till alternativ i Open ePlatform"
                    ),
                ));
            }
            if tag == "CheckboxQuery" {
                checked_counts(t, &mut f);
            }
            let choice = f.id.clone();
            done.choice_field = Some(choice.clone());
            let mut other = None;
            if let Some(label) = free {
                // The free-text alternative: an option, and the text asked
                // for when it is chosen.
                let value = taken.unique("annat");
                f.options.push((value.clone(), label.clone()));
                other = Some(Field {
                    id: ids.unique(&format!("{choice}-{value}")),
                    kind: "text",
                    label: format!("{label}, nämligen"),
                    required,
                    hidden,
                    shown_when: vec![(choice.clone(), vec![value.clone()], false)],
                    validation: vec![("max_length", "255".into())],
                    ..Field::default()
                });
                done.free_text = Some(value);
            }
            done.fields.push(f);
            done.fields.extend(other);
        }
        "FileUploadQuery" => {
            let mut f = base(ids, "file", &name);
            f.file = Some(super::validators::file_rules(t, notes));
            done.fields.push(f);
        }
        "FileInfoQuery" => {
            // Information (its files are not exported): the name and text.
            done.fields.push(info(ids, &name, help.clone(), hidden));
        }
        "ContactDetailQuery" => done.fields.extend(super::parts::contact(
            t, &name, &help, required, hidden, ids, notes,
        )),
        "OrganizationDetailQuery" => done.fields.extend(super::parts::organisation(
            t, &name, &help, required, hidden, ids, notes,
        )),
        other => {
            notes.warn(
                pos(t),
                format!("frågan ”{name}” är av typen {other}, som provrummet inte har; den visas som information"),
            );
            let mut f = info(ids, &name, help.clone(), hidden);
            f.comments.push(format!(
                "Open ePlatform-frågan {other} visas som information."
            ));
            done.fields.push(f);
        }
    }
    if flag(t, "hideTitle") {
        notes.warn(
            pos(t),
            format!("frågan ”{name}” döljer sin rubrik i Open ePlatform; provrummet visar den"),
        );
    }
    Ok(done)
}

fn fields_len(t: Node) -> usize {
    sorted(t, "Fields", "TextField").len()
}

/// An information block: the question's name and text.
fn info(ids: &mut Ids, name: &str, body: Option<String>, hidden: bool) -> Field {
    let text = match body {
        Some(b) if !name.is_empty() => format!("{name}\n\n{b}"),
        Some(b) => b,
        None => name.to_string(),
    };
    Field {
        id: ids.unique(name),
        kind: "info",
        text: Some(text),
        hidden,
        ..Field::default()
    }
}

/// The description (shown above the input) and the help text (behind "?"),
/// as one plain text.
fn help_of(t: Node, notes: &mut Notes) -> Option<String> {
    let mut parts = Vec::new();
    for key in ["description", "helpText"] {
        if let Some(h) = text(t, key) {
            let (plain, dropped) = html::to_rich(&h);
            if !dropped.is_empty() {
                let at = child(t, key).map(pos).unwrap_or((1, 1));
                notes.warn(at, format!("togs bort ur texten: {}", dropped.join(", ")));
            }
            if !plain.is_empty() {
                parts.push(plain);
            }
        }
    }
    (!parts.is_empty()).then(|| parts.join("\n\n"))
}

/// `minChecked`/`maxChecked`: how many boxes the question takes (at least
/// one makes it required).
fn checked_counts(t: Node, f: &mut Field) {
    let min = number(t, "minChecked").unwrap_or(0);
    let max = number(t, "maxChecked").unwrap_or(0);
    if min >= 1 && !f.hidden {
        f.required = true;
    }
    if min > 1 {
        f.validation.push(("min", min.to_string()));
    }
    if max > 0 {
        f.validation.push(("max", max.to_string()));
    }
}
