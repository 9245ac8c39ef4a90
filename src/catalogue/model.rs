//! The region's service catalogue as read: entries, their terms,
//! references, signing standard and handling times.

use serde::{Deserialize, Serialize};

use std::path::PathBuf;

use crate::yaml::Pos;

/// The `region` an entry taken from a flow is stored under (`flows`).
pub const FROM_FLOW: &str = "Open ePlatform";

#[derive(Debug, Clone, Serialize)]
pub struct Catalogue {
    pub file: PathBuf,
    /// "Värmland".
    pub region: String,
    pub terms: Vec<Term>,
    pub services: Vec<Entry>,
}

/// Where in a service a term is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// The service's title and description.
    Service,
    /// Step titles and introductions.
    Steps,
    /// Field labels, help texts, information texts and option labels.
    Fields,
    /// The receipt's text.
    Receipt,
}

impl Scope {
    pub const ALL: [(&'static str, Scope); 4] = [
        ("service", Scope::Service),
        ("steps", Scope::Steps),
        ("fields", Scope::Fields),
        ("receipt", Scope::Receipt),
    ];

    pub fn swedish(self) -> &'static str {
        match self {
            Scope::Service => "tjänstens namn eller beskrivning",
            Scope::Steps => "ett stegs rubrik eller inledning",
            Scope::Fields => "en frågas text eller hjälptext",
            Scope::Receipt => "kvittensen",
        }
    }
}

/// A preferred term and the words the region avoids for it.
#[derive(Debug, Clone, Serialize)]
pub struct Term {
    pub preferred: String,
    /// Lower-case words; a word matches with any ending (störning,
    /// störningen, störningar) when it starts a word.
    pub avoid: Vec<String>,
    pub why: Option<String>,
    /// Where it applies (all of a service by default).
    pub scope: Vec<Scope>,
    #[serde(skip)]
    pub pos: Pos,
}

/// A legal reference, as in the checklists: unverified ones say so.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Reference {
    pub law: String,
    pub section: String,
    pub verified: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SigningStandard {
    pub required: bool,
    /// Why, in plain words.
    pub basis: String,
    pub references: Vec<Reference>,
}

/// Expected handling time in days per size class of municipality (the
/// registry's `liten`, `medel`, `stor`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HandlingDays {
    pub small: u64,
    pub medium: u64,
    pub large: u64,
}

impl HandlingDays {
    /// The expected days for a registry size class.
    /// Zero means not stated (an entry taken from a flow without handling
    /// times).
    pub fn for_class(&self, class: &str) -> Option<u64> {
        match class {
            "liten" => Some(self.small),
            "medel" => Some(self.medium),
            "stor" => Some(self.large),
            _ => None,
        }
        .filter(|d| *d > 0)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entry {
    /// The service id packages use: `anmalan-om-olagenhet`.
    pub id: String,
    pub name: String,
    pub avoid_names: Vec<String>,
    pub description: String,
    pub category: String,
    pub committee: String,
    pub signing: SigningStandard,
    pub handling_days: HandlingDays,
    /// Management information as (label, value): who owns the process, who
    /// answers for the service (an entry taken from a flow, `flows`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub management: Vec<(String, String)>,
    /// Search words.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Set on an entry imported with a service from another region's test
    /// room (`bundles`), not written in this region's catalogue file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_region: Option<String>,
    #[serde(skip)]
    pub pos: Pos,
}

impl Entry {
    /// Where the entry came from, when not from this region's file.
    pub fn source_words(&self) -> Option<String> {
        let r = self.from_region.as_deref()?;
        Some(if r == FROM_FLOW {
            "Katalogposten bygger på uppgifterna i e-tjänstens flöde i Open ePlatform (kategori, ägare, handläggningstid och förvaltningsinformation). Regionens katalogfil har ingen post för tjänsten ännu.".into()
        } else {
            format!(
                "Tjänsten och katalogposten kommer från {} provrum.",
                crate::municipalities::genitive(r)
            )
        })
    }
}

impl Catalogue {
    pub fn entry(&self, service: &str) -> Option<&Entry> {
        self.services.iter().find(|e| e.id == service)
    }
}
