//! The version cache: stored versions and their resolved variants, kept in
//! memory: versions are immutable, so what was resolved once stays right.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use crate::municipalities::Registry;
use crate::store::Store;

use super::Variant;
use super::reference;
use super::store::{self, VersionSummary};

pub struct VersionCache {
    store: Store,
    registry: &'static Registry,
    /// A version's row, by (service, version).
    versions: RwLock<HashMap<(String, String), VersionSummary>>,
    /// One resolved variant, by (version id, municipality or `<m>~bas`).
    variants: RwLock<HashMap<(i64, String), Arc<Variant>>>,
    /// All variants of a version, in municipality order.
    all_variants: RwLock<HashMap<i64, Arc<Vec<Variant>>>>,
}

impl VersionCache {
    pub fn new(store: Store, registry: &'static Registry) -> VersionCache {
        VersionCache {
            store,
            registry,
            versions: RwLock::new(HashMap::new()),
            variants: RwLock::new(HashMap::new()),
            all_variants: RwLock::new(HashMap::new()),
        }
    }

    /// The region the variants are resolved for.
    pub fn registry(&self) -> &'static Registry {
        self.registry
    }

    /// A version by service and number; cached once found.
    pub async fn version(
        &self,
        service: &str,
        version: &str,
    ) -> Result<Option<VersionSummary>, sqlx::Error> {
        let key = (service.to_string(), version.to_string());
        if let Some(v) = self.versions.read().ok().and_then(|m| m.get(&key).cloned()) {
            return Ok(Some(v));
        }
        let Some(v) = store::find_version(&self.store, service, Some(version)).await? else {
            return Ok(None);
        };
        if let Ok(mut m) = self.versions.write() {
            m.insert(key, v.clone());
        }
        Ok(Some(v))
    }

    /// Every variant of a version.
    pub async fn variants(&self, version_id: i64) -> Result<Arc<Vec<Variant>>, sqlx::Error> {
        if let Some(v) = self
            .all_variants
            .read()
            .ok()
            .and_then(|m| m.get(&version_id).cloned())
        {
            return Ok(v);
        }
        let list = Arc::new(store::variants(&self.store, version_id).await?);
        if let Ok(mut m) = self.all_variants.write() {
            m.insert(version_id, list.clone());
        }
        Ok(list)
    }

    /// One variant, or with `<municipality>~bas` the base as that
    /// municipality would show it (what comparisons render).
    pub async fn variant(
        &self,
        version_id: i64,
        municipality: &str,
    ) -> Result<Option<Arc<Variant>>, sqlx::Error> {
        let key = (version_id, municipality.to_string());
        if let Some(v) = self.variants.read().ok().and_then(|m| m.get(&key).cloned()) {
            return Ok(Some(v));
        }
        let v = match municipality.strip_suffix(reference::BASE_SUFFIX) {
            Some(m) => {
                let (Some(v), Some(base)) = (
                    store::variant(&self.store, version_id, m).await?,
                    store::base(&self.store, version_id).await?,
                ) else {
                    return Ok(None);
                };
                reference::base_as(&base, &v, self.registry)
            }
            None => store::variant(&self.store, version_id, municipality).await?,
        };
        let Some(v) = v else {
            return Ok(None);
        };
        let v = Arc::new(v);
        if let Ok(mut m) = self.variants.write() {
            m.insert(key, v.clone());
        }
        Ok(Some(v))
    }
}
