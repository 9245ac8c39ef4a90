//! Decoding `service.yaml` and `variants/*.yaml` into the model, collecting
//! every structural problem with its position.

use crate::yaml::{Decoder, MapReader, Node, did_you_mean};

use super::model::*;

pub fn base(d: &mut Decoder, root: &Node) -> Option<BaseService> {
    let mut m = d.map(root, "")?;
    let mut spans = crate::yaml::Spans::default();
    m.record(&mut spans);
    for key in ["signing", "receipt", "authentication"] {
        if let Some(n) = m.get(key)
            && let crate::yaml::NodeKind::Map(_) = n.kind
            && let Some(sub) = d.map(n, key)
        {
            sub.record(&mut spans);
        }
    }
    let id = m.req_str(d, "id");
    let version = m.req_str(d, "version");
    let title = m.req_str(d, "title");
    let description = m.opt_str(d, "description").unwrap_or_default();
    let organisation = m.opt_str(d, "organisation");
    let authentication = authentication(d, &mut m);
    let signing = signing(d, &mut m);
    let summary = m.opt_bool(d, "summary").unwrap_or(true);
    let personal_data = m
        .get("personal_data")
        .and_then(|n| personal_data(d, n, "personal_data"));
    let receipt_text = m
        .get("receipt")
        .and_then(|n| receipt(d, n, "receipt"))
        .unwrap_or_default();
    let contact = m
        .get("contact")
        .and_then(|n| contact(d, n, "contact"))
        .unwrap_or_default();
    let steps = match m.require(d, "steps") {
        Some(n) => steps(d, n, "steps"),
        None => Vec::new(),
    };
    let volatile = m.opt_str_list(d, "volatile").unwrap_or_default();
    m.finish(d);
    Some(BaseService {
        id: id?,
        version: version?,
        title: title?,
        description,
        organisation,
        authentication,
        signing,
        summary,
        personal_data,
        receipt_text,
        contact,
        steps,
        volatile,
        spans,
    })
}

fn authentication(d: &mut Decoder, m: &mut MapReader) -> Authentication {
    let mut auth = Authentication {
        required: false,
        level: AssuranceLevel::Substantial,
        foreign_eid: false,
    };
    let Some(node) = m.get("authentication") else {
        return auth;
    };
    let Some(mut a) = d.map(node, "authentication") else {
        return auth;
    };
    auth.required = a.opt_bool(d, "required").unwrap_or(false);
    if let Some(n) = a.get("level")
        && let Some(s) = d.str(n, &a.at("level"))
    {
        match AssuranceLevel::parse(&s) {
            Some(level) => auth.level = level,
            None => d.error_hint(
                n.pos,
                &a.at("level"),
                format!("unknown assurance level `{s}`"),
                "use low, substantial (tillitsnivå 3, BankID) or high",
            ),
        }
    }
    auth.foreign_eid = a.opt_bool(d, "foreign_eid").unwrap_or(false);
    a.finish(d);
    auth
}

fn signing(d: &mut Decoder, m: &mut MapReader) -> Signing {
    let mut signing = Signing {
        required: false,
        text: None,
    };
    let Some(node) = m.get("signing") else {
        return signing;
    };
    let Some(mut s) = d.map(node, "signing") else {
        return signing;
    };
    signing.required = s.opt_bool(d, "required").unwrap_or(false);
    signing.text = s.opt_str(d, "text");
    s.finish(d);
    signing
}

fn receipt(d: &mut Decoder, node: &Node, path: &str) -> Option<String> {
    let mut r = d.map(node, path)?;
    let text = r.req_str(d, "text");
    r.finish(d);
    text
}

pub fn personal_data(d: &mut Decoder, node: &Node, path: &str) -> Option<PersonalData> {
    let mut p = d.map(node, path)?;
    let controller = p.req_str(d, "controller");
    let purpose = p.req_str(d, "purpose");
    let legal_basis = p.req_str(d, "legal_basis");
    let retention = p.req_str(d, "retention");
    let recipients = p.opt_str(d, "recipients");
    let dpo_contact = p.opt_str(d, "dpo_contact");
    p.finish(d);
    Some(PersonalData {
        controller: controller?,
        purpose: purpose?,
        legal_basis: legal_basis?,
        retention: retention?,
        recipients,
        dpo_contact,
    })
}

pub use crate::contact::decode as contact;

fn steps(d: &mut Decoder, node: &Node, path: &str) -> Vec<Step> {
    let Some(items) = d.seq(node, path) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let p = format!("{path}[{i}]");
        let Some(mut s) = d.map(item, &p) else {
            continue;
        };
        let id = s.req_str(d, "id");
        let id_pos = s.value_pos("id");
        let title = s.req_str(d, "title");
        let intro = s.opt_str(d, "intro");
        let fields = match s.get("fields") {
            Some(n) => fields(d, n, &s.at("fields")),
            None => Vec::new(),
        };
        s.finish(d);
        if let (Some(id), Some(title)) = (id, title) {
            out.push(Step {
                id,
                title,
                intro,
                fields,
                pos: item.pos,
                id_pos,
            });
        }
    }
    out
}

fn fields(d: &mut Decoder, node: &Node, path: &str) -> Vec<Field> {
    let Some(items) = d.seq(node, path) else {
        return Vec::new();
    };
    items
        .iter()
        .enumerate()
        .filter_map(|(i, item)| field(d, item, &format!("{path}[{i}]")))
        .collect()
}

pub fn field(d: &mut Decoder, node: &Node, path: &str) -> Option<Field> {
    let mut f = d.map(node, path)?;
    let id = f.req_str(d, "id");
    let kind = match f.require(d, "type") {
        Some(n) => match d.str(n, &f.at("type")) {
            Some(s) => match FieldKind::parse(&s) {
                Some(k) => Some(k),
                None => {
                    let names = FieldKind::ALL.iter().map(|(n, _)| *n);
                    let hint = match did_you_mean(&s, names.clone()) {
                        Some(m) => format!("did you mean `{m}`?"),
                        None => format!("known types: {}", names.collect::<Vec<_>>().join(", ")),
                    };
                    d.error_hint(
                        n.pos,
                        &f.at("type"),
                        format!("unknown field type `{s}`"),
                        hint,
                    );
                    None
                }
            },
            None => None,
        },
        None => None,
    };
    let label = f.opt_str(d, "label");
    let help = f.opt_str(d, "help");
    let text = f.opt_str(d, "text");
    let required = f.opt_bool(d, "required").unwrap_or(false);
    let hidden = f.opt_bool(d, "hidden").unwrap_or(false);
    let shown_when = f
        .get("shown_when")
        .and_then(|n| condition(d, n, &f.at("shown_when")));
    let hidden_when = f
        .get("hidden_when")
        .and_then(|n| condition(d, n, &f.at("hidden_when")));
    let options = f
        .get("options")
        .map(|n| choices(d, n, &f.at("options")))
        .unwrap_or_default();
    let validation = f
        .get("validation")
        .map(|n| validation(d, n, &f.at("validation")))
        .unwrap_or_default();
    let file = f.get("file").map(|n| file_patch(d, n, &f.at("file")));
    let at_label = f.pos();
    let spans = FieldSpans {
        path: path.to_string(),
        id: f.value_pos("id"),
        validation: f.value_pos("validation"),
        shown_when: f.value_pos("shown_when"),
        hidden_when: f.value_pos("hidden_when"),
        options: f.value_pos("options"),
        file: f.value_pos("file"),
    };
    f.finish(d);
    let kind = kind?;
    let label = match label {
        Some(l) => l,
        None if kind.is_block() => String::new(),
        None => {
            d.error(at_label, path, "missing required key `label`");
            return None;
        }
    };
    let file = if kind == FieldKind::File {
        let mut rules = FileRules::default();
        if let Some(p) = file {
            apply_file_patch(&mut rules, &p);
        }
        Some(rules)
    } else {
        if file.is_some() {
            d.error_hint(
                node.pos,
                &format!("{path}.file"),
                "`file` limits apply only to fields of type `file`",
                "remove `file:` or change the type",
            );
        }
        None
    };
    Some(Field {
        id: id?,
        kind,
        label,
        help,
        text,
        required,
        hidden,
        shown_when,
        hidden_when,
        options,
        validation,
        file,
        pos: node.pos,
        spans,
    })
}

pub fn apply_file_patch(rules: &mut FileRules, p: &FilePatch) {
    if let Some(a) = &p.accept {
        rules.accept = a.clone();
    }
    if let Some(s) = p.max_size_kb {
        rules.max_size_kb = s;
    }
    if let Some(n) = p.max_files {
        rules.max_files = n;
    }
}

fn condition(d: &mut Decoder, node: &Node, path: &str) -> Option<Condition> {
    let mut c = d.map(node, path)?;
    let field = c.req_str(d, "field");
    let equals = match c.require(d, "equals") {
        Some(n) => d.str_list(n, &c.at("equals")),
        None => None,
    };
    let all = c.opt_bool(d, "all").unwrap_or(false);
    // `or:` a list of further conditions, any of which also makes it hold.
    let mut or = Vec::new();
    if let Some(n) = c.get("or") {
        let at = c.at("or");
        for (i, item) in d.seq(n, &at).unwrap_or(&[]).iter().enumerate() {
            or.extend(condition(d, item, &format!("{at}[{i}]")));
        }
    }
    c.finish(d);
    Some(Condition {
        field: field?,
        equals: equals?,
        all,
        or,
    })
}

pub fn choices(d: &mut Decoder, node: &Node, path: &str) -> Vec<Choice> {
    let Some(items) = d.seq(node, path) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let p = format!("{path}[{i}]");
        let Some(mut c) = d.map(item, &p) else {
            continue;
        };
        let value = c.req_str(d, "value");
        let label = c.req_str(d, "label");
        c.finish(d);
        if let (Some(value), Some(label)) = (value, label) {
            out.push(Choice { value, label });
        }
    }
    out
}

pub fn validation(d: &mut Decoder, node: &Node, path: &str) -> Validation {
    let Some(mut v) = d.map(node, path) else {
        return Validation::default();
    };
    let out = Validation {
        min_length: v.opt_u64(d, "min_length"),
        max_length: v.opt_u64(d, "max_length"),
        pattern: v.opt_str(d, "pattern"),
        pattern_message: v.opt_str(d, "pattern_message"),
        min: v.opt_f64(d, "min"),
        max: v.opt_f64(d, "max"),
        min_date: v.opt_str(d, "min_date"),
        max_date: v.opt_str(d, "max_date"),
    };
    v.finish(d);
    out
}

pub fn file_patch(d: &mut Decoder, node: &Node, path: &str) -> FilePatch {
    let Some(mut f) = d.map(node, path) else {
        return FilePatch::default();
    };
    let out = FilePatch {
        accept: f.opt_str_list(d, "accept").map(|v| {
            v.into_iter()
                .map(|s| s.trim_start_matches('.').to_lowercase())
                .collect()
        }),
        max_size_kb: f.opt_u64(d, "max_size_kb"),
        max_files: f.opt_u64(d, "max_files"),
    };
    f.finish(d);
    out
}
