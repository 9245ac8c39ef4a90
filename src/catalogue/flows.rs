//! A catalogue entry from an Open ePlatform flow: the flow names its
//! category, its owner, its statuses' handling times and its management
//! information ("förvaltningsinformation"), and a region that imports the
//! flow before its catalogue file describes the service gets an entry from
//! them. The region's own file always wins (`with_imported` drops an
//! imported entry the file has).

use crate::services::oeflow::FlowEntry;
use crate::store::Store;

pub use super::model::FROM_FLOW;
use super::model::{Entry, HandlingDays, SigningStandard};

/// The entry a flow's facts give for service `id`.
pub fn entry(id: &str, f: &FlowEntry) -> Entry {
    let unknown = || "Inte angiven i flödet".to_string();
    let days = f.managing_days.unwrap_or(0);
    Entry {
        id: id.to_string(),
        name: f.name.clone(),
        avoid_names: Vec::new(),
        description: f.description.clone(),
        category: f.category.clone().unwrap_or_else(unknown),
        committee: f.owner.clone().unwrap_or_else(unknown),
        signing: SigningStandard {
            required: f.signing,
            basis: if f.signing {
                "Flödet i Open ePlatform kräver underskrift.".into()
            } else {
                "Flödet i Open ePlatform kräver ingen underskrift.".into()
            },
            references: Vec::new(),
        },
        // Zero: not stated (`HandlingDays::for_class` leaves it out).
        handling_days: HandlingDays {
            small: days,
            medium: days,
            large: days,
        },
        management: f.management.clone(),
        tags: f.tags.clone(),
        from_region: None,
        pos: Default::default(),
    }
}

/// Keep the flow's entry for `service`, unless one came from another
/// region's test room (that one is a region's word; the flow's is a
/// platform's settings). Returns whether it was kept.
pub async fn remember(
    db: &Store,
    service: &str,
    f: &FlowEntry,
    actor: &str,
) -> Result<bool, sqlx::Error> {
    let json =
        serde_json::to_string(&entry(service, f)).map_err(|e| sqlx::Error::Encode(e.into()))?;
    let done = sqlx::query(
        "insert into catalogue_imports (service_id, region, entry, imported_by, imported_at) values ($1, $2, $3, $4, $5) \
         on conflict (service_id) do update set entry = excluded.entry, imported_by = excluded.imported_by, imported_at = excluded.imported_at \
         where catalogue_imports.region = excluded.region",
    )
    .bind(service)
    .bind(FROM_FLOW)
    .bind(json)
    .bind(actor)
    .bind(crate::store::now())
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() > 0)
}
