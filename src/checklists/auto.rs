//! Automatic checks: what a machine can judge on a version's definitions,
//! its captured pages (from `provrum compare`), its latest scenario run
//! (axe-core results) and its sandbox inbox. Each gives, per variant,
//! passed, failed with the reason, not applicable, or unknown (with what
//! to run to know).

use serde::Serialize;

use crate::compare::capture::PageShot;
use crate::scenarios::results::AxeStep;
use crate::services::{AssuranceLevel, BaseService, FieldKind, Variant};
use crate::store::Store;

use super::model::{Condition, Item};

pub use super::model::CHECKS;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", content = "reason", rename_all = "snake_case")]
pub enum Outcome {
    Passed,
    Failed(String),
    NotApplicable,
    Unknown(String),
}

/// Why a municipality's own e-service elsewhere was not checked.
pub const OUTSIDE: &str = "egen e-tjänst utanför provrummet";

impl Outcome {
    /// Not checked because the variant is hosted outside the test room.
    pub fn is_outside(&self) -> bool {
        matches!(self, Outcome::Unknown(why) if why == OUTSIDE)
    }
}

/// Checks that judge what a browser saw, so they reach a municipality's own
/// e-service elsewhere too when a scenario was run against it.
const REACH_OUTSIDE: &[&str] = &["axe_wcag21aa"];

#[derive(Debug, Clone, Serialize)]
pub struct VariantResult {
    pub municipality: String,
    pub outcome: Outcome,
}

/// What the checks look at, gathered once per version.
pub struct Evidence {
    pub base: Option<BaseService>,
    pub variants: Vec<Variant>,
    /// Newest desktop capture per municipality.
    pub captures: Vec<(String, Vec<PageShot>)>,
    /// The counting run's axe results, step by step.
    pub axe: Option<Vec<AxeStep>>,
    /// Personal identity numbers in the inbox for this version.
    pub submitted_numbers: Vec<(String, String)>,
}

pub async fn gather(db: &Store, version_id: i64) -> Result<Evidence, sqlx::Error> {
    let base = crate::services::store::base(db, version_id).await?;
    let variants = crate::services::store::variants(db, version_id).await?;
    // Captures from before the checklist facts were recorded say nothing here.
    let mut pages = crate::compare::store::latest_desktop_pages(db, version_id).await?;
    let captures = variants
        .iter()
        .filter_map(|v| pages.remove_entry(&v.municipality))
        .filter(|(_, pages)| pages.iter().any(|p| !p.lang.is_empty()))
        .collect();
    let run = crate::scenarios::results::latest_run(db, version_id).await?;
    let axe = match run {
        Some(r) => {
            let list = crate::scenarios::results::axe_steps(db, r.id).await?;
            (!list.is_empty()).then_some(list)
        }
        None => None,
    };
    let submitted_numbers = crate::sandbox::inbox::submitted_numbers(db, version_id).await?;
    Ok(Evidence {
        base,
        variants,
        captures,
        axe,
        submitted_numbers,
    })
}

/// Whether a variant collects personal data: a personal-data question, or sign-in.
pub fn collects_personal_data(v: &Variant) -> bool {
    v.authentication.required
        || v.steps
            .iter()
            .flat_map(|s| &s.fields)
            .any(|f| !f.hidden && f.kind.is_personal_data())
}

fn applies(item: &Item, v: &Variant) -> bool {
    item.applies_when.iter().all(|c| match c {
        Condition::PersonalData => collects_personal_data(v),
        Condition::Signing => v.signing.required,
        Condition::Authentication => v.authentication.required,
        Condition::Attachments => v
            .steps
            .iter()
            .flat_map(|s| &s.fields)
            .any(|f| !f.hidden && f.kind == FieldKind::File),
    })
}

fn level_rank(l: AssuranceLevel) -> u8 {
    match l {
        AssuranceLevel::Low => 2,
        AssuranceLevel::Substantial => 3,
        AssuranceLevel::High => 4,
    }
}

/// Run an item's automatic check on every variant.
pub fn run(item: &Item, ev: &Evidence) -> Vec<VariantResult> {
    ev.variants
        .iter()
        .map(|v| VariantResult {
            municipality: v.municipality.clone(),
            outcome: if v.external_url.is_some() {
                outside(item, v, ev)
            } else if !applies(item, v) {
                Outcome::NotApplicable
            } else {
                check_variant(item, v, ev)
            },
        })
        .collect()
}

/// An external variant: judged where the evidence reaches it (its scenario
/// run's axe-core results), otherwise not checked, with why.
fn outside(item: &Item, v: &Variant, ev: &Evidence) -> Outcome {
    let check = item.check.as_deref().unwrap_or_default();
    let audited = ev
        .axe
        .iter()
        .flatten()
        .any(|s| s.municipality == v.municipality);
    if REACH_OUTSIDE.contains(&check) && audited {
        check_variant(item, v, ev)
    } else {
        Outcome::Unknown(OUTSIDE.into())
    }
}

fn check_variant(item: &Item, v: &Variant, ev: &Evidence) -> Outcome {
    let capture = ev
        .captures
        .iter()
        .find(|(m, _)| m == &v.municipality)
        .map(|(_, p)| p.as_slice());
    match item.check.as_deref().unwrap_or_default() {
        "privacy_notice_before_personal_data" => privacy_notice_before_personal_data(v),
        "help_texts" => help_texts(v),
        "contact_details" => contact_details(v),
        "accessibility_statement_link" => accessibility_statement_link(v, capture),
        "receipt_time_and_case_number" => receipt_time_and_case_number(capture),
        "lang_and_unique_titles" => lang_and_unique_titles(capture),
        "axe_wcag21aa" => axe_wcag21aa(v, ev),
        "signing_as_base" => signing_as_base(v, ev),
        "assurance_level" => assurance_level(item, v),
        "test_identities_only" => test_identities_only(v, ev),
        "preferred_terms" => terms(item, v, ev),
        other => Outcome::Unknown(format!("okänd kontroll {other}")),
    }
}

// One function per automatic check, named as a checklist names it in
// `check:`, each judging one variant from the evidence it needs.

fn no_capture() -> Outcome {
    Outcome::Unknown(
        "ingen aktuell fångst av varianten: jämför varianterna från versionens sida".into(),
    )
}

fn privacy_notice_before_personal_data(v: &Variant) -> Outcome {
    let mut notice = false;
    for s in &v.steps {
        for f in s.fields.iter().filter(|f| !f.hidden) {
            if f.kind == FieldKind::GdprNotice {
                notice = true;
            } else if f.kind.is_personal_data() && !notice {
                return Outcome::Failed(format!(
                    "”{}” i steget ”{}” frågar efter personuppgifter innan informationen om behandlingen visas",
                    if f.label.is_empty() { &f.id } else { &f.label },
                    s.title
                ));
            }
        }
    }
    if notice {
        Outcome::Passed
    } else {
        Outcome::Failed("tjänsten visar ingen information om personuppgiftsbehandlingen".into())
    }
}

fn help_texts(v: &Variant) -> Outcome {
    let bare: Vec<&str> = v
        .steps
        .iter()
        .filter(|s| s.fields.iter().any(|f| !f.hidden && !f.kind.is_block()))
        .filter(|s| {
            s.intro.is_none()
                && !s
                    .fields
                    .iter()
                    .any(|f| !f.hidden && (f.help.is_some() || f.kind.is_block()))
        })
        .map(|s| s.title.as_str())
        .collect();
    if bare.is_empty() {
        Outcome::Passed
    } else {
        Outcome::Failed(format!(
            "steg utan inledning eller hjälptext: {}",
            bare.join(", ")
        ))
    }
}

fn contact_details(v: &Variant) -> Outcome {
    let c = &v.contact;
    match (c.name.is_some(), c.phone.is_some() || c.email.is_some()) {
        (true, true) => Outcome::Passed,
        (false, _) => {
            Outcome::Failed("kontaktuppgifterna saknar namn på förvaltning eller funktion".into())
        }
        (_, false) => Outcome::Failed("kontaktuppgifterna saknar både telefon och e-post".into()),
    }
}

fn accessibility_statement_link(v: &Variant, capture: Option<&[PageShot]>) -> Outcome {
    match &v.accessibility_statement_url {
        None => Outcome::Failed("kommunen har ingen tillgänglighetsredogörelse angiven".into()),
        Some(_) => match capture {
            None => no_capture(),
            Some(pages) => {
                // The link sits in every page's footer; the captured text shows it.
                let missing: Vec<&str> = pages
                    .iter()
                    .filter(|p| !p.statement_link)
                    .map(|p| p.step.as_str())
                    .collect();
                if missing.is_empty() {
                    Outcome::Passed
                } else {
                    Outcome::Failed(format!(
                        "ingen länk till tillgänglighetsredogörelsen på: {}",
                        missing.join(", ")
                    ))
                }
            }
        },
    }
}

fn receipt_time_and_case_number(capture: Option<&[PageShot]>) -> Outcome {
    match capture {
        None => no_capture(),
        Some(pages) => match pages.iter().find(|p| p.step == "kvittens") {
            None => Outcome::Failed("fångsten nådde ingen kvittens".into()),
            Some(p) if p.receipt_fields >= 2 => Outcome::Passed,
            Some(_) => {
                Outcome::Failed("kvittensen visar inte både ärendenummer och tidpunkt".into())
            }
        },
    }
}

fn lang_and_unique_titles(capture: Option<&[PageShot]>) -> Outcome {
    match capture {
        None => no_capture(),
        Some(pages) => {
            if let Some(p) = pages.iter().find(|p| p.lang != "sv") {
                return Outcome::Failed(format!(
                    "sidan {} anger språket ”{}”, inte sv",
                    p.step, p.lang
                ));
            }
            let mut seen: Vec<&str> = Vec::new();
            for p in pages {
                if seen.contains(&p.title.as_str()) {
                    return Outcome::Failed(format!(
                        "titeln ”{}” används på mer än en sida",
                        p.title
                    ));
                }
                seen.push(&p.title);
            }
            Outcome::Passed
        }
    }
}

fn axe_wcag21aa(v: &Variant, ev: &Evidence) -> Outcome {
    match &ev.axe {
        None => Outcome::Unknown(
            "ingen körning med axe-core för versionen: kör scenarierna från versionens sida".into(),
        ),
        Some(all) => {
            let mut found: Vec<String> = Vec::new();
            let mut audited = false;
            let mut unreadable = None;
            for step in all.iter().filter(|s| s.municipality == v.municipality) {
                audited = true;
                if let Err(why) = &step.result {
                    unreadable = Some(why.clone());
                }
                for (rule, impact) in step.violations() {
                    if matches!(impact.as_str(), "serious" | "critical") {
                        let entry = format!("{rule} ({})", step.label);
                        if !found.contains(&entry) {
                            found.push(entry);
                        }
                    }
                }
            }
            if !found.is_empty() {
                Outcome::Failed(format!("allvarliga brister: {}", found.join(", ")))
            } else if let Some(why) = unreadable {
                Outcome::Unknown(why)
            } else if !audited {
                Outcome::Unknown("varianten ingick inte i den senaste körningen".into())
            } else {
                Outcome::Passed
            }
        }
    }
}

fn signing_as_base(v: &Variant, ev: &Evidence) -> Outcome {
    match &ev.base {
        None => Outcome::Unknown("basen saknas".into()),
        Some(b) if b.signing.required == v.signing.required => Outcome::Passed,
        Some(b) => Outcome::Failed(format!(
            "basen {} underskrift men varianten {}",
            if b.signing.required {
                "kräver"
            } else {
                "kräver inte"
            },
            if v.signing.required {
                "kräver den"
            } else {
                "har stängt av den"
            }
        )),
    }
}

fn assurance_level(item: &Item, v: &Variant) -> Outcome {
    let min = match item.params["minimum"].as_str() {
        Some("low") => AssuranceLevel::Low,
        Some("high") => AssuranceLevel::High,
        _ => AssuranceLevel::Substantial,
    };
    if !v.authentication.required {
        Outcome::Failed("tjänsten samlar in personuppgifter utan inloggning".into())
    } else if level_rank(v.authentication.level) < level_rank(min) {
        Outcome::Failed(format!(
            "inloggning på {}, minst {} krävs",
            v.authentication.level.swedish(),
            min.swedish()
        ))
    } else {
        Outcome::Passed
    }
}

fn test_identities_only(v: &Variant, ev: &Evidence) -> Outcome {
    let bad: Vec<&str> = ev
        .submitted_numbers
        .iter()
        .filter(|(m, _)| m == &v.municipality)
        .filter(|(_, p)| {
            !crate::identities::Personnummer::parse(p)
                .is_ok_and(|p| crate::identities::is_test_number(&p))
        })
        .map(|(_, p)| p.as_str())
        .collect();
    if bad.is_empty() {
        Outcome::Passed
    } else {
        Outcome::Failed(format!(
            "{} inskickade ärenden med personnummer som inte är testnummer",
            bad.len()
        ))
    }
}

/// The variant as served against the region's term list.
fn terms(item: &Item, v: &Variant, ev: &Evidence) -> Outcome {
    let Some(file) = item.params["catalogue"].as_str() else {
        return Outcome::Unknown("checklistan anger ingen katalog".into());
    };
    let cat = match crate::catalogue::shared(std::path::Path::new(file)) {
        Ok(c) => c,
        Err(_) => {
            return Outcome::Unknown(
                "regionens katalog kunde inte läsas: kör provrum validate --catalogue".into(),
            );
        }
    };
    let service = ev.base.as_ref().map(|b| b.id.as_str()).unwrap_or_default();
    let uses = crate::catalogue::terms::in_variant(&cat, service, v);
    if uses.is_empty() {
        return Outcome::Passed;
    }
    let mut said: Vec<String> = Vec::new();
    for u in &uses {
        let line = format!(
            "”{}” i {} (regionen skriver ”{}”)",
            u.word, u.place, u.preferred
        );
        if !said.contains(&line) {
            said.push(line);
        }
    }
    Outcome::Failed(said.join("; "))
}
