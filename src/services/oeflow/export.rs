//! A tested variant back to Open ePlatform: the `.oeflow` the platform's
//! importer reads (the elements the format note marks as read on import),
//! so the variant is loaded into the platform instead of re-typed. What the
//! conversion split is put back together: a contact question's personnummer
//! and address parts, a text question's fields under its title block, a
//! free-text alternative and its follow-up; conditions become
//! `QueryStateEvaluator` rules on their source question.

use std::collections::HashMap;
use std::fmt::Write;

use super::export_parts::esc;
use crate::services::{Field, FieldKind, Variant};

/// One question as it will be written, and the fields it stands for.
struct Query<'v> {
    id: u32,
    name: String,
    kind: Kind<'v>,
    help: Option<String>,
    /// Shown while any of these holds (hidden by default when there is one).
    shown: Vec<Cond<'v>>,
    /// Hidden while any of these holds.
    hidden: Vec<Cond<'v>>,
}

/// One condition of a question: (source field id, values, every one).
type Cond<'v> = (&'v str, &'v [String], bool);

/// A field's conditions: its `shown_when` and `hidden_when` alternatives.
fn conditions(f: &Field) -> (Vec<Cond<'_>>, Vec<Cond<'_>>) {
    (each(&f.shown_when), each(&f.hidden_when))
}

fn each(c: &Option<crate::services::Condition>) -> Vec<Cond<'_>> {
    c.iter()
        .flat_map(|c| c.each())
        .map(|c| (c.field.as_str(), c.equals.as_slice(), c.all))
        .collect()
}

enum Kind<'v> {
    Text(Vec<&'v Field>),
    Area(&'v Field),
    Choice(&'v Field, Option<String>),
    File(&'v Field),
    Contact {
        citizen: Option<bool>,
        contact: &'v Field,
        address: Option<bool>,
    },
    Info(String),
}

/// The variant as an `.oeflow` document (UTF-8).
pub fn export(v: &Variant, version: &str) -> String {
    let mut x =
        String::from("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n<Flow>\n");
    let digits: String = version.chars().take_while(|c| c.is_ascii_digit()).collect();
    tag(&mut x, 1, "name", &v.title);
    tag(
        &mut x,
        1,
        "version",
        if digits.is_empty() { "1" } else { &digits },
    );
    for (k, b) in [
        ("usePreview", v.summary),
        (
            "requireAuthentication",
            v.authentication.required || v.signing.required,
        ),
        ("allowForeignIDs", v.authentication.foreign_eid),
        ("requireSigning", v.signing.required),
    ] {
        tag(&mut x, 1, k, if b { "true" } else { "false" });
    }
    x.push_str("  <FlowFamily>\n");
    for (k, val) in [
        ("contactName", &v.contact.name),
        ("contactEmail", &v.contact.email),
        ("contactPhone", &v.contact.phone),
        ("ownerName", &v.organisation),
    ] {
        if let Some(val) = val {
            tag(&mut x, 2, k, val);
        }
    }
    x.push_str("  </FlowFamily>\n  <Steps>\n");
    let mut next_id = 1000u32;
    let mut of_field: Known = HashMap::new();
    let mut steps = Vec::new();
    let mut rule_ids = 0;
    for s in &v.steps {
        let qs = queries(&s.fields, &mut next_id);
        for q in &qs {
            let (alternatives, free) = match &q.kind {
                Kind::Choice(f, free) => (
                    f.options
                        .iter()
                        .enumerate()
                        .map(|(i, o)| (o.value.clone(), q.id * 100 + i as u32))
                        .collect(),
                    free.as_ref()
                        .and_then(|_| f.options.last().map(|o| o.value.clone())),
                ),
                _ => (Vec::new(), None),
            };
            for f in fields_of(q) {
                of_field.insert(f.id.as_str(), (q.id, alternatives.clone(), free.clone()));
            }
        }
        steps.push((s, qs));
    }
    for (si, (s, qs)) in steps.iter().enumerate() {
        let _ = writeln!(
            x,
            "    <Step>\n      <name>{}</name>\n      <sortIndex>{si}</sortIndex>\n      <QueryDescriptors>",
            esc(&s.title)
        );
        for (qi, q) in qs.iter().enumerate() {
            let rules = rules_on(q, &steps, &of_field, &mut rule_ids);
            write_query(&mut x, q, qi, &rules);
        }
        x.push_str("      </QueryDescriptors>\n    </Step>\n");
    }
    x.push_str("  </Steps>\n");
    tag(&mut x, 1, "shortDescription", &html(&v.description));
    tag(&mut x, 1, "submittedMessage", &html(&v.receipt_text));
    x.push_str("</Flow>\n");
    x
}

/// The fields a question stands for (for conditions that name them).
fn fields_of<'v>(q: &Query<'v>) -> Vec<&'v Field> {
    match &q.kind {
        Kind::Text(fs) => fs.clone(),
        Kind::Area(f) | Kind::Choice(f, _) | Kind::File(f) => vec![*f],
        Kind::Contact { contact, .. } => vec![*contact],
        Kind::Info(_) => Vec::new(),
    }
}

fn text_like(k: FieldKind) -> bool {
    matches!(
        k,
        FieldKind::Text
            | FieldKind::Email
            | FieldKind::Phone
            | FieldKind::Personnummer
            | FieldKind::Number
            | FieldKind::Date
    )
}

/// A step's fields as questions, putting split questions back together.
fn queries<'v>(fields: &'v [Field], next: &mut u32) -> Vec<Query<'v>> {
    let mut out = Vec::new();
    let mut i = 0;
    let mut id = || {
        *next += 1;
        *next
    };
    while i < fields.len() {
        let f = &fields[i];
        let same_rule = |g: &Field| g.shown_when == f.shown_when && g.hidden_when == f.hidden_when;
        // A title block over two or more text fields: one text question.
        if f.kind == FieldKind::Info && !f.hidden {
            let run = fields[i + 1..]
                .iter()
                .take_while(|g| text_like(g.kind) && g.help.is_none() && same_rule(g) && !g.hidden)
                .count();
            if run >= 2 {
                let text = f.text.clone().unwrap_or_default();
                let (name, help) = match text.split_once("\n\n") {
                    Some((n, h)) => (n.to_string(), Some(h.to_string())),
                    None => (text, None),
                };
                let members: Vec<&Field> = fields[i + 1..=i + run].iter().collect();
                let (shown, hidden) = conditions(f);
                out.push(Query {
                    id: id(),
                    name,
                    help,
                    shown,
                    hidden,
                    kind: Kind::Text(members),
                });
                i += run + 1;
                continue;
            }
        }
        // Personnummer and address around a contact question: one contact question.
        if f.kind == FieldKind::Personnummer
            && f.label == "Personnummer"
            && fields
                .get(i + 1)
                .is_some_and(|g| g.kind == FieldKind::Contact && same_rule(g))
        {
            i += 1;
            continue_contact(fields, &mut i, Some(f.required), &mut out, &mut id);
            continue;
        }
        if f.kind == FieldKind::Contact {
            continue_contact(fields, &mut i, None, &mut out, &mut id);
            continue;
        }
        let kind = match f.kind {
            k if text_like(k) => Kind::Text(vec![f]),
            FieldKind::Address => Kind::Text(vec![f]),
            FieldKind::Textarea => Kind::Area(f),
            FieldKind::Radio | FieldKind::Select | FieldKind::Checkbox => {
                // The free-text alternative's follow-up, made by the import.
                let free = f.options.last().and_then(|o| {
                    fields.get(i + 1).filter(|g| {
                        g.id == format!("{}-{}", f.id, o.value)
                            && g.shown_when
                                .as_ref()
                                .is_some_and(|c| c.field == f.id && c.equals == [o.value.clone()])
                    })?;
                    Some(o.label.clone())
                });
                if free.is_some() {
                    i += 1;
                }
                Kind::Choice(f, free)
            }
            FieldKind::File => Kind::File(f),
            _ => Kind::Info(f.text.clone().unwrap_or_default()),
        };
        let name = match &kind {
            Kind::Info(_) => f
                .text
                .clone()
                .unwrap_or_default()
                .split("\n\n")
                .next()
                .unwrap_or_default()
                .to_string(),
            _ => f.label.clone(),
        };
        let help = match &kind {
            Kind::Info(t) => t.split_once("\n\n").map(|(_, h)| h.to_string()),
            _ => f.help.clone(),
        };
        let (shown, hidden) = conditions(f);
        out.push(Query {
            id: id(),
            name,
            help,
            shown,
            hidden,
            kind,
        });
        i += 1;
    }
    out
}

fn continue_contact<'v>(
    fields: &'v [Field],
    i: &mut usize,
    citizen: Option<bool>,
    out: &mut Vec<Query<'v>>,
    id: &mut impl FnMut() -> u32,
) {
    let contact = &fields[*i];
    let address = fields
        .get(*i + 1)
        .filter(|g| {
            g.kind == FieldKind::Address
                && g.label == "Adress"
                && g.shown_when == contact.shown_when
                && g.hidden_when == contact.hidden_when
        })
        .map(|g| g.required);
    *i += 1 + usize::from(address.is_some());
    let (shown, hidden) = conditions(contact);
    out.push(Query {
        id: id(),
        name: contact.label.clone(),
        help: contact.help.clone(),
        shown,
        hidden,
        kind: Kind::Contact {
            citizen,
            contact,
            address,
        },
    });
}

type Known<'a> = HashMap<&'a str, (u32, Vec<(String, u32)>, Option<String>)>;

/// The rules whose source is `q`: every condition elsewhere on one of its
/// fields, one `QueryStateEvaluator` each (numbered from `next`).
fn rules_on(
    q: &Query,
    steps: &[(&crate::services::Step, Vec<Query>)],
    known: &Known,
    next: &mut u32,
) -> String {
    let mine: Vec<&str> = fields_of(q).iter().map(|f| f.id.as_str()).collect();
    let mut x = String::new();
    for (_, qs) in steps {
        for t in qs {
            let shown = t.shown.iter().map(|c| {
                (
                    c,
                    if t.required() {
                        "VISIBLE_REQUIRED"
                    } else {
                        "VISIBLE"
                    },
                )
            });
            let hidden = t.hidden.iter().map(|c| (c, "HIDDEN"));
            for (&(src, values, all), state) in shown.chain(hidden) {
                if !mine.contains(&src) {
                    continue;
                }
                let Some((_, alternatives, free)) = known.get(src) else {
                    continue;
                };
                let ids: String = values
                    .iter()
                    .filter(|v| Some(*v) != free.as_ref())
                    .filter_map(|v| alternatives.iter().find(|(a, _)| a == v))
                    .map(|(_, id)| format!("<alternativeID>{id}</alternativeID>"))
                    .collect();
                let uses_free = free.as_ref().is_some_and(|f| values.contains(f));
                *next += 1;
                let _ = write!(
                    x,
                    "<EvaluatorDescriptor><evaluatorID>{}</evaluatorID><name>{} {}</name><enabled>true</enabled><evaluatorTypeID>com.nordicpeak.flowengine.evaluators.querystateevaluator.QueryStateEvaluationProviderModule</evaluatorTypeID><TargetQueryIDs><queryID>{}</queryID></TargetQueryIDs><QueryStateEvaluator><selectionMode>{}</selectionMode><RequiredAlternativeIDs>{ids}</RequiredAlternativeIDs><freeTextAlternative>{uses_free}</freeTextAlternative><queryState>{state}</queryState><doNotResetQueryState>false</doNotResetQueryState></QueryStateEvaluator></EvaluatorDescriptor>",
                    *next,
                    if state == "HIDDEN" { "Dölj" } else { "Visa" },
                    esc(&t.name),
                    t.id,
                    if all { "ALL" } else { "ANY" },
                );
            }
        }
    }
    x
}

fn write_query(x: &mut String, q: &Query, sort: usize, rules: &str) {
    let state = if !q.shown.is_empty() {
        "HIDDEN"
    } else if q.required() {
        "VISIBLE_REQUIRED"
    } else {
        "VISIBLE"
    };
    let (type_tag, provider) = match &q.kind {
        Kind::Text(_) => (
            "TextFieldQuery",
            "textfieldquery.TextFieldQueryProviderModule",
        ),
        Kind::Area(_) => ("TextAreaQuery", "textareaquery.TextAreaQueryProviderModule"),
        Kind::Choice(f, _) => match f.kind {
            FieldKind::Radio => (
                "RadioButtonQuery",
                "radiobuttonquery.RadioButtonQueryProviderModule",
            ),
            FieldKind::Select => ("DropDownQuery", "dropdownquery.DropDownQueryProviderModule"),
            _ => ("CheckboxQuery", "checkboxquery.CheckboxQueryProviderModule"),
        },
        Kind::File(_) => (
            "FileUploadQuery",
            "fileuploadquery.FileUploadQueryProviderModule",
        ),
        Kind::Contact { .. } => (
            "ContactDetailQuery",
            "contactdetailquery.ContactDetailQueryProviderModule",
        ),
        Kind::Info(_) => ("FileInfoQuery", "fileinfoquery.FileInfoQueryProviderModule"),
    };
    let _ = write!(
        x,
        "        <QueryDescriptor><queryID>{}</queryID><name>{}</name><sortIndex>{sort}</sortIndex><defaultQueryState>{state}</defaultQueryState><queryTypeID>com.nordicpeak.flowengine.queries.{provider}</queryTypeID>",
        q.id,
        esc(&q.name)
    );
    if !rules.is_empty() {
        let _ = write!(x, "<EvaluatorDescriptors>{rules}</EvaluatorDescriptors>");
    }
    let _ = write!(
        x,
        "<mergeWithPreviousQuery>false</mergeWithPreviousQuery><{type_tag}><queryID>{}</queryID>",
        q.id
    );
    super::export_parts::body(x, q.id, &q.kind_ref());
    if let Some(h) = &q.help {
        let _ = write!(
            x,
            "<description><![CDATA[{}]]></description>",
            html(h).replace("]]>", "]]&gt;")
        );
    }
    let _ = writeln!(x, "</{type_tag}></QueryDescriptor>");
}

impl Query<'_> {
    /// Whether it must be answered when shown.
    fn required(&self) -> bool {
        match &self.kind {
            Kind::Text(fs) => fs.iter().any(|f| f.required),
            Kind::Area(f) | Kind::Choice(f, _) | Kind::File(f) => f.required,
            Kind::Contact { contact, .. } => contact.required,
            Kind::Info(_) => false,
        }
    }

    fn kind_ref(&self) -> super::export_parts::Body<'_> {
        use super::export_parts::Body;
        match &self.kind {
            Kind::Text(fs) => Body::Text(fs),
            Kind::Area(f) => Body::Area(f),
            Kind::Choice(f, free) => Body::Choice(f, free.as_deref()),
            Kind::File(f) => Body::File(f),
            Kind::Contact {
                citizen, address, ..
            } => Body::Contact(*citizen, *address),
            Kind::Info(_) => Body::Info,
        }
    }
}

/// `<key>text</key>` at `depth`.
fn tag(x: &mut String, depth: usize, key: &str, text: &str) {
    let _ = writeln!(x, "{}<{key}>{}</{key}>", "  ".repeat(depth), esc(text));
}

/// A rich text as the HTML Open ePlatform shows (the same safe subset the
/// sandbox renders, `services::richtext`).
pub fn html(text: &str) -> String {
    crate::services::richtext::to_html(text)
        .trim_end()
        .to_string()
}
