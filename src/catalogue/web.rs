//! The catalogue's pages: the region's services, one service with its
//! signing standard, handling times and who offers it, and one
//! municipality — what it offers, and what others of its size offer that
//! it does not.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

use crate::services::store::{self, VersionSummary};
use crate::services::{BaseService, Variant};
use crate::web::page::Layout;
use crate::web::session::require;
use crate::web::{AppState, WebError, render};

use super::{Catalogue, Entry};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/katalog", get(list))
        .route("/katalog.json", get(export_json))
        .route("/katalog.csv", get(export_csv))
        .route("/katalog/kommun/{kommun}", get(municipality))
        .route("/katalog/{service}", get(service))
}

/// The region's catalogue file with the entries imported with services
/// from other regions.
async fn load(state: &AppState) -> Result<std::sync::Arc<Catalogue>, WebError> {
    let file = super::shared(&state.catalogue).map_err(|d| {
        WebError::NotFound(format!(
            "Regionens katalog kunde inte läsas ({} fel). Be e-kontoret rätta den.",
            d.len()
        ))
    })?;
    Ok(super::with_imported(file, &state.store).await?)
}

/// The newest imported version of each service, with its base and variants.
struct Offered {
    version: VersionSummary,
    base: Option<BaseService>,
    variants: Vec<Variant>,
}

async fn offered(state: &AppState, service: &str) -> Result<Option<Offered>, WebError> {
    let Some(version) = store::find_version(&state.store, service, None).await? else {
        return Ok(None);
    };
    Ok(Some(Offered {
        base: store::base(&state.store, version.id).await?,
        variants: store::variants(&state.store, version.id).await?,
        version,
    }))
}

struct ListRow {
    entry: Entry,
    version: Option<String>,
    hosted: usize,
    /// Hosted variants with no local adaptation.
    as_base: usize,
}

#[derive(Template)]
#[template(path = "catalogue/list.html")]
struct ListPage {
    page: Layout,
    region: String,
    rows: Vec<ListRow>,
    municipalities: Vec<(String, String)>,
    /// Over the whole catalogue: variants as the base, of hosted variants.
    overall: (usize, usize),
    /// For e-kontoret: the import form's CSRF token.
    import_csrf: Option<String>,
}

async fn list(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, WebError> {
    let u = require()?;
    let cat = load(&state).await?;
    let mut rows = Vec::new();
    for e in &cat.services {
        let o = offered(&state, &e.id).await?;
        let (as_base, hosted) = o
            .as_ref()
            .and_then(|o| {
                Some(crate::services::changes::as_base(
                    o.base.as_ref()?,
                    &o.variants,
                ))
            })
            .unwrap_or((0, 0));
        rows.push(ListRow {
            version: o.as_ref().map(|o| o.version.version.clone()),
            hosted,
            as_base,
            entry: e.clone(),
        });
    }
    let overall = rows
        .iter()
        .fold((0, 0), |(s, h), r| (s + r.as_base, h + r.hosted));
    let (csrf, set) = crate::web::csrf::token(&headers, state.secure_cookies);
    let html = render(&ListPage {
        import_csrf: u
            .may(crate::accounts::Action::ImportService)
            .then_some(csrf),
        page: Layout::plain(&format!("Tjänstekatalog för {} – Provrum", cat.region)),
        region: cat.region.clone(),
        rows,
        municipalities: state.registry.municipalities_by_name(),
        overall,
    })?;
    Ok(crate::web::with_cookie(html, set))
}

/// One size class: the expected days and what the municipalities state.
struct Handling {
    class: &'static str,
    expected: u64,
    /// (median, lowest, highest, how many stated one).
    stated: Option<(u64, u64, u64, usize)>,
}

/// A municipality's part in the service.
struct Offer {
    name: String,
    id: String,
    /// "i provrummet", "egen e-tjänst".
    how: &'static str,
    /// The name it gives the service when not the catalogue's.
    other_name: Option<String>,
    adaptations: usize,
    days: Option<u64>,
}

#[derive(Template)]
#[template(path = "catalogue/service.html")]
struct ServicePage {
    page: Layout,
    entry: Entry,
    version: Option<VersionSummary>,
    handling: Vec<Handling>,
    offers: Vec<Offer>,
    /// Municipalities of the region without a variant.
    missing: Vec<String>,
}

fn median(mut days: Vec<u64>) -> Option<(u64, u64, u64, usize)> {
    days.sort_unstable();
    let n = days.len();
    let mid = match n {
        0 => return None,
        n if n % 2 == 1 => days[n / 2],
        n => (days[n / 2 - 1] + days[n / 2]) / 2,
    };
    Some((mid, days[0], days[n - 1], n))
}

async fn service(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Html<String>, WebError> {
    require()?;
    let cat = load(&state).await?;
    let entry = cat
        .entry(&id)
        .cloned()
        .ok_or_else(|| WebError::NotFound("Tjänsten finns inte i katalogen.".into()))?;
    let o = offered(&state, &id).await?;
    let variants = o.as_ref().map(|o| o.variants.clone()).unwrap_or_default();
    let class_of = |m: &str| state.registry.get(m).map(|x| x.size_class.clone());
    let handling = [("liten", "Liten"), ("medel", "Medelstor"), ("stor", "Stor")]
        .into_iter()
        .filter_map(|(class, words)| {
            let stated = variants
                .iter()
                .filter(|v| class_of(&v.municipality).as_deref() == Some(class))
                .filter_map(|v| v.handling_days)
                .collect();
            Some(Handling {
                class: words,
                expected: entry.handling_days.for_class(class)?,
                stated: median(stated),
            })
        })
        .collect();
    let mut offers: Vec<Offer> = variants
        .iter()
        .map(|v| Offer {
            name: state.registry.short_name(&v.municipality),
            id: v.municipality.clone(),
            how: if v.external_url.is_some() {
                "egen e-tjänst"
            } else {
                "i provrummet"
            },
            other_name: (v.title != entry.name).then(|| v.title.clone()),
            adaptations: o
                .as_ref()
                .and_then(|o| o.base.as_ref())
                .map_or(0, |b| crate::services::changes::local_changes(b, v).len()),
            days: v.handling_days,
        })
        .collect();
    offers.sort_by_key(|x| crate::municipalities::swedish_sort_key(&x.name));
    let missing = state
        .registry
        .municipalities_by_name()
        .into_iter()
        .filter(|(m, _)| !variants.iter().any(|v| &v.municipality == m))
        .map(|(_, n)| n)
        .collect();
    render(&ServicePage {
        page: Layout::plain(&format!("{} – tjänstekatalogen – Provrum", entry.name)),
        version: o.map(|o| o.version),
        entry,
        handling,
        offers,
        missing,
    })
}

/// A catalogue service from one municipality's side.
struct Row {
    entry: Entry,
    /// "i provrummet", "egen e-tjänst" or "erbjuds inte".
    how: &'static str,
    /// Others of the same size that offer it: (count, of how many).
    peers: (usize, usize),
}

#[derive(Template)]
#[template(path = "catalogue/municipality.html")]
struct MunicipalityPage {
    page: Layout,
    name: String,
    class: String,
    rows: Vec<Row>,
}

impl ListPage {
    /// Percent of hosted variants identical to the base, over the catalogue.
    fn overall_percent(&self) -> usize {
        (self.overall.0 * 100)
            .checked_div(self.overall.1)
            .unwrap_or(100)
    }
}

impl MunicipalityPage {
    /// Services others of the same size offer that this one does not.
    fn gaps(&self) -> Vec<String> {
        self.rows
            .iter()
            .filter(|r| r.how == "erbjuds inte" && r.peers.0 > 0)
            .map(|r| r.entry.name.clone())
            .collect()
    }
}

async fn municipality(
    State(state): State<AppState>,
    Path(kommun): Path<String>,
) -> Result<Html<String>, WebError> {
    require()?;
    let cat = load(&state).await?;
    let m = state
        .registry
        .get(&kommun)
        .ok_or_else(|| WebError::NotFound("Kommunen finns inte i regionen.".into()))?
        .clone();
    let peers: Vec<String> = state
        .registry
        .all()
        .iter()
        .filter(|x| x.size_class == m.size_class && x.id != m.id)
        .map(|x| x.id.clone())
        .collect();
    let mut rows = Vec::new();
    for e in &cat.services {
        let variants = match offered(&state, &e.id).await? {
            Some(o) => o.variants,
            None => Vec::new(),
        };
        let mine = variants.iter().find(|v| v.municipality == m.id);
        rows.push(Row {
            how: match mine {
                Some(v) if v.external_url.is_some() => "egen e-tjänst",
                Some(_) => "i provrummet",
                None => "erbjuds inte",
            },
            peers: (
                peers
                    .iter()
                    .filter(|p| variants.iter().any(|v| &v.municipality == *p))
                    .count(),
                peers.len(),
            ),
            entry: e.clone(),
        });
    }
    render(&MunicipalityPage {
        page: Layout::plain(&format!("{} i tjänstekatalogen – Provrum", m.short_name)),
        name: m.short_name.clone(),
        class: match m.size_class.as_str() {
            "liten" => "små".into(),
            "medel" => "medelstora".into(),
            "stor" => "stora".into(),
            other => other.to_string(),
        },
        rows,
    })
}

/// Each entry with what the test room knows of it: the newest version and
/// who offers it, with their stated handling times.
async fn exported(state: &AppState, cat: &Catalogue) -> Result<serde_json::Value, WebError> {
    let mut services = Vec::new();
    for e in &cat.services {
        let o = offered(state, &e.id).await?;
        let offers: Vec<serde_json::Value> = o
            .iter()
            .flat_map(|o| &o.variants)
            .map(|v| {
                serde_json::json!({
                    "municipality": v.municipality,
                    "hosted_here": v.external_url.is_none(),
                    "name": v.title,
                    "handling_days": v.handling_days,
                })
            })
            .collect();
        services.push(serde_json::json!({
            "entry": e,
            "version": o.as_ref().map(|o| o.version.version.clone()),
            "offered_by": offers,
        }));
    }
    Ok(serde_json::json!({
        "schema": "provrum-catalogue/1",
        "region": cat.region,
        "terms": cat.terms,
        "services": services,
    }))
}

async fn export_json(State(state): State<AppState>) -> Result<Response, WebError> {
    require()?;
    let cat = load(&state).await?;
    let body = serde_json::to_string_pretty(&exported(&state, &cat).await?).unwrap_or_default();
    Ok((
        [
            (header::CONTENT_TYPE, "application/json".to_string()),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"tjanstekatalog.json\"".to_string(),
            ),
        ],
        body,
    )
        .into_response())
}

const CSV_HEADER: [&str; 14] = [
    "Tjänst",
    "Namn",
    "Namn att undvika",
    "Beskrivning",
    "Kategori",
    "Ansvarig nämnd",
    "Underskrift",
    "Skäl för underskrift",
    "Lagrum",
    "Handläggning liten kommun (dagar)",
    "Handläggning medelstor kommun (dagar)",
    "Handläggning stor kommun (dagar)",
    "Version i provrummet",
    "Kommuner som erbjuder tjänsten",
];

async fn export_csv(State(state): State<AppState>) -> Result<Response, WebError> {
    require()?;
    let cat = load(&state).await?;
    let mut rows = Vec::new();
    for e in &cat.services {
        let o = offered(&state, &e.id).await?;
        let references: Vec<String> = e
            .signing
            .references
            .iter()
            .map(|r| {
                let mark = if r.verified { "" } else { " [verifiera]" };
                format!("{} {}{mark}", r.law, r.section)
            })
            .collect();
        rows.push(vec![
            e.id.clone(),
            e.name.clone(),
            e.avoid_names.join(", "),
            e.description.clone(),
            e.category.clone(),
            e.committee.clone(),
            if e.signing.required {
                "krävs"
            } else {
                "krävs inte"
            }
            .to_string(),
            e.signing.basis.clone(),
            references.join("; "),
            e.handling_days.small.to_string(),
            e.handling_days.medium.to_string(),
            e.handling_days.large.to_string(),
            o.as_ref()
                .map(|o| o.version.version.clone())
                .unwrap_or_default(),
            o.as_ref()
                .map(|o| {
                    o.variants
                        .iter()
                        .map(|v| state.registry.short_name(&v.municipality))
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default(),
        ]);
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"tjanstekatalog.csv\"".to_string(),
            ),
        ],
        crate::spreadsheet::file(&CSV_HEADER, &rows),
    )
        .into_response())
}
