//! The service model: a base definition, overlays per municipality, and the
//! resolved variant a citizen actually meets.

use serde::{Deserialize, Serialize};

use crate::yaml::{Pos, Spans};

/// Every kind of question or block a step can hold. Mirrors Open ePlatform's
/// query types so that flows can be imported later (see docs/formats.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    Text,
    Textarea,
    Email,
    Phone,
    Personnummer,
    Number,
    Date,
    Radio,
    Checkbox,
    Select,
    File,
    Contact,
    Address,
    Info,
    GdprNotice,
}

impl FieldKind {
    pub const ALL: [(&'static str, FieldKind); 15] = [
        ("text", FieldKind::Text),
        ("textarea", FieldKind::Textarea),
        ("email", FieldKind::Email),
        ("phone", FieldKind::Phone),
        ("personnummer", FieldKind::Personnummer),
        ("number", FieldKind::Number),
        ("date", FieldKind::Date),
        ("radio", FieldKind::Radio),
        ("checkbox", FieldKind::Checkbox),
        ("select", FieldKind::Select),
        ("file", FieldKind::File),
        ("contact", FieldKind::Contact),
        ("address", FieldKind::Address),
        ("info", FieldKind::Info),
        ("gdpr_notice", FieldKind::GdprNotice),
    ];

    pub fn parse(s: &str) -> Option<FieldKind> {
        Self::ALL.iter().find(|(n, _)| *n == s).map(|(_, k)| *k)
    }

    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, k)| *k == self)
            .map(|(n, _)| *n)
            .unwrap_or("?")
    }

    /// Blocks show text; they take no input.
    pub fn is_block(self) -> bool {
        matches!(self, FieldKind::Info | FieldKind::GdprNotice)
    }

    pub fn has_options(self) -> bool {
        matches!(
            self,
            FieldKind::Radio | FieldKind::Checkbox | FieldKind::Select
        )
    }

    pub fn takes_length(self) -> bool {
        matches!(
            self,
            FieldKind::Text | FieldKind::Textarea | FieldKind::Email | FieldKind::Phone
        )
    }

    /// Whether the answer is personal data in the GDPR sense.
    pub fn is_personal_data(self) -> bool {
        matches!(
            self,
            FieldKind::Personnummer
                | FieldKind::Email
                | FieldKind::Phone
                | FieldKind::Contact
                | FieldKind::Address
        )
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Choice {
    pub value: String,
    pub label: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Validation {
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    pub pattern: Option<String>,
    pub pattern_message: Option<String>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// Dates as `YYYY-MM-DD`.
    pub min_date: Option<String>,
    pub max_date: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileRules {
    /// File name extensions in lower case, without dot: `pdf`, `jpg`.
    pub accept: Vec<String>,
    pub max_size_kb: u64,
    pub max_files: u64,
}

impl Default for FileRules {
    fn default() -> Self {
        FileRules {
            accept: vec!["pdf".into(), "jpg".into(), "jpeg".into(), "png".into()],
            max_size_kb: 10 * 1024,
            max_files: 1,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Condition {
    pub field: String,
    /// Shown when the other field's answer is (or, for checkboxes, includes)
    /// one of these values.
    pub equals: Vec<String>,
    /// Shown only when the answer includes every one of them (checkboxes;
    /// Open ePlatform's `selectionMode` ALL).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub all: bool,
    /// Or when any of these holds (several rules on one question, as Open
    /// ePlatform allows).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub or: Vec<Condition>,
}

impl Condition {
    /// Whether it holds, given what was chosen for a field (`chosen`: its
    /// answer's values; none when unanswered).
    pub fn holds<'a>(&'a self, chosen: &dyn Fn(&str) -> Vec<&'a str>) -> bool {
        let have = chosen(&self.field);
        let own = if self.all {
            self.equals.iter().all(|e| have.contains(&e.as_str()))
        } else {
            self.equals.iter().any(|e| have.contains(&e.as_str()))
        };
        own || self.or.iter().any(|c| c.holds(chosen))
    }

    /// This condition and every alternative to it, flattened.
    pub fn each(&self) -> Vec<&Condition> {
        let mut out = vec![self];
        for c in &self.or {
            out.extend(c.each());
        }
        out
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Field {
    pub id: String,
    pub kind: FieldKind,
    pub label: String,
    pub help: Option<String>,
    /// Body text of info and GDPR blocks.
    pub text: Option<String>,
    pub required: bool,
    pub hidden: bool,
    pub shown_when: Option<Condition>,
    /// Not asked while this holds (Open ePlatform's rules that hide a
    /// question); checked after `shown_when`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hidden_when: Option<Condition>,
    pub options: Vec<Choice>,
    pub validation: Validation,
    pub file: Option<FileRules>,
    #[serde(skip)]
    pub pos: Pos,
    #[serde(skip)]
    pub spans: FieldSpans,
}

/// Where a field's parts were written, so later checks can point at them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FieldSpans {
    /// e.g. `steps[0].fields[2]`, counted as written (before any entry was dropped).
    pub path: String,
    pub id: Option<Pos>,
    pub validation: Option<Pos>,
    pub shown_when: Option<Pos>,
    pub hidden_when: Option<Pos>,
    pub options: Option<Pos>,
    pub file: Option<Pos>,
}

impl Field {
    pub fn at(&self, span: Option<Pos>) -> Pos {
        span.unwrap_or(self.pos)
    }

    /// Whether the question is asked, given what was chosen so far (see
    /// `Condition::holds`): not hidden, its `shown_when` holds (if any) and
    /// its `hidden_when` does not. The sandbox and the comparison's walk
    /// both decide it here.
    pub fn asked<'a>(&'a self, chosen: &dyn Fn(&str) -> Vec<&'a str>) -> bool {
        !self.hidden
            && self.shown_when.as_ref().is_none_or(|c| c.holds(chosen))
            && !self.hidden_when.as_ref().is_some_and(|c| c.holds(chosen))
    }

    /// Its conditions: `shown_when` first, then `hidden_when`, each with
    /// their alternatives.
    pub fn conditions(&self) -> impl Iterator<Item = &Condition> {
        self.shown_when
            .iter()
            .chain(self.hidden_when.iter())
            .flat_map(Condition::each)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    pub id: String,
    pub title: String,
    pub intro: Option<String>,
    pub fields: Vec<Field>,
    #[serde(skip)]
    pub pos: Pos,
    #[serde(skip)]
    pub id_pos: Option<Pos>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssuranceLevel {
    /// Tillitsnivå 2 (eIDAS low).
    Low,
    /// Tillitsnivå 3 (eIDAS substantial) – BankID, Freja+.
    Substantial,
    /// Tillitsnivå 4 (eIDAS high).
    High,
}

impl AssuranceLevel {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "low" => Some(Self::Low),
            "substantial" => Some(Self::Substantial),
            "high" => Some(Self::High),
            _ => None,
        }
    }

    pub fn swedish(self) -> &'static str {
        match self {
            Self::Low => "tillitsnivå 2 (låg)",
            Self::Substantial => "tillitsnivå 3 (väsentlig)",
            Self::High => "tillitsnivå 4 (hög)",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Authentication {
    pub required: bool,
    pub level: AssuranceLevel,
    pub foreign_eid: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Signing {
    pub required: bool,
    /// What the citizen confirms when signing.
    pub text: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PersonalData {
    pub controller: String,
    pub purpose: String,
    pub legal_basis: String,
    pub retention: String,
    pub recipients: Option<String>,
    pub dpo_contact: Option<String>,
}

pub use crate::contact::Contact;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Branding {
    /// `#rrggbb`; white text must be readable on it.
    pub colour: Option<String>,
    pub logo_text: Option<String>,
}

/// The shared regional definition (`service.yaml`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BaseService {
    pub id: String,
    pub version: String,
    pub title: String,
    pub description: String,
    /// The committee or unit that owns the matter, e.g. "Miljö- och hälsoskyddsnämnden".
    pub organisation: Option<String>,
    pub authentication: Authentication,
    pub signing: Signing,
    /// Whether a summary (preview) step precedes sending.
    pub summary: bool,
    pub personal_data: Option<PersonalData>,
    pub receipt_text: String,
    pub contact: Contact,
    pub steps: Vec<Step>,
    /// CSS selectors of parts that differ on every rendering (a map, a
    /// clock): blanked before variants are compared.
    #[serde(default)]
    pub volatile: Vec<String>,
    #[serde(skip)]
    pub spans: Spans,
}

/// Partial changes one municipality makes (`variants/<municipality>.yaml`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overlay {
    pub municipality: String,
    pub title: Option<String>,
    pub description: Option<String>,
    pub organisation: Option<String>,
    pub external_url: Option<String>,
    pub contact: Option<Contact>,
    pub branding: Branding,
    pub receipt_text: Option<String>,
    pub signing_required: Option<bool>,
    pub personal_data: Option<PersonalDataPatch>,
    pub steps: Vec<StepPatch>,
    pub fields: Vec<FieldPatch>,
    pub add_fields: Vec<AddField>,
    /// Selectors added to the base's `volatile`.
    pub volatile: Vec<String>,
    /// The municipality's handling time in days.
    pub handling_days: Option<u64>,
    pub spans: Spans,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct PersonalDataPatch {
    pub controller: Option<String>,
    pub retention: Option<String>,
    pub dpo_contact: Option<String>,
    pub recipients: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct StepPatch {
    pub id: String,
    pub title: Option<String>,
    pub intro: Option<String>,
    pub pos: Pos,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct FieldPatch {
    pub id: String,
    pub validation_pos: Option<Pos>,
    pub file_pos: Option<Pos>,
    pub label: Option<String>,
    pub help: Option<String>,
    pub text: Option<String>,
    pub required: Option<bool>,
    pub hidden: Option<bool>,
    pub options: Option<Vec<Choice>>,
    pub validation: Validation,
    pub file: FilePatch,
    pub pos: Pos,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct FilePatch {
    pub accept: Option<Vec<String>>,
    pub max_size_kb: Option<u64>,
    pub max_files: Option<u64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AddField {
    pub step: String,
    pub after: Option<String>,
    pub after_pos: Option<Pos>,
    pub field: Field,
    pub pos: Pos,
}

/// What a citizen in one municipality meets: the base with that
/// municipality's overlay applied and its defaults filled in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Variant {
    pub municipality: String,
    pub municipality_name: String,
    pub external_url: Option<String>,
    pub title: String,
    pub description: String,
    pub organisation: Option<String>,
    pub authentication: Authentication,
    pub signing: Signing,
    pub summary: bool,
    pub personal_data: Option<PersonalData>,
    pub receipt_text: String,
    pub contact: Contact,
    pub branding: Branding,
    pub privacy_policy_url: Option<String>,
    pub accessibility_statement_url: Option<String>,
    pub steps: Vec<Step>,
    /// The base's and the overlay's volatile selectors (see `BaseService`).
    #[serde(default)]
    pub volatile: Vec<String>,
    /// The municipality's stated handling time in days (its overlay), for
    /// the regional catalogue.
    #[serde(default)]
    pub handling_days: Option<u64>,
}

impl Variant {
    /// The description as safe HTML (a rich text, `services::richtext`).
    pub fn description_html(&self) -> String {
        super::richtext::to_html(&self.description)
    }

    /// The receipt text as safe HTML.
    pub fn receipt_html(&self) -> String {
        super::richtext::to_html(&self.receipt_text)
    }

    pub fn field(&self, id: &str) -> Option<(&Step, &Field)> {
        self.steps
            .iter()
            .find_map(|s| s.fields.iter().find(|f| f.id == id).map(|f| (s, f)))
    }

    pub fn step_index(&self, id: &str) -> Option<usize> {
        self.steps.iter().position(|s| s.id == id)
    }
}
