//! Regions of a service's pages that comparisons ignore: marked by
//! e-kontoret on a comparison's evidence (a clock, a map tile, a banner the
//! package's `volatile:` selectors do not reach), with who and why, for
//! every variant and version of the service. A pixel change that lies
//! wholly inside ignored regions is not a deviation.

use serde_json::json;
use sqlx::Row;

use crate::store::{Store, audit, now};

/// Who acts: the user name for the audit log, the name for the list.
pub struct By<'a> {
    pub username: &'a str,
    pub name: &'a str,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Ignored {
    pub id: i64,
    pub service_id: String,
    /// The captured page (`start`, `steg/om-dig`, `granska` …).
    pub step: String,
    /// `desktop` or `mobil`.
    pub viewport: String,
    pub x: i64,
    pub y: i64,
    pub w: i64,
    pub h: i64,
    pub reason: String,
    pub created_by: String,
    pub created_at: String,
}

impl Ignored {
    /// Whether the box (x, y, w, h) lies inside this region, give or take
    /// a few pixels (a re-rendered change may grow by an anti-aliased edge).
    pub fn holds(&self, (x, y, w, h): (i64, i64, i64, i64)) -> bool {
        const SLACK: i64 = 4;
        x >= self.x - SLACK
            && y >= self.y - SLACK
            && x + w <= self.x + self.w + SLACK
            && y + h <= self.y + self.h + SLACK
    }
}

#[derive(Debug, thiserror::Error)]
pub enum IgnoreError {
    #[error("Skriv varför området ska ignoreras, så att andra förstår beslutet.")]
    Reason,
    #[error("Det finns inget område att ignorera.")]
    Empty,
    #[error("Området finns inte, eller är redan borttaget.")]
    NotFound,
    #[error("databas: {0}")]
    Db(#[from] sqlx::Error),
}

crate::store::wraps_db!(IgnoreError);

/// The service's regions in force, oldest first.
pub async fn active(db: &Store, service: &str) -> Result<Vec<Ignored>, sqlx::Error> {
    let rows = sqlx::query("select id, service_id, step, viewport, x, y, w, h, reason, created_by, created_at from ignored_regions where service_id = $1 and removed_at is null order by id")
        .bind(service)
        .fetch_all(&db.pool)
        .await?;
    Ok(rows
        .iter()
        .map(|r| Ignored {
            id: r.get("id"),
            service_id: r.get("service_id"),
            step: r.get("step"),
            viewport: r.get("viewport"),
            x: r.get("x"),
            y: r.get("y"),
            w: r.get("w"),
            h: r.get("h"),
            reason: r.get("reason"),
            created_by: r.get("created_by"),
            created_at: r.get("created_at"),
        })
        .collect())
}

/// Where the regions are: one page in one viewport.
pub struct Place<'a> {
    pub service: &'a str,
    pub step: &'a str,
    pub viewport: &'a str,
}

/// Ignore these boxes of a page from now on (one transaction, each audited).
pub async fn add(
    db: &Store,
    place: Place<'_>,
    boxes: &[(i64, i64, i64, i64)],
    reason: &str,
    actor: By<'_>,
) -> Result<(), IgnoreError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(IgnoreError::Reason);
    }
    let boxes: Vec<_> = boxes
        .iter()
        .filter(|(x, y, w, h)| *x >= 0 && *y >= 0 && *w > 0 && *h > 0)
        .collect();
    if boxes.is_empty() {
        return Err(IgnoreError::Empty);
    }
    let mut tx = db.begin().await?;
    let at = now();
    for (x, y, w, h) in boxes {
        let id: i64 = sqlx::query("insert into ignored_regions (service_id, step, viewport, x, y, w, h, reason, created_by, created_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) returning id")
            .bind(place.service)
            .bind(place.step)
            .bind(place.viewport)
            .bind(x)
            .bind(y)
            .bind(w)
            .bind(h)
            .bind(reason)
            .bind(actor.name)
            .bind(&at)
            .fetch_one(&mut *tx)
            .await?
            .get("id");
        audit(
            &mut tx,
            actor.username,
            "compare.ignore",
            &format!("{} {} {}", place.service, place.step, place.viewport),
            &json!({ "before": null, "after": { "id": id, "x": x, "y": y, "w": w, "h": h, "reason": reason } }),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Stop ignoring a region (kept, marked removed, audited).
pub async fn remove(db: &Store, service: &str, id: i64, actor: By<'_>) -> Result<(), IgnoreError> {
    let mut tx = db.begin().await?;
    let done = sqlx::query("update ignored_regions set removed_by = $1, removed_at = $2 where id = $3 and service_id = $4 and removed_at is null")
        .bind(actor.name)
        .bind(now())
        .bind(id)
        .bind(service)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if done == 0 {
        return Err(IgnoreError::NotFound);
    }
    audit(
        &mut tx,
        actor.username,
        "compare.unignore",
        &format!("{service} område {id}"),
        &json!({ "before": { "id": id }, "after": null }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Whether every box lies inside some region of that page and viewport
/// (and there is at least one box).
/// A viewport's name as people read it: "dator (1280 px)", "mobil (390 px)";
/// a region's own viewport (`surfplatta=768x1024`) keeps its name.
pub fn viewport_words(name: &str) -> String {
    match name {
        "desktop" => "dator (1280 px)".into(),
        "mobil" | "mobile" => "mobil (390 px)".into(),
        other => other.to_string(),
    }
}

pub fn covers(
    list: &[Ignored],
    step: &str,
    viewport: &str,
    boxes: &[(i64, i64, i64, i64)],
) -> bool {
    !boxes.is_empty()
        && boxes.iter().all(|b| {
            list.iter()
                .any(|r| r.step == step && r.viewport == viewport && r.holds(*b))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region(x: i64, y: i64, w: i64, h: i64) -> Ignored {
        Ignored {
            id: 1,
            service_id: "s".into(),
            step: "start".into(),
            viewport: "desktop".into(),
            x,
            y,
            w,
            h,
            reason: "klocka".into(),
            created_by: "Eva".into(),
            created_at: String::new(),
        }
    }

    #[test]
    fn only_changes_wholly_inside_are_covered() {
        let list = vec![region(100, 50, 200, 40)];
        assert!(covers(&list, "start", "desktop", &[(110, 55, 50, 20)]));
        // An anti-aliased pixel's slack.
        assert!(covers(&list, "start", "desktop", &[(98, 50, 204, 42)]));
        // Reaching out of it, another page or viewport, or nothing at all: no.
        assert!(!covers(&list, "start", "desktop", &[(110, 55, 50, 80)]));
        assert!(!covers(&list, "granska", "desktop", &[(110, 55, 50, 20)]));
        assert!(!covers(&list, "start", "mobil", &[(110, 55, 50, 20)]));
        assert!(!covers(&list, "start", "desktop", &[]));
        assert!(!covers(
            &list,
            "start",
            "desktop",
            &[(110, 55, 50, 20), (400, 400, 5, 5)]
        ));
    }
}
