//! What a variant is compared with. Against the base, the reference is the
//! base as the same municipality would show it *with the identity the variant
//! declares* (its branding and contact details): those are expected local
//! differences, approved by declaration, so they never hide or produce noise.

use crate::municipalities::Registry;
use crate::services::merge;
use crate::services::{BaseService, Variant};

/// The suffix of a sandbox target that renders the reference of a variant.
pub const BASE_SUFFIX: &str = "~bas";

pub fn base_target(municipality: &str) -> String {
    format!("{municipality}{BASE_SUFFIX}")
}

/// The base as `v`'s municipality would show it.
pub fn base_as(base: &BaseService, v: &Variant, registry: &Registry) -> Option<Variant> {
    let m = registry.get(&v.municipality)?;
    let mut r = merge::resolve(base, None, m);
    r.branding = v.branding.clone();
    r.contact = v.contact.clone();
    r.volatile = v.volatile.clone();
    Some(r)
}

/// The expected differences a variant declares, in Swedish.
pub fn declared(base: &BaseService, v: &Variant, registry: &Registry) -> Vec<String> {
    let Some(m) = registry.get(&v.municipality) else {
        return Vec::new();
    };
    let plain = merge::resolve(base, None, m);
    let mut out = Vec::new();
    if plain.branding.colour != v.branding.colour {
        out.push(format!(
            "Egen profilfärg: {}",
            v.branding.colour.as_deref().unwrap_or("ingen")
        ));
    }
    if plain.branding.logo_text != v.branding.logo_text {
        out.push(format!(
            "Egen logotyptext: ”{}”",
            v.branding.logo_text.as_deref().unwrap_or("")
        ));
    }
    if plain.contact != v.contact {
        out.push("Egna kontaktuppgifter".to_string());
    }
    out
}
