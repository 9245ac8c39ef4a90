//! A citizen's answers as the sandbox keeps them: values by field id, the
//! parts of composite fields, and the files kept with the session.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::services::FieldKind;

/// Answers by field id (a string, a list of strings, or a map of parts).
pub type Answers = Map<String, Value>;

/// A file kept with the session and, on sending, with the case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredFile {
    pub field: String,
    pub filename: String,
    pub content_type: String,
    pub size: u64,
    pub sha256: String,
}

impl StoredFile {
    /// Its size as people read it.
    pub fn size_words(&self) -> String {
        crate::filetypes::human_bytes(self.size)
    }
}

/// Sub-inputs of composite fields: (name suffix, Swedish label, autocomplete).
pub const CONTACT_PARTS: &[(&str, &str, &str)] = &[
    ("name", "Namn", "name"),
    ("email", "E-postadress", "email"),
    ("phone", "Telefonnummer", "tel"),
];
pub const ADDRESS_PARTS: &[(&str, &str, &str)] = &[
    ("street", "Gatuadress", "street-address"),
    ("postal_code", "Postnummer", "postal-code"),
    ("city", "Ort", "address-level2"),
];

pub fn parts(kind: FieldKind) -> &'static [(&'static str, &'static str, &'static str)] {
    match kind {
        FieldKind::Contact => CONTACT_PARTS,
        FieldKind::Address => ADDRESS_PARTS,
        _ => &[],
    }
}

pub fn input_id(field: &str) -> String {
    format!("f-{field}")
}
