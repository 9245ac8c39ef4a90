//! Taking a candidate version into the test room: the package is stored as
//! an immutable version and the open comments on the previous version follow
//! it (re-anchored or marked orphaned), all in one transaction. It lives
//! above both `services` and `reviews` so that neither has to know the other.

use crate::municipalities::Registry;
use crate::services::package::Package;
use crate::services::store::{self as versions, ImportError, ImportOutcome};
use crate::store::{Store, audit};

/// Store a package as a new version, all or nothing; an identical
/// re-import is a no-op and a changed one under the same number is refused.
pub async fn import(
    store: &Store,
    pkg: &Package,
    registry: &Registry,
    actor: &str,
) -> Result<ImportOutcome, ImportError> {
    let mut tx = store.begin().await?;
    let outcome = match versions::insert_version(&mut tx, pkg, registry).await {
        Ok(outcome) => outcome,
        // Another import of the same version committed between our check and
        // our insert (PostgreSQL): the version is there now, so this import is
        // the no-op (or the conflict) it would have been a moment later.
        Err(ImportError::Db(e))
            if e.as_database_error()
                .is_some_and(|d| d.is_unique_violation()) =>
        {
            tx.rollback().await?;
            let mut conn = store.pool.acquire().await?;
            return versions::already_stored(&mut conn, pkg)
                .await?
                .unwrap_or(Err(ImportError::Db(e)));
        }
        Err(e) => return Err(e),
    };
    let ImportOutcome::Imported { .. } = outcome else {
        tx.rollback().await?;
        return Ok(outcome);
    };
    follow_up(&mut tx, pkg, &outcome, actor).await?;
    tx.commit().await?;
    Ok(outcome)
}

/// What follows a stored version inside its transaction: the previous
/// version's open comments move over, and the import is logged. For
/// importers that store more in the same transaction (bundles).
pub async fn follow_up(
    tx: &mut sqlx::AnyConnection,
    pkg: &Package,
    outcome: &ImportOutcome,
    actor: &str,
) -> Result<(), ImportError> {
    let ImportOutcome::Imported { version_id, .. } = outcome else {
        return Ok(());
    };
    let version_id = *version_id;
    let carried =
        crate::reviews::carry::carry_over(tx, &pkg.base.id, version_id, &pkg.variants).await?;
    let detail = serde_json::json!({
        "version": pkg.base.version,
        "content_hash": pkg.content_hash,
        "variants": pkg.variants.len(),
        "comments_carried_over": carried,
    });
    audit(tx, actor, "import", &pkg.base.id, &detail).await?;
    Ok(())
}
