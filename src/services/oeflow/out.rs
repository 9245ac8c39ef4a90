//! The service a flow becomes, as Provrum's package writes it
//! (`service.yaml`), with a comment wherever the conversion approximated.

use std::fmt::Write;

#[derive(Debug, Clone, Default)]
pub struct Service {
    pub id: String,
    pub version: String,
    pub title: String,
    pub description: String,
    pub organisation: Option<String>,
    pub authentication: bool,
    pub foreign_eid: bool,
    pub signing: bool,
    pub summary: bool,
    /// controller, purpose, legal basis, retention.
    pub personal_data: [String; 4],
    pub receipt: String,
    /// (key, value) of `contact`.
    pub contact: Vec<(&'static str, String)>,
    pub steps: Vec<Step>,
    /// Where it came from, as the file's first comment.
    pub origin: String,
}

#[derive(Debug, Clone, Default)]
pub struct Step {
    pub id: String,
    pub title: String,
    pub fields: Vec<Field>,
}

/// A condition: (field id, values, every one of them).
pub type Cond = (String, Vec<String>, bool);

#[derive(Debug, Clone, Default)]
pub struct Field {
    pub id: String,
    pub kind: &'static str,
    pub label: String,
    pub help: Option<String>,
    pub text: Option<String>,
    pub required: bool,
    pub hidden: bool,
    /// Shown when any of these holds.
    pub shown_when: Vec<Cond>,
    /// Not asked when any of these holds.
    pub hidden_when: Vec<Cond>,
    /// (value, label).
    pub options: Vec<(String, String)>,
    /// (key, value as YAML) of `validation`.
    pub validation: Vec<(&'static str, String)>,
    /// accept, max_size_kb, max_files.
    pub file: Option<(Vec<String>, u64, u64)>,
    /// Said above the field in the YAML: what was approximated.
    pub comments: Vec<String>,
    /// A part the flow asks for but never requires (a text field without
    /// `required`, an optional contact part): a rule making its question
    /// required does not make it required.
    pub optional_part: bool,
}

/// A YAML scalar for any text: a JSON string is a YAML double-quoted one.
pub fn q(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

impl Service {
    /// `service.yaml` as text.
    pub fn yaml(&self) -> String {
        let mut y = String::new();
        for line in self.origin.lines() {
            let _ = writeln!(y, "# {line}");
        }
        let _ = writeln!(y, "id: {}", q(&self.id));
        let _ = writeln!(y, "version: {}", q(&self.version));
        let _ = writeln!(y, "title: {}", q(&self.title));
        if !self.description.is_empty() {
            let _ = writeln!(y, "description: {}", q(&self.description));
        }
        if let Some(o) = &self.organisation {
            let _ = writeln!(y, "organisation: {}", q(o));
        }
        let _ = writeln!(
            y,
            "authentication: {{ required: {}, foreign_eid: {} }}",
            self.authentication, self.foreign_eid
        );
        let _ = writeln!(y, "signing: {{ required: {} }}", self.signing);
        let _ = writeln!(y, "summary: {}", self.summary);
        let [controller, purpose, basis, retention] = &self.personal_data;
        let _ = writeln!(
            y,
            "# Open ePlatform-flöden har ingen personuppgiftsinformation: se över och fyll i."
        );
        let _ = writeln!(y, "personal_data:");
        let _ = writeln!(y, "  controller: {}", q(controller));
        let _ = writeln!(y, "  purpose: {}", q(purpose));
        let _ = writeln!(y, "  legal_basis: {}", q(basis));
        let _ = writeln!(y, "  retention: {}", q(retention));
        let _ = writeln!(y, "receipt:\n  text: {}", q(&self.receipt));
        if !self.contact.is_empty() {
            let _ = writeln!(y, "contact:");
            for (k, v) in &self.contact {
                let _ = writeln!(y, "  {k}: {}", q(v));
            }
        }
        let _ = writeln!(y, "steps:");
        for s in &self.steps {
            let _ = writeln!(y, "  - id: {}", q(&s.id));
            let _ = writeln!(y, "    title: {}", q(&s.title));
            let _ = writeln!(y, "    fields:");
            for f in &s.fields {
                f.write(&mut y);
            }
        }
        y
    }
}

impl Field {
    /// The field as a list item of a step's `fields`.
    fn write(&self, y: &mut String) {
        self.write_at(y, "      - ", "        ");
    }

    /// The field with `first` before its first line (`id:`) and `rest`
    /// before every other line; comments go above it at `rest`'s depth.
    pub fn write_at(&self, y: &mut String, first: &str, rest: &str) {
        let depth = &rest[..rest.len().saturating_sub(2)];
        for c in &self.comments {
            for line in c.lines() {
                let _ = writeln!(y, "{depth}# {line}");
            }
        }
        let _ = writeln!(y, "{first}id: {}", q(&self.id));
        let _ = writeln!(y, "{rest}type: {}", self.kind);
        if !self.label.is_empty() {
            let _ = writeln!(y, "{rest}label: {}", q(&self.label));
        }
        if let Some(h) = &self.help {
            let _ = writeln!(y, "{rest}help: {}", q(h));
        }
        if let Some(t) = &self.text {
            let _ = writeln!(y, "{rest}text: {}", q(t));
        }
        if self.required {
            let _ = writeln!(y, "{rest}required: true");
        }
        if self.hidden {
            let _ = writeln!(y, "{rest}hidden: true");
        }
        for (key, conds) in [
            ("shown_when", &self.shown_when),
            ("hidden_when", &self.hidden_when),
        ] {
            if let Some(yaml) = conditions_yaml(conds) {
                let _ = writeln!(y, "{rest}{key}: {yaml}");
            }
        }
        if !self.options.is_empty() {
            let _ = writeln!(y, "{rest}options:");
            write_options(y, rest, &self.options);
        }
        if !self.validation.is_empty() {
            let _ = writeln!(y, "{rest}validation:");
            for (k, v) in &self.validation {
                let _ = writeln!(y, "{rest}  {k}: {v}");
            }
        }
        if let Some(file) = &self.file {
            let _ = writeln!(y, "{rest}file: {}", file_yaml(file));
        }
    }
}

/// `options` items under a key at `rest`'s depth.
pub fn write_options(y: &mut String, rest: &str, options: &[(String, String)]) {
    for (value, label) in options {
        let _ = writeln!(
            y,
            "{rest}  - {{ value: {}, label: {} }}",
            q(value),
            q(label)
        );
    }
}

/// A file question's rules as a flow mapping.
pub fn file_yaml((accept, size, files): &(Vec<String>, u64, u64)) -> String {
    let list: Vec<String> = accept.iter().map(|a| q(a)).collect();
    format!(
        "{{ accept: [{}], max_size_kb: {size}, max_files: {files} }}",
        list.join(", ")
    )
}

/// A slug for an id: lower case a–z, 0–9 and `-` (å, ä → a, ö → o).
pub fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars().flat_map(char::to_lowercase) {
        let c = match c {
            'å' | 'ä' | 'á' | 'à' | 'â' => 'a',
            'ö' | 'ø' | 'ó' | 'ò' | 'ô' => 'o',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'ü' | 'ú' => 'u',
            c => c,
        };
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out: String = out.trim_end_matches('-').chars().take(60).collect();
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() { "fraga".into() } else { out }
}

/// Ids handed out once each: a taken one gets `-2`, `-3`, ….
#[derive(Default)]
pub struct Ids(std::collections::HashSet<String>);

impl Ids {
    pub fn unique(&mut self, wanted: &str) -> String {
        let base = slug(wanted);
        let mut id = base.clone();
        let mut n = 2;
        while !self.0.insert(id.clone()) {
            id = format!("{base}-{n}");
            n += 1;
        }
        id
    }
}

/// `{ field: a, equals: [x], or: [{ field: b, equals: [y] }] }`: the first
/// condition, the others as its alternatives.
fn conditions_yaml(conds: &[Cond]) -> Option<String> {
    let one = |(field, values, all): &Cond| {
        let list: Vec<String> = values.iter().map(|v| q(v)).collect();
        format!(
            "field: {}, equals: [{}]{}",
            q(field),
            list.join(", "),
            if *all { ", all: true" } else { "" }
        )
    };
    let (first, rest) = conds.split_first()?;
    let or = if rest.is_empty() {
        String::new()
    } else {
        let alts: Vec<String> = rest.iter().map(|c| format!("{{ {} }}", one(c))).collect();
        format!(", or: [{}]", alts.join(", "))
    };
    Some(format!("{{ {}{or} }}", one(first)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_slugs_and_unique() {
        assert_eq!(
            slug("Vilken typ av olägenhet gäller det?"),
            "vilken-typ-av-olagenhet-galler-det"
        );
        assert_eq!(slug("  ?? "), "fraga");
        let mut ids = Ids::default();
        assert_eq!(ids.unique("Ort"), "ort");
        assert_eq!(ids.unique("ort"), "ort-2");
        assert_eq!(q("a \"b\"\nc"), "\"a \\\"b\\\"\\nc\"");
    }
}
