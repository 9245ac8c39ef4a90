//! Legal checklists: items with references, kinds, conditions, severities
//! and (optionally) an automatic check.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reference {
    pub law: String,
    pub section: String,
    pub link: Option<String>,
    /// False where the source says "[verify]": shown as such, never as certain.
    pub verified: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Automatic,
    Manual,
    Both,
}

impl Kind {
    pub fn parse(s: &str) -> Option<Kind> {
        match s {
            "automatic" => Some(Kind::Automatic),
            "manual" => Some(Kind::Manual),
            "both" => Some(Kind::Both),
            _ => None,
        }
    }
    pub fn needs_person(self) -> bool {
        self != Kind::Automatic
    }
    pub fn swedish(self) -> &'static str {
        match self {
            Kind::Automatic => "automatisk",
            Kind::Manual => "manuell",
            Kind::Both => "automatisk och manuell",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Blocking,
    Advisory,
}

/// When an item applies to a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    /// The service collects personal data (a personal-data field, or sign-in).
    PersonalData,
    Signing,
    Authentication,
    Attachments,
}

impl Condition {
    pub const ALL: [(&'static str, Condition); 4] = [
        ("personal_data", Condition::PersonalData),
        ("signing", Condition::Signing),
        ("authentication", Condition::Authentication),
        ("attachments", Condition::Attachments),
    ];
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Item {
    pub id: String,
    pub title: String,
    pub description: String,
    pub references: Vec<Reference>,
    pub kind: Kind,
    pub check: Option<String>,
    pub params: serde_json::Value,
    pub applies_when: Vec<Condition>,
    pub severity: Severity,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Checklist {
    pub id: String,
    pub title: String,
    pub items: Vec<Item>,
}

/// Every automatic check a checklist may name (`auto` implements them; the
/// list lives with the format so that parsing needs nothing else).
pub const CHECKS: [&str; 11] = [
    "privacy_notice_before_personal_data",
    "help_texts",
    "contact_details",
    "receipt_time_and_case_number",
    "axe_wcag21aa",
    "accessibility_statement_link",
    "lang_and_unique_titles",
    "signing_as_base",
    "assurance_level",
    "test_identities_only",
    "preferred_terms",
];
