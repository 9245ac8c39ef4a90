//! The region's service catalogue: per service the recommended name and the
//! names not to use, what it is for, its category and committee, whether
//! signing is needed with its legal basis, and the expected handling time
//! per size class; and the region's term list (preferred terms and the
//! synonyms to avoid), checked against every service and variant
//! (`terms`). Read from one YAML file with every problem as file:line:col.

pub mod flows;
mod parse;
pub mod terms;
pub mod web;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::yaml::{Diagnostic, Pos};

pub use parse::catalogue as parse;

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
        Some(if r == flows::FROM_FLOW {
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

/// The catalogue as last read, with the file's modification time: pages
/// and the checklist's term check (once per variant) ask for it often,
/// and it changes only when someone edits the file.
static LAST: std::sync::Mutex<Option<(PathBuf, std::time::SystemTime, std::sync::Arc<Catalogue>)>> =
    std::sync::Mutex::new(None);

/// [`load`], read again only when the file changed.
pub fn shared(file: &Path) -> Result<std::sync::Arc<Catalogue>, Vec<Diagnostic>> {
    let modified = std::fs::metadata(file).and_then(|m| m.modified()).ok();
    if let (Some(at), Ok(last)) = (modified, LAST.lock())
        && let Some((p, t, c)) = last.as_ref()
        && p == file
        && *t == at
    {
        return Ok(c.clone());
    }
    let c = std::sync::Arc::new(load(file)?);
    if let (Some(at), Ok(mut last)) = (modified, LAST.lock()) {
        *last = Some((file.to_path_buf(), at, c.clone()));
    }
    Ok(c)
}

/// Read and check a catalogue file.
pub fn load(file: &Path) -> Result<Catalogue, Vec<Diagnostic>> {
    let text = crate::yaml::read_text(file).map_err(|d| vec![d])?;
    parse(file, &text)
}

/// Entries that came with services imported from another region's test
/// room (stored in the database, see `bundles`), for services this
/// region's own file does not describe.
pub async fn with_imported(
    cat: std::sync::Arc<Catalogue>,
    db: &crate::store::Store,
) -> Result<std::sync::Arc<Catalogue>, sqlx::Error> {
    use sqlx::Row;
    let rows = sqlx::query("select region, entry from catalogue_imports order by service_id")
        .fetch_all(&db.pool)
        .await?;
    let extra: Vec<Entry> = rows
        .iter()
        .filter_map(|r| {
            let mut e: Entry = serde_json::from_str(&r.get::<String, _>("entry")).ok()?;
            e.from_region = Some(r.get("region"));
            Some(e)
        })
        .filter(|e| cat.entry(&e.id).is_none())
        .collect();
    if extra.is_empty() {
        return Ok(cat);
    }
    let mut all = (*cat).clone();
    all.services.extend(extra);
    Ok(std::sync::Arc::new(all))
}

/// Keep another region's catalogue entry for `service` (replacing the one
/// kept), in the transaction that imports the service.
pub async fn keep_imported(
    tx: &mut crate::store::WriteTx,
    service: &str,
    region: &str,
    entry_json: &str,
    actor: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("insert into catalogue_imports (service_id, region, entry, imported_by, imported_at) values ($1, $2, $3, $4, $5) on conflict (service_id) do update set region = excluded.region, entry = excluded.entry, imported_by = excluded.imported_by, imported_at = excluded.imported_at")
        .bind(service)
        .bind(region)
        .bind(entry_json)
        .bind(actor)
        .bind(crate::store::now())
        .execute(&mut **tx)
        .await?;
    Ok(())
}
